import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine/tf";
import { initBackend } from "../../src/engine/backend";
import { segmentSumInto } from "../../src/engine/kernels";
import { Rng } from "../../src/engine/rng";

function reference(x: Float32Array, ids: Int32Array, inner: number, numSegments: number): Float32Array {
  const out = new Float32Array(numSegments * inner);
  for (let s = 0; s < numSegments; s++) {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== s) continue;
      for (let k = 0; k < inner; k++) out[s * inner + k] += x[i * inner + k];
    }
  }
  return out;
}

test("segmentSumInto matches the quadratic reference and drops out-of-range ids", () => {
  const rng = new Rng(3);
  const n = 200;
  const inner = 5;
  const x = new Float32Array(n * inner).map(() => rng.normal());
  const ids = new Int32Array(n).map(() => rng.int(40) - 2); // some -1/-2
  ids[7] = 38; // ids >= numSegments are dropped too
  const out = new Float32Array(38 * inner);
  segmentSumInto(x, ids, inner, 38, out);
  const ref = reference(x, ids, inner, 38);
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - ref[i]) < 1e-5);
});

for (const backend of ["cpu", "wasm"] as const) {
  test(`tf.unsortedSegmentSum and the gradient of tf.gather use the kit kernel on ${backend}`, async () => {
    await initBackend({ force: backend, quiet: true });
    assert.equal(tf.getBackend(), backend);
    const rng = new Rng(7);
    const rows = 100000;
    const dim = 8;
    const n = 512;
    const ids = new Int32Array(n).map(() => rng.int(50)); // heavy duplicates
    const xs = new Float32Array(n * dim).map(() => rng.normal());
    const got = tf.tidy(() =>
      tf.unsortedSegmentSum(tf.tensor2d(xs, [n, dim]), tf.tensor1d(ids, "int32"), 60).dataSync(),
    );
    const ref = reference(xs, ids, dim, 60);
    for (let i = 0; i < ref.length; i++)
      assert.ok(Math.abs(got[i] - ref[i]) < 1e-4, `${backend} [${i}] ${got[i]} vs ${ref[i]}`);
    // Gradient of a gather from a 100k-row table: linear time (the stock CPU kernel loops over all rows).
    const table = tf.variable(tf.zeros([rows, dim]));
    const dy = tf.tensor2d(xs, [n, dim]);
    const t0 = Date.now();
    const g = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, "int32")), dy)))(table)
        .dataSync(),
    );
    const ms = Date.now() - t0;
    const refG = reference(xs, ids, dim, rows);
    for (let i = 0; i < 60 * dim; i++) assert.ok(Math.abs(g[i] - refG[i]) < 1e-4);
    assert.ok(ms < 20000, `gather gradient took ${ms} ms`);
    table.dispose();
    dy.dispose();
  });
}

test("kit SplitV and row-broadcast binary kernels on cpu equal the arithmetic they replace", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(11);
  const B = 33;
  const C = 29;
  const xs = new Float32Array(B * C).map(() => rng.normal());
  const col = new Float32Array(B).map(() => rng.normal() + 3);
  // SplitV along the last axis (the gradient of concat), with a -1 size.
  const parts = tf.tidy(() =>
    tf
      .split(tf.tensor2d(xs, [B, C]), [5, -1, 4], 1)
      .map((t) => ({ shape: t.shape, v: Array.from(t.dataSync()) })),
  );
  assert.deepEqual(
    parts.map((p) => p.shape),
    [
      [B, 5],
      [B, 20],
      [B, 4],
    ],
  );
  for (let r = 0; r < B; r++) {
    assert.deepEqual(parts[1].v.slice(r * 20, r * 20 + 20), Array.from(xs.subarray(r * C + 5, r * C + 25)));
  }
  // Split along axis 0 too.
  const rowsParts = tf.tidy(() =>
    tf.split(tf.tensor2d(xs, [B, C]), [10, 23], 0).map((t) => Array.from(t.dataSync())),
  );
  assert.deepEqual(rowsParts[1], Array.from(xs.subarray(10 * C)));
  // [B, C] op [B, 1] and [B, 1] op [B, C].
  const ops: [string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, (a: number, b: number) => number][] = [
    ["mul", tf.mul, (a, b) => a * b],
    ["add", tf.add, (a, b) => a + b],
    ["sub", tf.sub, (a, b) => a - b],
    ["div", tf.div, (a, b) => a / b],
  ];
  for (const [name, f, ref] of ops) {
    const [ab, ba] = tf.tidy(() => [
      f(tf.tensor2d(xs, [B, C]), tf.tensor2d(col, [B, 1])).dataSync(),
      f(tf.tensor2d(col, [B, 1]), tf.tensor2d(xs, [B, C])).dataSync(),
    ]);
    for (let r = 0; r < B; r++) {
      for (let c = 0; c < C; c++) {
        const e1 = ref(xs[r * C + c], col[r]);
        const e2 = ref(col[r], xs[r * C + c]);
        assert.ok(
          Math.abs(ab[r * C + c] - e1) <= 1e-5 * Math.max(1, Math.abs(e1)),
          `${name} [B,C] op [B,1] at ${r},${c}`,
        );
        assert.ok(
          Math.abs(ba[r * C + c] - e2) <= 1e-5 * Math.max(1, Math.abs(e2)),
          `${name} [B,1] op [B,C] at ${r},${c}`,
        );
      }
    }
  }
  // Shapes outside the fast path still go to the previous kernel.
  const full = tf.tidy(() => tf.mul(tf.tensor2d(xs, [B, C]), tf.tensor1d(xs.subarray(0, C))).dataSync());
  assert.ok(Math.abs(full[C + 3] - xs[C + 3] * xs[3]) < 1e-5);
});

test("kit Softmax kernel on cpu: rows sum to 1, equals exp(x - max)/Σ in float64, survives huge logits, gradient unchanged", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(5);
  for (const [shape, scale] of [
    [[37, 8], 3],
    [[4, 5, 3], 1],
    [[9, 1], 1],
    [[6, 4], 400],
  ] as [number[], number][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const xs = new Float32Array(n).map(() => rng.normal() * scale);
    const y = tf.tidy(() => tf.softmax(tf.tensor(xs, shape)).dataSync());
    for (let o = 0; o < n; o += cols) {
      const row = Array.from(xs.subarray(o, o + cols));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        assert.ok(Number.isFinite(y[o + j]), `finite at ${o + j}`);
        assert.ok(
          Math.abs(y[o + j] - e[j] / s) <= 1e-6,
          `[${shape}] row ${o / cols} col ${j}: ${y[o + j]} vs ${e[j] / s}`,
        );
        sum += y[o + j];
      }
      assert.ok(Math.abs(sum - 1) <= 1e-5);
    }
  }
  // Gradient (tfjs's Softmax gradient on our forward): d/dz Σ w·softmax(z) = y ⊙ (w − Σ w·y).
  const z = new Float32Array(3 * 4).map(() => rng.normal());
  const w = new Float32Array(3 * 4).map(() => rng.normal());
  const [g, y] = tf.tidy(() => {
    const wt = tf.tensor2d(w, [3, 4]);
    return [
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), wt)))(tf.tensor2d(z, [3, 4]))
        .dataSync(),
      tf.softmax(tf.tensor2d(z, [3, 4])).dataSync(),
    ];
  });
  for (let r = 0; r < 3; r++) {
    let dot = 0;
    for (let j = 0; j < 4; j++) dot += w[r * 4 + j] * y[r * 4 + j];
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(g[r * 4 + j] - y[r * 4 + j] * (w[r * 4 + j] - dot)) <= 1e-6);
  }
});
