/** Tests of the DATASETS registry: ids, pinned checksums against the shared mirror, id errors. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MIRROR } from "./helpers";
import {
  DATASETS,
  DataError,
  getDataset,
  listDatasets,
  loadDataset,
  sha256File,
  validateDatasetId,
} from "../../src/data";

test("registry ids are unique and well-formed", () => {
  const ids = DATASETS.map((d) => d.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.doesNotThrow(() => validateDatasetId(id));
  for (const need of [
    "criteo-8k",
    "avazu-9k",
    "frappe-nfm",
    "criteo-kaggle",
    "avazu-kaggle",
    "movielens-100k",
    "movielens-1m-subset",
    "census-income-kdd",
    "taobao-userbehavior",
  ]) {
    assert.ok(ids.includes(need), need);
  }
});

test("every pinned file matches the shared mirror (sha256 and size)", async () => {
  for (const d of DATASETS) {
    for (const f of d.files) {
      if (f.sha256 === null) continue;
      const p = path.join(MIRROR, d.folder ?? d.id, f.path);
      assert.ok(fs.existsSync(p), `${d.id}/${f.path} present in the mirror`);
      assert.equal(await sha256File(p), f.sha256, `${d.id}/${f.path}`);
      assert.equal(fs.statSync(p).size, f.bytes, `${d.id}/${f.path} bytes`);
      assert.match(f.url, /^https:\/\//);
    }
  }
});

test("full-size sets are honestly unpinned", () => {
  for (const id of ["criteo-kaggle", "avazu-kaggle", "movielens-1m"]) {
    const e = getDataset(id);
    assert.ok(e.files.every((f) => f.sha256 === null));
    assert.match(e.notes, /NOT pinned/);
  }
  const s = listDatasets();
  assert.equal(s.find((x) => x.id === "criteo-8k")?.pinned, true);
  assert.equal(s.find((x) => x.id === "criteo-kaggle")?.pinned, false);
  for (const d of DATASETS) assert.equal(s.find((x) => x.id === d.id)?.hasLoader, d.loader !== null, d.id);
  assert.equal(s.find((x) => x.id === "movielens-100k")?.hasLoader, true);
});

test("unknown dataset id: error names the id and lists known ids", async () => {
  await assert.rejects(loadDataset("criteo-9k"), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.code, "UNKNOWN_DATASET");
    assert.match(e.message, /criteo-9k/);
    assert.match(e.message, /criteo-8k/);
    return true;
  });
});

test("path-like dataset ids are rejected before touching the file system", async () => {
  for (const bad of [
    "../criteo-8k",
    "criteo-8k/../avazu-9k",
    "a/b",
    "..",
    "/etc",
    "Criteo-8K",
    "",
    ".hidden",
    "a..b",
    "c:\\x",
  ]) {
    await assert.rejects(loadDataset(bad), (e: unknown) => {
      assert.ok(e instanceof DataError, bad);
      assert.equal(e.code, "BAD_ID", bad);
      assert.ok(e.message.includes(JSON.stringify(bad)), e.message);
      return true;
    });
  }
});

test("registered-only sets say there is no loader yet", async () => {
  for (const d of DATASETS.filter((x) => x.loader === null)) {
    await assert.rejects(
      loadDataset(d.id),
      (e: unknown) => e instanceof DataError && e.code === "NO_LOADER" && e.message.includes(d.id),
    );
  }
});
