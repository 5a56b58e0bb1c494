/**
 * Taobao UserBehavior (Alibaba Tianchi 649) as a CASCADED click -> purchase task for ESMM
 * (Ma et al., SIGIR 2018) and AITM (Xi et al., KDD 2021).
 *
 * Raw format: no header, `user_id,item_id,category_id,behavior_type,timestamp` with behaviour
 * pv / cart / fav / buy and a unix timestamp (2017-11-25 .. 2017-12-03 China time, a few
 * outliers, kept). The log holds only actions, no impressions that were not clicked, so the
 * derivation ({@link TAOBAO_DERIVE}) builds an EXPOSURE SPACE, one row per (user, item):
 * - positives: every item the user acted on (any behaviour) has `click` = 1. A cart / fav / buy
 *   without a pv row in the log is still taken as a click (one cannot buy what one has not
 *   opened; the pv fell outside the log): "click forced", counted in the summary
 *   (`clickWithoutPv`, `buyWithoutPv`).
 * - `purchase` = 1 iff the user bought the item, so `purchase` = click AND buy: the CTCVR label
 *   over the entire exposure space; purchase <= click on every row by construction.
 * - split (default `split: "positives"`): the clicked (user, item) pairs are assigned to train /
 *   valid / test at random, `ratios` 8:1:1, by a hash of (seed, user, item), BEFORE any negative
 *   is drawn; each split then gets its own negatives, for its own clicks, from its own catalogue:
 *   the items clicked by anyone in that split. The derivation owns the split (`ownsSplit`; the
 *   pipeline does not re-split).
 * - negatives: `negPerClick` (default 3) sampled exposures per click, `click` = `purchase` = 0,
 *   seeded. Default `negatives: "uniform"`, `sameCategoryShare: 0`: uniform over the split's
 *   catalogue, the implicit-feedback convention of NCF (He et al., WWW 2017), so clicked items
 *   are more popular than sampled ones and lie in the user's categories, as on a real feed. A
 *   share `sameCategoryShare` can instead be drawn from the category of a random click of the
 *   same user in the same split (hard negatives; v1 used 0.5). Items the user acted on (in any
 *   split) are never drawn, nor one item twice for a user. The CTR of the exposure space is
 *   about 1 / (1 + negPerClick) by construction (in every split and for every user), not
 *   Taobao's.
 * - why this default: v1 (`negatives: "popularity", split: "rows", sameCategoryShare: 0.5`,
 *   still available) drew negatives proportionally to item popularity over the whole log and let
 *   the pipeline split the finished pool at random. Popularity weighting makes every item's CTR
 *   about 1/4 by construction (item and category ids carry no click signal), and splitting one
 *   fixed pool makes train and test anti-correlated: an item (or user) whose click landed in
 *   train has only its negatives left in test. Measured on the sample, a per-item train-CTR
 *   baseline scored test AUC 0.32 and a per-user one 0.43, and ESMM's CTR AUC fell below 0.5
 *   with more training. With the default both score about 0.5 (item ids rarely repeat across
 *   splits of the sample), and what is learnable is the user's category interest: a
 *   per-(user, category) train-CTR baseline scores about 0.86 and `cat_history` alone about
 *   0.78; on the full log item popularity adds to it. Drawing test negatives from the test
 *   split's catalogue matters: from the whole catalogue, a test negative is usually an item
 *   clicked in train while a test click is often an item seen nowhere else, which again inverts
 *   the item signal. With `sameCategoryShare: 0.5` the MLP models of notebook 07 did not learn
 *   click within the smoke budget (test AUC at or below 0.5).
 * - features (all categorical): user_id, item_id, category_id; `hour` = hour of day (UTC+8) of
 *   the exposure (a positive: its first action; a negative: the time of the positive it was
 *   drawn for, i.e. shown in the same session); `user_activity` = floor(log2(1 + actions of the
 *   user in the log)), identical on a user's positive and negative rows; `cat_history` =
 *   floor(log2(1 + n)), n = the user's actions in the row's category strictly before the
 *   exposure time (actions on the item itself excluded): the user's interest in the category at
 *   that moment, from earlier behaviour only (a one-number stand-in for DIN-style history).
 * - rows of one user must be contiguous in the file (the official file and the sample are
 *   ordered by user): the derivation streams one user at a time, so the 100M-row file needs only
 *   per-item tables in memory. A user whose rows reappear later is an error naming the line.
 * - a malformed line is an error naming the file and line, except a malformed LAST line, which
 *   is taken as the truncated tail of a byte-limited head (the registered sample ends in one: a
 *   pv row cut before its timestamp) and dropped; it is reported as `truncatedTail`.
 * The outputs are the train / valid / test files, each with its rows grouped by user in log
 * order (streamed; trainers shuffle, but subsample with a random sample, not a head);
 * vocabularies are built on train with minCount 2 (items seen once in train map to the OOV id).
 * Under `split: "rows"` (v1) every row is assigned to a split at random after all negatives are
 * drawn (equivalent to v1's pipeline re-split, not the same rows).
 */
import { Rng } from "../../engine/rng";
import { DataError, RowError } from "../errors";
import { forEachLine } from "../lines";
import type { DeriveContext, DeriveSource, DeriveSpec } from "./derived";
import { LineWriter, typedTsvFormat, typedTsvHeader } from "./derived";

export const TAOBAO_BEHAVIORS = ["pv", "cart", "fav", "buy"] as const;
export const TAOBAO_LABELS = ["click", "purchase"] as const;
export const TAOBAO_CATEGORICAL = [
  "user_id",
  "item_id",
  "category_id",
  "hour",
  "user_activity",
  "cat_history",
] as const;

/** The derivation's outputs, one per split (it draws the split itself: see the module comment). */
export const TAOBAO_SPLITS = ["train", "valid", "test"] as const;

/** Options of {@link taobaoDerive} (`LoadOptions.derive` overrides single keys). */
export interface TaobaoDeriveOptions {
  /** "uniform" (default): negatives uniform over the catalogue; "popularity": proportional to item popularity (v1). */
  negatives: "uniform" | "popularity";
  /** "positives" (default): split the clicked pairs, then draw each split's negatives; "rows": draw for the whole log, then split the rows (v1). */
  split: "positives" | "rows";
  /** train : valid : test shares. */
  ratios: [number, number, number];
  /** Negatives per click (default 3). */
  negPerClick: number;
  /** Share of negatives drawn from the category of one of the user's clicks (default 0; v1: 0.5). */
  sameCategoryShare: number;
  seed: number;
  maxUsers: number | null;
}

const COLUMNS = { labels: TAOBAO_LABELS, numeric: [] as string[], categorical: TAOBAO_CATEGORICAL };

/** The format of the derived exposure file (typed TSV with header). */
export const TAOBAO_FORMAT = typedTsvFormat("taobao-exposure-tsv", COLUMNS);

/** China Standard Time, UTC+8: the hour features are local hours. */
const TZ_OFFSET_S = 8 * 3600;
/** 2017-11-25 00:00 and 2017-12-04 00:00 China time: the documented window of the log. */
const WINDOW = [1511539200, 1512316800];

/** One parsed raw row. */
export interface TaobaoRow {
  user: number;
  item: number;
  category: number;
  /** Index into TAOBAO_BEHAVIORS. */
  behavior: number;
  timestamp: number;
}

function parseId(t: string, name: string): number {
  if (!/^\d{1,15}$/.test(t))
    throw new RowError(`${name} must be a non-negative integer, found "${t.slice(0, 40)}"`);
  return Number(t);
}

/** Parses one raw line; throws RowError with the reason (the caller adds file and line). */
export function parseTaobaoLine(line: string): TaobaoRow {
  const c = line.split(",");
  if (c.length !== 5)
    throw new RowError(
      `expected 5 comma-separated columns (user_id, item_id, category_id, behavior_type, timestamp), found ${c.length}`,
    );
  const behavior = (TAOBAO_BEHAVIORS as readonly string[]).indexOf(c[3]);
  if (behavior < 0)
    throw new RowError(
      `behavior_type must be one of ${TAOBAO_BEHAVIORS.join(", ")}, found "${c[3].slice(0, 40)}"`,
    );
  const ts = c[4];
  if (!/^-?\d{1,12}$/.test(ts))
    throw new RowError(`timestamp must be an integer unix time, found "${ts.slice(0, 40)}"`);
  return {
    user: parseId(c[0], "user_id"),
    item: parseId(c[1], "item_id"),
    category: parseId(c[2], "category_id"),
    behavior,
    timestamp: Number(ts),
  };
}

/** Hour of day (0-23) in China time of a unix timestamp. */
export function taobaoHour(ts: number): number {
  return new Date((ts + TZ_OFFSET_S) * 1000).getUTCHours();
}

/** Activity bucket token of a user with `actions` log rows: floor(log2(1 + actions)). */
export function activityBucket(actions: number): string {
  return `a${Math.floor(Math.log2(1 + actions))}`;
}

/** History bucket token of an exposure preceded by `n` actions of the user in its category: floor(log2(1 + n)). */
export function historyBucket(n: number): string {
  return `h${Math.floor(Math.log2(1 + n))}`;
}

/**
 * Streams the rows of `src`: blank lines skipped, a malformed line raises BAD_ROW naming file and
 * line unless it is the last line (then it is returned as the truncated tail).
 */
async function eachRow(
  src: DeriveSource,
  onRow: (r: TaobaoRow, lineNo: number) => void,
  skipLine: number,
): Promise<{ tail: { line: number; text: string; reason: string } | null }> {
  let pending: { line: number; text: string; reason: string } | null = null;
  await forEachLine(
    src.path,
    (line, lineNo) => {
      if (line.length === 0 || lineNo === skipLine) return;
      if (pending !== null)
        throw new DataError("BAD_ROW", `${src.path}:${pending.line}: ${pending.reason}`, {
          file: src.path,
          line: pending.line,
        });
      let r: TaobaoRow;
      try {
        r = parseTaobaoLine(line);
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        pending = { line: lineNo, text: line.slice(0, 80), reason: e.message };
        return;
      }
      onRow(r, lineNo);
    },
    { tarMember: src.tarMember },
  );
  return { tail: pending };
}

/** Items sorted by category with cumulative popularity, for O(log n) weighted draws. */
interface ItemTable {
  /** Item ids, grouped by category. */
  items: Float64Array;
  /** Category of each entry of `items`. */
  cats: Float64Array;
  /** cum[i] = sum of popularity of items[0..i]. */
  cum: Float64Array;
  /** Category id -> [start, end) range in `items`. */
  range: Map<number, [number, number]>;
}

function buildItemTable(pop: Map<number, number>, cat: Map<number, number>): ItemTable {
  const ids = [...pop.keys()].sort((a, b) => (cat.get(a) as number) - (cat.get(b) as number) || a - b);
  const items = Float64Array.from(ids);
  const cats = Float64Array.from(ids, (i) => cat.get(i) as number);
  const cum = new Float64Array(ids.length);
  let acc = 0;
  const range = new Map<number, [number, number]>();
  for (let i = 0; i < ids.length; i++) {
    acc += pop.get(ids[i]) as number;
    cum[i] = acc;
    const c = cats[i];
    const r = range.get(c);
    if (r === undefined) range.set(c, [i, i + 1]);
    else r[1] = i + 1;
  }
  return { items, cats, cum, range };
}

/** Index in [a, b) drawn uniformly (`uniform`) or proportionally to popularity. */
function draw(t: ItemTable, a: number, b: number, rng: Rng, uniform: boolean): number {
  if (uniform) return a + rng.int(b - a);
  const base = a > 0 ? t.cum[a - 1] : 0;
  const u = base + rng.next() * (t.cum[b - 1] - base);
  let lo = a;
  let hi = b - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface UserBuffer {
  user: number;
  items: number[];
  cats: number[];
  behaviors: number[];
  times: number[];
}

/** Mixes a 32-bit state (murmur3 finaliser). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform number in [0, 1) fixed by (seed, user, item): the split of a clicked pair, recomputable in both passes. */
function pairUniform(seed: number, user: number, item: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const x of [user, item]) {
    h = mix32(h ^ x % 4294967296);
    h = mix32(h ^ Math.floor(x / 4294967296));
  }
  return h / 4294967296;
}

async function deriveTaobao(ctx: DeriveContext): Promise<Record<string, unknown>> {
  const o = ctx.options as unknown as TaobaoDeriveOptions;
  const uniform = o.negatives === "uniform";
  const perSplitNegatives = o.split === "positives";
  const total = o.ratios[0] + o.ratios[1] + o.ratios[2];
  const cut = [o.ratios[0] / total, (o.ratios[0] + o.ratios[1]) / total];
  const splitOfU = (u: number): number => (u < cut[0] ? 0 : u < cut[1] ? 1 : 2);
  const splitOfPair = (user: number, item: number): number => splitOfU(pairUniform(o.seed, user, item));
  // catalogues: one per split (split "positives": the items clicked in that split) or one for the whole log
  const nCat = perSplitNegatives ? TAOBAO_SPLITS.length : 1;
  const src = ctx.sources[0];
  // pass 1: validate, check user contiguity, item popularity (distinct users) per catalogue and category
  const pops = Array.from({ length: nCat }, () => new Map<number, number>());
  const itemCat = new Map<number, number>();
  const finished = new Set<number>();
  const behaviorCounts = [0, 0, 0, 0];
  let categoryConflicts = 0;
  let outOfWindow = 0;
  let rowsRead = 0;
  let cur = -1;
  let seen = new Set<number>();
  let users = 0;
  const stopAt = o.maxUsers ?? Infinity;
  let lastLine = 0;
  const { tail } = await eachRow(
    src,
    (r, lineNo) => {
      if (r.user !== cur) {
        if (finished.has(r.user))
          throw new DataError(
            "BAD_ROW",
            `${src.path}:${lineNo}: rows of user ${r.user} are not contiguous (the user appeared before another user's rows); the derivation needs the log ordered by user`,
            { file: src.path, line: lineNo },
          );
        if (cur >= 0) finished.add(cur);
        cur = r.user;
        seen = new Set<number>();
        users++;
      }
      if (users > stopAt) return;
      lastLine = lineNo;
      rowsRead++;
      behaviorCounts[r.behavior]++;
      if (r.timestamp < WINDOW[0] || r.timestamp >= WINDOW[1]) outOfWindow++;
      const c = itemCat.get(r.item);
      if (c === undefined) itemCat.set(r.item, r.category);
      else if (c !== r.category) categoryConflicts++;
      if (!seen.has(r.item)) {
        seen.add(r.item);
        const pop = pops[perSplitNegatives ? splitOfPair(r.user, r.item) : 0];
        pop.set(r.item, (pop.get(r.item) ?? 0) + 1);
      }
    },
    -1,
  );
  if (rowsRead === 0) throw new DataError("BAD_ROW", `${src.path}: no data rows`, { file: src.path });
  if (tail !== null) ctx.log?.(`${ctx.datasetId}: dropped truncated last line ${tail.line} (${tail.reason})`);
  const tables = pops.map((p) => buildItemTable(p, itemCat));
  const totalItems = itemCat.size;

  // pass 2: one user at a time -> exposures, written to the train / valid / test outputs
  const rng = new Rng(o.seed);
  // split "rows" (v1): the finished rows are split at random, with their own stream
  const rowRng = new Rng(o.seed + 1);
  const writers = TAOBAO_SPLITS.map((n) => new LineWriter(ctx.outputs[n]));
  const stats = {
    rows: 0,
    clicks: 0,
    purchases: 0,
    negatives: 0,
    clickWithoutPv: 0,
    buyWithoutPv: 0,
    negShortfall: 0,
    users: 0,
  };
  const perSplit = TAOBAO_SPLITS.map(() => ({ rows: 0, clicks: 0, purchases: 0 }));
  const put = (group: number, click: number, buy: number, line: string): void => {
    const split = perSplitNegatives ? group : splitOfU(rowRng.next());
    writers[split].write(line);
    stats.rows++;
    perSplit[split].rows++;
    perSplit[split].clicks += click;
    perSplit[split].purchases += buy;
  };
  const emit = (u: UserBuffer): void => {
    stats.users++;
    // per item: first action time, first pv time, behaviour flags
    const first = new Map<number, { cat: number; t: number; tPv: number; flags: number }>();
    for (let i = 0; i < u.items.length; i++) {
      const it = u.items[i];
      const b = u.behaviors[i];
      const t = u.times[i];
      let e = first.get(it);
      if (e === undefined) {
        e = { cat: itemCat.get(it) as number, t, tPv: Infinity, flags: 0 };
        first.set(it, e);
      }
      e.flags |= 1 << b;
      if (t < e.t) e.t = t;
      if (b === 0 && t < e.tPv) e.tPv = t;
    }
    const act = activityBucket(u.items.length);
    // the user's action times per category, sorted: for `cat_history`
    const byCat = new Map<number, number[]>();
    for (let i = 0; i < u.items.length; i++) {
      const c = itemCat.get(u.items[i]) as number;
      const ts = byCat.get(c);
      if (ts === undefined) byCat.set(c, [u.times[i]]);
      else ts.push(u.times[i]);
    }
    for (const ts of byCat.values()) ts.sort((a, b) => a - b);
    const before = (c: number, t: number): number => {
      const ts = byCat.get(c);
      if (ts === undefined) return 0;
      let lo = 0;
      let hi = ts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ts[mid] < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    // actions on the item itself before its exposure time do not count as history
    const ownBefore = new Map<number, number>();
    const exposureTime = (e: { t: number; tPv: number }): number => (Number.isFinite(e.tPv) ? e.tPv : e.t);
    for (let i = 0; i < u.items.length; i++) {
      const e = first.get(u.items[i]) as { t: number; tPv: number };
      if (u.times[i] < exposureTime(e)) ownBefore.set(u.items[i], (ownBefore.get(u.items[i]) ?? 0) + 1);
    }
    // positives, grouped by catalogue (split "positives": by the split of the pair)
    const groups: { cat: number; t: number }[][] = Array.from({ length: nCat }, () => []);
    for (const [it, e] of first) {
      const buy = (e.flags & 8) !== 0 ? 1 : 0;
      if ((e.flags & 1) === 0) {
        stats.clickWithoutPv++;
        if (buy) stats.buyWithoutPv++;
      }
      const t = exposureTime(e);
      const g = perSplitNegatives ? splitOfPair(u.user, it) : 0;
      groups[g].push({ cat: e.cat, t });
      const hist = historyBucket(before(e.cat, t) - (ownBefore.get(it) ?? 0));
      put(g, 1, buy, `1\t${buy}\t${u.user}\t${it}\t${e.cat}\t${taobaoHour(t)}\t${act}\t${hist}`);
      stats.clicks++;
      stats.purchases += buy;
    }
    // negatives, per group from that group's catalogue: never an item the user acted on (in
    // any split), never the same item twice for one user
    const drawn = new Set<number>();
    for (let g = 0; g < nCat; g++) {
      const pos = groups[g];
      if (pos.length === 0) continue;
      const table = tables[g];
      const n = table.items.length;
      let eligible = n;
      for (const it of first.keys()) if (pops[g].has(it)) eligible--;
      const want = Math.round(o.negPerClick * pos.length);
      let got = 0;
      for (let k = 0; k < want; k++) {
        if (got >= eligible) {
          stats.negShortfall += want - k;
          break;
        }
        const anchor = pos[rng.int(pos.length)];
        let idx = -1;
        if (rng.next() < o.sameCategoryShare) {
          const [a, b] = table.range.get(anchor.cat) as [number, number];
          for (let tries = 0; tries < 20 && idx < 0; tries++) {
            const j = draw(table, a, b, rng, uniform);
            if (!first.has(table.items[j]) && !drawn.has(table.items[j])) idx = j;
          }
        }
        for (let tries = 0; tries < 200 && idx < 0; tries++) {
          const j = draw(table, 0, n, rng, uniform);
          if (!first.has(table.items[j]) && !drawn.has(table.items[j])) idx = j;
        }
        if (idx < 0) {
          stats.negShortfall++;
          continue;
        }
        drawn.add(table.items[idx]);
        got++;
        const c = table.cats[idx];
        put(
          g,
          0,
          0,
          `0\t0\t${u.user}\t${table.items[idx]}\t${c}\t${taobaoHour(anchor.t)}\t${act}\t${historyBucket(before(c, anchor.t))}`,
        );
        stats.negatives++;
      }
    }
  };
  try {
    for (const w of writers) w.write(typedTsvHeader(COLUMNS));
    let buf: UserBuffer | null = null;
    await eachRow(
      src,
      (r, lineNo) => {
        if (lineNo > lastLine) return;
        if (buf === null || buf.user !== r.user) {
          if (buf !== null) emit(buf);
          buf = { user: r.user, items: [], cats: [], behaviors: [], times: [] };
        }
        buf.items.push(r.item);
        buf.cats.push(r.category);
        buf.behaviors.push(r.behavior);
        buf.times.push(r.timestamp);
      },
      tail === null ? -1 : tail.line,
    );
    if (buf !== null) emit(buf);
  } finally {
    for (const w of writers) w.close();
  }
  return {
    ...stats,
    ctr: stats.clicks / stats.rows,
    cvrAmongClicks: stats.purchases / stats.clicks,
    ctcvr: stats.purchases / stats.rows,
    logRows: rowsRead,
    behaviorCounts: Object.fromEntries(TAOBAO_BEHAVIORS.map((b, i) => [b, behaviorCounts[i]])),
    items: totalItems,
    catalogueItems: tables.map((t) => t.items.length),
    categories: new Set(itemCat.values()).size,
    categoryConflicts,
    outOfWindowTimestamps: outOfWindow,
    truncatedTail: tail,
    splits: Object.fromEntries(TAOBAO_SPLITS.map((n, i) => [n, perSplit[i]])),
  };
}

function checkOptions(o: Record<string, unknown>): void {
  const num = (k: string, ok: (x: number) => boolean, what: string): void => {
    const x = o[k];
    if (typeof x !== "number" || !ok(x))
      throw new DataError(
        "BAD_OPTION",
        `taobao derive option ${k} must be ${what}, got ${JSON.stringify(x)}`,
      );
  };
  num("negPerClick", (x) => x >= 0 && Number.isFinite(x), "a finite number >= 0");
  num("sameCategoryShare", (x) => x >= 0 && x <= 1, "in [0, 1]");
  num("seed", Number.isInteger, "an integer");
  if (o.negatives !== "uniform" && o.negatives !== "popularity")
    throw new DataError(
      "BAD_OPTION",
      `taobao derive option negatives must be "uniform" or "popularity", got ${JSON.stringify(o.negatives)}`,
    );
  if (o.split !== "positives" && o.split !== "rows")
    throw new DataError(
      "BAD_OPTION",
      `taobao derive option split must be "positives" or "rows", got ${JSON.stringify(o.split)}`,
    );
  const r = o.ratios;
  if (
    !Array.isArray(r) ||
    r.length !== 3 ||
    r.some((x) => typeof x !== "number" || !(x >= 0) || !Number.isFinite(x)) ||
    !(r[0] > 0)
  ) {
    throw new DataError(
      "BAD_OPTION",
      `taobao derive option ratios must be 3 finite non-negative numbers with a positive train share, got ${JSON.stringify(r)}`,
    );
  }
  if (o.maxUsers !== null) num("maxUsers", (x) => Number.isInteger(x) && x >= 1, "null or an integer >= 1");
}

/** The exposure-space derivation over the behaviour file named `source`. */
export function taobaoDerive(source: string): DeriveSpec {
  return {
    id: "taobao-exposure-v2",
    sources: [source],
    outputs: [...TAOBAO_SPLITS],
    defaults: {
      negatives: "uniform",
      split: "positives",
      ratios: [0.8, 0.1, 0.1],
      negPerClick: 3,
      sameCategoryShare: 0,
      seed: 2018,
      maxUsers: null,
    },
    ownsSplit: true,
    check: checkOptions,
    run: deriveTaobao,
  };
}
