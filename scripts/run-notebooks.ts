/**
 * The main job's notebook runner.
 *
 * Executes every `notebooks/NN-*.ipynb` (sorted; or the notebooks named on the command
 * line) headlessly on the tslab kernel, under the profile in RECREPRO_PROFILE (default
 * "smoke"), and writes, per notebook, into build/notebooks/:
 *
 *   NAME.ipynb   the executed copy (outputs included)
 *   NAME.html    a static rendering by `nbconvert --to html` (plots stay live: plotly is
 *                inlined once per notebook)
 *   NAME.log     the executor's and nbconvert's log
 *   summary.json status, wall time, errors and run record of every notebook
 *
 * and then, for the main job, the book: build/book/ (scripts/book.ts).
 *
 * Execution goes through scripts/execute-notebook.py (nbclient, the engine of
 * `nbconvert --execute`) rather than `nbconvert --execute` itself: tslab signals a failing
 * cell only by its reply status, which nbconvert either ignores (`--allow-errors`: no error
 * output is recorded, and tslab then aborts the following cells silently) or turns into a
 * crash that writes no notebook. The executor stops at the first failing cell, adds an
 * `error` output to it and still writes the notebook.
 *
 * A notebook fails when a cell fails (error output), when the kernel dies or a cell times
 * out, or when the run record it declares in its metadata (`metadata.recrepro.runRecord`,
 * a path relative to the repository root; `{profile}` is replaced by the profile) was not
 * written during the run. The exit code is 0 only when every notebook passes. Outputs are
 * written under a temporary folder and renamed into place.
 *
 * Usage: node dist/scripts/run-notebooks.js [--out DIR] [NOTEBOOK ...]
 *   NOTEBOOK: a path to an .ipynb, or a name or number prefix of one in notebooks/ ("03").
 * Environment:
 *   RECREPRO_PROFILE        smoke (default) | paper
 *   RECREPRO_CELL_TIMEOUT   seconds per cell; default 1800 for smoke, none for paper
 *   RECREPRO_NOTEBOOK_OUT   output folder; default build/notebooks
 *   RECREPRO_PYTHON         the Python with nbclient/nbconvert; default /usr/bin/python3
 *   RECREPRO_BOOK           off | build | check (default for build/notebooks): the book
 *                           (build/book, scripts/book.ts) after the notebooks; check also loads
 *                           every page in Chromium (screenshots in build/book-screenshots)
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ensureKitLink, REPO_ROOT } from "./link-kit";

/** One error output of an executed notebook. */
export interface CellError {
  /** 0-based index of the cell in the notebook. */
  cell: number;
  ename: string;
  evalue: string;
}

/** The outcome of one notebook, as written to summary.json. */
export interface NotebookResult {
  notebook: string;
  /** pass; fail: a cell failed; crash: the kernel or executor failed; no-record: declared run record not written. */
  status: "pass" | "fail" | "crash" | "no-record";
  wallSeconds: number;
  errors: CellError[];
  /** Declared run record (relative to the repository root) and whether this run wrote it. */
  runRecord: { path: string; written: boolean } | null;
  executed: string | null;
  html: string | null;
  log: string;
  /** Last lines of the log when the executor crashed. */
  message?: string;
}

/** Outputs of earlier runs found next to this run's, which this run did not produce. */
export interface StaleOutputs {
  /** Executed notebooks, renderings and logs in the output folder from notebooks not run now (renamed to `*.stale.*`). */
  notebooks: string[];
  /** Run records under figures/ older than this run (notebooks not run now, or records they no longer write). */
  runRecords: string[];
  /** Other files under figures/ older than this run, in folders this run wrote to (left beside new figures). */
  figures: string[];
}

/** summary.json */
export interface RunSummary {
  profile: string;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  cellTimeoutSeconds: number | null;
  ok: boolean;
  notebooks: NotebookResult[];
  /** What in build/notebooks and figures/ is left over from earlier runs (not current). */
  stale: StaleOutputs;
}

interface Options {
  outDir: string;
  selectors: string[];
}

interface NotebookJson {
  cells?: Array<{
    cell_type: string;
    outputs?: Array<{ output_type: string; ename?: string; evalue?: string }>;
  }>;
  metadata?: { recrepro?: { runRecord?: string } };
}

const NOTEBOOK_DIR = path.join(REPO_ROOT, "notebooks");
const NOTEBOOK_PATTERN = /^\d{2}-.+\.ipynb$/;

/**
 * NODE_OPTIONS for the tslab kernel: a 64 MB young generation (V8's default is 16 MB). The
 * sequence and graph models allocate many short-lived 0.5-2 MB typed arrays a step; with the
 * default, scavenges took 10-15% of a TEM4CTR step in a CPU profile (a one-off timing of
 * 4 Dec, not a benchmark here: 25-30% less CPU a step with 64 MB).
 * A --max-semi-space-size the user already set wins.
 */
export function kernelNodeOptions(current: string | undefined): string {
  const cur = (current ?? "").trim();
  return /--max-semi-space-size/.test(cur) ? cur : `${cur} --max-semi-space-size=64`.trim();
}
function pythonBin(): string {
  return process.env.RECREPRO_PYTHON || "/usr/bin/python3";
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    outDir: path.resolve(REPO_ROOT, process.env.RECREPRO_NOTEBOOK_OUT || path.join("build", "notebooks")),
    selectors: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") opts.outDir = path.resolve(argv[++i] ?? "");
    else if (a === "-h" || a === "--help") {
      console.log("usage: node dist/scripts/run-notebooks.js [--out DIR] [NOTEBOOK ...]");
      process.exit(0);
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else opts.selectors.push(a);
  }
  return opts;
}

/** The committed notebooks `notebooks/NN-*.ipynb`, sorted. */
export function listNotebooks(dir: string = NOTEBOOK_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => NOTEBOOK_PATTERN.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

function select(selectors: string[]): string[] {
  const all = listNotebooks();
  if (selectors.length === 0) return all;
  return selectors.map((s) => {
    if (s.endsWith(".ipynb") && fs.existsSync(s)) return path.resolve(s);
    const matches = all.filter((f) => {
      const base = path.basename(f);
      return base === s || base === `${s}.ipynb` || base.startsWith(`${s}-`);
    });
    if (matches.length !== 1)
      throw new Error(`notebook "${s}": ${matches.length === 0 ? "no match" : "ambiguous"} in notebooks/`);
    return matches[0];
  });
}

/** Checks that Jupyter, nbconvert and the tslab kernel are installed; returns a problem or null. */
export function checkJupyter(): string | null {
  const py = pythonBin();
  if (!fs.existsSync(py)) return `${py} not found`;
  const probe = spawnSync(py, ["-c", "import nbconvert, nbclient, nbformat, jupyter_client"], {
    encoding: "utf8",
  });
  if (probe.status !== 0)
    return `nbconvert/nbclient not importable by ${py}: ${probe.stderr.trim().split("\n").pop()}`;
  const specs = spawnSync(py, ["-m", "jupyter", "kernelspec", "list", "--json"], {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  });
  if (specs.status !== 0) return `jupyter kernelspec list failed: ${specs.stderr.trim().split("\n").pop()}`;
  const kernels = (JSON.parse(specs.stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs;
  if (!("tslab" in kernels)) return "the tslab Jupyter kernel is not registered";
  if (!fs.existsSync(path.join(REPO_ROOT, "node_modules", ".bin", "tslab")))
    return "node_modules/.bin/tslab missing (npm ci not run)";
  if (!fs.existsSync(path.join(REPO_ROOT, "dist", "src", "index.js")))
    return "dist/src/index.js missing (npm run build not run)";
  return null;
}

function cellTimeout(profile: string): number | null {
  const raw = process.env.RECREPRO_CELL_TIMEOUT;
  if (raw !== undefined && raw !== "") {
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`RECREPRO_CELL_TIMEOUT=${raw} is not a number`);
    return v <= 0 ? null : v;
  }
  return profile === "smoke" ? 1800 : null;
}

/** True when a process with this pid exists (signal 0). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes temp folders and files (`.tmp-<pid>-*`, `*.tmp-<pid>`) that a runner killed before it
 * could clean up (kill -9) left in `outDir`; those of a runner still alive are kept. Returns
 * the names removed.
 */
export function cleanStaleTemps(outDir: string): string[] {
  if (!fs.existsSync(outDir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(outDir)) {
    const m = /(?:^|\.)tmp-(\d+)?/.exec(name);
    if (!m) continue;
    const pid = m[1] === undefined ? NaN : Number(m[1].slice(0, 10));
    if (pid === process.pid || (Number.isFinite(pid) && pidAlive(pid))) continue;
    fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Outputs of earlier runs: executed notebooks, renderings and logs in `outDir` of notebooks this
 * run did not execute are renamed `NAME.stale.EXT` (so none sits beside the new ones as if
 * current), and run records under `figuresDir` last written before `startedMs` are listed.
 */
export function markStale(
  outDir: string,
  current: readonly string[],
  startedMs: number,
  figuresDir: string = path.join(REPO_ROOT, "figures"),
): StaleOutputs {
  const notebooks: string[] = [];
  if (fs.existsSync(outDir)) {
    for (const name of fs.readdirSync(outDir).sort()) {
      const m = /^(\d{2}-.+?|[^.]+?)\.(ipynb|html|log)$/.exec(name);
      if (!m || current.includes(m[1]) || name.includes(".stale.")) continue;
      const to = `${m[1]}.stale.${m[2]}`;
      fs.renameSync(path.join(outDir, name), path.join(outDir, to));
      notebooks.push(path.relative(REPO_ROOT, path.join(outDir, to)));
    }
    for (const name of fs.readdirSync(outDir))
      if (name.includes(".stale.") && !notebooks.includes(path.relative(REPO_ROOT, path.join(outDir, name))))
        notebooks.push(path.relative(REPO_ROOT, path.join(outDir, name)));
  }
  const runRecords: string[] = [];
  const figures: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || !fs.existsSync(dir)) return;
    const old: string[] = [];
    let fresh = false;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (fs.statSync(p).mtimeMs >= startedMs - 1000) fresh = true;
      else if (e.name === "run.json") runRecords.push(path.relative(REPO_ROOT, p));
      else old.push(path.relative(REPO_ROOT, p));
    }
    if (fresh) figures.push(...old);
  };
  walk(figuresDir, 0);
  return { notebooks: notebooks.sort(), runRecords: runRecords.sort(), figures: figures.sort() };
}

let activeChild: ReturnType<typeof spawn> | null = null;
const tempPaths = new Set<string>();

function cleanupTemps(): void {
  for (const p of tempPaths) fs.rmSync(p, { recursive: true, force: true });
  tempPaths.clear();
}

/** Runs a command in its own process group; resolves with its exit code, appending output to `logFile`. */
function runLogged(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  logFile: string,
): Promise<number> {
  return new Promise((resolve) => {
    fs.appendFileSync(logFile, `$ ${cmd} ${args.join(" ")}\n`);
    const log = fs.openSync(logFile, "a");
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", log, log], detached: true });
    activeChild = child;
    child.on("error", (err) => {
      fs.appendFileSync(logFile, `spawn error: ${err.message}\n`);
    });
    child.on("close", (code, signal) => {
      activeChild = null;
      fs.closeSync(log);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function tail(file: string, lines: number): string {
  if (!fs.existsSync(file)) return "";
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Error outputs of an executed notebook. */
export function errorOutputs(nb: NotebookJson): CellError[] {
  const errors: CellError[] = [];
  (nb.cells ?? []).forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error")
        errors.push({ cell: i, ename: out.ename ?? "Error", evalue: out.evalue ?? "" });
    }
  });
  return errors;
}

/** The run record a notebook declares, with `{profile}` substituted; null when none. */
export function declaredRunRecord(nb: NotebookJson, profile: string): string | null {
  const rec = nb.metadata?.recrepro?.runRecord;
  return typeof rec === "string" && rec.length > 0 ? rec.replace(/\{profile\}/g, profile) : null;
}

async function runOne(
  file: string,
  opts: Options,
  profile: string,
  timeout: number | null,
  tmpDir: string,
): Promise<NotebookResult> {
  const name = path.basename(file, ".ipynb");
  const logFinal = path.join(opts.outDir, `${name}.log`);
  const logTmp = path.join(tmpDir, `${name}.log`);
  fs.writeFileSync(logTmp, `profile=${profile} started=${new Date().toISOString()}\n`);
  const source = JSON.parse(fs.readFileSync(file, "utf8")) as NotebookJson;
  const record = declaredRunRecord(source, profile);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(REPO_ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    RECREPRO_PROFILE: profile,
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    NODE_OPTIONS: kernelNodeOptions(process.env.NODE_OPTIONS),
  };
  const t0 = Date.now();
  const executedTmp = path.join(tmpDir, `${name}.ipynb`);
  const execArgs = [
    path.join(REPO_ROOT, "scripts", "execute-notebook.py"),
    file,
    executedTmp,
    "--kernel",
    "tslab",
    "--timeout",
    String(timeout ?? -1),
    "--startup-timeout",
    "180",
  ];
  const execCode = await runLogged(pythonBin(), execArgs, env, path.dirname(file), logTmp);
  const result: NotebookResult = {
    notebook: path.relative(REPO_ROOT, file),
    status: "pass",
    wallSeconds: 0,
    errors: [],
    runRecord: null,
    executed: null,
    html: null,
    log: path.relative(REPO_ROOT, logFinal),
  };
  if (fs.existsSync(executedTmp)) {
    const executed = JSON.parse(fs.readFileSync(executedTmp, "utf8")) as NotebookJson;
    result.errors = errorOutputs(executed);
  }
  if (execCode === 1 && result.errors.length > 0) {
    result.status = "fail";
  } else if (execCode !== 0 || result.errors.length > 0 || !fs.existsSync(executedTmp)) {
    result.status = "crash";
    result.message = tail(logTmp, 15);
  }
  result.wallSeconds = (Date.now() - t0) / 1000;
  if (record !== null) {
    const abs = path.resolve(REPO_ROOT, record);
    const written = fs.existsSync(abs) && fs.statSync(abs).mtimeMs >= t0 - 1000;
    result.runRecord = { path: record, written };
    if (!written && result.status === "pass") result.status = "no-record";
  }
  // Render and publish whatever was executed, failed or not: it is what a reader debugs.
  if (fs.existsSync(executedTmp)) {
    const htmlCode = await runLogged(
      pythonBin(),
      ["-m", "nbconvert", "--to", "html", "--output-dir", tmpDir, "--output", name, executedTmp],
      env,
      tmpDir,
      logTmp,
    );
    const htmlTmp = path.join(tmpDir, `${name}.html`);
    fs.mkdirSync(opts.outDir, { recursive: true });
    fs.renameSync(executedTmp, path.join(opts.outDir, `${name}.ipynb`));
    result.executed = path.relative(REPO_ROOT, path.join(opts.outDir, `${name}.ipynb`));
    if (htmlCode === 0 && fs.existsSync(htmlTmp)) {
      fs.renameSync(htmlTmp, path.join(opts.outDir, `${name}.html`));
      result.html = path.relative(REPO_ROOT, path.join(opts.outDir, `${name}.html`));
    }
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  fs.renameSync(logTmp, logFinal);
  return result;
}

function line(r: NotebookResult, profile: string): string {
  const status = { pass: "PASS", fail: "FAIL", crash: "CRASH", "no-record": "NO-RECORD" }[r.status];
  let detail = "";
  if (r.errors.length > 0) {
    const e = r.errors[0];
    detail =
      `  cell ${e.cell}: ${e.ename}: ${e.evalue.split("\n")[0].slice(0, 160)}` +
      (r.errors.length > 1 ? ` (+${r.errors.length - 1} more)` : "");
  } else if (r.status === "crash") {
    detail = r.log ? `  executor failed, see ${r.log}` : `  ${(r.message ?? "").split("\n")[0]}`;
  } else if (r.status === "no-record") {
    detail = `  run record ${r.runRecord?.path} not written`;
  }
  return `${status.padEnd(9)} ${path.basename(r.notebook).padEnd(36)} ${profile.padEnd(6)} ${r.wallSeconds.toFixed(1).padStart(7)}s${detail}`;
}

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const profile = process.env.RECREPRO_PROFILE || "smoke";
  if (!/^[a-z0-9-]+$/.test(profile)) throw new Error(`RECREPRO_PROFILE=${profile}: expected smoke or paper`);
  const problem = checkJupyter();
  if (problem !== null) {
    console.error(
      `run-notebooks: ${problem}.\nRun \`bash environment/setup.sh\` to install Jupyter, build the kit and register the tslab kernel.`,
    );
    return 2;
  }
  ensureKitLink();
  const notebooks = select(opts.selectors);
  if (notebooks.length === 0) {
    console.error("run-notebooks: no notebooks/NN-*.ipynb to run");
    return 2;
  }
  const timeout = cellTimeout(profile);
  const started = new Date();
  console.log(
    `run-notebooks: ${notebooks.length} notebook(s), profile ${profile}, cell timeout ${timeout === null ? "none" : `${timeout}s`}, output ${path.relative(REPO_ROOT, opts.outDir) || "."}`,
  );
  fs.mkdirSync(opts.outDir, { recursive: true });
  const removed = cleanStaleTemps(opts.outDir);
  if (removed.length > 0)
    console.log(
      `run-notebooks: removed ${removed.length} temp folder(s) of an interrupted earlier run: ${removed.join(", ")}`,
    );
  const tmpDir = fs.mkdtempSync(path.join(opts.outDir, `.tmp-${process.pid}-`));
  tempPaths.add(tmpDir);
  const results: NotebookResult[] = [];
  try {
    for (const nb of notebooks) {
      let r: NotebookResult;
      try {
        r = await runOne(nb, opts, profile, timeout, tmpDir);
      } catch (err) {
        // An unreadable notebook or a file-system error: record it and go on with the others.
        r = {
          notebook: path.relative(REPO_ROOT, nb),
          status: "crash",
          wallSeconds: 0,
          errors: [],
          runRecord: null,
          executed: null,
          html: null,
          log: "",
          message: (err as Error).message,
        };
      }
      results.push(r);
      console.log(line(r, profile));
    }
  } finally {
    cleanupTemps();
  }
  const finished = new Date();
  const stale = markStale(
    opts.outDir,
    notebooks.map((f) => path.basename(f, ".ipynb")),
    started.getTime(),
  );
  const summary: RunSummary = {
    profile,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    cellTimeoutSeconds: timeout,
    ok: results.every((r) => r.status === "pass"),
    notebooks: results,
    stale,
  };
  writeJsonAtomic(path.join(opts.outDir, "summary.json"), summary);
  if (stale.notebooks.length > 0)
    console.log(`run-notebooks: stale (from earlier runs, not current): ${stale.notebooks.join(", ")}`);
  if (stale.runRecords.length > 0)
    console.log(
      `run-notebooks: ${stale.runRecords.length} run record(s) not rewritten by this run (stale; listed in summary.json)`,
    );
  if (stale.figures.length > 0)
    console.log(
      `run-notebooks: ${stale.figures.length} figure file(s) older than this run beside new ones (stale; listed in summary.json)`,
    );
  const failed = results.filter((r) => r.status !== "pass").length;
  console.log(
    `run-notebooks: ${results.length - failed}/${results.length} passed in ${summary.wallSeconds.toFixed(1)}s; ` +
      `summary ${path.relative(REPO_ROOT, path.join(opts.outDir, "summary.json"))}`,
  );
  const bookCode = await afterRunBook(opts.outDir);
  return failed === 0 && bookCode === 0 ? 0 : 1;
}

/**
 * The book (scripts/book.ts) from this run's executed copies: built, scanned for references that
 * break an offline copy and checked in Chromium. Only for the main job's output folder
 * (build/notebooks) unless RECREPRO_BOOK asks: `off` skips it, `build` skips the browser check,
 * `check` (default) does both. Returns 1 when the book has problems.
 */
async function afterRunBook(outDir: string): Promise<number> {
  const mode = process.env.RECREPRO_BOOK ?? "";
  if (!["", "off", "build", "check"].includes(mode))
    throw new Error(`RECREPRO_BOOK=${mode}: expected off, build or check`);
  const isMain = path.resolve(outDir) === path.resolve(REPO_ROOT, "build", "notebooks");
  if (mode === "off" || (mode === "" && !isMain)) return 0;
  try {
    const { runBook } = await import("./book");
    return await runBook({
      notebooksDir: outDir,
      outDir: path.join(path.dirname(outDir), "book"),
      repoRoot: REPO_ROOT,
      browser: mode !== "build",
    });
  } catch (err) {
    console.error(`book: ${(err as Error).message}`);
    return 1;
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const child = activeChild;
  if (child?.pid !== undefined) {
    try {
      // The child leads its own process group: this also stops the kernel it started.
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  cleanupTemps();
  process.exit(signal === "SIGINT" ? 130 : 143);
}

if (require.main === module) {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`run-notebooks: ${err.message}`);
      cleanupTemps();
      process.exit(2);
    },
  );
}
