/**
 * The generic preprocessing pipeline (FuxiCTR-style): raw text files -> min-count vocabularies
 * built on the TRAIN split -> column shards of typed arrays in a processed folder.
 *
 * Passes, each streaming the inputs line by line in bounded memory:
 *  0. (re-split only) count data rows, so the seeded assignment gives exact split sizes;
 *  1. count categorical tokens of the train rows (TokenCounter: bounded, see vocab.ts);
 *  2. encode every row to ids / floats and append it to its split's shard writer.
 * Output goes to `<cache>/processed/<id>/<fingerprint[0:16]>-r<shardRows>.tmp-*` and is renamed
 * to its final name only on success (removed on any failure), so a processed folder is always
 * complete. A later call with the same inputs (by sha256) and options reuses it.
 *
 * Re-split: rows of all input files, in order, are assigned by sequential selection sampling
 * (each row goes to split s with probability remaining_s / remaining_rows), which yields the
 * exact sizes round(ratio * N) with every assignment equally likely, in O(1) memory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../engine/rng";
import { DataError, RowError } from "./errors";
import { crc32, sha256File, sha256Text, stableStringify, tempSuffix } from "./hash";
import { forgetVerified } from "./fetch";
import { forEachLine } from "./lines";
import type { NumericTransform, RowFormat, RowParser, RowScratch } from "./loaders/types";
import type { ResplitOptions } from "./registry";
import type { DatasetMeta, DatasetSchema, FeatureSpec, GroupAxis } from "./schema";
import { ShardedDataset, SplitInfo } from "./sharded";
import { MISSING_KEY } from "./keys";
import { newRowScratch } from "./loaders/types";
import { MISSING_ID, OOV_ID, TokenCounter, Vocabulary, buildVocabulary, vocabularyTables } from "./vocab";

/** Version of the processed layout and preprocessing semantics; part of every fingerprint. */
export const PIPELINE_VERSION = 1;

export const SPLITS = ["train", "valid", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

/** Preprocessing options after defaults are applied (all part of the fingerprint). */
export interface PreprocessOptions {
  /** A token keeps its own id when it occurs at least this often in the train split. */
  minCount: number;
  /** Numeric handling for formats with numeric columns (Criteo); see FormatOptions. */
  numericTransform: NumericTransform;
  /** Re-split all rows, or null to keep the files' own splits. */
  resplit: ResplitOptions | null;
  /** "error": a malformed row stops the load; "skip": it is counted in meta and left out. */
  onBadRow: "error" | "skip";
  /** Budget of distinct tokens held while counting, over all fields (see vocab.ts). */
  maxVocabKeys: number;
  /** Definition of the "domain" group axis, for formats that offer a choice (absent otherwise). */
  domainBy?: string;
}

/** One input file, already verified. */
export interface InputFile {
  name: string;
  /** Local path. */
  path: string;
  sha256: string;
  /** Member of a tar(.gz) archive to read instead of the file itself. */
  tarMember?: string;
}

/** What to preprocess. */
export interface PrepareInput {
  /** Data set id (names the processed folder and the schema). */
  id: string;
  format: RowFormat;
  /** Files per split, in order (all of them are concatenated when re-splitting). */
  splits: Record<SplitName, InputFile[]>;
  /** Side tables the format joins the rows with (users, items...), passed to `format.create`. */
  side?: InputFile[];
}

/** Where and how to write the processed folder. */
export interface PrepareConfig {
  /** Cache root; the processed folder goes under `<cacheDir>/processed/<id>/`. */
  cacheDir: string;
  /** Rows per shard file. */
  shardRows: number;
  /** Receives progress lines. */
  log?: (message: string) => void;
}

/** Per-input-file row statistics. */
export interface InputStats {
  name: string;
  sha256: string;
  lines: number;
  rows: number;
  skipped: number;
  /** Lines the format filtered out by definition (parser returned false after the header). */
  filtered: number;
}

/** Contents of meta.json in a processed folder. */
export interface ProcessedMeta {
  version: number;
  id: string;
  fingerprint: string;
  format: string;
  endianness: "LE";
  options: PreprocessOptions;
  schema: DatasetSchema;
  splits: Record<SplitName, SplitInfo>;
  inputs: InputStats[];
  skipped: { count: number; examples: string[] };
  /** Format-specific facts from the parser (domain definition, filters, joins), when it has any. */
  formatNotes?: Record<string, unknown>;
  /** Mean, std, min, max of each numeric feature over the train split (after the transform). */
  numericStats: { name: string; mean: number; std: number; min: number; max: number }[];
  vocabFile: string;
}

/** A processed folder opened for reading. */
export interface ProcessedDataset {
  dir: string;
  meta: ProcessedMeta;
  splits: Record<SplitName, ShardedDataset>;
  /** True when the folder was built by this call, false when reused. */
  built: boolean;
}

/** sha256 over the inputs' hashes, the format and the preprocessing options (stable JSON). */
export function fingerprintOf(input: PrepareInput, opts: PreprocessOptions): string {
  const strip = (f: InputFile) => ({ name: f.name, sha256: f.sha256, tarMember: f.tarMember });
  const files = (s: SplitName) => input.splits[s].map(strip);
  const side = input.side !== undefined && input.side.length > 0 ? input.side.map(strip) : undefined;
  return sha256Text(
    stableStringify({
      pipeline: PIPELINE_VERSION,
      format: input.format.id,
      inputs: { train: files("train"), valid: files("valid"), test: files("test") },
      side,
      options: opts,
    }),
  );
}

/** How errors name an input: the file, or `archive!member` for a member of a tar. */
export function fileLabel(f: { path: string; tarMember?: string }): string {
  return f.tarMember === undefined ? f.path : `${f.path}!${f.tarMember}`;
}

/** Exact-size seeded assignment of a stream of rows to splits (sequential selection sampling). */
export class SplitAssigner {
  private readonly remaining: number[];
  private left: number;
  private readonly rng: Rng;

  constructor(total: number, r: ResplitOptions) {
    const sum = r.ratios[0] + r.ratios[1] + r.ratios[2];
    if (!(sum > 0) || r.ratios.some((x) => !(x >= 0)))
      throw new DataError(
        "BAD_OPTION",
        `resplit ratios must be non-negative with a positive sum, got ${JSON.stringify(r.ratios)}`,
      );
    const a = Math.round((total * r.ratios[0]) / sum);
    const b = Math.min(total - a, Math.round((total * r.ratios[1]) / sum));
    this.remaining = [a, b, total - a - b];
    this.left = total;
    this.rng = new Rng(r.seed);
  }

  next(): number {
    if (this.left <= 0)
      throw new DataError(
        "BAD_CACHE",
        "input files changed while being preprocessed (more rows than counted)",
      );
    const u = this.rng.int(this.left);
    this.left--;
    const s = u < this.remaining[0] ? 0 : u < this.remaining[0] + this.remaining[1] ? 1 : 2;
    this.remaining[s]--;
    return s;
  }
}

interface RowLoopState {
  parser: RowParser;
  row: RowScratch;
  opts: PreprocessOptions;
  skippedExamples: string[];
}

/**
 * Streams the data rows of one file: blank lines are ignored, header lines (parser returns
 * false) skipped, malformed rows raise BAD_ROW naming file and line or are skipped.
 * `pick(lineNo)` decides, before parsing, whether the row is wanted (returns false to pass).
 */
async function scanFile(
  f: InputFile,
  st: RowLoopState,
  pick: () => boolean,
  onRow: (lineNo: number) => void,
  stats: InputStats | null,
): Promise<void> {
  const label = fileLabel(f);
  let headerChecked = false;
  const lines = await forEachLine(
    f.path,
    (line, lineNo) => {
      if (line.length === 0) return;
      if (!headerChecked) {
        headerChecked = true;
        try {
          if (!st.parser.parse(line, lineNo, st.row)) return;
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
        }
      }
      if (!pick()) return;
      try {
        if (!st.parser.parse(line, lineNo, st.row)) {
          if (stats !== null) stats.filtered++;
          return;
        }
        checkBinaryLabels(st.parser, st.row);
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        const msg = `${label}:${lineNo}: ${e.message}`;
        if (st.opts.onBadRow === "error") throw new DataError("BAD_ROW", msg, { file: label, line: lineNo });
        if (stats !== null) {
          stats.skipped++;
          if (st.skippedExamples.length < 10) st.skippedExamples.push(msg);
        }
        return;
      }
      if (stats !== null) stats.rows++;
      onRow(lineNo);
    },
    { tarMember: f.tarMember },
  );
  if (stats !== null) stats.lines = lines;
}

/**
 * Before a build, every input is hashed again in full: the fetch layer trusts a file whose path,
 * size and mtime match its verified.json record, so a file corrupted in place would otherwise be
 * baked into the processed cache. A mismatch drops the record and is a CHECKSUM error.
 */
async function rehashInputs(files: readonly InputFile[], cacheDir: string): Promise<void> {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    const actual = await sha256File(f.path);
    if (actual === f.sha256) continue;
    forgetVerified(f.path, cacheDir);
    throw new DataError(
      "CHECKSUM",
      `${f.path}: sha256 is now ${actual} but the file was verified as ${f.sha256} (same path, size and modification time): it changed in place or is corrupt; restore it or delete it to fetch it again`,
      { file: f.path },
    );
  }
}

/** Every label of the kit is binary: a parsed label that is not exactly 0 or 1 (NaN, 2, 0.5) is a bad row. */
function checkBinaryLabels(parser: RowParser, row: RowScratch): void {
  for (let j = 0; j < row.labels.length; j++) {
    const v = row.labels[j];
    if (v !== 0 && v !== 1)
      throw new RowError(`label ${parser.labelNames[j]} must be 0 or 1 (binary task), found ${v}`);
  }
}

/** Counts data rows (non-blank, non-header) of the given files. */
async function countRows(files: InputFile[], parser: RowParser, row: RowScratch): Promise<number> {
  let n = 0;
  for (const f of files) {
    let first = true;
    await forEachLine(
      f.path,
      (line, lineNo) => {
        if (line.length === 0) return;
        if (first) {
          first = false;
          try {
            if (!parser.parse(line, lineNo, row)) return;
          } catch (e) {
            if (!(e instanceof RowError)) throw e;
          }
        }
        n++;
      },
      { tarMember: f.tarMember },
    );
  }
  return n;
}

/** Accumulates encoded rows of one split and writes a shard file every `shardRows` rows. */
class ShardWriter {
  cat: Int32Array[];
  num: Float32Array[];
  labels: Float32Array[];
  groups: Int32Array[];
  /** Rows per group `[axis][group]` and positives of the first label per group. */
  readonly groupRows: number[][];
  readonly groupPositives: number[][];
  /** Rows currently allocated in the column buffers (grows by doubling up to shardRows). */
  private capacity: number;
  n = 0;
  total = 0;
  readonly positives: number[];
  readonly shards: { file: string; rows: number; crc32: number }[] = [];

  constructor(
    private readonly dir: string,
    private readonly split: SplitName,
    private readonly shardRows: number,
    nc: number,
    nn: number,
    nl: number,
    private readonly axes: readonly GroupAxis[] = [],
  ) {
    this.capacity = Math.min(shardRows, 1024);
    this.cat = Array.from({ length: nc }, () => new Int32Array(this.capacity));
    this.num = Array.from({ length: nn }, () => new Float32Array(this.capacity));
    this.labels = Array.from({ length: nl }, () => new Float32Array(this.capacity));
    this.groups = axes.map(() => new Int32Array(this.capacity));
    this.positives = new Array(nl).fill(0);
    this.groupRows = axes.map((a) => new Array<number>(a.numGroups).fill(0));
    this.groupPositives = axes.map((a) => new Array<number>(a.numGroups).fill(0));
  }

  /** Makes room for row `n`; call before writing it into the column arrays. */
  reserve(): void {
    if (this.n < this.capacity) return;
    const c = Math.min(this.shardRows, this.capacity * 2);
    const grow = <T extends Int32Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const g = make(c);
      g.set(a);
      return g;
    };
    this.cat = this.cat.map((a) => grow(a, (k) => new Int32Array(k)));
    this.num = this.num.map((a) => grow(a, (k) => new Float32Array(k)));
    this.labels = this.labels.map((a) => grow(a, (k) => new Float32Array(k)));
    this.groups = this.groups.map((a) => grow(a, (k) => new Int32Array(k)));
    this.capacity = c;
  }

  /** Call after writing row `n` into the column arrays. */
  commit(): void {
    for (let j = 0; j < this.labels.length; j++) this.positives[j] += this.labels[j][this.n];
    for (let j = 0; j < this.groups.length; j++) {
      const g = this.groups[j][this.n];
      this.groupRows[j][g]++;
      if (this.labels.length > 0) this.groupPositives[j][g] += this.labels[0][this.n];
    }
    this.n++;
    this.total++;
    if (this.n === this.shardRows) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    const rel = `${this.split}/${String(this.shards.length).padStart(5, "0")}.bin`;
    const abs = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const fd = fs.openSync(abs, "w");
    let crc = 0;
    try {
      for (const col of [...this.cat, ...this.num, ...this.labels, ...this.groups]) {
        const bytes = new Uint8Array(col.buffer, col.byteOffset, this.n * 4);
        crc = crc32(bytes, crc);
        fs.writeSync(fd, bytes);
      }
    } finally {
      fs.closeSync(fd);
    }
    this.shards.push({ file: rel, rows: this.n, crc32: crc });
    this.n = 0;
  }

  info(): SplitInfo {
    const info: SplitInfo = { numRows: this.total, positives: this.positives, shards: this.shards };
    if (this.axes.length > 0) {
      info.groupRows = this.groupRows;
      info.groupPositives = this.groupPositives;
    }
    return info;
  }
}

function buildSchema(id: string, parser: RowParser, vocab: Vocabulary): DatasetSchema {
  const features: FeatureSpec[] = [
    ...parser.numNames.map(
      (name): FeatureSpec => ({ kind: "numeric", name, transform: parser.numTransform }),
    ),
    ...vocab.fields.map(
      (fv): FeatureSpec => ({ kind: "categorical", name: fv.name, vocabSize: fv.vocabSize }),
    ),
  ];
  const groups = (parser.groupAxes ?? []).map(
    (g): GroupAxis =>
      g.names === undefined
        ? { name: g.name, numGroups: g.numGroups }
        : { name: g.name, numGroups: g.numGroups, names: [...g.names] },
  );
  return {
    name: id,
    features,
    labels: parser.labelNames.map((name) => ({ name, type: "binary" as const })),
    groups,
  };
}

function splitMeta(meta: ProcessedMeta, split: SplitName): DatasetMeta {
  return {
    source: `${meta.id}/${split}`,
    fingerprint: meta.fingerprint,
    notes: {
      split,
      format: meta.format,
      options: meta.options,
      inputs: meta.inputs.map((i) => i.name),
      skippedRows: meta.skipped.count,
    },
  };
}

/** Opens an existing processed folder; throws BAD_CACHE when it is incomplete or from another version. */
export function openProcessed(dir: string): ProcessedDataset {
  const metaFile = path.join(dir, "meta.json");
  let meta: ProcessedMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as ProcessedMeta;
  } catch (e) {
    throw new DataError("BAD_CACHE", `${metaFile}: unreadable processed meta (${(e as Error).message})`, {
      file: metaFile,
      cause: e,
    });
  }
  if (meta.version !== PIPELINE_VERSION || meta.endianness !== "LE")
    throw new DataError(
      "BAD_CACHE",
      `${metaFile}: processed with pipeline v${meta.version}/${meta.endianness}, need v${PIPELINE_VERSION}/LE`,
      { file: metaFile },
    );
  for (const split of SPLITS) {
    if ((meta.splits[split]?.shards ?? []).some((sh) => typeof sh.crc32 !== "number"))
      throw new DataError(
        "BAD_CACHE",
        `${metaFile}: written before shards carried CRC-32 checksums; rebuild`,
        { file: metaFile },
      );
  }
  const splits = Object.fromEntries(
    SPLITS.map((s) => [s, new ShardedDataset(dir, meta.splits[s], meta.schema, splitMeta(meta, s))]),
  ) as Record<SplitName, ShardedDataset>;
  return { dir, meta, splits, built: false };
}

/** Reads the vocabulary of a processed folder. */
export function readVocabulary(dir: string): Vocabulary {
  return JSON.parse(fs.readFileSync(path.join(dir, "vocab.json"), "utf8")) as Vocabulary;
}

/**
 * Preprocesses `input` into a processed folder (or reuses the one with the same fingerprint)
 * and opens it.
 */
export async function prepare(
  input: PrepareInput,
  opts: PreprocessOptions,
  cfg: PrepareConfig,
): Promise<ProcessedDataset> {
  if (os.endianness() !== "LE")
    throw new DataError("BAD_OPTION", "processed shards are little-endian; this host is big-endian");
  if (!(Number.isInteger(opts.minCount) && opts.minCount >= 1))
    throw new DataError("BAD_OPTION", `minCount must be an integer >= 1, got ${opts.minCount}`);
  if (!(Number.isInteger(cfg.shardRows) && cfg.shardRows >= 1))
    throw new DataError("BAD_OPTION", `shardRows must be an integer >= 1, got ${cfg.shardRows}`);
  const fingerprint = fingerprintOf(input, opts);
  const parent = path.join(cfg.cacheDir, "processed", input.id);
  const dir = path.join(parent, `${fingerprint.slice(0, 16)}-r${cfg.shardRows}`);
  if (fs.existsSync(path.join(dir, "meta.json"))) {
    try {
      const p = openProcessed(dir);
      if (p.meta.fingerprint === fingerprint) return p;
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${dir}.tmp-${tempSuffix()}`;
  fs.mkdirSync(tmp);
  try {
    const meta = await build(input, opts, cfg, fingerprint, tmp);
    fs.writeFileSync(path.join(tmp, "meta.json"), JSON.stringify(meta));
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!fs.existsSync(path.join(dir, "meta.json"))) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { ...openProcessed(dir), built: true };
}

async function build(
  input: PrepareInput,
  opts: PreprocessOptions,
  cfg: PrepareConfig,
  fingerprint: string,
  out: string,
): Promise<ProcessedMeta> {
  const side = input.side ?? [];
  const inArchive = side.find((f) => f.tarMember !== undefined);
  if (inArchive !== undefined)
    throw new DataError(
      "BAD_OPTION",
      `${input.id}: side table "${inArchive.name}" is a tar member (${inArchive.path}!${inArchive.tarMember}); side tables must be plain or gzip files`,
    );
  const parser = await input.format.create({
    numericTransform: opts.numericTransform,
    domainBy: opts.domainBy,
    side: side.length > 0 ? Object.fromEntries(side.map((f) => [f.name, f.path])) : undefined,
  });
  await rehashInputs(
    [...input.splits.train, ...input.splits.valid, ...input.splits.test, ...side],
    cfg.cacheDir,
  );
  const nc = parser.catNames.length;
  const nn = parser.numNames.length;
  const nl = parser.labelNames.length;
  const axes = parser.groupAxes ?? [];
  const ng = axes.length;
  const row: RowScratch = newRowScratch(nc, nn, nl, ng);
  const st: RowLoopState = { parser, row, opts, skippedExamples: [] };
  const resplit = opts.resplit;
  const all = resplit ? [...input.splits.train, ...input.splits.valid, ...input.splits.test] : [];
  const t0 = Date.now();

  let total = 0;
  if (resplit) {
    total = await countRows(all, parser, row);
    cfg.log?.(`${input.id}: ${total} rows to re-split ${resplit.ratios.join("/")} (seed ${resplit.seed})`);
  }

  // pass 1: token counts over the train split
  const counter = new TokenCounter(parser.catNames, opts.maxVocabKeys);
  const countRow = (): void => {
    for (let j = 0; j < nc; j++) counter.addRow(row, j);
  };
  if (resplit) {
    const assign = new SplitAssigner(total, resplit);
    for (const f of all) await scanFile(f, st, () => assign.next() === 0, countRow, null);
  } else {
    for (const f of input.splits.train) await scanFile(f, st, () => true, countRow, null);
  }
  const vocab = buildVocabulary(counter, opts.minCount);
  fs.writeFileSync(path.join(out, "vocab.json"), JSON.stringify(vocab));
  const tables = vocabularyTables(vocab);
  cfg.log?.(
    `${input.id}: vocabularies built (${vocab.fields.reduce((a, f) => a + f.vocabSize, 0)} ids) in ${Date.now() - t0} ms`,
  );

  // pass 2: encode
  const writers = SPLITS.map((s) => new ShardWriter(out, s, cfg.shardRows, nc, nn, nl, axes));
  const nsum = new Float64Array(nn);
  const nsq = new Float64Array(nn);
  const nmin = new Float64Array(nn).fill(Infinity);
  const nmax = new Float64Array(nn).fill(-Infinity);
  const inputs: InputStats[] = [];
  let current = 0;
  const encode = (): void => {
    const w = writers[current];
    w.reserve();
    const r = w.n;
    const keys = row.keys;
    for (let j = 0; j < nc; j++) {
      const key = keys[j];
      if (key === MISSING_KEY) w.cat[j][r] = MISSING_ID;
      else {
        const id = tables[j].get(key);
        w.cat[j][r] = id < 0 ? OOV_ID : id;
      }
    }
    for (let j = 0; j < nn; j++) {
      const v = row.num[j];
      w.num[j][r] = v;
      if (current === 0) {
        nsum[j] += v;
        nsq[j] += v * v;
        if (v < nmin[j]) nmin[j] = v;
        if (v > nmax[j]) nmax[j] = v;
      }
    }
    for (let j = 0; j < nl; j++) w.labels[j][r] = row.labels[j];
    for (let j = 0; j < ng; j++) {
      const g = row.groups[j];
      if (!(Number.isInteger(g) && g >= 0 && g < axes[j].numGroups))
        throw new DataError(
          "BAD_ROW",
          `${input.format.id}: parser wrote ${axes[j].name} id ${g} outside [0, ${axes[j].numGroups})`,
        );
      w.groups[j][r] = g;
    }
    w.commit();
  };
  const assign = resplit ? new SplitAssigner(total, resplit) : null;
  const order: [InputFile, number][] = resplit
    ? all.map((f) => [f, -1])
    : SPLITS.flatMap((s, k) => input.splits[s].map((f): [InputFile, number] => [f, k]));
  for (const [f, k] of order) {
    const stats: InputStats = { name: f.name, sha256: f.sha256, lines: 0, rows: 0, skipped: 0, filtered: 0 };
    const pick = assign
      ? () => {
          current = assign.next();
          return true;
        }
      : () => {
          current = k;
          return true;
        };
    await scanFile(f, st, pick, encode, stats);
    if (stats.rows + stats.skipped + stats.filtered === 0) {
      const label = fileLabel(f);
      throw new DataError(
        "EMPTY",
        `${label}: no data rows (the file is empty or holds only a header); a data set file must hold at least one row`,
        { file: label },
      );
    }
    inputs.push(stats);
  }
  for (const w of writers) w.flush();
  const trainRows = writers[0].total;
  if (trainRows === 0)
    throw new DataError(
      "EMPTY",
      `${input.id}: the train split has 0 rows after reading ${order.map(([f]) => fileLabel(f)).join(", ")} (all rows skipped or filtered?)`,
    );
  cfg.log?.(`${input.id}: encoded ${writers.map((w) => w.total).join("/")} rows in ${Date.now() - t0} ms`);

  const schema = buildSchema(input.id, parser, vocab);
  return {
    version: PIPELINE_VERSION,
    id: input.id,
    fingerprint,
    format: input.format.id,
    endianness: "LE",
    options: opts,
    schema,
    splits: { train: writers[0].info(), valid: writers[1].info(), test: writers[2].info() },
    inputs,
    skipped: { count: inputs.reduce((a, s) => a + s.skipped, 0), examples: st.skippedExamples },
    formatNotes: parser.notes,
    numericStats: parser.numNames.map((name, j) => {
      const mean = trainRows > 0 ? nsum[j] / trainRows : 0;
      return {
        name,
        mean,
        std: trainRows > 0 ? Math.sqrt(Math.max(0, nsq[j] / trainRows - mean * mean)) : 0,
        min: trainRows > 0 ? nmin[j] : 0,
        max: trainRows > 0 ? nmax[j] : 0,
      };
    }),
    vocabFile: "vocab.json",
  };
}
