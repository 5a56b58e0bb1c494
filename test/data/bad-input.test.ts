/**
 * Bad input: every error names the file and line (or the id), and no failure leaves a temp
 * file or a partial processed folder in the cache.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { leftovers, tmpDir, writeFile, expectBadRow } from "./helpers";
import {
  AVAZU_FORMAT,
  CRITEO_FORMAT,
  DataError,
  FRAPPE_FORMAT,
  loadDataset,
  loadFiles,
  writeCriteoText,
} from "../../src/data";

const GOOD =
  "0\t1\t2\t\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t" +
  Array.from({ length: 26 }, (_, i) => `0000000${String.fromCharCode(97 + (i % 6))}`).join("\t");

function criteoFile(dir: string, name: string, badLine: number, bad: string, rows = 50): string {
  const lines = Array.from({ length: rows }, (_, i) => (i + 1 === badLine ? bad : GOOD));
  return writeFile(dir, name, lines.join("\n") + "\n");
}

test("wrong column count names file and line", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const f = criteoFile(dir, "train.txt", 17, GOOD.split("\t").slice(0, 39).join("\t"));
  await expectBadRow(
    loadFiles({ id: "bad-cols", format: CRITEO_FORMAT, train: [f] }, { cacheDir: cache }),
    f,
    17,
    /expected 40 tab-separated columns.*found 39/,
  );
  const v = criteoFile(dir, "valid.txt", 3, `${GOOD}\textra`);
  const ok = criteoFile(dir, "ok.txt", 0, "");
  await expectBadRow(
    loadFiles({ id: "bad-cols", format: CRITEO_FORMAT, train: [ok], valid: [v] }, { cacheDir: cache }),
    v,
    3,
    /found 41/,
  );
  assert.deepEqual(leftovers(cache), []);
  assert.ok(
    !fs.existsSync(path.join(cache, "processed", "bad-cols")) ||
      fs.readdirSync(path.join(cache, "processed", "bad-cols")).length === 0,
  );
});

test("non-numeric numeric field and bad labels name file and line", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const cols = GOOD.split("\t");
  cols[3] = "12abc";
  const f = criteoFile(dir, "num.txt", 30, cols.join("\t"));
  await expectBadRow(
    loadFiles({ id: "bad-num", format: CRITEO_FORMAT, train: [f] }, { cacheDir: cache }),
    f,
    30,
    /I3 is not a number: "12abc"/,
  );
  const l = criteoFile(dir, "label.txt", 2, `2${GOOD.slice(1)}`);
  await expectBadRow(
    loadFiles({ id: "bad-label", format: CRITEO_FORMAT, train: [l] }, { cacheDir: cache }),
    l,
    2,
    /label must be 0 or 1, found "2"/,
  );
  const a = writeFile(
    dir,
    "avazu.csv",
    "1,0,14102100," + "x,".repeat(20) + "y\n1,0,1410210," + "x,".repeat(20) + "y\n",
  );
  await expectBadRow(
    loadFiles({ id: "bad-avazu", format: AVAZU_FORMAT, train: [a] }, { cacheDir: cache }),
    a,
    2,
    /hour must be YYMMDDHH/,
  );
  const fr = writeFile(
    dir,
    "f.libfm",
    "1 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1 10:1\r\n-1 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1 10:0.5\r\n",
  );
  await expectBadRow(
    loadFiles({ id: "bad-libfm", format: FRAPPE_FORMAT, train: [fr] }, { cacheDir: cache }),
    fr,
    2,
    /one-hot/,
  );
  assert.deepEqual(leftovers(cache), []);
});

test("onBadRow: skip leaves bad rows out and records them", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const f = criteoFile(dir, "train.txt", 5, "garbage", 20);
  const d = await loadFiles(
    { id: "skip-rows", format: CRITEO_FORMAT, train: [f] },
    { cacheDir: cache, onBadRow: "skip" },
  );
  assert.equal(d.train.numRows, 19);
  assert.equal(d.meta.skippedRows, 1);
  assert.match(
    d.meta.skippedExamples[0],
    new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5: expected 40`),
  );
});

test("missing file names the path", async () => {
  const cache = tmpDir();
  const p = path.join(tmpDir(), "absent.txt");
  await assert.rejects(
    loadFiles({ id: "missing", format: CRITEO_FORMAT, train: [p] }, { cacheDir: cache }),
    (e: unknown) => e instanceof DataError && e.code === "MISSING_FILE" && e.message.includes(p),
  );
  const emptyMirror = tmpDir();
  await assert.rejects(
    loadDataset("criteo-8k", { cacheDir: cache, mirror: emptyMirror, allowDownload: false }),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "MISSING_FILE");
      assert.ok(e.message.includes(path.join(emptyMirror, "criteo-8k", "train.tsv")));
      assert.ok(e.message.includes(path.join(cache, "criteo-8k", "train.tsv")));
      return true;
    },
  );
  assert.deepEqual(leftovers(cache), []);
});

test("truncated gzip input names the file and leaves no partial cache", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const full = path.join(dir, "full.gz");
  writeCriteoText(full, { numRows: 20000, seed: 3, gzip: true });
  const buf = fs.readFileSync(full);
  const cut = writeFile(dir, "cut.gz", buf.subarray(0, Math.floor(buf.length * 0.6)));
  await assert.rejects(
    loadFiles({ id: "cut-gz", format: CRITEO_FORMAT, train: [cut] }, { cacheDir: cache }),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.code, "BAD_GZIP");
      assert.ok(e.message.includes(cut));
      return true;
    },
  );
  assert.deepEqual(leftovers(cache), []);
  const ok = await loadFiles({ id: "full-gz", format: CRITEO_FORMAT, train: [full] }, { cacheDir: cache });
  assert.equal(ok.train.numRows, 20000);
  const plain = writeFile(dir, "plain.txt", zlib.gunzipSync(buf));
  const same = await loadFiles({ id: "full-gz", format: CRITEO_FORMAT, train: [plain] }, { cacheDir: cache });
  assert.deepEqual(same.train.cat[4], ok.train.cat[4]);
});

test("wrong checksum in the mirror names file, expected and actual; nothing is processed", async () => {
  const cache = tmpDir();
  const mirror = tmpDir();
  fs.mkdirSync(path.join(mirror, "criteo-8k"));
  const fake = criteoFile(path.join(mirror, "criteo-8k"), "train.tsv", 0, "");
  await assert.rejects(loadDataset("criteo-8k", { cacheDir: cache, mirror }), (e: unknown) => {
    assert.ok(e instanceof DataError && e.code === "CHECKSUM");
    assert.ok(e.message.includes(fake));
    assert.ok(e.message.includes("2b0614035f6c931dc4ac2c1a1a26fa954f2b9231703f3a77bcdd53d9d9f29872"));
    return true;
  });
  assert.ok(!fs.existsSync(path.join(cache, "processed")));
  assert.deepEqual(leftovers(cache), []);
});

test("unknown and path-like ids name the id", async () => {
  await assert.rejects(
    loadDataset("no-such-set"),
    (e: unknown) =>
      e instanceof DataError &&
      e.code === "UNKNOWN_DATASET" &&
      e.message.includes('"no-such-set"') &&
      e.message.includes("frappe-nfm"),
  );
  await assert.rejects(
    loadDataset("../../etc/passwd"),
    (e: unknown) => e instanceof DataError && e.code === "BAD_ID" && e.message.includes('"../../etc/passwd"'),
  );
  await assert.rejects(
    loadFiles({ id: "../x", format: CRITEO_FORMAT, train: [] }),
    (e: unknown) => e instanceof DataError && e.code === "BAD_ID" && e.message.includes('"../x"'),
  );
});
