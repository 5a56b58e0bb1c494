/**
 * The model contract, over every model in MODELS (never skipped): forward shapes, finite loss,
 * loss falls over a few steps, no tensor leak, config round trip, parameter counts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MODELS } from "../../src/papers";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { Rng } from "../../src/engine/rng";
import { batches } from "../../src/data/batches";
import { Trainer } from "../../src/train/trainer";
import { fixtureFor } from "../helpers";

const ids = Object.keys(MODELS);

function model0Heads(
  spec: (typeof MODELS)[string],
  train: { schema: Parameters<(typeof MODELS)[string]["build"]>[0] },
): number {
  const m = spec.build(train.schema, { ...spec.defaults, ...spec.presets.smoke }, 1);
  const n = m.heads.length;
  m.dispose();
  return n;
}

test("MODELS is not empty and every spec is well formed", () => {
  assert.ok(ids.length >= 2);
  for (const id of ids) {
    const s = MODELS[id];
    assert.equal(s.id, id);
    assert.ok(s.name && s.defaults.embDim > 0);
    assert.ok(s.presets.smoke && s.presets.paper);
  }
});

for (const id of ids) {
  test(`contract: ${id}`, async () => {
    await initBackend({ force: "cpu", quiet: true });
    const spec = MODELS[id];
    // Every model must accept one of the three fixtures (CTR, sequence feedback, multi-label).
    const { train } = fixtureFor(spec, 3, 1200);
    assert.equal(
      spec.requires(train.schema),
      null,
      `${id} cannot run on ${train.schema.name}: ${spec.requires(train.schema)}`,
    );
    if (spec.task === "multi-task")
      assert.ok(model0Heads(spec, train) >= 2, `${id}: a multi-task model predicts at least two heads`);
    const config = { ...spec.defaults, ...spec.presets.smoke };
    const model = spec.build(train.schema, config, 7);
    const trainer = new Trainer(model, {
      batchSize: 128,
      progress: "none",
      optimizer: { kind: "adam", lr: 3e-3 },
    });
    const batch = batches(train, { batchSize: 64 }).next().value!;

    // Shapes and finiteness of the forward pass.
    const before = tf.memory().numTensors;
    const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, 64, undefined, batch.seq), [
      64,
      model.embeddings.numSlots,
      config.embDim,
    ]);
    const num = tf.tensor2d(new Float32Array(64 * batch.num.length).fill(0.1), [64, batch.num.length]);
    const out = tf.tidy(() =>
      model.forward({ batch, emb, num }, { training: false }).logits.map((l) => tf.keep(l)),
    );
    assert.equal(out.length, model.heads.length);
    for (const l of out) {
      assert.deepEqual(l.shape, [64]);
      assert.ok(Array.from(l.dataSync()).every(Number.isFinite));
    }
    tf.dispose([...out, emb, num]);
    assert.equal(tf.memory().numTensors, before, "forward leaked tensors");

    // Loss falls over a few steps; no tensors leak per step.
    const rng = new Rng(1);
    const first: number[] = [];
    const last: number[] = [];
    const afterWarm = { n: 0 };
    for (let epoch = 0; epoch < 4; epoch++) {
      for (const b of batches(train, { batchSize: 128, shuffle: true, rng })) {
        const n0 = tf.memory().numTensors;
        const loss = trainer.trainStep(b, rng);
        assert.ok(Number.isFinite(loss));
        if (afterWarm.n++ > 0) assert.equal(tf.memory().numTensors, n0, "trainStep leaked tensors");
        if (epoch === 0) first.push(loss);
        if (epoch === 3) last.push(loss);
      }
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(mean(last) < mean(first) - 0.02, `loss did not fall: ${mean(first)} -> ${mean(last)}`);

    // Config round trip: same config + seed gives the same parameters.
    const cfg = model.getConfig();
    assert.deepEqual(JSON.parse(JSON.stringify(cfg)), JSON.parse(JSON.stringify(config)));
    const a = spec.build(train.schema, cfg as typeof config, 11);
    const b = spec.build(train.schema, cfg as typeof config, 11);
    assert.deepEqual(a.paramCount(), b.paramCount());
    assert.deepEqual(Array.from(a.variables()[0].dataSync()), Array.from(b.variables()[0].dataSync()));
    assert.deepEqual(
      Array.from(a.embeddings.tables[0].toFloat32()),
      Array.from(b.embeddings.tables[0].toFloat32()),
    );
    const pc = model.paramCount();
    assert.equal(pc.embedding, model.embeddings.numParams());
    assert.equal(
      pc.dense,
      model.variables().reduce((s, v) => s + v.size, 0),
    );
    for (const m of [a, b, model]) m.dispose();
    trainer.optimizer.dispose();
  });
}
