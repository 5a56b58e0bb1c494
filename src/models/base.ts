/**
 * Shared plumbing for models: the kit-owned embedding collection, the dense-input assembly,
 * parameter counts and disposal. Concrete models add their layers and `forward`.
 */
import type { DatasetSchema } from "../data/schema";
import { categoricalFeatures, labelIndex, numericFeatures, sequenceFeatures } from "../data/schema";
import { EmbeddingCollection } from "../engine/embedding-collection";
import { Rng } from "../engine/rng";
import { tf } from "../engine/tf";
import { sliceSlots } from "./layers/seq-ops";
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
    /** Sequence features this model embeds (slots after the fields; see `seqEmb`). Default none. */
    sequences: readonly string[] = [],
  ) {
    this.rng = new Rng(seed);
    const seqs = sequenceFeatures(schema);
    this.embeddings = new EmbeddingCollection(
      {
        name: schema.name,
        fields: categoricalFeatures(schema),
        sequences: sequences.map((name) => {
          const column = seqs.findIndex((q) => q.name === name);
          if (column < 0)
            throw new Error(
              `model ${id} on ${schema.name}: no sequence feature "${name}" (has ${seqs.map((q) => q.name).join(", ") || "none"})`,
            );
          return { ...seqs[column], column };
        }),
      },
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

  /** [B, F, D]: the field embeddings (the first F slots of `emb`). */
  protected fieldEmb(inputs: ModelInputs): tf.Tensor3D {
    const e = inputs.emb;
    return e.shape[1] === this.numFields ? e : sliceSlots(e, 0, this.numFields);
  }

  /** [B, L, D]: the embedded sequence `name` (its slots of `emb`), padded positions included. */
  protected seqEmb(inputs: ModelInputs, name: string): tf.Tensor3D {
    const j = this.embeddings.sequences.findIndex((q) => q.name === name);
    if (j < 0) throw new Error(`model ${this.id}: sequence ${name} is not embedded`);
    return sliceSlots(inputs.emb, this.embeddings.seqStart[j], this.embeddings.sequences[j].maxLen);
  }

  /** [B·L] 1/0 mask of the embedded sequence `name` (row-major [B, L]): 1 where the id is not the padding id 0. */
  protected seqMask(inputs: ModelInputs, name: string): Float32Array {
    const q = this.embeddings.sequences.find((x) => x.name === name);
    if (!q) throw new Error(`model ${this.id}: sequence ${name} is not embedded`);
    const B = inputs.batch.size;
    const col = inputs.batch.seq[q.column];
    const m = new Float32Array(B * q.maxLen);
    for (let i = 0; i < m.length; i++) m[i] = col[i] !== 0 ? 1 : 0;
    return m;
  }

  /** [B, F·D (+ numeric)]: flattened field embeddings, concatenated with numeric features. */
  protected flatInput(inputs: ModelInputs): tf.Tensor2D {
    const B = inputs.batch.size;
    const flat = tf.reshape(this.fieldEmb(inputs), [B, this.numFields * this.config.embDim]) as tf.Tensor2D; // [B, F*D]
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
