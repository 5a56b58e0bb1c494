/**
 * RECREPRO_STAND_IN (the paper profile's code path on local samples): a full data set that is not
 * here loads its registered stand-in sample, marked in id, fingerprint and notes; without the
 * switch the same load fails naming the missing file; every stand-in is a registered entry.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { MIRROR, tmpDir } from "./helpers";
import { DATASETS, getDataset, loadDataset } from "../../src/data";

test("every stand-in names a registered entry with a loader", () => {
  const withStandIn = DATASETS.filter((d) => d.standIn);
  assert.ok(withStandIn.length >= 5, "the full data sets of the paper profiles have stand-ins");
  for (const d of withStandIn) {
    const s = getDataset(d.standIn!);
    assert.ok(s.loader !== null, `${d.id}: stand-in ${s.id} has no loader`);
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
