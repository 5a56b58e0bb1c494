/**
 * Graph recommenders for top-K ranking (first user: CIGF, notebook 06-cigf). They do not fit the
 * tabular `RecModel` (a batch of feature rows → one logit per head): a graph model encodes every
 * node of a multi-behaviour interaction graph at once (propagation over the whole graph, sparse:
 * src/engine/sparse.ts) and scores (user, item) pairs per behaviour from that encoding. Trained
 * with BPR by src/train/graph-trainer.ts; contract: test/models/graph-contract.test.ts.
 */
import type { MultiBehaviourData } from "../../data/graph";
import { gatherRowsTensor } from "../../engine/sparse";
import { tf } from "../../engine/tf";
import type { Profile } from "../../util/profile";

/** What every graph model's config has. */
export interface GraphModelConfig {
  /** Embedding size of the user / item ID embeddings (CIGF: latdim / 2 = 16). */
  embDim: number;
  /** Propagation layers L (CIGF: Tmall 4, others 2; LightGCN 3). */
  numLayers: number;
}

/** One forward pass over the whole graph: the representations the scorer reads. */
export interface GraphEncoding {
  /** Per representation r (one per behaviour, or a single shared one), users [U, D]. */
  users: tf.Tensor2D[];
  /** Items [I, D], same indexing as `users`. */
  items: tf.Tensor2D[];
  /** Mean ‖term‖ of each layer's term in the final sum (layer 0 = ego embeddings), target representation. */
  layerNorms?: tf.Tensor1D;
}

export interface GraphModel {
  readonly id: string;
  readonly behaviours: readonly string[];
  /** Behaviours whose BPR losses training sums (CIGF: all; single-behaviour LightGCN: the target). */
  readonly lossBehaviours: readonly number[];
  /** Trainable variables (the embedding tables first). */
  variables(): tf.Variable[];
  /** The variables every behaviour task shares (gradient-conflict measurements). */
  sharedVariables(): tf.Variable[];
  /** Encodes the whole graph (caller disposes, e.g. in tf.tidy). */
  encode(training: boolean): GraphEncoding;
  /** Scores of pairs (users[k], items[k]) for `behaviour` → [n]. */
  score(enc: GraphEncoding, behaviour: number, users: Int32Array, items: Int32Array): tf.Tensor1D;
  paramCount(): { embedding: number; dense: number };
  getConfig(): Record<string, unknown>;
  dispose(): void;
}

export interface GraphModelSpec<C extends GraphModelConfig = GraphModelConfig> {
  id: string;
  name: string;
  reference: string;
  defaults: C;
  presets: Record<Profile, Partial<C>>;
  /** Null when the model can run on `d`, else why not. */
  requires(d: MultiBehaviourData): string | null;
  build(d: MultiBehaviourData, config: C, seed: number): GraphModel;
}

export type GraphModelIndex = Record<string, GraphModelSpec<GraphModelConfig>>;

/** `spec` typed for the index (config as the base config). */
export function defineGraphModel<C extends GraphModelConfig>(
  spec: GraphModelSpec<C>,
): GraphModelSpec<GraphModelConfig> {
  return spec as unknown as GraphModelSpec<GraphModelConfig>;
}

/** Count of the entries of `vars`. */
export function sizeOf(vars: readonly tf.Variable[]): number {
  return vars.reduce((s, v) => s + v.size, 0);
}

/** A Xavier-uniform [rows, cols] variable from the seeded `rng` (CIGF's NNLayers default initialiser). */
export function xavierVariable(rows: number, cols: number, next: () => number): tf.Variable {
  const lim = Math.sqrt(6 / (rows + cols));
  const a = Float32Array.from({ length: rows * cols }, () => (2 * next() - 1) * lim);
  const init = tf.tensor2d(a, [rows, cols]);
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/** Rows `idx` of `m` → [n, D] (a typed-array gather with a segment-sum gradient, src/engine/sparse.ts). */
export function rows(m: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  return gatherRowsTensor(m, idx);
}

/** Σ_d a ⊙ b → [n]. */
export function dot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(a, b), 1) as tf.Tensor1D;
}
