/**
 * The kit's real training step in the throughput benchmark: the reference DNN built through
 * MODELS (one shared fp32 table with per-field offsets, row-wise Adam) and one
 * `Trainer.trainStep` per batch. `--trainer self` in bench/throughput.ts times the
 * self-contained step of bench/kit_step.ts instead (the lower bound the kit is compared with).
 */
import { Rng } from "../src/engine/rng";
import { DNN } from "../src/models/baselines/dnn";
import { Trainer } from "../src/train/trainer";
import { benchSchema } from "./data";
import type { KitTrainerFactory } from "./kit_step";
import { nowMs } from "./util";

export const kitTrainerFactory: KitTrainerFactory | null = (opts) => {
  const { shape, lr, seed } = opts;
  const schema = benchSchema(shape);
  const model = DNN.build(
    schema,
    {
      ...DNN.defaults,
      embDim: shape.dim,
      hidden: shape.hidden,
      embedding: {
        layout: "shared",
        precision: { kind: "fp32" },
        init: { kind: "normal", std: 1e-2 },
        optimizer: { kind: "adam", lr },
      },
    },
    seed,
  );
  const trainer = new Trainer(model, {
    batchSize: shape.batch,
    optimizer: { kind: "adam", lr },
    progress: "none",
  });
  const rng = new Rng(seed);
  return {
    description:
      "kit Trainer.trainStep: DNN from MODELS, shared fp32 EmbeddingTable (row-wise Adam), DenseOptimizer Adam",
    step: (batch) => {
      const t0 = nowMs();
      const loss = trainer.trainStep(batch, rng);
      const total = nowMs() - t0;
      const t = trainer.lastStepTimings!;
      return {
        loss,
        total_ms: total,
        embedding_lookup_ms: t.lookupMs,
        forward_backward_ms: t.forwardBackwardMs,
        dense_optimizer_ms: t.denseOptimizerMs,
        sparse_update_ms: t.sparseUpdateMs,
      };
    },
    dispose: () => {
      model.dispose();
      trainer.optimizer.dispose();
    },
  };
};
