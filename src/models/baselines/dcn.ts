/**
 * DCN (Wang, Fu, Fu, Wang, "Deep & Cross Network for Ad Click Predictions", ADKDD 2017):
 * a cross network (eq. 3) and an MLP over the same flattened input x0, concatenated, one logit
 * (eq. 5). Used by the tour notebook and as HAMUR's and ALPT's second backbone.
 */
import type { DatasetSchema } from "../../data/schema";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { CrossNetwork } from "../layers/cross";
import { Dense } from "../layers/dense";
import { Mlp } from "../layers/mlp";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";

export interface DcnConfig extends BaseModelConfig {
  /** Number of cross layers. Default 3. */
  crossLayers: number;
  /** Hidden widths of the deep part. Default [400, 400, 400]. */
  hidden: number[];
  /** Dropout in the deep part. Default 0. */
  dropout: number;
}

export class DcnModel extends ModelBase<DcnConfig> {
  readonly cross: CrossNetwork;
  readonly deep: Mlp;
  readonly head: Dense;

  constructor(schema: DatasetSchema, config: DcnConfig, seed: number) {
    super("dcn", schema, config, seed);
    const d = this.flatInputDim;
    this.cross = this.track(new CrossNetwork(d, config.crossLayers, this.rng));
    this.deep = this.track(new Mlp(d, { hidden: config.hidden, dropout: config.dropout }, this.rng));
    this.head = this.track(new Dense(d + this.deep.outDim, 1, this.rng));
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const x0 = this.flatInput(inputs); // [B, d]
    const xc = this.cross.apply(x0); // [B, d]
    const xd = this.deep.apply(x0, ctx.training, ctx.rng); // [B, h]
    const logit = this.head.apply(tf.concat([xc, xd], 1) as tf.Tensor2D); // [B, 1]
    return { logits: [tf.reshape(logit, [inputs.batch.size]) as tf.Tensor1D] };
  }
}

export const DCN: ModelSpec<DcnConfig> = {
  id: "dcn",
  name: "DCN",
  paper: {
    title: "Deep & Cross Network for Ad Click Predictions",
    venue: "ADKDD 2017",
    url: "https://arxiv.org/abs/1708.05123",
  },
  task: "ctr",
  defaults: { embDim: 16, embedding: DEFAULT_EMBEDDING, crossLayers: 3, hidden: [400, 400, 400], dropout: 0 },
  presets: { smoke: { crossLayers: 2, hidden: [64, 32] }, paper: {} },
  requires: (schema) => (schema.labels.length >= 1 ? null : "needs at least one binary label"),
  build: (schema, config, seed) => new DcnModel(schema, config, seed),
};
