/**
 * CIGF (Guo et al., "Compressed Interaction Graph based Framework for Multi-behavior
 * Recommendation", WWW 2023), after the official base_framework_origin_final.py (`defineModel`,
 * `sesg_predict` and the alternative decoders); notebook 06-cigf, section "model".
 *
 * CIGCN, per behaviour b (E⁰ = [U⁰; I⁰], Â_k = D⁻¹A_k row-normalised):
 *   layer 1:  m¹ = Â_b·E⁰,                         e¹ = m¹ + E⁰
 *   layer l≥2: α = LeakyReLU(E⁰·W_{b,l} + c_{b,l}) ∈ R^{N×B} (no softmax),
 *             mˡ = Σ_k α_k ⊙ (Â_k·m^{l−1}),        eˡ = mˡ + e^{l−1}
 *   (messages pass through every behaviour graph: the compressed interaction graph's
 *   instance-level high-order multi-behaviour paths); U_b, I_b = Σ_{l=0..L} eˡ.
 *   encoder "per-behaviour" (ablation): mˡ = Â_b·m^{l−1}, the same residual sums.
 * MESI decoder for task t (multi-expert with separate input):
 *   g = softmax([U_t[u]; I_t[i]]·W_g + c_g) ∈ R^B (one gate network shared by the tasks),
 *   expert_k = U_k[u] ⊙ I_k[i]  (expert k sees behaviour k's representations only),
 *   ŷ_t = mult · Σ_d Σ_k g_k · expert_k,d.
 * Alternative decoders of the official code: bilinear (ŷ_t = mult · Σ_d U_t ⊙ I_t ⊙ r_t), and over
 * the merged representations U = Σ_b U_b: shared-bottom (a linear tower per task), MMoE (shared
 * experts, a softmax gate and a tower per task), PLE (one task-specific + one shared expert).
 */
import { adjacency, type MultiBehaviourData } from "../../data/graph";
import { spmmTensor } from "../../engine/sparse";
import { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { meanRowNorms } from "../../models/graph/propagation";
import {
  rows,
  sizeOf,
  xavierVariable,
  type GraphEncoding,
  type GraphModel,
  type GraphModelConfig,
} from "../../models/graph/types";

export type CigfDecoder = "mesi" | "bilinear" | "shared-bottom" | "mmoe" | "ple";

export interface CigfConfig extends GraphModelConfig {
  /** "cigcn" (messages through every behaviour graph from layer 2 on) or "per-behaviour" (ablation). Default "cigcn". */
  encoder: "cigcn" | "per-behaviour";
  /** Decoder; official default `--decoder sesg` = MESI. */
  decoder: CigfDecoder;
  /** Score multiplier `--mult`. Official 300. */
  mult: number;
  /** Experts of the MMoE decoder `--num_exps`. Official 3. */
  numExperts: number;
  /** Slope of the LeakyReLU of the behaviour attention α (NNLayers `leaky`). Default 0.1. */
  leaky: number;
  /** Which behaviours' BPR losses are summed: all (official) or the target only. Default "all". */
  loss: "all" | "target";
}

/** Σ_e g[:, e] · experts[e]: experts E x [n, H], gate [n, E] → [n, H] (2-D ops only). */
function mixture(experts: tf.Tensor2D[], gate: tf.Tensor2D): tf.Tensor2D {
  const g = tf.split(gate, experts.length, 1) as tf.Tensor2D[]; // E x [n, 1]
  return tf.addN(experts.map((e, k) => tf.mul(e, g[k]))) as tf.Tensor2D;
}

interface Fc {
  w: tf.Variable;
  b: tf.Variable;
}

export class Cigf implements GraphModel {
  readonly id = "cigf";
  readonly behaviours: readonly string[];
  readonly lossBehaviours: readonly number[];
  readonly u0: tf.Variable;
  readonly i0: tf.Variable;
  /** Behaviour attention FC per (behaviour, layer ≥ 2): [D, B]. */
  readonly attention: Fc[][];
  private readonly dec: Record<string, Fc | tf.Variable | Fc[]> = {};
  private readonly B: number;

  constructor(
    private readonly data: MultiBehaviourData,
    readonly config: CigfConfig,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const next = () => rng.next();
    const D = config.embDim;
    const B = (this.B = data.behaviours.length);
    this.behaviours = data.behaviours;
    this.lossBehaviours = config.loss === "all" ? data.behaviours.map((_, b) => b) : [B - 1];
    this.u0 = xavierVariable(data.numUsers, D, next); // [U, D]
    this.i0 = xavierVariable(data.numItems, D, next); // [I, D]
    const fc = (i: number, o: number): Fc => ({
      w: xavierVariable(i, o, next),
      b: ownedVariable(tf.zeros([o])),
    });
    this.attention =
      config.encoder === "cigcn"
        ? data.behaviours.map(() => Array.from({ length: Math.max(0, config.numLayers - 1) }, () => fc(D, B)))
        : [];
    switch (config.decoder) {
      case "mesi":
        this.dec.gate = fc(2 * D, B);
        break;
      case "bilinear":
        this.dec.rel = xavierVariable(B, D, next);
        break;
      case "shared-bottom":
        this.dec.towers = data.behaviours.map(() => fc(2 * D, 1));
        break;
      case "mmoe":
        this.dec.experts = Array.from({ length: config.numExperts }, () => fc(2 * D, 2 * D));
        this.dec.gates = data.behaviours.map(() => fc(2 * D, config.numExperts));
        this.dec.towers = data.behaviours.map(() => fc(2 * D, 1));
        break;
      case "ple":
        this.dec.specific = data.behaviours.map(() => fc(2 * D, 2 * D));
        this.dec.shared = fc(2 * D, 2 * D);
        this.dec.gates = data.behaviours.map(() => fc(2 * D, 2));
        this.dec.towers = data.behaviours.map(() => fc(2 * D, 1));
        break;
    }
  }

  private decoderVariables(): tf.Variable[] {
    return Object.values(this.dec).flatMap((x) =>
      x instanceof tf.Variable ? [x] : Array.isArray(x) ? x.flatMap((f) => [f.w, f.b]) : [x.w, x.b],
    );
  }

  variables(): tf.Variable[] {
    return [
      this.u0,
      this.i0,
      ...this.attention.flat().flatMap((f) => [f.w, f.b]),
      ...this.decoderVariables(),
    ];
  }

  sharedVariables(): tf.Variable[] {
    return [this.u0, this.i0];
  }

  encode(): GraphEncoding {
    const U = this.data.numUsers;
    const e0 = tf.concat([this.u0, this.i0], 0) as tf.Tensor2D; // [N, D]
    const adjs = this.data.behaviours.map((_, k) => adjacency(this.data, k, "left"));
    const users: tf.Tensor2D[] = [];
    const items: tf.Tensor2D[] = [];
    let targetTerms: tf.Tensor2D[] = [];
    for (let b = 0; b < this.B; b++) {
      let m = spmmTensor(adjs[b], e0); // [N, D]
      let e = tf.add(m, e0) as tf.Tensor2D;
      const terms = [e0, e];
      for (let l = 2; l <= this.config.numLayers; l++) {
        if (this.config.encoder === "cigcn") {
          const f = this.attention[b][l - 2];
          const alpha = tf.leakyRelu(tf.add(tf.matMul(e0, f.w), f.b), this.config.leaky) as tf.Tensor2D; // [N, B]
          const a = tf.split(alpha, this.B, 1) as tf.Tensor2D[]; // B x [N, 1]
          const prev = m;
          m = tf.addN(adjs.map((adj, k) => tf.mul(a[k], spmmTensor(adj, prev)))) as tf.Tensor2D; // [N, D]
        } else m = spmmTensor(adjs[b], m);
        e = tf.add(m, e) as tf.Tensor2D;
        terms.push(e);
      }
      const final = tf.addN(terms) as tf.Tensor2D; // [N, D]
      const [u, i] = tf.split(final, [U, this.data.numItems], 0) as tf.Tensor2D[];
      users.push(u);
      items.push(i);
      if (b === this.B - 1) targetTerms = terms;
    }
    return { users, items, layerNorms: meanRowNorms(targetTerms) };
  }

  score(enc: GraphEncoding, t: number, u: Int32Array, i: Int32Array): tf.Tensor1D {
    const mult = this.config.mult;
    const lin = (x: tf.Tensor2D, f: Fc) => tf.add(tf.matMul(x, f.w), f.b) as tf.Tensor2D;
    const act = (x: tf.Tensor2D) => tf.leakyRelu(x, this.config.leaky) as tf.Tensor2D;
    switch (this.config.decoder) {
      case "mesi": {
        const ut = rows(enc.users[t], u);
        const it = rows(enc.items[t], i);
        const g = tf.softmax(lin(tf.concat([ut, it], 1) as tf.Tensor2D, this.dec.gate as Fc)) as tf.Tensor2D; // [n, B]
        const experts = tf.concat(
          enc.users.map((uk, k) => tf.sum(tf.mul(rows(uk, u), rows(enc.items[k], i)), 1, true)),
          1,
        ); // [n, B]
        return tf.mul(tf.sum(tf.mul(g, experts), 1), mult) as tf.Tensor1D;
      }
      case "bilinear": {
        const r = tf.gather(this.dec.rel as tf.Variable, [t]) as tf.Tensor2D; // [1, D]
        return tf.mul(
          tf.sum(tf.mul(tf.mul(rows(enc.users[t], u), rows(enc.items[t], i)), r), 1),
          mult,
        ) as tf.Tensor1D;
      }
      default: {
        const um = tf.addN(enc.users) as tf.Tensor2D;
        const im = tf.addN(enc.items) as tf.Tensor2D;
        const x = tf.concat([rows(um, u), rows(im, i)], 1) as tf.Tensor2D; // [n, 2D]
        const towers = this.dec.towers as Fc[];
        let h = x;
        if (this.config.decoder === "mmoe") {
          h = mixture(
            (this.dec.experts as Fc[]).map((f) => act(lin(x, f))),
            tf.softmax(lin(x, (this.dec.gates as Fc[])[t])) as tf.Tensor2D,
          );
        } else if (this.config.decoder === "ple") {
          h = mixture(
            [act(lin(x, (this.dec.specific as Fc[])[t])), act(lin(x, this.dec.shared as Fc))],
            tf.softmax(lin(x, (this.dec.gates as Fc[])[t])) as tf.Tensor2D,
          );
        }
        return tf.mul(tf.reshape(lin(h, towers[t]), [-1]), mult) as tf.Tensor1D;
      }
    }
  }

  paramCount(): { embedding: number; dense: number } {
    const emb = sizeOf([this.u0, this.i0]);
    return { embedding: emb, dense: sizeOf(this.variables()) - emb };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
