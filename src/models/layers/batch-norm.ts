/**
 * BatchNorm over the feature axis of [B, C] activations, as PyTorch's `nn.BatchNorm1d` (defaults
 * momentum 0.1, eps 1e-5, affine, track_running_stats):
 *
 *   training:   y = γ·(x − μ_B)/√(σ²_B + ε) + β   with the batch mean μ_B and biased variance σ²_B;
 *   evaluation: y = γ·(x − μ_run)/√(σ²_run + ε) + β with the running statistics.
 *
 * γ (ones) and β (zeros) are trainable dense variables (`variables()`). The running mean (zeros),
 * running variance (ones, updated with the *unbiased* batch variance as PyTorch does) and the
 * number of batches tracked are non-trainable buffers (`buffers()`): checkpoints save them, the
 * optimiser does not see them and they are not counted as parameters (PyTorch's `parameters()`
 * excludes them too).
 *
 * When the running statistics move: a training forward only records its batch statistics; the
 * update happens in `updateBuffers()`, which the trainer calls once per optimisation step (after
 * the dense update), so forward passes repeated within one step (per-task gradients, conflict
 * measures, the two-pass ALPT pass) never count twice; the last training forward of the step wins.
 * Code that trains without the Trainer calls `updateBuffers()` itself after each step.
 */
import { tf } from "../../engine/tf";

/** A variable initialised from `t`, disposing `t` (tf.variable keeps its own reference to the data). */
function owned(t: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

export interface BatchNormConfig {
  /**
   * Weight of the new batch in the running statistics: r ← (1 − m)·r + m·batch. Default 0.1
   * (PyTorch). null: cumulative average over all batches tracked (PyTorch `momentum=None`).
   */
  momentum?: number | null;
  /** ε added to the variance. Default 1e-5 (PyTorch). */
  eps?: number;
}

export class BatchNorm {
  /** γ [C], initialised to ones. */
  readonly gamma: tf.Variable;
  /** β [C], initialised to zeros. */
  readonly beta: tf.Variable;
  /** Running mean [C] (buffer), initialised to zeros. */
  readonly runningMean: tf.Variable;
  /** Running (unbiased) variance [C] (buffer), initialised to ones. */
  readonly runningVar: tf.Variable;
  /** Number of running-statistics updates so far (buffer, a float32 scalar). */
  readonly numBatchesTracked: tf.Variable;
  readonly momentum: number | null;
  readonly eps: number;
  private pendingMean: tf.Tensor1D | null = null;
  private pendingVar: tf.Tensor1D | null = null;

  constructor(
    readonly dim: number,
    config: BatchNormConfig = {},
  ) {
    if (!(Number.isInteger(dim) && dim > 0))
      throw new Error(`batch norm: dim must be a positive integer, got ${dim}`);
    this.momentum = config.momentum === undefined ? 0.1 : config.momentum;
    this.eps = config.eps ?? 1e-5;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1))
      throw new Error(`batch norm: momentum must be in [0, 1] or null, got ${this.momentum}`);
    if (!(this.eps > 0)) throw new Error(`batch norm: eps must be > 0, got ${this.eps}`);
    this.gamma = owned(tf.ones([dim]), true);
    this.beta = owned(tf.zeros([dim]), true);
    this.runningMean = owned(tf.zeros([dim]), false);
    this.runningVar = owned(tf.ones([dim]), false);
    this.numBatchesTracked = owned(tf.scalar(0), false);
  }

  /** x [B, C] -> [B, C]: batch statistics when `training` (recorded for `updateBuffers`), running ones otherwise. */
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    if (x.shape[1] !== this.dim)
      throw new Error(`batch norm: input has ${x.shape[1]} features, layer has ${this.dim}`);
    if (!training) {
      return tf.batchNorm(
        x,
        this.runningMean as tf.Tensor1D,
        this.runningVar as tf.Tensor1D,
        this.beta as tf.Tensor1D,
        this.gamma as tf.Tensor1D,
        this.eps,
      ) as tf.Tensor2D;
    }
    const B = x.shape[0];
    if (B < 2)
      throw new Error(`batch norm: training needs more than 1 value per feature, got a batch of ${B}`);
    const { y, mean, unbiasedVar } = batchNormRows(x, this.gamma, this.beta, this.eps); // [B, C], [C], [C]
    this.record(mean, unbiasedVar);
    return y;
  }

  private record(mean: Float32Array, unbiasedVar: Float32Array): void {
    this.pendingMean?.dispose();
    this.pendingVar?.dispose();
    this.pendingMean = tf.keep(tf.tensor1d(mean));
    this.pendingVar = tf.keep(tf.tensor1d(unbiasedVar));
  }

  /** Fold the statistics of the last training forward into the running ones (no-op when none is pending). */
  updateBuffers(): void {
    const pm = this.pendingMean;
    const pv = this.pendingVar;
    if (!pm || !pv) return;
    const n = this.numBatchesTracked.dataSync()[0] + 1;
    const m = this.momentum === null ? 1 / n : this.momentum;
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(pm, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(pv, m)));
      this.numBatchesTracked.assign(tf.scalar(n));
    });
    pm.dispose();
    pv.dispose();
    this.pendingMean = null;
    this.pendingVar = null;
  }

  /** Trainable variables: [γ, β] (PyTorch's weight, bias). */
  variables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  /** Non-trainable state in a stable order: [running mean, running variance, batches tracked]. */
  buffers(): tf.Variable[] {
    return [this.runningMean, this.runningVar, this.numBatchesTracked];
  }

  /** Drop recorded batch statistics without using them. */
  discardPending(): void {
    this.pendingMean?.dispose();
    this.pendingVar?.dispose();
    this.pendingMean = null;
    this.pendingVar = null;
  }

  dispose(): void {
    this.discardPending();
    for (const v of [...this.variables(), ...this.buffers()]) if (!v.isDisposed) v.dispose();
  }
}

/**
 * The training forward of batch norm over the rows of x [B, C] as one typed-array pass each way:
 * y = γ ⊙ (x − μ) / √(σ² + ε) + β with the batch mean μ and biased variance σ² per column, and the
 * batch-norm gradient dx = γ/σ̂ · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)), dγ = Σ dy ⊙ x̂, dβ = Σ dy
 * (σ̂ = √(σ² + ε)). Also returns μ and the unbiased variance σ²·B/(B − 1) (for the running
 * statistics). Same values and gradients as the tfjs composition (tf.moments and elementwise
 * ops; the unit test compares with finite differences), without tf.moments' transpose over axis 0
 * and some 30 op dispatches per layer on the CPU backend.
 */
export function batchNormRows(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): { y: tf.Tensor2D; mean: Float32Array; unbiasedVar: Float32Array } {
  const [n, m] = x.shape;
  if (gamma.size !== m || beta.size !== m)
    throw new Error(`batch norm: gamma [${gamma.shape}] and beta [${beta.shape}] must have ${m} entries`);
  const meanOut = new Float32Array(m);
  const varOut = new Float32Array(m);
  const f = tf.customGrad((xt, gt, bt) => {
    const xv = (xt as tf.Tensor).dataSync() as Float32Array;
    const gv = (gt as tf.Tensor).dataSync() as Float32Array;
    const bv = (bt as tf.Tensor).dataSync() as Float32Array;
    const mean = new Float64Array(m);
    const vari = new Float64Array(m);
    for (let b = 0; b < n; b++) for (let j = 0; j < m; j++) mean[j] += xv[b * m + j];
    for (let j = 0; j < m; j++) mean[j] /= Math.max(n, 1);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < m; j++) {
        const d = xv[b * m + j] - mean[j];
        vari[j] += d * d;
      }
    }
    const rstd = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      rstd[j] = 1 / Math.sqrt(vari[j] / Math.max(n, 1) + eps);
      meanOut[j] = mean[j];
      varOut[j] = vari[j] / (n - 1);
    }
    const xhat = new Float32Array(n * m);
    const out = new Float32Array(n * m);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < m; j++) {
        const h = (xv[b * m + j] - mean[j]) * rstd[j];
        xhat[b * m + j] = h;
        out[b * m + j] = gv[j] * h + bv[j];
      }
    }
    return {
      value: tf.tensor2d(out, [n, m]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const sdy = new Float64Array(m);
        const sdyx = new Float64Array(m);
        for (let b = 0; b < n; b++) {
          for (let j = 0; j < m; j++) {
            sdy[j] += g[b * m + j];
            sdyx[j] += g[b * m + j] * xhat[b * m + j];
          }
        }
        const dx = new Float32Array(n * m);
        for (let b = 0; b < n; b++) {
          for (let j = 0; j < m; j++)
            dx[b * m + j] = gv[j] * rstd[j] * (g[b * m + j] - sdy[j] / n - (xhat[b * m + j] * sdyx[j]) / n);
        }
        return [
          tf.tensor2d(dx, [n, m]),
          tf.tensor(Float32Array.from(sdyx), gamma.shape),
          tf.tensor(Float32Array.from(sdy), beta.shape),
        ];
      },
    };
  });
  const y = f(x, gamma, beta) as tf.Tensor2D;
  return { y, mean: meanOut, unbiasedVar: varOut };
}
