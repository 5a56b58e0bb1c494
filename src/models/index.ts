/**
 * The model index: every model the kit can build, declared as data. A paper adds its models here
 * with one line each.
 */
import { DCN } from "./baselines/dcn";
import { DNN } from "./baselines/dnn";
import { ALPT_DCN, ALPT_DNN } from "./alpt/spec";
import type { BaseModelConfig, ModelSpec } from "./types";

export const MODELS: Record<string, ModelSpec<BaseModelConfig>> = {
  dnn: DNN as unknown as ModelSpec<BaseModelConfig>,
  dcn: DCN as unknown as ModelSpec<BaseModelConfig>,
  "alpt-dnn": ALPT_DNN as unknown as ModelSpec<BaseModelConfig>,
  "alpt-dcn": ALPT_DCN as unknown as ModelSpec<BaseModelConfig>,
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
