/**
 * Top-K ranking metrics: hitRate@K, ndcg@K, recall@K and MRR, under two protocols.
 *
 * 1. Sampled candidates ("leave-one-out, 1 positive among N"), as in NCF (He et al., WWW 2017)
 *    and most sequential-recommendation papers: a score matrix [U, N] row-major with the
 *    positive at a known column. With one relevant item, IDCG = 1 and recall@K = hitRate@K.
 * 2. Full ranking, as in LightGCN (He et al., SIGIR 2020): a ranked list of item ids per user and
 *    that user's set of relevant (held-out) items.
 *
 * Definitions (RecBole `recbole/evaluator/metrics.py` uses the same ones), for a user with
 * relevant set R and the positions r = 1, 2, ... of relevant items in the ranking:
 *   hitRate@K = 1 if some relevant item has r <= K, else 0
 *   recall@K  = |{relevant with r <= K}| / |R|
 *   ndcg@K    = sum_{relevant, r <= K} 1 / log2(r + 1)  /  sum_{r = 1}^{min(|R|, K)} 1 / log2(r + 1)
 *   mrr       = 1 / (rank of the first relevant item); 0 if none is ranked. Not truncated at K.
 * Each metric is averaged over users; users with an empty relevant set are skipped and counted.
 * When K exceeds the list length, the whole list is the top K (the ideal DCG still uses min(|R|, K)).
 *
 * Ties (sampled protocol): scores can tie, and a constant scorer must not look good. Two rules:
 * - "expected" (default): the value is the exact expectation under uniformly random tie-breaking.
 *   With g candidates scored strictly above the positive and t other candidates tied with it, the
 *   rank is uniform on {g+1, ..., g+t+1}; each metric is averaged over those ranks. A constant
 *   scorer gets exactly the random-guess value (hitRate@K = K / N), deterministically, no RNG.
 * - "pessimistic": rank = g + t + 1 (every tie is ranked above the positive); a lower bound.
 * The optimistic rule (rank g + 1) is deliberately not offered: it inflates degenerate models
 * (Sun et al., "Are We Evaluating Rigorously?", RecSys 2020).
 * In the full-ranking protocol the list order is authoritative: whoever produced the list broke
 * the ties.
 */

import { IdArray, NumArray } from "./types";

/** How tied scores are ranked against the positive in the sampled protocol. */
export type TieRule = "expected" | "pessimistic";

/** Averaged ranking metrics, keyed `hitRate@K`, `ndcg@K`, `recall@K` for every K, and `mrr`. */
export interface RankingReport {
  protocol: "sampled" | "full";
  /** Users (rows) averaged over. */
  users: number;
  /** Users skipped because they had no relevant item (full protocol only; always 0 for sampled). */
  usersSkipped: number;
  ks: number[];
  ties: TieRule | "list order";
  values: Record<string, number>;
  /** Per-user values with the same keys (only when requested), e.g. for per-group breakdowns. */
  perUser?: Record<string, Float64Array>;
}

export interface SampledRankingOptions {
  /** Cut-offs K, e.g. [5, 10]. Each must be a positive integer. */
  ks: number[];
  /** Column of the positive in each row: one column for all rows, or one per row. Default 0. */
  positiveColumn?: number | IdArray;
  /** Tie rule; default "expected". */
  ties?: TieRule;
  /** Also return per-user values. Default false. */
  perUser?: boolean;
}

export interface FullRankingOptions {
  /** Cut-offs K, e.g. [20]. Each must be a positive integer. */
  ks: number[];
  /** Also return per-user values (NaN for skipped users). Default false. */
  perUser?: boolean;
}

/** Position of the positive among its candidates: `greater` strictly higher scores, `ties` other equal scores. */
export interface PositiveRanks {
  greater: Int32Array;
  ties: Int32Array;
}

/** Discount 1 / log2(r + 1) for rank r >= 1. */
export function discount(rank: number): number {
  return 1 / Math.log2(rank + 1);
}

function checkKs(what: string, ks: number[]): void {
  if (ks.length === 0) throw new RangeError(`${what}: ks is empty`);
  for (const k of ks)
    if (!(Number.isInteger(k) && k >= 1))
      throw new RangeError(`${what}: K must be a positive integer, got ${k}`);
}

/**
 * Counts, for each row of a [U, N] score matrix, the candidates scored strictly above the positive
 * and the other candidates tied with it. A NaN positive score counts every other candidate as
 * greater (worst rank); NaN negatives never outrank the positive.
 */
export function positiveRanks(
  scores: NumArray,
  numCandidates: number,
  positiveColumn: number | IdArray = 0,
): PositiveRanks {
  const n = numCandidates;
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`positiveRanks: numCandidates must be a positive integer, got ${n}`);
  if (scores.length % n !== 0)
    throw new RangeError(
      `positiveRanks: scores length ${scores.length} is not a multiple of numCandidates ${n}`,
    );
  const users = scores.length / n;
  const perRow = typeof positiveColumn !== "number";
  if (perRow && (positiveColumn as IdArray).length !== users) {
    throw new RangeError(
      `positiveRanks: positiveColumn has length ${(positiveColumn as IdArray).length} but there are ${users} rows`,
    );
  }
  const greater = new Int32Array(users);
  const ties = new Int32Array(users);
  for (let u = 0; u < users; u++) {
    const col = perRow ? (positiveColumn as IdArray)[u] : (positiveColumn as number);
    if (!(Number.isInteger(col) && col >= 0 && col < n))
      throw new RangeError(`positiveRanks: positive column ${col} of row ${u} is outside [0, ${n})`);
    const base = u * n;
    const s = scores[base + col];
    if (s !== s) {
      greater[u] = n - 1;
      continue;
    }
    let g = 0;
    let t = 0;
    for (let j = 0; j < n; j++) {
      const v = scores[base + j];
      if (v > s) g++;
      else if (v === s) t++;
    }
    greater[u] = g;
    ties[u] = t - 1;
  }
  return { greater, ties };
}

/**
 * Ranking metrics for the "1 positive among N sampled candidates" protocol.
 *
 * @param scores row-major [U, N] scores; higher is better.
 * @param numCandidates N, the candidates per row (positive included).
 */
export function sampledRanking(
  scores: NumArray,
  numCandidates: number,
  options: SampledRankingOptions,
): RankingReport {
  checkKs("sampledRanking", options.ks);
  const rule = options.ties ?? "expected";
  const { greater, ties } = positiveRanks(scores, numCandidates, options.positiveColumn ?? 0);
  const users = greater.length;
  const n = numCandidates;
  // cumDisc[r] = sum_{i=1}^{r} 1/log2(i+1); cumInv[r] = sum_{i=1}^{r} 1/i.
  const cumDisc = new Float64Array(n + 1);
  const cumInv = new Float64Array(n + 1);
  for (let r = 1; r <= n; r++) {
    cumDisc[r] = cumDisc[r - 1] + discount(r);
    cumInv[r] = cumInv[r - 1] + 1 / r;
  }
  const keys = metricKeys(options.ks);
  const sums: Record<string, number> = {};
  const per: Record<string, Float64Array> = {};
  for (const key of keys) {
    sums[key] = 0;
    if (options.perUser) per[key] = new Float64Array(users);
  }
  for (let u = 0; u < users; u++) {
    const lo = rule === "expected" ? greater[u] + 1 : greater[u] + ties[u] + 1;
    const hi = greater[u] + ties[u] + 1;
    const width = hi - lo + 1;
    const mrr = width === 1 ? 1 / lo : (cumInv[hi] - cumInv[lo - 1]) / width;
    add(sums, per, "mrr", u, mrr);
    for (const k of options.ks) {
      const top = Math.min(k, hi);
      const inTop = top >= lo ? top - lo + 1 : 0;
      const hr = inTop / width;
      const ndcg = inTop === 0 ? 0 : width === 1 ? discount(lo) : (cumDisc[top] - cumDisc[lo - 1]) / width;
      add(sums, per, `hitRate@${k}`, u, hr);
      add(sums, per, `recall@${k}`, u, hr);
      add(sums, per, `ndcg@${k}`, u, ndcg);
    }
  }
  return finish("sampled", users, 0, options.ks, rule, sums, options.perUser ? per : undefined);
}

/**
 * Ranking metrics for full-ranking lists.
 *
 * @param rankedItems per user, item ids best first (any length; ids must be distinct within a list).
 * @param relevant per user, the relevant item ids (a Set, or an array of distinct ids).
 */
export function fullRanking(
  rankedItems: ReadonlyArray<IdArray>,
  relevant: ReadonlyArray<ReadonlySet<number> | IdArray>,
  options: FullRankingOptions,
): RankingReport {
  checkKs("fullRanking", options.ks);
  if (rankedItems.length !== relevant.length) {
    throw new RangeError(
      `fullRanking: rankedItems has ${rankedItems.length} users but relevant has ${relevant.length}`,
    );
  }
  const maxK = Math.max(...options.ks);
  const cumDisc = new Float64Array(maxK + 1);
  for (let r = 1; r <= maxK; r++) cumDisc[r] = cumDisc[r - 1] + discount(r);
  const keys = metricKeys(options.ks);
  const sums: Record<string, number> = {};
  const per: Record<string, Float64Array> = {};
  for (const key of keys) {
    sums[key] = 0;
    if (options.perUser) per[key] = new Float64Array(rankedItems.length).fill(NaN);
  }
  let used = 0;
  let skipped = 0;
  const hitRanks: number[] = [];
  for (let u = 0; u < rankedItems.length; u++) {
    const rel = toSet(relevant[u]);
    if (rel.size === 0) {
      skipped++;
      continue;
    }
    used++;
    const list = rankedItems[u];
    const seen = new Set<number>();
    hitRanks.length = 0;
    let firstHit = 0;
    for (let i = 0; i < list.length; i++) {
      if (i >= maxK && firstHit > 0) break;
      const item = list[i];
      if (seen.has(item)) throw new RangeError(`fullRanking: user ${u} lists item ${item} twice`);
      seen.add(item);
      if (rel.has(item)) {
        if (firstHit === 0) firstHit = i + 1;
        if (i < maxK) hitRanks.push(i + 1);
      }
    }
    add(sums, per, "mrr", u, firstHit > 0 ? 1 / firstHit : 0);
    for (const k of options.ks) {
      let hits = 0;
      let dcg = 0;
      for (const r of hitRanks) {
        if (r > k) break;
        hits++;
        dcg += discount(r);
      }
      add(sums, per, `hitRate@${k}`, u, hits > 0 ? 1 : 0);
      add(sums, per, `recall@${k}`, u, hits / rel.size);
      add(sums, per, `ndcg@${k}`, u, dcg / cumDisc[Math.min(rel.size, k)]);
    }
  }
  return finish("full", used, skipped, options.ks, "list order", sums, options.perUser ? per : undefined);
}

function toSet(rel: ReadonlySet<number> | IdArray): ReadonlySet<number> {
  if (rel instanceof Set) return rel;
  const s = new Set<number>();
  const a = rel as IdArray;
  for (let i = 0; i < a.length; i++) s.add(a[i]);
  return s;
}

function metricKeys(ks: number[]): string[] {
  const keys: string[] = [];
  for (const k of ks) keys.push(`hitRate@${k}`, `ndcg@${k}`, `recall@${k}`);
  keys.push("mrr");
  return keys;
}

function add(
  sums: Record<string, number>,
  per: Record<string, Float64Array>,
  key: string,
  u: number,
  v: number,
): void {
  sums[key] += v;
  const arr = per[key];
  if (arr) arr[u] = v;
}

function finish(
  protocol: "sampled" | "full",
  users: number,
  usersSkipped: number,
  ks: number[],
  ties: TieRule | "list order",
  sums: Record<string, number>,
  perUser: Record<string, Float64Array> | undefined,
): RankingReport {
  const values: Record<string, number> = {};
  for (const key of Object.keys(sums)) values[key] = users > 0 ? sums[key] / users : NaN;
  const report: RankingReport = { protocol, users, usersSkipped, ks: [...ks], ties, values };
  if (perUser) report.perUser = perUser;
  return report;
}
