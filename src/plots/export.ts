/**
 * Figure export: PNG and SVG through headless Chromium (Debian's `/usr/bin/chromium`
 * driven by playwright-core and `Plotly.toImage`), a standalone HTML page, and the figure
 * JSON. Every run record's figures go through here.
 *
 * One browser per process, started on the first raster export and reused for every figure;
 * it is closed by `closeExporter()`, after `RECREPRO_EXPORT_IDLE_MS` (default 60 s) without
 * exports (so a script that forgets to close still exits), and killed by playwright when the
 * process exits. Every file is written under a temporary name and renamed into place.
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../util/fs";
import type { Browser, Page } from "playwright-core";
import { projectRoot } from "../data/paths";
import { DEFAULT_EXPORT_WIDTH, DEFAULT_HEIGHT, Figure, isFigure, placeLegend } from "./figure";
import { plotlyBundlePath, plotlyInlineScript, plotlyVersion, scriptJson } from "./bundle";

export type ExportFormat = "png" | "svg" | "html";

export interface ExportOptions {
  /** Formats besides the JSON (always written). Default `["png", "svg", "html"]`. */
  formats?: ExportFormat[];
  /** Image width in CSS pixels. Default: the figure's width, else 800. */
  width?: number;
  /** Image height in CSS pixels. Default: the figure's height, else 450. */
  height?: number;
  /** PNG pixel ratio. Default 2 (a 800 px wide figure becomes a 1600 px PNG). */
  scale?: number;
  /**
   * How the HTML page gets plotly.js: `"beside"` (default) writes `plotly-<version>.min.js`
   * once into the output folder and links it; `"inline"` embeds the 4.6 MB bundle in the page.
   */
  htmlBundle?: "beside" | "inline";
}

/** Paths written by `exportFigure` (absolute). */
export interface ExportResult {
  json: string;
  png?: string;
  svg?: string;
  html?: string;
  /** Formats skipped because `RECREPRO_EXPORT_IMAGES=off`. */
  skipped: ExportFormat[];
  /** Wall time of this export in milliseconds (includes the browser start on the first call). */
  ms: number;
}

/** Raised when figures cannot be rendered (no Chromium, browser crash). */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }
}

/** Default Chromium flags: measured to work as root in containers without a GPU or network. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The repository root (one definition for the whole kit: data/paths.ts). */
export const KIT_ROOT = projectRoot();

/** Chromium executable: `RECREPRO_CHROMIUM`, else `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.RECREPRO_CHROMIUM || "/usr/bin/chromium";
}

interface Session {
  browser: Browser;
  page: Page;
}

let session: Promise<Session> | null = null;
let idleTimer: NodeJS.Timeout | null = null;

function idleMs(): number {
  const v = Number(process.env.RECREPRO_EXPORT_IDLE_MS);
  return Number.isFinite(v) && v > 0 ? v : 60_000;
}

async function launch(): Promise<Session> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new ExportError(
      `Chromium not found at ${executablePath}: PNG/SVG export needs it. ` +
        "Run `bash environment/setup.sh` (installs Debian's chromium and fonts-liberation) " +
        "or set RECREPRO_CHROMIUM to a Chromium binary. The figure's JSON and HTML were written.",
    );
  }
  // Loaded lazily: importing the kit must not require a browser stack.
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  } catch (err) {
    throw new ExportError(`Could not start Chromium at ${executablePath}: ${(err as Error).message}`);
  }
  const page = await browser.newPage();
  await page.setContent("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>");
  await page.addScriptTag({ content: plotlyInlineScript() });
  browser.on("disconnected", () => {
    session = null;
  });
  return { browser, page };
}

function getSession(): Promise<Session> {
  if (session === null) {
    session = launch();
    // A failed launch must not poison later attempts.
    session.catch(() => {
      session = null;
    });
  }
  return session;
}

function touchIdleTimer(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    void closeExporter();
  }, idleMs());
  idleTimer.unref();
}

/** Closes the export browser (if one is running). Safe to call any number of times. */
export async function closeExporter(): Promise<void> {
  if (idleTimer) {
    clearTimeout(idleTimer);
    idleTimer = null;
  }
  const current = session;
  session = null;
  if (current === null) return;
  try {
    const { browser } = await current;
    await browser.close();
  } catch {
    // Launch failed or the browser is already gone: nothing to close.
  }
}

export { writeFileAtomic };

function standaloneHtml(
  fig: Figure,
  title: string,
  height: number,
  bundle: { src?: string; inline?: string },
): string {
  const layout = { ...fig.layout, autosize: true };
  delete layout.width;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  const script = bundle.src
    ? `<script src="${bundle.src}"></script>`
    : `<script>\n${bundle.inline}\n</script>`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${title.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</title>`,
    script,
    "</head>",
    '<body style="margin:0;padding:8px;">',
    `<div id="figure" style="width:100%;height:${height}px;"></div>`,
    "<script>",
    `Plotly.newPlot("figure", ${scriptJson(fig.data)}, ${scriptJson(layout)}, ${scriptJson(config)});`,
    "</script>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(",");
  const header = url.slice(0, comma);
  const payload = url.slice(comma + 1);
  return header.endsWith(";base64")
    ? Buffer.from(payload, "base64")
    : Buffer.from(decodeURIComponent(payload), "utf8");
}

/**
 * Writes `outBase.json` and, per `formats`, `outBase.png`, `outBase.svg`, `outBase.html`.
 * A relative `outBase` is resolved against the repository root (so a notebook running in
 * `notebooks/` and a script running anywhere write to the same `figures/...`).
 *
 * Set `RECREPRO_EXPORT_IMAGES=off` to skip PNG/SVG (with a warning) where Chromium is not
 * available; the main job leaves it on, so a missing browser fails the run.
 */
export async function exportFigure(
  fig: Figure,
  outBase: string,
  opts: ExportOptions = {},
): Promise<ExportResult> {
  if (!isFigure(fig)) throw new Error("plots.exportFigure: expected a plotly figure {data, layout}");
  fig = { ...fig, layout: placeLegend(fig.layout) };
  const t0 = Date.now();
  const base = path.resolve(KIT_ROOT, outBase);
  const formats = opts.formats ?? ["png", "svg", "html"];
  const width =
    opts.width ?? (typeof fig.layout.width === "number" ? fig.layout.width : DEFAULT_EXPORT_WIDTH);
  const height = opts.height ?? (typeof fig.layout.height === "number" ? fig.layout.height : DEFAULT_HEIGHT);
  const result: ExportResult = { json: `${base}.json`, skipped: [], ms: 0 };

  writeFileAtomic(result.json, JSON.stringify(fig, null, 1) + "\n");

  if (formats.includes("html")) {
    const title = fig.layout.title?.text || path.basename(base);
    let bundle: { src?: string; inline?: string };
    if (opts.htmlBundle === "inline") {
      bundle = { inline: plotlyInlineScript() };
    } else {
      const name = `plotly-${plotlyVersion()}.min.js`;
      const beside = path.join(path.dirname(base), name);
      if (!fs.existsSync(beside)) writeFileAtomic(beside, fs.readFileSync(plotlyBundlePath()));
      bundle = { src: name };
    }
    result.html = `${base}.html`;
    writeFileAtomic(result.html, standaloneHtml(fig, title, height, bundle));
  }

  const raster = formats.filter((f): f is "png" | "svg" => f === "png" || f === "svg");
  const exportImages = (process.env.RECREPRO_EXPORT_IMAGES ?? "").trim().toLowerCase();
  if (!["", "on", "off"].includes(exportImages))
    throw new Error(
      `RECREPRO_EXPORT_IMAGES=${JSON.stringify(process.env.RECREPRO_EXPORT_IMAGES)} is not valid: expected "off" (skip PNG/SVG) or "on"`,
    );
  if (raster.length > 0 && exportImages === "off") {
    console.warn(`plots.exportFigure: RECREPRO_EXPORT_IMAGES=off, skipping ${raster.join("/")} for ${base}`);
    result.skipped.push(...raster);
  } else if (raster.length > 0) {
    const { page } = await getSession();
    for (const format of raster) {
      const url = await page.evaluate(
        async ({ figure, format, width, height, scale }) => {
          const w = window as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } };
          return w.Plotly.toImage(figure, { format, width, height, scale });
        },
        {
          figure: { data: fig.data, layout: { ...fig.layout, width, height } },
          format,
          width,
          height,
          scale: format === "png" ? (opts.scale ?? 2) : 1,
        },
      );
      const file = `${base}.${format}`;
      writeFileAtomic(file, decodeDataUrl(url));
      result[format] = file;
    }
    touchIdleTimer();
  }
  result.ms = Date.now() - t0;
  return result;
}
