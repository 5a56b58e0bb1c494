/**
 * LightGCN propagation (He et al., SIGIR 2020, eq. 3-4): e^{l+1} = Â·e^l with no weights and no
 * non-linearity, final representation = mean over layers 0..L. Â is a sparse [N, N] normalised
 * adjacency over users then items (src/data/graph.ts `adjacency`); every step is the sparse
 * gather + segment sum of src/engine/sparse.ts with its custom gradient.
 */
import type { Csr } from "../../engine/sparse";
import { spmmTensor } from "../../engine/sparse";
import { tf } from "../../engine/tf";

/** Layers 0..L of LightGCN propagation of `e0` [N, D] over `adj`. */
export function lightgcnLayers(adj: Csr, e0: tf.Tensor2D, numLayers: number): tf.Tensor2D[] {
  const layers = [e0];
  for (let l = 0; l < numLayers; l++) layers.push(spmmTensor(adj, layers[l])); // [N, D]
  return layers;
}

/** Mean ‖row‖ of every tensor of `terms` → [terms.length]. */
export function meanRowNorms(terms: readonly tf.Tensor2D[]): tf.Tensor1D {
  return tf.stack(terms.map((t) => tf.mean(tf.norm(t, "euclidean", 1)))) as tf.Tensor1D;
}
