/** Golden tests for per-group breakdowns, evaluateBinary and the seed-spread rule. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  auc,
  byGroup,
  compareSpread,
  evaluateBinary,
  formatMeanStd,
  logloss,
  meanStd,
  summariseSeeds,
} from "../../src/metrics";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

// group 0: pos 0.9 vs neg 0.1 -> AUC 1
// group 1: pos 0.4 vs neg 0.6 -> AUC 0
// group 2: two positives -> single class, AUC NaN
// group 3: no rows -> NaN, count 0
const LABELS = [1, 0, 1, 0, 1, 1];
const SCORES = [0.9, 0.1, 0.4, 0.6, 0.5, 0.5];
const GROUPS = new Int32Array([0, 0, 1, 1, 2, 2]);

test("byGroup: perfect, reversed, single-class and empty groups", () => {
  const r = byGroup(auc, LABELS, SCORES, GROUPS, 4, ["a", "b", "c", "d"]);
  assert.deepEqual(r.names, ["a", "b", "c", "d"]);
  assert.equal(r.values[0], 1);
  assert.equal(r.values[1], 0);
  assert.ok(Number.isNaN(r.values[2]));
  assert.ok(Number.isNaN(r.values[3]));
  assert.deepEqual(r.counts, [2, 2, 2, 0]);
  assert.deepEqual(r.positives, [1, 1, 2, 0]);
  assert.deepEqual(byGroup(auc, LABELS, SCORES, GROUPS, 3).names, ["group 0", "group 1", "group 2"]);
  assert.throws(() => byGroup(auc, LABELS, SCORES, GROUPS, 2), /groupIds\[4\] = 2 is outside \[0, 2\)/);
  assert.throws(() => byGroup(auc, LABELS, SCORES, GROUPS, 3, ["x"]), /1 names given for 3 groups/);
});

test("evaluateBinary: overall and per group", () => {
  const r = evaluateBinary(LABELS, SCORES, { groups: { ids: GROUPS, numGroups: 3, names: ["a", "b", "c"] } });
  // positives 0.9, 0.4, 0.5, 0.5 vs negatives 0.1, 0.6: 0.9 -> 2, 0.4 -> 1, 0.5 -> 1 each => 5 / 8
  close(r.auc, 5 / 8);
  close(r.logloss, logloss(LABELS, SCORES));
  assert.equal(r.count, 6);
  assert.equal(r.positives, 4);
  assert.equal(r.perGroup.a.auc, 1);
  assert.equal(r.perGroup.b.auc, 0);
  assert.ok(Number.isNaN(r.perGroup.c.auc));
  // group c: two positives at 0.5 -> -ln 0.5 = ln 2
  close(r.perGroup.c.logloss, Math.LN2);
  assert.equal(r.perGroup.c.count, 2);
  assert.equal(r.perGroup.c.positives, 2);
  assert.deepEqual(evaluateBinary(LABELS, SCORES).perGroup, {});
});

test("meanStd / summariseSeeds: sample std", () => {
  // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; / (4 - 1) -> std sqrt(5/3)
  const s = summariseSeeds([1, 2, 3, 4]);
  close(s.mean, 2.5);
  close(s.std, Math.sqrt(5 / 3));
  assert.deepEqual([s.min, s.max, s.n], [1, 4, 4]);
  assert.deepEqual(meanStd([0.7]), { mean: 0.7, std: 0 });
  const empty = summariseSeeds([]);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.mean) && Number.isNaN(empty.std));
});

test("compareSpread: a tie on the boundary, a win, and a constant reference", () => {
  // a: mean 2, std 1; b: mean 3, std 0.5; |diff| = 1 <= max(1, 0.5) -> tie (inclusive)
  const t = compareSpread([1, 2, 3], [2.5, 3, 3.5]);
  assert.equal(t.diff, -1);
  assert.equal(t.spread, 1);
  assert.equal(t.tie, true);
  assert.equal(t.better, "tie");
  // b shifted by 1: |diff| = 2 > 1 -> b is better
  const w = compareSpread([1, 2, 3], [3.5, 4, 4.5]);
  assert.equal(w.tie, false);
  assert.equal(w.better, "b");
  // constant b = 0: spread is a's std 1; diff 2 -> a
  assert.equal(compareSpread([1, 2, 3], 0).better, "a");
  // one seed each: no spread, any difference counts, flagged
  const one = compareSpread([0.8], [0.79]);
  assert.equal(one.better, "a");
  assert.equal(one.spreadKnown, false);
  // a floor on the spread
  assert.equal(compareSpread([0.8], [0.79], { minSpread: 0.02 }).tie, true);
  assert.throws(() => compareSpread([], [1]), /a has no values/);
  assert.throws(() => compareSpread([1], [NaN]), /b\[0\] = NaN is not finite/);
});

test("formatMeanStd", () => {
  assert.equal(formatMeanStd(summariseSeeds([1, 2, 3]), 2), "2.00 ± 1.00 (n=3)");
  assert.equal(formatMeanStd(summariseSeeds([0.5]), 3), "0.500 (n=1)");
  assert.equal(formatMeanStd(summariseSeeds([])), "n/a");
});
