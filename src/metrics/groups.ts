/**
 * Per-group breakdown of any metric, and the standard binary evaluation (overall + per group).
 *
 * Groups are the axis a paper cares about (domain, scenario, behaviour, coldness); the dataset
 * schema declares them and batches carry one Int32Array of group ids per axis. Notebook section
 * "evaluate" shows overall and per-group values side by side.
 */

import { auc, logloss } from "./binary";
import { assertSameLength, IdArray, NumArray } from "./types";

/** Any metric of aligned labels and scores, e.g. `auc` or `logloss`. */
export type BinaryMetric = (labels: Float64Array, scores: Float64Array) => number;

/** One metric broken down by group; arrays are indexed by group id. */
export interface GroupBreakdown {
  names: string[];
  values: number[];
  /** Rows per group. */
  counts: number[];
  /** Rows with label 1 per group (labels summed). */
  positives: number[];
}

function checkGroups(
  what: string,
  labels: NumArray,
  groupIds: IdArray,
  numGroups: number,
  names?: string[],
): string[] {
  assertSameLength(what, labels, groupIds, "labels", "groupIds");
  if (!(Number.isInteger(numGroups) && numGroups >= 1))
    throw new RangeError(`${what}: numGroups must be a positive integer, got ${numGroups}`);
  if (names && names.length !== numGroups)
    throw new RangeError(`${what}: ${names.length} names given for ${numGroups} groups`);
  for (let i = 0; i < groupIds.length; i++) {
    const g = groupIds[i];
    if (!(Number.isInteger(g) && g >= 0 && g < numGroups))
      throw new RangeError(`${what}: groupIds[${i}] = ${g} is outside [0, ${numGroups})`);
  }
  return names ? [...names] : Array.from({ length: numGroups }, (_, g) => `group ${g}`);
}

/**
 * Applies `metric` to the rows of each group. Empty groups get NaN with count 0; single-class
 * groups get whatever the metric says (NaN for `auc`).
 *
 * @param names human names for group ids 0..numGroups-1; default "group 0", "group 1", ...
 */
export function byGroup(
  metric: BinaryMetric,
  labels: NumArray,
  scores: NumArray,
  groupIds: IdArray,
  numGroups: number,
  names?: string[],
): GroupBreakdown {
  assertSameLength("byGroup", labels, scores, "labels", "scores");
  const groupNames = checkGroups("byGroup", labels, groupIds, numGroups, names);
  const counts = new Array<number>(numGroups).fill(0);
  const positives = new Array<number>(numGroups).fill(0);
  for (let i = 0; i < groupIds.length; i++) {
    counts[groupIds[i]]++;
    positives[groupIds[i]] += labels[i];
  }
  const ys = counts.map((c) => new Float64Array(c));
  const ss = counts.map((c) => new Float64Array(c));
  const fill = new Array<number>(numGroups).fill(0);
  for (let i = 0; i < groupIds.length; i++) {
    const g = groupIds[i];
    ys[g][fill[g]] = labels[i];
    ss[g][fill[g]++] = scores[i];
  }
  const values = counts.map((c, g) => (c === 0 ? NaN : metric(ys[g], ss[g])));
  return { names: groupNames, values, counts, positives };
}

/** AUC, log loss and label counts of one set of rows. */
export interface BinaryMetrics {
  /** NaN when the rows hold a single class. */
  auc: number;
  logloss: number;
  count: number;
  positives: number;
}

export interface BinaryEvaluation extends BinaryMetrics {
  /** Per group name (empty when no groups were given). */
  perGroup: Record<string, BinaryMetrics>;
}

export interface EvaluateBinaryOptions {
  /** Group id per row, with the number of groups and optional names. */
  groups?: { ids: IdArray; numGroups: number; names?: string[] };
  /** Log loss clipping bound; default 1e-7. */
  eps?: number;
}

/** Overall and per-group AUC / log loss of probabilities against 0/1 labels. */
export function evaluateBinary(
  labels: NumArray,
  probs: NumArray,
  options: EvaluateBinaryOptions = {},
): BinaryEvaluation {
  const eps = options.eps ?? 1e-7;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const result: BinaryEvaluation = {
    auc: auc(labels, probs),
    logloss: logloss(labels, probs, eps),
    count: labels.length,
    positives,
    perGroup: {},
  };
  const g = options.groups;
  if (g) {
    const aucs = byGroup(auc, labels, probs, g.ids, g.numGroups, g.names);
    const losses = byGroup((y, p) => logloss(y, p, eps), labels, probs, g.ids, g.numGroups, g.names);
    aucs.names.forEach((name, i) => {
      result.perGroup[name] = {
        auc: aucs.values[i],
        logloss: losses.values[i],
        count: aucs.counts[i],
        positives: aucs.positives[i],
      };
    });
  }
  return result;
}
