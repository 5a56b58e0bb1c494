/**
 * RecRepro data layer: the public API.
 *
 *   const d = await rr.data.loadDataset("criteo-8k");      // {schema, train, valid, test, meta}
 *   for (const b of rr.data.batches(d.train, {batchSize: 256, shuffle: true, rng})) ...
 *
 * `loadDataset` resolves the registry entry, fetches and verifies its files (mirror, cache,
 * download), preprocesses them into (or reuses) a processed cache folder and loads the splits
 * into memory; `openDataset` does the same but returns shard-backed splits for sets that do not
 * fit in memory. `loadFiles` / `openFiles` run the same pipeline on local files of a known format.
 */
import * as fs from "fs";
import * as path from "path";
import { DataError } from "./errors";
import { FetchOptions, ResolvedFile, hashFileCached, resolveFiles } from "./fetch";
import type { NumericTransform, RowFormat } from "./loaders/types";
import { defaultCacheDir } from "./paths";
import { InputFile, PreprocessOptions, ProcessedDataset, SPLITS, SplitName, prepare } from "./pipeline";
import { DATASETS, DatasetEntry, LoaderDefaults, ResplitOptions, getDataset, validateDatasetId } from "./registry";
import type { DatasetSchema, TabularDataset } from "./schema";
import type { ShardedDataset } from "./sharded";

export * from "./schema";
export * from "./errors";
export * from "./registry";
export * from "./fetch";
export * from "./lines";
export * from "./vocab";
export * from "./sharded";
export * from "./batches";
export * from "./synthetic";
export { projectRoot, defaultCacheDir, defaultMirror, downloadsAllowed } from "./paths";
export { sha256File, stableStringify } from "./hash";
export { fingerprintOf, openProcessed, readVocabulary, PIPELINE_VERSION, SPLITS } from "./pipeline";
export type { PreprocessOptions, ProcessedMeta, ProcessedDataset, SplitName, InputFile } from "./pipeline";
export type { NumericTransform, RowFormat, RowParser, RowScratch, FormatOptions } from "./loaders/types";
export { newRowScratch, setToken, tokenText } from "./loaders/types";
export { KeyTable, MISSING_KEY, tokenKey } from "./keys";
export { CRITEO_FORMAT, CRITEO_NUMERIC, CRITEO_CATEGORICAL, criteoLogBucket } from "./loaders/criteo";
export { AVAZU_FORMAT, AVAZU_COLUMNS, AVAZU_CATEGORICAL } from "./loaders/avazu";
export { FRAPPE_FORMAT, FRAPPE_FIELDS, libfmFormat } from "./loaders/frappe";

/** Options of {@link loadDataset} / {@link openDataset}: where files come from and how they are preprocessed. */
export interface LoadOptions extends FetchOptions {
  /** A token keeps its own id when it occurs >= minCount times in TRAIN; else OOV id 0. Default: the entry's (criteo-8k/avazu-9k 2, frappe-nfm 1, criteo-kaggle 10, avazu-kaggle 2), else 1. */
  minCount?: number;
  /** Criteo I1..I13: "log1p" float (default), "log" winners' bucket as categorical, or "none" raw float. */
  numericTransform?: NumericTransform;
  /** Re-split all rows {ratios, seed}; false keeps the files' own splits. Default: the entry's defaultResplit, else false. */
  resplit?: ResplitOptions | false;
  /** Malformed rows: "error" (default) stops with file and line; "skip" leaves them out and counts them in meta. */
  onBadRow?: "error" | "skip";
  /** Budget of distinct tokens held while counting vocabularies, over all fields. Default 4,000,000 (~300 MB). */
  maxVocabKeys?: number;
  /** Rows per processed shard file. Default 100,000 (~16 MB for Criteo). */
  shardRows?: number;
}

/** Provenance and preprocessing record of a load (goes into run records). */
export interface LoadMeta {
  id: string;
  title: string;
  /** sha256 over the input files' hashes + preprocessing options (stable JSON). */
  fingerprint: string;
  options: PreprocessOptions;
  files: { name: string; path: string; sha256: string; bytes: number; source: ResolvedFile["source"] | "local"; pinned: boolean }[];
  rows: Record<SplitName, number>;
  positives: Record<SplitName, number>;
  skippedRows: number;
  skippedExamples: string[];
  /** Processed cache folder the splits were read from. */
  processedDir: string;
  /** False when an existing processed folder was reused. */
  built: boolean;
  complete: boolean;
  licence: string;
  notes: string;
}

/** The splits of a loaded data set; T is TabularDataset (in memory) or ShardedDataset (on disk). */
export interface LoadedDataset<T> {
  schema: DatasetSchema;
  train: T;
  valid: T;
  test: T;
  meta: LoadMeta;
}

const DEFAULT_MAX_VOCAB_KEYS = 4_000_000;
const DEFAULT_SHARD_ROWS = 100_000;

function resolveOptions(opts: LoadOptions, defaults: LoaderDefaults | undefined, defaultResplit: ResplitOptions | undefined): PreprocessOptions {
  const onBadRow = opts.onBadRow ?? "error";
  if (onBadRow !== "error" && onBadRow !== "skip") throw new DataError("BAD_OPTION", `onBadRow must be "error" or "skip", got ${JSON.stringify(onBadRow)}`);
  const numericTransform = opts.numericTransform ?? defaults?.numericTransform ?? "log1p";
  if (!["log1p", "log", "none"].includes(numericTransform)) throw new DataError("BAD_OPTION", `numericTransform must be "log1p", "log" or "none", got ${JSON.stringify(numericTransform)}`);
  const resplit = opts.resplit === false ? null : opts.resplit ?? defaultResplit ?? null;
  return {
    minCount: opts.minCount ?? defaults?.minCount ?? 1,
    numericTransform,
    resplit: resplit === null ? null : { ratios: [...resplit.ratios], seed: resplit.seed },
    onBadRow,
    maxVocabKeys: opts.maxVocabKeys ?? DEFAULT_MAX_VOCAB_KEYS,
  };
}

function toLoaded(p: ProcessedDataset, files: LoadMeta["files"], info: { title: string; complete: boolean; licence: string; notes: string }): LoadedDataset<ShardedDataset> {
  const m = p.meta;
  const rows = Object.fromEntries(SPLITS.map((s) => [s, m.splits[s].numRows])) as Record<SplitName, number>;
  const positives = Object.fromEntries(SPLITS.map((s) => [s, m.splits[s].positives[0] ?? 0])) as Record<SplitName, number>;
  return {
    schema: m.schema,
    train: p.splits.train,
    valid: p.splits.valid,
    test: p.splits.test,
    meta: {
      id: m.id,
      title: info.title,
      fingerprint: m.fingerprint,
      options: m.options,
      files,
      rows,
      positives,
      skippedRows: m.skipped.count,
      skippedExamples: m.skipped.examples,
      processedDir: p.dir,
      built: p.built,
      complete: info.complete,
      licence: info.licence,
      notes: info.notes,
    },
  };
}

function loaderOf(entry: DatasetEntry) {
  if (entry.loader === null) {
    throw new DataError("NO_LOADER", `dataset ${entry.id} has registered files but no loader yet (loaders exist for: ${DATASETS.filter((d) => d.loader !== null).map((d) => d.id).join(", ")})`);
  }
  return entry.loader;
}

/** Fetches, verifies and preprocesses a registered data set; splits stay on disk as shards. */
export async function openDataset(id: string, opts: LoadOptions = {}): Promise<LoadedDataset<ShardedDataset>> {
  const entry = getDataset(id);
  const loader = loaderOf(entry);
  const options = resolveOptions(opts, loader.defaults, loader.defaultResplit);
  const names = [...new Set(SPLITS.flatMap((s) => loader.splits[s]))];
  const resolved = await resolveFiles(entry, opts, names);
  const byName = new Map(resolved.map((r) => [r.name, r]));
  const input = (s: SplitName): InputFile[] =>
    loader.splits[s].map((n) => {
      const r = byName.get(n) as ResolvedFile;
      return { name: n, path: r.path, sha256: r.sha256, tarMember: r.tarMember };
    });
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const p = await prepare(
    { id: entry.id, format: loader.format, splits: { train: input("train"), valid: input("valid"), test: input("test") } },
    options,
    { cacheDir, shardRows: opts.shardRows ?? DEFAULT_SHARD_ROWS, log: opts.log },
  );
  const files = resolved.map((r) => ({ name: r.name, path: r.path, sha256: r.sha256, bytes: r.bytes, source: r.source, pinned: r.pinned }));
  return toLoaded(p, files, entry);
}

function inMemory(d: LoadedDataset<ShardedDataset>): LoadedDataset<TabularDataset> {
  return { schema: d.schema, train: d.train.toTabular(), valid: d.valid.toTabular(), test: d.test.toTabular(), meta: d.meta };
}

/** Fetches, verifies, preprocesses and loads a registered data set into memory. */
export async function loadDataset(id: string, opts: LoadOptions = {}): Promise<LoadedDataset<TabularDataset>> {
  return inMemory(await openDataset(id, opts));
}

/** Local files of a known format, run through the same pipeline (no registry, no pinned checksums). */
export interface LocalFilesSpec {
  /** Id for the processed folder and schema name (same rules as registry ids). */
  id: string;
  format: RowFormat;
  /** Paths per split (resolved against the current directory). */
  train: string[];
  valid?: string[];
  test?: string[];
}

/** Like {@link openDataset} for local files (hashed for the fingerprint, not verified against a pin). */
export async function openFiles(spec: LocalFilesSpec, opts: LoadOptions = {}): Promise<LoadedDataset<ShardedDataset>> {
  validateDatasetId(spec.id);
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const options = resolveOptions(opts, undefined, undefined);
  const files: LoadMeta["files"] = [];
  const input = async (s: SplitName, paths: string[] | undefined): Promise<InputFile[]> => {
    const out: InputFile[] = [];
    for (const [i, p] of (paths ?? []).entries()) {
      const abs = path.resolve(p);
      let sha: string;
      try {
        sha = await hashFileCached(abs, cacheDir);
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") throw new DataError("MISSING_FILE", `${spec.id}: ${s} file not found: ${abs}`, { file: abs, cause: e });
        throw e;
      }
      const name = `${s}${i}:${path.basename(abs)}`;
      out.push({ name, path: abs, sha256: sha });
      files.push({ name, path: abs, sha256: sha, bytes: fs.statSync(abs).size, source: "local", pinned: false });
    }
    return out;
  };
  const splits = { train: await input("train", spec.train), valid: await input("valid", spec.valid), test: await input("test", spec.test) };
  const p = await prepare({ id: spec.id, format: spec.format, splits }, options, { cacheDir, shardRows: opts.shardRows ?? DEFAULT_SHARD_ROWS, log: opts.log });
  return toLoaded(p, files, { title: spec.id, complete: false, licence: "local files", notes: `local ${spec.format.id} files` });
}

/** Like {@link loadDataset} for local files. */
export async function loadFiles(spec: LocalFilesSpec, opts: LoadOptions = {}): Promise<LoadedDataset<TabularDataset>> {
  return inMemory(await openFiles(spec, opts));
}

/** One line per registered data set. */
export interface DatasetSummary {
  id: string;
  title: string;
  complete: boolean;
  hasLoader: boolean;
  /** True when every file's sha256 is pinned in the registry. */
  pinned: boolean;
  files: number;
  licence: string;
}

/** The registry as summaries, in registry order. */
export function listDatasets(): DatasetSummary[] {
  return DATASETS.map((d) => ({
    id: d.id,
    title: d.title,
    complete: d.complete,
    hasLoader: d.loader !== null,
    pinned: d.files.every((f) => f.sha256 !== null),
    files: d.files.length,
    licence: d.licence,
  }));
}
