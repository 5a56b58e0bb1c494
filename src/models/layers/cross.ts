/**
 * Cross network of DCN (Wang et al., ADKDD 2017, eq. 3): x_{l+1} = x_0 · (x_l^T w_l) + b_l + x_l.
 * Each layer adds 2·d parameters and one explicit feature-crossing degree.
 */
import { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { glorotUniform } from "./dense";

export class CrossNetwork {
  readonly w: tf.Variable[];
  readonly b: tf.Variable[];

  constructor(
    readonly dim: number,
    readonly numLayers: number,
    rng: Rng,
  ) {
    this.w = [];
    this.b = [];
    for (let l = 0; l < numLayers; l++) {
      this.w.push(ownedVariable(tf.tensor2d(glorotUniform(dim, 1, rng), [dim, 1])));
      this.b.push(ownedVariable(tf.zeros([dim])));
    }
  }

  apply(x0: tf.Tensor2D): tf.Tensor2D {
    let x = x0;
    for (let l = 0; l < this.numLayers; l++) {
      const s = tf.matMul(x, this.w[l] as tf.Tensor2D); // [B, 1]
      x = tf.add(tf.add(tf.mul(x0, s), this.b[l]), x) as tf.Tensor2D; // [B, d]
    }
    return x;
  }

  variables(): tf.Variable[] {
    return [...this.w, ...this.b];
  }
}
