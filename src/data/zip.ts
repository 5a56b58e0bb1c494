/**
 * A small zip reader: the central directory, and one member extracted (stored or deflate,
 * CRC-32 and size checked). Enough for official releases shipped as zip (MovieLens ml-1m.zip),
 * whose members fetch.ts extracts into the download cache (see `DataFileSpec.archive`).
 * Not supported, each a `DataError("BAD_ARCHIVE")` naming the file: ZIP64, encryption, methods
 * other than 0 (stored) and 8 (deflate), multi-disk archives.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { DataError } from "./errors";

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the zip/gzip polynomial) of `buf`, continuing from `crc`. */
export function crc32(buf: Uint8Array, crc = 0): number {
  if (CRC_TABLE === null) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** One central-directory entry. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  flags: number;
}

function bad(file: string, why: string): DataError {
  return new DataError("BAD_ARCHIVE", `${file}: ${why}`, { file });
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const n = fs.readSync(fd, b, off, len - off, pos + off);
    if (n <= 0) break;
    off += n;
  }
  return off === len ? b : b.subarray(0, off);
}

/** The entries of a zip file's central directory. */
export function zipEntries(file: string): ZipEntry[] {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad(file, "not a zip archive (no end-of-central-directory record)");
    if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0)
      throw bad(file, "multi-disk zip archives are not supported");
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
      throw bad(file, "ZIP64 archives are not supported");
    if (cdOffset + cdSize > size)
      throw bad(file, "truncated zip archive (central directory beyond the end of the file)");
    const cd = readAt(fd, cdOffset, cdSize);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50)
        throw bad(file, `corrupt central directory at entry ${k + 1}`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      out.push({
        name: cd.toString("utf8", p + 46, p + 46 + nameLen),
        method: cd.readUInt16LE(p + 10),
        flags: cd.readUInt16LE(p + 8),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes of member `member` of the zip `file`, CRC-32 and size checked. */
export function readZipMember(file: string, member: string): Buffer {
  const entries = zipEntries(file);
  const e = entries.find((x) => x.name === member);
  if (e === undefined)
    throw bad(
      file,
      `no member "${member}" (has ${entries
        .slice(0, 20)
        .map((x) => x.name)
        .join(", ")}${entries.length > 20 ? ", ..." : ""})`,
    );
  if (e.flags & 1) throw bad(file, `member "${member}" is encrypted`);
  if (e.method !== 0 && e.method !== 8)
    throw bad(
      file,
      `member "${member}" uses compression method ${e.method} (only stored and deflate are supported)`,
    );
  const fd = fs.openSync(file, "r");
  let data: Buffer;
  try {
    const lh = readAt(fd, e.localHeaderOffset, 30);
    if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50)
      throw bad(file, `corrupt local header of member "${member}"`);
    const start = e.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
    data = readAt(fd, start, e.compressedSize);
    if (data.length !== e.compressedSize) throw bad(file, `truncated zip archive (member "${member}")`);
  } finally {
    fs.closeSync(fd);
  }
  let out: Buffer;
  try {
    out = e.method === 0 ? data : zlib.inflateRawSync(data);
  } catch (err) {
    throw new DataError(
      "BAD_ARCHIVE",
      `${file}: member "${member}" does not inflate (${(err as Error).message})`,
      { file, cause: err },
    );
  }
  if (out.length !== e.size)
    throw bad(file, `member "${member}" inflated to ${out.length} bytes, the directory says ${e.size}`);
  if (crc32(out) !== e.crc32) throw bad(file, `member "${member}" fails its CRC-32 check`);
  return out;
}
