/**
 * CIGF's models for the kit's graph index (notebook 06-cigf): CIGF with the official settings
 * (`cigf`: CIGCN + MESI, latdim 32 → ID embeddings of 16, Tmall 4 layers / others 2, mult 300,
 * BPR over every behaviour); the ablations are config changes of the same model (experiment.ts).
 */
import { defineGraphModel, type GraphModelIndex, type GraphModelSpec } from "../../models/graph/types";
import { Cigf, type CigfConfig } from "./model";

export const CIGF_DEFAULTS: CigfConfig = {
  embDim: 16,
  numLayers: 2,
  encoder: "cigcn",
  decoder: "mesi",
  mult: 300,
  numExperts: 3,
  leaky: 0.1,
  loss: "all",
};

export const CIGF: GraphModelSpec<CigfConfig> = {
  id: "cigf",
  name: "CIGF (CIGCN + MESI)",
  reference: "Guo et al., WWW 2023",
  defaults: CIGF_DEFAULTS,
  presets: { smoke: {}, paper: {} },
  requires: (d) => (d.behaviours.length >= 2 ? null : "needs at least two behaviours"),
  build: (d, c, seed) => new Cigf(d, c, seed),
};

export const CIGF_MODELS: GraphModelIndex = { cigf: defineGraphModel(CIGF) };
