/**
 * Hashing helpers: streaming sha256 of files and a stable JSON encoding for fingerprints.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as zlib from "zlib";
import { crc32 as tableCrc32 } from "./zip";

/** sha256 (hex) of a file, read as a stream in 1 MiB chunks (bounded memory). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash("sha256");
    const s = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    s.on("data", (chunk) => h.update(chunk));
    s.on("error", reject);
    s.on("end", () => resolve(h.digest("hex")));
  });
}

/** sha256 (hex) of a string (UTF-8). */
export function sha256Text(text: string): string {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * JSON with object keys sorted recursively and `undefined` members dropped, so that equal values
 * always give equal strings (and therefore equal fingerprints).
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : stableStringify(v))).join(",")}]`;
  if (ArrayBuffer.isView(value)) return stableStringify(Array.from(value as unknown as ArrayLike<number>));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(",")}}`;
}

/** A short random suffix for temp names (crypto-random; not part of any seeded computation). */
export function tempSuffix(): string {
  return `${process.pid}-${crypto.randomBytes(6).toString("hex")}`;
}

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 (the zip/gzip polynomial) of `buf`, continuing from `crc`: Node's zlib.crc32 where the
 * Node version has it (20.15+), else the table-driven one of the zip reader. Both give the same
 * value; used for the per-shard checksums of processed data.
 */
export function crc32(buf: Uint8Array, crc = 0): number {
  return nativeCrc32 ? nativeCrc32(buf, crc) >>> 0 : tableCrc32(buf, crc);
}
