/**
 * Streaming line reader over plain, gzip (detected by magic bytes, multi-member allowed) and
 * tar(.gz) member inputs, in bounded memory.
 *
 * The hot path decodes each ~1 MiB chunk once up to its last newline and slices lines out of
 * that string, so the per-line cost is one `indexOf` and one `slice`; only a partial last line
 * is carried over to the next chunk. Lines are numbered from 1 (every physical line counts,
 * blank ones included); a trailing `\r` is dropped (CRLF files). A truncated or corrupt gzip
 * stream raises `DataError("BAD_GZIP")` naming the file and the last good line.
 */
import * as fs from "fs";
import { Readable, pipeline } from "stream";
import * as zlib from "zlib";
import { DataError } from "./errors";
import { tarMemberStream } from "./tar";

/** Options of the line readers. */
export interface LineReadOptions {
  /** Text encoding of the file. Default "utf8" ("latin1" for MovieLens item titles). */
  encoding?: BufferEncoding;
  /** Drop a trailing "\r" from every line. Default true. */
  stripCR?: boolean;
  /** Longest line accepted, in bytes; longer means a binary or broken file. Default 16 MiB. */
  maxLineBytes?: number;
  /** Read chunk size in bytes. Default 1 MiB. */
  chunkBytes?: number;
  /** Read only this member of a tar (or tar.gz) archive. Default: the file is not an archive. */
  tarMember?: string;
}

/** A run of consecutive lines; `lines[i]` has line number `firstLineNo + i`. */
export interface LineBatch {
  lines: string[];
  firstLineNo: number;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

function openStream(
  file: string,
  opts: LineReadOptions,
): { stream: Readable; gz: boolean; close: () => void } {
  if (!fs.existsSync(file)) throw new DataError("MISSING_FILE", `file not found: ${file}`, { file });
  const gz = isGzipFile(file);
  const src = fs.createReadStream(file, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  const stages: NodeJS.ReadWriteStream[] = [];
  if (gz) stages.push(zlib.createGunzip({ chunkSize: opts.chunkBytes ?? 1 << 20 }));
  if (opts.tarMember !== undefined) stages.push(tarMemberStream(file, opts.tarMember));
  if (stages.length === 0) return { stream: src, gz, close: () => src.destroy() };
  const all = [src, ...stages] as unknown as [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]];
  // errors reach the last stage, which the consumer iterates; the callback only silences them here
  (pipeline as unknown as (...s: unknown[]) => void)(...all, () => undefined);
  const last = stages[stages.length - 1] as unknown as Readable;
  return {
    stream: last,
    gz,
    close: () => {
      src.destroy();
      for (const s of stages) (s as unknown as Readable).destroy();
    },
  };
}

/**
 * Lines of a file in batches (one batch per decoded chunk): the building block of
 * {@link forEachLine} and {@link readLines}.
 */
export async function* lineBatches(file: string, opts: LineReadOptions = {}): AsyncGenerator<LineBatch> {
  const enc = opts.encoding ?? "utf8";
  const stripCR = opts.stripCR ?? true;
  const maxLine = opts.maxLineBytes ?? 16 << 20;
  const { stream, gz, close } = openStream(file, opts);
  let lineNo = 0;
  let carry: Buffer | null = null;
  const clean = (s: string): string =>
    stripCR && s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
  try {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const out: string[] = [];
        const first = lineNo + 1;
        let start = 0;
        if (carry !== null) {
          const nl = chunk.indexOf(10);
          if (nl < 0) {
            carry = Buffer.concat([carry, chunk]);
            if (carry.length > maxLine)
              throw new DataError(
                "BAD_ROW",
                `${file}:${lineNo + 1}: line longer than ${maxLine} bytes (binary or corrupt file?)`,
                { file, line: lineNo + 1 },
              );
            continue;
          }
          out.push(clean(Buffer.concat([carry, chunk.subarray(0, nl)]).toString(enc)));
          carry = null;
          start = nl + 1;
        }
        const last = chunk.lastIndexOf(10);
        if (last >= start) {
          const text = chunk.toString(enc, start, last);
          let p = 0;
          for (;;) {
            const q = text.indexOf("\n", p);
            if (q < 0) {
              out.push(clean(text.slice(p)));
              break;
            }
            out.push(clean(text.slice(p, q)));
            p = q + 1;
          }
          start = last + 1;
        }
        if (start < chunk.length) {
          carry = Buffer.from(chunk.subarray(start));
          if (carry.length > maxLine)
            throw new DataError(
              "BAD_ROW",
              `${file}:${lineNo + out.length + 1}: line longer than ${maxLine} bytes (binary or corrupt file?)`,
              { file, line: lineNo + out.length + 1 },
            );
        }
        lineNo += out.length;
        if (out.length > 0) yield { lines: out, firstLineNo: first };
      }
    } catch (e) {
      if (e instanceof DataError) throw e;
      const msg = (e as Error).message;
      if (gz && (e as { code?: string }).code?.startsWith("Z_")) {
        throw new DataError(
          "BAD_GZIP",
          `${file}: corrupt or truncated gzip data after line ${lineNo} (${msg})`,
          { file, line: lineNo, cause: e },
        );
      }
      throw new DataError("MISSING_FILE", `${file}: read failed after line ${lineNo} (${msg})`, {
        file,
        line: lineNo,
        cause: e,
      });
    }
    if (carry !== null && carry.length > 0)
      yield { lines: [clean(carry.toString(enc))], firstLineNo: lineNo + 1 };
  } finally {
    close();
  }
}

/**
 * Calls `onLine(line, lineNo)` for every line of `file`; returning `false` stops early.
 * Resolves to the number of lines read. Errors thrown by `onLine` propagate unchanged.
 */
export async function forEachLine(
  file: string,
  onLine: (line: string, lineNo: number) => void | boolean,
  opts: LineReadOptions = {},
): Promise<number> {
  let n = 0;
  for await (const b of lineBatches(file, opts)) {
    const lines = b.lines;
    for (let i = 0; i < lines.length; i++) {
      n = b.firstLineNo + i;
      if (onLine(lines[i], n) === false) return n;
    }
  }
  return n;
}

/** Async iterator over `{line, lineNo}` (convenient; {@link forEachLine} is faster for hot loops). */
export async function* readLines(
  file: string,
  opts: LineReadOptions = {},
): AsyncGenerator<{ line: string; lineNo: number }> {
  for await (const b of lineBatches(file, opts)) {
    for (let i = 0; i < b.lines.length; i++) yield { line: b.lines[i], lineNo: b.firstLineNo + i };
  }
}
