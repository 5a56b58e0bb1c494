/** Multi-behaviour graphs (src/data/graph.ts): split, negatives, subsample, loader, HR/NDCG golden values. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  adjacency,
  evalCandidates,
  hasEdge,
  leaveLastOut,
  readUserItemLines,
  sampleNegatives,
  subsampleUsers,
  syntheticMultiBehaviour,
  testUsers,
} from "../../src/data/graph";
import { Rng } from "../../src/engine/rng";
import { rowSums } from "../../src/engine/sparse";
import { sampledRanking } from "../../src/metrics/ranking";
import { sampleBprPairs, topK } from "../../src/train/graph-trainer";

const D = syntheticMultiBehaviour({
  numUsers: 60,
  numItems: 40,
  behaviours: ["view", "cart", "buy"],
  latentDim: 3,
  perUser: [8, 4, 3],
  seed: 3,
});

test("leave-last-out never leaks the held-out item into the target training edges", () => {
  const seqs = [[1, 2, 3], [4], [5, 5, 6], [7, 8, 7]];
  const { train, testItem } = leaveLastOut(seqs, 10);
  assert.deepEqual(Array.from(testItem), [3, -1, 6, 7]);
  for (let u = 0; u < seqs.length; u++)
    if (testItem[u] >= 0) assert.equal(hasEdge(train, u, testItem[u]), false, `user ${u}`);
  assert.equal(hasEdge(train, 1, 4), true);
  const t = D.behaviours.length - 1;
  for (const u of testUsers(D)) assert.equal(hasEdge(D.train[t], u, D.testItem[u]), false);
});

test("sampled negatives never include the user's positives (train or held-out)", () => {
  const rng = new Rng(1);
  const t = D.behaviours.length - 1;
  for (const u of testUsers(D)) {
    const neg = sampleNegatives(D, u, 20, rng);
    assert.equal(new Set(neg).size, 20);
    for (const i of neg) {
      assert.equal(hasEdge(D.train[t], u, i), false);
      assert.notEqual(i, D.testItem[u]);
    }
  }
  const c = evalCandidates(D, 19, 0);
  assert.equal(c.items.length, c.users.length * 20);
  for (let k = 0; k < c.users.length; k++) assert.equal(c.items[k * 20], D.testItem[c.users[k]]);
  const p = sampleBprPairs(D, t, [0, 1, 2], 5, new Rng(2));
  for (let k = 0; k < p.users.length; k++) {
    assert.equal(hasEdge(D.train[t], p.users[k], p.pos[k]), true);
    assert.equal(hasEdge(D.train[t], p.users[k], p.neg[k]), false);
  }
});

test("adjacency is row-normalised over users + items; subsample is deterministic and consistent", () => {
  const a = adjacency(D, 0, "left");
  assert.equal(a.numRows, D.numUsers + D.numItems);
  for (const s of rowSums(a)) assert.ok(s === 0 || Math.abs(s - 1) < 1e-5);
  const s1 = subsampleUsers(D, { maxUsers: 30, maxItems: 25, seed: 4 });
  const s2 = subsampleUsers(D, { maxUsers: 30, maxItems: 25, seed: 4 });
  assert.equal(s1.fingerprint, s2.fingerprint);
  assert.deepEqual(Array.from(s1.testItem), Array.from(s2.testItem));
  assert.ok(s1.numUsers <= 30 && s1.numItems <= 25);
  for (let u = 0; u < s1.numUsers; u++) assert.ok(s1.testItem[u] >= 0 && s1.testItem[u] < s1.numItems);
});

test("HR@K / NDCG@K golden values by hand (1 positive among 4 candidates)", () => {
  // Row 0: positive ranked 1st; row 1: 3rd (two above); row 2: 4th.
  const scores = [0.9, 0.1, 0.2, 0.3, 0.5, 0.9, 0.8, 0.1, 0.0, 0.3, 0.2, 0.1];
  const r = sampledRanking(scores, 4, { ks: [1, 3] });
  assert.equal(r.values["hitRate@1"], 1 / 3);
  assert.equal(r.values["hitRate@3"], 2 / 3);
  assert.ok(Math.abs(r.values["ndcg@3"] - (1 + 1 / Math.log2(4)) / 3) < 1e-12);
  assert.deepEqual(Array.from(topK([0.1, 0.9, -Infinity, 0.5, 0.9], 3)), [1, 4, 3]);
});

test("user-item lines: bad tokens fail naming file and line", async () => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "graph-")), "x.txt");
  fs.writeFileSync(f, "0 1 2\n1 3\n2 x\n");
  await assert.rejects(readUserItemLines(f), (e: Error) => /x\.txt:3/.test(e.message));
  fs.writeFileSync(f, "0 1 2\n1 3\n");
  assert.deepEqual(
    [...(await readUserItemLines(f)).entries()],
    [
      [0, [1, 2]],
      [1, [3]],
    ],
  );
});
