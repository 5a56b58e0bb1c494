/**
 * ESMM, Entire Space Multi-task Model (Ma, Zhao, Huang, Wang, Hu, Zhu, Gai; SIGIR 2018,
 * arXiv 1804.07931), eq. 1-3: a CTR tower and a CVR tower over the same field embeddings; the CVR
 * tower is never supervised directly but through pCTCVR = pCTR · pCVR over all impressions:
 *
 *   L = Σ_i CE(y_i, pCTR_i) + Σ_i CE(y_i & z_i, pCTR_i · pCVR_i).
 *
 * Heads: [ctrLabel, ctcvrLabel] (a loader provides the click·conversion label), so the trainer's
 * default loss (sigmoid CE summed over heads) is ESMM's loss, given the CTCVR head's logit
 *
 *   logit(pCTCVR) = log p − log(1 − p),   log p = logσ(a) + logσ(b)   (a, b: CTR, CVR logits),
 *
 * computed in log space: log(1 − p) = log(−expm1(log p)) (equal to log1p(−p), accurate for p near
 * 1 too), with log p clamped to ≤ log(1 − 1e-7) so the logit stays finite (|logit| ≤ ~16.1 at the
 * top end; sigmoid of it differs from pCTR·pCVR by at most 1e-7).
 * `internals.cvr` is pCVR [B] (to score CVR on clicked rows vs. the entire space), with `ctr`,
 * `ctcvr` (probabilities) next to it.
 *
 * Reference: torch-rechub torch_rechub/models/multi_task/esmm.py (towers [16, 8] each, embed_dim
 * 16 in examples/ranking/run_census.py). `batchNorm: true` gives the towers torch-rechub's
 * Linear→BN→ReLU blocks (default off). Deviation: the towers read every field plus numeric
 * features (the reference uses sparse fields only).
 */
import type { DatasetSchema } from "../../data/schema";
import { labelIndex } from "../../data/schema";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { Mlp } from "../layers/mlp";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { squeezeLogit } from "./blocks";
import { requiresTwoLabels } from "./common";

/** Upper clamp of log pCTCVR: log(1 − 1e-7). */
export const ESMM_MAX_LOG_P = Math.log1p(-1e-7);

/** Numerically stable logit of σ(a)·σ(b) (see the module header). a, b [B] -> [B]. */
export function productLogit(a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor1D {
  const logP = tf.minimum(tf.add(tf.logSigmoid(a), tf.logSigmoid(b)), ESMM_MAX_LOG_P); // [B], ≤ log(1 − 1e-7)
  return tf.sub(logP, tf.log(tf.neg(tf.expm1(logP)))) as tf.Tensor1D; // log p − log(1 − p)
}

export interface EsmmConfig extends BaseModelConfig {
  /** Label of the CTR head (clicks over impressions). Default null = the schema's first label. */
  ctrLabel: string | null;
  /** Label of the CTCVR head (click AND conversion, over impressions). Default null = the second label. */
  ctcvrLabel: string | null;
  /** CTR tower hidden widths. Default [16, 8] (torch-rechub run_census.py `ctr_params`). */
  ctrHidden: number[];
  /** CVR tower hidden widths. Default [16, 8] (run_census.py `cvr_params`). */
  cvrHidden: number[];
  /** Dropout in both towers. Default 0. */
  dropout: number;
  /** BatchNorm1d after every hidden Linear of both towers (torch-rechub's MLP). Default false. */
  batchNorm: boolean;
}

export class EsmmModel extends ModelBase<EsmmConfig> {
  readonly ctrTower: Mlp;
  readonly cvrTower: Mlp;

  constructor(schema: DatasetSchema, config: EsmmConfig, seed: number) {
    super("esmm", schema, config, seed, esmmHeads(schema, config));
    const batchNorm = config.batchNorm;
    this.ctrTower = this.track(
      new Mlp(
        this.flatInputDim,
        { hidden: config.ctrHidden, dropout: config.dropout, output: 1, batchNorm },
        this.rng,
      ),
    );
    this.cvrTower = this.track(
      new Mlp(
        this.flatInputDim,
        { hidden: config.cvrHidden, dropout: config.dropout, output: 1, batchNorm },
        this.rng,
      ),
    );
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const x = this.flatInput(inputs); // [B, F*D + Nn]
    const a = squeezeLogit(this.ctrTower.apply(x, ctx.training, ctx.rng)); // [B] CTR logit
    const b = squeezeLogit(this.cvrTower.apply(x, ctx.training, ctx.rng)); // [B] CVR logit
    const ctcvr = productLogit(a, b); // [B]
    const pCtr = tf.sigmoid(a);
    const pCvr = tf.sigmoid(b);
    return {
      logits: [a, ctcvr],
      internals: { ctr: pCtr, cvr: pCvr, ctcvr: tf.mul(pCtr, pCvr), cvrLogit: b },
    };
  }

  /** Only the field embeddings are shared (the paper's shared lookup table): no dense variable is. */
  sharedVariables(): tf.Variable[] {
    return [];
  }
}

function esmmHeads(schema: DatasetSchema, config: EsmmConfig): string[] {
  if (schema.labels.length < 2 && (config.ctrLabel === null || config.ctcvrLabel === null))
    throw new Error(`esmm: ${requiresTwoLabels(schema)}`);
  const ctr = config.ctrLabel ?? schema.labels[0].name;
  const ctcvr = config.ctcvrLabel ?? schema.labels[1].name;
  labelIndex(schema, ctr);
  labelIndex(schema, ctcvr);
  if (ctr === ctcvr) throw new Error(`esmm: ctrLabel and ctcvrLabel are the same label "${ctr}"`);
  return [ctr, ctcvr];
}

export const ESMM: ModelSpec<EsmmConfig> = {
  id: "esmm",
  name: "ESMM",
  paper: {
    title: "Entire Space Multi-Task Model: An Effective Approach for Estimating Post-Click Conversion Rate",
    venue: "SIGIR 2018",
    url: "https://arxiv.org/abs/1804.07931",
  },
  task: "multi-task",
  // embDim 16: torch-rechub run_census.py embeds fields with embed_dim=16 for ESMM.
  defaults: {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    ctrLabel: null,
    ctcvrLabel: null,
    ctrHidden: [16, 8],
    cvrHidden: [16, 8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { ctrHidden: [16, 8], cvrHidden: [16, 8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) => new EsmmModel(schema, config, seed),
};
