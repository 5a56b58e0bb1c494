/**
 * Kit kernels registered into tfjs backends.
 *
 * UnsortedSegmentSum is the gradient of `tf.gather`. The tfjs CPU backend implements it with one
 * masked reduction per segment (O(numSegments x N)): a 100k-row table takes minutes per step.
 * The WASM backend has no kernel at all. Ours is one linear pass over typed arrays:
 * out[segmentIds[i], :] += x[i, :], ids outside [0, numSegments) dropped as in TensorFlow.
 * SplitV, row-broadcast binary ops and Softmax on the CPU backend are below.
 */
import { tf } from "./tf";

type TypedArray = Float32Array | Int32Array | Uint8Array;

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

/** Pure typed-array segment sum; exported for tests and for code outside tfjs. */
export function segmentSumInto(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  inner: number,
  numSegments: number,
  out: TypedArray | Float32Array,
): void {
  out.fill(0);
  const n = segmentIds.length;
  for (let i = 0; i < n; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const xo = i * inner;
    const oo = s * inner;
    for (let k = 0; k < inner; k++) out[oo + k] += x[xo + k];
  }
}

function outShape(
  x: tf.TensorInfo,
  segmentIds: tf.TensorInfo,
  numSegments: number,
): { shape: number[]; inner: number } {
  if (segmentIds.shape.length !== 1)
    throw new Error(
      `UnsortedSegmentSum (kit kernel): segmentIds must be 1-D, got shape [${segmentIds.shape}]`,
    );
  if (x.shape[0] !== segmentIds.shape[0])
    throw new Error(
      `UnsortedSegmentSum (kit kernel): x has ${x.shape[0]} rows but segmentIds has ${segmentIds.shape[0]}`,
    );
  const rest = x.shape.slice(1);
  const inner = rest.reduce((a, b) => a * b, 1);
  return { shape: [numSegments, ...rest], inner };
}

function cpuSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const numSegments = attrs!.numSegments as number;
  const b = backend as {
    data: { get(id: unknown): { values: TypedArray } };
    makeTensorInfo(shape: number[], dtype: string, values: TypedArray): tf.TensorInfo;
  };
  const { shape, inner } = outShape(x, segmentIds, numSegments);
  const xv = b.data.get(x.dataId).values;
  const ids = b.data.get(segmentIds.dataId).values;
  const out =
    x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  segmentSumInto(xv, ids, inner, numSegments, out);
  return b.makeTensorInfo(shape, x.dtype, out);
}

function wasmSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const numSegments = attrs!.numSegments as number;
  const b = backend as {
    makeOutput(shape: number[], dtype: string): tf.TensorInfo;
    typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  };
  const { shape, inner } = outShape(x, segmentIds, numSegments);
  const out = b.makeOutput(shape, x.dtype);
  // Views are taken after the allocation above, which may have grown (and moved) the heap.
  const outVals = b.typedArrayFromHeap(out);
  segmentSumInto(b.typedArrayFromHeap(x), b.typedArrayFromHeap(segmentIds), inner, numSegments, outVals);
  return out;
}

type CpuBackend = {
  data: { get(id: unknown): { values: TypedArray } };
  makeTensorInfo(shape: number[], dtype: string, values: TypedArray): tf.TensorInfo;
};

/**
 * SplitV on the CPU backend: the gradient of every `tf.concat` (numeric features next to
 * embeddings, DCN's [cross, deep]). The stock kernel slices element by element and took 60-75 ms
 * a step at batch 256 in the tour's models; block copies take well under 1 ms.
 */
function cpuSplitV({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x } = inputs;
  const b = backend as CpuBackend;
  const rank = x.shape.length;
  const axis = ((attrs!.axis as number) + rank) % rank;
  const dim = x.shape[axis];
  const spec = attrs!.numOrSizeSplits as number | number[];
  let sizes = typeof spec === "number" ? new Array<number>(spec).fill(dim / spec) : [...spec];
  const neg = sizes.indexOf(-1);
  if (neg >= 0) sizes[neg] = dim - sizes.reduce((s, v, i) => (i === neg ? s : s + v), 0);
  if (sizes.reduce((s, v) => s + v, 0) !== dim)
    throw new Error(`SplitV (kit kernel): sizes ${sizes} do not add up to ${dim}`);
  sizes = sizes.map((v) => v | 0);
  const outer = x.shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = x.shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const src = b.data.get(x.dataId).values;
  const Ctor = src.constructor as new (n: number) => TypedArray;
  const rowLen = dim * inner;
  let start = 0;
  return sizes.map((size) => {
    const block = size * inner;
    const out = new Ctor(outer * block);
    if (block >= 64)
      for (let o = 0; o < outer; o++)
        out.set(src.subarray(o * rowLen + start * inner, o * rowLen + start * inner + block), o * block);
    // Short blocks (many narrow rows): a plain loop; a subarray view per row costs more than the copy.
    else
      for (let o = 0, k = 0; o < outer; o++)
        for (let j = 0, i = o * rowLen + start * inner; j < block; j++) out[k++] = src[i++];
    start += size;
    const shape = x.shape.slice();
    shape[axis] = size;
    return b.makeTensorInfo(shape, x.dtype, out);
  });
}

/** True when `col` is `full` with its last dimension 1 (one value per row). */
function isColumnOf(col: number[], full: number[]): boolean {
  const r = full.length;
  if (r < 2 || col.length !== r || col[r - 1] !== 1 || full[r - 1] === 1) return false;
  for (let i = 0; i < r - 1; i++) if (col[i] !== full[i]) return false;
  return true;
}

const BINARY: Record<string, 0 | 1 | 2 | 3> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 };

/**
 * Row-broadcast binary ops on the CPU backend ([.., R, C] with [.., R, 1], e.g. DCN's
 * x0 * (x_l w)): the stock kernel computes broadcast indices per element; this is one loop.
 * Every other case goes to the kernel registered before (stock or native).
 */
function cpuColumnBinary(name: string, prev: tf.KernelFunc): (a: KernelArgs) => tf.TensorInfo {
  const op = BINARY[name];
  return (args) => {
    const { a, b } = args.inputs;
    const aCol = isColumnOf(a.shape, b.shape);
    if (a.dtype === "float32" && b.dtype === "float32" && (aCol || isColumnOf(b.shape, a.shape))) {
      const be = args.backend as CpuBackend;
      const full = aCol ? b : a;
      const F = be.data.get(full.dataId).values as Float32Array;
      const Cv = be.data.get((aCol ? a : b).dataId).values as Float32Array;
      const cols = full.shape[full.shape.length - 1];
      const rows = Cv.length;
      const out = new Float32Array(F.length);
      for (let r = 0; r < rows; r++) {
        const c = Cv[r];
        const o = r * cols;
        if (op === 2) for (let j = 0; j < cols; j++) out[o + j] = F[o + j] * c;
        else if (op === 0) for (let j = 0; j < cols; j++) out[o + j] = F[o + j] + c;
        else if (op === 1) for (let j = 0; j < cols; j++) out[o + j] = aCol ? c - F[o + j] : F[o + j] - c;
        else for (let j = 0; j < cols; j++) out[o + j] = aCol ? c / F[o + j] : F[o + j] / c;
      }
      return be.makeTensorInfo(full.shape.slice(), "float32", out);
    }
    return prev(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  };
}

/** Row-wise softmax over the last axis of `x` (rows of `cols` values) into `out`; max-shifted. */
export function softmaxRowsInto(x: ArrayLike<number>, cols: number, out: Float32Array): void {
  const rows = cols > 0 ? x.length / cols : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j] - m);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[o + j] *= inv;
  }
}

/**
 * Softmax on the CPU backend (gates of MMoE/PLE, attention weights). The stock kernel chains
 * max/sub/exp/sum/div through tfjs's internal kernels (not the registered ones): ~1.3 ms for a
 * [1024, 8] gate, about 20x the arithmetic. This is one pass per row; the gradient stays tfjs's.
 * Non-float32 inputs or a non-last `dim` go to the kernel registered before.
 */
function cpuSoftmax(prev: tf.KernelFunc): (a: KernelArgs) => tf.TensorInfo {
  return (args) => {
    const { logits } = args.inputs;
    const rank = logits.shape.length;
    const dim = args.attrs?.dim as number | undefined;
    const last = dim === undefined || dim === -1 || dim === rank - 1;
    if (logits.dtype !== "float32" || rank === 0 || !last)
      return prev(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const be = args.backend as CpuBackend;
    const x = be.data.get(logits.dataId).values as Float32Array;
    const out = new Float32Array(x.length);
    softmaxRowsInto(x, logits.shape[rank - 1], out);
    return be.makeTensorInfo(logits.shape.slice(), "float32", out);
  };
}

type KernelFactory = (prev: tf.KernelFunc | null) => (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

const KIT_KERNELS: Record<string, { kernelName: string; make: KernelFactory }[]> = {
  cpu: [
    { kernelName: "UnsortedSegmentSum", make: () => cpuSegmentSum },
    { kernelName: "SplitV", make: () => cpuSplitV },
    ...Object.keys(BINARY).map((kernelName) => ({
      kernelName,
      make: (prev: tf.KernelFunc | null) => cpuColumnBinary(kernelName, prev!),
    })),
    { kernelName: "Softmax", make: (prev: tf.KernelFunc | null) => cpuSoftmax(prev!) },
  ],
  wasm: [{ kernelName: "UnsortedSegmentSum", make: () => wasmSegmentSum }],
};

const registered = new Set<string>();

/**
 * Register the kit's kernels for a backend (idempotent). Kernels that only cover some cases
 * wrap the kernel registered before them (stock or native). Returns the kernel names active.
 */
export function registerFastKernels(backendName: string): string[] {
  const list = KIT_KERNELS[backendName] ?? [];
  for (const k of list) {
    const key = `${backendName}/${k.kernelName}`;
    if (registered.has(key)) continue;
    const prev = tf.getKernel(k.kernelName, backendName);
    if (prev) tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName,
      kernelFunc: k.make(prev ? prev.kernelFunc : null) as unknown as tf.KernelFunc,
    });
    registered.add(key);
  }
  return list.map((k) => `${k.kernelName}@${backendName}`);
}
