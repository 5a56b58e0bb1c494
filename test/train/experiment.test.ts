import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readRunRecord } from "../../src/report";
import { runExperiment } from "../../src/train/experiment";
import { syntheticCtr } from "../../src/data/synthetic";
import { split } from "../../src/data/batches";
import { Rng } from "../../src/engine/rng";
import type { DnnConfig } from "../../src/models/baselines/dnn";
import { withEnv } from "../helpers";

test("runExperiment layers the config, trains per seed, and writes a run record", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-exp-"));
  const saved = { ...process.env };
  try {
    process.env.RECREPRO_BACKEND = "cpu";
    process.env.RECREPRO_PROFILE = "smoke";
    process.env.RECREPRO_EPOCHS = "2";
    delete process.env.RECREPRO_SEEDS;
    const s = syntheticCtr({ numRows: 1500, numFields: 5, vocabSize: 30, seed: 4 });
    const [train, valid, test] = split(s.dataset, [0.7, 0.15, 0.15], new Rng(1));
    const r = await runExperiment<DnnConfig>({
      paper: "unit",
      model: "dnn",
      data: {
        schema: s.dataset.schema,
        train,
        valid,
        test,
        meta: { id: "synthetic-ctr", fingerprint: s.dataset.meta.fingerprint },
      },
      seeds: [1, 2],
      modelConfig: { hidden: [16] },
      trainPresets: { smoke: { batchSize: 128, numEpochs: 5, progress: "none" } },
      figuresDir: dir,
      verbose: false,
    });
    assert.equal(r.runs.length, 2);
    assert.equal(r.record.configSources["model.hidden"], "override");
    assert.equal(r.record.configSources["train.batchSize"], "preset");
    assert.equal(r.record.configSources["train.numEpochs"], "environment");
    assert.equal((r.record.config as { train: { numEpochs: number } }).train.numEpochs, 2);
    assert.ok(r.runs.every((x) => x.history.epochs.length <= 2));
    const onDisk = readRunRecord(path.join(dir, "dnn-smoke", "run.json"));
    assert.deepEqual(onDisk.seeds, [1, 2]);
    assert.equal(onDisk.seedMetrics!["click.auc"].length, 2);
    assert.equal(onDisk.metrics["click.auc"], r.summary["click.auc"].mean);
    assert.ok(onDisk.data.synthetic);
    assert.ok(onDisk.notes.some((n) => /SYNTHETIC/.test(n)));
    assert.equal((onDisk.environment as { backend?: { name: string } }).backend?.name, "cpu");
    // RECREPRO_SEEDS overrides the notebook's seeds; bad values are named.
    process.env.RECREPRO_SEEDS = "7";
    const r2 = await runExperiment({
      paper: "unit",
      model: "dnn",
      data: { schema: s.dataset.schema, train, valid, test, meta: { id: "synthetic-ctr", fingerprint: "x" } },
      seeds: [1, 2],
      trainPresets: { smoke: { progress: "none" } },
      figuresDir: dir,
      runId: "seeds",
      verbose: false,
    });
    assert.deepEqual(r2.record.seeds, [7]);
    process.env.RECREPRO_SEEDS = "1,x";
    await assert.rejects(
      runExperiment({
        paper: "unit",
        model: "dnn",
        data: { schema: s.dataset.schema, train, valid, test, meta: { id: "s", fingerprint: "x" } },
        figuresDir: dir,
        verbose: false,
      }),
      /RECREPRO_SEEDS="1,x"/,
    );
    r.model?.dispose();
    r2.model?.dispose();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("RECREPRO_MAX_ROWS caps every split and RECREPRO_MAX_STEPS the steps per epoch; both are recorded and validated", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-exp-caps-"));
  const env = {
    RECREPRO_BACKEND: "cpu",
    RECREPRO_PROFILE: "smoke",
    RECREPRO_SEEDS: undefined,
    RECREPRO_EPOCHS: undefined,
    RECREPRO_MAX_ROWS: "100",
    RECREPRO_MAX_STEPS: "2",
  };
  await withEnv(env, async () => {
    const s = syntheticCtr({ numRows: 1500, numFields: 4, vocabSize: 20, seed: 5 });
    const [train, valid, test] = split(s.dataset, [0.7, 0.15, 0.15], new Rng(1));
    const data = {
      schema: s.dataset.schema,
      train,
      valid,
      test,
      meta: { id: "synthetic-ctr", fingerprint: "f" },
    };
    const opts = {
      paper: "unit",
      model: "dnn",
      data,
      seeds: [1],
      trainPresets: { smoke: { batchSize: 16, numEpochs: 1, progress: "none" as const } },
      figuresDir: dir,
      verbose: false,
    };
    const r = await runExperiment(opts);
    assert.deepEqual(r.record.data.rows, { train: 100, valid: 100, test: 100 });
    assert.match(r.record.data.id, /first 100 train/);
    assert.equal(r.record.configSources["train.maxStepsPerEpoch"], "environment");
    assert.equal(r.runs[0].history.epochs[0].steps, 2);
    r.model?.dispose();
    process.env.RECREPRO_MAX_ROWS = "lots";
    await assert.rejects(runExperiment(opts), /RECREPRO_MAX_ROWS="lots" is not valid/);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});
