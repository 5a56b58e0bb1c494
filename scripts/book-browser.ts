/**
 * The book in a real browser: Debian's Chromium (`RECREPRO_CHROMIUM`, default /usr/bin/chromium)
 * driven by playwright-core, every page opened from file:// with the network cut off. Per page:
 *
 * - no console error, no page error, no failed request, no request that leaves the book;
 * - every plotly figure drawn, each visible trace with as many drawn bars / markers as its data
 *   has finite points (lines: a drawn path; heatmaps: an image);
 * - every formula (`.rr-math`) typeset by MathJax, with no MathJax error;
 * - every internal link resolves to a file of the book, and its #fragment to an id in that page;
 * - the chart title, axis titles, legend and annotations of every figure do not overlap
 *   (their rendered boxes, compared pairwise);
 * - a screenshot, written to `shotsDir/<page>.png` (the top 12000 px of long pages).
 *
 * Used by test/notebooks/book.test.ts on a book built from fixtures and by the main job
 * (`node dist/scripts/book.js --browser`) on the real book.
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL, fileURLToPath } from "url";
import { CHROMIUM_ARGS, chromiumPath } from "../src/plots/export";

export interface PlotCheck {
  id: string;
  traces: number;
  /** Points/bars drawn vs finite points in the data, summed over the figure's traces. */
  drawn: number;
  expected: number;
  problems: string[];
  overlaps: string[];
}

export interface PageReport {
  file: string;
  ms: number;
  consoleErrors: string[];
  failedRequests: string[];
  plots: PlotCheck[];
  formulas: number;
  typeset: number;
  mathErrors: string[];
  links: number;
  brokenLinks: string[];
  screenshot: string;
}

export interface BrowserReport {
  ok: boolean;
  pages: PageReport[];
  ms: number;
}

/** The problems of one page, one line each (empty: the page passes). */
export function pageProblems(p: PageReport): string[] {
  return [
    ...p.consoleErrors.map((e) => `console error: ${e}`),
    ...p.failedRequests.map((e) => `request failed: ${e}`),
    ...p.plots.flatMap((pl) => [...pl.problems, ...pl.overlaps].map((e) => `figure ${pl.id}: ${e}`)),
    ...(p.typeset < p.formulas ? [`${p.formulas - p.typeset} of ${p.formulas} formulas not typeset`] : []),
    ...p.mathErrors.map((e) => `MathJax: ${e}`),
    ...p.brokenLinks.map((e) => `broken link: ${e}`),
  ];
}

export function formatReport(r: BrowserReport): string {
  const lines = r.pages.map((p) => {
    const problems = pageProblems(p);
    const drawn = p.plots.reduce((a, pl) => a + pl.drawn, 0);
    const expected = p.plots.reduce((a, pl) => a + pl.expected, 0);
    return (
      `${problems.length === 0 ? "ok  " : "FAIL"} ${p.file.padEnd(28)} ${p.plots.length} figures (${drawn}/${expected} points drawn), ` +
      `${p.typeset}/${p.formulas} formulas, ${p.links} links, ${(p.ms / 1000).toFixed(1)} s` +
      problems.map((x) => `\n       ${x}`).join("")
    );
  });
  return `book (browser): ${r.pages.length} pages in ${(r.ms / 1000).toFixed(1)} s, ${r.ok ? "all pass" : "FAILED"}\n${lines.join("\n")}`;
}

/** In-page: every plotly figure's traces and text boxes (runs in the browser). */
function inspectPlots(): {
  id: string;
  traces: number;
  drawn: number;
  expected: number;
  problems: string[];
  overlaps: string[];
}[] {
  type Gd = HTMLElement & { data?: Record<string, unknown>[]; _fullData?: Record<string, unknown>[] };
  const finite = (v: unknown): boolean =>
    (typeof v === "number" && Number.isFinite(v)) ||
    (typeof v === "string" && v !== "" && Number.isFinite(Number(v)));
  const present = (v: unknown): boolean => v !== null && v !== undefined && v !== "";
  const out = [];
  const divs = Array.from(document.querySelectorAll<Gd>(".recrepro-plot, .js-plotly-plot")).filter(
    (d, i, all) => all.indexOf(d) === i,
  );
  for (const gd of divs) {
    const problems: string[] = [];
    const overlaps: string[] = [];
    let drawn = 0;
    let expected = 0;
    const id = gd.id || "(no id)";
    if (!gd.classList.contains("js-plotly-plot") || !gd._fullData) {
      out.push({ id, traces: 0, drawn: 0, expected: 0, problems: ["not drawn by plotly"], overlaps });
      continue;
    }
    const full = gd._fullData;
    const groups = new Map<number, Element[]>();
    gd.querySelectorAll(".trace").forEach((el) => {
      const cd = (el as unknown as { __data__?: { trace?: { index?: number } }[] }).__data__;
      const idx = Array.isArray(cd) ? cd[0]?.trace?.index : undefined;
      if (typeof idx === "number") groups.set(idx, [...(groups.get(idx) ?? []), el]);
    });
    full.forEach((t, i) => {
      if (t.visible !== true) return;
      const type = String(t.type);
      const src = (gd.data ?? [])[Number(t.index ?? i)] ?? t;
      const xs = (src.x as unknown[] | undefined) ?? null;
      const ys = (src.y as unknown[] | undefined) ?? null;
      const els = groups.get(Number(t.index ?? i)) ?? [];
      const name = `trace ${i} (${type}${t.name ? ` "${String(t.name)}"` : ""})`;
      if (type === "bar") {
        const vals = (t.orientation === "h" ? xs : ys) ?? [];
        const n = vals.filter(finite).length;
        const got = els.reduce(
          (a, el) =>
            a +
            Array.from(el.querySelectorAll(".point path")).filter((p) => {
              // Drawn: a bar with an area; a zero-height bar only where its value is 0.
              const box = (p as SVGGraphicsElement).getBBox();
              const datum = (p.parentNode as unknown as { __data__?: { s?: number } } | null)?.__data__;
              return box.width > 0 && (box.height > 0 || datum?.s === 0);
            }).length,
          0,
        );
        expected += n;
        drawn += got;
        if (got !== n) problems.push(`${name}: ${got} bars drawn, data has ${n}`);
      } else if (type === "scatter") {
        const mode = String(t.mode ?? "");
        const len = Math.max(xs?.length ?? 0, ys?.length ?? 0);
        let n = 0;
        for (let k = 0; k < len; k++) {
          const xok = xs === null || present(xs[k]);
          const yok =
            ys === null || finite(ys[k]) || (ys !== null && typeof ys[k] === "string" && present(ys[k]));
          if (xok && yok && (ys === null || present(ys[k]))) n++;
        }
        if (mode.includes("markers")) {
          const got = els.reduce(
            (a, el) => a + el.querySelectorAll(".points path.point, .points .point").length,
            0,
          );
          expected += n;
          drawn += got;
          if (got !== n) problems.push(`${name}: ${got} markers drawn, data has ${n}`);
        }
        if (mode.includes("lines") && n >= 2) {
          const ok = els.some((el) =>
            Array.from(el.querySelectorAll("path.js-line, path.js-fill")).some(
              (p) => (p.getAttribute("d") ?? "").length > 2,
            ),
          );
          expected += 1;
          if (ok) drawn += 1;
          else problems.push(`${name}: no line drawn for ${n} points`);
        }
        if (!mode.includes("lines") && !mode.includes("markers") && t.fill && t.fill !== "none") {
          const ok = els.some((el) =>
            Array.from(el.querySelectorAll("path.js-fill")).some(
              (p) => (p.getAttribute("d") ?? "").length > 2,
            ),
          );
          if (!ok) problems.push(`${name}: no fill drawn`);
        }
        if (els.length === 0 && n > 0) problems.push(`${name}: no trace group drawn`);
      } else if (type === "heatmap") {
        expected += 1;
        if (gd.querySelector(".hm image")) drawn += 1;
        else problems.push(`${name}: no heatmap image`);
      } else if (/gl$/.test(type)) {
        expected += 1;
        if (gd.querySelector("canvas")) drawn += 1;
        else problems.push(`${name}: no WebGL canvas`);
      } else {
        expected += 1;
        if (els.length > 0) drawn += 1;
        else problems.push(`${name}: nothing drawn`);
      }
    });
    // Text boxes that must not overlap: title, axis titles, legend, annotations.
    const boxes: { label: string; r: DOMRect }[] = [];
    const add = (label: string, el: Element | null): void => {
      if (!el) return;
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) return;
      if (el.tagName.toLowerCase() === "text" && (el.textContent ?? "").trim() === "") return;
      boxes.push({ label, r });
    };
    gd.querySelectorAll(".g-gtitle text").forEach((el) => add(`title "${el.textContent}"`, el));
    gd.querySelectorAll(
      "[class*='title'] text.xtitle, [class*='title'] text.ytitle, text[class$='title'][class^='x'], text[class$='title'][class^='y']",
    ).forEach((el) => add(`axis title "${el.textContent}"`, el));
    gd.querySelectorAll(".legend").forEach((el) => add("legend", el.querySelector(".bg") ?? el));
    gd.querySelectorAll(".annotation-text-g text, .annotation text").forEach((el) =>
      add(`annotation "${(el.textContent ?? "").slice(0, 40)}"`, el),
    );
    const seen = new Set<string>();
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < boxes.length; b++) {
        const p = boxes[a].r;
        const q = boxes[b].r;
        const ix = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const iy = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        const key = `${boxes[a].label}|${boxes[b].label}`;
        if (ix > 1 && iy > 1 && !seen.has(key)) {
          seen.add(key);
          overlaps.push(
            `${boxes[a].label} overlaps ${boxes[b].label} (${ix.toFixed(0)}x${iy.toFixed(0)} px)`,
          );
        }
      }
    out.push({
      id,
      traces: full.filter((t) => t.visible === true).length,
      drawn,
      expected,
      problems,
      overlaps,
    });
  }
  return out;
}

/** Loads every page of the book (or the pages named in `only`) in Chromium and checks it; writes one screenshot per page. */
export async function checkBookInBrowser(
  bookDir: string,
  shotsDir: string,
  only?: readonly string[],
): Promise<BrowserReport> {
  const t0 = Date.now();
  const { chromium } = await import("playwright-core");
  const pages = (only ? [...only] : fs.readdirSync(bookDir).filter((f) => f.endsWith(".html"))).sort(
    (a, b) => (a === "index.html" ? -1 : b === "index.html" ? 1 : a.localeCompare(b)),
  );
  fs.mkdirSync(shotsDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
  const reports: PageReport[] = [];
  const idsCache = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let ids = idsCache.get(file);
    if (!ids) {
      ids = new Set<string>();
      const s = fs.readFileSync(file, "utf8");
      for (const m of s.matchAll(/\sid\s*=\s*"([^"]+)"/g)) ids.add(m[1].replace(/&amp;/g, "&"));
      idsCache.set(file, ids);
    }
    return ids;
  };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    for (const file of pages) {
      const started = Date.now();
      const abs = path.join(bookDir, file);
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const failedRequests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") consoleErrors.push(m.text().slice(0, 300));
      });
      page.on("pageerror", (e) => consoleErrors.push(`${e.name}: ${e.message}`.slice(0, 300)));
      page.on("requestfailed", (r) =>
        failedRequests.push(`${r.url().slice(0, 200)} (${r.failure()?.errorText ?? "?"})`),
      );
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:"))
          return route.continue();
        failedRequests.push(`${url.slice(0, 200)} (leaves the book)`);
        return route.abort();
      });
      page.on("requestfinished", (r) => {
        const url = r.url();
        if (url.startsWith("file:") && !fs.existsSync(fileURLToPath(url.split("#")[0].split("?")[0])))
          failedRequests.push(`${url.slice(0, 200)} (missing file)`);
      });
      await page.goto(pathToFileURL(abs).href, { waitUntil: "load", timeout: 60_000 });
      // MathJax: wait for its startup promise; plotly: wait until every figure div is drawn.
      await page
        .waitForFunction(
          () => {
            const w = window as unknown as {
              MathJax?: { startup?: { promise?: Promise<unknown> } };
              __mjDone?: boolean;
            };
            const needsMath = document.querySelector(".rr-math") !== null;
            if (needsMath && w.MathJax?.startup?.promise && w.__mjDone === undefined) {
              w.__mjDone = false;
              void w.MathJax.startup.promise.then(() => (w.__mjDone = true));
            }
            const mathOk = !needsMath || w.__mjDone === true;
            const plots = Array.from(document.querySelectorAll(".recrepro-plot"));
            const plotsOk = plots.every(
              (p) => p.classList.contains("js-plotly-plot") || (p.textContent ?? "").length > 0,
            );
            return mathOk && plotsOk;
          },
          undefined,
          { timeout: 30_000, polling: 100 },
        )
        .catch(() => consoleErrors.push("timed out waiting for MathJax and plotly to finish (30 s)"));
      const plots = await page.evaluate(inspectPlots);
      const math = await page.evaluate(() => {
        const els = Array.from(document.querySelectorAll(".rr-math"));
        const errors = Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]")).map(
          (e) => e.getAttribute("data-mjx-error") ?? e.textContent ?? "error",
        );
        return {
          formulas: els.length,
          typeset: els.filter((e) => e.querySelector("mjx-container svg") !== null).length,
          errors,
        };
      });
      const hrefs = await page.evaluate(() =>
        Array.from(document.querySelectorAll("a[href]")).map((a) => a.getAttribute("href") ?? ""),
      );
      const brokenLinks: string[] = [];
      let links = 0;
      for (const href of hrefs) {
        if (/^(https?:|mailto:)/i.test(href)) continue;
        links += 1;
        const [target, frag] = href.split("#");
        const targetFile = target === "" ? abs : path.resolve(path.dirname(abs), decodeURIComponent(target));
        if (!targetFile.startsWith(path.resolve(bookDir) + path.sep) && targetFile !== abs) {
          brokenLinks.push(`${href} (outside the book)`);
          continue;
        }
        if (!fs.existsSync(targetFile)) {
          brokenLinks.push(`${href} (no such file)`);
          continue;
        }
        if (frag && targetFile.endsWith(".html") && !idsOf(targetFile).has(decodeURIComponent(frag)))
          brokenLinks.push(`${href} (no id "${frag}" in ${path.basename(targetFile)})`);
      }
      const shot = path.join(shotsDir, file.replace(/\.html$/, ".png"));
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.screenshot({
        path: shot,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: Math.min(Math.max(height, 900), 12_000) },
      });
      await page.close();
      reports.push({
        file,
        ms: Date.now() - started,
        consoleErrors,
        failedRequests,
        plots,
        formulas: math.formulas,
        typeset: math.typeset,
        mathErrors: math.errors,
        links,
        brokenLinks,
        screenshot: shot,
      });
    }
    await context.close();
  } finally {
    await browser.close();
  }
  const report: BrowserReport = {
    ok: reports.every((p) => pageProblems(p).length === 0),
    pages: reports,
    ms: Date.now() - t0,
  };
  fs.writeFileSync(path.join(shotsDir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  return report;
}
