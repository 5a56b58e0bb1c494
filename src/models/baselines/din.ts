/**
 * DIN (Zhou et al., Deep Interest Network, KDD 2018): the target item's embedding attends over the
 * click sequence (activation unit, layers/attention.ts, masked at padding); [target, interest]
 * feed the official code's output tower (BN -> FC 200 PReLU -> FC 80 PReLU -> logit). With
 * `unclicks` set, a second DIN attention of the target over that sequence is concatenated too
 * ("DIN over both sequences", TEM4CTR's unaligned two-sequence baseline; notebook 03-tem4ctr).
 *
 * The target, click and unclick ids share one item table (`shareWith` in the schema, see
 * data/feedback.ts); sequences come in as embedding slots (models/base.ts `seqEmb`).
 */
import type { DatasetSchema } from "../../data/schema";
import { categoricalFeatures, sequenceFeatures } from "../../data/schema";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { sliceSlots } from "../layers/seq-ops";
import {
  DinAttention,
  PreluTower,
  type DinAttentionConfig,
  type PreluTowerConfig,
} from "../layers/attention";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";

export interface DinConfig extends BaseModelConfig {
  /** Categorical feature of the target item. Default "item". */
  target: string;
  /** Sequence feature of the clicked items. Default "clicks". */
  clicks: string;
  /** A second sequence the target attends over separately, or null (plain DIN). Default null. */
  unclicks: string | null;
  /** Use only the last `seqLen` click positions (null: all). Default null. */
  seqLen: number | null;
  /** Activation unit. Default hidden [80, 40], sigmoid (the official code). */
  attention: DinAttentionConfig;
  /** Output tower. Default BN, [200, 80], PReLU. */
  tower: PreluTowerConfig;
}

/** Null when `schema` has the categorical `target` and the named sequences, else the reason. */
export function sequenceRequirement(
  schema: DatasetSchema,
  target: string,
  sequences: readonly (string | null)[],
): string | null {
  if (!categoricalFeatures(schema).some((f) => f.name === target))
    return `needs a categorical target feature "${target}"`;
  const seqs = sequenceFeatures(schema).map((q) => q.name);
  for (const s of sequences)
    if (s !== null && !seqs.includes(s))
      return `needs a sequence feature "${s}" (has ${seqs.join(", ") || "none"})`;
  return null;
}

/** [B, n, ...] -> its last `n` positions along axis 1 (n = null: unchanged). */
export function lastPositions<T extends tf.Tensor>(x: T, n: number | null): T {
  if (n === null || n >= x.shape[1]!) return x;
  const [B, L] = x.shape as number[];
  const rest = x.size / (B * L);
  const flat = tf.reshape(x, [B, L, rest]) as tf.Tensor3D;
  return tf.reshape(sliceSlots(flat, L - n, n), [B, n, ...x.shape.slice(2)]) as T;
}

/** A row-major [B, L0·W] mask -> its last `n` of the L0 positions (blocks of W), [B, n·W] (n = null: unchanged). */
export function lastMask(m: Float32Array, B: number, L0: number, n: number | null, W = 1): Float32Array {
  if (n === null || n >= L0) return m;
  const out = new Float32Array(B * n * W);
  for (let b = 0; b < B; b++) out.set(m.subarray((b * L0 + L0 - n) * W, (b + 1) * L0 * W), b * n * W);
  return out;
}

export class DinModel extends ModelBase<DinConfig> {
  readonly attention: DinAttention;
  readonly unclickAttention: DinAttention | null;
  readonly tower: PreluTower;
  private readonly targetField: number;

  /**
   * `layout` (subclasses): the model id, whether the unclick sequence is embedded and attended by
   * the target, and the tower's input width in units of D (default: DIN's, from `unclicks`).
   */
  constructor(
    schema: DatasetSchema,
    config: DinConfig,
    seed: number,
    layout: { id?: string; unclicks?: boolean; towerInputs?: number } = {},
  ) {
    const withUn = layout.unclicks ?? config.unclicks !== null;
    super(layout.id ?? "din", schema, config, seed, undefined, [
      config.clicks,
      ...(withUn && config.unclicks ? [config.unclicks] : []),
    ]);
    const D = config.embDim;
    this.targetField = categoricalFeatures(schema).findIndex((f) => f.name === config.target);
    this.attention = this.track(new DinAttention(D, config.attention, this.rng));
    this.unclickAttention = withUn ? this.track(new DinAttention(D, config.attention, this.rng)) : null;
    this.tower = this.track(
      new PreluTower((layout.towerInputs ?? (withUn ? 3 : 2)) * D, config.tower, this.rng),
    );
  }

  /** Slots of an embedded sequence. */
  protected seqEmbLength(name: string): number {
    return this.embeddings.sequences.find((q) => q.name === name)!.maxLen;
  }

  /** [B, D]: the target item's embedding. */
  protected target(inputs: ModelInputs): tf.Tensor2D {
    const e = this.fieldEmb(inputs);
    return tf.reshape(tf.slice(e, [0, this.targetField, 0], [e.shape[0], 1, e.shape[2]]), [
      e.shape[0],
      e.shape[2],
    ]) as tf.Tensor2D;
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const c = this.config;
    const et = this.target(inputs); // [B, D]
    const clicks = lastPositions(this.seqEmb(inputs, c.clicks), c.seqLen); // [B, L, D]
    const L0 = this.seqEmbLength(c.clicks);
    const mask = lastMask(this.seqMask(inputs, c.clicks), inputs.batch.size, L0, c.seqLen); // [B*L]
    const att = this.attention.apply(et, clicks, mask);
    const parts = [et, att.pooled];
    const internals: Record<string, tf.Tensor> = {};
    if (this.unclickAttention && c.unclicks) {
      const u = this.unclickAttention.apply(
        et,
        this.seqEmb(inputs, c.unclicks),
        this.seqMask(inputs, c.unclicks),
      );
      parts.push(u.pooled);
      if (!ctx.training) internals.unclickWeights = u.weights;
    }
    if (!ctx.training) internals.clickWeights = att.weights;
    const logits = this.tower.apply(tf.concat(parts, 1) as tf.Tensor2D, ctx.training); // [B]
    return { logits: [logits], internals };
  }
}

export const DIN: ModelSpec<DinConfig> = {
  id: "din",
  name: "DIN",
  paper: { title: "Deep Interest Network for Click-Through Rate Prediction", venue: "KDD 2018" },
  task: "ctr",
  defaults: {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    target: "item",
    clicks: "clicks",
    unclicks: null,
    seqLen: null,
    attention: { hidden: [80, 40], activation: "sigmoid" },
    tower: { hidden: [200, 80], inputBatchNorm: true },
  },
  presets: {
    smoke: { attention: { hidden: [16], activation: "sigmoid" }, tower: { hidden: [64, 32] } },
    paper: {},
  },
  requires: (schema) => sequenceRequirement(schema, "item", ["clicks"]),
  build: (schema, config, seed) => {
    const why = sequenceRequirement(schema, config.target, [config.clicks, config.unclicks]);
    if (why) throw new Error(`din on ${schema.name}: ${why}`);
    return new DinModel(schema, config, seed);
  },
};
