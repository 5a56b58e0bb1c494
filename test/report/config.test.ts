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
    (e: unknown) => e instanceof ConfigError && e.layer === "preset" && e.key === "numEpoch" && /unknown key "numEpoch" in the preset layer/.test(e.message),
  );
  assert.throws(() => resolveConfig(DEFAULTS, {}, { optimizer: { beta: 1 } } as never), /unknown key "optimizer.beta" in the override layer/);
  assert.throws(() => resolveConfig(DEFAULTS, {}, {}, { seed: "7" } as never), /"seed" in the environment layer must be a number like its default, got string "7"/);
  assert.throws(() => resolveConfig(DEFAULTS, { optimizer: "sgd" } as never), /"optimizer" in the preset layer must be an object/);
  const loose = resolveConfig(DEFAULTS, { extra: { a: 1 } } as never, {}, {}, { allowUnknown: true });
  assert.equal(loose.sources["extra.a"], "preset");
});

test("configFromEnv converts strings to the default's type and ignores unmapped keys", () => {
  const env = { RECREPRO_SEED: "42", RECREPRO_PROFILE: "paper", RECREPRO_DATA_DIR: "", OTHER: "x", RECREPRO_STOP: "false", RECREPRO_LR: "0.5" };
  const layer = configFromEnv(DEFAULTS, env, { RECREPRO_SEED: "seed", RECREPRO_PROFILE: "profile", RECREPRO_DATA_DIR: "dataDir", RECREPRO_STOP: "earlyStop", RECREPRO_MISSING: "nope", RECREPRO_LR: "optimizer.beta1" });
  assert.deepEqual(layer, { seed: 42, profile: "paper", earlyStop: false, optimizer: { beta1: 0.5 } });
  assert.throws(() => configFromEnv(DEFAULTS, { RECREPRO_SEED: "abc" }), /RECREPRO_SEED=abc is not a number \(for "seed"\)/);
  // default mapping
  assert.deepEqual(configFromEnv(DEFAULTS, { RECREPRO_SEED: "3" }), { seed: 3 });
});

test("formatConfig prints one aligned line per key with its source", () => {
  const r = resolveConfig({ lr: 0.001, numEpochs: 10, opt: { name: "adam" } }, { numEpochs: 2 });
  assert.equal(formatConfig(r), ["lr         0.001   (default)", "numEpochs  2       (preset)", 'opt.name   "adam"  (default)'].join("\n"));
});
