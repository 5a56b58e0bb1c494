/**
 * Notebook display helpers for the tslab kernel: `show` (plotly figure), `showTable`,
 * `showHtml`.
 *
 * Inside a tslab kernel each helper emits a `text/html` display output and returns
 * `undefined` (so a trailing `show(fig)` does not also print the figure object). Outside a
 * kernel (scripts, tests) nothing is displayed and the helper returns what it would have
 * shown: the figure, or the HTML string.
 *
 * Plotly works offline: the first figure of a kernel process is preceded by one output
 * holding the whole plotly.js bundle as a `<script>`; each figure is then a `<div>` plus a
 * `Plotly.newPlot` call. Both survive `nbconvert --to html`.
 */
import { inNotebook, tslab, type TslabDisplay } from "../engine/notebook";
import { Figure, isFigure, placeLegend } from "./figure";

export { inNotebook };
import { plotlyInlineScript, plotlyVersion, scriptJson } from "./bundle";
import { escapeHtml } from "../report/tables";

const BUNDLE_EMITTED = Symbol.for("recrepro.plots.plotlyBundleEmitted");
let figureCounter = 0;

/** tslab's display object when this process is a tslab kernel executing a cell, else null. */
export function tslabDisplay(): TslabDisplay | null {
  return tslab()?.display ?? null;
}

/** Where the figure scripts fetch plotly.js when the page lacks it, relative to the server root. */
export const PLOTLY_FILES_PATH = "files/node_modules/plotly.js-dist-min/plotly.min.js";

/**
 * The HTML for one figure: a `<div>` and a script that draws it once `window.Plotly` exists.
 * The kernel's first figure is preceded by the bundle output; when the page has no plotly.js
 * (a browser reload, a reopened notebook whose bundle output is gone, a plot cell re-run after
 * the page was reloaded) the script fetches it from the Jupyter server
 * (`<base url>files/node_modules/plotly.js-dist-min/plotly.min.js`, served when the server root
 * is the repository, as `npm run notebook` starts it) and evaluates it with AMD hidden, once
 * per page. The short poll covers front ends that run output scripts asynchronously.
 */
export function figureHtml(fig: Figure, divId = nextFigureId()): string {
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 450;
  const layout = placeLegend(fig.layout);
  // In a notebook the figure fills the cell width; exports use an explicit width.
  delete layout.width;
  layout.autosize = true;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  return [
    `<div id="${divId}" class="recrepro-plot" style="width:100%;height:${height}px;"></div>`,
    "<script>",
    "(function () {",
    `  var id = ${JSON.stringify(divId)}, tries = 0;`,
    `  var data = ${scriptJson(fig.data)}, layout = ${scriptJson(layout)}, config = ${scriptJson(config)};`,
    "  function fail(why) {",
    "    var el = document.getElementById(id);",
    "    if (el) el.textContent = 'plotly.js could not be loaded (' + why + '): start Jupyter with ' +",
    "      '`npm run notebook`, or restart the kernel and re-run the cell.';",
    "  }",
    "  function load() {",
    "    if (window.__recreproPlotly) return window.__recreproPlotly;",
    "    var base = (document.body && document.body.getAttribute('data-base-url')) || '/';",
    "    if (base.charAt(base.length - 1) !== '/') base += '/';",
    `    var url = base + ${JSON.stringify(PLOTLY_FILES_PATH)};`,
    "    window.__recreproPlotly = fetch(url, { credentials: 'same-origin' }).then(function (r) {",
    "      if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + url);",
    "      return r.text();",
    "    }).then(function (src) {",
    "      if (!window.Plotly) new Function('define', 'module', 'exports', src).call(window);",
    "      if (!window.Plotly) throw new Error('the script did not define Plotly');",
    "    });",
    "    window.__recreproPlotly.catch(function () { window.__recreproPlotly = null; });",
    "    return window.__recreproPlotly;",
    "  }",
    "  function draw() {",
    "    var el = document.getElementById(id);",
    "    if (el && window.Plotly) { window.Plotly.newPlot(el, data, layout, config); return; }",
    "    if (++tries < 20) { setTimeout(draw, 50); return; }",
    "    if (!el) return;",
    "    if (typeof fetch !== 'function') { fail('no fetch in this page'); return; }",
    "    load().then(function () { window.Plotly.newPlot(document.getElementById(id), data, layout, config); },",
    "      function (e) { fail(String(e && e.message || e)); });",
    "  }",
    "  draw();",
    "})();",
    "</script>",
  ].join("\n");
}

/** The one-per-kernel output that loads plotly.js. */
export function bundleHtml(): string {
  return `<script>\n/* plotly.js ${plotlyVersion()} (inlined once per kernel by recrepro) */\n${plotlyInlineScript()}\n</script>`;
}

function nextFigureId(): string {
  figureCounter += 1;
  return `rr-plot-${process.pid}-${Date.now().toString(36)}-${figureCounter}`;
}

/**
 * Displays a plotly figure inline. Returns `undefined` in a notebook; outside one it is a
 * no-op returning the figure.
 */
export function show(fig: Figure): Figure | undefined {
  if (!isFigure(fig)) throw new Error("plots.show: expected a plotly figure {data, layout}");
  const display = tslabDisplay();
  if (display === null) return fig;
  const g = globalThis as Record<symbol, unknown>;
  if (!g[BUNDLE_EMITTED]) {
    display.html(bundleHtml());
    g[BUNDLE_EMITTED] = true;
  }
  display.html(figureHtml(fig));
  return undefined;
}

/** Displays raw HTML. Returns `undefined` in a notebook; outside one it returns the HTML. */
export function showHtml(html: string): string | undefined {
  const display = tslabDisplay();
  if (display === null) return html;
  display.html(html);
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Tables

/** A row of a table: column name to value. */
export type Row = Record<string, unknown>;

/** The part of an arquero table the kit reads (arquero 7 `ColumnTable`). */
export interface TableLike {
  numRows(): number;
  columnNames(): string[];
  objects(options?: { limit?: number }): object[];
}

export interface TableOptions {
  /** Rows shown; the rest are counted in a footer. Default 50. */
  maxRows?: number;
  /** Decimals for non-integer numbers. Default 4. */
  digits?: number;
  /** Caption above the table. */
  caption?: string;
  /** Columns to show, in order; default all (in first-seen order). */
  columns?: string[];
}

function isTableLike(t: unknown): t is TableLike {
  const x = t as Partial<TableLike> | null;
  return (
    typeof x === "object" &&
    x !== null &&
    typeof x.numRows === "function" &&
    typeof x.objects === "function" &&
    typeof x.columnNames === "function"
  );
}

function formatCell(v: unknown, digits: number): { text: string; numeric: boolean } {
  if (v === null || v === undefined) return { text: "", numeric: false };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { text: "NaN", numeric: true };
    if (Number.isInteger(v)) return { text: String(v), numeric: true };
    const abs = Math.abs(v);
    const text = abs !== 0 && (abs < 10 ** -digits || abs >= 1e9) ? v.toExponential(2) : v.toFixed(digits);
    return { text, numeric: true };
  }
  if (typeof v === "bigint") return { text: v.toString(), numeric: true };
  if (typeof v === "boolean") return { text: v ? "yes" : "no", numeric: false };
  if (v instanceof Date) return { text: v.toISOString(), numeric: false };
  if (typeof v === "object") return { text: JSON.stringify(v), numeric: false };
  return { text: String(v), numeric: false };
}

/** An HTML table for an array of rows or an arquero table (pure; used by `showTable` and reports). */
export function tableHtml(rows: ReadonlyArray<Row> | TableLike, opts: TableOptions = {}): string {
  const maxRows = opts.maxRows ?? 50;
  const digits = opts.digits ?? 4;
  let total: number;
  let shown: Row[];
  let columns: string[];
  if (isTableLike(rows)) {
    total = rows.numRows();
    shown = rows.objects({ limit: maxRows }) as Row[];
    columns = opts.columns ?? rows.columnNames();
  } else {
    total = rows.length;
    shown = rows.slice(0, maxRows);
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    columns = opts.columns ?? [...seen];
  }
  const th = "padding:4px 10px;border-bottom:2px solid #444;text-align:left;";
  const td = "padding:3px 10px;border-bottom:1px solid #ddd;";
  const out: string[] = [
    '<table class="recrepro-table" style="border-collapse:collapse;font-family:sans-serif;font-size:13px;">',
  ];
  if (opts.caption)
    out.push(
      `<caption style="caption-side:top;text-align:left;font-weight:bold;padding:4px 0;">${escapeHtml(opts.caption)}</caption>`,
    );
  out.push(
    "<thead><tr>" + columns.map((c) => `<th style="${th}">${escapeHtml(c)}</th>`).join("") + "</tr></thead>",
  );
  out.push("<tbody>");
  for (const r of shown) {
    const cells = columns.map((c) => {
      const { text, numeric } = formatCell(r[c], digits);
      return `<td style="${td}${numeric ? "text-align:right;font-variant-numeric:tabular-nums;" : "text-align:left;"}">${escapeHtml(text)}</td>`;
    });
    out.push("<tr>" + cells.join("") + "</tr>");
  }
  out.push("</tbody></table>");
  if (total > shown.length)
    out.push(
      `<div style="font-size:12px;color:#666;">… ${total - shown.length} more rows (${total} in all)</div>`,
    );
  return out.join("\n");
}

/** Displays a table of rows or an arquero table. Returns `undefined` in a notebook; outside one, the HTML. */
export function showTable(rows: ReadonlyArray<Row> | TableLike, opts: TableOptions = {}): string | undefined {
  return showHtml(tableHtml(rows, opts));
}
