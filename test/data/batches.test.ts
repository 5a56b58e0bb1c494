/** Tests of batches(), subset(), concat() and split() on in-memory and sharded data. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { tmpDir } from "./helpers";
import { Rng } from "../../src/engine/rng";
import {
  CRITEO_FORMAT,
  batches,
  concat,
  openFiles,
  split,
  subset,
  syntheticCtr,
  writeCriteoText,
} from "../../src/data";

const small = () =>
  syntheticCtr({ numRows: 1003, numFields: 3, vocabSize: 20, numNumeric: 2, seed: 5 }).dataset;

test("batches cover every row once, in order without shuffle", () => {
  const ds = small();
  const bs = [...batches(ds, { batchSize: 100 })];
  assert.equal(bs.length, 11);
  assert.equal(bs[10].size, 3);
  assert.deepEqual(
    bs.flatMap((b) => Array.from(b.rows)),
    Array.from({ length: 1003 }, (_, i) => i),
  );
  assert.equal(bs[2].cat[1][5], ds.cat[1][205]);
  assert.equal(bs[2].num[1][5], ds.num[1][205]);
  assert.equal(bs[2].labels[0][5], ds.labels[0][205]);
  assert.equal([...batches(ds, { batchSize: 100, dropLast: true })].length, 10);
});

test("shuffled batches are a permutation and deterministic given the seed", () => {
  const ds = small();
  const a = [...batches(ds, { batchSize: 64, shuffle: true, rng: new Rng(1) })].flatMap((b) =>
    Array.from(b.rows),
  );
  const b = [...batches(ds, { batchSize: 64, shuffle: true, rng: new Rng(1) })].flatMap((x) =>
    Array.from(x.rows),
  );
  const c = [...batches(ds, { batchSize: 64, shuffle: true, rng: new Rng(2) })].flatMap((x) =>
    Array.from(x.rows),
  );
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 1003 }, (_, i) => i),
  );
  assert.throws(() => [...batches(ds, { batchSize: 8, shuffle: true })], /rng/);
  assert.throws(() => [...batches(ds, { batchSize: 0 })], /batchSize/);
});

test("subset, concat and split", () => {
  const ds = small();
  const s = subset(ds, [5, 1, 5]);
  assert.equal(s.numRows, 3);
  assert.equal(s.cat[0][0], ds.cat[0][5]);
  assert.equal(s.cat[0][1], ds.cat[0][1]);
  assert.throws(() => subset(ds, [1003]), /out of range/);
  const c = concat(s, ds);
  assert.equal(c.numRows, 1006);
  assert.equal(c.num[1][3], ds.num[1][0]);
  const parts = split(ds, [0.7, 0.2, 0.1], new Rng(9));
  assert.deepEqual(
    parts.map((p) => p.numRows),
    [702, 201, 100],
  );
  const again = split(ds, [0.7, 0.2, 0.1], new Rng(9));
  assert.deepEqual(again[1].cat[2], parts[1].cat[2]);
  const labelsSum = parts.reduce((a, p) => a + p.labels[0].reduce((x, y) => x + y, 0), 0);
  assert.equal(
    labelsSum,
    ds.labels[0].reduce((x, y) => x + y, 0),
  );
});

test("sharded batches equal in-memory batches and straddle shards", async () => {
  const dir = tmpDir();
  const f = path.join(dir, "t.txt");
  writeCriteoText(f, { numRows: 2500, seed: 11, distinct: 50 });
  const d = await openFiles(
    { id: "shard-batches", format: CRITEO_FORMAT, train: [f] },
    { cacheDir: tmpDir(), shardRows: 700 },
  );
  assert.deepEqual(
    d.train.shards.map((s) => s.rows),
    [700, 700, 700, 400],
  );
  const mem = d.train.toTabular();
  const a = [...batches(d.train, { batchSize: 256 })];
  const b = [...batches(mem, { batchSize: 256 })];
  assert.equal(a.length, b.length);
  a.forEach((x, i) => {
    assert.deepEqual(x.rows, b[i].rows);
    assert.deepEqual(x.cat[7], b[i].cat[7]);
    assert.deepEqual(x.num[3], b[i].num[3]);
    assert.deepEqual(x.labels[0], b[i].labels[0]);
  });
  const sh = [...batches(d.train, { batchSize: 256, shuffle: true, rng: new Rng(3), dropLast: true })];
  assert.ok(sh.every((x) => x.size === 256));
  assert.equal(sh.length, 9);
  const rows = sh.flatMap((x) => Array.from(x.rows));
  assert.equal(new Set(rows).size, rows.length);
  sh.forEach((x) => {
    for (let i = 0; i < x.size; i++) assert.equal(x.cat[0][i], mem.cat[0][x.rows[i]]);
  });
});
