/**
 * Tests of the multi-domain / latent-scenario generators: seeding, schema, shares, and the
 * planted-conflict ordering (Bayes >= domain-aware >= shared, per domain) checked by fitting
 * per-domain vs pooled logistic regressions on one-hot features in plain JS.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { auc } from "./helpers";
import { syntheticLatentScenario, syntheticMultiDomain } from "../../src/data";
import type { TabularDataset } from "../../src/data";

/** Logistic regression on one-hot fields (ids < V), trained by deterministic epochs of SGD with L2. */
function fitLogistic(
  ds: TabularDataset,
  fields: number[],
  V: number,
  rows: number[],
  epochs = 12,
  lr = 0.05,
  l2 = 1e-4,
): (r: number) => number {
  const w = new Float64Array(fields.length * V);
  let b = 0;
  const score = (r: number): number => {
    let s = b;
    for (let j = 0; j < fields.length; j++) s += w[j * V + ds.cat[fields[j]][r]];
    return s;
  };
  for (let e = 0; e < epochs; e++) {
    for (const r of rows) {
      const p = 1 / (1 + Math.exp(-score(r)));
      const g = p - ds.labels[0][r];
      b -= lr * g;
      for (let j = 0; j < fields.length; j++) {
        const i = j * V + ds.cat[fields[j]][r];
        w[i] -= lr * (g + l2 * w[i]);
      }
    }
  }
  return score;
}

test("syntheticMultiDomain is seeded, marked synthetic, with the documented schema and shares", () => {
  const a = syntheticMultiDomain({ numRows: 6000, seed: 5 });
  const b = syntheticMultiDomain({ numRows: 6000, seed: 5 });
  const c = syntheticMultiDomain({ numRows: 6000, seed: 6 });
  assert.deepEqual(a.dataset.cat, b.dataset.cat);
  assert.deepEqual(a.dataset.groups, b.dataset.groups);
  assert.deepEqual(a.trueProb, b.trueProb);
  assert.deepEqual(a.dataset.labels, b.dataset.labels);
  assert.equal(a.dataset.meta.fingerprint, b.dataset.meta.fingerprint);
  assert.notDeepEqual(a.dataset.cat[0], c.dataset.cat[0]);
  assert.notEqual(a.dataset.meta.fingerprint, c.dataset.meta.fingerprint);
  const s = a.dataset.schema;
  assert.equal(s.name, "synthetic-multidomain");
  assert.equal(s.synthetic, true);
  assert.deepEqual(s.labels, [{ name: "click", type: "binary" }]);
  assert.deepEqual(
    s.features.map((f) => f.name),
    ["f0", "f1", "f2", "f3", "f4", "f5", "domain"],
  );
  assert.deepEqual(s.groups, [{ name: "domain", numGroups: 3, names: ["d0", "d1", "d2"] }]);
  const dom = a.dataset.groups[0];
  for (let r = 0; r < 6000; r++) {
    assert.equal(a.dataset.cat[6][r], dom[r] + 1, "domain feature = domain id + 1");
    for (let f = 0; f < 6; f++) assert.ok(a.dataset.cat[f][r] >= 1 && a.dataset.cat[f][r] < 50);
  }
  const counts = [0, 0, 0];
  for (const d of dom) counts[d]++;
  for (const n of counts) assert.ok(Math.abs(n - 2000) < 150, `equal shares: ${counts}`);
  const skew = syntheticMultiDomain({ numRows: 6000, seed: 5, numDomains: 2, domainShares: [3, 1] });
  const n0 = skew.dataset.groups[0].reduce((x, d) => x + (d === 0 ? 1 : 0), 0);
  assert.ok(Math.abs(n0 / 6000 - 0.75) < 0.03, `share of d0 ${n0 / 6000}`);
  // the planted weights cancel across domains on every conflict field
  for (let f = 0; f < a.truth.conflictFields; f++) {
    assert.ok(Math.abs(a.truth.domainWeights.reduce((x, w) => x + w[f], 0)) < 1e-9);
  }
  assert.ok(
    a.truth.domainWeights[0][0] > 0 && a.truth.domainWeights[1][0] < 0,
    "opposite signs across domains",
  );
  const rate = a.dataset.labels[0].reduce((x, y) => x + y, 0) / 6000;
  const meanP = a.trueProb.reduce((x, y) => x + y, 0) / 6000;
  assert.ok(Math.abs(rate - meanP) < 0.02, `label rate ${rate} vs mean p ${meanP}`);
  assert.throws(
    () => syntheticMultiDomain({ numRows: 10, seed: 1, conflict: 1.5 }),
    /conflict must be in \[0, 1\]/,
  );
  assert.throws(
    () => syntheticMultiDomain({ numRows: 10, seed: 1, domainShares: [1, 1] }),
    /domainShares must be 3/,
  );
});

test("planted conflict: per domain, Bayes AUC >= per-domain LR >= pooled LR that ignores the domain", () => {
  const N = 30000;
  const V = 50;
  const { dataset: ds, trueProb } = syntheticMultiDomain({
    numRows: N,
    seed: 11,
    conflict: 0.5,
    vocabSize: V,
  });
  const fields = [0, 1, 2, 3, 4, 5];
  const nTrain = 24000;
  const train = Array.from({ length: nTrain }, (_, i) => i);
  const pooled = fitLogistic(ds, fields, V, train);
  const perDomain = [0, 1, 2].map((d) =>
    fitLogistic(
      ds,
      fields,
      V,
      train.filter((r) => ds.groups[0][r] === d),
    ),
  );
  const lines: string[] = [];
  for (let d = 0; d < 3; d++) {
    const rows = [];
    for (let r = nTrain; r < N; r++) if (ds.groups[0][r] === d) rows.push(r);
    const y = rows.map((r) => ds.labels[0][r]);
    const bayes = auc(
      rows.map((r) => trueProb[r]),
      y,
    );
    const aware = auc(
      rows.map((r) => perDomain[d](r)),
      y,
    );
    const shared = auc(
      rows.map((r) => pooled(r)),
      y,
    );
    lines.push(
      `d${d}: bayes ${bayes.toFixed(4)} per-domain LR ${aware.toFixed(4)} pooled LR ${shared.toFixed(4)} (${rows.length} rows)`,
    );
    assert.ok(bayes >= aware, lines[d]);
    assert.ok(aware > shared + 0.02, lines[d]);
  }
  console.log(lines.join("\n"));
  // without conflict, the domain-aware model has nothing to gain (its smaller samples only cost)
  const { dataset: same } = syntheticMultiDomain({ numRows: N, seed: 11, conflict: 0, vocabSize: V });
  const pooled0 = fitLogistic(same, fields, V, train);
  const aware0 = [0, 1, 2].map((d) =>
    fitLogistic(
      same,
      fields,
      V,
      train.filter((r) => same.groups[0][r] === d),
    ),
  );
  const test = Array.from({ length: N - nTrain }, (_, i) => nTrain + i);
  const y0 = test.map((r) => same.labels[0][r]);
  const a0 = auc(
    test.map((r) => aware0[same.groups[0][r]](r)),
    y0,
  );
  const p0 = auc(
    test.map((r) => pooled0(r)),
    y0,
  );
  console.log(`conflict 0: per-domain LR ${a0.toFixed(4)} pooled LR ${p0.toFixed(4)}`);
  assert.ok(p0 >= a0 - 0.005, `conflict 0: pooled ${p0} vs per-domain ${a0}`);
});

test("syntheticLatentScenario: seeded, scenario feature + axis, hidden latent axis changes the label function", () => {
  const o = { numRows: 30000, seed: 3 };
  const a = syntheticLatentScenario(o);
  const b = syntheticLatentScenario(o);
  assert.deepEqual(a.dataset.cat, b.dataset.cat);
  assert.deepEqual(a.trueProb, b.trueProb);
  assert.notDeepEqual(
    syntheticLatentScenario({ numRows: 100, seed: 4 }).dataset.cat[0],
    syntheticLatentScenario({ numRows: 100, seed: 3 }).dataset.cat[0],
  );
  const ds = a.dataset;
  assert.equal(ds.schema.name, "synthetic-latent-scenario");
  assert.equal(ds.schema.synthetic, true);
  assert.deepEqual(
    ds.schema.features.map((f) => f.name),
    ["f0", "f1", "f2", "f3", "f4", "f5", "scenario"],
  );
  assert.deepEqual(
    ds.schema.groups.map((g) => [g.name, g.numGroups]),
    [
      ["scenario", 3],
      ["latent", 2],
    ],
  );
  assert.ok(!ds.schema.features.some((f) => f.name === "latent"), "the hidden id is not a feature");
  for (let r = 0; r < 1000; r++) {
    assert.equal(ds.cat[6][r], ds.groups[0][r] + 1);
    assert.equal(ds.groups[1][r], (ds.cat[4][r] + ds.cat[5][r]) % 2, "latent = (f4 + f5) mod 2");
  }
  // the hidden sub-scenario matters: an LR per (scenario, latent) beats an LR per scenario on held-out rows
  const V = 50;
  const fields = [0, 1, 2, 3, 4, 5];
  const nTrain = 24000;
  const train = Array.from({ length: nTrain }, (_, i) => i);
  const test = Array.from({ length: 30000 - nTrain }, (_, i) => nTrain + i);
  const y = test.map((r) => ds.labels[0][r]);
  const perScenario = [0, 1, 2].map((s) =>
    fitLogistic(
      ds,
      fields,
      V,
      train.filter((r) => ds.groups[0][r] === s),
    ),
  );
  const perBoth = [0, 1, 2].map((s) =>
    [0, 1].map((h) =>
      fitLogistic(
        ds,
        fields,
        V,
        train.filter((r) => ds.groups[0][r] === s && ds.groups[1][r] === h),
      ),
    ),
  );
  const aS = auc(
    test.map((r) => perScenario[ds.groups[0][r]](r)),
    y,
  );
  const aSH = auc(
    test.map((r) => perBoth[ds.groups[0][r]][ds.groups[1][r]](r)),
    y,
  );
  const bayes = auc(
    test.map((r) => a.trueProb[r]),
    y,
  );
  console.log(
    `latent scenario: bayes ${bayes.toFixed(4)} LR per (scenario, latent) ${aSH.toFixed(4)} LR per scenario ${aS.toFixed(4)}`,
  );
  assert.ok(bayes >= aSH && aSH > aS + 0.02, `bayes ${bayes} per-both ${aSH} per-scenario ${aS}`);
});
