/**
 * The model contract every model in `MODELS` satisfies (checked by test/models/contract.test.ts).
 *
 * Embeddings belong to the kit (typed-array tables with sparse updates, see engine/); the model
 * receives the looked-up field embeddings as a leaf tensor `emb` [B, F, D] and builds the rest of
 * its graph with tfjs ops on its dense variables. The trainer differentiates the loss with respect
 * to `emb` and to `variables()`, applies the dense gradients with a tfjs optimiser and hands the
 * gradient of `emb` back to the tables.
 */
import type { Batch, DatasetSchema } from "../data/schema";
import type { EmbeddingCollection, EmbeddingCollectionConfig } from "../engine/embedding-collection";
import type { Rng } from "../engine/rng";
import type { tf } from "../engine/tf";

export interface ModelInputs {
  batch: Batch;
  /** [B, F, D] field embeddings. */
  emb: tf.Tensor3D;
  /** [B, numNumeric] numeric features, or null when the schema has none. */
  num: tf.Tensor2D | null;
}

export interface ModelContext {
  training: boolean;
  /** Source of dropout seeds while training. */
  rng?: Rng;
}

export interface ForwardOutput {
  /** One logit vector [B] per head, in the order of `RecModel.heads`. */
  logits: tf.Tensor1D[];
  /** Named internals for figures (gate weights, adapter outputs...). Disposed by the caller. */
  internals?: Record<string, tf.Tensor>;
}

export interface StepInfo {
  epoch: number;
  step: number;
  globalStep: number;
  loss: number;
}

export interface ParamCount {
  /** Parameters in kit-owned embedding tables (rows x dim). */
  embedding: number;
  /** Dense (tfjs) parameters. */
  dense: number;
}

export interface RecModel {
  readonly id: string;
  readonly schema: DatasetSchema;
  readonly embeddings: EmbeddingCollection;
  /** Label names this model predicts, one head each. */
  readonly heads: string[];
  /** Dense trainable variables, in a stable order (checkpoints rely on it). */
  variables(): tf.Variable[];
  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput;
  /**
   * Multi-task models: the dense variables every head depends on (shared bottom, experts, gates'
   * shared parts), a subset of `variables()`. Gradient-conflict measures, PCGrad and GradNorm act
   * on these plus the field embeddings. Absent: the field embeddings alone are the shared part.
   */
  sharedVariables?(): tf.Variable[];
  /** Training loss; default (when absent): mean binary cross-entropy summed over heads. */
  loss?(out: ForwardOutput, batch: Batch): tf.Scalar;
  /**
   * Multi-task models with their own `loss` (ESMM, AITM...): the per-task losses, one scalar per
   * head in head order, that task weighting, PCGrad and the gradient-conflict measure act on
   * (src/train/multitask.ts). Absent: mean binary cross-entropy per head.
   */
  taskLosses?(out: ForwardOutput, batch: Batch): tf.Scalar[];
  /** Non-gradient updates after each optimiser step (ALPT re-quantisation, AutoAssign+ policy). */
  afterStep?(info: StepInfo): void;
  /**
   * Non-trainable state (PyTorch's buffers: BatchNorm running mean/variance and batches tracked),
   * in a stable order. Checkpoints and best-epoch snapshots save it; the optimiser never sees it and
   * `paramCount` does not count it. Absent or empty: none.
   */
  buffers?(): tf.Variable[];
  /**
   * Fold the statistics recorded by the step's training forward passes into the buffers; the trainer
   * calls it exactly once per optimisation step, after the dense update (see layers/batch-norm.ts).
   */
  updateBuffers?(): void;
  paramCount(): ParamCount;
  /** The resolved config the model was built with (JSON-serialisable). */
  getConfig(): Record<string, unknown>;
  dispose(): void;
}

/** Config fields every model shares. */
export interface BaseModelConfig {
  /** Embedding dimension D. Default 16. */
  embDim: number;
  /** Table layout, precision, init and row-wise optimiser (see EmbeddingCollectionConfig). */
  embedding?: Omit<EmbeddingCollectionConfig, "embDim">;
}

export interface PaperRef {
  title: string;
  venue?: string;
  url?: string;
}

export interface ModelSpec<C extends BaseModelConfig = BaseModelConfig> {
  id: string;
  name: string;
  paper?: PaperRef;
  task: "ctr" | "multi-task" | "multi-domain";
  defaults: C;
  presets: { smoke: Partial<C>; paper: Partial<C> };
  /** Null when the schema provides what the model needs, else the reason. */
  requires(schema: DatasetSchema): string | null;
  build(schema: DatasetSchema, config: C, seed: number): RecModel;
}

/**
 * A spec as an entry of a model index. A spec's config type only flows from `defaults` and
 * `presets` into its own `build`, which the trainer calls with the resolved config of those same
 * defaults, so erasing C to BaseModelConfig in the index is sound; this is the one place it happens.
 */
export function defineModel<C extends BaseModelConfig>(spec: ModelSpec<C>): ModelSpec<BaseModelConfig> {
  return spec as unknown as ModelSpec<BaseModelConfig>;
}

/** Model specs by id. */
export type ModelIndex = Readonly<Record<string, ModelSpec<BaseModelConfig>>>;

/** The spec `id` of `index`; throws listing the known ids. */
export function specOf(index: ModelIndex, id: string): ModelSpec<BaseModelConfig> {
  const spec = index[id];
  if (!spec) throw new Error(`unknown model "${id}"; known: ${Object.keys(index).join(", ")}`);
  return spec;
}
