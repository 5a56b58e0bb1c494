/**
 * The native kernels (native/build/recrepro_native.node, registered by src/engine/native.ts)
 * must give the same results as tfjs's own cpu kernels: forward and gradients, random shapes,
 * transposes, batch dims and broadcasting. The addon is built in set-up (bash native/build.sh);
 * when it is missing these tests fail and say so.
 *
 *   npx tsc -p tsconfig.json && node --test dist/test/engine/native.test.js
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/rng";
import { EmbeddingTable, setRowKernels } from "../../src/engine/embedding-table";
import {
  NATIVE_KERNEL_NAMES,
  NativeAddon,
  getNativeAddon,
  loadNativeAddon,
  loadNativeKernels,
  nativeKernelStats,
  registerWasmMatMulTransposeFix,
  unloadNativeKernels,
  unregisterWasmMatMulTransposeFix,
} from "../../src/engine/native";

const REL = 1e-4;
const rng = new Rng(20240601);

function rand(shape: number[], lo = -1, hi = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.next();
  return tf.tensor(v, shape, "float32");
}

function dim(lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** |a - b| <= 1e-4 * max(|b|, max|ref|/10, 1e-6): relative error with a floor tied to the tensor's scale. */
function assertClose(
  actual: tf.Tensor | Float32Array,
  expected: tf.Tensor | Float32Array,
  what: string,
): void {
  if (!(actual instanceof Float32Array))
    assert.deepEqual(actual.shape, (expected as tf.Tensor).shape, `${what}: shape`);
  const a = actual instanceof Float32Array ? actual : (actual.dataSync() as Float32Array);
  const b = expected instanceof Float32Array ? expected : (expected.dataSync() as Float32Array);
  assert.equal(a.length, b.length, `${what}: length`);
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i])) maxRef = Math.max(maxRef, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i])) {
      assert.ok(Number.isNaN(a[i]), `${what}[${i}]: expected NaN, got ${a[i]}`);
      continue;
    }
    const tol = REL * Math.max(Math.abs(b[i]), maxRef / 10, 1e-6);
    if (!(Math.abs(a[i] - b[i]) <= tol)) {
      assert.fail(`${what}[${i}]: native ${a[i]} vs tfjs ${b[i]} (|diff| ${Math.abs(a[i] - b[i])} > ${tol})`);
    }
  }
}

/**
 * Runs f with tfjs's reference kernels, then with the native ones (the random generator is
 * rewound in between, so inputs drawn inside f are identical); returns both results.
 */
function both(f: () => tf.Tensor | tf.Tensor[]): { ref: tf.Tensor[]; nat: tf.Tensor[] } {
  const state = rng.getState();
  unloadNativeKernels();
  const r = f();
  const res = loadNativeKernels();
  assert.ok(res.ok, res.error);
  rng.setState(state);
  const n = f();
  return { ref: Array.isArray(r) ? r : [r], nat: Array.isArray(n) ? n : [n] };
}

/** Runs `body` and returns how many calls of `kernel` ran natively and how many fell back. */
function counted(kernel: string, body: () => void): { native: number; fallback: number } {
  nativeKernelStats(true);
  body();
  const st = nativeKernelStats(true);
  return { native: st.native[kernel] ?? 0, fallback: st.fallback[kernel] ?? 0 };
}

function compare(what: string, f: () => tf.Tensor | tf.Tensor[]): void {
  tf.tidy(() => {
    const { ref, nat } = both(f);
    assert.equal(nat.length, ref.length);
    ref.forEach((r, i) => assertClose(nat[i], r, `${what} #${i}`));
  });
}

let addon: NativeAddon;

before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
  const loaded = loadNativeAddon();
  if (!loaded.addon) {
    assert.fail(
      `the native addon is not built (${loaded.error}). Run: bash native/build.sh  (needs g++, /usr/include/node, libopenblas-dev)`,
    );
  }
  addon = loaded.addon;
  const res = loadNativeKernels();
  assert.ok(res.ok, res.error);
});

after(() => {
  unloadNativeKernels();
});

describe("native addon loading", () => {
  it("registers the matmul and elementwise kernels for the cpu backend", () => {
    const res = loadNativeKernels();
    assert.equal(res.ok, true);
    for (const k of ["BatchMatMul", "_FusedMatMul", "Relu", "Step", "Multiply", "Add", "Sum", "Sigmoid"]) {
      assert.ok(res.registered.includes(k), `${k} registered`);
    }
    assert.ok((res.threads ?? 0) >= 1);
    assert.deepEqual([...res.registered].sort(), [...NATIVE_KERNEL_NAMES].sort());
    assert.ok(getNativeAddon());
  });

  it("a missing .node file gives ok:false with the reason and changes nothing", () => {
    unloadNativeKernels();
    const before = tf.getKernel("BatchMatMul", "cpu");
    // A fresh module instance, so the already-loaded addon is not reused.
    const modPath = require.resolve("../../src/engine/native");
    const saved = require.cache[modPath];
    delete require.cache[modPath];
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const fresh = require(modPath) as typeof import("../../src/engine/native");
      const res = fresh.loadNativeKernels({ path: "/nonexistent/recrepro_native.node" });
      assert.equal(res.ok, false);
      assert.deepEqual(res.registered, []);
      assert.match(res.error ?? "", /native\/build\.sh/);
      assert.equal(tf.getKernel("BatchMatMul", "cpu"), before);
    } finally {
      require.cache[modPath] = saved;
      loadNativeKernels();
    }
  });

  it("unloadNativeKernels restores the previous kernels", () => {
    const mine = tf.getKernel("BatchMatMul", "cpu");
    unloadNativeKernels();
    const orig = tf.getKernel("BatchMatMul", "cpu");
    assert.notEqual(mine, orig);
    loadNativeKernels();
    assert.equal(tf.getKernel("BatchMatMul", "cpu")?.kernelFunc, mine?.kernelFunc);
  });
});

describe("addon functions on typed arrays", () => {
  it("sgemm matches a naive triple loop for all transpose flags", () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const M = dim(1, 37),
        N = dim(1, 29),
        K = dim(1, 41);
      const A = rand([M * K]).dataSync() as Float32Array;
      const B = rand([K * N]).dataSync() as Float32Array;
      const C0 = rand([M * N]).dataSync() as Float32Array;
      const C = C0.slice();
      addon.sgemm(ta, tb, M, N, K, 0.5, A, B, 2, C);
      const ref = new Float32Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[ta ? k * M + i : i * K + k] * B[tb ? j * K + k : k * N + j];
          ref[i * N + j] = 0.5 * s + 2 * C0[i * N + j];
        }
      assertClose(C, ref, `sgemm ta=${ta} tb=${tb} ${M}x${N}x${K}`);
    }
  });

  it("sgemm rejects arrays that are too short", () => {
    assert.throws(
      () =>
        addon.sgemm(
          false,
          false,
          4,
          4,
          4,
          1,
          new Float32Array(15),
          new Float32Array(16),
          0,
          new Float32Array(16),
        ),
      /A has 15 elements/,
    );
  });

  it("gatherRows, scatterAddRows, dedupRows and adamRows match JS", () => {
    const rows = 50,
      D = 8;
    const table = rand([rows * D]).dataSync() as Float32Array;
    const ids = new Int32Array(200).map(() => rng.int(rows));
    const out = new Float32Array(ids.length * D);
    addon.gatherRows(table, D, ids, out);
    for (let k = 0; k < ids.length; k++)
      for (let j = 0; j < D; j++) assert.equal(out[k * D + j], table[ids[k] * D + j]);
    assert.throws(
      () => addon.gatherRows(table, D, new Int32Array([rows]), new Float32Array(D)),
      /out of range/,
    );

    const grads = rand([ids.length * D]).dataSync() as Float32Array;
    const acc = new Float32Array(rows * D);
    addon.scatterAddRows(acc, D, ids, grads);
    const accRef = new Float64Array(rows * D);
    for (let k = 0; k < ids.length; k++)
      for (let j = 0; j < D; j++) accRef[ids[k] * D + j] += grads[k * D + j];
    assertClose(acc, Float32Array.from(accRef), "scatterAddRows");

    const stamp = new Int32Array(rows),
      slot = new Int32Array(rows);
    const uniq = new Int32Array(ids.length),
      sums = new Float32Array(ids.length * D);
    const n = addon.dedupRows(ids, grads, D, stamp, slot, 1, uniq, sums);
    assert.equal(n, new Set(ids).size);
    for (let s = 0; s < n; s++)
      for (let j = 0; j < D; j++) assert.ok(Math.abs(sums[s * D + j] - accRef[uniq[s] * D + j]) < 1e-5);

    const w = table.slice(),
      m = new Float32Array(rows * D),
      v = new Float32Array(rows * D);
    const wr = table.slice(),
      mr = new Float32Array(rows * D),
      vr = new Float32Array(rows * D);
    for (let t = 1; t <= 3; t++) {
      addon.adamRows(w, m, v, D, uniq.subarray(0, n), sums.subarray(0, n * D), 0.01, 0.9, 0.999, 1e-8, t);
      for (let s = 0; s < n; s++)
        for (let j = 0; j < D; j++) {
          const i = uniq[s] * D + j,
            g = sums[s * D + j];
          mr[i] = 0.9 * mr[i] + 0.1 * g;
          vr[i] = 0.999 * vr[i] + 0.001 * g * g;
          wr[i] -= ((0.01 / (1 - 0.9 ** t)) * mr[i]) / (Math.sqrt(vr[i] / (1 - 0.999 ** t)) + 1e-8);
        }
    }
    assertClose(w, wr, "adamRows weights");
  });

  it("adamDense matches the op sequence of the kit's dense Adam (PyTorch semantics)", () => {
    const n = 1000,
      lr = 0.01,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8,
      wd = 0.01;
    const w = rand([n]).dataSync().slice() as Float32Array;
    const wr = Float64Array.from(w),
      mr = new Float64Array(n),
      vr = new Float64Array(n);
    const m = new Float32Array(n),
      v = new Float32Array(n);
    for (let t = 1; t <= 4; t++) {
      const g = rand([n]).dataSync() as Float32Array;
      addon.adamDense(w, g, m, v, lr, b1, b2, eps, t, wd);
      const stepSize = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const epsHat = eps * Math.sqrt(1 - b2 ** t);
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * wr[i];
        mr[i] = b1 * mr[i] + (1 - b1) * gi;
        vr[i] = b2 * vr[i] + (1 - b2) * gi * gi;
        wr[i] -= (stepSize * mr[i]) / (Math.sqrt(vr[i]) + epsHat);
      }
    }
    assertClose(w, Float32Array.from(wr), "adamDense weights");
  });
});

describe("which path runs", () => {
  it("covered cases run natively, uncovered ones on the previous kernel", () => {
    tf.tidy(() => {
      assert.deepEqual(
        counted("BatchMatMul", () => void tf.matMul(rand([30, 20]), rand([30, 10]), true, false)),
        { native: 1, fallback: 0 },
      );
      assert.deepEqual(
        counted("BatchMatMul", () => void tf.matMul(rand([4, 30, 20]), rand([20, 10]))),
        { native: 1, fallback: 0 },
      );
      assert.deepEqual(
        counted("BatchMatMul", () => void tf.matMul(rand([2, 3, 5, 4]), rand([3, 4, 6]))),
        { native: 0, fallback: 1 },
      );
      assert.deepEqual(
        counted("BatchMatMul", () => void tf.matMul(tf.ones([5, 4], "int32"), tf.ones([4, 3], "int32"))),
        { native: 0, fallback: 1 },
      );
      assert.deepEqual(
        counted(
          "_FusedMatMul",
          () =>
            void tf.fused.matMul({
              a: rand([30, 20]),
              b: rand([20, 10]),
              bias: rand([10]),
              activation: "relu",
            }),
        ),
        { native: 1, fallback: 0 },
      );
      assert.deepEqual(
        counted("Multiply", () => void tf.mul(rand([100, 40]), rand([40]))),
        { native: 1, fallback: 0 },
      );
      assert.deepEqual(
        counted("Multiply", () => void tf.mul(rand([100, 40]), rand([100, 1]))),
        { native: 0, fallback: 1 },
      );
      assert.deepEqual(
        counted("Sum", () => void tf.sum(rand([100, 40]), 0)),
        { native: 1, fallback: 0 },
      );
      assert.deepEqual(
        counted("Sum", () => void tf.sum(rand([10, 40, 30]), 1)),
        { native: 0, fallback: 1 },
      );
    });
  });

  it("the gradient of a dense layer runs on native kernels only", () => {
    tf.tidy(() => {
      const x = rand([512, 64]),
        w = rand([64, 32]),
        b = rand([32]);
      nativeKernelStats(true);
      tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.relu(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb }))),
      )([x, w, b]);
      const st = nativeKernelStats(true);
      assert.ok((st.native.BatchMatMul ?? 0) >= 2, `backward matmuls native: ${JSON.stringify(st)}`);
      for (const k of ["BatchMatMul", "_FusedMatMul", "Relu", "Step", "Multiply", "Sum"]) {
        assert.equal(st.fallback[k] ?? 0, 0, `${k} fell back: ${JSON.stringify(st)}`);
      }
    });
  });
});

describe("BatchMatMul / matMul forward", () => {
  it("2-D, every transpose combination, random shapes", () => {
    for (let rep = 0; rep < 6; rep++) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const M = dim(1, 70),
          N = dim(1, 70),
          K = dim(1, 90);
        compare(`matMul ${M}x${K}x${N} ta=${ta} tb=${tb}`, () =>
          tf.matMul(rand(ta ? [K, M] : [M, K]), rand(tb ? [N, K] : [K, N]), ta, tb),
        );
      }
    }
  });

  it("batched: equal batches, broadcast of either side, rank 4, and the fallback case", () => {
    const cases: [number[], number[]][] = [
      [[3], [3]],
      [[1], [4]],
      [[5], [1]],
      [[5], []],
      [[], [2]],
      [
        [2, 3],
        [2, 3],
      ],
      [
        [2, 3],
        [1, 1],
      ],
      [[2, 3], [3]], // tfjs pairs batch i with B[i % 3]: not covered natively -> reference kernel
    ];
    for (const [oa, ob] of cases) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const M = dim(1, 20),
          N = dim(1, 20),
          K = dim(1, 20);
        compare(`matMul batch [${oa}] x [${ob}] ta=${ta} tb=${tb}`, () =>
          tf.matMul(
            rand([...oa, ...(ta ? [K, M] : [M, K])]),
            rand([...ob, ...(tb ? [N, K] : [K, N])]),
            ta,
            tb,
          ),
        );
      }
    }
  });

  it("the reference model's shapes (4096 x 624 x 400) and degenerate sizes (K = 1, N = 1)", () => {
    compare("4096x624 @ 624x400", () => tf.matMul(rand([4096, 624]), rand([624, 400])));
    compare("outer product K=1", () => tf.matMul(rand([300, 1]), rand([1, 200])));
    compare("N=1", () => tf.matMul(rand([500, 40]), rand([40, 1])));
  });
});

describe("_FusedMatMul forward", () => {
  const acts = ["linear", "relu", "sigmoid", "relu6", "leakyrelu", "elu"] as const;
  it("bias as row vector, scalar and full matrix, every activation, transposes", () => {
    for (const activation of acts) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const M = dim(2, 60),
          N = dim(2, 60),
          K = dim(1, 60);
        const biasShapes = [[N], [1, N], [1], [M, N]];
        for (const bs of biasShapes) {
          compare(`fused ${activation} ta=${ta} tb=${tb} bias [${bs}]`, () =>
            tf.fused.matMul({
              a: rand(ta ? [K, M] : [M, K], -3, 3),
              b: rand(tb ? [N, K] : [K, N]),
              transposeA: ta,
              transposeB: tb,
              bias: rand(bs),
              activation,
              leakyreluAlpha: 0.1,
            }),
          );
        }
      }
    }
  });

  it("batched fused matmul, no bias, and prelu (reference-kernel fallback)", () => {
    compare("fused batched relu", () =>
      tf.fused.matMul({ a: rand([3, 20, 30]), b: rand([3, 30, 10]), bias: rand([10]), activation: "relu" }),
    );
    compare("fused no bias sigmoid", () =>
      tf.fused.matMul({ a: rand([40, 30]), b: rand([30, 25]), activation: "sigmoid" }),
    );
    compare("fused prelu", () =>
      tf.fused.matMul({
        a: rand([40, 30]),
        b: rand([30, 25]),
        bias: rand([25]),
        activation: "prelu",
        preluActivationWeights: rand([25]),
      }),
    );
  });
});

describe("gradients through matMul (backward lands on the native GEMM)", () => {
  it("tf.grads of matMul for every transpose combination, 2-D and batched", () => {
    for (const outer of [[], [3]]) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const M = dim(2, 40),
          N = dim(2, 40),
          K = dim(2, 40);
        const a = rand([...outer, ...(ta ? [K, M] : [M, K])]);
        const b = rand([...outer, ...(tb ? [N, K] : [K, N])]);
        const w = rand([...outer, M, N]);
        compare(`grad matMul [${outer}] ta=${ta} tb=${tb}`, () =>
          tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w)))([a, b]),
        );
      }
    }
  });

  it("tf.grads through a dense MLP (fused.matMul + bias + relu, sigmoid cross-entropy)", () => {
    const B = 256;
    const x = rand([B, 48]);
    const w1 = rand([48, 32], -0.3, 0.3),
      b1 = rand([32], -0.1, 0.1);
    const w2 = rand([32, 16], -0.3, 0.3),
      b2 = rand([16], -0.1, 0.1);
    const w3 = rand([16, 1], -0.3, 0.3),
      b3 = rand([1], -0.1, 0.1);
    const y = tf.tensor1d(Float32Array.from({ length: B }, () => (rng.next() < 0.3 ? 1 : 0)));
    const loss = (...p: tf.Tensor[]) => {
      const [xx, W1, B1, W2, B2, W3, B3] = p;
      const h1 = tf.fused.matMul({
        a: xx as tf.Tensor2D,
        b: W1 as tf.Tensor2D,
        bias: B1,
        activation: "relu",
      });
      const h2 = tf.relu(tf.fused.matMul({ a: h1, b: W2 as tf.Tensor2D, bias: B2 }));
      const z = tf.fused.matMul({ a: h2, b: W3 as tf.Tensor2D, bias: B3 });
      return tf.losses.sigmoidCrossEntropy(y, tf.reshape(z, [-1])) as tf.Scalar;
    };
    compare("MLP loss", () => loss(x, w1, b1, w2, b2, w3, b3));
    compare("MLP grads", () => tf.grads(loss)([x, w1, b1, w2, b2, w3, b3]));
  });
});

describe("elementwise kernels", () => {
  const shapes = [[64, 33], [4096, 40], [7]];
  it("unary ops incl. NaN, zero and negative inputs", () => {
    for (const s of shapes) {
      const x = tf.tidy(() => {
        const r = rand(s, -4, 4);
        const v = r.dataSync().slice() as Float32Array;
        v[0] = NaN;
        if (v.length > 2) v[1] = 0;
        if (v.length > 3) v[2] = -0;
        return tf.keep(tf.tensor(v, s));
      });
      const pos = tf.keep(rand(s, 0.01, 5));
      compare(`relu [${s}]`, () => tf.relu(x));
      compare(`relu6 [${s}]`, () => tf.relu6(x));
      compare(`leakyRelu [${s}]`, () => tf.leakyRelu(x, 0.3));
      compare(`elu [${s}]`, () => tf.elu(x));
      compare(`step [${s}]`, () => tf.step(x));
      compare(`step alpha [${s}]`, () => tf.step(x, 0.25));
      compare(`sigmoid [${s}]`, () => tf.sigmoid(x));
      compare(`neg [${s}]`, () => tf.neg(x));
      compare(`exp [${s}]`, () => tf.exp(x));
      compare(`abs [${s}]`, () => tf.abs(x));
      compare(`square [${s}]`, () => tf.square(x));
      compare(`log [${s}]`, () => tf.log(pos));
      compare(`sqrt [${s}]`, () => tf.sqrt(pos));
      tf.dispose([x, pos]);
    }
  });

  it("binary ops: same shape, row / scalar broadcast on either side, and other broadcasts", () => {
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ["add", tf.add],
      ["sub", tf.sub],
      ["mul", tf.mul],
      ["div", tf.div],
      ["squaredDifference", tf.squaredDifference],
    ];
    const pairs: [number[], number[]][] = [
      [
        [300, 40],
        [300, 40],
      ],
      [[300, 40], [40]],
      [[40], [300, 40]],
      [
        [300, 40],
        [1, 40],
      ],
      [[300, 40], []],
      [[], [300, 40]],
      [[2, 150, 40], [40]],
      [
        [300, 40],
        [300, 1],
      ], // column broadcast -> reference kernel
      [
        [6, 1, 40],
        [1, 50, 40],
      ], // outer broadcast -> reference kernel
      [[10], [10]], // small -> reference kernel
    ];
    for (const [name, op] of ops) {
      for (const [sa, sb] of pairs) {
        compare(`${name} [${sa}] [${sb}]`, () => op(rand(sa, 0.5, 2), rand(sb, 0.5, 2)));
      }
    }
  });

  it("int32 inputs stay on the reference kernels", () => {
    compare("add int32", () =>
      tf.add(
        tf.tensor1d(
          Int32Array.from({ length: 1000 }, (_, i) => i),
          "int32",
        ),
        tf.scalar(3, "int32"),
      ),
    );
    compare("sum int32", () =>
      tf.sum(
        tf.tensor2d(
          Int32Array.from({ length: 1000 }, (_, i) => i % 7),
          [100, 10],
          "int32",
        ),
        0,
      ),
    );
  });

  it("sum over leading, trailing, all, middle and negative axes, keepDims", () => {
    const x = tf.keep(rand([24, 30, 20]));
    for (const axis of [0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2], undefined] as (
      | number
      | number[]
      | undefined
    )[]) {
      for (const keepDims of [false, true]) {
        compare(`sum axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => tf.sum(x, axis, keepDims));
      }
    }
    compare("sum axis 0 of [4096, 400] (bias gradient)", () => tf.sum(rand([4096, 400]), 0));
    tf.dispose(x);
  });
});

describe("wasm BatchMatMul transpose fix (no addon needed)", () => {
  it("gives the same products and gradients as the wasm backend's own kernel", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require("@tensorflow/tfjs-backend-wasm");
    assert.ok(await tf.setBackend("wasm"), "wasm backend initialises");
    try {
      const run = (): Float32Array[] => {
        const state = rng.getState();
        const out: Float32Array[] = [];
        for (const outer of [[], [2], [2, 3]]) {
          for (const [ta, tb] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ] as const) {
            tf.tidy(() => {
              const M = dim(1, 30),
                N = dim(1, 30),
                K = dim(1, 30);
              const a = rand([...outer, ...(ta ? [K, M] : [M, K])]);
              const b = rand([...outer, ...(tb ? [N, K] : [K, N])]);
              const bBroadcast = rand([...(outer.length ? outer.slice(-1) : []), ...(tb ? [N, K] : [K, N])]);
              out.push(tf.matMul(a, b, ta, tb).dataSync() as Float32Array);
              out.push(tf.matMul(a, bBroadcast, ta, tb).dataSync() as Float32Array);
              // (tfjs's matMul gradient does not reduce broadcast batch dims: same-batch operands only)
              const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([
                a,
                b,
              ]);
              for (const t of g) out.push(t.dataSync() as Float32Array);
            });
          }
        }
        rng.setState(state);
        return out;
      };
      unregisterWasmMatMulTransposeFix();
      const ref = run();
      assert.equal(registerWasmMatMulTransposeFix(), true);
      const fixed = run();
      assert.equal(fixed.length, ref.length);
      ref.forEach((r, i) => assertClose(fixed[i], r, `wasm matmul case ${i}`));
    } finally {
      unregisterWasmMatMulTransposeFix();
      await tf.setBackend("cpu");
    }
  });
});

describe("fp32 embedding tables on the native row kernels", () => {
  it("lookup and lazy Adam equal the tables' JS loops (duplicates, many steps)", () => {
    const { addon, error } = loadNativeAddon();
    assert.ok(addon, `native addon missing (${error}); run: bash native/build.sh`);
    const mk = () =>
      new EmbeddingTable({ name: "t", rows: 500, dim: 16, optimizer: { kind: "adam", lr: 0.01 } }, 3);
    const js = mk();
    const nat = mk();
    const r = new Rng(5);
    try {
      for (let step = 0; step < 5; step++) {
        const ids = new Int32Array(300).map(() => r.int(60));
        const g = new Float32Array(300 * 16).map(() => r.normal());
        setRowKernels(null);
        js.applyGradients(ids, g);
        const a = js.lookup(ids);
        setRowKernels(addon);
        nat.applyGradients(ids, g);
        const b = nat.lookup(ids);
        for (let i = 0; i < a.length; i++)
          assert.ok(
            Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(a[i])),
            `step ${step} value ${i}: ${a[i]} vs ${b[i]}`,
          );
      }
      assert.throws(() => nat.lookup(new Int32Array([1, 500])), /t: id 500 at position 1/);
    } finally {
      setRowKernels(null);
    }
  });
});

describe("the embedding tables' duplicate sum on the native kernel", () => {
  it("equals the JS loop bit for bit (strided rows, duplicates, first-occurrence order) and names a bad id", () => {
    const { addon, error } = loadNativeAddon();
    assert.ok(addon, `native addon missing (${error}); run: bash native/build.sh`);
    assert.ok(
      addon.sumDuplicates,
      "addon built before sumDuplicates (abiVersion 4): run bash native/build.sh",
    );
    const t = new EmbeddingTable(
      { name: "items", rows: 900, dim: 8, optimizer: { kind: "sgd", lr: 0.1 } },
      1,
    );
    const r = new Rng(17);
    try {
      for (const [n, offset, stride] of [
        [5000, 0, 8],
        [3000, 16, 40],
        [300, 8, 24],
      ]) {
        const ids = new Int32Array(n).map(() => (r.next() < 0.5 ? 0 : r.int(900)));
        const g = new Float32Array(offset + n * stride).map(() => r.normal() * 10 ** r.int(4));
        setRowKernels(null);
        const a = t.sumDuplicates(ids, g, offset, stride);
        const ja = { uniq: a.uniq.slice(), summed: a.summed.slice() };
        setRowKernels(addon);
        const b = t.sumDuplicates(ids, g, offset, stride);
        assert.deepEqual(b.uniq, ja.uniq, `n ${n}: unique ids`);
        assert.deepEqual(b.summed, ja.summed, `n ${n}: sums differ from the JS loop`);
        // the scratch slots are restored: a second call gives the same
        assert.deepEqual(t.sumDuplicates(ids, g, offset, stride).summed, ja.summed);
      }
      const bad = new Int32Array(400).fill(3);
      bad[257] = 900;
      assert.throws(() => t.sumDuplicates(bad, new Float32Array(400 * 8)), /items: id 900 at position 257/);
      // and nothing was left marked: a good call after the bad one still sums id 3 400 times
      const ok = t.sumDuplicates(new Int32Array(400).fill(3), new Float32Array(400 * 8).fill(1));
      assert.deepEqual(Array.from(ok.uniq), [3]);
      assert.equal(ok.summed[0], 400);
    } finally {
      setRowKernels(null);
    }
  });
});

describe("fp32 embedding tables with weight decay stay on the native row-Adam kernel", () => {
  it("adamRows with weightDecay is PyTorch Adam's L2 on the listed rows (g + wd·w before the moments)", () => {
    const { addon, error } = loadNativeAddon();
    assert.ok(addon, `native addon missing (${error}); run: bash native/build.sh`);
    assert.ok(
      addon.info().abiVersion >= 2,
      "addon built before adamRows took weightDecay: run bash native/build.sh",
    );
    const rows = 40,
      D = 8,
      wd = 0.05;
    const w = new Float32Array(rows * D).map(() => rng.normal());
    const wr = Float64Array.from(w),
      mr = new Float64Array(rows * D),
      vr = new Float64Array(rows * D);
    const m = new Float32Array(rows * D),
      v = new Float32Array(rows * D);
    const uniq = new Int32Array([3, 17, 0, 39]);
    for (let t = 1; t <= 4; t++) {
      const g = new Float32Array(uniq.length * D).map(() => rng.normal());
      addon.adamRows(w, m, v, D, uniq, g, 0.01, 0.9, 0.999, 1e-8, t, wd);
      uniq.forEach((r, s) => {
        for (let j = 0; j < D; j++) {
          const i = r * D + j;
          const gi = g[s * D + j] + wd * wr[i];
          mr[i] = 0.9 * mr[i] + 0.1 * gi;
          vr[i] = 0.999 * vr[i] + 0.001 * gi * gi;
          wr[i] -= ((0.01 / (1 - 0.9 ** t)) * mr[i]) / (Math.sqrt(vr[i] / (1 - 0.999 ** t)) + 1e-8);
        }
      });
    }
    for (let i = 0; i < w.length; i++)
      assert.ok(
        Math.abs(w[i] - wr[i]) <= 1e-6 * Math.max(1, Math.abs(wr[i])),
        `weight ${i}: ${w[i]} vs ${wr[i]}`,
      );
    const untouched = 1 * D;
    assert.equal(m[untouched], 0, "rows absent from the batch are not decayed (lazy, row-wise)");
  });

  it("a table with weightDecay > 0 runs adamRows natively and equals its JS loop", () => {
    const { addon, error } = loadNativeAddon();
    assert.ok(addon, `native addon missing (${error}); run: bash native/build.sh`);
    let calls = 0;
    const counting = {
      gatherRows: addon.gatherRows.bind(addon),
      adamRows: (...a: Parameters<NativeAddon["adamRows"]>) => {
        calls++;
        assert.equal(a[11], 1e-3, "weight decay reaches the kernel");
        addon.adamRows(...a);
      },
      info: () => addon.info(),
    };
    const mk = () =>
      new EmbeddingTable(
        { name: "wd", rows: 300, dim: 16, optimizer: { kind: "adam", lr: 0.01, weightDecay: 1e-3 } },
        4,
      );
    const js = mk();
    const nat = mk();
    const r = new Rng(9);
    try {
      for (let step = 0; step < 6; step++) {
        const ids = new Int32Array(200).map(() => r.int(50));
        const g = new Float32Array(200 * 16).map(() => r.normal());
        setRowKernels(null);
        js.applyGradients(ids, g);
        setRowKernels(counting);
        nat.applyGradients(ids, g);
      }
      assert.equal(calls, 6, "the native kernel served every step");
      setRowKernels(null);
      const a = js.toFloat32();
      const b = nat.toFloat32();
      for (let i = 0; i < a.length; i++)
        assert.ok(
          Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(a[i])),
          `value ${i}: ${a[i]} vs ${b[i]}`,
        );
    } finally {
      setRowKernels(null);
    }
  });
});
