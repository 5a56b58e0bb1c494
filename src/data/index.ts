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
import { DerivedRecord, deriveInputs } from "./loaders/derived";
import type { NumericTransform, RowFormat } from "./loaders/types";
import { defaultCacheDir } from "./paths";
import { InputFile, PreprocessOptions, ProcessedDataset, SPLITS, SplitName, prepare } from "./pipeline";
import { standInsAllowed } from "./stand-in";
import {
  DATASETS,
  DatasetEntry,
  LoaderDefaults,
  ResplitOptions,
  getDataset,
  validateDatasetId,
} from "./registry";
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
export * from "./dataset";
export * from "./graph";
export * from "./feedback";
export * from "./synthetic";
export * from "./synthetic-multidomain";
export { projectRoot } from "../util/root";
export { defaultCacheDir, defaultMirror, downloadsAllowed } from "./paths";
export { sha256File, stableStringify } from "./hash";
export { crc32, readZipMember, zipEntries } from "./zip";
export type { ZipEntry } from "./zip";
export { fingerprintOf, openProcessed, readVocabulary, PIPELINE_VERSION, SPLITS } from "./pipeline";
export type { PreprocessOptions, ProcessedMeta, ProcessedDataset, SplitName, InputFile } from "./pipeline";
export type { NumericTransform, RowFormat, RowParser, RowScratch, FormatOptions } from "./loaders/types";
export { newRowScratch, setToken, tokenText } from "./loaders/types";
export { KeyTable, MISSING_KEY, tokenKey } from "./keys";
export { CRITEO_FORMAT, CRITEO_NUMERIC, CRITEO_CATEGORICAL, criteoLogBucket } from "./loaders/criteo";
export { AVAZU_FORMAT, AVAZU_COLUMNS, AVAZU_CATEGORICAL } from "./loaders/avazu";
export { FRAPPE_FORMAT, FRAPPE_FIELDS, libfmFormat } from "./loaders/frappe";
export {
  MOVIELENS_1M_FORMAT,
  MOVIELENS_100K_FORMAT,
  MOVIELENS_DOMAINS,
  MOVIELENS_CATEGORICAL,
  ML1M_AGE_CODES,
  ML1M_OCCUPATIONS,
  ML100K_OCCUPATIONS,
  ML100K_GENRES,
  OCCUPATION_GROUP,
  ml1mAgeCode,
} from "./loaders/movielens";
export {
  ALI_CCP_FORMAT,
  ALI_CCP_DENSE,
  ALI_CCP_SPARSE,
  DOUBAN_DOMAINS,
  DOUBAN_FORMAT,
  KUAIRAND_1K_FORMAT,
  KUAIRAND_JOINED_FORMAT,
  KUAIRAND_TABS,
  KUAIRAND_USER_FEATURES,
  KUAIRAND_VIDEO_FEATURES,
  splitCsvLine,
} from "./loaders/scenario";
export {
  CENSUS_FORMAT,
  CENSUS_COLUMNS,
  CENSUS_NUMERIC,
  CENSUS_CATEGORICAL,
  CENSUS_EXCLUDED,
  CENSUS_LABELS,
  parseCensusLine,
  readCensusRows,
  censusDerive,
} from "./loaders/census";
export type { CensusRow } from "./loaders/census";
export {
  TAOBAO_FORMAT,
  TAOBAO_BEHAVIORS,
  TAOBAO_LABELS,
  TAOBAO_CATEGORICAL,
  TAOBAO_SPLITS,
  parseTaobaoLine,
  taobaoHour,
  activityBucket,
  historyBucket,
  taobaoDerive,
} from "./loaders/taobao";
export type { TaobaoRow, TaobaoDeriveOptions } from "./loaders/taobao";
export { typedTsvFormat, typedTsvHeader, runDerive, deriveInputs } from "./loaders/derived";
export type {
  DeriveSpec,
  DeriveContext,
  DeriveSource,
  DerivedRecord,
  DerivedFile,
  TypedTsvColumns,
} from "./loaders/derived";

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
  /**
   * Definition of the group axis "domain" for data sets that offer a choice (MovieLens: "age"
   * (default), "gender", "occupation"; see src/data/loaders/movielens.ts). Rejected for others.
   */
  domainBy?: string;
  /**
   * Overrides of a derived data set's derivation options (census-income-kdd: split, ratios, scaling,
   * seed; taobao-userbehavior: negatives, split, ratios, negPerClick, sameCategoryShare, seed, maxUsers). Unknown keys are
   * refused; see src/data/loaders/census.ts and taobao.ts.
   */
  derive?: Record<string, unknown>;
}

/** Sizes of one group axis per split (rows and positives of the first label per group). */
export interface GroupSizes {
  axis: string;
  names: string[];
  rows: Record<SplitName, number[]>;
  positives: Record<SplitName, number[]>;
}

/** Provenance and preprocessing record of a load (goes into run records). */
export interface LoadMeta {
  id: string;
  title: string;
  /** sha256 over the input files' hashes + preprocessing options (stable JSON). */
  fingerprint: string;
  options: PreprocessOptions;
  files: {
    name: string;
    path: string;
    sha256: string;
    bytes: number;
    source: ResolvedFile["source"] | "local";
    pinned: boolean;
  }[];
  rows: Record<SplitName, number>;
  positives: Record<SplitName, number>;
  skippedRows: number;
  skippedExamples: string[];
  /** Rows the format leaves out by definition (e.g. KuaiRand tabs not kept), over all input files. */
  filteredRows: number;
  /** Rows and positives per group of every group axis (empty when the schema has none). */
  groups: GroupSizes[];
  /** Format-specific facts (domain definition, kept tabs, joins), when the format records any. */
  formatNotes?: Record<string, unknown>;
  /** The derivation that produced the pipeline's input files (options, summary, folder), for derived data sets. */
  derived?: DerivedRecord;
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

function resolveOptions(
  opts: LoadOptions,
  defaults: LoaderDefaults | undefined,
  defaultResplit: ResplitOptions | undefined,
  format: RowFormat,
  what: string,
): PreprocessOptions {
  const onBadRow = opts.onBadRow ?? "error";
  if (onBadRow !== "error" && onBadRow !== "skip")
    throw new DataError("BAD_OPTION", `onBadRow must be "error" or "skip", got ${JSON.stringify(onBadRow)}`);
  const numericTransform = opts.numericTransform ?? defaults?.numericTransform ?? "log1p";
  if (!["log1p", "log", "none"].includes(numericTransform))
    throw new DataError(
      "BAD_OPTION",
      `numericTransform must be "log1p", "log" or "none", got ${JSON.stringify(numericTransform)}`,
    );
  const resplit = opts.resplit === false ? null : (opts.resplit ?? defaultResplit ?? null);
  const out: PreprocessOptions = {
    minCount: opts.minCount ?? defaults?.minCount ?? 1,
    numericTransform,
    resplit: resplit === null ? null : { ratios: [...resplit.ratios], seed: resplit.seed },
    onBadRow,
    maxVocabKeys: opts.maxVocabKeys ?? DEFAULT_MAX_VOCAB_KEYS,
  };
  const db = format.domainBy;
  if (db === undefined) {
    if (opts.domainBy !== undefined)
      throw new DataError(
        "BAD_OPTION",
        `${what}: option domainBy is not supported (format ${format.id} has a fixed domain definition or none)`,
      );
  } else {
    const v = opts.domainBy ?? db.default;
    if (!db.choices.includes(v))
      throw new DataError(
        "BAD_OPTION",
        `${what}: domainBy must be one of ${db.choices.map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(v)}`,
      );
    out.domainBy = v;
  }
  return out;
}

function toLoaded(
  p: ProcessedDataset,
  files: LoadMeta["files"],
  info: { title: string; complete: boolean; licence: string; notes: string },
): LoadedDataset<ShardedDataset> {
  const m = p.meta;
  const rows = Object.fromEntries(SPLITS.map((s) => [s, m.splits[s].numRows])) as Record<SplitName, number>;
  const positives = Object.fromEntries(SPLITS.map((s) => [s, m.splits[s].positives[0] ?? 0])) as Record<
    SplitName,
    number
  >;
  const perSplit = (a: number, key: "groupRows" | "groupPositives", n: number) =>
    Object.fromEntries(
      SPLITS.map((s) => [s, m.splits[s][key]?.[a] ?? new Array<number>(n).fill(0)]),
    ) as Record<SplitName, number[]>;
  const groups: GroupSizes[] = m.schema.groups.map((g, a) => ({
    axis: g.name,
    names: g.names ?? Array.from({ length: g.numGroups }, (_, i) => String(i)),
    rows: perSplit(a, "groupRows", g.numGroups),
    positives: perSplit(a, "groupPositives", g.numGroups),
  }));
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
      filteredRows: m.inputs.reduce((a, i) => a + (i.filtered ?? 0), 0),
      skippedExamples: m.skipped.examples,
      groups,
      formatNotes: m.formatNotes,
      processedDir: p.dir,
      built: p.built,
      complete: info.complete,
      licence: info.licence,
      notes: info.notes,
    },
  };
}

function loaderOf(entry: DatasetEntry) {
  if (entry.loader === null && entry.feedback !== undefined)
    throw new DataError(
      "NO_LOADER",
      `dataset ${entry.id} is a click / unclick event log, not a tabular set: read it with data.${entry.feedback.reader}("${entry.id}") (src/data/feedback.ts) and turn it into samples with data.feedbackSamples`,
    );
  if (entry.loader === null) {
    throw new DataError(
      "NO_LOADER",
      `dataset ${entry.id} has registered files but no loader yet (loaders exist for: ${DATASETS.filter(
        (d) => d.loader !== null,
      )
        .map((d) => d.id)
        .join(", ")})`,
    );
  }
  return entry.loader;
}

export { standInsAllowed } from "./stand-in";

/** Fetches, verifies and preprocesses a registered data set; splits stay on disk as shards. */
export async function openDataset(
  id: string,
  opts: LoadOptions = {},
): Promise<LoadedDataset<ShardedDataset>> {
  const entry = getDataset(id);
  if (entry.standIn && standInsAllowed()) {
    try {
      return await openRegistered(entry, opts);
    } catch (e) {
      if (!(e instanceof DataError && e.code === "MISSING_FILE")) throw e;
      console.warn(
        `[recrepro] RECREPRO_STAND_IN=1: ${entry.id} is not here (${e.message.split(";")[0]}); using its stand-in ${entry.standIn}`,
      );
      const d = await openDataset(entry.standIn, opts);
      d.meta.id = `${d.meta.id} (STAND-IN for ${entry.id})`;
      d.meta.fingerprint = `${d.meta.fingerprint}:stand-in-for:${entry.id}`;
      d.meta.notes = `STAND-IN: the sample ${entry.standIn} replaces ${entry.id} (RECREPRO_STAND_IN=1); results are not the paper profile's. ${d.meta.notes}`;
      return d;
    }
  }
  return openRegistered(entry, opts);
}

async function openRegistered(
  entry: DatasetEntry,
  opts: LoadOptions,
): Promise<LoadedDataset<ShardedDataset>> {
  const loader = loaderOf(entry);
  const options = resolveOptions(
    opts,
    loader.defaults,
    loader.defaultResplit,
    loader.format,
    `dataset ${entry.id}`,
  );
  const derive = loader.derive;
  const names = [
    ...new Set([
      ...SPLITS.flatMap((s) => loader.splits[s]),
      ...(loader.side ?? []),
      ...(derive?.sources ?? []),
    ]),
  ].filter((n) => !(derive?.outputs ?? []).includes(n));
  const resolved = await resolveFiles(entry, opts, names);
  const derived =
    derive === undefined
      ? undefined
      : await deriveInputs(
          entry.id,
          derive,
          resolved,
          opts,
          path.resolve(opts.cacheDir ?? defaultCacheDir()),
        );
  const byName = new Map([...resolved, ...(derived?.files ?? [])].map((r) => [r.name, r]));
  const inputFile = (n: string): InputFile => {
    const r = byName.get(n) as ResolvedFile;
    return { name: n, path: r.path, sha256: r.sha256, tarMember: r.tarMember };
  };
  const input = (s: SplitName): InputFile[] => loader.splits[s].map(inputFile);
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const p = await prepare(
    {
      id: entry.id,
      format: loader.format,
      splits: { train: input("train"), valid: input("valid"), test: input("test") },
      side: (loader.side ?? []).map(inputFile),
    },
    options,
    { cacheDir, shardRows: opts.shardRows ?? DEFAULT_SHARD_ROWS, log: opts.log },
  );
  const files = resolved.map((r) => ({
    name: r.name,
    path: r.path,
    sha256: r.sha256,
    bytes: r.bytes,
    source: r.source,
    pinned: r.pinned,
  }));
  const loaded = toLoaded(p, files, entry);
  if (derived !== undefined) loaded.meta.derived = derived.record;
  return loaded;
}

function inMemory(d: LoadedDataset<ShardedDataset>): LoadedDataset<TabularDataset> {
  return {
    schema: d.schema,
    train: d.train.toTabular(),
    valid: d.valid.toTabular(),
    test: d.test.toTabular(),
    meta: d.meta,
  };
}

/** Fetches, verifies, preprocesses and loads a registered data set into memory. */
export async function loadDataset(
  id: string,
  opts: LoadOptions = {},
): Promise<LoadedDataset<TabularDataset>> {
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
  /** Side tables of a joining format (e.g. MovieLens `{ users, movies }`), name -> path. */
  side?: Record<string, string>;
}

/** Like {@link openDataset} for local files (hashed for the fingerprint, not verified against a pin). */
export async function openFiles(
  spec: LocalFilesSpec,
  opts: LoadOptions = {},
): Promise<LoadedDataset<ShardedDataset>> {
  validateDatasetId(spec.id);
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const options = resolveOptions(opts, undefined, undefined, spec.format, `local files ${spec.id}`);
  const files: LoadMeta["files"] = [];
  const input = async (s: SplitName, paths: string[] | undefined): Promise<InputFile[]> => {
    const out: InputFile[] = [];
    for (const [i, p] of (paths ?? []).entries()) {
      const abs = path.resolve(p);
      let sha: string;
      try {
        sha = await hashFileCached(abs, cacheDir);
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT")
          throw new DataError("MISSING_FILE", `${spec.id}: ${s} file not found: ${abs}`, {
            file: abs,
            cause: e,
          });
        throw e;
      }
      const name = `${s}${i}:${path.basename(abs)}`;
      out.push({ name, path: abs, sha256: sha });
      files.push({
        name,
        path: abs,
        sha256: sha,
        bytes: fs.statSync(abs).size,
        source: "local",
        pinned: false,
      });
    }
    return out;
  };
  const splits = {
    train: await input("train", spec.train),
    valid: await input("valid", spec.valid),
    test: await input("test", spec.test),
  };
  const side: InputFile[] = [];
  for (const [name, p] of Object.entries(spec.side ?? {})) {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs))
      throw new DataError("MISSING_FILE", `${spec.id}: side file "${name}" not found: ${abs}`, { file: abs });
    const sha = await hashFileCached(abs, cacheDir);
    side.push({ name, path: abs, sha256: sha });
    files.push({
      name,
      path: abs,
      sha256: sha,
      bytes: fs.statSync(abs).size,
      source: "local",
      pinned: false,
    });
  }
  const p = await prepare({ id: spec.id, format: spec.format, splits, side }, options, {
    cacheDir,
    shardRows: opts.shardRows ?? DEFAULT_SHARD_ROWS,
    log: opts.log,
  });
  return toLoaded(p, files, {
    title: spec.id,
    complete: false,
    licence: "local files",
    notes: `local ${spec.format.id} files`,
  });
}

/** Like {@link loadDataset} for local files. */
export async function loadFiles(
  spec: LocalFilesSpec,
  opts: LoadOptions = {},
): Promise<LoadedDataset<TabularDataset>> {
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
export { PROFILE_DATASETS, checkProfile, formatProfileCheck, type FileCheck } from "./check";
export { loadRatingLog, parseMovies, parseRatings } from "./loaders/movielens-ratings";
export type { MovieText, RatingLog } from "./loaders/movielens-ratings";
export * from "./text";
export * from "./stream";
