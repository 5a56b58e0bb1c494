/**
 * Mini-batches, subsets, concatenation and seeded splits of columnar data sets.
 *
 * Everything is a typed-array gather (no per-row objects) and deterministic given the Rng.
 * `batches()` also walks a ShardedDataset shard by shard (memory: one shard plus one batch);
 * with `shuffle` it permutes the shard order and the rows inside each shard (block shuffle, as
 * FuxiCTR's streaming loader does), so rows of different shards never meet in a batch
 * unless a batch straddles a shard boundary.
 */
import type { Rng } from "../engine/rng";
import { DataError } from "./errors";
import type { Batch, DatasetSchema, TabularDataset } from "./schema";
import { sequenceFeatures } from "./schema";
import { ShardedDataset } from "./sharded";

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Rows per batch (B). Required, integer >= 1. */
  batchSize: number;
  /** Visit rows in a random order drawn from `rng`. Default false. */
  shuffle?: boolean;
  /** Random source for `shuffle` (required when shuffling). */
  rng?: Rng;
  /** Drop the last batch when it has fewer than `batchSize` rows. Default false. */
  dropLast?: boolean;
}

function seqLens(schema: DatasetSchema): number[] {
  return sequenceFeatures(schema).map((f) => f.maxLen);
}

function emptyBatch(ds: TabularDataset, size: number, lens: number[]): Batch {
  return {
    size,
    cat: ds.cat.map(() => new Int32Array(size)),
    num: ds.num.map(() => new Float32Array(size)),
    seq: ds.seq.map((_, k) => new Int32Array(size * lens[k])),
    labels: ds.labels.map(() => new Float32Array(size)),
    groups: ds.groups.map(() => new Int32Array(size)),
    rows: new Int32Array(size),
  };
}

/** Copies rows `idx[from..to)` of `ds` into batch positions `at..`; `rowBase` offsets `batch.rows`. */
function gatherInto(
  ds: TabularDataset,
  idx: ArrayLike<number>,
  from: number,
  to: number,
  b: Batch,
  at: number,
  rowBase: number,
  lens: number[],
): void {
  const n = to - from;
  for (let j = 0; j < ds.cat.length; j++) {
    const src = ds.cat[j];
    const dst = b.cat[j];
    for (let i = 0; i < n; i++) dst[at + i] = src[idx[from + i]];
  }
  for (let j = 0; j < ds.num.length; j++) {
    const src = ds.num[j];
    const dst = b.num[j];
    for (let i = 0; i < n; i++) dst[at + i] = src[idx[from + i]];
  }
  for (let j = 0; j < ds.labels.length; j++) {
    const src = ds.labels[j];
    const dst = b.labels[j];
    for (let i = 0; i < n; i++) dst[at + i] = src[idx[from + i]];
  }
  for (let j = 0; j < ds.groups.length; j++) {
    const src = ds.groups[j];
    const dst = b.groups[j];
    for (let i = 0; i < n; i++) dst[at + i] = src[idx[from + i]];
  }
  for (let k = 0; k < ds.seq.length; k++) {
    const L = lens[k];
    const src = ds.seq[k];
    const dst = b.seq[k];
    for (let i = 0; i < n; i++) {
      const s = idx[from + i] * L;
      dst.set(src.subarray(s, s + L), (at + i) * L);
    }
  }
  for (let i = 0; i < n; i++) b.rows[at + i] = rowBase + idx[from + i];
}

function checkBatchOptions(o: BatchOptions): void {
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    throw new DataError("BAD_OPTION", `batchSize must be an integer >= 1, got ${o.batchSize}`);
  if (o.shuffle && o.rng === undefined)
    throw new DataError(
      "BAD_OPTION",
      "shuffle: true needs an rng (new Rng(seed)) so that batches are reproducible",
    );
}

function identity(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}

/**
 * Mini-batches of `ds` (in memory or sharded). Each Batch owns fresh typed arrays with `size`
 * rows; `rows` holds the row ids in `ds`.
 */
export function* batches(ds: TabularDataset | ShardedDataset, opts: BatchOptions): Generator<Batch> {
  checkBatchOptions(opts);
  const B = opts.batchSize;
  const lens = seqLens(ds.schema);
  if (!(ds instanceof ShardedDataset)) {
    const n = ds.numRows;
    const order = opts.shuffle ? (opts.rng as Rng).permutation(n) : identity(n);
    for (let s = 0; s < n; s += B) {
      const e = Math.min(n, s + B);
      if (e - s < B && opts.dropLast) return;
      const b = emptyBatch(ds, e - s, lens);
      gatherInto(ds, order, s, e, b, 0, 0, lens);
      yield b;
    }
    return;
  }
  const shardOrder = opts.shuffle
    ? (opts.rng as Rng).permutation(ds.shards.length)
    : identity(ds.shards.length);
  let remainingRows = ds.numRows;
  let pending: Batch | null = null;
  let filled = 0;
  for (let k = 0; k < shardOrder.length; k++) {
    const si = shardOrder[k];
    const shard = ds.readShard(si);
    const base = ds.shards[si].offset;
    const order = opts.shuffle ? (opts.rng as Rng).permutation(shard.numRows) : identity(shard.numRows);
    let p = 0;
    while (p < shard.numRows) {
      if (pending === null) {
        const size = Math.min(B, remainingRows);
        if (size < B && opts.dropLast) return;
        pending = emptyBatch(shard, size, lens);
        filled = 0;
      }
      const take = Math.min(pending.size - filled, shard.numRows - p);
      gatherInto(shard, order, p, p + take, pending, filled, base, lens);
      filled += take;
      p += take;
      remainingRows -= take;
      if (filled === pending.size) {
        yield pending;
        pending = null;
      }
    }
  }
}

/** The rows `rows` of `ds` (in that order) as a new in-memory data set. */
export function subset(ds: TabularDataset, rows: ArrayLike<number>): TabularDataset {
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!(Number.isInteger(r) && r >= 0 && r < ds.numRows))
      throw new DataError(
        "BAD_OPTION",
        `subset: row ${r} out of range [0, ${ds.numRows}) in ${ds.schema.name}`,
      );
  }
  const lens = seqLens(ds.schema);
  const b = emptyBatch(ds, n, lens);
  gatherInto(ds, rows, 0, n, b, 0, 0, lens);
  return {
    schema: ds.schema,
    numRows: n,
    cat: b.cat,
    num: b.num,
    seq: b.seq,
    labels: b.labels,
    groups: b.groups,
    meta: ds.meta,
  };
}

function sameColumns(a: DatasetSchema, b: DatasetSchema): boolean {
  const key = (s: DatasetSchema) =>
    JSON.stringify([
      s.features.map((f) => [f.kind, f.name]),
      s.labels.map((l) => l.name),
      s.groups.map((g) => g.name),
    ]);
  return key(a) === key(b);
}

/**
 * Rows of all parts, in order. Parts must have the same columns; vocab sizes and group counts
 * are taken as the maximum over parts, and the meta of the first part is kept with a note.
 */
export function concat(...parts: TabularDataset[]): TabularDataset {
  if (parts.length === 0) throw new DataError("BAD_OPTION", "concat needs at least one data set");
  const first = parts[0];
  for (const p of parts) {
    if (!sameColumns(first.schema, p.schema))
      throw new DataError(
        "BAD_OPTION",
        `concat: ${p.schema.name} does not have the columns of ${first.schema.name}`,
      );
  }
  const n = parts.reduce((a, p) => a + p.numRows, 0);
  const lens = seqLens(first.schema);
  const out = emptyBatch(first, n, lens);
  let o = 0;
  for (const p of parts) {
    p.cat.forEach((c, j) => out.cat[j].set(c, o));
    p.num.forEach((c, j) => out.num[j].set(c, o));
    p.labels.forEach((c, j) => out.labels[j].set(c, o));
    p.groups.forEach((c, j) => out.groups[j].set(c, o));
    p.seq.forEach((c, k) => out.seq[k].set(c, o * lens[k]));
    o += p.numRows;
  }
  const schema: DatasetSchema = {
    ...first.schema,
    features: first.schema.features.map((f, i) => {
      if (f.kind === "numeric") return f;
      const vocabSize = Math.max(...parts.map((p) => (p.schema.features[i] as typeof f).vocabSize));
      return { ...f, vocabSize };
    }),
    groups: first.schema.groups.map((g, i) => ({
      ...g,
      numGroups: Math.max(...parts.map((p) => p.schema.groups[i].numGroups)),
    })),
  };
  return {
    schema,
    numRows: n,
    cat: out.cat,
    num: out.num,
    seq: out.seq,
    labels: out.labels,
    groups: out.groups,
    meta: { ...first.meta, notes: { ...first.meta.notes, concat: parts.map((p) => p.meta.source) } },
  };
}

/**
 * Splits `ds` into parts of sizes proportional to `ratios` (normalised; sizes by largest
 * remainder so they sum to numRows) over a seeded random permutation.
 */
export function split(ds: TabularDataset, ratios: readonly number[], rng: Rng): TabularDataset[] {
  const sum = ratios.reduce((a, r) => a + r, 0);
  if (ratios.length === 0 || !(sum > 0) || ratios.some((r) => !(r >= 0)))
    throw new DataError(
      "BAD_OPTION",
      `split ratios must be non-negative with a positive sum, got ${JSON.stringify(ratios)}`,
    );
  const n = ds.numRows;
  const exact = ratios.map((r) => (n * r) / sum);
  const sizes = exact.map(Math.floor);
  let rest = n - sizes.reduce((a, s) => a + s, 0);
  const byFrac = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; rest > 0; k++, rest--) sizes[byFrac[k % byFrac.length][1]]++;
  const perm = rng.permutation(n);
  const out: TabularDataset[] = [];
  let o = 0;
  sizes.forEach((s, i) => {
    const part = subset(ds, perm.subarray(o, o + s));
    out.push({
      ...part,
      meta: { ...ds.meta, notes: { ...ds.meta.notes, splitPart: i, splitRatios: ratios } },
    });
    o += s;
  });
  return out;
}
