/**
 * Seeded multi-domain / multi-scenario CTR data with a planted ground truth, for the
 * multi-domain papers (HAMUR, HierRec, STAR-style baselines) at smoke scale. Every schema made
 * here is named "synthetic-..." and carries `synthetic: true`; results on it must say so.
 *
 * ## syntheticMultiDomain: planted cross-domain conflict
 *
 * Rows belong to D domains (drawn with `domainShares`). Features x_0..x_{F-1} are drawn exactly
 * as in {@link syntheticCtr} (id 1 + floor((V - 1) u^2), a skewed popularity), independently of
 * the domain, so domains differ only in their label function:
 *
 *   logit_d(x) = b + shared(x) + conflict * specific_d(x)
 *   shared(x)     = sum_f w_f[x_f] + sum_{f<g} <v_f[x_f], v_g[x_g]>         (FM-shaped, as synthetic.ts)
 *   specific_d(x) = CONFLICT_SCALE * sum_{f < Fc} s_{d,f} c_f[x_f],   Fc = ceil(F / 2) "conflict fields"
 *   s_{d,f}       = cos(2 pi d / D + 2 pi f / Fc)
 *   p = sigmoid(logit);  y ~ Bernoulli(noise + (1 - 2 noise) p)
 *
 * with w ~ N(0, 0.5^2), v ~ N(0, 1 / k), c ~ N(0, 1). For D >= 2, sum_d s_{d,f} = 0 for every f:
 * the effect c_f[x] of a conflict field enters the domains with weights that cancel across
 * domains (for D = 2 exactly opposite signs; for D = 3 one domain +1 and two -1/2 on field 0,
 * rotated on the other fields), so under equal domain shares a model that ignores the domain
 * sees no net effect of c at all (planted conflict), while a domain-aware model can learn it.
 * `conflict` = 0 makes every domain share one label function.
 *
 * Expected ordering (stated here, checked in test/data/synthetic-multidomain.test.ts by fitting
 * per-domain vs pooled logistic regressions on one-hot features): for every domain d, on held-out
 * rows,
 *
 *   AUC_d(trueProb, Bayes)  >=  AUC_d(domain-aware model)  >=  AUC_d(shared model ignoring the domain)
 *
 * The first inequality holds in expectation because trueProb is P(y | x, d); the second because
 * the shared model's best fit is the domain-average of logit_d, which loses the conflict term.
 *
 * Ids: field f uses ids 1..V-1 (0 = OOV, never drawn), as syntheticCtr. The categorical feature
 * "domain" (last feature) has id d + 1 (vocabSize D + 1); the group axis "domain" has id d.
 *
 * ## syntheticLatentScenario: explicit scenario + hidden sub-scenario (HierRec C2)
 *
 *   logit(x) = b + shared(x) + a_s + scenarioPart_s(x) + latentPart_h(x)
 *   scenarioPart_s(x) = sum_{f < Fc} t_{s,f} c_f[x_f]                     (like specific_d above)
 *   h(x) = (x_{F-2} + x_{F-1}) mod numLatent                               (the hidden sub-scenario)
 *   latentPart_h(x) = LATENT_SCALE * sum_{f < Fc} cos(2 pi h / numLatent + 2 pi f / Fc) e_f[x_f]
 *
 * The hidden id h depends on two feature values jointly (for numLatent = 2 it is the parity of
 * their sum: no single field reveals it), changes the label function strongly, and is NOT a
 * feature. It is exposed as the second group axis "latent" for ANALYSIS ONLY (per-latent
 * metrics, checking whether a model's implicit module recovers it): models must route on
 * "scenario" only and must never read the "latent" axis.
 */
import { Rng } from "../engine/rng";
import { DataError } from "./errors";
import { sha256Text, stableStringify } from "./hash";
import { drawFmRow } from "./synthetic";
import type { DatasetSchema, FeatureSpec, TabularDataset } from "./schema";

/** Scale of the domain-specific (conflict) part relative to c ~ N(0, 1), before `conflict`. */
export const CONFLICT_SCALE = 2;
/** Scale of the hidden sub-scenario part of {@link syntheticLatentScenario}. */
export const LATENT_SCALE = 1.5;

/** Options of {@link syntheticMultiDomain}. */
export interface SyntheticMultiDomainOptions {
  /** Rows to generate. Required. */
  numRows: number;
  /** Domains D. Default 3. */
  numDomains?: number;
  /** Categorical fields F (not counting "domain"). Default 6. */
  numFields?: number;
  /** Ids per field including the reserved OOV id 0. Default 50. */
  vocabSize?: number;
  /** Latent dimension k of the shared pairwise interactions. Default 4. */
  latentDim?: number;
  /** Weight of the domain-specific (conflicting) part of the logit, in [0, 1]. Default 0.5. */
  conflict?: number;
  /** Share of rows per domain (normalised). Default equal shares. */
  domainShares?: number[];
  /** Probability that a label is flipped, in [0, 0.5). Default 0. */
  noise?: number;
  /** Seed of parameters and rows. Required. */
  seed: number;
}

/** Planted parameters of {@link syntheticMultiDomain} (the `truth` it returns). */
export interface SyntheticMultiDomainTruth {
  bias: number;
  /** w_f, Float32Array[V] per field. */
  weights: Float32Array[];
  /** v_f, Float32Array[V * k] per field (row-major). */
  factors: Float32Array[];
  /** c_f for the first Fc fields, Float32Array[V] each. */
  conflictWeights: Float32Array[];
  /** s_{d,f}: signs/weights [D][Fc] of the conflict fields per domain. */
  domainWeights: number[][];
  /** Fc: fields 0..Fc-1 carry the conflict. */
  conflictFields: number;
  conflict: number;
}

function checkInt(what: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min))
    throw new DataError("BAD_OPTION", `${what} must be an integer >= ${min}, got ${v}`);
}

/** FM-shaped shared parameters: w ~ N(0, 0.5^2), v ~ N(0, 1/k); id 0 (OOV) rows are zero. */
function sharedParams(
  rng: Rng,
  F: number,
  V: number,
  k: number,
): { weights: Float32Array[]; factors: Float32Array[] } {
  const weights = Array.from({ length: F }, () => {
    const w = new Float32Array(V);
    for (let i = 1; i < V; i++) w[i] = 0.5 * rng.normal();
    return w;
  });
  const sd = 1 / Math.sqrt(k);
  const factors = Array.from({ length: F }, () => {
    const e = new Float32Array(V * k);
    for (let i = k; i < V * k; i++) e[i] = sd * rng.normal();
    return e;
  });
  return { weights, factors };
}

function normalTable(rng: Rng, n: number, V: number): Float32Array[] {
  return Array.from({ length: n }, () => {
    const c = new Float32Array(V);
    for (let i = 1; i < V; i++) c[i] = rng.normal();
    return c;
  });
}

/** Index drawn from normalised `cum` (cumulative shares, last = 1). */
function drawIndex(rng: Rng, cum: Float64Array): number {
  const u = rng.next();
  let i = 0;
  while (i < cum.length - 1 && u >= cum[i]) i++;
  return i;
}

function cumulativeShares(what: string, shares: number[] | undefined, n: number): Float64Array {
  const s = shares ?? new Array<number>(n).fill(1);
  if (s.length !== n || s.some((x) => !(x >= 0)) || !(s.reduce((a, b) => a + b, 0) > 0)) {
    throw new DataError(
      "BAD_OPTION",
      `${what} must be ${n} non-negative numbers with a positive sum, got ${JSON.stringify(shares)}`,
    );
  }
  const total = s.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cum[i] = acc += s[i] / total;
  cum[n - 1] = 1;
  return cum;
}

/** Rotating weights cos(2 pi g / G + 2 pi f / Fc), [G][Fc]; they sum to 0 over g for G >= 2. */
function rotatingWeights(G: number, Fc: number): number[][] {
  return Array.from({ length: G }, (_, g) =>
    Array.from({ length: Fc }, (_, f) => Math.cos((2 * Math.PI * g) / G + (2 * Math.PI * f) / Fc)),
  );
}

/**
 * A seeded multi-domain CTR set with a planted cross-domain conflict (see the module comment
 * for the label function and the expected ordering Bayes >= domain-aware >= shared per domain).
 * Schema "synthetic-multidomain": categorical f0..f{F-1} and "domain", label "click", group axis
 * "domain" (names d0..d{D-1}).
 */
export function syntheticMultiDomain(o: SyntheticMultiDomainOptions): {
  dataset: TabularDataset;
  trueProb: Float32Array;
  truth: SyntheticMultiDomainTruth;
} {
  const N = o.numRows;
  const D = o.numDomains ?? 3;
  const F = o.numFields ?? 6;
  const V = o.vocabSize ?? 50;
  const k = o.latentDim ?? 4;
  const conflict = o.conflict ?? 0.5;
  const noise = o.noise ?? 0;
  checkInt("syntheticMultiDomain: numRows", N, 0);
  checkInt("syntheticMultiDomain: numDomains", D, 1);
  checkInt("syntheticMultiDomain: numFields", F, 1);
  checkInt("syntheticMultiDomain: vocabSize", V, 2);
  checkInt("syntheticMultiDomain: latentDim", k, 1);
  if (!(conflict >= 0 && conflict <= 1))
    throw new DataError("BAD_OPTION", `syntheticMultiDomain: conflict must be in [0, 1], got ${conflict}`);
  if (!(noise >= 0 && noise < 0.5))
    throw new DataError("BAD_OPTION", `syntheticMultiDomain: noise must be in [0, 0.5), got ${noise}`);
  const cum = cumulativeShares("syntheticMultiDomain: domainShares", o.domainShares, D);
  const Fc = Math.ceil(F / 2);
  const bias = -1;

  const root = new Rng(o.seed);
  const prng = root.fork();
  const drng = root.fork();
  const { weights, factors } = sharedParams(prng, F, V, k);
  const conflictWeights = normalTable(prng, Fc, V);
  const domainWeights = rotatingWeights(D, Fc);

  const cat = Array.from({ length: F + 1 }, () => new Int32Array(N));
  const domain = new Int32Array(N);
  const labels = new Float32Array(N);
  const trueProb = new Float32Array(N);
  const sum = new Float64Array(k);
  const fieldCols = cat.slice(0, F);
  const fieldVocab = fieldCols.map(() => V);
  for (let r = 0; r < N; r++) {
    const d = drawIndex(drng, cum);
    domain[r] = d;
    cat[F][r] = d + 1;
    let logit = bias + drawFmRow(drng, r, fieldCols, fieldVocab, k, weights, factors, sum);
    let spec = 0;
    for (let f = 0; f < Fc; f++) spec += domainWeights[d][f] * conflictWeights[f][cat[f][r]];
    logit += conflict * CONFLICT_SCALE * spec;
    const q = noise + (1 - 2 * noise) / (1 + Math.exp(-logit));
    trueProb[r] = q;
    labels[r] = drng.next() < q ? 1 : 0;
  }

  const names = Array.from({ length: D }, (_, d) => `d${d}`);
  const features: FeatureSpec[] = [
    ...Array.from(
      { length: F },
      (_, f): FeatureSpec => ({ kind: "categorical", name: `f${f}`, vocabSize: V }),
    ),
    { kind: "categorical", name: "domain", vocabSize: D + 1 },
  ];
  const schema: DatasetSchema = {
    name: "synthetic-multidomain",
    features,
    labels: [{ name: "click", type: "binary" }],
    groups: [{ name: "domain", numGroups: D, names }],
    synthetic: true,
  };
  const params = {
    numRows: N,
    numDomains: D,
    numFields: F,
    vocabSize: V,
    latentDim: k,
    conflict,
    domainShares: Array.from(cum, (c, i) => c - (i > 0 ? cum[i - 1] : 0)),
    noise,
    seed: o.seed,
  };
  const dataset: TabularDataset = {
    schema,
    numRows: N,
    cat,
    num: [],
    seq: [],
    labels: [labels],
    groups: [domain],
    meta: {
      source: "synthetic-multidomain (seeded generator)",
      fingerprint: sha256Text(stableStringify({ generator: "synthetic-multidomain/1", ...params })),
      notes: { synthetic: true, ...params, conflictFields: Fc },
    },
  };
  return {
    dataset,
    trueProb,
    truth: { bias, weights, factors, conflictWeights, domainWeights, conflictFields: Fc, conflict },
  };
}

/** Options of {@link syntheticLatentScenario}. */
export interface SyntheticLatentScenarioOptions {
  /** Rows to generate. Required. */
  numRows: number;
  /** Explicit scenarios S (the "scenario" feature and group axis), equal shares. Default 3. */
  numScenarios?: number;
  /** Hidden sub-scenarios (group axis "latent", analysis only), >= 1. Default 2. */
  numLatent?: number;
  /** Categorical fields F (not counting "scenario"), >= 2. Default 6. */
  numFields?: number;
  /** Ids per field including the reserved OOV id 0. Default 50. */
  vocabSize?: number;
  /** Latent dimension k of the shared pairwise interactions. Default 4. */
  latentDim?: number;
  /** Seed of parameters and rows. Required. */
  seed: number;
}

/**
 * A seeded multi-scenario CTR set with an explicit scenario and a hidden sub-scenario that
 * changes the label function (see the module comment). Schema "synthetic-latent-scenario":
 * categorical f0..f{F-1} and "scenario" (id s + 1), label "click", group axes "scenario"
 * (s0..) and "latent" (h0..; analysis only: models must not route on it).
 */
export function syntheticLatentScenario(o: SyntheticLatentScenarioOptions): {
  dataset: TabularDataset;
  trueProb: Float32Array;
} {
  const N = o.numRows;
  const S = o.numScenarios ?? 3;
  const L = o.numLatent ?? 2;
  const F = o.numFields ?? 6;
  const V = o.vocabSize ?? 50;
  const k = o.latentDim ?? 4;
  checkInt("syntheticLatentScenario: numRows", N, 0);
  checkInt("syntheticLatentScenario: numScenarios", S, 1);
  checkInt("syntheticLatentScenario: numLatent", L, 1);
  checkInt("syntheticLatentScenario: numFields", F, 2);
  checkInt("syntheticLatentScenario: vocabSize", V, 2);
  checkInt("syntheticLatentScenario: latentDim", k, 1);
  const Fc = Math.ceil(F / 2);
  const bias = -1;

  const root = new Rng(o.seed);
  const prng = root.fork();
  const drng = root.fork();
  const { weights, factors } = sharedParams(prng, F, V, k);
  const scenarioBias = Array.from({ length: S }, () => 0.5 * prng.normal());
  const scenarioTables = normalTable(prng, Fc, V);
  const scenarioWeights = rotatingWeights(S, Fc);
  const latentTables = normalTable(prng, Fc, V);
  const latentWeights = rotatingWeights(L, Fc);
  const cum = cumulativeShares("syntheticLatentScenario: scenario shares", undefined, S);

  const cat = Array.from({ length: F + 1 }, () => new Int32Array(N));
  const scenario = new Int32Array(N);
  const latent = new Int32Array(N);
  const labels = new Float32Array(N);
  const trueProb = new Float32Array(N);
  const sum = new Float64Array(k);
  const fieldCols = cat.slice(0, F);
  const fieldVocab = fieldCols.map(() => V);
  for (let r = 0; r < N; r++) {
    const s = drawIndex(drng, cum);
    scenario[r] = s;
    cat[F][r] = s + 1;
    let logit = bias + scenarioBias[s] + drawFmRow(drng, r, fieldCols, fieldVocab, k, weights, factors, sum);
    const h = (cat[F - 2][r] + cat[F - 1][r]) % L;
    latent[r] = h;
    let sp = 0;
    let lp = 0;
    for (let f = 0; f < Fc; f++) {
      const x = cat[f][r];
      sp += scenarioWeights[s][f] * scenarioTables[f][x];
      lp += latentWeights[h][f] * latentTables[f][x];
    }
    logit += sp + (L > 1 ? LATENT_SCALE * lp : 0);
    const q = 1 / (1 + Math.exp(-logit));
    trueProb[r] = q;
    labels[r] = drng.next() < q ? 1 : 0;
  }

  const features: FeatureSpec[] = [
    ...Array.from(
      { length: F },
      (_, f): FeatureSpec => ({ kind: "categorical", name: `f${f}`, vocabSize: V }),
    ),
    { kind: "categorical", name: "scenario", vocabSize: S + 1 },
  ];
  const schema: DatasetSchema = {
    name: "synthetic-latent-scenario",
    features,
    labels: [{ name: "click", type: "binary" }],
    groups: [
      { name: "scenario", numGroups: S, names: Array.from({ length: S }, (_, s) => `s${s}`) },
      { name: "latent", numGroups: L, names: Array.from({ length: L }, (_, h) => `h${h}`) },
    ],
    synthetic: true,
  };
  const params = {
    numRows: N,
    numScenarios: S,
    numLatent: L,
    numFields: F,
    vocabSize: V,
    latentDim: k,
    seed: o.seed,
  };
  const dataset: TabularDataset = {
    schema,
    numRows: N,
    cat,
    num: [],
    seq: [],
    labels: [labels],
    groups: [scenario, latent],
    meta: {
      source: "synthetic-latent-scenario (seeded generator)",
      fingerprint: sha256Text(stableStringify({ generator: "synthetic-latent-scenario/1", ...params })),
      notes: {
        synthetic: true,
        ...params,
        latentRule: `latent = (f${F - 2} + f${F - 1}) mod ${L}; group axis "latent" is for analysis only, never a model input`,
      },
    },
  };
  return { dataset, trueProb };
}
