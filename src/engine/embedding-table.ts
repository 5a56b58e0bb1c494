/**
 * Kit-owned embedding tables: typed-array storage, batched lookup into a dense buffer, and
 * gradients applied back as sparse row updates (duplicates summed) with a row-wise optimiser.
 *
 * Storage precision is part of the table:
 *  - fp32: a Float32Array of rows x dim;
 *  - int (2, 4, 8 or 16 bits): integer codes q (Int8Array, or Int16Array for 16 bits; 2 and 4
 *    bits are held in 8) with a step size Δ per row (or one per table), value = Δ·q. On every
 *    write the updated full-precision row is re-quantised with deterministic (round to nearest,
 *    half away from zero) or stochastic (⌊x/Δ + u⌋, u ~ U[0,1)) rounding and clipped to
 *    [-2^(b-1), 2^(b-1)-1]. This is low-precision *training* (LPT, ALPT paper, LPT part): the table never
 *    holds fp32 weights between steps.
 *
 * ALPT (adaptive LPT, ALPT paper, ALPT part): with `learnStep` set, the step sizes are trained by gradient
 * descent in the same pass (see `applyGradients`): for each touched row the optimiser gives the
 * full-precision update w' of the de-quantised row; the LSQ gradient (Esser et al. 2020) of the quantiser
 *     ŵ(Δ) = Δ·R(clip(v, qmin, qmax)),  v = w'/Δ,
 *     dŵ/dΔ = round(v) − v if qmin < v < qmax,  qmin if v ≤ qmin,  qmax if v ≥ qmax
 * (round = round to nearest; the clip test looks at v, before any rounding) is contracted with the
 * gradient of the de-quantised row:
 *     gΔ = s · Σ_k g_k·dŵ_k/dΔ,  s = 1/√(n·qmax) with `gradScale` (n = elements sharing that Δ in the batch)
 * and Δ takes one Adam (or SGD) step, floored at 1e-3 of its initial value; the row is then stored with
 * the new Δ, stochastic tables drawing fresh uniforms for that store. Which g (`LearnStepConfig.stepGrad`):
 *  - "lsq" (default, one pass): the batch gradient at the previous quantised weights, the proxy for
 *    ∂L/∂ŵ at Δ·round(w'/Δ);
 *  - "two-pass" (Hetu's form, twice the cost): `applyGradients` only updates the rows and holds
 *    Δ·round(w'/Δ) for the lookup; the trainer runs the model again on it and hands that gradient to
 *    `applyStepGradients`, which updates Δ and stores the rows;
 *  - "legacy-sr" (ablation only: the rule before issue 12): the residual of the *stochastic* draw
 *    that is also stored, and a clip test on that rounded code. Its residual is independent of g, so
 *    E[gΔ] ≈ 0 inside the range and Δ random-walks.
 * See src/papers/alpt/README.md.
 *
 * Memory is reported from the actual buffers (`memory()`), split into weights, step sizes,
 * optimiser state (including the step sizes' Adam moments) and scratch.
 */
import { Rng, RngState } from "./rng";
import { DEFAULT_SPARSE_OPTIMIZER, SparseOptimizer, SparseOptimizerConfig } from "./sparse-optim";
import type { NativeAddon } from "./native";

export type Rounding = "deterministic" | "stochastic";

export type PrecisionConfig =
  | { kind: "fp32" }
  | {
      kind: "int";
      /** Bits per code: 2, 4, 8 (held in Int8Array) or 16 (Int16Array). */
      bits: 2 | 4 | 8 | 16;
      /** Rounding on write. Default "stochastic". */
      rounding?: Rounding;
      /** One step size per row (ALPT's choice in the Hetu re-implementation) or one per table. Default "row". */
      stepGranularity?: "row" | "table";
      /** Initial step size Δ. Default: clipRange / qmax. */
      initStep?: number;
      /** Largest magnitude representable with the initial step. Default 4·initStd (or 0.05). */
      clipRange?: number;
      /** Learn the step sizes by gradient descent (ALPT); absent = fixed step (LPT). */
      learnStep?: LearnStepConfig;
    };

/** How ALPT learns the step sizes Δ (ALPT paper, ALPT part; Hetu `scale_lr`). */
export interface LearnStepConfig {
  /** Learning rate of Δ. Hetu's default `scale_lr` is 2e-5 (with Adam). */
  lr: number;
  /** Scale gΔ by 1/√(n·qmax) as in LSQ (Esser et al. 2020) and Hetu. Default true. */
  gradScale?: boolean;
  /** Update rule of Δ. Default "adam" (lazy, like the rows'). */
  optimizer?: "sgd" | "adam";
  /**
   * Which gradient of the de-quantised rows Δ's LSQ gradient uses (module header): "lsq" (default:
   * one pass, the batch gradient), "two-pass" (the model re-run on Δ·round(w'/Δ), Hetu; needs the
   * trainer's second pass, see `EmbeddingTable.applyStepGradients`) or "legacy-sr" (ablation: the
   * pre-issue-12 rule with the stored stochastic residual, zero in expectation).
   */
  stepGrad?: StepGradient;
}

/** Step-size gradient rule of ALPT (`LearnStepConfig.stepGrad`). */
export type StepGradient = "lsq" | "two-pass" | "legacy-sr";

/** Round to nearest, half away from zero (the tables' deterministic rounding). */
export function roundHalfAway(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : -Math.floor(0.5 - x);
}

/**
 * LSQ derivative dŵ/dΔ of ŵ(Δ) = Δ·round(clip(v, qmin, qmax)) at v = w/Δ, with the straight-through
 * estimator for the rounding (Esser et al. 2020): round(v) − v strictly inside (qmin, qmax), qmin
 * when v ≤ qmin, qmax when v ≥ qmax. The clip test is on v, not on the rounded code.
 */
export function lsqStepDerivative(v: number, qmin: number, qmax: number): number {
  if (v <= qmin) return qmin;
  if (v >= qmax) return qmax;
  return roundHalfAway(v) - v;
}

export type InitConfig =
  | { kind: "normal"; std: number }
  | { kind: "uniform"; scale: number }
  | { kind: "zeros" };

export interface EmbeddingTableConfig {
  /** Table name, used in error messages and memory reports. */
  name: string;
  /** Number of rows (ids 0..rows-1). */
  rows: number;
  /** Embedding dimension D. */
  dim: number;
  /** Storage precision. Default fp32. */
  precision?: PrecisionConfig;
  /** Initialisation. Default normal(0, 0.01); torch-rechub uses std 1e-4, which trains slower on the small samples. */
  init?: InitConfig;
  /** Row-wise optimiser. Default Adam lr 1e-3. */
  optimizer?: SparseOptimizerConfig;
}

export interface TableMemory {
  name: string;
  rows: number;
  dim: number;
  precision: string;
  weightBytes: number;
  stepBytes: number;
  optimizerBytes: number;
  scratchBytes: number;
  /** Bytes an fp32 table of the same shape holds for its weights. */
  fp32WeightBytes: number;
}

export interface EmbeddingTableState {
  config: EmbeddingTableConfig;
  step: number;
  weights: Float32Array | Int8Array | Int16Array;
  steps: Float32Array | null;
  optM: Float32Array | null;
  optV: Float32Array | null;
  rng: { s: RngState; spare: number | null };
  /** Adam moments of the step sizes, interleaved [m0, v0, m1, v1, ...] (ALPT with Adam), else absent/null. */
  stepMoments?: Float32Array | null;
}

/** Summary of the step sizes Δ of a table (the learned ones with ALPT). */
export interface StepStats {
  mean: number;
  min: number;
  max: number;
  std: number;
  /** Number of step sizes summarised. */
  count: number;
}

/**
 * Row kernels of the native addon (OpenBLAS build, src/engine/native.ts): gather and lazy Adam on
 * fp32 rows. The backend sets them when it chooses `cpu-native`; every other backend leaves them
 * null and the tables use their JS loops (results then differ from the native path only by float
 * rounding order, and each path is deterministic on its own).
 */
export interface RowKernels {
  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void;
  /**
   * Lazy Adam on the listed rows; `weightDecay` (addon ABI >= 2) adds wd·w to the gradient of those
   * rows before the moments (PyTorch Adam's L2 `weight_decay`, applied to looked-up rows only).
   */
  adamRows(
    table: Float32Array,
    m: Float32Array,
    v: Float32Array,
    dim: number,
    rows: Int32Array,
    grads: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
    weightDecay?: number,
  ): void;
  /**
   * The duplicate sum of `sumDuplicates` natively (abiVersion >= 4), same arithmetic and order;
   * `slot` all -1 on entry and on return; returns the unique count, or -(k+1) for a bad id at k.
   */
  sumDuplicates?: NativeAddon["sumDuplicates"];
  /** Build information; abiVersion >= 2 means adamRows takes weightDecay. */
  info?(): { abiVersion: number };
}

let rowKernels: RowKernels | null = null;
/** Whether the row kernels take adamRows' weightDecay argument (older builds ignore it). */
let rowKernelsDecay = false;

/** Use native row kernels for fp32 tables (null: JS loops). */
export function setRowKernels(k: RowKernels | null): void {
  rowKernels = k;
  rowKernelsDecay = k !== null && typeof k.info === "function" && k.info().abiVersion >= 2;
}

/** The row kernels in use, or null. */
export function getRowKernels(): RowKernels | null {
  return rowKernels;
}

/** From this many ids a call's duplicate sum runs natively (below, the call costs about as much as the loop). */
const NATIVE_SUM_MIN_IDS = 256;

const DEFAULT_INIT: InitConfig = { kind: "normal", std: 1e-2 };

function initStd(init: InitConfig): number {
  if (init.kind === "normal") return init.std;
  if (init.kind === "uniform") return init.scale / Math.sqrt(3);
  return 0;
}

export class EmbeddingTable {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly precision: PrecisionConfig;
  readonly config: EmbeddingTableConfig;
  /** fp32 weights (precision fp32) or integer codes (precision int). */
  weights: Float32Array | Int8Array | Int16Array;
  /** Step sizes Δ (int precision): length rows ("row") or 1 ("table"). */
  steps: Float32Array | null;
  readonly optimizer: SparseOptimizer;
  /** Number of `applyGradients` calls so far (the optimiser's t). */
  step = 0;
  readonly qmin: number;
  readonly qmax: number;
  private readonly stochastic: boolean;
  private readonly rng: Rng;
  /** Resolved ALPT settings (null: fixed step). */
  readonly learnStep: Required<LearnStepConfig> | null;
  /** Adam moments of the step sizes, interleaved [m_i, v_i] so one cache line serves both (ALPT with Adam). */
  stepMoments: Float32Array | null = null;
  /** Initial step size Δ0 (int precision; 0 for fp32). */
  readonly initStep: number;
  /** Lower bound of a learned Δ (1e-3 of the initial step). */
  private readonly minStep: number;
  // Scratch for de-duplicating ids within a batch, grown on demand and reused (no per-step allocation).
  private slot: Int32Array | null = null;
  private uniqBuf = new Int32Array(0);
  private sumBuf = new Float32Array(0);
  private updBuf = new Float32Array(0);
  private readonly rowBuf: Float32Array;
  private readonly noiseBuf: Float64Array;
  // Two-pass ALPT: rows updated by applyGradients and held (full precision) until applyStepGradients.
  private pendingRows = 0;
  private pendIds = new Int32Array(0);
  private pendW = new Float32Array(0);
  private pendAcc = new Float64Array(0);
  private pendSlot: Int32Array | null = null;

  constructor(config: EmbeddingTableConfig, seed: number) {
    if (!Number.isInteger(config.rows) || config.rows <= 0)
      throw new Error(`embedding table ${config.name}: rows must be a positive integer, got ${config.rows}`);
    if (!Number.isInteger(config.dim) || config.dim <= 0)
      throw new Error(`embedding table ${config.name}: dim must be a positive integer, got ${config.dim}`);
    this.config = config;
    this.name = config.name;
    this.rows = config.rows;
    this.dim = config.dim;
    this.precision = config.precision ?? { kind: "fp32" };
    this.rng = new Rng(seed);
    this.rowBuf = new Float32Array(this.dim);
    this.noiseBuf = new Float64Array(this.dim);
    this.optimizer = new SparseOptimizer(config.optimizer ?? DEFAULT_SPARSE_OPTIMIZER, this.rows, this.dim);
    const init = config.init ?? DEFAULT_INIT;
    const n = this.rows * this.dim;
    const p = this.precision;
    if (p.kind === "fp32") {
      this.qmin = 0;
      this.qmax = 0;
      this.stochastic = false;
      this.steps = null;
      this.learnStep = null;
      this.minStep = 0;
      this.initStep = 0;
      const w = new Float32Array(n);
      fillInit(w, init, this.rng);
      this.weights = w;
    } else {
      if (![2, 4, 8, 16].includes(p.bits))
        throw new Error(`embedding table ${config.name}: bits must be 2, 4, 8 or 16, got ${p.bits}`);
      this.qmax = 2 ** (p.bits - 1) - 1;
      this.qmin = -(2 ** (p.bits - 1));
      this.stochastic = (p.rounding ?? "stochastic") === "stochastic";
      const clip = p.clipRange ?? Math.max(4 * initStd(init), 0.05);
      const delta = p.initStep ?? clip / this.qmax;
      if (!(delta > 0))
        throw new Error(`embedding table ${config.name}: initial step size must be > 0, got ${delta}`);
      this.steps = new Float32Array((p.stepGranularity ?? "row") === "row" ? this.rows : 1).fill(delta);
      this.minStep = 1e-3 * delta;
      this.initStep = delta;
      if (p.learnStep) {
        const ls = p.learnStep;
        if (!(ls.lr > 0))
          throw new Error(`embedding table ${config.name}: learnStep.lr must be > 0, got ${ls.lr}`);
        const stepGrad = ls.stepGrad ?? "lsq";
        if (!["lsq", "two-pass", "legacy-sr"].includes(stepGrad))
          throw new Error(
            `embedding table ${config.name}: learnStep.stepGrad must be "lsq", "two-pass" or "legacy-sr", got ${stepGrad}`,
          );
        this.learnStep = {
          lr: ls.lr,
          gradScale: ls.gradScale ?? true,
          optimizer: ls.optimizer ?? "adam",
          stepGrad,
        };
        if (this.learnStep.optimizer === "adam") this.stepMoments = new Float32Array(2 * this.steps.length);
      } else this.learnStep = null;
      this.weights = p.bits === 16 ? new Int16Array(n) : new Int8Array(n);
      const tmp = new Float32Array(this.dim);
      for (let r = 0; r < this.rows; r++) {
        fillInit(tmp, init, this.rng);
        this.storeRow(r, tmp);
      }
    }
  }

  get isQuantized(): boolean {
    return this.precision.kind === "int";
  }

  /** Step size Δ of a row (int precision); 1 for fp32 tables. */
  stepOf(row: number): number {
    const s = this.steps;
    if (!s) return 1;
    return s.length === 1 ? s[0] : s[row];
  }

  private checkId(id: number, i: number): void {
    if (!(id >= 0 && id < this.rows) || !Number.isInteger(id)) {
      throw new Error(`embedding table ${this.name}: id ${id} at position ${i} is outside [0, ${this.rows})`);
    }
  }

  /** De-quantised row values into `out` at offset `o`. */
  readRow(row: number, out: Float32Array, o = 0): void {
    const d = this.dim;
    const w = this.weights;
    const base = row * d;
    if (this.steps === null) {
      for (let k = 0; k < d; k++) out[o + k] = w[base + k];
    } else {
      const delta = this.stepOf(row);
      for (let k = 0; k < d; k++) out[o + k] = delta * w[base + k];
    }
  }

  /** Store full-precision values for a row, quantising (with this table's rounding) if needed. */
  storeRow(row: number, values: Float32Array, o = 0): void {
    const d = this.dim;
    const w = this.weights;
    const base = row * d;
    if (this.steps === null) {
      for (let k = 0; k < d; k++) w[base + k] = values[o + k];
      return;
    }
    const inv = 1 / this.stepOf(row);
    const { qmin, qmax } = this;
    if (this.stochastic) {
      for (let k = 0; k < d; k++) {
        let q = Math.floor(values[o + k] * inv + this.rng.next());
        if (q > qmax) q = qmax;
        else if (q < qmin) q = qmin;
        w[base + k] = q;
      }
    } else {
      for (let k = 0; k < d; k++) {
        const s = values[o + k] * inv;
        let q = s >= 0 ? Math.floor(s + 0.5) : -Math.floor(0.5 - s);
        if (q > qmax) q = qmax;
        else if (q < qmin) q = qmin;
        w[base + k] = q;
      }
    }
  }

  /** Look up `ids` (length n) into `out` ([n, dim], allocated when absent). */
  lookup(ids: ArrayLike<number>, out?: Float32Array, outOffset = 0, outStride = this.dim): Float32Array {
    const n = ids.length;
    const d = this.dim;
    const res = out ?? new Float32Array(n * d);
    const k = rowKernels;
    if (k && this.steps === null && outStride === d && ids instanceof Int32Array) {
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        if (!(id >= 0 && id < this.rows)) this.checkId(id, i);
      }
      k.gatherRows(this.weights as Float32Array, d, ids, res.subarray(outOffset, outOffset + n * d));
      return res;
    }
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.rows)) this.checkId(id, i);
      this.readRow(id, res, outOffset + i * outStride);
    }
    return res;
  }

  /**
   * Apply the gradients of a batch: `grads` holds one dim-vector per entry of `ids` (entry i at
   * offset gradOffset + i·gradStride). Duplicate ids are summed first, then each unique row is
   * updated once by the optimiser and written back (re-quantised for int tables; with `learnStep`
   * the step sizes take their own gradient step first, see the module header). With
   * `stepGrad: "two-pass"` the rows are updated but Δ is not: until `applyStepGradients` the
   * touched rows hold Δ·round(w'/Δ) (what the second forward pass looks up).
   * Returns the number of unique rows updated.
   */
  applyGradients(
    ids: ArrayLike<number>,
    grads: Float32Array,
    gradOffset = 0,
    gradStride = this.dim,
    lrScale = 1,
  ): number {
    if (this.pendingRows > 0)
      throw new Error(
        `embedding table ${this.name}: a two-pass step-size update is pending; call applyStepGradients before the next applyGradients`,
      );
    const { uniq, summed } = this.sumDuplicates(ids, grads, gradOffset, gradStride);
    this.step += 1;
    const nu = uniq.length;
    const ls = this.learnStep;
    if (ls) {
      if (ls.stepGrad === "two-pass") this.beginTwoPass(uniq, summed, lrScale);
      else if (this.steps!.length === 1) this.applyLearnedTableStep(uniq, summed, lrScale);
      else if (ls.stepGrad === "legacy-sr") this.applyLegacyRowSteps(uniq, summed, lrScale);
      else this.applyLearnedRowSteps(uniq, summed, lrScale);
      return nu;
    }
    const k = rowKernels;
    const oc = this.optimizer.config;
    if (k && this.steps === null && oc.kind === "adam") {
      if (oc.weightDecay === 0) {
        k.adamRows(
          this.weights as Float32Array,
          this.optimizer.m!,
          this.optimizer.v!,
          this.dim,
          uniq,
          summed,
          oc.lr * lrScale,
          oc.beta1,
          oc.beta2,
          oc.eps,
          this.step,
        );
        return nu;
      }
      if (rowKernelsDecay) {
        k.adamRows(
          this.weights as Float32Array,
          this.optimizer.m!,
          this.optimizer.v!,
          this.dim,
          uniq,
          summed,
          oc.lr * lrScale,
          oc.beta1,
          oc.beta2,
          oc.eps,
          this.step,
          oc.weightDecay,
        );
        return nu;
      }
    }
    const w = this.rowBuf;
    for (let u = 0; u < nu; u++) {
      const r = uniq[u];
      this.readRow(r, w);
      this.optimizer.updateRow(r, w, summed, u * this.dim, this.step, lrScale);
      this.storeRow(r, w);
    }
    return nu;
  }

  /** True while a two-pass table holds rows awaiting `applyStepGradients`. */
  get stepUpdatePending(): boolean {
    return this.pendingRows > 0;
  }

  /**
   * Second half of a "two-pass" step (`LearnStepConfig.stepGrad`): `grads` is the gradient of the
   * loss with respect to the looked-up rows Δ·round(w'/Δ) of the same `ids` (the model run again
   * after `applyGradients`), laid out as in `applyGradients`. Δ takes its LSQ step with it, then
   * the held rows w' are stored with the new Δ (fresh uniforms for stochastic rounding).
   * Returns the number of unique rows stored.
   */
  applyStepGradients(
    ids: ArrayLike<number>,
    grads: Float32Array,
    gradOffset = 0,
    gradStride = this.dim,
    lrScale = 1,
  ): number {
    const np = this.pendingRows;
    if (np === 0)
      throw new Error(
        `embedding table ${this.name}: applyStepGradients without a pending two-pass update (stepGrad "two-pass" and applyGradients first)`,
      );
    const { uniq, summed } = this.sumDuplicates(ids, grads, gradOffset, gradStride);
    const d = this.dim;
    const slot = this.pendSlot!;
    const acc = this.pendAcc;
    acc.fill(0, 0, np);
    const held = this.pendW;
    const { qmin, qmax } = this;
    for (let u = 0; u < uniq.length; u++) {
      const r = uniq[u];
      const s = slot[r];
      if (s < 0)
        throw new Error(
          `embedding table ${this.name}: applyStepGradients got id ${r}, which the pending applyGradients did not touch`,
        );
      const inv = 1 / this.stepOf(r);
      let a = 0;
      for (let k = 0; k < d; k++)
        a += summed[u * d + k] * lsqStepDerivative(held[s * d + k] * inv, qmin, qmax);
      acc[s] += a;
    }
    const adam = this.learnStep!.optimizer === "adam" ? this.stepAdamConstants(lrScale) : null;
    const rows = this.pendIds;
    if (this.steps!.length === 1) {
      let gd = 0;
      for (let s = 0; s < np; s++) gd += acc[s];
      const scale = this.learnStep!.gradScale ? 1 / Math.sqrt(np * d * qmax) : 1;
      this.updateStep(0, scale * gd, lrScale, adam);
    } else {
      const scale = this.learnStep!.gradScale ? 1 / Math.sqrt(d * qmax) : 1;
      for (let s = 0; s < np; s++) this.updateStep(rows[s], scale * acc[s], lrScale, adam);
    }
    for (let s = 0; s < np; s++) {
      this.storeRow(rows[s], held, s * d);
      slot[rows[s]] = -1;
    }
    this.pendingRows = 0;
    return np;
  }

  /** Two-pass, first half: optimiser update of the rows into the held buffer; codes round(w'/Δ) for the second lookup. */
  private beginTwoPass(uniq: Int32Array, summed: Float32Array, lrScale: number): void {
    const d = this.dim;
    const nu = uniq.length;
    if (this.pendW.length < nu * d) this.pendW = new Float32Array(Math.max(nu * d, 2 * this.pendW.length));
    if (this.pendIds.length < nu) {
      this.pendIds = new Int32Array(Math.max(nu, 2 * this.pendIds.length));
      this.pendAcc = new Float64Array(this.pendIds.length);
    }
    if (!this.pendSlot) this.pendSlot = new Int32Array(this.rows).fill(-1);
    const held = this.pendW;
    const codes = this.weights;
    const { qmin, qmax } = this;
    for (let u = 0; u < nu; u++) {
      const r = uniq[u];
      const row = held.subarray(u * d, (u + 1) * d);
      this.readRow(r, row);
      this.optimizer.updateRow(r, row, summed, u * d, this.step, lrScale);
      const inv = 1 / this.stepOf(r);
      for (let k = 0; k < d; k++) {
        const q = roundHalfAway(row[k] * inv);
        codes[r * d + k] = q > qmax ? qmax : q < qmin ? qmin : q;
      }
      this.pendIds[u] = r;
      this.pendSlot[r] = u;
    }
    this.pendingRows = nu;
  }

  /**
   * Σ_k g_k·dŵ_k/dΔ for a row `w` (full precision, at offset wo) with step `delta`, g at offset go,
   * under this table's `stepGrad` rule: LSQ with round to nearest ("lsq", "two-pass"; no random
   * draws) or, for "legacy-sr" on a stochastic table, the residual of a stochastic draw with the clip
   * test on the rounded code (one uniform per element). The per-row hot path inlines the same computation.
   */
  stepGradient(w: Float32Array, wo: number, g: Float32Array, go: number, delta: number): number {
    const d = this.dim;
    const inv = 1 / delta;
    const { qmin, qmax } = this;
    let acc = 0;
    if (this.learnStep?.stepGrad === "legacy-sr") {
      for (let k = 0; k < d; k++) {
        const v = w[wo + k] * inv;
        const q = this.stochastic ? Math.floor(v + this.rng.next()) : roundHalfAway(v);
        acc += g[go + k] * (q >= qmax ? qmax : q <= qmin ? qmin : q - v);
      }
      return acc;
    }
    for (let k = 0; k < d; k++) acc += g[go + k] * lsqStepDerivative(w[wo + k] * inv, qmin, qmax);
    return acc;
  }

  /** Adam constants of this step for the step sizes: [lr·√bc2/bc1, ε·√bc2] (computed once per batch). */
  private stepAdamConstants(lrScale: number): [number, number] {
    const t = this.step;
    const bc2 = Math.sqrt(1 - Math.pow(0.999, t));
    return [(this.learnStep!.lr * lrScale * bc2) / (1 - Math.pow(0.9, t)), 1e-8 * bc2];
  }

  /** One update of step size `i` from its gradient gd (SGD, or lazy Adam with the batch's constants). */
  private updateStep(i: number, gd: number, lrScale: number, adam: [number, number] | null): void {
    const steps = this.steps!;
    let next: number;
    if (adam === null) next = steps[i] - this.learnStep!.lr * lrScale * gd;
    else {
      const mv = this.stepMoments!;
      const m = (mv[2 * i] = 0.9 * mv[2 * i] + 0.1 * gd);
      const v = (mv[2 * i + 1] = 0.999 * mv[2 * i + 1] + 0.001 * gd * gd);
      next = steps[i] - (adam[0] * m) / (Math.sqrt(v) + adam[1]);
    }
    steps[i] = next > this.minStep ? next : this.minStep;
  }

  /**
   * ALPT with one Δ per row, "lsq" rule, fused into one pass per row (hot path: no calls per
   * element): de-quantise, optimiser update, LSQ gradient of Δ (round to nearest, clip test on v),
   * Δ update, store with the new Δ (stochastic: fresh uniforms).
   */
  private applyLearnedRowSteps(uniq: Int32Array, summed: Float32Array, lrScale: number): void {
    const d = this.dim;
    const w = this.rowBuf;
    const codes = this.weights;
    const steps = this.steps!;
    const { qmin, qmax, stochastic, minStep } = this;
    const scale = this.learnStep!.gradScale ? 1 / Math.sqrt(d * qmax) : 1;
    const adam = this.learnStep!.optimizer === "adam" ? this.stepAdamConstants(lrScale) : null;
    const sgdLr = this.learnStep!.lr * lrScale;
    const mv = this.stepMoments;
    const rng = this.rng;
    for (let u = 0; u < uniq.length; u++) {
      const r = uniq[u];
      const base = r * d;
      const go = u * d;
      const delta = steps[r];
      for (let k = 0; k < d; k++) w[k] = delta * codes[base + k];
      this.optimizer.updateRow(r, w, summed, go, this.step, lrScale);
      const inv = 1 / delta;
      let acc = 0;
      for (let k = 0; k < d; k++) {
        const v = w[k] * inv;
        const dq =
          v <= qmin ? qmin : v >= qmax ? qmax : (v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v)) - v;
        acc += summed[go + k] * dq;
      }
      const gd = scale * acc;
      let next: number;
      if (adam === null || mv === null) next = delta - sgdLr * gd;
      else {
        const m = (mv[2 * r] = 0.9 * mv[2 * r] + 0.1 * gd);
        const vv = (mv[2 * r + 1] = 0.999 * mv[2 * r + 1] + 0.001 * gd * gd);
        next = delta - (adam[0] * m) / (Math.sqrt(vv) + adam[1]);
      }
      steps[r] = next > minStep ? next : minStep;
      const inv2 = 1 / steps[r];
      for (let k = 0; k < d; k++) {
        const s2 = w[k] * inv2;
        let q = stochastic
          ? Math.floor(s2 + rng.next())
          : s2 >= 0
            ? Math.floor(s2 + 0.5)
            : -Math.floor(0.5 - s2);
        if (q > qmax) q = qmax;
        else if (q < qmin) q = qmin;
        codes[base + k] = q;
      }
    }
  }

  /**
   * Ablation "legacy-sr" (one Δ per row): the rule before issue 12. The same uniforms serve Δ's
   * gradient and the store, Δ's gradient uses the stochastic residual q − v and the clip test looks
   * at the rounded code q. Kept only to measure what the fix changes.
   */
  private applyLegacyRowSteps(uniq: Int32Array, summed: Float32Array, lrScale: number): void {
    const d = this.dim;
    const w = this.rowBuf;
    const noise = this.noiseBuf;
    const codes = this.weights;
    const steps = this.steps!;
    const { qmin, qmax, stochastic, minStep } = this;
    const scale = this.learnStep!.gradScale ? 1 / Math.sqrt(d * qmax) : 1;
    const adam = this.learnStep!.optimizer === "adam" ? this.stepAdamConstants(lrScale) : null;
    const sgdLr = this.learnStep!.lr * lrScale;
    const mv = this.stepMoments;
    for (let u = 0; u < uniq.length; u++) {
      const r = uniq[u];
      const base = r * d;
      const go = u * d;
      const delta = steps[r];
      for (let k = 0; k < d; k++) w[k] = delta * codes[base + k];
      this.optimizer.updateRow(r, w, summed, go, this.step, lrScale);
      const inv = 1 / delta;
      let acc = 0;
      for (let k = 0; k < d; k++) {
        const v = w[k] * inv;
        let q: number;
        if (stochastic) {
          const z = this.rng.next();
          noise[k] = z;
          q = Math.floor(v + z);
        } else q = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
        acc += summed[go + k] * (q >= qmax ? qmax : q <= qmin ? qmin : q - v);
      }
      const gd = scale * acc;
      let next: number;
      if (adam === null || mv === null) next = delta - sgdLr * gd;
      else {
        const m = (mv[2 * r] = 0.9 * mv[2 * r] + 0.1 * gd);
        const vv = (mv[2 * r + 1] = 0.999 * mv[2 * r + 1] + 0.001 * gd * gd);
        next = delta - (adam[0] * m) / (Math.sqrt(vv) + adam[1]);
      }
      steps[r] = next > minStep ? next : minStep;
      const inv2 = 1 / steps[r];
      for (let k = 0; k < d; k++) {
        const s2 = w[k] * inv2;
        let q = stochastic
          ? Math.floor(s2 + noise[k])
          : s2 >= 0
            ? Math.floor(s2 + 0.5)
            : -Math.floor(0.5 - s2);
        if (q > qmax) q = qmax;
        else if (q < qmin) q = qmin;
        codes[base + k] = q;
      }
    }
  }

  private applyLearnedTableStep(uniq: Int32Array, summed: Float32Array, lrScale: number): void {
    const d = this.dim;
    const nu = uniq.length;
    if (this.updBuf.length < nu * d) this.updBuf = new Float32Array(Math.max(nu * d, 2 * this.updBuf.length));
    const w = this.updBuf;
    const delta = this.steps![0];
    let gd = 0;
    for (let u = 0; u < nu; u++) {
      const r = uniq[u];
      this.readRow(r, w, u * d);
      this.optimizer.updateRow(r, w.subarray(u * d, (u + 1) * d), summed, u * d, this.step, lrScale);
      gd += this.stepGradient(w, u * d, summed, u * d, delta);
    }
    const scale = this.learnStep!.gradScale ? 1 / Math.sqrt(nu * d * this.qmax) : 1;
    this.updateStep(
      0,
      scale * gd,
      lrScale,
      this.learnStep!.optimizer === "adam" ? this.stepAdamConstants(lrScale) : null,
    );
    for (let u = 0; u < nu; u++) this.storeRow(uniq[u], w, u * d);
  }

  /** Mean, min, max and std of the step sizes Δ (null for fp32 tables). */
  stepStats(): StepStats | null {
    const s = this.steps;
    if (!s) return null;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < s.length; i++) {
      sum += s[i];
      if (s[i] < min) min = s[i];
      if (s[i] > max) max = s[i];
    }
    const mean = sum / s.length;
    let ss = 0;
    for (let i = 0; i < s.length; i++) ss += (s[i] - mean) ** 2;
    return { mean, min, max, std: s.length > 1 ? Math.sqrt(ss / (s.length - 1)) : 0, count: s.length };
  }

  /**
   * Sum the gradient vectors of duplicate ids. The returned arrays are views of scratch buffers the
   * next call overwrites.
   */
  sumDuplicates(
    ids: ArrayLike<number>,
    grads: Float32Array,
    gradOffset = 0,
    gradStride = this.dim,
  ): { uniq: Int32Array; summed: Float32Array } {
    const n = ids.length;
    const d = this.dim;
    if (grads.length < gradOffset + (n - 1) * gradStride + d) {
      throw new Error(`embedding table ${this.name}: gradient buffer too short for ${n} ids of dim ${d}`);
    }
    if (!this.slot) this.slot = new Int32Array(this.rows).fill(-1);
    const slot = this.slot;
    if (this.uniqBuf.length < n) this.uniqBuf = new Int32Array(n);
    if (this.sumBuf.length < n * d) this.sumBuf = new Float32Array(n * d);
    const uniqAll = this.uniqBuf;
    const summed = this.sumBuf;
    const k = rowKernels;
    if (k?.sumDuplicates && ids instanceof Int32Array && n >= NATIVE_SUM_MIN_IDS) {
      const r = k.sumDuplicates(ids, grads, gradOffset, gradStride, d, slot, uniqAll, summed);
      if (r < 0) this.checkId(ids[-r - 1], -r - 1);
      return { uniq: uniqAll.subarray(0, r), summed: summed.subarray(0, r * d) };
    }
    let nu = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.rows)) {
        for (let j = 0; j < nu; j++) slot[uniqAll[j]] = -1;
        this.checkId(id, i);
      }
      let s = slot[id];
      const go = gradOffset + i * gradStride;
      if (s < 0) {
        s = nu++;
        slot[id] = s;
        uniqAll[s] = id;
        const so = s * d;
        for (let k = 0; k < d; k++) summed[so + k] = grads[go + k];
      } else {
        const so = s * d;
        for (let k = 0; k < d; k++) summed[so + k] += grads[go + k];
      }
    }
    for (let j = 0; j < nu; j++) slot[uniqAll[j]] = -1;
    return { uniq: uniqAll.subarray(0, nu), summed: summed.subarray(0, nu * d) };
  }

  /** Memory held by this table, from the actual buffers. */
  memory(): TableMemory {
    const p = this.precision;
    return {
      name: this.name,
      rows: this.rows,
      dim: this.dim,
      precision: p.kind === "fp32" ? "fp32" : `int${p.bits}${p.bits < 8 ? " (in 8)" : ""}`,
      weightBytes: this.weights.byteLength,
      stepBytes: this.steps?.byteLength ?? 0,
      optimizerBytes: this.optimizer.bytes() + (this.stepMoments?.byteLength ?? 0),
      scratchBytes:
        (this.slot?.byteLength ?? 0) +
        this.uniqBuf.byteLength +
        this.sumBuf.byteLength +
        this.updBuf.byteLength +
        this.pendBytes(),
      fp32WeightBytes: this.rows * this.dim * 4,
    };
  }

  private pendBytes(): number {
    return (
      this.pendIds.byteLength +
      this.pendW.byteLength +
      this.pendAcc.byteLength +
      (this.pendSlot?.byteLength ?? 0)
    );
  }

  /** All de-quantised weights as fp32 ([rows, dim]); for inspection and tests. */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.rows * this.dim);
    for (let r = 0; r < this.rows; r++) this.readRow(r, out, r * this.dim);
    return out;
  }

  getState(): EmbeddingTableState {
    return {
      config: this.config,
      step: this.step,
      weights: this.weights.slice(),
      steps: this.steps ? this.steps.slice() : null,
      optM: this.optimizer.m ? this.optimizer.m.slice() : null,
      optV: this.optimizer.v ? this.optimizer.v.slice() : null,
      rng: this.rng.getState(),
      stepMoments: this.stepMoments ? this.stepMoments.slice() : null,
    };
  }

  setState(state: EmbeddingTableState): void {
    if (
      state.weights.length !== this.weights.length ||
      state.weights.constructor !== this.weights.constructor
    ) {
      throw new Error(
        `embedding table ${this.name}: checkpoint holds ${state.weights.constructor.name}[${state.weights.length}], table has ${this.weights.constructor.name}[${this.weights.length}]`,
      );
    }
    this.weights.set(state.weights);
    if (this.steps && state.steps) this.steps.set(state.steps);
    if (this.optimizer.m && state.optM) this.optimizer.m.set(state.optM);
    if (this.optimizer.v && state.optV) this.optimizer.v.set(state.optV);
    if (this.stepMoments && state.stepMoments) this.stepMoments.set(state.stepMoments);
    this.step = state.step;
    this.rng.setState(state.rng);
  }
}

function fillInit(a: Float32Array, init: InitConfig, rng: Rng): void {
  if (init.kind === "normal") for (let i = 0; i < a.length; i++) a[i] = rng.normal() * init.std;
  else if (init.kind === "uniform")
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * init.scale;
  else a.fill(0);
}
