/**
 * Derived inputs: data sets whose rows are not one-line-in, one-row-out.
 *
 * Some set-ups need a whole-file step before the generic pipeline (pipeline.ts) can run: the
 * Census-Income MMoE set-up standardises numeric columns with statistics of the TRAIN split
 * only (so the split must be drawn first), and the Taobao click -> purchase set-up builds an
 * exposure space with sampled negatives from the whole behaviour log. A {@link DeriveSpec}
 * declares such a step; {@link runDerive} runs it once per (source hashes, derivation id,
 * options) and caches its outputs under `<cacheDir>/derived/<dataset id>/<key[0:16]>/`, written
 * to a temp folder and renamed only on success (so a derived folder is always complete). The
 * outputs are then read by the ordinary pipeline through a typed TSV format
 * ({@link typedTsvFormat}), and their sha256 enters the processed fingerprint like any input.
 */
import * as fs from "fs";
import * as path from "path";
import { DataError, RowError } from "../errors";
import { sha256File, sha256Text, stableStringify, tempSuffix } from "../hash";
import type { NumericFeature } from "../schema";
import type { RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

/** A source file handed to a derivation. */
export interface DeriveSource {
  /** DataFileSpec name. */
  name: string;
  path: string;
  sha256: string;
  tarMember?: string;
}

/** What a derivation's `run` receives. */
export interface DeriveContext {
  /** Data set id (for messages). */
  datasetId: string;
  /** The resolved source files, in `DeriveSpec.sources` order. */
  sources: DeriveSource[];
  /** The derivation's defaults merged with the caller's overrides. */
  options: Record<string, unknown>;
  /** Absolute path to write for each output name (a temp folder until the run succeeds). */
  outputs: Record<string, string>;
  log?: (message: string) => void;
}

/** A whole-file step that turns registered source files into the files the pipeline reads. */
export interface DeriveSpec {
  /** Stable id with a version, e.g. "census-mmoe-v1"; bump it when the output changes. Part of the cache key. */
  id: string;
  /** DataFileSpec names the step reads, in order. */
  sources: string[];
  /** Names of the files it writes; LoaderSpec.splits refers to these names. */
  outputs: string[];
  /** Default options (JSON values); `LoadOptions.derive` overrides single keys. Part of the cache key. */
  defaults: Record<string, unknown>;
  /**
   * True when the step draws the train/valid/test split itself (its outputs are the splits);
   * a caller's `resplit` is then refused, since statistics were computed on the step's train rows.
   */
  ownsSplit?: boolean;
  /** Validates the merged options; throws DataError("BAD_OPTION") naming the bad key. */
  check(options: Record<string, unknown>): void;
  /** Writes every output; returns a JSON summary (row counts, rates, decisions) kept in derive.json. */
  run(ctx: DeriveContext): Promise<Record<string, unknown>>;
}

/** A derived output, ready for the pipeline. */
export interface DerivedFile {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
}

/** Contents of derive.json in a derived folder. */
export interface DerivedRecord {
  derive: string;
  key: string;
  options: Record<string, unknown>;
  sources: { name: string; sha256: string; tarMember?: string }[];
  outputs: DerivedFile[];
  summary: Record<string, unknown>;
  /** Folder holding the outputs. */
  dir: string;
  /** False when an existing derived folder was reused. */
  built: boolean;
}

/** Merges `overrides` into `spec.defaults`, refusing unknown keys. */
export function deriveOptions(
  spec: DeriveSpec,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec.defaults };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!(k in spec.defaults))
      throw new DataError(
        "BAD_OPTION",
        `derive option "${k}" is not known to ${spec.id} (known: ${Object.keys(spec.defaults).join(", ")})`,
      );
    if (v !== undefined) out[k] = v;
  }
  spec.check(out);
  return out;
}

/** Runs (or reuses) a derivation; returns its record with the outputs' paths and hashes. */
export async function runDerive(
  datasetId: string,
  spec: DeriveSpec,
  sources: DeriveSource[],
  overrides: Record<string, unknown> | undefined,
  cacheDir: string,
  log?: (message: string) => void,
): Promise<DerivedRecord> {
  const options = deriveOptions(spec, overrides);
  const srcKey = sources.map((s) => ({ name: s.name, sha256: s.sha256, tarMember: s.tarMember }));
  const key = sha256Text(
    stableStringify({ derive: spec.id, options, sources: srcKey, outputs: spec.outputs }),
  );
  const parent = path.join(cacheDir, "derived", datasetId);
  const dir = path.join(parent, key.slice(0, 16));
  const recordFile = path.join(dir, "derive.json");
  if (fs.existsSync(recordFile)) {
    try {
      const rec = JSON.parse(fs.readFileSync(recordFile, "utf8")) as DerivedRecord;
      const complete =
        rec.key === key &&
        rec.outputs.every(
          (o) =>
            fs.existsSync(path.join(dir, path.basename(o.path))) &&
            fs.statSync(path.join(dir, path.basename(o.path))).size === o.bytes,
        );
      if (complete)
        return {
          ...rec,
          dir,
          outputs: rec.outputs.map((o) => ({ ...o, path: path.join(dir, path.basename(o.path)) })),
          built: false,
        };
    } catch {
      // unreadable record: rebuild below
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${dir}.tmp-${tempSuffix()}`;
  fs.mkdirSync(tmp);
  try {
    const outputs = Object.fromEntries(spec.outputs.map((o) => [o, path.join(tmp, `${o}.tsv`)]));
    const t0 = Date.now();
    const summary = await spec.run({ datasetId, sources, options, outputs, log });
    const files: DerivedFile[] = [];
    for (const o of spec.outputs) {
      const p = outputs[o];
      if (!fs.existsSync(p))
        throw new DataError("BAD_CACHE", `${spec.id}: derivation did not write its output "${o}" (${p})`, {
          file: p,
        });
      files.push({
        name: o,
        path: path.join(dir, `${o}.tsv`),
        sha256: await sha256File(p),
        bytes: fs.statSync(p).size,
      });
    }
    log?.(`${datasetId}: derived ${spec.outputs.join(", ")} with ${spec.id} in ${Date.now() - t0} ms`);
    const rec: DerivedRecord = {
      derive: spec.id,
      key,
      options,
      sources: srcKey,
      outputs: files,
      summary,
      dir,
      built: true,
    };
    fs.writeFileSync(path.join(tmp, "derive.json"), JSON.stringify(rec, null, 1));
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!fs.existsSync(recordFile)) throw e;
    }
    return rec;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Buffered line writer for derived outputs (bounded memory). */
export class LineWriter {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, "w");
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    fs.writeSync(this.fd, this.buf.join("\n") + "\n");
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Column layout of a typed TSV file: labels, then numeric, then categorical columns. */
export interface TypedTsvColumns {
  labels: readonly string[];
  numeric: readonly string[];
  categorical: readonly string[];
  /** Transform recorded in the schema for the numeric columns (documentation only). */
  numTransform?: NumericFeature["transform"];
}

/** The header line of a typed TSV file with these columns. */
export function typedTsvHeader(c: TypedTsvColumns): string {
  return [
    ...c.labels.map((n) => `label:${n}`),
    ...c.numeric.map((n) => `num:${n}`),
    ...c.categorical.map((n) => `cat:${n}`),
  ].join("\t");
}

/**
 * A tab-separated format with a mandatory header naming every column with its role
 * (`label:<name>`, `num:<name>`, `cat:<name>`, in that order): the files derivations write.
 * Labels are 0/1, numeric columns finite decimals, categorical columns tokens (empty = missing).
 */
export function typedTsvFormat(id: string, c: TypedTsvColumns): RowFormat {
  const header = typedTsvHeader(c);
  const nl = c.labels.length;
  const nn = c.numeric.length;
  const nc = c.categorical.length;
  const total = nl + nn + nc;
  const names = [...c.labels, ...c.numeric, ...c.categorical];
  return {
    id,
    description: `typed TSV with header: labels ${c.labels.join(", ")}; ${nn} numeric, ${nc} categorical columns`,
    create(): RowParser {
      let sawHeader = false;
      return {
        catNames: c.categorical,
        numNames: c.numeric,
        numTransform: c.numTransform ?? "none",
        labelNames: c.labels,
        parse(line: string, _lineNo: number, row: RowScratch): boolean {
          if (line === header) {
            sawHeader = true;
            return false;
          }
          if (!sawHeader) throw new RowError(`first line must be the header "${header.slice(0, 60)}..."`);
          let p = 0;
          for (let k = 0; k < total; k++) {
            let q = line.indexOf("\t", p);
            if (k < total - 1) {
              if (q < 0)
                throw new RowError(
                  `expected ${total} tab-separated columns, found ${line.split("\t").length}`,
                );
            } else {
              if (q >= 0)
                throw new RowError(
                  `expected ${total} tab-separated columns, found ${line.split("\t").length}`,
                );
              q = line.length;
            }
            if (k < nl) {
              const v = q - p === 1 ? line.charCodeAt(p) - 48 : -1;
              if (v !== 0 && v !== 1)
                throw new RowError(
                  `label ${names[k]} must be 0 or 1, found "${line.slice(p, q).slice(0, 40)}"`,
                );
              row.labels[k] = v;
            } else if (k < nl + nn) {
              const t = line.slice(p, q);
              const x = Number(t);
              if (t === "" || !Number.isFinite(x))
                throw new RowError(`${names[k]} is not a finite number: "${t.slice(0, 40)}"`);
              row.num[k - nl] = x;
            } else {
              setToken(row, k - nl - nn, line, p, q);
            }
            p = q + 1;
          }
          return true;
        },
      };
    },
  };
}

/** Re-throws a RowError as DataError("BAD_ROW") naming the file and line. */
export function rowError(file: string, lineNo: number, e: unknown): never {
  if (e instanceof RowError)
    throw new DataError("BAD_ROW", `${file}:${lineNo}: ${e.message}`, { file, line: lineNo });
  throw e;
}

/** A derived output in the shape of a resolved registry file (for the loader's split lists). */
export interface DerivedInput {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  source: "cache";
  pinned: false;
  tarMember?: undefined;
}

/**
 * The derivation step of `openDataset`: runs `spec` on the resolved source files and returns
 * its outputs as inputs for the pipeline, with the derivation record for the load meta.
 * Refuses a caller's `resplit` when the derivation owns the split.
 */
export async function deriveInputs(
  datasetId: string,
  spec: DeriveSpec,
  resolved: readonly { name: string; path: string; sha256: string; tarMember?: string }[],
  opts: { derive?: Record<string, unknown>; resplit?: unknown; log?: (message: string) => void },
  cacheDir: string,
): Promise<{ record: DerivedRecord; files: DerivedInput[] }> {
  if (spec.ownsSplit && opts.resplit !== undefined && opts.resplit !== false) {
    throw new DataError(
      "BAD_OPTION",
      `dataset ${datasetId}: resplit is not accepted, the ${spec.id} derivation draws the split itself (statistics come from its train rows); set derive: { ratios, seed } instead`,
    );
  }
  const sources = spec.sources.map((n): DeriveSource => {
    const r = resolved.find((x) => x.name === n);
    if (r === undefined)
      throw new DataError(
        "BAD_OPTION",
        `dataset ${datasetId}: derivation ${spec.id} needs file "${n}", which was not resolved`,
      );
    return { name: n, path: r.path, sha256: r.sha256, tarMember: r.tarMember };
  });
  const record = await runDerive(datasetId, spec, sources, opts.derive, cacheDir, opts.log);
  return {
    record,
    files: record.outputs.map((o) => ({
      name: o.name,
      path: o.path,
      sha256: o.sha256,
      bytes: o.bytes,
      source: "cache",
      pinned: false,
    })),
  };
}
