/**
 * Shared helpers of the data-layer tests: the project root and shared mirror (resolved from the
 * repository root, never hard-coded), temp caches, leftover detection and a rank AUC.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import assert from "node:assert/strict";
import { DataError } from "../../src/data/errors";
import { projectRoot } from "../../src/data/paths";

export const ROOT = projectRoot();
export const MIRROR = path.resolve(ROOT, "../shared/data");
process.env.RECREPRO_DATA_MIRROR = MIRROR;
process.env.RECREPRO_OFFLINE = "1";

/** A fresh temp folder (cache or scratch). */
export function tmpDir(prefix = "rr-data-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every path under `dir`, relative. */
export function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const rec = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) rec(p);
    }
  };
  rec(dir);
  return out;
}

/** Temp files/folders and processed folders without meta.json left under `dir`. */
export function leftovers(dir: string): string[] {
  const bad = walk(dir).filter((p) => /\.tmp-/.test(p));
  const processed = path.join(dir, "processed");
  if (fs.existsSync(processed)) {
    for (const id of fs.readdirSync(processed)) {
      for (const v of fs.readdirSync(path.join(processed, id))) {
        if (!fs.existsSync(path.join(processed, id, v, "meta.json"))) bad.push(path.join("processed", id, v));
      }
    }
  }
  return bad;
}

/** Rank AUC with ties counted half. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[idx[k]] === 1) {
        rankSum += r;
        pos++;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Writes `text` to a new file in `dir` and returns its path. */
export function writeFile(dir: string, name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** `p` rejects with a DataError BAD_ROW naming `file` and `line` (message starts `file:line: `) and matching `reason`. */
export async function expectBadRow(
  p: Promise<unknown>,
  file: string,
  line: number,
  reason: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, "BAD_ROW");
    assert.equal(e.file, file);
    assert.equal(e.line, line);
    assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
    assert.match(e.message, reason);
    return true;
  });
}
