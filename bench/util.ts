/** Small helpers shared by the benchmark scripts (no timing logic here). */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../src/util/root";

export { writeJsonAtomic } from "../src/util/fs";
/** The repository root (src/util/root.ts). */
export const repoRoot = projectRoot;

export function resultsDir(): string {
  const d = path.join(repoRoot(), "bench", "results");
  fs.mkdirSync(d, { recursive: true });
  return d;
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
