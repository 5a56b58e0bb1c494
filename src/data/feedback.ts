/**
 * Multi-feedback event logs and the sequence samples built from them (notebook 03-tem4ctr,
 * section "Data"; TEM4CTR's preprocess_*_align.py): per user, events in time order, each a click
 * (strong feedback: a liked movie, a cart/fav/buy) or an unclicked exposure (weak or negative
 * feedback). A sample is one target event (label: was it clicked) with what came strictly before it:
 *
 * - `clicks` [L]: the last L clicked items, left-padded with 0;
 * - `unclicks_k{k}` [L·W] (W = 2·kMax): the **temporal alignment** transform with window k: for
 *   click slot i the k unclicked exposures nearest before the click and the k nearest after it,
 *   never at or after the target (slots [kMax−k, kMax) and [kMax, kMax+k) of the click's block,
 *   0 elsewhere); k = 0 is the *unaligned* input: the last L·W unclicks in time order, left-padded.
 *
 * One item table serves the target, the clicks and the unclicks (`shareWith: "item"`). Padding id 0
 * is never an item (items are 1..numItems).
 *
 * Loaders: MovieLens ratings, Taobao UserBehavior, and TEM4CTR's two official sets, the Taobao
 * display-ad log (`taobaoDisplayAdFeedbackLog`, Tianchi 56 raw_sample.csv, ~26M rows, streamed)
 * and MicroVideo-1.7M (`microvideoFeedbackLog`).
 */
import * as fs from "fs";
import { Rng } from "../engine/rng";
import type { Dataset } from "./dataset";
import { DataError } from "./errors";
import type { FetchOptions } from "./fetch";
import { sha256Text } from "./hash";
import { forEachLine } from "./lines";
import { resolveFilesOrStandIn } from "./stand-in";
import type { DatasetSchema, FeatureSpec, TabularDataset } from "./schema";

/** Events grouped by user, each user's events in time order (ties keep input order). */
export interface FeedbackLog {
  /** What the events are (shown with every result). */
  source: string;
  /** Start of each user's events; user u owns events [userStart[u], userStart[u+1]). */
  userStart: Int32Array;
  /** Item id 1..numItems per event (0 is padding). */
  items: Int32Array;
  times: Float64Array;
  /** 1 = click (strong feedback), 0 = unclicked exposure. */
  feedback: Uint8Array;
  /** 1 = the event is only a target, never history (the synthetic sets' planted targets). */
  targetOnly?: Uint8Array;
  /**
   * Per user (length = number of users): 1 = the user belongs to the data set's own test part
   * (MicroVideo-1.7M's test_data.csv). Read by the "date" split in place of `splitTime`.
   */
  testUser?: Uint8Array;
  numItems: number;
  fingerprint: string;
  synthetic?: boolean;
  notes?: Record<string, unknown>;
}

/** One user's history strictly before a target: clicked and unclicked items with their times. */
export interface FeedbackHistory {
  clickItems: ArrayLike<number>;
  clickTimes: ArrayLike<number>;
  unclickItems: ArrayLike<number>;
  unclickTimes: ArrayLike<number>;
}

/** The last `L` clicks, left-padded with 0 ([L]). */
export function clickSequence(h: FeedbackHistory, L: number): Int32Array {
  const out = new Int32Array(L);
  const n = Math.min(L, h.clickItems.length);
  const from = h.clickItems.length - n;
  for (let i = 0; i < n; i++) out[L - n + i] = h.clickItems[from + i];
  return out;
}

/** The unaligned unclick input: the last L·W unclicks in time order, left-padded ([L·W]). */
export function unalignedUnclicks(h: FeedbackHistory, L: number, W: number): Int32Array {
  const n = L * W;
  const out = new Int32Array(n);
  const m = Math.min(n, h.unclickItems.length);
  const from = h.unclickItems.length - m;
  for (let i = 0; i < m; i++) out[n - m + i] = h.unclickItems[from + i];
  return out;
}

/** First index of sorted `a` with a[i] >= x. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The temporal alignment transform (TEM4CTR, RANGE = k): for each of the last L clicks (slot i,
 * left-padded like `clickSequence`), the k unclicks nearest before it (time < click time) and the k
 * nearest at or after it, all before `targetTime`; block i is [W = 2·kMax] ids. k = 0 returns
 * `unalignedUnclicks(h, L, 2·kMax)`. `h` must hold only events before the target (`historyAt`);
 * unclicks at or after `targetTime` are excluded here as well.
 */
export function alignedUnclicks(
  h: FeedbackHistory,
  L: number,
  k: number,
  kMax: number,
  targetTime = Infinity,
): Int32Array {
  if (!(Number.isInteger(k) && k >= 0 && k <= kMax))
    throw new Error(`alignment window k must be an integer in [0, ${kMax}], got ${k}`);
  const W = 2 * kMax;
  if (k === 0) return unalignedUnclicks(h, L, W);
  const out = new Int32Array(L * W);
  const nc = Math.min(L, h.clickItems.length);
  const from = h.clickItems.length - nc;
  const ut = h.unclickTimes;
  const usable = lowerBound(ut, targetTime); // unclicks strictly before the target
  for (let i = 0; i < nc; i++) {
    const slot = L - nc + i;
    const t = h.clickTimes[from + i];
    const at = Math.min(lowerBound(ut, t), usable); // first unclick at or after the click
    for (let j = 0; j < k; j++) {
      const b = at - 1 - j; // j-th nearest before
      if (b >= 0) out[slot * W + kMax - 1 - j] = h.unclickItems[b];
      const a = at + j; // j-th nearest after
      if (a < usable) out[slot * W + kMax + j] = h.unclickItems[a];
    }
  }
  return out;
}

/** The history of the user's event `target` (global index): the non-target-only events before it in time. */
export function historyAt(log: FeedbackLog, start: number, target: number): FeedbackHistory {
  const tt = log.times[target];
  const ci: number[] = [];
  const ct: number[] = [];
  const ui: number[] = [];
  const ut: number[] = [];
  for (let e = start; e < target; e++) {
    if (log.targetOnly?.[e] || !(log.times[e] <= tt)) continue;
    if (log.feedback[e] === 1) {
      ci.push(log.items[e]);
      ct.push(log.times[e]);
    } else {
      ui.push(log.items[e]);
      ut.push(log.times[e]);
    }
  }
  return { clickItems: ci, clickTimes: ct, unclickItems: ui, unclickTimes: ut };
}

export interface FeedbackSampleOptions {
  /** Click history length L. Default 30 (the official code's maxlen). */
  clickLen?: number;
  /** Largest alignment window; a click's block has W = 2·kMax unclick slots. Default 5 (RANGE). */
  kMax?: number;
  /** Alignment windows to build, one sequence feature `unclicks_k{k}` each. Default [0, 1, 5]. */
  windows?: number[];
  /** A target needs at least this many clicks before it. Default 1. */
  minClicks?: number;
  /**
   * "time": per user the last click and last unclick target go to test, the ones before to valid,
   * the rest to train (balanced, at most `maxTrainPerUser` per label); "users": users 80/10/10.
   *
   * "date" (TEM4CTR's official split, preprocess_*_align.py): a user is a *test user* when the log
   * marks it (`log.testUser`, MicroVideo's test_data.csv) or, in an unmarked log, when its last
   * event is at or after `splitTime` (official: last event < split time = training user). A test
   * user gives two targets, its last click and its last unclick; each is a test row when the log
   * marks the user or its time is after `splitTime`, else a train row (official `test =
   * target_time > split_time`). Every other user is a training user: a seeded share `validShare`
   * of them are *validation users* giving their last click and last unclick as valid rows (the
   * test protocol, carved from the training users; the official code has no validation split),
   * the rest give balanced train rows: min(#click, #unclick targets, `maxTrainPerUser`) of each
   * label, drawn at random (official: all min(#click, #unclick), `maxTrainPerUser: Infinity`).
   */
  split?: "time" | "users" | "date";
  /** Train targets per user and label ("time" and "date" splits). Default 20. */
  maxTrainPerUser?: number;
  /** "date" split: users with events at or after this time are test users (unmarked logs). */
  splitTime?: number;
  /** "date" split: share of the training users that become validation users. Default 0.1. */
  validShare?: number;
  seed?: number;
}

/** Column names of the sequence features. */
export const CLICKS = "clicks";
export const unclicksName = (k: number): string => `unclicks_k${k}`;

/** The schema of feedback samples: target item, clicks, one aligned unclick block per window. */
export function feedbackSchema(
  name: string,
  numItems: number,
  o: Required<Pick<FeedbackSampleOptions, "clickLen" | "kMax" | "windows">>,
  synthetic = false,
): DatasetSchema {
  const vocab = numItems + 1;
  const features: FeatureSpec[] = [
    { kind: "categorical", name: "item", vocabSize: vocab },
    { kind: "sequence", name: CLICKS, vocabSize: vocab, maxLen: o.clickLen, shareWith: "item" },
    ...o.windows.map(
      (k): FeatureSpec => ({
        kind: "sequence",
        name: unclicksName(k),
        vocabSize: vocab,
        maxLen: o.clickLen * 2 * o.kMax,
        shareWith: "item",
      }),
    ),
  ];
  return {
    name,
    features,
    labels: [{ name: "click", type: "binary" }],
    groups: [{ name: "history", numGroups: 2, names: ["short", "long"] }],
    synthetic,
  };
}

/** Train / valid / test samples of a feedback log (see the module header). */
export function feedbackSamples(log: FeedbackLog, name: string, opts: FeedbackSampleOptions = {}): Dataset {
  const o = {
    clickLen: opts.clickLen ?? 30,
    kMax: opts.kMax ?? 5,
    windows: opts.windows ?? [0, 1, 5],
    minClicks: opts.minClicks ?? 1,
    split: opts.split ?? "time",
    maxTrainPerUser: opts.maxTrainPerUser ?? 20,
    seed: opts.seed ?? 42,
  };
  // Only the "date" split adds keys to the fingerprinted options (the others stay as they were).
  const date = o.split === "date" ? dateSplitOptions(log, opts) : undefined;
  const schema = feedbackSchema(name, log.numItems, o, log.synthetic ?? false);
  const rng = new Rng(o.seed);
  const parts: number[][] = [[], [], []]; // global target event ids per split
  const numUsers = log.userStart.length - 1;
  for (let u = 0; u < numUsers; u++) {
    const s = log.userStart[u];
    const e = log.userStart[u + 1];
    const hasTargetOnly = log.targetOnly ? log.targetOnly.subarray(s, e).some((x) => x === 1) : false;
    const cand: number[] = [];
    let clicks = 0;
    for (let i = s; i < e; i++) {
      const isTarget = hasTargetOnly ? log.targetOnly![i] === 1 : true;
      if (isTarget && clicks >= o.minClicks) cand.push(i);
      if (log.feedback[i] === 1 && !log.targetOnly?.[i]) clicks++;
    }
    if (cand.length === 0) continue;
    if (date !== undefined) {
      dateSplitUser(log, u, cand, date, o.maxTrainPerUser, rng, parts);
      continue;
    }
    if (o.split === "users") {
      const r = rng.next();
      parts[r < 0.8 ? 0 : r < 0.9 ? 1 : 2].push(...cand);
      continue;
    }
    for (const label of [1, 0]) {
      const mine = cand.filter((i) => log.feedback[i] === label);
      if (mine.length > 0) parts[2].push(mine.pop()!);
      if (mine.length > 0) parts[1].push(mine.pop()!);
      const perm = rng.permutation(mine.length);
      for (let j = 0; j < Math.min(o.maxTrainPerUser, mine.length); j++) parts[0].push(mine[perm[j]]);
    }
  }
  const userOf = new Int32Array(log.items.length);
  for (let u = 0; u < numUsers; u++) userOf.fill(u, log.userStart[u], log.userStart[u + 1]);
  const build = (targets: number[]): TabularDataset => {
    const order = rng.permutation(targets.length);
    const n = targets.length;
    const L = o.clickLen;
    const item = new Int32Array(n);
    const label = new Float32Array(n);
    const group = new Int32Array(n);
    const clicks = new Int32Array(n * L);
    const unclicks = o.windows.map(() => new Int32Array(n * L * 2 * o.kMax));
    for (let r = 0; r < n; r++) {
      const t = targets[order[r]];
      const h = historyAt(log, log.userStart[userOf[t]], t);
      item[r] = log.items[t];
      label[r] = log.feedback[t];
      group[r] = h.clickItems.length >= L / 2 ? 1 : 0;
      clicks.set(clickSequence(h, L), r * L);
      o.windows.forEach((k, w) =>
        unclicks[w].set(alignedUnclicks(h, L, k, o.kMax, log.times[t]), r * L * 2 * o.kMax),
      );
    }
    return {
      schema,
      numRows: n,
      cat: [item],
      num: [],
      seq: [clicks, ...unclicks],
      labels: [label],
      groups: [group],
      meta: { source: log.source, fingerprint: log.fingerprint },
    };
  };
  const [train, valid, test] = parts.map(build);
  for (const [s, d] of [
    ["train", train],
    ["valid", valid],
    ["test", test],
  ] as const)
    if (d.numRows === 0)
      throw new DataError("EMPTY", `feedback samples of ${log.source}: the ${s} split has 0 rows`, {});
  const fingerprint = sha256Text(
    `${log.fingerprint}|feedback-samples|${JSON.stringify(date === undefined ? o : { ...o, ...date })}`,
  );
  return { schema, train, valid, test, meta: { id: name, fingerprint } };
}

interface DateSplit {
  /** NaN when the log marks its test users. */
  splitTime: number;
  validShare: number;
}

function dateSplitOptions(log: FeedbackLog, opts: FeedbackSampleOptions): DateSplit {
  const splitTime = opts.splitTime ?? NaN;
  const validShare = opts.validShare ?? 0.1;
  if (log.testUser === undefined && !Number.isFinite(splitTime))
    throw new DataError(
      "BAD_OPTION",
      `feedback samples of ${log.source}: split "date" needs a finite splitTime (the log marks no test users)`,
    );
  if (!(validShare >= 0 && validShare < 1))
    throw new DataError("BAD_OPTION", `validShare must be in [0, 1), got ${validShare}`);
  return { splitTime: log.testUser === undefined ? splitTime : NaN, validShare };
}

/** The "date" split of user `u`'s candidate targets `cand` (see FeedbackSampleOptions.split). */
function dateSplitUser(
  log: FeedbackLog,
  u: number,
  cand: number[],
  d: DateSplit,
  maxTrainPerUser: number,
  rng: Rng,
  parts: number[][],
): void {
  const lastOf = (label: number): number => {
    for (let j = cand.length - 1; j >= 0; j--) if (log.feedback[cand[j]] === label) return cand[j];
    return -1;
  };
  const last = log.times[log.userStart[u + 1] - 1];
  const marked = log.testUser !== undefined;
  if (marked ? log.testUser![u] === 1 : !(last < d.splitTime)) {
    for (const label of [1, 0]) {
      const t = lastOf(label);
      if (t >= 0) parts[marked || log.times[t] > d.splitTime ? 2 : 0].push(t);
    }
    return;
  }
  if (rng.next() < d.validShare) {
    for (const label of [1, 0]) {
      const t = lastOf(label);
      if (t >= 0) parts[1].push(t);
    }
    return;
  }
  const clicks = cand.filter((i) => log.feedback[i] === 1);
  const unclicks = cand.filter((i) => log.feedback[i] === 0);
  const m = Math.min(clicks.length, unclicks.length, maxTrainPerUser);
  if (m === 0) return;
  for (const mine of [clicks, unclicks]) {
    const perm = rng.permutation(mine.length);
    for (let j = 0; j < m; j++) parts[0].push(mine[perm[j]]);
  }
}

/**
 * The event order of `buildFeedbackLog`: by user value ascending, then time ascending, ties in
 * input order; i.e. the order of `indices.sort((a, b) => users[a] - users[b] || times[a] -
 * times[b] || a - b)` for finite values, computed in typed arrays (a counting sort by user rank,
 * then a stable merge sort of each user's run by time, skipped when the run is already in order),
 * so that a 26M-event log needs no array of 26M boxed indices.
 */
export function userTimeOrder(users: ArrayLike<number>, times: ArrayLike<number>): Int32Array {
  const n = users.length;
  const tmpOf = new Map<number, number>(); // user value -> id by first appearance
  const tmp = new Int32Array(n);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = users[i];
    let t = tmpOf.get(u);
    if (t === undefined) {
      t = values.length;
      tmpOf.set(u, t);
      values.push(u);
    }
    tmp[i] = t;
  }
  const U = values.length;
  const sorted = Float64Array.from(values).sort();
  const rank = new Int32Array(U);
  for (let r = 0; r < U; r++) rank[tmpOf.get(sorted[r])!] = r;
  const start = new Int32Array(U + 1);
  for (let i = 0; i < n; i++) start[rank[tmp[i]] + 1]++;
  for (let r = 0; r < U; r++) start[r + 1] += start[r];
  const next = start.slice(0, U);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[rank[tmp[i]]]++] = i;
  let scratch = new Int32Array(0);
  for (let r = 0; r < U; r++) {
    const s = start[r];
    const e = start[r + 1];
    let inOrder = true;
    for (let j = s + 1; j < e && inOrder; j++) inOrder = times[order[j - 1]] <= times[order[j]];
    if (inOrder) continue;
    if (scratch.length < e - s) scratch = new Int32Array(e - s);
    mergeSortByTime(order, s, e, times, scratch);
  }
  return order;
}

/** Stable sort of order[s, e) by times[order[j]] (insertion sort below 32 elements). */
function mergeSortByTime(
  order: Int32Array,
  s: number,
  e: number,
  times: ArrayLike<number>,
  scratch: Int32Array,
): void {
  if (e - s <= 32) {
    for (let j = s + 1; j < e; j++) {
      const x = order[j];
      const tx = times[x];
      let k = j - 1;
      while (k >= s && times[order[k]] > tx) {
        order[k + 1] = order[k];
        k--;
      }
      order[k + 1] = x;
    }
    return;
  }
  const mid = (s + e) >> 1;
  mergeSortByTime(order, s, mid, times, scratch);
  mergeSortByTime(order, mid, e, times, scratch);
  if (times[order[mid - 1]] <= times[order[mid]]) return;
  for (let j = s; j < mid; j++) scratch[j - s] = order[j];
  let a = 0;
  const aEnd = mid - s;
  let b = mid;
  let k = s;
  while (a < aEnd && b < e) order[k++] = times[order[b]] < times[scratch[a]] ? order[b++] : scratch[a++];
  while (a < aEnd) order[k++] = scratch[a++];
}

/** A log from per-event arrays in any order: grouped by user, sorted by time (stable). */
export function buildFeedbackLog(
  ev: {
    users: ArrayLike<number>;
    items: ArrayLike<number>;
    times: ArrayLike<number>;
    feedback: ArrayLike<number>;
  },
  meta: {
    source: string;
    fingerprint: string;
    targetOnly?: ArrayLike<number>;
    synthetic?: boolean;
    notes?: Record<string, unknown>;
  },
): FeedbackLog {
  const n = ev.users.length;
  const order = userTimeOrder(ev.users, ev.times);
  const itemIds = new Map<number, number>();
  const items = new Int32Array(n);
  const times = new Float64Array(n);
  const feedback = new Uint8Array(n);
  const targetOnly = meta.targetOnly ? new Uint8Array(n) : undefined;
  const starts: number[] = [];
  let prev = NaN;
  for (let i = 0; i < n; i++) {
    const e = order[i];
    if (ev.users[e] !== prev) {
      starts.push(i);
      prev = ev.users[e];
    }
    let id = itemIds.get(ev.items[e]);
    if (id === undefined) {
      id = itemIds.size + 1;
      itemIds.set(ev.items[e], id);
    }
    items[i] = id;
    times[i] = ev.times[e];
    feedback[i] = ev.feedback[e] ? 1 : 0;
    if (targetOnly) targetOnly[i] = meta.targetOnly![e] ? 1 : 0;
  }
  starts.push(n);
  return {
    source: meta.source,
    userStart: Int32Array.from(starts),
    items,
    times,
    feedback,
    targetOnly,
    numItems: itemIds.size,
    fingerprint: meta.fingerprint,
    synthetic: meta.synthetic,
    notes: meta.notes,
  };
}

function readLines(file: string): string[] {
  const out = fs.readFileSync(file, "utf8").split(/\r?\n/);
  if (out[out.length - 1] === "") out.pop();
  if (out.length === 0) throw new DataError("EMPTY", `${file}: empty file`, { file });
  return out;
}

/**
 * MovieLens ratings as feedback: rating >= 4 a click (liked), rating <= 2 an unclicked exposure
 * (disliked), rating 3 dropped. ml-1m layout ("u::m::r::t", `movielens-1m*`) or ml-100k ("u\tm\tr\tt").
 */
export async function movielensFeedbackLog(id: string, opts: FetchOptions = {}): Promise<FeedbackLog> {
  const { files, source } = await resolveFilesOrStandIn(id, ["ratings"], opts);
  const f = files[0];
  const sep = f.path.endsWith("u.data") ? "\t" : "::";
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  const feedback: number[] = [];
  readLines(f.path).forEach((l, i) => {
    const p = l.split(sep);
    const [u, m, r, t] = p.map(Number);
    if (p.length !== 4 || ![u, m, r, t].every(Number.isFinite) || r < 1 || r > 5)
      throw new DataError(
        "BAD_ROW",
        `${f.path}:${i + 1}: expected user${sep}movie${sep}rating 1..5${sep}time`,
        {
          file: f.path,
          line: i + 1,
        },
      );
    if (r === 3) return;
    users.push(u);
    items.push(m);
    times.push(t);
    feedback.push(r >= 4 ? 1 : 0);
  });
  return buildFeedbackLog(
    { users, items, times, feedback },
    {
      source: `${source}: liked (rating >= 4) = click, disliked (rating <= 2) = unclicked exposure`,
      fingerprint: `${f.sha256}:ml-feedback-v1`,
    },
  );
}

/**
 * Taobao UserBehavior ("user,item,category,behavior,timestamp") as feedback: one event per
 * (user, item): a click at the first cart / fav / buy, else an unclicked exposure at the first pv.
 */
export async function taobaoFeedbackLog(id: string, opts: FetchOptions = {}): Promise<FeedbackLog> {
  const { files, source } = await resolveFilesOrStandIn(id, ["behaviors"], opts);
  const f = files[0];
  const first = new Map<string, { u: number; m: number; t: number; click: boolean }>();
  const lines = readLines(f.path);
  lines.forEach((l, i) => {
    const p = l.split(",");
    if (p.length !== 5) {
      if (i === lines.length - 1) return; // the sample's truncated last line (registry notes)
      throw new DataError("BAD_ROW", `${f.path}:${i + 1}: expected 5 comma-separated fields`, {
        file: f.path,
        line: i + 1,
      });
    }
    const u = Number(p[0]);
    const m = Number(p[1]);
    const t = Number(p[4]);
    if (![u, m, t].every(Number.isFinite))
      throw new DataError("BAD_ROW", `${f.path}:${i + 1}: non-numeric user, item or time`, {
        file: f.path,
        line: i + 1,
      });
    const click = p[3] !== "pv";
    const key = `${u}:${m}`;
    const cur = first.get(key);
    if (!cur) first.set(key, { u, m, t, click });
    else if (click && (!cur.click || t < cur.t)) first.set(key, { u, m, t, click });
    else if (!click && !cur.click && t < cur.t) cur.t = t;
  });
  const ev = [...first.values()];
  return buildFeedbackLog(
    {
      users: ev.map((e) => e.u),
      items: ev.map((e) => e.m),
      times: ev.map((e) => e.t),
      feedback: ev.map((e) => (e.click ? 1 : 0)),
    },
    {
      source: `${source}: cart/fav/buy = click, pv only = unclicked exposure`,
      fingerprint: `${f.sha256}:taobao-feedback-v1`,
    },
  );
}

/** Options of the official-set loaders (Taobao display-ad, MicroVideo-1.7M). */
export interface OfficialFeedbackOptions extends FetchOptions {
  /**
   * Keep at most this many users (memory bound for the paper profile): the users whose
   * `userHash(id)` is smallest (ties: smaller id), a deterministic subsample that does not depend
   * on file order, machine or run. Default: every user. With it the loader reads the file twice
   * (user ids first, then the events of the kept users).
   */
  maxUsers?: number;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a non-negative integer user id (murmur3's finaliser over its two 32-bit halves). */
export function userHash(id: number): number {
  const lo = id >>> 0;
  const hi = Math.floor(id / 4294967296) >>> 0;
  return fmix32((lo ^ fmix32((hi + 0x9e3779b9) >>> 0)) >>> 0);
}

/** The `maxUsers` users of `ids` with the smallest `userHash` (ties: smaller id); null = keep all. */
export function keptUsers(ids: Iterable<number>, maxUsers: number | undefined): Set<number> | null {
  if (maxUsers === undefined) return null;
  if (!(Number.isInteger(maxUsers) && maxUsers > 0))
    throw new DataError("BAD_OPTION", `maxUsers must be a positive integer, got ${maxUsers}`);
  const all = Float64Array.from(ids);
  if (all.length <= maxUsers) return null;
  const hashes = all.map(userHash);
  const cut = Float64Array.from(hashes).sort()[maxUsers - 1];
  const keep = new Set<number>();
  const ties: number[] = [];
  for (let i = 0; i < all.length; i++)
    if (hashes[i] < cut) keep.add(all[i]);
    else if (hashes[i] === cut) ties.push(all[i]);
  ties.sort((a, b) => a - b);
  for (let i = 0; keep.size < maxUsers; i++) keep.add(ties[i]);
  return keep;
}

type TypedArray = Int32Array | Float64Array | Uint8Array;

/** An append-only typed array (doubling). */
class Grow<T extends TypedArray> {
  private a: T;
  n = 0;
  constructor(private readonly make: (n: number) => T) {
    this.a = make(1 << 16);
  }
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      (b as Int32Array).set(this.a as Int32Array);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  get(i: number): number {
    return this.a[i];
  }
  /** The pushed values (a view; no copy). */
  values(): T {
    return this.a.subarray(0, this.n) as T;
  }
}

/** Growing per-event columns of a streamed log (user, item, time, feedback). */
class EventColumns {
  readonly users = new Grow((n) => new Int32Array(n));
  readonly items = new Grow((n) => new Int32Array(n));
  readonly times = new Grow((n) => new Float64Array(n));
  readonly feedback = new Grow((n) => new Uint8Array(n));
  get n(): number {
    return this.users.n;
  }
  push(user: number, item: number, time: number, feedback: number): void {
    this.users.push(user);
    this.items.push(item);
    this.times.push(time);
    this.feedback.push(feedback);
  }
  /** The columns as buildFeedbackLog takes them (views; no copy). */
  values(): { users: Int32Array; items: Int32Array; times: Float64Array; feedback: Uint8Array } {
    return {
      users: this.users.values(),
      items: this.items.values(),
      times: this.times.values(),
      feedback: this.feedback.values(),
    };
  }
}

/** The non-negative integer written in line[s, e) with digits only (at most 15), else -1. */
function parseUint(line: string, s: number, e: number): number {
  if (s >= e || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A finite number in line[s, e) (integer fast path), else NaN. */
function parseNumber(line: string, s: number, e: number): number {
  const v = parseUint(line, s, e);
  if (v >= 0) return v;
  const t = line.slice(s, e).trim();
  const x = t === "" ? NaN : Number(t);
  return Number.isFinite(x) ? x : NaN;
}

/** A CSV file's columns: where each expected column is in a row, and how many fields a row has. */
interface CsvLayout {
  /** Position of expected column j in a row. */
  col: Int32Array;
  width: number;
  /** The header line, or null when the file has none (columns in the expected order). */
  header: string[] | null;
}

const headerNames = (line: string): string[] =>
  line
    .replace(/^\uFEFF/, "")
    .split(",")
    .map((x) =>
      x
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .toLowerCase(),
    );

/**
 * Streams the rows of a comma-separated file with columns `expected`: the header (first line) is
 * `"required"` (any order, extra columns allowed, a missing or renamed column is a DataError
 * naming the file and the columns) or `"optional"` (a first line whose fields are all numbers is
 * data, columns in the expected order). Blank lines are skipped; a row with another number of
 * fields is a DataError naming file:line. `onRow(line, start, end, lineNo)` gets each field's
 * bounds by position (`layout.col[j]` is expected column j).
 */
async function streamCsv(
  file: string,
  expected: readonly string[],
  header: "required" | "optional",
  onRow: (line: string, start: Int32Array, end: Int32Array, lineNo: number, layout: CsvLayout) => void,
): Promise<{ rows: number; blank: number; layout: CsvLayout }> {
  let layout: CsvLayout | null = null;
  let start = new Int32Array(0);
  let end = new Int32Array(0);
  let rows = 0;
  let blank = 0;
  const bad = (lineNo: number, why: string) =>
    new DataError("BAD_ROW", `${file}:${lineNo}: ${why}`, { file, line: lineNo });
  await forEachLine(file, (line, lineNo) => {
    if (line.length === 0 || line.trim() === "") {
      blank++;
      return;
    }
    if (layout === null) {
      const names = headerNames(line);
      const numeric = names.every((x) => x !== "" && Number.isFinite(Number(x)));
      if (!numeric || header === "required") {
        const missing = expected.filter((c) => !names.includes(c));
        if (missing.length > 0)
          throw new DataError(
            "BAD_ROW",
            `${file}:${lineNo}: header ${JSON.stringify(line.slice(0, 200))} lacks column(s) ${missing.join(", ")}; expected the columns ${expected.join(",")}${header === "optional" ? " (or no header line)" : ""}`,
            { file, line: lineNo },
          );
        layout = {
          col: Int32Array.from(expected, (c) => names.indexOf(c)),
          width: names.length,
          header: names,
        };
      } else layout = { col: Int32Array.from(expected, (_, j) => j), width: expected.length, header: null };
      start = new Int32Array(layout.width);
      end = new Int32Array(layout.width);
      if (layout.header !== null) return;
    }
    const w = layout.width;
    let k = 0;
    let p = 0;
    for (;;) {
      const q = line.indexOf(",", p);
      if (k < w) {
        start[k] = p;
        end[k] = q < 0 ? line.length : q;
      }
      k++;
      if (q < 0) break;
      p = q + 1;
    }
    if (k !== w) throw bad(lineNo, `expected ${w} comma-separated fields (${expected.join(",")}), got ${k}`);
    rows++;
    onRow(line, start, end, lineNo, layout);
  });
  if (layout === null || rows === 0) throw new DataError("EMPTY", `${file}: no data rows`, { file });
  return { rows, blank, layout };
}

const INT32_MAX = 2147483647;

/** The non-negative integer id of expected column `j`, or a DataError naming file:line. */
function idField(
  file: string,
  line: string,
  start: Int32Array,
  end: Int32Array,
  lineNo: number,
  layout: CsvLayout,
  expected: readonly string[],
  j: number,
): number {
  const c = layout.col[j];
  const v = parseUint(line, start[c], end[c]);
  if (v < 0 || v > INT32_MAX)
    throw new DataError(
      "BAD_ROW",
      `${file}:${lineNo}: ${expected[j]} must be an integer in [0, ${INT32_MAX}], got ${JSON.stringify(line.slice(start[c], end[c]))}`,
      { file, line: lineNo },
    );
  return v;
}

const TAOBAO_AD_COLUMNS = ["user", "time_stamp", "adgroup_id", "pid", "nonclk", "clk"] as const;

/**
 * TEM4CTR's Alibaba set: the Taobao display-ad log (Tianchi 56, raw_sample.csv, header
 * `user,time_stamp,adgroup_id,pid,nonclk,clk`, ~26M rows), streamed. One event per row: item =
 * adgroup_id, clk = 1 a click, else (nonclk = 1) an unclicked exposure; pid is checked present
 * but unused. A row needs integer user / adgroup_id, a numeric time_stamp and clk, nonclk in
 * {0, 1} with nonclk = 1 − clk; anything else is a DataError naming file:line. `maxUsers`
 * (OfficialFeedbackOptions) bounds memory. Split with `feedbackSamples(..., { split: "date",
 * splitTime: TAOBAO_AD_SPLIT_TIME })` for the official protocol.
 */
export async function taobaoDisplayAdFeedbackLog(
  id = "taobao-display-ad",
  opts: OfficialFeedbackOptions = {},
): Promise<FeedbackLog> {
  const { files, source } = await resolveFilesOrStandIn(id, ["raw_sample"], opts);
  const f = files[0];
  const file = f.path;
  const C = TAOBAO_AD_COLUMNS;
  let keep: Set<number> | null = null;
  let usersInFile: number | undefined;
  if (opts.maxUsers !== undefined) {
    const seen = new Set<number>();
    await streamCsv(file, C, "required", (line, s, e, lineNo, layout) => {
      seen.add(idField(file, line, s, e, lineNo, layout, C, 0));
    });
    usersInFile = seen.size;
    keep = keptUsers(seen, opts.maxUsers);
  }
  const ev = new EventColumns();
  const read = await streamCsv(file, C, "required", (line, s, e, lineNo, layout) => {
    const u = idField(file, line, s, e, lineNo, layout, C, 0);
    const t = parseNumber(line, s[layout.col[1]], e[layout.col[1]]);
    const a = idField(file, line, s, e, lineNo, layout, C, 2);
    const non = parseUint(line, s[layout.col[4]], e[layout.col[4]]);
    const clk = parseUint(line, s[layout.col[5]], e[layout.col[5]]);
    if (Number.isNaN(t))
      throw new DataError("BAD_ROW", `${file}:${lineNo}: time_stamp is not a number`, { file, line: lineNo });
    if (!((clk === 0 || clk === 1) && non === 1 - clk))
      throw new DataError(
        "BAD_ROW",
        `${file}:${lineNo}: clk and nonclk must be 0/1 with nonclk = 1 - clk, got clk ${JSON.stringify(line.slice(s[layout.col[5]], e[layout.col[5]]))}, nonclk ${JSON.stringify(line.slice(s[layout.col[4]], e[layout.col[4]]))}`,
        { file, line: lineNo },
      );
    if (keep !== null && !keep.has(u)) return; // checked like every row, not kept
    ev.push(u, a, t, clk);
  });
  const sub = opts.maxUsers !== undefined ? `:maxUsers=${opts.maxUsers}` : "";
  return buildFeedbackLog(ev.values(), {
    source: `${source}: clk = 1 click, else unclicked exposure (item = adgroup_id)${keep ? `; ${keep.size} of ${usersInFile} users (maxUsers, by user-id hash)` : ""}`,
    fingerprint: `${f.sha256}:taobao-display-ad-feedback-v1${sub}`,
    notes: {
      rows: read.rows,
      blankLines: read.blank,
      events: ev.n,
      maxUsers: opts.maxUsers ?? null,
      usersInFile: usersInFile ?? null,
    },
  });
}

/** TEM4CTR's split time of the Alibaba set: 2017-05-12 23:59:59 UTC+8 (preprocess_alibaba_align.py). */
export const TAOBAO_AD_SPLIT_TIME = 1494604799;

const MICROVIDEO_COLUMNS = ["user_id", "item_id", "cate_id", "is_click", "timestamp"] as const;

/**
 * TEM4CTR's MicroVideo-1.7M set (THACIL's train_data.csv and test_data.csv, columns
 * `user_id,item_id,cate_id,is_click,timestamp`). The header line is optional (THACIL's readers
 * skip a first line; a first line of numbers is taken as data) and checked when present (any
 * order; a missing or renamed column is a DataError naming the file and the columns). is_click = 1
 * a click, else an unclicked exposure. As in the official preprocessing, the two files are kept
 * apart: test item ids are offset by (largest train item id + 1), so the train and test item sets
 * are disjoint, and a user's test_data.csv events are a separate history (`log.testUser` marks
 * these users; the "date" split sends their last click and last unclick to test). cate_id is
 * checked but not used (the kit's TEM4CTR embeds items only; the official model also embeds
 * categories). Items are renumbered 1..numItems in log order (train items first).
 */
export async function microvideoFeedbackLog(
  id = "microvideo-1.7m",
  opts: OfficialFeedbackOptions = {},
): Promise<FeedbackLog> {
  const { files, source } = await resolveFilesOrStandIn(id, ["train", "test"], opts);
  const C = MICROVIDEO_COLUMNS;
  const parts = [];
  for (const f of files) {
    const file = f.path;
    const ev = new EventColumns();
    const read = await streamCsv(file, C, "optional", (line, s, e, lineNo, layout) => {
      const u = idField(file, line, s, e, lineNo, layout, C, 0);
      const m = idField(file, line, s, e, lineNo, layout, C, 1);
      idField(file, line, s, e, lineNo, layout, C, 2);
      const click = parseUint(line, s[layout.col[3]], e[layout.col[3]]);
      const t = parseNumber(line, s[layout.col[4]], e[layout.col[4]]);
      if (click !== 0 && click !== 1)
        throw new DataError("BAD_ROW", `${file}:${lineNo}: is_click must be 0 or 1`, { file, line: lineNo });
      if (Number.isNaN(t))
        throw new DataError("BAD_ROW", `${file}:${lineNo}: timestamp is not a number`, {
          file,
          line: lineNo,
        });
      ev.push(u, m, t, click);
    });
    parts.push({ f, ev, read });
  }
  const [tr, te] = parts;
  const maxOf = (g: Grow<Int32Array>) => g.values().reduce((a, b) => Math.max(a, b), -1);
  const itemOffset = maxOf(tr.ev.items) + 1;
  const userOffset = Math.max(maxOf(tr.ev.users), maxOf(te.ev.users)) + 1;
  const allUsers = new Set<number>();
  for (const p of parts) for (const u of p.ev.users.values()) allUsers.add(u);
  const keep = keptUsers(allUsers, opts.maxUsers);
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  const feedback: number[] = [];
  const trainUsers = new Set<number>();
  parts.forEach(({ ev }, isTest) => {
    for (let i = 0; i < ev.n; i++) {
      const u = ev.users.get(i);
      if (keep !== null && !keep.has(u)) continue;
      if (!isTest) trainUsers.add(u);
      users.push(isTest ? u + userOffset : u);
      items.push(isTest ? ev.items.get(i) + itemOffset : ev.items.get(i));
      times.push(ev.times.get(i));
      feedback.push(ev.feedback.get(i));
    }
  });
  const sub = opts.maxUsers !== undefined ? `:maxUsers=${opts.maxUsers}` : "";
  const log = buildFeedbackLog(
    { users, items, times, feedback },
    {
      source: `${source}: is_click = 1 click, else unclicked exposure; test_data.csv users and items kept apart (item ids offset)${keep ? `; ${keep.size} users (maxUsers, by user-id hash)` : ""}`,
      fingerprint: `${tr.f.sha256}:${te.f.sha256}:microvideo-feedback-v1${sub}`,
      notes: {
        trainRows: tr.read.rows,
        testRows: te.read.rows,
        header: { train: tr.read.layout.header !== null, test: te.read.layout.header !== null },
        itemOffset,
        userOffset,
        maxUsers: opts.maxUsers ?? null,
        categories: "read and checked, not used",
      },
    },
  );
  // Train users' keys are below userOffset, test users' at or above it: the test users are the tail.
  const numUsers = log.userStart.length - 1;
  const testUser = new Uint8Array(numUsers);
  testUser.fill(1, trainUsers.size);
  return { ...log, testUser };
}

export interface SyntheticFeedbackConfig {
  numUsers: number;
  /** Topics; items of topic t are 1 + t·itemsPerTopic ... Default 8. */
  numTopics?: number;
  itemsPerTopic?: number;
  /** Topics each user clicks. Default 3. */
  clickedTopics?: number;
  /** Click sessions per clicked topic. Default 3. */
  sessionsPerTopic?: number;
  /** Unclicks before and after each click in its session. Default 5. */
  k?: number;
  /**
   * Share of clicked topics that are accidental (the user does not like them): their sessions'
   * unclicks are items of the same topic; a liked topic's session shows other topics. Default 0.5.
   */
  accidentalShare?: number;
  /** Probability that a session unclick is replaced by a uniformly random item. Default 0. */
  noise?: number;
  seed: number;
}

/**
 * A seeded feedback log with a planted temporal signal. Each user clicks items of a few topics in
 * sessions; around each click (k exposures before, k after, within k time units) sit unclicked
 * exposures: of the click's own topic when the topic was clicked by accident, of other topics when
 * it is liked. Background exposures far from any click (500 units) balance the counts, so every
 * clicked topic has the same number of same-topic and other-topic unclicks: the signal is only in
 * *which unclicks sit next to which click*. Targets (target-only events after the history): one
 * item of each clicked topic (label 1 iff liked) and one of an unclicked topic (label 0).
 * `accidentalShare` 0 with `noise` 1: the unclicks are pure noise and the clicks carry everything.
 */
export function syntheticFeedbackLog(c: SyntheticFeedbackConfig): FeedbackLog {
  const K = c.numTopics ?? 8;
  const I = c.itemsPerTopic ?? 10;
  const C = c.clickedTopics ?? 3;
  const S = c.sessionsPerTopic ?? 3;
  const k = c.k ?? 5;
  const acc = c.accidentalShare ?? 0.5;
  const noise = c.noise ?? 0;
  if (C >= K) throw new Error(`syntheticFeedbackLog: clickedTopics ${C} must be < numTopics ${K}`);
  const rng = new Rng(c.seed);
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  const feedback: number[] = [];
  const targetOnly: number[] = [];
  const push = (u: number, m: number, t: number, f: number, target = 0) => {
    users.push(u);
    items.push(m);
    times.push(t);
    feedback.push(f);
    targetOnly.push(target);
  };
  const itemOf = (topic: number) => 1 + topic * I + rng.int(I);
  const otherTopic = (not: number) => {
    const t = rng.int(K - 1);
    return t >= not ? t + 1 : t;
  };
  const maybeNoise = (m: number) => (rng.next() < noise ? 1 + rng.int(K * I) : m);
  for (let u = 0; u < c.numUsers; u++) {
    const topics = Array.from(rng.permutation(K));
    const clicked = topics.slice(0, C);
    const liked = clicked.map(() => rng.next() >= acc);
    const sessions: number[] = [];
    clicked.forEach((_, j) => {
      for (let s = 0; s < S; s++) sessions.push(j);
    });
    const order = rng.permutation(sessions.length);
    order.forEach((o, slot) => {
      const j = sessions[o];
      const topic = clicked[j];
      const T = 1000 * (slot + 1);
      push(u, itemOf(topic), T, 1);
      const near = (): number => (liked[j] ? itemOf(otherTopic(topic)) : itemOf(topic));
      const far = (): number => (liked[j] ? itemOf(topic) : itemOf(otherTopic(topic)));
      for (let d = 1; d <= k; d++) {
        push(u, maybeNoise(near()), T - d, 0);
        push(u, maybeNoise(near()), T + d, 0);
      }
      for (let d = 0; d < 2 * k; d++) push(u, maybeNoise(far()), T + 500 + d, 0);
    });
    const end = 1000 * (sessions.length + 2);
    clicked.forEach((topic, j) => push(u, itemOf(topic), end + j, liked[j] ? 1 : 0, 1));
    push(u, itemOf(topics[C + rng.int(K - C)]), end + C, 0, 1);
  }
  const fingerprint = sha256Text(JSON.stringify({ gen: "synthetic-feedback-v1", ...c }));
  return buildFeedbackLog(
    { users, items, times, feedback },
    {
      source: `SYNTHETIC feedback (seed ${c.seed}, accidental ${acc}, noise ${noise})`,
      fingerprint,
      targetOnly,
      synthetic: true,
      notes: { ...c },
    },
  );
}
