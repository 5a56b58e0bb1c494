/**
 * The multi-task survey's experiment (notebook 07-mtl-survey; Wang et al., "Multi-Task Deep
 * Recommender Systems: A Survey", arXiv 2302.03525): profiles, the two grids (parallel tasks on
 * Census-Income, cascaded tasks on Taobao) run through the kit's one grid runner (train/grid.ts),
 * their measurement hooks, and the tables the notebook shows.
 *
 * Presets: the main cells use `torch-rechub`, the reference example the notebook follows
 * (torch-rechub examples/ranking/run_census.py: src/models/multitask/presets.ts for the models,
 * `REFERENCE_TRAIN` for the optimiser, the Census loader's `scaling: "minmax"` for the data). The
 * kit's own choices (no BatchNorm, embeddings N(0, 1e-2), PLE with 2 levels, AITM's calibrator,
 * numeric columns z-scored on train) are the labelled ablation cells `OURS_CELLS`.
 *
 * Measured keys (what claims.json names), per seed, by `measured(results)`:
 *   `census.<cell>.<task>.auc` for a multi-task cell, `census.<single-task cell>.auc`,
 *   `census.<cell>.conflictShare` / `.meanCosine` (share of recorded steps with cos < 0 and the mean
 *   cosine between the two tasks' gradients on the shared parameters, from the seed's history),
 *   `taobao.<cell>.cvrClicked.auc` / `.cvrEntire.auc` / `.ctcvr.auc` (CVR in two spaces, CTCVR).
 */
import type { TabularDataset } from "../../data/schema";
import { labelIndex } from "../../data/schema";
import { capRows, restrictRows, rowsWhere, sampleRows, type Dataset } from "../../data/dataset";
import { loadDataset } from "../../data";
import { auc, compareSpread, formatMeanStd, meanStd, summariseSeeds } from "../../metrics";
import { BASELINES } from "../../models";
import { torchRechubConfig } from "../../models/multitask/presets";
import { specOf } from "../../models/types";
import { predictHead, predictOutput, toyForward } from "../../models/inputs";
import {
  cellOf,
  comparisonRows,
  runGrid,
  type CellResult,
  type GridCell,
  type SeedContext,
} from "../../train/grid";
import { cosine, pcgradProject, sumVectors, type TaskWeightingConfig } from "../../train/multitask";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";

export const PAPER = "mtl-survey";

/** Per-profile settings: data ids and slices, seeds, conflict recording, training presets. */
export interface MtlProfile {
  census: { id: string; trainRows: number; validRows: number };
  taobao: { id: string; trainRows: number; validRows: number };
  seeds: number[];
  /** Record the gradient conflict of multi-task models every this many steps. */
  conflictEvery: number;
}

export const PROFILES: Record<Profile, MtlProfile> = {
  smoke: {
    census: { id: "census-income-kdd", trainRows: 16000, validRows: 4000 },
    taobao: { id: "taobao-userbehavior", trainRows: 40000, validRows: 8000 },
    seeds: [1, 2, 3],
    conflictEvery: 4,
  },
  paper: {
    census: { id: "census-income-kdd-full", trainRows: Infinity, validRows: Infinity },
    taobao: { id: "taobao-userbehavior-full", trainRows: Infinity, validRows: Infinity },
    seeds: [1, 2, 3, 4, 5],
    conflictEvery: 50,
  },
};

/** The notebook's main preset: the torch-rechub reference example. */
export const MAIN_PRESET = "torch-rechub";

export const TRAIN_PRESETS: Record<Profile, Partial<TrainConfig>> = {
  smoke: {
    numEpochs: 2,
    batchSize: 512,
    optimizer: { kind: "adam", lr: 3e-3 },
    earlyStopping: null,
    logEverySteps: 4,
  },
  paper: {
    numEpochs: 10,
    batchSize: 1024,
    optimizer: { kind: "adam", lr: 1e-3 },
    earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
    logEverySteps: 50,
  },
};

/**
 * The reference's optimiser on top of the profile's training preset (the "override" layer of the
 * reference cells): run_census.py's Adam weight_decay 1e-4 under both profiles (dense variables;
 * the embedding rows keep the kit's lazy Adam without decay) and, under `paper`, its lr 1e-3 and
 * batch 1024. Smoke keeps its budget (lr 3e-3, batch 512, 2 epochs) for every cell alike.
 */
export const REFERENCE_TRAIN: Record<Profile, Partial<TrainConfig>> = {
  smoke: { optimizer: { kind: "adam", lr: 3e-3, weightDecay: 1e-4 } },
  paper: { optimizer: { kind: "adam", lr: 1e-3, weightDecay: 1e-4 }, batchSize: 1024 },
};

export const TASKS = ["income", "marital"] as const;
export const PAIR = "income/marital";
/** Multi-task models of the main Census grid (reference preset; `ple` has one level there, i.e. CGC). */
export const MT_MODELS = ["shared-bottom", "mmoe", "ple", "cross-stitch"] as const;
export const WEIGHTINGS: TaskWeightingConfig[] = [
  { kind: "uncertainty" },
  { kind: "gradnorm", alpha: 1.5, lr: 0.01 },
  { kind: "pcgrad" },
];
/** Multi-task cells compared with the single-task model (negative transfer). */
export const TRANSFER_CELLS = [...MT_MODELS, ...WEIGHTINGS.map((w) => `shared-bottom+${w.kind}`)];
export const singleLabel = (task: string): string => `single-task:${task}`;
const LABELS = { click: "click", purchase: "purchase" };

/** Name of a weighting config for tables: "equal", "uncertainty", "gradnorm(α=1.5)", "pcgrad". */
export function weightingName(w: TaskWeightingConfig | null | undefined): string {
  if (!w || w.kind === "equal") return "equal";
  if (w.kind === "gradnorm") return `gradnorm(α=${w.alpha}${w.lr !== undefined ? `, lr=${w.lr}` : ""})`;
  return w.kind;
}

// ---------------------------------------------------------------------------------------------
// Data.

/** The reference's Census preprocessing: numeric columns min-max scaled over all rows (preprocess_census.py). */
export const CENSUS_REFERENCE_DERIVE = { scaling: "minmax" } as const;

/**
 * Census: the first rows of the train and valid splits (the loader shuffled them), twice: `census`
 * with the reference's min-max scaling over all rows (derive option `scaling: "minmax"`), and
 * `censusOurs` with the kit's default z-scores on train (same rows, same split). Taobao: its
 * splits are written user by user (the loader streams the log per user), so a head would hold only
 * the first users: its slices are a seeded random sample of rows (Rng(2018)) instead. Test splits whole.
 */
export async function loadData(
  prof: Profile,
): Promise<{ census: Dataset; censusOurs: Dataset; taobao: Dataset }> {
  const s = PROFILES[prof];
  const cap = { train: s.census.trainRows, valid: s.census.validRows };
  const census = capRows(await loadDataset(s.census.id, { derive: { ...CENSUS_REFERENCE_DERIVE } }), cap);
  const censusOurs = capRows(await loadDataset(s.census.id), cap);
  const tb = await loadDataset(s.taobao.id);
  const train = sampleRows(tb.train, s.taobao.trainRows, 2018);
  const valid = sampleRows(tb.valid, s.taobao.validRows, 2018);
  const sampled = train !== tb.train || valid !== tb.valid;
  const tag = sampled ? `:sample${train.numRows}-${valid.numRows}-s2018` : "";
  const taobao: Dataset = {
    schema: tb.schema,
    train,
    valid,
    test: tb.test,
    meta: { id: tb.meta.id + tag, fingerprint: tb.meta.fingerprint + tag },
  };
  return { census, censusOurs, taobao };
}

/** Numeric columns under the two scalings (train split): min, max, mean, share of rows below 0.01 in absolute value. */
export function scalingRows(reference: Dataset, ours: Dataset): Record<string, string | number>[] {
  const stats = (a: Float32Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let small = 0;
    for (const x of a)
      ((lo = Math.min(lo, x)), (hi = Math.max(hi, x)), (sum += x), (small += Math.abs(x) < 0.01 ? 1 : 0));
    return `${lo.toFixed(3)} … ${hi.toFixed(3)}, mean ${(sum / a.length).toFixed(3)}, |x| < 0.01: ${((100 * small) / a.length).toFixed(0)}%`;
  };
  return reference.schema.features
    .filter((f) => f.kind === "numeric")
    .map((f, j) => ({
      feature: f.name,
      "torch-rechub: min-max over all rows": stats(reference.train.num[j]),
      "ours: z-score on train": stats(ours.train.num[j]),
    }));
}

function rate(ds: TabularDataset, label: string): number {
  return ds.labels[labelIndex(ds.schema, label)].reduce((a, b) => a + b, 0) / ds.numRows;
}

/** Rows and positive rate of every task label per split (and CVR = purchase among clicks). */
export function dataRows(census: Dataset, taobao: Dataset): Record<string, string | number>[] {
  const row = (name: string, d: Dataset, l: string) => ({
    data: name,
    label: l,
    train: d.train.numRows,
    valid: d.valid.numRows,
    test: d.test.numRows,
    "train rate": rate(d.train, l).toFixed(4),
    "test rate": rate(d.test, l).toFixed(4),
  });
  const clicked = (ds: TabularDataset) => rowsWhere(ds, "click").length;
  const cvr = (ds: TabularDataset) => (rate(ds, "purchase") / rate(ds, "click")).toFixed(4);
  return [
    ...TASKS.map((l) => row("census", census, l)),
    ...["click", "purchase"].map((l) => row("taobao", taobao, l)),
    {
      data: "taobao",
      label: "purchase | click (CVR)",
      train: clicked(taobao.train),
      valid: clicked(taobao.valid),
      test: clicked(taobao.test),
      "train rate": cvr(taobao.train),
      "test rate": cvr(taobao.test),
    },
  ];
}

/** Positive rates for the label-rate figure: category -> [train, test]. */
export function labelRates(
  census: Dataset,
  taobao: Dataset,
): { categories: string[]; train: number[]; test: number[] } {
  const sets: [string, Dataset, string][] = [
    ["census: income", census, "income"],
    ["census: marital", census, "marital"],
    ["taobao: click", taobao, "click"],
    ["taobao: purchase (CTCVR)", taobao, "purchase"],
  ];
  return {
    categories: sets.map((x) => x[0]),
    train: sets.map(([, d, l]) => rate(d.train, l)),
    test: sets.map(([, d, l]) => rate(d.test, l)),
  };
}

// ---------------------------------------------------------------------------------------------
// Toy batches and the hand-made PCGrad pair.

/** MMoE's gate weights over the experts on the first 4 Census test rows (first two rows per gate). */
export function toyMmoeGates(census: Dataset): Record<string, string | number>[] {
  const spec = specOf(BASELINES, "mmoe");
  const model = spec.build(
    census.schema,
    { ...spec.defaults, ...torchRechubConfig("mmoe") } as typeof spec.defaults,
    0,
  );
  const toy = toyForward(model, census.test, 4);
  model.dispose();
  return Object.entries(toy.internals).flatMap(([gate, t]) =>
    [0, 1].map((row) => ({
      gate,
      row,
      shape: `[${t.shape.join(", ")}]`,
      "weights over the experts": t.values
        .slice(row * t.shape[1], (row + 1) * t.shape[1])
        .map((x) => x.toFixed(3))
        .join(", "),
    })),
  );
}

/** ESMM's identity pCTCVR = pCTR × pCVR on the first 4 Taobao test rows (untrained model). */
export function toyEsmmRows(taobao: Dataset): Record<string, string | number>[] {
  const spec = specOf(BASELINES, "esmm");
  const model = spec.build(
    taobao.schema,
    { ...spec.defaults, ...torchRechubConfig("esmm") } as typeof spec.defaults,
    0,
  );
  const toy = capRows(taobao, { test: 4 }).test;
  const ctr = predictHead(model, toy, "click");
  const ctcvr = predictHead(model, toy, "purchase");
  const cvr = predictOutput(model, toy, (o) => o.internals!.cvr);
  model.dispose();
  return Array.from(ctr, (p, i) => ({
    row: i,
    pCTR: p.toFixed(5),
    pCVR: cvr[i].toFixed(5),
    "pCTR × pCVR": (p * cvr[i]).toFixed(6),
    "pCTCVR head": ctcvr[i].toFixed(6),
    "|difference|": Math.abs(p * cvr[i] - ctcvr[i]).toExponential(1),
  }));
}

/** PCGrad on g1 = [1, 0], g2 = [−1, 1] (cosine −0.71). */
export function pcgradPairRows(): Record<string, string>[] {
  const g1 = new Float32Array([1, 0]);
  const g2 = new Float32Array([-1, 1]);
  const [p1, p2] = pcgradProject([g1, g2]);
  const r = (vector: string, v: Float32Array, other: Float32Array | null) => ({
    vector,
    value: Array.from(v).join(", "),
    "cos with the other original": other ? cosine(v, other).toFixed(3) : "",
  });
  return [
    r("g1", g1, g2),
    r("g2", g2, g1),
    r("PCGrad g1'", p1, g2),
    r("PCGrad g2'", p2, g1),
    r("update g1' + g2'", sumVectors([p1, p2]), null),
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement hooks.

/** Share of recorded steps with cos < 0 and the mean cosine of the seed's first recorded pair ({} without records). */
export function conflictMeasure(s: Pick<SeedContext, "history">): Record<string, number> {
  const cs = s.history.conflicts ?? [];
  if (cs.length === 0) return {};
  const pair = Object.keys(cs[0].cosine)[0];
  return {
    conflictShare: cs.filter((c) => c.cosine[pair] < 0).length / cs.length,
    meanCosine: meanStd(cs.map((c) => c.cosine[pair])).mean,
  };
}

/**
 * CVR scores judged in two spaces of the same test rows: `cvrClicked.auc` = AUC(purchase, pCVR)
 * on the clicked rows (where CVR models are usually evaluated) and `cvrEntire.auc` = the same
 * over every exposure (the inference space; non-clicked rows count as non-converted), and
 * `ctcvr.auc` = AUC(purchase, pCTR · pCVR) over every exposure.
 */
export function cvrSpaceMetrics(
  test: TabularDataset,
  pCtr: Float32Array,
  pCvr: Float32Array,
  labels: { click: string; purchase: string },
): Record<string, number> {
  if (pCtr.length !== test.numRows || pCvr.length !== test.numRows)
    throw new Error(`cvrSpaceMetrics: ${pCtr.length} / ${pCvr.length} scores for ${test.numRows} rows`);
  const click = test.labels[labelIndex(test.schema, labels.click)];
  const buy = test.labels[labelIndex(test.schema, labels.purchase)];
  const clicked = rowsWhere(test, labels.click);
  const ctcvr = pCtr.map((p, i) => p * pCvr[i]);
  for (let r = 0; r < test.numRows; r++)
    if (buy[r] > click[r])
      throw new Error(`cvrSpaceMetrics: row ${r} has ${labels.purchase} = 1 without ${labels.click}`);
  return {
    "cvrClicked.auc": auc(
      Float32Array.from(clicked, (r) => buy[r]),
      Float32Array.from(clicked, (r) => pCvr[r]),
    ),
    "cvrEntire.auc": auc(buy, pCvr),
    "ctcvr.auc": auc(buy, ctcvr),
  };
}

// ---------------------------------------------------------------------------------------------
// The grids.

/** One labelled variant of the kit's own choices (an ablation of the reference preset). */
export interface OursCell {
  label: string;
  model: string;
  /** What differs from the reference, in words (tables). */
  description: string;
  /** Config over the model's defaults: null = the spec's defaults and profile preset (all the kit's choices). */
  modelConfig: Record<string, unknown> | null;
  /** Train on the z-scored Census (`censusOurs`) instead of the min-max one. */
  zScored: boolean;
}

const ref = torchRechubConfig;

/**
 * The kit's own choices as labelled ablations on Census. `*:ours` cells are the kit's defaults (no
 * BatchNorm, N(0, 1e-2), z-scores, PLE with 2 levels, no weight decay: what the notebook ran before
 * the reference preset); `ple:2-levels` and the `shared-bottom:*` cells change one factor of the
 * reference at a time.
 */
export const OURS_CELLS: readonly OursCell[] = [
  {
    label: "shared-bottom:ours",
    model: "shared-bottom",
    description: "ours: no BatchNorm, N(0, 1e-2), z-scores, smoke widths",
    modelConfig: null,
    zScored: true,
  },
  {
    label: "mmoe:ours",
    model: "mmoe",
    description: "ours: no BatchNorm, N(0, 1e-2), z-scores, smoke widths",
    modelConfig: null,
    zScored: true,
  },
  {
    label: "ple:ours",
    model: "ple",
    description: "ours: 2 levels, no BatchNorm, N(0, 1e-2), z-scores",
    modelConfig: null,
    zScored: true,
  },
  {
    label: "ple:2-levels",
    model: "ple",
    description: "reference with PLE 2 levels (ours)",
    modelConfig: { ...ref("ple"), numLevels: 2 },
    zScored: false,
  },
  {
    label: "shared-bottom:no-bn",
    model: "shared-bottom",
    description: "reference without BatchNorm (ours)",
    modelConfig: { ...ref("shared-bottom"), batchNorm: false },
    zScored: false,
  },
  {
    label: "shared-bottom:init-1e-2",
    model: "shared-bottom",
    description: "reference with embeddings N(0, 1e-2) (ours)",
    modelConfig: { ...ref("shared-bottom"), embedding: { init: { kind: "normal", std: 1e-2 } } },
    zScored: false,
  },
  {
    label: "shared-bottom:z-score",
    model: "shared-bottom",
    description: "reference on z-scored numeric columns (ours)",
    modelConfig: ref("shared-bottom"),
    zScored: true,
  },
];

/** Label -> preset description for tables ("torch-rechub" for the reference cells). */
export function presetOf(label: string): string {
  return (
    OURS_CELLS.find((c) => c.label === label)?.description ??
    OURS_TAOBAO.find((c) => c.label === label)?.description ??
    MAIN_PRESET
  );
}

/**
 * Parallel tasks on Census: single-task towers, the multi-task models, Shared-Bottom under three
 * weighting schemes (all under the torch-rechub reference preset), then `OURS_CELLS`. `censusOurs`
 * is the z-scored Census the `zScored` cells train on (omit it to build the labels only).
 */
export function censusCells(prof: Profile, censusOurs?: Dataset): GridCell[] {
  const ce = (model: string) =>
    specOf(BASELINES, model).task === "multi-task" ? PROFILES[prof].conflictEvery : 0;
  const train = (model: string, w: TaskWeightingConfig | null, reference: boolean) =>
    ({
      ...(reference ? REFERENCE_TRAIN[prof] : {}),
      taskWeighting: w,
      conflictEvery: ce(model),
    }) as Partial<TrainConfig>;
  const cell = (
    label: string,
    model: string,
    w: TaskWeightingConfig | null,
    extra: Record<string, unknown> = {},
  ): GridCell => ({
    label,
    model,
    modelConfig: { ...ref(model), ...extra },
    trainConfig: train(model, w, true),
  });
  return [
    ...TASKS.map((t) => cell(singleLabel(t), "single-task", null, { task: t })),
    ...MT_MODELS.map((m) => cell(m, m, null)),
    ...WEIGHTINGS.map((w) => cell(`shared-bottom+${w.kind}`, "shared-bottom", w)),
    ...OURS_CELLS.map(
      (o): GridCell => ({
        label: o.label,
        model: o.model,
        modelConfig: o.modelConfig ?? undefined,
        trainConfig: train(o.model, null, o.modelConfig !== null),
        ...(o.zScored && censusOurs ? { data: censusOurs } : {}),
      }),
    ),
  ];
}

/** The kit's own AITM and ESMM on Taobao (spec defaults: AITM with its calibrator; no BatchNorm; N(0, 1e-2)). */
export const OURS_TAOBAO: readonly { label: string; description: string }[] = [
  { label: "aitm:ours", description: "ours: calibrator α = 0.6, no BatchNorm, N(0, 1e-2)" },
  { label: "aitm:calibrator", description: "reference plus the calibrator α = 0.6 (ours)" },
  { label: "esmm:ours", description: "ours: no BatchNorm, N(0, 1e-2)" },
];

/**
 * Cascaded tasks on Taobao: ESMM, AITM (CVR = ratio of its heads), independent CTR and CVR towers
 * (the CVR one trained on clicked rows only; pCTCVR = the CTR tower's pCTR × its pCVR, same seed),
 * and a single-task model fitting purchase over all exposures directly.
 */
export function taobaoCells(taobao: Dataset, prof: Profile = "smoke"): GridCell[] {
  const test = taobao.test;
  const tower = { embDim: 16, bottomHidden: [16], towerHidden: [8] };
  const ctrBySeed = new Map<number, Float32Array>();
  const ours = { taskWeighting: null, conflictEvery: 0 } as Partial<TrainConfig>;
  const eq = { ...REFERENCE_TRAIN[prof], ...ours } as Partial<TrainConfig>;
  const aitmCvr = ({ model }: SeedContext) => {
    const ctr = predictHead(model, test, "click");
    const ctcvr = predictHead(model, test, "purchase");
    return cvrSpaceMetrics(
      test,
      ctr,
      ctcvr.map((p, i) => Math.min(1, p / Math.max(ctr[i], 1e-7))),
      LABELS,
    );
  };
  const esmmCvr = ({ model }: SeedContext) =>
    cvrSpaceMetrics(
      test,
      predictHead(model, test, "click"),
      predictOutput(model, test, (o) => o.internals!.cvr),
      LABELS,
    );
  // AITM on Taobao embeds with 16 dims like ESMM (run_census.py's AITM: 4, on Census).
  const aitm = { ...ref("aitm"), embDim: 16 };
  const single = { ...ref("single-task"), ...tower };
  return [
    { label: "esmm", model: "esmm", modelConfig: ref("esmm"), trainConfig: eq, measure: esmmCvr },
    { label: "aitm", model: "aitm", modelConfig: aitm, trainConfig: eq, measure: aitmCvr },
    {
      label: "independent:ctr",
      model: "single-task",
      modelConfig: { ...single, task: "click" },
      trainConfig: eq,
      measure: ({ seed, model }) => (ctrBySeed.set(seed, predictHead(model, test, "click")), {}),
    },
    {
      label: "independent:cvr",
      model: "single-task",
      modelConfig: { ...single, task: "purchase" },
      trainConfig: eq,
      data: restrictRows(taobao, "click"),
      measure: ({ seed, model }) =>
        cvrSpaceMetrics(test, ctrBySeed.get(seed)!, predictHead(model, test, "purchase"), LABELS),
    },
    {
      label: "direct:ctcvr",
      model: "single-task",
      modelConfig: { ...single, task: "purchase" },
      trainConfig: eq,
    },
    { label: "aitm:ours", model: "aitm", modelConfig: { embDim: 16 }, trainConfig: ours, measure: aitmCvr },
    {
      label: "aitm:calibrator",
      model: "aitm",
      modelConfig: { ...aitm, constraintWeight: 0.6 },
      trainConfig: eq,
      measure: aitmCvr,
    },
    { label: "esmm:ours", model: "esmm", trainConfig: ours, measure: esmmCvr },
  ];
}

const progress = (r: CellResult) => console.log(`${r.label}: ${r.wallSecPerSeed.toFixed(1)} s/seed`);

/** Trains the Census grid (one run record per cell under figures/mtl-survey/). */
export function runCensus(census: Dataset, censusOurs: Dataset, prof: Profile): Promise<CellResult[]> {
  const seeds = PROFILES[prof].seeds;
  return runGrid({
    paper: PAPER,
    models: BASELINES,
    dataName: "census",
    data: census,
    cells: censusCells(prof, censusOurs),
    seeds,
    presets: TRAIN_PRESETS,
    profile: prof,
    measure: conflictMeasure,
    onCell: progress,
  });
}

/** Trains the Taobao grid. */
export function runTaobao(taobao: Dataset, prof: Profile): Promise<CellResult[]> {
  const seeds = PROFILES[prof].seeds;
  return runGrid({
    paper: PAPER,
    models: BASELINES,
    dataName: "taobao",
    data: taobao,
    cells: taobaoCells(taobao, prof),
    seeds,
    presets: TRAIN_PRESETS,
    profile: prof,
    onCell: progress,
  });
}

// ---------------------------------------------------------------------------------------------
// Tables.

/** Per-seed test AUC of `task` in a cell: its head's AUC, or the AUC of a single-head cell predicting `task`. */
export function taskAuc(r: CellResult, task: string): number[] | undefined {
  return (
    r.metrics[`${task}.auc`] ?? (r.heads.length === 1 && r.heads[0] === task ? r.metrics.auc : undefined)
  );
}

/** "0.9412 ± 0.0011" over seeds. */
export function fmt(values: readonly number[], digits = 4): string {
  return formatMeanStd(summariseSeeds(values), digits);
}

/** The Census comparison table: test AUC per task (mean ± std over seeds), weighting, sizes, seconds per seed. */
export function censusRows(results: readonly CellResult[]): Record<string, string | number>[] {
  const weighting = (r: CellResult) =>
    weightingName(censusCells("smoke").find((c) => c.label === r.label)?.trainConfig?.taskWeighting);
  return comparisonRows(results, {
    metrics: TASKS.map((t) => `${t}.auc`),
    perGroup: false,
    reference: () => null,
    extra: (r) => ({
      preset: presetOf(r.label),
      weighting: weighting(r),
      ...Object.fromEntries(TASKS.map((t) => [`${t}.auc`, taskAuc(r, t) ? fmt(taskAuc(r, t)!) : "—"])),
    }),
  }).map(({ "ΔAUC vs reference": _, ...row }) => row);
}

/** Per-seed differences a − b (paired by seed index). */
function paired(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired: ${a.length} vs ${b.length} seeds`);
  return a.map((x, i) => x - b[i]);
}

/** Mean ± std over seeds of (multi-task AUC − single-task AUC) on `task`, paired by seed. */
export function transferDiff(
  results: readonly CellResult[],
  label: string,
  task: string,
): { mean: number; std: number; mt: number[]; st: number[] } {
  const mt = taskAuc(cellOf(results, label), task);
  const st = taskAuc(cellOf(results, singleLabel(task)), task);
  if (!mt || !st) throw new Error(`transferDiff: no ${task} AUC in ${label} or ${singleLabel(task)}`);
  return { ...meanStd(paired(mt, st)), mt, st };
}

export type TransferRow = {
  cell: string;
  task: string;
  "Δ AUC vs single-task": string;
  verdict: "positive transfer" | "negative transfer" | "tie (inside spread)";
};

/** Negative-transfer table: multi-task minus single-task AUC per task (same seeds); verdict by the spread rule on the two AUC samples. */
export function negativeTransferRows(
  results: readonly CellResult[],
  cells: readonly string[] = TRANSFER_CELLS,
  tasks: readonly string[] = TASKS,
): TransferRow[] {
  return cells.flatMap((label) =>
    tasks.map((task) => {
      const d = transferDiff(results, label, task);
      const c = compareSpread(d.mt, d.st);
      const verdict = c.tie ? "tie (inside spread)" : c.diff > 0 ? "positive transfer" : "negative transfer";
      return {
        cell: label,
        task,
        "Δ AUC vs single-task": `${d.mean >= 0 ? "+" : ""}${d.mean.toFixed(4)} ± ${d.std.toFixed(4)}`,
        verdict,
      } as TransferRow;
    }),
  );
}

/** Per cell with conflict records: recorded steps per seed, share of steps with cos < 0, mean cosine. */
export function conflictRows(results: readonly CellResult[]): Record<string, string | number>[] {
  return results
    .filter((r) => r.metrics.conflictShare)
    .map((r) => ({
      cell: r.label,
      "recorded steps / seed": r.histories[0].conflicts?.length ?? 0,
      "share of steps with cos < 0": fmt(r.metrics.conflictShare, 3),
      "mean cosine": fmt(r.metrics.meanCosine, 3),
    }));
}

/** The Taobao table: CTR, CVR in both spaces, CTCVR (mean ± std over seeds) per cell. */
export function cvrRows(results: readonly CellResult[]): Record<string, string>[] {
  const f = (v: number[] | undefined) => (v ? fmt(v) : "-");
  return results.map((r) => ({
    model: r.label,
    preset: presetOf(r.label),
    "CTR AUC (all exposures)": f(
      r.metrics["click.auc"] ??
        (r.label === "independent:ctr"
          ? r.metrics.auc
          : r.label === "independent:cvr"
            ? cellOf(results, "independent:ctr").metrics.auc
            : undefined),
    ),
    "CVR AUC, clicked rows": f(r.metrics["cvrClicked.auc"]),
    "CVR AUC, entire space": f(r.metrics["cvrEntire.auc"]),
    "CTCVR AUC (all exposures)": f(
      r.metrics["ctcvr.auc"] ?? (r.label === "direct:ctcvr" ? r.metrics.auc : undefined),
    ),
  }));
}
