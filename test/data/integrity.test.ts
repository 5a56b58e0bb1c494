/**
 * Cache integrity and input edge cases: a file corrupted in place (same size and mtime) is caught
 * before it is baked into processed data; processed shards carry a CRC-32 that loading checks; a
 * zip member failing verification leaves the cache; empty or header-only files, labels that are
 * not 0/1 and an Avazu header missing a column are named with file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { leftovers, tmpDir, walk, writeFile } from "./helpers";
import {
  AVAZU_COLUMNS,
  CRITEO_FORMAT,
  AVAZU_FORMAT,
  DataError,
  resolveFile,
  loadFiles,
  type DatasetEntry,
} from "../../src/data";
import { crc32 } from "../../src/data/hash";
import { crc32 as tableCrc32 } from "../../src/data/zip";

const GOOD =
  "0\t1\t2\t\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t" +
  Array.from({ length: 26 }, (_, i) => `0000000${String.fromCharCode(97 + (i % 6))}`).join("\t");
const rows = (n: number, first = GOOD): string =>
  Array.from({ length: n }, (_, i) => (i === 0 ? first : i % 3 === 0 ? `1${GOOD.slice(1)}` : GOOD)).join(
    "\n",
  ) + "\n";

function isData(code: string, re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  };
}

test("crc32: zlib and table versions agree", () => {
  const b = crypto.randomBytes(10007);
  assert.equal(crc32(b), tableCrc32(b));
  assert.equal(crc32(b.subarray(5000), crc32(b.subarray(0, 5000))), tableCrc32(b));
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("a source corrupted in place (same size and mtime) is re-hashed before a build", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const f = writeFile(dir, "train.txt", rows(40));
  fs.utimesSync(f, 1_700_000_000, 1_700_000_000);
  await loadFiles({ id: "inplace", format: CRITEO_FORMAT, train: [f] }, { cacheDir: cache });
  const st = fs.statSync(f);
  const buf = fs.readFileSync(f);
  buf[buf.indexOf("0000000c")] = "1".charCodeAt(0);
  fs.writeFileSync(f, buf);
  fs.utimesSync(f, 1_700_000_000, 1_700_000_000);
  assert.equal(fs.statSync(f).mtimeMs, st.mtimeMs);
  fs.rmSync(path.join(cache, "processed"), { recursive: true, force: true });
  await assert.rejects(
    loadFiles({ id: "inplace", format: CRITEO_FORMAT, train: [f] }, { cacheDir: cache }),
    isData("CHECKSUM", /changed in place or is corrupt/),
  );
  const verified = JSON.parse(fs.readFileSync(path.join(cache, "verified.json"), "utf8")) as Record<
    string,
    unknown
  >;
  assert.ok(!(f in verified), "the stale verification record is dropped");
  assert.deepEqual(leftovers(cache), []);
});

test("a flipped byte in a processed shard fails its CRC-32 check naming the shard", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const f = writeFile(dir, "train.txt", rows(60));
  const spec = { id: "shardcrc", format: CRITEO_FORMAT, train: [f] };
  await loadFiles(spec, { cacheDir: cache });
  const shard = walk(cache).find((p) => p.endsWith(".bin"));
  assert.ok(shard, "a shard was written");
  const abs = path.join(cache, shard);
  const b = fs.readFileSync(abs);
  b[b.length - 1] ^= 0x40;
  fs.writeFileSync(abs, b);
  await assert.rejects(loadFiles(spec, { cacheDir: cache }), (e: unknown) => {
    assert.ok(e instanceof DataError && e.code === "BAD_CACHE", String(e));
    assert.ok(e.message.includes(abs), e.message);
    assert.match(e.message, /CRC-32/);
    return true;
  });
});

/** A zip with one stored member. */
function storedZip(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name);
  const crc = tableCrc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = local.length + n.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

test("a zip member failing its checksum is removed from the cache", async () => {
  const mirror = tmpDir();
  const cache = tmpDir();
  fs.mkdirSync(path.join(mirror, "zipped"));
  fs.writeFileSync(
    path.join(mirror, "zipped", "all.zip"),
    storedZip("all/ratings.dat", Buffer.from("1::2::3::4\n")),
  );
  const e: DatasetEntry = {
    id: "zipped",
    title: "zipped",
    homepage: "",
    licence: "",
    citation: "",
    complete: false,
    notes: "",
    loader: null,
    files: [
      {
        name: "ratings",
        path: "ratings.dat",
        url: "https://example.invalid/all.zip",
        sha256: "0".repeat(64),
        bytes: null,
        archive: { path: "all.zip", member: "all/ratings.dat" },
      },
    ],
  };
  await assert.rejects(
    resolveFile(e, e.files[0], { cacheDir: cache, mirror, allowDownload: false }),
    isData("CHECKSUM", /ratings/),
  );
  assert.ok(!fs.existsSync(path.join(cache, "zipped", "ratings.dat")), "the unverified member is gone");
  await assert.rejects(
    resolveFile(e, e.files[0], { cacheDir: cache, mirror, allowDownload: false }),
    isData("CHECKSUM", /ratings/),
  );
});

test("empty and header-only files are refused, naming the file", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const empty = writeFile(dir, "empty.txt", "");
  await assert.rejects(
    loadFiles({ id: "empty", format: CRITEO_FORMAT, train: [empty] }, { cacheDir: cache }),
    isData("EMPTY", new RegExp(`${empty.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no data rows`)),
  );
  const header = writeFile(dir, "header.csv", AVAZU_COLUMNS.join(",") + "\n");
  await assert.rejects(
    loadFiles({ id: "header-only", format: AVAZU_FORMAT, train: [header] }, { cacheDir: cache }),
    isData("EMPTY", /header\.csv: no data rows/),
  );
  const ok = writeFile(dir, "ok.txt", rows(10));
  await assert.rejects(
    loadFiles({ id: "empty-valid", format: CRITEO_FORMAT, train: [ok], valid: [empty] }, { cacheDir: cache }),
    isData("EMPTY", /empty\.txt/),
  );
  assert.deepEqual(leftovers(cache), []);
});

test("an Avazu header with a missing column names the column", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const cols = AVAZU_COLUMNS.filter((c) => c !== "hour");
  const data = ["1", "0", ...Array.from({ length: 21 }, () => "x")].join(",");
  const f = writeFile(dir, "avazu.csv", [cols.join(","), data].join("\n") + "\n");
  await assert.rejects(
    loadFiles({ id: "avazu-missing", format: AVAZU_FORMAT, train: [f] }, { cacheDir: cache }),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "BAD_ROW", String(e));
      assert.equal(e.line, 1);
      assert.match(e.message, /missing column "hour"/);
      assert.doesNotMatch(e.message, /click must be 0 or 1/);
      return true;
    },
  );
  const g = writeFile(dir, "avazu2.csv", data + "\n");
  await assert.rejects(
    loadFiles({ id: "avazu-short", format: AVAZU_FORMAT, train: [g] }, { cacheDir: cache }),
    /avazu2\.csv:1: expected 24 comma-separated columns/,
  );
});
