/**
 * Multi-task optimisation in the trainer (src/train/multitask.ts): PCGrad projection math,
 * GradNorm weights, uncertainty weighting, gradient-conflict recording, and that the default
 * stays bit-identical.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DatasetSchema, TabularDataset } from "../../src/data/schema";
import { batches } from "../../src/data/batches";
import { initBackend } from "../../src/engine/backend";
import { Rng } from "../../src/engine/rng";
import { tf } from "../../src/engine/tf";
import { ModelBase } from "../../src/models/base";
import { Dense, dropout } from "../../src/models/layers/dense";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs } from "../../src/models/types";
import {
  cosine,
  gradNormWeightGradient,
  pcgradProject,
  renormaliseWeights,
  sumVectors,
} from "../../src/train/multitask";
import { Trainer, type TrainConfig } from "../../src/train/trainer";
import { runExperiment } from "../../src/train/experiment";
import { readRunRecord } from "../../src/report";
import { smallMulti } from "../helpers";

interface TwoHeadConfig extends BaseModelConfig {
  hidden: number;
  dropout: number;
  /** Initialise both heads with the same weights. */
  tiedHeads: boolean;
}

/** A shared ReLU layer over the flattened input and one linear head per label. */
class TwoHead extends ModelBase<TwoHeadConfig> {
  readonly bottom: Dense;
  readonly towers: Dense[];
  constructor(schema: DatasetSchema, config: TwoHeadConfig, seed: number) {
    super(
      "two-head",
      schema,
      config,
      seed,
      schema.labels.map((l) => l.name),
    );
    this.bottom = this.track(new Dense(this.flatInputDim, config.hidden, this.rng));
    this.towers = this.heads.map(() => this.track(new Dense(config.hidden, 1, this.rng)));
    if (config.tiedHeads) for (const t of this.towers.slice(1)) t.w.assign(this.towers[0].w);
  }
  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const h = dropout(
      this.bottom.apply(this.flatInput(inputs), "relu"),
      this.config.dropout,
      ctx.training,
      ctx.rng,
    ); // [B, H]
    return { logits: this.towers.map((t) => tf.reshape(t.apply(h), [inputs.batch.size]) as tf.Tensor1D) };
  }
  sharedVariables(): tf.Variable[] {
    return this.bottom.variables();
  }
}

const baseModel: TwoHeadConfig = { embDim: 4, hidden: 16, dropout: 0, tiedHeads: false };
const baseTrain: Partial<TrainConfig> = {
  batchSize: 128,
  numEpochs: 2,
  progress: "none",
  earlyStopping: null,
  seed: 3,
  optimizer: { kind: "adam", lr: 3e-3 },
};

/** smallMulti with the second label replaced ("same": aux = click; "opposite": aux = 1 - click). */
function relabel(ds: TabularDataset, mode: "same" | "opposite" | "keep"): TabularDataset {
  if (mode === "keep") return ds;
  const click = ds.labels[0];
  const aux = Float32Array.from(click, (y) => (mode === "same" ? y : 1 - y));
  return { ...ds, labels: [click, aux] };
}

function params(m: TwoHead): Float32Array[] {
  return m.variables().map((v) => v.dataSync().slice() as Float32Array);
}

async function fit(cfg: Partial<TrainConfig>, mc: Partial<TwoHeadConfig> = {}) {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(4, 1500);
  const model = new TwoHead(train.schema, { ...baseModel, ...mc }, 9);
  const trainer = new Trainer(model, { ...baseTrain, ...cfg });
  const history = await trainer.fit(train, valid);
  const ev = trainer.evaluate(valid);
  const out = {
    history,
    ev,
    params: params(model),
    tables: model.embeddings.tables.map((t) => t.toFloat32().slice()),
  };
  model.dispose();
  trainer.dispose();
  return out;
}

test("PCGrad projection: hand-made conflicting pair g1=[1,0], g2=[-1,1]", () => {
  const g1 = new Float32Array([1, 0]);
  const g2 = new Float32Array([-1, 1]);
  const [p1, p2] = pcgradProject([g1, g2]);
  // g1 - (g1.g2)/|g2|^2 g2 = [1,0] + 0.5 [-1,1]; g2 - (g2.g1)/|g1|^2 g1 = [-1,1] + [1,0].
  assert.deepEqual(Array.from(p1), [0.5, 0.5]);
  assert.deepEqual(Array.from(p2), [0, 1]);
  assert.deepEqual(Array.from(sumVectors([p1, p2])), [0.5, 1.5]);
  // The conflicting component is gone: each projection is orthogonal to the other original gradient.
  assert.equal(p1[0] * g2[0] + p1[1] * g2[1], 0);
  assert.equal(p2[0] * g1[0] + p2[1] * g1[1], 0);
  // Inputs untouched.
  assert.deepEqual(Array.from(g1), [1, 0]);
  assert.deepEqual(Array.from(g2), [-1, 1]);
});

test("PCGrad leaves non-conflicting gradients untouched and handles 3 tasks in a seeded order", () => {
  const a = new Float32Array([1, 2, 0]);
  const b = new Float32Array([0.5, -0.1, 3]); // a.b = 0.3 > 0
  const c = new Float32Array([0, 0, 0]); // zero gradient: nothing to project on
  const out = pcgradProject([a, b, c], new Rng(1));
  assert.deepEqual(Array.from(out[0]), Array.from(a));
  assert.deepEqual(Array.from(out[1]), Array.from(b));
  assert.deepEqual(Array.from(out[2]), [0, 0, 0]);
  // Three mutually conflicting gradients: after projection no task conflicts with the one it was
  // projected on last, and the result is the same for the same seed.
  const g = [new Float32Array([1, 0.1]), new Float32Array([-1, 0.2]), new Float32Array([0.1, -1])];
  const x = pcgradProject(g, new Rng(5));
  const y = pcgradProject(g, new Rng(5));
  assert.deepEqual(
    x.map((v) => Array.from(v)),
    y.map((v) => Array.from(v)),
  );
  for (let i = 0; i < 3; i++)
    assert.ok(
      x[i].some((v, k) => v !== g[i][k]),
      `task ${i} conflicts with another and must change`,
    );
  assert.throws(() => pcgradProject([new Float32Array(2), new Float32Array(3)]), /lengths 2, 3 differ/);
});

test("cosine and GradNorm weight gradient on hand-made numbers", () => {
  assert.equal(cosine([1, 0], [-1, 0]), -1);
  assert.equal(cosine([1, 0], [0, 0]), 0);
  assert.ok(Math.abs(cosine([1, 0], [1, 1]) - Math.SQRT1_2) < 1e-12);
  // w = [1, 1], n = [2, 1]: G = [2, 1], Gbar = 1.5; ratios [1, 1] -> targets 1.5: task 0 above target, task 1 below.
  const r = gradNormWeightGradient([1, 1], [2, 1], [1, 1], 1.5);
  assert.deepEqual(r.targets, [1.5, 1.5]);
  assert.deepEqual(r.grad, [2, -1]);
  // Task 1 trains slower (ratio 1.2 vs 0.8): its target rises with alpha.
  const s = gradNormWeightGradient([1, 1], [1, 1], [0.8, 1.2], 1);
  assert.ok(s.targets[1] > s.targets[0]);
  assert.deepEqual(renormaliseWeights([3, 1], 2), [1.5, 0.5]);
  const w = renormaliseWeights([-5, 1], 2);
  assert.ok(w[0] > 0 && Math.abs(w[0] + w[1] - 2) < 1e-12);
});

test("default config is bit-identical with and without taskWeighting {kind: equal}, and with conflict recording", async () => {
  const a = await fit({});
  const b = await fit({ taskWeighting: { kind: "equal" } });
  const c = await fit({ taskWeighting: null, conflictEvery: 3 }, {});
  const d = await fit({}, { dropout: 0.2 });
  const e = await fit({ conflictEvery: 2 }, { dropout: 0.2 });
  for (const [x, y] of [
    [a, b],
    [a, c],
    [d, e],
  ] as const) {
    assert.deepEqual(
      x.history.epochs.map((r) => [r.trainLoss, r.valid]),
      y.history.epochs.map((r) => [r.trainLoss, r.valid]),
    );
    assert.deepEqual(x.params, y.params);
    assert.deepEqual(x.tables, y.tables);
  }
  assert.equal(a.history.conflicts, undefined);
  assert.ok((c.history.conflicts?.length ?? 0) > 0);
});

test("conflict recording gives cosines in [-1, 1] at the requested steps", async () => {
  const r = await fit({ conflictEvery: 4, numEpochs: 2 });
  const steps = r.history.epochs.reduce((s, e) => s + e.steps, 0);
  const rec = r.history.conflicts!;
  assert.deepEqual(
    rec.map((x) => x.step),
    Array.from({ length: Math.floor(steps / 4) }, (_, i) => 4 * (i + 1)),
  );
  for (const x of rec) {
    assert.deepEqual(Object.keys(x.cosine), ["click/aux"]);
    const c = x.cosine["click/aux"];
    assert.ok(c >= -1 && c <= 1 && Number.isFinite(c), `cosine ${c}`);
    assert.ok(x.gradNorm.click > 0 && x.gradNorm.aux > 0);
  }
  // Opposite labels with tied heads: the per-task gradients on the shared parts point apart.
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(4, 600);
  const m = new TwoHead(train.schema, { ...baseModel, tiedHeads: true }, 9);
  const t = new Trainer(m, { ...baseTrain, conflictEvery: 1 });
  // Same labels first: both heads get the same update and stay tied for the second step.
  const same = relabel(train, "same");
  t.trainStep(batches(same, { batchSize: 128 }).next().value!, new Rng(1), { epoch: 1, step: 1 });
  const opp = relabel(train, "opposite");
  t.trainStep(batches(opp, { batchSize: 128 }).next().value!, new Rng(1), { epoch: 1, step: 2 });
  const [c0, c1] = t.history.conflicts!.map((x) => x.cosine["click/aux"]);
  assert.ok(Math.abs(c0 - 1) < 1e-6, `same labels, tied heads: cosine ${c0}`);
  assert.ok(c1 < -0.9, `opposite labels, tied heads: cosine ${c1}`);
  m.dispose();
  t.dispose();
  assert.throws(
    () => new Trainer(new TwoHead(smallMulti(4, 300).train.schema, baseModel, 1), { conflictEvery: 1.5 }),
    /conflictEvery must be an integer/,
  );
});

test("PCGrad step differs from equal weighting only when the task gradients conflict", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(4, 600);
  for (const mode of ["same", "opposite", "keep"] as const) {
    const ds = relabel(train, mode);
    const batch = batches(ds, { batchSize: 256 }).next().value!;
    const run = (kind: "equal" | "pcgrad") => {
      const m = new TwoHead(ds.schema, { ...baseModel, tiedHeads: mode !== "keep" }, 9);
      const t = new Trainer(m, {
        ...baseTrain,
        optimizer: { kind: "sgd", lr: 0.5 },
        taskWeighting: { kind },
        conflictEvery: 1,
      });
      const n0 = tf.memory().numTensors;
      t.trainStep(batch, new Rng(2), { epoch: 1, step: 1 });
      const leaked = tf.memory().numTensors - n0;
      const out = {
        p: params(m),
        emb: m.embeddings.tables.map((x) => x.toFloat32().slice()),
        cos: t.history.conflicts![0].cosine["click/aux"],
        leaked,
      };
      m.dispose();
      t.dispose();
      return out;
    };
    const eq = run("equal");
    const pc = run("pcgrad");
    assert.equal(pc.leaked, 0, `pcgrad step leaked ${pc.leaked} tensors`);
    assert.equal(eq.leaked, 0, `equal step with conflict measurement leaked ${eq.leaked} tensors`);
    assert.equal(eq.cos, pc.cos);
    let maxDiff = 0;
    [...eq.p.map((x, i) => [x, pc.p[i]]), ...eq.emb.map((x, i) => [x, pc.emb[i]])].forEach(([x, y]) =>
      x.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - y[k])))),
    );
    if (eq.cos >= 0)
      assert.ok(
        maxDiff < 1e-5,
        `${mode}: no conflict (cos ${eq.cos}) but PCGrad moved the parameters by ${maxDiff}`,
      );
    else
      assert.ok(
        maxDiff > 1e-3,
        `${mode}: conflict (cos ${eq.cos}) but PCGrad equals the plain sum (max diff ${maxDiff})`,
      );
    if (mode === "same") assert.ok(eq.cos > 0.99);
    if (mode === "opposite") assert.ok(eq.cos < -0.9, `opposite: cos ${eq.cos}`);
  }
});

test("GradNorm keeps the weights positive, summing to T, and moves them", async () => {
  const r = await fit({
    taskWeighting: { kind: "gradnorm", alpha: 1.5, lr: 0.02 },
    numEpochs: 3,
    logEverySteps: 1,
  });
  const ws = r.history.taskWeights!;
  const steps = r.history.epochs.reduce((s, e) => s + e.steps, 0);
  assert.equal(ws.length, steps);
  for (const w of ws) {
    assert.ok(w.weights.click > 0 && w.weights.aux > 0, JSON.stringify(w));
    assert.ok(Math.abs(w.weights.click + w.weights.aux - 2) < 1e-9, JSON.stringify(w));
  }
  // Step 1: loss ratios are all 1, so the targets are Gbar and the task above it loses weight; the
  // first Adam step moves each weight by exactly lr (0.02), in opposite directions, keeping the sum 2.
  const first = ws[0].weights;
  assert.ok(
    Math.abs(Math.abs(first.click - 1) - 0.02) < 1e-6 && Math.abs(first.click - 1 + (first.aux - 1)) < 1e-9,
    JSON.stringify(first),
  );
  const spread = Math.max(...ws.map((w) => Math.abs(w.weights.click - 1)));
  assert.ok(spread > 0.03, `GradNorm weights barely moved over ${steps} steps: max |w - 1| = ${spread}`);
  assert.ok(
    r.ev.heads.click.auc > 0.55 && Number.isFinite(r.ev.heads.aux.auc),
    `click AUC ${r.ev.heads.click.auc}`,
  );
  assert.ok(r.history.epochs.every((e) => Number.isFinite(e.trainLoss)));
  assert.throws(
    () =>
      new Trainer(new TwoHead(smallMulti(4, 300).train.schema, baseModel, 1), {
        taskWeighting: { kind: "gradnorm", alpha: -1 },
      }),
    /alpha >= 0/,
  );
});

test("uncertainty weighting: log-variances move, the loss stays finite, no tensor leak", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(4, 1500);
  const model = new TwoHead(train.schema, baseModel, 9);
  const trainer = new Trainer(model, {
    ...baseTrain,
    numEpochs: 3,
    logEverySteps: 1,
    taskWeighting: { kind: "uncertainty" },
    optimizer: { kind: "adam", lr: 1e-2 },
  });
  assert.equal(trainer.balancer.extraVariables.length, 1);
  assert.equal(trainer.optimizer.vars.length, model.variables().length + 1);
  const b = batches(train, { batchSize: 128 }).next().value!;
  trainer.trainStep(b, new Rng(1));
  const n0 = tf.memory().numTensors;
  trainer.trainStep(b, new Rng(1));
  assert.equal(tf.memory().numTensors, n0, "uncertainty step leaked tensors");
  const h = await trainer.fit(train, valid);
  assert.ok(h.epochs.every((e) => Number.isFinite(e.trainLoss)));
  const s = Array.from(trainer.balancer.extraVariables[0].dataSync());
  assert.ok(
    s.every((x) => Number.isFinite(x) && Math.abs(x) > 0.01),
    `log-variances did not move: ${s}`,
  );
  // exp(-s) recorded as weights; the task with the larger loss gets the smaller weight at the optimum s_t = log L_t.
  const w = h.taskWeights![h.taskWeights!.length - 1].weights;
  assert.ok(Math.abs(w.click - Math.exp(-s[0])) < 1e-6 && Math.abs(w.aux - Math.exp(-s[1])) < 1e-6);
  model.dispose();
  trainer.dispose();
});

test("resume restores the weighting state: GradNorm weights and uncertainty log-variances", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-mtl-ckpt-"));
  try {
    for (const tw of [
      { kind: "gradnorm", alpha: 1, lr: 0.02 },
      { kind: "uncertainty" },
      { kind: "pcgrad" },
    ] as const) {
      const ckpt = path.join(dir, `${tw.kind}.bin`);
      const straight = await fit({ taskWeighting: tw, numEpochs: 3, logEverySteps: 5 });
      await fit({ taskWeighting: tw, numEpochs: 2, logEverySteps: 5, checkpointPath: ckpt });
      const resumed = await fit({
        taskWeighting: tw,
        numEpochs: 3,
        logEverySteps: 5,
        checkpointPath: ckpt,
        resume: true,
      });
      assert.equal(resumed.history.resumedFromEpoch, 2);
      assert.deepEqual(
        resumed.history.epochs.map((e) => [e.trainLoss, e.valid]),
        straight.history.epochs.map((e) => [e.trainLoss, e.valid]),
        tw.kind,
      );
      assert.deepEqual(resumed.history.taskWeights, straight.history.taskWeights, tw.kind);
      assert.deepEqual(resumed.params, straight.params, tw.kind);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a model with its own loss and no taskLosses is refused by weighting schemes", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(4, 300);
  class OwnLoss extends TwoHead {
    loss(out: ForwardOutput): tf.Scalar {
      return tf.mean(tf.square(out.logits[0])) as tf.Scalar;
    }
  }
  const m = new OwnLoss(train.schema, baseModel, 1);
  assert.throws(
    () => new Trainer(m, { taskWeighting: { kind: "pcgrad" } }),
    /two-head defines its own loss but no taskLosses; taskWeighting "pcgrad"/,
  );
  const t = new Trainer(m, { taskWeighting: { kind: "equal" } });
  t.dispose();
  m.dispose();
});

test("runExperiment records the weighting, conflict curves, task weights and extra metrics in run.json", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-mtl-exp-"));
  const saved = { ...process.env };
  try {
    process.env.RECREPRO_BACKEND = "cpu";
    process.env.RECREPRO_PROFILE = "smoke";
    delete process.env.RECREPRO_SEEDS;
    delete process.env.RECREPRO_EPOCHS;
    const { train, valid } = smallMulti(5, 1500);
    const r = await runExperiment({
      paper: "unit",
      model: "shared-bottom",
      data: {
        schema: train.schema,
        train,
        valid,
        test: valid,
        meta: { id: "synthetic-multi", fingerprint: "x" },
      },
      seeds: [1, 2],
      trainConfig: {
        batchSize: 128,
        numEpochs: 1,
        progress: "none",
        earlyStopping: null,
        logEverySteps: 2,
        conflictEvery: 3,
        taskWeighting: { kind: "gradnorm", alpha: 1.5, lr: 0.01 },
      },
      extraMetrics: ({ seed, trainer }) => ({ "check.seed": seed, "check.steps": trainer.globalStep }),
      figuresDir: dir,
      verbose: false,
    });
    const rec = readRunRecord(r.recordPath);
    assert.deepEqual((rec.config as { train: { taskWeighting: unknown } }).train.taskWeighting, {
      kind: "gradnorm",
      alpha: 1.5,
      lr: 0.01,
    });
    assert.equal(rec.configSources["train.taskWeighting"], "override");
    assert.deepEqual(rec.seedMetrics!["check.seed"], [1, 2]);
    assert.equal(rec.metrics["check.steps"], r.runs[0].history.epochs[0].steps);
    for (const s of [1, 2]) {
      const steps = rec.history[`seed${s}.conflictStep`];
      assert.ok(steps.length >= 3 && steps.every((x, i) => x === 3 * (i + 1)), `conflict steps ${steps}`);
      assert.ok(rec.history[`seed${s}.conflict.click/aux`].every((c) => c >= -1 && c <= 1));
      const w0 = rec.history[`seed${s}.taskWeight.click`];
      const w1 = rec.history[`seed${s}.taskWeight.aux`];
      assert.ok(w0.length > 0 && w0.every((w, i) => w > 0 && Math.abs(w + w1[i] - 2) < 1e-9));
    }
    r.model?.dispose();
    r.trainer?.dispose();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
