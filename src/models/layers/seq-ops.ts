/**
 * Typed-array sequence ops with hand-written gradients (tf.customGrad), for the sequence layers
 * (./attention.ts). The tfjs CPU backend runs broadcasting binary ops, transposes and batched
 * matMul gradients element by element through index arithmetic (measured: ~1 µs per element, a
 * DIN attention over 100 unclicks took seconds per step); these ops do the same arithmetic in
 * plain loops. test/models/seq-ops.test.ts checks values and gradients against the tf formulas.
 */
import { tf } from "../../engine/tf";

const data = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

type GradResult = { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor | tf.Tensor[] };
/** tf.customGrad over tensor inputs only (its typing also admits the save function). */
const custom = (fn: (...xs: tf.Tensor[]) => GradResult): ((...xs: tf.Tensor[]) => tf.Tensor) =>
  tf.customGrad(fn as never) as never;

/** The flat positions i (increasing) where mask[i] > 0, of the first n mask values: the valid slots. */
export function validSlots(mask: ArrayLike<number>, n: number): Int32Array {
  let V = 0;
  for (let i = 0; i < n; i++) if (mask[i] > 0) V++;
  const pos = new Int32Array(V);
  for (let i = 0, v = 0; i < n; i++) if (mask[i] > 0) pos[v++] = i;
  return pos;
}

/** x [B, S, D] -> its slots [start, start + len) as [B, len, D]. */
export function sliceSlots(x: tf.Tensor3D, start: number, len: number): tf.Tensor3D {
  const [B, S, D] = x.shape;
  if (start < 0 || start + len > S)
    throw new Error(`sliceSlots: [${start}, ${start + len}) outside ${S} slots`);
  const f = custom((xi: tf.Tensor) => {
    const xv = data(xi);
    const out = new Float32Array(B * len * D);
    for (let b = 0; b < B; b++)
      out.set(xv.subarray((b * S + start) * D, (b * S + start + len) * D), b * len * D);
    return {
      value: tf.tensor3d(out, [B, len, D]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dx = new Float32Array(B * S * D);
        for (let b = 0; b < B; b++) dx.set(g.subarray(b * len * D, (b + 1) * len * D), (b * S + start) * D);
        return tf.tensor3d(dx, [B, S, D]);
      },
    };
  });
  return f(x) as tf.Tensor3D;
}

/** x [N, D] -> [N·L, D], row n repeated L times (broadcast over positions); gradient sums the L copies. */
export function repeatRows(x: tf.Tensor2D, L: number): tf.Tensor2D {
  const [N, D] = x.shape;
  const f = custom((xi: tf.Tensor) => {
    const xv = data(xi);
    const out = new Float32Array(N * L * D);
    for (let n = 0; n < N; n++) {
      const row = xv.subarray(n * D, (n + 1) * D);
      for (let l = 0; l < L; l++) out.set(row, (n * L + l) * D);
    }
    return {
      value: tf.tensor2d(out, [N * L, D]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dx = new Float32Array(N * D);
        for (let n = 0; n < N; n++)
          for (let l = 0; l < L; l++) {
            const o = (n * L + l) * D;
            for (let d = 0; d < D; d++) dx[n * D + d] += g[o + d];
          }
        return tf.tensor2d(dx, [N, D]);
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

/** Throws unless every index is a row of an R-row operand (`op` names the caller). */
function checkRows(op: string, idx: Int32Array, R: number): void {
  for (let v = 0; v < idx.length; v++)
    if (!(idx[v] >= 0 && idx[v] < R)) throw new Error(`${op}: index ${idx[v]} outside ${R} rows`);
}

/**
 * Rows `idx` of x [R, C] -> [idx.length, C] (indices may repeat); the gradient scatter-adds the
 * rows back into [R, C]. With scatterRows, lets a layer compute only the valid (unpadded) rows.
 */
export function gatherRows(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const [R, C] = x.shape;
  const V = idx.length;
  checkRows("gatherRows", idx, R);
  const f = custom((xi: tf.Tensor) => {
    const xv = data(xi);
    const out = new Float32Array(V * C);
    for (let v = 0, o = 0; v < V; v++) for (let c = 0, i = idx[v] * C; c < C; c++) out[o++] = xv[i++];
    return {
      value: tf.tensor2d(out, [V, C]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dx = new Float32Array(R * C);
        for (let v = 0; v < V; v++) {
          const o = idx[v] * C;
          for (let c = 0; c < C; c++) dx[o + c] += g[v * C + c];
        }
        return tf.tensor2d(dx, [R, C]);
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * q[rowOf] ⊙ k: q [N, D], k [V, D] -> [V, D] (row v of k times query row rowOf[v]) without
 * materialising q[rowOf]; ∂q scatter-adds dy ⊙ k, ∂k = dy ⊙ q[rowOf].
 */
export function gatherMul(q: tf.Tensor2D, rowOf: Int32Array, k: tf.Tensor2D): tf.Tensor2D {
  const [N, D] = q.shape;
  const V = k.shape[0];
  if (k.shape[1] !== D || rowOf.length !== V)
    throw new Error(`gatherMul: q ${q.shape}, k ${k.shape}, ${rowOf.length} row indices`);
  checkRows("gatherMul", rowOf, N);
  const f = custom((qi: tf.Tensor, ki: tf.Tensor) => {
    const qv = data(qi);
    const kv = data(ki);
    const out = new Float32Array(V * D);
    for (let v = 0, o = 0; v < V; v++)
      for (let d = 0, i = rowOf[v] * D; d < D; d++, o++, i++) out[o] = qv[i] * kv[o];
    return {
      value: tf.tensor2d(out, [V, D]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dq = new Float32Array(N * D);
        const dk = new Float32Array(V * D);
        for (let v = 0, o = 0; v < V; v++)
          for (let d = 0, i = rowOf[v] * D; d < D; d++, o++, i++) {
            dq[i] += g[o] * kv[o];
            dk[o] = g[o] * qv[i];
          }
        return [tf.tensor2d(dq, [N, D]), tf.tensor2d(dk, [V, D])];
      },
    };
  });
  return f(q, k) as tf.Tensor2D;
}

/** a + b[rowOf]: a [V, H], b [N, H] -> [V, H]; ∂a = dy, ∂b scatter-adds dy. */
export function addGathered(a: tf.Tensor2D, b: tf.Tensor2D, rowOf: Int32Array): tf.Tensor2D {
  const [V, H] = a.shape;
  const N = b.shape[0];
  if (b.shape[1] !== H || rowOf.length !== V)
    throw new Error(`addGathered: a ${a.shape}, b ${b.shape}, ${rowOf.length} row indices`);
  checkRows("addGathered", rowOf, N);
  const f = custom((ai: tf.Tensor, bi: tf.Tensor) => {
    const av = data(ai);
    const bv = data(bi);
    const out = new Float32Array(V * H);
    for (let v = 0, o = 0; v < V; v++)
      for (let h = 0, i = rowOf[v] * H; h < H; h++, o++, i++) out[o] = av[o] + bv[i];
    return {
      value: tf.tensor2d(out, [V, H]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const db = new Float32Array(N * H);
        for (let v = 0, o = 0; v < V; v++)
          for (let h = 0, i = rowOf[v] * H; h < H; h++, o++, i++) db[i] += g[o];
        return [dy.clone(), tf.tensor2d(db, [N, H])];
      },
    };
  });
  return f(a, b) as tf.Tensor2D;
}

/**
 * x [V, C] placed at rows `idx` (distinct) of an [R, C] zero matrix; the gradient gathers those
 * rows (the adjoint of gatherRows for distinct indices).
 */
export function scatterRows(x: tf.Tensor2D, idx: Int32Array, R: number): tf.Tensor2D {
  const [V, C] = x.shape;
  if (idx.length !== V) throw new Error(`scatterRows: ${idx.length} indices for ${V} rows`);
  checkRows("scatterRows", idx, R);
  const seen = new Uint8Array(R);
  for (let v = 0; v < V; v++) if (seen[idx[v]]++) throw new Error(`scatterRows: index ${idx[v]} repeats`);
  const f = custom((xi: tf.Tensor) => {
    const xv = data(xi);
    const out = new Float32Array(R * C);
    for (let v = 0, i = 0; v < V; v++) for (let c = 0, o = idx[v] * C; c < C; c++) out[o++] = xv[i++];
    return {
      value: tf.tensor2d(out, [R, C]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dx = new Float32Array(V * C);
        for (let v = 0, o = 0; v < V; v++) for (let c = 0, i = idx[v] * C; c < C; c++) dx[o++] = g[i++];
        return tf.tensor2d(dx, [V, C]);
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * Softmax of `scores` [N, L] over the positions where `mask` (N·L values, 1/0) is 1, exactly 0
 * elsewhere; a row without a valid position is all 0. The gradient at a masked position is 0.
 */
export function maskedSoftmaxOp(scores: tf.Tensor2D, mask: ArrayLike<number>): tf.Tensor2D {
  const [N, L] = scores.shape;
  if (mask.length !== N * L)
    throw new Error(`maskedSoftmax: mask has ${mask.length} values, scores ${N}x${L}`);
  const f = custom((si: tf.Tensor) => {
    const s = data(si);
    const w = new Float32Array(N * L);
    for (let n = 0; n < N; n++) {
      let mx = -Infinity;
      for (let l = 0; l < L; l++) if (mask[n * L + l] > 0 && s[n * L + l] > mx) mx = s[n * L + l];
      if (mx === -Infinity) continue;
      let z = 0;
      for (let l = 0; l < L; l++) {
        const i = n * L + l;
        if (mask[i] > 0) {
          w[i] = Math.exp(s[i] - mx);
          z += w[i];
        }
      }
      for (let l = 0; l < L; l++) w[n * L + l] /= z;
    }
    return {
      value: tf.tensor2d(w, [N, L]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const ds = new Float32Array(N * L);
        for (let n = 0; n < N; n++) {
          let dot = 0;
          for (let l = 0; l < L; l++) dot += w[n * L + l] * g[n * L + l];
          for (let l = 0; l < L; l++) ds[n * L + l] = w[n * L + l] * (g[n * L + l] - dot);
        }
        return tf.tensor2d(ds, [N, L]);
      },
    };
  });
  return f(scores) as tf.Tensor2D;
}

/** Σ_l w[n, l]·v[n, l, :]: w [N, L], v [N, L, D] -> [N, D]. */
export function weightedSum(w: tf.Tensor2D, v: tf.Tensor3D): tf.Tensor2D {
  const [N, L, D] = v.shape;
  const f = custom((wi: tf.Tensor, vi: tf.Tensor) => {
    const wv = data(wi);
    const vv = data(vi);
    const out = new Float32Array(N * D);
    for (let n = 0; n < N; n++)
      for (let l = 0; l < L; l++) {
        const a = wv[n * L + l];
        if (a === 0) continue;
        const o = (n * L + l) * D;
        for (let d = 0; d < D; d++) out[n * D + d] += a * vv[o + d];
      }
    return {
      value: tf.tensor2d(out, [N, D]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const dw = new Float32Array(N * L);
        const dv = new Float32Array(N * L * D);
        for (let n = 0; n < N; n++)
          for (let l = 0; l < L; l++) {
            const o = (n * L + l) * D;
            const a = wv[n * L + l];
            let s = 0;
            for (let d = 0; d < D; d++) {
              s += g[n * D + d] * vv[o + d];
              dv[o + d] = a * g[n * D + d];
            }
            dw[n * L + l] = s;
          }
        return [tf.tensor2d(dw, [N, L]), tf.tensor3d(dv, [N, L, D])];
      },
    };
  });
  return f(w, v) as tf.Tensor2D;
}

/**
 * Projection of u onto c along the last axis, (u·c / (‖c‖² + eps))·c, for [..., D] tensors of
 * the same shape. With a = u·c, q = ‖c‖² + eps, r = a/q: ∂/∂u = (g·c/q)·c and
 * ∂/∂c = r·g + (g·c)·(u/q − 2a·c/q²).
 */
export function projectRows<T extends tf.Tensor>(u: T, c: T, eps = 1e-8): T {
  const shape = c.shape;
  const D = shape[shape.length - 1];
  const f = custom((ui: tf.Tensor, ci: tf.Tensor) => {
    const uv = data(ui);
    const cv = data(ci);
    const n = cv.length / D;
    const out = new Float32Array(cv.length);
    const rs = new Float32Array(n);
    const qs = new Float32Array(n);
    const as = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let a = 0;
      let q = eps;
      for (let d = 0; d < D; d++) {
        a += uv[i * D + d] * cv[i * D + d];
        q += cv[i * D + d] * cv[i * D + d];
      }
      as[i] = a;
      qs[i] = q;
      rs[i] = a / q;
      for (let d = 0; d < D; d++) out[i * D + d] = rs[i] * cv[i * D + d];
    }
    return {
      value: tf.tensor(out, shape),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const du = new Float32Array(cv.length);
        const dc = new Float32Array(cv.length);
        for (let i = 0; i < n; i++) {
          let gc = 0;
          for (let d = 0; d < D; d++) gc += g[i * D + d] * cv[i * D + d];
          const q = qs[i];
          for (let d = 0; d < D; d++) {
            const k = i * D + d;
            du[k] = (gc / q) * cv[k];
            dc[k] = rs[i] * g[k] + gc * (uv[k] / q - (2 * as[i] * cv[k]) / (q * q));
          }
        }
        return [tf.tensor(du, shape), tf.tensor(dc, shape)];
      },
    };
  });
  return f(u, c) as T;
}
