/**
 * The tour as a student meets it, in a real browser: Debian's Chromium (/usr/bin/chromium, no
 * browser download) driven by playwright-core against the classic Notebook started the README's
 * way (`npm run notebook -- --no-browser --port=N`, token from RECREPRO_NOTEBOOK_TOKEN).
 *
 * Run All on a copy of notebooks/00-tour.ipynb (build/browser-test/, so nothing is saved into the
 * committed notebook) with a small budget (RECREPRO_MAX_STEPS, RECREPRO_EPOCHS, two seeds, no
 * image export) at 820 px; then: no cell error, a progress bar redrawn in place during training
 * ending as one summary line per run, every legend clear of its figure's title at 600/820/1200 px
 * (rendered text boxes), a reload and a re-run plot cell that draws (plotly.js fetched on demand),
 * and no console error from the kit. Never skipped: without Chromium or Jupyter it fails saying so.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { Page } from "playwright-core";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CHROMIUM = process.env.RECREPRO_CHROMIUM ?? "/usr/bin/chromium";
const TOKEN = "recrepro-browser-test";
const COPY_DIR = path.join(ROOT, "build", "browser-test");

/** The tour's budget for this test (its numbers mean nothing). */
const BUDGET: Record<string, string> = {
  RECREPRO_MAX_STEPS: "6",
  RECREPRO_EPOCHS: "2",
  RECREPRO_SEEDS: "1,2",
  RECREPRO_EXPORT_IMAGES: "off",
  RECREPRO_OFFLINE: "1",
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitForServer(
  url: string,
  server: ChildProcess,
  log: () => string,
  ms: number,
): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (server.exitCode !== null) throw new Error(`npm run notebook exited (${server.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the notebook server did not answer ${url} within ${ms} ms:\n${log()}`);
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Per figure on the page: title box, legend text boxes and x-axis title boxes. */
async function figureBoxes(page: Page) {
  return page.evaluate(() => {
    const box = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    return Array.from(document.querySelectorAll(".recrepro-plot")).map((el) => ({
      title: (el.querySelector(".gtitle")?.textContent ?? "") as string,
      titleBox: el.querySelector(".gtitle") ? box(el.querySelector(".gtitle")!) : null,
      legend: Array.from(el.querySelectorAll(".legend .legendtext")).map(box),
      xtitles: Array.from(el.querySelectorAll(".xtitle, .x2title")).map(box),
    }));
  });
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test(
  "the tour in Chromium: Run All, live progress, legends clear of titles, plots after a reload",
  { timeout: 900_000 },
  async () => {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} missing: apt-get install chromium (or set RECREPRO_CHROMIUM)`,
    );
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    fs.mkdirSync(COPY_DIR, { recursive: true });
    const committed = fs.readFileSync(path.join(ROOT, "notebooks", "00-tour.ipynb"), "utf8");
    fs.writeFileSync(path.join(COPY_DIR, "00-tour.ipynb"), committed);

    const port = await freePort();
    let log = "";
    const server = spawn(
      "npm",
      ["run", "--silent", "notebook", "--", "--no-browser", `--port=${port}`, "--ip=127.0.0.1"],
      {
        cwd: ROOT,
        detached: true,
        env: { ...process.env, ...BUDGET, RECREPRO_NOTEBOOK_TOKEN: TOKEN },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      await waitForServer(`http://127.0.0.1:${port}/api?token=${TOKEN}`, server, () => log, 120_000);
      const page = await browser.newPage({ viewport: { width: 820, height: 900 } });
      const kitErrors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && /recrepro|plotly|rr-plot/i.test(m.text())) kitErrors.push(m.text());
      });
      page.on("pageerror", (e) => kitErrors.push(`uncaught: ${e.message}`));
      page.on("dialog", (d) => void d.accept());
      const url = `http://127.0.0.1:${port}/notebooks/build/browser-test/00-tour.ipynb?token=${TOKEN}`;
      const openNotebook = async () => {
        await page.goto(url);
        await page
          .waitForFunction(
            () => {
              const J = (window as unknown as { Jupyter?: any }).Jupyter;
              return Boolean(J?.notebook?._fully_loaded && J.notebook.kernel?.is_connected?.());
            },
            undefined,
            { timeout: 120_000 },
          )
          .catch((e: Error) => {
            throw new Error(`the notebook or its kernel did not come up: ${e.message}\nserver log:\n${log}`);
          });
        // No autosave: the copy's outputs are the test's, but keep the run from writing files.
        await page.evaluate(() =>
          (window as unknown as { Jupyter: any }).Jupyter.notebook.set_autosave_interval(0),
        );
      };
      await openNotebook();

      // Record every state each run's progress display goes through (classic Notebook replaces the
      // output element on every update, so states are keyed by the run's title).
      await page.evaluate(() => {
        const w = window as unknown as { __progress: Record<string, string[]> };
        w.__progress = {};
        const seen = () => {
          for (const bar of Array.from(
            document.querySelectorAll(".recrepro-progress, .recrepro-progress-done"),
          )) {
            const text = bar.textContent ?? "";
            const done = bar.classList.contains("recrepro-progress-done");
            const title = (done ? text.split(": ")[0] : text.split(" · ")[0]).trim();
            const states = (w.__progress[title] ??= []);
            const t = (done ? "DONE " : "") + text;
            if (states[states.length - 1] !== t) states.push(t);
          }
        };
        new MutationObserver(seen).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });

      // Run All, from the Cell menu as a student would.
      await page.click("#celllink");
      await page.click("#run_all_cells");
      const t0 = Date.now();
      await page.waitForFunction(
        () => {
          const nb = (window as unknown as { Jupyter: any }).Jupyter.notebook;
          const code = nb.get_cells().filter((c: any) => c.cell_type === "code");
          return (
            !nb.kernel_busy &&
            code.every((c: any) => typeof c.input_prompt_number === "number") &&
            document.querySelectorAll(".recrepro-plot .main-svg").length > 0
          );
        },
        undefined,
        { timeout: 600_000, polling: 500 },
      );
      const runSec = (Date.now() - t0) / 1000;
      const errors = await page.evaluate(() =>
        Array.from(document.querySelectorAll(".output_error"))
          .map((e) => e.textContent ?? "")
          .filter((t) => t.trim() !== ""),
      );
      assert.deepEqual(errors, [], "no cell failed");

      const progress = await page.evaluate(() =>
        Object.values((window as unknown as { __progress: Record<string, string[]> }).__progress),
      );
      const finals = progress.map((st) => st[st.length - 1]);
      assert.equal(
        progress.length,
        4,
        `one progress display per run (the tour trains 4): ${JSON.stringify(finals)}`,
      );
      assert.ok(
        finals.every((f) => f.startsWith("DONE ")),
        `every bar ends as a summary line: ${JSON.stringify(finals)}`,
      );
      assert.ok(
        progress.some((st) => st.filter((t) => !t.startsWith("DONE ")).length >= 2),
        `a bar was redrawn in place during training: ${JSON.stringify(progress)}`,
      );
      const summaries = await page.evaluate(
        () => document.querySelectorAll(".recrepro-progress-done").length,
      );
      assert.equal(summaries, 4, "one summary line per run on the page");
      const liveBars = await page.evaluate(() => document.querySelectorAll(".recrepro-progress").length);
      assert.equal(liveBars, 0, "no bar is left behind");

      for (const width of [820, 600, 1200]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(800); // plotly's responsive relayout
        const figs = await figureBoxes(page);
        assert.ok(figs.length >= 4, `the tour's figures are drawn (${figs.length})`);
        for (const f of figs) {
          if (!f.titleBox) continue;
          for (const l of f.legend) {
            assert.ok(!overlaps(l, f.titleBox), `${width} px: a legend entry covers the title "${f.title}"`);
            for (const x of f.xtitles)
              assert.ok(
                !overlaps(l, x),
                `${width} px: a legend entry covers an x-axis title of "${f.title}"`,
              );
          }
        }
      }
      await page.setViewportSize({ width: 820, height: 900 });

      // Reload (outputs are gone, the kernel keeps its state), re-run the label-rate plot cell.
      await openNotebook();
      assert.equal(
        await page.evaluate(() => "Plotly" in window),
        false,
        "the reloaded page has no plotly.js",
      );
      await page.evaluate(() => {
        const nb = (window as unknown as { Jupyter: any }).Jupyter.notebook;
        const cell = nb.get_cells().find((c: any) => /labelRateFigure/.test(c.get_text()));
        cell.execute();
      });
      await page.waitForSelector(".recrepro-plot .main-svg", { timeout: 60_000 });
      const after = await figureBoxes(page);
      assert.equal(after.length, 1);
      assert.match(after[0].title, /\S/, "the re-run figure drew its title");
      const failed = await page.evaluate(() => document.querySelector(".recrepro-plot")?.textContent ?? "");
      assert.doesNotMatch(failed, /could not be loaded/);

      assert.deepEqual(kitErrors, [], "no console error from the kit");
      assert.equal(
        fs.readFileSync(path.join(ROOT, "notebooks", "00-tour.ipynb"), "utf8"),
        committed,
        "the committed tour is untouched",
      );
      console.log(`tour Run All in ${runSec.toFixed(0)} s; progress displays: ${progress.length}`);
    } finally {
      await browser.close();
      try {
        process.kill(-server.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
  },
);
