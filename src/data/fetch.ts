/**
 * Resolving a data set's files to verified local paths.
 *
 * Order: (1) the mirror folder (`RECREPRO_DATA_MIRROR`, laid out `<mirror>/<id>/<path>`, read in
 * place, never copied); (2) the download cache (`RECREPRO_CACHE_DIR`, default
 * `<project root>/.cache/data`); (3) the file's URL, downloaded into a temp name in the cache and
 * renamed only once complete and verified. Every file is sha256-verified (streamed) before use;
 * the result is remembered in `<cache>/verified.json` keyed by absolute path + size + mtime, so
 * a repeated load does not re-hash gigabytes (a file changed in place without changing size or
 * mtime is caught when it is next used to build processed data: pipeline.ts re-hashes every
 * input before a build). Files without a pinned checksum are trusted on
 * first use: their hash is recorded in `<cache>/<id>/checksums.json` and enforced afterwards.
 * A file with `archive` (a zip member, e.g. MovieLens ml-1m) found nowhere unpacked is
 * extracted from its archive into the cache (see `extractMember`).
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../util/fs";
import { Readable, Transform } from "stream";
import { pipeline } from "stream/promises";
import * as crypto from "crypto";
import { DataError } from "./errors";
import { sha256File, tempSuffix } from "./hash";
import { defaultCacheDir, defaultMirror, downloadsAllowed } from "./paths";
import type { DataFileSpec, DatasetEntry } from "./registry";
import { checkDatasetId as validateDatasetId } from "./ids";
import { readZipMember } from "./zip";

/** Where to look for files and whether to download. */
export interface FetchOptions {
  /** Mirror folder (`<mirror>/<id>/<path>`). Default: env RECREPRO_DATA_MIRROR; null = no mirror. */
  mirror?: string | null;
  /** Download and processed-data cache. Default: env RECREPRO_CACHE_DIR or `<project root>/.cache/data`. */
  cacheDir?: string;
  /** Download files missing from mirror and cache. Default: true unless env RECREPRO_OFFLINE=1. */
  allowDownload?: boolean;
  /** Receives one line per notable event (download, trust-on-first-use record). Default: silent. */
  log?: (message: string) => void;
}

/** A verified local file. */
export interface ResolvedFile {
  name: string;
  /** Absolute path of the verified file. */
  path: string;
  sha256: string;
  bytes: number;
  source: "mirror" | "cache" | "download";
  /** True when the checksum is pinned in the registry; false when trusted on first use. */
  pinned: boolean;
  /** Tar member to read, copied from the file spec. */
  tarMember?: string;
}

interface VerifyRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const verifyCaches = new Map<string, Map<string, VerifyRecord>>();

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 1));
}

function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return fallback;
  }
}

function verifyCache(cacheDir: string): Map<string, VerifyRecord> {
  let m = verifyCaches.get(cacheDir);
  if (m === undefined) {
    m = new Map(
      Object.entries(readJson<Record<string, VerifyRecord>>(path.join(cacheDir, "verified.json"), {})),
    );
    verifyCaches.set(cacheDir, m);
  }
  return m;
}

function rememberHash(cacheDir: string, abs: string, st: fs.Stats, sha256: string): void {
  const m = verifyCache(cacheDir);
  m.set(abs, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  const merged = {
    ...readJson<Record<string, VerifyRecord>>(path.join(cacheDir, "verified.json"), {}),
    ...Object.fromEntries(m),
  };
  writeJsonAtomic(path.join(cacheDir, "verified.json"), merged);
}

/**
 * Drops the verification-cache record of `file` (after a full re-hash found it changed), so the
 * next load hashes it again instead of trusting path, size and mtime.
 */
export function forgetVerified(file: string, cacheDir: string): void {
  const abs = path.resolve(file);
  const m = verifyCache(cacheDir);
  m.delete(abs);
  const onDisk = readJson<Record<string, VerifyRecord>>(path.join(cacheDir, "verified.json"), {});
  delete onDisk[abs];
  writeJsonAtomic(path.join(cacheDir, "verified.json"), { ...onDisk, ...Object.fromEntries(m) });
}

/**
 * sha256 of a file, served from the verification cache when path, size and mtime are unchanged.
 */
export async function hashFileCached(file: string, cacheDir: string): Promise<string> {
  const abs = path.resolve(file);
  const st = fs.statSync(abs);
  const rec = verifyCache(cacheDir).get(abs);
  if (rec !== undefined && rec.size === st.size && rec.mtimeMs === st.mtimeMs) return rec.sha256;
  const sha = await sha256File(abs);
  rememberHash(cacheDir, abs, st, sha);
  return sha;
}

function safeRelative(entry: DatasetEntry, file: DataFileSpec): string {
  const p = file.path;
  if (p === "" || path.isAbsolute(p) || p.split(/[\\/]/).some((s) => s === ".." || s === "")) {
    throw new DataError(
      "BAD_OPTION",
      `dataset ${entry.id}: file "${file.name}" has an unsafe path "${p}" (must be relative, without "..")`,
    );
  }
  return p;
}

function checksumsPath(cacheDir: string, id: string): string {
  return path.join(cacheDir, id, "checksums.json");
}

/** Expected hash: the pinned one, else the trust-on-first-use record, else null. */
function expectedHash(
  entry: DatasetEntry,
  file: DataFileSpec,
  cacheDir: string,
): { sha: string | null; pinned: boolean } {
  if (file.sha256 !== null) return { sha: file.sha256.toLowerCase(), pinned: true };
  const rec = readJson<Record<string, string>>(checksumsPath(cacheDir, entry.id), {});
  return { sha: rec[file.name] ?? null, pinned: false };
}

function checksumError(
  entry: DatasetEntry,
  file: DataFileSpec,
  where: string,
  expected: string,
  actual: string,
  pinned: boolean,
): DataError {
  const kind = pinned ? "pinned in the registry" : `recorded on first use in ${entry.id}/checksums.json`;
  return new DataError(
    "CHECKSUM",
    `dataset ${entry.id}: checksum mismatch for file "${file.name}" at ${where}: expected sha256 ${expected} (${kind}), actual ${actual}`,
    { file: where },
  );
}

async function verifyLocal(
  entry: DatasetEntry,
  file: DataFileSpec,
  abs: string,
  cacheDir: string,
  log?: (m: string) => void,
): Promise<{ sha: string; pinned: boolean }> {
  const { sha: expected, pinned } = expectedHash(entry, file, cacheDir);
  const actual = await hashFileCached(abs, cacheDir);
  if (expected !== null && actual !== expected)
    throw checksumError(entry, file, abs, expected, actual, pinned);
  if (expected === null) recordFirstUse(entry, file, cacheDir, actual, abs, log);
  return { sha: actual, pinned };
}

function recordFirstUse(
  entry: DatasetEntry,
  file: DataFileSpec,
  cacheDir: string,
  sha: string,
  where: string,
  log?: (m: string) => void,
): void {
  const p = checksumsPath(cacheDir, entry.id);
  const rec = readJson<Record<string, string>>(p, {});
  rec[file.name] = sha;
  writeJsonAtomic(p, rec);
  log?.(
    `${entry.id}/${file.path}: checksum not pinned; recorded sha256 ${sha} of ${where} (trust on first use) in ${p}`,
  );
}

/**
 * Downloads `url` into a temp file next to `dest`, hashing on the fly. Resolves to the temp path
 * (the caller verifies, then renames or removes it); on failure the temp file is removed.
 */
async function downloadToTemp(
  url: string,
  dest: string,
): Promise<{ tmp: string; sha: string; bytes: number }> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${tempSuffix()}`;
  const h = crypto.createHash("sha256");
  let bytes = 0;
  try {
    const res = await fetch(url, { redirect: "follow" });
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const hasher = new Transform({
      transform(chunk: Buffer, _e, cb) {
        h.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    // Open the temp file synchronously: a write stream opens it asynchronously, and a body that
    // fails early would let the open (re)create the file after the cleanup below removed it.
    const out = fs.createWriteStream(tmp, { fd: fs.openSync(tmp, "w") });
    await pipeline(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), hasher, out);
    const len = res.headers.get("content-length");
    if (len !== null && res.headers.get("content-encoding") === null && Number(len) !== bytes)
      throw new Error(`incomplete body: ${bytes} of ${len} bytes`);
    return { tmp, sha: h.digest("hex"), bytes };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Resolves one file of `entry` to a verified local path (mirror, then cache, then download).
 * Errors: MISSING_FILE naming every path tried; CHECKSUM naming the file, expected and actual
 * hash; DOWNLOAD naming the URL.
 */
export async function resolveFile(
  entry: DatasetEntry,
  file: DataFileSpec,
  opts: FetchOptions = {},
): Promise<ResolvedFile> {
  validateDatasetId(entry.id);
  const rel = safeRelative(entry, file);
  const mirror = opts.mirror === undefined ? defaultMirror() : opts.mirror;
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const tried: string[] = [];
  const done = (
    abs: string,
    v: { sha: string; pinned: boolean },
    source: ResolvedFile["source"],
  ): ResolvedFile => ({
    name: file.name,
    path: abs,
    sha256: v.sha,
    bytes: fs.statSync(abs).size,
    source,
    pinned: v.pinned,
    tarMember: file.tarMember,
  });

  if (mirror !== null) {
    const abs = path.resolve(mirror, validateDatasetId(entry.folder ?? entry.id), rel);
    tried.push(abs);
    if (fs.existsSync(abs))
      return done(abs, await verifyLocal(entry, file, abs, cacheDir, opts.log), "mirror");
  } else {
    tried.push("(no mirror: RECREPRO_DATA_MIRROR is not set)");
  }
  const cached = path.join(cacheDir, validateDatasetId(entry.folder ?? entry.id), rel);
  tried.push(cached);
  if (fs.existsSync(cached))
    return done(cached, await verifyLocal(entry, file, cached, cacheDir, opts.log), "cache");
  if (file.archive !== undefined)
    return done(cached, await extractMember(entry, file, cached, opts, cacheDir), "cache");

  const allow = opts.allowDownload ?? downloadsAllowed();
  const missing = (why: string): DataError =>
    new DataError(
      "MISSING_FILE",
      `dataset ${entry.id}: file "${file.name}" (${rel}) not found; tried ${tried.join(", ")}; ${why}. \`npm run data -- check smoke|paper\` lists every file a profile needs, with sizes, URLs and where to put them`,
      { file: cached },
    );
  if (file.manual !== undefined) throw missing(`it is not downloaded automatically: ${file.manual}`);
  if (!allow)
    throw missing(
      `downloads are disabled (allowDownload: false or RECREPRO_OFFLINE=1); official URL ${file.url}`,
    );

  opts.log?.(`${entry.id}/${rel}: downloading ${file.url}`);
  let got: { tmp: string; sha: string; bytes: number };
  try {
    got = await downloadToTemp(file.url, cached);
  } catch (e) {
    throw new DataError(
      "DOWNLOAD",
      `dataset ${entry.id}: download of ${file.url} failed (${(e as Error).message}); tried ${tried.join(", ")}`,
      { file: cached, cause: e },
    );
  }
  const { sha: expected, pinned } = expectedHash(entry, file, cacheDir);
  try {
    if (expected !== null && got.sha !== expected)
      throw checksumError(entry, file, `${file.url} (downloaded for ${cached})`, expected, got.sha, pinned);
    fs.renameSync(got.tmp, cached);
  } finally {
    fs.rmSync(got.tmp, { force: true });
  }
  rememberHash(cacheDir, cached, fs.statSync(cached), got.sha);
  if (expected === null) recordFirstUse(entry, file, cacheDir, got.sha, file.url, opts.log);
  return done(cached, { sha: got.sha, pinned }, "download");
}

/**
 * A member of a zip archive (`file.archive`), neither in the mirror nor in the cache unpacked:
 * the archive is resolved like any file (mirror, cache, download; its hash pinned by
 * `archive.sha256` or trusted on first use under the name `archive:<path>`), the member is
 * extracted (CRC-checked) into the cache under a temp name and renamed, then verified as `file`.
 */
async function extractMember(
  entry: DatasetEntry,
  file: DataFileSpec,
  cached: string,
  opts: FetchOptions,
  cacheDir: string,
): Promise<{ sha: string; pinned: boolean }> {
  const a = file.archive as NonNullable<DataFileSpec["archive"]>;
  const archive = await resolveFile(
    entry,
    {
      name: `archive:${a.path}`,
      path: a.path,
      url: file.url,
      sha256: a.sha256 ?? null,
      bytes: null,
      manual: file.manual,
    },
    opts,
  );
  opts.log?.(`${entry.id}/${file.path}: extracting ${a.member} from ${archive.path}`);
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  const tmp = `${cached}.tmp-${tempSuffix()}`;
  try {
    fs.writeFileSync(tmp, readZipMember(archive.path, a.member));
    fs.renameSync(tmp, cached);
  } catch (e) {
    if (e instanceof DataError && e.code === "BAD_ARCHIVE" && archive.source !== "mirror") {
      throw new DataError(
        "BAD_ARCHIVE",
        `${e.message}; delete ${archive.path}${archive.pinned ? "" : ` and its "archive:${a.path}" record in ${checksumsPath(cacheDir, entry.id)}`} to fetch it again`,
        { file: archive.path, cause: e },
      );
    }
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    return await verifyLocal(entry, file, cached, cacheDir, opts.log);
  } catch (e) {
    fs.rmSync(cached, { force: true }); // never leave an unverified member where the next load would trust it
    throw e;
  }
}

/** Resolves the named files of `entry` (default: all), in order. */
export async function resolveFiles(
  entry: DatasetEntry,
  opts: FetchOptions = {},
  names?: readonly string[],
): Promise<ResolvedFile[]> {
  const specs =
    names === undefined
      ? entry.files
      : names.map((n) => {
          const f = entry.files.find((x) => x.name === n);
          if (f === undefined)
            throw new DataError(
              "BAD_OPTION",
              `dataset ${entry.id} has no file named "${n}" (has ${entry.files.map((x) => x.name).join(", ")})`,
            );
          return f;
        });
  const out: ResolvedFile[] = [];
  for (const f of specs) out.push(await resolveFile(entry, f, opts));
  return out;
}
