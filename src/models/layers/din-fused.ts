/**
 * DIN attention as one op on the native addon (native/src/recrepro_native.cc,
 * `dinAttentionForward` / `dinAttentionBackward`, abiVersion >= 4): the activation unit over
 * [q, k, q − k, q ⊙ k] on the valid slots, the masked softmax and the weighted sum run in one
 * call forward and one backward, instead of ~15 tfjs ops with their tape entries, tensors and
 * garbage (bench/tem4ctr.ts measures the step). Same function as the op-by-op tfjs path in
 * ./attention.ts, which stays the reference: test/models/din-fused.test.ts compares values and
 * every gradient of the two.
 *
 * Used by `DinAttention.apply` on the 'cpu-native' backend (src/engine/fused-ops.ts) with an addon
 * of abiVersion >= 4, when fused attention is on (default; RECREPRO_FUSED_ATTENTION=0 or
 * `setFusedAttention(false)` selects the tfjs path). The returned weights are for inspection (the models' `internals`); gradients flow through the
 * pooled output only (no model puts the weights into its loss).
 */
import { envFlag } from "../../engine/env";
import { type FusedOps, getFusedOps } from "../../engine/fused-ops";
import { type DinAttentionArgs, useKernelThreads } from "../../engine/native";
import { tf } from "../../engine/tf";
import type { Dense } from "./dense";
import { validSlots } from "./seq-ops";

const ACT_CODE = { relu: 1, sigmoid: 2 } as const;

let fusedOn: boolean | null = null;

/** Turns the fused path on or off (null: back to RECREPRO_FUSED_ATTENTION, default on). */
export function setFusedAttention(on: boolean | null): void {
  fusedOn = on;
}

/** The fused DIN functions when the fused path is on and the active backend has them, else null. */
export function fusedDinAddon(): FusedOps | null {
  if (!(fusedOn ?? envFlag("RECREPRO_FUSED_ATTENTION", true))) return null;
  return getFusedOps();
}

/** What the fused op needs of a DinAttention: its dense layers (activation unit, then the score layer). */
export interface DinLayers {
  readonly layers: Dense[];
  readonly out: Dense;
  readonly activation: "sigmoid" | "relu";
}

const data = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

/**
 * DIN attention of `query` [N, D] over `keys` [N, L, D] with `mask` (N·L values, 1 = valid):
 * pooled [N, D] = Σ_l w_l·values_l and weights [N, L] (0 at padding). `values` default the keys.
 */
export function dinAttentionFused(
  nat: FusedOps,
  att: DinLayers,
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  mask: ArrayLike<number>,
  values?: tf.Tensor3D,
): { pooled: tf.Tensor2D; weights: tf.Tensor2D } {
  const [N, L, D] = keys.shape;
  if (mask.length !== N * L) throw new Error(`DinAttention: mask has ${mask.length} values, keys ${N}x${L}`);
  if (query.shape[0] !== N || query.shape[1] !== D)
    throw new Error(`DinAttention: query is ${query.shape.join("x")}, keys ${N}x${L}x${D}`);
  const sepValues = values !== undefined && values !== keys;
  if (sepValues && values.shape.join() !== keys.shape.join())
    throw new Error(`DinAttention: values are ${values.shape.join("x")}, keys ${keys.shape.join("x")}`);
  const pos = validSlots(mask, N * L); // flat slot n*L + l of each valid position, increasing
  const V = pos.length;
  const dense = [...att.layers, att.out];
  const widths = Int32Array.from(dense.map((l) => l.outDim));
  const act = ACT_CODE[att.activation];
  const vars: tf.Tensor[] = dense.flatMap((l) => (l.b ? [l.w, l.b] : [l.w]));
  const nIn = 2 + (sepValues ? 1 : 0) + vars.length;
  const weights = new Float32Array(N * L);
  const f = tf.customGrad(((...xs: tf.Tensor[]) => {
    const [qi, ki] = xs;
    const vi = sepValues ? xs[2] : null;
    const pv = xs.slice(nIn - vars.length, nIn).map(data);
    let at = 0;
    const params = dense.flatMap((l) => [pv[at++], l.b ? pv[at++] : null]); // W0, b0 | null, W1, ...
    const q = data(qi);
    const k = data(ki);
    const v = vi ? data(vi) : null;
    const k2 = new Float32Array(V * D);
    const qk = new Float32Array(V * D);
    const acts = att.layers.map((l) => new Float32Array(V * l.outDim));
    const pooled = new Float32Array(N * D);
    const threads = useKernelThreads();
    const shared: DinAttentionArgs = [N, L, D, q, k, v, pos, act, params, widths, k2, qk, acts, weights];
    nat.dinAttentionForward(...shared, pooled, threads);
    return {
      value: tf.tensor2d(pooled, [N, D]),
      gradFunc: (dy: tf.Tensor) => {
        const dq = new Float32Array(N * D);
        const dk = new Float32Array(N * L * D);
        const dv = v ? new Float32Array(N * L * D) : null;
        const dParams = params.map((p) => (p ? new Float32Array(p.length) : null));
        const threads = useKernelThreads();
        nat.dinAttentionBackward(...shared, data(dy), null, dq, dk, dv, dParams, threads);
        const grads: tf.Tensor[] = [tf.tensor2d(dq, [N, D]), tf.tensor3d(dk, [N, L, D])];
        if (dv) grads.push(tf.tensor3d(dv, [N, L, D]));
        dense.forEach((l, i) => {
          grads.push(tf.tensor2d(dParams[2 * i]!, [l.inDim, l.outDim]));
          if (l.b) grads.push(tf.tensor1d(dParams[2 * i + 1]!));
        });
        return grads;
      },
    };
  }) as never) as (...xs: tf.Tensor[]) => tf.Tensor;
  const pooled = f(query, keys, ...(sepValues ? [values] : []), ...vars) as tf.Tensor2D;
  return { pooled, weights: tf.tensor2d(weights, [N, L]) };
}
