/**
 * Census-Income (KDD) in the MMoE set-up: the real official test split from the shared mirror
 * (row counts, label rates, removed label sources, train-only standardisation, seeded split),
 * and malformed input naming file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { MIRROR, leftovers, tmpDir, writeFile, expectBadRow } from "./helpers";
import {
  CENSUS_CATEGORICAL,
  CENSUS_COLUMNS,
  CENSUS_NUMERIC,
  DataError,
  categoricalFeatures,
  censusDerive,
  getDataset,
  loadDataset,
  numericFeatures,
  runDerive,
  sha256File,
} from "../../src/data";

const RAW = path.join(MIRROR, "census-income-kdd", "census-income.test.gz");

/** Raw lines of the official test split, parsed independently of the loader (split on ","). */
function rawRows(): string[][] {
  return zlib
    .gunzipSync(fs.readFileSync(RAW))
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(",").map((c) => c.trim()));
}

function meanStd(a: Float32Array): [number, number] {
  let s = 0;
  let q = 0;
  for (const x of a) {
    s += x;
    q += x * x;
  }
  const m = s / a.length;
  return [m, Math.sqrt(q / a.length - m * m)];
}

test(
  "census-income-kdd: 99,762 rows split 8:1:1, labels income and marital, label sources removed",
  { timeout: 120_000 },
  async () => {
    const cache = tmpDir();
    const d = await loadDataset("census-income-kdd", { cacheDir: cache });
    assert.deepEqual(d.meta.rows, { train: 79810, valid: 9976, test: 9976 });
    assert.deepEqual(
      d.schema.labels.map((l) => l.name),
      ["income", "marital"],
    );
    const names = d.schema.features.map((f) => f.name);
    for (const gone of ["marital_stat", "income_50k", "instance_weight", "income", "marital"])
      assert.ok(!names.includes(gone), gone);
    assert.deepEqual(
      numericFeatures(d.schema).map((f) => f.name),
      [...CENSUS_NUMERIC],
    );
    assert.deepEqual(
      categoricalFeatures(d.schema).map((f) => f.name),
      [...CENSUS_CATEGORICAL],
    );
    assert.equal(CENSUS_CATEGORICAL.length, 32);
    assert.ok(numericFeatures(d.schema).every((f) => f.transform === "standard"));

    // label totals against an independent count of the raw file
    const raw = rawRows();
    assert.equal(raw.length, 99762);
    const incomeRaw = raw.filter((r) => r[41] === "50000+.").length;
    const maritalRaw = raw.filter((r) => r[7] === "Never married").length;
    assert.equal(incomeRaw, 6186, "SOURCE.md: 6,186 rows 50000+.");
    const sum = (a: Float32Array): number => a.reduce((x, y) => x + y, 0);
    const splits = [d.train, d.valid, d.test];
    assert.equal(
      splits.reduce((a, s) => a + sum(s.labels[0]), 0),
      incomeRaw,
    );
    assert.equal(
      splits.reduce((a, s) => a + sum(s.labels[1]), 0),
      maritalRaw,
    );
    // measured rates: income 0.059-0.063, marital 0.432-0.434 per split
    for (const s of splits) {
      const inc = sum(s.labels[0]) / s.numRows;
      const mar = sum(s.labels[1]) / s.numRows;
      assert.ok(inc > 0.05 && inc < 0.075, `income rate ${inc}`);
      assert.ok(mar > 0.4 && mar < 0.47, `marital rate ${mar}`);
      for (const l of s.labels) for (const x of l) assert.ok(x === 0 || x === 1);
    }
    // standardised with TRAIN statistics: train mean 0 / std 1; valid not exactly centred
    const stats = d.meta.derived?.summary.trainNumericStats as { name: string; mean: number; std: number }[];
    assert.equal(stats.length, 7);
    const ages = raw.map((r) => Number(r[0]));
    const ageMean = ages.reduce((a, b) => a + b, 0) / ages.length;
    assert.ok(
      Math.abs(stats[0].mean - ageMean) < 0.5,
      `train age mean ${stats[0].mean} vs all-rows ${ageMean}`,
    );
    for (let j = 0; j < 7; j++) {
      const [m, sd] = meanStd(d.train.num[j]);
      assert.ok(Math.abs(m) < 1e-3, `${CENSUS_NUMERIC[j]} train mean ${m}`);
      assert.ok(Math.abs(sd - 1) < 1e-3, `${CENSUS_NUMERIC[j]} train std ${sd}`);
    }
    const [vm] = meanStd(d.valid.num[0]);
    assert.ok(vm !== 0 && Math.abs(vm) < 0.1, `valid age mean ${vm}`);
    // ids in range
    const cats = categoricalFeatures(d.schema);
    for (const s of splits)
      s.cat.forEach((col, j) => col.forEach((v) => assert.ok(v >= 0 && v < cats[j].vocabSize)));
    assert.deepEqual(leftovers(cache), []);
  },
);

test(
  "census split is deterministic per seed; resplit and unknown derive options are refused",
  { timeout: 180_000 },
  async () => {
    const a = await loadDataset("census-income-kdd", { cacheDir: tmpDir() });
    const b = await loadDataset("census-income-kdd", { cacheDir: tmpDir() });
    assert.equal(a.meta.fingerprint, b.meta.fingerprint);
    assert.equal(b.meta.derived?.built, true, "fresh cache: derived again, same bytes");
    assert.deepEqual(
      a.meta.derived?.outputs.map((o) => o.sha256),
      b.meta.derived?.outputs.map((o) => o.sha256),
    );
    assert.deepEqual(a.test.labels[1], b.test.labels[1]);
    assert.deepEqual(a.train.num[2], b.train.num[2]);
    const c = await loadDataset("census-income-kdd", { cacheDir: tmpDir(), derive: { seed: 7 } });
    assert.deepEqual(c.meta.rows, a.meta.rows);
    assert.notEqual(c.meta.fingerprint, a.meta.fingerprint);
    assert.notDeepEqual(c.test.labels[1], a.test.labels[1]);
    await assert.rejects(
      loadDataset("census-income-kdd", { cacheDir: tmpDir(), resplit: { ratios: [0.8, 0.1, 0.1], seed: 1 } }),
      (e: unknown) =>
        e instanceof DataError && e.code === "BAD_OPTION" && /draws the split itself/.test(e.message),
    );
    await assert.rejects(
      loadDataset("census-income-kdd", { cacheDir: tmpDir(), derive: { ratio: 0.5 } }),
      (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /"ratio"/.test(e.message),
    );
    await assert.rejects(
      loadDataset("census-income-kdd", { cacheDir: tmpDir(), derive: { split: "official" } }),
      (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /official/.test(e.message),
    );
  },
);

test("malformed census line: error names file and line, no partial derived folder", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const good = zlib.gunzipSync(fs.readFileSync(RAW)).toString("utf8").split("\n").slice(0, 30);
  const cols = good[2].split(",");
  const short = writeFile(
    dir,
    "short.txt",
    [...good.slice(0, 2), cols.slice(0, 41).join(","), ...good.slice(3)].join("\n") + "\n",
  );
  const badAge = [...cols];
  badAge[0] = " 3x";
  const num = writeFile(
    dir,
    "num.txt",
    [...good.slice(0, 11), badAge.join(","), ...good.slice(12)].join("\n") + "\n",
  );
  const badLabel = [...cols];
  badLabel[41] = " maybe.";
  const lab = writeFile(
    dir,
    "label.gz",
    zlib.gzipSync([...good.slice(0, 6), badLabel.join(",")].join("\n") + "\n"),
  );
  for (const [file, line, reason] of [
    [short, 3, /expected 42 comma-separated columns.*found 41/],
    [num, 12, /age is not a number: "3x"/],
    [lab, 7, /income label must be/],
  ] as const) {
    const src = [{ name: "test", path: file, sha256: await sha256File(file) }];
    await expectBadRow(
      runDerive("census-bad", censusDerive(["test"], "random"), src, {}, cache),
      file,
      line,
      reason,
    );
  }
  assert.deepEqual(leftovers(cache), []);
  const derived = path.join(cache, "derived", "census-bad");
  assert.ok(!fs.existsSync(derived) || fs.readdirSync(derived).length === 0);
  // the good lines alone derive fine: 30 rows, 24/3/3
  const ok = writeFile(dir, "ok.txt", good.join("\n") + "\n");
  const rec = await runDerive(
    "census-ok",
    censusDerive(["test"], "random"),
    [{ name: "test", path: ok, sha256: await sha256File(ok) }],
    {},
    cache,
  );
  assert.deepEqual(rec.summary.rows, { train: 24, valid: 3, test: 3 });
});

test("census scaling option: default z-scores on train; minmax = (x - min)/(max - min) over ALL rows, rounded to 4 decimals", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const lines = zlib.gunzipSync(fs.readFileSync(RAW)).toString("utf8").split("\n").slice(0, 60);
  const file = writeFile(dir, "rows.txt", lines.join("\n") + "\n");
  const src = [{ name: "test", path: file, sha256: await sha256File(file) }];
  const read = (rec: { outputs: { path: string }[] }) =>
    rec.outputs.flatMap((o) =>
      fs
        .readFileSync(o.path, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split("\t").slice(2, 9).map(Number)),
    );
  const std = await runDerive("census-scaling", censusDerive(["test"], "random"), src, {}, cache);
  assert.equal(std.options.scaling, "standard", "the default is unchanged");
  assert.match(String(std.summary.scaling), /^standard/);
  const mm = await runDerive(
    "census-scaling",
    censusDerive(["test"], "random"),
    src,
    { scaling: "minmax" },
    cache,
  );
  assert.match(String(mm.summary.scaling), /^minmax/);
  assert.deepEqual(mm.summary.rows, std.summary.rows, "same split");
  const raw = lines.filter((l) => l.trim()).map((l) => l.split(",").map((c) => c.trim()));
  const rows = read(mm);
  assert.equal(rows.length, raw.length);
  CENSUS_NUMERIC.forEach((name, j) => {
    const col = CENSUS_COLUMNS.indexOf(name);
    const xs = raw.map((r) => Number(r[col]));
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const got = rows.map((r) => r[j]).sort((a, b) => a - b);
    const want = xs
      .map((x) => (hi > lo ? Math.round(((x - lo) / (hi - lo)) * 1e4) / 1e4 : 0))
      .sort((a, b) => a - b);
    assert.deepEqual(got, want, `${name}: min-max over all rows of every split`);
    if (hi > lo) assert.ok(got[0] === 0 && got[got.length - 1] === 1, `${name} spans [0, 1] over all splits`);
  });
  // z-scores differ (train statistics): the train split's age is centred.
  assert.notDeepEqual(
    read(std).map((r) => r[0]),
    rows.map((r) => r[0]),
  );
  assert.throws(
    () =>
      censusDerive(["test"], "random").check({
        split: "random",
        ratios: [0.8, 0.1, 0.1],
        seed: 1,
        scaling: "log",
      }),
    /scaling must be "standard" or "minmax"/,
  );
});

test("census-income-kdd-full: official UCI train + test registered, unpinned, official split", () => {
  const e = getDataset("census-income-kdd-full");
  assert.deepEqual(
    e.files.map((f) => f.path),
    ["census-income.data.gz", "census-income.test.gz"],
  );
  for (const f of e.files) {
    assert.equal(f.sha256, null);
    assert.match(
      f.url,
      /^https:\/\/archive\.ics\.uci\.edu\/ml\/machine-learning-databases\/census-income-mld\//,
    );
  }
  assert.match(e.notes, /NOT pinned/);
  assert.equal(e.loader?.derive?.defaults.split, "official");
  assert.deepEqual(e.loader?.derive?.sources, ["train", "test"]);
});
