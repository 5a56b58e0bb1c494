import { test } from "node:test";
import assert from "node:assert/strict";
import { EmbeddingTable } from "../../src/engine/embedding-table";
import { SparseOptimizer } from "../../src/engine/sparse-optim";

test("fp32 lookup returns the rows asked for, in order, with duplicates", () => {
  const t = new EmbeddingTable({ name: "t", rows: 5, dim: 3 }, 1);
  const all = t.toFloat32();
  const out = t.lookup([4, 0, 4]);
  assert.deepEqual(Array.from(out.subarray(0, 3)), Array.from(all.subarray(12, 15)));
  assert.deepEqual(Array.from(out.subarray(3, 6)), Array.from(all.subarray(0, 3)));
  assert.deepEqual(Array.from(out.subarray(6, 9)), Array.from(all.subarray(12, 15)));
});

test("lookup of an out-of-range id names the table and the id", () => {
  const t = new EmbeddingTable({ name: "C7", rows: 5, dim: 2 }, 1);
  assert.throws(() => t.lookup([1, 5]), /C7: id 5 at position 1 is outside \[0, 5\)/);
  assert.throws(() => t.applyGradients([-1], new Float32Array(2)), /C7: id -1/);
});

test("sparse SGD sums duplicate ids and touches only their rows", () => {
  const t = new EmbeddingTable({ name: "t", rows: 6, dim: 2, optimizer: { kind: "sgd", lr: 0.5 } }, 3);
  const before = t.toFloat32();
  const g = new Float32Array([1, 2, 10, 20, 3, 4]); // ids 2, 5, 2
  const n = t.applyGradients([2, 5, 2], g);
  assert.equal(n, 2);
  const after = t.toFloat32();
  for (let r = 0; r < 6; r++) {
    for (let k = 0; k < 2; k++) {
      let expect = before[r * 2 + k];
      if (r === 2) expect -= 0.5 * (k === 0 ? 4 : 6);
      if (r === 5) expect -= 0.5 * (k === 0 ? 10 : 20);
      assert.ok(
        Math.abs(after[r * 2 + k] - expect) < 1e-6,
        `row ${r} col ${k}: ${after[r * 2 + k]} vs ${expect}`,
      );
    }
  }
});

test("row-wise Adam matches a dense Adam reference on touched rows, leaves others untouched", () => {
  const rows = 4;
  const dim = 3;
  const t = new EmbeddingTable({ name: "t", rows, dim, optimizer: { kind: "adam", lr: 0.01 } }, 5);
  const w = t.toFloat32().slice();
  const m = new Float64Array(rows * dim);
  const v = new Float64Array(rows * dim);
  const steps: [number[], number[]][] = [
    [
      [1, 3],
      [0.5, -1, 2, 1, 1, 1],
    ],
    [[1], [-0.3, 0.2, 0.1]],
    [
      [3, 3],
      [1, 0, 0, 1, 0, 0],
    ],
  ];
  steps.forEach(([ids, grads], s) => {
    t.applyGradients(ids, new Float32Array(grads));
    const tstep = s + 1;
    const sum = new Map<number, number[]>();
    ids.forEach((id, i) => {
      const cur = sum.get(id) ?? new Array(dim).fill(0);
      for (let k = 0; k < dim; k++) cur[k] += grads[i * dim + k];
      sum.set(id, cur);
    });
    for (const [id, g] of sum) {
      for (let k = 0; k < dim; k++) {
        const j = id * dim + k;
        m[j] = 0.9 * m[j] + 0.1 * g[k];
        v[j] = 0.999 * v[j] + 0.001 * g[k] * g[k];
        const mh = m[j] / (1 - 0.9 ** tstep);
        const vh = v[j] / (1 - 0.999 ** tstep);
        w[j] -= (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
  });
  const got = t.toFloat32();
  for (let j = 0; j < rows * dim; j++)
    assert.ok(Math.abs(got[j] - w[j]) < 1e-5, `param ${j}: ${got[j]} vs ${w[j]}`);
});

test("adagrad accumulates squared gradients", () => {
  const opt = new SparseOptimizer({ kind: "adagrad", lr: 1 }, 1, 1);
  const w = new Float32Array([0]);
  opt.updateRow(0, w, new Float32Array([2]), 0, 1);
  assert.ok(Math.abs(w[0] - -1) < 1e-6);
  opt.updateRow(0, w, new Float32Array([2]), 0, 2);
  assert.ok(Math.abs(w[0] - (-1 - 2 / Math.sqrt(8))) < 1e-6);
});

for (const bits of [2, 4, 8, 16] as const) {
  test(`int${bits} storage: codes are integers within range, in an integer buffer, and round trip on the grid`, () => {
    const t = new EmbeddingTable(
      {
        name: "q",
        rows: 50,
        dim: 4,
        precision: { kind: "int", bits, rounding: "deterministic", clipRange: 0.1 },
      },
      9,
    );
    assert.ok(bits === 16 ? t.weights instanceof Int16Array : t.weights instanceof Int8Array);
    const qmax = 2 ** (bits - 1) - 1;
    for (const q of t.weights) assert.ok(q >= -qmax - 1 && q <= qmax);
    // A value on the grid survives store/read exactly; off-grid values land within Δ/2.
    const delta = t.stepOf(3);
    const row = new Float32Array([delta * 1, -delta * Math.min(qmax, 2), 0, delta * 0.3]);
    t.storeRow(3, row);
    const back = new Float32Array(4);
    t.readRow(3, back);
    assert.ok(Math.abs(back[0] - row[0]) < 1e-9 && Math.abs(back[1] - row[1]) < 1e-9 && back[2] === 0);
    assert.ok(Math.abs(back[3] - row[3]) <= delta / 2 + 1e-9);
    // Values beyond the range clip to the extreme codes.
    t.storeRow(3, new Float32Array([1e3, -1e3, 0, 0]));
    t.readRow(3, back);
    assert.ok(Math.abs(back[0] - qmax * delta) < 1e-6 && Math.abs(back[1] + (qmax + 1) * delta) < 1e-6);
  });
}

test("deterministic rounding is exact round-to-nearest (half away from zero)", () => {
  const t = new EmbeddingTable(
    {
      name: "q",
      rows: 1,
      dim: 6,
      precision: { kind: "int", bits: 8, rounding: "deterministic", initStep: 0.5 },
    },
    1,
  );
  t.storeRow(0, new Float32Array([0.74, 0.76, -0.74, -0.76, 0.25, -0.25]));
  assert.deepEqual(Array.from(t.weights), [1, 2, -1, -2, 1, -1]);
});

test("stochastic rounding is unbiased over many draws", () => {
  const t = new EmbeddingTable(
    {
      name: "q",
      rows: 1,
      dim: 4,
      precision: { kind: "int", bits: 4, rounding: "stochastic", initStep: 0.1 },
    },
    42,
  );
  const x = new Float32Array([0.013, -0.077, 0.25, 0.049]);
  const n = 20000;
  const mean = new Float64Array(4);
  const out = new Float32Array(4);
  for (let i = 0; i < n; i++) {
    t.storeRow(0, x);
    t.readRow(0, out);
    for (let k = 0; k < 4; k++) mean[k] += out[k] / n;
  }
  // Each draw has variance <= Δ²/4 = 0.0025; the standard error of the mean is <= 0.05/sqrt(n) ≈ 3.5e-4.
  for (let k = 0; k < 4; k++)
    assert.ok(Math.abs(mean[k] - x[k]) < 5 * 3.6e-4, `coordinate ${k}: mean ${mean[k]} vs ${x[k]}`);
});

test("int8 table weights take at most 0.32x of fp32 at dim 16, measured from the buffers", () => {
  const fp = new EmbeddingTable({ name: "f", rows: 10000, dim: 16 }, 1);
  const q = new EmbeddingTable({ name: "q", rows: 10000, dim: 16, precision: { kind: "int", bits: 8 } }, 1);
  const mf = fp.memory();
  const mq = q.memory();
  assert.equal(mf.weightBytes, 10000 * 16 * 4);
  assert.equal(mq.weightBytes, 10000 * 16);
  const ratio = (mq.weightBytes + mq.stepBytes) / (mf.weightBytes + mf.stepBytes);
  assert.ok(ratio <= 0.32, `ratio ${ratio}`);
});

test("state round trip restores weights, optimiser state, step and rounding RNG", () => {
  const mk = () =>
    new EmbeddingTable(
      { name: "q", rows: 8, dim: 2, precision: { kind: "int", bits: 8, rounding: "stochastic" } },
      11,
    );
  const a = mk();
  a.applyGradients([1, 2], new Float32Array([0.1, 0.2, 0.3, 0.4]));
  const s = a.getState();
  const b = mk();
  b.setState(s);
  a.applyGradients([2, 7], new Float32Array([0.5, -0.2, 0.1, 0.9]));
  b.applyGradients([2, 7], new Float32Array([0.5, -0.2, 0.1, 0.9]));
  assert.deepEqual(Array.from(b.weights), Array.from(a.weights));
  assert.equal(a.step, b.step);
});

// ALPT: learned step sizes.

test('learned step: Δ takes the LSQ gradient step of the one-pass "lsq" rule (SGD on Δ, no grad scale)', () => {
  const dim = 4;
  const precision = {
    kind: "int" as const,
    bits: 4 as const,
    rounding: "deterministic" as const,
    initStep: 0.1,
    learnStep: { lr: 0.05, gradScale: false, optimizer: "sgd" as const },
  };
  const t = new EmbeddingTable(
    { name: "a", rows: 3, dim, precision, optimizer: { kind: "sgd", lr: 0.5 } },
    2,
  );
  const w0 = new Float32Array(dim);
  t.readRow(1, w0);
  const g = new Float32Array([0.3, -0.2, 0.9, -2]);
  t.applyGradients([1], g);
  // Expected: w' = w − 0.5 g, v = w'/Δ; gΔ = Σ g_k (round(v_k) − v_k) inside, g_k·qmax|qmin when v_k is outside.
  let gd = 0;
  for (let k = 0; k < dim; k++) {
    const v = (w0[k] - 0.5 * g[k]) / 0.1;
    const q = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
    gd += g[k] * (v >= 7 ? 7 : v <= -8 ? -8 : q - v);
  }
  const want = Math.fround(0.1) - 0.05 * gd;
  assert.ok(Math.abs(t.stepOf(1) - want) < 1e-6, `Δ ${t.stepOf(1)} vs ${want}`);
  assert.equal(t.stepOf(0), Math.fround(0.1), "untouched rows keep their step");
  // The stored codes use the new Δ.
  const back = new Float32Array(dim);
  t.readRow(1, back);
  for (let k = 0; k < dim; k++) {
    const s = (w0[k] - 0.5 * g[k]) / t.stepOf(1);
    const q = Math.max(-8, Math.min(7, s >= 0 ? Math.floor(s + 0.5) : -Math.floor(0.5 - s)));
    assert.ok(t.weights[dim + k] === q, `code ${k}: ${t.weights[dim + k]} vs ${q}`);
  }
});

test("learned step gradient matches a finite difference of the straight-through quantiser", () => {
  // With the rounding residual c_k = R(v_k) − v_k frozen (the straight-through estimator), the
  // quantiser is ŵ_k(Δ) = Δ·clip(w_k/Δ + c_k, qmin, qmax); d/dΔ Σ g_k ŵ_k must equal stepGradient.
  const t = new EmbeddingTable(
    {
      name: "fd",
      rows: 1,
      dim: 6,
      precision: { kind: "int", bits: 4, rounding: "deterministic", initStep: 0.1 },
    },
    1,
  );
  const w = new Float32Array([0.123, -0.347, 0.05, 0.9, -1.3, 0.0049]); // 0.9 and -1.3 clip at 4 bits
  const g = new Float32Array([0.7, -1.1, 0.4, 0.25, -0.6, 2.0]);
  const delta = 0.1;
  const c = Array.from(w, (x) => {
    const v = x / delta;
    return Math.round(v) - v;
  });
  const f = (dl: number) =>
    Array.from(w).reduce((s, x, k) => s + g[k] * dl * Math.max(-8, Math.min(7, x / dl + c[k])), 0);
  const h = 1e-6;
  const fd = (f(delta + h) - f(delta - h)) / (2 * h);
  const analytic = t.stepGradient(w, 0, g, 0, delta);
  assert.ok(Math.abs(fd - analytic) < 1e-5, `finite difference ${fd} vs analytic ${analytic}`);
});

test("learned step grows when updates push weights past the clip range (ALPT widens the grid)", () => {
  for (const stepGranularity of ["row", "table"] as const) {
    const t = new EmbeddingTable(
      {
        name: "g",
        rows: 4,
        dim: 8,
        precision: {
          kind: "int",
          bits: 2,
          rounding: "stochastic",
          stepGranularity,
          clipRange: 0.05,
          learnStep: { lr: 0.005 },
        },
        optimizer: { kind: "adam", lr: 0.02 },
      },
      3,
    );
    const g = new Float32Array(16).fill(-1); // always push weights up
    for (let s = 0; s < 60; s++) t.applyGradients([0, 2], g);
    assert.ok(t.stepOf(0) > 0.05 * 1.5, `${stepGranularity}: Δ ${t.stepOf(0)} did not grow from 0.05`);
    assert.ok(t.weights.every((q) => q >= -2 && q <= 1));
    if (stepGranularity === "row") assert.equal(t.stepOf(1), Math.fround(0.05));
  }
});

test("learned step state (Δ and its Adam moments) round trips", () => {
  const mk = () =>
    new EmbeddingTable(
      { name: "s", rows: 8, dim: 4, precision: { kind: "int", bits: 4, learnStep: { lr: 1e-3 } } },
      5,
    );
  const a = mk();
  const g = new Float32Array([0.3, -0.1, 0.2, 0.5, -0.4, 0.1, 0.0, 0.2]);
  a.applyGradients([1, 6], g);
  const b = mk();
  b.setState(a.getState());
  a.applyGradients([1, 3], g);
  b.applyGradients([1, 3], g);
  assert.deepEqual(Array.from(b.steps!), Array.from(a.steps!));
  assert.deepEqual(Array.from(b.weights), Array.from(a.weights));
  const m = a.memory();
  assert.equal(m.stepBytes, 8 * 4);
  assert.ok(m.optimizerBytes >= 2 * 8 * 4 * 4 + 2 * 8 * 4, "optimiser bytes include the step sizes' moments");
});

test("sumDuplicates reuses its scratch across calls and still sums correctly", () => {
  const t = new EmbeddingTable({ name: "d", rows: 5, dim: 2 }, 1);
  const a = t.sumDuplicates([1, 1, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(Array.from(a.uniq), [1, 3]);
  assert.deepEqual(Array.from(a.summed), [4, 6, 5, 6]);
  const b = t.sumDuplicates([3, 3], new Float32Array([1, 1, 1, 1]));
  assert.deepEqual(Array.from(b.uniq), [3]);
  assert.deepEqual(Array.from(b.summed), [2, 2]);
});
