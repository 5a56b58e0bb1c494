/** Tests of the Criteo, Avazu and Frappe loaders on the shared samples. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MIRROR, leftovers, tmpDir } from "./helpers";
import {
  categoricalFeatures,
  criteoLogBucket,
  loadDataset,
  numericFeatures,
  openDataset,
  readVocabulary,
} from "../../src/data";

test("criteo-8k: sizes, labels, schema, ids in range, fast", async () => {
  const cache = tmpDir();
  const t0 = Date.now();
  const d = await loadDataset("criteo-8k", { cacheDir: cache });
  const cold = Date.now() - t0;
  assert.deepEqual(d.meta.rows, { train: 7200, valid: 409, test: 391 });
  assert.equal(d.meta.positives.train, 1549);
  assert.equal(
    d.train.labels[0].reduce((a, b) => a + b, 0),
    1549,
  );
  assert.equal(numericFeatures(d.schema).length, 13);
  assert.equal(categoricalFeatures(d.schema).length, 26);
  assert.equal(d.schema.name, "criteo-8k");
  assert.equal(d.schema.synthetic, undefined);
  const cats = categoricalFeatures(d.schema);
  for (const ds of [d.train, d.valid, d.test]) {
    ds.cat.forEach((col, j) => {
      for (const v of col) assert.ok(v >= 0 && v < cats[j].vocabSize);
    });
    assert.equal(ds.meta.fingerprint, d.meta.fingerprint);
  }
  // first train row: 0 1 1 5 0 1382 4 15 2 181 1 2 <empty> 2 | 68fd1e64 ... C22 empty
  assert.equal(d.train.labels[0][0], 0);
  assert.ok(Math.abs(d.train.num[4][0] - Math.log1p(1382)) < 1e-5);
  assert.equal(d.train.num[11][0], 0, "missing I12 -> 0");
  const vocab = readVocabulary(d.meta.processedDir);
  const c1 = vocab.fields[0];
  assert.equal(c1.name, "C1");
  assert.equal(d.train.cat[0][0], c1.tokens.indexOf("68fd1e64") + 2);
  assert.equal(d.train.cat[21][0], 1, "missing C22 -> id 1");
  for (const f of vocab.fields) for (const c of f.counts) assert.ok(c >= 2);
  const t1 = Date.now();
  const again = await loadDataset("criteo-8k", { cacheDir: cache });
  const warm = Date.now() - t1;
  assert.equal(again.meta.built, false);
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  assert.deepEqual(again.train.cat[5], d.train.cat[5]);
  console.log(`criteo-8k load: cold ${cold} ms, warm ${warm} ms`);
  assert.ok(warm < 300, `warm load ${warm} ms`);
  assert.deepEqual(leftovers(cache), []);
});

test("criteo vocab is built on train only; minCount and transforms change the fingerprint", async () => {
  const cache = tmpDir();
  const base = await loadDataset("criteo-8k", { cacheDir: cache, minCount: 1 });
  const vocab = readVocabulary(base.meta.processedDir);
  const trainText = fs.readFileSync(path.join(MIRROR, "criteo-8k", "train.tsv"), "utf8");
  const testRows = fs
    .readFileSync(path.join(MIRROR, "criteo-8k", "test.tsv"), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split("\t"));
  const trainC3 = new Set(
    trainText
      .trim()
      .split("\n")
      .map((l) => l.split("\t")[16]),
  );
  let unseen = 0;
  testRows.forEach((r, i) => {
    const tok = r[16];
    if (tok !== "" && !trainC3.has(tok)) {
      unseen++;
      assert.equal(base.test.cat[2][i], 0, "token unseen in train -> OOV");
    } else if (tok !== "") assert.equal(base.test.cat[2][i], vocab.fields[2].tokens.indexOf(tok) + 2);
  });
  assert.ok(unseen > 0);
  const mc5 = await loadDataset("criteo-8k", { cacheDir: cache, minCount: 5 });
  assert.notEqual(mc5.meta.fingerprint, base.meta.fingerprint);
  assert.ok(categoricalFeatures(mc5.schema)[2].vocabSize < categoricalFeatures(base.schema)[2].vocabSize);
  const log = await loadDataset("criteo-8k", { cacheDir: cache, numericTransform: "log" });
  assert.equal(numericFeatures(log.schema).length, 0);
  assert.equal(categoricalFeatures(log.schema).length, 39);
  assert.equal(categoricalFeatures(log.schema)[0].name, "I1");
  const lv = readVocabulary(log.meta.processedDir);
  assert.equal(log.train.cat[4][0], lv.fields[4].tokens.indexOf(criteoLogBucket(1382)) + 2);
  assert.equal(criteoLogBucket(1382), String(Math.floor(Math.log(1382) ** 2)));
  assert.equal(criteoLogBucket(2), "2");
  assert.equal(criteoLogBucket(-1), "-1");
  assert.equal(log.train.cat[11][0], 1, "missing I12 -> missing id");
  assert.notEqual(log.meta.fingerprint, base.meta.fingerprint);
});

test("avazu-9k: header skipped, id dropped, hour -> hour_of_day and weekday", async () => {
  const cache = tmpDir();
  const d = await loadDataset("avazu-9k", { cacheDir: cache });
  assert.deepEqual(d.meta.rows, { train: 8087, valid: 480, test: 432 });
  assert.equal(d.meta.positives.train, 1397);
  const names = categoricalFeatures(d.schema).map((f) => f.name);
  assert.equal(names.length, 23);
  assert.deepEqual(names.slice(0, 3), ["hour_of_day", "weekday", "C1"]);
  assert.ok(!names.includes("id") && !names.includes("hour"));
  const v = readVocabulary(d.meta.processedDir);
  assert.deepEqual(v.fields[0].tokens, ["0"]);
  assert.deepEqual(v.fields[1].tokens, ["2"], "2014-10-21 was a Tuesday");
  assert.deepEqual(leftovers(cache), []);
});

test("frappe-nfm: both files concatenated and re-split 70/20/10 exactly, seeded", async () => {
  const cache = tmpDir();
  const d = await openDataset("frappe-nfm", { cacheDir: cache });
  assert.deepEqual(d.meta.rows, { train: 60607, valid: 17316, test: 8659 });
  assert.equal(d.meta.positives.train + d.meta.positives.valid + d.meta.positives.test, 19063 + 9536);
  assert.equal(categoricalFeatures(d.schema).length, 10);
  assert.deepEqual(d.schema.labels, [{ name: "label", type: "binary" }]);
  const train = d.train.toTabular();
  for (const x of train.labels[0]) assert.ok(x === 0 || x === 1);
  const same = await loadDataset("frappe-nfm", { cacheDir: tmpDir() });
  assert.equal(same.meta.fingerprint, d.meta.fingerprint);
  assert.deepEqual(same.train.cat[0], train.cat[0]);
  const other = await loadDataset("frappe-nfm", {
    cacheDir: cache,
    resplit: { ratios: [0.6, 0.2, 0.2], seed: 7 },
  });
  assert.deepEqual(other.meta.rows, { train: 51949, valid: 17316, test: 17317 });
  assert.notEqual(other.meta.fingerprint, d.meta.fingerprint);
  const kept = await loadDataset("frappe-nfm", { cacheDir: cache, resplit: false });
  assert.deepEqual(kept.meta.rows, { train: 86582, valid: 0, test: 0 });
});
