/**
 * Multi-layer perceptron: Linear -> ReLU (-> dropout) per hidden layer, optional linear output.
 * With `batchNorm` each hidden block is torch-rechub's MLP block: Linear -> BatchNorm1d -> ReLU ->
 * Dropout (the order of torch_rechub.basic.layers.MLP).
 */
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { BatchNorm, type BatchNormConfig } from "./batch-norm";
import { Dense, dropout } from "./dense";

export interface MlpConfig {
  /** Hidden layer widths, e.g. [400, 400, 400]. */
  hidden: number[];
  /** Dropout rate after each hidden layer. Default 0. */
  dropout?: number;
  /** Width of a final linear layer (no activation); omit for none. */
  output?: number;
  /**
   * BatchNorm1d between each hidden Linear and its ReLU (torch-rechub's MLP order), with running
   * statistics (./batch-norm.ts). true uses PyTorch's defaults (momentum 0.1, eps 1e-5); an object
   * sets them. Default off (false), which leaves the layers and their numbers as before.
   */
  batchNorm?: boolean | BatchNormConfig;
}

export class Mlp {
  readonly layers: Dense[];
  /** One BatchNorm per hidden layer when `batchNorm` is set, else empty. */
  readonly norms: BatchNorm[];
  readonly out: Dense | null;
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly config: MlpConfig,
    rng: Rng,
  ) {
    this.layers = [];
    this.norms = [];
    const bn = config.batchNorm ?? false;
    let d = inDim;
    for (const h of config.hidden) {
      if (!(Number.isInteger(h) && h > 0))
        throw new Error(`mlp: hidden width must be a positive integer, got ${h}`);
      this.layers.push(new Dense(d, h, rng));
      if (bn !== false) this.norms.push(new BatchNorm(h, bn === true ? {} : bn));
      d = h;
    }
    this.out = config.output ? new Dense(d, config.output, rng) : null;
    this.outDim = config.output ?? d;
  }

  /** x [B, inDim] -> [B, outDim]. */
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor2D {
    let h = x;
    const rate = this.config.dropout ?? 0;
    this.layers.forEach((layer, i) => {
      const pre =
        this.norms.length > 0
          ? tf.relu(this.norms[i].apply(layer.apply(h), training))
          : layer.apply(h, "relu"); // [B, width]
      h = dropout(pre as tf.Tensor2D, rate, training, rng);
    });
    return this.out ? this.out.apply(h) : h;
  }

  /** Trainable variables: per hidden block [W, b(, γ, β)], then the output layer's. */
  variables(): tf.Variable[] {
    return [
      ...this.layers.flatMap((l, i) => [...l.variables(), ...(this.norms[i]?.variables() ?? [])]),
      ...(this.out ? this.out.variables() : []),
    ];
  }

  /** BatchNorm running statistics (non-trainable), in layer order; empty without `batchNorm`. */
  buffers(): tf.Variable[] {
    return this.norms.flatMap((n) => n.buffers());
  }

  /** Fold the last training forward's batch statistics into the running ones (once per step). */
  updateBuffers(): void {
    for (const n of this.norms) n.updateBuffers();
  }

  /** Drop batch statistics recorded but not yet folded in (before disposal). */
  discardPending(): void {
    for (const n of this.norms) n.discardPending();
  }
}
