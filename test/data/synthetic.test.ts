/** Tests of the seeded generators: planted logistic truth (Bayes AUC) and the Criteo text writer. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { auc, tmpDir } from "./helpers";
import { CRITEO_FORMAT, loadFiles, readVocabulary, syntheticCtr, writeCriteoText } from "../../src/data";

test("syntheticCtr is seeded, marked synthetic, and its truth is learnable", () => {
  const a = syntheticCtr({ numRows: 20000, numFields: 6, vocabSize: 50, latentDim: 4, seed: 42 });
  const b = syntheticCtr({ numRows: 20000, numFields: 6, vocabSize: 50, latentDim: 4, seed: 42 });
  const c = syntheticCtr({ numRows: 20000, numFields: 6, vocabSize: 50, latentDim: 4, seed: 43 });
  assert.deepEqual(a.dataset.cat[3], b.dataset.cat[3]);
  assert.deepEqual(a.trueProb, b.trueProb);
  assert.notDeepEqual(a.dataset.cat[3], c.dataset.cat[3]);
  assert.equal(a.dataset.schema.synthetic, true);
  assert.match(a.dataset.schema.name, /^synthetic-/);
  assert.equal(a.dataset.meta.fingerprint, b.dataset.meta.fingerprint);
  for (const col of a.dataset.cat) for (const v of col) assert.ok(v >= 1 && v < 50);
  const bayes = auc(a.trueProb, a.dataset.labels[0]);
  const rate = a.dataset.labels[0].reduce((x, y) => x + y, 0) / 20000;
  const meanP = a.trueProb.reduce((x, y) => x + y, 0) / 20000;
  assert.ok(Math.abs(rate - meanP) < 0.015, `label rate ${rate} vs mean p ${meanP}`);
  assert.ok(bayes > 0.75, `Bayes AUC ${bayes}`);
  const noisy = syntheticCtr({
    numRows: 20000,
    numFields: 6,
    vocabSize: 50,
    latentDim: 4,
    seed: 42,
    noise: 0.2,
  });
  const noisyAuc = auc(noisy.trueProb, noisy.dataset.labels[0]);
  assert.ok(noisyAuc < bayes && noisyAuc > 0.55, `noisy AUC ${noisyAuc}`);
  const onlyLinear = new Float32Array(20000);
  for (let r = 0; r < 20000; r++) {
    let s = 0;
    for (let f = 0; f < 6; f++) s += a.truth.weights[f][a.dataset.cat[f][r]];
    onlyLinear[r] = s;
  }
  assert.ok(auc(onlyLinear, a.dataset.labels[0]) < bayes, "the pairwise part carries signal");
});

test("writeCriteoText round-trips through the Criteo loader with exact counts", async () => {
  const dir = tmpDir();
  const f = path.join(dir, "train.txt");
  const st = writeCriteoText(f, { numRows: 30000, seed: 8, distinct: 200, missingRate: 0.1 });
  const d = await loadFiles(
    { id: "synthetic-criteo-text", format: CRITEO_FORMAT, train: [f] },
    { cacheDir: tmpDir(), minCount: 3 },
  );
  assert.equal(d.train.numRows, 30000);
  assert.equal(d.meta.positives.train, st.positives);
  const v = readVocabulary(d.meta.processedDir);
  for (let fi = 0; fi < 26; fi++) {
    const expectKept = Array.from(st.counts[fi].subarray(0, 200)).filter((c) => c >= 3).length;
    assert.equal(v.fields[fi].vocabSize, expectKept + 2, `C${fi + 1}`);
    assert.equal(v.fields[fi].missingCount, st.counts[fi][200]);
    const j = 0;
    const k = v.fields[fi].tokens.indexOf(st.tokens[fi][j]);
    assert.equal(v.fields[fi].counts[k], st.counts[fi][j]);
  }
});
