/**
 * Headless execution of the notebooks on the tslab kernel, through the main job's runner
 * (scripts/run-notebooks.ts) under the smoke profile. Never skipped: without Jupyter and the
 * tslab kernel these tests fail and say how to install them.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkJupyter, listNotebooks, RunSummary } from "../../scripts/run-notebooks";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const RUNNER = path.join(ROOT, "dist", "scripts", "run-notebooks.js");
const FIXTURES = path.join(ROOT, "test", "notebooks", "fixtures");

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
}
interface ExecutedNotebook {
  cells: Array<{ cell_type: string; execution_count: number | null; outputs?: Output[] }>;
}

/**
 * The paper profile's code path on the local samples: every registered full data set that is not
 * here is replaced by its stand-in sample, every split is capped at 256 rows, and each run trains
 * 2 steps of 1 epoch on 2 seeds (README, "Profiles"). Nothing here is a result.
 */
export const PAPER_STAND_IN_ENV: Readonly<Record<string, string>> = {
  RECREPRO_PROFILE: "paper",
  RECREPRO_STAND_IN: "1",
  RECREPRO_OFFLINE: "1",
  RECREPRO_MAX_ROWS: "256",
  RECREPRO_MAX_STEPS: "2",
  RECREPRO_EPOCHS: "1",
  RECREPRO_SEEDS: "1,2",
  RECREPRO_CELL_TIMEOUT: "900",
};

function runRunner(
  outDir: string,
  args: string[],
  env: Readonly<Record<string, string>> = { RECREPRO_PROFILE: "smoke" },
): { code: number; stdout: string; summary: RunSummary } {
  fs.rmSync(outDir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [RUNNER, "--out", outDir, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const summaryFile = path.join(outDir, "summary.json");
  assert.ok(
    fs.existsSync(summaryFile),
    `runner wrote no summary.json (exit ${r.status}):\n${r.stdout}\n${r.stderr}`,
  );
  const leftovers = fs.readdirSync(outDir).filter((f) => f.startsWith(".tmp") || f.includes(".tmp-"));
  assert.deepEqual(leftovers, [], "runner left temporary files behind");
  return {
    code: r.status ?? -1,
    stdout: r.stdout + r.stderr,
    summary: JSON.parse(fs.readFileSync(summaryFile, "utf8")) as RunSummary,
  };
}

function readExecuted(file: string): ExecutedNotebook {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as ExecutedNotebook;
}

before(() => {
  const problem = checkJupyter();
  if (problem !== null)
    assert.fail(
      `${problem}. Run \`bash environment/setup.sh\` to install Jupyter and register the tslab kernel.`,
    );
});

test(
  "the kit imports as 'recrepro' in tslab; plots display inline and export",
  { timeout: 10 * 60_000 },
  () => {
    const { code, stdout, summary } = runRunner(path.join(ROOT, "build", "test-notebooks", "fixtures-pass"), [
      path.join(FIXTURES, "plots-smoke.ipynb"),
    ]);
    assert.equal(code, 0, stdout);
    const [nb] = summary.notebooks;
    assert.equal(nb.status, "pass", stdout);
    const executed = readExecuted(nb.executed ?? "");
    const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
    const html = outputs.map((o) => [o.data?.["text/html"] ?? ""].flat().join("")).join("\n");
    assert.match(html, /plotly\.js v\d/, "plotly bundle emitted");
    assert.equal(html.match(/plotly\.js v\d/g)?.length, 1, "bundle emitted once per kernel");
    assert.match(html, /Plotly\.newPlot/);
    assert.match(html, /<table class="recrepro-table"/);
    assert.ok(
      executed.cells.filter((c) => c.cell_type === "code").every((c) => c.execution_count !== null),
      "every cell ran",
    );
    assert.ok(fs.statSync(path.join(ROOT, nb.html ?? "")).size > 1_000_000, "HTML rendering includes plotly");
    const png = fs.readFileSync(path.join(ROOT, "build", "test-fixtures", "smoke-curves.png"));
    assert.equal(png.subarray(1, 4).toString(), "PNG");
  },
);

test(
  "a failing cell fails the run, is recorded as an error output and stops the notebook",
  { timeout: 10 * 60_000 },
  () => {
    const { code, summary } = runRunner(path.join(ROOT, "build", "test-notebooks", "fixtures-fail"), [
      path.join(FIXTURES, "fails.ipynb"),
    ]);
    assert.equal(code, 1);
    const [nb] = summary.notebooks;
    assert.equal(nb.status, "fail");
    assert.deepEqual(
      nb.errors.map((e) => [e.cell, e.ename, e.evalue]),
      [[2, "RangeError", "expected failure"]],
    );
    const executed = readExecuted(nb.executed ?? "");
    assert.deepEqual(executed.cells[3].outputs, [], "cells after the failure are not run");
    assert.ok(
      fs.existsSync(path.join(ROOT, nb.html ?? "")),
      "failed notebooks are still rendered for debugging",
    );
  },
);

test(
  "every notebook runs headlessly under the smoke profile without errors and writes its run record",
  { timeout: 90 * 60_000 },
  () => {
    const notebooks = listNotebooks();
    assert.ok(notebooks.length > 0, "no notebooks/NN-*.ipynb found");
    const { code, stdout, summary } = runRunner(path.join(ROOT, "build", "test-notebooks", "all"), []);
    assert.equal(summary.profile, "smoke");
    assert.deepEqual(
      summary.notebooks.map((n) => path.basename(n.notebook)),
      notebooks.map((n) => path.basename(n)),
    );
    for (const nb of summary.notebooks) {
      assert.deepEqual(nb.errors, [], `${nb.notebook}: error outputs`);
      assert.equal(nb.status, "pass", `${nb.notebook}: ${nb.status}\n${nb.message ?? ""}`);
      if (!path.basename(nb.notebook).startsWith("00-")) {
        assert.ok(nb.runRecord, `${nb.notebook} declares no run record (metadata.recrepro.runRecord)`);
      }
      if (nb.runRecord) {
        assert.ok(nb.runRecord.written, `${nb.notebook}: run record ${nb.runRecord.path} not written`);
        JSON.parse(fs.readFileSync(path.join(ROOT, nb.runRecord.path), "utf8"));
      }
    }
    assert.equal(code, 0, stdout);
  },
);

test(
  "every notebook runs under the paper profile on stand-in samples with a tiny budget",
  { timeout: 90 * 60_000 },
  () => {
    const notebooks = listNotebooks();
    const { code, stdout, summary } = runRunner(
      path.join(ROOT, "build", "test-notebooks", "paper-stand-in"),
      [],
      PAPER_STAND_IN_ENV,
    );
    assert.equal(summary.profile, "paper");
    assert.deepEqual(
      summary.notebooks.map((n) => path.basename(n.notebook)),
      notebooks.map((n) => path.basename(n)),
    );
    for (const nb of summary.notebooks) {
      assert.deepEqual(nb.errors, [], `${nb.notebook} (paper profile, stand-ins): error outputs`);
      assert.equal(
        nb.status,
        "pass",
        `${nb.notebook} (paper profile, stand-ins): ${nb.status}\n${nb.message ?? ""}`,
      );
      if (nb.runRecord) {
        assert.ok(nb.runRecord.written, `${nb.notebook}: run record ${nb.runRecord.path} not written`);
        const rec = JSON.parse(fs.readFileSync(path.join(ROOT, nb.runRecord.path), "utf8")) as {
          profile: string;
          data: { rows: Record<string, number> };
        };
        assert.equal(rec.profile, "paper");
        for (const n of Object.values(rec.data.rows))
          assert.ok(n <= 256, `${nb.runRecord.path}: a split has ${n} rows under RECREPRO_MAX_ROWS=256`);
      }
    }
    assert.equal(code, 0, stdout);
  },
);
