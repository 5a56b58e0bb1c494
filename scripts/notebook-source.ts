/**
 * Notebooks are written as percent-format TypeScript (`notebooks/src/NN-name.ts`, like
 * jupytext): cells start at `// %%` (code) or `// %% [markdown]` (markdown, each line behind
 * `// `). This turns them into `notebooks/NN-name.ipynb` with the tslab kernelspec and no
 * outputs, so reviews diff plain TypeScript and the committed notebooks never carry outputs.
 * An optional first line `// @metadata {...}` (JSON) is merged into the notebook metadata, e.g.
 * `// @metadata {"recrepro": {"runRecord": "figures/alpt/dnn-{profile}/run.json"}}`.
 *
 *   node dist/scripts/notebook-source.js          # write every notebook
 *   node dist/scripts/notebook-source.js --check  # exit 1 if a committed .ipynb is stale
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./link-kit";

export interface NotebookCell {
  /** nbformat 4.5 cell id: the first 8 hex digits of the sha1 of type and source (stable across rebuilds), "-2".. on repeats. */
  id?: string;
  cell_type: "markdown" | "code";
  metadata: Record<string, unknown>;
  source: string[];
  outputs?: unknown[];
  execution_count?: null;
}

const ROOT = REPO_ROOT;
const SRC_DIR = path.join(ROOT, "notebooks", "src");
const OUT_DIR = path.join(ROOT, "notebooks");

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  return lines
    .map((l, i) => (i < lines.length - 1 ? l + "\n" : l))
    .filter((l, i, a) => !(i === a.length - 1 && l === ""));
}

/** The `// @metadata {...}` header of a source, or {}. */
export function parseMetadata(source: string, file = "notebook source"): Record<string, unknown> {
  const first = source.split("\n", 1)[0];
  const m = /^\/\/ @metadata (.*)$/.exec(first);
  if (!m) return {};
  try {
    return JSON.parse(m[1]) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}:1: @metadata is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parse percent-format source into cells. */
export function parsePercent(source: string, file = "notebook source"): NotebookCell[] {
  const cells: NotebookCell[] = [];
  let cur: { type: "markdown" | "code"; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    while (cur.lines.length && cur.lines[cur.lines.length - 1].trim() === "") cur.lines.pop();
    while (cur.lines.length && cur.lines[0].trim() === "") cur.lines.shift();
    if (cur.lines.length === 0) return;
    const text = cur.lines.join("\n");
    cells.push(
      cur.type === "markdown"
        ? { cell_type: "markdown", metadata: {}, source: splitLines(text) }
        : { cell_type: "code", metadata: {}, source: splitLines(text), outputs: [], execution_count: null },
    );
  };
  source.split("\n").forEach((line, i) => {
    const m = /^\/\/ %%(.*)$/.exec(line);
    if (m) {
      flush();
      const tag = m[1].trim();
      if (tag !== "" && tag !== "[markdown]")
        throw new Error(`${file}:${i + 1}: unknown cell marker "// %%${m[1]}"`);
      cur = { type: tag === "[markdown]" ? "markdown" : "code", lines: [] };
      return;
    }
    if (!cur) {
      if (i === 0 && line.startsWith("// @metadata ")) return;
      if (line.trim() !== "") throw new Error(`${file}:${i + 1}: text before the first "// %%" marker`);
      return;
    }
    if (cur.type === "markdown") {
      if (line.trim() !== "" && !/^\/\/( |$)/.test(line))
        throw new Error(`${file}:${i + 1}: markdown lines must start with "// "`);
      cur.lines.push(line.replace(/^\/\/ ?/, ""));
    } else cur.lines.push(line);
  });
  flush();
  return cells;
}

/** Gives every cell an nbformat 4.5 id derived from its content (unique within the notebook). */
export function withCellIds(cells: NotebookCell[]): NotebookCell[] {
  const seen = new Map<string, number>();
  return cells.map((c) => {
    const base = crypto
      .createHash("sha1")
      .update(`${c.cell_type}\n${c.source.join("")}`)
      .digest("hex")
      .slice(0, 8);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const { id: _old, ...rest } = c;
    return { id: n === 1 ? base : `${base}-${n}`, ...rest };
  });
}

export function toNotebook(cells: NotebookCell[], extra: Record<string, unknown> = {}): string {
  const nb = {
    cells: withCellIds(cells),
    metadata: {
      ...extra,
      kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
      language_info: {
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
        file_extension: ".ts",
        mimetype: "text/typescript",
        name: "typescript",
        version: "3.7.2",
      },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(nb, null, 1) + "\n";
}

/** Every (source, notebook) pair. */
export function notebookSources(): { src: string; out: string }[] {
  if (!fs.existsSync(SRC_DIR)) return [];
  return fs
    .readdirSync(SRC_DIR)
    .filter((f) => /^\d\d-[a-z0-9-]+\.ts$/.test(f))
    .sort()
    .map((f) => ({ src: path.join(SRC_DIR, f), out: path.join(OUT_DIR, f.replace(/\.ts$/, ".ipynb")) }));
}

export function render(src: string): string {
  const text = fs.readFileSync(src, "utf8");
  const rel = path.relative(ROOT, src);
  return toNotebook(parsePercent(text, rel), parseMetadata(text, rel));
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { src, out } of notebookSources()) {
    const text = render(src);
    const current = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : null;
    if (current === text) continue;
    if (check) {
      console.error(
        `${path.relative(ROOT, out)} is out of date with ${path.relative(ROOT, src)}: run node dist/scripts/notebook-source.js`,
      );
      stale++;
    } else {
      const tmp = `${out}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, out);
      console.log(`wrote ${path.relative(ROOT, out)}`);
    }
  }
  if (stale) process.exit(1);
}

if (require.main === module) main();
