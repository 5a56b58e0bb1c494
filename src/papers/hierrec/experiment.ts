/**
 * The HierRec notebook's experiment cells (notebook 02-hierrec, sections "train", "evaluate",
 * "ablation"): HierRec, its ablations and the multi-domain baselines, each trained over seeds
 * through `runExperiment` (one run record per cell), reduced to what the tables, figures and
 * claims need: per-seed test AUC / log loss overall and per scenario, and for HierRec the heads'
 * field weights per scenario (last seed) and their diversity per seed, trained and at init.
 *
 * Measured keys (what claims.json relations name), `${data}` = the data set's name in the notebook:
 *   `${data}.${label}.auc|logloss`            overall test metrics, one value per seed;
 *   `${data}.${label}.${scenario}.auc`        per-scenario test AUC;
 *   `${data}.${label}.headDiversity`          mean total-variation distance between heads' field
 *                                              weights after training (see model.ts headDiversity);
 *   `${data}.${label}.headDiversityInit`      the same at initialisation (same seed).
 */
import type { DatasetSchema, TabularDataset } from "../../data/schema";
import { categoricalFeatures } from "../../data/schema";
import { subset } from "../../data/batches";
import { Rng } from "../../engine/rng";
import { runExperiment, type ExperimentData, type Profile } from "../../train/experiment";
import type { EpochRecord, StepRecord, TrainConfig } from "../../train/trainer";
import { compareSpread, formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import { headDiversity, HierRecModel } from "./model";

/** One cell: a model id in MODELS with config overrides, shown under `label`. */
export interface CellSpec {
  /** Name in keys, tables and figures ("hierrec", "no-explicit", "md-mmoe"...). */
  label: string;
  /** Model id in MODELS. */
  model: string;
  modelConfig?: Record<string, unknown>;
  /** Seeds of this cell (default: the grid's). Ablations may use fewer. */
  seeds?: number[];
}

export interface CellRun {
  data: string;
  label: string;
  model: string;
  seeds: number[];
  auc: number[];
  logloss: number[];
  /** Scenario name -> per-seed test AUC / log loss, and the test rows of the scenario. */
  perScenario: Record<string, { auc: number[]; logloss: number[]; count: number }>;
  scenarioNames: string[];
  /** HierRec only: field weights a_h per scenario of the last seed's model [S][H][F]. */
  fieldWeights: number[][][] | null;
  fieldNames: string[];
  /** HierRec only: per seed, head diversity after training and at initialisation. */
  headDiversity: number[];
  headDiversityInit: number[];
  /** Training history per seed: running training loss every logEverySteps, and per-epoch records. */
  steps: StepRecord[][];
  epochs: EpochRecord[][];
  /** Dense parameters of the model (last seed). */
  denseParams: number;
  wallSecPerSeed: number;
  recordPath: string;
}

export interface CellGridOptions {
  /** Name of the data set in keys ("ml-age", "synthetic"). */
  dataName: string;
  data: ExperimentData;
  cells: CellSpec[];
  seeds: number[];
  trainPresets: Partial<Record<Profile, Partial<TrainConfig>>>;
  profile: Profile;
  /** Model config applied to every cell under its own overrides (e.g. the embedding optimiser). */
  commonModelConfig?: Record<string, unknown>;
  /** Group axis of the per-scenario metrics. Default "domain". */
  scenarioAxis?: string;
  /** Print the resolved config of the first cell. Default true. */
  verbose?: boolean;
  /** Folder for the run records (default figures/hierrec). */
  figuresDir?: string;
}

/** Train every cell (one runExperiment each) and keep the summaries; models are disposed. */
export async function runCells(o: CellGridOptions): Promise<CellRun[]> {
  const axis = o.scenarioAxis ?? "domain";
  const out: CellRun[] = [];
  for (const [i, cell] of o.cells.entries()) {
    const div: number[] = [];
    const divInit: number[] = [];
    let weights: number[][][] | null = null;
    let fieldNames: string[] = [];
    let denseParams = 0;
    const res = await runExperiment({
      paper: "hierrec",
      model: cell.model,
      data: o.data,
      seeds: cell.seeds ?? o.seeds,
      modelConfig: { ...(o.commonModelConfig ?? {}), ...(cell.modelConfig ?? {}) } as never,
      // Batch-statistics norms of baselines (HAMUR's domain norm, STAR) see the whole split at evaluation.
      trainPresets: Object.fromEntries(Object.entries(o.trainPresets).map(([p, c]) => [p, { evalBatchSize: Math.max(8192, o.data.valid.numRows, o.data.test.numRows), ...c }])) as typeof o.trainPresets,
      groupAxis: axis,
      runId: `${o.dataName}-${cell.label}-${o.profile}`,
      verbose: (o.verbose ?? true) && i === 0,
      keepModel: false,
      figuresDir: o.figuresDir,
      notes: [`HierRec notebook cell: ${cell.label} (model ${cell.model}) on ${o.dataName}`],
      inspect: (model) => {
        denseParams = model.paramCount().dense;
        if (!(model instanceof HierRecModel)) return;
        fieldNames = model.fieldNames;
        const w = model.fieldWeightsByScenario();
        if (w && model.initialFieldWeights) {
          weights = w;
          div.push(headDiversity(w));
          divInit.push(headDiversity(model.initialFieldWeights));
        }
      },
    });
    const head = Object.keys(res.runs[0].test)[0];
    const scenarioNames = Object.keys(res.runs[0].test[head].perGroup);
    const perScenario: CellRun["perScenario"] = {};
    for (const g of scenarioNames) {
      perScenario[g] = {
        auc: res.runs.map((r) => r.test[head].perGroup[g].auc),
        logloss: res.runs.map((r) => r.test[head].perGroup[g].logloss),
        count: res.runs[0].test[head].perGroup[g].count,
      };
    }
    out.push({
      data: o.dataName,
      label: cell.label,
      model: cell.model,
      seeds: res.record.seeds,
      auc: res.runs.map((r) => r.test[head].auc),
      logloss: res.runs.map((r) => r.test[head].logloss),
      perScenario,
      scenarioNames,
      fieldWeights: weights,
      fieldNames,
      headDiversity: div,
      headDiversityInit: divInit,
      steps: res.runs.map((r) => r.history.steps),
      epochs: res.runs.map((r) => r.history.epochs),
      denseParams,
      wallSecPerSeed: res.runs.reduce((s, r) => s + r.wallSec, 0) / res.runs.length,
      recordPath: res.recordPath,
    });
  }
  return out;
}

/** Per-seed measured values for claims (see the module header for the keys). */
export function measuredFromCells(runs: readonly CellRun[]): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const r of runs) {
    const k = `${r.data}.${r.label}`;
    m[`${k}.auc`] = r.auc;
    m[`${k}.logloss`] = r.logloss;
    for (const [g, v] of Object.entries(r.perScenario)) m[`${k}.${g}.auc`] = v.auc;
    if (r.headDiversity.length > 0) {
      m[`${k}.headDiversity`] = r.headDiversity;
      m[`${k}.headDiversityInit`] = r.headDiversityInit;
    }
  }
  return m;
}

/**
 * Comparison rows of one data set: AUC / log loss mean ± std over seeds, per-scenario AUC, and
 * the difference to `reference` (marked "inside spread" when smaller than the larger seed std).
 */
export function comparisonRows(runs: readonly CellRun[], reference: string): Record<string, string | number>[] {
  return runs.map((r) => {
    const ref = runs.find((x) => x.data === r.data && x.label === reference);
    const row: Record<string, string | number> = {
      data: r.data,
      model: r.label,
      seeds: r.seeds.length,
      "AUC (mean ± std)": formatMeanStd(summariseSeeds(r.auc)),
      "logloss (mean ± std)": formatMeanStd(summariseSeeds(r.logloss)),
    };
    if (ref && ref !== r) {
      const c = compareSpread(r.auc, ref.auc);
      row[`ΔAUC vs ${reference}`] = `${c.diff >= 0 ? "+" : ""}${c.diff.toFixed(4)}${c.tie ? " (inside spread)" : ""}`;
    } else {
      row[`ΔAUC vs ${reference}`] = "—";
    }
    for (const g of r.scenarioNames) row[`AUC ${g}`] = Number(summariseSeeds(r.perScenario[g].auc).mean.toFixed(4));
    row["dense params"] = r.denseParams;
    row["s / seed"] = Number(r.wallSecPerSeed.toFixed(1));
    return row;
  });
}

/**
 * A view of a data set in which group axis `from` (and a categorical feature of that name, if
 * any) is called `to`. The multi-domain baselines route on the axis "domain" (their `requires`
 * checks it before any config is read); the synthetic latent-scenario set calls it "scenario".
 * Columns are shared, not copied.
 */
export function renameScenarioAxis<T extends { schema: DatasetSchema; train: TabularDataset; valid: TabularDataset; test: TabularDataset }>(data: T, from: string, to: string): T {
  const schema = data.schema;
  if (!schema.groups.some((g) => g.name === from)) throw new Error(`renameScenarioAxis: ${schema.name} has no group axis "${from}" (has ${schema.groups.map((g) => g.name).join(", ")})`);
  if (schema.groups.some((g) => g.name === to) || categoricalFeatures(schema).some((f) => f.name === to)) {
    throw new Error(`renameScenarioAxis: ${schema.name} already has a group axis or feature named "${to}"`);
  }
  const renamed: DatasetSchema = {
    ...schema,
    features: schema.features.map((f) => (f.name === from ? { ...f, name: to } : f)),
    groups: schema.groups.map((g) => (g.name === from ? { ...g, name: to } : g)),
  };
  const view = (ds: TabularDataset): TabularDataset => ({ ...ds, schema: renamed });
  return { ...data, schema: renamed, train: view(data.train), valid: view(data.valid), test: view(data.test) };
}

/** Rows kept per split by {@link subsample}. */
export interface SplitSizes {
  train: number;
  valid: number;
  test: number;
}

/**
 * A seeded random subset of each split (smoke runs on a budget): at most `rows[split]` rows, kept
 * in their original order. The data id and fingerprint record the subsampling, so run records of
 * the subset never pass for the full set.
 */
export function subsample(data: ExperimentData, rows: SplitSizes, seed: number): ExperimentData {
  const rng = new Rng(seed);
  const pick = (ds: TabularDataset, n: number): TabularDataset => {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`subsample: row counts must be positive integers, got ${n}`);
    if (n >= ds.numRows) return ds;
    return subset(ds, rng.permutation(ds.numRows).subarray(0, n).sort());
  };
  const train = pick(data.train, rows.train);
  const valid = pick(data.valid, rows.valid);
  const test = pick(data.test, rows.test);
  const tag = `sub${train.numRows}-${valid.numRows}-${test.numRows}-s${seed}`;
  return { schema: data.schema, train, valid, test, meta: { id: `${data.meta.id}-${tag}`, fingerprint: `${data.meta.fingerprint}+${tag}` } };
}
