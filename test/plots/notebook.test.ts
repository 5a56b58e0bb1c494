/** Notebook helpers outside a kernel: no-ops that return what they would display. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { figureHtml, inNotebook, lines, show, showHtml, showTable, tableHtml } from "../../src/plots";

test("outside a tslab kernel show/showHtml/showTable display nothing and return their input", () => {
  assert.equal(inNotebook(), false);
  const fig = lines([1, 2], { a: [1, 2] }, { title: "t" });
  assert.equal(show(fig), fig);
  assert.equal(showHtml("<b>x</b>"), "<b>x</b>");
  assert.match(showTable([{ a: 1 }]) ?? "", /<table/);
  assert.throws(() => show({} as never), /expected a plotly figure/);
});

test("figureHtml embeds the figure safely and draws it once plotly is loaded", () => {
  const fig = lines([1, 2], { "</script><b>": [1, 2] }, { title: "t", width: 500 });
  const html = figureHtml(fig, "fig-1");
  assert.match(html, /<div id="fig-1"/);
  assert.match(html, /Plotly\.newPlot/);
  assert.equal(html.match(/<\/script>/g)?.length, 1, "a series name cannot close the script element");
  assert.doesNotMatch(html, /"width":500/, "notebook figures fill the cell width");
});

test("tableHtml formats numbers, escapes text, limits rows and reads arquero tables", () => {
  const html = tableHtml(
    [
      { model: "<MLP>", auc: 0.712345678, n: 1000 },
      { model: "HAMUR", auc: 0.7345, extra: true },
    ],
    { caption: "AUC", digits: 3 },
  );
  assert.match(html, /&#60;MLP&#62;/);
  assert.doesNotMatch(html, /<MLP>/);
  assert.match(html, />0\.712</);
  assert.match(html, />1000</);
  assert.match(html, /<th[^>]*>extra<\/th>/, "columns are the union of row keys");
  const many = tableHtml(
    Array.from({ length: 60 }, (_, i) => ({ i })),
    { maxRows: 10 },
  );
  assert.equal(many.match(/<tr>/g)?.length, 11, "header + 10 rows");
  assert.match(many, /50 more rows \(60 in all\)/);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const aq = require("arquero") as {
    table(cols: Record<string, unknown[]>): Parameters<typeof tableHtml>[0];
  };
  const t = aq.table({ domain: ["a", "b", "c"], auc: [0.7, 0.71, 0.72] });
  const fromArquero = tableHtml(t, { maxRows: 2 });
  assert.match(fromArquero, /<th[^>]*>domain<\/th><th[^>]*>auc<\/th>/);
  assert.match(fromArquero, /1 more rows \(3 in all\)/);
});
