/**
 * The AutoAssign+ notebook's experiment (notebook 04-autoassign): per-profile settings, the stream
 * loaders (MovieLens by timestamp, Avazu by hour / file order, the synthetic drift stream), the
 * cells and ABLATIONS, and the stream runner `runStreamGrid`.
 *
 * runGrid (src/train/grid.ts) trains a tfjs ModelSpec on fixed train/valid/test splits; a stream
 * of chunks with a table that grows and shrinks does not fit it, so this runner sits beside it and
 * reuses its result shape and key scheme: measured key = `${data}.${label}.${metric}`, per seed,
 * read by `rr.train.measured`, with a run record per cell under figures/autoassign-plus/<runId>/
 * (`cell` and `seedMetrics` as runGrid's records, so `measuredFromRecords` reads them back).
 * Metrics per cell: auc, logloss, {warm,low,cold}.{auc,logloss,rows}, memBytes (real buffers at the
 * end), meanMemBytes, tableRows, memRatio (memBytes over random-init's, same seed).
 */
import * as fs from "fs";
import * as readline from "readline";
import * as zlib from "zlib";
import * as path from "path";
import { DataError } from "../../data/errors";
import { resolveFiles } from "../../data/fetch";
import { getDataset } from "../../data/registry";
import { resolveFilesOrStandIn } from "../../data/stand-in";
import {
  driftStream,
  makeStream,
  type DriftStreamOptions,
  type Stream,
  type StreamLog,
} from "../../data/stream";
import { loadRatingLog } from "../../data/loaders/movielens-ratings";
import { envInteger } from "../../engine/env";
import { maxRowsFromEnv, seedsFromEnv } from "../../train/experiment";
import { compareSpread, formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import { writeJsonAtomic } from "../../util/fs";
import { profile as currentProfile, type Profile } from "../../util/profile";
import { projectRoot } from "../../util/root";
import { ActorCritic } from "./agent";
import { identityAgentPolicy, type AgentConfig, type AgentLog } from "./identity-agent";
import {
  hashPolicy,
  randomInitPolicy,
  runStream,
  thresholdPolicy,
  type ChunkPoint,
  type StreamModelConfig,
  type StreamRunResult,
} from "./spec";

export const PAPER_ID = "autoassign-plus";

export interface StreamDataSpec {
  /** Registry id, or "synthetic". */
  source: string;
  /** Chunks the stream is cut into. */
  chunks: number;
  /** First rows (in time order) kept; 0 = all. */
  maxRows: number;
}

export interface AutoAssignSettings {
  data: Record<string, StreamDataSpec>;
  synthetic: Omit<DriftStreamOptions, "seed">;
  seeds: number[];
  model: StreamModelConfig;
  agent: AgentConfig;
  /** Warm-up episodes of the agent over the first `warmupChunks` chunks before the evaluated run. */
  warmupEpisodes: number;
  /** Fraction of the chunks in the warm-up prefix; metrics count only later test chunks. */
  warmupFraction: number;
  /** Data sets the ablations run on. */
  ablationData: string[];
}

const MODEL: StreamModelConfig = {
  dim: 9,
  lr: 0.1,
  batchSize: 64,
  epochsPerChunk: 2,
  maxSteps: 0,
  initStd: 0.05,
  sharedPerField: 4,
  lowMax: 5,
};
const AGENT: AgentConfig = {
  memoryPenalty: 0.002,
  hidden: 16,
  actorLr: 0.01,
  criticLr: 0.01,
  entropy: 0.01,
  updateEpochs: 4,
  staleAfter: 2,
};

export const PROFILES: Record<Profile, AutoAssignSettings> = {
  smoke: {
    data: {
      synthetic: { source: "synthetic", chunks: 12, maxRows: 0 },
      ml100k: { source: "movielens-100k", chunks: 10, maxRows: 30000 },
      ml1m: { source: "movielens-1m-subset", chunks: 10, maxRows: 30000 },
      avazu: { source: "avazu-9k", chunks: 8, maxRows: 0 },
    },
    synthetic: { chunks: 12, rowsPerChunk: 2000, users: 200, items: 300, newItemsPerChunk: 60 },
    seeds: [1, 2, 3],
    model: MODEL,
    agent: AGENT,
    warmupEpisodes: 4,
    warmupFraction: 0.5,
    ablationData: ["synthetic"],
  },
  paper: {
    data: {
      synthetic: { source: "synthetic", chunks: 20, maxRows: 0 },
      ml100k: { source: "movielens-100k", chunks: 20, maxRows: 0 },
      ml1m: { source: "movielens-1m", chunks: 20, maxRows: 0 },
      avazu: { source: "avazu-kaggle", chunks: 20, maxRows: 2_000_000 },
    },
    synthetic: { chunks: 20, rowsPerChunk: 20000, users: 2000, items: 3000, newItemsPerChunk: 400 },
    seeds: [1, 2, 3, 4, 5],
    model: { ...MODEL, dim: 17 },
    agent: AGENT,
    warmupEpisodes: 5,
    warmupFraction: 0.5,
    ablationData: ["synthetic", "ml1m"],
  },
};

/** Settings of the current profile with the environment layer (seeds, epochs, steps). */
export function settings(prof: Profile = currentProfile()): AutoAssignSettings {
  const s = PROFILES[prof];
  const epochs = envInteger("RECREPRO_EPOCHS", 0, { min: 1 });
  const steps = envInteger("RECREPRO_MAX_STEPS", 0, { min: 1 });
  return {
    ...s,
    seeds: seedsFromEnv() ?? s.seeds,
    model: {
      ...s.model,
      epochsPerChunk: epochs || s.model.epochsPerChunk,
      maxSteps: steps || s.model.maxSteps,
    },
  };
}

// ---- loaders ----

/** MovieLens ratings as a stream: fields user, item; label rating >= 4; time = timestamp. */
async function movielensLog(name: string, id: string): Promise<StreamLog> {
  if (id === "movielens-100k") {
    const [f] = await resolveFiles(getDataset(id), {}, ["ratings"]);
    const lines = fs
      .readFileSync(f.path, "utf8")
      .split(/\r?\n/)
      .filter((l) => l.length > 0);
    const n = lines.length;
    const ids = new Int32Array(n * 2);
    const labels = new Uint8Array(n);
    const time = new Float64Array(n);
    lines.forEach((l, i) => {
      const p = l.split("\t");
      if (p.length < 4 || p.slice(0, 4).some((x) => !/^\d+$/.test(x)))
        throw new DataError("BAD_ROW", `${f.path}:${i + 1}: expected user\\titem\\trating\\ttimestamp`, {
          file: f.path,
          line: i + 1,
        });
      ids[i * 2] = Number(p[0]);
      ids[i * 2 + 1] = Number(p[1]);
      labels[i] = Number(p[2]) >= 4 ? 1 : 0;
      time[i] = Number(p[3]);
    });
    return { name, source: id, fields: ["user", "item"], ids, labels, time };
  }
  const r = await loadRatingLog(id);
  const n = r.users.length;
  const ids = new Int32Array(n * 2);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    ids[i * 2] = r.users[i];
    ids[i * 2 + 1] = r.items[i];
    labels[i] = r.stars[i] >= 4 ? 1 : 0;
  }
  return {
    name,
    source: r.source,
    fields: ["user", "item"],
    ids,
    labels,
    time: Float64Array.from(r.timestamps),
  };
}

/**
 * Avazu as a stream: the 21 categorical columns (all but id, click, hour) as fields, ids by first
 * appearance per field; time = hour·1e7 + row number (the 9k sample is one hour: then file order).
 * Reads at most `maxRows` rows (0 = all) of train (the sample: train, dev, test in that order).
 */
async function avazuLog(name: string, id: string, maxRows: number): Promise<StreamLog> {
  const { files, source } = await resolveFilesOrStandIn(id, (e) =>
    e.id === id ? (id === "avazu-kaggle" ? ["train"] : ["train", "dev", "test"]) : e.files.map((f) => f.name),
  );
  const fields: string[] = [];
  const dicts: Map<string, number>[] = [];
  const ids: number[] = [];
  const labels: number[] = [];
  const time: number[] = [];
  let header: string[] | null = null;
  for (const f of files) {
    const input = fs.createReadStream(f.path);
    const rl = readline.createInterface({
      input: f.path.endsWith(".gz") ? input.pipe(zlib.createGunzip()) : input,
    });
    let line = 0;
    for await (const l of rl) {
      line++;
      if (!l) continue;
      const p = l.split(",");
      if (p[1] === "click") {
        header = p;
        continue;
      }
      if (!header) {
        header = ["id", "click", "hour", ...Array.from({ length: p.length - 3 }, (_, k) => `c${k}`)];
      }
      if (p.length !== header.length || (p[1] !== "0" && p[1] !== "1"))
        throw new DataError(
          "BAD_ROW",
          `${f.path}:${line}: expected ${header.length} columns with click 0/1`,
          {
            file: f.path,
            line,
          },
        );
      if (fields.length === 0)
        header.slice(3).forEach((h) => {
          fields.push(h);
          dicts.push(new Map());
        });
      for (let k = 0; k < fields.length; k++) {
        const d = dicts[k];
        const v = p[k + 3];
        let x = d.get(v);
        if (x === undefined) d.set(v, (x = d.size));
        ids.push(x);
      }
      labels.push(Number(p[1]));
      time.push(Number(p[2]) * 1e7 + labels.length);
      if (maxRows > 0 && labels.length >= maxRows) break;
    }
    rl.close();
    input.destroy();
    if (maxRows > 0 && labels.length >= maxRows) break;
  }
  return {
    name,
    source,
    fields,
    ids: Int32Array.from(ids),
    labels: Uint8Array.from(labels),
    time: Float64Array.from(time),
  };
}

/** First `n` rows of a log in time order (n <= 0: all). */
function headRows(log: StreamLog, n: number): StreamLog {
  const order = Array.from({ length: log.labels.length }, (_, i) => i).sort(
    (a, b) => log.time[a] - log.time[b] || a - b,
  );
  const keep = n > 0 ? order.slice(0, n) : order;
  const F = log.fields.length;
  const ids = new Int32Array(keep.length * F);
  keep.forEach((r, i) => ids.set(log.ids.subarray(r * F, r * F + F), i * F));
  return {
    ...log,
    ids,
    labels: Uint8Array.from(keep, (r) => log.labels[r]),
    time: Float64Array.from(keep, (r) => log.time[r]),
  };
}

/** The stream of data set `name` under the settings (RECREPRO_MAX_ROWS caps it further). */
export async function loadStream(
  name: string,
  s: AutoAssignSettings = settings(),
  seed = 1,
): Promise<Stream> {
  const spec = s.data[name];
  if (!spec)
    throw new Error(`autoassign-plus: no data set "${name}" (have ${Object.keys(s.data).join(", ")})`);
  const cap = maxRowsFromEnv();
  const maxRows = cap ? (spec.maxRows > 0 ? Math.min(cap, spec.maxRows) : cap) : spec.maxRows;
  let log: StreamLog;
  if (spec.source === "synthetic") log = driftStream({ ...s.synthetic, seed });
  else if (spec.source.startsWith("movielens")) log = await movielensLog(name, spec.source);
  else if (spec.source.startsWith("avazu")) log = await avazuLog(name, spec.source, maxRows);
  else throw new Error(`autoassign-plus: unknown source ${spec.source}`);
  log = headRows(log, maxRows);
  if (cap) log.source += ` (RECREPRO_MAX_ROWS=${cap})`;
  return makeStream(log, { chunks: Math.min(spec.chunks, Math.max(2, Math.floor(log.labels.length / 16))) });
}

// ---- cells ----

export type CellKind = "random-init" | "default-row" | "autoassign" | "threshold" | "hash";

export interface StreamCell {
  label: string;
  kind: CellKind;
  /** Agent settings over the profile's (ablations). */
  agent?: Partial<AgentConfig>;
  /** Model settings over the profile's (ablations: sharedPerField). */
  model?: Partial<StreamModelConfig>;
  /** threshold / hash: the cell whose end-of-stream memory they match (same seed). */
  matchMemoryOf?: string;
}

export const CELLS: StreamCell[] = [
  { label: "random-init", kind: "random-init" },
  { label: "default-row", kind: "default-row" },
  { label: "autoassign", kind: "autoassign" },
  { label: "threshold", kind: "threshold", matchMemoryOf: "autoassign" },
  { label: "hash", kind: "hash", matchMemoryOf: "autoassign" },
];

/** Ablations of the agent (run on `ablationData`). */
export const ABLATIONS: StreamCell[] = [
  { label: "autoassign.M1", kind: "autoassign", model: { sharedPerField: 1 } },
  { label: "autoassign.no-evict", kind: "autoassign", agent: { noEvict: true } },
  { label: "autoassign.no-penalty", kind: "autoassign", agent: { memoryPenalty: 0 } },
  { label: "autoassign.no-warmup", kind: "autoassign", agent: { warmup: false } },
];

/** What one cell measured (runGrid's CellResult fields that apply). */
export interface StreamCellResult {
  data: string;
  label: string;
  model: string;
  seeds: number[];
  metrics: Record<string, number[]>;
  /** Per seed, per test chunk. */
  perChunk: ChunkPoint[][];
  /** Agent cells: the last seed's decision log. */
  agentLog: AgentLog | null;
  /** threshold: min count per seed; hash: buckets per field per seed. */
  matched: unknown[];
  wallSecPerSeed: number;
  recordPath: string;
  /** First test chunk counted in the pooled metrics. */
  evalFrom: number;
}

/** The smallest k >= 2 whose #ids with count >= k is closest to `target` own rows. */
export function matchThreshold(counts: Iterable<number>, target: number): number {
  const c = [...counts].sort((a, b) => b - a);
  let best = 2;
  let bestErr = Infinity;
  for (let k = 2; k <= (c[0] ?? 2) + 1; k++) {
    let n = 0;
    while (n < c.length && c[n] >= k) n++;
    const err = Math.abs(n - target);
    if (err < bestErr) [best, bestErr] = [k, err];
  }
  return best;
}

function runAgent(
  stream: Stream,
  model: StreamModelConfig,
  agent: AgentConfig,
  s: AutoAssignSettings,
  seed: number,
  evalFrom: number,
): { run: StreamRunResult; log: AgentLog } {
  let ac: ActorCritic | undefined;
  if (agent.warmup !== false && evalFrom > 1) {
    // warm-up episodes over the prefix (chunks 0..evalFrom−1): only data before the evaluated window
    const prefix: Stream = { log: stream.log, chunks: stream.chunks.slice(0, evalFrom) };
    for (let ep = 0; ep < s.warmupEpisodes; ep++)
      runStream(
        prefix,
        (m) => {
          const p = identityAgentPolicy(m, agent, seed + 1000 * ep, ac);
          ac = p.agent;
          return p;
        },
        model,
        seed + 1000 * (ep + 1),
      );
  }
  let log: AgentLog | null = null;
  const run = runStream(
    stream,
    (m) => {
      const p = identityAgentPolicy(m, agent, seed, ac);
      log = p.log;
      return p;
    },
    model,
    seed,
    { evalFrom },
  );
  return { run, log: log! };
}

export interface StreamGridOptions {
  dataName: string;
  /** Stream per seed (the synthetic one is drawn per seed; real ones are the same every seed). */
  stream: (seed: number) => Promise<Stream> | Stream;
  cells: readonly StreamCell[];
  settings?: AutoAssignSettings;
  figuresDir?: string;
  onCell?: (r: StreamCellResult) => void;
}

/** Runs every cell over every seed; matched cells use the same seed's result of their reference. */
export async function runStreamGrid(o: StreamGridOptions): Promise<StreamCellResult[]> {
  const s = o.settings ?? settings();
  const prof = currentProfile();
  const out: StreamCellResult[] = [];
  const bySeed = new Map<string, StreamRunResult>(); // `${label}|${seed}`
  const streams = new Map<number, Stream>();
  for (const seed of s.seeds) streams.set(seed, await o.stream(seed));
  for (const cell of o.cells) {
    const metrics: Record<string, number[]> = {};
    const perChunk: ChunkPoint[][] = [];
    const matched: unknown[] = [];
    let agentLog: AgentLog | null = null;
    let wall = 0;
    let evalFrom = 1;
    for (const seed of s.seeds) {
      const stream = streams.get(seed)!;
      evalFrom = Math.max(1, Math.round((stream.chunks.length - 1) * s.warmupFraction));
      const model = { ...s.model, ...(cell.model ?? {}) };
      const agentCfg = { ...s.agent, ...(cell.agent ?? {}) };
      let run: StreamRunResult;
      if (cell.kind === "random-init")
        run = runStream(stream, () => randomInitPolicy(), model, seed, { evalFrom });
      else if (cell.kind === "default-row")
        run = runStream(stream, () => thresholdPolicy(1), model, seed, { evalFrom });
      else if (cell.kind === "autoassign") {
        const r = runAgent(stream, model, agentCfg, s, seed, evalFrom);
        run = r.run;
        agentLog = r.log;
      } else {
        const ref = bySeed.get(`${cell.matchMemoryOf}|${seed}`);
        if (!ref)
          throw new Error(
            `autoassign-plus: cell ${cell.label} matches ${cell.matchMemoryOf}, which has not run`,
          );
        if (cell.kind === "threshold") {
          const k = matchThreshold(
            ref.seen.counts.values(),
            ref.metrics.tableRows - ref.ownRowsPerField.length * model.sharedPerField,
          );
          matched.push(k);
          run = runStream(stream, () => thresholdPolicy(k), { ...model, sharedPerField: 1 }, seed, {
            evalFrom,
          });
        } else {
          const buckets = ref.ownRowsPerField.map((x) => Math.max(1, x));
          matched.push(buckets);
          run = runStream(stream, () => hashPolicy(buckets), { ...model, sharedPerField: 1 }, seed, {
            evalFrom,
          });
        }
      }
      bySeed.set(`${cell.label}|${seed}`, run);
      wall += run.wallSec;
      perChunk.push(run.perChunk);
      for (const [k, v] of Object.entries(run.metrics)) (metrics[k] ??= []).push(v);
      const base = bySeed.get(`random-init|${seed}`);
      if (base) (metrics.memRatio ??= []).push(run.metrics.memBytes / base.metrics.memBytes);
    }
    const runId = `${o.dataName}-${cell.label}-${prof}`.replace(/[^A-Za-z0-9_.-]+/g, "-");
    const dir = o.figuresDir ?? path.join(projectRoot(), "figures", PAPER_ID);
    const recordPath = path.join(dir, runId, "run.json");
    const stream0 = streams.get(s.seeds[0])!;
    writeJsonAtomic(recordPath, {
      schemaVersion: 1,
      paper: PAPER_ID,
      model: cell.kind,
      runId,
      cell: { data: o.dataName, label: cell.label, heads: ["label"] },
      profile: prof,
      seeds: s.seeds,
      config: {
        model: { ...s.model, ...(cell.model ?? {}) },
        agent: { ...s.agent, ...(cell.agent ?? {}) },
        cell,
        evalFrom,
      },
      data: {
        id: stream0.log.source,
        rows: stream0.log.labels.length,
        fields: stream0.log.fields,
        chunks: stream0.chunks.map((c) => [c.start, c.end]),
      },
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
      ),
      seedMetrics: metrics,
      perChunk,
      matched,
      agentLog,
      wallSec: wall,
      notes: [
        `stream cell ${cell.label} on ${o.dataName} (runStreamGrid, src/papers/autoassign-plus/experiment.ts)`,
      ],
    });
    const r: StreamCellResult = {
      data: o.dataName,
      label: cell.label,
      model: cell.kind,
      seeds: [...s.seeds],
      metrics,
      perChunk,
      agentLog,
      matched,
      wallSecPerSeed: wall / s.seeds.length,
      recordPath: path.relative(projectRoot(), recordPath),
      evalFrom,
    };
    out.push(r);
    o.onCell?.(r);
  }
  return out;
}

/** Runs the main cells (and the ablations where configured) on every data set of the profile. */
export async function runAll(
  s: AutoAssignSettings = settings(),
  names = Object.keys(s.data),
): Promise<StreamCellResult[]> {
  const out: StreamCellResult[] = [];
  for (const name of names) {
    const real = s.data[name].source === "synthetic" ? null : await loadStream(name, s);
    const t0 = Date.now();
    const cells = s.ablationData.includes(name) ? [...CELLS, ...ABLATIONS] : CELLS;
    const res = await runStreamGrid({
      dataName: name,
      stream: (seed) => real ?? loadStream(name, s, seed),
      cells,
      settings: s,
    });
    console.log(
      `${name}: ${cells.length} cells x ${s.seeds.length} seeds in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    out.push(...res);
  }
  return out;
}

const fmt = (v: number[] | undefined, d = 4) => (v && v.length ? formatMeanStd(summariseSeeds(v), d) : "—");

/** The results table: AUC / log loss overall, cold, low; memory; ΔAUC vs random-init with the tie rule. */
export function resultRows(results: readonly StreamCellResult[]): Record<string, string | number>[] {
  return results.map((r) => {
    const ref = results.find((x) => x.data === r.data && x.label === "random-init");
    let d = "—";
    if (ref && ref !== r) {
      const c = compareSpread(r.metrics.auc, ref.metrics.auc);
      d = `${c.diff >= 0 ? "+" : ""}${c.diff.toFixed(4)}${c.tie ? " (inside spread)" : ""}`;
    }
    return {
      data: r.data,
      cell: r.label,
      AUC: fmt(r.metrics.auc),
      logloss: fmt(r.metrics.logloss),
      "cold AUC": fmt(r.metrics["cold.auc"]),
      "low AUC": fmt(r.metrics["low.auc"]),
      "warm AUC": fmt(r.metrics["warm.auc"]),
      "KiB (end)": fmt(
        r.metrics.memBytes?.map((x) => x / 1024),
        1,
      ),
      "mem / random-init": fmt(r.metrics.memRatio, 3),
      "ΔAUC vs random-init": d,
      matched: r.matched.length ? JSON.stringify(r.matched[0]) : "",
      "s / seed": r.wallSecPerSeed.toFixed(1),
    };
  });
}
