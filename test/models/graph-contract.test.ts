/**
 * The graph-model contract, over every graph model (GRAPH_BASELINES, CIGF with each decoder and
 * encoder): score shapes, finite and falling BPR loss, no tensor leak, config round trip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { syntheticMultiBehaviour } from "../../src/data/graph";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { GRAPH_BASELINES } from "../../src/models";
import { CIGF_MODELS } from "../../src/papers/cigf/spec";
import { GraphTrainer } from "../../src/train/graph-trainer";

const D = syntheticMultiBehaviour({
  numUsers: 50,
  numItems: 30,
  behaviours: ["view", "cart", "buy"],
  latentDim: 3,
  perUser: [6, 4, 3],
  seed: 5,
});
const INDEX = { ...GRAPH_BASELINES, ...CIGF_MODELS };
const CASES: [string, string, Record<string, unknown>][] = [
  ...Object.keys(GRAPH_BASELINES).map((id): [string, string, Record<string, unknown>] => [id, id, {}]),
  ...["mesi", "bilinear", "shared-bottom", "mmoe", "ple"].map(
    (d): [string, string, Record<string, unknown>] => [`cigf-${d}`, "cigf", { decoder: d }],
  ),
  ["cigf-per-behaviour", "cigf", { encoder: "per-behaviour" }],
];

for (const [name, id, cfg] of CASES) {
  test(`graph contract: ${name}`, async () => {
    await initBackend({ force: "cpu", quiet: true });
    const spec = INDEX[id];
    const config = { ...spec.defaults, ...spec.presets.smoke, ...cfg };
    const before = tf.memory().numTensors;
    const m = spec.build(D, config, 1);
    const enc = tf.tidy(() => {
      const e = m.encode(false);
      const s = m.score(e, D.behaviours.length - 1, Int32Array.of(0, 1, 2), Int32Array.of(3, 4, 5));
      assert.deepEqual(s.shape, [3]);
      assert.ok(Array.from(s.dataSync()).every(Number.isFinite));
      return e.users.length;
    });
    assert.ok(enc >= 1);
    assert.deepEqual(m.getConfig(), JSON.parse(JSON.stringify(config)));
    const pc = m.paramCount();
    assert.equal(
      pc.embedding + pc.dense,
      m.variables().reduce((s, v) => s + v.size, 0),
    );
    const tr = new GraphTrainer(m, D, { lr: 0.01, pairsPerUser: 8, reg: 0 }, 1);
    const users = Int32Array.from({ length: D.numUsers }, (_, i) => i);
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) losses.push(tr.trainStep(users));
    assert.ok(losses.every(Number.isFinite), `${name}: finite ${losses}`);
    const head = (losses[0] + losses[1] + losses[2]) / 3;
    const tail = (losses[12] + losses[13] + losses[14]) / 3;
    assert.ok(tail < head, `${name}: loss falls ${head} -> ${tail}`);
    tr.dispose();
    m.dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: no tensor leak`);
  });
}
