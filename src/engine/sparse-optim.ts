/**
 * Row-wise optimisers for kit-owned embedding tables.
 *
 * Only rows that appear in a batch are touched: the update costs O(unique ids x dim), never
 * O(table). Adam is the "lazy" variant (TensorFlow's LazyAdam, PyTorch's SparseAdam): moments of
 * rows absent from a batch are not decayed; bias correction uses the table's global step.
 */

export type SparseOptimizerKind = "sgd" | "adagrad" | "adam";

export interface SparseOptimizerConfig {
  /** Which update rule. Default "adam". */
  kind: SparseOptimizerKind;
  /** Learning rate. Default 1e-3 (Adam) as in the papers' code. */
  lr: number;
  /** Adam first-moment decay. Default 0.9. */
  beta1?: number;
  /** Adam second-moment decay. Default 0.999. */
  beta2?: number;
  /** Numerical epsilon (Adam, Adagrad). Default 1e-8 (Adam), 1e-10 (Adagrad). */
  eps?: number;
  /**
   * L2 weight decay as PyTorch's Adam/SGD/Adagrad `weight_decay` (g ← g + wd·w before the moments),
   * but lazy and row-wise: applied only to the rows looked up in a batch, once per step, so rows
   * absent from a batch do not shrink (PyTorch's dense Adam would decay every row every step).
   * The native row-Adam kernel applies it the same way. Default 0.
   */
  weightDecay?: number;
  /** Adagrad initial accumulator. Default 0. */
  initialAccumulator?: number;
}

export const DEFAULT_SPARSE_OPTIMIZER: SparseOptimizerConfig = { kind: "adam", lr: 1e-3 };

/** Optimiser state for `rows x dim` parameters, updated one row at a time. */
export class SparseOptimizer {
  readonly config: Required<SparseOptimizerConfig>;
  /** Adam m / Adagrad accumulator. */
  m: Float32Array | null;
  /** Adam v. */
  v: Float32Array | null;

  constructor(
    config: SparseOptimizerConfig,
    readonly rows: number,
    readonly dim: number,
  ) {
    const isAdam = config.kind === "adam";
    this.config = {
      kind: config.kind,
      lr: config.lr,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      eps: config.eps ?? (isAdam ? 1e-8 : 1e-10),
      weightDecay: config.weightDecay ?? 0,
      initialAccumulator: config.initialAccumulator ?? 0,
    };
    if (!(this.config.lr > 0)) throw new Error(`sparse optimiser: lr must be > 0, got ${config.lr}`);
    const n = rows * dim;
    this.m = config.kind === "sgd" ? null : new Float32Array(n);
    this.v = isAdam ? new Float32Array(n) : null;
    // Touch the state pages now: fresh typed arrays are mapped lazily, and first-touch page faults
    // inside training steps cost more than the updates themselves on large tables.
    this.m?.fill(config.kind === "adagrad" ? this.config.initialAccumulator : 0);
    this.v?.fill(0);
  }

  /**
   * Update one row in place. `w` holds the row's full-precision values (dim), `g` its summed
   * gradient (dim) at offset `go`; `t` is the 1-based global step; `lrScale` multiplies lr.
   */
  updateRow(row: number, w: Float32Array, g: Float32Array, go: number, t: number, lrScale = 1): void {
    const { kind, beta1, beta2, eps, weightDecay } = this.config;
    const lr = this.config.lr * lrScale;
    const d = this.dim;
    const base = row * d;
    if (kind === "sgd") {
      for (let k = 0; k < d; k++) w[k] -= lr * (g[go + k] + weightDecay * w[k]);
    } else if (kind === "adagrad") {
      const acc = this.m!;
      for (let k = 0; k < d; k++) {
        const gk = g[go + k] + weightDecay * w[k];
        const a = acc[base + k] + gk * gk;
        acc[base + k] = a;
        w[k] -= (lr * gk) / (Math.sqrt(a) + eps);
      }
    } else {
      const m = this.m!;
      const v = this.v!;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const stepSize = (lr * Math.sqrt(bc2)) / bc1;
      const epsHat = eps * Math.sqrt(bc2);
      for (let k = 0; k < d; k++) {
        const gk = g[go + k] + weightDecay * w[k];
        const mk = beta1 * m[base + k] + (1 - beta1) * gk;
        const vk = beta2 * v[base + k] + (1 - beta2) * gk * gk;
        m[base + k] = mk;
        v[base + k] = vk;
        w[k] -= (stepSize * mk) / (Math.sqrt(vk) + epsHat);
      }
    }
  }

  bytes(): number {
    return (this.m?.byteLength ?? 0) + (this.v?.byteLength ?? 0);
  }
}
