/**
 * The HierRec model spec (MODELS id "hierrec") and its ablations as data. Notebook 02-hierrec,
 * sections "model" and "ablation". The network is in model.ts.
 */
import type { DatasetSchema } from "../../data/schema";
import { DEFAULT_EMBEDDING } from "../../models/base";
import { DEFAULT_DOMAIN_AXIS } from "../../models/layers/routing";
import { defineModel, type ModelIndex, type ModelSpec } from "../../models/types";
import { HierRecModel, type HierRecConfig } from "./model";

/** The official code's defaults (run_v0.py / HierRec.py): emb 16, mlp_dims [[64],[16,64],[16,64],[64]], im_num 4, dropout 0.2. */
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
  explicit: true,
  implicit: true,
  explicitWeights: "generated",
  implicitWeights: "generated",
};

export const HIERREC: ModelSpec<HierRecConfig> = {
  id: "hierrec",
  name: "HierRec",
  paper: { title: "HierRec: Scenario-Aware Hierarchical Modeling for Multi-scenario Recommendations", venue: "CIKM 2024", url: "https://arxiv.org/abs/2309.02061" },
  task: "multi-domain",
  defaults: HIERREC_DEFAULTS,
  // Smoke: the same structure at half width (the generated layers dominate the step cost).
  presets: { smoke: { baseHidden: [32], explicitDims: [8, 32], implicitDims: [8, 32], outputHidden: [32, 32] }, paper: {} },
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

/** One ablation: a name, what it changes in words, and the config overrides. */
export interface HierRecAblation {
  id: string;
  description: string;
  overrides: Partial<HierRecConfig>;
}

/**
 * The ablations, as data: without the explicit module; without the implicit module;
 * heads 1/2/4/8; static instead of generated weights (both modules, or one at a time).
 */
export const HIERREC_ABLATIONS: readonly HierRecAblation[] = [
  { id: "full", description: "HierRec (explicit + implicit, generated weights, 4 heads)", overrides: {} },
  { id: "no-explicit", description: "without the explicit module (the scenario id is not read at all)", overrides: { explicit: false } },
  { id: "no-implicit", description: "without the implicit module (explicit output -> output MLP)", overrides: { implicit: false } },
  { id: "heads-1", description: "1 implicit head", overrides: { numHeads: 1 } },
  { id: "heads-2", description: "2 implicit heads", overrides: { numHeads: 2 } },
  { id: "heads-4", description: "4 implicit heads (the default)", overrides: { numHeads: 4 } },
  { id: "heads-8", description: "8 implicit heads", overrides: { numHeads: 8 } },
  { id: "static", description: "static weights in both modules (shared by all rows; s joins the base input)", overrides: { explicitWeights: "static", implicitWeights: "static" } },
  { id: "static-explicit", description: "static explicit layers, generated implicit heads", overrides: { explicitWeights: "static" } },
  { id: "static-implicit", description: "generated explicit layers, static implicit heads", overrides: { implicitWeights: "static" } },
];

/** An ablation by id; throws listing the known ids. */
export function getAblation(id: string): HierRecAblation {
  const a = HIERREC_ABLATIONS.find((x) => x.id === id);
  if (!a) throw new Error(`unknown HierRec ablation "${id}"; known: ${HIERREC_ABLATIONS.map((x) => x.id).join(", ")}`);
  return a;
}

/** The models this paper adds to the kit's index. */
export const HIERREC_MODELS: ModelIndex = { hierrec: defineModel(HIERREC) };
