/**
 * The fused native DIN attention (src/models/layers/din-fused.ts over the addon's
 * dinAttentionForward / dinAttentionBackward) against the op-by-op tfjs path of
 * src/models/layers/attention.ts: pooled values, weights and every gradient (query, keys,
 * separate values, each weight and bias), for sigmoid and relu units, one or several hidden
 * layers or none, padded / unpadded / empty masks; and the addon's argument checks. The addon is
 * built in set-up (bash native/build.sh); without it these tests fail and say so.
 *
 *   npx tsc -p tsconfig.json && node --test dist/test/models/din-fused.test.js
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { getNativeAddon } from "../../src/engine/native";
import { Rng } from "../../src/engine/rng";
import { tf } from "../../src/engine/tf";
import { DinAttention } from "../../src/models/layers/attention";
import { fusedDinAddon, setFusedAttention } from "../../src/models/layers/din-fused";

after(() => setFusedAttention(null));

const rand = (rng: Rng, shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

/** |a - b| <= tol·max(1, max|b|) element-wise. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 2e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: fused ${a[i]} vs tfjs ${b[i]}`);
}

interface Run {
  pooled: Float32Array;
  weights: Float32Array;
  grads: Float32Array[];
}

/** Pooled, weights and the gradients of Σ pooled ⊙ gy w.r.t. query, keys, (values,) every variable. */
function run(
  fused: boolean,
  att: DinAttention,
  q: tf.Tensor2D,
  keys: tf.Tensor3D,
  mask: number[],
  gy: tf.Tensor,
  values?: tf.Tensor3D,
): Run {
  setFusedAttention(fused);
  const out = att.apply(q, keys, mask, values);
  const xs: tf.Tensor[] = [q, keys, ...(values ? [values] : []), ...att.variables()];
  const grads = tf.grads((...ts: tf.Tensor[]) =>
    tf.sum(
      tf.mul(
        att.apply(
          ts[0] as tf.Tensor2D,
          ts[1] as tf.Tensor3D,
          mask,
          values ? (ts[2] as tf.Tensor3D) : undefined,
        ).pooled,
        gy,
      ),
    ),
  )(xs);
  return {
    pooled: out.pooled.dataSync() as Float32Array,
    weights: out.weights.dataSync() as Float32Array,
    grads: grads.map((g) => g.dataSync() as Float32Array),
  };
}

/** Gradients w.r.t. the layer's variables (tf.variableGrads) on one path. */
function varGrads(fused: boolean, att: DinAttention, f: () => tf.Scalar): Float32Array[] {
  setFusedAttention(fused);
  const vars = att.variables();
  const { grads } = tf.variableGrads(f, vars);
  return vars.map((v) => grads[v.name].dataSync() as Float32Array);
}

test("the fused path is the one DinAttention takes when the addon is loaded", async () => {
  await initBackend({ force: "cpu-native", quiet: true });
  const nat = getNativeAddon();
  assert.ok(nat, "native addon not loaded: run bash native/build.sh");
  assert.ok(
    nat.info().abiVersion >= 4,
    `addon abiVersion ${nat.info().abiVersion} < 4: rebuild it (bash native/build.sh)`,
  );
  setFusedAttention(null);
  assert.ok(fusedDinAddon(), "fused attention is off by default");
  setFusedAttention(false);
  assert.equal(fusedDinAddon(), null);
  setFusedAttention(null);
  // the pure-JS backend does not take it
  await initBackend({ force: "cpu", quiet: true });
  assert.equal(fusedDinAddon(), null, "fused attention active on the pure-JS cpu backend");
  await initBackend({ force: "cpu-native", quiet: true });
  assert.ok(fusedDinAddon());
});

const CASES: { name: string; hidden: number[]; activation: "sigmoid" | "relu"; values: boolean }[] = [
  { name: "sigmoid 6-3", hidden: [6, 3], activation: "sigmoid", values: false },
  { name: "sigmoid 16 (TEM4CTR step 1)", hidden: [16], activation: "sigmoid", values: false },
  { name: "relu 5-4-3 with separate values", hidden: [5, 4, 3], activation: "relu", values: true },
  { name: "no hidden layer", hidden: [], activation: "sigmoid", values: true },
];

for (const c of CASES)
  test(`fused DIN attention equals the tfjs path: ${c.name}`, async () => {
    await initBackend({ force: "cpu-native", quiet: true });
    const rng = new Rng(11);
    const D = 4;
    const [N, L] = [4, 5];
    const att = new DinAttention(D, { hidden: c.hidden, activation: c.activation }, rng);
    // relu units need non-zero biases so that some units are off and some on
    for (const l of att.layers) l.b!.assign(rand(rng, [l.outDim]) as tf.Tensor1D);
    const q = rand(rng, [N, D]) as tf.Tensor2D;
    const keys = rand(rng, [N, L, D]) as tf.Tensor3D;
    const values = c.values ? (rand(rng, [N, L, D]) as tf.Tensor3D) : undefined;
    const gy = rand(rng, [N, D]);
    const masks = [
      [1, 0, 1, 1, 0, /**/ 0, 0, 0, 0, 0, /**/ 1, 1, 1, 1, 1, /**/ 0, 0, 0, 0, 1],
      new Array(N * L).fill(1),
      new Array(N * L).fill(0),
    ];
    for (const [mi, mask] of masks.entries()) {
      const a = run(true, att, q, keys, mask, gy, values);
      const b = run(false, att, q, keys, mask, gy, values);
      close(a.pooled, b.pooled, `mask ${mi} pooled`);
      close(a.weights, b.weights, `mask ${mi} weights`);
      a.grads.forEach((g, i) => close(g, b.grads[i], `mask ${mi} grad of input ${i}`, 1e-4));
      // padding: weight 0 and no gradient into the padded key slots
      mask.forEach((m, i) => {
        if (m === 0) {
          assert.equal(a.weights[i], 0, `mask ${mi}: padded slot ${i} has weight ${a.weights[i]}`);
          for (let d = 0; d < D; d++)
            assert.equal(a.grads[1][i * D + d], 0, `mask ${mi}: padded slot ${i} got a key gradient`);
        }
      });
      const f = () => tf.sum(tf.mul(att.apply(q, keys, mask, values).pooled, gy)) as tf.Scalar;
      const ga = varGrads(true, att, f);
      const gb = varGrads(false, att, f);
      ga.forEach((g, i) => close(g, gb[i], `mask ${mi} variable ${i}`, 1e-4));
      if (mi === 0)
        assert.ok(
          ga.some((g) => g.some((x) => x !== 0)),
          "no variable got a gradient",
        );
    }
    att.variables().forEach((x) => x.dispose());
  });

test("fused DIN attention at the TEM4CTR bench shape equals the tfjs path", async () => {
  await initBackend({ force: "cpu-native", quiet: true });
  const rng = new Rng(5);
  const D = 16;
  const [N, L] = [64, 30];
  const att = new DinAttention(D, { hidden: [80, 40] }, rng);
  const q = rand(rng, [N, D]) as tf.Tensor2D;
  const keys = rand(rng, [N, L, D]) as tf.Tensor3D;
  const mask = Array.from({ length: N * L }, (_, i) => (i % L >= L - 1 - (((i / L) | 0) % L) ? 1 : 0));
  const gy = rand(rng, [N, D]);
  const a = run(true, att, q, keys, mask, gy);
  const b = run(false, att, q, keys, mask, gy);
  close(a.pooled, b.pooled, "pooled");
  close(a.weights, b.weights, "weights");
  a.grads.forEach((g, i) => close(g, b.grads[i], `grad ${i}`, 1e-4));
  att.variables().forEach((x) => x.dispose());
});

test("fused DIN attention on two threads (row blocks) equals one thread and the tfjs path", async () => {
  await initBackend({ force: "cpu-native", quiet: true });
  const nat = getNativeAddon()!;
  const rng = new Rng(8);
  const [N, L, D, H] = [1200, 10, 8, 6];
  // ~9000 valid slots: above the kernel's 4096 slots per extra thread, so two blocks
  const mask = Array.from({ length: N * L }, () => (rng.next() < 0.75 ? 1 : 0));
  const pos = Int32Array.from(mask.flatMap((m, i) => (m ? [i] : [])));
  const V = pos.length;
  assert.ok(V >= 2 * 4096, `only ${V} valid slots`);
  const f32 = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.5);
  const q = f32(N * D);
  const k = f32(N * L * D);
  const params = [f32(4 * D * H), f32(H), f32(H), f32(1)];
  const widths = Int32Array.from([H, 1]);
  const dPooled = f32(N * D);
  const once = (threads: number) => {
    const k2 = new Float32Array(V * D);
    const qk = new Float32Array(V * D);
    const acts = [new Float32Array(V * H)];
    const w = new Float32Array(N * L);
    const pooled = new Float32Array(N * D);
    nat.dinAttentionForward!(N, L, D, q, k, null, pos, 2, params, widths, k2, qk, acts, w, pooled, threads);
    const dq = new Float32Array(N * D);
    const dk = new Float32Array(N * L * D);
    const dp = params.map((p) => new Float32Array(p.length));
    nat.dinAttentionBackward!(
      ...([N, L, D, q, k, null, pos, 2, params, widths, k2, qk, acts, w] as const),
      ...([dPooled, null, dq, dk, null, dp, threads] as const),
    );
    return [pooled, w, dq, dk, ...dp];
  };
  const one = once(1);
  const two = once(2);
  // rows are disjoint per thread; the weight gradients are summed per block
  ["pooled", "weights", "dQuery", "dKeys", "dW0", "db0", "dW1", "db1"].forEach((what, i) =>
    close(two[i], one[i], `${what}, 2 threads vs 1`, 1e-5),
  );
  assert.deepEqual(once(2), two, "two threads are not deterministic");
  // and the layer on this shape agrees with the tfjs path (DinAttention passes the configured threads)
  const att = new DinAttention(D, { hidden: [H] }, rng);
  const qt = tf.tensor2d(q, [N, D]);
  const kt = tf.tensor3d(k, [N, L, D]);
  const gy = tf.tensor2d(dPooled, [N, D]);
  const a = run(true, att, qt, kt, mask, gy);
  const b = run(false, att, qt, kt, mask, gy);
  close(a.pooled, b.pooled, "pooled");
  a.grads.forEach((g, i) => close(g, b.grads[i], `grad ${i}`, 1e-4));
  att.variables().forEach((x) => x.dispose());
});

test("the addon's fused attention rejects bad slots and mismatched layers with named errors", async () => {
  await initBackend({ force: "cpu-native", quiet: true });
  const nat = getNativeAddon()!;
  const [N, L, D, H] = [2, 3, 2, 4];
  const q = new Float32Array(N * D);
  const k = new Float32Array(N * L * D);
  const params = [new Float32Array(4 * D * H), new Float32Array(H), new Float32Array(H), new Float32Array(1)];
  const widths = Int32Array.from([H, 1]);
  const call = (pos: number[], p = params, w = widths) => {
    const V = pos.length;
    nat.dinAttentionForward!(
      ...([N, L, D, q, k, null, Int32Array.from(pos), 2, p, w] as const),
      new Float32Array(V * D),
      new Float32Array(V * D),
      [new Float32Array(V * H)],
      new Float32Array(N * L),
      new Float32Array(N * D),
    );
  };
  call([0, 2, 4]);
  assert.throws(() => call([0, 6]), /dinAttentionForward: pos\[1\] = 6 is outside/);
  assert.throws(() => call([2, 2]), /pos\[1\] = 2 .*not above the previous slot/);
  assert.throws(() => call([0], params, Int32Array.from([H, 2])), /widths must end with the score width 1/);
  assert.throws(() => call([0], params.slice(0, 2)), /params must hold 4 entries/);
  assert.throws(() => call([0], [new Float32Array(3), ...params.slice(1)]), /W0 has 3 elements, needs 32/);
});
