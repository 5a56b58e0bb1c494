/**
 * Run records: the `run.json` every notebook run writes (GUIDE principle 2) and tests and readers
 * diff. Notebook section "run record".
 *
 * Writing is atomic: the JSON is built and validated in memory, written to a temporary file in the
 * same directory, flushed, then renamed over `run.json`; on any error the temporary file is
 * removed, so a reader never sees a partial record.
 *
 * Non-finite numbers: JSON has no NaN or Infinity, yet they are legitimate results (AUC of a
 * single-class group is NaN; a diverged seed has an infinite loss), and rejecting them would lose
 * a long run at its last step. So each one is written as `null`, listed in `nonFinite` with its
 * path and original value, and noted in `notes`. `readRunRecord` restores them, so a record
 * round-trips exactly. Typed arrays are written as plain arrays.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/fs";
import type { ConfigLayer } from "./config";
import type { EnvironmentInfo } from "./env";

/** Current version of the run.json layout. */
export const RUN_RECORD_SCHEMA_VERSION = 1;

/** The file name a run record is written under. */
export const RUN_RECORD_FILE = "run.json";

/** Where the rows of a run came from. */
export interface RunData {
  /** Dataset id from the registry, e.g. "movielens-1m-subset". */
  id: string;
  /** sha256 of inputs + preprocessing (DatasetMeta.fingerprint). */
  fingerprint: string;
  /** Rows per split, e.g. { train: 8000, valid: 1000, test: 1000 }. */
  rows: Record<string, number>;
  /** True when the rows came from a seeded generator; every result shown must say so. */
  synthetic: boolean;
}

/** A non-finite number written as null. */
export interface NonFiniteEntry {
  /** Dotted path with [i] for array elements, e.g. "perGroup.<25.auc" or "history.seed1.trainLoss[3]". */
  path: string;
  value: "NaN" | "Infinity" | "-Infinity";
}

/** Everything a run claims, written to run.json. */
export interface RunRecord {
  /** Layout version; RUN_RECORD_SCHEMA_VERSION when written by this kit. */
  schemaVersion: number;
  /** Paper id, e.g. "hamur". */
  paper: string;
  /** Model id from MODELS, e.g. "hamur-mlp" or "shared-bottom". */
  model: string;
  /** Unique within the paper's figures folder, e.g. "ml1m-mlp-hamur-smoke". */
  runId: string;
  /**
   * The grid cell this run is (train/grid.ts): data set name and cell label in measured keys
   * (`data.label.metric`), and the model's heads (a single head is left out of the keys).
   */
  cell?: { data: string; label: string; heads: string[] };
  /** "smoke" (minutes, small data) or "paper" (full data, the paper's settings). */
  profile: "smoke" | "paper";
  /** Seeds run, in order; per-seed metric arrays follow this order. */
  seeds: number[];
  /** The resolved config. */
  config: Record<string, unknown>;
  /** Dotted config key -> layer that set it. */
  configSources: Record<string, ConfigLayer>;
  data: RunData;
  environment: EnvironmentInfo;
  /** Headline metrics (the mean over seeds when there are several), per head, e.g. { "click.auc": 0.781, "click.logloss": 0.45 }. */
  metrics: Record<string, number>;
  /** Per-seed values of each metric, aligned with `seeds`; the input of claim comparisons. */
  seedMetrics?: Record<string, number[]>;
  /** Group name -> metric -> value, first head, e.g. { "<25": { auc: 0.77, logloss: 0.52, count: 1200 } }. */
  perGroup: Record<string, Record<string, number>>;
  /** Per-epoch arrays, per seed, e.g. { "seed1.trainLoss": [...], "seed1.validAuc": [...], "seed1.epochSec": [...] }. */
  history: Record<string, number[]>;
  wallTimeSec: number;
  /** ISO 8601 time the record was made. */
  createdAt: string;
  notes: string[];
  /** Non-finite numbers written as null (filled in by writeRunRecord). */
  nonFinite?: NonFiniteEntry[];
}

/** A run record that failed validation; `field` is the dotted path of the offending field. */
export class RunRecordError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "RunRecordError";
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Converts a record to JSON-safe data: typed arrays to arrays, non-finite numbers to null (listed
 * in the returned entries). Throws a RunRecordError naming the field for values JSON cannot hold
 * (functions, bigint, symbols, cycles).
 */
export function toJsonSafe(value: unknown): { json: Json; nonFinite: NonFiniteEntry[] } {
  const nonFinite: NonFiniteEntry[] = [];
  const stack = new Set<object>();
  const walk = (v: unknown, at: string): Json => {
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") {
      if (Number.isFinite(v)) return v;
      nonFinite.push({ path: at, value: Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity" });
      return null;
    }
    if (typeof v === "object") {
      if (stack.has(v)) throw new RunRecordError(`run record: field "${at}" refers back to itself`, at);
      stack.add(v);
      let out: Json;
      if (Array.isArray(v) || ArrayBuffer.isView(v)) {
        out = Array.from(v as ArrayLike<unknown>, (x, i) => walk(x, `${at}[${i}]`));
      } else if (v instanceof Date) {
        out = v.toISOString();
      } else {
        const o: { [k: string]: Json } = {};
        for (const [k, x] of Object.entries(v)) {
          if (x === undefined) continue;
          o[k] = walk(x, at ? `${at}.${k}` : k);
        }
        out = o;
      }
      stack.delete(v);
      return out;
    }
    throw new RunRecordError(`run record: field "${at}" is a ${typeof v}, which JSON cannot hold`, at);
  };
  return { json: walk(value, ""), nonFinite };
}

/**
 * Validates and writes `<dir>/run.json` atomically; creates `dir`. Returns the file path.
 * Non-finite numbers become null with an entry in `nonFinite` and a line in `notes`.
 */
export function writeRunRecord(dir: string, record: RunRecord, fileName = RUN_RECORD_FILE): string {
  validateRunRecord(record, "run record");
  const { json, nonFinite } = toJsonSafe({ ...record, nonFinite: undefined, notes: [...record.notes] });
  const obj = json as { [k: string]: Json };
  if (nonFinite.length > 0) {
    obj.nonFinite = nonFinite as unknown as Json;
    const notes = obj.notes as Json[];
    for (const e of nonFinite) notes.push(`non-finite value ${e.value} at ${e.path} written as null`);
  }
  const text = JSON.stringify(obj, null, 2) + "\n";
  return writeFileAtomic(path.join(dir, fileName), text);
}

/**
 * Reads and validates a run record; `file` is run.json or a directory holding it. Non-finite
 * numbers listed in `nonFinite` are restored. Throws a RunRecordError naming the file and field.
 */
export function readRunRecord(file: string): RunRecord {
  const target =
    fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, RUN_RECORD_FILE) : file;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(target, "utf8"));
  } catch (err) {
    throw new RunRecordError(`${target}: cannot read run record: ${(err as Error).message}`, "");
  }
  if (isObject(data) && Array.isArray(data.nonFinite)) restoreNonFinite(data, data.nonFinite, target);
  validateRunRecord(data, target);
  return data;
}

function restoreNonFinite(data: Record<string, unknown>, entries: unknown[], label: string): void {
  entries.forEach((e, i) => {
    const field = `nonFinite[${i}]`;
    if (
      !isObject(e) ||
      typeof e.path !== "string" ||
      !["NaN", "Infinity", "-Infinity"].includes(e.value as string)
    ) {
      throw new RunRecordError(
        `${label}: field "${field}" must be {path, value: "NaN" | "Infinity" | "-Infinity"}`,
        field,
      );
    }
    const steps = e.path.match(/[^.[\]]+/g) ?? [];
    let node: unknown = data;
    for (const s of steps.slice(0, -1))
      node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[s] : undefined;
    const last = steps[steps.length - 1];
    if (
      !(isObject(node) || Array.isArray(node)) ||
      last === undefined ||
      (node as Record<string, unknown>)[last] !== null
    ) {
      throw new RunRecordError(
        `${label}: field "${field}" points at "${e.path}", which is not a null`,
        field,
      );
    }
    (node as Record<string, unknown>)[last] = Number(e.value);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks the shape of a run record and throws a RunRecordError naming the first bad field.
 * Numbers may be NaN or infinite (after reading, they have been restored from `nonFinite`), so a
 * bare null where a number belongs is an error.
 */
export function validateRunRecord(data: unknown, label = "run record"): asserts data is RunRecord {
  const fail = (field: string, want: string, got: unknown): never => {
    const shown = got === undefined ? "nothing" : (JSON.stringify(got)?.slice(0, 60) ?? String(got));
    throw new RunRecordError(`${label}: field "${field}" must be ${want} (got ${shown})`, field);
  };
  const num = (v: unknown) => typeof v === "number";
  if (!isObject(data)) fail("", "an object", data);
  const r = data as Record<string, unknown>;
  if (r.schemaVersion !== RUN_RECORD_SCHEMA_VERSION)
    fail("schemaVersion", `${RUN_RECORD_SCHEMA_VERSION}`, r.schemaVersion);
  for (const k of ["paper", "model", "runId", "createdAt"])
    if (typeof r[k] !== "string" || r[k] === "") fail(k, "a non-empty string", r[k]);
  if (r.profile !== "smoke" && r.profile !== "paper") fail("profile", `"smoke" or "paper"`, r.profile);
  if (!Array.isArray(r.seeds) || r.seeds.length === 0)
    fail("seeds", "a non-empty array of integers", r.seeds);
  (r.seeds as unknown[]).forEach((s, i) => Number.isInteger(s) || fail(`seeds[${i}]`, "an integer", s));
  if (!isObject(r.config)) fail("config", "an object", r.config);
  if (!isObject(r.configSources)) fail("configSources", "an object", r.configSources);
  for (const [k, v] of Object.entries(r.configSources as object)) {
    if (!["default", "preset", "override", "environment"].includes(v as string))
      fail(`configSources.${k}`, `"default", "preset", "override" or "environment"`, v);
  }
  if (!isObject(r.data)) fail("data", "an object", r.data);
  const d = r.data as Record<string, unknown>;
  for (const k of ["id", "fingerprint"])
    if (typeof d[k] !== "string" || d[k] === "") fail(`data.${k}`, "a non-empty string", d[k]);
  if (!isObject(d.rows)) fail("data.rows", "an object of split -> row count", d.rows);
  for (const [k, v] of Object.entries(d.rows as object))
    if (!Number.isInteger(v) || (v as number) < 0) fail(`data.rows.${k}`, "a non-negative integer", v);
  if (typeof d.synthetic !== "boolean") fail("data.synthetic", "a boolean", d.synthetic);
  if (!isObject(r.environment)) fail("environment", "an object (environmentInfo())", r.environment);
  const env = r.environment as Record<string, unknown>;
  for (const k of ["node", "platform", "arch", "timestamp"])
    if (typeof env[k] !== "string") fail(`environment.${k}`, "a string", env[k]);
  checkNumberRecord(r.metrics, "metrics", fail, num);
  if (r.seedMetrics !== undefined) {
    if (!isObject(r.seedMetrics))
      fail("seedMetrics", "an object of metric -> per-seed numbers", r.seedMetrics);
    for (const [k, v] of Object.entries(r.seedMetrics as object)) {
      checkNumberArray(v, `seedMetrics.${k}`, fail, num);
      if ((v as unknown[]).length !== (r.seeds as unknown[]).length)
        fail(`seedMetrics.${k}`, `one value per seed (${(r.seeds as unknown[]).length})`, v);
    }
  }
  if (!isObject(r.perGroup)) fail("perGroup", "an object of group -> metric -> number", r.perGroup);
  for (const [g, v] of Object.entries(r.perGroup as object)) checkNumberRecord(v, `perGroup.${g}`, fail, num);
  if (!isObject(r.history)) fail("history", "an object of name -> per-epoch numbers", r.history);
  for (const [k, v] of Object.entries(r.history as object)) checkNumberArray(v, `history.${k}`, fail, num);
  if (!(typeof r.wallTimeSec === "number" && r.wallTimeSec >= 0))
    fail("wallTimeSec", "a non-negative number", r.wallTimeSec);
  if (!Array.isArray(r.notes)) fail("notes", "an array of strings", r.notes);
  (r.notes as unknown[]).forEach((n, i) => typeof n === "string" || fail(`notes[${i}]`, "a string", n));
}

type Fail = (field: string, want: string, got: unknown) => never;

function checkNumberRecord(v: unknown, field: string, fail: Fail, num: (x: unknown) => boolean): void {
  if (!isObject(v)) fail(field, "an object of name -> number", v);
  for (const [k, x] of Object.entries(v as object)) if (!num(x)) fail(`${field}.${k}`, "a number", x);
}

function checkNumberArray(v: unknown, field: string, fail: Fail, num: (x: unknown) => boolean): void {
  if (!(Array.isArray(v) || ArrayBuffer.isView(v))) fail(field, "an array of numbers", v);
  Array.from(v as ArrayLike<unknown>).forEach((x, i) => num(x) || fail(`${field}[${i}]`, "a number", x));
}

/** Per-seed values of every metric: `seedMetrics` when present, else each headline metric as one value. */
export function measuredFromRecord(record: RunRecord, prefix = ""): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const src =
    record.seedMetrics ?? Object.fromEntries(Object.entries(record.metrics).map(([k, v]) => [k, [v]]));
  for (const [k, v] of Object.entries(src)) out[prefix + k] = [...v];
  return out;
}
