/**
 * HAMUR's adapter cell and hyper-network (Li, Zhang, Zhao, Wang, Zhao, Zhao, Xie, Li, Xu, Guo,
 * "HAMUR: Hyper Adapter for Multi-Domain Recommendation", CIKM 2023, arXiv 2309.06217; section
 * "Domain-specific adapter" and "Domain-shared hyper-network"). Notebook 01-hamur, section "model".
 *
 * Hyper-network (domain-shared, instance-level): an MLP on the flattened embedding input x0,
 * hidden widths `hyperHidden`, output k·k, reshaped to one k×k matrix H_b per row b.
 *
 * Adapter cell after a hidden layer of width m, for row b (bottleneck r, default 32):
 *   W1_b = U1 · H_b · V1     (m×r; U1 m×k, V1 k×r)          down-projection
 *   a_b  = sigmoid(x_b W1_b + b1)                             non-linearity
 *   W2_b = U2 · H_b · V2     (r×m; U2 r×k, V2 k×m)          up-projection
 *   o_b  = a_b W2_b + b2
 *   n_b  = γ ⊙ (o_b − μ) / sqrt(σ² + 1e-5) + β                 domain norm (μ, σ² over the batch rows of the domain)
 *   y_b  = n_b + x_b                                          residual
 * The product x_b U1 H_b V1 is evaluated right to left per row ([B,m]·[m,k] → [B,k], a batched
 * [B,1,k]·[B,k,k] → [B,k], ·[k,r]), which equals x_b·W1_b without materialising W1_b ([B,m,r]).
 *
 * Design decisions (see README.md of this package):
 * - Per-domain vs shared adapter parameters: the paper's text calls the adapter domain-specific,
 *   the official code reuses one set of (U, V, b, γ, β) in every domain's tower. `perDomain`
 *   selects; the field's default is per-domain (the kit's earlier choice, kept so existing
 *   presets keep their numbers); HAMUR's `official` preset (src/papers/hamur/spec.ts) shares.
 * - U, V init: the official code initialises U and V to ones (the `official` preset). Then W1 = (Σ H) · 1 1ᵀ: every
 *   bottleneck unit gets the same pre-activation, and since U2 is also all ones the r bottleneck
 *   units receive identical gradients forever (the bottleneck is effectively one unit wide), and
 *   with k = 35 the entries of W1 are sums of k² hyper outputs, so the sigmoid saturates. The
 *   field defaults to Glorot-uniform U and V (`uvInit: "glorot"`, the kit's ablation); `"ones"`
 *   is the official init (checked in test/papers/hamur.test.ts and shown in the notebook).
 * - Domain norm statistics: the cell normalises over the rows it is given. The official code runs
 *   every row through every tower, so its statistics are those of the whole mixed batch (the
 *   backbone's `towerRows: "all"`, the `official` preset); with `towerRows: "domain"` each tower
 *   sees only its domain's rows and μ, σ² are the domain's (the kit's ablation). There are no
 *   running statistics (as in the official code), so the experiment helpers evaluate with a batch
 *   that covers the whole test split.
 * - Static adapter (`hyper: false`, the "w/o hyper-network" ablation): H is a learned k×k matrix
 *   (initialised to the identity) instead of a per-row output, i.e. a static rank-k adapter with
 *   the same factorisation and parameter shapes.
 */
import { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { BatchNorm, batchNormRows } from "./batch-norm";
import { Dense, glorotUniform } from "./dense";

/** Configuration of the HAMUR adapter attached to a multi-domain backbone. */
export interface AdapterConfig {
  /** 1-based indices of the hidden layers an adapter cell follows, e.g. [2] (MovieLens) or [6, 7] (Ali-CCP). */
  placement: number[];
  /** Bottleneck width r of each cell. Default 32 (official code). */
  bottleneck: number;
  /** Rank k of the factorisation W = U·H·V (H is k×k). Paper: 35 (MLP), 30 (DCN), 45 (W&D) on MovieLens. */
  rank: number;
  /** Hidden widths of the hyper-network. Paper: [64] (MLP), [128] (DCN, W&D) on MovieLens. */
  hyperHidden: number[];
  /** True: H comes per row from the hyper-network (HAMUR). False: H is a learned static matrix (ablation). */
  hyper: boolean;
  /** Apply the domain norm (batch statistics of the domain's rows, learned γ, β). False: the "w/o domain norm" ablation. */
  domainNorm: boolean;
  /** True: one set of adapter parameters per domain (paper text). False: one set shared by all domains (official code). */
  perDomain: boolean;
  /** Init of U and V: "glorot" (kit default) or "ones" (official code; see the module header). */
  uvInit: "glorot" | "ones";
}

/** The HAMUR adapter preset of the official code's MovieLens MLP run (adapter after hidden layer 2). */
export const HAMUR_ADAPTER_DEFAULTS: AdapterConfig = {
  placement: [2],
  bottleneck: 32,
  rank: 35,
  hyperHidden: [64],
  hyper: true,
  domainNorm: true,
  perDomain: true,
  uvInit: "glorot",
};

/** Validates an adapter config against the backbone's hidden widths; throws naming the field. */
export function checkAdapterConfig(a: AdapterConfig, hidden: number[], where: string): void {
  for (const p of a.placement) {
    if (!(Number.isInteger(p) && p >= 1 && p <= hidden.length)) {
      throw new Error(
        `${where}: adapter.placement ${p} must be a hidden layer index in 1..${hidden.length} (hidden ${JSON.stringify(hidden)})`,
      );
    }
  }
  if (new Set(a.placement).size !== a.placement.length)
    throw new Error(`${where}: adapter.placement ${JSON.stringify(a.placement)} repeats a layer`);
  for (const [k, v] of [
    ["bottleneck", a.bottleneck],
    ["rank", a.rank],
  ] as const) {
    if (!(Number.isInteger(v) && v > 0))
      throw new Error(`${where}: adapter.${k} must be a positive integer, got ${v}`);
  }
  if (a.uvInit !== "glorot" && a.uvInit !== "ones")
    throw new Error(`${where}: adapter.uvInit must be "glorot" or "ones", got ${String(a.uvInit)}`);
}

/**
 * Domain-shared hyper-network: x0 [B, d0] → per-row H [B, k, k]. Linear→ReLU per layer, the
 * output layer included, as in the official code (H ≥ 0). With `batchNorm` each block is the
 * official Linear→BatchNorm→ReLU (layers/batch-norm.ts: batch statistics in training, running
 * statistics in evaluation); off by default, which keeps the kit's earlier numbers.
 */
export class HyperNetwork {
  readonly layers: Dense[];
  /** One BatchNorm per layer with `batchNorm`, else empty. */
  readonly norms: BatchNorm[];

  constructor(
    readonly inDim: number,
    readonly hidden: number[],
    readonly rank: number,
    rng: Rng,
    batchNorm = false,
  ) {
    this.layers = [];
    this.norms = [];
    let d = inDim;
    for (const h of [...hidden, rank * rank]) {
      if (!(Number.isInteger(h) && h > 0))
        throw new Error(`hamur hyper-network: widths must be positive integers, got ${h}`);
      this.layers.push(new Dense(d, h, rng));
      if (batchNorm) this.norms.push(new BatchNorm(h));
      d = h;
    }
  }

  /** [B, d0] → [B, k·k], row b holding H_b row-major (reshape to [B, k, k]). */
  apply(x0: tf.Tensor2D, training = false): tf.Tensor2D {
    let h = x0;
    this.layers.forEach((l, i) => {
      h =
        this.norms.length > 0
          ? (tf.relu(this.norms[i].apply(l.apply(h), training)) as tf.Tensor2D)
          : l.apply(h, "relu"); // [B, width]
    });
    return h; // [B, k·k]
  }

  /** [B, d0] → [B, k, k]: one k×k matrix per row. */
  matrices(x0: tf.Tensor2D, training = false): tf.Tensor3D {
    return tf.reshape(this.apply(x0, training), [x0.shape[0], this.rank, this.rank]) as tf.Tensor3D;
  }

  /** Trainable variables: per layer [W, b(, γ, β)]. */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l, i) => [...l.variables(), ...(this.norms[i]?.variables() ?? [])]);
  }

  /** BatchNorm running statistics (empty without `batchNorm`). */
  buffers(): tf.Variable[] {
    return this.norms.flatMap((n) => n.buffers());
  }

  /** Fold the last training forward's batch statistics into the running ones (once per step). */
  updateBuffers(): void {
    for (const n of this.norms) n.updateBuffers();
  }

  discardPending(): void {
    for (const n of this.norms) n.discardPending();
  }
}

function uvVariable(rows: number, cols: number, init: AdapterConfig["uvInit"], rng: Rng): tf.Variable {
  const values = init === "ones" ? new Float32Array(rows * cols).fill(1) : glorotUniform(rows, cols, rng);
  return ownedVariable(tf.tensor2d(values, [rows, cols]));
}

/** Parameters of one adapter cell on a hidden layer of width m (one set; per domain there are G). */
export class AdapterCell {
  readonly u1: tf.Variable;
  readonly v1: tf.Variable;
  readonly b1: tf.Variable;
  readonly u2: tf.Variable;
  readonly v2: tf.Variable;
  readonly b2: tf.Variable;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;
  /** The static k×k matrix of the "w/o hyper-network" ablation; null with the hyper-network. */
  readonly hStatic: tf.Variable | null;

  constructor(
    readonly width: number,
    readonly cfg: AdapterConfig,
    rng: Rng,
  ) {
    const { bottleneck: r, rank: k } = cfg;
    this.u1 = uvVariable(width, k, cfg.uvInit, rng); // [m, k]
    this.v1 = uvVariable(k, r, cfg.uvInit, rng); // [k, r]
    this.b1 = ownedVariable(tf.zeros([r]));
    this.u2 = uvVariable(r, k, cfg.uvInit, rng); // [r, k]
    this.v2 = uvVariable(k, width, cfg.uvInit, rng); // [k, m]
    this.b2 = ownedVariable(tf.zeros([width]));
    this.gamma = cfg.domainNorm ? ownedVariable(tf.ones([width])) : null;
    this.beta = cfg.domainNorm ? ownedVariable(tf.zeros([width])) : null;
    this.hStatic = cfg.hyper ? null : ownedVariable(tf.eye(k));
  }

  /** Number of parameters: 2·m·k + 2·k·r + r + m (+ 2·m with the domain norm) (+ k² static). */
  static paramCount(width: number, cfg: AdapterConfig): number {
    const { bottleneck: r, rank: k } = cfg;
    return 2 * width * k + 2 * k * r + r + width + (cfg.domainNorm ? 2 * width : 0) + (cfg.hyper ? 0 : k * k);
  }

  /**
   * x [B, m], H [B, k, k] (or null for the static cell), mask [B, 1] of the rows whose statistics
   * the domain norm uses (null: every row). Returns the residual output y [B, m] and the adapter
   * branch n [B, m] (for the interference figure).
   */
  apply(
    x: tf.Tensor2D,
    H: tf.Tensor3D | null,
    mask: tf.Tensor2D | null,
  ): { y: tf.Tensor2D; branch: tf.Tensor2D } {
    const B = x.shape[0];
    const k = this.cfg.rank;
    if (H && H.size !== B * k * k)
      throw new Error(`hamur adapter: H has shape [${H.shape}], expected [${B}, ${k}, ${k}]`);
    const times = (z: tf.Tensor2D): tf.Tensor2D => {
      // z [B, k] times H_b per row (z_b·H_b, [B, k]); static: [B, k]·[k, k].
      if (H) return rowVecTimesMatrix(z, H, k);
      return tf.matMul(z, this.hStatic as tf.Tensor2D);
    };
    const down = tf.fused.matMul({
      a: times(tf.matMul(x, this.u1 as tf.Tensor2D)),
      b: this.v1 as tf.Tensor2D,
      bias: this.b1,
    }) as tf.Tensor2D; // [B, r] = x·U1·H·V1 + b1
    const a = tf.sigmoid(down) as tf.Tensor2D; // [B, r]
    const up = tf.fused.matMul({
      a: times(tf.matMul(a, this.u2 as tf.Tensor2D)),
      b: this.v2 as tf.Tensor2D,
      bias: this.b2,
    }) as tf.Tensor2D; // [B, m] = a·U2·H·V2 + b2
    const branch =
      this.gamma && this.beta
        ? mask
          ? domainNorm(up, mask, this.gamma, this.beta)
          : normRows(up, this.gamma, this.beta)
        : (up as tf.Tensor2D); // [B, m]
    return { y: tf.add(branch, x) as tf.Tensor2D, branch };
  }

  /** The materialised per-row weights for one k×k matrix H (for display): W1 = U1·H·V1 [m, r], W2 = U2·H·V2 [r, m]. */
  weights(H: tf.Tensor2D): { w1: tf.Tensor2D; w2: tf.Tensor2D } {
    return tf.tidy(() => ({
      w1: tf.matMul(tf.matMul(this.u1 as tf.Tensor2D, H), this.v1 as tf.Tensor2D),
      w2: tf.matMul(tf.matMul(this.u2 as tf.Tensor2D, H), this.v2 as tf.Tensor2D),
    }));
  }

  variables(): tf.Variable[] {
    return [
      this.u1,
      this.v1,
      this.b1,
      this.u2,
      this.v2,
      this.b2,
      ...(this.gamma ? [this.gamma, this.beta!] : []),
      ...(this.hStatic ? [this.hStatic] : []),
    ];
  }
}

/**
 * z [B, k] times one k×k matrix per row: out[b, j] = Σ_i z[b, i]·H[b, i, j] (H [B, k, k] or its
 * row-major [B, k·k] view). Same values and gradients (dz = dy·H_bᵀ, dH_b = z_bᵀ·dy_b) as the
 * batched matMul [B, 1, k]·[B, k, k], as one loop each way: B tiny GEMMs plus their reshapes and
 * gradients cost more op dispatches than arithmetic at these sizes.
 */
export function rowVecTimesMatrix(z: tf.Tensor2D, H: tf.Tensor, k: number): tf.Tensor2D {
  const B = z.shape[0];
  if (z.shape[1] !== k || H.size !== B * k * k)
    throw new Error(`rowVecTimesMatrix: z [${z.shape}] and H [${H.shape}] do not match k = ${k}`);
  const hShape = H.shape;
  const f = tf.customGrad((zt, Ht) => {
    const zv = (zt as tf.Tensor).dataSync() as Float32Array;
    const hv = (Ht as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(B * k);
    for (let b = 0; b < B; b++) {
      const zo = b * k;
      const ho = b * k * k;
      for (let i = 0; i < k; i++) {
        const zi = zv[zo + i];
        if (zi === 0) continue;
        const hi = ho + i * k;
        for (let j = 0; j < k; j++) out[zo + j] += zi * hv[hi + j];
      }
    }
    return {
      value: tf.tensor2d(out, [B, k]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dz = new Float32Array(B * k);
        const dH = new Float32Array(B * k * k);
        for (let b = 0; b < B; b++) {
          const zo = b * k;
          const ho = b * k * k;
          for (let i = 0; i < k; i++) {
            const hi = ho + i * k;
            const zi = zv[zo + i];
            let s = 0;
            for (let j = 0; j < k; j++) {
              s += g[zo + j] * hv[hi + j];
              dH[hi + j] = zi * g[zo + j];
            }
            dz[zo + i] = s;
          }
        }
        return [tf.tensor2d(dz, [B, k]), tf.tensor(dH, hShape)];
      },
    };
  });
  return f(z, H) as tf.Tensor2D;
}

/**
 * `domainNorm` over all rows of x (no mask), as one pass each way: γ ⊙ (x − μ) / sqrt(σ² + eps) + β
 * with μ, σ² (biased) per column, and the usual batch-norm gradient
 * dx = γ/σ̂ · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)), dγ = Σ dy ⊙ x̂, dβ = Σ dy (σ̂ = sqrt(σ² + eps)).
 * The same function as `domainNorm(x, null, …)` in some 40 fewer tfjs ops per forward and backward.
 */
export function normRows(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor2D {
  return batchNormRows(x, gamma, beta, eps).y;
}

/**
 * Batch normalisation over the rows selected by `mask` ([B, 1] of 0/1; null = all rows) with
 * learned scale and shift: γ ⊙ (x − μ) / sqrt(σ² + eps) + β, μ and σ² (biased) over the selected
 * rows. With no selected row the statistics are 0 (the outputs are then discarded by routing).
 */
export function domainNorm(
  x: tf.Tensor2D,
  mask: tf.Tensor2D | null,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps = 1e-5,
): tf.Tensor2D {
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (mask) {
    const n = tf.maximum(tf.sum(mask), 1); // scalar
    mean = tf.div(tf.sum(tf.mul(x, mask), 0), n); // [m]
    variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(x, mean)), mask), 0), n); // [m]
  } else {
    // Sum / n rather than tf.moments: the CPU backend's Mean over axis 0 transposes its input
    // first; Sum over a leading axis is one native column sum (src/engine/native.ts).
    const inv = 1 / Math.max(x.shape[0], 1);
    mean = tf.mul(tf.sum(x, 0), inv); // [m]
    variance = tf.mul(tf.sum(tf.square(tf.sub(x, mean)), 0), inv); // [m]
  }
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta) as tf.Tensor2D; // [B, m]
}
