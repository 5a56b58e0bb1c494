/**
 * Tests of the multi-scenario sample loaders (KuaiRand, Douban, Ali-CCP) on the shared mirror,
 * the KuaiRand-1K join format on generated files, and bad input naming file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MIRROR, tmpDir, writeFile } from "./helpers";
import {
  DOUBAN_FORMAT,
  DataError,
  KUAIRAND_1K_FORMAT,
  KUAIRAND_JOINED_FORMAT,
  KUAIRAND_USER_FEATURES,
  categoricalFeatures,
  getDataset,
  loadDataset,
  loadFiles,
  readVocabulary,
  splitCsvLine,
} from "../../src/data";
import type { LoadedDataset, TabularDataset } from "../../src/data";

const SPLITS = ["train", "valid", "test"] as const;

/** Domain sizes over all splits, checking the meta against the columns and that sizes sum to rows. */
function domainSizes(d: LoadedDataset<TabularDataset>): number[] {
  const g = d.meta.groups[0];
  const tot = new Array<number>(g.names.length).fill(0);
  for (const s of SPLITS) {
    const c = new Array<number>(g.names.length).fill(0);
    for (const x of d[s].groups[0]) c[x]++;
    assert.deepEqual(g.rows[s], c, s);
    assert.equal(
      c.reduce((a, b) => a + b, 0),
      d[s].numRows,
    );
    c.forEach((v, k) => (tot[k] += v));
  }
  return tot;
}

function csvColumn(file: string, name: string): string[] {
  const lines = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const h = splitCsvLine(lines[0]);
  const i = h.indexOf(name);
  return lines.slice(1).map((l) => splitCsvLine(l)[i]);
}

test("splitCsvLine handles quoted fields and rejects an unterminated quote", () => {
  assert.deepEqual(splitCsvLine("a,b,,c"), ["a", "b", "", "c"]);
  assert.deepEqual(splitCsvLine('1,"New York City, United States",x'), [
    "1",
    "New York City, United States",
    "x",
  ]);
  assert.deepEqual(splitCsvLine('"say ""hi""",2'), ['say "hi"', "2"]);
  assert.deepEqual(splitCsvLine('1,""'), ["1", ""]);
  assert.throws(() => splitCsvLine('1,"open'), /unterminated quoted field/);
});

test("kuairand-sample: 200 rows, HierRec tabs as domains, deterministic split", async () => {
  const d = await loadDataset("kuairand-sample", { cacheDir: tmpDir() });
  assert.equal(getDataset("kuairand-sample").folder, "scenario-wise-samples");
  assert.deepEqual(d.meta.rows, { train: 160, valid: 20, test: 20 });
  const file = path.join(MIRROR, "scenario-wise-samples", "kuairand", "kuairand_sample.csv");
  const clicks = csvColumn(file, "is_click").filter((x) => x === "1").length;
  assert.equal(clicks, 32);
  assert.equal(d.meta.positives.train + d.meta.positives.valid + d.meta.positives.test, clicks);
  assert.deepEqual(d.schema.groups, [
    { name: "domain", numGroups: 5, names: ["tab0", "tab1", "tab2", "tab3", "tab6"] },
  ]);
  assert.deepEqual(domainSizes(d), [0, 200, 0, 0, 0], "every sample row has tab 1");
  const names = categoricalFeatures(d.schema).map((f) => f.name);
  assert.equal(names.length, 2 + KUAIRAND_USER_FEATURES.length + 4 + 1);
  assert.deepEqual([names[0], names[1], names[names.length - 1]], ["user_id", "video_id", "domain"]);
  for (const dropped of [
    "play_time_ms",
    "duration_ms",
    "profile_stay_time",
    "comment_stay_time",
    "tab",
    "is_click",
  ])
    assert.ok(!names.includes(dropped), dropped);
  const again = await loadDataset("kuairand-sample", { cacheDir: tmpDir() });
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  for (const s of SPLITS) assert.deepEqual(again[s].cat[0], d[s].cat[0], `${s} split identical across loads`);
  console.log(
    `kuairand-sample: domain sizes ${domainSizes(d).join("/")}, click rate ${(clicks / 200).toFixed(3)}`,
  );
});

test("douban-sample: 3,000 rows, music/book/movie domains, quoted places parsed", async () => {
  const d = await loadDataset("douban-sample", { cacheDir: tmpDir() });
  assert.deepEqual(d.meta.rows, { train: 2400, valid: 300, test: 300 });
  const file = path.join(MIRROR, "scenario-wise-samples", "douban", "douban_sample.csv");
  const dom = csvColumn(file, "domain");
  const want = ["music", "book", "movie"].map((x) => dom.filter((y) => y === x).length);
  assert.deepEqual(want, [337, 364, 2299]);
  assert.deepEqual(domainSizes(d), want);
  assert.equal(
    d.meta.positives.train + d.meta.positives.valid + d.meta.positives.test,
    csvColumn(file, "rating").filter((x) => x === "1").length,
  );
  const v = readVocabulary(d.meta.processedDir);
  const place = v.fields[categoricalFeatures(d.schema).findIndex((f) => f.name === "living_place")];
  assert.ok(place.tokens.includes("New York City, United States"), "quoted field kept whole");
  const again = await loadDataset("douban-sample", { cacheDir: tmpDir() });
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  for (const s of SPLITS)
    assert.deepEqual(again[s].groups[0], d[s].groups[0], `${s} split identical across loads`);
  const g = d.meta.groups[0];
  console.log(
    `douban-sample: ${g.names.map((n, k) => `${n} ${want[k]} rows, click ${(SPLITS.reduce((a, s) => a + g.positives[s][k], 0) / want[k]).toFixed(3)}`).join("; ")}`,
  );
});

test("ali-ccp-sample: official splits, click + purchase, domain = column 301", async () => {
  const d = await loadDataset("ali-ccp-sample", { cacheDir: tmpDir() });
  assert.deepEqual(d.meta.rows, { train: 100, valid: 50, test: 50 });
  assert.deepEqual(d.meta.positives, { train: 7, valid: 3, test: 2 });
  assert.deepEqual(
    d.schema.labels.map((l) => l.name),
    ["click", "purchase"],
  );
  assert.deepEqual(d.schema.groups[0].numGroups, 3);
  assert.deepEqual(domainSizes(d), [200, 0, 0], "every sample row has 301 = 1");
  assert.equal(d.schema.features.filter((f) => f.kind === "numeric").length, 8);
  const names = categoricalFeatures(d.schema).map((f) => f.name);
  assert.equal(names.length, 23);
  assert.ok(!names.includes("301") && names.includes("domain"));
  const purchases = d.train.labels[1].reduce((a, b) => a + b, 0);
  const file = path.join(MIRROR, "rechub-samples", "ali-ccp", "ali_ccp_train_sample.csv");
  assert.equal(purchases, csvColumn(file, "purchase").filter((x) => x === "1").length);
  const d853 = csvColumn(file, "D853").map(Number);
  assert.ok(Math.abs(d.train.num[7][2] - d853[2]) < 1e-6, "dense columns as given");
});

test("KuaiRand formats: tabs outside {0,1,2,3,6} are filtered; the KuaiRand-1K join works on generated files", async () => {
  const dir = tmpDir();
  const userCols = ["user_id", ...KUAIRAND_USER_FEATURES];
  const userRow = (id: number) => [id, ...KUAIRAND_USER_FEATURES.map((_, j) => (id + j) % 3)].join(",");
  const vid = [
    "video_id",
    "author_id",
    "video_type",
    "upload_dt",
    "visible_status",
    "server_width",
    "server_height",
  ];
  const videoRow = (id: number) =>
    [id, 7, id % 2 === 0 ? "NORMAL" : "AD", "2022-01-01", "public", 720, 1280].join(",");
  const users = writeFile(
    dir,
    "user_features_1k.csv",
    [userCols.join(","), userRow(0), userRow(1)].join("\n") + "\n",
  );
  const videos = writeFile(
    dir,
    "video_features_basic_1k.csv",
    [vid.join(","), videoRow(10), videoRow(11)].join("\n") + "\n",
  );
  const logHeader = "user_id,video_id,date,hourmin,time_ms,is_click,is_like,play_time_ms,tab";
  const log = writeFile(
    dir,
    "log.csv",
    [
      logHeader,
      "0,10,20220408,900,1,1,0,5,0",
      "1,11,20220408,900,2,0,0,5,4",
      "1,10,20220408,900,3,0,0,5,6",
      "0,11,20220408,900,4,1,0,5,2",
    ].join("\n") + "\n",
  );
  const d = await loadFiles(
    { id: "kuairand-tiny", format: KUAIRAND_1K_FORMAT, train: [log], side: { users, videos } },
    { cacheDir: tmpDir() },
  );
  assert.equal(d.train.numRows, 3, "the tab-4 row is filtered out");
  assert.equal(d.meta.filteredRows, 1);
  assert.deepEqual(Array.from(d.train.groups[0]), [0, 4, 2]);
  assert.deepEqual(Array.from(d.train.labels[0]), [1, 0, 1]);
  const names = categoricalFeatures(d.schema).map((f) => f.name);
  const v = readVocabulary(d.meta.processedDir);
  const vt = names.indexOf("video_type");
  assert.equal(v.fields[vt].tokens[d.train.cat[vt][0] - 2], "NORMAL");
  assert.equal(v.fields[vt].tokens[d.train.cat[vt][2] - 2], "AD");
  assert.deepEqual(d.meta.formatNotes?.videos, 2);

  const unknownVideo = writeFile(
    dir,
    "log-bad.csv",
    [logHeader, "0,10,20220408,900,1,1,0,5,0", "0,99,20220408,900,1,1,0,5,0"].join("\n") + "\n",
  );
  await assert.rejects(
    loadFiles(
      { id: "kuairand-bad", format: KUAIRAND_1K_FORMAT, train: [unknownVideo], side: { users, videos } },
      { cacheDir: tmpDir() },
    ),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "BAD_ROW");
      assert.match(e.message, /log-bad\.csv:3: video_id 99 is not in the videos table/);
      return true;
    },
  );
  const dupVideos = writeFile(
    dir,
    "videos-dup.csv",
    [vid.join(","), videoRow(10), videoRow(10)].join("\n") + "\n",
  );
  await assert.rejects(
    loadFiles(
      { id: "kuairand-bad", format: KUAIRAND_1K_FORMAT, train: [log], side: { users, videos: dupVideos } },
      { cacheDir: tmpDir() },
    ),
    /videos-dup\.csv:3: duplicate video_id 10/,
  );
});

test("malformed scenario csv files: errors name the file and the line", async () => {
  const dir = tmpDir();
  const sample = fs
    .readFileSync(path.join(MIRROR, "scenario-wise-samples", "kuairand", "kuairand_sample.csv"), "utf8")
    .split("\n");
  const short = writeFile(
    dir,
    "kuairand-short.csv",
    [...sample.slice(0, 5), sample[5].split(",").slice(0, 10).join(","), ...sample.slice(6, 10)].join("\n") +
      "\n",
  );
  await assert.rejects(
    loadFiles({ id: "kr-bad", format: KUAIRAND_JOINED_FORMAT, train: [short] }, { cacheDir: tmpDir() }),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "BAD_ROW");
      assert.match(
        e.message,
        /kuairand-short\.csv:6: expected 42 comma-separated fields \(as in the header\), found 10/,
      );
      assert.equal(e.line, 6);
      return true;
    },
  );
  const noHeaderCol = writeFile(
    dir,
    "kuairand-nocol.csv",
    [sample[0].replace("video_type", "vtype"), ...sample.slice(1, 4)].join("\n") + "\n",
  );
  await assert.rejects(
    loadFiles({ id: "kr-bad", format: KUAIRAND_JOINED_FORMAT, train: [noHeaderCol] }, { cacheDir: tmpDir() }),
    /kuairand-nocol\.csv:1: header lacks column\(s\) video_type/,
  );
  const badDomain = writeFile(
    dir,
    "douban-bad.csv",
    "user_id,item_id,rating,domain,living_place,join_time,time_bin\n1,2,1,book,x,2008-01-01,3\n1,3,0,games,x,2008-01-01,3\n",
  );
  await assert.rejects(
    loadFiles({ id: "db-bad", format: DOUBAN_FORMAT, train: [badDomain] }, { cacheDir: tmpDir() }),
    /douban-bad\.csv:3: domain must be one of music, book, movie, found "games"/,
  );
  const badLabel = writeFile(
    dir,
    "douban-label.csv",
    "user_id,item_id,rating,domain,living_place,join_time,time_bin\n1,2,4,book,x,2008-01-01,3\n",
  );
  await assert.rejects(
    loadFiles({ id: "db-bad", format: DOUBAN_FORMAT, train: [badLabel] }, { cacheDir: tmpDir() }),
    /douban-label\.csv:2: rating must be 0 or 1, found "4"/,
  );
  const skipped = await loadFiles(
    { id: "db-skip", format: DOUBAN_FORMAT, train: [badDomain] },
    { cacheDir: tmpDir(), onBadRow: "skip" },
  );
  assert.equal(skipped.train.numRows, 1);
  assert.equal(skipped.meta.skippedRows, 1);
});

test("full multi-domain sets are registered unpinned (manual download, or the official ml-1m zip)", () => {
  for (const id of ["kuairand-1k", "ali-ccp"]) {
    const e = getDataset(id);
    assert.ok(e.loader !== null, id);
    assert.ok(
      e.files.every((f) => f.sha256 === null && typeof f.manual === "string" && f.manual.length > 0),
      id,
    );
    assert.match(e.notes, /NOT pinned/);
  }
  assert.match(
    getDataset("kuairand-1k").files[0].url,
    /^https:\/\/zenodo\.org\/records\/10439422\/files\/KuaiRand-1K\.tar\.gz$/,
  );
  const ml = getDataset("movielens-1m");
  assert.match(ml.notes, /NOT pinned/);
  for (const f of ml.files) {
    assert.equal(f.sha256, null);
    assert.equal(f.url, "https://files.grouplens.org/datasets/movielens/ml-1m.zip");
    assert.deepEqual(f.archive, { path: "ml-1m.zip", member: `ml-1m/${f.path}` });
  }
});
