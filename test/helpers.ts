/** Shared fixtures for tests: small seeded synthetic CTR splits. */
import { split } from "../src/data/batches";
import { syntheticCtr } from "../src/data/synthetic";
import type { TabularDataset } from "../src/data/schema";
import { Rng } from "../src/engine/rng";

export function smallCtr(seed = 1, numRows = 3000, numNumeric = 2): { train: TabularDataset; valid: TabularDataset; trueProb: Float32Array } {
  const s = syntheticCtr({ numRows, numFields: 6, vocabSize: 40, numNumeric, latentDim: 4, seed });
  const [train, valid] = split(s.dataset, [0.8, 0.2], new Rng(seed + 100));
  return { train, valid, trueProb: s.trueProb };
}
