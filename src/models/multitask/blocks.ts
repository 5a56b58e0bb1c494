/**
 * Building blocks shared by the multi-task models (one output per TASK) and their multi-domain
 * variants (one output per DOMAIN): expert sets, softmax gates, and three "backbones" that turn the
 * flat input x [B, d] into K representations, one per output k:
 *
 *   BottomBackbone  hard sharing (Caruana 1997): one MLP, every output reads the same h(x);
 *   MmoeBackbone    MMoE (Ma et al., KDD 2018, eq. 5-6): n shared experts f_i, one softmax gate
 *                   g^k(x) = softmax(W_gk x) per output, rep_k = Σ_i g^k_i(x) f_i(x);
 *   PleBackbone     PLE (Tang et al., RecSys 2020, eq. 2-5): stacked CGC levels, each with output-
 *                   specific experts, shared experts, a gate per output over (its own + shared)
 *                   experts and, below the last level, a shared gate over all experts.
 *
 * Whether the K outputs are tasks (heads) or domains (routed to one head) is decided by the model
 * (task-models.ts, domain-models.ts); the blocks do not know. Shapes and defaults follow
 * torch-rechub torch_rechub/models/multi_task/{shared_bottom,mmoe,ple}.py. The reference's MLP puts
 * BatchNorm1d after every Linear (experts, bottoms, gates and towers: Linear→BN→ReLU→Dropout, gates
 * Linear→BN→softmax); every block here takes a trailing `batchNorm` option that builds exactly that
 * (running statistics in evaluation, layers/batch-norm.ts). Off by default (the kit's choice):
 * experts Linear→ReLU(→dropout), gates Linear→softmax, with the same initial weights either way.
 * Blocks with BatchNorm expose `buffers()` / `updateBuffers()` / `discardPending()` (ModelBase.track).
 *
 * Layout for speed (same function as one Mlp per expert): an ExpertSet's first layers are one
 * Dense(in, n·H1) and its output is [B, n·H] expert-major; first layers reading the same input run
 * as one matMul (`sharedInputMatMul`); the gate mix is a batched matMul. See bench/README.md.
 */
import type { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { BatchNorm, type BatchNormConfig } from "../layers/batch-norm";
import { Dense, dropout, glorotUniform } from "../layers/dense";
import { Mlp } from "../layers/mlp";

/** BatchNorm option of the blocks: false (default, none), true (PyTorch defaults) or a config. */
export type BlockNorm = boolean | BatchNormConfig;

const makeNorm = (dim: number, bn: BlockNorm): BatchNorm | null =>
  bn === false ? null : new BatchNorm(dim, bn === true ? {} : bn);

/** Buffer bookkeeping of a set of BatchNorms (for blocks made of several layers). */
function normsApi(
  norms: () => { buffers(): tf.Variable[]; updateBuffers(): void; discardPending(): void }[],
) {
  return {
    buffers: (): tf.Variable[] => norms().flatMap((n) => n.buffers()),
    updateBuffers: (): void => norms().forEach((n) => n.updateBuffers()),
    discardPending: (): void => norms().forEach((n) => n.discardPending()),
  };
}

/**
 * Softmax gate over n experts: g(x) = softmax(x W + b), x [B, inDim] -> [B, n]; with `batchNorm`,
 * softmax(BN(x W + b)) (torch-rechub's gate: an MLP with dims [n] and activation softmax).
 */
export class Gate {
  readonly dense: Dense;
  /** BatchNorm over the n logits, or null. */
  readonly norm: BatchNorm | null;

  constructor(
    readonly inDim: number,
    readonly numExperts: number,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (!(Number.isInteger(numExperts) && numExperts >= 1))
      throw new Error(`gate: numExperts must be a positive integer, got ${numExperts}`);
    this.dense = new Dense(inDim, numExperts, rng);
    this.norm = makeNorm(numExperts, batchNorm);
  }

  apply(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.fromLogits(this.dense.apply(x), training); // [B, n]
  }

  /** The gate's layer, for `sharedInputMatMul`. */
  layer(): Linear {
    return { w: this.dense.w, b: this.dense.b! };
  }

  /** softmax(z) (softmax(BN(z)) with BatchNorm) for z = x W + b computed elsewhere (see `sharedInputMatMul`). */
  fromLogits(z: tf.Tensor2D, training = false): tf.Tensor2D {
    return tf.softmax(this.norm ? this.norm.apply(z, training) : z) as tf.Tensor2D;
  }

  variables(): tf.Variable[] {
    return [...this.dense.variables(), ...(this.norm ? this.norm.variables() : [])];
  }

  buffers(): tf.Variable[] {
    return this.norm ? this.norm.buffers() : [];
  }

  updateBuffers(): void {
    this.norm?.updateBuffers();
  }

  discardPending(): void {
    this.norm?.discardPending();
  }
}

/** A linear layer's variables: w [in, width], b [width]. */
export interface Linear {
  w: tf.Variable;
  b: tf.Variable;
}

/**
 * x W_j + b_j for several layers that read the same x, as one matMul over the column-concatenated
 * weights, split afterwards. Values and per-variable gradients are those of separate matMuls (a
 * variable no loss reaches still gets an exact zero); the backward pass does one x-gradient matMul
 * instead of one per layer plus their sum, which is most of a gate's cost at batch 1024.
 */
export function sharedInputMatMul(x: tf.Tensor2D, layers: Linear[]): tf.Tensor2D[] {
  if (layers.length === 1)
    return [tf.fused.matMul({ a: x, b: layers[0].w as tf.Tensor2D, bias: layers[0].b }) as tf.Tensor2D];
  const w = tf.concat(
    layers.map((l) => l.w as tf.Tensor2D),
    1,
  ) as tf.Tensor2D;
  const b = tf.concat(
    layers.map((l) => l.b as tf.Tensor1D),
    0,
  );
  const z = tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
  return tf.split(
    z,
    layers.map((l) => l.w.shape[1] as number),
    1,
  ) as tf.Tensor2D[];
}

/**
 * n experts, each an MLP inDim -> hidden (ReLU after every layer, optional dropout), evaluated
 * together. The first layers of the n experts are one Dense(inDim, n*H1) whose column block
 * [i*H1, (i+1)*H1) is expert i's weight; deeper layers stay one Dense per expert on that expert's
 * column block. Outputs are laid out expert-major, [B, n*H]: expert i at columns [i*H, (i+1)*H).
 * Parameter counts and the initial weights are those of n separate Mlp experts (each expert's
 * layers are drawn from `rng` in the same order as `new Mlp(inDim, {hidden}, rng)` n times); only
 * the variables are grouped differently. Dropout (when set) draws one mask over all experts.
 * With `batchNorm` every layer is Linear→BN→ReLU: the first layers' BatchNorm runs over the n·H1
 * fused columns, which is n per-expert BatchNorms (statistics are per column).
 *
 * Why: n small matMuls + tf.stack (whose gradient is Unpack) cost 10-15x a shared bottom's step on
 * the tfjs CPU backend; one wide matMul costs about as much as one expert.
 */
export class ExpertSet {
  /** First layer of every expert, fused: w [inDim, n*H1], b [n*H1]; null when the set is empty. */
  readonly first: { w: tf.Variable; b: tf.Variable } | null;
  /** deeper[i]: expert i's layers after the first (empty for single-layer experts). */
  readonly deeper: Dense[][];
  /** BatchNorm of the fused first layer [n*H1] (null without `batchNorm` or when empty). */
  readonly firstNorm: BatchNorm | null = null;
  /** deeperNorms[i][l]: BatchNorm of expert i's layer l + 1 (empty without `batchNorm`). */
  readonly deeperNorms: BatchNorm[][] = [];
  readonly outDim: number;

  constructor(
    readonly inDim: number,
    readonly size: number,
    readonly hidden: number[],
    readonly dropout: number,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (!(Number.isInteger(size) && size >= 0))
      throw new Error(`experts: count must be a non-negative integer, got ${size}`);
    if (hidden.length === 0)
      throw new Error("experts: need at least one hidden layer (expertHidden is empty)");
    for (const h of hidden)
      if (!(Number.isInteger(h) && h > 0))
        throw new Error(`mlp: hidden width must be a positive integer, got ${h}`);
    this.outDim = hidden[hidden.length - 1];
    this.deeper = [];
    if (size === 0) {
      this.first = null;
      return;
    }
    const h1 = hidden[0];
    const w1 = new Float32Array(inDim * size * h1);
    for (let i = 0; i < size; i++) {
      // Expert i's first layer (row-major [inDim, h1]) into its column block, then its deeper layers.
      const wi = glorotUniform(inDim, h1, rng);
      for (let r = 0; r < inDim; r++) w1.set(wi.subarray(r * h1, (r + 1) * h1), r * size * h1 + i * h1);
      const layers: Dense[] = [];
      for (let l = 1; l < hidden.length; l++) layers.push(new Dense(hidden[l - 1], hidden[l], rng));
      this.deeper.push(layers);
      if (batchNorm !== false) this.deeperNorms.push(hidden.slice(1).map((h) => makeNorm(h, batchNorm)!));
    }
    this.first = {
      w: ownedVariable(tf.tensor2d(w1, [inDim, size * h1])),
      b: ownedVariable(tf.zeros([size * h1])),
    };
    this.firstNorm = makeNorm(size * h1, batchNorm);
  }

  /** Every expert on x: [B, n*H], expert i at columns [i*H, (i+1)*H); null when the set is empty. */
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor2D | null {
    if (!this.first) return null;
    const f = this.first;
    if (this.hidden.length === 1 && !this.firstNorm)
      return dropout(
        tf.fused.matMul({ a: x, b: f.w as tf.Tensor2D, bias: f.b, activation: "relu" }) as tf.Tensor2D,
        this.dropout,
        training,
        rng,
      );
    return this.fromFirst(
      tf.fused.matMul({ a: x, b: f.w as tf.Tensor2D, bias: f.b }) as tf.Tensor2D,
      training,
      rng,
    );
  }

  /** The fused first layer, for `sharedInputMatMul`; null when the set is empty. */
  layer(): Linear | null {
    return this.first;
  }

  /** The experts given their first layer's pre-activation z = x W1 + b1 [B, n*H1]: [B, n*H]. */
  fromFirst(z: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor2D {
    const h = dropout(
      tf.relu(this.firstNorm ? this.firstNorm.apply(z, training) : z),
      this.dropout,
      training,
      rng,
    );
    if (this.hidden.length === 1) return h; // [B, n*H]
    const parts = this.size === 1 ? [h] : (tf.split(h, this.size, 1) as tf.Tensor2D[]);
    const outs = parts.map((p, i) => {
      let q = p;
      this.deeper[i].forEach((layer, l) => {
        const norm = this.deeperNorms[i]?.[l];
        const pre = norm ? tf.relu(norm.apply(layer.apply(q), training)) : layer.apply(q, "relu"); // [B, H_l]
        q = dropout(pre as tf.Tensor2D, this.dropout, training, rng);
      });
      return q;
    });
    return this.size === 1 ? outs[0] : (tf.concat(outs, 1) as tf.Tensor2D); // [B, n*H]
  }

  /** [w1, b1, (γ1, β1,) then per expert its deeper layers (each W, b(, γ, β))]. */
  variables(): tf.Variable[] {
    if (!this.first) return [];
    return [
      this.first.w,
      this.first.b,
      ...(this.firstNorm ? this.firstNorm.variables() : []),
      ...this.deeper.flatMap((ls, i) =>
        ls.flatMap((l, j) => [...l.variables(), ...(this.deeperNorms[i]?.[j]?.variables() ?? [])]),
      ),
    ];
  }

  private readonly norms = normsApi(() => [
    ...(this.firstNorm ? [this.firstNorm] : []),
    ...this.deeperNorms.flat(),
  ]);
  buffers = this.norms.buffers;
  updateBuffers = this.norms.updateBuffers;
  discardPending = this.norms.discardPending;
}

/**
 * Gate-weighted sum of expert outputs: gate [B, n], experts [B, n*H] (expert-major, as ExpertSet
 * returns them) -> [B, H]: out[b, :] = Σ_i gate[b, i] · experts[b, i*H:(i+1)*H].
 */
export function mixExperts(gate: tf.Tensor2D, experts: tf.Tensor2D): tf.Tensor2D {
  const [B, n] = gate.shape;
  const H = experts.shape[1] / n;
  if (!Number.isInteger(H) || experts.shape[0] !== B)
    throw new Error(`mixExperts: gate [${gate.shape}] does not fit experts [${experts.shape}]`);
  if (n === 1) return tf.mul(experts, gate) as tf.Tensor2D;
  return mixImpl(gate, experts, B, n, H);
}

type MixFn = (gate: tf.Tensor2D, experts: tf.Tensor2D, B: number, n: number, H: number) => tf.Tensor2D;

/** Batched matMul: [B, 1, n] x [B, n, H]. */
const mixBmm: MixFn = (gate, experts, B, n, H) =>
  tf.reshape(tf.matMul(tf.reshape(gate, [B, 1, n]), tf.reshape(experts, [B, n, H])), [B, H]) as tf.Tensor2D;

/** Column scaling + addN: Σ_i gate[:, i] ⊙ experts[:, block i]. */
const mixAddN: MixFn = (gate, experts, _B, n) => {
  const g = tf.split(gate, n, 1) as tf.Tensor2D[];
  const e = tf.split(experts, n, 1) as tf.Tensor2D[];
  return tf.addN(e.map((ei, i) => tf.mul(ei, g[i]))) as tf.Tensor2D;
};

const repeatCache = new Map<string, { rep: Float32Array; sum: Float32Array }>();
/** Two 2-D matMuls with constant 0/1 matrices: (gate R ⊙ experts) S, R [n, n*H] repeats, S [n*H, H] sums. */
const mixMat: MixFn = (gate, experts, _B, n, H) => {
  const key = `${n}x${H}`;
  let c = repeatCache.get(key);
  if (!c) {
    const rep = new Float32Array(n * n * H);
    const sum = new Float32Array(n * H * H);
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++) ((rep[i * n * H + i * H + h] = 1), (sum[(i * H + h) * H + h] = 1));
    c = { rep, sum };
    repeatCache.set(key, c);
  }
  const scaled = tf.mul(tf.matMul(gate, tf.tensor2d(c.rep, [n, n * H])), experts);
  return tf.matMul(scaled, tf.tensor2d(c.sum, [n * H, H])) as tf.Tensor2D;
};

export const MIX_STRATEGIES: Record<string, MixFn> = { bmm: mixBmm, addn: mixAddN, mat: mixMat };
let mixImpl: MixFn = mixBmm;
/** Benchmarks only: pick the mix implementation (same math). */
export function setMixStrategy(name: string): void {
  mixImpl = MIX_STRATEGIES[name];
}

/** Gate weights of one gate, for figures: level (1-based), the output it serves (index or "shared"). */
export interface GateTrace {
  level: number;
  output: number | "shared";
  /** [B, n] softmax weights over the experts the gate sees. */
  weights: tf.Tensor2D;
}

export interface BackboneOutput {
  /** One representation [B, outDim] per output k (K of them). */
  reps: tf.Tensor2D[];
  gates: GateTrace[];
}

/** Turns the flat input into one representation per output (task or domain). */
export interface Backbone {
  readonly numOutputs: number;
  readonly outDim: number;
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput;
  /** Dense variables, in a fixed order. */
  variables(): tf.Variable[];
  /** The variables every output depends on (see each backbone for the rule). */
  sharedVariables(): tf.Variable[];
  /** The variables only output k depends on (zero gradient from every other output). */
  outputVariables(k: number): tf.Variable[];
  /** BatchNorm running statistics (empty without `batchNorm`); the kit's backbones all have them. */
  buffers?(): tf.Variable[];
  /** Once per training step: fold the last training forward's batch statistics in. */
  updateBuffers?(): void;
  /** Drop recorded batch statistics (before disposal). */
  discardPending?(): void;
}

/** Hard parameter sharing: one bottom MLP; every output reads its output. All variables are shared. */
export class BottomBackbone implements Backbone {
  readonly bottom: Mlp;
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly numOutputs: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (hidden.length === 0) throw new Error("shared bottom: bottomHidden is empty");
    this.bottom = new Mlp(inDim, { hidden, dropout, batchNorm }, rng);
    this.outDim = this.bottom.outDim;
  }

  buffers(): tf.Variable[] {
    return this.bottom.buffers();
  }

  updateBuffers(): void {
    this.bottom.updateBuffers();
  }

  discardPending(): void {
    this.bottom.discardPending();
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    const h = this.bottom.apply(x, training, rng); // [B, H]
    return { reps: Array.from({ length: this.numOutputs }, () => h), gates: [] };
  }

  variables(): tf.Variable[] {
    return this.bottom.variables();
  }

  sharedVariables(): tf.Variable[] {
    return this.variables();
  }

  outputVariables(): tf.Variable[] {
    return [];
  }
}

/** MMoE: shared experts, one softmax gate per output. Shared: the experts; each gate belongs to its output. */
export class MmoeBackbone implements Backbone {
  readonly experts: ExpertSet;
  readonly gates: Gate[];
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly numOutputs: number,
    numExperts: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (!(Number.isInteger(numExperts) && numExperts >= 1))
      throw new Error(`mmoe: numExperts must be a positive integer, got ${numExperts}`);
    this.experts = new ExpertSet(inDim, numExperts, hidden, dropout, rng, batchNorm);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++) this.gates.push(new Gate(inDim, numExperts, rng, batchNorm));
    this.outDim = this.experts.outDim;
  }

  private readonly norms = normsApi(() => [this.experts, ...this.gates]);
  buffers = this.norms.buffers;
  updateBuffers = this.norms.updateBuffers;
  discardPending = this.norms.discardPending;

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    // Experts and gates all read x: one matMul for their first layers.
    const [ze, ...zg] = sharedInputMatMul(x, [this.experts.layer()!, ...this.gates.map((g) => g.layer())]);
    const e = this.experts.fromFirst(ze, training, rng); // [B, n*H]
    const gates: GateTrace[] = this.gates.map((g, k) => ({
      level: 1,
      output: k,
      weights: g.fromLogits(zg[k], training),
    })); // [B, n] each
    return { reps: gates.map((g) => mixExperts(g.weights, e)), gates };
  }

  variables(): tf.Variable[] {
    return [...this.experts.variables(), ...this.gates.flatMap((g) => g.variables())];
  }

  sharedVariables(): tf.Variable[] {
    return this.experts.variables();
  }

  outputVariables(k: number): tf.Variable[] {
    return this.gates[k].variables();
  }
}

/**
 * One CGC level (PLE paper, eq. 2-4): `numSpecific` experts per output, `numShared` shared experts;
 * output k's gate mixes its own experts and the shared ones; with `sharedGate`, one more gate mixes
 * every expert into the shared representation the next level's shared experts read (eq. 5).
 * Input: K+1 tensors (one per output, then the shared one); output: K (+1 with `sharedGate`).
 */
export class CgcLevel {
  readonly specific: ExpertSet[];
  readonly shared: ExpertSet;
  readonly gates: Gate[];
  readonly sharedGate: Gate | null;
  readonly outDim: number;

  constructor(
    readonly inDim: number,
    readonly numOutputs: number,
    readonly numSpecific: number,
    readonly numShared: number,
    hidden: number[],
    dropout: number,
    withSharedGate: boolean,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (numSpecific + numShared < 1)
      throw new Error(
        `cgc: need at least one expert (numSpecificExperts ${numSpecific}, numSharedExperts ${numShared})`,
      );
    this.specific = [];
    for (let k = 0; k < numOutputs; k++)
      this.specific.push(new ExpertSet(inDim, numSpecific, hidden, dropout, rng, batchNorm));
    this.shared = new ExpertSet(inDim, numShared, hidden, dropout, rng, batchNorm);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++)
      this.gates.push(new Gate(inDim, numSpecific + numShared, rng, batchNorm));
    this.sharedGate = withSharedGate
      ? new Gate(inDim, numOutputs * numSpecific + numShared, rng, batchNorm)
      : null;
    this.outDim = this.shared.outDim;
  }

  private readonly norms = normsApi(() => [
    ...this.specific,
    this.shared,
    ...this.gates,
    ...(this.sharedGate ? [this.sharedGate] : []),
  ]);
  buffers = this.norms.buffers;
  updateBuffers = this.norms.updateBuffers;
  discardPending = this.norms.discardPending;

  apply(
    inputs: tf.Tensor2D[],
    level: number,
    training: boolean,
    rng?: Rng,
  ): { outs: tf.Tensor2D[]; gates: GateTrace[] } {
    const K = this.numOutputs;
    if (inputs.length !== K + 1) throw new Error(`cgc: expected ${K + 1} inputs, got ${inputs.length}`);
    // First layers of the experts and gates, one matMul per distinct input tensor (at level 1
    // every input is x; above, output k's experts and gate share inputs[k]).
    const readers: { input: tf.Tensor2D; layer: Linear }[] = [];
    const slot = (input: tf.Tensor2D, layer: Linear | null) =>
      layer ? readers.push({ input, layer }) - 1 : -1;
    const specSlot = this.specific.map((s, k) => slot(inputs[k], s.layer()));
    const sharedSlot = slot(inputs[K], this.shared.layer());
    const gateSlot = this.gates.map((g, k) => slot(inputs[k], g.layer()));
    const sharedGateSlot = this.sharedGate ? slot(inputs[K], this.sharedGate.layer()) : -1;
    const z: tf.Tensor2D[] = new Array(readers.length);
    for (const input of new Set(readers.map((r) => r.input))) {
      const idx = readers.flatMap((r, i) => (r.input === input ? [i] : []));
      sharedInputMatMul(
        input,
        idx.map((i) => readers[i].layer),
      ).forEach((t, j) => (z[idx[j]] = t));
    }
    const spec = this.specific.map((s, k) =>
      specSlot[k] >= 0 ? s.fromFirst(z[specSlot[k]], training, rng) : null,
    ); // [B, ns*H] or null
    const shared = sharedSlot >= 0 ? this.shared.fromFirst(z[sharedSlot], training, rng) : null; // [B, nsh*H] or null
    const cat = (parts: (tf.Tensor2D | null)[]) => {
      const p = parts.filter((t): t is tf.Tensor2D => t !== null);
      return p.length === 1 ? p[0] : (tf.concat(p, 1) as tf.Tensor2D); // expert-major blocks, in gate order
    };
    const gates: GateTrace[] = [];
    const outs: tf.Tensor2D[] = [];
    for (let k = 0; k < K; k++) {
      const w = this.gates[k].fromLogits(z[gateSlot[k]], training); // [B, ns + nsh]
      gates.push({ level, output: k, weights: w });
      outs.push(mixExperts(w, cat([spec[k], shared]))); // [B, H]
    }
    if (this.sharedGate) {
      const w = this.sharedGate.fromLogits(z[sharedGateSlot], training); // [B, K*ns + nsh]
      gates.push({ level, output: "shared", weights: w });
      outs.push(mixExperts(w, cat([...spec, shared]))); // [B, H]
    }
    return { outs, gates };
  }

  variables(): tf.Variable[] {
    return [
      ...this.specific.flatMap((s) => s.variables()),
      ...this.shared.variables(),
      ...this.gates.flatMap((g) => g.variables()),
      ...(this.sharedGate ? this.sharedGate.variables() : []),
    ];
  }
}

/**
 * PLE: `numLevels` CGC levels (1 = CGC). Level 1 reads x for every input; level l > 1 reads the
 * K+1 representations of level l-1. Only levels below the last have a shared gate (as in
 * torch-rechub's CGC: `cur_level < n_level`).
 *
 * Shared variables (those every output depends on), derived from the data flow:
 *   - shared experts of every level;
 *   - below the last level: the shared gate and every output's specific experts (the shared gate
 *     mixes them into the shared representation, which reaches every output at the next level);
 *   - at levels ≤ L-2: the per-output gates too (their output feeds specific experts of level l+1,
 *     which are shared by the previous rule).
 * With one level (CGC) only the shared experts are shared.
 */
export class PleBackbone implements Backbone {
  readonly levels: CgcLevel[];
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly numOutputs: number,
    readonly numLevels: number,
    numSpecific: number,
    numShared: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
    batchNorm: BlockNorm = false,
  ) {
    if (!(Number.isInteger(numLevels) && numLevels >= 1))
      throw new Error(`ple: numLevels must be a positive integer, got ${numLevels}`);
    if (hidden.length === 0) throw new Error("ple: expertHidden is empty");
    this.levels = [];
    for (let l = 0; l < numLevels; l++) {
      const d = l === 0 ? inDim : hidden[hidden.length - 1];
      this.levels.push(
        new CgcLevel(
          d,
          numOutputs,
          numSpecific,
          numShared,
          hidden,
          dropout,
          l < numLevels - 1,
          rng,
          batchNorm,
        ),
      );
    }
    this.outDim = this.levels[numLevels - 1].outDim;
  }

  private readonly norms = normsApi(() => this.levels);
  buffers = this.norms.buffers;
  updateBuffers = this.norms.updateBuffers;
  discardPending = this.norms.discardPending;

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    let inputs = Array.from({ length: this.numOutputs + 1 }, () => x);
    const gates: GateTrace[] = [];
    this.levels.forEach((level, l) => {
      const r = level.apply(inputs, l + 1, training, rng);
      gates.push(...r.gates);
      inputs = r.outs;
    });
    return { reps: inputs.slice(0, this.numOutputs), gates };
  }

  variables(): tf.Variable[] {
    return this.levels.flatMap((l) => l.variables());
  }

  sharedVariables(): tf.Variable[] {
    const L = this.levels.length;
    return this.levels.flatMap((lv, l) => [
      ...(l < L - 1 ? lv.specific.flatMap((s) => s.variables()) : []),
      ...lv.shared.variables(),
      ...(l < L - 2 ? lv.gates.flatMap((g) => g.variables()) : []),
      ...(lv.sharedGate ? lv.sharedGate.variables() : []),
    ]);
  }

  /** Output k's own variables: its experts and gate at the last level, and its gate at level L-1. */
  outputVariables(k: number): tf.Variable[] {
    const L = this.levels.length;
    const last = this.levels[L - 1];
    return [
      ...(L >= 2 ? this.levels[L - 2].gates[k].variables() : []),
      ...last.specific[k].variables(),
      ...last.gates[k].variables(),
    ];
  }
}

/** One tower per output: MLP rep -> towerHidden (ReLU; Linear→BN→ReLU with `batchNorm`) -> linear logit. */
export function makeTowers(
  inDim: number,
  count: number,
  hidden: number[],
  dropout: number,
  rng: Rng,
  batchNorm: BlockNorm = false,
): Mlp[] {
  const towers: Mlp[] = [];
  for (let k = 0; k < count; k++) towers.push(new Mlp(inDim, { hidden, dropout, output: 1, batchNorm }, rng));
  return towers;
}

/** [B, 1] -> [B]. */
export function squeezeLogit(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(x, [x.shape[0]]) as tf.Tensor1D;
}
