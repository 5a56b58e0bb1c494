/**
 * The kit side of the throughput benchmark: one training step of the reference CTR DNN
 * (39 fields -> one shared 1M x 16 table -> MLP 624-400-400-400-1, ReLU, BCE-with-logits, Adam).
 *
 * `KitTrainer.step(batch)` is the boundary the harness times (bench/throughput.ts). This file has
 * a self-contained implementation (`createSelfContainedTrainer`): a kit-style typed-array table
 * with gather / scatter-sum / row-wise (lazy) Adam, and a tfjs MLP whose step mirrors
 * src/train/trainer.ts (lookup -> leaf tensor -> tf.valueAndGrads -> dense Adam with the same op
 * sequence as src/train/dense-optim.ts -> sparse row update). bench/kit_trainer.ts is where the
 * kit's real Trainer is plugged in.
 */
import type { Batch } from "../src/data/schema";
import { Rng } from "../src/engine/rng";
import { tf } from "../src/engine/tf";
import type { NativeAddon } from "../src/engine/native";
import { BenchShape, fieldOffset } from "./data";
import { nowMs } from "./util";

/** Milliseconds spent in each phase of one step (fields the trainer cannot split are omitted). */
export interface StepTimings {
  loss: number;
  total_ms: number;
  embedding_lookup_ms?: number;
  forward_ms?: number;
  backward_ms?: number;
  /** Forward + backward together, for trainers that cannot split them (tf.valueAndGrads). */
  forward_backward_ms?: number;
  dense_optimizer_ms?: number;
  sparse_update_ms?: number;
}

export interface KitTrainer {
  /** Short description recorded in the results. */
  readonly description: string;
  /** One optimisation step on `batch` (the harness times the call; timings are optional detail). */
  step(batch: Batch): StepTimings;
  dispose(): void;
}

export interface TrainerOptions {
  shape: BenchShape;
  lr: number;
  seed: number;
  /** Use the native addon's gatherRows / adamRows for the table (else plain JS loops). */
  nativeTable?: NativeAddon | null;
}

export type KitTrainerFactory = (opts: TrainerOptions) => KitTrainer;

/** PyTorch nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
function linearInit(rng: Rng, fanIn: number, n: number): Float32Array {
  const a = new Float32Array(n);
  const bound = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * bound;
  return a;
}

/** Kit-style fp32 table with lazy Adam; JS loops or the native addon. */
class BenchTable {
  readonly w: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;
  private stamp: Int32Array;
  private slot: Int32Array;
  private uniq = new Int32Array(0);
  private gsum = new Float32Array(0);

  constructor(
    readonly rows: number,
    readonly dim: number,
    rng: Rng,
    private readonly nat: NativeAddon | null,
  ) {
    this.w = new Float32Array(rows * dim);
    for (let i = 0; i < this.w.length; i++) this.w[i] = rng.normal() * 0.01;
    // fill(): touch every page now. Fresh typed arrays are mapped lazily and a first touch costs a
    // page fault (~10 us on this VM): left lazy, the first few hundred steps pay for them.
    this.m = new Float32Array(rows * dim).fill(0);
    this.v = new Float32Array(rows * dim).fill(0);
    this.stamp = new Int32Array(rows).fill(0);
    this.slot = new Int32Array(rows).fill(0);
  }

  /** ids: global row ids, row-major [B, F]; out [B*F, dim]. */
  gather(ids: Int32Array, out: Float32Array): void {
    const D = this.dim;
    if (this.nat) {
      this.nat.gatherRows(this.w, D, ids, out);
      return;
    }
    const w = this.w;
    for (let k = 0; k < ids.length; k++) {
      const s = ids[k] * D;
      const o = k * D;
      for (let j = 0; j < D; j++) out[o + j] = w[s + j];
    }
  }

  /** Sum gradients of duplicate ids, then one lazy-Adam update per unique row. */
  update(ids: Int32Array, grad: Float32Array, lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): number {
    const D = this.dim;
    this.t += 1;
    const stampV = this.t;
    if (this.uniq.length < ids.length) {
      this.uniq = new Int32Array(ids.length);
      this.gsum = new Float32Array(ids.length * D);
    }
    const { stamp, slot, uniq, gsum } = this;
    if (this.nat) {
      const n = this.nat.dedupRows(ids, grad, D, stamp, slot, stampV, uniq, gsum);
      this.nat.adamRows(
        this.w,
        this.m,
        this.v,
        D,
        uniq.subarray(0, n),
        gsum.subarray(0, n * D),
        lr,
        beta1,
        beta2,
        eps,
        this.t,
      );
      return n;
    }
    let n = 0;
    for (let k = 0; k < ids.length; k++) {
      const r = ids[k];
      let s: number;
      if (stamp[r] !== stampV) {
        stamp[r] = stampV;
        s = n++;
        slot[r] = s;
        uniq[s] = r;
        const o = s * D;
        const go = k * D;
        for (let j = 0; j < D; j++) gsum[o + j] = grad[go + j];
      } else {
        s = slot[r];
        const o = s * D;
        const go = k * D;
        for (let j = 0; j < D; j++) gsum[o + j] += grad[go + j];
      }
    }
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const { w, m, v } = this;
    for (let s = 0; s < n; s++) {
      const base = uniq[s] * D;
      const go = s * D;
      for (let j = 0; j < D; j++) {
        const g = gsum[go + j];
        const i = base + j;
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        w[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
    return n;
  }
}

/** Adam over tfjs variables with the op sequence of src/train/dense-optim.ts (PyTorch semantics). */
class BenchDenseAdam {
  private m: tf.Variable[];
  private v: tf.Variable[];
  t = 0;
  constructor(
    readonly vars: tf.Variable[],
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }
  apply(grads: tf.Tensor[]): void {
    this.t += 1;
    const { lr, beta1, beta2, eps, t } = this;
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const epsHat = eps * Math.sqrt(1 - beta2 ** t);
        w.assign(tf.sub(w, tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(v), epsHat))));
      });
    });
  }
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Self-contained kit step (used until bench/kit_trainer.ts returns the kit's real trainer). */
export const createSelfContainedTrainer: KitTrainerFactory = (opts) => {
  const { shape, lr, seed } = opts;
  const rng = new Rng(seed);
  const F = shape.fields;
  const D = shape.dim;
  const table = new BenchTable(shape.rows, D, rng, opts.nativeTable ?? null);
  const dims = [F * D, ...shape.hidden, 1];
  const vars: tf.Variable[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const [i, o] = [dims[l], dims[l + 1]];
    vars.push(tf.variable(tf.tensor2d(linearInit(rng, i, i * o), [i, o]), true, `bench_w${l}`));
    vars.push(tf.variable(tf.tensor1d(linearInit(rng, i, o)), true, `bench_b${l}`));
  }
  const opt = new BenchDenseAdam(vars, lr);
  let ids = new Int32Array(0);
  let emb = new Float32Array(0);

  const forward = (x: tf.Tensor2D, ws: tf.Tensor[], labels: tf.Tensor1D): tf.Scalar => {
    let h: tf.Tensor2D = x;
    const nLayers = ws.length / 2;
    for (let l = 0; l < nLayers; l++) {
      const z = tf.fused.matMul({ a: h, b: ws[2 * l] as tf.Tensor2D, bias: ws[2 * l + 1] }) as tf.Tensor2D;
      h = l + 1 < nLayers ? tf.relu(z) : z;
    }
    return tf.losses.sigmoidCrossEntropy(labels, tf.reshape(h, [-1])) as tf.Scalar;
  };

  return {
    description: `self-contained: typed-array table (${opts.nativeTable ? "native" : "JS"} gather + lazy Adam) + tfjs MLP (fused.matMul + relu), tfjs-op Adam`,
    step(batch: Batch): StepTimings {
      const B = batch.size;
      const t0 = nowMs();
      if (ids.length !== B * F) {
        ids = new Int32Array(B * F);
        emb = new Float32Array(B * F * D);
      }
      for (let f = 0; f < F; f++) {
        const col = batch.cat[f];
        const off = fieldOffset(shape, f);
        for (let b = 0; b < B; b++) ids[b * F + f] = col[b] + off;
      }
      table.gather(ids, emb);
      const t1 = nowMs();
      let tFwd = t1;
      let loss = NaN;
      let embGrad: Float32Array | null = null;
      let t2 = 0;
      let t3 = 0;
      tf.tidy(() => {
        const x = tf.tensor2d(emb, [B, F * D]);
        const y = tf.tensor1d(batch.labels[0]);
        const f = (xx: tf.Tensor, ...ws: tf.Tensor[]) => {
          const l = forward(xx as tf.Tensor2D, ws, y);
          tFwd = nowMs();
          return l;
        };
        const { value, grads } = tf.valueAndGrads(f)([x, ...vars]);
        loss = value.dataSync()[0];
        embGrad = grads[0].dataSync() as Float32Array;
        t2 = nowMs();
        opt.apply(grads.slice(1));
        t3 = nowMs();
      });
      table.update(ids, embGrad!, lr);
      const t4 = nowMs();
      return {
        loss,
        total_ms: t4 - t0,
        embedding_lookup_ms: t1 - t0,
        forward_ms: tFwd - t1,
        backward_ms: t2 - tFwd,
        dense_optimizer_ms: t3 - t2,
        sparse_update_ms: t4 - t3,
      };
    },
    dispose(): void {
      opt.dispose();
      tf.dispose(vars);
    },
  };
};
