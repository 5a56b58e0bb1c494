/**
 * The book (scripts/book.ts) on a small checkout made from fixtures: two executed notebooks
 * (the plotly bundle output the kernel emits, figures made by the kit's own figureHtml, formulas,
 * tables, an absolute path in a log line), a runner summary, a verdicts file with run records, a
 * claims.json and gallery images. Built, scanned for references that break an offline copy, and
 * loaded page by page in Debian's Chromium (scripts/book-browser.ts). A page planted with every
 * kind of fault checks that the browser checks can fail.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildBook, checkBook, type BookResult } from "../../scripts/book";
import { checkBookInBrowser, pageProblems, type BrowserReport } from "../../scripts/book-browser";
import { extractMath, renderMarkdown } from "../../scripts/book-markdown";
import { bundleHtml, figureHtml } from "../../src/plots/notebook";
import type { Figure } from "../../src/plots/figure";

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-book-"));
const BOOK = path.join(ROOT, "build", "book");
const SHOTS = `${BOOK}-screenshots`;
// A 2x2 PNG (valid image, red/white).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

const md = (source: string) => ({ cell_type: "markdown", metadata: {}, source });
const code = (source: string, outputs: unknown[], n: number) => ({
  cell_type: "code",
  execution_count: n,
  metadata: {},
  source,
  outputs,
});
const html = (h: string) => ({ output_type: "display_data", metadata: {}, data: { "text/html": h } });
const stdout = (t: string) => ({ output_type: "stream", name: "stdout", text: t });

const barFig: Figure = {
  data: [
    { type: "bar", name: "criteo", x: ["train", "valid", "test"], y: [0.21, 0.22, 0.2] },
    { type: "bar", name: "avazu", x: ["train", "valid", "test"], y: [0.17, null, 0.18] },
  ],
  layout: {
    title: { text: "Click rate per split" },
    yaxis: { title: { text: "positive rate" } },
    height: 360,
  },
};
const curveFig: Figure = {
  data: [
    { type: "scatter", mode: "lines+markers", name: "loss", x: [1, 2, 3, 4], y: [0.7, 0.6, 0.55, 0.5] },
    { type: "scatter", mode: "markers", name: "auc", x: [1, 2, 3], y: [0.6, 0.65, 0.7] },
  ],
  layout: {
    title: { text: "Learning curve" },
    xaxis: { title: { text: "epoch" } },
    yaxis: { title: { text: "value" } },
    height: 360,
  },
};
/** Title, legend and y-axis title piled onto one spot: the overlap check must see it. */
const overlapFig: Figure = {
  data: [{ type: "scatter", mode: "lines", name: "a very long legend entry", x: [0, 1], y: [0, 1] }],
  layout: {
    title: { text: "A long chart title that runs into the legend", x: 0.5, y: 0.97 },
    showlegend: true,
    legend: { orientation: "h", x: 0.3, y: 1.12, yanchor: "top" },
    margin: { t: 40 },
    height: 300,
  },
};

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 1));
}

function notebook(cells: unknown[]): unknown {
  return {
    cells,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function makeFixture(): void {
  const nbDir = path.join(ROOT, "build", "notebooks");
  writeJson(
    path.join(nbDir, "00-tour.ipynb"),
    notebook([
      md(
        "# 00 · A tour\n\nThe kit in one page. Logistic loss $\\ell(y, p) = -y \\log p - (1-y)\\log(1-p)$, with $p_i$ and $y_i$ per row.\n\n## Setup\n\n- one `import`\n- a **profile**: `smoke`",
      ),
      code(
        'import * as rr from "recrepro";',
        [stdout(`[recrepro] backend=cpu-native data=${path.join(ROOT, "figures", "tour")}\n`)],
        1,
      ),
      md(
        "## Data\n\n| split | rows |\n|---|---:|\n| train | 7200 |\n| test | 391 |\n\nThe mean over seeds:\n\n$$\\bar x = \\frac{1}{n}\\sum_{s=1}^{n} x_s$$",
      ),
      code(
        'nb.figure(T.labelRateFigure(data), "label-rates");',
        [html(bundleHtml()), html(figureHtml(barFig, "fig-bars"))],
        2,
      ),
      md("## Train\nCurves per epoch ([the paper](https://arxiv.org/abs/1708.05123))."),
      code(
        'nb.figure(T.curves(results), `${"criteo"}-learning-curves`);',
        [html(figureHtml(curveFig, "fig-curves"))],
        3,
      ),
    ]),
  );
  writeJson(
    path.join(nbDir, "01-demo.ipynb"),
    notebook([
      md("# 01 · Demo paper\n\nStep size \\(\\Delta_0 = r / (2^{b-1}-1)\\).\n\n## Results"),
      code(
        "rr.plots.showTable(rows);",
        [html('<table class="recrepro-table"><tr><td>1</td></tr></table>')],
        1,
      ),
    ]),
  );
  writeJson(path.join(ROOT, "notebooks", "02-unrun.ipynb"), notebook([md("# 02 · Not run yet")]));
  writeJson(path.join(ROOT, "notebooks", "00-tour.ipynb"), notebook([md("# 00 · A tour")]));
  writeJson(path.join(nbDir, "summary.json"), {
    profile: "smoke",
    startedAt: "2026-01-01T00:00:00.000Z",
    notebooks: [
      { notebook: "notebooks/00-tour.ipynb", status: "pass", wallSeconds: 12.5, errors: [] },
      { notebook: "notebooks/01-demo.ipynb", status: "fail", wallSeconds: 3.25, errors: [] },
    ],
  });
  const rec = path.join(ROOT, "figures", "tour", "criteo-dnn-smoke", "run.json");
  writeJson(rec, { runId: "criteo-dnn-smoke", profile: "smoke", data: { id: "criteo-8k" } });
  const part = (id: string, mean: number) => ({
    id,
    text: `DNN beats chance on ${id}`,
    source: "sanity",
    paperValue: null,
    ours: { mean, std: 0.004, n: 3 },
    reference: { mean: 0.5, std: 0, n: 1 },
    difference: mean - 0.5,
    delta: null,
    spread: 0.004,
    verdict: "holds",
    reason: "d outside the spread",
  });
  writeJson(path.join(ROOT, "figures", "tour", "verdicts-smoke.json"), {
    paper: "tour",
    profile: "smoke",
    createdAt: "2026-01-01T00:01:00.000Z",
    backend: "cpu-native",
    wallTimeSec: 12,
    claims: [
      {
        ...part("C1", 0),
        ours: null,
        reference: null,
        difference: null,
        spread: null,
        parts: [part("C1.criteo", 0.72)],
      },
      { ...part("C2", 0.51), verdict: "tie (inside spread)", reason: "d inside the spread" },
    ],
    records: [rec],
  });
  writeJson(path.join(ROOT, "src", "papers", "tour", "claims.json"), {
    paper: "tour",
    claims: [
      {
        id: "C1",
        text: "t",
        relation: { kind: "greater", ours: "{group}.dnn.auc", than: 0.5 },
        forEach: ["criteo"],
      },
      { id: "C2", text: "t", relation: { kind: "greater", ours: "criteo.dcn.auc", than: "criteo.dnn.auc" } },
    ],
  });
  writeJson(path.join(ROOT, "src", "papers", "demo", "claims.json"), {
    paper: "demo",
    claims: [
      { id: "C1", text: "Demo claim", relation: { kind: "within", a: "x.a.auc", b: "x.b.auc", tol: 0.01 } },
    ],
  });
  const figs = path.join(ROOT, "figures", "tour");
  fs.writeFileSync(path.join(figs, "label-rates-smoke.png"), PNG);
  fs.writeFileSync(
    path.join(figs, "label-rates-smoke.svg"),
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="#08c"/></svg>',
  );
  writeJson(path.join(figs, "label-rates-smoke.json"), barFig);
  fs.writeFileSync(path.join(figs, "criteo-learning-curves-smoke.png"), PNG);
}

let built: BookResult;
let report: BrowserReport;

before(async () => {
  makeFixture();
  built = buildBook({ repoRoot: ROOT });
  report = await checkBookInBrowser(
    BOOK,
    SHOTS,
    built.pages.map((p) => p.file),
  );
});

test("markdown: math is cut out before emphasis, code keeps its dollars", () => {
  const r = renderMarkdown(
    "A $a_i$ and $b_i$ _word_ `$x$` and $$\\sum_i x_i$$\n\n- item *one*\n  continued\n- two",
  );
  assert.equal(r.formulas, 3);
  assert.match(
    r.html,
    /<span class="rr-math">\$a_i\$<\/span> and <span class="rr-math">\$b_i\$<\/span> <em>word<\/em>/,
  );
  assert.match(r.html, /<code>\$x\$<\/code>/);
  assert.match(r.html, /<li>item <em>one<\/em>\ncontinued<\/li><li>two<\/li>/);
  assert.equal(extractMath("costs $5 and $6").math.length, 0, "prices are not math");
});

test("book: index, one page per notebook, dashboard and gallery, built in seconds with nothing absolute", () => {
  assert.deepEqual(built.problems, []);
  assert.deepEqual(
    built.pages.map((p) => p.file),
    ["index.html", "00-tour.html", "01-demo.html", "claims.html", "figures.html"],
  );
  assert.ok(built.ms < 10_000, `book took ${built.ms} ms`);
  const index = fs.readFileSync(path.join(BOOK, "index.html"), "utf8");
  assert.match(
    index,
    /00-tour\.html[\s\S]*smoke[\s\S]*cpu-native[\s\S]*12\.5 s[\s\S]*pass[\s\S]*1 holds[\s\S]*1 tie/,
  );
  assert.match(index, /01-demo\.html[\s\S]*3\.3 s[\s\S]*fail[\s\S]*no verdicts/);
  assert.match(
    index,
    /<td>02-unrun<\/td><td>02 · Not run yet<\/td>[\s\S]*not run/,
    "committed notebooks not executed are listed",
  );
  const tour = fs.readFileSync(path.join(BOOK, "00-tour.html"), "utf8");
  assert.ok(!tour.includes(ROOT), "absolute paths of the checkout are shown relative to it");
  assert.match(tour, /data=figures\/tour/);
  assert.equal(
    (tour.match(/plotly\.js 2\.\d+\.\d+ \(inlined/g) ?? []).length,
    0,
    "the kernel's plotly bundle is dropped",
  );
  assert.match(tour, /<script src="assets\/plotly\.min\.js"><\/script>/);
  assert.match(tour, /href="01-demo\.html">→/);
  assert.match(tour, /<nav class="toc">[\s\S]*href="#setup"[\s\S]*href="#data"/);
  const claims = fs.readFileSync(path.join(BOOK, "claims.html"), "utf8");
  assert.match(
    claims,
    /C1\.criteo[\s\S]*holds[\s\S]*0\.7200 ± 0\.0040[\s\S]*criteo-8k[\s\S]*records\/tour\/criteo-dnn-smoke\/run\.json/,
  );
  assert.match(claims, /Demo claim[\s\S]*not run/, "a paper without verdicts still lists its claims");
  assert.ok(fs.existsSync(path.join(BOOK, "records", "tour", "criteo-dnn-smoke", "run.json")));
  const gallery = fs.readFileSync(path.join(BOOK, "figures.html"), "utf8");
  assert.match(gallery, /Click rate per split[\s\S]*PNG[\s\S]*SVG[\s\S]*00-tour\.html#cell-3/);
  assert.match(
    gallery,
    /criteo-learning-curves[\s\S]*00-tour\.html#cell-5/,
    "template-literal names link too",
  );
  for (const a of ["assets/plotly.min.js", "assets/mathjax/tex-svg-full.js", "assets/book.css"])
    assert.ok(fs.existsSync(path.join(BOOK, a)), a);
});

test("checkBook: remote resources, file: URLs and absolute paths fail; prose links pass", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-book-check-"));
  fs.writeFileSync(
    path.join(dir, "p.html"),
    [
      '<a href="https://arxiv.org/abs/1">paper</a>',
      '<script src="https://cdn.example.org/mathjax.js"></script>',
      '<img src="/usr/share/javascript/x.png">',
      '<link rel="stylesheet" href="file:///tmp/x.css">',
      "<pre>read /work/shared/data/criteo/train.txt</pre>",
      '<div style="background:url(http://example.org/a.png)"></div>',
    ].join("\n"),
  );
  const problems = checkBook(dir);
  assert.equal(
    problems.filter((p) => p.includes("remote URL outside a prose link")).length,
    2,
    problems.join("\n"),
  );
  assert.ok(problems.some((p) => p.includes("p.html:3") && p.includes("absolute path")));
  assert.ok(problems.some((p) => p.includes("file: URL")));
  assert.ok(problems.some((p) => p.includes('absolute path "/work/shared/data/criteo/train.txt"')));
  assert.ok(!problems.some((p) => p.includes("arxiv")));
});

test("browser: every page loads cleanly, figures drawn point for point, formulas typeset, links resolve", () => {
  assert.ok(report.ok, report.pages.map((p) => `${p.file}: ${pageProblems(p).join("; ")}`).join("\n"));
  const tour = report.pages.find((p) => p.file === "00-tour.html")!;
  assert.equal(tour.plots.length, 2);
  const [bars, curves] = tour.plots;
  assert.equal(bars.expected, 5, "5 finite bars (one null)");
  assert.equal(bars.drawn, 5);
  assert.equal(curves.expected, 4 + 1 + 3, "4 markers + a line + 3 markers");
  assert.equal(curves.drawn, curves.expected);
  assert.equal(tour.formulas, 4);
  assert.equal(tour.typeset, 4);
  assert.equal(report.pages.find((p) => p.file === "01-demo.html")!.typeset, 1);
  assert.ok(report.pages.find((p) => p.file === "claims.html")!.links >= 5);
  for (const p of report.pages) {
    assert.ok(fs.statSync(p.screenshot).size > 5000, `screenshot of ${p.file}`);
    assert.equal(path.dirname(p.screenshot), SHOTS);
  }
});

test("browser: a broken page fails every check that applies", async () => {
  const bad = [
    "<!DOCTYPE html><html><head><meta charset='utf-8'>",
    '<script src="assets/plotly.min.js"></script>',
    "<script>window.MathJax = { options: { ignoreHtmlClass: 'rr-page', processHtmlClass: 'rr-math' } };</script>",
    '<script defer src="assets/mathjax/tex-svg-full.js"></script></head><body class="rr-page">',
    '<span class="rr-math">$\\frac{1}{$</span> <a href="nowhere.html">x</a> <a href="index.html#no-such-id">y</a>',
    '<img src="missing.png"><script>undefinedFunction();</script>',
    // Drawn with plotly directly: the kit's figures place legends below the plot (placeLegend), so
    // a planted overlap has to bypass that.
    '<div id="fig-overlap" class="recrepro-plot" style="width:600px;height:300px"></div>',
    `<script>Plotly.newPlot('fig-overlap', ${JSON.stringify(overlapFig.data)}, ${JSON.stringify(overlapFig.layout)});</script>`,
    // A figure whose div is filled with a wrong trace count: data says 3 bars, the DOM draws 0.
    '<div id="fig-empty" class="recrepro-plot" style="width:600px;height:300px"></div>',
    "<script>Plotly.newPlot('fig-empty', [{type:'bar', x:['a','b','c'], y:[1,2,3], visible:true}], {}).then(function(gd){ gd.querySelectorAll('.barlayer .point').forEach(function(p){p.remove();}); });</script>",
    "</body></html>",
  ].join("\n");
  fs.writeFileSync(path.join(BOOK, "bad.html"), bad);
  try {
    const r = await checkBookInBrowser(BOOK, SHOTS, ["bad.html"]);
    const p = r.pages[0];
    const problems = pageProblems(p);
    assert.equal(r.ok, false);
    assert.ok(
      p.consoleErrors.some((e) => e.includes("undefinedFunction")),
      problems.join("\n"),
    );
    assert.ok(
      p.failedRequests.some((e) => e.includes("missing.png")),
      problems.join("\n"),
    );
    assert.ok(
      p.brokenLinks.some((e) => e.startsWith("nowhere.html")),
      problems.join("\n"),
    );
    assert.ok(
      p.brokenLinks.some((e) => e.includes('no id "no-such-id"')),
      problems.join("\n"),
    );
    assert.ok(p.typeset < p.formulas || p.mathErrors.length > 0, problems.join("\n"));
    const overlap = p.plots.find((x) => x.id === "fig-overlap")!;
    assert.ok(
      overlap.overlaps.some((o) => /title .* overlaps legend|legend overlaps title/.test(o)),
      problems.join("\n"),
    );
    const empty = p.plots.find((x) => x.id === "fig-empty")!;
    assert.deepEqual([empty.expected, empty.drawn], [3, 0]);
  } finally {
    fs.rmSync(path.join(BOOK, "bad.html"));
  }
});
