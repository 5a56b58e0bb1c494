/**
 * Runs that would train nothing, climb, explode or report fake spreads are refused or stopped
 * with a message naming the key, the variable, the split, the label or feature and the row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/engine/backend";
import { envFlag, envInteger } from "../../src/engine/env";
import { batches } from "../../src/data/batches";
import { Rng } from "../../src/engine/rng";
import { DNN, type DnnConfig } from "../../src/models/baselines/dnn";
import { Trainer, TrainingDivergedError } from "../../src/train/trainer";
import { runExperiment, seedCheckpointPath, seedsFromEnv } from "../../src/train/experiment";
import { TrainConfigError } from "../../src/train/validate";
import type { TabularDataset } from "../../src/data/schema";
import { smallCtr } from "../helpers";

const modelConfig = { ...DNN.defaults, hidden: [16], dropout: 0.1 };

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
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

function experimentData(n = 600): {
  schema: TabularDataset["schema"];
  train: TabularDataset;
  valid: TabularDataset;
  test: TabularDataset;
  meta: { id: string; fingerprint: string };
} {
  const { train, valid } = smallCtr(4, n);
  return { schema: train.schema, train, valid, test: valid, meta: { id: "synthetic-ctr", fingerprint: "x" } };
}

const CLEAN = {
  RECREPRO_BACKEND: "cpu",
  RECREPRO_SEEDS: undefined,
  RECREPRO_EPOCHS: undefined,
  RECREPRO_LR: undefined,
  RECREPRO_BATCH_SIZE: undefined,
  RECREPRO_PROFILE: "smoke",
};

test("environment settings: bad epochs, lr, seeds and threads are refused with the variable", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-val-"));
  const data = experimentData();
  const run = () =>
    runExperiment({
      paper: "unit",
      model: "dnn",
      data,
      seeds: [1],
      keepModel: false,
      trainConfig: { progress: "none", maxStepsPerEpoch: 2 },
      figuresDir: dir,
      verbose: false,
    });
  for (const [k, v, re] of [
    ["RECREPRO_EPOCHS", "0", /numEpochs must be an integer >= 1, got 0 \(set by RECREPRO_EPOCHS=0\)/],
    ["RECREPRO_EPOCHS", "-1", /numEpochs must be an integer >= 1, got -1/],
    ["RECREPRO_EPOCHS", "1.5", /numEpochs must be an integer >= 1, got 1.5/],
    ["RECREPRO_LR", "-1", /optimizer\.lr must be a finite number > 0.*got -1 \(set by RECREPRO_LR=-1\)/],
    ["RECREPRO_LR", "0", /optimizer\.lr must be/],
    ["RECREPRO_BATCH_SIZE", "0", /batchSize must be an integer >= 1/],
    ["RECREPRO_SEEDS", "1,,2", /RECREPRO_SEEDS="1,,2" must be comma-separated integers >= 0; entry 2 is ""/],
    ["RECREPRO_SEEDS", "1,1", /seed 1 appears twice/],
    ["RECREPRO_SEEDS", "-3", /entry 1 is "-3"/],
    ["RECREPRO_THREADS", "abc", /RECREPRO_THREADS="abc" is not valid: expected an integer >= 1/],
  ] as const) {
    await withEnv({ ...CLEAN, [k]: v }, () => assert.rejects(run(), re, `${k}=${v}`));
  }
  await withEnv(CLEAN, () =>
    assert.rejects(
      runExperiment({ paper: "unit", model: "dnn", data, seeds: [2, 2], figuresDir: dir, verbose: false }),
      /seed 2 appears twice/,
    ),
  );
  assert.ok(!fs.existsSync(path.join(dir, "dnn-smoke", "run.json")), "no run record for a refused run");
  await withEnv({ RECREPRO_SEEDS: "3, 1" }, async () => assert.deepEqual(seedsFromEnv(), [3, 1]));
  assert.throws(() => envInteger("X", 2, { min: 1 }, { X: "0" }), /X="0" is not valid/);
  assert.equal(envInteger("X", 2, { min: 1 }, { X: " " }), 2);
  assert.throws(
    () => envFlag("RECREPRO_OFFLINE", false, { RECREPRO_OFFLINE: "maybe" }),
    /RECREPRO_OFFLINE="maybe"/,
  );
  assert.throws(
    () => new Trainer(DNN.build(data.schema, modelConfig, 1), { numEpochs: 0 }),
    TrainConfigError,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("empty splits are refused before anything is trained or recorded", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-val-"));
  const data = experimentData();
  const empty: TabularDataset = {
    ...data.test,
    numRows: 0,
    cat: data.test.cat.map(() => new Int32Array(0)),
    num: data.test.num.map(() => new Float32Array(0)),
    labels: data.test.labels.map(() => new Float32Array(0)),
    groups: [],
  };
  await withEnv(CLEAN, async () => {
    for (const part of ["train", "valid", "test"] as const) {
      await assert.rejects(
        runExperiment({
          paper: "unit",
          model: "dnn",
          data: { ...data, [part]: empty },
          seeds: [1],
          figuresDir: dir,
          verbose: false,
        }),
        new RegExp(`the ${part} split of synthetic-ctr has 0 rows`),
      );
    }
  });
  const model = DNN.build(data.schema, modelConfig, 1);
  const trainer = new Trainer(model, { progress: "none" });
  await assert.rejects(trainer.fit(empty), /training split .* has 0 rows/);
  trainer.dispose();
  model.dispose();
  assert.ok(!fs.existsSync(path.join(dir, "dnn-smoke")));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a loss that explodes while finite stops training (lr 1e6), with the documented limit", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(2, 2000);
  const model = DNN.build(train.schema, { ...modelConfig, dropout: 0 }, 3);
  const trainer = new Trainer(model, {
    numEpochs: 20,
    batchSize: 100,
    progress: "none",
    earlyStopping: null,
    optimizer: { kind: "adam", lr: 1e6 },
  });
  await assert.rejects(trainer.fit(train, valid), (e: unknown) => {
    assert.ok(e instanceof TrainingDivergedError, String(e));
    assert.match(e.message, /the loss exploded|loss is (NaN|Infinity)/);
    if (/exploded/.test(e.message)) assert.match(e.message, /max\(100 × \|first step's loss/);
    assert.ok(e.globalStep <= 40, `stopped at global step ${e.globalStep}`);
    return true;
  });
  trainer.dispose();
  model.dispose();
  // A healthy run never trips the guard; its reference is the first step's loss (about ln 2).
  const m3 = DNN.build(train.schema, modelConfig, 3);
  const t3 = new Trainer(m3, { numEpochs: 2, batchSize: 100, progress: "none" });
  const h = await t3.fit(train, valid);
  assert.ok(h.firstLoss! > 0.5 && h.firstLoss! < 1, `first loss ${h.firstLoss}`);
  t3.dispose();
  m3.dispose();
});

test("labels must be 0/1: a label of 2 or NaN is refused naming the label and row; NaN in an evaluated feature fails loudly", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(2, 600);
  const model = DNN.build(train.schema, modelConfig, 3);
  const trainer = new Trainer(model, { numEpochs: 1, batchSize: 128, progress: "none" });
  const y = train.labels[0];
  const keep = y[17];
  y[17] = 2;
  await assert.rejects(
    trainer.fit(train, valid),
    /training split of .*: label click must be 0 or 1 \(binary task\), found 2 at row 17/,
  );
  y[17] = NaN;
  await assert.rejects(
    trainer.fit(train, valid),
    /label click must be 0 or 1 \(binary task\), found NaN at row 17/,
  );
  // The NaN diagnosis names the label, not an overflow.
  const batch = batches(train, { batchSize: 64, shuffle: false }).next().value!;
  assert.throws(
    () => trainer.trainStep(batch, new Rng(1)),
    (e: unknown) => {
      assert.ok(e instanceof TrainingDivergedError);
      assert.match(e.message, /label click is NaN at batch row 17/);
      assert.doesNotMatch(e.message, /overflowed/);
      return true;
    },
  );
  y[17] = keep;
  const col = valid.num[0];
  col[5] = NaN;
  assert.throws(() => trainer.evaluate(valid), /evaluation split of .*: numeric feature \S+ is NaN at row 5/);
  trainer.dispose();
  model.dispose();
});

test("multi-seed runs resume: one checkpoint per seed and run id", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-val-"));
  const data = experimentData();
  const ckpt = path.join(dir, "ckpt", "dnn.ckpt");
  fs.mkdirSync(path.dirname(ckpt));
  assert.equal(seedCheckpointPath(ckpt, "a/b", 2), path.join(dir, "ckpt", "dnn.a_b.seed2.ckpt"));
  assert.equal(seedCheckpointPath("", "r", 1), "");
  const run = (numEpochs: number) =>
    runExperiment<DnnConfig>({
      paper: "unit",
      model: "dnn",
      data,
      seeds: [1, 2],
      keepModel: false,
      modelConfig: { hidden: [8] },
      trainConfig: {
        numEpochs,
        batchSize: 128,
        progress: "none",
        earlyStopping: null,
        checkpointPath: ckpt,
        resume: true,
      },
      figuresDir: dir,
      runId: "ms",
      verbose: false,
    });
  await withEnv(CLEAN, async () => {
    const full = await runExperiment<DnnConfig>({
      paper: "unit",
      model: "dnn",
      data,
      seeds: [1, 2],
      keepModel: false,
      modelConfig: { hidden: [8] },
      trainConfig: { numEpochs: 2, batchSize: 128, progress: "none", earlyStopping: null },
      figuresDir: dir,
      runId: "full",
      verbose: false,
    });
    await run(1);
    assert.ok(
      fs.existsSync(seedCheckpointPath(ckpt, "ms", 1)) && fs.existsSync(seedCheckpointPath(ckpt, "ms", 2)),
    );
    const resumed = await run(2);
    assert.deepEqual(
      resumed.runs.map((r) => r.history.resumedFromEpoch),
      [1, 1],
    );
    assert.deepEqual(resumed.record.seedMetrics, full.record.seedMetrics);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});
