/**
 * Streaming extraction of one member of a tar archive (ustar, GNU long names and base-256
 * sizes, pax `path`/`size` records), so that a loader can read `train.txt` straight out of the
 * official Criteo `.tar.gz` without unpacking 11 GB to disk.
 */
import { Transform, TransformCallback } from "stream";
import { DataError } from "./errors";

const BLOCK = 512;

function cString(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString("utf8", start, end < 0 || end > start + len ? start + len : end);
}

function parseSize(b: Buffer): number {
  if (b[124] & 0x80) {
    let v = 0;
    for (let i = 125; i < 136; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cString(b, 124, 12).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < data.length) {
    const sp = data.indexOf(32, p);
    if (sp < 0) break;
    const len = parseInt(data.toString("utf8", p, sp), 10);
    if (!(len > 0)) break;
    const rec = data.toString("utf8", sp + 1, p + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    p += len;
  }
  return out;
}

/**
 * A Transform that reads a tar stream and emits only the bytes of `member` (matched on the
 * full path or, failing that, on the path without a leading `./` or directory). Ends with
 * `DataError("BAD_ARCHIVE")` naming `archiveName` when the member is absent or the archive is cut.
 */
export function tarMemberStream(archiveName: string, member: string): Transform {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let pad = 0;
  let emitting = false;
  let collect: Buffer[] | null = null;
  let collectType = "";
  let nextName: string | null = null;
  let nextSize: number | null = null;
  let found = false;
  let done = false;
  const matches = (name: string): boolean => {
    const n = name.replace(/^\.\//, "");
    return n === member || n.endsWith(`/${member}`);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      let p = 0;
      while (p < chunk.length && !done) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - p);
          const part = chunk.subarray(p, p + take);
          if (emitting) this.push(part);
          else if (collect !== null) collect.push(Buffer.from(part));
          remaining -= take;
          p += take;
          if (remaining === 0) {
            if (emitting) {
              done = true;
              this.push(null);
              break;
            }
            if (collect !== null) {
              const data = Buffer.concat(collect);
              collect = null;
              if (collectType === "L") nextName = cString(data, 0, data.length);
              else {
                const pax = parsePax(data);
                if (pax.path !== undefined) nextName = pax.path;
                if (pax.size !== undefined) nextSize = Number(pax.size);
              }
            }
          }
          continue;
        }
        if (pad > 0) {
          const take = Math.min(pad, chunk.length - p);
          pad -= take;
          p += take;
          continue;
        }
        const need = BLOCK - header.length;
        const take = Math.min(need, chunk.length - p);
        header = Buffer.concat([header, chunk.subarray(p, p + take)]);
        p += take;
        if (header.length < BLOCK) break;
        const h = header;
        header = Buffer.alloc(0);
        if (h.every((x) => x === 0)) {
          done = true;
          break;
        }
        const type = String.fromCharCode(h[156] || 48);
        const prefix = h.toString("utf8", 257, 263).startsWith("ustar") ? cString(h, 345, 155) : "";
        const name = nextName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
        const size = nextSize ?? parseSize(h);
        remaining = size;
        pad = (BLOCK - (size % BLOCK)) % BLOCK;
        emitting = false;
        collect = null;
        if (type === "L" || type === "x") {
          collect = [];
          collectType = type;
        } else {
          nextName = null;
          nextSize = null;
          if ((type === "0" || type === "\0") && matches(name)) {
            found = true;
            emitting = true;
            if (size === 0) {
              done = true;
              this.push(null);
            }
          }
        }
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!found)
        cb(
          new DataError("BAD_ARCHIVE", `${archiveName}: tar member "${member}" not found`, {
            file: archiveName,
          }),
        );
      else if (!done)
        cb(
          new DataError("BAD_ARCHIVE", `${archiveName}: tar member "${member}" is truncated`, {
            file: archiveName,
          }),
        );
      else cb();
    },
  });
}
