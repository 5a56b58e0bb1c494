/**
 * Shared plumbing for models: the kit-owned embedding collection, the dense-input assembly,
 * parameter counts and disposal. Concrete models add their layers and `forward`.
 */
import type { DatasetSchema } from "../data/schema";
import { categoricalFeatures, labelIndex, numericFeatures } from "../data/schema";
import { EmbeddingCollection } from "../engine/embedding-collection";
import { Rng } from "../engine/rng";
import { tf } from "../engine/tf";
import type {
  BaseModelConfig,
  ForwardOutput,
  ModelContext,
  ModelInputs,
  ParamCount,
  RecModel,
} from "./types";

/** Embedding defaults shared by every model: per-field fp32 tables, N(0, 0.01) init, row-wise Adam lr 1e-3, no weight decay. */
export const DEFAULT_EMBEDDING: NonNullable<BaseModelConfig["embedding"]> = {
  layout: "per-field",
  precision: { kind: "fp32" },
  init: { kind: "normal", std: 1e-2 },
  optimizer: { kind: "adam", lr: 1e-3, weightDecay: 0 },
};

/** A layer with non-trainable state updated once per step (see layers/batch-norm.ts). */
interface BufferedLayer {
  buffers(): tf.Variable[];
  updateBuffers(): void;
  discardPending?(): void;
}

export abstract class ModelBase<C extends BaseModelConfig> implements RecModel {
  readonly embeddings: EmbeddingCollection;
  readonly heads: string[];
  readonly numFields: number;
  readonly numNumeric: number;
  /** Seeded RNG for parameter initialisation. */
  protected readonly rng: Rng;
  private vars: tf.Variable[] = [];
  private buffered: BufferedLayer[] = [];

  constructor(
    readonly id: string,
    readonly schema: DatasetSchema,
    readonly config: C,
    seed: number,
    heads?: string[],
  ) {
    this.rng = new Rng(seed);
    this.embeddings = new EmbeddingCollection(
      { name: schema.name, fields: categoricalFeatures(schema) },
      { embDim: config.embDim, ...config.embedding },
      seed,
    );
    this.numFields = categoricalFeatures(schema).length;
    this.numNumeric = numericFeatures(schema).length;
    this.heads = heads ?? [schema.labels[0].name];
    for (const h of this.heads) labelIndex(schema, h);
  }

  /**
   * Register dense variables (call once per layer, in a fixed order). Layers with buffers
   * (`buffers()` and `updateBuffers()`, e.g. an Mlp with BatchNorm) are registered for those too.
   */
  protected track<T extends { variables(): tf.Variable[] }>(layer: T): T {
    this.vars.push(...layer.variables());
    const b = layer as unknown as Partial<BufferedLayer>;
    if (typeof b.buffers === "function" && typeof b.updateBuffers === "function")
      this.buffered.push(b as BufferedLayer);
    return layer;
  }

  /** Non-trainable buffers of the tracked layers (BatchNorm running statistics), in tracking order. */
  buffers(): tf.Variable[] {
    return this.buffered.flatMap((l) => l.buffers());
  }

  /** Once per training step: fold recorded batch statistics into the tracked layers' buffers. */
  updateBuffers(): void {
    for (const l of this.buffered) l.updateBuffers();
  }

  /** Width of `flatInput`: F·D plus the numeric features. */
  get flatInputDim(): number {
    return this.numFields * this.config.embDim + this.numNumeric;
  }

  /** [B, F·D (+ numeric)]: flattened field embeddings, concatenated with numeric features. */
  protected flatInput(inputs: ModelInputs): tf.Tensor2D {
    const B = inputs.batch.size;
    const flat = tf.reshape(inputs.emb, [B, this.numFields * this.config.embDim]) as tf.Tensor2D; // [B, F*D]
    return inputs.num ? (tf.concat([flat, inputs.num], 1) as tf.Tensor2D) : flat; // [B, F*D + Nn]
  }

  variables(): tf.Variable[] {
    return this.vars;
  }

  abstract forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput;

  paramCount(): ParamCount {
    return { embedding: this.embeddings.numParams(), dense: this.vars.reduce((s, v) => s + v.size, 0) };
  }

  getConfig(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.config)) as Record<string, unknown>;
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
    for (const l of this.buffered) l.discardPending?.();
    for (const v of this.buffers()) if (!v.isDisposed) v.dispose();
    this.vars = [];
    this.buffered = [];
  }
}
