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
 *    [-2^(b-1), 2^(b-1)-1]. This is low-precision *training* (LPT, ALPT paper §3): the table never
 *    holds fp32 weights between steps.
 *
 * Memory is reported from the actual buffers (`memory()`), split into weights, step sizes,
 * optimiser state and scratch.
 */
import { Rng, RngState } from "./rng";
import { DEFAULT_SPARSE_OPTIMIZER, SparseOptimizer, SparseOptimizerConfig } from "./sparse-optim";

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
    };

export type InitConfig = { kind: "normal"; std: number } | { kind: "uniform"; scale: number } | { kind: "zeros" };

export interface EmbeddingTableConfig {
  /** Table name, used in error messages and memory reports. */
  name: string;
  /** Number of rows (ids 0..rows-1). */
  rows: number;
  /** Embedding dimension D. */
  dim: number;
  /** Storage precision. Default fp32. */
  precision?: PrecisionConfig;
  /** Initialisation. Default normal(0, 1e-2)... as in torch-rechub's `EmbeddingLayer` (normal std 1e-4 there; 1e-2 trains faster on small samples). */
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
}

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
  // Scratch for de-duplicating ids within a batch.
  private slot: Int32Array | null = null;
  private readonly rowBuf: Float32Array;

  constructor(config: EmbeddingTableConfig, seed: number) {
    if (!Number.isInteger(config.rows) || config.rows <= 0) throw new Error(`embedding table ${config.name}: rows must be a positive integer, got ${config.rows}`);
    if (!Number.isInteger(config.dim) || config.dim <= 0) throw new Error(`embedding table ${config.name}: dim must be a positive integer, got ${config.dim}`);
    this.config = config;
    this.name = config.name;
    this.rows = config.rows;
    this.dim = config.dim;
    this.precision = config.precision ?? { kind: "fp32" };
    this.rng = new Rng(seed);
    this.rowBuf = new Float32Array(this.dim);
    this.optimizer = new SparseOptimizer(config.optimizer ?? DEFAULT_SPARSE_OPTIMIZER, this.rows, this.dim);
    const init = config.init ?? DEFAULT_INIT;
    const n = this.rows * this.dim;
    const p = this.precision;
    if (p.kind === "fp32") {
      this.qmin = 0;
      this.qmax = 0;
      this.stochastic = false;
      this.steps = null;
      const w = new Float32Array(n);
      fillInit(w, init, this.rng);
      this.weights = w;
    } else {
      if (![2, 4, 8, 16].includes(p.bits)) throw new Error(`embedding table ${config.name}: bits must be 2, 4, 8 or 16, got ${p.bits}`);
      this.qmax = 2 ** (p.bits - 1) - 1;
      this.qmin = -(2 ** (p.bits - 1));
      this.stochastic = (p.rounding ?? "stochastic") === "stochastic";
      const clip = p.clipRange ?? Math.max(4 * initStd(init), 0.05);
      const delta = p.initStep ?? clip / this.qmax;
      if (!(delta > 0)) throw new Error(`embedding table ${config.name}: initial step size must be > 0, got ${delta}`);
      this.steps = new Float32Array((p.stepGranularity ?? "row") === "row" ? this.rows : 1).fill(delta);
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
   * updated once by the optimiser and written back (re-quantised for int tables).
   * Returns the number of unique rows updated.
   */
  applyGradients(ids: ArrayLike<number>, grads: Float32Array, gradOffset = 0, gradStride = this.dim, lrScale = 1): number {
    const { uniq, summed } = this.sumDuplicates(ids, grads, gradOffset, gradStride);
    this.step += 1;
    const w = this.rowBuf;
    const nu = uniq.length;
    for (let u = 0; u < nu; u++) {
      const r = uniq[u];
      this.readRow(r, w);
      this.optimizer.updateRow(r, w, summed, u * this.dim, this.step, lrScale);
      this.storeRow(r, w);
    }
    return nu;
  }

  /** Sum the gradient vectors of duplicate ids. */
  sumDuplicates(ids: ArrayLike<number>, grads: Float32Array, gradOffset = 0, gradStride = this.dim): { uniq: Int32Array; summed: Float32Array } {
    const n = ids.length;
    const d = this.dim;
    if (grads.length < gradOffset + (n - 1) * gradStride + d) {
      throw new Error(`embedding table ${this.name}: gradient buffer too short for ${n} ids of dim ${d}`);
    }
    if (!this.slot) this.slot = new Int32Array(this.rows).fill(-1);
    const slot = this.slot;
    const uniqAll = new Int32Array(n);
    const summed = new Float32Array(n * d);
    let nu = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.rows)) {
        for (let j = 0; j < nu; j++) slot[uniqAll[j]] = -1;
        this.checkId(id, i);
      }
      let s = slot[id];
      if (s < 0) {
        s = nu++;
        slot[id] = s;
        uniqAll[s] = id;
      }
      const go = gradOffset + i * gradStride;
      const so = s * d;
      for (let k = 0; k < d; k++) summed[so + k] += grads[go + k];
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
      optimizerBytes: this.optimizer.bytes(),
      scratchBytes: this.slot?.byteLength ?? 0,
      fp32WeightBytes: this.rows * this.dim * 4,
    };
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
    };
  }

  setState(state: EmbeddingTableState): void {
    if (state.weights.length !== this.weights.length || state.weights.constructor !== this.weights.constructor) {
      throw new Error(`embedding table ${this.name}: checkpoint holds ${state.weights.constructor.name}[${state.weights.length}], table has ${this.weights.constructor.name}[${this.weights.length}]`);
    }
    this.weights.set(state.weights);
    if (this.steps && state.steps) this.steps.set(state.steps);
    if (this.optimizer.m && state.optM) this.optimizer.m.set(state.optM);
    if (this.optimizer.v && state.optV) this.optimizer.v.set(state.optV);
    this.step = state.step;
    this.rng.setState(state.rng);
  }
}

function fillInit(a: Float32Array, init: InitConfig, rng: Rng): void {
  if (init.kind === "normal") for (let i = 0; i < a.length; i++) a[i] = rng.normal() * init.std;
  else if (init.kind === "uniform") for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * init.scale;
  else a.fill(0);
}
