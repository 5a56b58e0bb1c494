/** Small helpers shared by the benchmark scripts (no timing logic here). */
import * as fs from "fs";
import * as path from "path";

/** Repository root: the first ancestor of this file that holds package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return process.cwd();
}

export function resultsDir(): string {
  const d = path.join(repoRoot(), "bench", "results");
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Writes JSON atomically: temp file in the same folder, fsync, rename. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 2) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** `--name value` or `--name=value` from argv. */
export function argValue(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

export function hasFlag(name: string): boolean {
  return process.argv.slice(2).includes(name);
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
