/**
 * Golden tests for AUC, log loss and GAUC. Every expected value is derived by hand in the comment
 * next to it (pair counting: a positive above a negative scores 1, a tie 1/2).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { auc, gauc, logloss } from "../../src/metrics";
import { Rng } from "../../src/engine/rng";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test("auc: textbook example", () => {
  // positives 0.35, 0.8; negatives 0.1, 0.4.
  // 0.35 > 0.1 (1), 0.35 < 0.4 (0), 0.8 > both (2) => 3 / (2*2) = 0.75
  close(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
});

test("auc: a tie between a positive and a negative counts 1/2", () => {
  // positives 0.5, 0.7; negatives 0.5, 0.2.
  // 0.5 vs 0.5 tie (0.5), 0.5 > 0.2 (1), 0.7 > both (2) => 3.5 / 4 = 0.875
  // Average ranks: 0.2->1, 0.5,0.5->2.5, 0.7->4; U = (2.5 + 4) - 2*3/2 = 3.5. Same.
  close(auc([1, 0, 1, 0], new Float32Array([0.5, 0.5, 0.7, 0.2])), 0.875);
});

test("auc: ties within a class do not matter; runs of tied positives against tied negatives", () => {
  // positives 0.3, 0.3, 0.9; negatives 0.3, 0.1.
  // each 0.3 positive: vs 0.3 tie (0.5) + vs 0.1 win (1) = 1.5, twice = 3; 0.9: 2 => 5 / 6
  close(auc([1, 1, 1, 0, 0], [0.3, 0.3, 0.9, 0.3, 0.1]), 5 / 6);
});

test("auc: all-equal scores give exactly 0.5", () => {
  // every one of the 2*3 pairs is a tie => 6 * 0.5 / 6
  assert.equal(auc([1, 0, 1, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2]), 0.5);
});

test("auc: perfect and reversed ranking", () => {
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
  assert.equal(auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]), 0);
});

test("auc: single-class and empty input are NaN", () => {
  assert.ok(Number.isNaN(auc([1, 1, 1], [0.1, 0.5, 0.9])));
  assert.ok(Number.isNaN(auc([0, 0], [0.1, 0.5])));
  assert.ok(Number.isNaN(auc([], [])));
});

test("auc: a NaN score makes the result NaN", () => {
  assert.ok(Number.isNaN(auc([1, 0, 1], [0.5, NaN, 0.2])));
});

test("auc: non-binary labels and misaligned arrays are rejected", () => {
  assert.throws(() => auc([1, 0.5, 0], [0.1, 0.2, 0.3]), /labels\[1\] = 0.5/);
  assert.throws(() => auc([1, 0], [0.1]), /length 2 .* length 1/);
});

test("auc: -0 and +0 are one tied score", () => {
  // positive -0 vs negative +0 tie => 0.5
  assert.equal(auc([1, 0], [-0, 0]), 0.5);
});

/** O(n^2) reference: count every positive-negative pair. */
function pairwiseAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) u += 1;
      else if (scores[i] === scores[j]) u += 0.5;
    }
  }
  return pairs === 0 ? NaN : u / pairs;
}

test("auc: randomized property check against the O(n^2) pairwise reference", () => {
  const rng = new Rng(20240601);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + rng.int(120);
    const levels = 1 + rng.int(trial % 3 === 0 ? 4 : 1000);
    const labels = new Float32Array(n);
    const scores = new Float32Array(n);
    const posRate = rng.next();
    for (let i = 0; i < n; i++) {
      labels[i] = rng.next() < posRate ? 1 : 0;
      scores[i] = rng.int(levels) / levels;
    }
    const expected = pairwiseAuc(labels, scores);
    const actual = auc(labels, scores);
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `trial ${trial}: expected NaN`);
    else close(actual, expected, 1e-12);
  }
});

test("auc: 1e6 rows in well under a second", () => {
  const rng = new Rng(7);
  const n = 1_000_000;
  const labels = new Float32Array(n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    labels[i] = y;
    scores[i] = rng.normal() + y;
  }
  const t0 = process.hrtime.bigint();
  const a = auc(labels, scores);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Separation of 1 std between the classes: AUC = Phi(1 / sqrt(2)) = 0.7602.
  close(a, 0.7602, 5e-3);
  assert.ok(ms < 1500, `auc on 1e6 rows took ${ms.toFixed(0)} ms`);
});

test("logloss: hand values and clipping", () => {
  // -(ln 0.8 + ln (1 - 0.4)) / 2
  close(logloss([1, 0], [0.8, 0.4]), -(Math.log(0.8) + Math.log(0.6)) / 2);
  // p = 0 for a positive and p = 1 for a negative clip to eps: each costs -ln(1e-7) = 16.118...
  close(logloss([1, 0], [0, 1]), -Math.log(1e-7), 1e-6);
  // a custom eps
  close(logloss([1], [0], 1e-3), -Math.log(1e-3), 1e-9);
  // soft label 0.5 at p = 0.5: -(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2
  close(logloss([0.5], [0.5]), Math.LN2);
  assert.ok(Number.isNaN(logloss([], [])));
  assert.ok(Number.isNaN(logloss([1], [NaN])));
  assert.throws(() => logloss([2], [0.5]), /labels\[0\] = 2/);
});

test("gauc: impression-weighted per-user AUC, single-class users skipped and counted", () => {
  // user 42: labels 1,0,0 scores 0.9,0.1,0.95 -> 0.9>0.1 (1), 0.9<0.95 (0) -> AUC 0.5, weight 3
  // user 7:  labels 1,0   scores 0.3,0.2      -> AUC 1, weight 2
  // user 1000: labels 1,1 -> single class, skipped (2 impressions)
  // GAUC = (3 * 0.5 + 2 * 1) / 5 = 0.7
  const users = new Int32Array([42, 7, 1000, 42, 7, 42, 1000]);
  const labels = [1, 1, 1, 0, 0, 0, 1];
  const scores = [0.9, 0.3, 0.5, 0.1, 0.2, 0.95, 0.6];
  const r = gauc(labels, scores, users);
  close(r.gauc, 0.7);
  assert.equal(r.usersUsed, 2);
  assert.equal(r.usersSkipped, 1);
  assert.equal(r.impressionsUsed, 5);
  assert.equal(r.impressionsSkipped, 2);
});

test("gauc: every user single-class gives NaN; ties inside a user count 1/2", () => {
  const r = gauc([1, 0, 1], [0.5, 0.5, 0.1], [1, 2, 3]);
  assert.ok(Number.isNaN(r.gauc));
  assert.equal(r.usersSkipped, 3);
  // one user, positive 0.5 tied with negative 0.5 -> 0.5
  assert.equal(gauc([1, 0], [0.5, 0.5], [9, 9]).gauc, 0.5);
});

test("gauc: matches auc when there is a single user", () => {
  const labels = [0, 0, 1, 1, 0, 1];
  const scores = [0.1, 0.4, 0.35, 0.8, 0.35, 0.2];
  close(gauc(labels, scores, new Int32Array(6)).gauc, auc(labels, scores));
});
