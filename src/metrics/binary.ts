/**
 * Binary classification metrics for CTR / CVR heads: AUC, log loss and GAUC.
 *
 * AUC is the Mann-Whitney U statistic divided by (positives x negatives): the probability that a
 * random positive is scored above a random negative, with a tie counting 1/2. This equals the
 * average-rank formula and the trapezoidal area under the ROC curve. Notebook section
 * "evaluate" shows it overall and per group.
 *
 * Conventions (tested in test/metrics/binary.test.ts):
 * - labels must be exactly 0 or 1 for AUC and GAUC (a RangeError names the first bad index);
 * - AUC of single-class input (no positives or no negatives) is NaN: it is undefined, and a
 *   number such as 0.5 would hide that a group had nothing to rank;
 * - any NaN score makes AUC NaN (a diverged model must not get a rank-based score);
 * - log loss accepts soft labels in [0, 1] and clips probabilities to [eps, 1 - eps].
 */

import { assertBinaryLabels, assertSameLength, IdArray, NumArray } from "./types";

/**
 * Tie-aware ROC AUC in O(n log n).
 *
 * Positives and negatives are copied into two Float64Arrays and sorted natively; one merge pass
 * then counts, for each run of equal positive scores, the negatives strictly below (weight 1)
 * and equal (weight 1/2). About 0.1 s for 1e6 rows on one core.
 *
 * @returns AUC in [0, 1]; NaN for single-class input, empty input, or any NaN score.
 */
export function auc(labels: NumArray, scores: NumArray): number {
  assertSameLength("auc", labels, scores, "labels", "scores");
  assertBinaryLabels("auc", labels);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) nPos += labels[i];
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i];
    if (s !== s) return NaN;
    if (labels[i] === 1) pos[p++] = s;
    else neg[q++] = s;
  }
  return sortedAuc(pos.sort(), neg.sort());
}

/** U / (|pos| |neg|) for two ascending, NaN-free, non-empty arrays. */
function sortedAuc(pos: Float64Array, neg: Float64Array): number {
  const nPos = pos.length;
  const nNeg = neg.length;
  let u = 0;
  let below = 0;
  let i = 0;
  while (i < nPos) {
    const s = pos[i];
    let run = 1;
    while (i + run < nPos && pos[i + run] === s) run++;
    while (below < nNeg && neg[below] < s) below++;
    let equal = 0;
    while (below + equal < nNeg && neg[below + equal] === s) equal++;
    u += run * (below + 0.5 * equal);
    i += run;
  }
  return u / (nPos * nNeg);
}

/**
 * Mean binary cross-entropy, `-[y log p + (1 - y) log(1 - p)]`, with p clipped to [eps, 1 - eps].
 *
 * @param labels targets in [0, 1] (soft labels allowed).
 * @param probs predicted probabilities (not logits).
 * @param eps clipping bound; default 1e-7 (the Keras default).
 * @returns the mean over rows; NaN for empty input or any NaN probability.
 */
export function logloss(labels: NumArray, probs: NumArray, eps = 1e-7): number {
  assertSameLength("logloss", labels, probs, "labels", "probs");
  if (!(eps > 0 && eps < 0.5)) throw new RangeError(`logloss: eps must be in (0, 0.5), got ${eps}`);
  const n = labels.length;
  if (n === 0) return NaN;
  const hi = 1 - eps;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!(y >= 0 && y <= 1)) throw new RangeError(`logloss: labels[${i}] = ${y}; labels must lie in [0, 1]`);
    const raw = probs[i];
    if (raw !== raw) return NaN;
    const pr = raw < eps ? eps : raw > hi ? hi : raw;
    sum -= y * Math.log(pr) + (1 - y) * Math.log(1 - pr);
  }
  return sum / n;
}

/** GAUC with the bookkeeping a reader needs to judge it. */
export interface GaucResult {
  /** Impression-weighted mean of per-user AUC over users with both classes; NaN if none. */
  gauc: number;
  /** Users whose AUC entered the mean. */
  usersUsed: number;
  /** Users skipped because all their impressions had one label. */
  usersSkipped: number;
  /** Impressions (rows) of the users used: the total weight. */
  impressionsUsed: number;
  /** Impressions of skipped users. */
  impressionsSkipped: number;
}

/**
 * Group AUC: per-user AUC averaged with each user weighted by their number of impressions
 * (rows), as in the DIN paper (Zhou et al., KDD 2018, Eq. 1). Users with a single class have no
 * AUC and are skipped; how many were skipped is reported.
 *
 * @param userIds integer user (or session) ids aligned with labels; any integers, not necessarily dense.
 */
export function gauc(labels: NumArray, scores: NumArray, userIds: IdArray): GaucResult {
  assertSameLength("gauc", labels, scores, "labels", "scores");
  assertSameLength("gauc", labels, userIds, "labels", "userIds");
  assertBinaryLabels("gauc", labels);
  const n = labels.length;
  const dense = new Int32Array(n);
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const u = userIds[i];
    let d = index.get(u);
    if (d === undefined) {
      d = index.size;
      index.set(u, d);
    }
    dense[i] = d;
  }
  const numUsers = index.size;
  const rows = new Int32Array(numUsers);
  const pos = new Int32Array(numUsers);
  for (let i = 0; i < n; i++) {
    rows[dense[i]]++;
    pos[dense[i]] += labels[i];
  }
  const posStart = new Int32Array(numUsers + 1);
  const negStart = new Int32Array(numUsers + 1);
  for (let u = 0; u < numUsers; u++) {
    posStart[u + 1] = posStart[u] + pos[u];
    negStart[u + 1] = negStart[u] + rows[u] - pos[u];
  }
  const posScores = new Float64Array(posStart[numUsers]);
  const negScores = new Float64Array(negStart[numUsers]);
  const posFill = posStart.slice(0, numUsers);
  const negFill = negStart.slice(0, numUsers);
  let anyNaN = false;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s !== s) anyNaN = true;
    const u = dense[i];
    if (labels[i] === 1) posScores[posFill[u]++] = s;
    else negScores[negFill[u]++] = s;
  }
  const result: GaucResult = {
    gauc: NaN,
    usersUsed: 0,
    usersSkipped: 0,
    impressionsUsed: 0,
    impressionsSkipped: 0,
  };
  let weighted = 0;
  for (let u = 0; u < numUsers; u++) {
    if (pos[u] === 0 || pos[u] === rows[u]) {
      result.usersSkipped++;
      result.impressionsSkipped += rows[u];
      continue;
    }
    const a = sortedAuc(
      posScores.subarray(posStart[u], posStart[u + 1]).sort(),
      negScores.subarray(negStart[u], negStart[u + 1]).sort(),
    );
    weighted += rows[u] * a;
    result.usersUsed++;
    result.impressionsUsed += rows[u];
  }
  if (result.usersUsed > 0 && !anyNaN) result.gauc = weighted / result.impressionsUsed;
  return result;
}
