/**
 * The TEM4CTR notebook's experiment (notebook 03-tem4ctr, sections "Data", "Train", "Ablation",
 * "C2 under noise"): the per-profile settings, the data sets (two seeded synthetic feedback sets,
 * MovieLens liked/disliked, Taobao UserBehavior, the official sets `alibaba` (Taobao display-ad)
 * and `microvideo` (MicroVideo-1.7M) when their files are present), the grid cells
 * for the kit's one grid runner and the tables the notebook shows.
 *
 * Measured keys `${data}.${label}.auc|logloss` per seed (test split), labels:
 *   dnn, din, din-both, dfn-style, tem4ctr (k = kMax, projection), tem4ctr.k0 / tem4ctr.k1
 *   (window ablation; k0 = the unaligned unclicks), tem4ctr.add (direct addition), and
 *   tem4ctr.L{n} (sequence length); the noise sweep's data sets are `near-noise{p}`.
 */
import * as path from "path";
import type { Dataset } from "../../data/dataset";
import { capRows } from "../../data/dataset";
import {
  TAOBAO_AD_SPLIT_TIME,
  feedbackSamples,
  microvideoFeedbackLog,
  movielensFeedbackLog,
  syntheticFeedbackLog,
  taobaoDisplayAdFeedbackLog,
  taobaoFeedbackLog,
  unclicksName,
  type FeedbackLog,
  type FeedbackSampleOptions,
  type OfficialFeedbackOptions,
} from "../../data/feedback";
import { DataError } from "../../data/errors";
import { getDataset } from "../../data/registry";
import { headBatch, modelInputs } from "../../models/inputs";
import { BASELINES } from "../../models";
import type { ModelIndex } from "../../models/types";
import { tf } from "../../engine/tf";
import { compareSpread, formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import { comparisonRows, runGrid, type CellResult, type GridCell, type SeedContext } from "../../train/grid";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";
import { projectRoot } from "../../util/root";
import { OFFICIAL_LR, TEM4CTR_MODELS, Tem4ctrModel } from "./spec";

/** What a profile sets. */
export interface Tem4ctrSettings {
  /** Click history length L and the largest window (W = 2·kMax unclicks per click). */
  clickLen: number;
  kMax: number;
  /** Windows of the ablation (0 = unaligned). */
  windows: number[];
  /** Users of each synthetic set. */
  syntheticUsers: number;
  /** Epochs on the synthetic sets (their item embeddings must learn the topics from scratch). */
  syntheticEpochs: number;
  /** Registry ids of the real sets. */
  real: { ml1m: string; ml100k: string; taobao: string };
  /** Official sets of the paper (registry ids), used when their files are present. */
  official: string[];
  /** Users kept of each official set (deterministic user-id-hash subsample; memory bound). */
  officialMaxUsers: number;
  /** Row caps per split of the real sets (0 = whole). */
  caps: { train: number; valid: number; test: number };
  /** Train targets per user and label (time split). */
  maxTrainPerUser: number;
  seeds: number[];
  /** Click lengths of the sequence-length ablation (on ml1m). */
  seqLens: number[];
  /** Noise levels of the C2 sweep (share of each aligned unclick replaced by a random item). */
  noiseLevels: number[];
  train: Partial<TrainConfig>;
}

export const PROFILES: Record<Profile, Tem4ctrSettings> = {
  smoke: {
    clickLen: 10,
    kMax: 5,
    windows: [0, 1, 5],
    syntheticUsers: 1000,
    syntheticEpochs: 4,
    real: { ml1m: "movielens-1m-subset", ml100k: "movielens-100k", taobao: "taobao-userbehavior" },
    official: ["taobao-display-ad", "microvideo-1.7m"],
    officialMaxUsers: 5000,
    caps: { train: 1500, valid: 600, test: 1000 },
    maxTrainPerUser: 4,
    seeds: [1, 2],
    seqLens: [3],
    noiseLevels: [0.5, 1],
    train: {
      numEpochs: 2,
      batchSize: 256,
      optimizer: { kind: "adam", lr: OFFICIAL_LR },
      evalEverySteps: 0,
      logEverySteps: 10,
      earlyStopping: { metric: "auc", patience: 1, restoreBest: true },
    },
  },
  paper: {
    clickLen: 30,
    kMax: 5,
    windows: [0, 1, 5],
    syntheticUsers: 20000,
    syntheticEpochs: 1,
    real: { ml1m: "movielens-1m", ml100k: "movielens-100k", taobao: "taobao-userbehavior-full" },
    official: ["taobao-display-ad", "microvideo-1.7m"],
    // ~1.14M users in the Alibaba log; 100k users give ~0.2M samples of 931 ids each (< 1 GB).
    officialMaxUsers: 100_000,
    caps: { train: 0, valid: 0, test: 0 },
    maxTrainPerUser: 20,
    seeds: [1, 2, 3, 4, 5],
    seqLens: [10, 20],
    noiseLevels: [0.25, 0.5, 0.75, 1],
    train: {
      numEpochs: 1,
      batchSize: 256,
      optimizer: { kind: "adam", lr: OFFICIAL_LR },
      evalEverySteps: 100,
      logEverySteps: 100,
      earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
    },
  },
};

export const TRAIN_PRESETS: Partial<Record<Profile, Partial<TrainConfig>>> = Object.fromEntries(
  Object.entries(PROFILES).map(([p, s]) => [p, s.train]),
);

/** Every model the cells may name: the kit's DNN and DIN and the paper's two. */
export const GRID_MODELS: ModelIndex = { dnn: BASELINES.dnn, din: BASELINES.din, ...TEM4CTR_MODELS };

/** One data set of the notebook with what it is. */
export interface FeedbackData {
  name: string;
  /** What the clicks and unclicks are (shown in the data table). */
  what: string;
  data: Dataset;
  log: FeedbackLog;
}

function sampleOptions(s: Tem4ctrSettings, split: "time" | "users" | "date"): FeedbackSampleOptions {
  return {
    clickLen: s.clickLen,
    kMax: s.kMax,
    windows: s.windows,
    split,
    maxTrainPerUser: s.maxTrainPerUser,
    seed: 42,
  };
}

/** A synthetic feedback set: "near" (unclicks carry signal near their click) or "noise" (pure noise). */
export function syntheticData(s: Tem4ctrSettings, kind: "near" | "noise", noise = 0, seed = 7): FeedbackData {
  const log = syntheticFeedbackLog({
    numUsers: s.syntheticUsers,
    k: s.kMax,
    accidentalShare: kind === "near" ? 0.5 : 0,
    noise: kind === "near" ? noise : 1,
    seed,
  });
  const name = kind === "near" ? (noise > 0 ? `near-noise${noise}` : "near") : "noise";
  return {
    name,
    what:
      kind === "near"
        ? `SYNTHETIC: unclicks next to a click say whether it was accidental (noise ${noise})`
        : "SYNTHETIC: unclicks are pure noise; the clicks carry the signal",
    data: feedbackSamples(log, name, sampleOptions(s, "users")),
    log,
  };
}

/** The real feedback sets of the profile, capped. */
export async function realData(s: Tem4ctrSettings): Promise<FeedbackData[]> {
  const out: FeedbackData[] = [];
  const add = (name: string, what: string, log: FeedbackLog) =>
    out.push({
      name,
      what,
      log,
      data: capRows(feedbackSamples(log, name, sampleOptions(s, "time")), s.caps),
    });
  const ml1m = await movielensFeedbackLog(s.real.ml1m);
  add("ml1m", `MovieLens (${ml1m.source})`, ml1m);
  const ml100k = await movielensFeedbackLog(s.real.ml100k);
  add("ml100k", `MovieLens 100K (${ml100k.source})`, ml100k);
  const tb = await taobaoFeedbackLog(s.real.taobao);
  add("taobao", `Taobao UserBehavior (${tb.source})`, tb);
  return out;
}

/** How each official set is read, named and split (the official protocol: split "date"). */
export const OFFICIAL: Record<
  string,
  {
    name: string;
    read: (id: string, opts: OfficialFeedbackOptions) => Promise<FeedbackLog>;
    split: Partial<FeedbackSampleOptions>;
    what: string;
  }
> = {
  "taobao-display-ad": {
    name: "alibaba",
    read: taobaoDisplayAdFeedbackLog,
    split: { split: "date", splitTime: TAOBAO_AD_SPLIT_TIME },
    what: "Taobao display-ad log (official): users active after 2017-05-12 give the test rows (last click, last unclick)",
  },
  "microvideo-1.7m": {
    name: "microvideo",
    read: microvideoFeedbackLog,
    split: { split: "date" },
    what: "MicroVideo-1.7M (official): test_data.csv histories give the test rows (last click, last unclick)",
  },
};

/** Whether all files of official set `id` are in the mirror or the cache (never downloads). */
async function officialPresent(id: string): Promise<boolean> {
  const { resolveFiles } = await import("../../data/fetch");
  try {
    await resolveFiles(getDataset(id), { allowDownload: false });
    return true;
  } catch (err) {
    if (err instanceof DataError && err.code === "MISSING_FILE") return false;
    throw err;
  }
}

/**
 * The official sets whose files are present, read with their loader (at most `officialMaxUsers`
 * users) and split as the official code does (split "date"), capped like the real sets; [] when
 * none is here (`officialStatus` says where to put the files).
 */
export async function officialData(s: Tem4ctrSettings): Promise<FeedbackData[]> {
  const out: FeedbackData[] = [];
  for (const id of s.official) {
    const spec = OFFICIAL[id];
    if (spec === undefined) throw new Error(`no reader for official set ${id} (OFFICIAL in experiment.ts)`);
    if (!(await officialPresent(id))) continue;
    const log = await spec.read(id, { maxUsers: s.officialMaxUsers, allowDownload: false });
    const data = feedbackSamples(log, spec.name, { ...sampleOptions(s, "date"), ...spec.split });
    out.push({ name: spec.name, what: `${spec.what}; ${log.source}`, log, data: capRows(data, s.caps) });
  }
  return out;
}

/** Whether each official data set's files are here; offline without them, where to put them. */
export async function officialStatus(s: Tem4ctrSettings): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for (const id of s.official) {
    const e = getDataset(id);
    if (await officialPresent(id)) {
      rows.push({
        data: id,
        status: "present, loaded",
        note: `read by data.${e.feedback?.reader ?? "?"} as "${OFFICIAL[id]?.name ?? id}" (official split "date", at most ${s.officialMaxUsers} users)`,
      });
      continue;
    }
    rows.push({
      data: id,
      status: "missing",
      note: e.files.map((f) => f.manual ?? f.url).join("; "),
    });
  }
  return rows;
}

/** Data table: rows, positive rate and history lengths per split. */
export function dataTable(sets: readonly FeedbackData[]): Record<string, string | number>[] {
  return sets.map((f) => {
    const d = f.data;
    const rate = (x: Float32Array) => (x.reduce((a, b) => a + b, 0) / Math.max(x.length, 1)).toFixed(3);
    return {
      data: f.name,
      what: f.what,
      users: f.log.userStart.length - 1,
      items: f.log.numItems,
      events: f.log.items.length,
      "click share of events": rate(Float32Array.from(f.log.feedback)),
      train: d.train.numRows,
      valid: d.valid.numRows,
      test: d.test.numRows,
      "test positive rate": rate(d.test.labels[0]),
    };
  });
}

/** The main cells: baselines, TEM4CTR, the window and auxiliary ablations. */
export function mainCells(s: Tem4ctrSettings): GridCell[] {
  const k0 = unclicksName(0);
  const kMax = unclicksName(s.kMax);
  return [
    {
      label: "dnn",
      model: "dnn",
      modelConfig: { hidden: [200, 80], embedding: { optimizer: { lr: OFFICIAL_LR } } },
    },
    { label: "din", model: "din", modelConfig: { embedding: { optimizer: { lr: OFFICIAL_LR } } } },
    {
      label: "din-both",
      model: "din",
      modelConfig: { unclicks: k0, embedding: { optimizer: { lr: OFFICIAL_LR } } },
      baseline: "din",
    },
    { label: "dfn-style", model: "dfn-style", modelConfig: { unclicks: k0 }, baseline: "din" },
    { label: "tem4ctr", model: "tem4ctr", modelConfig: { unclicks: kMax }, baseline: "din" },
    ...ABLATIONS.windows(s).map((k) => ({
      label: `tem4ctr.k${k}`,
      model: "tem4ctr",
      modelConfig: { unclicks: unclicksName(k) },
      baseline: "tem4ctr",
    })),
    {
      label: "tem4ctr.add",
      model: "tem4ctr",
      modelConfig: { unclicks: kMax, aux: "add" },
      baseline: "tem4ctr",
    },
  ];
}

/**
 * Ablations: the window k (0 = unaligned, the others below kMax; kMax is the main cell), the way
 * the unclick summary enters (projection = main, "add", "none" = the DIN cell), sequence length.
 */
export const ABLATIONS = {
  windows: (s: Tem4ctrSettings): number[] => s.windows.filter((k) => k !== s.kMax),
  aux: ["projection", "add", "none"] as const,
  seqLen: (s: Tem4ctrSettings): GridCell[] =>
    s.seqLens.flatMap((n) => [
      {
        label: `tem4ctr.L${n}`,
        model: "tem4ctr",
        modelConfig: { unclicks: unclicksName(s.kMax), seqLen: n },
        baseline: "tem4ctr",
      },
      {
        label: `din.L${n}`,
        model: "din",
        modelConfig: { seqLen: n, embedding: { optimizer: { lr: OFFICIAL_LR } } },
        baseline: "din",
      },
    ]),
};

/** The noise sweep's cells: click-only DIN, TEM4CTR with projection, TEM4CTR with direct addition. */
export function noiseCells(s: Tem4ctrSettings): GridCell[] {
  const kMax = unclicksName(s.kMax);
  return [
    { label: "din", model: "din", modelConfig: { embedding: { optimizer: { lr: OFFICIAL_LR } } } },
    { label: "tem4ctr", model: "tem4ctr", modelConfig: { unclicks: kMax }, baseline: "din" },
    {
      label: "tem4ctr.add",
      model: "tem4ctr",
      modelConfig: { unclicks: kMax, aux: "add" },
      baseline: "tem4ctr",
    },
  ];
}

/** Keeps one user's aligned-window attention (step 1) of the last seed's model (the heatmap). */
export function inspect(s: SeedContext): Record<string, unknown> | void {
  if (!(s.model instanceof Tem4ctrModel) || s.model.temConfig.aux === "none") return;
  const ds = s.data.test;
  const batch = headBatch(ds, Math.min(64, ds.numRows));
  const out = tf.tidy(() => {
    const { emb, num } = modelInputs(s.model, batch);
    const o = s.model.forward({ batch, emb, num }, { training: false });
    const w = o.internals!.alignWeights;
    return { shape: w.shape, values: Array.from(w.dataSync()) };
  });
  // The row with the most valid aligned unclicks.
  const [B, L, W] = out.shape;
  let best = 0;
  let bestN = -1;
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let i = 0; i < L * W; i++) if (out.values[b * L * W + i] > 0) n++;
    if (n > bestN) {
      bestN = n;
      best = b;
    }
  }
  return {
    alignWeights: Array.from({ length: L }, (_, i) =>
      out.values.slice((best * L + i) * W, (best * L + i + 1) * W),
    ),
    row: best,
    label: batch.labels[0][best],
  };
}

async function grid(
  data: FeedbackData,
  cells: GridCell[],
  s: Tem4ctrSettings,
  profile: Profile,
  verbose: boolean,
): Promise<CellResult[]> {
  return runGrid({
    paper: "tem4ctr",
    models: GRID_MODELS,
    dataName: data.name,
    data: data.data,
    cells: data.data.schema.synthetic
      ? cells.map((c) => ({ ...c, trainConfig: { ...c.trainConfig, numEpochs: s.syntheticEpochs } }))
      : cells,
    seeds: s.seeds,
    presets: TRAIN_PRESETS,
    profile,
    verbose,
    inspect,
  });
}

/** The main grid on every data set (synthetic and real); the noise set gets the C2 cells only. */
export async function runMain(sets: readonly FeedbackData[], profile: Profile): Promise<CellResult[]> {
  const s = PROFILES[profile];
  const out: CellResult[] = [];
  for (const [i, d] of sets.entries()) {
    const cells = d.name === "noise" ? noiseCells(s) : mainCells(s);
    out.push(...(await grid(d, cells, s, profile, i === 0)));
  }
  return out;
}

/** The sequence-length ablation on one data set. */
export function runSeqLen(d: FeedbackData, profile: Profile): Promise<CellResult[]> {
  const s = PROFILES[profile];
  return grid(d, ABLATIONS.seqLen(s), s, profile, false);
}

/** The C2 sweep: the near set with increasing shares of its aligned unclicks replaced by noise. */
export async function runNoiseSweep(profile: Profile): Promise<CellResult[]> {
  const s = PROFILES[profile];
  const out: CellResult[] = [];
  for (const p of s.noiseLevels)
    out.push(...(await grid(syntheticData(s, "near", p), noiseCells(s), s, profile, false)));
  return out;
}

/** The comparison table (AUC mean ± std, difference to the reference cell, tie when inside the spread). */
export function comparisonTable(results: readonly CellResult[]): Record<string, string | number>[] {
  return comparisonRows(results, { perGroup: false });
}

/** Claim-shaped pair table: per data set, a − b (mean over seeds, paired), and whether it is a tie. */
export function pairRows(
  results: readonly CellResult[],
  pairs: readonly [string, string][],
): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  const datas = [...new Set(results.map((r) => r.data))];
  for (const d of datas)
    for (const [a, b] of pairs) {
      const ra = results.find((r) => r.data === d && r.label === a);
      const rb = results.find((r) => r.data === d && r.label === b);
      if (!ra || !rb) continue;
      const c = compareSpread(ra.metrics.auc, rb.metrics.auc);
      rows.push({
        data: d,
        comparison: `${a} − ${b}`,
        [a]: formatMeanStd(summariseSeeds(ra.metrics.auc)),
        [b]: formatMeanStd(summariseSeeds(rb.metrics.auc)),
        ΔAUC: c.diff.toFixed(4),
        verdict: c.tie ? "tie (inside spread)" : c.diff > 0 ? "holds" : "reversed",
      });
    }
  return rows;
}

export function recordPaths(results: readonly CellResult[]): string[] {
  return results.map((r) => path.relative(projectRoot(), r.recordPath));
}
