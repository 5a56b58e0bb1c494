/**
 * The controlled check of ALPT's claim C2 (paper, LPT part: the convergence analysis of LPT): on a convex
 * problem with a known optimum, SGD whose weights live on a fixed quantisation grid Δ·{qmin..qmax}
 * converges faster and to a smaller error with stochastic rounding than with deterministic rounding.
 * Notebook 08-alpt, section "figures" (the C2 panel, labelled SYNTHETIC).
 *
 * Problem: L2-regularised logistic regression on seeded Gaussian features,
 *     f(w) = (1/n) Σ_i log(1 + exp(−y_i·x_iᵀw)) + (λ/2)‖w‖²,   y_i ∈ {−1, +1},
 * strongly convex, so the optimum w* is unique; we compute it by Newton's method in float64 to a
 * gradient norm below 1e-12 (the "known optimum"). Training: minibatch SGD with η_t = η0/(1 + t/τ),
 * after every step w is re-quantised to the grid (deterministic: round to nearest; stochastic:
 * ⌊w/Δ + u⌋) and clipped; fp32 SGD is the reference. Pure typed arrays, seeded (kit Rng).
 */
import { Rng } from "../../engine/rng";

export interface ConvexProblemOptions {
  /** Rows n. Default 4000. */
  numRows?: number;
  /** Features d. Default 16. */
  dim?: number;
  /** L2 strength λ. Default 1e-2. */
  l2?: number;
  /** Seed of the features, the planted weights and the labels. */
  seed: number;
}

export interface ConvexProblem {
  n: number;
  d: number;
  l2: number;
  /** Row-major features [n, d]. */
  x: Float64Array;
  /** Labels ±1. */
  y: Float64Array;
  /** The optimum of f (Newton, float64). */
  wStar: Float64Array;
  /** f(w*). */
  fStar: number;
  /** ‖∇f(w*)‖ reached by Newton. */
  gradNormAtStar: number;
  synthetic: true;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** f(w) over all rows. */
export function convexObjective(p: ConvexProblem, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.n; i++) {
    let z = 0;
    for (let k = 0; k < p.d; k++) z += p.x[i * p.d + k] * w[k];
    const m = p.y[i] * z;
    s += m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }
  let r = 0;
  for (let k = 0; k < p.d; k++) r += w[k] * w[k];
  return s / p.n + 0.5 * p.l2 * r;
}

/** Solve a symmetric positive definite system A x = b (Cholesky), A [d, d] row-major. */
function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j];
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * z[k];
    z[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}

/** A seeded logistic-regression problem and its optimum. */
export function convexProblem(o: ConvexProblemOptions): ConvexProblem {
  const n = o.numRows ?? 4000;
  const d = o.dim ?? 16;
  const l2 = o.l2 ?? 1e-2;
  const rng = new Rng(o.seed);
  const planted = new Float64Array(d);
  for (let k = 0; k < d; k++) planted[k] = rng.normal();
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < d; k++) {
      const v = rng.normal() / Math.sqrt(d);
      x[i * d + k] = v;
      z += v * planted[k];
    }
    y[i] = rng.next() < sigmoid(2 * z) ? 1 : -1;
  }
  // Newton's method from 0.
  const w = new Float64Array(d);
  const g = new Float64Array(d);
  const h = new Float64Array(d * d);
  let gn = Infinity;
  for (let it = 0; it < 100 && gn > 1e-12; it++) {
    g.fill(0);
    h.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < d; k++) z += x[i * d + k] * w[k];
      const s = sigmoid(y[i] * z);
      const c = -(1 - s) * y[i];
      const hw = s * (1 - s);
      for (let k = 0; k < d; k++) {
        g[k] += c * x[i * d + k];
        for (let j = 0; j <= k; j++) h[k * d + j] += hw * x[i * d + k] * x[i * d + j];
      }
    }
    for (let k = 0; k < d; k++) {
      g[k] = g[k] / n + l2 * w[k];
      for (let j = 0; j <= k; j++) {
        h[k * d + j] = h[k * d + j] / n + (k === j ? l2 : 0);
        h[j * d + k] = h[k * d + j];
      }
    }
    gn = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    const step = solveSpd(h, g, d);
    for (let k = 0; k < d; k++) w[k] -= step[k];
  }
  const p: ConvexProblem = { n, d, l2, x, y, wStar: w, fStar: 0, gradNormAtStar: gn, synthetic: true };
  p.fStar = convexObjective(p, w);
  return p;
}

export type ConvexRounding = "fp32" | "deterministic" | "stochastic";

export interface QuantisedSgdOptions {
  rounding: ConvexRounding;
  /** Bits of the weight codes (ignored by fp32). Default 8. */
  bits?: number;
  /** Largest representable |w|: Δ = clipRange / (2^(b-1) − 1). Default 1.25·max|w*|... set by the caller. */
  clipRange: number;
  /** SGD steps. Default 3000. */
  steps?: number;
  /** Minibatch size. Default 32. */
  batchSize?: number;
  /** Initial learning rate η0. Default 0.5. */
  lr?: number;
  /** Decay horizon τ of η_t = η0 / (1 + t/τ). Default 200. */
  decaySteps?: number;
  /** Record ‖w − w*‖ every this many steps. Default 25. */
  recordEvery?: number;
  /** Seed of the minibatches and the rounding noise. */
  seed: number;
}

export interface QuantisedSgdResult {
  /** Step of each record (0 = the initial point). */
  steps: Int32Array;
  /** ‖w_t − w*‖ at each record. */
  dist: Float64Array;
  /** f(w_t) − f(w*) at the end. */
  finalGap: number;
  /** Δ of the grid (0 for fp32). */
  delta: number;
  /** ‖Q(w*) − w*‖ with round-to-nearest: the best any point on the grid can do. */
  gridFloor: number;
}

/** Minibatch SGD on a convex problem with weights stored on a quantisation grid. */
export function quantisedSgd(p: ConvexProblem, o: QuantisedSgdOptions): QuantisedSgdResult {
  const d = p.d;
  const steps = o.steps ?? 3000;
  const B = o.batchSize ?? 32;
  const lr0 = o.lr ?? 0.5;
  const tau = o.decaySteps ?? 200;
  const every = o.recordEvery ?? 25;
  const bits = o.bits ?? 8;
  const qmax = 2 ** (bits - 1) - 1;
  const qmin = -(2 ** (bits - 1));
  const quant = o.rounding !== "fp32";
  const delta = quant ? o.clipRange / qmax : 0;
  const rng = new Rng(o.seed);
  const w = new Float64Array(d);
  const g = new Float64Array(d);
  const nRec = Math.floor(steps / every) + 1;
  const recSteps = new Int32Array(nRec);
  const dist = new Float64Array(nRec);
  const distTo = () => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (w[k] - p.wStar[k]) ** 2;
    return Math.sqrt(s);
  };
  const round = (v: number): number => {
    const s = v / delta;
    let q =
      o.rounding === "stochastic"
        ? Math.floor(s + rng.next())
        : s >= 0
          ? Math.floor(s + 0.5)
          : -Math.floor(0.5 - s);
    if (q > qmax) q = qmax;
    else if (q < qmin) q = qmin;
    return q * delta;
  };
  let r = 0;
  dist[r] = distTo();
  recSteps[r++] = 0;
  for (let t = 1; t <= steps; t++) {
    g.fill(0);
    for (let b = 0; b < B; b++) {
      const i = rng.int(p.n);
      let z = 0;
      for (let k = 0; k < d; k++) z += p.x[i * d + k] * w[k];
      const c = -(1 - sigmoid(p.y[i] * z)) * p.y[i];
      for (let k = 0; k < d; k++) g[k] += c * p.x[i * d + k];
    }
    const lr = lr0 / (1 + t / tau);
    for (let k = 0; k < d; k++) {
      const v = w[k] - lr * (g[k] / B + p.l2 * w[k]);
      w[k] = quant ? round(v) : v;
    }
    if (t % every === 0) {
      dist[r] = distTo();
      recSteps[r++] = t;
    }
  }
  let floor = 0;
  if (quant) {
    for (let k = 0; k < d; k++) {
      const s = p.wStar[k] / delta;
      const q = Math.max(qmin, Math.min(qmax, s >= 0 ? Math.floor(s + 0.5) : -Math.floor(0.5 - s)));
      floor += (q * delta - p.wStar[k]) ** 2;
    }
  }
  return {
    steps: recSteps,
    dist,
    finalGap: convexObjective(p, w) - p.fStar,
    delta,
    gridFloor: Math.sqrt(floor),
  };
}

/** Area under the log-distance curve (mean of log10‖w_t − w*‖ over records): lower = faster. */
export function meanLogDistance(r: QuantisedSgdResult): number {
  let s = 0;
  for (let i = 0; i < r.dist.length; i++) s += Math.log10(Math.max(r.dist[i], 1e-12));
  return s / r.dist.length;
}
