/**
 * Seeded synthetic data: a CTR set with a planted logistic ground truth (so a model can learn
 * it and tests know the Bayes-optimal scores), and a writer of Criteo-format text files for
 * scale and bad-input tests. Every schema made here is named "synthetic-..." and carries
 * `synthetic: true`; results on it must say so.
 *
 * Ground truth of {@link syntheticCtr} (an FM-shaped logit, embDim-like latent k):
 *   logit(x) = b + sum_f w_f[x_f] + sum_{f<g} <v_f[x_f], v_g[x_g]> + sum_n a_n z_n
 *   p(x) = sigmoid(logit(x));  y ~ Bernoulli(noise + (1 - 2 noise) p(x))
 * with w ~ N(0, 0.5^2), v ~ N(0, interactionScale^2 / k), a ~ N(0, 0.5^2), z ~ N(0, 1).
 * `trueProb` is P(y = 1 | x) including the label noise, so ranking by it gives the Bayes AUC.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { Rng } from "../engine/rng";
import { DataError } from "./errors";
import { sha256Text, stableStringify } from "./hash";
import type { DatasetSchema, FeatureSpec, TabularDataset } from "./schema";

/** Options of {@link syntheticCtr}. */
export interface SyntheticCtrOptions {
  /** Rows to generate. Required. */
  numRows: number;
  /** Categorical fields (F). Default 8. */
  numFields?: number;
  /** Ids per field including the reserved OOV id 0 (one number for all fields, or one per field). Default 100. */
  vocabSize?: number | number[];
  /** Latent dimension k of the planted pairwise interactions (like embDim). Default 4. */
  latentDim?: number;
  /** Numeric features z ~ N(0, 1) with linear weights. Default 0. */
  numNumeric?: number;
  /** Intercept b of the logit (about -1.2 gives ~25% positives). Default -1.2. */
  bias?: number;
  /** Scale of the pairwise interaction vectors. Default 1. */
  interactionScale?: number;
  /** Probability that a label is flipped, in [0, 0.5). Default 0. */
  noise?: number;
  /** Seed of parameters and rows. Required. */
  seed: number;
}

/** The planted parameters. */
export interface SyntheticTruth {
  bias: number;
  /** w_f, one Float32Array[vocabSize_f] per field. */
  weights: Float32Array[];
  /** v_f, one Float32Array[vocabSize_f * k] per field (row-major). */
  factors: Float32Array[];
  /** a_n per numeric feature. */
  numericWeights: Float32Array;
}

export interface SyntheticCtr {
  dataset: TabularDataset;
  /** P(y = 1 | x) per row, label noise included. */
  trueProb: Float32Array;
  truth: SyntheticTruth;
}

/** A seeded CTR data set with a planted logistic ground truth. */
export function syntheticCtr(o: SyntheticCtrOptions): SyntheticCtr {
  const F = o.numFields ?? 8;
  const k = o.latentDim ?? 4;
  const nNum = o.numNumeric ?? 0;
  const noise = o.noise ?? 0;
  const bias = o.bias ?? -1.2;
  const scale = o.interactionScale ?? 1;
  const N = o.numRows;
  if (!(Number.isInteger(N) && N >= 0))
    throw new DataError("BAD_OPTION", `syntheticCtr: numRows must be an integer >= 0, got ${N}`);
  if (!(noise >= 0 && noise < 0.5))
    throw new DataError("BAD_OPTION", `syntheticCtr: noise must be in [0, 0.5), got ${noise}`);
  const V = Array.isArray(o.vocabSize) ? o.vocabSize : new Array<number>(F).fill(o.vocabSize ?? 100);
  if (V.length !== F || V.some((v) => !(Number.isInteger(v) && v >= 2)))
    throw new DataError("BAD_OPTION", `syntheticCtr: vocabSize must be integers >= 2, one per field (${F})`);

  const root = new Rng(o.seed);
  const prng = root.fork();
  const drng = root.fork();
  const weights = V.map((v) => {
    const w = new Float32Array(v);
    for (let i = 1; i < v; i++) w[i] = 0.5 * prng.normal();
    return w;
  });
  const sd = scale / Math.sqrt(k);
  const factors = V.map((v) => {
    const e = new Float32Array(v * k);
    for (let i = k; i < v * k; i++) e[i] = sd * prng.normal();
    return e;
  });
  const numericWeights = new Float32Array(nNum);
  for (let j = 0; j < nNum; j++) numericWeights[j] = 0.5 * prng.normal();

  const cat = V.map(() => new Int32Array(N));
  const num = Array.from({ length: nNum }, () => new Float32Array(N));
  const labels = new Float32Array(N);
  const trueProb = new Float32Array(N);
  const sum = new Float64Array(k);
  for (let r = 0; r < N; r++) {
    let logit = drawFmRow(drng, r, cat, V, k, weights, factors, sum, bias);
    for (let j = 0; j < nNum; j++) {
      const z = drng.normal();
      num[j][r] = z;
      logit += numericWeights[j] * z;
    }
    const q = noise + (1 - 2 * noise) / (1 + Math.exp(-logit));
    trueProb[r] = q;
    labels[r] = drng.next() < q ? 1 : 0;
  }

  const features: FeatureSpec[] = [
    ...V.map((v, f): FeatureSpec => ({ kind: "categorical", name: `f${f}`, vocabSize: v })),
    ...Array.from(
      { length: nNum },
      (_, j): FeatureSpec => ({ kind: "numeric", name: `z${j}`, transform: "none" }),
    ),
  ];
  const schema: DatasetSchema = {
    name: "synthetic-ctr",
    features,
    labels: [{ name: "click", type: "binary" }],
    groups: [],
    synthetic: true,
  };
  const params = {
    numRows: N,
    numFields: F,
    vocabSize: V,
    latentDim: k,
    numNumeric: nNum,
    bias,
    interactionScale: scale,
    noise,
    seed: o.seed,
  };
  const dataset: TabularDataset = {
    schema,
    numRows: N,
    cat,
    num,
    seq: [],
    labels: [labels],
    groups: [],
    meta: {
      source: "synthetic-ctr (seeded generator)",
      fingerprint: sha256Text(stableStringify({ generator: "synthetic-ctr/1", ...params })),
      notes: { synthetic: true, ...params },
    },
  };
  return { dataset, trueProb, truth: { bias, weights, factors, numericWeights } };
}

/**
 * Draws row r's categorical ids into `cat` (id 1 + floor((V_f - 1) u^2), a skewed popularity) and
 * returns `start` plus the FM-shaped logit sum_f w_f[x_f] + sum_{f<g} <v_f[x_f], v_g[x_g]> of the
 * planted truth. `sum` is scratch of length k. Shared by the seeded generators.
 */
export function drawFmRow(
  rng: Rng,
  r: number,
  cat: Int32Array[],
  V: ArrayLike<number>,
  k: number,
  weights: Float32Array[],
  factors: Float32Array[],
  sum: Float64Array,
  start = 0,
): number {
  let logit = start;
  sum.fill(0);
  let sq = 0;
  for (let f = 0; f < cat.length; f++) {
    const u = rng.next();
    const x = 1 + Math.floor((V[f] - 1) * u * u);
    cat[f][r] = x;
    logit += weights[f][x];
    const e = factors[f];
    for (let d = 0; d < k; d++) {
      const v = e[x * k + d];
      sum[d] += v;
      sq += v * v;
    }
  }
  let s2 = 0;
  for (let d = 0; d < k; d++) s2 += sum[d] * sum[d];
  return logit + 0.5 * (s2 - sq);
}

/** Options of {@link writeCriteoText}. */
export interface CriteoTextOptions {
  /** Data rows to write. Required. */
  numRows: number;
  /** Seed. Required. */
  seed: number;
  /**
   * Distinct values per categorical field (C1..C26); value j = floor(D * u^2) for u uniform on a
   * 65,536-point grid, so low indices are most frequent. Default 1000.
   */
  distinct?: number;
  /** Probability that any I or C value is empty. Default 0.05. */
  missingRate?: number;
  /** Write gzip (one member per ~1 MiB chunk). Default false. */
  gzip?: boolean;
}

/** What was written, for tests to check loaders against. */
export interface CriteoTextStats {
  numRows: number;
  positives: number;
  /** tokens[f][j]: the 8-hex token of value j of field C(f+1). */
  tokens: string[][];
  /** counts[f][j]: occurrences of value j of C(f+1); index `distinct` counts missing values. */
  counts: Uint32Array[];
  /** Missing values per I column. */
  numericMissing: Uint32Array;
}

function hexToken(f: number, j: number): string {
  let x = ((f + 1) * 0x01000193) ^ (j * 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0).toString(16).padStart(8, "0");
}

function writeChunk(fd: number, bytes: Uint8Array, gzip: boolean): void {
  fs.writeSync(fd, gzip ? zlib.gzipSync(bytes, { level: 1 }) : bytes);
}

/**
 * Writes a synthetic file in the raw Criteo Kaggle format (label, I1..I13, C1..C26, tab-separated,
 * empty = missing) with a planted click signal; returns the exact counts written. Integer
 * columns are drawn from a seeded 1,024-entry table of floor(exp(1.5 z)) (I2 shifted by -2 so it
 * has negatives); one 32-bit draw per value decides missing-or-value, so writing stays fast
 * (millions of rows for the scale test).
 */
export function writeCriteoText(file: string, o: CriteoTextOptions): CriteoTextStats {
  const D = o.distinct ?? 1000;
  const miss = o.missingRate ?? 0.05;
  const rng = new Rng(o.seed);
  const tokens = Array.from({ length: 26 }, (_, f) => {
    const seen = new Set<string>();
    return Array.from({ length: D }, (_, j) => {
      let t = hexToken(f, j);
      for (let s = 1; seen.has(t); s++) t = hexToken(f + 26 * s, j);
      seen.add(t);
      return t;
    });
  });
  const w = new Float64Array(D);
  for (let j = 0; j < D; j++) w[j] = 0.8 * rng.normal();
  const counts = Array.from({ length: 26 }, () => new Uint32Array(D + 1));
  const numericMissing = new Uint32Array(13);
  const missU32 = Math.floor(miss * 4294967296);
  const INT_TABLE = 1024;
  const VALUE_TABLE = 1 << 16;
  const valueTable = Int32Array.from({ length: VALUE_TABLE }, (_, i) =>
    Math.floor(D * ((i + 0.5) / VALUE_TABLE) ** 2),
  );
  const intTable = Array.from({ length: 2 }, (_, k) =>
    Int32Array.from({ length: INT_TABLE }, () => Math.floor(Math.exp(1.5 * rng.normal())) - 2 * k),
  );
  let positives = 0;
  const CHUNK = 1 << 20;
  const buf = new Uint8Array(CHUNK + 4096);
  const tok = new Uint8Array(26 * D * 8);
  tokens.forEach((ts, f) =>
    ts.forEach((t, j) => {
      for (let b = 0; b < 8; b++) tok[(f * D + j) * 8 + b] = t.charCodeAt(b);
    }),
  );
  const digits = new Uint8Array(24);
  const fd = fs.openSync(file, "w");
  try {
    let pos = 0;
    for (let r = 0; r < o.numRows; r++) {
      const start = pos;
      pos++;
      let i1 = 0;
      for (let i = 0; i < 13; i++) {
        buf[pos++] = 9;
        const u = rng.nextU32();
        if (u < missU32) numericMissing[i]++;
        else {
          let v = intTable[i === 1 ? 1 : 0][u & (INT_TABLE - 1)];
          if (i === 0) i1 = v;
          if (v < 0) {
            buf[pos++] = 45;
            v = -v;
          }
          let k = 0;
          do {
            digits[k++] = 48 + (v % 10);
            v = (v / 10) | 0;
          } while (v > 0);
          while (k > 0) buf[pos++] = digits[--k];
        }
      }
      let logit = -1.3 + 0.2 * Math.log1p(i1 > 0 ? i1 : 0);
      for (let f = 0; f < 26; f++) {
        buf[pos++] = 9;
        const u = rng.nextU32();
        if (u < missU32) counts[f][D]++;
        else {
          const j = valueTable[u & (VALUE_TABLE - 1)];
          counts[f][j]++;
          if (f < 3) logit += w[j];
          const t = (f * D + j) * 8;
          for (let b = 0; b < 8; b++) buf[pos++] = tok[t + b];
        }
      }
      const y = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      positives += y;
      buf[start] = 48 + y;
      buf[pos++] = 10;
      if (pos >= CHUNK) {
        writeChunk(fd, buf.subarray(0, pos), o.gzip === true);
        pos = 0;
      }
    }
    if (pos > 0) writeChunk(fd, buf.subarray(0, pos), o.gzip === true);
  } finally {
    fs.closeSync(fd);
  }
  return { numRows: o.numRows, positives, tokens, counts, numericMissing };
}
