/**
 * Reusable models: layers and the baselines every paper may compare against, declared as data in
 * `BASELINES`. A paper's own models live in its package (src/papers/<id>/spec.ts); the kit's
 * complete index is `MODELS` in src/papers/index.ts. This layer never imports train/ or papers/.
 */
import { DCN } from "./baselines/dcn";
import { DIN } from "./baselines/din";
import { DNN } from "./baselines/dnn";
import { MD_DCN, MD_MLP, MD_WD } from "./baselines/md-backbones";
import { SHARED_MLP, STAR } from "./baselines/md-baselines";
import {
  AITM,
  CGC,
  CROSS_STITCH,
  ESMM,
  MD_MMOE,
  MD_PLE,
  MD_SHARED_BOTTOM,
  MMOE,
  PLE,
  SHARED_BOTTOM,
  SINGLE_TASK,
} from "./multitask";
import { defineModel, type ModelIndex } from "./types";

export const BASELINES: ModelIndex = {
  // CTR
  dnn: defineModel(DNN),
  dcn: defineModel(DCN),
  // CTR over behaviour sequences
  din: defineModel(DIN),
  // Multi-domain: per-domain towers over shared embeddings, a shared tower, STAR
  "md-mlp": defineModel(MD_MLP),
  "md-wd": defineModel(MD_WD),
  "md-dcn": defineModel(MD_DCN),
  "shared-mlp": defineModel(SHARED_MLP),
  star: defineModel(STAR),
  // Multi-domain expert models
  "md-shared-bottom": defineModel(MD_SHARED_BOTTOM),
  "md-mmoe": defineModel(MD_MMOE),
  "md-ple": defineModel(MD_PLE),
  // Multi-task
  "single-task": defineModel(SINGLE_TASK),
  "shared-bottom": defineModel(SHARED_BOTTOM),
  mmoe: defineModel(MMOE),
  cgc: defineModel(CGC),
  ple: defineModel(PLE),
  "cross-stitch": defineModel(CROSS_STITCH),
  esmm: defineModel(ESMM),
  aitm: defineModel(AITM),
};

export * from "./types";
export * from "./inputs";
export { ModelBase, DEFAULT_EMBEDDING } from "./base";
export { Dense, dropout, glorotUniform } from "./layers/dense";
export { Mlp } from "./layers/mlp";
export { CrossNetwork } from "./layers/cross";
export * from "./layers/routing";
export * from "./layers/hyper-adapter";
export { DNN, DnnModel } from "./baselines/dnn";
export { DCN, DcnModel } from "./baselines/dcn";
export * from "./baselines/din";
export * from "./layers/attention";
export * from "./baselines/md-backbones";
export * from "./baselines/md-baselines";
export * as multitask from "./multitask";
export * from "./graph/types";
export * from "./graph/propagation";
export * from "./baselines/lightgcn";
export * from "./baselines/ghcf";
import { LIGHTGCN_MODELS } from "./baselines/lightgcn";
import { GHCF_MODELS } from "./baselines/ghcf";
import type { GraphModelIndex } from "./graph/types";

/** The graph (top-K) baselines: a separate index from the tabular BASELINES (own contract test). */
export const GRAPH_BASELINES: GraphModelIndex = { ...LIGHTGCN_MODELS, ...GHCF_MODELS };
