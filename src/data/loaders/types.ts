/**
 * The contract between a text format and the generic preprocessing pipeline.
 *
 * A `RowFormat` turns one line into raw categorical tokens, transformed numeric values and
 * labels, written into a reused {@link RowScratch} (no per-row objects). The pipeline owns
 * everything else: splits, vocabularies, shards, caching and error reporting.
 */
import { storeTokenKey } from "../keys";
import type { GroupAxis, NumericFeature } from "../schema";

/** How Criteo-style integer counts are turned into features. */
export type NumericTransform = "log1p" | "log" | "none";

/** Options a format may read when it builds its parser. */
export interface FormatOptions {
  /**
   * Criteo I1..I13: "log1p" (default) keeps them as float features `log1p(max(v, 0))`, missing = 0;
   * "log" is the Criteo winners' bucketing `v > 2 ? floor(ln(v)^2) : v`, each bucket a categorical
   * token (so I1..I13 become categorical features, missing its own token); "none" keeps the raw
   * value as a float, missing = 0.
   */
  numericTransform?: NumericTransform;
  /**
   * Definition of the group axis "domain", for formats that offer a choice (see
   * {@link RowFormat.domainBy}); the pipeline passes the resolved choice (default applied).
   */
  domainBy?: string;
  /**
   * Side tables of a join (users, movies, ...): local paths of verified files, by the file names
   * the loader spec lists in `side`. Formats that join read them in `create`.
   */
  side?: Readonly<Record<string, string>>;
}

/**
 * Reused per-row output buffers. Categorical field j is given as a range of a string
 * (`src[j]`, from `start[j]` to `end[j]`, usually the line itself) and its key (keys.ts); the
 * token text is only sliced out when it enters a vocabulary. An empty range means missing.
 */
export interface RowScratch {
  keys: Float64Array;
  src: string[];
  start: Int32Array;
  end: Int32Array;
  num: Float64Array;
  labels: Float32Array;
  /** Group ids of the row, one per group axis of the parser (each in [0, numGroups)). */
  groups: Int32Array;
}

/** A scratch row for `numCat` categorical, `numNum` numeric, `numLabels` label and `numGroups` group columns. */
export function newRowScratch(numCat: number, numNum: number, numLabels: number, numGroups = 0): RowScratch {
  return {
    keys: new Float64Array(numCat),
    src: new Array<string>(numCat).fill(""),
    start: new Int32Array(numCat),
    end: new Int32Array(numCat),
    num: new Float64Array(numNum),
    labels: new Float32Array(numLabels),
    groups: new Int32Array(numGroups),
  };
}

/** Sets categorical field j of `row` to the token `s.slice(a, b)` (no allocation). */
export function setToken(row: RowScratch, j: number, s: string, a: number, b: number): void {
  storeTokenKey(row.keys, j, s, a, b);
  row.src[j] = s;
  row.start[j] = a;
  row.end[j] = b;
}

/** The text of categorical field j of `row`. */
export function tokenText(row: RowScratch, j: number): string {
  return row.src[j].slice(row.start[j], row.end[j]);
}

export interface RowParser {
  /** Categorical feature names, in output order. */
  readonly catNames: readonly string[];
  /** Numeric feature names, in output order. */
  readonly numNames: readonly string[];
  /** Transform recorded in the schema for the numeric features. */
  readonly numTransform: NumericFeature["transform"];
  /** Binary label names. */
  readonly labelNames: readonly string[];
  /**
   * Group axes (domain, scenario...) the parser writes into `row.groups`, in order; they become
   * `schema.groups` and are stored with every row. Absent: no group axes.
   */
  readonly groupAxes?: readonly GroupAxis[];
  /** Format-specific facts recorded in the processed meta (domain definition, filters, joins). */
  readonly notes?: Record<string, unknown>;
  /**
   * Parses `line` into `row`. Returns false for a line that is not a data row: a header line,
   * or a row the format filters out by definition (e.g. KuaiRand tabs that are not kept; the
   * pipeline counts these as `filtered`). Throws `RowError` with the reason for a malformed row
   * (the caller adds file and line).
   */
  parse(line: string, lineNo: number, row: RowScratch): boolean;
}

export interface RowFormat {
  /** Stable format id; part of every fingerprint. */
  readonly id: string;
  /** One line for docs and error messages. */
  readonly description: string;
  /**
   * Formats whose "domain" group axis can be defined in several ways: the accepted values of
   * the load option `domainBy` and the default. Absent: `domainBy` is rejected for this format.
   */
  readonly domainBy?: { choices: readonly string[]; default: string };
  /** Builds a parser; async for formats that first read side tables (joins). */
  create(opts: FormatOptions): RowParser | Promise<RowParser>;
}
