/**
 * Optimisers for the dense (tfjs) variables. Written here rather than using tf.train.* so that
 * the state is plain tensors in a fixed order (checkpoints restore it by position, not by
 * tfjs's auto-generated variable names) and weight decay matches PyTorch's `weight_decay`
 * (added to the gradient).
 */
import { tf } from "../engine/tf";

export interface DenseOptimizerConfig {
  /** "adam" (default), "adagrad" or "sgd". */
  kind: "adam" | "adagrad" | "sgd";
  /** Learning rate. Default 1e-3. */
  lr: number;
  beta1?: number;
  beta2?: number;
  /** Default 1e-8 (PyTorch's Adam). */
  eps?: number;
  /** L2 added to the gradient (PyTorch semantics). Default 0. */
  weightDecay?: number;
}

/** A non-trainable zero variable shaped like `x`, without leaving its initial tensor behind. */
function zeroState(x: tf.Variable): tf.Variable {
  const z = tf.zerosLike(x);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}

export class DenseOptimizer {
  readonly config: Required<DenseOptimizerConfig>;
  /** Adam m / Adagrad accumulator, one per variable. */
  private m: tf.Variable[] = [];
  private v: tf.Variable[] = [];
  t = 0;

  constructor(
    config: DenseOptimizerConfig,
    readonly vars: tf.Variable[],
  ) {
    this.config = {
      kind: config.kind,
      lr: config.lr,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      eps: config.eps ?? 1e-8,
      weightDecay: config.weightDecay ?? 0,
    };
    if (config.kind !== "sgd") this.m = vars.map(zeroState);
    if (config.kind === "adam") this.v = vars.map(zeroState);
  }

  /** Apply one step; `grads[i]` belongs to `vars[i]`. Does not dispose `grads`. */
  apply(grads: tf.Tensor[]): void {
    if (grads.length !== this.vars.length)
      throw new Error(`dense optimiser: ${grads.length} gradients for ${this.vars.length} variables`);
    this.t += 1;
    const { kind, lr, beta1, beta2, eps, weightDecay } = this.config;
    const t = this.t;
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        let g = grads[i];
        if (weightDecay > 0) g = tf.add(g, tf.mul(w, weightDecay));
        if (kind === "sgd") {
          w.assign(tf.sub(w, tf.mul(g, lr)));
        } else if (kind === "adagrad") {
          const acc = tf.add(this.m[i], tf.square(g));
          this.m[i].assign(acc);
          w.assign(tf.sub(w, tf.div(tf.mul(g, lr), tf.add(tf.sqrt(acc), eps))));
        } else {
          const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
          this.m[i].assign(m);
          this.v[i].assign(v);
          const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
          const epsHat = eps * Math.sqrt(1 - beta2 ** t);
          w.assign(tf.sub(w, tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(v), epsHat))));
        }
      });
    });
  }

  /** State tensors in a fixed order (m..., v...). */
  stateTensors(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    for (const x of this.stateTensors()) x.dispose();
    this.m = [];
    this.v = [];
  }
}
