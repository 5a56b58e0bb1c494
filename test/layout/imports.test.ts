/**
 * The layout's import rules (README "Layout"): dependencies run one way through the layers
 * util -> engine -> data -> metrics -> models -> report -> train -> plots -> papers -> index,
 * and the import graph of src/ has no cycle. Reads the TypeScript sources (not dist/): the layer
 * rule covers type-only imports too; the cycle rule covers the imports that exist at run time
 * (a type-only import is erased by the compiler and cannot form a load-order cycle).
 */
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../src/util/root";

export const LAYERS = [
  "util",
  "engine",
  "data",
  "metrics",
  "models",
  "report",
  "train",
  "plots",
  "papers",
  "index",
] as const;

const SRC = path.join(projectRoot(), "src");

/** Every .ts file under `dir`, as absolute paths. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The layer of a file under src/: its top folder, or "index" for files directly in src/. */
export function layerOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? "index" : rel[0];
}

/** Relative imports and re-exports of a source text (`import ... from "./x"`, `export ... from "../y"`, `import("./z")`, `require("./w")`). */
export function relativeImports(text: string, opts: { runtimeOnly?: boolean } = {}): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(import|export)(\s+type\b)?\b[^;]*?\bfrom\s+"(\.[^"]+)"|\bimport\(\s*"(\.[^"]+)"\s*\)|\brequire\(\s*"(\.[^"]+)"\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (opts.runtimeOnly && m[2]) continue;
    out.push(m[3] ?? m[4] ?? m[5]);
  }
  return out;
}

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, "index.ts")])
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return null;
}

/** The import graph of src/: file -> files it imports (JSON imports left out). */
export function importGraph(opts: { runtimeOnly?: boolean } = {}): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources(SRC)) {
    const deps = relativeImports(fs.readFileSync(f, "utf8"), opts)
      .filter((s) => !s.endsWith(".json"))
      .map((s) => {
        const r = resolve(f, s);
        if (!r) throw new Error(`${path.relative(SRC, f)}: cannot resolve import "${s}"`);
        return r;
      });
    g.set(f, deps);
  }
  return g;
}

/** One cycle of the graph (as a file list), or null. */
export function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === 1) return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of g.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

test("every file of src/ sits in a known layer", () => {
  for (const f of sources(SRC))
    assert.ok(
      (LAYERS as readonly string[]).includes(layerOf(f)),
      `${path.relative(SRC, f)}: layer "${layerOf(f)}" is not one of ${LAYERS.join(", ")}`,
    );
});

test("imports run one way through the layers (no layer imports a later one)", () => {
  const rank = new Map(LAYERS.map((l, i) => [l as string, i]));
  const wrong: string[] = [];
  for (const [f, deps] of importGraph()) {
    for (const d of deps) {
      if (rank.get(layerOf(d))! > rank.get(layerOf(f))!)
        wrong.push(
          `${path.relative(SRC, f)} (${layerOf(f)}) imports ${path.relative(SRC, d)} (${layerOf(d)})`,
        );
    }
  }
  assert.deepEqual(wrong, [], `wrong-way imports:\n${wrong.join("\n")}`);
});

test("the run-time import graph of src/ has no cycle", () => {
  const c = findCycle(importGraph({ runtimeOnly: true }));
  assert.equal(c, null, c ? `import cycle: ${c.map((f) => path.relative(SRC, f)).join(" -> ")}` : "");
});

test("the checker sees wrong-way imports and cycles (it can fail)", () => {
  const text = 'import type { A } from "../train/x";\nexport * from "./y";\nconst z = require("./z");';
  assert.deepEqual(relativeImports(text), ["../train/x", "./y", "./z"]);
  assert.deepEqual(relativeImports(text, { runtimeOnly: true }), ["./y", "./z"]);
  const g = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
  ]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  assert.equal(
    findCycle(
      new Map([
        ["a", ["b"]],
        ["b", []],
      ]),
    ),
    null,
  );
});
