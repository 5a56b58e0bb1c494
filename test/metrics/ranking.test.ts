/**
 * Golden tests for top-K ranking metrics. D(r) = 1 / log2(r + 1) is the discount at rank r:
 * D(1) = 1, D(2) = 1/log2(3) = 0.63093, D(3) = 1/2, D(4) = 1/log2(5) = 0.43068.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fullRanking, positiveRanks, sampledRanking } from "../../src/metrics";

const D = (r: number) => 1 / Math.log2(r + 1);
const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

// Four candidates per row, positive in column 0.
//   row 0: positive top                  -> g = 0, t = 0: rank 1
//   row 1: one above, one tied           -> g = 1, t = 1: rank uniform on {2, 3} (expected rule)
//   row 2: reversed, positive last       -> g = 3, t = 0: rank 4
const SCORES = new Float32Array([0.9, 0.1, 0.2, 0.3, 0.5, 0.9, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5]);

test("positiveRanks counts strictly-greater and tied candidates", () => {
  const r = positiveRanks(SCORES, 4);
  assert.deepEqual([...r.greater], [0, 1, 3]);
  assert.deepEqual([...r.ties], [0, 1, 0]);
});

test("sampledRanking, expected tie rule, K = 1, 2 and K = 10 > N", () => {
  const r = sampledRanking(SCORES, 4, { ks: [1, 2, 10] });
  assert.equal(r.users, 3);
  // hitRate@1: rows 1, 0, 0 -> 1/3
  close(r.values["hitRate@1"], 1 / 3);
  // hitRate@2: row 0 -> 1; row 1 -> P(rank <= 2) = 1/2; row 2 -> 0. Mean 1.5 / 3 = 0.5
  close(r.values["hitRate@2"], 0.5);
  // one relevant item: recall@K = hitRate@K
  close(r.values["recall@2"], 0.5);
  // ndcg@2: row 0 -> D(1) = 1; row 1 -> (D(2) + 0) / 2; row 2 -> 0
  close(r.values["ndcg@2"], (1 + D(2) / 2) / 3);
  // K = 10 > N = 4: everything is in the top K
  close(r.values["hitRate@10"], 1);
  // ndcg@10: row 0 -> 1; row 1 -> (D(2) + D(3)) / 2; row 2 -> D(4)
  close(r.values["ndcg@10"], (1 + (D(2) + D(3)) / 2 + D(4)) / 3);
  // mrr: row 0 -> 1; row 1 -> (1/2 + 1/3) / 2 = 5/12; row 2 -> 1/4. Mean (12 + 5 + 3) / 12 / 3 = 5/9
  close(r.values.mrr, 5 / 9);
});

test("sampledRanking, pessimistic tie rule ranks ties above the positive", () => {
  const r = sampledRanking(SCORES, 4, { ks: [2], ties: "pessimistic" });
  // row 1 now has rank 3: hitRate@2 rows 1, 0, 0 -> 1/3; ndcg@2 -> 1/3; mrr (1 + 1/3 + 1/4) / 3
  close(r.values["hitRate@2"], 1 / 3);
  close(r.values["ndcg@2"], 1 / 3);
  close(r.values.mrr, (1 + 1 / 3 + 1 / 4) / 3);
});

test("sampledRanking: a constant scorer gets the random-guess value (expected) or the floor (pessimistic)", () => {
  const flat = new Float64Array(4).fill(0.5);
  // rank uniform on {1, 2, 3, 4}
  const e = sampledRanking(flat, 4, { ks: [1, 2] });
  close(e.values["hitRate@1"], 1 / 4);
  close(e.values["hitRate@2"], 2 / 4);
  close(e.values["ndcg@2"], (D(1) + D(2)) / 4);
  close(e.values.mrr, (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4);
  const p = sampledRanking(flat, 4, { ks: [2], ties: "pessimistic" });
  assert.equal(p.values["hitRate@2"], 0);
  close(p.values.mrr, 1 / 4);
});

test("sampledRanking: positive column per row, perUser values", () => {
  // row 0 positive in column 2 (0.8 is the top), row 1 positive in column 3 (0.1 is the bottom of 3)
  const scores = [0.1, 0.2, 0.8, 0.3, 0.6, 0.5, 0.7];
  assert.throws(() => sampledRanking(scores, 3, { ks: [1] }), /not a multiple/);
  const s = [0.1, 0.2, 0.8, 0.6, 0.5, 0.1];
  const r = sampledRanking(s, 3, { ks: [1], positiveColumn: new Int32Array([2, 2]), perUser: true });
  assert.deepEqual([...r.perUser!["hitRate@1"]], [1, 0]);
  assert.deepEqual([...r.perUser!.mrr], [1, 1 / 3]);
  assert.throws(() => sampledRanking(s, 3, { ks: [1], positiveColumn: 3 }), /outside \[0, 3\)/);
  assert.throws(() => sampledRanking(s, 3, { ks: [0] }), /positive integer/);
});

test("sampledRanking: a NaN positive score is ranked last", () => {
  const r = sampledRanking([NaN, 0.1, 0.2], 3, { ks: [1] });
  close(r.values.mrr, 1 / 3);
});

test("fullRanking: hits at ranks 2 and 5 of 3 relevant items", () => {
  // list 10,20,30,40,50; relevant {20, 50, 99}: hits at ranks 2 and 5, |R| = 3
  const r = fullRanking([[10, 20, 30, 40, 50]], [new Set([20, 50, 99])], { ks: [1, 3, 5] });
  // K = 1: no hit
  assert.equal(r.values["hitRate@1"], 0);
  assert.equal(r.values["ndcg@1"], 0);
  // K = 3: one hit at rank 2; recall 1/3; ndcg D(2) / (D(1) + D(2) + D(3))
  assert.equal(r.values["hitRate@3"], 1);
  close(r.values["recall@3"], 1 / 3);
  close(r.values["ndcg@3"], D(2) / (D(1) + D(2) + D(3)));
  // K = 5: hits at 2 and 5; recall 2/3; ideal DCG over min(3, 5) = 3 positions
  close(r.values["recall@5"], 2 / 3);
  close(r.values["ndcg@5"], (D(2) + D(5)) / (D(1) + D(2) + D(3)));
  // first hit at rank 2
  close(r.values.mrr, 1 / 2);
});

test("fullRanking: K larger than the list, perfect list, miss, and a user with no relevant items", () => {
  const r = fullRanking(
    [
      [7, 8],
      [5, 6, 7],
      [1, 2, 3],
      [1, 2, 3],
    ],
    [[8], new Set([5, 6, 7]), [4], []],
    { ks: [2, 3], perUser: true },
  );
  assert.equal(r.users, 3);
  assert.equal(r.usersSkipped, 1);
  const pu = r.perUser!;
  // user 0: list of 2 < K = 3, hit at rank 2, |R| = 1: ndcg@3 = D(2) / D(1)
  close(pu["ndcg@3"][0], D(2));
  assert.equal(pu["recall@3"][0], 1);
  // user 1: perfect; at K = 2 two of three found, ideal over min(3, 2) = 2 positions -> ndcg 1
  close(pu["recall@2"][1], 2 / 3);
  close(pu["ndcg@2"][1], 1);
  close(pu["ndcg@3"][1], 1);
  assert.equal(pu.mrr[1], 1);
  // user 2: miss
  assert.equal(pu["hitRate@3"][2], 0);
  assert.equal(pu.mrr[2], 0);
  // user 3: skipped -> NaN per user, excluded from the means
  assert.ok(Number.isNaN(pu.mrr[3]));
  close(r.values.mrr, (1 / 2 + 1 + 0) / 3);
  close(r.values["hitRate@2"], (1 + 1 + 0) / 3);
});

test("fullRanking: mrr looks past K; duplicates are rejected", () => {
  const r = fullRanking([[1, 2, 3, 4]], [[4]], { ks: [1] });
  close(r.values.mrr, 1 / 4);
  assert.equal(r.values["hitRate@1"], 0);
  assert.throws(() => fullRanking([[1, 1]], [[2]], { ks: [1] }), /item 1 twice/);
  assert.throws(() => fullRanking([[1]], [], { ks: [1] }), /1 users but relevant has 0/);
});
