/**
 * Sequence layers shared by the kit's sequence models (DIN, TEM4CTR, DFN-style; notebook
 * 03-tem4ctr, section "Model"): masked softmax over padded sequences, DIN's activation-unit
 * attention (Zhou et al., KDD 2018, eq. 3; the official TEM4CTR/DIEN code's `din_fcn_attention`),
 * the representation projection of TEM4CTR (step 2) and PReLU with the output tower of the
 * official code (BN -> FC 200 PReLU -> FC 80 PReLU -> logit).
 *
 * Masks are 1/0 host arrays (from the batch's ids); a padded position (mask 0) gets attention
 * weight exactly 0 and a zero gradient; a row with no valid position pools to zero. The hot ops
 * are typed-array kernels with their own gradients (./seq-ops.ts).
 */
import type { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { BatchNorm, type BatchNormConfig } from "./batch-norm";
import { Dense } from "./dense";
import { dinAttentionFused, fusedDinAddon } from "./din-fused";
import {
  addGathered,
  gatherMul,
  gatherRows,
  maskedSoftmaxOp,
  projectRows,
  scatterRows,
  validSlots,
  weightedSum,
} from "./seq-ops";

/** Softmax of `scores` [N, L] over the positions where `mask` (N·L values, 1/0) is 1; 0 elsewhere (all-padded rows: all 0). */
export function maskedSoftmax(scores: tf.Tensor2D, mask: ArrayLike<number>): tf.Tensor2D {
  return maskedSoftmaxOp(scores, mask);
}

/**
 * Projection of `u` onto `c` along the last axis: (u·c / (‖c‖² + eps))·c (TEM4CTR step 2, the
 * "representation-projection transfer"); the remainder u − proj is the part discarded as noise.
 * A zero `c` (a padded click) projects to zero.
 */
export function projectOnto<T extends tf.Tensor>(u: T, c: T, eps = 1e-8): T {
  return projectRows(u, c, eps);
}

/** PReLU with one slope per channel: max(0, x) + α·min(0, x); α starts at 0.1 (the official TF code's `prelu`). */
export class PRelu {
  readonly alpha: tf.Variable;
  constructor(
    readonly dim: number,
    init = 0.1,
  ) {
    this.alpha = ownedVariable(tf.fill([dim], init));
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.relu(x), tf.mul(this.alpha, tf.minimum(x, 0))) as tf.Tensor2D);
  }
  variables(): tf.Variable[] {
    return [this.alpha];
  }
}

export interface DinAttentionConfig {
  /** Hidden widths of the activation unit. Default [80, 40] (DIN / the official code). */
  hidden?: number[];
  /** Activation of the hidden layers. Default "sigmoid" (the official code's din_fcn_attention). */
  activation?: "sigmoid" | "relu";
}

/**
 * DIN attention: the score of key k_l for query q is an MLP over [q, k_l, q − k_l, q ⊙ k_l]; the
 * weights are the masked softmax of the scores (the official code's `softmax_stag=1`); the output
 * is Σ_l w_l·k_l.
 */
export class DinAttention {
  readonly layers: Dense[];
  readonly out: Dense;
  readonly activation: "sigmoid" | "relu";

  constructor(
    readonly dim: number,
    config: DinAttentionConfig,
    rng: Rng,
  ) {
    const hidden = config.hidden ?? [80, 40];
    this.activation = config.activation ?? "sigmoid";
    this.layers = [];
    let d = 4 * dim;
    for (const h of hidden) {
      this.layers.push(new Dense(d, h, rng));
      d = h;
    }
    this.out = new Dense(d, 1, rng);
  }

  /**
   * query [N, D], keys [N, L, D], mask (N·L values, 1 = valid) -> pooled [N, D] and weights [N, L]
   * (0 at padding). `values` [N, L, D] (default the keys) are what is pooled. With the native
   * addon (abiVersion >= 4) this runs as one fused op (./din-fused.ts; its weights carry no
   * gradient); otherwise, or with RECREPRO_FUSED_ATTENTION=0, op by op below.
   */
  apply(
    query: tf.Tensor2D,
    keys: tf.Tensor3D,
    mask: ArrayLike<number>,
    values?: tf.Tensor3D,
  ): { pooled: tf.Tensor2D; weights: tf.Tensor2D } {
    const nat = fusedDinAddon();
    if (nat) return dinAttentionFused(nat, this, query, keys, mask, values);
    const [N, L, D] = keys.shape;
    if (mask.length !== N * L)
      throw new Error(`DinAttention: mask has ${mask.length} values, keys ${N}x${L}`);
    // The activation unit runs on the valid (unpadded) positions only: padded ones get weight 0
    // and no gradient anyway, and real histories are mostly padding (5-90% of the slots valid).
    const pos = validSlots(mask, N * L); // flat position n*L + l of each valid slot
    const V = pos.length;
    const rowOf = pos.map((p) => (p / L) | 0); // its query row n
    // First layer on [q, k, q − k, q ⊙ k] without materialising the [V, 4D] input: with
    // W1 = [Wq; Wk; Wd; Wp] (row blocks), it is q(Wq + Wd) + [k, q ⊙ k][Wk − Wd; Wp] + b.
    const w1 = this.layers.length > 0 ? this.layers[0] : this.out;
    const [wq, wk, wd, wp] = tf.split(w1.w, 4, 0) as tf.Tensor2D[]; // 4 x [D, H]
    const fromQ = tf.matMul(query, tf.add(wq, wd)) as tf.Tensor2D; // [N, H], added per valid slot below
    const flat = tf.reshape(keys, [N * L, D]) as tf.Tensor2D;
    const dense = V === N * L; // no padding: the valid slots are all slots, in order
    const k2 = dense ? flat : gatherRows(flat, pos); // [V, D]
    const qk = gatherMul(query, rowOf, k2); // [V, D]
    // Two GEMMs rather than one on concat([k, q ⊙ k]): no [V, 2D] copy forward, no split backward.
    const fromK = tf.fused.matMul({ a: k2, b: tf.sub(wk, wd) as tf.Tensor2D, bias: w1.b ?? undefined });
    let h = addGathered(tf.add(fromK, tf.matMul(qk, wp)) as tf.Tensor2D, fromQ, rowOf); // [V, H]
    if (this.layers.length > 0) {
      h = this.activation === "sigmoid" ? tf.sigmoid(h) : tf.relu(h);
      for (const layer of this.layers.slice(1)) h = layer.apply(h, this.activation); // [V, H']
      h = this.out.apply(h); // [V, 1]
    }
    if (!dense) h = scatterRows(h, pos, N * L); // [N*L, 1], 0 at padding (masked below)
    const weights = maskedSoftmaxOp(tf.reshape(h, [N, L]) as tf.Tensor2D, mask); // [N, L]
    const pooled = weightedSum(weights, values ?? keys); // [N, D]
    return { pooled, weights };
  }

  variables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => l.variables()), ...this.out.variables()];
  }
}

export interface PreluTowerConfig {
  /** Hidden widths. Default [200, 80] (the official TEM4CTR / DIEN code). */
  hidden?: number[];
  /** BatchNorm on the input (the official code's `tf.layers.batch_normalization` before FC 200). Default true. */
  inputBatchNorm?: boolean | BatchNormConfig;
}

/** The output tower of the official DIN/DIEN/TEM4CTR code: BN -> (FC -> PReLU)* -> one logit. */
export class PreluTower {
  readonly norm: BatchNorm | null;
  readonly layers: Dense[];
  readonly acts: PRelu[];
  readonly out: Dense;

  constructor(inDim: number, config: PreluTowerConfig, rng: Rng) {
    const bn = config.inputBatchNorm ?? true;
    this.norm = bn === false ? null : new BatchNorm(inDim, bn === true ? {} : bn);
    this.layers = [];
    this.acts = [];
    let d = inDim;
    for (const h of config.hidden ?? [200, 80]) {
      this.layers.push(new Dense(d, h, rng));
      this.acts.push(new PRelu(h));
      d = h;
    }
    this.out = new Dense(d, 1, rng);
  }

  /** x [B, inDim] -> logits [B]. */
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor1D {
    let h = this.norm ? this.norm.apply(x, training) : x;
    this.layers.forEach((l, i) => {
      h = this.acts[i].apply(l.apply(h)); // [B, H]
    });
    return tf.reshape(this.out.apply(h), [x.shape[0]]) as tf.Tensor1D;
  }

  variables(): tf.Variable[] {
    return [
      ...(this.norm ? this.norm.variables() : []),
      ...this.layers.flatMap((l, i) => [...l.variables(), ...this.acts[i].variables()]),
      ...this.out.variables(),
    ];
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
