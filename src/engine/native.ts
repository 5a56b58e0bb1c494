/**
 * Optional native compute kernels for the tfjs 'cpu' backend.
 *
 * `native/build.sh` compiles an N-API addon over OpenBLAS (native/build/recrepro_native.node).
 * `loadNativeKernels()` loads it and registers tfjs kernels for the 'cpu' backend that call it:
 *
 *   - BatchMatMul, _FusedMatMul (bias + linear/relu/sigmoid/relu6/leakyrelu/elu) -> OpenBLAS sgemm.
 *     The gradients of matMul / fused.matMul are themselves matMuls (with transposes), so the
 *     backward pass lands on the native GEMM too.
 *   - elementwise ops whose cpu-backend versions are slow at 4096 x 400 (measured 15-50 ms each,
 *     see bench/results/elementwise.json): Relu, Step, Sigmoid, Relu6, LeakyRelu, Elu, Neg, Exp,
 *     Log, Sqrt, Square, Abs, Add, Sub, Mul, RealDiv, SquaredDifference, Sum.
 *
 * Every native kernel handles float32 inputs with the layouts it was written for (same shape,
 * row-vector or scalar broadcast; reductions over a leading or trailing block of axes; matmul
 * batches that tfjs itself supports) and otherwise calls the kernel that was registered before
 * (kept via getKernel), so results never change shape or semantics. If the .node file is
 * missing or fails to load, nothing is registered and the result says why.
 *
 * Thread count of OpenBLAS: RECREPRO_THREADS (default 2), or `setNativeThreads(n)`.
 */
import * as fs from "fs";
import * as path from "path";
import { envFlag, envInteger } from "./env";
import * as tf from "@tensorflow/tfjs";

/**
 * The leading arguments both directions of the fused DIN attention take: shapes, inputs, the
 * valid slots, activation (1 relu, 2 sigmoid), [W0, b0 | null, W1, ...] with the layers' widths
 * (last 1), then what the forward saves for the backward (k2, qk, hidden activations, weights).
 */
export type DinAttentionArgs = [
  N: number,
  L: number,
  D: number,
  query: Float32Array,
  keys: Float32Array,
  values: Float32Array | null,
  pos: Int32Array,
  act: number,
  params: (Float32Array | null)[],
  widths: Int32Array,
  k2: Float32Array,
  qk: Float32Array,
  acts: Float32Array[],
  weights: Float32Array,
];

/** The functions exported by native/src/recrepro_native.cc. */
export interface NativeAddon {
  /** C[M,N] = alpha * op(A) * op(B) + beta * C, row-major. */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    B: Float32Array,
    beta: number,
    C: Float32Array,
  ): void;
  /** Batched sgemm; stride 0 broadcasts an operand over the batch. */
  sgemmBatched(
    transA: boolean,
    transB: boolean,
    batch: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    strideA: number,
    B: Float32Array,
    strideB: number,
    beta: number,
    C: Float32Array,
    strideC: number,
  ): void;
  /** In place: Y[M,N] = act(Y + bias); biasMode 0 none, 1 row [N], 2 scalar, 3 full [M,N]. */
  biasAct(
    Y: Float32Array,
    M: number,
    N: number,
    bias: Float32Array | null,
    biasMode: number,
    act: number,
    alpha: number,
  ): void;
  /** Y = op(X), see UNARY_OPS. Y may alias X. */
  unary(op: number, X: Float32Array, Y: Float32Array, alpha: number): void;
  /** Y = A op B for rows x cols with broadcast mode 0 same, 1 B row, 2 B scalar, 3 A row, 4 A scalar. */
  binary(
    op: number,
    A: Float32Array,
    B: Float32Array,
    Y: Float32Array,
    rows: number,
    cols: number,
    mode: number,
  ): void;
  /** dX = dY * (X > 0). */
  reluGrad(dY: Float32Array, X: Float32Array, dX: Float32Array): void;
  /** out[j] (+)= sum_i X[i,j]  (double accumulation). */
  colSum(X: Float32Array, M: number, N: number, out: Float32Array, accumulate: boolean): void;
  /** out[i] = sum_j X[i,j]. */
  rowSum(X: Float32Array, M: number, N: number, out: Float32Array): void;
  /** out[k,:] = table[ids[k],:]. */
  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void;
  /**
   * out = A·X for CSR A [indptr.length - 1, numCols] and X [numCols, dim], rows split over the
   * threads; same arithmetic as the JavaScript kernel (double per entry, rounded once). abiVersion >= 3.
   */
  spmm?(
    indptr: Int32Array,
    indices: Int32Array,
    values: Float32Array,
    x: Float32Array,
    dim: number,
    numCols: number,
    out: Float32Array,
  ): void;
  /**
   * Fused DIN attention forward (abiVersion >= 4; src/models/layers/din-fused.ts): the activation
   * unit on the valid slots `pos` (strictly increasing n*L + l), masked softmax, weighted sum of
   * `values` (keys when null). Fills the saved k2 / qk / acts, `weights` (pass zeros) and `pooled`.
   */
  dinAttentionForward?(...args: [...shared: DinAttentionArgs, pooled: Float32Array, threads?: number]): void;
  /**
   * Its backward: dQuery and dParams overwritten, dKeys / dValues (zeros) accumulated into. Both
   * split the query rows over `threads` (default 1) std::threads when there is enough work.
   */
  dinAttentionBackward?(
    ...args: [
      ...shared: DinAttentionArgs,
      dPooled: Float32Array,
      dWeights: Float32Array | null,
      dQuery: Float32Array,
      dKeys: Float32Array,
      dValues: Float32Array | null,
      dParams: (Float32Array | null)[],
      threads?: number,
    ]
  ): void;
  /** out[ids[k],:] += grads[k,:] (duplicates summed). */
  scatterAddRows(out: Float32Array, dim: number, ids: Int32Array, grads: Float32Array): void;
  /**
   * Sum gradient rows of duplicate ids; returns the number of unique ids written to uniqOut/sumOut.
   * stamp/slot: caller scratch of one Int32 per table row; pass a fresh stampValue each call.
   */
  dedupRows(
    ids: Int32Array,
    grads: Float32Array,
    dim: number,
    stamp: Int32Array,
    slot: Int32Array,
    stampValue: number,
    uniqOut: Int32Array,
    sumOut: Float32Array,
  ): number;
  /**
   * The embedding tables' duplicate sum with strided gradient rows (abiVersion >= 4; see
   * RowKernels.sumDuplicates in embedding-table.ts): `slot` all -1 on entry and on return.
   */
  sumDuplicates?(
    ids: Int32Array,
    grads: Float32Array,
    gradOffset: number,
    gradStride: number,
    dim: number,
    slot: Int32Array,
    uniqOut: Int32Array,
    sumOut: Float32Array,
  ): number;
  /**
   * Row-wise ("lazy") Adam on the listed (unique) rows, bias-corrected at `step` (>= 1).
   * `weightDecay` (default 0; abiVersion >= 2, older builds ignore it) adds wd·w to the gradient of
   * those rows before the moments, as PyTorch Adam's L2 `weight_decay` (lazy: looked-up rows only).
   */
  adamRows(
    table: Float32Array,
    m: Float32Array,
    v: Float32Array,
    dim: number,
    rows: Int32Array,
    grads: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
    weightDecay?: number,
  ): void;
  /**
   * In-place Adam over whole arrays with PyTorch semantics (src/train/dense-optim.ts): weight decay
   * added to the gradient, bias-corrected step size and eps at `step` (>= 1).
   */
  adamDense(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
    weightDecay: number,
  ): void;
  /** glibc mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD) for the whole process; true if accepted. */
  tuneMalloc(mmapThreshold: number, trimThreshold: number): boolean;
  setThreads(n: number): number;
  getThreads(): number;
  /** Build information; abiVersion 2 adds adamRows' weightDecay, 3 spmm, 4 the fused DIN attention and sumDuplicates. */
  info(): { blasConfig: string; blasCore: string; threads: number; abiVersion: number };
}

export interface NativeLoadResult {
  ok: boolean;
  /** Path of the .node file that was loaded (or looked for). */
  path?: string;
  error?: string;
  /** OpenBLAS threads in use. */
  threads?: number;
  /** OpenBLAS kernel family (e.g. "Haswell"). */
  blasCore?: string;
  /** Kernel names registered for the backend (empty when ok is false). */
  registered: string[];
  /** Whether glibc malloc was tuned to keep freed tensor buffers for reuse (see tuneMalloc). */
  mallocTuned?: boolean;
}

export interface NativeLoadOptions {
  /** Explicit path of recrepro_native.node (else RECREPRO_NATIVE_PATH, else native/build/ above this file). */
  path?: string;
  /** OpenBLAS threads (else RECREPRO_THREADS, else 2). */
  threads?: number;
  /** Register only these kernel names (default: all that the module provides). */
  kernels?: string[];
  /** Register matmul kernels only (no elementwise kernels). */
  matmulOnly?: boolean;
  /**
   * Keep freed tensor buffers in the malloc heap (mmap threshold 32 MiB, trim threshold 1 GiB)
   * instead of returning them to the OS after each GC. Default true (RECREPRO_MALLOC_TUNE=0
   * disables). Every cpu-backend op allocates its output afresh; with glibc's defaults each
   * 6.5 MB output page-faults anew: ~10-20 ms per op here instead of ~1 ms. Costs: the process
   * keeps its peak heap (RSS does not shrink after a large step).
   */
  tuneMalloc?: boolean;
}

export const MALLOC_MMAP_THRESHOLD = 32 * 1024 * 1024;
export const MALLOC_TRIM_THRESHOLD = 1024 * 1024 * 1024;

const BACKEND = "cpu";
const ADDON_FILE = path.join("native", "build", "recrepro_native.node");

let addon: NativeAddon | null = null;
let addonPath: string | undefined;
/** Kernel configs that were registered before ours, to fall back on and to restore. */
const previous = new Map<string, tf.KernelConfig | undefined>();
let lastResult: NativeLoadResult = { ok: false, error: "not loaded", registered: [] };

/** Finds native/build/recrepro_native.node in this file's ancestors (src/engine or dist/src/engine). */
export function findNativeAddon(explicit?: string): string | undefined {
  const env = process.env.RECREPRO_NATIVE_PATH;
  if (explicit) return explicit;
  if (env) return env;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, ADDON_FILE);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The loaded addon (after a successful loadNativeKernels or loadNativeAddon), or null. */
export function getNativeAddon(): NativeAddon | null {
  return addon;
}

/** Loads the addon without registering any tfjs kernel (for typed-array helpers). */
export function loadNativeAddon(opts: { path?: string } = {}): {
  addon: NativeAddon | null;
  path?: string;
  error?: string;
} {
  if (addon) return { addon, path: addonPath };
  const p = findNativeAddon(opts.path);
  if (!p || !fs.existsSync(p)) {
    return {
      addon: null,
      path: p,
      error: `native addon not found (${p ?? ADDON_FILE}); build it with: bash native/build.sh`,
    };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.resolve(p)) as NativeAddon;
    if (typeof mod.sgemm !== "function" || typeof mod.info !== "function") {
      return {
        addon: null,
        path: p,
        error: `${p} is not the RecRepro native addon (rebuild: bash native/build.sh)`,
      };
    }
    addon = mod;
    addonPath = path.resolve(p);
    return { addon, path: addonPath };
  } catch (e) {
    return {
      addon: null,
      path: p,
      error: `cannot load ${p}: ${(e as Error).message} (rebuild: bash native/build.sh)`,
    };
  }
}

/**
 * GEMMs below this many multiply-adds run on one OpenBLAS thread. On the 2-core machine the
 * sequence models' GEMMs are tall and skinny (23k x 16 x 16): a second BLAS thread saved little
 * and its spinning took the core the JS thread needed (a one-off timing of 4 Dec, not a
 * benchmark here: TEM4CTR smoke step 100-108 ms with 2 threads, 55-62 ms with 1), while the
 * tour's batch-4096 DNN (~7e8 per GEMM; bench/throughput.ts 171 ms/step, 224 with 1 thread) gains from 2.
 */
export const PARALLEL_MIN_MACS = 1 << 24;
let blasThreads = 2; // the configured count (RECREPRO_THREADS / setNativeThreads)
let blasNow = 0; // the count OpenBLAS has now

function useBlasThreads(n: number): void {
  if (addon && n !== blasNow) blasNow = addon.setThreads(n);
}

/** Before a large native kernel (spmm, big GEMMs): the configured thread count. */
export function useParallelThreads(): void {
  useBlasThreads(blasThreads);
}

/**
 * Before a native kernel that runs its own threads (the fused DIN attention): OpenBLAS goes to one
 * thread (each of the kernel's threads calls it); returns the configured count for the kernel.
 */
export function useKernelThreads(): number {
  useBlasThreads(1);
  return blasThreads;
}

/** Sets the OpenBLAS thread count; returns the count in effect (0 when the addon is not loaded). */
export function setNativeThreads(n: number): number {
  if (!addon) return 0;
  blasNow = addon.setThreads(n);
  blasThreads = blasNow;
  return blasNow;
}

/** Result of the last loadNativeKernels call. */
export function nativeStatus(): NativeLoadResult {
  return { ...lastResult, registered: [...lastResult.registered] };
}

// ---------------------------------------------------------------------------------------------
// Helpers over the cpu backend's tensor storage
// ---------------------------------------------------------------------------------------------

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: unknown): tf.TensorInfo;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelOut = ReturnType<tf.KernelFunc>;

function f32(backend: CpuBackendLike, t: tf.TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== "float32") return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

function sizeOf(shape: number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** numpy-style broadcast of two shapes, or null when incompatible. */
function broadcastShape(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** True when `s` (right-aligned against a shape ending in n) is [.., 1, 1, n]. */
function isRowVector(s: number[], n: number): boolean {
  if (s.length === 0 || s[s.length - 1] !== n) return false;
  for (let i = 0; i < s.length - 1; i++) if (s[i] !== 1) return false;
  return true;
}

const stats = { native: new Map<string, number>(), fallback: new Map<string, number>() };

function bump(m: Map<string, number>, name: string): void {
  m.set(name, (m.get(name) ?? 0) + 1);
}

/** Calls per kernel since the last reset: run natively vs handed to the previous kernel. */
export function nativeKernelStats(reset = false): {
  native: Record<string, number>;
  fallback: Record<string, number>;
} {
  const out = { native: Object.fromEntries(stats.native), fallback: Object.fromEntries(stats.fallback) };
  if (reset) {
    stats.native.clear();
    stats.fallback.clear();
  }
  return out;
}

function fallback(kernelName: string, args: KernelArgs): KernelOut {
  bump(stats.fallback, kernelName);
  const prev = previous.get(kernelName);
  if (!prev) throw new Error(`recrepro native: no fallback kernel for ${kernelName}`);
  return prev.kernelFunc(args);
}

// ---------------------------------------------------------------------------------------------
// Matmul kernels
// ---------------------------------------------------------------------------------------------

interface MatMulPlan {
  outShape: number[];
  batch: number;
  batchA: number;
  batchB: number;
  M: number;
  N: number;
  K: number;
}

function planMatMul(aShape: number[], bShape: number[], ta: boolean, tb: boolean): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const K = ta ? aShape[ra - 2] : aShape[ra - 1];
  const Kb = tb ? bShape[rb - 1] : bShape[rb - 2];
  const M = ta ? aShape[ra - 1] : aShape[ra - 2];
  const N = tb ? bShape[rb - 2] : bShape[rb - 1];
  if (K !== Kb) return null; // let the reference kernel throw its own message
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = broadcastShape(outerA, outerB);
  if (!outer) return null;
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const batch = Math.max(batchA, batchB);
  // tfjs's cpu kernel pairs batch bi with A[bi % batchA], B[bi % batchB]; only cover the cases
  // where that is the numpy broadcast (equal batches or one side unbatched).
  if (sizeOf(outer) !== batch) return null;
  if (batchA !== batch && batchA !== 1) return null;
  if (batchB !== batch && batchB !== 1) return null;
  return { outShape: [...outer, M, N], batch, batchA, batchB, M, N, K };
}

function runMatMul(
  nat: NativeAddon,
  A: Float32Array,
  B: Float32Array,
  p: MatMulPlan,
  ta: boolean,
  tb: boolean,
): Float32Array {
  const { batch, batchA, batchB, M, N, K } = p;
  const C = new Float32Array(batch * M * N);
  if (C.length === 0) return C;
  useBlasThreads(batch * M * N * K >= PARALLEL_MIN_MACS ? blasThreads : 1);
  if (batch === 1) {
    nat.sgemm(ta, tb, M, N, K, 1, A, B, 0, C);
  } else if (batchB === 1 && batchA === batch && !ta) {
    // [batch, M, K] x [K, N]: one GEMM with batch*M rows.
    nat.sgemm(false, tb, batch * M, N, K, 1, A, B, 0, C);
  } else {
    nat.sgemmBatched(
      ta,
      tb,
      batch,
      M,
      N,
      K,
      1,
      A,
      batchA === 1 ? 0 : M * K,
      B,
      batchB === 1 ? 0 : K * N,
      0,
      C,
      M * N,
    );
  }
  return C;
}

function batchMatMulKernel(args: KernelArgs): KernelOut {
  const nat = addon;
  const backend = args.backend as unknown as CpuBackendLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const A = f32(backend, a);
  const B = f32(backend, b);
  const plan = nat && A && B ? planMatMul(a.shape, b.shape, !!transposeA, !!transposeB) : null;
  if (!nat || !A || !B || !plan) return fallback("BatchMatMul", args);
  const C = runMatMul(nat, A, B, plan, !!transposeA, !!transposeB);
  bump(stats.native, "BatchMatMul");
  return backend.makeTensorInfo(plan.outShape, "float32", C);
}

const ACT_CODES: Record<string, number> = { linear: 0, relu: 1, sigmoid: 2, relu6: 3, leakyrelu: 4, elu: 5 };

function fusedMatMulKernel(args: KernelArgs): KernelOut {
  const nat = addon;
  const backend = args.backend as unknown as CpuBackendLike;
  const { a, b, bias, preluActivationWeights } = args.inputs as {
    a: tf.TensorInfo;
    b: tf.TensorInfo;
    bias?: tf.TensorInfo;
    preluActivationWeights?: tf.TensorInfo;
  };
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
    leakyreluAlpha?: number;
  };
  const act = ACT_CODES[activation ?? "linear"];
  const A = f32(backend, a);
  const B = f32(backend, b);
  const plan = nat && A && B ? planMatMul(a.shape, b.shape, !!transposeA, !!transposeB) : null;
  if (!nat || !A || !B || !plan || act === undefined || preluActivationWeights) {
    return fallback("_FusedMatMul", args);
  }
  const rows = plan.batch * plan.M;
  const N = plan.N;
  let biasVals: Float32Array | null = null;
  let biasMode = 0;
  if (bias) {
    biasVals = f32(backend, bias);
    const bsize = sizeOf(bias.shape);
    const out = broadcastShape(plan.outShape, bias.shape);
    if (!biasVals || !out || sizeOf(out) !== sizeOf(plan.outShape)) return fallback("_FusedMatMul", args);
    if (bsize === 1) biasMode = 2;
    else if (isRowVector(bias.shape, N)) biasMode = 1;
    else if (bsize === rows * N) biasMode = 3;
    else return fallback("_FusedMatMul", args);
  }
  const C = runMatMul(nat, A, B, plan, !!transposeA, !!transposeB);
  if (biasMode !== 0 || act !== 0) nat.biasAct(C, rows, N, biasVals, biasMode, act, leakyreluAlpha ?? 0.2);
  bump(stats.native, "_FusedMatMul");
  return backend.makeTensorInfo(plan.outShape, "float32", C);
}

// ---------------------------------------------------------------------------------------------
// Elementwise kernels
// ---------------------------------------------------------------------------------------------

/** Codes of the addon's `unary` op. */
const UNARY_OPS: Record<string, { code: number; alpha?: (attrs: Record<string, unknown>) => number }> = {
  Relu: { code: 0 },
  Sigmoid: { code: 1 },
  Step: { code: 2, alpha: (a) => Number(a.alpha ?? 0) },
  Relu6: { code: 3 },
  LeakyRelu: { code: 4, alpha: (a) => Number(a.alpha ?? 0.2) },
  Elu: { code: 5 },
  Neg: { code: 6 },
  Exp: { code: 7 },
  Log: { code: 8 },
  Sqrt: { code: 9 },
  Square: { code: 10 },
  Abs: { code: 11 },
};

/** Below this many elements the JS kernels are as fast as a native call; use them. */
const MIN_NATIVE_ELEMENTS = 512;

function unaryKernel(name: string): tf.KernelFunc {
  const spec = UNARY_OPS[name];
  return (args: KernelArgs) => {
    const nat = addon;
    const backend = args.backend as unknown as CpuBackendLike;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const X = f32(backend, x);
    if (!nat || !X || X.length < MIN_NATIVE_ELEMENTS) return fallback(name, args);
    const Y = new Float32Array(X.length);
    const alpha = spec.alpha ? spec.alpha((args.attrs ?? {}) as Record<string, unknown>) : 0;
    nat.unary(spec.code, X, Y, alpha);
    bump(stats.native, name);
    return backend.makeTensorInfo(x.shape.slice(), "float32", Y);
  };
}

const BINARY_OPS: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4 };

function binaryKernel(name: string): tf.KernelFunc {
  const code = BINARY_OPS[name];
  return (args: KernelArgs) => {
    const nat = addon;
    const backend = args.backend as unknown as CpuBackendLike;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const A = f32(backend, a);
    const B = f32(backend, b);
    if (!nat || !A || !B) return fallback(name, args);
    const out = broadcastShape(a.shape, b.shape);
    if (!out) return fallback(name, args);
    const n = sizeOf(out);
    if (n < MIN_NATIVE_ELEMENTS) return fallback(name, args);
    const cols = out.length ? out[out.length - 1] : 1;
    const rows = cols > 0 ? n / cols : 0;
    let mode: number;
    if (A.length === n && B.length === n) mode = 0;
    else if (A.length === n && B.length === 1) mode = 2;
    else if (B.length === n && A.length === 1) mode = 4;
    else if (A.length === n && isRowVector(b.shape, cols)) mode = 1;
    else if (B.length === n && isRowVector(a.shape, cols)) mode = 3;
    else return fallback(name, args);
    const Y = new Float32Array(n);
    nat.binary(code, A, B, Y, rows, cols, mode);
    bump(stats.native, name);
    return backend.makeTensorInfo(out, "float32", Y);
  };
}

function sumKernel(args: KernelArgs): KernelOut {
  const nat = addon;
  const backend = args.backend as unknown as CpuBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const X = f32(backend, x);
  if (!nat || !X || X.length < MIN_NATIVE_ELEMENTS) return fallback("Sum", args);
  const rank = x.shape.length;
  const raw = axis == null ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis];
  const axes = [...new Set(raw.map((ax) => (ax < 0 ? ax + rank : ax)))].sort((p, q) => p - q);
  if (axes.some((ax) => ax < 0 || ax >= rank)) return fallback("Sum", args);
  const k = axes.length;
  const leading = axes.every((ax, i) => ax === i);
  const trailing = axes.every((ax, i) => ax === rank - k + i);
  if (!leading && !trailing) return fallback("Sum", args);
  const kept = x.shape.filter((_, i) => !axes.includes(i));
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
  const outer = sizeOf(kept);
  const reduced = k === 0 ? 1 : X.length / Math.max(outer, 1);
  const out = new Float32Array(outer);
  if (k === 0) {
    out.set(X);
  } else if (trailing) {
    nat.rowSum(X, outer, reduced, out);
  } else {
    nat.colSum(X, reduced, outer, out, false);
  }
  bump(stats.native, "Sum");
  return backend.makeTensorInfo(outShape, "float32", out);
}

function kernelTable(): Record<string, tf.KernelFunc> {
  const t: Record<string, tf.KernelFunc> = {
    BatchMatMul: batchMatMulKernel,
    _FusedMatMul: fusedMatMulKernel,
    Sum: sumKernel,
  };
  for (const name of Object.keys(UNARY_OPS)) t[name] = unaryKernel(name);
  for (const name of Object.keys(BINARY_OPS)) t[name] = binaryKernel(name);
  return t;
}

/** Names of all kernels this module can register. */
export const NATIVE_KERNEL_NAMES: readonly string[] = Object.keys(kernelTable());
export const NATIVE_MATMUL_KERNELS: readonly string[] = ["BatchMatMul", "_FusedMatMul"];

/**
 * Loads native/build/recrepro_native.node and registers native kernels for tfjs's 'cpu' backend.
 * Idempotent. When the addon is missing or fails to load: ok:false, reason in `error`, nothing
 * registered or changed.
 */
export function loadNativeKernels(opts: NativeLoadOptions = {}): NativeLoadResult {
  const loaded = loadNativeAddon({ path: opts.path });
  if (!loaded.addon) {
    lastResult = { ok: false, path: loaded.path, error: loaded.error, registered: [] };
    return nativeStatus();
  }
  const nat = loaded.addon;
  const threads = opts.threads ?? envInteger("RECREPRO_THREADS", 2, { min: 1, max: 1024 });
  blasNow = nat.setThreads(threads);
  blasThreads = blasNow;
  const tune = opts.tuneMalloc ?? envFlag("RECREPRO_MALLOC_TUNE", true);
  const mallocTuned =
    tune && typeof nat.tuneMalloc === "function"
      ? nat.tuneMalloc(MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD)
      : false;

  const table = kernelTable();
  let names = opts.kernels ?? (opts.matmulOnly ? [...NATIVE_MATMUL_KERNELS] : Object.keys(table));
  names = names.filter((n) => n in table);
  for (const name of names) {
    if (previous.has(name)) continue; // already ours
    const prev = tf.getKernel(name, BACKEND);
    if (!prev) continue; // the cpu backend does not provide it: nothing to fall back on
    previous.set(name, prev);
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: table[name] });
  }
  lastResult = {
    ok: true,
    path: loaded.path,
    threads: nat.getThreads(),
    blasCore: nat.info().blasCore,
    registered: [...previous.keys()],
    mallocTuned,
  };
  return nativeStatus();
}

/** Restores the kernels that were registered before loadNativeKernels (the addon stays loaded). */
export function unloadNativeKernels(): string[] {
  const restored: string[] = [];
  for (const [name, prev] of previous) {
    if (tf.getKernel(name, BACKEND)) tf.unregisterKernel(name, BACKEND);
    if (prev) tf.registerKernel(prev);
    restored.push(name);
  }
  previous.clear();
  lastResult = { ...lastResult, registered: [] };
  return restored;
}

// ---------------------------------------------------------------------------------------------
// WASM backend: BatchMatMul with transposes
// ---------------------------------------------------------------------------------------------

const wasmPrevious = new Map<string, tf.KernelConfig>();

/**
 * The wasm backend's BatchMatMul is ~8-10x slower with transposeA/transposeB than without
 * (measured at 4096 x 400 x 400: 450-490 ms vs 37-58 ms with an explicit Transpose first), and
 * the gradients of matMul are exactly those transposed products. This registers a wasm
 * BatchMatMul that transposes the flagged operand(s) with the wasm Transpose kernel and calls the
 * original kernel without flags. Needs no addon. Idempotent; returns whether it is active.
 * (The wasm backend must be registered, i.e. @tensorflow/tfjs-backend-wasm imported.)
 */
export function registerWasmMatMulTransposeFix(): boolean {
  if (wasmPrevious.has("BatchMatMul")) return true;
  const prev = tf.getKernel("BatchMatMul", "wasm");
  const transposeK = tf.getKernel("Transpose", "wasm");
  if (!prev || !transposeK) return false;
  wasmPrevious.set("BatchMatMul", prev);
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if ((!transposeA && !transposeB) || a.shape.length < 2 || b.shape.length < 2)
      return prev.kernelFunc(args);
    const backend = args.backend as unknown as { disposeData(id: object): void };
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length;
      const perm = [...Array(r).keys()];
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transposeK.kernelFunc({
        inputs: { x: t },
        backend: args.backend,
        attrs: { perm },
      }) as tf.TensorInfo;
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    try {
      return prev.kernelFunc({
        inputs: { a: a2, b: b2 },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      });
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...prev, kernelFunc });
  return true;
}

/** Restores the wasm backend's own BatchMatMul. */
export function unregisterWasmMatMulTransposeFix(): void {
  const prev = wasmPrevious.get("BatchMatMul");
  if (!prev) return;
  if (tf.getKernel("BatchMatMul", "wasm")) tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(prev);
  wasmPrevious.delete("BatchMatMul");
}
