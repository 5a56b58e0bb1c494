/**
 * Shared array types for the metrics layer.
 *
 * Metrics are pure functions on plain typed arrays so that they run on whatever a model's
 * `predict` copied out of tfjs (`dataSync()` gives a Float32Array) and on hand-written
 * golden arrays in tests alike. Nothing here imports tfjs.
 */

/** Scores, probabilities or labels: Float32Array, Float64Array or number[]. */
export type NumArray = ArrayLike<number>;

/** Integer ids (users, groups): Int32Array or number[] of integers. */
export type IdArray = ArrayLike<number>;

/** Throws a RangeError when two arrays that must be aligned have different lengths. */
export function assertSameLength(
  what: string,
  a: ArrayLike<unknown>,
  b: ArrayLike<unknown>,
  nameA: string,
  nameB: string,
): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what}: ${nameA} has length ${a.length} but ${nameB} has length ${b.length}`);
  }
}

/** Throws a RangeError naming the first label that is not exactly 0 or 1. */
export function assertBinaryLabels(what: string, labels: NumArray): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`${what}: labels[${i}] = ${y}; labels must be 0 or 1`);
  }
}
