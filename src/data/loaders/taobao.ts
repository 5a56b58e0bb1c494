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
 * - negatives: `negPerClick` (default 3) sampled exposures per positive, `click` = `purchase` =
 *   0, seeded. A share `sameCategoryShare` (default 0.5) is drawn from the category of a random
 *   positive of the same user, the rest from all items; both proportional to item popularity
 *   (number of distinct users who acted on the item). Popularity weighting gives negatives the
 *   same item and category marginals as the positives, so item or category popularity alone does
 *   not reveal the click; items the user acted on are never drawn as negatives. The CTR of the
 *   exposure space is therefore about 1 / (1 + negPerClick) by construction, not Taobao's.
 * - features (all categorical): user_id, item_id, category_id; `hour` = hour of day (UTC+8) of
 *   the exposure (a positive: its first action; a negative: the time of the positive it was
 *   drawn for, i.e. shown in the same session); `user_activity` = floor(log2(1 + actions of the
 *   user in the log)), identical on a user's positive and negative rows.
 * - rows of one user must be contiguous in the file (the official file and the sample are
 *   ordered by user): the derivation streams one user at a time, so the 100M-row file needs only
 *   per-item tables in memory. A user whose rows reappear later is an error naming the line.
 * - a malformed line is an error naming the file and line, except a malformed LAST line, which
 *   is taken as the truncated tail of a byte-limited head (the registered sample ends in one: a
 *   pv row cut before its timestamp) and dropped; it is reported as `truncatedTail`.
 * The derived file is then re-split at random 8:1:1 (seed 2018) by the pipeline; vocabularies
 * are built on train with minCount 2 (items seen once in train map to the OOV id).
 */
import { Rng } from "../../engine/rng";
import { DataError, RowError } from "../errors";
import { forEachLine } from "../lines";
import type { DeriveContext, DeriveSource, DeriveSpec } from "./derived";
import { LineWriter, typedTsvFormat, typedTsvHeader } from "./derived";

export const TAOBAO_BEHAVIORS = ["pv", "cart", "fav", "buy"] as const;
export const TAOBAO_LABELS = ["click", "purchase"] as const;
export const TAOBAO_CATEGORICAL = ["user_id", "item_id", "category_id", "hour", "user_activity"] as const;

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
  if (!/^\d{1,15}$/.test(t)) throw new RowError(`${name} must be a non-negative integer, found "${t.slice(0, 40)}"`);
  return Number(t);
}

/** Parses one raw line; throws RowError with the reason (the caller adds file and line). */
export function parseTaobaoLine(line: string): TaobaoRow {
  const c = line.split(",");
  if (c.length !== 5) throw new RowError(`expected 5 comma-separated columns (user_id, item_id, category_id, behavior_type, timestamp), found ${c.length}`);
  const behavior = (TAOBAO_BEHAVIORS as readonly string[]).indexOf(c[3]);
  if (behavior < 0) throw new RowError(`behavior_type must be one of ${TAOBAO_BEHAVIORS.join(", ")}, found "${c[3].slice(0, 40)}"`);
  const ts = c[4];
  if (!/^-?\d{1,12}$/.test(ts)) throw new RowError(`timestamp must be an integer unix time, found "${ts.slice(0, 40)}"`);
  return { user: parseId(c[0], "user_id"), item: parseId(c[1], "item_id"), category: parseId(c[2], "category_id"), behavior, timestamp: Number(ts) };
}

/** Hour of day (0-23) in China time of a unix timestamp. */
export function taobaoHour(ts: number): number {
  return new Date((ts + TZ_OFFSET_S) * 1000).getUTCHours();
}

/** Activity bucket token of a user with `actions` log rows: floor(log2(1 + actions)). */
export function activityBucket(actions: number): string {
  return `a${Math.floor(Math.log2(1 + actions))}`;
}

/**
 * Streams the rows of `src`: blank lines skipped, a malformed line raises BAD_ROW naming file and
 * line unless it is the last line (then it is returned as the truncated tail).
 */
async function eachRow(src: DeriveSource, onRow: (r: TaobaoRow, lineNo: number) => void, skipLine: number): Promise<{ tail: { line: number; text: string; reason: string } | null }> {
  let pending: { line: number; text: string; reason: string } | null = null;
  await forEachLine(
    src.path,
    (line, lineNo) => {
      if (line.length === 0 || lineNo === skipLine) return;
      if (pending !== null) throw new DataError("BAD_ROW", `${src.path}:${pending.line}: ${pending.reason}`, { file: src.path, line: pending.line });
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

/** Index in [a, b) drawn proportionally to popularity. */
function draw(t: ItemTable, a: number, b: number, rng: Rng): number {
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

async function deriveTaobao(ctx: DeriveContext): Promise<Record<string, unknown>> {
  const o = ctx.options as { negPerClick: number; sameCategoryShare: number; seed: number; maxUsers: number | null };
  const src = ctx.sources[0];
  // pass 1: validate, check user contiguity, item popularity (distinct users) and category
  const pop = new Map<number, number>();
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
        if (finished.has(r.user)) throw new DataError("BAD_ROW", `${src.path}:${lineNo}: rows of user ${r.user} are not contiguous (the user appeared before another user's rows); the derivation needs the log ordered by user`, { file: src.path, line: lineNo });
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
        pop.set(r.item, (pop.get(r.item) ?? 0) + 1);
      }
    },
    -1,
  );
  if (rowsRead === 0) throw new DataError("BAD_ROW", `${src.path}: no data rows`, { file: src.path });
  if (tail !== null) ctx.log?.(`${ctx.datasetId}: dropped truncated last line ${tail.line} (${tail.reason})`);
  const table = buildItemTable(pop, itemCat);
  const totalItems = table.items.length;

  // pass 2: one user at a time -> exposures
  const rng = new Rng(o.seed);
  const w = new LineWriter(ctx.outputs.exposures);
  const stats = { rows: 0, clicks: 0, purchases: 0, negatives: 0, clickWithoutPv: 0, buyWithoutPv: 0, negShortfall: 0, users: 0 };
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
    const pos: { cat: number; t: number }[] = [];
    for (const [it, e] of first) {
      const buy = (e.flags & 8) !== 0 ? 1 : 0;
      if ((e.flags & 1) === 0) {
        stats.clickWithoutPv++;
        if (buy) stats.buyWithoutPv++;
      }
      const t = Number.isFinite(e.tPv) ? e.tPv : e.t;
      pos.push({ cat: e.cat, t });
      w.write(`1\t${buy}\t${u.user}\t${it}\t${e.cat}\t${taobaoHour(t)}\t${act}`);
      stats.rows++;
      stats.clicks++;
      stats.purchases += buy;
    }
    const want = Math.round(o.negPerClick * pos.length);
    const drawn = new Set<number>();
    const eligible = totalItems - first.size;
    for (let k = 0; k < want && drawn.size < eligible; k++) {
      const anchor = pos[rng.int(pos.length)];
      let idx = -1;
      if (rng.next() < o.sameCategoryShare) {
        const [a, b] = table.range.get(anchor.cat) as [number, number];
        for (let tries = 0; tries < 20 && idx < 0; tries++) {
          const j = draw(table, a, b, rng);
          if (!first.has(table.items[j]) && !drawn.has(j)) idx = j;
        }
      }
      for (let tries = 0; tries < 200 && idx < 0; tries++) {
        const j = draw(table, 0, totalItems, rng);
        if (!first.has(table.items[j]) && !drawn.has(j)) idx = j;
      }
      if (idx < 0) {
        stats.negShortfall++;
        continue;
      }
      drawn.add(idx);
      w.write(`0\t0\t${u.user}\t${table.items[idx]}\t${table.cats[idx]}\t${taobaoHour(anchor.t)}\t${act}`);
      stats.rows++;
      stats.negatives++;
    }
  };
  try {
    w.write(typedTsvHeader(COLUMNS));
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
    w.close();
  }
  return {
    ...stats,
    ctr: stats.clicks / stats.rows,
    cvrAmongClicks: stats.purchases / stats.clicks,
    ctcvr: stats.purchases / stats.rows,
    logRows: rowsRead,
    behaviorCounts: Object.fromEntries(TAOBAO_BEHAVIORS.map((b, i) => [b, behaviorCounts[i]])),
    items: totalItems,
    categories: table.range.size,
    categoryConflicts,
    outOfWindowTimestamps: outOfWindow,
    truncatedTail: tail,
  };
}

function checkOptions(o: Record<string, unknown>): void {
  const num = (k: string, ok: (x: number) => boolean, what: string): void => {
    const x = o[k];
    if (typeof x !== "number" || !ok(x)) throw new DataError("BAD_OPTION", `taobao derive option ${k} must be ${what}, got ${JSON.stringify(x)}`);
  };
  num("negPerClick", (x) => x >= 0 && Number.isFinite(x), "a finite number >= 0");
  num("sameCategoryShare", (x) => x >= 0 && x <= 1, "in [0, 1]");
  num("seed", Number.isInteger, "an integer");
  if (o.maxUsers !== null) num("maxUsers", (x) => Number.isInteger(x) && x >= 1, "null or an integer >= 1");
}

/** The exposure-space derivation over the behaviour file named `source`. */
export function taobaoDerive(source: string): DeriveSpec {
  return {
    id: "taobao-exposure-v1",
    sources: [source],
    outputs: ["exposures"],
    defaults: { negPerClick: 3, sameCategoryShare: 0.5, seed: 2018, maxUsers: null },
    check: checkOptions,
    run: deriveTaobao,
  };
}
