/**
 * RECREPRO_STAND_IN (the paper profile's code path on local samples): a full data set that is not
 * here loads its registered stand-in sample, marked in id, fingerprint and notes; without the
 * switch the same load fails naming the missing file; every stand-in is a registered entry.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { MIRROR, tmpDir } from "./helpers";
import { DATASETS, getDataset, loadDataset } from "../../src/data";

test("every stand-in names a registered entry with a loader of the same kind (rows or graph)", () => {
  const withStandIn = DATASETS.filter((d) => d.standIn);
  assert.ok(withStandIn.length >= 5, "the full data sets of the paper profiles have stand-ins");
  for (const d of withStandIn) {
    const s = getDataset(d.standIn!);
    if (d.graph) assert.ok(s.graph, `${d.id}: graph data set whose stand-in ${s.id} has no graph loader`);
    else assert.ok(s.loader !== null, `${d.id}: stand-in ${s.id} has no loader`);
    assert.equal(s.standIn, undefined, `${d.id}: stand-in ${s.id} has a stand-in itself`);
  }
});

test("a missing full data set fails without RECREPRO_STAND_IN and loads its stand-in with it", async () => {
  assert.ok(MIRROR);
  const cacheDir = tmpDir();
  delete process.env.RECREPRO_STAND_IN;
  await assert.rejects(
    () => loadDataset("criteo-kaggle", { cacheDir }),
    (e: Error & { code?: string }) => e.code === "MISSING_FILE",
  );
  process.env.RECREPRO_STAND_IN = "1";
  try {
    const d = await loadDataset("criteo-kaggle", { cacheDir });
    const direct = await loadDataset("criteo-8k", { cacheDir });
    assert.match(d.meta.id, /STAND-IN for criteo-kaggle/);
    assert.match(d.meta.notes, /^STAND-IN/);
    assert.notEqual(
      d.meta.fingerprint,
      direct.meta.fingerprint,
      "a stand-in never passes for its sample either",
    );
    assert.equal(d.train.numRows, direct.train.numRows);
    process.env.RECREPRO_STAND_IN = "maybe";
    await assert.rejects(
      () => loadDataset("criteo-kaggle", { cacheDir }),
      /RECREPRO_STAND_IN="maybe" is not valid/,
    );
  } finally {
    delete process.env.RECREPRO_STAND_IN;
  }
});

test("a missing multi-behaviour graph set loads its stand-in only with RECREPRO_STAND_IN, labelled as such", async () => {
  assert.ok(MIRROR);
  const { loadMultiBehaviour } = await import("../../src/data/graph");
  const cacheDir = tmpDir();
  const saved = process.env.RECREPRO_STAND_IN;
  try {
    delete process.env.RECREPRO_STAND_IN;
    await assert.rejects(() => loadMultiBehaviour("beibei-mbgmn", { cacheDir }), /beibei-mbgmn/);
    process.env.RECREPRO_STAND_IN = "1";
    const d = await loadMultiBehaviour("beibei-mbgmn", { cacheDir });
    assert.match(d.id, /beibei-ghcf \(STAND-IN for beibei-mbgmn\)/);
    assert.match(d.fingerprint, /stand-in-for:beibei-mbgmn$/);
    assert.match(d.notes[0], /^STAND-IN/);
  } finally {
    if (saved === undefined) delete process.env.RECREPRO_STAND_IN;
    else process.env.RECREPRO_STAND_IN = saved;
  }
});

test("the graph runner's tiny budget: epochs, users per epoch, test users and full-ranking users from the environment", async () => {
  const { syntheticMultiBehaviour, testUsers } = await import("../../src/data/graph");
  const { graphBudgetFromEnv } = await import("../../src/train/graph-grid");
  const d = syntheticMultiBehaviour({
    numUsers: 300,
    numItems: 120,
    behaviours: ["view", "buy"],
    latentDim: 4,
    perUser: [8, 4],
    seed: 3,
  });
  const train = { numEpochs: 100, batchUsers: 64, usersPerEpoch: 10000, fullRankingUsers: 2000 };
  const keys = ["RECREPRO_EPOCHS", "RECREPRO_MAX_STEPS", "RECREPRO_MAX_ROWS"] as const;
  const saved = keys.map((k) => process.env[k]);
  try {
    for (const k of keys) delete process.env[k];
    const none = graphBudgetFromEnv(d, train);
    assert.equal(none.note, null);
    assert.equal(none.data, d);
    assert.equal(none.train.numEpochs, 100);
    Object.assign(process.env, { RECREPRO_EPOCHS: "1", RECREPRO_MAX_STEPS: "2", RECREPRO_MAX_ROWS: "64" });
    const b = graphBudgetFromEnv(d, train);
    assert.equal(b.train.numEpochs, 1);
    assert.equal(b.train.usersPerEpoch, 128);
    assert.equal(b.train.fullRankingUsers, 8);
    assert.ok(testUsers(b.data).length <= 64 && testUsers(b.data).length > 0);
    assert.ok(b.data.numUsers <= 64 && b.data.numItems <= 64, "users and items both within the cap");
    assert.match(b.note ?? "", /\d+ users, \d+ items/);
    assert.match(b.note ?? "", /RECREPRO_EPOCHS=1.*RECREPRO_MAX_STEPS=2.*RECREPRO_MAX_ROWS=64/);
    process.env.RECREPRO_MAX_STEPS = "0";
    assert.throws(() => graphBudgetFromEnv(d, train), /RECREPRO_MAX_STEPS/);
  } finally {
    keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
});
