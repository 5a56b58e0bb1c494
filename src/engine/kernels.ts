/**
 * Kit kernels registered into tfjs backends.
 *
 * UnsortedSegmentSum is the gradient of `tf.gather`. The tfjs CPU backend implements it with one
 * masked reduction per segment (O(numSegments x N)): a 100k-row table takes minutes per step.
 * The WASM backend has no kernel at all. Ours is one linear pass over typed arrays:
 * out[segmentIds[i], :] += x[i, :], ids outside [0, numSegments) dropped as in TensorFlow.
 */
import { tf } from "./tf";

type TypedArray = Float32Array | Int32Array | Uint8Array;

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

/** Pure typed-array segment sum; exported for tests and for code outside tfjs. */
export function segmentSumInto(x: ArrayLike<number>, segmentIds: ArrayLike<number>, inner: number, numSegments: number, out: TypedArray | Float32Array): void {
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

function outShape(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number): { shape: number[]; inner: number } {
  if (segmentIds.shape.length !== 1) throw new Error(`UnsortedSegmentSum (kit kernel): segmentIds must be 1-D, got shape [${segmentIds.shape}]`);
  if (x.shape[0] !== segmentIds.shape[0]) throw new Error(`UnsortedSegmentSum (kit kernel): x has ${x.shape[0]} rows but segmentIds has ${segmentIds.shape[0]}`);
  const rest = x.shape.slice(1);
  const inner = rest.reduce((a, b) => a * b, 1);
  return { shape: [numSegments, ...rest], inner };
}

function cpuSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const numSegments = attrs!.numSegments as number;
  const b = backend as { data: { get(id: unknown): { values: TypedArray } }; makeTensorInfo(shape: number[], dtype: string, values: TypedArray): tf.TensorInfo };
  const { shape, inner } = outShape(x, segmentIds, numSegments);
  const xv = b.data.get(x.dataId).values;
  const ids = b.data.get(segmentIds.dataId).values;
  const out = x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  segmentSumInto(xv, ids, inner, numSegments, out);
  return b.makeTensorInfo(shape, x.dtype, out);
}

function wasmSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const numSegments = attrs!.numSegments as number;
  const b = backend as { makeOutput(shape: number[], dtype: string): tf.TensorInfo; typedArrayFromHeap(t: tf.TensorInfo): TypedArray };
  const { shape, inner } = outShape(x, segmentIds, numSegments);
  const out = b.makeOutput(shape, x.dtype);
  // Views are taken after the allocation above, which may have grown (and moved) the heap.
  const outVals = b.typedArrayFromHeap(out);
  segmentSumInto(b.typedArrayFromHeap(x), b.typedArrayFromHeap(segmentIds), inner, numSegments, outVals);
  return out;
}

const KIT_KERNELS: Record<string, { kernelName: string; kernelFunc: (a: KernelArgs) => tf.TensorInfo }[]> = {
  cpu: [{ kernelName: "UnsortedSegmentSum", kernelFunc: cpuSegmentSum }],
  wasm: [{ kernelName: "UnsortedSegmentSum", kernelFunc: wasmSegmentSum }],
};

const registered = new Set<string>();

/** Register the kit's kernels for a backend (idempotent). Returns the kernel names now active. */
export function registerFastKernels(backendName: string): string[] {
  const list = KIT_KERNELS[backendName] ?? [];
  for (const k of list) {
    const key = `${backendName}/${k.kernelName}`;
    if (registered.has(key)) continue;
    if (tf.getKernel(k.kernelName, backendName)) tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({ kernelName: k.kernelName, backendName, kernelFunc: k.kernelFunc as unknown as tf.KernelFunc });
    registered.add(key);
  }
  return list.map((k) => `${k.kernelName}@${backendName}`);
}
