import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/engine/rng";
import { driftStream, makeStream } from "../../src/data/stream";
import { ActorCritic, type Transition } from "../../src/papers/autoassign-plus/agent";
import { identityAgentPolicy } from "../../src/papers/autoassign-plus/identity-agent";
import {
  hashPolicy,
  randomInitPolicy,
  runStream,
  thresholdPolicy,
  trainRows,
  predictRows,
  StreamFM,
  type StreamModelConfig,
} from "../../src/papers/autoassign-plus/spec";
import { CELLS, matchThreshold, PROFILES, runStreamGrid } from "../../src/papers/autoassign-plus/experiment";
import { measured } from "../../src/train/grid";
import { loadClaims } from "../../src/report/claims";

const CFG: StreamModelConfig = {
  dim: 5,
  lr: 0.1,
  batchSize: 32,
  epochsPerChunk: 1,
  maxSteps: 0,
  initStd: 0.05,
  sharedPerField: 2,
  lowMax: 3,
};
const small = (seed: number) =>
  makeStream(driftStream({ seed, chunks: 6, rowsPerChunk: 400, users: 40, items: 30, newItemsPerChunk: 8 }), {
    chunks: 6,
  });

test("critic's value estimate improves on a toy bandit (two contexts, known mean rewards)", () => {
  const ac = new ActorCritic({ stateDim: 2, actions: 2, seed: 1, criticLr: 0.02 });
  const rng = new Rng(5);
  const mean = (s: number, a: number) => (s === 0 ? [1, -1] : [-1, 1])[a];
  const draw = (n: number): Transition[] =>
    Array.from({ length: n }, () => {
      const s = rng.int(2);
      const state = Float64Array.from([s === 0 ? 1 : 0, s === 1 ? 1 : 0]);
      const action = ac.act(state);
      return { state, action, reward: mean(s, action) + 0.1 * rng.normal() };
    });
  // value of a state under the current policy: E_a[mean]; the critic's error to it
  const valueError = () => {
    let e = 0;
    for (const s of [0, 1]) {
      const st = Float64Array.from([s === 0 ? 1 : 0, s === 1 ? 1 : 0]);
      const p = ac.policy(st);
      e += (ac.value(st) - (p[0] * mean(s, 0) + p[1] * mean(s, 1))) ** 2;
    }
    return e / 2;
  };
  const before = valueError();
  for (let it = 0; it < 60; it++) ac.update(draw(128), 64);
  assert.ok(valueError() < before / 4, `value error ${valueError()} vs ${before}`);
  // on fresh transitions from the learned policy the critic predicts the reward well
  assert.ok(ac.criticError(draw(400)) < 0.2, `critic MSE ${ac.criticError(draw(400))}`);
  // and the actor learned the better arm in each context
  assert.ok(ac.policy([1, 0])[0] > 0.8 && ac.policy([0, 1])[1] > 0.8);
});

test("stream FM contract: finite predictions, training loss falls, deterministic per seed", () => {
  const s = small(1);
  const log = s.log;
  const [a, b] = [s.chunks[0].start, s.chunks[2].end];
  const run = (seed: number) => {
    const m = new StreamFM(log.fields.length, CFG, seed);
    const pol = randomInitPolicy();
    pol.admit({ model: m, log, seen: null as never, chunk: 0 }, a, b, "train");
    const losses = Array.from({ length: 5 }, () => trainRows(m, pol, log, a, b, new Rng(seed)));
    return { losses, p: predictRows(m, pol, log, a, b) };
  };
  const r1 = run(3);
  assert.ok(r1.p.every((x) => Number.isFinite(x) && x > 0 && x < 1));
  assert.ok(r1.losses[4] < r1.losses[0], `loss ${r1.losses}`);
  assert.deepEqual(run(3).p, r1.p);
  assert.notDeepEqual(run(4).p, r1.p);
});

test("every policy runs the stream in protocol order with finite metrics and real-buffer memory", () => {
  const s = small(2);
  for (const mk of [
    () => randomInitPolicy(),
    () => thresholdPolicy(1),
    () => thresholdPolicy(3),
    () => hashPolicy([8, 8, 4]),
    (m: StreamFM) => identityAgentPolicy(m, { ...PROFILES.smoke.agent }, 1),
  ]) {
    const r = runStream(s, mk, CFG, 1);
    assert.equal(r.perChunk.length, s.chunks.length - 1);
    const trained = r.events.filter(([k]) => k === "train").map(([, c]) => c);
    assert.deepEqual(trained, [0, 1, 2, 3, 4], r.policy);
    for (const p of r.perChunk) assert.ok(Number.isFinite(p.auc) && p.bytes > 0, r.policy);
    assert.ok(Number.isFinite(r.metrics.auc) && Number.isFinite(r.metrics.logloss));
  }
  // the unbounded table holds every id seen; hashing holds at most its buckets
  const u = runStream(s, () => randomInitPolicy(), CFG, 1);
  const h = runStream(s, () => hashPolicy([8, 8, 4]), CFG, 1);
  assert.ok(h.metrics.tableRows <= 20 + 3 * CFG.sharedPerField);
  assert.ok(u.metrics.memBytes > h.metrics.memBytes);
});

test("matchThreshold picks the count cut whose own rows are closest to the target", () => {
  assert.equal(matchThreshold([1, 1, 2, 5, 9, 9], 3), 3); // counts >= 3: 5, 9, 9
  assert.equal(matchThreshold([10, 10, 10], 0), 11);
});

test("runStreamGrid: measured keys data.label.metric, matched cells, run records, claims keys exist", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-"));
  const s = { ...PROFILES.smoke, seeds: [1, 2], warmupEpisodes: 1, model: CFG };
  const res = await runStreamGrid({
    dataName: "synthetic",
    stream: (seed) => small(seed),
    cells: CELLS,
    settings: s,
    figuresDir: dir,
  });
  const m = measured(res);
  for (const k of ["auc", "cold.auc", "low.auc", "memBytes", "memRatio"])
    for (const c of ["random-init", "autoassign", "threshold", "hash", "default-row"])
      assert.equal(m[`synthetic.${c}.${k}`]?.length, 2, `synthetic.${c}.${k}`);
  assert.deepEqual(m["synthetic.random-init.memRatio"], [1, 1]);
  const rec = JSON.parse(fs.readFileSync(path.join(dir, "synthetic-random-init-smoke", "run.json"), "utf8"));
  assert.deepEqual(rec.cell, { data: "synthetic", label: "random-init", heads: ["label"] });
  const claims = loadClaims(path.join(__dirname, "../../../src/papers/autoassign-plus/claims.json"));
  assert.ok(claims.claims.length >= 7);
  fs.rmSync(dir, { recursive: true, force: true });
});
