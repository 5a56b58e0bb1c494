/**
 * BatchNorm with running statistics (src/models/layers/batch-norm.ts) and the Mlp option
 * Linear-BN-ReLU-Dropout: evaluation uses the running statistics, training the batch's; the
 * running update happens once per trainer step; gradients; checkpoints; no tensor leaks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DatasetSchema } from "../../src/data/schema";
import { initBackend } from "../../src/engine/backend";
import { Rng } from "../../src/engine/rng";
import { tf } from "../../src/engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../../src/models/base";
import { BatchNorm } from "../../src/models/layers/batch-norm";
import { Mlp } from "../../src/models/layers/mlp";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs } from "../../src/models/types";
import { Trainer, type TrainConfig } from "../../src/train/trainer";
import { smallCtr } from "../helpers";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++)
    assert.ok(
      Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
}

test("evaluation uses the running statistics (numbers by hand)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const bn = new BatchNorm(2);
  bn.runningMean.assign(tf.tensor1d([1, -2]));
  bn.runningVar.assign(tf.tensor1d([4, 0.25]));
  bn.gamma.assign(tf.tensor1d([2, 1]));
  bn.beta.assign(tf.tensor1d([0.5, 0]));
  const x = tf.tensor2d([
    [3, -1.5],
    [1, -2],
  ]);
  const y = bn.apply(x, false);
  close(
    y.dataSync(),
    [(2 * 2) / Math.sqrt(4 + 1e-5) + 0.5, 0.5 / Math.sqrt(0.25 + 1e-5), 0.5, 0],
    1e-6,
    "eval output",
  );
  bn.updateBuffers();
  close(bn.runningMean.dataSync(), [1, -2], 0, "eval forwards record nothing");
  tf.dispose([x, y]);
  bn.dispose();
});

test("training uses the batch statistics; updateBuffers folds them in once (momentum 0.1, unbiased variance)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const bn = new BatchNorm(2);
  const x = tf.tensor2d([
    [1, 2],
    [3, 6],
  ]); // mean [2, 4], biased var [1, 4], unbiased [2, 8]
  const y = bn.apply(x, true);
  const e = 1e-5;
  close(
    y.dataSync(),
    [-1 / Math.sqrt(1 + e), -2 / Math.sqrt(4 + e), 1 / Math.sqrt(1 + e), 2 / Math.sqrt(4 + e)],
    1e-6,
    "train output",
  );
  close(bn.runningMean.dataSync(), [0, 0], 0, "forward alone does not move the running mean");
  const x2 = tf.tensor2d([
    [1, 2],
    [3, 6],
    [5, 10],
  ]);
  tf.dispose(bn.apply(x2, true)); // the last training forward of the step wins: mean [3, 6], unbiased var [4, 16]
  bn.updateBuffers();
  bn.updateBuffers(); // nothing pending: no second update
  close(bn.runningMean.dataSync(), [0.3, 0.6], 1e-6, "running mean");
  close(bn.runningVar.dataSync(), [0.9 + 0.4, 0.9 + 1.6], 1e-6, "running var");
  assert.equal(bn.numBatchesTracked.dataSync()[0], 1);
  const cum = new BatchNorm(2, { momentum: null });
  for (const b of [x, x2]) {
    tf.dispose(cum.apply(b, true));
    cum.updateBuffers();
  }
  close(cum.runningMean.dataSync(), [2.5, 5], 1e-6, "momentum null: cumulative average");
  assert.throws(() => bn.apply(tf.tensor2d([[1, 2]]), true), /more than 1 value per feature/);
  tf.dispose([x, y, x2]);
  bn.dispose();
  cum.dispose();
});

test("gradients of the training forward match finite differences (x, γ, β)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const r = new Rng(3);
  const B = 5,
    C = 3;
  const xv = Float32Array.from({ length: B * C }, () => r.normal());
  const wv = Float32Array.from({ length: B * C }, () => r.normal());
  const bn = new BatchNorm(C);
  bn.gamma.assign(tf.tensor1d([1.5, -0.7, 0.9]));
  bn.beta.assign(tf.tensor1d([0.1, 0.2, -0.3]));
  const wt = tf.tensor2d(wv, [B, C]);
  const lossAt = (x: tf.Tensor2D) => tf.sum(tf.mul(tf.square(bn.apply(x, true)), wt)) as tf.Scalar; // a non-linear readout
  const x = tf.tensor2d(xv, [B, C]);
  const { grads } = tf.variableGrads(() => lossAt(x), [bn.gamma, bn.beta]);
  const gx = tf.grad((xx: tf.Tensor) => lossAt(xx as tf.Tensor2D))(x);
  const f = (xs: Float32Array) => tf.tidy(() => lossAt(tf.tensor2d(xs, [B, C])).dataSync()[0]);
  const h = 1e-2;
  const fdx = Array.from(xv, (_, i) => {
    const p = xv.slice(),
      m = xv.slice();
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
  close(gx.dataSync(), fdx, 2e-2, "dL/dx");
  for (const [name, v] of [
    ["gamma", bn.gamma],
    ["beta", bn.beta],
  ] as const) {
    const base = v.dataSync().slice();
    const fd = Array.from(base, (_, i) => {
      const p = base.slice(),
        m = base.slice();
      p[i] += h;
      m[i] -= h;
      v.assign(tf.tensor1d(p));
      const lp = f(xv);
      v.assign(tf.tensor1d(m));
      const lm = f(xv);
      v.assign(tf.tensor1d(base));
      return (lp - lm) / (2 * h);
    });
    close(grads[v.name].dataSync(), fd, 2e-2, `dL/d${name}`);
  }
  tf.dispose([wt, x, gx, ...Object.values(grads)]);
  bn.dispose();
});

test("Mlp batchNorm: off by default (no norms, same variables); on: Linear-BN-ReLU-Dropout blocks, γ/β trainable, stats as buffers", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const plain = new Mlp(6, { hidden: [4, 3], output: 1 }, new Rng(1));
  assert.equal(plain.norms.length, 0);
  assert.equal(plain.buffers().length, 0);
  assert.equal(plain.variables().length, 6);
  const withBn = new Mlp(6, { hidden: [4, 3], output: 1, batchNorm: true }, new Rng(1));
  assert.equal(withBn.variables().length, 10, "per block W, b, γ, β + output W, b");
  assert.equal(withBn.buffers().length, 6);
  // Same Linear weights from the same seed; the BN block equals relu(bn(linear(x))) by hand.
  const x = tf.tensor2d(
    Float32Array.from({ length: 8 * 6 }, (_, i) => Math.sin(i)),
    [8, 6],
  );
  const got = withBn.apply(x, true);
  const want = tf.tidy(() => {
    const n0 = new BatchNorm(4),
      n1 = new BatchNorm(3);
    const h0 = tf.relu(n0.apply(plain.layers[0].apply(x), true)) as tf.Tensor2D;
    const h1 = tf.relu(n1.apply(plain.layers[1].apply(h0), true)) as tf.Tensor2D;
    const out = plain.out!.apply(h1);
    n0.dispose();
    n1.dispose();
    return out;
  });
  close(got.dataSync(), want.dataSync(), 1e-5, "Linear-BN-ReLU");
  withBn.discardPending();
  tf.dispose([x, got, want, ...plain.variables(), ...withBn.variables(), ...withBn.buffers()]);
});

interface BnDnnConfig extends BaseModelConfig {
  hidden: number[];
}

/** A DNN whose MLP has BatchNorm (a test model; the papers' models wire BN themselves). */
class BnDnn extends ModelBase<BnDnnConfig> {
  readonly mlp: Mlp;
  constructor(schema: DatasetSchema, config: BnDnnConfig, seed: number) {
    super("bn-dnn", schema, config, seed);
    this.mlp = this.track(
      new Mlp(
        this.flatInputDim,
        { hidden: config.hidden, dropout: 0.1, output: 1, batchNorm: true },
        this.rng,
      ),
    );
  }
  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const h = this.mlp.apply(this.flatInput(inputs), ctx.training, ctx.rng); // [B, 1]
    return { logits: [tf.reshape(h, [inputs.batch.size]) as tf.Tensor1D] };
  }
}

const cfg: BnDnnConfig = { embDim: 8, embedding: DEFAULT_EMBEDDING, hidden: [16, 8] };
const trainCfg: Partial<TrainConfig> = {
  batchSize: 200,
  progress: "none",
  earlyStopping: null,
  seed: 4,
  optimizer: { kind: "adam", lr: 2e-3 },
};

async function fit(
  train: ReturnType<typeof smallCtr>["train"],
  valid: ReturnType<typeof smallCtr>["valid"],
  extra: Partial<TrainConfig>,
) {
  const model = new BnDnn(train.schema, cfg, 2);
  const trainer = new Trainer(model, { ...trainCfg, ...extra });
  const history = await trainer.fit(train, valid);
  const stats = model.buffers().map((b) => Array.from(b.dataSync()));
  const probs = trainer.predict(valid)[0];
  return { model, trainer, history, stats, probs };
}

test("the trainer updates the running statistics once per step; paramCount excludes them; checkpoints restore them", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(4, 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-bn-"));
  try {
    const straight = await fit(train, valid, { numEpochs: 2 });
    const steps = straight.history.epochs.reduce((s, e) => s + e.steps, 0);
    assert.equal(straight.model.buffers()[2].dataSync()[0], steps, "batches tracked = optimisation steps");
    assert.ok(Math.abs(straight.stats[0][0]) > 0, "running mean moved");
    const D = train.schema.features.filter((f) => f.kind === "categorical").length * 8 + 2;
    const pytorchParams = D * 16 + 16 + 2 * 16 + 16 * 8 + 8 + 2 * 8 + 8 * 1 + 1; // Linear + BN(γ, β) per block + output
    assert.equal(straight.model.paramCount().dense, pytorchParams);
    const ckpt = path.join(dir, "ckpt.bin");
    const first = await fit(train, valid, { numEpochs: 1, checkpointPath: ckpt });
    const resumed = await fit(train, valid, { numEpochs: 2, checkpointPath: ckpt, resume: true });
    assert.equal(resumed.history.resumedFromEpoch, 1);
    assert.deepEqual(
      resumed.stats,
      straight.stats,
      "running statistics after resume equal the uninterrupted run",
    );
    assert.deepEqual(
      Array.from(resumed.probs),
      Array.from(straight.probs),
      "evaluation (running stats) equal",
    );
    for (const r of [straight, first, resumed]) {
      r.model.dispose();
      r.trainer.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("best-epoch restore brings back that epoch's running statistics", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(5, 800);
  const model = new BnDnn(train.schema, cfg, 2);
  const trainer = new Trainer(model, { ...trainCfg, numEpochs: 1 });
  await trainer.fit(train, valid);
  const snap = (trainer as unknown as { snapshot(): { buffers: Float32Array[] } }).snapshot();
  const before = model.buffers().map((b) => Array.from(b.dataSync()));
  tf.tidy(() => model.buffers()[0].assign(tf.zerosLike(model.buffers()[0])));
  (trainer as unknown as { restore(s: unknown): void }).restore(snap);
  assert.deepEqual(
    model.buffers().map((b) => Array.from(b.dataSync())),
    before,
  );
  model.dispose();
  trainer.dispose();
});

test("no tensor leaks: training steps, evaluation and disposal", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(6, 600);
  // Dense layers leave their initial tensors behind (tf.variable(tensor) in layers/dense.ts): measure that apart.
  const base = tf.memory().numTensors;
  new BnDnn(train.schema, cfg, 2).dispose();
  const constructLeak = tf.memory().numTensors - base;
  const start = tf.memory().numTensors;
  const model = new BnDnn(train.schema, cfg, 2);
  const trainer = new Trainer(model, { ...trainCfg, numEpochs: 1 });
  await trainer.fit(train, valid);
  const afterOne = tf.memory().numTensors;
  const again = new Trainer(model, { ...trainCfg, numEpochs: 2 });
  await again.fit(train, valid);
  again.dispose();
  trainer.predict(valid);
  assert.equal(tf.memory().numTensors, afterOne, "more steps and evaluation leave no tensors behind");
  model.dispose();
  trainer.dispose();
  assert.equal(
    tf.memory().numTensors - start,
    constructLeak,
    "disposal frees variables, buffers, optimiser state and recorded statistics",
  );
});
