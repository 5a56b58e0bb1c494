/** Shared fixtures for tests: small seeded synthetic CTR splits. */
import { feedbackSamples, syntheticFeedbackLog } from "../src/data/feedback";
import { split } from "../src/data/batches";
import { syntheticCtr } from "../src/data/synthetic";
import type { TabularDataset } from "../src/data/schema";
import { Rng } from "../src/engine/rng";
import type { ModelSpec } from "../src/models/types";

export function smallCtr(
  seed = 1,
  numRows = 3000,
  numNumeric = 2,
): { train: TabularDataset; valid: TabularDataset; trueProb: Float32Array } {
  const s = syntheticCtr({ numRows, numFields: 6, vocabSize: 40, numNumeric, latentDim: 4, seed });
  const [train, valid] = split(s.dataset, [0.8, 0.2], new Rng(seed + 100));
  return { train, valid, trueProb: s.trueProb };
}

/**
 * A small multi-label, multi-domain synthetic set for contracts of multi-task and multi-domain
 * models: labels "click" (planted FM truth) and "aux" (click-correlated, domain-dependent), and a
 * group axis "domain" with 3 domains derived from field f0.
 */
export function smallMulti(
  seed = 1,
  numRows = 3000,
  numNumeric = 2,
): { train: TabularDataset; valid: TabularDataset } {
  const s = syntheticCtr({ numRows, numFields: 6, vocabSize: 40, numNumeric, latentDim: 4, seed });
  const ds = s.dataset;
  const rng = new Rng(seed + 7);
  const domain = new Int32Array(ds.numRows);
  const aux = new Float32Array(ds.numRows);
  for (let r = 0; r < ds.numRows; r++) {
    domain[r] = ds.cat[0][r] % 3;
    const p = ds.labels[0][r] === 1 ? 0.6 : 0.1 + 0.1 * domain[r] + 0.1 * (ds.cat[1][r] % 2);
    aux[r] = rng.next() < p ? 1 : 0;
  }
  const schema = {
    ...ds.schema,
    name: "synthetic-multi",
    labels: [...ds.schema.labels, { name: "aux", type: "binary" as const }],
    groups: [{ name: "domain", numGroups: 3, names: ["d0", "d1", "d2"] }],
  };
  const multi: TabularDataset = { ...ds, schema, labels: [ds.labels[0], aux], groups: [domain] };
  const [train, valid] = split(multi, [0.8, 0.2], new Rng(seed + 100));
  return { train, valid };
}

/**
 * Runs `fn` with the environment variables `vars` set (undefined = unset) and restores the whole
 * environment afterwards, also when `fn` throws.
 */
export async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T> | T,
): Promise<T> {
  const saved = { ...process.env };
  try {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** A small synthetic feedback set (clicks [10], aligned unclicks [10 x 10] for k = 0, 1, 5): the sequence models' contract fixture. */
export function smallSeq(): TabularDataset {
  return feedbackSamples(syntheticFeedbackLog({ numUsers: 420, seed: 11 }), "seq-fixture", {
    clickLen: 10,
    kMax: 5,
    windows: [0, 1, 5],
    split: "users",
  }).train;
}

/**
 * The fixture a model's contract runs on: single-label CTR models get the CTR set, sequence models
 * (DIN, TEM4CTR...) the feedback set, multi-task / multi-domain models the two-label set with a
 * domain axis. Every model in MODELS must accept one of the three; the caller asserts it.
 */
export function fixtureFor(
  spec: Pick<ModelSpec, "requires" | "task">,
  seed = 3,
  numRows = 1200,
): { train: TabularDataset; valid: TabularDataset } {
  const single = smallCtr(seed, numRows);
  if (spec.requires(single.train.schema) === null && spec.task === "ctr") return single;
  const seq = smallSeq();
  if (spec.requires(seq.schema) === null && spec.task === "ctr") {
    const [train, valid] = split(seq, [0.8, 0.2], new Rng(seed + 100));
    return { train, valid };
  }
  return smallMulti(seed, numRows);
}
