/**
 * ALPT (src/models/alpt): the variants map to the right table storage, the smoke preset trains,
 * 8-bit ALPT lands within a tolerance of FP32 on a seeded synthetic set with a strong signal, the
 * step-size trace is recorded, and the convex check of C2 behaves as the paper's analysis says.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MODELS } from "../../src/papers";
import { ALPT_DNN, ALPT_VARIANTS, AlptModel, backboneConfig, stepTracePoint } from "../../src/papers/alpt/spec";
import { convexProblem, meanLogDistance, quantisedSgd } from "../../src/papers/alpt/convex";
import { initBackend } from "../../src/engine/backend";
import { syntheticCtr } from "../../src/data/synthetic";
import { split } from "../../src/data/batches";
import { Rng } from "../../src/engine/rng";
import { Trainer } from "../../src/train/trainer";
import { smallCtr } from "../helpers";

test("alpt-dnn and alpt-dcn are registered in MODELS", () => {
  assert.equal(MODELS["alpt-dnn"].id, "alpt-dnn");
  assert.equal(MODELS["alpt-dcn"].id, "alpt-dcn");
});

test("each variant stores its embeddings as declared: fp32 floats, int codes, learned steps only for alpt", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallCtr(1, 300);
  for (const variant of ALPT_VARIANTS) {
    for (const bits of [2, 4, 8] as const) {
      const m = ALPT_DNN.build(train.schema, { ...ALPT_DNN.defaults, ...ALPT_DNN.presets.smoke, variant, bits }, 1);
      const t = m.embeddings.tables[0];
      if (variant === "fp32") assert.ok(t.weights instanceof Float32Array);
      else {
        assert.ok(t.weights instanceof Int8Array, `${variant}/${bits}`);
        assert.equal(t.qmax, 2 ** (bits - 1) - 1);
        assert.equal(t.learnStep !== null, variant === "alpt");
        assert.ok(Math.abs(t.initStep - 0.05 / t.qmax) < 1e-9);
      }
      m.dispose();
    }
  }
  const p = backboneConfig({ ...ALPT_DNN.defaults, variant: "lpt-det", bits: 4 }).embedding!.precision!;
  assert.deepEqual(p, { kind: "int", bits: 4, rounding: "deterministic", stepGranularity: "row", clipRange: 0.05 });
});

test("smoke preset trains; 8-bit ALPT within 0.01 AUC of FP32 on a strong-signal synthetic set; Δ trace recorded", async () => {
  await initBackend({ force: "cpu", quiet: true });
  // Mostly first-order planted signal (interactionScale 0.5): both models reach their best AUC in a few epochs.
  const s = syntheticCtr({ numRows: 10000, numFields: 6, vocabSize: 30, latentDim: 4, interactionScale: 0.5, seed: 11 });
  const [train, valid, holdout] = split(s.dataset, [0.7, 0.15, 0.15], new Rng(5));
  const auc: Record<string, number> = {};
  for (const variant of ["fp32", "alpt"] as const) {
    const config = { ...ALPT_DNN.defaults, ...ALPT_DNN.presets.smoke, variant, bits: 8 as const, clipRange: 0.25, traceEvery: 5, embedding: { ...ALPT_DNN.defaults.embedding, optimizer: { kind: "adam" as const, lr: 1e-2 } } };
    const model = ALPT_DNN.build(train.schema, config, 3);
    const trainer = new Trainer(model, { numEpochs: 5, batchSize: 256, progress: "none", earlyStopping: { metric: "auc", patience: 1, restoreBest: true }, optimizer: { kind: "adam", lr: 1e-2 } });
    const h = await trainer.fit(train, valid);
    assert.ok(h.epochs[1].trainLoss < h.epochs[0].trainLoss, `${variant}: loss did not fall`);
    auc[variant] = trainer.evaluate(holdout).heads.click.auc;
    if (variant === "alpt") {
      const trace = (model as AlptModel).stepTrace;
      assert.ok(trace.length >= 10, "trace recorded every 5 steps");
      assert.ok(trace[trace.length - 1].learnedRows > 0, "some step sizes moved");
      assert.ok(model.embeddings.tables.every((t) => t.weights instanceof Int8Array));
    }
    model.dispose();
    trainer.optimizer.dispose();
  }
  assert.ok(auc.fp32 > 0.7, `signal too weak: fp32 AUC ${auc.fp32}`);
  assert.ok(Math.abs(auc.alpt - auc.fp32) < 0.01, `8-bit ALPT ${auc.alpt} vs FP32 ${auc.fp32}`);
});

test("stepTracePoint summarises only rows whose step moved", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallCtr(2, 300);
  const m = ALPT_DNN.build(train.schema, { ...ALPT_DNN.defaults, ...ALPT_DNN.presets.smoke }, 1);
  const p0 = stepTracePoint(m.embeddings, 0)!;
  assert.equal(p0.learnedRows, 0);
  const t = m.embeddings.tables[0];
  t.steps![3] = 2 * t.initStep;
  const p1 = stepTracePoint(m.embeddings, 1)!;
  assert.equal(p1.learnedRows, 1);
  assert.ok(Math.abs(p1.p50 - 2) < 1e-6);
  m.dispose();
});

test("convex check: Newton finds the optimum; stochastic rounding ends closer and gets there faster than deterministic", () => {
  const p = convexProblem({ seed: 1, numRows: 2000, dim: 8 });
  assert.ok(p.gradNormAtStar < 1e-10);
  const clip = 1.5 * Math.max(...Array.from(p.wStar, Math.abs));
  for (const bits of [4, 6]) {
    const det = quantisedSgd(p, { rounding: "deterministic", bits, clipRange: clip, steps: 1500, seed: 2 });
    const sto = quantisedSgd(p, { rounding: "stochastic", bits, clipRange: clip, steps: 1500, seed: 2 });
    assert.ok(sto.dist[sto.dist.length - 1] < det.dist[det.dist.length - 1], `${bits} bits: final distance`);
    assert.ok(meanLogDistance(sto) < meanLogDistance(det), `${bits} bits: area under the curve`);
  }
  const fp = quantisedSgd(p, { rounding: "fp32", clipRange: clip, steps: 1500, seed: 2 });
  assert.equal(fp.delta, 0);
  assert.ok(fp.dist[fp.dist.length - 1] < 0.3);
});
