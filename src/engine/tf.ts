/**
 * The kit's single handle on TensorFlow.js. Every module imports `tf` from here so that the
 * backend chosen by `initBackend` (see backend.ts) applies everywhere.
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;

/**
 * A variable that owns its initial value: `tf.variable(init)` keeps `init` alive as a second
 * tensor on the same data (it counts in `tf.memory().numTensors` until disposed, and a model that
 * is disposed later leaks it). This creates the variable and disposes `init`, so disposing the
 * variable frees everything. Same values, same order, no extra random draws.
 */
export function ownedVariable(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}
