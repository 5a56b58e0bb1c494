/**
 * The one experiment grid runner of the kit. A paper's experiment (src/papers/<id>/experiment.ts)
 * lists cells (a label, a model id, config overrides) over one data set; `runGrid` trains every
 * cell over its seeds through `runExperiment` (one run record each under figures/<paper>/),
 * measures what the paper asks through hooks, disposes the models, and returns one result per
 * cell with one key scheme:
 *
 *   measured key = `${data}.${label}.${metric}`, per seed,
 *   metric       = "auc" | "logloss" | "<group>.auc" | "<group>.logloss" for a single-head model,
 *                  "<head>.auc" | "<head>.<group>.auc" ... for a multi-head one, or a hook's key.
 *
 * The same keys come back from the run records on disk (`measuredFromRecords`), so claims can be
 * judged from a finished run without retraining.
 */
import type { History, TrainConfig, Trainer } from "./trainer";
import { resolveExperimentConfig, runExperiment, seedsFromEnv, type ExperimentData } from "./experiment";
import type { ModelIndex, RecModel } from "../models/types";
import { specOf } from "../models/types";
import type { RunRecord } from "../report/run-record";
import { compareSpread, formatMeanStd, summariseSeeds } from "../metrics/seeds";
import { mergeDeep } from "../util/object";
import { profile as currentProfile, type Profile } from "../util/profile";

/** What a hook sees of one trained seed. */
export interface SeedContext {
  cell: GridCell;
  seed: number;
  model: RecModel;
  trainer: Trainer;
  history: History;
  data: ExperimentData;
}

/** One cell of a grid. */
export interface GridCell {
  /** Name in keys, tables and figures ("hamur-mlp", "static", "alpt-dnn.b8.alpt"). */
  label: string;
  /** Model id in the grid's model index. */
  model: string;
  /** Model config over the grid's common `modelConfig`. */
  modelConfig?: Record<string, unknown>;
  /** Training config of this cell (the "override" layer), e.g. a task-weighting scheme. */
  trainConfig?: Partial<TrainConfig>;
  /** Label of the cell this one is compared with in tables (e.g. the backbone without adapter). */
  baseline?: string;
  /** Seeds of this cell (default: the grid's). */
  seeds?: number[];
  /** Data of this cell when it differs from the grid's (e.g. the clicked rows only). */
  data?: ExperimentData;
  /** Per-seed measurements of this cell on top of the grid's `measure`. */
  measure?: (s: SeedContext) => Record<string, number>;
}

export interface GridOptions {
  /** Paper id: run records go to figures/<paper>/<runId>/. */
  paper: string;
  /** Model ids the cells may name. */
  models: ModelIndex;
  /** Name of the data set in keys ("ml1m", "census"). */
  dataName: string;
  data: ExperimentData;
  cells: readonly GridCell[];
  seeds: readonly number[];
  /** Training config per profile (the "preset" layer). */
  presets: Partial<Record<Profile, Partial<TrainConfig>>>;
  /** Default: the process's profile. */
  profile?: Profile;
  /** Model config under every cell's own. */
  modelConfig?: Record<string, unknown>;
  /** Group axis of the per-group metrics (default: the schema's first). */
  groupAxis?: string;
  /** Folder of the run records (default figures/<paper>). */
  figuresDir?: string;
  /** Print the resolved config of the first cell (default true). */
  verbose?: boolean;
  /** Per-seed measurements of every cell (stored in the run record like test metrics). */
  measure?: (s: SeedContext) => Record<string, number>;
  /** Called on the last seed's trained model before it is disposed; what it returns is kept as `inspected` (figures' data). */
  inspect?: (s: SeedContext) => Record<string, unknown> | void;
  /** Called after each cell (progress lines). */
  onCell?: (r: CellResult) => void;
}

/** What one cell measured. */
export interface CellResult {
  data: string;
  label: string;
  model: string;
  baseline: string | null;
  seeds: number[];
  /** The model's heads (one per label it predicts). */
  heads: string[];
  /** Per-seed values by metric (see the module header); `auc` and `logloss` are the first head's. */
  metrics: Record<string, number[]>;
  /** Test rows per group of the group axis. */
  groupRows: Record<string, number>;
  /** Group names of the per-group metrics, in schema order. */
  groups: string[];
  /** Training history per seed (steps, epochs, conflicts, task weights). */
  histories: History[];
  paramCount: { embedding: number; dense: number };
  wallSecPerSeed: number;
  recordPath: string;
  /** What `inspect` returned on the last seed ({} without it). */
  inspected: Record<string, unknown>;
}

/** Run id (folder under figures/<paper>/) of a cell: symbols other than letters, digits, ".", "_" and "-" become "-". */
export function cellRunId(data: string, label: string, profile: Profile): string {
  return `${data}-${label}-${profile}`.replace(/[^A-Za-z0-9_.-]+/g, "-");
}

/** Measured keys of a cell's per-seed test metrics: the head is dropped for a single-head model. */
function metricKeys(
  seedMetrics: Record<string, number[]>,
  heads: readonly string[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const single = heads.length === 1 ? `${heads[0]}.` : null;
  for (const [k, v] of Object.entries(seedMetrics))
    out[single && k.startsWith(single) ? k.slice(single.length) : k] = v;
  if (!single && heads.length > 0) {
    out.auc = seedMetrics[`${heads[0]}.auc`];
    out.logloss = seedMetrics[`${heads[0]}.logloss`];
  }
  return out;
}

/**
 * Resolves and validates every cell's config (model id, unknown keys, types, training settings)
 * without training: a bad setting in the last cell fails before the first cell trains. The error
 * keeps its class and names the paper, data set and cell.
 */
export function checkGrid(
  o: Pick<GridOptions, "paper" | "models" | "dataName" | "cells" | "presets" | "modelConfig">,
): void {
  for (const cell of o.cells) {
    try {
      const spec = specOf(o.models, cell.model);
      resolveExperimentConfig(spec, currentProfile(), {
        trainPresets: o.presets,
        modelConfig: mergeDeep(o.modelConfig ?? {}, cell.modelConfig ?? {}) as never,
        trainConfig: cell.trainConfig,
      });
    } catch (e) {
      if (e instanceof Error) e.message = `grid ${o.paper}/${o.dataName}, cell ${cell.label}: ${e.message}`;
      throw e;
    }
  }
}

/** Trains every cell (one runExperiment each), measures through the hooks, disposes the models. */
export async function runGrid(o: GridOptions): Promise<CellResult[]> {
  const prof = o.profile ?? currentProfile();
  checkGrid(o);
  const out: CellResult[] = [];
  for (const [i, cell] of o.cells.entries()) {
    const spec = specOf(o.models, cell.model);
    const data = cell.data ?? o.data;
    // The seeds the experiment really runs: RECREPRO_SEEDS overrides the cell's, as in runExperiment.
    const seeds = seedsFromEnv() ?? [...(cell.seeds ?? o.seeds)];
    let inspected: Record<string, unknown> = {};
    let paramCount = { embedding: 0, dense: 0 };
    let heads: string[] = [];
    const runId = cellRunId(o.dataName, cell.label, prof);
    const measure = (s: SeedContext): Record<string, number> => ({
      ...(o.measure?.(s) ?? {}),
      ...(cell.measure?.(s) ?? {}),
    });
    const res = await runExperiment({
      paper: o.paper,
      model: spec,
      data,
      seeds,
      modelConfig: mergeDeep(o.modelConfig ?? {}, cell.modelConfig ?? {}) as never,
      trainPresets: o.presets,
      trainConfig: cell.trainConfig,
      groupAxis: o.groupAxis,
      runId,
      figuresDir: o.figuresDir,
      keepModel: false,
      verbose: (o.verbose ?? true) && i === 0,
      cell: { data: o.dataName, label: cell.label },
      notes: [
        `grid cell ${cell.label} on ${o.dataName}: model ${cell.model}${cell.modelConfig ? ` ${JSON.stringify(cell.modelConfig)}` : ""}`,
      ],
      inspect: (model, seed, trainer, history, used) => {
        paramCount = model.paramCount();
        heads = [...model.heads];
        if (seed === seeds[seeds.length - 1] && o.inspect)
          inspected = o.inspect({ cell, seed, model, trainer, history, data: used }) ?? {};
      },
      extraMetrics:
        o.measure || cell.measure
          ? ({ seed, model, trainer, history, data: used }) =>
              measure({ cell, seed, model, trainer, history, data: used })
          : undefined,
    });
    const head0 = Object.keys(res.runs[0].test)[0];
    const perGroup = res.runs[0].test[head0].perGroup;
    const r: CellResult = {
      data: o.dataName,
      label: cell.label,
      model: cell.model,
      baseline: cell.baseline ?? null,
      seeds: res.record.seeds,
      heads,
      metrics: metricKeys(res.record.seedMetrics ?? {}, heads),
      groupRows: Object.fromEntries(Object.entries(perGroup).map(([g, v]) => [g, v.count])),
      groups: Object.keys(perGroup),
      histories: res.runs.map((x) => x.history),
      paramCount,
      wallSecPerSeed: res.runs.reduce((s, x) => s + x.wallSec, 0) / res.runs.length,
      recordPath: res.recordPath,
      inspected,
    };
    out.push(r);
    o.onCell?.(r);
  }
  return out;
}

/** Per-seed values of a grid's cells under the kit's key scheme (`data.label.metric`). */
export function measured(
  results: readonly Pick<CellResult, "data" | "label" | "metrics">[],
): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.metrics)) m[`${r.data}.${r.label}.${k}`] = v;
  return m;
}

/** The same keys read back from run records (records without a grid cell are skipped). */
export function measuredFromRecords(records: readonly RunRecord[]): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const rec of records) {
    if (!rec.cell) continue;
    for (const [k, v] of Object.entries(metricKeys(rec.seedMetrics ?? {}, rec.cell.heads)))
      m[`${rec.cell.data}.${rec.cell.label}.${k}`] = v;
  }
  return m;
}

/** The cell labelled `label` (on data set `data`, when given); throws listing the labels. */
export function cellOf(results: readonly CellResult[], label: string, data?: string): CellResult {
  const r = results.find((x) => x.label === label && (data === undefined || x.data === data));
  if (!r)
    throw new Error(
      `no grid cell "${label}"${data ? ` on ${data}` : ""}; cells: ${results.map((x) => `${x.data}.${x.label}`).join(", ")}`,
    );
  return r;
}

/**
 * Presets whose evaluation batch covers at least `minRows` rows and the whole valid and test split
 * of `data`: for models whose norms use batch statistics at evaluation too (HAMUR's domain norm,
 * STAR's partitioned norm), so a row's score never depends on how the split was cut into batches.
 */
export function wholeSplitEval(
  presets: Partial<Record<Profile, Partial<TrainConfig>>>,
  data: ExperimentData,
  minRows: number,
): Partial<Record<Profile, Partial<TrainConfig>>> {
  const rows = Math.max(minRows, data.valid.numRows, data.test.numRows);
  return Object.fromEntries(Object.entries(presets).map(([p, c]) => [p, { evalBatchSize: rows, ...c }]));
}

/** Options of {@link comparisonRows}. */
export interface ComparisonOptions {
  /** Label of the cell each row is compared with: a fixed label, or per row (default: the cell's `baseline`). */
  reference?: string | ((r: CellResult) => string | null);
  /** Metrics shown as mean ± std columns (default ["auc", "logloss"]). */
  metrics?: string[];
  /** Per-group AUC columns (default true). */
  perGroup?: boolean;
  /** Extra columns per row (memory, epochs, ...). */
  extra?: (r: CellResult) => Record<string, string | number>;
}

function signed(d: number, digits = 4): string {
  return `${d >= 0 ? "+" : ""}${d.toFixed(digits)}`;
}

/**
 * The comparison table of a grid: per cell, the metrics as mean ± std over seeds, per-group AUC,
 * and the AUC difference to its reference cell (same data set) marked "(inside spread)" when it is
 * smaller than the larger seed std (a tie).
 */
export function comparisonRows(
  results: readonly CellResult[],
  opts: ComparisonOptions = {},
): Record<string, string | number>[] {
  const metrics = opts.metrics ?? ["auc", "logloss"];
  return results.map((r) => {
    const row: Record<string, string | number> = {
      data: r.data,
      cell: r.label,
      model: r.model,
      seeds: r.seeds.length,
    };
    for (const m of metrics)
      row[m === "auc" ? "AUC" : m] = r.metrics[m] ? formatMeanStd(summariseSeeds(r.metrics[m])) : "—";
    if (opts.perGroup ?? true)
      for (const g of r.groups) row[`AUC ${g}`] = formatMeanStd(summariseSeeds(r.metrics[`${g}.auc`] ?? []));
    const refLabel =
      typeof opts.reference === "function" ? opts.reference(r) : (opts.reference ?? r.baseline);
    const ref = refLabel ? results.find((x) => x.data === r.data && x.label === refLabel) : undefined;
    if (ref && ref !== r) {
      const c = compareSpread(r.metrics.auc, ref.metrics.auc);
      row["ΔAUC vs reference"] = `${signed(c.diff)} vs ${ref.label}${c.tie ? " (inside spread)" : ""}`;
    } else row["ΔAUC vs reference"] = "—";
    Object.assign(row, opts.extra?.(r) ?? {});
    row["dense params"] = r.paramCount.dense;
    row["s / seed"] = r.wallSecPerSeed.toFixed(1);
    return row;
  });
}
