/** Figure builders: valid plotly figures, themed, with readable errors on bad input. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  Figure,
  PALETTE,
  fromSeeds,
  groupedBars,
  heatmap,
  isFigure,
  learningCurves,
  lines,
  scatter,
} from "../../src/plots";

/** Every kit figure: JSON-serialisable (no NaN), a title, the kit font and palette. */
function assertKitFigure(fig: Figure, title: string): void {
  assert.ok(isFigure(fig));
  assert.ok(fig.data.length > 0);
  const round = JSON.parse(JSON.stringify(fig)) as Figure;
  assert.deepEqual(round, fig, "figure survives a JSON round trip unchanged (no NaN/undefined values)");
  assert.equal(fig.layout.title?.text, title);
  assert.match(String((fig.layout.font as { family: string }).family), /Liberation Sans/);
  assert.deepEqual(fig.layout.colorway, [...PALETTE]);
  for (const trace of fig.data) assert.equal(typeof trace.type, "string");
}

test("learningCurves puts losses left and metrics on a right axis", () => {
  const fig = learningCurves(
    { epoch: [1, 2, 3], series: { "train loss": [0.7, 0.6, 0.5], "val auc": [0.6, 0.7, Number.NaN] } },
    { title: "curves" },
  );
  assertKitFigure(fig, "curves");
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[0].yaxis, "y");
  assert.equal(fig.data[1].yaxis, "y2");
  assert.deepEqual(fig.data[1].y, [0.6, 0.7, null], "NaN becomes a gap");
  assert.equal((fig.layout.yaxis2 as { side: string }).side, "right");
  assert.equal((fig.layout.xaxis as { title: { text: string } }).title.text, "epoch");
});

test("learningCurves uses steps when there are no epochs and rejects ragged series", () => {
  const fig = learningCurves({ step: [10, 20], series: { loss: [1, 0.5] } });
  assert.deepEqual(fig.data[0].x, [10, 20]);
  assert.equal(fig.layout.yaxis2, undefined, "no right axis when only losses are plotted");
  assert.throws(() => learningCurves({ epoch: [1, 2], series: { loss: [1] } }), /has 1 points, epoch has 2/);
  assert.throws(() => learningCurves({ series: {} }), /empty/);
});

test("lines draws one trace per series with palette colours and optional log axes", () => {
  const fig = lines(
    [1, 2, 4, 8],
    { fp32: [0.8, 0.8, 0.8, 0.8], int8: [0.79, 0.795, 0.8, 0.8] },
    { title: "bits", logX: true },
  );
  assertKitFigure(fig, "bits");
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["fp32", "int8"],
  );
  assert.equal((fig.data[1].line as { color: string }).color, PALETTE[1]);
  assert.equal((fig.layout.xaxis as { type: string }).type, "log");
  assert.throws(() => lines([1, 2], { a: [1] }), /has 1 points, x has 2/);
});

test("fromSeeds gives mean and sample standard deviation per category", () => {
  const s = fromSeeds([
    [1, 10],
    [3, 10],
  ]);
  assert.deepEqual(s.values, [2, 10]);
  assert.ok(Math.abs((s.error ?? [])[0] - Math.SQRT2) < 1e-12);
  assert.equal((s.error ?? [])[1], 0);
  assert.deepEqual(fromSeeds([[0.5, 0.6]]).error, [0, 0], "one seed: no spread");
});

test("groupedBars groups series per category with error bars and a zoomed range", () => {
  const fig = groupedBars(
    ["d1", "d2", "d3"],
    {
      HAMUR: fromSeeds([
        [0.78, 0.74, 0.71],
        [0.79, 0.75, 0.7],
      ]),
      MLP: [0.76, 0.73, 0.69],
    },
    { title: "AUC per domain", yTitle: "AUC", labelDigits: 3, referenceLine: { y: 0.7, label: "baseline" } },
  );
  assertKitFigure(fig, "AUC per domain");
  assert.equal(fig.layout.barmode, "group");
  assert.deepEqual(fig.data[0].x, ["d1", "d2", "d3"]);
  assert.ok(fig.data[0].error_y, "seed spread drawn as error bars");
  assert.equal(fig.data[1].error_y, undefined);
  assert.deepEqual(fig.data[1].text, ["0.760", "0.730", "0.690"]);
  const [lo, hi] = (fig.layout.yaxis as { range: [number, number] }).range;
  assert.ok(lo > 0.6 && lo < 0.69 && hi > 0.795, `range [${lo}, ${hi}] shows the differences`);
  assert.equal((fig.layout.shapes as unknown[]).length, 1);
  assert.throws(() => groupedBars(["a", "b"], { m: [1] }), /1 values, 2 categories/);
});

test("groupedBars includes zero for signed deltas", () => {
  const fig = groupedBars(["a", "b"], { delta: [-0.01, 0.02] }, { title: "deltas" });
  const [lo, hi] = (fig.layout.yaxis as { range: [number, number] }).range;
  assert.ok(lo < -0.01 && hi > 0.02);
});

test("heatmap keeps row order top-down, labels cells and checks shapes", () => {
  const fig = heatmap(
    [
      [0.5, 0.3, 0.2],
      [0.1, 0.8, 0.1],
    ],
    { x: ["e1", "e2", "e3"], y: ["d1", "d2"], title: "gates", zmin: 0, zmax: 1 },
  );
  assertKitFigure(fig, "gates");
  assert.equal(fig.data[0].type, "heatmap");
  assert.equal(fig.data[0].colorscale, "Viridis");
  assert.equal(fig.data[0].texttemplate, "%{z:.2f}");
  assert.equal((fig.layout.yaxis as { autorange: string }).autorange, "reversed");
  assert.throws(() => heatmap([[1, 2], [3]]), /different lengths/);
  assert.throws(() => heatmap([[1, 2]], { x: ["a"] }), /1 x labels for 2 columns/);
});

test("scatter draws named point sets and the y = x diagonal", () => {
  const fig = scatter(
    { x: [0.7, 0.8], y: [0.71, 0.79], text: ["a", "b"] },
    { title: "paper vs ours", diagonal: true, labels: true },
  );
  assertKitFigure(fig, "paper vs ours");
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[0].mode, "markers+text");
  assert.deepEqual(fig.data[1].x, [0.7, 0.8]);
  const multi = scatter({ A: { x: [1], y: [2] }, B: { x: [3], y: [4] } });
  assert.deepEqual(
    multi.data.map((t) => t.name),
    ["A", "B"],
  );
  assert.throws(() => scatter({ x: [1, 2], y: [1] }), /2 x and 1 y/);
});
