/** arquero loads with require() on this Node and renders rows (including claim display rows) to HTML. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arquero, claimRowsForDisplay, compareClaims, escapeHtml, toTable } from "../../src/report";

test("require('arquero') works under CommonJS", () => {
  const aq = arquero();
  assert.equal(typeof aq.from, "function");
  assert.equal(typeof require("arquero").table, "function");
});

test("toTable", () => {
  const t = toTable([
    { model: "mmoe", auc: 0.7812345 },
    { model: "<ple>", auc: 0.79 },
  ]);
  assert.equal(t.numRows(), 2);
  assert.deepEqual(t.columnNames(), ["model", "auc"]);
});

test("claim display rows go straight into an arquero table", () => {
  const rows = claimRowsForDisplay(
    compareClaims([{ id: "C1", text: "x", relation: { kind: "greater", ours: "a", than: 0 } }], {
      a: [1, 2, 3],
    }),
  );
  const t = toTable(rows);
  assert.equal(t.numRows(), 1);
  assert.equal(t.get("verdict", 0), "holds");
});

test("escapeHtml", () => {
  assert.equal(escapeHtml(`<a href="x">&'</a>`), "&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;");
  assert.equal(escapeHtml(null), "");
});
