/**
 * AITM, Adaptive Information Transfer Multi-task framework (Xi, Chen, Liu, Zhao, Wang, Tang, He,
 * Bai; "Modeling the Sequential Dependence among Audience Multi-step Conversions with Multi-task
 * Learning in Targeted Display Advertising", KDD 2021, arXiv 2105.08489). Tasks form a cascade
 * (impression → click → conversion ...): heads in config `tasks` order are the cascade order.
 *
 *   q_t = bottom_t(x)                                 per-task bottom MLP ("tower" in the paper)
 *   p_{t-1} = info_{t-1}(z_{t-1})                     transfer: Dense + ReLU of the previous task's rep
 *   z_t = AIT(p_{t-1}, q_t) = Σ_{u∈{p,q}} w_u h3(u),   w_u = softmax_u(<h1(u), h2(u)> / √H)   (eq. 2-4)
 *   z_0 = q_0;  ŷ_t = σ(tower_t(z_t))
 *
 * Loss (eq. 6-8): Σ_t CE(y_t, ŷ_t) + α · L_lc, with the behavioural expectation calibrator
 * L_lc = Σ_{t≥1} max(ŷ_t − ŷ_{t-1}, 0) (a later step cannot be more likely than the one before).
 * α = `constraintWeight`, default 0.6 (adtalos/AITM-torch `constraint_weight`; the kit's choice:
 * torch-rechub's AITM and its run_census.py train with plain BCE, i.e. α = 0, which the torch-rechub
 * reference preset in presets.ts sets). AITM-torch sums
 * L_lc over the batch while the CE terms are batch means; the kit's default averages it over the
 * batch too (`constraintReduction: "mean"`) so α does not scale with the batch size; "sum" gives the
 * reference's behaviour.
 *
 * Reference shapes: torch-rechub torch_rechub/models/multi_task/aitm.py (bottoms [32, 16], towers
 * [8], info gate = MLP to the bottom width, attention with bias-free Q/K/V on the bottom width; in
 * examples/ranking/run_census.py). `batchNorm: true` gives the bottoms, the info gates and the
 * towers torch-rechub's Linear→BN→ReLU blocks (default off); the default loss adds the calibrator.
 *
 * Shared variables: the first task's bottom (every later head reads it through the transfer
 * chain); everything else serves a suffix of the cascade only.
 */
import type { Batch, DatasetSchema } from "../../data/schema";
import { labelIndex } from "../../data/schema";
import type { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { Dense } from "../layers/dense";
import { Mlp } from "../layers/mlp";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { makeTowers, squeezeLogit } from "./blocks";
import { requiresTwoLabels, resolveTasks, type TasksField, type TowerFields } from "./common";

export interface AitmConfig extends BaseModelConfig, TasksField, TowerFields {
  /** Hidden widths of each task's bottom; the last is the attention width H. Default [32, 16] (torch-rechub run_census.py `bottom_params`). */
  bottomHidden: number[];
  /** α, weight of the behavioural expectation calibrator. Default 0.6 (AITM-torch). 0 disables it. */
  constraintWeight: number;
  /** Reduction of the calibrator over the batch. Default "mean" (see the module header). */
  constraintReduction: "mean" | "sum";
}

/** Adaptive information transfer: attention over {transferred p, own q}, x [B, H] each -> [B, H]. */
export class AitAttention {
  readonly q: Dense;
  readonly k: Dense;
  readonly v: Dense;

  constructor(
    readonly dim: number,
    rng: Rng,
  ) {
    this.q = new Dense(dim, dim, rng, { bias: false });
    this.k = new Dense(dim, dim, rng, { bias: false });
    this.v = new Dense(dim, dim, rng, { bias: false });
  }

  /** Returns the mixed representation and w_p, the weight on the transferred information [B]. */
  apply(p: tf.Tensor2D, q: tf.Tensor2D): { z: tf.Tensor2D; transferWeight: tf.Tensor1D } {
    const score = (u: tf.Tensor2D) =>
      tf.div(tf.sum(tf.mul(this.q.apply(u), this.k.apply(u)), 1), Math.sqrt(this.dim)) as tf.Tensor1D; // [B]
    const w = tf.softmax(tf.stack([score(p), score(q)], 1)) as tf.Tensor2D; // [B, 2]
    const values = tf.stack([this.v.apply(p), this.v.apply(q)], 1) as tf.Tensor3D; // [B, 2, H]
    const z = tf.sum(tf.mul(tf.expandDims(w, 2), values), 1) as tf.Tensor2D; // [B, H]
    const transferWeight = tf.reshape(tf.slice(w, [0, 0], [-1, 1]), [-1]) as tf.Tensor1D; // [B]
    return { z, transferWeight };
  }

  variables(): tf.Variable[] {
    return [...this.q.variables(), ...this.k.variables(), ...this.v.variables()];
  }
}

export class AitmModel extends ModelBase<AitmConfig> {
  readonly bottoms: Mlp[];
  /** info[t-1]: the transfer p_{t-1} = ReLU(Linear(z_{t-1})) (Linear→BN→ReLU with batchNorm), then dropout. */
  readonly info: Mlp[];
  readonly attention: AitAttention[];
  readonly towers: Mlp[];
  private readonly labelCols: number[];

  constructor(schema: DatasetSchema, config: AitmConfig, seed: number) {
    super("aitm", schema, config, seed, resolveTasks(schema, config.tasks, "aitm"));
    if (config.bottomHidden.length === 0) throw new Error("aitm: bottomHidden is empty");
    if (!(config.constraintWeight >= 0))
      throw new Error(`aitm: constraintWeight must be ≥ 0, got ${config.constraintWeight}`);
    const T = this.heads.length;
    const H = config.bottomHidden[config.bottomHidden.length - 1];
    this.bottoms = [];
    const batchNorm = config.batchNorm;
    for (let t = 0; t < T; t++)
      this.bottoms.push(
        this.track(
          new Mlp(
            this.flatInputDim,
            { hidden: config.bottomHidden, dropout: config.dropout, batchNorm },
            this.rng,
          ),
        ),
      );
    this.info = [];
    this.attention = [];
    for (let t = 1; t < T; t++) {
      this.info.push(this.track(new Mlp(H, { hidden: [H], dropout: config.dropout, batchNorm }, this.rng)));
      this.attention.push(this.track(new AitAttention(H, this.rng)));
    }
    this.towers = makeTowers(H, T, config.towerHidden, config.dropout, this.rng, batchNorm);
    for (const tw of this.towers) this.track(tw);
    this.labelCols = this.heads.map((h) => labelIndex(schema, h));
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const x = this.flatInput(inputs); // [B, F*D + Nn]
    const internals: Record<string, tf.Tensor> = {};
    const z: tf.Tensor2D[] = [this.bottoms[0].apply(x, ctx.training, ctx.rng)]; // [B, H]
    for (let t = 1; t < this.heads.length; t++) {
      const q = this.bottoms[t].apply(x, ctx.training, ctx.rng); // [B, H]
      const p = this.info[t - 1].apply(z[t - 1], ctx.training, ctx.rng); // [B, H]
      const r = this.attention[t - 1].apply(p, q);
      z.push(r.z);
      internals[`transferWeight/${this.heads[t]}`] = r.transferWeight;
    }
    return {
      logits: z.map((zt, t) => squeezeLogit(this.towers[t].apply(zt, ctx.training, ctx.rng))),
      internals,
    };
  }

  /** Σ_t mean CE(y_t, ŷ_t) + α · L_lc (module header): the sum of `taskLosses`. */
  loss(out: ForwardOutput, batch: Batch): tf.Scalar {
    const l = this.taskLosses(out, batch);
    return (l.length === 1 ? l[0] : tf.addN(l)) as tf.Scalar;
  }

  /**
   * Per-head losses for task weighting and gradient surgery: L_0 = CE_0 and, for t ≥ 1,
   * L_t = CE_t + α · reduce_b max(ŷ_t − ŷ_{t-1}, 0): the calibrator term that constrains ŷ_t is
   * charged to head t. Their sum is `loss`.
   */
  taskLosses(out: ForwardOutput, batch: Batch): tf.Scalar[] {
    const probs = out.logits.map((l) => tf.sigmoid(l));
    return out.logits.map((logit, t) => {
      const ce = tf.losses.sigmoidCrossEntropy(
        tf.tensor1d(batch.labels[this.labelCols[t]]),
        logit,
      ) as tf.Scalar;
      if (t === 0 || this.config.constraintWeight === 0) return ce;
      const gap = tf.relu(tf.sub(probs[t], probs[t - 1])); // [B]
      const lc = this.config.constraintReduction === "sum" ? tf.sum(gap) : tf.mean(gap);
      return tf.add(ce, tf.mul(this.config.constraintWeight, lc)) as tf.Scalar;
    });
  }

  /** L_lc = reduce_b Σ_{t≥1} max(σ(l_t) − σ(l_{t-1}), 0), reduce = mean or sum over the batch (for figures and tests). */
  calibrator(logits: tf.Tensor1D[]): tf.Scalar {
    const probs = logits.map((l) => tf.sigmoid(l));
    const gaps = probs.slice(1).map((p, i) => tf.relu(tf.sub(p, probs[i]))); // [B] each
    const perRow = gaps.length === 1 ? gaps[0] : tf.addN(gaps); // [B]
    return (this.config.constraintReduction === "sum" ? tf.sum(perRow) : tf.mean(perRow)) as tf.Scalar;
  }

  sharedVariables(): tf.Variable[] {
    return this.bottoms[0].variables();
  }
}

export const AITM: ModelSpec<AitmConfig> = {
  id: "aitm",
  name: "AITM",
  paper: {
    title:
      "Modeling the Sequential Dependence among Audience Multi-step Conversions with Multi-task Learning in Targeted Display Advertising",
    venue: "KDD 2021",
    url: "https://arxiv.org/abs/2105.08489",
  },
  task: "multi-task",
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    tasks: null,
    bottomHidden: [32, 16],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
    constraintWeight: 0.6,
    constraintReduction: "mean",
  },
  presets: { smoke: { bottomHidden: [32, 16], towerHidden: [8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) => new AitmModel(schema, config, seed),
};
