/**
 * Atomic file writes: the one way the kit puts a file in place. The content goes to a temporary
 * name in the target's folder (same file system), is flushed, and is renamed over the target, so a
 * reader sees the old file or the new one, never half of one; on any error the temporary file is
 * removed and nothing is left behind.
 */
import * as fs from "fs";
import * as path from "path";

let counter = 0;

/** A fresh temporary path next to `file` (`.<name>.<pid>.<n>.tmp`, hidden from globs). */
export function tempPathFor(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.${counter}.tmp`);
}

/**
 * Writes `file` atomically through `write(fd)`, which writes the content to an open file
 * descriptor; the file is fsynced before the rename. Creates the folder. Returns `file`.
 */
export function writeAtomic(file: string, write: (fd: number) => void): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, "wx");
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return file;
}

/** Writes `data` to `file` atomically (see {@link writeAtomic}). Returns `file`. */
export function writeFileAtomic(file: string, data: string | Uint8Array): string {
  return writeAtomic(file, (fd) => fs.writeFileSync(fd, data));
}

/** Writes `value` as JSON (2-space indent, trailing newline unless `indent` says otherwise) atomically. */
export function writeJsonAtomic(file: string, value: unknown, indent = 2): string {
  return writeFileAtomic(file, JSON.stringify(value, null, indent) + "\n");
}
