/**
 * The HierRec notebook's experiment (notebook 02-hierrec): the settings per profile, the data
 * sets, the ablations as data, the cell lists, and the measurement hooks `runGrid`
 * (src/train/grid.ts) calls on every trained seed. The notebook calls the thin functions at the
 * end (`loadData`, `runMain`, `runScenarioSets`, `runLarge`, `runAblations`).
 *
 * Measured keys (what claims.json relations name; the grid's scheme `${data}.${label}.${metric}`):
 *   `${data}.${label}.auc|logloss`            overall test metrics, one value per seed;
 *   `${data}.${label}.${scenario}.auc`        per-scenario test AUC;
 *   `${data}.${label}.headDiversity`          mean total-variation distance between heads' field
 *                                              weights after training (model.ts headDiversity);
 *   `${data}.${label}.headDiversityInit`      the same at initialisation (same seed).
 * The last two come from `measureHeads` (HierRec models whose heads re-weight fields) and are
 * stored in the run records like the test metrics.
 */
import { loadDataset } from "../../data";
import { groupSizes, renameAxis, splitDataset, subsample, type Dataset } from "../../data/dataset";
import { categoricalFeatures } from "../../data/schema";
import { syntheticLatentScenario } from "../../data/synthetic-multidomain";
import { formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import { BASELINES } from "../../models";
import type { ModelIndex } from "../../models/types";
import {
  comparisonRows,
  runGrid,
  wholeSplitEval,
  type CellResult,
  type GridCell,
  type SeedContext,
} from "../../train/grid";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";
import { HAMUR_MODELS } from "../hamur/spec";
import { headDiversity, HierRecModel, type HierRecConfig } from "./model";
import { HIERREC_MODELS, HIERREC_PRESETS } from "./spec";

/** What one profile runs: data ids and sizes, seeds, training presets, the common model config. */
export interface HierRecProfile {
  /** MovieLens registry id. */
  movielens: string;
  /** Seeded subset of the MovieLens splits (seed 2022); null = the whole splits. */
  mlRows: { train: number; valid: number; test: number } | null;
  /** The synthetic latent-scenario set (3 scenarios, 2 hidden sub-scenarios, seed 2022, split 60/10/30). */
  synthetic: { numRows: number; vocabSize: number };
  /** The larger scenario sets: name in keys and registry id (format runs under smoke). */
  large: { name: string; id: string }[];
  seeds: number[];
  largeSeeds: number[];
  train: Partial<TrainConfig>;
  largeTrain: Partial<TrainConfig>;
  /** Model config under every cell's own (the embedding optimiser). */
  modelConfig: Record<string, unknown>;
}

const ADAM_PAPER = { kind: "adam" as const, lr: 1e-3, weightDecay: 1e-6 };

/**
 * Smoke runs are cut to the notebook's budget (a few minutes on two cores): a seeded MovieLens
 * subset, two epochs, dense lr 3e-3 and embedding lr 1e-2 for every model, two seeds, best epoch
 * on validation AUC. The paper profile uses the official code's settings (Adam 1e-3, weight
 * decay 1e-6, batch 2000, early stopping on validation log loss with patience 2).
 */
export const PROFILES: Record<Profile, HierRecProfile> = {
  smoke: {
    movielens: "movielens-1m-subset",
    mlRows: { train: 6000, valid: 1500, test: 3000 },
    synthetic: { numRows: 8000, vocabSize: 12 },
    large: [
      { name: "kuairand", id: "kuairand-sample" },
      { name: "douban", id: "douban-sample" },
    ],
    seeds: [1, 2],
    largeSeeds: [1],
    train: {
      numEpochs: 2,
      batchSize: 256,
      logEverySteps: 5,
      optimizer: { kind: "adam", lr: 3e-3 },
      earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
    },
    largeTrain: {
      numEpochs: 1,
      maxStepsPerEpoch: 2,
      batchSize: 64,
      logEverySteps: 1,
      earlyStopping: null,
    },
    modelConfig: { embedding: { optimizer: { lr: 1e-2 } } },
  },
  paper: {
    movielens: "movielens-1m",
    mlRows: null,
    synthetic: { numRows: 200000, vocabSize: 12 },
    large: [
      { name: "kuairand", id: "kuairand-1k" },
      { name: "ali-ccp", id: "ali-ccp" },
    ],
    seeds: [1, 2, 3, 4, 5],
    largeSeeds: [1, 2, 3],
    train: {
      numEpochs: 10,
      batchSize: 2000,
      logEverySteps: 50,
      optimizer: ADAM_PAPER,
      earlyStopping: { metric: "logloss", patience: 2, restoreBest: true },
    },
    largeTrain: {
      numEpochs: 10,
      batchSize: 2000,
      logEverySteps: 100,
      optimizer: ADAM_PAPER,
      earlyStopping: { metric: "logloss", patience: 2, restoreBest: true },
    },
    modelConfig: {},
  },
};

/** One ablation: a name, what it changes in words, and the config overrides. */
export interface HierRecAblation {
  id: string;
  description: string;
  overrides: Partial<HierRecConfig>;
}

/**
 * The ablations, as data, each over the `official` preset (HIERREC_PRESETS): without the
 * explicit module; without the implicit module; heads 1/2/4/8; static instead of generated weights
 * (both modules, or one at a time); and the kit's own MLPs without BatchNorm ("no-bn" = the `ours`
 * preset).
 */
export const ABLATIONS: readonly HierRecAblation[] = [
  { id: "full", description: "HierRec (explicit + implicit, generated weights, 4 heads)", overrides: {} },
  {
    id: "no-explicit",
    description: "without the explicit module (the scenario id is not read at all)",
    overrides: { explicit: false },
  },
  {
    id: "no-implicit",
    description: "without the implicit module (explicit output -> output MLP)",
    overrides: { implicit: false },
  },
  { id: "heads-1", description: "1 implicit head", overrides: { numHeads: 1 } },
  { id: "heads-2", description: "2 implicit heads", overrides: { numHeads: 2 } },
  { id: "heads-4", description: "4 implicit heads (the default)", overrides: { numHeads: 4 } },
  { id: "heads-8", description: "8 implicit heads", overrides: { numHeads: 8 } },
  {
    id: "static",
    description: "static weights in both modules (shared by all rows; s joins the base input)",
    overrides: { explicitWeights: "static", implicitWeights: "static" },
  },
  {
    id: "static-explicit",
    description: "static explicit layers, generated implicit heads",
    overrides: { explicitWeights: "static" },
  },
  {
    id: "static-implicit",
    description: "generated explicit layers, static implicit heads",
    overrides: { implicitWeights: "static" },
  },
  {
    id: "no-bn",
    description: "ours: MLPs without BatchNorm (Linear -> ReLU -> dropout)",
    overrides: HIERREC_PRESETS.ours,
  },
];

/** An ablation by id; throws listing the known ids. */
export function getAblation(id: string): HierRecAblation {
  const a = ABLATIONS.find((x) => x.id === id);
  if (!a)
    throw new Error(`unknown HierRec ablation "${id}"; known: ${ABLATIONS.map((x) => x.id).join(", ")}`);
  return a;
}

/** The models the notebook's cells may name: the kit's baselines, HAMUR's and HierRec. */
export const CELL_MODELS: ModelIndex = { ...BASELINES, ...HAMUR_MODELS, ...HIERREC_MODELS };

/** The multi-domain baselines of the main comparison (those missing from CELL_MODELS are skipped). */
export const BASELINE_IDS: readonly string[] = [
  "shared-mlp",
  "md-shared-bottom",
  "md-mmoe",
  "md-ple",
  "star",
  "hamur-mlp",
].filter((id) => id in CELL_MODELS);

/** The preset of every HierRec cell: the official code's configuration (the primary reproduction). */
export const MAIN_PRESET = "official" as const;

/** A HierRec config in the notebook: the main preset, then `overrides`. */
export const hierrecConfig = (overrides: Partial<HierRecConfig> = {}): Partial<HierRecConfig> => ({
  ...HIERREC_PRESETS[MAIN_PRESET],
  ...overrides,
});

/** A HierRec ablation as a cell labelled by its id (the official preset plus the ablation's overrides). */
export const ablationCell = (id: string): GridCell => ({
  label: id,
  model: "hierrec",
  modelConfig: hierrecConfig(getAblation(id).overrides),
});

/** HierRec under the official preset (label "hierrec" in every key). */
const HIERREC_CELL: GridCell = { label: "hierrec", model: "hierrec", modelConfig: hierrecConfig() };

/** Main comparison (ml-age): HierRec (official preset) and every multi-domain baseline. */
export const MAIN_CELLS: readonly GridCell[] = [
  HIERREC_CELL,
  ...BASELINE_IDS.map((id) => ({ label: id, model: id })),
];

/** The second scenario definition and the synthetic set: HierRec, the shared MLP and its two halves. */
export const SCENARIO_CELLS: readonly GridCell[] = [
  HIERREC_CELL,
  ...BASELINE_IDS.filter((id) => id === "shared-mlp").map((id) => ({ label: id, model: id })),
  ablationCell("no-explicit"),
  ablationCell("no-implicit"),
];

/** Ablations per data set (the head counts on the synthetic set only, to fit the budget). */
export const ABLATION_PLAN: Readonly<Record<string, readonly string[]>> = {
  "ml-age": ["no-explicit", "no-implicit", "static", "no-bn"],
  synthetic: ["static", "heads-1", "heads-2", "heads-8", "no-bn"],
};

/** Ablation labels in tables and the delta figure. */
export const ABLATION_LABELS: readonly string[] = [
  "no-explicit",
  "no-implicit",
  "static",
  "heads-1",
  "heads-2",
  "heads-8",
  "no-bn",
];

/** Cells of the larger sets: HierRec and the shared MLP under smoke (format runs), the main cells under paper. */
export const largeCells = (profile: Profile): readonly GridCell[] =>
  profile === "smoke" ? MAIN_CELLS.slice(0, 2) : MAIN_CELLS;

/** Per-seed hook: head diversity after training and at initialisation (HierRec models whose heads re-weight fields). */
export function measureHeads(s: SeedContext): Record<string, number> {
  if (!(s.model instanceof HierRecModel)) return {};
  const w = s.model.fieldWeightsByScenario();
  const init = s.model.initialFieldWeights;
  return w && init ? { headDiversity: headDiversity(w), headDiversityInit: headDiversity(init) } : {};
}

/** Last-seed hook: the heads' field weights per scenario [S][H][F] and the field names (the heatmap's data). */
export function inspectFieldWeights(s: SeedContext): Record<string, unknown> | void {
  if (!(s.model instanceof HierRecModel)) return;
  const w = s.model.fieldWeightsByScenario();
  if (w) return { fieldWeights: w, fieldNames: s.model.fieldNames };
}

/**
 * The notebook's data sets, by name in keys: MovieLens by age and by gender (a seeded subset
 * under smoke), the synthetic latent-scenario set (its axis "scenario" renamed "domain", the axis
 * every multi-domain model routes on), then the larger sets of `profile.large`.
 */
export async function loadData(profile: Profile): Promise<Record<string, Dataset>> {
  const p = PROFILES[profile];
  const ml = async (domainBy: string): Promise<Dataset> => {
    const d = await loadDataset(p.movielens, { domainBy });
    return p.mlRows ? subsample(d, p.mlRows, 2022) : d;
  };
  const syn = syntheticLatentScenario({
    numRows: p.synthetic.numRows,
    numScenarios: 3,
    numLatent: 2,
    vocabSize: p.synthetic.vocabSize,
    seed: 2022,
  });
  const out: Record<string, Dataset> = {
    "ml-age": await ml("age"),
    "ml-gender": await ml("gender"),
    synthetic: renameAxis(splitDataset(syn.dataset, [0.6, 0.1, 0.3], 2022), "scenario", "domain"),
  };
  for (const l of p.large) out[l.name] = await loadDataset(l.id);
  return out;
}

/** One row per data set: id, split sizes, scenarios, field counts. */
export function dataRows(data: Readonly<Record<string, Dataset>>): Record<string, string | number>[] {
  return Object.entries(data).map(([name, d]) => ({
    data: name,
    id: d.meta.id,
    "train / valid / test rows": `${d.train.numRows} / ${d.valid.numRows} / ${d.test.numRows}`,
    scenarios: (d.schema.groups[0].names ?? []).join(", "),
    "categorical fields": categoricalFeatures(d.schema).length,
    "numeric fields": d.schema.features.filter((f) => f.kind === "numeric").length,
    synthetic: d.schema.synthetic === true ? "SYNTHETIC" : "",
  }));
}

/** Per data set and scenario (the first group axis): train rows and click rate. */
export function scenarioRows(
  data: Readonly<Record<string, Dataset>>,
): { data: string; scenario: string; "train rows": number; "click rate": number }[] {
  return Object.entries(data).flatMap(([name, d]) =>
    groupSizes(d, d.schema.groups[0].name)
      .filter((g) => g.split === "train")
      .map((g) => ({
        data: name,
        scenario: g.group,
        "train rows": g.rows,
        "click rate": g.rows > 0 ? Number(g.positiveRate.toFixed(3)) : NaN,
      })),
  );
}

/** One grid over `cells` on data set `name`, with the notebook's presets, hooks and evaluation batch. */
export function runCells(
  name: string,
  data: Dataset,
  cells: readonly GridCell[],
  profile: Profile,
  o: { large?: boolean; verbose?: boolean } = {},
): Promise<CellResult[]> {
  const p = PROFILES[profile];
  return runGrid({
    paper: "hierrec",
    models: CELL_MODELS,
    dataName: name,
    data,
    cells,
    seeds: o.large ? p.largeSeeds : p.seeds,
    // Batch-statistics norms of baselines (HAMUR's domain norm, STAR) see the whole split at evaluation.
    presets: wholeSplitEval({ [profile]: o.large ? p.largeTrain : p.train }, data, 8192),
    profile,
    modelConfig: p.modelConfig,
    groupAxis: "domain",
    verbose: o.verbose ?? false,
    measure: measureHeads,
    inspect: inspectFieldWeights,
  });
}

/** Section "train": HierRec and the multi-domain baselines on MovieLens by age (prints the first cell's config). */
export const runMain = (data: Readonly<Record<string, Dataset>>, profile: Profile): Promise<CellResult[]> =>
  runCells("ml-age", data["ml-age"], MAIN_CELLS, profile, { verbose: true });

/** Section "second scenario definition": the scenario cells on ml-gender and the synthetic set. */
export async function runScenarioSets(
  data: Readonly<Record<string, Dataset>>,
  profile: Profile,
): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const name of ["ml-gender", "synthetic"])
    out.push(...(await runCells(name, data[name], SCENARIO_CELLS, profile)));
  return out;
}

/** Section "larger scenario sets": format runs under smoke, full runs under paper. */
export async function runLarge(
  data: Readonly<Record<string, Dataset>>,
  profile: Profile,
): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const l of PROFILES[profile].large)
    out.push(...(await runCells(l.name, data[l.name], largeCells(profile), profile, { large: true })));
  return out;
}

/** Section "ablation": the cells of ABLATION_PLAN. */
export async function runAblations(
  data: Readonly<Record<string, Dataset>>,
  profile: Profile,
): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const [name, ids] of Object.entries(ABLATION_PLAN))
    out.push(...(await runCells(name, data[name], ids.map(ablationCell), profile)));
  return out;
}

/** The larger sets' rows: train steps, final training loss, test AUC per seed. */
export function largeRows(
  results: readonly CellResult[],
  profile: Profile,
): Record<string, string | number>[] {
  return results.map((r) => {
    const epochs = r.histories[0].epochs;
    return {
      data: r.data,
      model: r.label,
      "train steps": epochs.reduce((s, e) => s + e.steps, 0),
      "final train loss": epochs[epochs.length - 1].trainLoss.toFixed(4),
      "test AUC": r.metrics.auc.map((a) => (Number.isFinite(a) ? a.toFixed(4) : "n/a")).join(", "),
      verdict: profile === "smoke" ? "format run: too small to compare" : "",
    };
  });
}

/** Ablation table: per data set, the full model then each ablation that ran, with its AUC difference to HierRec. */
export function ablationRows(
  results: readonly CellResult[],
  datasets: readonly string[],
): Record<string, string | number>[] {
  const rs = datasets.flatMap((d) =>
    ["hierrec", ...ABLATION_LABELS].flatMap((l) => results.filter((r) => r.data === d && r.label === l)),
  );
  return comparisonRows(rs, {
    reference: "hierrec",
    metrics: ["auc"],
    perGroup: false,
    extra: (r) => ({
      variant:
        r.label === "hierrec" ? "HierRec (official preset: BatchNorm)" : getAblation(r.label).description,
    }),
  });
}

/** Head diversity after training and at initialisation, mean ± std over seeds, for every cell that measured it. */
export function diversityRows(results: readonly CellResult[]): Record<string, string>[] {
  return results
    .filter((r) => r.metrics.headDiversity)
    .map((r) => ({
      data: r.data,
      model: r.label,
      "head diversity after training": formatMeanStd(summariseSeeds(r.metrics.headDiversity)),
      "at initialisation": formatMeanStd(summariseSeeds(r.metrics.headDiversityInit)),
    }));
}
