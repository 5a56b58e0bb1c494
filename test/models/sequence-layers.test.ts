/**
 * The kit's sequence layers: projection, masked attention (zero weight and zero gradient at
 * padding), the typed-array ops against the tf formulas, and sequence slots of the embedding
 * collection (lookup from the shared item table, gradient scattered back into it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { Rng } from "../../src/engine/rng";
import { EmbeddingCollection } from "../../src/engine/embedding-collection";
import { DinAttention, projectOnto } from "../../src/models/layers/attention";
import {
  addGathered,
  gatherMul,
  gatherRows,
  maskedSoftmaxOp,
  scatterRows,
  projectRows,
  repeatRows,
  sliceSlots,
  weightedSum,
} from "../../src/models/layers/seq-ops";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `at ${i}: ${a[i]} vs ${b[i]}`);
};
const rand = (rng: Rng, shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

test("projection of a vector onto itself is itself; onto an orthogonal vector is zero", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const c = tf.tensor2d([
    [1, 2, 3],
    [0, 1, 0],
  ]);
  close(projectOnto(c, c).dataSync(), c.dataSync());
  const u = tf.tensor2d([
    [3, 0, -1],
    [5, 0, 7],
  ]); // u·c = 0 row by row
  close(projectOnto(u, c).dataSync(), [0, 0, 0, 0, 0, 0]);
  // a zero click projects to zero
  close(projectOnto(tf.tensor2d([[1, 1]]), tf.tensor2d([[0, 0]])).dataSync(), [0, 0]);
});

test("projection, masked softmax, weighted sum and repeat: values and gradients match the tf formulas", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(3);
  const u = rand(rng, [4, 5]);
  const c = rand(rng, [4, 5]);
  const g = rand(rng, [4, 5]);
  const ref = (a: tf.Tensor, b: tf.Tensor) =>
    tf.mul(tf.div(tf.sum(tf.mul(a, b), 1, true), tf.add(tf.sum(tf.square(b), 1, true), 1e-8)), b);
  close(projectRows(u, c).dataSync(), ref(u, c).dataSync());
  const [gu, gc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(projectRows(a, b), g)))([u, c]);
  const [ru, rc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ref(a, b), g)))([u, c]);
  close(gu.dataSync(), ru.dataSync(), 1e-4);
  close(gc.dataSync(), rc.dataSync(), 1e-4);

  const s = rand(rng, [3, 4]) as tf.Tensor2D;
  const mask = [1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1];
  const mt = tf.tensor2d(mask, [3, 4]);
  const refSm = (x: tf.Tensor) =>
    tf.mul(tf.softmax(tf.where(tf.greater(mt, 0), x, tf.fill([3, 4], -1e9))), mt);
  const w = maskedSoftmaxOp(s, mask);
  const wv = w.dataSync();
  close(
    Array.from(wv).slice(0, 4).concat(Array.from(wv).slice(8)),
    Array.from(refSm(s).dataSync())
      .slice(0, 4)
      .concat(Array.from(refSm(s).dataSync()).slice(8)),
  );
  close(Array.from(wv).slice(4, 8), [0, 0, 0, 0]); // a row with no valid position is all zero
  const gw = rand(rng, [3, 4]);
  const d1 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(maskedSoftmaxOp(x as tf.Tensor2D, mask), gw)))(s);
  const d2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(refSm(x), gw)))(s);
  close(Array.from(d1.dataSync()).slice(0, 4), Array.from(d2.dataSync()).slice(0, 4), 1e-4);
  assert.equal(d1.dataSync()[2], 0, "masked position got a gradient");

  const ww = rand(rng, [2, 3]) as tf.Tensor2D;
  const v = rand(rng, [2, 3, 4]) as tf.Tensor3D;
  const gy = rand(rng, [2, 4]);
  const refWs = (a: tf.Tensor, b: tf.Tensor) => tf.squeeze(tf.matMul(tf.expandDims(a, 1), b), [1]);
  close(weightedSum(ww, v).dataSync(), refWs(ww, v).dataSync());
  const [a1, b1] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(weightedSum(a as tf.Tensor2D, b as tf.Tensor3D), gy)),
  )([ww, v]);
  const [a2, b2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(refWs(a, b), gy)))([ww, v]);
  close(a1.dataSync(), a2.dataSync(), 1e-4);
  close(b1.dataSync(), b2.dataSync(), 1e-4);

  const x = rand(rng, [2, 3]) as tf.Tensor2D;
  close(repeatRows(x, 2).dataSync(), tf.reshape(tf.tile(tf.expandDims(x, 1), [1, 2, 1]), [4, 3]).dataSync());
  const e = rand(rng, [2, 5, 3]) as tf.Tensor3D;
  close(sliceSlots(e, 1, 3).dataSync(), tf.slice(e, [0, 1, 0], [2, 3, 3]).dataSync());
  const ge = tf
    .grad((t: tf.Tensor) => tf.sum(sliceSlots(t as tf.Tensor3D, 1, 3)))(e)
    .dataSync();
  for (let b = 0; b < 2; b++)
    for (let l = 0; l < 5; l++)
      for (let d = 0; d < 3; d++) assert.equal(ge[(b * 5 + l) * 3 + d], l >= 1 && l < 4 ? 1 : 0);
});

test("DIN attention: padded positions get zero weight and zero gradient", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(1);
  const att = new DinAttention(4, { hidden: [8, 4] }, rng);
  const q = rand(rng, [2, 4]) as tf.Tensor2D;
  const keys = rand(rng, [2, 3, 4]) as tf.Tensor3D;
  const mask = [0, 1, 1, 0, 0, 1]; // row 0: position 0 padded; row 1: positions 0, 1 padded
  const { weights } = att.apply(q, keys, mask);
  const w = weights.dataSync();
  assert.equal(w[0], 0);
  assert.equal(w[3], 0);
  assert.equal(w[4], 0);
  close([w[1] + w[2], w[5]], [1, 1]);
  const gk = tf
    .grad((k: tf.Tensor) => tf.sum(att.apply(q, k as tf.Tensor3D, mask).pooled))(keys)
    .dataSync();
  for (const pos of [0, 3, 4])
    for (let d = 0; d < 4; d++) assert.equal(gk[pos * 4 + d], 0, `padded slot ${pos} got a gradient`);
  assert.ok(
    Array.from(gk.subarray(4, 8)).some((x) => x !== 0),
    "a valid slot got no gradient",
  );
  att.variables().forEach((x) => x.dispose());
});

test("gatherRows / scatterRows: values and gradients (repeated indices add up)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(5);
  const x = rand(rng, [4, 3]) as tf.Tensor2D;
  const idx = Int32Array.from([2, 0, 2, 3]);
  close(gatherRows(x, idx).dataSync(), tf.gather(x, Array.from(idx)).dataSync());
  const g = rand(rng, [4, 3]);
  const d1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, idx), g)))(x);
  const d2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, Array.from(idx)), g)))(x);
  close(d1.dataSync(), d2.dataSync());
  const y = rand(rng, [2, 3]) as tf.Tensor2D;
  const at = Int32Array.from([3, 1]);
  const sc = scatterRows(y, at, 5).dataSync();
  const yv = y.dataSync();
  for (let r = 0; r < 5; r++)
    for (let c = 0; c < 3; c++)
      assert.equal(sc[r * 3 + c], r === 3 ? yv[c] : r === 1 ? yv[3 + c] : 0, `row ${r}`);
  const gs = rand(rng, [5, 3]);
  const dy = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(scatterRows(t as tf.Tensor2D, at, 5), gs)))(y);
  close(dy.dataSync(), tf.gather(gs, [3, 1]).dataSync());
  assert.throws(() => scatterRows(y, Int32Array.from([1, 1]), 5), /repeats/);
  assert.throws(() => gatherRows(x, Int32Array.from([4])), /outside 4 rows/);
  // gatherMul = gather(q) * k and addGathered = a + gather(b), values and gradients.
  const q = rand(rng, [3, 3]) as tf.Tensor2D;
  const k = rand(rng, [4, 3]) as tf.Tensor2D;
  const rowOf = Int32Array.from([0, 2, 2, 1]);
  const gq = tf.gather(q, Array.from(rowOf));
  close(gatherMul(q, rowOf, k).dataSync(), tf.mul(gq, k).dataSync());
  const gm = rand(rng, [4, 3]);
  const [m1, m2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(gatherMul(a as tf.Tensor2D, rowOf, b as tf.Tensor2D), gm)),
  )([q, k]);
  const [r1, r2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.mul(tf.gather(a, Array.from(rowOf)), b), gm)),
  )([q, k]);
  close(m1.dataSync(), r1.dataSync());
  close(m2.dataSync(), r2.dataSync());
  close(addGathered(k, q, rowOf).dataSync(), tf.add(k, gq).dataSync());
  const [a1, a2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(addGathered(a as tf.Tensor2D, b as tf.Tensor2D, rowOf), gm)),
  )([k, q]);
  close(a1.dataSync(), gm.dataSync());
  close(a2.dataSync(), tf.unsortedSegmentSum(gm, tf.tensor1d(rowOf, "int32"), 3).dataSync());
});

test("DIN attention on the valid positions only equals the dense formula (values and every gradient)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(9);
  const D = 4;
  const att = new DinAttention(D, { hidden: [6, 3] }, rng);
  const [N, L] = [3, 5];
  const q = rand(rng, [N, D]) as tf.Tensor2D;
  const keys = rand(rng, [N, L, D]) as tf.Tensor3D;
  // Row 1 has no valid position; the second mask has no padding at all (the dense path).
  for (const mask of [[1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], new Array(N * L).fill(1)])
    checkAgainstDense(att, q, keys, mask, rng);
  // No valid position at all: pooled zero, weights zero, no error.
  const none = att.apply(q, keys, new Array(N * L).fill(0));
  close(none.pooled.dataSync(), new Array(N * D).fill(0));
  close(none.weights.dataSync(), new Array(N * L).fill(0));
  att.variables().forEach((x) => x.dispose());
});

function checkAgainstDense(
  att: DinAttention,
  q: tf.Tensor2D,
  keys: tf.Tensor3D,
  mask: number[],
  rng: Rng,
): void {
  const [N, L, D] = keys.shape;
  const mt = tf.tensor2d(mask, [N, L]);
  // The dense reference: the MLP on [q, k, q - k, q * k] at every position, then the masked softmax.
  const dense = (qq: tf.Tensor2D, kk: tf.Tensor3D) => {
    const qr = tf.reshape(tf.tile(tf.expandDims(qq, 1), [1, L, 1]), [N * L, D]);
    const k2 = tf.reshape(kk, [N * L, D]);
    let h: tf.Tensor = tf.concat([qr, k2, tf.sub(qr, k2), tf.mul(qr, k2)], 1);
    for (const layer of att.layers) h = tf.sigmoid(tf.add(tf.matMul(h, layer.w), layer.b!));
    h = tf.add(tf.matMul(h, att.out.w), att.out.b!);
    const s = tf.reshape(h, [N, L]);
    const w = tf.mul(tf.softmax(tf.where(tf.greater(mt, 0), s, tf.fill([N, L], -1e9))), mt);
    return { w, pooled: tf.sum(tf.mul(tf.expandDims(w, 2), kk), 1) };
  };
  const got = att.apply(q, keys, mask);
  const ref = dense(q, keys);
  close(got.weights.dataSync(), ref.w.dataSync());
  close(got.pooled.dataSync(), ref.pooled.dataSync());
  const gy = rand(rng, [N, D]);
  const vars = att.variables();
  const f = (use: "got" | "ref") => () =>
    tf.sum(tf.mul(use === "got" ? att.apply(q, keys, mask).pooled : dense(q, keys).pooled, gy)) as tf.Scalar;
  const a = tf.variableGrads(f("got"), vars);
  const b = tf.variableGrads(f("ref"), vars);
  for (const v of vars) close(a.grads[v.name].dataSync(), b.grads[v.name].dataSync(), 1e-4);
  const [gq1, gk1] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.mul(att.apply(x as tf.Tensor2D, y as tf.Tensor3D, mask).pooled, gy)),
  )([q, keys]);
  const [gq2, gk2] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.mul(dense(x as tf.Tensor2D, y as tf.Tensor3D).pooled, gy)),
  )([q, keys]);
  close(gq1.dataSync(), gq2.dataSync(), 1e-4);
  close(gk1.dataSync(), gk2.dataSync(), 1e-4);
}

test("embedding collection: sequence slots read the shared item table and scatter gradients back to it", () => {
  const coll = new EmbeddingCollection(
    {
      name: "t",
      fields: [{ name: "item", vocabSize: 6 }],
      sequences: [{ name: "clicks", vocabSize: 6, maxLen: 3, column: 0, shareWith: "item" }],
    },
    { embDim: 2, optimizer: { kind: "sgd", lr: 1 } },
    1,
  );
  assert.equal(coll.tables.length, 1);
  assert.equal(coll.numSlots, 4);
  const table = coll.tables[0].toFloat32();
  const cat = [Int32Array.from([5, 1])];
  const seq = [Int32Array.from([0, 2, 5, 3, 3, 4])]; // [B=2, L=3], row 0 left-padded
  const out = coll.lookup(cat, 2, undefined, seq);
  const ids = [5, 0, 2, 5, 1, 3, 3, 4]; // per sample: target, then the three positions
  ids.forEach((id, i) => close(out.subarray(i * 2, i * 2 + 2), table.subarray(id * 2, id * 2 + 2)));
  const grad = new Float32Array(8 * 2).fill(0);
  grad.set([1, 1], 0 * 2); // target 5 of sample 0
  grad.set([2, 2], 3 * 2); // clicks position 2 of sample 0: id 5 again (summed)
  grad.set([1, 0], 6 * 2); // sample 1 position 1: id 3
  coll.applyGradients(cat, 2, grad, 1, seq);
  const after = coll.tables[0].toFloat32();
  close(after.subarray(10, 12), [table[10] - 3, table[11] - 3]);
  close(after.subarray(6, 8), [table[6] - 1, table[7]]);
  close(after.subarray(8, 10), table.subarray(8, 10)); // id 4: zero gradient
  assert.throws(
    () => coll.lookup(cat, 2),
    /sequence clicks .* is embedded but the batch has 0 sequence columns/,
  );
});
