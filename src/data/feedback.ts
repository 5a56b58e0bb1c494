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
 */
import * as fs from "fs";
import { Rng } from "../engine/rng";
import type { Dataset } from "./dataset";
import { DataError } from "./errors";
import type { FetchOptions } from "./fetch";
import { sha256Text } from "./hash";
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
   */
  split?: "time" | "users";
  /** Train targets per user and label ("time" split). Default 20. */
  maxTrainPerUser?: number;
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
  const fingerprint = sha256Text(`${log.fingerprint}|feedback-samples|${JSON.stringify(o)}`);
  return { schema, train, valid, test, meta: { id: name, fingerprint } };
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
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => ev.users[a] - ev.users[b] || ev.times[a] - ev.times[b] || a - b,
  );
  const itemIds = new Map<number, number>();
  const items = new Int32Array(n);
  const times = new Float64Array(n);
  const feedback = new Uint8Array(n);
  const targetOnly = meta.targetOnly ? new Uint8Array(n) : undefined;
  const starts: number[] = [];
  let prev = NaN;
  order.forEach((e, i) => {
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
  });
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
