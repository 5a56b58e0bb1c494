/**
 * Experiment helpers of the multi-task survey notebook (notebooks 07-mtl-survey; Wang et al.,
 * "Multi-Task Deep Recommender Systems: A Survey", arXiv 2302.03525; PAPERS.md section 7):
 *
 * - `runMtlCells`: a grid of (model, weighting scheme) cells, each one `runExperiment` (one
 *   run.json per cell under figures/<paper>/), over the same seeds, collecting per-head test AUC,
 *   extra metrics, gradient-conflict records and task weights per seed;
 * - `negativeTransferRows`: multi-task minus single-task AUC per task, paired by seed, judged by
 *   the kit's spread rule (src/metrics/seeds.ts);
 * - `predictOutput` / `cvrSpaceMetrics`: scores of any forward output (ESMM's internal pCVR) over a
 *   data set, and CVR AUC over the clicked rows only vs over the entire exposure space;
 * - `measuredFromCells`: the per-seed values the survey's claims (src/survey/mtl-claims.json) read;
 * - figures: gradient conflict over training, task weights over training, negative transfer.
 */
import type { Batch, TabularDataset } from "../../data/schema";
import { labelIndex } from "../../data/schema";
import { batches, subset } from "../../data/batches";
import { tf } from "../../engine/tf";
import { auc, compareSpread, formatMeanStd, meanStd, summariseSeeds } from "../../metrics";
import type { DeepPartial } from "../../report";
import { BASELINES, specOf } from "../../models";
import type { ForwardOutput, RecModel } from "../../models/types";
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { runExperiment, type ExperimentData, type ExperimentOptions, type Profile } from "../../train/experiment";
import type { ConflictRecord, TaskWeightingConfig, TaskWeightRecord } from "../../train/multitask";
import type { TrainConfig } from "../../train/trainer";

/** One cell of the grid: a model under a weighting scheme (optionally on its own data). */
export interface MtlCell {
  /** Row label and key prefix of its metrics, e.g. "mmoe", "shared-bottom+pcgrad", "single-task:income". */
  label: string;
  /** MODELS id. */
  model: string;
  modelConfig?: Record<string, unknown>;
  /** Default: equal weighting. */
  taskWeighting?: TaskWeightingConfig;
  /** Record gradient conflict every this many steps; default: the grid's for multi-task models, 0 for others. */
  conflictEvery?: number;
  /** Data of this cell when it differs from the grid's (e.g. clicked rows only). */
  data?: ExperimentData;
  extraMetrics?: ExperimentOptions["extraMetrics"];
}

/** What one cell measured, per seed. */
export interface MtlCellResult {
  label: string;
  model: string;
  weighting: string;
  seeds: number[];
  /** Test AUC per head, one value per seed. */
  auc: Record<string, number[]>;
  logloss: Record<string, number[]>;
  /** `extraMetrics` keys, one value per seed. */
  extra: Record<string, number[]>;
  /** Per seed: the conflict records (empty without recording). */
  conflicts: ConflictRecord[][];
  /** Per seed: the task weights after each logged step (uncertainty, GradNorm). */
  taskWeights: TaskWeightRecord[][];
  /** Steps trained per seed. */
  steps: number[];
  wallSecPerSeed: number;
  recordPath: string;
}

export interface MtlGridOptions {
  /** Figures folder name and run-record paper id, e.g. "mtl-survey". */
  paper: string;
  /** Short name of the data in run ids, e.g. "census". */
  dataName: string;
  data: ExperimentData;
  cells: MtlCell[];
  seeds: number[];
  trainPresets: Partial<Record<Profile, Partial<TrainConfig>>>;
  /** Default conflict recording for multi-task models (spec.task "multi-task"); 0 = none. */
  conflictEvery?: number;
  /** Folder of the run records; default figures/<paper>. */
  figuresDir?: string;
  profile: Profile;
  /** Print each cell's resolved config (default: the first cell only). */
  verbose?: boolean;
  /** Called after each cell (progress lines). */
  onCell?: (r: MtlCellResult) => void;
}

/** Name of a weighting config for tables: "equal", "uncertainty", "gradnorm(α=1.5)", "pcgrad". */
export function weightingName(w: TaskWeightingConfig | undefined): string {
  if (!w || w.kind === "equal") return "equal";
  if (w.kind === "gradnorm") return `gradnorm(α=${w.alpha}${w.lr !== undefined ? `, lr=${w.lr}` : ""})`;
  return w.kind;
}

/** Runs every cell through `runExperiment` (one run record each) and collects per-seed results. */
export async function runMtlCells(opts: MtlGridOptions): Promise<MtlCellResult[]> {
  const out: MtlCellResult[] = [];
  for (const [i, cell] of opts.cells.entries()) {
    const data = cell.data ?? opts.data;
    const ce = cell.conflictEvery ?? (specOf(BASELINES, cell.model).task === "multi-task" ? opts.conflictEvery ?? 0 : 0);
    const t0 = Date.now();
    const r = await runExperiment({
      paper: opts.paper,
      model: cell.model,
      data,
      seeds: opts.seeds,
      modelConfig: (cell.modelConfig ?? {}) as DeepPartial<never>,
      trainPresets: opts.trainPresets,
      trainConfig: { taskWeighting: cell.taskWeighting ?? null, conflictEvery: ce },
      runId: `${opts.dataName}-${cell.label.replace(/[^A-Za-z0-9.-]+/g, "-")}-${opts.profile}`,
      keepModel: false,
      figuresDir: opts.figuresDir,
      extraMetrics: cell.extraMetrics,
      verbose: opts.verbose ?? i === 0,
    });
    const heads = Object.keys(r.runs[0].test);
    const res: MtlCellResult = {
      label: cell.label,
      model: cell.model,
      weighting: weightingName(cell.taskWeighting),
      seeds: r.runs.map((x) => x.seed),
      auc: Object.fromEntries(heads.map((h) => [h, r.runs.map((x) => x.test[h].auc)])),
      logloss: Object.fromEntries(heads.map((h) => [h, r.runs.map((x) => x.test[h].logloss)])),
      extra: Object.fromEntries(Object.keys(r.runs[0].extra).map((k) => [k, r.runs.map((x) => x.extra[k])])),
      conflicts: r.runs.map((x) => x.history.conflicts ?? []),
      taskWeights: r.runs.map((x) => x.history.taskWeights ?? []),
      steps: r.runs.map((x) => x.history.epochs.reduce((s, e) => s + e.steps, 0)),
      wallSecPerSeed: (Date.now() - t0) / 1000 / r.runs.length,
      recordPath: r.recordPath,
    };
    out.push(res);
    opts.onCell?.(res);
  }
  return out;
}

/** Finds a cell by label; throws listing the labels when absent. */
export function cellOf(results: readonly MtlCellResult[], label: string): MtlCellResult {
  const r = results.find((x) => x.label === label);
  if (!r) throw new Error(`no grid cell "${label}"; cells: ${results.map((x) => x.label).join(", ")}`);
  return r;
}

/** "0.9412 ± 0.0011" over seeds. */
export function fmt(values: readonly number[], digits = 4): string {
  return formatMeanStd(summariseSeeds(values), digits);
}

/** One row per cell: test AUC per head (mean ± std over seeds) and seconds per seed. */
export function aucTable(results: readonly MtlCellResult[], heads: readonly string[]): Record<string, string | number>[] {
  return results.map((r) => ({
    cell: r.label,
    model: r.model,
    weighting: r.weighting,
    ...Object.fromEntries(heads.map((h) => [`${h} AUC`, r.auc[h] ? fmt(r.auc[h]) : "-"])),
    "s / seed": r.wallSecPerSeed.toFixed(1),
  }));
}

/** Per-seed differences a - b (paired by seed index). */
function paired(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired: ${a.length} vs ${b.length} seeds`);
  return a.map((x, i) => x - b[i]);
}

export type TransferRow = {
  cell: string;
  task: string;
  /** mean ± std over seeds of (multi-task AUC - single-task AUC), paired by seed. */
  "Δ AUC vs single-task": string;
  verdict: "positive transfer" | "negative transfer" | "tie (inside spread)";
};

/**
 * Negative-transfer table: for each multi-task cell and task, its AUC minus the single-task
 * model's on that task (same seeds). Verdict by the spread rule on the two AUC samples.
 */
export function negativeTransferRows(results: readonly MtlCellResult[], singleLabel: (task: string) => string, cells: readonly string[], tasks: readonly string[]): TransferRow[] {
  return cells.flatMap((label) =>
    tasks.map((task) => {
      const mt = cellOf(results, label).auc[task];
      const st = cellOf(results, singleLabel(task)).auc[task];
      const c = compareSpread(mt, st);
      const d = meanStd(paired(mt, st));
      return {
        cell: label,
        task,
        "Δ AUC vs single-task": `${d.mean >= 0 ? "+" : ""}${d.mean.toFixed(4)} ± ${d.std.toFixed(4)}`,
        verdict: c.tie ? "tie (inside spread)" : c.diff > 0 ? "positive transfer" : "negative transfer",
      } as TransferRow;
    }),
  );
}

/** Grouped bars of multi-task minus single-task AUC per task (mean ± std of the paired differences). */
export function negativeTransferFigure(results: readonly MtlCellResult[], singleLabel: (task: string) => string, cells: readonly string[], tasks: readonly string[], title: string): Figure {
  const data: Trace[] = cells.map((label, i) => {
    const diffs = tasks.map((t) => meanStd(paired(cellOf(results, label).auc[t], cellOf(results, singleLabel(t)).auc[t])));
    return {
      type: "bar",
      name: label,
      x: [...tasks],
      y: diffs.map((d) => d.mean),
      error_y: { type: "data", array: diffs.map((d) => d.std), visible: true },
      marker: { color: colorAt(i) },
    };
  });
  const layout = baseLayout({ title, xTitle: "task", yTitle: "AUC(multi-task) − AUC(single-task)" });
  Object.assign(layout, {
    barmode: "group",
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#444", width: 1, dash: "dash" } }],
  });
  legendBelow(layout, Math.ceil(cells.length / 3));
  return { data, layout };
}

/** Legend under the plot (figures with many series would otherwise cover the title). */
function legendBelow(layout: Record<string, unknown>, rows: number): void {
  Object.assign(layout, {
    legend: { orientation: "h", yanchor: "top", y: -0.24, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 90 + 28 * rows },
    height: 450 + 28 * rows,
  });
}

function rgba(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Mean and std over seeds of per-seed series on the x values all seeds share. */
function meanSeries(perSeed: { x: number; y: number }[][]): { x: number[]; mean: number[]; std: number[] } {
  const n = Math.min(...perSeed.map((s) => s.length));
  const x: number[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = meanStd(perSeed.map((s) => s[i].y));
    x.push(perSeed[0][i].x);
    mean.push(m.mean);
    std.push(m.std);
  }
  return { x, mean, std };
}

function lineWithBand(name: string, colour: string, s: { x: number[]; mean: number[]; std: number[] }, dash?: string): Trace[] {
  const hi = s.mean.map((m, i) => m + s.std[i]);
  const lo = s.mean.map((m, i) => m - s.std[i]);
  return [
    { type: "scatter", x: [...s.x, ...[...s.x].reverse()], y: [...hi, ...lo.reverse()], fill: "toself", fillcolor: rgba(colour, 0.15), line: { width: 0 }, hoverinfo: "skip", showlegend: false, legendgroup: name },
    { type: "scatter", mode: "lines", name, x: s.x, y: s.mean, line: { color: colour, width: 2, ...(dash ? { dash } : {}) }, legendgroup: name },
  ];
}

/**
 * Gradient conflict over training: cos(g_a, g_b) on the shared parameters for the pair `pair`
 * ("income/marital"), mean over seeds with a ±1 std band, one line per cell.
 */
export function conflictFigure(results: readonly MtlCellResult[], cells: readonly string[], pair: string, title: string): Figure {
  const data: Trace[] = cells.flatMap((label, i) => {
    const r = cellOf(results, label);
    if (r.conflicts.some((c) => c.length === 0)) throw new Error(`conflictFigure: cell ${label} recorded no gradient conflict (conflictEvery = 0?)`);
    return lineWithBand(label, colorAt(i), meanSeries(r.conflicts.map((cs) => cs.map((c) => ({ x: c.step, y: c.cosine[pair] })))));
  });
  const layout = baseLayout({ title, xTitle: "training step", yTitle: `cos(g_${pair.split("/")[0]}, g_${pair.split("/")[1]}) on shared parameters` });
  Object.assign(layout, { shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#444", width: 1, dash: "dash" } }] });
  legendBelow(layout, Math.ceil(cells.length / 3));
  return { data, layout };
}

/** Task weights over training (uncertainty exp(−s_t), GradNorm w_t), mean over seeds ± std, per cell and head. */
export function taskWeightFigure(results: readonly MtlCellResult[], cells: readonly string[], heads: readonly string[], title: string): Figure {
  const data: Trace[] = cells.flatMap((label, i) => {
    const r = cellOf(results, label);
    if (r.taskWeights.some((w) => w.length === 0)) throw new Error(`taskWeightFigure: cell ${label} recorded no task weights (equal or pcgrad weighting?)`);
    return heads.flatMap((h, k) => lineWithBand(`${label} · ${h}`, colorAt(i), meanSeries(r.taskWeights.map((ws) => ws.map((w) => ({ x: w.step, y: w.weights[h] })))), k === 0 ? undefined : "dot"));
  });
  const layout = baseLayout({ title, xTitle: "training step", yTitle: "task weight" });
  legendBelow(layout, Math.ceil((cells.length * heads.length) / 2));
  return { data, layout };
}

/** Share of recorded steps with cos < 0, and the mean cosine, per seed. */
export function conflictStats(r: MtlCellResult, pair: string): { negativeShare: number[]; meanCosine: number[] } {
  return {
    negativeShare: r.conflicts.map((cs) => cs.filter((c) => c.cosine[pair] < 0).length / Math.max(cs.length, 1)),
    meanCosine: r.conflicts.map((cs) => meanStd(cs.map((c) => c.cosine[pair])).mean),
  };
}

// ---------------------------------------------------------------------------------------------
// Scores over a data set and the CVR spaces.

/**
 * Scores of one forward output per row of `ds` (inference mode), e.g. ESMM's internal pCVR:
 * `predictOutput(model, test, (out) => out.internals!.cvr)`. `pick` returns a [B] tensor.
 */
export function predictOutput(model: RecModel, ds: TabularDataset, pick: (out: ForwardOutput, batch: Batch) => tf.Tensor, batchSize = 8192): Float32Array {
  const res = new Float32Array(ds.numRows);
  const F = model.embeddings.numFields;
  const D = model.embeddings.embDim;
  let at = 0;
  for (const batch of batches(ds, { batchSize, shuffle: false })) {
    const B = batch.size;
    const scores = tf.tidy(() => {
      const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, B), [B, F, D]); // [B, F, D]
      const nn = batch.num.length;
      let num: tf.Tensor2D | null = null;
      if (nn > 0) {
        const buf = new Float32Array(B * nn);
        for (let j = 0; j < nn; j++) for (let b = 0; b < B; b++) buf[b * nn + j] = batch.num[j][b];
        num = tf.tensor2d(buf, [B, nn]); // [B, Nn]
      }
      const s = pick(model.forward({ batch, emb, num }, { training: false }), batch);
      if (s.size !== B) throw new Error(`predictOutput: the picked output has ${s.size} values for a batch of ${B}`);
      return s.dataSync() as Float32Array;
    });
    res.set(scores, at);
    at += B;
  }
  return res;
}

/**
 * One inference forward pass on the first `rows` rows of `ds` (a toy batch for the notebook):
 * each head's probability and every internal output, read back as nested arrays.
 */
export function toyForward(model: RecModel, ds: TabularDataset, rows: number): { probs: Record<string, number[]>; internals: Record<string, { shape: number[]; values: number[] }> } {
  const batch = batches(ds, { batchSize: rows, shuffle: false }).next().value as Batch;
  const B = batch.size;
  return tf.tidy(() => {
    const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, B), [B, model.embeddings.numFields, model.embeddings.embDim]); // [B, F, D]
    const nn = batch.num.length;
    const num = nn > 0 ? tf.tensor2d(Float32Array.from({ length: B * nn }, (_, i) => batch.num[i % nn][Math.floor(i / nn)]), [B, nn]) : null; // [B, Nn]
    const out = model.forward({ batch, emb, num }, { training: false });
    return {
      probs: Object.fromEntries(model.heads.map((h, i) => [h, Array.from(tf.sigmoid(out.logits[i]).dataSync())])),
      internals: Object.fromEntries(Object.entries(out.internals ?? {}).map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.dataSync()) }])),
    };
  });
}

/** Probability of head `head` (sigmoid of its logit) per row. */
export function predictHead(model: RecModel, ds: TabularDataset, head: string): Float32Array {
  const h = model.heads.indexOf(head);
  if (h < 0) throw new Error(`predictHead: model ${model.id} has no head "${head}" (heads: ${model.heads.join(", ")})`);
  return predictOutput(model, ds, (out) => tf.sigmoid(out.logits[h]));
}

/** Row ids of `ds` where binary label `label` is 1. */
export function rowsWhere(ds: TabularDataset, label: string): Int32Array {
  const y = ds.labels[labelIndex(ds.schema, label)];
  const rows: number[] = [];
  for (let r = 0; r < ds.numRows; r++) if (y[r] === 1) rows.push(r);
  return Int32Array.from(rows);
}

/** An experiment's data restricted to the rows with `label` = 1 in every split (clicked-only space). */
export function restrictData(data: ExperimentData, label: string): ExperimentData {
  return {
    ...data,
    train: subset(data.train, rowsWhere(data.train, label)),
    valid: subset(data.valid, rowsWhere(data.valid, label)),
    test: subset(data.test, rowsWhere(data.test, label)),
    meta: { id: `${data.meta.id}[${label}=1]`, fingerprint: `${data.meta.fingerprint}[${label}=1]` },
  };
}

/**
 * CVR scores judged in two spaces of the same test rows: `cvrClicked.auc` = AUC(purchase, pCVR)
 * on the clicked rows (where CVR models are usually evaluated) and `cvrEntire.auc` = the same
 * over every exposure (the inference space; non-clicked rows count as non-converted), and
 * `ctcvr.auc` = AUC(purchase, pCTR · pCVR) over every exposure.
 */
export function cvrSpaceMetrics(test: TabularDataset, pCtr: Float32Array, pCvr: Float32Array, labels: { click: string; purchase: string }): Record<string, number> {
  if (pCtr.length !== test.numRows || pCvr.length !== test.numRows) throw new Error(`cvrSpaceMetrics: ${pCtr.length} / ${pCvr.length} scores for ${test.numRows} rows`);
  const click = test.labels[labelIndex(test.schema, labels.click)];
  const buy = test.labels[labelIndex(test.schema, labels.purchase)];
  const clicked = rowsWhere(test, labels.click);
  const ctcvr = pCtr.map((p, i) => p * pCvr[i]);
  for (let r = 0; r < test.numRows; r++) if (buy[r] > click[r]) throw new Error(`cvrSpaceMetrics: row ${r} has ${labels.purchase} = 1 without ${labels.click}`);
  return {
    "cvrClicked.auc": auc(Float32Array.from(clicked, (r) => buy[r]), Float32Array.from(clicked, (r) => pCvr[r])),
    "cvrEntire.auc": auc(buy, pCvr),
    "ctcvr.auc": auc(buy, ctcvr),
  };
}

// ---------------------------------------------------------------------------------------------
// Claims.

/**
 * Per-seed values keyed like the survey's claims: `${label}.${head}.auc` for every cell and head,
 * `${label}.${extraKey}` for extra metrics, `${label}.conflictShare` and `${label}.meanCosine`
 * for cells with conflict records (pair = the first pair recorded).
 */
export function measuredFromCells(results: readonly MtlCellResult[]): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const r of results) {
    for (const [h, v] of Object.entries(r.auc)) m[`${r.label}.${h}.auc`] = v;
    for (const [k, v] of Object.entries(r.extra)) m[`${r.label}.${k}`] = v;
    const first = r.conflicts[0]?.[0];
    if (first) {
      const pair = Object.keys(first.cosine)[0];
      const s = conflictStats(r, pair);
      m[`${r.label}.conflictShare`] = s.negativeShare;
      m[`${r.label}.meanCosine`] = s.meanCosine;
    }
  }
  return m;
}
