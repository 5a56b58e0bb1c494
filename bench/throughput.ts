/**
 * Throughput benchmark: the kit's reference CTR DNN vs the same model in PyTorch, same script.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/throughput.js [options]
 *
 * 1. Runs bench/torch_ref.py (Debian PyTorch, /usr/bin/python3, 2 threads) as a subprocess:
 *    dense nn.Embedding + Adam (the usual set-up), and sparse nn.Embedding + SparseAdam.
 * 2. Runs the kit step (bench/kit_trainer.ts if wired, else bench/kit_step.ts) in one child
 *    process per backend: tfjs cpu + native kernels, tfjs wasm (with and without the transpose
 *    fix), plain tfjs cpu.
 * 3. Prints samples/s, the ratio kit / PyTorch, the per-phase breakdown, and writes
 *    bench/results/throughput.json (atomic write).
 *
 * Options:
 *   --backends LIST                  kit backends, default cpu-native,wasm,wasm-stock,cpu:
 *                                    cpu-native = tfjs cpu + native kernels (src/engine/native.ts)
 *                                    wasm       = tfjs wasm + registerWasmMatMulTransposeFix()
 *                                    wasm-stock = tfjs wasm as shipped; cpu = tfjs cpu as shipped
 *   --steps N --warmup N             timed / untimed steps per backend (default 10 / 2)
 *   --cpu-steps N --cpu-warmup N     same for the slow cpu and wasm-stock rows (default 1 / 1)
 *   --torch-steps N                  timed PyTorch steps (default 20, warm-up 3)
 *   --rounds N                       repeat PyTorch + fast backends N times, report the best
 *                                    round and the median same-round ratio (default 1)
 *   --no-torch                       skip PyTorch
 *   --threads N                      OpenBLAS / PyTorch threads (default RECREPRO_THREADS or 2)
 *   --rows N --batch N               table rows (default 1e6), batch size (default 4096)
 *   --table auto|native|js           embedding table helpers of the self-contained step: the
 *                                    addon's gatherRows/dedupRows/adamRows (auto: when built)
 *                                    or plain JS loops
 *   --trainer self|kit               force the self-contained step or the kit hook
 *   --out FILE                       results file (default bench/results/throughput.json)
 * This is a benchmark: it asserts nothing about speed.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import type { Batch } from "../src/data/schema";
import { BenchShape, REFERENCE_SHAPE, makeBatches } from "./data";
import { KitTrainer, StepTimings, createSelfContainedTrainer } from "./kit_step";
import { kitTrainerFactory } from "./kit_trainer";
import { argValue, hasFlag, nowMs, repoRoot, resultsDir, writeJsonAtomic } from "./util";

const RESULT_MARK = "@@RESULT ";
const LR = 1e-3;
const SEED = 42;
const DISTINCT_BATCHES = 8;

type KitBackend = "cpu-native" | "wasm" | "wasm-stock" | "cpu";

interface BackendResult {
  backend: KitBackend;
  ok: boolean;
  error?: string;
  trainer?: string;
  samples_per_sec?: number;
  step_ms?: number;
  steps?: number;
  warmup?: number;
  breakdown_ms?: Record<string, number>;
  first_loss?: number;
  last_loss?: number;
  rss_mb?: number;
  native?: unknown;
}

function shapeFromArgs(): BenchShape {
  return {
    ...REFERENCE_SHAPE,
    rows: Number(argValue("--rows") ?? REFERENCE_SHAPE.rows),
    batch: Number(argValue("--batch") ?? REFERENCE_SHAPE.batch),
  };
}

function threadsFromArgs(): number {
  const t = Number(argValue("--threads") ?? process.env.RECREPRO_THREADS ?? 2);
  return Number.isFinite(t) && t > 0 ? t : 2;
}

// ---------------------------------------------------------------------------------------------
// Child: one backend
// ---------------------------------------------------------------------------------------------

async function setupBackend(backend: KitBackend): Promise<unknown> {
  // Imported here so that the parent process never initialises tfjs.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { tf } = require("../src/engine/tf") as typeof import("../src/engine/tf");
  if (backend === "wasm-stock") {
    // tfjs's WASM backend as shipped: none of the kit's kernels.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require("@tensorflow/tfjs-backend-wasm");
    if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
    return { transposeFix: false };
  }
  // The kit's own start-up, exactly as notebooks get it (kit kernels, native row kernels).
  process.env.RECREPRO_THREADS = String(threadsFromArgs());
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { initBackend } = require("../src/engine/backend") as typeof import("../src/engine/backend");
  const info = await initBackend({ force: backend, quiet: true });
  return { name: info.name, kitKernels: info.kitKernels, native: info.native };
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

async function runChild(backend: KitBackend): Promise<BackendResult> {
  const shape = shapeFromArgs();
  const isCpu = backend === "cpu" || backend === "wasm-stock"; // the slow ones: fewer steps
  const steps = Number(argValue(isCpu ? "--cpu-steps" : "--steps") ?? (isCpu ? 1 : 10));
  const warmup = Number(argValue(isCpu ? "--cpu-warmup" : "--warmup") ?? (isCpu ? 1 : 2));
  const native = await setupBackend(backend);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nativeMod = require("../src/engine/native") as typeof import("../src/engine/native");
  const tableMode = argValue("--table") ?? (hasFlag("--native-table") ? "native" : "auto");
  const nativeTable = tableMode === "js" ? null : nativeMod.loadNativeAddon().addon;
  if (tableMode === "native" && !nativeTable)
    throw new Error("--table native: the addon is not built (bash native/build.sh)");
  const useKit =
    argValue("--trainer") === "kit" || (argValue("--trainer") !== "self" && kitTrainerFactory !== null);
  if (useKit && !kitTrainerFactory)
    throw new Error("--trainer kit: bench/kit_trainer.ts has no kitTrainerFactory yet");
  const factory = useKit ? kitTrainerFactory! : createSelfContainedTrainer;
  const batches: Batch[] = makeBatches(shape, Math.min(DISTINCT_BATCHES, warmup + steps), SEED);
  const trainer: KitTrainer = factory({ shape, lr: LR, seed: SEED, nativeTable });
  const timings: StepTimings[] = [];
  const losses: number[] = [];
  let t0 = nowMs();
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) t0 = nowMs();
    const st = trainer.step(batches[i % batches.length]);
    losses.push(st.loss);
    if (i >= warmup) timings.push(st);
  }
  const wall = nowMs() - t0;
  trainer.dispose();
  const keys = [
    "embedding_lookup_ms",
    "forward_ms",
    "backward_ms",
    "forward_backward_ms",
    "dense_optimizer_ms",
    "sparse_update_ms",
    "total_ms",
  ] as const;
  const breakdown: Record<string, number> = {};
  for (const k of keys) {
    const xs = timings.map((t) => t[k]).filter((x): x is number => typeof x === "number");
    if (xs.length) breakdown[k.replace(/_ms$/, "")] = +mean(xs).toFixed(2);
  }
  return {
    backend,
    ok: true,
    trainer: trainer.description,
    samples_per_sec: +((steps * shape.batch) / (wall / 1000)).toFixed(1),
    step_ms: +(wall / steps).toFixed(2),
    steps,
    warmup,
    breakdown_ms: breakdown,
    first_loss: losses[0],
    last_loss: losses[losses.length - 1],
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    native,
  };
}

// ---------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------

interface TorchLine {
  mode: string;
  samples_per_sec: number;
  step_ms: number;
  breakdown_ms: Record<string, number>;
  first_loss: number;
  last_loss: number;
}

function runTorch(
  shape: BenchShape,
  threads: number,
): { ok: boolean; error?: string; info?: Record<string, unknown>; dense?: TorchLine; sparse?: TorchLine } {
  const script = path.join(repoRoot(), "bench", "torch_ref.py");
  const python = process.env.RECREPRO_PYTHON ?? "/usr/bin/python3";
  const steps = argValue("--torch-steps") ?? "20";
  const args = [
    script,
    "--mode",
    "both",
    "--rows",
    String(shape.rows),
    "--batch",
    String(shape.batch),
    "--steps",
    steps,
    "--threads",
    String(threads),
  ];
  const t0 = nowMs();
  const r = spawnSync(python, args, {
    encoding: "utf8",
    maxBuffer: 16 << 20,
    timeout: 30 * 60 * 1000,
    env: { ...process.env, RECREPRO_THREADS: String(threads) },
  });
  if (r.error || r.status !== 0) {
    const why = r.error
      ? r.error.message
      : `exit ${r.status}: ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`;
    return { ok: false, error: `${python} ${path.relative(repoRoot(), script)} failed (${why})` };
  }
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const parsed = JSON.parse(line) as { results: Record<string, TorchLine> } & Record<string, unknown>;
    const { results, ...info } = parsed;
    return {
      ok: true,
      info: { ...info, wall_s: +((nowMs() - t0) / 1000).toFixed(1) },
      dense: results.dense,
      sparse: results.sparse,
    };
  } catch (e) {
    return {
      ok: false,
      error: `cannot parse PyTorch output: ${(e as Error).message}: ${line.slice(0, 200)}`,
    };
  }
}

function runBackendChild(backend: KitBackend): BackendResult {
  const passthrough = process.argv
    .slice(2)
    .filter((a, i, all) => a !== "--child" && all[i - 1] !== "--child");
  const r = spawnSync(process.execPath, [__filename, "--child", backend, ...passthrough], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 60 * 60 * 1000,
    env: { ...process.env, RECREPRO_THREADS: String(threadsFromArgs()) },
  });
  const line = (r.stdout || "").split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (!line) {
    const why = r.error
      ? r.error.message
      : `exit ${r.status}: ${(r.stderr || "").trim().split("\n").slice(-4).join(" | ")}`;
    return { backend, ok: false, error: why };
  }
  return JSON.parse(line.slice(RESULT_MARK.length)) as BackendResult;
}

function fmt(x: number | undefined, digits = 0): string {
  return x === undefined || !Number.isFinite(x)
    ? "-"
    : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

type TorchRun = ReturnType<typeof runTorch>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
}

async function runParent(): Promise<void> {
  const shape = shapeFromArgs();
  const threads = threadsFromArgs();
  const backends = (argValue("--backends") ?? "cpu-native,wasm,wasm-stock,cpu")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean) as KitBackend[];
  const rounds = Math.max(1, Number(argValue("--rounds") ?? 1));
  const slow = new Set<KitBackend>(["cpu", "wasm-stock"]);
  const started = new Date().toISOString();
  const torchRuns: TorchRun[] = [];
  const kitRuns: BackendResult[][] = [];
  const loads: number[][] = [];
  // Rounds interleave PyTorch and the kit so that load from other processes hits both sides alike;
  // the slow backends run in the first round only.
  for (let r = 0; r < rounds; r++) {
    loads.push(os.loadavg());
    const torch = hasFlag("--no-torch")
      ? { ok: false, error: "skipped (--no-torch)" }
      : runTorch(shape, threads);
    torchRuns.push(torch);
    console.log(
      torch.ok
        ? `[round ${r + 1}/${rounds}] PyTorch dense: ${fmt(torch.dense?.samples_per_sec)} samples/s | sparse: ${fmt(torch.sparse?.samples_per_sec)} samples/s`
        : `[round ${r + 1}/${rounds}] PyTorch reference unavailable: ${torch.error}`,
    );
    const kit: BackendResult[] = [];
    for (const b of backends) {
      if (r > 0 && slow.has(b)) continue;
      const res = runBackendChild(b);
      kit.push(res);
      console.log(
        res.ok
          ? `[round ${r + 1}/${rounds}] kit ${b}: ${fmt(res.samples_per_sec)} samples/s (${fmt(res.step_ms, 1)} ms/step)`
          : `kit ${b}: failed: ${res.error}`,
      );
    }
    kitRuns.push(kit);
  }
  // Per setup: the best round (least disturbed by other load) is reported; all rounds are kept.
  const bestTorch = (mode: "dense" | "sparse"): TorchLine | undefined =>
    torchRuns
      .map((t) => (t.ok ? t[mode] : undefined))
      .filter((x): x is TorchLine => !!x)
      .sort((a, b) => b.samples_per_sec - a.samples_per_sec)[0];
  const dense = bestTorch("dense");
  const sparse = bestTorch("sparse");
  const kitBest: BackendResult[] = backends.map((b) => {
    const runs = kitRuns.flat().filter((k) => k.backend === b);
    const ok = runs
      .filter((k) => k.ok && k.samples_per_sec)
      .sort((x, y) => (y.samples_per_sec ?? 0) - (x.samples_per_sec ?? 0));
    return ok[0] ?? runs[0];
  });
  const ratio = (x?: number, y?: number) => (x && y ? +(x / y).toFixed(3) : null);
  // Same-round ratios (kit round r / PyTorch round r): robust to load that drifts between rounds.
  const perRound = (b: KitBackend, mode: "dense" | "sparse"): number[] =>
    kitRuns.flatMap((kit, r) => {
      const k = kit.find((x) => x.backend === b && x.ok);
      const t = torchRuns[r];
      const ts = t.ok ? t[mode]?.samples_per_sec : undefined;
      return k?.samples_per_sec && ts ? [k.samples_per_sec / ts] : [];
    });
  const best = kitBest
    .filter((k) => k?.ok && k.samples_per_sec)
    .sort((a, b) => (b.samples_per_sec ?? 0) - (a.samples_per_sec ?? 0))[0];
  const rows: Record<string, string | number>[] = [];
  for (const [name, line] of [
    ["torch dense (Adam)", dense],
    ["torch sparse (SparseAdam)", sparse],
  ] as const) {
    if (!line) continue;
    rows.push({
      setup: name,
      "samples/s": fmt(line.samples_per_sec),
      "ms/step": fmt(line.step_ms, 1),
      "vs torch dense": "-",
      "vs torch sparse": "-",
      lookup: "(in fwd)",
      forward: fmt(line.breakdown_ms.forward, 1),
      backward: fmt(line.breakdown_ms.backward, 1),
      optimizer: fmt(line.breakdown_ms.optimizer, 1),
      "dense/sparse opt": "-",
    });
  }
  for (const k of kitBest) {
    if (!k) continue;
    const bd = k.breakdown_ms ?? {};
    rows.push({
      setup: `kit ${k.backend}`,
      "samples/s": k.ok ? fmt(k.samples_per_sec) : "failed",
      "ms/step": fmt(k.step_ms, 1),
      "vs torch dense": ratio(k.samples_per_sec, dense?.samples_per_sec) ?? "-",
      "vs torch sparse": ratio(k.samples_per_sec, sparse?.samples_per_sec) ?? "-",
      lookup: fmt(bd.embedding_lookup, 1),
      forward: bd.forward_backward !== undefined ? "(in bwd)" : fmt(bd.forward, 1),
      backward:
        bd.forward_backward !== undefined ? fmt(bd.forward_backward, 1) + " (fwd+bwd)" : fmt(bd.backward, 1),
      optimizer: fmt((bd.dense_optimizer ?? NaN) + (bd.sparse_update ?? NaN), 1),
      "dense/sparse opt": `${fmt(bd.dense_optimizer, 1)} / ${fmt(bd.sparse_update, 1)}`,
    });
  }
  console.table(rows);
  const result = {
    started,
    finished: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      node: process.version,
      load_avg_at_round_start: loads,
    },
    shape: { ...shape, lr: LR, seed: SEED, distinct_batches: DISTINCT_BATCHES },
    threads,
    rounds,
    torch: {
      dense,
      sparse,
      info: torchRuns.find((t) => t.ok)?.info,
      error: torchRuns.find((t) => !t.ok)?.error,
    },
    kit: kitBest,
    best_kit_backend: best?.backend ?? null,
    ratio_vs_torch_dense: ratio(best?.samples_per_sec, dense?.samples_per_sec),
    ratio_vs_torch_sparse: ratio(best?.samples_per_sec, sparse?.samples_per_sec),
    same_round_ratio_median: best
      ? {
          vs_dense: +median(perRound(best.backend, "dense")).toFixed(3),
          vs_sparse: +median(perRound(best.backend, "sparse")).toFixed(3),
        }
      : null,
    all_rounds: { torch: torchRuns, kit: kitRuns },
    notes: [
      "samples/s = timed steps x batch / wall time of the timed steps (warm-up excluded); batches pre-generated; best round per setup.",
      "kit breakdown (ms/step): embedding_lookup (ids -> typed-array gather), forward (tfjs forward + loss), backward (tape gradients incl. grad to the looked-up embeddings), dense_optimizer (Adam on MLP variables), sparse_update (duplicate-summing + lazy row Adam on the table).",
      "PyTorch dense = nn.Embedding(sparse=False) + Adam over all 16M table entries each step; sparse = sparse=True + SparseAdam (lazy, touched rows only, like the kit).",
      "The machine is shared: see load_avg_at_round_start; the same-round ratio is the most load-robust figure.",
    ],
  };
  const out = argValue("--out") ?? path.join(resultsDir(), "throughput.json");
  writeJsonAtomic(out, result);
  console.log(
    `best kit backend: ${best?.backend ?? "-"}; ratio vs PyTorch dense ${result.ratio_vs_torch_dense ?? "-"}, vs sparse ${result.ratio_vs_torch_sparse ?? "-"}; same-round median ${JSON.stringify(result.same_round_ratio_median)}`,
  );
  console.log(`wrote ${out}`);
}

async function main(): Promise<void> {
  const child = argValue("--child") as KitBackend | undefined;
  if (child) {
    let res: BackendResult;
    try {
      res = await runChild(child);
    } catch (e) {
      res = { backend: child, ok: false, error: (e as Error).stack ?? String(e) };
    }
    process.stdout.write(RESULT_MARK + JSON.stringify(res) + "\n");
    return;
  }
  await runParent();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
