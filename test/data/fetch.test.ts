/** Tests of fetch.ts: mirror, verification cache, checksum errors, downloads (local server), TOFU. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { MIRROR, leftovers, tmpDir } from "./helpers";
import { DataError, DatasetEntry, getDataset, resolveFile, resolveFiles } from "../../src/data";

const sha = (b: Buffer | string): string => crypto.createHash("sha256").update(b).digest("hex");

function entry(id: string, files: DatasetEntry["files"]): DatasetEntry {
  return {
    id,
    title: id,
    homepage: "",
    licence: "",
    citation: "",
    complete: false,
    notes: "",
    files,
    loader: null,
  };
}

async function withServer(
  routes: Record<string, (res: http.ServerResponse) => void>,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const server = http.createServer((req, res) => {
    const r = routes[req.url ?? ""];
    if (r === undefined) {
      res.statusCode = 404;
      res.end("no");
    } else r(res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await fn(base);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

test("resolves sample files from the mirror and remembers verification", async () => {
  const cache = tmpDir();
  const e = getDataset("criteo-8k");
  const files = await resolveFiles(e, { cacheDir: cache });
  assert.deepEqual(
    files.map((f) => f.source),
    ["mirror", "mirror", "mirror"],
  );
  assert.equal(files[0].path, path.join(MIRROR, "criteo-8k", "train.tsv"));
  const rec = JSON.parse(fs.readFileSync(path.join(cache, "verified.json"), "utf8")) as Record<
    string,
    { sha256: string }
  >;
  assert.equal(rec[files[0].path].sha256, e.files[0].sha256);
  const t = process.hrtime.bigint();
  await resolveFiles(e, { cacheDir: cache });
  assert.ok(Number(process.hrtime.bigint() - t) / 1e6 < 50, "cached verification is fast");
  assert.deepEqual(leftovers(cache), []);
});

test("checksum mismatch names the file, the expected and the actual hash", async () => {
  const cache = tmpDir();
  const wrong = "0".repeat(64);
  const e = entry("criteo-8k", [
    { name: "train", path: "train.tsv", url: "https://example.invalid/x", sha256: wrong, bytes: null },
  ]);
  await assert.rejects(resolveFile(e, e.files[0], { cacheDir: cache, mirror: MIRROR }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.code, "CHECKSUM");
    assert.ok(err.message.includes(path.join(MIRROR, "criteo-8k", "train.tsv")));
    assert.ok(err.message.includes(wrong));
    assert.ok(err.message.includes(getDataset("criteo-8k").files[0].sha256 as string));
    return true;
  });
  assert.deepEqual(leftovers(cache), []);
});

test("missing file names every path tried", async () => {
  const cache = tmpDir();
  const mirror = tmpDir();
  const e = entry("nowhere", [
    { name: "a", path: "a.txt", url: "https://example.invalid/a.txt", sha256: null, bytes: null },
  ]);
  await assert.rejects(
    resolveFile(e, e.files[0], { cacheDir: cache, mirror, allowDownload: false }),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, "MISSING_FILE");
      assert.ok(err.message.includes(path.join(mirror, "nowhere", "a.txt")));
      assert.ok(err.message.includes(path.join(cache, "nowhere", "a.txt")));
      return true;
    },
  );
  const manual = entry("avazu-kaggle", getDataset("avazu-kaggle").files);
  await assert.rejects(
    resolveFile(manual, manual.files[0], { cacheDir: cache, mirror }),
    /Kaggle requires signing in/,
  );
});

test("downloads into the cache through a temp name, then serves from the cache", async () => {
  const body = Buffer.from("hello\nworld\n".repeat(1000));
  await withServer({ "/f.txt": (res) => res.end(body) }, async (base) => {
    const cache = tmpDir();
    const e = entry("dl-test", [
      { name: "f", path: "sub/f.txt", url: `${base}/f.txt`, sha256: sha(body), bytes: body.length },
    ]);
    const r = await resolveFile(e, e.files[0], { cacheDir: cache, mirror: null, allowDownload: true });
    assert.equal(r.source, "download");
    assert.equal(r.path, path.join(cache, "dl-test", "sub", "f.txt"));
    assert.deepEqual(fs.readFileSync(r.path), body);
    const again = await resolveFile(e, e.files[0], { cacheDir: cache, mirror: null, allowDownload: true });
    assert.equal(again.source, "cache");
    assert.deepEqual(leftovers(cache), []);
  });
});

test("a download with the wrong checksum or cut short leaves nothing behind", async () => {
  const body = Buffer.from("x".repeat(50000));
  await withServer(
    {
      "/ok": (res) => res.end(body),
      "/cut": (res) => {
        res.writeHead(200, { "content-length": String(body.length * 2) });
        res.write(body, () => res.destroy());
      },
    },
    async (base) => {
      const cache = tmpDir();
      const bad = entry("dl-bad", [
        { name: "f", path: "f.bin", url: `${base}/ok`, sha256: "f".repeat(64), bytes: null },
      ]);
      await assert.rejects(
        resolveFile(bad, bad.files[0], { cacheDir: cache, mirror: null, allowDownload: true }),
        (err: unknown) => {
          assert.ok(err instanceof DataError && err.code === "CHECKSUM");
          assert.ok(
            err.message.includes(`${base}/ok`) &&
              err.message.includes("f".repeat(64)) &&
              err.message.includes(sha(body)),
          );
          return true;
        },
      );
      const cut = entry("dl-cut", [
        { name: "f", path: "f.bin", url: `${base}/cut`, sha256: null, bytes: null },
      ]);
      await assert.rejects(
        resolveFile(cut, cut.files[0], { cacheDir: cache, mirror: null, allowDownload: true }),
        (err: unknown) => {
          assert.ok(
            err instanceof DataError && err.code === "DOWNLOAD" && err.message.includes(`${base}/cut`),
          );
          return true;
        },
      );
      assert.ok(!fs.existsSync(path.join(cache, "dl-bad", "f.bin")));
      assert.ok(!fs.existsSync(path.join(cache, "dl-cut", "f.bin")));
      assert.deepEqual(leftovers(cache), []);
    },
  );
});

test("unpinned files are trusted on first use and enforced afterwards", async () => {
  const cache = tmpDir();
  const mirror = tmpDir();
  fs.mkdirSync(path.join(mirror, "tofu"));
  const f = path.join(mirror, "tofu", "a.txt");
  fs.writeFileSync(f, "first\n");
  const e = entry("tofu", [
    { name: "a", path: "a.txt", url: "https://example.invalid/a", sha256: null, bytes: null },
  ]);
  const logs: string[] = [];
  const r = await resolveFile(e, e.files[0], { cacheDir: cache, mirror, log: (m) => logs.push(m) });
  assert.equal(r.pinned, false);
  assert.match(logs.join("\n"), /trust on first use/);
  assert.equal(
    JSON.parse(fs.readFileSync(path.join(cache, "tofu", "checksums.json"), "utf8")).a,
    sha("first\n"),
  );
  fs.writeFileSync(f, "changed\n");
  await assert.rejects(
    resolveFile(e, e.files[0], { cacheDir: cache, mirror }),
    (err: unknown) =>
      err instanceof DataError && err.code === "CHECKSUM" && err.message.includes(sha("first\n")),
  );
});
