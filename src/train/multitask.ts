/**
 * Multi-task optimisation for the trainer: task weighting, gradient surgery and a gradient-conflict
 * measure, configured as JSON data (`TrainConfig.taskWeighting`, `TrainConfig.conflictEvery`) so
 * that the choice lands in every run record. Explained in notebook 07-mtl-survey, section
 * "Optimisation".
 *
 * Per-task losses L_t come from `RecModel.taskLosses` when the model defines it, else from the
 * default loss split by head (mean sigmoid cross-entropy of head t). A model with its own `loss`
 * and no `taskLosses` keeps its loss under equal weighting and is refused by every scheme that
 * needs the split (with an error naming the model and the scheme).
 *
 * The shared parameters theta_sh of a model are `model.sharedVariables?.()` plus the batch's
 * field-embedding block [B, F, D] (the embeddings feed every head). Gradient surgery and the
 * conflict measure treat theta_sh as one flat vector: [d emb (B*F*D) | shared dense variables in
 * their declared order]. The embedding part is the gradient with respect to the batch's looked-up
 * embedding activations, a proxy for the table rows: when an id repeats in a batch, the table
 * gradient is the per-id sum of those rows, so cosines and projections on the activations differ
 * from (but, for the dense part, equal) those on the parameters themselves.
 *
 * Schemes:
 * - equal (default; `null` or `{kind: "equal"}`): L = sum_t L_t, or the model's own `loss`. One
 *   backward pass; numbers are bit-identical to the trainer without this module.
 * - uncertainty (Kendall, Gal & Cipolla, CVPR 2018, eq. 10 in its classification form): learnable
 *   log-variances s_t = log sigma_t^2, L = sum_t exp(-s_t) L_t + s_t. This is the variant most
 *   re-implementations use for cross-entropy tasks (the paper's classification likelihood gives
 *   exp(-s_t) L_t + s_t / 2 with the approximation of its eq. 10, and the regression form halves
 *   both terms); the constant factor on s_t only rescales the optimum sigma_t^2 = L_t. The s_t are
 *   dense variables trained by the trainer's dense optimiser, initialised at 0 (weights 1), and
 *   saved in checkpoints with the model's variables. One backward pass.
 * - gradnorm (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018, eqs. 1-2): weights w_t (init 1);
 *   the network gets sum_t w_t grad L_t; then, with n_t = ||grad_W L_t|| on the shared layers W,
 *   G_t = w_t n_t, Gbar = mean_t G_t, r_t = (L_t / L_t(0)) / mean_j (L_j / L_j(0)) and the
 *   constant targets Gbar r_t^alpha, the weights take one Adam step (beta 0.9 / 0.999) on
 *   L_grad = sum_t |G_t - Gbar r_t^alpha| (gradient sign(G_t - target_t) n_t) with learning
 *   rate `lr` (default: the dense optimiser's lr, as the paper trains w with the network's
 *   optimiser), are floored at 1e-4 (kept positive) and renormalised so sum_t w_t = T.
 *   W, the layer the gradient norms are taken on: every dense variable the model declares shared
 *   (`sharedVariables()`), or the field embeddings when it declares none. The paper takes the last
 *   shared layer to save backward passes; for expert models (MMoE, PLE) the "last shared layer"
 *   is K parallel experts, not one layer, and since T per-task backward passes are needed here
 *   anyway the norm over the whole shared set costs nothing extra. L_t(0) is the loss of task t
 *   at the first training step. T backward passes per step.
 * - pcgrad (Yu, Kumar, Gupta, Levine, Hausman & Finn, NeurIPS 2020, Alg. 1): per-task gradients
 *   g_t on theta_sh; for each task i, in a random order of the other tasks drawn from a generator
 *   seeded by `TrainConfig.seed`, g_i <- g_i - (g_i . g_j) / ||g_j||^2 g_j whenever g_i . g_j < 0
 *   (g_j the original, unprojected gradient); the update of theta_sh is sum_i g_i. Task-specific
 *   parameters (everything not in theta_sh) get the plain sum, which is each task's own gradient.
 *   T backward passes per step.
 *
 * Gradient conflict: every `conflictEvery` steps, cos(g_i, g_j) on theta_sh for every pair of
 * heads, measured at the parameters before that step's update, stored in `History.conflicts`.
 * Under schemes with one backward pass the measurement replays the step's dropout masks from the
 * same generator state and restores it, so recording never changes the training trajectory.
 */
import type { Batch } from "../data/schema";
import { Rng, type RngState } from "../engine/rng";
import { ownedVariable, tf } from "../engine/tf";
import type { ForwardOutput, ModelInputs, RecModel } from "../models/types";

/** Task weighting / gradient surgery of a multi-task model. */
export type TaskWeightingConfig =
  | { kind: "equal" }
  | { kind: "uncertainty" }
  | {
      kind: "gradnorm";
      /** Asymmetry alpha: 0 pulls all gradient norms together; larger values favour slow tasks. Paper: 0.12 to 3, 1.5 common. */
      alpha: number;
      /** Learning rate of the weights' Adam step. Default: the dense optimiser's lr. */
      lr?: number;
    }
  | { kind: "pcgrad" };

/** Cosines between per-task gradients on the shared parameters at one step. */
export interface ConflictRecord {
  /** Global step (1-based) whose pre-update gradients were measured. */
  step: number;
  epoch: number;
  /** cos(g_a, g_b) keyed "a/b" for every pair of heads a before b; 0 when either gradient is zero. */
  cosine: Record<string, number>;
  /** ||g_t|| on the shared parameters, per head. */
  gradNorm: Record<string, number>;
}

/** The task weights in effect after a step (uncertainty: exp(-s_t); gradnorm: w_t). */
export interface TaskWeightRecord {
  step: number;
  weights: Record<string, number>;
}

/** JSON state of a weighting scheme that is not held in dense variables (checkpoints). */
export interface TaskBalancerState {
  weights: number[] | null;
  adamM: number[] | null;
  adamV: number[] | null;
  adamT: number;
  initialLosses: number[] | null;
  rng: { s: RngState; spare: number | null };
}

/** Checks a `taskWeighting` value; returns the normalised config (null -> equal). */
export function parseTaskWeighting(
  cfg: TaskWeightingConfig | null | undefined,
  where = "trainer",
): TaskWeightingConfig {
  if (cfg === null || cfg === undefined) return { kind: "equal" };
  const kinds = ["equal", "uncertainty", "gradnorm", "pcgrad"];
  if (typeof cfg !== "object" || !kinds.includes((cfg as { kind: string }).kind)) {
    throw new Error(
      `${where}: taskWeighting ${JSON.stringify(cfg)} must be {kind: ${kinds.map((k) => `"${k}"`).join(" | ")}}`,
    );
  }
  if (cfg.kind === "gradnorm") {
    if (!(typeof cfg.alpha === "number" && Number.isFinite(cfg.alpha) && cfg.alpha >= 0))
      throw new Error(`${where}: taskWeighting gradnorm needs alpha >= 0, got ${cfg.alpha}`);
    if (cfg.lr !== undefined && !(cfg.lr > 0))
      throw new Error(`${where}: taskWeighting gradnorm lr must be > 0, got ${cfg.lr}`);
  }
  return cfg;
}

// ---------------------------------------------------------------------------------------------
// Pure functions over typed arrays (tested by hand-made examples).

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine similarity in float64; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = Math.sqrt(dot(a, a));
  const nb = Math.sqrt(dot(b, b));
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot(a, b) / (na * nb)));
}

/** Euclidean norm in float64. */
export function l2norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/**
 * PCGrad (Yu et al. 2020, Alg. 1): the projected per-task gradients. For each task i, g_i is
 * projected onto the normal plane of every other task's original gradient g_j it conflicts with
 * (g_i . g_j < 0), visiting the other tasks in a random order drawn from `rng` (natural order
 * without one). Inputs are not modified. Sum the result (`sumVectors`) for the update.
 */
export function pcgradProject(grads: readonly Float32Array[], rng?: Rng): Float32Array[] {
  const T = grads.length;
  const n = T > 0 ? grads[0].length : 0;
  for (const g of grads)
    if (g.length !== n)
      throw new Error(`pcgradProject: gradients of lengths ${grads.map((x) => x.length).join(", ")} differ`);
  const sq = grads.map((g) => dot(g, g));
  return grads.map((gi, i) => {
    const out = Float32Array.from(gi);
    const others: number[] = [];
    for (let j = 0; j < T; j++) if (j !== i) others.push(j);
    if (rng) rng.shuffle(others);
    for (const j of others) {
      if (sq[j] === 0) continue;
      const d = dot(out, grads[j]);
      if (d < 0) {
        const c = d / sq[j];
        const gj = grads[j];
        for (let k = 0; k < n; k++) out[k] -= c * gj[k];
      }
    }
    return out;
  });
}

/** Element-wise sum of equal-length vectors. */
export function sumVectors(vs: readonly Float32Array[], weights?: readonly number[]): Float32Array {
  if (vs.length === 0) throw new Error("sumVectors: no vectors");
  const out = new Float32Array(vs[0].length);
  vs.forEach((v, t) => {
    if (v.length !== out.length) throw new Error(`sumVectors: lengths ${out.length} and ${v.length} differ`);
    const w = weights ? weights[t] : 1;
    for (let k = 0; k < v.length; k++) out[k] += w * v[k];
  });
  return out;
}

/**
 * GradNorm's gradient of L_grad = sum_t |w_t n_t - target_t| with respect to w_t, with targets
 * target_t = Gbar r_t^alpha held constant (Chen et al. 2018, eq. 2 and Sec. 3.2):
 * Gbar = mean_t w_t n_t, r_t = ratio_t / mean_j ratio_j, ratio_t = L_t / L_t(0).
 */
export function gradNormWeightGradient(
  weights: readonly number[],
  norms: readonly number[],
  lossRatios: readonly number[],
  alpha: number,
): { grad: number[]; targets: number[]; gradNorms: number[] } {
  const T = weights.length;
  if (norms.length !== T || lossRatios.length !== T)
    throw new Error(`gradNorm: ${T} weights, ${norms.length} norms, ${lossRatios.length} loss ratios`);
  const G = weights.map((w, t) => w * norms[t]);
  const gBar = G.reduce((s, x) => s + x, 0) / T;
  const meanRatio = lossRatios.reduce((s, x) => s + x, 0) / T;
  const targets = lossRatios.map((r) => gBar * Math.pow(meanRatio > 0 ? r / meanRatio : 1, alpha));
  const grad = G.map((g, t) => Math.sign(g - targets[t]) * norms[t]);
  return { grad, targets, gradNorms: G };
}

/** Floors every weight at `floor` (keeps them positive) and rescales so they sum to `total`. */
export function renormaliseWeights(weights: readonly number[], total: number, floor = 1e-4): number[] {
  const w = weights.map((x) => (Number.isFinite(x) ? Math.max(x, floor) : floor));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => (x * total) / s);
}

// ---------------------------------------------------------------------------------------------
// Per-task gradients.

/** Per-task losses: the model's `taskLosses`, else mean sigmoid cross-entropy per head. */
export function taskLossesOf(
  model: RecModel,
  out: ForwardOutput,
  batch: Batch,
  labelCols: readonly number[],
): tf.Scalar[] {
  if (model.taskLosses) return model.taskLosses(out, batch);
  return out.logits.map(
    (logit, h) => tf.losses.sigmoidCrossEntropy(tf.tensor1d(batch.labels[labelCols[h]]), logit) as tf.Scalar,
  );
}

/** Gradients of each task's loss at one set of parameters (tensors live in the caller's tidy). */
export interface PerTaskGradients {
  losses: number[];
  /** [t] gradient of the [B, F, D] embedding block, flattened. */
  emb: Float32Array[];
  /** [t][i] gradient of L_t with respect to vars[i]. */
  dense: tf.Tensor[][];
}

/**
 * T forward + backward passes, one per task, each replaying the same dropout masks (the
 * generator is reset to its state on entry before every pass, and left as one pass leaves it).
 * Call inside tf.tidy.
 */
export function perTaskGradients(
  model: RecModel,
  inputs: ModelInputs,
  vars: tf.Variable[],
  rng: Rng,
  lossesOf: (out: ForwardOutput) => tf.Scalar[],
): PerTaskGradients {
  const T = model.heads.length;
  const start = rng.getState();
  const res: PerTaskGradients = { losses: [], emb: [], dense: [] };
  for (let t = 0; t < T; t++) {
    rng.setState(start);
    const f = () => {
      const ls = lossesOf(model.forward(inputs, { training: true, rng }));
      if (ls.length !== T) throw new Error(`model ${model.id}: ${ls.length} task losses for ${T} heads`);
      return ls[t];
    };
    // allowNoGradients: a task's loss does not reach the other tasks' towers (zero gradient there).
    const xs = [inputs.emb, ...vars];
    const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
    const full = grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
    res.losses.push(value.dataSync()[0]);
    res.emb.push(full[0].dataSync() as Float32Array);
    res.dense.push(full.slice(1));
  }
  return res;
}

/** Flat per-task gradient vectors on the shared parameters: [emb | shared dense vars]. */
export function sharedVectors(pt: PerTaskGradients, sharedIdx: readonly number[]): Float32Array[] {
  return pt.emb.map((e, t) => {
    const parts = sharedIdx.map((i) => pt.dense[t][i].dataSync() as Float32Array);
    const out = new Float32Array(e.length + parts.reduce((s, p) => s + p.length, 0));
    out.set(e, 0);
    let at = e.length;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
}

/** The conflict record of one step from per-task gradients. */
export function conflictRecord(
  pt: PerTaskGradients,
  sharedIdx: readonly number[],
  heads: readonly string[],
  step: number,
  epoch: number,
): ConflictRecord {
  const v = sharedVectors(pt, sharedIdx);
  const rec: ConflictRecord = { step, epoch, cosine: {}, gradNorm: {} };
  heads.forEach((h, t) => (rec.gradNorm[h] = l2norm(v[t])));
  for (let a = 0; a < heads.length; a++)
    for (let b = a + 1; b < heads.length; b++) rec.cosine[`${heads[a]}/${heads[b]}`] = cosine(v[a], v[b]);
  return rec;
}

// ---------------------------------------------------------------------------------------------
// The trainer's multi-task state.

/** A combined update: the loss to report, the embedding gradient and one gradient per variable. */
export interface CombinedStep {
  loss: number;
  emb: Float32Array;
  dense: tf.Tensor[];
}

/**
 * The weighting scheme's state owned by a Trainer: uncertainty log-variances (dense variables the
 * trainer's optimiser trains), GradNorm weights with their Adam moments and initial losses, the
 * PCGrad task-order generator.
 */
export class TaskBalancer {
  readonly config: TaskWeightingConfig;
  readonly numTasks: number;
  /** Uncertainty: [T] log-variances s_t; empty otherwise. Appended to the optimiser's variables. */
  readonly extraVariables: tf.Variable[] = [];
  private weights: number[];
  private adamM: number[];
  private adamV: number[];
  private adamT = 0;
  private initialLosses: number[] | null = null;
  private readonly rng: Rng;
  private readonly sharedIdx: number[];

  constructor(
    readonly model: RecModel,
    config: TaskWeightingConfig | null | undefined,
    seed: number,
    private readonly denseLr: number,
  ) {
    this.config = parseTaskWeighting(config, `trainer (model ${model.id})`);
    this.numTasks = model.heads.length;
    this.weights = new Array<number>(this.numTasks).fill(1);
    this.adamM = new Array<number>(this.numTasks).fill(0);
    this.adamV = new Array<number>(this.numTasks).fill(0);
    this.rng = new Rng((Math.imul(seed ^ 0x2c1b3c6d, 0x297a2d39) + 0x6d2b79f5) >>> 0);
    if (this.config.kind === "uncertainty")
      this.extraVariables.push(ownedVariable(tf.zeros([this.numTasks]))); // s_t = 0: weights 1
    if (this.config.kind !== "equal" && model.loss && !model.taskLosses) {
      throw new Error(
        `trainer: model ${model.id} defines its own loss but no taskLosses; taskWeighting "${this.config.kind}" needs the per-task losses`,
      );
    }
    const vars = model.variables();
    const shared = model.sharedVariables?.() ?? [];
    this.sharedIdx = shared.map((v) => {
      const i = vars.indexOf(v);
      if (i < 0)
        throw new Error(
          `model ${model.id}: sharedVariables() returns a variable (${v.name}, shape ${v.shape}) that is not in variables()`,
        );
      return i;
    });
  }

  /** Indices into `model.variables()` of the shared dense variables. */
  get sharedIndices(): readonly number[] {
    return this.sharedIdx;
  }

  /** True when a step needs T per-task backward passes. */
  get needsPerTaskGradients(): boolean {
    return this.config.kind === "gradnorm" || this.config.kind === "pcgrad";
  }

  /** True when the scheme needs per-task losses (everything but equal). */
  get weighted(): boolean {
    return this.config.kind !== "equal";
  }

  /** Uncertainty: sum_t exp(-s_t) L_t + s_t; equal: sum_t L_t. Inside the gradient tape. */
  combineLosses(losses: tf.Scalar[]): tf.Scalar {
    if (this.config.kind === "uncertainty") {
      const s = this.extraVariables[0]; // [T]
      const L = tf.stack(losses) as tf.Tensor1D; // [T]
      return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(s)), L), s)) as tf.Scalar;
    }
    return (losses.length === 1 ? losses[0] : tf.addN(losses)) as tf.Scalar;
  }

  /** GradNorm / PCGrad: the update from per-task gradients (inside tf.tidy). */
  combineGradients(pt: PerTaskGradients): CombinedStep {
    const T = this.numTasks;
    if (this.config.kind === "gradnorm") {
      const cfg = this.config;
      const w = this.weights.slice();
      const loss = pt.losses.reduce((s, l, t) => s + w[t] * l, 0);
      const emb = sumVectors(pt.emb, w);
      const dense = pt.dense[0].map((_, i) => tf.addN(pt.dense.map((g, t) => tf.mul(g[i], w[t]))));
      // Gradient norms on W (the shared dense variables, or the embeddings when none are declared).
      const norms = pt.emb.map((e, t) =>
        this.sharedIdx.length > 0
          ? Math.sqrt(this.sharedIdx.reduce((s, i) => s + tf.sum(tf.square(pt.dense[t][i])).dataSync()[0], 0))
          : l2norm(e),
      );
      if (this.initialLosses === null) this.initialLosses = pt.losses.slice();
      const ratios = pt.losses.map((l, t) => (this.initialLosses![t] > 0 ? l / this.initialLosses![t] : 1));
      const { grad } = gradNormWeightGradient(w, norms, ratios, cfg.alpha);
      const lr = cfg.lr ?? this.denseLr;
      this.adamT += 1;
      const b1 = 0.9;
      const b2 = 0.999;
      const next = w.map((x, t) => {
        this.adamM[t] = b1 * this.adamM[t] + (1 - b1) * grad[t];
        this.adamV[t] = b2 * this.adamV[t] + (1 - b2) * grad[t] * grad[t];
        const mh = this.adamM[t] / (1 - b1 ** this.adamT);
        const vh = this.adamV[t] / (1 - b2 ** this.adamT);
        return x - (lr * mh) / (Math.sqrt(vh) + 1e-8);
      });
      this.weights = renormaliseWeights(next, T);
      return { loss, emb, dense };
    }
    if (this.config.kind === "pcgrad") {
      const loss = pt.losses.reduce((s, l) => s + l, 0);
      const projected = pcgradProject(sharedVectors(pt, this.sharedIdx), this.rng);
      const flat = sumVectors(projected);
      const embLen = pt.emb[0].length;
      const emb = flat.slice(0, embLen);
      const dense = pt.dense[0].map((_, i) => tf.addN(pt.dense.map((g) => g[i])));
      let at = embLen;
      for (const i of this.sharedIdx) {
        const shape = dense[i].shape;
        dense[i] = tf.tensor(flat.subarray(at, at + dense[i].size), shape);
        at += dense[i].size;
      }
      return { loss, emb, dense };
    }
    throw new Error(`taskWeighting ${this.config.kind} does not combine per-task gradients`);
  }

  /** The task weights in effect, per head (uncertainty exp(-s_t), gradnorm w_t, else 1); null for equal / pcgrad. */
  currentWeights(): Record<string, number> | null {
    if (this.config.kind === "uncertainty") {
      const s = this.extraVariables[0].dataSync();
      return Object.fromEntries(this.model.heads.map((h, t) => [h, Math.exp(-s[t])]));
    }
    if (this.config.kind === "gradnorm")
      return Object.fromEntries(this.model.heads.map((h, t) => [h, this.weights[t]]));
    return null;
  }

  getState(): TaskBalancerState {
    const gn = this.config.kind === "gradnorm";
    return {
      weights: gn ? this.weights.slice() : null,
      adamM: gn ? this.adamM.slice() : null,
      adamV: gn ? this.adamV.slice() : null,
      adamT: this.adamT,
      initialLosses: this.initialLosses ? this.initialLosses.slice() : null,
      rng: this.rng.getState(),
    };
  }

  setState(s: TaskBalancerState): void {
    if (s.weights) this.weights = s.weights.slice();
    if (s.adamM) this.adamM = s.adamM.slice();
    if (s.adamV) this.adamV = s.adamV.slice();
    this.adamT = s.adamT;
    this.initialLosses = s.initialLosses ? s.initialLosses.slice() : null;
    this.rng.setState(s.rng);
  }

  dispose(): void {
    for (const v of this.extraVariables) v.dispose();
    this.extraVariables.length = 0;
  }
}
