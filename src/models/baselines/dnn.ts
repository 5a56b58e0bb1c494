/**
 * DNN CTR baseline (a.k.a. "DNN" in FuxiCTR/BARS): field embeddings flattened and concatenated
 * with numeric features, an MLP, one logit. The reference model of the kit's throughput benchmark
 * (39 fields, D=16, MLP 400-400-400) and ALPT's backbone.
 */
import type { DatasetSchema } from "../../data/schema";
import { Mlp } from "../layers/mlp";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { tf } from "../../engine/tf";

export interface DnnConfig extends BaseModelConfig {
  /** Hidden widths of the MLP. Default [400, 400, 400] (BARS Criteo_x1 DNN). */
  hidden: number[];
  /** Dropout after each hidden layer. Default 0. */
  dropout: number;
}

export class DnnModel extends ModelBase<DnnConfig> {
  readonly mlp: Mlp;

  constructor(schema: DatasetSchema, config: DnnConfig, seed: number) {
    super("dnn", schema, config, seed);
    this.mlp = this.track(
      new Mlp(this.flatInputDim, { hidden: config.hidden, dropout: config.dropout, output: 1 }, this.rng),
    );
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const h = this.mlp.apply(this.flatInput(inputs), ctx.training, ctx.rng); // [B, 1]
    return { logits: [tf.reshape(h, [inputs.batch.size]) as tf.Tensor1D] };
  }
}

export const DNN: ModelSpec<DnnConfig> = {
  id: "dnn",
  name: "DNN",
  task: "ctr",
  defaults: { embDim: 16, embedding: DEFAULT_EMBEDDING, hidden: [400, 400, 400], dropout: 0 },
  presets: { smoke: { hidden: [64, 32] }, paper: {} },
  requires: (schema) => (schema.labels.length >= 1 ? null : "needs at least one binary label"),
  build: (schema, config, seed) => new DnnModel(schema, config, seed),
};
