/**
 * The kit's single handle on TensorFlow.js. Every module imports `tf` from here so that the
 * backend chosen by `initBackend` (see backend.ts) applies everywhere.
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
