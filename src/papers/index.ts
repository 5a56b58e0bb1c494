/**
 * The papers of the kit, one line each, and the kit's complete model index (`MODELS`: the
 * reusable baselines of src/models/ plus every paper's own models). Adding a paper is one folder
 * under src/papers/<id>/, one line in `PAPERS` and one notebook (README, "Adding a paper").
 */
import { BASELINES } from "../models";
import { specOf, type BaseModelConfig, type ModelIndex, type ModelSpec } from "../models/types";
import { ALPT_MODELS } from "./alpt/spec";
import { HAMUR_MODELS } from "./hamur/spec";
import { HIERREC_MODELS } from "./hierrec/spec";
import { TEM4CTR_MODELS } from "./tem4ctr/spec";
import { setupNotebook, type NotebookSession } from "./notebook";
import type { PaperEntry } from "./types";

const entry = (
  id: string,
  notebook: string,
  title: string,
  reference: string,
  url: string,
  models: ModelIndex = {},
): PaperEntry => ({ id, notebook, title, reference, url, models, claims: `src/papers/${id}/claims.json` });

export const PAPERS: readonly PaperEntry[] = [
  entry(
    "tour",
    "00-tour",
    "A tour of the kit: DNN and DCN on Criteo and Avazu",
    "RecRepro (DCN: Wang et al., ADKDD 2017)",
    "https://arxiv.org/abs/1708.05123",
  ),
  entry(
    "hamur",
    "01-hamur",
    "HAMUR: Hyper Adapter for Multi-Domain Recommendation",
    "CIKM 2023",
    "https://arxiv.org/abs/2309.06217",
    HAMUR_MODELS,
  ),
  entry(
    "hierrec",
    "02-hierrec",
    "HierRec: Scenario-Aware Hierarchical Modeling for Multi-scenario Recommendations",
    "CIKM 2024",
    "https://arxiv.org/abs/2309.02061",
    HIERREC_MODELS,
  ),
  entry(
    "tem4ctr",
    "03-tem4ctr",
    "TEM4CTR: time-aligned exposure-enhanced model for click-through rate prediction",
    "Zhang et al., arXiv 2308.09966",
    "https://arxiv.org/abs/2308.09966",
    TEM4CTR_MODELS,
  ),
  entry(
    "autoassign-plus",
    "04-autoassign",
    "AutoAssign+: Automatic Shared Embedding Assignment in Streaming Recommendation",
    "KAIS 2024 (arXiv 2308.06965)",
    "https://arxiv.org/abs/2308.06965",
  ),
  entry(
    "llm-survey",
    "05-llm-survey",
    "How Can Recommender Systems Benefit from Large Language Models: A Survey",
    "Lin et al., arXiv 2306.05817",
    "https://arxiv.org/abs/2306.05817",
  ),
  entry(
    "cigf",
    "06-cigf",
    "CIGF: Compressed Interaction Graph based Framework for Multi-behavior Recommendation",
    "WWW 2023",
    "https://github.com/MC-CV/CIGF",
  ),
  entry(
    "mtl-survey",
    "07-mtl-survey",
    "Multi-Task Deep Recommender Systems: A Survey",
    "Wang et al., arXiv 2302.03525",
    "https://arxiv.org/abs/2302.03525",
  ),
  entry(
    "alpt",
    "08-alpt",
    "ALPT: adaptive low-precision training of embeddings for click-through rate prediction",
    "AAAI 2023",
    "https://arxiv.org/abs/2212.05735",
    ALPT_MODELS,
  ),
];

/** Every model the kit can build: the baselines and each paper's own. */
export const MODELS: ModelIndex = Object.assign({}, BASELINES, ...PAPERS.map((p) => p.models));

/** The spec of model `id` in MODELS; throws listing the known ids. */
export function getModelSpec(id: string): ModelSpec<BaseModelConfig> {
  return specOf(MODELS, id);
}

/** The index line of paper `id`; throws listing the known ids. */
export function paper(id: string): PaperEntry {
  const p = PAPERS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown paper "${id}"; known: ${PAPERS.map((x) => x.id).join(", ")}`);
  return p;
}

/** Starts paper `id`'s notebook (src/papers/notebook.ts). */
export function setup(id: string): Promise<NotebookSession> {
  return setupNotebook(paper(id));
}

export type { PaperEntry } from "./types";
export { elapsed, verdictRows, type NotebookSession } from "./notebook";
export * as tour from "./tour";
export * as hamur from "./hamur";
export * as hierrec from "./hierrec";
export * as llmSurvey from "./llm-survey";
export * as mtlSurvey from "./mtl-survey";
export * as alpt from "./alpt";
export * as tem4ctr from "./tem4ctr";
export * as autoassign from "./autoassign-plus";
export * as cigf from "./cigf";
