/**
 * Notebook hygiene: every committed notebook is valid nbformat-4 JSON on the tslab kernel,
 * carries no outputs or execution counts, opens with a markdown title, and follows the
 * guide's rules for code (no Math.random, no absolute paths).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
}
interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name?: string; language?: string }; recrepro?: { runRecord?: unknown } };
  cells: Cell[];
}

function notebooksIn(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

const committed = notebooksIn("notebooks");
const fixtures = notebooksIn(path.join("test", "notebooks", "fixtures"));

function source(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

test("notebooks/ holds numbered notebooks only", () => {
  for (const f of committed)
    assert.match(path.basename(f), /^\d{2}-[a-z0-9-]+\.ipynb$/, `${f}: name notebooks NN-kebab-case.ipynb`);
});

for (const file of [...committed, ...fixtures]) {
  test(`${file} is a clean tslab notebook`, () => {
    let nb: Notebook;
    try {
      nb = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Notebook;
    } catch (err) {
      assert.fail(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    assert.equal(nb.nbformat, 4, "nbformat 4");
    assert.equal(nb.metadata?.kernelspec?.name, "tslab", "kernelspec.name must be tslab");
    assert.ok(Array.isArray(nb.cells) && nb.cells.length > 0, "has cells");
    const first = nb.cells[0];
    assert.equal(first.cell_type, "markdown", "first cell is markdown");
    assert.match(source(first), /^# \S/, "first cell starts with a '# Title'");
    nb.cells.forEach((cell, i) => {
      assert.ok(
        ["markdown", "code", "raw"].includes(cell.cell_type),
        `cell ${i}: unknown type ${cell.cell_type}`,
      );
      if (cell.cell_type !== "code") return;
      assert.deepEqual(cell.outputs, [], `cell ${i} carries outputs: clear them before committing`);
      assert.equal(cell.execution_count, null, `cell ${i} carries an execution count`);
      assert.equal((cell.metadata ?? {}).execution, undefined, `cell ${i} carries execution timing metadata`);
      const code = source(cell);
      assert.doesNotMatch(code, /Math\.random\s*\(/, `cell ${i}: use the kit's seeded RNG, not Math.random`);
      assert.doesNotMatch(
        code,
        /["'`](\/(work|home|root|tmp|Users)\/|[A-Za-z]:\\)/,
        `cell ${i}: no absolute paths`,
      );
    });
  });
}

for (const file of committed) {
  test(`${file} declares its run record`, () => {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Notebook;
    const rec = nb.metadata.recrepro?.runRecord;
    assert.equal(
      typeof rec,
      "string",
      'metadata.recrepro.runRecord: e.g. "figures/<paper>/{profile}/run.json"',
    );
    assert.ok(!path.isAbsolute(rec as string), "runRecord is relative to the repository root");
  });
}

/** Longest source line a cell may hold: prettier's printWidth (code) and the ~100 of markdown. */
const MAX_LINE = 110;

for (const file of committed) {
  test(`${file}: nbformat 4.5 cell ids and no line wider than ${MAX_LINE} characters`, () => {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Notebook;
    assert.ok(nb.nbformat_minor >= 5, "nbformat_minor >= 5 (cell ids)");
    const ids = new Set<string>();
    nb.cells.forEach((cell, i) => {
      assert.equal(typeof cell.id, "string", `cell ${i} has no id: run npm run notebooks:build`);
      assert.match(cell.id as string, /^[A-Za-z0-9_-]{1,64}$/, `cell ${i}: id as nbformat 4.5 defines it`);
      assert.ok(!ids.has(cell.id as string), `cell ${i}: id ${String(cell.id)} repeats`);
      ids.add(cell.id as string);
      source(cell)
        .split("\n")
        .forEach((line, j) =>
          assert.ok(
            line.length <= MAX_LINE,
            `cell ${i} line ${j + 1} is ${line.length} characters (max ${MAX_LINE}): wrap it in notebooks/src`,
          ),
        );
    });
  });
}
