/** Config precedence, provenance, validation and the printed summary. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, configFromEnv, formatConfig, resolveConfig } from "../../src/report";

const DEFAULTS = {
  profile: "smoke",
  seed: 1,
  dataDir: "data/cache",
  numEpochs: 10,
  lr: 0.001,
  hidden: [256, 128],
  optimizer: { name: "adam", beta1: 0.9 },
  earlyStop: true,
};

test("resolveConfig: defaults < preset < overrides < environment, with the source of every leaf", () => {
  const r = resolveConfig(
    DEFAULTS,
    { numEpochs: 2, lr: 0.01, hidden: [64] },
    { lr: 0.005, optimizer: { beta1: 0.8 }, seed: undefined },
    { seed: 7, profile: "paper" },
  );
  assert.deepEqual(r.config, {
    profile: "paper",
    seed: 7,
    dataDir: "data/cache",
    numEpochs: 2,
    lr: 0.005,
    hidden: [64],
    optimizer: { name: "adam", beta1: 0.8 },
    earlyStop: true,
  });
  assert.deepEqual(r.sources, {
    profile: "environment",
    seed: "environment",
    dataDir: "default",
    numEpochs: "preset",
    lr: "override",
    hidden: "preset",
    "optimizer.name": "default",
    "optimizer.beta1": "override",
    earlyStop: "default",
  });
  // the defaults are not mutated
  assert.equal(DEFAULTS.optimizer.beta1, 0.9);
  assert.deepEqual(DEFAULTS.hidden, [256, 128]);
});

test("resolveConfig: unknown keys and wrong types are rejected naming layer and key", () => {
  assert.throws(
    () => resolveConfig(DEFAULTS, { numEpoch: 3 } as never),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.layer === "preset" &&
      e.key === "numEpoch" &&
      /unknown key "numEpoch" in the preset layer/.test(e.message),
  );
  assert.throws(
    () => resolveConfig(DEFAULTS, {}, { optimizer: { beta: 1 } } as never),
    /unknown key "optimizer.beta" in the override layer/,
  );
  assert.throws(
    () => resolveConfig(DEFAULTS, {}, {}, { seed: "7" } as never),
    /"seed" in the environment layer must be a number like its default, got string "7"/,
  );
  assert.throws(
    () => resolveConfig(DEFAULTS, { optimizer: "sgd" } as never),
    /"optimizer" in the preset layer must be an object/,
  );
  const loose = resolveConfig(DEFAULTS, { extra: { a: 1 } } as never, {}, {}, { allowUnknown: true });
  assert.equal(loose.sources["extra.a"], "preset");
});

test("configFromEnv converts strings to the default's type and ignores unmapped keys", () => {
  const env = {
    RECREPRO_SEED: "42",
    RECREPRO_PROFILE: "paper",
    RECREPRO_DATA_DIR: "",
    OTHER: "x",
    RECREPRO_STOP: "false",
    RECREPRO_LR: "0.5",
  };
  const layer = configFromEnv(DEFAULTS, env, {
    RECREPRO_SEED: "seed",
    RECREPRO_PROFILE: "profile",
    RECREPRO_DATA_DIR: "dataDir",
    RECREPRO_STOP: "earlyStop",
    RECREPRO_MISSING: "nope",
    RECREPRO_LR: "optimizer.beta1",
  });
  assert.deepEqual(layer, { seed: 42, profile: "paper", earlyStop: false, optimizer: { beta1: 0.5 } });
  assert.throws(
    () => configFromEnv(DEFAULTS, { RECREPRO_SEED: "abc" }),
    /RECREPRO_SEED=abc is not a number \(for "seed"\)/,
  );
  // default mapping
  assert.deepEqual(configFromEnv(DEFAULTS, { RECREPRO_SEED: "3" }), { seed: 3 });
});

test("formatConfig prints one aligned line per key with its source", () => {
  const r = resolveConfig({ lr: 0.001, numEpochs: 10, opt: { name: "adam" } }, { numEpochs: 2 });
  assert.equal(
    formatConfig(r),
    ["lr         0.001   (default)", "numEpochs  2       (preset)", 'opt.name   "adam"  (default)'].join(
      "\n",
    ),
  );
});

test("train defaults know optimizer.weightDecay: a preset setting it resolves and reaches the dense optimiser", async () => {
  const { DEFAULT_TRAIN_CONFIG } = await import("../../src/train/trainer");
  const { DenseOptimizer } = await import("../../src/train/dense-optim");
  const { tf } = await import("../../src/engine/tf");
  const defaults = { model: { embDim: 16 }, train: DEFAULT_TRAIN_CONFIG };
  assert.equal(DEFAULT_TRAIN_CONFIG.optimizer.weightDecay, 0);
  const r = resolveConfig(defaults, { train: { optimizer: { kind: "adam", lr: 1e-3, weightDecay: 1e-5 } } });
  assert.equal(r.config.train.optimizer.weightDecay, 1e-5);
  assert.equal(r.sources["train.optimizer.weightDecay"], "preset");
  const w = tf.variable(tf.tensor1d([2]));
  const opt = new DenseOptimizer({ ...r.config.train.optimizer, kind: "sgd", lr: 0.1 }, [w]);
  const g = tf.tensor1d([0]);
  opt.apply([g]);
  assert.ok(Math.abs(w.dataSync()[0] - (2 - 0.1 * 1e-5 * 2)) < 1e-7, "L2 term g + wd·w applied");
  tf.dispose([w, g]);
  opt.dispose();
});

test("formatConfig prints a block switched off with null as one line, not its default leaves", async () => {
  const { DEFAULT_TRAIN_CONFIG } = await import("../../src/train/trainer");
  const r = resolveConfig({ train: DEFAULT_TRAIN_CONFIG }, { train: { earlyStopping: null } });
  assert.equal(r.config.train.earlyStopping, null);
  assert.ok(
    !Object.keys(r.sources).some((k) => k.startsWith("train.earlyStopping.")),
    Object.keys(r.sources).join(", "),
  );
  const text = formatConfig(r);
  assert.match(text, /^train\.earlyStopping\s+null\s+\(preset\)$/m);
  assert.doesNotMatch(text, /earlyStopping\.metric|undefined/);
  // the block keeps its place among its siblings
  const keys = Object.keys(r.sources);
  assert.equal(keys.indexOf("train.earlyStopping"), keys.indexOf("train.seed") + 1);
  // switched off in the environment after a preset set one of its leaves
  const r2 = resolveConfig(
    { train: DEFAULT_TRAIN_CONFIG },
    { train: { earlyStopping: { patience: 4 } } } as never,
    {},
    { train: { earlyStopping: null } },
  );
  assert.match(formatConfig(r2), /^train\.earlyStopping\s+null\s+\(environment\)$/m);
});
