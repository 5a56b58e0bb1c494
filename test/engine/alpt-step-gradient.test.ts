/**
 * ALPT step-size gradient (issue 12): Δ's LSQ gradient uses the round-to-nearest residual of
 * v = w'/Δ with the clip test on v, so its expectation points downhill; the pre-fix rule
 * ("legacy-sr": the stored stochastic residual, clip test on the rounded code) averages to ~0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EmbeddingTable,
  lsqStepDerivative,
  roundHalfAway,
  type StepGradient,
} from "../../src/engine/embedding-table";
import { Rng } from "../../src/engine/rng";

const D = 256;
const DELTA0 = 0.01;
const ROW_LR = 0.5;
const STEP_LR = 1e-4;

/** Fixed targets t = Δ0·τ, τ ~ U[-20, 20] (well inside the 8-bit range). */
function targets(): Float32Array {
  const r = new Rng(1);
  return Float32Array.from({ length: D }, () => DELTA0 * (40 * r.next() - 20));
}

function table(
  seed: number,
  stepGrad: StepGradient,
  bits: 2 | 8 = 8,
  rounding: "stochastic" | "deterministic" = "stochastic",
): EmbeddingTable {
  return new EmbeddingTable(
    {
      name: "q",
      rows: 1,
      dim: D,
      init: { kind: "zeros" },
      precision: {
        kind: "int",
        bits,
        rounding,
        initStep: DELTA0,
        learnStep: { lr: STEP_LR, gradScale: false, optimizer: "sgd", stepGrad },
      },
      optimizer: { kind: "sgd", lr: ROW_LR },
    },
    seed,
  );
}

/**
 * One trial on the toy quadratic L(ŵ) = ½‖ŵ − t‖²: store t with stochastic rounding, take the
 * gradient g = ŵ − t, let the table update the row (w' = ŵ − ½g) and Δ (SGD). Returns gΔ read back
 * from Δ's step, and w'.
 */
function trial(seed: number, stepGrad: StepGradient, t: Float32Array): { gd: number; wNew: Float64Array } {
  const tab = table(seed, stepGrad);
  tab.storeRow(0, t);
  const w = tab.lookup([0]);
  const g = Float32Array.from(w, (x, k) => x - t[k]);
  const wNew = Float64Array.from(w, (x, k) => x - ROW_LR * g[k]);
  tab.applyGradients([0], g);
  if (stepGrad === "two-pass") {
    const w2 = tab.lookup([0]); // Δ·round(w'/Δ)
    tab.applyStepGradients(
      [0],
      Float32Array.from(w2, (x, k) => x - t[k]),
    );
  }
  return { gd: (Math.fround(DELTA0) - tab.stepOf(0)) / STEP_LR, wNew };
}

/** E over stochastic rounding of L(Δ·SR(w'/Δ)) for the toy quadratic, in closed form. */
function expectedLoss(wNew: Float64Array, t: Float32Array, delta: number): number {
  let s = 0;
  for (let k = 0; k < D; k++) {
    const v = wNew[k] / delta;
    const f = v - Math.floor(v);
    s += 0.5 * ((wNew[k] - t[k]) ** 2 + delta * delta * f * (1 - f));
  }
  return s;
}

function meanGradient(stepGrad: StepGradient, n: number): { mean: number; stderr: number; slope: number } {
  const t = targets();
  const gds: number[] = [];
  let jPlus = 0;
  let jMinus = 0;
  for (let i = 0; i < n; i++) {
    const { gd, wNew } = trial(100 + i, stepGrad, t);
    gds.push(gd);
    jPlus += expectedLoss(wNew, t, DELTA0 * 1.02);
    jMinus += expectedLoss(wNew, t, DELTA0 * 0.98);
  }
  const mean = gds.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(gds.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, stderr: sd / Math.sqrt(n), slope: (jPlus - jMinus) / n / (0.04 * DELTA0) };
}

for (const stepGrad of ["lsq", "two-pass"] as const) {
  test(`${stepGrad}: Δ's expected gradient on a toy quadratic points downhill (mean over 200 stochastic draws)`, () => {
    const { mean, stderr, slope } = meanGradient(stepGrad, 200);
    // The expected loss after the store grows with Δ (the rounding variance Δ²·f(1−f)): downhill is a smaller Δ.
    assert.ok(slope > 0, `expected-loss slope ${slope}`);
    assert.ok(
      mean > 0 && mean > 10 * stderr,
      `mean gΔ ${mean} ± ${stderr} does not point downhill (slope ${slope})`,
    );
    // In this regime round(v) − v = (ŵ − w')/Δ, so E[gΔ] = Δ0/2·Σ E[(SR(τ) − τ)²] ≈ Δ0/2·D/6.
    const want = (DELTA0 / 2) * (D / 6);
    assert.ok(Math.abs(mean - want) < 0.15 * want, `mean gΔ ${mean} vs ${want}`);
  });
}

test("legacy-sr (ablation): Δ's gradient is zero in expectation inside the range (the bug issue 12 fixes)", () => {
  const { mean, stderr } = meanGradient("legacy-sr", 200);
  assert.ok(Math.abs(mean) < 5 * stderr + 1e-3, `legacy mean gΔ ${mean} ± ${stderr}`);
  assert.ok(Math.abs(mean) < 0.05 * (DELTA0 / 2) * (D / 6), "legacy is far from the LSQ expectation");
});

test("two-pass: Δ's gradient is the LSQ contraction with the gradient at Δ·round(w'/Δ); rows stored with the new Δ", () => {
  const t = targets();
  const tab = table(7, "two-pass", 8, "deterministic");
  tab.storeRow(0, t);
  const w = tab.lookup([0]);
  const g = Float32Array.from(w, (x, k) => x - 0.3 * t[k]);
  tab.applyGradients([0, 0], Float32Array.from([...g, ...g]));
  assert.ok(tab.stepUpdatePending);
  assert.equal(tab.stepOf(0), Math.fround(DELTA0), "Δ waits for the second pass");
  const wNew = Float64Array.from(w, (x, k) => x - ROW_LR * 2 * g[k]);
  const w2 = tab.lookup([0]);
  for (let k = 0; k < D; k++) {
    const q = Math.max(-128, Math.min(127, roundHalfAway(Math.fround(wNew[k]) / Math.fround(DELTA0))));
    assert.ok(Math.abs(w2[k] - Math.fround(DELTA0) * q) < 1e-7, `held code ${k}`);
  }
  assert.throws(() => tab.applyGradients([0], g), /two-pass step-size update is pending/);
  const g2 = Float32Array.from(w2, (x, k) => x - 0.3 * t[k]);
  let want = 0;
  for (let k = 0; k < D; k++)
    want += g2[k] * lsqStepDerivative(Math.fround(wNew[k]) / Math.fround(DELTA0), -128, 127);
  tab.applyStepGradients([0], g2);
  assert.ok(!tab.stepUpdatePending);
  const got = (Math.fround(DELTA0) - tab.stepOf(0)) / STEP_LR;
  assert.ok(Math.abs(got - want) < 1e-3 * Math.max(1, Math.abs(want)), `gΔ ${got} vs ${want}`);
  const delta = tab.stepOf(0);
  for (let k = 0; k < D; k++)
    assert.ok(
      tab.weights[k] === Math.max(-128, Math.min(127, roundHalfAway(Math.fround(wNew[k]) / delta))),
      `code ${k}`,
    );
  assert.throws(() => tab.applyStepGradients([0], g2), /without a pending two-pass update/);
});

test("2 bits: the clip test looks at v = w'/Δ, not at the rounded code; finite differences at the edges", () => {
  // qmin = −2, qmax = 1. v = 0.9 and −1.9 round to the end codes but are inside the range.
  const vs = [0.9, 1.1, -1.9, -2.1, 0.6, -1.4, 1.0, -2.0];
  const want = [1 - 0.9, 1, -2 + 1.9, -2, 1 - 0.6, -1 + 1.4, 1, -2];
  vs.forEach((v, i) =>
    assert.ok(
      Math.abs(lsqStepDerivative(v, -2, 1) - want[i]) < 1e-12,
      `v=${v}: ${lsqStepDerivative(v, -2, 1)} vs ${want[i]}`,
    ),
  );
  // Finite difference of the straight-through quantiser ŵ(Δ) = Δ·(clip(w/Δ, qmin, qmax) + c), with the
  // rounding residual c = round(clip(v0)) − clip(v0) frozen at Δ0, against the table's analytic gradient.
  const tab = table(1, "lsq", 2, "deterministic");
  const delta = 0.05;
  const wv = Float32Array.from(vs.slice(0, 6), (v) => v * delta);
  const g = Float32Array.from([0.7, -1.1, 0.4, 0.25, -0.6, 2.0]);
  const c = Array.from(wv, (x) => {
    const v = Math.max(-2, Math.min(1, x / delta));
    return roundHalfAway(v) - v;
  });
  const f = (dl: number) =>
    Array.from(wv).reduce((s, x, k) => s + g[k] * dl * (Math.max(-2, Math.min(1, x / dl)) + c[k]), 0);
  const h = 1e-7;
  const fd = (f(delta + h) - f(delta - h)) / (2 * h);
  const small = new EmbeddingTable(
    {
      name: "e",
      rows: 1,
      dim: 6,
      precision: {
        kind: "int",
        bits: 2,
        rounding: "deterministic",
        initStep: delta,
        learnStep: { lr: 1e-3 },
      },
    },
    1,
  );
  const analytic = small.stepGradient(wv, 0, g, 0, delta);
  assert.ok(Math.abs(fd - analytic) < 1e-5, `finite difference ${fd} vs analytic ${analytic}`);
  // The pre-fix rule counts v = 0.9 and −1.9 as clipped: it disagrees with the finite difference.
  const legacy = new EmbeddingTable(
    {
      name: "l",
      rows: 1,
      dim: 6,
      precision: {
        kind: "int",
        bits: 2,
        rounding: "deterministic",
        initStep: delta,
        learnStep: { lr: 1e-3, stepGrad: "legacy-sr" },
      },
    },
    1,
  );
  assert.ok(Math.abs(legacy.stepGradient(wv, 0, g, 0, delta) - fd) > 0.1, "legacy rule unexpectedly matches");
  assert.ok(tab.qmin === -2 && tab.qmax === 1);
});

test("stepGrad is validated", () => {
  assert.throws(
    () =>
      new EmbeddingTable(
        {
          name: "x",
          rows: 1,
          dim: 2,
          precision: { kind: "int", bits: 4, learnStep: { lr: 1e-3, stepGrad: "exact" as never } },
        },
        1,
      ),
    /learnStep.stepGrad must be "lsq", "two-pass" or "legacy-sr"/,
  );
});
