/**
 * Tensor leaks per object: building, training and disposing a model (and its trainer), a
 * multi-seed runExperiment and a resumed fit must each leave tf.memory() where it started, so a
 * notebook that trains many models does not grow without bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MODELS } from "../../src/papers";
import { initBackend } from "../../src/engine/backend";
import { fusedDinAddon } from "../../src/models/layers/din-fused";
import { tf } from "../../src/engine/tf";
import { Trainer } from "../../src/train/trainer";
import { runExperiment } from "../../src/train/experiment";
import { fixtureFor, smallCtr } from "../helpers";

function memory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

async function buildTrainDispose(id: string, rounds: number): Promise<void> {
  const spec = MODELS[id];
  const data = fixtureFor(spec, 3, 600);
  assert.equal(spec.requires(data.train.schema), null, `${id} accepts none of the fixtures`);
  for (let i = 0; i < rounds; i++) {
    const model = spec.build(data.train.schema, { ...spec.defaults, ...spec.presets.smoke }, 7 + i);
    const trainer = new Trainer(model, {
      numEpochs: 1,
      batchSize: 128,
      maxStepsPerEpoch: 3,
      progress: "none",
      earlyStopping: null,
    });
    await trainer.fit(data.train, data.valid);
    trainer.evaluate(data.valid);
    trainer.dispose();
    model.dispose();
  }
}

test("build + train + dispose returns numTensors and numBytes to the start, for every model", async () => {
  await initBackend({ force: "cpu", quiet: true });
  for (const id of Object.keys(MODELS)) {
    await buildTrainDispose(id, 1);
    const start = memory();
    await buildTrainDispose(id, 3);
    assert.deepEqual(memory(), start, `${id}: tensors leaked over 3 build/train/dispose rounds`);
  }
});

test("the sequence models on the cpu-native backend (fused DIN attention) leak nothing either", async () => {
  await initBackend({ force: "cpu-native", quiet: true });
  try {
    assert.ok(fusedDinAddon(), "fused attention not active on cpu-native: run bash native/build.sh");
    for (const id of ["din", "tem4ctr", "dfn-style"]) {
      await buildTrainDispose(id, 1);
      const start = memory();
      await buildTrainDispose(id, 2);
      assert.deepEqual(memory(), start, `${id} (fused attention): tensors leaked over 2 rounds`);
    }
  } finally {
    await initBackend({ force: "cpu", quiet: true });
  }
});

test("runExperiment with 2 seeds (keepModel false) and a resumed fit leak nothing", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-leak-"));
  const saved = { ...process.env };
  try {
    process.env.RECREPRO_BACKEND = "cpu";
    for (const k of ["RECREPRO_SEEDS", "RECREPRO_EPOCHS", "RECREPRO_LR", "RECREPRO_BATCH_SIZE"])
      delete process.env[k];
    const { train, valid } = smallCtr(5, 800);
    const data = {
      schema: train.schema,
      train,
      valid,
      test: valid,
      meta: { id: "synthetic-ctr", fingerprint: "x" },
    };
    const once = () =>
      runExperiment({
        paper: "unit",
        model: "dnn",
        data,
        seeds: [1, 2],
        keepModel: false,
        trainConfig: { numEpochs: 1, batchSize: 128, maxStepsPerEpoch: 3, progress: "none" },
        figuresDir: dir,
        verbose: false,
      });
    await once();
    const start = memory();
    for (let i = 0; i < 2; i++) await once();
    assert.deepEqual(memory(), start, "runExperiment leaked tensors");

    const ckpt = path.join(dir, "ckpt.bin");
    const spec = MODELS.dnn;
    const fit = async (numEpochs: number) => {
      const model = spec.build(train.schema, { ...spec.defaults, ...spec.presets.smoke }, 3);
      const trainer = new Trainer(model, {
        numEpochs,
        batchSize: 128,
        maxStepsPerEpoch: 2,
        progress: "none",
        checkpointPath: ckpt,
        resume: true,
        earlyStopping: null,
      });
      await trainer.fit(train, valid);
      trainer.dispose();
      model.dispose();
    };
    await fit(1);
    await fit(2);
    const before = memory();
    await fit(3);
    await fit(4);
    assert.deepEqual(memory(), before, "resume leaked tensors");
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
