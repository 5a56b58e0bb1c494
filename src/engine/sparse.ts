/**
 * Sparse matrices for graph propagation (the kit's graph papers; first user: CIGF, notebook
 * 06-cigf). A compressed-sparse-row (CSR) matrix on typed arrays, its transpose, the two
 * normalisations graph recommenders use (left D⁻¹A as CIGF's `--normalization left`, symmetric
 * D^-½ A D^-½ as LightGCN), and the propagation step Y = A·X written as a gather of the neighbour
 * rows of X plus a segment sum per row of A: linear in the number of edges, never a dense N x N.
 *
 * `spmmTensor(a, x)` is the same step as a tfjs op with a custom gradient: dL/dX = Aᵀ·dL/dY,
 * computed by the same kernel on the transpose (built once and cached on `a`), so a model
 * differentiates through any number of propagation layers without tfjs's dense gather gradient.
 */
import { getNativeAddon, useParallelThreads } from "./native";
import { tf } from "./tf";

/** A sparse [numRows, numCols] matrix in CSR layout. */
export interface Csr {
  numRows: number;
  numCols: number;
  /** Row r's entries are indices/values[indptr[r] .. indptr[r + 1]); length numRows + 1. */
  indptr: Int32Array;
  /** Column of every entry, sorted within a row. */
  indices: Int32Array;
  values: Float32Array;
  /** Cached transpose (filled by `transposeCsr` on first use). */
  transposeCache?: Csr;
}

/** Number of stored entries. */
export function nnz(a: Csr): number {
  return a.indptr[a.numRows];
}

/**
 * A CSR matrix from coordinate lists; duplicate (row, col) pairs are summed, or kept once with
 * `binary` (value 1). Throws naming the first entry outside the shape.
 */
export function csrFromCoo(
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  numRows: number,
  numCols: number,
  opts: { values?: ArrayLike<number>; binary?: boolean } = {},
): Csr {
  if (rows.length !== cols.length)
    throw new RangeError(`csrFromCoo: ${rows.length} rows but ${cols.length} cols`);
  const count = new Int32Array(numRows + 1);
  for (let e = 0; e < rows.length; e++) {
    const r = rows[e];
    const c = cols[e];
    if (!(r >= 0 && r < numRows && c >= 0 && c < numCols && Number.isInteger(r) && Number.isInteger(c))) {
      throw new RangeError(`csrFromCoo: entry ${e} (${r}, ${c}) is outside [${numRows}, ${numCols}]`);
    }
    count[r + 1]++;
  }
  for (let r = 0; r < numRows; r++) count[r + 1] += count[r];
  const fill = count.slice(0, numRows);
  const idx = new Int32Array(rows.length);
  const val = new Float32Array(rows.length);
  for (let e = 0; e < rows.length; e++) {
    const p = fill[rows[e]]++;
    idx[p] = cols[e];
    val[p] = opts.values ? opts.values[e] : 1;
  }
  // Sort each row by column and merge duplicates.
  const indptr = new Int32Array(numRows + 1);
  let w = 0;
  for (let r = 0; r < numRows; r++) {
    const lo = count[r];
    const hi = count[r + 1];
    const order = Array.from({ length: hi - lo }, (_, i) => lo + i).sort((x, y) => idx[x] - idx[y]);
    const cs = order.map((p) => idx[p]);
    const vs = order.map((p) => val[p]);
    for (let i = 0; i < cs.length; i++) {
      if (i > 0 && cs[i] === cs[i - 1]) {
        if (!opts.binary) val[w - 1] += vs[i];
        continue;
      }
      idx[w] = cs[i];
      val[w] = opts.binary ? 1 : vs[i];
      w++;
    }
    indptr[r + 1] = w;
  }
  return { numRows, numCols, indptr, indices: idx.slice(0, w), values: val.slice(0, w) };
}

/** Aᵀ (cached on `a`). */
export function transposeCsr(a: Csr): Csr {
  if (a.transposeCache) return a.transposeCache;
  const n = nnz(a);
  const indptr = new Int32Array(a.numCols + 1);
  for (let e = 0; e < n; e++) indptr[a.indices[e] + 1]++;
  for (let c = 0; c < a.numCols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, a.numCols);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  for (let r = 0; r < a.numRows; r++) {
    for (let e = a.indptr[r]; e < a.indptr[r + 1]; e++) {
      const p = fill[a.indices[e]]++;
      indices[p] = r;
      values[p] = a.values[e];
    }
  }
  const t: Csr = { numRows: a.numCols, numCols: a.numRows, indptr, indices, values, transposeCache: a };
  a.transposeCache = t;
  return t;
}

/** Row sums. */
export function rowSums(a: Csr): Float64Array {
  const s = new Float64Array(a.numRows);
  for (let r = 0; r < a.numRows; r++) for (let e = a.indptr[r]; e < a.indptr[r + 1]; e++) s[r] += a.values[e];
  return s;
}

/** D⁻¹A: every row divided by its sum (empty rows stay empty), as CIGF's left normalisation. */
export function leftNormalise(a: Csr): Csr {
  const s = rowSums(a);
  const values = new Float32Array(a.values.length);
  for (let r = 0; r < a.numRows; r++)
    for (let e = a.indptr[r]; e < a.indptr[r + 1]; e++) values[e] = s[r] > 0 ? a.values[e] / s[r] : 0;
  return { numRows: a.numRows, numCols: a.numCols, indptr: a.indptr, indices: a.indices, values };
}

/** D^-½ A D^-½ for a square matrix (degrees from the row sums), as LightGCN. */
export function symmetricNormalise(a: Csr): Csr {
  if (a.numRows !== a.numCols)
    throw new RangeError(`symmetricNormalise: matrix is ${a.numRows} x ${a.numCols}, not square`);
  const s = rowSums(a);
  const inv = s.map((x) => (x > 0 ? 1 / Math.sqrt(x) : 0));
  const values = new Float32Array(a.values.length);
  for (let r = 0; r < a.numRows; r++)
    for (let e = a.indptr[r]; e < a.indptr[r + 1]; e++) values[e] = a.values[e] * inv[r] * inv[a.indices[e]];
  return { numRows: a.numRows, numCols: a.numCols, indptr: a.indptr, indices: a.indices, values };
}

/**
 * Y = A·X for X row-major [numCols, dim]: for each row r of A, gather the rows X[c] of its
 * neighbours c and sum them weighted (a segment sum). Returns [numRows, dim] row-major. Runs on
 * the native addon's threaded kernel when it is loaded (same arithmetic, bit-identical), else
 * `spmmJs`.
 */
export function spmm(a: Csr, x: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const native = getNativeAddon();
  if (!native?.spmm) return spmmJs(a, x, dim, out);
  const y = checkSpmm(a, x, dim, out);
  useParallelThreads();
  native.spmm(a.indptr, a.indices, a.values, x, dim, a.numCols, y);
  return y;
}

function checkSpmm(a: Csr, x: Float32Array, dim: number, out?: Float32Array): Float32Array {
  if (x.length !== a.numCols * dim)
    throw new RangeError(`spmm: X has ${x.length} values, expected ${a.numCols} x ${dim}`);
  const y = out ?? new Float32Array(a.numRows * dim);
  if (y.length !== a.numRows * dim)
    throw new RangeError(`spmm: output has ${y.length} values, expected ${a.numRows} x ${dim}`);
  return y;
}

/** `spmm` on one JavaScript thread (the reference of the native kernel). */
export function spmmJs(a: Csr, x: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const y = checkSpmm(a, x, dim, out);
  y.fill(0);
  const { indptr, indices, values } = a;
  for (let r = 0; r < a.numRows; r++) {
    const yo = r * dim;
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const w = values[e];
      const xo = indices[e] * dim;
      for (let d = 0; d < dim; d++) y[yo + d] += w * x[xo + d];
    }
  }
  return y;
}

/** Y = A·X as a tfjs op on [numCols, D] → [numRows, D], differentiable in X (dX = Aᵀ·dY). */
export function spmmTensor(a: Csr, x: tf.Tensor2D): tf.Tensor2D {
  const dim = x.shape[1];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const value = tf.tensor2d(spmm(a, input.dataSync() as Float32Array, dim), [a.numRows, dim]);
    const gradFunc = (dy: tf.Tensor) =>
      tf.tensor2d(spmm(transposeCsr(a), dy.dataSync() as Float32Array, dim), [a.numCols, dim]);
    return { value, gradFunc };
  });
  return f(x) as tf.Tensor2D;
}

/** The dense [numRows, numCols] matrix (tests and toy examples only). */
export function csrToDense(a: Csr): Float32Array {
  const m = new Float32Array(a.numRows * a.numCols);
  for (let r = 0; r < a.numRows; r++)
    for (let e = a.indptr[r]; e < a.indptr[r + 1]; e++) m[r * a.numCols + a.indices[e]] += a.values[e];
  return m;
}

/** The [idx.length, numRows] selection matrix S with S[k, idx[k]] = 1 (so S·X gathers rows of X). */
export function selectionCsr(idx: ArrayLike<number>, numRows: number): Csr {
  const n = idx.length;
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = idx[k];
    if (!(r >= 0 && r < numRows))
      throw new RangeError(`selectionCsr: index ${r} at ${k} is outside [0, ${numRows})`);
    indices[k] = r;
    indptr[k + 1] = k + 1;
  }
  return { numRows: n, numCols: numRows, indptr, indices, values: new Float32Array(n).fill(1) };
}

/**
 * Rows `idx` of `x` [R, D] → [n, D] as a gather on typed arrays whose gradient is the scatter-add
 * (segment sum) of dY into the rows: tfjs's cpu GatherV2 is generic over axes and slow here.
 */
export function gatherRowsTensor(x: tf.Tensor2D, idx: ArrayLike<number>): tf.Tensor2D {
  return spmmTensor(selectionCsr(idx, x.shape[0]), x);
}
