/**
 * Micro-benchmark: tfjs 'cpu' backend ops at the reference model's activation shape
 * (batch 4096 x 400), before and after registering the native kernels, plus native sgemm
 * GFLOP/s at the model's GEMM shapes. Writes bench/results/elementwise.json.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/elementwise.js [--reps 10]
 */
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  MALLOC_MMAP_THRESHOLD,
  MALLOC_TRIM_THRESHOLD,
  getNativeAddon,
  loadNativeAddon,
  loadNativeKernels,
  unloadNativeKernels,
} from "../src/engine/native";
import { argValue, resultsDir, writeJsonAtomic } from "./util";

const ROWS = 4096;
const COLS = 400;

function timeOp(f: () => tf.Tensor | tf.Tensor[], reps: number): number {
  for (let i = 0; i < 2; i++) tf.dispose(f());
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

function opTable(): Record<string, () => tf.Tensor | tf.Tensor[]> {
  const x = tf.keep(tf.randomNormal([ROWS, COLS], 0, 1, "float32", 1));
  const y = tf.keep(tf.randomNormal([ROWS, COLS], 0, 1, "float32", 2));
  const b = tf.keep(tf.randomNormal([COLS], 0, 1, "float32", 3));
  const w = tf.keep(tf.randomNormal([COLS, COLS], 0, 1, "float32", 4));
  return {
    relu: () => tf.relu(x),
    step: () => tf.step(x),
    sigmoid: () => tf.sigmoid(x),
    "add (same shape)": () => tf.add(x, y),
    "add (bias row)": () => tf.add(x, b),
    "mul (same shape)": () => tf.mul(x, y),
    "mul (scalar)": () => tf.mul(x, 0.9),
    "sum axis 0 (bias grad)": () => tf.sum(x, 0),
    "sum axis 1": () => tf.sum(x, 1),
    square: () => tf.square(x),
    "sqrt(|x|)": () => tf.sqrt(tf.abs(x)),
    "relu grad: mul(dy, step(x))": () => tf.mul(y, tf.step(x)),
    "matMul 4096x400 @ 400x400": () => tf.matMul(x, w),
  };
}

function gemmGflops(): Record<string, { ms: number; gflops: number }> {
  const nat = getNativeAddon();
  const out: Record<string, { ms: number; gflops: number }> = {};
  if (!nat) return out;
  const B = 4096;
  const shapes: [string, boolean, boolean, number, number, number][] = [
    ["fwd L1 X[4096,624]W[624,400]", false, false, B, 400, 624],
    ["fwd L2/3 X[4096,400]W[400,400]", false, false, B, 400, 400],
    ["fwd out X[4096,400]W[400,1]", false, false, B, 1, 400],
    ["bwd dX L1 dY[4096,400]W^T", false, true, B, 624, 400],
    ["bwd dX L2/3 dY[4096,400]W^T", false, true, B, 400, 400],
    ["bwd dW L1 X^T dY", true, false, 624, 400, B],
    ["bwd dW L2/3 X^T dY", true, false, 400, 400, B],
    ["square 1024^3", false, false, 1024, 1024, 1024],
  ];
  for (const [name, ta, tb, M, N, K] of shapes) {
    const A = new Float32Array(M * K).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const Bm = new Float32Array(K * N).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const C = new Float32Array(M * N);
    for (let i = 0; i < 3; i++) nat.sgemm(ta, tb, M, N, K, 1, A, Bm, 0, C);
    const reps = 20;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) nat.sgemm(ta, tb, M, N, K, 1, A, Bm, 0, C);
    const s = Number(process.hrtime.bigint() - t0) / 1e9 / reps;
    out[name] = { ms: +(s * 1e3).toFixed(3), gflops: +((2 * M * N * K) / s / 1e9).toFixed(1) };
  }
  return out;
}

async function main(): Promise<void> {
  const reps = Number(argValue("--reps") ?? 10);
  await tf.setBackend("cpu");
  await tf.ready();
  const ops = opTable();
  const slowReps = (name: string) => (name.startsWith("matMul") ? 2 : reps);
  // 1. tfjs cpu kernels, glibc malloc defaults.
  const before: Record<string, number> = {};
  for (const [name, f] of Object.entries(ops)) before[name] = timeOp(f, slowReps(name));
  // 2. tfjs cpu kernels, malloc tuned (freed output buffers reused instead of re-faulted).
  const addon = loadNativeAddon().addon;
  const tuned: Record<string, number> = {};
  if (addon) {
    addon.tuneMalloc(MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD);
    for (const [name, f] of Object.entries(ops)) tuned[name] = timeOp(f, slowReps(name));
  }
  // 3. native kernels (+ tuned malloc).
  const load = loadNativeKernels();
  const after: Record<string, number> = {};
  if (load.ok) for (const [name, f] of Object.entries(ops)) after[name] = timeOp(f, reps);
  const r3 = (x: number | undefined) => (x === undefined ? null : +x.toFixed(3));
  const rows = Object.keys(ops).map((name) => ({
    op: name,
    cpu_ms: r3(before[name]),
    cpu_malloc_tuned_ms: r3(tuned[name]),
    native_ms: r3(after[name]),
    speedup: after[name] === undefined ? null : +(before[name] / after[name]).toFixed(1),
  }));
  console.table(rows);
  const gemm = gemmGflops();
  if (load.ok) console.table(gemm);
  unloadNativeKernels();
  const result = {
    when: new Date().toISOString(),
    shape: [ROWS, COLS],
    load_avg: os.loadavg(),
    native: {
      ok: load.ok,
      error: load.error,
      threads: load.threads,
      blasCore: load.blasCore,
      mallocTuned: load.mallocTuned,
    },
    columns:
      "cpu = tfjs cpu kernels, glibc malloc defaults; cpu_malloc_tuned = same kernels after tuneMalloc; native = recrepro native kernels (malloc tuned)",
    ops: rows,
    sgemm: gemm,
  };
  const file = path.join(resultsDir(), "elementwise.json");
  writeJsonAtomic(file, result);
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
