/**
 * The model index: every model the kit can build, declared as data. A paper adds its models here
 * with one line each.
 */
import { DCN } from "./baselines/dcn";
import { DNN } from "./baselines/dnn";
import { ALPT_DCN, ALPT_DNN } from "./alpt/spec";
import { HIERREC } from "./hierrec/spec";
import { HAMUR_DCN, HAMUR_MLP, HAMUR_WD, MD_DCN, MD_MLP, MD_WD, SHARED_MLP, STAR } from "./hamur/spec";
import { AITM, CGC, CROSS_STITCH, ESMM, MD_MMOE, MD_PLE, MD_SHARED_BOTTOM, MMOE, PLE, SHARED_BOTTOM, SINGLE_TASK } from "./multitask";
import type { BaseModelConfig, ModelSpec } from "./types";

export const MODELS: Record<string, ModelSpec<BaseModelConfig>> = {
  // CTR baselines
  dnn: DNN as unknown as ModelSpec<BaseModelConfig>,
  dcn: DCN as unknown as ModelSpec<BaseModelConfig>,
  // ALPT (paper 8)
  "alpt-dnn": ALPT_DNN as unknown as ModelSpec<BaseModelConfig>,
  "alpt-dcn": ALPT_DCN as unknown as ModelSpec<BaseModelConfig>,
  // Multi-domain backbones and HAMUR (paper 1)
  "md-mlp": MD_MLP as unknown as ModelSpec<BaseModelConfig>,
  "md-wd": MD_WD as unknown as ModelSpec<BaseModelConfig>,
  "md-dcn": MD_DCN as unknown as ModelSpec<BaseModelConfig>,
  "hamur-mlp": HAMUR_MLP as unknown as ModelSpec<BaseModelConfig>,
  "hamur-wd": HAMUR_WD as unknown as ModelSpec<BaseModelConfig>,
  "hamur-dcn": HAMUR_DCN as unknown as ModelSpec<BaseModelConfig>,
  "shared-mlp": SHARED_MLP as unknown as ModelSpec<BaseModelConfig>,
  star: STAR as unknown as ModelSpec<BaseModelConfig>,
  // Multi-domain expert baselines
  "md-shared-bottom": MD_SHARED_BOTTOM as unknown as ModelSpec<BaseModelConfig>,
  "md-mmoe": MD_MMOE as unknown as ModelSpec<BaseModelConfig>,
  "md-ple": MD_PLE as unknown as ModelSpec<BaseModelConfig>,
  // HierRec (paper 2)
  hierrec: HIERREC as unknown as ModelSpec<BaseModelConfig>,
  // Multi-task (paper 7 survey)
  "single-task": SINGLE_TASK as unknown as ModelSpec<BaseModelConfig>,
  "shared-bottom": SHARED_BOTTOM as unknown as ModelSpec<BaseModelConfig>,
  mmoe: MMOE as unknown as ModelSpec<BaseModelConfig>,
  cgc: CGC as unknown as ModelSpec<BaseModelConfig>,
  ple: PLE as unknown as ModelSpec<BaseModelConfig>,
  "cross-stitch": CROSS_STITCH as unknown as ModelSpec<BaseModelConfig>,
  esmm: ESMM as unknown as ModelSpec<BaseModelConfig>,
  aitm: AITM as unknown as ModelSpec<BaseModelConfig>,
};

export function getModelSpec(id: string): ModelSpec<BaseModelConfig> {
  const spec = MODELS[id];
  if (!spec) throw new Error(`unknown model "${id}"; known: ${Object.keys(MODELS).join(", ")}`);
  return spec;
}

export * from "./types";
export { ModelBase, DEFAULT_EMBEDDING } from "./base";
export { Dense, dropout, glorotUniform } from "./layers/dense";
export { Mlp } from "./layers/mlp";
export { CrossNetwork } from "./layers/cross";
export { DNN, DnnModel } from "./baselines/dnn";
export { DCN, DcnModel } from "./baselines/dcn";
export * as alpt from "./alpt";
export * as hierrec from "./hierrec";
export * as hamur from "./hamur";
export * as multitask from "./multitask";
