/** Committed notebooks are generated from notebooks/src/*.ts and must be in sync with them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { notebookSources, parseMetadata, parsePercent, render } from "../../scripts/notebook-source";

test("every notebooks/src/NN-*.ts has an up-to-date notebooks/NN-*.ipynb", () => {
  const pairs = notebookSources();
  assert.ok(pairs.length >= 1, "no notebook sources found");
  for (const { src, out } of pairs) {
    assert.ok(fs.existsSync(out), `${path.basename(out)} missing: run node dist/scripts/notebook-source.js`);
    assert.equal(
      fs.readFileSync(out, "utf8"),
      render(src),
      `${path.basename(out)} is stale: run node dist/scripts/notebook-source.js`,
    );
  }
});

test("percent format: markdown and code cells, metadata header, clear errors", () => {
  const src =
    '// @metadata {"recrepro": {"runRecord": "figures/x/run.json"}}\n// %% [markdown]\n// # Title\n//\n// text\n\n// %%\nconst a = 1;\na\n';
  const cells = parsePercent(src, "x.ts");
  assert.equal(cells.length, 2);
  assert.equal(cells[0].cell_type, "markdown");
  assert.deepEqual(cells[0].source, ["# Title\n", "\n", "text"]);
  assert.deepEqual(cells[1].source, ["const a = 1;\n", "a"]);
  assert.deepEqual(parseMetadata(src), { recrepro: { runRecord: "figures/x/run.json" } });
  assert.throws(() => parsePercent("const x = 1;\n// %%\n", "y.ts"), /y\.ts:1: text before the first/);
  assert.throws(() => parsePercent("// %% [raw]\n", "z.ts"), /z\.ts:1: unknown cell marker/);
  assert.throws(
    () => parsePercent("// %% [markdown]\nnot a comment\n", "w.ts"),
    /w\.ts:2: markdown lines must start/,
  );
});
