/**
 * On-disk processed data (FuxiCTR-style): column shards of typed arrays, read back shard by
 * shard so that a 45M-row set never has to sit in memory.
 *
 * Shard file layout (little-endian, no header; row count and column order are in meta.json):
 * for every categorical feature an Int32Array[rows], then every numeric feature a
 * Float32Array[rows], then every label a Float32Array[rows], then every group axis an
 * Int32Array[rows] (none for schemas without group axes, so older shards read unchanged).
 */
import * as fs from "fs";
import * as path from "path";
import { DataError } from "./errors";
import { crc32 } from "./hash";
import type { DatasetMeta, DatasetSchema, TabularDataset } from "./schema";
import { categoricalFeatures, numericFeatures } from "./schema";

/** One shard of a split. */
export interface ShardInfo {
  /** Path relative to the processed folder. */
  file: string;
  rows: number;
  /** CRC-32 of the shard's bytes, checked on every read (caches written before it existed are rebuilt). */
  crc32?: number;
}

/** Rows and shards of one split, as recorded in meta.json. */
export interface SplitInfo {
  numRows: number;
  /** Positive labels per label column. */
  positives: number[];
  shards: ShardInfo[];
  /** Rows per group, `[axis][group]` (schema.groups order); absent when the schema has no group axes. */
  groupRows?: number[][];
  /** Positives of the first label per group, `[axis][group]`; absent when the schema has no group axes. */
  groupPositives?: number[][];
}

/** Bytes per row of a shard. */
export function rowBytes(schema: DatasetSchema): number {
  return (
    4 *
    (categoricalFeatures(schema).length +
      numericFeatures(schema).length +
      schema.labels.length +
      schema.groups.length)
  );
}

/**
 * Reads one shard file into a TabularDataset (columns are views into one ArrayBuffer). With
 * `expectedCrc`, a shard whose CRC-32 differs (a flipped byte, a partial overwrite) is a
 * BAD_CACHE error naming the file, instead of ids or values that fail far from the cause.
 */
export function readShard(
  file: string,
  rows: number,
  schema: DatasetSchema,
  meta: DatasetMeta,
  expectedCrc?: number,
): TabularDataset {
  const nc = categoricalFeatures(schema).length;
  const nn = numericFeatures(schema).length;
  const nl = schema.labels.length;
  const bytes = rows * rowBytes(schema);
  const buf = new ArrayBuffer(bytes);
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== bytes)
      throw new DataError(
        "BAD_CACHE",
        `${file}: processed shard has ${size} bytes, expected ${bytes} (${rows} rows); delete the processed folder to rebuild`,
        { file },
      );
    const u8 = new Uint8Array(buf);
    let off = 0;
    while (off < bytes) {
      const n = fs.readSync(fd, u8, off, bytes - off, off);
      if (n <= 0) break;
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (expectedCrc !== undefined) {
    const actual = crc32(new Uint8Array(buf));
    if (actual !== expectedCrc) {
      throw new DataError(
        "BAD_CACHE",
        `${file}: processed shard fails its CRC-32 check (stored ${expectedCrc.toString(16).padStart(8, "0")}, computed ${actual.toString(16).padStart(8, "0")}): the processed cache is corrupt; delete ${path.dirname(path.dirname(file))} to rebuild it`,
        { file },
      );
    }
  }
  let o = 0;
  const cat: Int32Array[] = [];
  for (let j = 0; j < nc; j++, o += rows * 4) cat.push(new Int32Array(buf, o, rows));
  const num: Float32Array[] = [];
  for (let j = 0; j < nn; j++, o += rows * 4) num.push(new Float32Array(buf, o, rows));
  const labels: Float32Array[] = [];
  for (let j = 0; j < nl; j++, o += rows * 4) labels.push(new Float32Array(buf, o, rows));
  const groups: Int32Array[] = [];
  for (let j = 0; j < schema.groups.length; j++, o += rows * 4) groups.push(new Int32Array(buf, o, rows));
  return { schema, numRows: rows, cat, num, seq: [], labels, groups, meta };
}

/**
 * A split stored as shards on disk. Iterate shards with {@link ShardedDataset.shards} /
 * {@link ShardedDataset.readShard}, or mini-batches with `batches()` from batches.ts; load the
 * whole split with {@link ShardedDataset.toTabular} only when it fits in memory.
 */
export class ShardedDataset {
  readonly schema: DatasetSchema;
  readonly numRows: number;
  readonly meta: DatasetMeta;
  /** Absolute shard files with row counts and the global index of their first row. */
  readonly shards: readonly { file: string; rows: number; offset: number; crc32?: number }[];
  /** Positive labels per label column (from meta.json). */
  readonly positives: readonly number[];

  constructor(dir: string, split: SplitInfo, schema: DatasetSchema, meta: DatasetMeta) {
    this.schema = schema;
    this.meta = meta;
    this.numRows = split.numRows;
    this.positives = split.positives;
    let offset = 0;
    this.shards = split.shards.map((s) => {
      const r = { file: path.join(dir, s.file), rows: s.rows, offset, crc32: s.crc32 };
      offset += s.rows;
      return r;
    });
  }

  /** Reads shard `i` (sync; about 4 bytes x columns x rows). */
  readShard(i: number): TabularDataset {
    const s = this.shards[i];
    if (s === undefined)
      throw new DataError("BAD_OPTION", `${this.schema.name}: no shard ${i} (has ${this.shards.length})`);
    return readShard(s.file, s.rows, this.schema, this.meta, s.crc32);
  }

  /** Shards in order, one TabularDataset at a time. */
  *iterShards(): Generator<TabularDataset> {
    for (let i = 0; i < this.shards.length; i++) yield this.readShard(i);
  }

  /** The whole split in memory (one allocation per column). */
  toTabular(): TabularDataset {
    const nc = categoricalFeatures(this.schema).length;
    const nn = numericFeatures(this.schema).length;
    const nl = this.schema.labels.length;
    const n = this.numRows;
    const out: TabularDataset = {
      schema: this.schema,
      numRows: n,
      cat: Array.from({ length: nc }, () => new Int32Array(n)),
      num: Array.from({ length: nn }, () => new Float32Array(n)),
      seq: [],
      labels: Array.from({ length: nl }, () => new Float32Array(n)),
      groups: this.schema.groups.map(() => new Int32Array(n)),
      meta: this.meta,
    };
    for (let i = 0; i < this.shards.length; i++) {
      const s = this.readShard(i);
      const o = this.shards[i].offset;
      for (let j = 0; j < nc; j++) out.cat[j].set(s.cat[j], o);
      for (let j = 0; j < nn; j++) out.num[j].set(s.num[j], o);
      for (let j = 0; j < nl; j++) out.labels[j].set(s.labels[j], o);
      for (let j = 0; j < s.groups.length; j++) out.groups[j].set(s.groups[j], o);
    }
    return out;
  }
}
