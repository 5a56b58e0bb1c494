/**
 * Synthetic CTR batches for the throughput benchmark, shaped like the kit's `Batch`
 * (src/data/schema.ts): `cat[f]` holds field f's ids (field-local, 0..vocab-1) for every row.
 *
 * Same distribution as bench/torch_ref.py: 39 fields sharing one table of `rows` rows, field f
 * owning ids [f*vocab, (f+1)*vocab) with vocab = floor(rows/39); within a field, rank r has
 * probability ∝ r^-1.05 and ranks are randomly permuted per field. Labels ~ Bernoulli(0.25).
 * Seeded (the kit's Rng), generated before timing.
 */
import type { Batch, DatasetSchema } from "../src/data/schema";
import { Rng } from "../src/engine/rng";

export interface BenchShape {
  fields: number;
  dim: number;
  rows: number;
  hidden: number[];
  batch: number;
}

export const REFERENCE_SHAPE: BenchShape = {
  fields: 39,
  dim: 16,
  rows: 1_000_000,
  hidden: [400, 400, 400],
  batch: 4096,
};

export const ZIPF_ALPHA = 1.05;

export function fieldVocab(shape: BenchShape): number {
  return Math.floor(shape.rows / shape.fields);
}

/** Global row id of field f's local id (the shared table's per-field offset). */
export function fieldOffset(shape: BenchShape, f: number): number {
  return f * fieldVocab(shape);
}

export function makeBatches(shape: BenchShape, count: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  const vocab = fieldVocab(shape);
  const cdf = new Float64Array(vocab);
  let acc = 0;
  for (let r = 0; r < vocab; r++) {
    acc += Math.pow(r + 1, -ZIPF_ALPHA);
    cdf[r] = acc;
  }
  for (let r = 0; r < vocab; r++) cdf[r] /= acc;
  const perms: Int32Array[] = [];
  for (let f = 0; f < shape.fields; f++) perms.push(rng.permutation(vocab));
  const out: Batch[] = [];
  const B = shape.batch;
  for (let i = 0; i < count; i++) {
    const cat: Int32Array[] = [];
    for (let f = 0; f < shape.fields; f++) {
      const col = new Int32Array(B);
      const perm = perms[f];
      for (let b = 0; b < B; b++) {
        const u = rng.next();
        let lo = 0;
        let hi = vocab - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] < u) lo = mid + 1;
          else hi = mid;
        }
        col[b] = perm[lo];
      }
      cat.push(col);
    }
    const labels = new Float32Array(B);
    for (let b = 0; b < B; b++) labels[b] = rng.next() < 0.25 ? 1 : 0;
    const rows = new Int32Array(B);
    for (let b = 0; b < B; b++) rows[b] = i * B + b;
    out.push({ size: B, cat, num: [], seq: [], labels: [labels], groups: [], rows });
  }
  return out;
}

/** The schema of the benchmark's batches: `fields` categorical fields of fieldVocab(shape) ids, one label. */
export function benchSchema(shape: BenchShape): DatasetSchema {
  const vocab = fieldVocab(shape);
  return {
    name: "bench-ctr",
    features: Array.from({ length: shape.fields }, (_, f) => ({
      kind: "categorical" as const,
      name: `C${f + 1}`,
      vocabSize: vocab,
    })),
    labels: [{ name: "click", type: "binary" }],
    groups: [],
    synthetic: true,
  };
}
