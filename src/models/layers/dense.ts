/**
 * Dense building blocks on tfjs variables, initialised from the kit's seeded RNG (so the same
 * seed gives the same model on every backend).
 */
import { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";

export type Activation = "linear" | "relu" | "sigmoid";

/** Glorot-uniform [inDim, outDim] weights from `rng`. */
export function glorotUniform(inDim: number, outDim: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (inDim + outDim));
  const a = new Float32Array(inDim * outDim);
  for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * limit;
  return a;
}

export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    opts: { bias?: boolean } = {},
  ) {
    this.w = ownedVariable(tf.tensor2d(glorotUniform(inDim, outDim, rng), [inDim, outDim]));
    this.b = opts.bias === false ? null : ownedVariable(tf.zeros([outDim]));
  }

  /** x [B, inDim] -> [B, outDim] with a fused activation. */
  apply(x: tf.Tensor2D, activation: Activation = "linear"): tf.Tensor2D {
    return tf.fused.matMul({
      a: x,
      b: this.w as tf.Tensor2D,
      bias: this.b ?? undefined,
      activation,
    }) as tf.Tensor2D;
  }

  variables(): tf.Variable[] {
    return this.b ? [this.w, this.b] : [this.w];
  }
}

/** Inverted dropout with a seed drawn from the trainer's RNG (deterministic per step). */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, rng?: Rng): T {
  if (!training || rate <= 0) return x;
  if (!rng) throw new Error("dropout while training needs ctx.rng (the trainer passes one)");
  return tf.dropout(x, rate, undefined, rng.nextU32()) as T;
}
