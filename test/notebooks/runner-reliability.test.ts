/**
 * The notebook runner under failure: a cell that throws asynchronously (timer, unhandled
 * rejection) fails the notebook; a runner killed with -9 takes the kernel with it, and the next
 * run removes the temp folder it left; outputs of notebooks not run now are marked stale.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkJupyter, kernelNodeOptions, type RunSummary } from "../../scripts/run-notebooks";
import { projectRoot } from "../../src/data/paths";

const ROOT = projectRoot();
const RUNNER = path.join(ROOT, "dist", "scripts", "run-notebooks.js");
const FIXTURES = path.join(ROOT, "test", "notebooks", "fixtures");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

function run(outDir: string, notebook: string): { code: number; summary: RunSummary; out: string } {
  const r = spawnSync(process.execPath, [RUNNER, "--out", outDir, path.join(FIXTURES, notebook)], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, RECREPRO_PROFILE: "smoke" },
  });
  return {
    code: r.status ?? -1,
    summary: JSON.parse(fs.readFileSync(path.join(outDir, "summary.json"), "utf8")) as RunSummary,
    out: r.stdout + r.stderr,
  };
}

before(() => {
  const problem = checkJupyter();
  if (problem !== null)
    assert.fail(
      `${problem}. Run \`bash environment/setup.sh\` to install Jupyter and register the tslab kernel.`,
    );
});

test("a throw inside setTimeout and an unhandled rejection fail the cell and the notebook", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "rr-nb-async-"));
  const t = run(out, "async-throw.ipynb");
  assert.equal(t.code, 1, t.out);
  assert.equal(t.summary.notebooks[0].status, "fail");
  assert.equal(t.summary.notebooks[0].errors[0].ename, "UncaughtException");
  assert.match(t.summary.notebooks[0].errors[0].evalue, /thrown from a timer/);
  const r = run(out, "async-reject.ipynb");
  assert.equal(r.code, 1, r.out);
  assert.equal(r.summary.notebooks[0].status, "fail");
  assert.equal(r.summary.notebooks[0].errors[0].ename, "UnhandledRejection");
  assert.match(r.summary.notebooks[0].errors[0].evalue, /rejected with no handler/);
  // The earlier notebook's outputs are not current any more: renamed and listed as stale.
  assert.ok(
    r.summary.stale.notebooks.some((f) => f.endsWith("async-throw.stale.ipynb")),
    JSON.stringify(r.summary.stale),
  );
  assert.ok(!fs.existsSync(path.join(out, "async-throw.ipynb")));
  fs.rmSync(out, { recursive: true, force: true });
});

test("kill -9 of the runner takes the kernel with it; the next run removes its temp folder", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "rr-nb-kill-"));
  const marker = path.join(out, "kernel.pid");
  const child = spawn(process.execPath, [RUNNER, "--out", out, path.join(FIXTURES, "long-running.ipynb")], {
    cwd: ROOT,
    env: { ...process.env, RECREPRO_PROFILE: "smoke", RECREPRO_TEST_MARKER: marker },
    stdio: "ignore",
  });
  try {
    assert.ok(
      await waitFor(() => fs.existsSync(marker) && fs.readFileSync(marker, "utf8").length > 0, 60_000),
      "the kernel never started the cell",
    );
    const kernel = Number(fs.readFileSync(marker, "utf8"));
    assert.ok(alive(kernel));
    process.kill(child.pid!, "SIGKILL");
    assert.ok(await waitFor(() => !alive(kernel), 10_000), `kernel ${kernel} outlived the runner`);
    assert.ok(
      fs.readdirSync(out).some((f) => f.startsWith(".tmp-")),
      "kill -9 leaves the temp folder (cleaned by the next run)",
    );
    const next = run(out, "async-reject.ipynb");
    assert.deepEqual(
      fs.readdirSync(out).filter((f) => f.includes(".tmp-")),
      [],
      next.out,
    );
    assert.match(next.out, /removed 1 temp folder/);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("the kernel gets a 64 MB young generation; a user's own --max-semi-space-size wins", () => {
  assert.equal(kernelNodeOptions(undefined), "--max-semi-space-size=64");
  assert.equal(kernelNodeOptions("--enable-source-maps"), "--enable-source-maps --max-semi-space-size=64");
  assert.equal(kernelNodeOptions("--max-semi-space-size=8"), "--max-semi-space-size=8");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "rr-nb-heap-"));
  const t = run(out, "kernel-heap.ipynb");
  assert.equal(t.code, 0, t.out);
  assert.equal(t.summary.notebooks[0].status, "pass", t.out);
});
