/**
 * Streaming protocol (AutoAssign+, paper 4; any streaming-recommendation paper): a log of
 * categorical rows with a time stamp, cut into time-ordered chunks; a method trains on chunk t
 * and is tested on chunk t+1, never on anything later. New ids keep appearing; per test chunk
 * each (field, id) is classed from the counts of the chunks before it:
 *   cold  = never seen in chunks 0..t,
 *   low   = seen 1..lowMax times in chunks 0..t,
 *   warm  = seen more often.
 * A row is "cold" when any of its id fields is cold, else "low" when any is low, else "warm".
 *
 * `StreamProtocol` hands out the chunks in order and refuses to hand out a chunk's training rows
 * before the test of every earlier chunk (so a method can never train on a later chunk); it keeps
 * the log of what was trained and tested, which the tests check.
 */
import { Rng } from "../engine/rng";

/** A categorical log in time order (or to be sorted): ids row-major, rows x fields. */
export interface StreamLog {
  /** Name in keys and errors ("ml100k", "avazu"). */
  name: string;
  /** Where the rows came from (registry id, "STAND-IN", "synthetic seed 1"). */
  source: string;
  fields: string[];
  /** rows x fields integer ids in [0, 2^31). */
  ids: Int32Array;
  labels: Uint8Array;
  /** Time stamp per row (seconds, hours or chunk numbers; only the order matters). */
  time: Float64Array;
}

export interface StreamChunk {
  index: number;
  /** First row (in the sorted log) and one past the last. */
  start: number;
  end: number;
  timeFrom: number;
  timeTo: number;
}

export interface Stream {
  log: StreamLog;
  chunks: StreamChunk[];
}

export const ROW_CLASSES = ["warm", "low", "cold"] as const;
export type RowClass = (typeof ROW_CLASSES)[number];

function checkLog(log: StreamLog): number {
  const F = log.fields.length;
  const n = log.labels.length;
  if (F === 0) throw new Error(`stream ${log.name}: no fields`);
  if (n === 0) throw new Error(`stream ${log.name}: no rows`);
  if (log.ids.length !== n * F)
    throw new Error(
      `stream ${log.name}: ids has ${log.ids.length} entries, expected rows x fields = ${n * F}`,
    );
  if (log.time.length !== n)
    throw new Error(`stream ${log.name}: time has ${log.time.length} rows, labels ${n}`);
  for (let i = 0; i < n; i++) {
    if (log.labels[i] > 1)
      throw new Error(`stream ${log.name}: label of row ${i} is ${log.labels[i]}, not 0/1`);
    if (!Number.isFinite(log.time[i])) throw new Error(`stream ${log.name}: time of row ${i} is not finite`);
  }
  return n;
}

/** The log sorted by time (stable: equal times keep their order). */
export function sortByTime(log: StreamLog): StreamLog {
  const n = checkLog(log);
  const F = log.fields.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => log.time[a] - log.time[b] || a - b);
  const ids = new Int32Array(n * F);
  const labels = new Uint8Array(n);
  const time = new Float64Array(n);
  order.forEach((r, i) => {
    ids.set(log.ids.subarray(r * F, r * F + F), i * F);
    labels[i] = log.labels[r];
    time[i] = log.time[r];
  });
  return { ...log, ids, labels, time };
}

/**
 * Cuts a log into time-ordered chunks. `count`: that many chunks of (nearly) equal rows, a cut never
 * splitting rows of one time stamp when `byTime` is set (then chunks may be unequal; empty ones
 * are dropped). The log is sorted first.
 */
export function makeStream(log: StreamLog, o: { chunks: number; byTime?: boolean }): Stream {
  if (!Number.isInteger(o.chunks) || o.chunks < 2)
    throw new Error(`stream ${log.name}: chunks must be an integer >= 2 (got ${o.chunks})`);
  const sorted = sortByTime(log);
  const n = sorted.labels.length;
  if (n < o.chunks) throw new Error(`stream ${log.name}: ${n} rows cannot make ${o.chunks} chunks`);
  const bounds = [0];
  for (let c = 1; c < o.chunks; c++) {
    let b = Math.round((c * n) / o.chunks);
    if (o.byTime) while (b < n && b > 0 && sorted.time[b] === sorted.time[b - 1]) b++;
    bounds.push(Math.max(b, bounds[bounds.length - 1]));
  }
  bounds.push(n);
  const chunks: StreamChunk[] = [];
  for (let c = 0; c + 1 < bounds.length; c++) {
    const [s, e] = [bounds[c], bounds[c + 1]];
    if (e > s)
      chunks.push({
        index: chunks.length,
        start: s,
        end: e,
        timeFrom: sorted.time[s],
        timeTo: sorted.time[e - 1],
      });
  }
  if (chunks.length < 2) throw new Error(`stream ${log.name}: fewer than 2 non-empty chunks`);
  return { log: sorted, chunks };
}

/** Count of each (field, id) key: field·2^31 + id (as `idKey` of the dynamic table). */
export class IdCounter {
  readonly counts = new Map<number, number>();
  readonly lastSeen = new Map<number, number>();
  count(field: number, id: number): number {
    return this.counts.get(field * 2 ** 31 + id) ?? 0;
  }
  last(field: number, id: number): number {
    return this.lastSeen.get(field * 2 ** 31 + id) ?? -1;
  }
  /** Adds rows start..end of `log` seen in chunk `chunk`. */
  add(log: StreamLog, start: number, end: number, chunk: number): void {
    const F = log.fields.length;
    for (let r = start; r < end; r++)
      for (let f = 0; f < F; f++) {
        const k = f * 2 ** 31 + log.ids[r * F + f];
        this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
        this.lastSeen.set(k, chunk);
      }
  }
}

/** Row classes (0 warm, 1 low, 2 cold) of rows start..end given the counts of earlier chunks. */
export function rowClasses(
  log: StreamLog,
  start: number,
  end: number,
  seen: IdCounter,
  lowMax: number,
): Uint8Array {
  const F = log.fields.length;
  const out = new Uint8Array(end - start);
  for (let r = start; r < end; r++) {
    let c = 0;
    for (let f = 0; f < F; f++) {
      const n = seen.count(f, log.ids[r * F + f]);
      if (n === 0) c = 2;
      else if (n <= lowMax && c < 1) c = 1;
    }
    out[r - start] = c;
  }
  return out;
}

/** One step of the protocol: train on `train`, then test on `test` (the next chunk). */
export interface StreamStep {
  t: number;
  train: StreamChunk;
  test: StreamChunk;
}

/**
 * Hands out (train chunk t, test chunk t+1) in order. `trainRows(step)` may only be called for the
 * current step, after the test of the previous step was reported (`tested`); `tested(step)` marks
 * the step's test chunk as evaluated. Both throw on any out-of-order use, so a method driven by the
 * protocol cannot see a later chunk's labels while training.
 */
export class StreamProtocol {
  /** What happened, in order: ["train", chunk] / ["test", chunk]. */
  readonly events: ["train" | "test", number][] = [];
  private next = 0;
  private open: StreamStep | null = null;
  constructor(readonly stream: Stream) {}
  get steps(): number {
    return this.stream.chunks.length - 1;
  }
  /** The next step, or null at the end of the stream; refuses while a step is open. */
  step(): StreamStep | null {
    if (this.open) throw new Error(`stream ${this.stream.log.name}: step ${this.open.t} not tested yet`);
    if (this.next >= this.steps) return null;
    const t = this.next++;
    this.open = { t, train: this.stream.chunks[t], test: this.stream.chunks[t + 1] };
    return this.open;
  }
  /** Training rows [start, end) of the open step's chunk t. */
  trainRows(s: StreamStep): [number, number] {
    if (this.open !== s) throw new Error(`stream ${this.stream.log.name}: step ${s.t} is not the open step`);
    this.events.push(["train", s.train.index]);
    return [s.train.start, s.train.end];
  }
  /** Test rows of the open step (chunk t+1); call after training on chunk t. */
  testRows(s: StreamStep): [number, number] {
    if (this.open !== s) throw new Error(`stream ${this.stream.log.name}: step ${s.t} is not the open step`);
    this.events.push(["test", s.test.index]);
    return [s.test.start, s.test.end];
  }
  /** Closes the open step. */
  tested(s: StreamStep): void {
    if (this.open !== s) throw new Error(`stream ${this.stream.log.name}: step ${s.t} is not the open step`);
    this.open = null;
  }
}

/** Options of the synthetic stream with planted popularity drift. */
export interface DriftStreamOptions {
  seed: number;
  chunks: number;
  rowsPerChunk: number;
  users: number;
  /** Items alive at the start; each chunk adds `newItemsPerChunk`. */
  items: number;
  newItemsPerChunk: number;
  /** Latent dimension of the true model. */
  latent?: number;
  /** Zipf exponent of item popularity (default 1.1). */
  zipf?: number;
  /** Logit bonus of an item in the chunk it appears and the next (novelty; default 1.5). */
  novelty?: number;
  /** Std of the true item bias (default 1). */
  itemBiasStd?: number;
  /** Base logit (default −1). */
  bias?: number;
}

/**
 * A seeded synthetic stream (fields user, item, context): item popularity is Zipf over a
 * ranking that drifts (each chunk, the new items enter at the top ranks and the rest move down),
 * so new ids keep appearing and most items are rare. Click logit = bias + <u, v> + item bias +
 * novelty (default 1.5, for an item's first two chunks) + context bias. Equal options give identical streams.
 */
export function driftStream(o: DriftStreamOptions): StreamLog {
  const rng = new Rng(o.seed);
  const L = o.latent ?? 4;
  const zipf = o.zipf ?? 1.1;
  const novelty = o.novelty ?? 1.5;
  const bias = o.bias ?? -1;
  const totalItems = o.items + o.newItemsPerChunk * o.chunks;
  const U = Float64Array.from({ length: o.users * L }, () => rng.normal() * 0.8);
  const V = Float64Array.from({ length: totalItems * L }, () => rng.normal() * 0.8);
  const ib = Float64Array.from({ length: totalItems }, () => rng.normal() * (o.itemBiasStd ?? 1));
  const contexts = 8;
  const cb = Float64Array.from({ length: contexts }, () => rng.normal() * 0.3);
  const born = new Int32Array(totalItems).fill(-10);
  // ranking[0] is the most popular item
  let ranking: number[] = Array.from({ length: o.items }, (_, i) => i);
  let nextItem = o.items;
  const n = o.chunks * o.rowsPerChunk;
  const ids = new Int32Array(n * 3);
  const labels = new Uint8Array(n);
  const time = new Float64Array(n);
  let r = 0;
  for (let c = 0; c < o.chunks; c++) {
    if (c > 0) {
      const fresh: number[] = [];
      for (let k = 0; k < o.newItemsPerChunk; k++) {
        born[nextItem] = c;
        fresh.push(nextItem++);
      }
      ranking = [...fresh, ...ranking];
    }
    const w = ranking.map((_, k) => 1 / (k + 1) ** zipf);
    const cum = new Float64Array(w.length);
    w.reduce((s, x, k) => (cum[k] = s + x), 0);
    const tot = cum[cum.length - 1];
    for (let k = 0; k < o.rowsPerChunk; k++, r++) {
      const u = rng.int(o.users);
      const x = rng.next() * tot;
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      const it = ranking[lo];
      const ctx = rng.int(contexts);
      let z = bias + ib[it] + cb[ctx] + (c - born[it] <= 1 ? novelty : 0);
      for (let d = 0; d < L; d++) z += U[u * L + d] * V[it * L + d];
      labels[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
      ids[r * 3] = u;
      ids[r * 3 + 1] = it;
      ids[r * 3 + 2] = ctx;
      time[r] = c * o.rowsPerChunk + k;
    }
  }
  return {
    name: "synthetic",
    source: `synthetic drift stream seed ${o.seed}`,
    fields: ["user", "item", "context"],
    ids,
    labels,
    time,
  };
}
