/**
 * The book: every executed notebook as one offline static site (`npm run book`; the main job
 * builds it after the notebooks).
 *
 * Reads the executed copies `build/notebooks/NN-*.ipynb`, the runner's `summary.json`, and
 * `figures/<paper>/verdicts-<profile>.json` with the run records they name, and writes
 * build/book/:
 *
 *   index.html       the notebooks in reading order: paper, profile, backend, wall time,
 *                    execution pass/fail, verdict counts
 *   NN-<id>.html     one page per executed notebook: table of contents, previous/next links
 *   claims.html      the claims dashboard: every claim of every paper with its verdict,
 *                    measured numbers with seed spread, run records, data sets and profile
 *   figures.html     the figure gallery: every PNG/SVG under figures/, captioned, linked to
 *                    the notebook cell that made it
 *   assets/          plotly.js, MathJax (SVG output, one file: no font downloads), fonts, CSS
 *   figures/, records/   copies of the figures and run records the pages link to
 *
 * Nothing is loaded from the network and no page references an absolute path: `checkBook`
 * scans every page and the build fails (exit 1) on a remote URL outside a prose link (`<a>`),
 * a `file:` URL, a root-relative or absolute reference, or an absolute path of this machine in
 * the text (paths under the repository are shown relative to it). Notebook outputs that embed
 * the plotly bundle are replaced by the one shared copy in assets/.
 *
 * Usage: node dist/scripts/book.js [--notebooks DIR] [--figures DIR] [--out DIR] [--root DIR] [--browser]
 *   --root      the checkout the notebooks ran in (paths under it are shown relative; default this one)
 *   --browser   also load every page in Chromium (scripts/book-browser.ts) and write a
 *               screenshot per page to <out>-screenshots/
 */
import * as fs from "fs";
import * as path from "path";
import { escapeHtml, renderMarkdown, type Heading } from "./book-markdown";

/** Repository root (scripts/ or dist/scripts/ up). */
export const BOOK_REPO_ROOT = (() => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, "package.json")) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
})();

export interface BookOptions {
  /** Folder with the executed notebooks and summary.json. Default build/notebooks. */
  notebooksDir?: string;
  /** Folder with figures/<paper>/ (verdicts, run records, PNG/SVG). Default figures. */
  figuresDir?: string;
  /** Output folder. Default build/book. */
  outDir?: string;
  /** Root that paths in notebooks and records are shown relative to. Default the repository. */
  repoRoot?: string;
  /** Folder with src/papers/<id>/claims.json (claims of papers with no verdicts yet). Default repo src/papers. */
  papersDir?: string;
}

export interface BookPage {
  file: string;
  title: string;
  /** Formulas the page hands to MathJax. */
  formulas: number;
  /** plotly figures on the page. */
  figures: number;
}

export interface BookResult {
  outDir: string;
  pages: BookPage[];
  /** Problems found by checkBook (empty: the book is self-contained). */
  problems: string[];
  ms: number;
}

interface NbOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: NbOutput[];
  execution_count?: number | null;
}

interface Notebook {
  cells: NbCell[];
  metadata?: { recrepro?: { runRecord?: string } };
}

interface SeedSummary {
  mean: number;
  std: number;
  min?: number;
  max?: number;
  n: number;
}

interface ClaimRowJson {
  id: string;
  text: string;
  source: string | null;
  paperValue: number | null;
  ours: SeedSummary | null;
  reference: SeedSummary | null;
  difference: number | null;
  delta: number | null;
  spread: number | null;
  verdict: string;
  reason: string;
  parts?: ClaimRowJson[];
}

interface VerdictsFile {
  paper: string;
  profile: string;
  createdAt?: string;
  backend?: string;
  wallTimeSec?: number;
  claims: ClaimRowJson[];
  records?: string[];
}

interface SummaryNotebook {
  notebook: string;
  status: string;
  wallSeconds: number;
  errors: { cell: number; ename: string; evalue: string }[];
}

interface Summary {
  profile: string;
  startedAt?: string;
  notebooks: SummaryNotebook[];
}

interface ClaimsJson {
  paper: string;
  claims: {
    id: string;
    text: string;
    relation: Record<string, unknown>;
    forEach?: string[];
    source?: string;
  }[];
}

interface RunRecordInfo {
  /** Path shown to the reader (relative to the repository). */
  shown: string;
  /** Link inside the book (records/...), or null when the file is missing. */
  href: string | null;
  dataId: string | null;
  profile: string | null;
  runId: string | null;
}

interface NotebookEntry {
  name: string;
  paperId: string;
  title: string;
  nb: Notebook;
  page: string;
  status: string;
  wallSeconds: number | null;
  profile: string | null;
  backend: string | null;
  verdicts: VerdictsFile | null;
}

const VERDICT_CLASS: Record<string, string> = {
  holds: "v-holds",
  "does not hold": "v-fails",
  "tie (inside spread)": "v-tie",
  "not measurable": "v-na",
};
const VERDICT_ORDER = ["holds", "tie (inside spread)", "does not hold", "not measurable"];

const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));

function readJson<T>(file: string): T | null {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new Error(`book: ${file}: not valid JSON (${(e as Error).message})`);
  }
}

function writeFile(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function copyFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(2);
  return v.toFixed(digits);
}

function fmtSummary(s: SeedSummary | null): string {
  if (!s) return "";
  if (s.n <= 1) return fmt(s.mean);
  return `${fmt(s.mean)} ± ${fmt(s.std)} <span class="n">(n=${s.n})</span>`;
}

/** Absolute machine paths shown in outputs become relative to the repository; other roots are named. */
export function redactPaths(s: string, repoRoot: string): string {
  let out = s.split(`file://${repoRoot}/`).join("").split(`${repoRoot}/`).join("").split(repoRoot).join(".");
  const mirror = process.env.RECREPRO_DATA_MIRROR;
  if (mirror && path.isAbsolute(mirror)) out = out.split(path.resolve(mirror)).join("$RECREPRO_DATA_MIRROR");
  const home = process.env.HOME;
  if (home && home.length > 1) out = out.split(`${home}/`).join("~/");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Assets

interface Asset {
  from: string;
  to: string;
}

function resolveModuleFile(spec: string, repoRoot: string): string {
  return require.resolve(spec, { paths: [repoRoot, BOOK_REPO_ROOT] });
}

function assetList(repoRoot: string): Asset[] {
  const fontsDir = "/usr/share/fonts/truetype/liberation";
  const fonts = [
    "LiberationSans-Regular",
    "LiberationSans-Bold",
    "LiberationSans-Italic",
    "LiberationMono-Regular",
  ]
    .map((f) => ({ from: path.join(fontsDir, `${f}.ttf`), to: `assets/fonts/${f}.ttf` }))
    .filter((a) => fs.existsSync(a.from));
  return [
    { from: resolveModuleFile("plotly.js-dist-min", repoRoot), to: "assets/plotly.min.js" },
    {
      from: resolveModuleFile("mathjax/es5/tex-svg-full.js", repoRoot),
      to: "assets/mathjax/tex-svg-full.js",
    },
    ...fonts,
  ];
}

const CSS = `
@font-face { font-family: "Book Sans"; src: url("fonts/LiberationSans-Regular.ttf"); font-weight: normal; font-style: normal; }
@font-face { font-family: "Book Sans"; src: url("fonts/LiberationSans-Bold.ttf"); font-weight: bold; font-style: normal; }
@font-face { font-family: "Book Sans"; src: url("fonts/LiberationSans-Italic.ttf"); font-weight: normal; font-style: italic; }
@font-face { font-family: "Book Mono"; src: url("fonts/LiberationMono-Regular.ttf"); }
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 "Book Sans", "Liberation Sans", Arial, sans-serif; color: var(--fg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
code, pre { font-family: "Book Mono", "Liberation Mono", monospace; font-size: 13px; }
header.top { display: flex; gap: 18px; align-items: center; padding: 10px 24px; border-bottom: 1px solid var(--line); background: var(--bg2); position: sticky; top: 0; z-index: 10; }
header.top .brand { font-weight: bold; }
.layout { display: grid; grid-template-columns: 260px minmax(0, 1fr); gap: 28px; max-width: 1400px; margin: 0 auto; padding: 18px 24px; }
.layout.wide { grid-template-columns: minmax(0, 1fr); }
nav.toc { position: sticky; top: 60px; align-self: start; max-height: calc(100vh - 80px); overflow-y: auto; font-size: 13px; }
nav.toc ul { list-style: none; padding-left: 0; margin: 0; } nav.toc li { margin: 3px 0; }
nav.toc .l2 { padding-left: 12px; } nav.toc .l3 { padding-left: 24px; } nav.toc .l4 { padding-left: 36px; }
main { min-width: 0; }
.prevnext { display: flex; justify-content: space-between; gap: 12px; margin: 12px 0; padding: 8px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 14px; }
.cell { margin: 10px 0; } .cell.code .input { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; }
.cell.code .input pre { margin: 0; padding: 8px 12px; overflow-x: auto; white-space: pre; }
.prompt { font-size: 11px; color: var(--muted); margin: 2px 0; }
.output { margin: 6px 0 6px 0; overflow-x: auto; } .output pre { margin: 0; padding: 4px 12px; white-space: pre-wrap; word-break: break-word; }
.output.stderr pre { background: #fff8e1; } .output.error pre { background: #ffebe9; color: #82071e; }
.output img { max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; } th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #444; } .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.rr-table-wrap { overflow-x: auto; }
.rr-anchor { visibility: hidden; margin-left: 6px; font-size: 0.8em; } h1:hover .rr-anchor, h2:hover .rr-anchor, h3:hover .rr-anchor { visibility: visible; }
.rr-display { margin: 10px 0; overflow-x: auto; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; white-space: nowrap; }
.s-pass { background: #dafbe1; } .s-fail { background: #ffebe9; } .s-none { background: #eee; }
.v-holds { background: #d9f2d9; } .v-fails { background: #f8d7da; } .v-tie { background: #fff3cd; } .v-na { background: #e2e3e5; }
tr.part td:first-child { padding-left: 22px; white-space: nowrap; }
table.claims { font-size: 12.5px; } table.claims td, table.claims th { padding: 3px 6px; }
td.claim-text { min-width: 220px; } .rec a { white-space: nowrap; } td.reason { min-width: 150px; }
td.data { min-width: 90px; }
table.index td:nth-child(1), table.index td:nth-child(4), table.index th { white-space: nowrap; }
.n { color: var(--muted); font-size: 11px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 18px; }
.gallery figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.gallery img { width: 100%; height: auto; display: block; }
.gallery figcaption { font-size: 13px; margin-top: 6px; }
.muted { color: var(--muted); } .small { font-size: 12px; }
details.progress summary { cursor: pointer; color: var(--muted); font-size: 12px; }
h2.paper { margin-top: 28px; border-bottom: 1px solid var(--line); }
`;

// ---------------------------------------------------------------------------------------------
// Pages

interface PageParts {
  title: string;
  body: string;
  toc?: Heading[];
  math?: boolean;
  plotly?: boolean;
}

function pageHtml(p: PageParts): string {
  const head = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(p.title)} · RecRepro book</title>`,
    '<link rel="stylesheet" href="assets/book.css">',
  ];
  if (p.plotly) head.push('<script src="assets/plotly.min.js"></script>');
  if (p.math)
    head.push(
      "<script>",
      "window.MathJax = {",
      "  tex: { inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true },",
      "  svg: { fontCache: 'global' },",
      "  options: { ignoreHtmlClass: 'rr-page', processHtmlClass: 'rr-math', enableMenu: false },",
      "  startup: { typeset: true }",
      "};",
      "</script>",
      '<script defer src="assets/mathjax/tex-svg-full.js"></script>',
    );
  head.push("</head>");
  const toc =
    p.toc && p.toc.length > 0
      ? `<nav class="toc"><div class="small muted">Contents</div><ul>${p.toc
          .filter((h) => h.level <= 4)
          .map((h) => `<li class="l${h.level}"><a href="#${h.id}">${escapeHtml(h.text)}</a></li>`)
          .join("")}</ul></nav>`
      : "";
  return [
    ...head,
    '<body class="rr-page">',
    '<header class="top"><a class="brand" href="index.html">RecRepro book</a><a href="index.html">Notebooks</a><a href="claims.html">Claims dashboard</a><a href="figures.html">Figure gallery</a></header>',
    `<div class="layout${toc ? "" : " wide"}">${toc}<main>`,
    p.body,
    "</main></div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** True for an output that only loads the plotly bundle (the book loads one shared copy). */
export function isPlotlyBundle(html: string): boolean {
  return html.length > 200_000 && /plotly/i.test(html.slice(0, 2000)) && !/newPlot\(/.test(html.slice(-5000));
}

const PROGRESS = /^<div style="font:12px monospace;display:flex/;

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

function outputHtml(o: NbOutput, repoRoot: string, assets: (ext: string, data: Buffer) => string): string {
  const r = (s: string): string => redactPaths(s, repoRoot);
  if (o.output_type === "stream") {
    const cls = o.name === "stderr" ? "stderr" : "stdout";
    return `<div class="output ${cls}"><pre>${escapeHtml(r(stripAnsi(text(o.text))))}</pre></div>`;
  }
  if (o.output_type === "error") {
    const tb = (o.traceback ?? []).map(stripAnsi).join("\n") || `${o.ename}: ${o.evalue}`;
    return `<div class="output error"><pre>${escapeHtml(r(tb))}</pre></div>`;
  }
  const d = o.data ?? {};
  if (d["text/html"] !== undefined) {
    const html = text(d["text/html"]);
    if (isPlotlyBundle(html)) return "";
    return `<div class="output html">${r(html)}</div>`;
  }
  if (d["image/svg+xml"] !== undefined)
    return `<div class="output"><img src="${assets("svg", Buffer.from(text(d["image/svg+xml"])))}" alt="figure"></div>`;
  if (d["image/png"] !== undefined)
    return `<div class="output"><img src="${assets("png", Buffer.from(text(d["image/png"]).replace(/\s/g, ""), "base64"))}" alt="figure"></div>`;
  if (d["image/jpeg"] !== undefined)
    return `<div class="output"><img src="${assets("jpg", Buffer.from(text(d["image/jpeg"]).replace(/\s/g, ""), "base64"))}" alt="figure"></div>`;
  if (d["text/markdown"] !== undefined)
    return `<div class="output md">${renderMarkdown(r(text(d["text/markdown"]))).html}</div>`;
  if (d["text/plain"] !== undefined)
    return `<div class="output"><pre>${escapeHtml(r(stripAnsi(text(d["text/plain"]))))}</pre></div>`;
  return "";
}

/** Cell outputs, with runs of progress-bar lines folded into one <details>. */
function outputsHtml(
  outputs: NbOutput[],
  repoRoot: string,
  assets: (ext: string, data: Buffer) => string,
): string {
  const parts: string[] = [];
  let progress: string[] = [];
  const flush = (): void => {
    if (progress.length === 0) return;
    if (progress.length === 1) parts.push(`<div class="output html">${progress[0]}</div>`);
    else
      parts.push(
        `<details class="progress"><summary>${progress.length} progress lines (last: epoch bar below)</summary>${progress
          .slice(0, -1)
          .join("\n")}</details><div class="output html">${progress[progress.length - 1]}</div>`,
      );
    progress = [];
  };
  for (const o of outputs) {
    const html = o.output_type === "display_data" ? text(o.data?.["text/html"]) : "";
    if (html && PROGRESS.test(html)) {
      progress.push(html);
      continue;
    }
    flush();
    parts.push(outputHtml(o, repoRoot, assets));
  }
  flush();
  return parts.join("\n");
}

/** String literals of a code cell's source, as patterns (template literal holes match anything). */
function literalPatterns(src: string): RegExp[] {
  const out: RegExp[] = [];
  const re = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    const s = m[1] ?? m[2] ?? m[3] ?? "";
    if (s.length < 2) continue;
    const pat = s
      .split(/\$\{[^}]*\}/)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".+");
    out.push(new RegExp(`^${pat}$`));
  }
  return out;
}

interface FigureLink {
  page: string;
  anchor: string;
  section: string;
  patterns: RegExp[];
}

function notebookPage(
  e: NotebookEntry,
  prev: NotebookEntry | null,
  next: NotebookEntry | null,
  repoRoot: string,
  outDir: string,
  figureLinks: FigureLink[],
): BookPage {
  const ids = new Set<string>(["top"]);
  const headings: Heading[] = [];
  const body: string[] = [];
  let formulas = 0;
  let figures = 0;
  let section = e.title;
  let sectionId = "top";
  let assetCount = 0;
  const assets = (ext: string, data: Buffer): string => {
    assetCount += 1;
    const rel = `media/${e.name}-${assetCount}.${ext}`;
    writeFile(path.join(outDir, rel), data);
    return rel;
  };
  e.nb.cells.forEach((cell, i) => {
    const src = text(cell.source);
    if (cell.cell_type === "markdown") {
      const md = renderMarkdown(redactPaths(src, repoRoot), ids);
      headings.push(...md.headings);
      formulas += md.formulas;
      const last = md.headings[md.headings.length - 1];
      if (last) {
        section = last.text;
        sectionId = last.id;
      }
      body.push(`<div class="cell markdown" id="cell-${i}">${md.html}</div>`);
    } else if (cell.cell_type === "code") {
      const outs = outputsHtml(cell.outputs ?? [], repoRoot, assets);
      figures += (outs.match(/Plotly\.newPlot\(/g) ?? []).length;
      const count = cell.execution_count ?? " ";
      body.push(
        `<div class="cell code" id="cell-${i}"><div class="prompt">In [${count}]</div><div class="input"><pre><code>${escapeHtml(src)}</code></pre></div>${outs}</div>`,
      );
      if (/\.figure\(/.test(src))
        figureLinks.push({ page: e.page, anchor: `cell-${i}`, section, patterns: literalPatterns(src) });
      void sectionId;
    } else {
      body.push(`<div class="cell raw" id="cell-${i}"><pre>${escapeHtml(src)}</pre></div>`);
    }
  });
  const link = (x: NotebookEntry | null, label: string): string =>
    x ? `<a href="${x.page}">${label} ${escapeHtml(x.title)}</a>` : "<span></span>";
  const nav = `<div class="prevnext">${link(prev, "←")}<a href="index.html">contents</a>${link(next, "→")}</div>`;
  const status = `<p class="small muted" id="top">${escapeHtml(e.name)}.ipynb · profile ${escapeHtml(e.profile ?? "?")} · backend ${escapeHtml(e.backend ?? "?")} · ${statusBadge(e.status)} · wall time ${e.wallSeconds === null ? "?" : `${e.wallSeconds.toFixed(1)} s`}${e.verdicts ? ` · <a href="claims.html#${e.paperId}">claims</a>` : ""}</p>`;
  const html = pageHtml({
    title: e.title,
    body: nav + status + body.join("\n") + nav,
    toc: headings,
    math: true,
    plotly: true,
  });
  writeFile(path.join(outDir, e.page), html);
  return { file: e.page, title: e.title, formulas, figures };
}

function statusBadge(status: string): string {
  const cls = status.startsWith("pass") ? "s-pass" : status === "not run" ? "s-none" : "s-fail";
  return `<span class="badge ${cls}">${escapeHtml(status)}</span>`;
}

function verdictCounts(v: VerdictsFile | null): Record<string, number> {
  const c: Record<string, number> = {};
  for (const k of VERDICT_ORDER) c[k] = 0;
  for (const row of v?.claims ?? []) c[row.verdict] = (c[row.verdict] ?? 0) + 1;
  return c;
}

function countsHtml(v: VerdictsFile | null): string {
  if (!v) return '<span class="muted">no verdicts</span>';
  const c = verdictCounts(v);
  return VERDICT_ORDER.filter((k) => c[k] > 0)
    .map((k) => `<span class="badge ${VERDICT_CLASS[k]}">${c[k]} ${escapeHtml(k)}</span>`)
    .join(" ");
}

function indexPage(
  entries: NotebookEntry[],
  notRun: { name: string; title: string }[],
  summary: Summary | null,
  outDir: string,
  verdictFiles: number,
): BookPage {
  const lines: [string, string][] = [
    ...entries.map((e): [string, string] => [
      e.name,
      `<tr><td><a href="${e.page}">${escapeHtml(e.name)}</a></td><td>${escapeHtml(e.title)}</td><td>${escapeHtml(e.profile ?? "")}</td><td>${escapeHtml(e.backend ?? "")}</td><td class="num">${e.wallSeconds === null ? "" : `${e.wallSeconds.toFixed(1)} s`}</td><td>${statusBadge(e.status)}</td><td>${countsHtml(e.verdicts)}</td></tr>`,
    ]),
    ...notRun.map((n): [string, string] => [
      n.name,
      `<tr><td>${escapeHtml(n.name)}</td><td>${escapeHtml(n.title)}</td><td></td><td></td><td></td><td>${statusBadge("not run")}</td><td class="muted">no executed copy in this book</td></tr>`,
    ]),
  ];
  const rows = lines
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map((l) => l[1])
    .join("\n");
  const when = summary?.startedAt
    ? ` Run started ${escapeHtml(summary.startedAt)}, profile ${escapeHtml(summary.profile)}.`
    : "";
  const body = `<h1 id="notebooks">RecRepro: the notebooks</h1>
<p>Every notebook of the kit as executed by the main job, in reading order (the tour, then the papers).${when}
Verdicts come from this execution: a difference inside the seed spread is a tie. See the <a href="claims.html">claims dashboard</a> (${verdictFiles} verdicts file(s)) and the <a href="figures.html">figure gallery</a>.</p>
<div class="rr-table-wrap"><table class="index"><thead><tr><th>notebook</th><th>paper</th><th>profile</th><th>backend</th><th>wall time</th><th>execution</th><th>verdicts</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
  writeFile(path.join(outDir, "index.html"), pageHtml({ title: "Notebooks", body }));
  return { file: "index.html", title: "Notebooks", formulas: 0, figures: 0 };
}

/** Data set ids named by the operands of a claim (`<data>.<cell>.<metric>` keys). */
function operandData(claim: ClaimsJson["claims"][number] | undefined): string[] {
  if (!claim) return [];
  const keys: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") keys.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const [k, v] of Object.entries(claim.relation)) if (k !== "kind") walk(v);
  return [...new Set(keys.filter((k) => k.includes(".")).map((k) => k.split(".")[0]))];
}

function claimsPage(
  verdicts: VerdictsFile[],
  claimsByPaper: Map<string, ClaimsJson>,
  entries: NotebookEntry[],
  records: Map<string, RunRecordInfo>,
  outDir: string,
): BookPage {
  const sections: string[] = [];
  const papers = [
    ...new Set([...entries.map((e) => e.paperId), ...verdicts.map((v) => v.paper), ...claimsByPaper.keys()]),
  ];
  let total = 0;
  let notRun = 0;
  for (const paper of papers) {
    const entry = entries.find((e) => e.paperId === paper);
    const files = verdicts.filter((v) => v.paper === paper);
    const spec = claimsByPaper.get(paper);
    const title = entry ? `<a href="${entry.page}">${escapeHtml(entry.title)}</a>` : escapeHtml(paper);
    sections.push(`<h2 class="paper" id="${escapeHtml(paper)}">${title}</h2>`);
    if (files.length === 0) {
      sections.push(
        `<p class="muted">No verdicts file (figures/${escapeHtml(paper)}/verdicts-&lt;profile&gt;.json): the notebook has not been run.</p>`,
      );
      if (spec) {
        total += spec.claims.length;
        notRun += spec.claims.length;
        sections.push(
          `<table><thead><tr><th>id</th><th>claim</th><th>verdict</th></tr></thead><tbody>${spec.claims
            .map(
              (c) =>
                `<tr><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.text)}</td><td><span class="badge v-na">not run</span></td></tr>`,
            )
            .join("")}</tbody></table>`,
        );
      }
      continue;
    }
    for (const v of files) {
      const recs = (v.records ?? [])
        .map((r) => records.get(r))
        .filter((r): r is RunRecordInfo => r !== undefined);
      const recList = recs
        .map((r) => (r.href ? `<a href="${r.href}">${escapeHtml(r.shown)}</a>` : escapeHtml(r.shown)))
        .join("<br>");
      const dataIds = [...new Set(recs.map((r) => r.dataId).filter((d): d is string => d !== null))];
      sections.push(
        `<p class="small">profile <b>${escapeHtml(v.profile)}</b> · backend ${escapeHtml(v.backend ?? "?")} · written ${escapeHtml(v.createdAt ?? "?")} · wall time ${v.wallTimeSec === undefined ? "?" : `${v.wallTimeSec.toFixed(0)} s`} · ${countsHtml(v)}</p>`,
      );
      const rowHtml = (r: ClaimRowJson, part: boolean): string => {
        const claimSpec = spec?.claims.find((c) => c.id === r.id.split(".")[0]);
        const prefixes = operandData(claimSpec);
        const group = part ? r.id.split(".").slice(1).join(".") : "";
        const matching = recs.filter((rec) => {
          const hay = `${rec.runId ?? ""} ${rec.dataId ?? ""} ${rec.shown}`;
          return (
            prefixes.some((p) => hay.includes(p.replace("{group}", group))) ||
            (group !== "" && hay.includes(group))
          );
        });
        const recCell = matching.length > 0 ? matching : recs.length <= 2 ? recs : [];
        const data = [...new Set(recCell.map((x) => x.dataId).filter((d): d is string => d !== null))];
        return `<tr class="${part ? "part" : "claim"}" id="${escapeHtml(`${paper}-${v.profile}-${r.id}`)}"><td>${escapeHtml(r.id)}</td><td class="claim-text">${escapeHtml(r.text)}${r.source ? `<div class="n">${escapeHtml(r.source)}</div>` : ""}</td><td><span class="badge ${VERDICT_CLASS[r.verdict] ?? "v-na"}">${escapeHtml(r.verdict)}</span><div class="n">${escapeHtml(v.profile)}</div></td><td class="num">${fmtSummary(r.ours)}</td><td class="num">${fmtSummary(r.reference)}</td><td class="num">${fmt(r.difference)}</td><td class="num">${fmt(r.spread)}</td><td class="num">${fmt(r.paperValue)}</td><td class="small reason">${escapeHtml(r.reason)}</td><td class="small data"><b>${escapeHtml((data.length > 0 ? data : prefixes).join(", "))}</b><div class="rec">${recCell
          .slice(0, 3)
          .map((x) =>
            x.href ? `<a href="${x.href}">${escapeHtml(x.runId ?? x.shown)}</a>` : escapeHtml(x.shown),
          )
          .join(
            "<br>",
          )}${recCell.length > 3 ? `<br><a href="#${escapeHtml(`${paper}-${v.profile}-records`)}">+${recCell.length - 3} more</a>` : ""}</div></td></tr>`;
      };
      const rows: string[] = [];
      for (const r of v.claims) {
        total += 1;
        rows.push(rowHtml(r, false));
        for (const p of r.parts ?? []) rows.push(rowHtml(p, true));
      }
      sections.push(
        `<div class="rr-table-wrap"><table class="claims"><thead><tr><th>id</th><th>claim</th><th>verdict (profile)</th><th>ours (mean ± std over seeds)</th><th>reference</th><th>difference</th><th>spread</th><th>paper</th><th>measured</th><th>data, run record</th></tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`,
      );
      sections.push(
        `<details id="${escapeHtml(`${paper}-${v.profile}-records`)}"><summary class="small">all run records of this verdicts file (${recs.length}; data: ${escapeHtml(dataIds.join(", "))})</summary><p class="small">${recList}</p></details>`,
      );
    }
  }
  const all = verdicts.reduce(
    (acc, v) => {
      const c = verdictCounts(v);
      for (const k of VERDICT_ORDER) acc[k] += c[k];
      return acc;
    },
    Object.fromEntries(VERDICT_ORDER.map((k) => [k, 0])) as Record<string, number>,
  );
  const overview = VERDICT_ORDER.map(
    (k) => `<span class="badge ${VERDICT_CLASS[k]}">${all[k]} ${escapeHtml(k)}</span>`,
  ).join(" ");
  const body = `<h1 id="claims">Claims dashboard</h1>
<p>Every claim of every paper (${total} claims${notRun > 0 ? `, ${notRun} of them in papers not run yet` : ""}), judged on this execution's runs: ${overview}. The profile, backend and run records of each verdicts file head its table. Numbers are means over seeds ± their standard deviation (n seeds); a difference inside the spread (the larger of the two standard deviations) is a tie. Group rows under a claim are its per-group checks.</p>
${sections.join("\n")}`;
  writeFile(path.join(outDir, "claims.html"), pageHtml({ title: "Claims dashboard", body }));
  return { file: "claims.html", title: "Claims dashboard", formulas: 0, figures: 0 };
}

function galleryPage(
  figuresDir: string,
  outDir: string,
  links: FigureLink[],
  entries: NotebookEntry[],
): BookPage {
  const cards: string[] = [];
  const papers = fs.existsSync(figuresDir)
    ? fs
        .readdirSync(figuresDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const ordered = [
    ...entries.map((e) => e.paperId).filter((p) => papers.includes(p)),
    ...papers.filter((p) => !entries.some((e) => e.paperId === p)),
  ];
  let count = 0;
  for (const paper of ordered) {
    const dir = path.join(figuresDir, paper);
    const images: string[] = [];
    const walk = (d: string): void => {
      for (const f of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, f.name);
        if (f.isDirectory()) walk(p);
        else if (/\.(png|svg)$/i.test(f.name)) images.push(path.relative(dir, p));
      }
    };
    walk(dir);
    if (images.length === 0) continue;
    const stems = [...new Set(images.map((f) => f.replace(/\.(png|svg)$/i, "")))].sort();
    const entry = entries.find((e) => e.paperId === paper);
    const cardsOfPaper: string[] = [];
    for (const stem of stems) {
      const files = images.filter((f) => f.replace(/\.(png|svg)$/i, "") === stem).sort();
      for (const f of files) copyFile(path.join(dir, f), path.join(outDir, "figures", paper, f));
      count += files.length;
      const show = files.find((f) => f.endsWith(".png")) ?? files[0];
      const base = path.basename(stem);
      const name = base.replace(/-(smoke|paper)$/, "");
      const prof = /-(smoke|paper)$/.exec(base)?.[1] ?? "";
      const figJson = readJson<{ layout?: { title?: string | { text?: string } } }>(
        path.join(dir, `${stem}.json`),
      );
      const t = figJson?.layout?.title;
      const title = (typeof t === "string" ? t : t?.text) ?? name;
      const link = links.find((l) => entry && l.page === entry.page && l.patterns.some((p) => p.test(name)));
      const where = link
        ? `<a href="${link.page}#${link.anchor}">${escapeHtml(entry!.name)} § ${escapeHtml(link.section)}</a>`
        : entry
          ? `<a href="${entry.page}">${escapeHtml(entry.name)}</a>`
          : escapeHtml(paper);
      const id = `fig-${paper}-${stem.replace(/[^\w-]+/g, "-")}`;
      cardsOfPaper.push(
        `<figure id="${escapeHtml(id)}"><a href="figures/${escapeHtml(paper)}/${escapeHtml(show)}"><img loading="lazy" src="figures/${escapeHtml(paper)}/${escapeHtml(show)}" alt="${escapeHtml(title)}"></a><figcaption><b>${escapeHtml(title.replace(/<[^>]*>/g, " "))}</b><br><span class="small">${escapeHtml(paper)}/${escapeHtml(name)}${prof ? ` · ${prof}` : ""} · ${files.map((f) => `<a href="figures/${escapeHtml(paper)}/${escapeHtml(f)}">${escapeHtml(path.extname(f).slice(1).toUpperCase())}</a>`).join(" ")} · from ${where}</span></figcaption></figure>`,
      );
    }
    cards.push(
      `<h2 class="paper" id="${escapeHtml(paper)}">${entry ? `<a href="${entry.page}">${escapeHtml(entry.title)}</a>` : escapeHtml(paper)}</h2><div class="gallery">${cardsOfPaper.join("\n")}</div>`,
    );
  }
  const body = `<h1 id="figures">Figure gallery</h1><p>Every PNG and SVG under figures/ (${count} files), captioned with the figure's title and linked to the notebook cell that drew it.</p>${cards.join("\n")}`;
  writeFile(path.join(outDir, "figures.html"), pageHtml({ title: "Figure gallery", body }));
  return { file: "figures.html", title: "Figure gallery", formulas: 0, figures: 0 };
}

// ---------------------------------------------------------------------------------------------
// Check

const ABS_ROOTS = /(?<![\w.~$-])\/(?:work|usr|home|tmp|root|opt|var|etc|mnt|srv|media|private|Users)\/[\w.-]/;

/**
 * Problems that keep a page from being self-contained: every `src`/`href`/`url()` must be a
 * relative path inside the book (remote URLs are allowed only as `<a href>` links in prose), no
 * `file:` URL, no absolute path of this machine anywhere in the page. Returns one line per problem.
 */
export function checkBook(outDir: string): string[] {
  const problems: string[] = [];
  const pages = fs.readdirSync(outDir).filter((f) => f.endsWith(".html"));
  const cssFiles = fs.existsSync(path.join(outDir, "assets")) ? ["assets/book.css"] : [];
  for (const file of [...pages, ...cssFiles]) {
    const s = fs.readFileSync(path.join(outDir, file), "utf8");
    const lineOf = (idx: number): number => s.slice(0, idx).split("\n").length;
    const refs: { tag: string; attr: string; value: string; at: number }[] = [];
    const tagRe = /<([a-zA-Z][\w-]*)\b([^>]*)>/g;
    for (let m = tagRe.exec(s); m !== null; m = tagRe.exec(s)) {
      const attrRe =
        /\s(src|href|srcset|poster|action|data|formaction|xlink:href)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi;
      for (let a = attrRe.exec(m[2]); a !== null; a = attrRe.exec(m[2]))
        refs.push({
          tag: m[1].toLowerCase(),
          attr: a[1].toLowerCase(),
          value: a[3] ?? a[4] ?? a[5] ?? "",
          at: m.index,
        });
    }
    const urlRe = /url\(\s*["']?([^"')]+)["']?\s*\)/g;
    for (let m = urlRe.exec(s); m !== null; m = urlRe.exec(s))
      refs.push({ tag: "css", attr: "url", value: m[1], at: m.index });
    for (const r of refs) {
      const v = r.value.trim().replace(/&amp;/g, "&");
      const where = `${file}:${lineOf(r.at)}: <${r.tag} ${r.attr}="${v.slice(0, 120)}">`;
      if (/^(https?:|mailto:)/i.test(v)) {
        if (!(r.tag === "a" && r.attr === "href")) problems.push(`${where}: remote URL outside a prose link`);
      } else if (/^file:/i.test(v)) problems.push(`${where}: file: URL`);
      else if (/^\/\//.test(v)) problems.push(`${where}: protocol-relative (remote) URL`);
      else if (/^\//.test(v) || /^[a-zA-Z]:[\\/]/.test(v)) problems.push(`${where}: absolute path`);
      else if (/^[a-zA-Z][\w+.-]*:/.test(v) && !/^(data|javascript|#)/i.test(v))
        problems.push(`${where}: URL scheme`);
    }
    const fileUrl = /file:\/\//i.exec(s);
    if (fileUrl) problems.push(`${file}:${lineOf(fileUrl.index)}: file:// URL in the page`);
    let found = 0;
    for (const abs of s.matchAll(new RegExp(ABS_ROOTS.source, "g"))) {
      if (++found > 10) break;
      const at = abs.index ?? 0;
      problems.push(`${file}:${lineOf(at)}: absolute path "${s.slice(at, at + 80).split(/["'<>\s]/)[0]}"`);
    }
    const remoteScript = /<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?\/\//i.exec(s);
    if (remoteScript && !problems.some((p) => p.startsWith(`${file}:`)))
      problems.push(`${file}:${lineOf(remoteScript.index)}: remote resource`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Build

function paperIdOf(name: string): string {
  return name.replace(/^\d{2}-/, "");
}

function titleOf(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const m = /^#\s+(.+)$/m.exec(text(c.source));
    if (m) return m[1].replace(/[*_`]/g, "").trim();
  }
  return fallback;
}

/** Builds the book; throws on unreadable input. `problems` lists what checkBook found. */
export function buildBook(options: BookOptions = {}): BookResult {
  const t0 = Date.now();
  const repoRoot = path.resolve(options.repoRoot ?? BOOK_REPO_ROOT);
  const notebooksDir = path.resolve(options.notebooksDir ?? path.join(repoRoot, "build", "notebooks"));
  const figuresDir = path.resolve(options.figuresDir ?? path.join(repoRoot, "figures"));
  const outDir = path.resolve(options.outDir ?? path.join(repoRoot, "build", "book"));
  const papersDir = path.resolve(options.papersDir ?? path.join(repoRoot, "src", "papers"));
  if (!fs.existsSync(notebooksDir))
    throw new Error(`book: ${notebooksDir} does not exist: run the notebooks first (npm run main)`);
  const summary = readJson<Summary>(path.join(notebooksDir, "summary.json"));
  const files = fs
    .readdirSync(notebooksDir)
    .filter((f) => /^\d{2}-[^.]+\.ipynb$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`book: no executed notebooks (NN-*.ipynb) in ${notebooksDir}`);

  // Fresh output folder (kept only if it is one we made before).
  if (fs.existsSync(outDir)) {
    if (fs.readdirSync(outDir).length > 0 && !fs.existsSync(path.join(outDir, "assets", "book.css")))
      throw new Error(`book: ${outDir} exists and is not a book: refusing to replace it`);
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const a of assetList(repoRoot)) copyFile(a.from, path.join(outDir, a.to));
  writeFile(path.join(outDir, "assets", "book.css"), CSS);

  // Verdicts files and the run records they name.
  const verdicts: VerdictsFile[] = [];
  if (fs.existsSync(figuresDir))
    for (const paper of fs.readdirSync(figuresDir).sort()) {
      const dir = path.join(figuresDir, paper);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const f of fs.readdirSync(dir).sort()) {
        if (!/^verdicts-[\w-]+\.json$/.test(f)) continue;
        const v = readJson<VerdictsFile>(path.join(dir, f));
        if (!v || !Array.isArray(v.claims)) throw new Error(`book: ${path.join(dir, f)}: no "claims" array`);
        verdicts.push(v);
      }
    }
  const records = new Map<string, RunRecordInfo>();
  for (const v of verdicts)
    for (const r of v.records ?? []) {
      if (records.has(r)) continue;
      const abs = path.isAbsolute(r) ? r : path.resolve(repoRoot, r);
      const rel = path.relative(figuresDir, abs);
      const shown = path.relative(repoRoot, abs);
      const rec = readJson<{ runId?: string; profile?: string; data?: { id?: string } }>(abs);
      let href: string | null = null;
      if (rec && !rel.startsWith("..")) {
        href = `records/${rel.split(path.sep).join("/")}`;
        writeFile(path.join(outDir, href), redactPaths(fs.readFileSync(abs, "utf8"), repoRoot));
      }
      records.set(r, {
        shown: shown.startsWith("..") ? path.basename(path.dirname(abs)) + "/run.json" : shown,
        href,
        dataId: rec?.data?.id ?? null,
        profile: rec?.profile ?? null,
        runId: rec?.runId ?? null,
      });
    }
  const claimsByPaper = new Map<string, ClaimsJson>();
  if (fs.existsSync(papersDir))
    for (const d of fs.readdirSync(papersDir).sort()) {
      const c = readJson<ClaimsJson>(path.join(papersDir, d, "claims.json"));
      if (c) claimsByPaper.set(c.paper ?? d, c);
    }

  const profile = summary?.profile ?? process.env.RECREPRO_PROFILE ?? "smoke";
  const entries: NotebookEntry[] = files.map((f) => {
    const name = f.replace(/\.ipynb$/, "");
    const nb = readJson<Notebook>(path.join(notebooksDir, f));
    if (!nb || !Array.isArray(nb.cells))
      throw new Error(`book: ${path.join(notebooksDir, f)}: not a notebook (no cells)`);
    const paperId = paperIdOf(name);
    const s = summary?.notebooks.find((n) => path.basename(n.notebook, ".ipynb") === name) ?? null;
    const hasError = nb.cells.some((c) => (c.outputs ?? []).some((o) => o.output_type === "error"));
    const v = verdicts.find((x) => x.paper === paperId && x.profile === profile) ?? null;
    const backendLine = nb.cells
      .flatMap((c) => c.outputs ?? [])
      .map((o) => text(o.text))
      .join("\n")
      .match(/backend[=: ]+([\w-]+)/);
    return {
      name,
      paperId,
      title: titleOf(nb, name),
      nb,
      page: `${name}.html`,
      status: s ? s.status : hasError ? "fail" : "pass (no summary)",
      wallSeconds: s ? s.wallSeconds : (v?.wallTimeSec ?? null),
      profile: s ? (summary?.profile ?? null) : (v?.profile ?? null),
      backend: v?.backend ?? backendLine?.[1] ?? null,
      verdicts: v,
    };
  });

  const figureLinks: FigureLink[] = [];
  const pages: BookPage[] = [];
  const committed = path.join(repoRoot, "notebooks");
  const notRun = (fs.existsSync(committed) ? fs.readdirSync(committed) : [])
    .filter((f) => /^\d{2}-[^.]+\.ipynb$/.test(f) && !files.includes(f))
    .sort()
    .map((f) => {
      const nb = readJson<Notebook>(path.join(committed, f));
      const name = f.replace(/\.ipynb$/, "");
      return { name, title: nb && Array.isArray(nb.cells) ? titleOf(nb, name) : name };
    });
  pages.push(indexPage(entries, notRun, summary, outDir, verdicts.length));
  entries.forEach((e, i) =>
    pages.push(
      notebookPage(e, entries[i - 1] ?? null, entries[i + 1] ?? null, repoRoot, outDir, figureLinks),
    ),
  );
  pages.push(claimsPage(verdicts, claimsByPaper, entries, records, outDir));
  pages.push(galleryPage(figuresDir, outDir, figureLinks, entries));
  const problems = checkBook(outDir);
  writeFile(
    path.join(outDir, "book.json"),
    JSON.stringify({ createdAt: new Date().toISOString(), profile, pages, problems }, null, 2) + "\n",
  );
  return { outDir, pages, problems, ms: Date.now() - t0 };
}

function parseArgs(argv: string[]): BookOptions & { browser: boolean } {
  const o: BookOptions & { browser: boolean } = { browser: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return path.resolve(v);
    };
    if (a === "--notebooks") o.notebooksDir = val();
    else if (a === "--figures") o.figuresDir = val();
    else if (a === "--out") o.outDir = val();
    else if (a === "--root") o.repoRoot = val();
    else if (a === "--browser") o.browser = true;
    else if (a === "-h" || a === "--help") {
      console.log(
        "usage: node dist/scripts/book.js [--notebooks DIR] [--figures DIR] [--out DIR] [--root DIR] [--browser]",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** Builds the book (and with `browser`, checks it in Chromium); prints a report; returns the exit code. */
export async function runBook(opts: BookOptions & { browser?: boolean }): Promise<number> {
  const r = buildBook(opts);
  const rel = path.relative(process.cwd(), r.outDir) || ".";
  console.log(
    `book: ${r.pages.length} pages in ${rel}/ (${(r.ms / 1000).toFixed(1)} s); open ${rel}/index.html`,
  );
  if (r.problems.length > 0) {
    console.error(
      `book: ${r.problems.length} reference(s) break the offline book:\n  ${r.problems.slice(0, 30).join("\n  ")}`,
    );
    return 1;
  }
  if (opts.browser) {
    const { checkBookInBrowser, formatReport } = await import("./book-browser");
    const report = await checkBookInBrowser(r.outDir, `${r.outDir}-screenshots`);
    console.log(formatReport(report));
    if (!report.ok) return 1;
  }
  return 0;
}

if (require.main === module) {
  let opts: BookOptions & { browser: boolean };
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`book: ${(e as Error).message}`);
    process.exit(2);
  }
  runBook(opts).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.message);
      process.exit(2);
    },
  );
}
