import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/engine/backend";
import { DNN } from "../../src/models/baselines/dnn";
import { Trainer, TrainingDivergedError, type TrainConfig } from "../../src/train/trainer";
import { smallCtr } from "../helpers";

const modelConfig = { ...DNN.defaults, hidden: [32, 16], dropout: 0.1 };
const trainCfg: Partial<TrainConfig> = {
  batchSize: 128,
  numEpochs: 3,
  progress: "none",
  earlyStopping: null,
  seed: 5,
  optimizer: { kind: "adam", lr: 2e-3 },
};

async function run(
  backend: "cpu" | "wasm",
  cfg: Partial<TrainConfig> = {},
  mc: typeof modelConfig = modelConfig,
) {
  await initBackend({ force: backend, quiet: true });
  const { train, valid } = smallCtr(2, 2000);
  const model = DNN.build(train.schema, mc, 3);
  const trainer = new Trainer(model, { ...trainCfg, ...cfg });
  const history = await trainer.fit(train, valid);
  const ev = trainer.evaluate(valid).heads[model.heads[0]];
  model.dispose();
  trainer.optimizer.dispose();
  return { history, ev };
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`same seed twice gives identical metrics on ${backend}`, async () => {
    const a = await run(backend);
    const b = await run(backend);
    assert.deepEqual(
      a.history.epochs.map((e) => [e.trainLoss, e.valid]),
      b.history.epochs.map((e) => [e.trainLoss, e.valid]),
    );
    assert.equal(a.ev.auc, b.ev.auc);
    assert.equal(a.ev.logloss, b.ev.logloss);
    assert.ok(a.ev.auc > 0.6, `the model learned little: AUC ${a.ev.auc}`);
    const c = await run(backend, { seed: 6 });
    assert.notEqual(
      c.history.epochs[0].trainLoss,
      a.history.epochs[0].trainLoss,
      "a different seed should shuffle differently",
    );
  });
}

test("resume from a checkpoint replays an uninterrupted run exactly (model, optimiser, tables, RNG)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-ckpt-"));
  try {
    const ckpt = path.join(dir, "ckpt.bin");
    const straight = await run("cpu", { numEpochs: 3 });
    await run("cpu", { numEpochs: 2, checkpointPath: ckpt });
    assert.ok(fs.existsSync(ckpt));
    const resumed = await run("cpu", { numEpochs: 3, checkpointPath: ckpt, resume: true });
    assert.equal(resumed.history.resumedFromEpoch, 2);
    assert.equal(resumed.history.epochs.length, 3);
    assert.deepEqual(
      resumed.history.epochs.map((e) => [e.trainLoss, e.valid]),
      straight.history.epochs.map((e) => [e.trainLoss, e.valid]),
    );
    assert.equal(resumed.ev.auc, straight.ev.auc);
    assert.deepEqual(fs.readdirSync(dir), ["ckpt.bin"], "no temporary files left");
    // A checkpoint from another config is refused, naming the file.
    await assert.rejects(
      run("cpu", { numEpochs: 3, checkpointPath: ckpt, resume: true, batchSize: 64 }),
      /ckpt\.bin was written by a different model or training config/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("resume also restores low-precision tables: codes, learned step sizes, their Adam moments, rounding RNG", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-ckpt-q-"));
  try {
    const ckpt = path.join(dir, "ckpt.bin");
    const alpt = {
      ...modelConfig,
      embedding: {
        layout: "per-field" as const,
        precision: {
          kind: "int" as const,
          bits: 4 as const,
          rounding: "stochastic" as const,
          learnStep: { lr: 1e-3, optimizer: "adam" as const },
        },
        optimizer: { kind: "adam" as const, lr: 1e-3 },
      },
    };
    const straight = await run("cpu", { numEpochs: 3 }, alpt);
    await run("cpu", { numEpochs: 2, checkpointPath: ckpt }, alpt);
    const resumed = await run("cpu", { numEpochs: 3, checkpointPath: ckpt, resume: true }, alpt);
    assert.deepEqual(
      resumed.history.epochs.map((e) => [e.trainLoss, e.valid]),
      straight.history.epochs.map((e) => [e.trainLoss, e.valid]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("early stopping stops after `patience` bad epochs and restores the best epoch", async () => {
  const r = await run("cpu", {
    numEpochs: 30,
    earlyStopping: { metric: "logloss", patience: 2, restoreBest: true },
    optimizer: { kind: "adam", lr: 2e-2 },
  });
  const h = r.history;
  assert.ok(h.stoppedEarly, "expected an early stop with a high lr");
  assert.ok(h.epochs.length < 30);
  const best = h.epochs[h.bestEpoch - 1].valid!;
  assert.equal(h.epochs.length, h.bestEpoch + 2);
  assert.ok(
    Math.abs(r.ev.logloss - best.logloss) < 1e-6,
    `restored logloss ${r.ev.logloss} vs best epoch ${best.logloss}`,
  );
});

test("a NaN input stops training with the step and the cause", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(2, 600);
  train.num[1][17] = NaN;
  const model = DNN.build(train.schema, modelConfig, 3);
  const trainer = new Trainer(model, { ...trainCfg, batchSize: 600 });
  await assert.rejects(trainer.fit(train, valid), (e: unknown) => {
    assert.ok(e instanceof TrainingDivergedError);
    assert.match(e.message, /epoch 1, step 1 \(global step 1\)/);
    assert.match(e.message, /numeric input 1 holds NaN/);
    return true;
  });
  model.dispose();
});

test("an exploding learning rate is caught as non-finite with a diagnosis", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(2, 1000);
  const model = DNN.build(train.schema, { ...modelConfig, dropout: 0 }, 3);
  const trainer = new Trainer(model, { ...trainCfg, numEpochs: 50, optimizer: { kind: "sgd", lr: 1e36 } });
  await assert.rejects(trainer.fit(train, valid), /training diverged at epoch \d+, step \d+/);
  model.dispose();
});

test("two-pass ALPT: the trainer re-runs the model on Δ·round(w'/Δ) and hands that gradient to the step sizes", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(3, 1200);
  const withRule = (stepGrad: "lsq" | "two-pass") => ({
    ...modelConfig,
    embedding: {
      layout: "per-field" as const,
      precision: {
        kind: "int" as const,
        bits: 8 as const,
        rounding: "stochastic" as const,
        clipRange: 0.1,
        learnStep: { lr: 1e-4, optimizer: "adam" as const, stepGrad },
      },
      optimizer: { kind: "adam" as const, lr: 1e-2 },
    },
  });
  const out: Record<string, { loss: number; moved: number; pending: boolean }> = {};
  for (const rule of ["lsq", "two-pass"] as const) {
    const model = DNN.build(train.schema, withRule(rule), 3);
    const trainer = new Trainer(model, { ...trainCfg, numEpochs: 1 });
    let passes = 0;
    const forward = model.forward.bind(model);
    model.forward = (inputs, ctx) => {
      if (ctx.training) passes++;
      return forward(inputs, ctx);
    };
    const h = await trainer.fit(train, valid);
    assert.equal(
      passes,
      (rule === "two-pass" ? 2 : 1) * h.epochs[0].steps,
      `${rule}: training forwards per step`,
    );
    const t = model.embeddings.tables[0];
    out[rule] = {
      loss: h.epochs[0].trainLoss,
      moved: Array.from(t.steps!).filter((d) => d !== Math.fround(t.initStep)).length,
      pending: model.embeddings.tables.some((x) => x.stepUpdatePending),
    };
    model.dispose();
    trainer.dispose();
  }
  assert.ok(!out["two-pass"].pending, "no update left pending after a step");
  assert.ok(out["two-pass"].moved > 0 && out.lsq.moved > 0, "step sizes learned");
  assert.ok(
    Number.isFinite(out["two-pass"].loss) && Math.abs(out["two-pass"].loss - out.lsq.loss) < 0.05,
    `losses ${out["two-pass"].loss} vs ${out.lsq.loss}`,
  );
});
