/**
 * Checkpoint files: a small binary container of named typed arrays plus a JSON header.
 *
 *   "RRCK" | u32 version | u32 headerBytes | header JSON | zero padding to 8 | array bytes...
 *
 * Written to a temporary name in the same folder and renamed, so a crash never leaves a
 * half-written checkpoint in place of a good one.
 */
import * as fs from "fs";
import * as path from "path";

export type StoredArray = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Float64Array;

const CTORS = { Float32Array, Int32Array, Int16Array, Int8Array, Uint8Array, Float64Array } as const;
type CtorName = keyof typeof CTORS;

const MAGIC = Buffer.from("RRCK");
const VERSION = 1;

interface Entry {
  name: string;
  dtype: CtorName;
  offset: number;
  length: number;
}

export function saveCheckpoint(file: string, meta: unknown, arrays: Record<string, StoredArray>): void {
  const entries: Entry[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const dtype = a.constructor.name as CtorName;
    if (!(dtype in CTORS)) throw new Error(`checkpoint ${file}: array ${name} has unsupported type ${dtype}`);
    offset = Math.ceil(offset / 8) * 8;
    entries.push({ name, dtype, offset, length: a.length });
    offset += a.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ meta, entries }), "utf8");
  const pre = Buffer.alloc(12);
  MAGIC.copy(pre, 0);
  pre.writeUInt32LE(VERSION, 4);
  pre.writeUInt32LE(header.length, 8);
  const headEnd = 12 + header.length;
  const dataStart = Math.ceil(headEnd / 8) * 8;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    const list = Object.values(arrays);
    let written = fs.writeSync(fd, pre) + fs.writeSync(fd, header);
    entries.forEach((e, i) => {
      const a = list[i];
      const pad = dataStart + e.offset - written;
      if (pad > 0) written += fs.writeSync(fd, Buffer.alloc(pad));
      written += fs.writeSync(fd, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function loadCheckpoint<M = unknown>(file: string): { meta: M; arrays: Record<string, StoredArray> } {
  if (!fs.existsSync(file)) throw new Error(`checkpoint ${file}: file not found`);
  const buf = fs.readFileSync(file);
  if (buf.length < 12 || !buf.subarray(0, 4).equals(MAGIC))
    throw new Error(`checkpoint ${file}: not a RecRepro checkpoint (bad magic)`);
  const version = buf.readUInt32LE(4);
  if (version !== VERSION) throw new Error(`checkpoint ${file}: version ${version}, expected ${VERSION}`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new Error(`checkpoint ${file}: truncated header`);
  const { meta, entries } = JSON.parse(buf.subarray(12, 12 + hlen).toString("utf8")) as {
    meta: M;
    entries: Entry[];
  };
  const dataStart = Math.ceil((12 + hlen) / 8) * 8;
  const arrays: Record<string, StoredArray> = {};
  for (const e of entries) {
    const C = CTORS[e.dtype];
    const bytes = e.length * C.BYTES_PER_ELEMENT;
    const start = dataStart + e.offset;
    if (start + bytes > buf.length) throw new Error(`checkpoint ${file}: truncated at array ${e.name}`);
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(start, start + bytes));
    arrays[e.name] = new C(copy.buffer);
  }
  return { meta, arrays };
}
