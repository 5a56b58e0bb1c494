/**
 * Multi-layer perceptron: Linear -> ReLU (-> dropout) per hidden layer, optional linear output.
 */
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { Dense, dropout } from "./dense";

export interface MlpConfig {
  /** Hidden layer widths, e.g. [400, 400, 400]. */
  hidden: number[];
  /** Dropout rate after each hidden layer. Default 0. */
  dropout?: number;
  /** Width of a final linear layer (no activation); omit for none. */
  output?: number;
}

export class Mlp {
  readonly layers: Dense[];
  readonly out: Dense | null;
  readonly outDim: number;

  constructor(inDim: number, readonly config: MlpConfig, rng: Rng) {
    this.layers = [];
    let d = inDim;
    for (const h of config.hidden) {
      if (!(Number.isInteger(h) && h > 0)) throw new Error(`mlp: hidden width must be a positive integer, got ${h}`);
      this.layers.push(new Dense(d, h, rng));
      d = h;
    }
    this.out = config.output ? new Dense(d, config.output, rng) : null;
    this.outDim = config.output ?? d;
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor2D {
    let h = x;
    for (const layer of this.layers) h = dropout(layer.apply(h, "relu"), this.config.dropout ?? 0, training, rng);
    return this.out ? this.out.apply(h) : h;
  }

  variables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => l.variables()), ...(this.out ? this.out.variables() : [])];
  }
}
