/** CSR propagation (src/engine/sparse.ts): equals the dense product; its gradient is Aᵀ·dY. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import {
  csrFromCoo,
  csrToDense,
  gatherRowsTensor,
  leftNormalise,
  spmm,
  spmmTensor,
  symmetricNormalise,
  transposeCsr,
} from "../../src/engine/sparse";
import { tf } from "../../src/engine/tf";

// 3 x 4 toy graph with a duplicate entry (summed) and an empty row.
const A = csrFromCoo([0, 0, 2, 2, 0], [1, 3, 0, 3, 1], 3, 4);

test("csrFromCoo sums duplicates, sorts rows, keeps empty rows", () => {
  assert.deepEqual(Array.from(A.indptr), [0, 2, 2, 4]);
  assert.deepEqual(Array.from(A.indices), [1, 3, 0, 3]);
  assert.deepEqual(Array.from(A.values), [2, 1, 1, 1]);
  assert.throws(() => csrFromCoo([0], [9], 3, 4), /outside/);
});

test("propagation equals the dense matrix product on a toy graph", () => {
  const x = Float32Array.from({ length: 4 * 2 }, (_, i) => i - 3);
  const dense = csrToDense(leftNormalise(A));
  const y = spmm(leftNormalise(A), x, 2);
  for (let r = 0; r < 3; r++)
    for (let d = 0; d < 2; d++) {
      let s = 0;
      for (let c = 0; c < 4; c++) s += dense[r * 4 + c] * x[c * 2 + d];
      assert.ok(Math.abs(y[r * 2 + d] - s) < 1e-6);
    }
  const t = csrToDense(transposeCsr(A));
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) assert.equal(t[c * 3 + r], csrToDense(A)[r * 4 + c]);
});

test("normalisations: left rows sum to 1, symmetric is D^-1/2 A D^-1/2", () => {
  const sq = csrFromCoo([0, 1, 1, 2], [1, 0, 2, 1], 3, 3);
  const l = csrToDense(leftNormalise(sq));
  assert.deepEqual(Array.from(l), [0, 1, 0, 0.5, 0, 0.5, 0, 1, 0]);
  const s = csrToDense(symmetricNormalise(sq));
  assert.ok(Math.abs(s[1] - 1 / Math.sqrt(2)) < 1e-6);
});

test("spmmTensor and gatherRowsTensor gradients are Aᵀ·dY and a scatter-add", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const before = tf.memory().numTensors;
  const x = tf.tensor2d(
    Float32Array.from({ length: 8 }, (_, i) => i / 3),
    [4, 2],
  );
  const w = tf.tensor2d([1, -1, 2, 0.5, 0, 3], [3, 2]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(spmmTensor(A, v as tf.Tensor2D), w)))(x);
  const denseA = tf.tensor2d(csrToDense(A), [3, 4]);
  const ref = tf.matMul(denseA, w, true, false);
  assert.deepEqual(Array.from(g.dataSync()), Array.from(ref.dataSync()));
  const gg = tf.grad((v: tf.Tensor) => tf.sum(gatherRowsTensor(v as tf.Tensor2D, [3, 0, 3])))(x);
  assert.deepEqual(Array.from(gg.dataSync()), [1, 1, 0, 0, 0, 0, 2, 2]);
  tf.dispose([x, w, g, denseA, ref, gg]);
  assert.equal(tf.memory().numTensors, before);
});

test("the native threaded spmm is bit-identical to the JavaScript kernel and refuses bad CSR input", async () => {
  const { loadNativeAddon } = await import("../../src/engine/native");
  const { spmmJs } = await import("../../src/engine/sparse");
  const { Rng } = await import("../../src/engine/rng");
  const { addon, error } = loadNativeAddon();
  assert.ok(addon?.spmm, `native addon without spmm (${error ?? "older build"}): run bash native/build.sh`);
  const rng = new Rng(5);
  const n = 3000;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let e = 0; e < 60000; e++) (rows.push(rng.int(n)), cols.push(rng.int(n)));
  const a = leftNormalise(csrFromCoo(rows, cols, n, n));
  for (const dim of [1, 16, 33]) {
    const x = Float32Array.from({ length: n * dim }, () => rng.normal());
    assert.deepEqual(spmm(a, x, dim), spmmJs(a, x, dim), `dim ${dim}`);
  }
  const y = new Float32Array(n * 4);
  const x = new Float32Array(n * 4);
  const badCol = Int32Array.from(a.indices);
  badCol[7] = n;
  assert.throws(
    () => addon!.spmm!(a.indptr, badCol, a.values, x, 4, n, y),
    /column 3000 of entry 7 out of range/,
  );
  assert.throws(() => addon!.spmm!(a.indptr, a.indices, a.values, x, 4, n, new Float32Array(3)), /out/);
});
