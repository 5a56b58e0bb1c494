/**
 * Model inputs outside the trainer: the one way to turn a batch into what `RecModel.forward`
 * reads (looked-up embeddings [B, F, D] and the numeric columns [B, Nn]), for inference,
 * figures, gradient probes and the notebooks' toy batches. (The trainer builds the same tensors
 * into reused buffers on its hot path.)
 */
import { batches } from "../data/batches";
import type { Batch, TabularDataset } from "../data/schema";
import { tf } from "../engine/tf";
import type { ForwardOutput, RecModel } from "./types";

/** Embeddings [B, F, D] and numeric features [B, Nn] (null without numeric features) of `batch`; the caller disposes them. */
export function modelInputs(model: RecModel, batch: Batch): { emb: tf.Tensor3D; num: tf.Tensor2D | null } {
  const B = batch.size;
  const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, B, undefined, batch.seq), [
    B,
    model.embeddings.numSlots,
    model.embeddings.embDim,
  ]); // [B, S, D]: F fields, then the embedded sequences' slots
  const nn = batch.num.length;
  if (nn === 0) return { emb, num: null };
  const buf = new Float32Array(B * nn);
  for (let j = 0; j < nn; j++) for (let b = 0; b < B; b++) buf[b * nn + j] = batch.num[j][b];
  return { emb, num: tf.tensor2d(buf, [B, nn]) }; // [B, Nn]
}

/** The first `n` rows of a data set, as one batch (no shuffling). */
export function headBatch(ds: TabularDataset, n: number): Batch {
  return batches(ds, { batchSize: Math.min(n, ds.numRows), shuffle: false }).next().value!;
}

/** One value per row of `ds` picked from the inference forward pass (e.g. a head's probability, ESMM's internal pCVR). */
export function predictOutput(
  model: RecModel,
  ds: TabularDataset,
  pick: (out: ForwardOutput, batch: Batch) => tf.Tensor,
  batchSize = 8192,
): Float32Array {
  const res = new Float32Array(ds.numRows);
  let at = 0;
  for (const batch of batches(ds, { batchSize, shuffle: false })) {
    const B = batch.size;
    const scores = tf.tidy(() => {
      const { emb, num } = modelInputs(model, batch);
      const s = pick(model.forward({ batch, emb, num }, { training: false }), batch);
      if (s.size !== B)
        throw new Error(`predictOutput: the picked output has ${s.size} values for a batch of ${B}`);
      return s.dataSync() as Float32Array;
    });
    res.set(scores, at);
    at += B;
  }
  return res;
}

/** Probability of head `head` (sigmoid of its logit) per row of `ds`. */
export function predictHead(model: RecModel, ds: TabularDataset, head: string): Float32Array {
  const h = model.heads.indexOf(head);
  if (h < 0)
    throw new Error(
      `predictHead: model ${model.id} has no head "${head}" (heads: ${model.heads.join(", ")})`,
    );
  return predictOutput(model, ds, (out) => tf.sigmoid(out.logits[h]));
}

/**
 * The notebooks' toy batch: one inference forward pass on the first `rows` rows of `ds`; every
 * head's probability and every internal output with its shape, read back as plain arrays.
 */
export function toyForward(
  model: RecModel,
  ds: TabularDataset,
  rows: number,
): { probs: Record<string, number[]>; internals: Record<string, { shape: number[]; values: number[] }> } {
  const batch = headBatch(ds, rows);
  return tf.tidy(() => {
    const { emb, num } = modelInputs(model, batch);
    const out = model.forward({ batch, emb, num }, { training: false });
    return {
      probs: Object.fromEntries(
        model.heads.map((h, i) => [h, Array.from(tf.sigmoid(out.logits[i]).dataSync())]),
      ),
      internals: Object.fromEntries(
        Object.entries(out.internals ?? {}).map(([k, t]) => [
          k,
          { shape: t.shape, values: Array.from(t.dataSync()) },
        ]),
      ),
    };
  });
}
