/**
 * The HierRec model spec (MODELS id "hierrec"). Notebook 02-hierrec, section "model". The
 * network is in model.ts; the ablations (config overrides, as data) are in experiment.ts.
 */
import type { DatasetSchema } from "../../data/schema";
import { DEFAULT_EMBEDDING } from "../../models/base";
import { DEFAULT_DOMAIN_AXIS } from "../../models/layers/routing";
import { defineModel, type ModelIndex, type ModelSpec } from "../../models/types";
import { HierRecModel, type HierRecConfig } from "./model";

/**
 * The spec's defaults: the official code's widths (run_v0.py / HierRec.py: emb 16, mlp_dims
 * [[64],[16,64],[16,64],[64]], im_num 4, dropout 0.2) with the kit's MLPs (no BatchNorm). The
 * primary reproduction is `HIERREC_PRESETS.official` over these.
 */
export const HIERREC_DEFAULTS: HierRecConfig = {
  embDim: 16,
  embedding: DEFAULT_EMBEDDING,
  scenarioAxis: DEFAULT_DOMAIN_AXIS,
  scenarioEmbDim: 16,
  baseHidden: [64],
  explicitDims: [16, 64],
  implicitDims: [16, 64],
  numHeads: 4,
  outputHidden: [64, 64],
  dropout: 0.2,
  batchNorm: false,
  explicit: true,
  implicit: true,
  explicitWeights: "generated",
  implicitWeights: "generated",
};

/** Names of the HierRec configuration presets. */
export type HierRecPresetName = "official" | "ours";

/**
 * Configuration presets (config overrides over `HIERREC_DEFAULTS`, applied by the notebook's cells):
 * - `official`: the official code (model/HierRec.py, utils/layers.py): MLP blocks
 *   Linear -> BatchNorm1d -> ReLU -> Dropout with running statistics in evaluation. The primary
 *   reproduction; every remaining difference is listed in the package README.
 * - `ours`: the kit's MLPs without BatchNorm (the ablation "no-bn": a row's training output does
 *   not depend on the other rows of its batch).
 */
export const HIERREC_PRESETS: Readonly<Record<HierRecPresetName, Partial<HierRecConfig>>> = {
  official: { batchNorm: true },
  ours: { batchNorm: false },
};

export const HIERREC: ModelSpec<HierRecConfig> = {
  id: "hierrec",
  name: "HierRec",
  paper: {
    title: "HierRec: Scenario-Aware Hierarchical Modeling for Multi-scenario Recommendations",
    venue: "CIKM 2024",
    url: "https://arxiv.org/abs/2309.02061",
  },
  task: "multi-domain",
  defaults: HIERREC_DEFAULTS,
  // Smoke: the same structure at half width (the generated layers dominate the step cost).
  presets: {
    smoke: { baseHidden: [32], explicitDims: [8, 32], implicitDims: [8, 32], outputHidden: [32, 32] },
    paper: {},
  },
  // The scenario axis is config (`scenarioAxis`); requires() only sees the schema, so it asks for
  // some group axis and build() names the missing one when the configured axis is absent.
  requires: (schema: DatasetSchema) =>
    schema.labels.length === 0
      ? "needs a binary label"
      : schema.groups.length === 0
        ? `needs a group axis holding each row's scenario (config scenarioAxis, default "${DEFAULT_DOMAIN_AXIS}"); ${schema.name} has none`
        : null,
  build: (schema, config, seed) => new HierRecModel(schema, config, seed),
};

/** The models this paper adds to the kit's index. */
export const HIERREC_MODELS: ModelIndex = { hierrec: defineModel(HIERREC) };
