/**
 * Cross-stitch networks (Misra, Shrivastava, Gupta, Hebert; "Cross-stitch Networks for Multi-task
 * Learning", CVPR 2016), on the kit's flat input: one MLP column per task; after every hidden layer
 * l a cross-stitch unit mixes the columns' activations (eq. 1, generalised to T tasks):
 *
 *   h̃^l_t = Σ_s α^l_{t,s} h^l_s,     α^l a learned T×T matrix,
 *
 * then each column's last activation goes through its own linear logit. torch-rechub has no
 * cross-stitch model; the sizes here are the kit's choice (see defaults).
 *
 * Choices (documented deviations):
 *   - one α per task pair and layer (the paper's unit also allows one per channel);
 *   - α initialised to `stitchSelf` on the diagonal and (1 − stitchSelf)/(T − 1) elsewhere
 *     (paper: (α_S, α_D) = (0.9, 0.1) for two tasks, its best initialisation);
 *   - no separate learning-rate scaling for α (the paper scales it up by 10^2–10^3).
 *
 * Shared variables: every head's logit reads every column through the stitch units (for α
 * off-diagonal ≠ 0), so all hidden layers of all columns and all α matrices are shared; only each
 * task's output layer belongs to its head alone.
 */
import type { DatasetSchema } from "../../data/schema";
import { ownedVariable, tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { Dense, dropout } from "../layers/dense";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { squeezeLogit } from "./blocks";
import { requiresTwoLabels, resolveTasks, type TasksField } from "./common";

export interface CrossStitchConfig extends BaseModelConfig, TasksField {
  /**
   * Hidden widths of every task's column; a cross-stitch unit follows each. Default [117, 8]: the
   * widths of Shared-Bottom's bottom + tower in torch-rechub run_census.py, so each column is one
   * single-task network (kit choice).
   */
  hidden: number[];
  /** Initial weight of a column on itself (α_S). Default 0.9 (paper's best initialisation). */
  stitchSelf: number;
  /** Dropout after every hidden layer (before stitching). Default 0. */
  dropout: number;
}

export class CrossStitchModel extends ModelBase<CrossStitchConfig> {
  /** layers[l][t]: column t's layer l. */
  readonly layers: Dense[][];
  /** stitch[l]: [T, T] mixing weights after layer l. */
  readonly stitch: tf.Variable[];
  readonly outputs: Dense[];

  constructor(schema: DatasetSchema, config: CrossStitchConfig, seed: number) {
    super("cross-stitch", schema, config, seed, resolveTasks(schema, config.tasks, "cross-stitch"));
    if (config.hidden.length === 0)
      throw new Error("cross-stitch: hidden is empty (need at least one layer to stitch)");
    if (!(config.stitchSelf >= 0 && config.stitchSelf <= 1))
      throw new Error(`cross-stitch: stitchSelf must be in [0, 1], got ${config.stitchSelf}`);
    const T = this.heads.length;
    const off = (1 - config.stitchSelf) / (T - 1);
    const init = new Float32Array(T * T);
    for (let t = 0; t < T; t++)
      for (let s = 0; s < T; s++) init[t * T + s] = t === s ? config.stitchSelf : off;
    this.layers = [];
    this.stitch = [];
    let d = this.flatInputDim;
    for (const h of config.hidden) {
      const row: Dense[] = [];
      for (let t = 0; t < T; t++) row.push(this.track(new Dense(d, h, this.rng)));
      this.layers.push(row);
      const a = ownedVariable(tf.tensor2d(init, [T, T]));
      this.track({ variables: () => [a] });
      this.stitch.push(a);
      d = h;
    }
    this.outputs = [];
    for (let t = 0; t < T; t++) this.outputs.push(this.track(new Dense(d, 1, this.rng)));
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const B = inputs.batch.size;
    const T = this.heads.length;
    const x = this.flatInput(inputs); // [B, F*D + Nn]
    let cols: tf.Tensor2D[] = Array.from({ length: T }, () => x);
    const internals: Record<string, tf.Tensor> = {};
    this.layers.forEach((row, l) => {
      const h = row.map((layer, t) =>
        dropout(layer.apply(cols[t], "relu"), this.config.dropout, ctx.training, ctx.rng),
      ); // T x [B, H]
      const H = h[0].shape[1];
      const flat = tf.reshape(tf.stack(h, 0), [T, B * H]) as tf.Tensor2D; // [T, B*H]
      const mixed = tf.reshape(tf.matMul(this.stitch[l] as tf.Tensor2D, flat), [T, B, H]); // [T, B, H]
      cols = tf.unstack(mixed, 0) as tf.Tensor2D[]; // T x [B, H]
      internals[`stitch/l${l + 1}`] = tf.clone(this.stitch[l]); // [T, T]
    });
    return { logits: cols.map((c, t) => squeezeLogit(this.outputs[t].apply(c))), internals };
  }

  /** Every column's hidden layers and every stitch unit (see the module header). */
  sharedVariables(): tf.Variable[] {
    return [...this.layers.flatMap((row) => row.flatMap((l) => l.variables())), ...this.stitch];
  }
}

export const CROSS_STITCH: ModelSpec<CrossStitchConfig> = {
  id: "cross-stitch",
  name: "Cross-stitch",
  paper: {
    title: "Cross-stitch Networks for Multi-task Learning",
    venue: "CVPR 2016",
    url: "https://arxiv.org/abs/1604.03539",
  },
  task: "multi-task",
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    tasks: null,
    hidden: [117, 8],
    stitchSelf: 0.9,
    dropout: 0,
  },
  presets: { smoke: { hidden: [32, 8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) => new CrossStitchModel(schema, config, seed),
};
