/**
 * AutoAssign+ (paper 4) model side, our design (README "Model"): a factorisation machine over one
 * kit dynamic embedding table (src/engine/dynamic-embedding.ts), row = [linear weight, D−1
 * factors], trained row-wise with Adagrad, in plain typed arrays (no tfjs: rows come and go every
 * chunk, and the stream is scored row by row for the agent's counterfactual reward). The
 * assignment policies (which row an id reads) are the methods compared: the baselines here, the
 * Identity Agent in identity-agent.ts. `runStream` drives one policy over one stream through the
 * kit's streaming protocol (src/data/stream.ts) and returns its per-chunk and pooled metrics.
 */
import { DynamicEmbeddingTable } from "../../engine/dynamic-embedding";
import { Rng } from "../../engine/rng";
import { IdCounter, rowClasses, StreamProtocol, type Stream, type StreamLog } from "../../data/stream";
import { auc, logloss } from "../../metrics/binary";

export interface StreamModelConfig {
  /** Row width: 1 linear weight + dim−1 factors. */
  dim: number;
  /** Adagrad learning rate of the rows (the global bias takes plain SGD at the same rate). */
  lr: number;
  batchSize: number;
  /** Passes over each training chunk. */
  epochsPerChunk: number;
  /** Cap on mini-batches per pass (RECREPRO_MAX_STEPS), 0 = none. */
  maxSteps: number;
  initStd: number;
  /** Shared rows per field M (the agent's choices; baselines use row 0 only). */
  sharedPerField: number;
  /** An id seen at most this many times before a test chunk is "low-frequency" there. */
  lowMax: number;
}

/** FM over a dynamic table; `key(field, id)` maps a raw id to the id the table stores (hashing). */
export class StreamFM {
  readonly table: DynamicEmbeddingTable;
  bias = 0;
  constructor(
    readonly fields: number,
    readonly cfg: StreamModelConfig,
    seed: number,
  ) {
    this.table = new DynamicEmbeddingTable({
      name: "ids",
      fields,
      dim: cfg.dim,
      sharedPerField: cfg.sharedPerField,
      initStd: cfg.initStd,
      optimizer: { kind: "adagrad", lr: cfg.lr },
      seed,
    });
  }

  /** Logit of a row given its slots (fields entries); `e` scratch of fields x dim. */
  logit(slots: Int32Array, e: Float32Array, sum: Float64Array): number {
    const D = this.cfg.dim;
    this.table.gather(slots, e);
    sum.fill(0);
    let z = this.bias;
    let sq = 0;
    for (let f = 0; f < slots.length; f++) {
      z += e[f * D];
      for (let k = 1; k < D; k++) {
        const x = e[f * D + k];
        sum[k] += x;
        sq += x * x;
      }
    }
    let ss = 0;
    for (let k = 1; k < D; k++) ss += sum[k] * sum[k];
    return z + 0.5 * (ss - sq);
  }
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const bce = (p: number, y: number) => -(y ? Math.log(Math.max(p, 1e-7)) : Math.log(Math.max(1 - p, 1e-7)));

/** What the runner tells a policy; `slotsOf` fills the slots a row reads under the policy's key map. */
export interface PolicyContext {
  model: StreamFM;
  log: StreamLog;
  /** Counts of (field, raw id) over the chunks trained so far. */
  seen: IdCounter;
  /** Chunk index being handled. */
  chunk: number;
}

/** An assignment policy: which row each id reads, how that changes over the stream. */
export interface AssignmentPolicy {
  name: string;
  /** The id the table stores for (field, raw id): identity, or a hash bucket. */
  key(field: number, id: number): number;
  /** Rows start..end are about to be served (test) or trained: new ids get their first assignment. */
  admit(ctx: PolicyContext, start: number, end: number, phase: "train" | "test"): void;
  /** After training on chunk ctx.chunk (counts include it): re-decide assignments. */
  afterTrain?(ctx: PolicyContext): void;
  /** After scoring test rows start..end (labels now observed): learning signal. */
  afterTest?(ctx: PolicyContext, start: number, end: number): void;
}

export function slotsOfRow(
  model: StreamFM,
  policy: AssignmentPolicy,
  log: StreamLog,
  r: number,
  out: Int32Array,
) {
  const F = log.fields.length;
  for (let f = 0; f < F; f++) out[f] = model.table.slotOf(f, policy.key(f, log.ids[r * F + f]));
}

/** Trains the model on rows start..end (shuffled mini-batches, `epochsPerChunk` passes). */
export function trainRows(
  model: StreamFM,
  policy: AssignmentPolicy,
  log: StreamLog,
  start: number,
  end: number,
  rng: Rng,
): number {
  const F = log.fields.length;
  const D = model.cfg.dim;
  const n = end - start;
  const slots = new Int32Array(F);
  const e = new Float32Array(F * D);
  const sum = new Float64Array(D);
  const B = model.cfg.batchSize;
  let lossSum = 0;
  let count = 0;
  for (let ep = 0; ep < model.cfg.epochsPerChunk; ep++) {
    const order = rng.permutation(n);
    const steps = Math.ceil(n / B);
    const maxSteps = model.cfg.maxSteps > 0 ? Math.min(steps, model.cfg.maxSteps) : steps;
    for (let s = 0; s < maxSteps; s++) {
      const rows = order.subarray(s * B, Math.min(n, (s + 1) * B));
      const bs = new Int32Array(rows.length * F);
      const bg = new Float32Array(rows.length * F * D);
      let gb = 0;
      rows.forEach((o, i) => {
        const r = start + o;
        slotsOfRow(model, policy, log, r, slots);
        const p = sigmoid(model.logit(slots, e, sum));
        const y = log.labels[r];
        lossSum += bce(p, y);
        count++;
        const g = (p - y) / rows.length;
        gb += g;
        for (let f = 0; f < F; f++) {
          bs[i * F + f] = slots[f];
          bg[(i * F + f) * D] = g;
          for (let k = 1; k < D; k++) bg[(i * F + f) * D + k] = g * (sum[k] - e[f * D + k]);
        }
      });
      model.table.applyGradients(bs, bg);
      model.bias -= model.cfg.lr * gb;
    }
  }
  return count ? lossSum / count : NaN;
}

/** Probabilities of rows start..end under the current assignments. */
export function predictRows(
  model: StreamFM,
  policy: AssignmentPolicy,
  log: StreamLog,
  start: number,
  end: number,
): Float64Array {
  const F = log.fields.length;
  const D = model.cfg.dim;
  const slots = new Int32Array(F);
  const e = new Float32Array(F * D);
  const sum = new Float64Array(D);
  const out = new Float64Array(end - start);
  for (let r = start; r < end; r++) {
    slotsOfRow(model, policy, log, r, slots);
    out[r - start] = sigmoid(model.logit(slots, e, sum));
  }
  return out;
}

// ---- baselines ----

/** Unbounded table, random init: every new id gets its own N(0, σ²) row at first sight. */
export function randomInitPolicy(): AssignmentPolicy {
  return {
    name: "random-init",
    key: (_f, id) => id,
    admit({ model, log }, start, end) {
      const F = log.fields.length;
      for (let r = start; r < end; r++)
        for (let f = 0; f < F; f++) model.table.addOwn(f, log.ids[r * F + f], "random");
    },
  };
}

/**
 * One shared default row per field: a new id reads its field's default row (row 0) until it has
 * been trained on `minCount` times; then it gets its own row, a copy of the default (warm start).
 * minCount 1 = "default-row" (unbounded in the end); larger = the min-count threshold rule.
 */
export function thresholdPolicy(
  minCount: number,
  name = minCount <= 1 ? "default-row" : "threshold",
): AssignmentPolicy {
  return {
    name,
    key: (_f, id) => id,
    admit() {},
    afterTrain({ model, log, seen }) {
      const F = log.fields.length;
      for (const [k, n] of seen.counts) {
        if (n < minCount) continue;
        const f = Math.floor(k / 2 ** 31);
        if (f < F) model.table.addOwn(f, k % 2 ** 31, "current");
      }
    },
  };
}

/** Hashing to a fixed size: field f's ids fall into `buckets[f]` own rows (random init). */
export function hashPolicy(buckets: readonly number[]): AssignmentPolicy {
  const key = (f: number, id: number) => {
    let h = (Math.imul(id ^ (f * 0x9e3779b1), 0x85ebca6b) ^ 0x5bd1e995) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) % Math.max(1, buckets[f]);
  };
  return {
    name: "hash",
    key,
    admit({ model, log }, start, end) {
      const F = log.fields.length;
      for (let r = start; r < end; r++)
        for (let f = 0; f < F; f++) model.table.addOwn(f, key(f, log.ids[r * F + f]), "random");
    },
  };
}

// ---- the stream run ----

export interface ChunkPoint {
  chunk: number;
  rows: number;
  auc: number;
  logloss: number;
  coldAuc: number;
  lowAuc: number;
  coldRows: number;
  lowRows: number;
  tableRows: number;
  ownRows: number;
  bytes: number;
  trainLoss: number;
}

export interface StreamRunResult {
  policy: string;
  seed: number;
  /** Pooled over the test chunks from `evalFrom` on: auc, logloss, cold.auc, cold.logloss, low.auc, ..., memory. */
  metrics: Record<string, number>;
  perChunk: ChunkPoint[];
  /** Own rows per field at the end. */
  ownRowsPerField: number[];
  /** Final counts of every (field, id) trained on. */
  seen: IdCounter;
  /** Protocol events (train/test chunk indices in order). */
  events: ["train" | "test", number][];
  wallSec: number;
}

/**
 * Runs one policy over the stream: for t = 0..T−2 train on chunk t, then admit and test chunk t+1.
 * Pooled metrics count the test chunks with index >= `evalFrom` (default 1: all); per-chunk points
 * cover every test chunk.
 */
export function runStream(
  stream: Stream,
  makePolicy: (model: StreamFM) => AssignmentPolicy,
  cfg: StreamModelConfig,
  seed: number,
  opts: { evalFrom?: number } = {},
): StreamRunResult {
  const evalFrom = opts.evalFrom ?? 1;
  const t0 = Date.now();
  const log = stream.log;
  const F = log.fields.length;
  const model = new StreamFM(F, cfg, seed);
  const policy = makePolicy(model);
  const rng = new Rng(seed * 7919 + 1);
  const seen = new IdCounter();
  const proto = new StreamProtocol(stream);
  const perChunk: ChunkPoint[] = [];
  const allY: number[] = [];
  const allP: number[] = [];
  const allC: number[] = [];
  for (let s = proto.step(); s; s = proto.step()) {
    const ctx: PolicyContext = { model, log, seen, chunk: s.t };
    const [a, b] = proto.trainRows(s);
    policy.admit(ctx, a, b, "train");
    const trainLoss = trainRows(model, policy, log, a, b, rng);
    seen.add(log, a, b, s.t);
    policy.afterTrain?.(ctx);
    const [c, d] = proto.testRows(s);
    const cls = rowClasses(log, c, d, seen, cfg.lowMax);
    const tctx: PolicyContext = { model, log, seen, chunk: s.t + 1 };
    policy.admit(tctx, c, d, "test");
    const p = predictRows(model, policy, log, c, d);
    const y = log.labels.subarray(c, d);
    policy.afterTest?.(tctx, c, d);
    model.table.compact();
    const mem = model.table.memory();
    const sub = (k: number) => {
      const ys: number[] = [];
      const ps: number[] = [];
      cls.forEach((v, i) => {
        if (v === k) {
          ys.push(y[i]);
          ps.push(p[i]);
        }
      });
      return { ys, ps };
    };
    const cold = sub(2);
    const low = sub(1);
    perChunk.push({
      chunk: s.test.index,
      rows: d - c,
      auc: auc(y, p),
      logloss: logloss(y, p),
      coldAuc: cold.ys.length ? auc(cold.ys, cold.ps) : NaN,
      lowAuc: low.ys.length ? auc(low.ys, low.ps) : NaN,
      coldRows: cold.ys.length,
      lowRows: low.ys.length,
      tableRows: mem.rows,
      ownRows: mem.ownRows,
      bytes: mem.bytes,
      trainLoss,
    });
    for (let i = 0; i < y.length && s.test.index >= evalFrom; i++) {
      allY.push(y[i]);
      allP.push(p[i]);
      allC.push(cls[i]);
    }
    proto.tested(s);
  }
  const pick = (k: number) => {
    const ys: number[] = [];
    const ps: number[] = [];
    allC.forEach((v, i) => {
      if (v === k) {
        ys.push(allY[i]);
        ps.push(allP[i]);
      }
    });
    return { ys, ps };
  };
  const metrics: Record<string, number> = { auc: auc(allY, allP), logloss: logloss(allY, allP) };
  for (const [k, name] of [
    [0, "warm"],
    [1, "low"],
    [2, "cold"],
  ] as const) {
    const g = pick(k);
    metrics[`${name}.auc`] = g.ys.length ? auc(g.ys, g.ps) : NaN;
    metrics[`${name}.logloss`] = g.ys.length ? logloss(g.ys, g.ps) : NaN;
    metrics[`${name}.rows`] = g.ys.length;
  }
  const last = perChunk[perChunk.length - 1];
  metrics.memBytes = last.bytes;
  metrics.meanMemBytes = perChunk.reduce((s, x) => s + x.bytes, 0) / perChunk.length;
  metrics.tableRows = last.tableRows;
  const own = new Array<number>(F).fill(0);
  for (const [f, , c] of model.table.entries()) if (c >= 0) own[f]++;
  return {
    policy: policy.name,
    seed,
    metrics,
    perChunk,
    ownRowsPerField: own,
    seen,
    events: proto.events,
    wallSec: (Date.now() - t0) / 1000,
  };
}
