/** Tests of the streaming line reader: plain, CRLF, gzip (multi-member, truncated, corrupt), tar members. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { tmpDir, writeFile } from "./helpers";
import { DataError, forEachLine, readLines } from "../../src/data";

async function collect(
  file: string,
  opts: Parameters<typeof forEachLine>[2] = {},
): Promise<[string, number][]> {
  const out: [string, number][] = [];
  await forEachLine(
    file,
    (l, n) => {
      out.push([l, n]);
    },
    opts,
  );
  return out;
}

/** A minimal ustar archive of the given files. */
function tar(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0" + "00", 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

test("plain text: 1-based numbers, CRLF stripped, no phantom last line, chunk boundaries", async () => {
  const dir = tmpDir();
  const lines = Array.from({ length: 5000 }, (_, i) => `row ${i}\tvalue ${"x".repeat(i % 37)}`);
  const f = writeFile(dir, "a.txt", lines.join("\r\n") + "\r\n");
  for (const chunkBytes of [7, 64, 1 << 20]) {
    const got = await collect(f, { chunkBytes });
    assert.equal(got.length, lines.length);
    got.forEach(([l, n], i) => {
      assert.equal(l, lines[i]);
      assert.equal(n, i + 1);
    });
  }
  const g = writeFile(dir, "b.txt", "a\n\nb");
  assert.deepEqual(await collect(g), [
    ["a", 1],
    ["", 2],
    ["b", 3],
  ]);
  const seen: number[] = [];
  for await (const { lineNo } of readLines(g)) seen.push(lineNo);
  assert.deepEqual(seen, [1, 2, 3]);
  let n = 0;
  await forEachLine(f, () => ++n < 10);
  assert.equal(n, 10);
});

test("gzip, including concatenated members", async () => {
  const dir = tmpDir();
  const text = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join("\n") + "\n";
  const half = text.indexOf("\n", text.length / 2) + 5;
  const f = writeFile(
    dir,
    "a.gz",
    Buffer.concat([zlib.gzipSync(text.slice(0, half)), zlib.gzipSync(text.slice(half))]),
  );
  const got = await collect(f);
  assert.equal(got.length, 20000);
  assert.equal(got[19999][0], "line 19999");
  assert.equal(got[12345][0], "line 12345");
});

test("truncated and corrupt gzip raise BAD_GZIP naming the file", async () => {
  const dir = tmpDir();
  const gz = zlib.gzipSync(Array.from({ length: 50000 }, (_, i) => `line ${i} ${i * 7}`).join("\n"));
  const cut = writeFile(dir, "cut.gz", gz.subarray(0, Math.floor(gz.length / 2)));
  await assert.rejects(collect(cut), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.code, "BAD_GZIP");
    assert.ok(e.message.includes(cut));
    return true;
  });
  const bad = Buffer.from(gz);
  for (let i = 100; i < 200; i++) bad[i] ^= 0xff;
  const corrupt = writeFile(dir, "corrupt.gz", bad);
  await assert.rejects(
    collect(corrupt),
    (e: unknown) => e instanceof DataError && e.code === "BAD_GZIP" && e.message.includes(corrupt),
  );
});

test("missing file", async () => {
  const p = path.join(tmpDir(), "none.txt");
  await assert.rejects(
    collect(p),
    (e: unknown) => e instanceof DataError && e.code === "MISSING_FILE" && e.message.includes(p),
  );
});

test("tar and tar.gz members are streamed without unpacking", async () => {
  const dir = tmpDir();
  const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => `r${i}`).join("\n") + "\n");
  const archive = tar({
    "readme.txt": Buffer.from("hi\n"),
    "train.txt": body,
    "test.txt": Buffer.from("t\n"),
  });
  const t = writeFile(dir, "a.tar", archive);
  const tg = writeFile(dir, "a.tar.gz", zlib.gzipSync(archive));
  for (const f of [t, tg]) {
    for (const chunkBytes of [100, 1 << 20]) {
      const got = await collect(f, { tarMember: "train.txt", chunkBytes });
      assert.equal(got.length, 3000);
      assert.equal(got[2999][0], "r2999");
    }
  }
  await assert.rejects(
    collect(tg, { tarMember: "valid.txt" }),
    (e: unknown) => e instanceof DataError && e.code === "BAD_ARCHIVE" && e.message.includes("valid.txt"),
  );
  const cut = writeFile(dir, "cut.tar", archive.subarray(0, 1500));
  await assert.rejects(
    collect(cut, { tarMember: "train.txt" }),
    (e: unknown) => e instanceof DataError && e.code === "BAD_ARCHIVE" && e.message.includes(cut),
  );
  assert.ok(fs.existsSync(t));
});
