/** `npm run data -- check`: every file a profile needs, missing ones with URL and where to put them. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { tmpDir } from "./helpers";
import { PROFILE_DATASETS, checkProfile, formatProfileCheck, getDataset } from "../../src/data";
import { main } from "../../scripts/data";

test("check lists every missing file of the profile at once, with URL, size and where to put it", () => {
  const mirror = tmpDir();
  const cache = tmpDir();
  const criteo = getDataset("criteo-8k");
  fs.mkdirSync(path.join(mirror, "criteo-8k"));
  for (const f of criteo.files) fs.writeFileSync(path.join(mirror, "criteo-8k", f.path), "x");
  const checks = checkProfile("smoke", { mirror, cacheDir: cache });
  assert.deepEqual([...new Set(checks.map((c) => c.dataset))], [...PROFILE_DATASETS.smoke]);
  assert.ok(checks.filter((c) => c.dataset === "criteo-8k").every((c) => c.foundAt !== null));
  const missing = checks.filter((c) => c.foundAt === null);
  assert.ok(missing.length > 3, "more than the first missing file is reported");
  const text = formatProfileCheck("smoke", checks);
  for (const c of missing) {
    assert.ok(text.includes(`${c.dataset}/${c.file}`));
    assert.ok(text.includes(c.url));
    assert.ok(text.includes(path.join(mirror, getDataset(c.dataset).folder ?? c.dataset, c.file)));
  }
  assert.match(
    text,
    new RegExp(
      `profile smoke: ${checks.length - missing.length}/${checks.length} files present, ${missing.length} missing`,
    ),
  );
  const saved = { mirror: process.env.RECREPRO_DATA_MIRROR, cache: process.env.RECREPRO_CACHE_DIR };
  const log = console.log;
  try {
    process.env.RECREPRO_DATA_MIRROR = mirror;
    process.env.RECREPRO_CACHE_DIR = cache;
    console.log = () => undefined;
    assert.equal(main(["check", "paper"]), 1);
    assert.equal(main(["check", "nope"]), 2);
  } finally {
    console.log = log;
    process.env.RECREPRO_DATA_MIRROR = saved.mirror;
    if (saved.cache === undefined) delete process.env.RECREPRO_CACHE_DIR;
    else process.env.RECREPRO_CACHE_DIR = saved.cache;
  }
});
