/**
 * TEM4CTR's official sets on small generated files: the Taobao display-ad raw_sample.csv and
 * MicroVideo-1.7M train_data.csv / test_data.csv readers (src/data/feedback.ts), the "date"
 * split, and the typed-array grouping of buildFeedbackLog against the array sort it replaced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildFeedbackLog,
  feedbackSamples,
  keptUsers,
  microvideoFeedbackLog,
  syntheticFeedbackLog,
  taobaoDisplayAdFeedbackLog,
  userHash,
  type FeedbackLog,
} from "../../src/data/feedback";
import { DataError } from "../../src/data/errors";
import { Rng } from "../../src/engine/rng";
import { withEnv } from "../helpers";

const SPLIT = 1494604799;
const HEADER = "user,time_stamp,adgroup_id,pid,nonclk,clk";

interface Row {
  user: number;
  time: number;
  item: number;
  clk: number;
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-official-"));
}

/** A mirror folder holding `files` under `<mirror>/<id>/`, plus an empty cache folder. */
function mirrorWith(id: string, files: Record<string, string>): { mirror: string; cache: string } {
  const mirror = tmpDir();
  fs.mkdirSync(path.join(mirror, id));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(mirror, id, name), text);
  return { mirror, cache: tmpDir() };
}

function withMirror<T>(m: { mirror: string; cache: string }, fn: () => Promise<T>): Promise<T> {
  return withEnv(
    {
      RECREPRO_DATA_MIRROR: m.mirror,
      RECREPRO_CACHE_DIR: m.cache,
      RECREPRO_OFFLINE: "1",
      RECREPRO_STAND_IN: "0",
    },
    fn,
  );
}

/** Seeded display-ad rows: users with random ids, 1..12 events each around the split time, shuffled. */
function adRows(seed: number, numUsers: number): Row[] {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  const ids = new Set<number>();
  while (ids.size < numUsers) ids.add(1 + rng.int(1_000_000));
  for (const user of ids) {
    const n = 1 + rng.int(12);
    const late = rng.next() < 0.4;
    for (let j = 0; j < n; j++)
      rows.push({
        user,
        time: SPLIT - 86400 * 3 + rng.int(86400 * (late ? 4 : 2.5)),
        item: 1 + rng.int(40),
        clk: rng.next() < 0.3 ? 1 : 0,
      });
  }
  return Array.from(rng.permutation(rows.length), (i) => rows[i]);
}

const adCsv = (rows: Row[], header = HEADER): string =>
  [header, ...rows.map((r) => `${r.user},${r.time},${r.item},430548_1007,${1 - r.clk},${r.clk}`)].join("\n") +
  "\n";

/** The log's events as (user rank, time, feedback) plus the item id relation, per user. */
function checkLogAgainstRows(log: FeedbackLog, rows: Row[]): void {
  const users = [...new Set(rows.map((r) => r.user))].sort((a, b) => a - b);
  assert.equal(log.userStart.length - 1, users.length, "one user block per user id");
  assert.equal(log.items.length, rows.length, "one event per row");
  const toLog = new Map<number, number>();
  const toRaw = new Map<number, number>();
  users.forEach((u, k) => {
    // expected: this user's rows in time order, ties in file order
    const mine = rows.filter((r) => r.user === u).sort((a, b) => a.time - b.time);
    const s = log.userStart[k];
    assert.equal(log.userStart[k + 1] - s, mine.length, `user ${u}: event count`);
    mine.forEach((r, j) => {
      const e = s + j;
      assert.equal(log.times[e], r.time, `user ${u} event ${j}: time`);
      assert.equal(log.feedback[e], r.clk, `user ${u} event ${j}: clk = 1 is a click, else unclicked`);
      if (j > 0) assert.ok(log.times[e - 1] <= log.times[e], "time-sorted");
      const a = toLog.get(r.item) ?? log.items[e];
      const b = toRaw.get(log.items[e]) ?? r.item;
      assert.equal(a, log.items[e], `adgroup ${r.item} always the same item id`);
      assert.equal(b, r.item, `item id ${log.items[e]} always the same adgroup`);
      toLog.set(r.item, log.items[e]);
      toRaw.set(log.items[e], r.item);
    });
  });
  assert.equal(log.numItems, new Set(rows.map((r) => r.item)).size);
}

test("taobao-display-ad: rows grouped by user in time order, clk = 1 a click, adgroup_id the item", async () => {
  const rows = adRows(1, 80);
  // a tie in time inside one user keeps file order
  rows.push(
    { user: rows[0].user, time: 5, item: 41, clk: 1 },
    { user: rows[0].user, time: 5, item: 42, clk: 0 },
  );
  const log = await withMirror(mirrorWith("taobao-display-ad", { "raw_sample.csv": adCsv(rows) }), () =>
    taobaoDisplayAdFeedbackLog(),
  );
  checkLogAgainstRows(log, rows);
  assert.match(log.source, /^taobao-display-ad: clk = 1 click/);
  // columns in another order (header-mapped) and CRLF line ends: the same log
  const other = ["clk", "adgroup_id", "user", "nonclk", "time_stamp", "pid"];
  const text =
    [other.join(","), ...rows.map((r) => `${r.clk},${r.item},${r.user},${1 - r.clk},${r.time},p`)].join(
      "\r\n",
    ) + "\r\n";
  const log2 = await withMirror(mirrorWith("taobao-display-ad", { "raw_sample.csv": text }), () =>
    taobaoDisplayAdFeedbackLog(),
  );
  assert.deepEqual(Array.from(log2.items), Array.from(log.items));
  assert.deepEqual(Array.from(log2.times), Array.from(log.times));
  assert.deepEqual(Array.from(log2.feedback), Array.from(log.feedback));
});

test("taobao-display-ad maxUsers: the users with the smallest id hash, independent of file order", async () => {
  const rows = adRows(2, 120);
  const ids = [...new Set(rows.map((r) => r.user))];
  const byHash = [...ids].sort((a, b) => userHash(a) - userHash(b) || a - b).slice(0, 30);
  const load = (rs: Row[]) =>
    withMirror(mirrorWith("taobao-display-ad", { "raw_sample.csv": adCsv(rs) }), () =>
      taobaoDisplayAdFeedbackLog("taobao-display-ad", { maxUsers: 30 }),
    );
  const a = await load(rows);
  const b = await load([...rows].reverse());
  const kept = rows.filter((r) => byHash.includes(r.user));
  checkLogAgainstRows(a, kept);
  assert.equal(a.userStart.length - 1, 30);
  assert.deepEqual(Array.from(b.userStart), Array.from(a.userStart));
  assert.deepEqual(Array.from(b.times), Array.from(a.times));
  assert.deepEqual(Array.from(b.feedback), Array.from(a.feedback));
  assert.match(a.fingerprint, /maxUsers=30$/);
  assert.deepEqual([...keptUsers(ids, 30)!].sort(), [...byHash].sort());
  assert.equal(keptUsers(ids, 500), null, "maxUsers above the user count keeps everyone");
  assert.throws(() => keptUsers(ids, 0), /maxUsers must be a positive integer/);
  // the hash spreads consecutive ids (a subsample is not a prefix of the id range)
  const small = [
    ...keptUsers(
      Array.from({ length: 1000 }, (_, i) => i),
      100,
    )!,
  ];
  assert.ok(
    Math.max(...small) > 500 && Math.min(...small) < 500,
    `kept ids ${Math.min(...small)}..${Math.max(...small)}`,
  );
});

test("taobao-display-ad: a malformed row is an error naming file:line", async () => {
  const rows = adRows(3, 5);
  const lines = adCsv(rows).split("\n");
  const cases: [string, RegExp][] = [
    ["12x,1494600000,3,p,1,0", /user must be an integer/],
    ["12,1494600000,3,p,1", /expected 6 comma-separated fields/],
    ["12,1494600000,3,p,1,1", /nonclk = 1 - clk/],
    ["12,1494600000,3,p,0,2", /clk and nonclk must be 0\/1/],
    ["12,yesterday,3,p,1,0", /time_stamp is not a number/],
  ];
  for (const [bad, why] of cases) {
    const text = [...lines.slice(0, 4), bad, ...lines.slice(4)].join("\n");
    const m = mirrorWith("taobao-display-ad", { "raw_sample.csv": text });
    const file = path.join(m.mirror, "taobao-display-ad", "raw_sample.csv");
    for (const maxUsers of [undefined, 2])
      await assert.rejects(
        withMirror(m, () => taobaoDisplayAdFeedbackLog("taobao-display-ad", { maxUsers })),
        (e: unknown) => {
          assert.ok(e instanceof DataError, String(e));
          assert.equal(e.code, "BAD_ROW");
          assert.equal(e.line, 5, `${bad}: ${e.message}`);
          assert.ok(e.message.startsWith(`${file}:5: `), e.message);
          assert.match(e.message, why);
          return true;
        },
      );
  }
});

test("taobao-display-ad: a missing or renamed column (or no header) names the file and the column", async () => {
  const rows = adRows(4, 3);
  for (const [header, missing] of [
    ["user,time_stamp,ad_id,pid,nonclk,clk", "adgroup_id"],
    ["user,time_stamp,adgroup_id,pid,nonclk", "clk"],
    ["581738,1494137644,1,430548_1007,1,0", "user, time_stamp, adgroup_id, pid, nonclk, clk"],
  ]) {
    const m = mirrorWith("taobao-display-ad", { "raw_sample.csv": adCsv(rows, header) });
    await assert.rejects(
      withMirror(m, () => taobaoDisplayAdFeedbackLog()),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.ok(e.message.includes(path.join(m.mirror, "taobao-display-ad", "raw_sample.csv")), e.message);
        assert.ok(e.message.includes(`lacks column(s) ${missing};`), e.message);
        return true;
      },
    );
  }
});

test("official sets offline without files: the error lists the paths tried and the manual download", async () => {
  const m = { mirror: tmpDir(), cache: tmpDir() };
  await assert.rejects(
    withMirror(m, () => taobaoDisplayAdFeedbackLog()),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.code, "MISSING_FILE");
      assert.ok(e.message.includes(path.join(m.mirror, "taobao-display-ad", "raw_sample.csv")), e.message);
      assert.ok(e.message.includes(path.join(m.cache, "taobao-display-ad", "raw_sample.csv")), e.message);
      assert.match(e.message, /Tianchi requires signing in: download raw_sample\.csv\.tar\.gz/);
      return true;
    },
  );
  // MicroVideo with only train_data.csv present: the missing test file is named, with its manual step
  const m2 = mirrorWith("microvideo-1.7m", { "train_data.csv": "1,2,3,1,10\n" });
  await assert.rejects(
    withMirror(m2, () => microvideoFeedbackLog()),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "MISSING_FILE");
      assert.ok(e.message.includes(path.join(m2.mirror, "microvideo-1.7m", "test_data.csv")), e.message);
      assert.match(e.message, /Follow the data link in https:\/\/github\.com\/Ocxs\/THACIL/);
      return true;
    },
  );
});

/** MicroVideo rows: user, item, cate, click, time (raw ids overlap between the two files). */
function videoRows(seed: number, numUsers: number, t0: number): number[][] {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  for (let u = 0; u < numUsers; u++)
    for (let j = 0, n = 3 + rng.int(10); j < n; j++)
      rows.push([u, rng.int(30), rng.int(5), rng.next() < 0.4 ? 1 : 0, t0 + rng.int(1000)]);
  return rows;
}
const MV_HEADER = "user_id,item_id,cate_id,is_click,timestamp";
const videoCsv = (rows: number[][], header: string | null) =>
  [...(header === null ? [] : [header]), ...rows.map((r) => r.join(","))].join("\n") + "\n";

test("microvideo-1.7m: test item ids offset (disjoint from train), test histories apart, header optional", async () => {
  const train = videoRows(5, 12, 1000);
  const testRows = videoRows(6, 9, 5000);
  const load = (th: string | null, sh: string | null) =>
    withMirror(
      mirrorWith("microvideo-1.7m", {
        "train_data.csv": videoCsv(train, th),
        "test_data.csv": videoCsv(testRows, sh),
      }),
      () => microvideoFeedbackLog(),
    );
  const log = await load(null, MV_HEADER);
  const numUsers = log.userStart.length - 1;
  assert.equal(numUsers, 12 + 9, "a user's test_data.csv events are a separate history");
  assert.equal(log.testUser?.length, numUsers);
  assert.deepEqual(Array.from(log.testUser!), [...Array(12).fill(0), ...Array(9).fill(1)]);
  const trainItems = new Set(log.items.subarray(0, log.userStart[12]));
  const testItems = new Set(log.items.subarray(log.userStart[12]));
  for (const i of testItems) assert.ok(!trainItems.has(i), `item ${i} in both train and test`);
  assert.equal(trainItems.size, new Set(train.map((r) => r[1])).size);
  assert.equal(testItems.size, new Set(testRows.map((r) => r[1])).size);
  assert.equal(log.notes?.itemOffset, Math.max(...train.map((r) => r[1])) + 1);
  // click mapping and time order, per history
  const hist = (rows: number[][], u: number) => rows.filter((r) => r[0] === u).sort((a, b) => a[4] - b[4]);
  for (let k = 0; k < numUsers; k++) {
    const mine = k < 12 ? hist(train, k) : hist(testRows, k - 12);
    const s = log.userStart[k];
    assert.deepEqual(
      Array.from(log.feedback.subarray(s, log.userStart[k + 1])),
      mine.map((r) => r[3]),
    );
    assert.deepEqual(
      Array.from(log.times.subarray(s, log.userStart[k + 1])),
      mine.map((r) => r[4]),
    );
  }
  // with a header on both files, or on neither: the same log
  for (const [a, b] of [
    [MV_HEADER, MV_HEADER],
    [null, null],
    ["timestamp,user_id,item_id,cate_id,is_click", MV_HEADER],
  ] as const) {
    if (a?.startsWith("timestamp")) {
      const re = train.map((r) => [r[4], r[0], r[1], r[2], r[3]]);
      const l = await withMirror(
        mirrorWith("microvideo-1.7m", {
          "train_data.csv": videoCsv(re, a),
          "test_data.csv": videoCsv(testRows, b),
        }),
        () => microvideoFeedbackLog(),
      );
      assert.deepEqual(Array.from(l.items), Array.from(log.items), "header maps columns by name");
      continue;
    }
    const l = await load(a, b);
    assert.deepEqual(Array.from(l.items), Array.from(log.items));
    assert.deepEqual(Array.from(l.feedback), Array.from(log.feedback));
  }
  // the date split on a marked log: every test row is a test_data.csv user's last click / unclick
  const d = feedbackSamples(log, "mv", {
    clickLen: 4,
    kMax: 1,
    windows: [0, 1],
    split: "date",
    validShare: 0.3,
  });
  const lastTargets = new Set<number>();
  for (let k = 12; k < numUsers; k++)
    for (const label of [1, 0]) {
      let clicksBefore = 0;
      let last = -1;
      for (let e = log.userStart[k]; e < log.userStart[k + 1]; e++) {
        if (log.feedback[e] === label && clicksBefore >= 1) last = e;
        if (log.feedback[e] === 1) clicksBefore++;
      }
      if (last >= 0) lastTargets.add(log.items[last]);
    }
  for (const i of d.test.cat[0]) assert.ok(testItems.has(i) && lastTargets.has(i), `test item ${i}`);
  for (const i of [...d.train.cat[0], ...d.valid.cat[0]])
    assert.ok(trainItems.has(i), `train/valid item ${i}`);
  assert.ok(d.test.numRows >= 9, `${d.test.numRows} test rows`);
});

test("microvideo-1.7m: a renamed column names the file and the column; a bad row names file:line", async () => {
  const m = mirrorWith("microvideo-1.7m", {
    "train_data.csv": videoCsv(videoRows(7, 2, 0), "user_id,item_id,cate_id,click,timestamp"),
    "test_data.csv": videoCsv(videoRows(8, 2, 0), MV_HEADER),
  });
  await assert.rejects(
    withMirror(m, () => microvideoFeedbackLog()),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.ok(e.message.includes(path.join(m.mirror, "microvideo-1.7m", "train_data.csv")), e.message);
      assert.match(e.message, /lacks column\(s\) is_click; .*\(or no header line\)/);
      return true;
    },
  );
  const rows = videoRows(9, 2, 0).map((r) => r.join(","));
  rows.splice(2, 0, "1,2,3,7,100");
  const m2 = mirrorWith("microvideo-1.7m", {
    "train_data.csv": videoCsv(videoRows(7, 2, 0), null),
    "test_data.csv": [MV_HEADER, ...rows].join("\n"),
  });
  await assert.rejects(
    withMirror(m2, () => microvideoFeedbackLog()),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "BAD_ROW");
      assert.ok(
        e.message.startsWith(`${path.join(m2.mirror, "microvideo-1.7m", "test_data.csv")}:4: `),
        e.message,
      );
      assert.match(e.message, /is_click must be 0 or 1/);
      return true;
    },
  );
});

test("microvideo-1.7m maxUsers keeps a user's train and test history together", async () => {
  const m = mirrorWith("microvideo-1.7m", {
    "train_data.csv": videoCsv(videoRows(10, 40, 0), MV_HEADER),
    "test_data.csv": videoCsv(videoRows(11, 40, 9000), MV_HEADER),
  });
  const log = await withMirror(m, () => microvideoFeedbackLog("microvideo-1.7m", { maxUsers: 10 }));
  assert.equal(log.userStart.length - 1, 20, "10 users, each with a train and a test history");
  assert.equal(
    log.testUser!.reduce((a, b) => a + b, 0),
    10,
  );
});

test("date split: late users give exactly their last click + last unclick; no event after a target is used", () => {
  // Per user: events with unique items (item = 100·user + j), early users before SPLIT only.
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  const feedback: number[] = [];
  const push = (u: number, j: number, t: number, f: number) => {
    users.push(u);
    items.push(100 * u + j);
    times.push(t);
    feedback.push(f);
  };
  const rng = new Rng(12);
  for (let u = 0; u < 60; u++) {
    for (let j = 0; j < 12; j++) push(u, j, SPLIT - 10_000 + 100 * j + rng.int(50), j % 3 === 0 ? 1 : 0);
  }
  // late users: history before SPLIT, then an unclick, a click and a final unclick after it
  for (let u = 60; u < 80; u++) {
    for (let j = 0; j < 6; j++) push(u, j, SPLIT - 5000 + 100 * j, j % 2);
    push(u, 6, SPLIT + 10, 0);
    push(u, 7, SPLIT + 20, 1);
    push(u, 8, SPLIT + 30, 0);
  }
  // a late user whose last click is before the split time: that click is a train row (official)
  for (let j = 0; j < 4; j++) push(90, j, SPLIT - 400 + j, j < 2 ? 1 : 0);
  push(90, 4, SPLIT + 5, 0);
  const log = buildFeedbackLog({ users, items, times, feedback }, { source: "date", fingerprint: "date" });
  const d = feedbackSamples(log, "date", {
    clickLen: 5,
    kMax: 2,
    windows: [0, 2],
    split: "date",
    splitTime: SPLIT,
    validShare: 0.25,
  });
  // items are unique per event: a log item id names its event and its raw id
  const eventOf = new Map<number, number>();
  for (let e = 0; e < log.items.length; e++) eventOf.set(log.items[e], e);
  const rawOf = new Map<number, number>();
  const rawUsers = [...new Set(users)].sort((a, b) => a - b); // log user order
  rawUsers.forEach((u, k) => {
    const s = log.userStart[k];
    items.filter((_, i) => users[i] === u).forEach((raw, j) => rawOf.set(log.items[s + j], raw));
  });
  const rawTest = Array.from(d.test.cat[0], (i) => rawOf.get(i)!).sort((a, b) => a - b);
  const expected: number[] = [];
  for (let u = 60; u < 80; u++) expected.push(100 * u + 7, 100 * u + 8);
  expected.push(100 * 90 + 4);
  assert.deepEqual(
    rawTest,
    expected.sort((a, b) => a - b),
    "test = each late user's last click and last unclick",
  );
  const rawTrain = Array.from(d.train.cat[0], (i) => rawOf.get(i)!);
  assert.ok(rawTrain.includes(9001), "the late user's last click before the split time is a train row");
  assert.ok(!rawTrain.includes(9000), "only the last click of a late user, not the earlier ones");
  const late = (raw: number) => raw >= 6000;
  assert.deepEqual(rawTrain.filter(late), [9001], "no other late-user target in train");
  // valid: carved from the early users only, their last click + last unclick
  const rawValid = Array.from(d.valid.cat[0], (i) => rawOf.get(i)!);
  assert.ok(rawValid.length > 0 && rawValid.every((r) => !late(r)));
  const validUsers = new Set(rawValid.map((r) => Math.floor(r / 100)));
  for (const u of validUsers) {
    assert.deepEqual(
      rawValid.filter((r) => Math.floor(r / 100) === u).sort((a, b) => a - b),
      [100 * u + 9, 100 * u + 11],
      `valid user ${u}: last click (j 9) and last unclick (j 11)`,
    );
    assert.ok(!rawTrain.some((r) => Math.floor(r / 100) === u), `valid user ${u} also in train`);
  }
  // train: balanced per early user
  for (let u = 0; u < 60; u++) {
    if (validUsers.has(u)) continue;
    const mine = rawTrain.filter((r) => Math.floor(r / 100) === u);
    const clicks = mine.filter((r) => (r % 100) % 3 === 0).length;
    assert.equal(clicks, mine.length - clicks, `user ${u}: balanced train targets`);
  }
  // no history reaches past its target: every id in a test row's click and unclick sequences is
  // an event strictly before the target (the late users' events after SPLIT are interleaved)
  const L = 5;
  const W = 4;
  for (let r = 0; r < d.test.numRows; r++) {
    const t = eventOf.get(d.test.cat[0][r])!;
    const clicks = Array.from(d.test.seq[0].subarray(r * L, (r + 1) * L));
    const seen = [
      ...clicks,
      ...d.test.seq[1].subarray(r * L * W, (r + 1) * L * W),
      ...d.test.seq[2].subarray(r * L * W, (r + 1) * L * W),
    ].filter((i) => i !== 0);
    for (const i of seen)
      assert.ok(
        log.times[eventOf.get(i)!] < log.times[t],
        `test row ${r} sees item ${rawOf.get(i)} after its target`,
      );
    const raw = rawOf.get(d.test.cat[0][r])!;
    if (raw < 9000 && raw % 100 === 8)
      assert.equal(
        rawOf.get(clicks[L - 1]),
        raw - 1,
        "the last unclick's history ends with the click before it",
      );
  }
  // splitTime is required on an unmarked log; the other splits' fingerprints are untouched
  assert.throws(() => feedbackSamples(log, "x", { split: "date" }), /needs a finite splitTime/);
});

test('"time" and "users" splits are bit-identical to before the "date" split (pinned hashes)', () => {
  const h = (arrs: ArrayLike<number>[]) => {
    const c = crypto.createHash("sha256");
    for (const a of arrs as unknown as Uint8Array[])
      c.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return c.digest("hex").slice(0, 16);
  };
  const log = syntheticFeedbackLog({ numUsers: 300, seed: 7, accidentalShare: 0.5, noise: 0 });
  assert.equal(h([log.userStart, log.items, log.times, log.feedback, log.targetOnly!]), "b3462a7f88bee0da");
  const pinned: Record<string, string> = {
    time: "2c2759db9d3bd0f3,679fa712a0113c2d,b05f5784932389a8 1964548633bceb7f",
    users: "e93caf7d4244a3b2,39fadf30db770a61,ee7a380055e8a402 36d53e3096b7a771",
  };
  for (const split of ["time", "users"] as const) {
    const d = feedbackSamples(log, "syn", {
      clickLen: 10,
      kMax: 5,
      windows: [0, 1, 5],
      split,
      maxTrainPerUser: 4,
    });
    const got =
      [d.train, d.valid, d.test].map((s) => h([...s.cat, ...s.seq, ...s.labels, ...s.groups])).join(",") +
      " " +
      d.meta.fingerprint.slice(0, 16);
    assert.equal(got, pinned[split], split);
  }
});

/** buildFeedbackLog before the typed-array path: one array sort of boxed indices. */
function buildFeedbackLogReference(ev: {
  users: number[];
  items: number[];
  times: number[];
  feedback: number[];
  targetOnly: number[];
}) {
  const n = ev.users.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => ev.users[a] - ev.users[b] || ev.times[a] - ev.times[b] || a - b,
  );
  const itemIds = new Map<number, number>();
  const items = new Int32Array(n);
  const times = new Float64Array(n);
  const feedback = new Uint8Array(n);
  const targetOnly = new Uint8Array(n);
  const starts: number[] = [];
  let prev = NaN;
  order.forEach((e, i) => {
    if (ev.users[e] !== prev) {
      starts.push(i);
      prev = ev.users[e];
    }
    let id = itemIds.get(ev.items[e]);
    if (id === undefined) {
      id = itemIds.size + 1;
      itemIds.set(ev.items[e], id);
    }
    items[i] = id;
    times[i] = ev.times[e];
    feedback[i] = ev.feedback[e] ? 1 : 0;
    targetOnly[i] = ev.targetOnly[e] ? 1 : 0;
  });
  starts.push(n);
  return { userStart: Int32Array.from(starts), items, times, feedback, targetOnly, numItems: itemIds.size };
}

test("buildFeedbackLog's typed-array grouping equals the array sort it replaced", () => {
  for (const [seed, n, numUsers, span] of [
    [1, 5000, 50, 20], // many time ties
    [2, 3000, 2900, 1e9], // almost one event per user
    [3, 20000, 7, 1e6], // long runs (merge sort path)
    [4, 1, 1, 1],
    [5, 0, 1, 1],
  ]) {
    const rng = new Rng(seed);
    const ev = {
      users: Array.from({ length: n }, () => (rng.int(numUsers) - 3) * 1000.5),
      items: Array.from({ length: n }, () => rng.int(500)),
      times: Array.from({ length: n }, () => (seed === 3 ? rng.next() * span : rng.int(span)) - span / 2),
      feedback: Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0)),
      targetOnly: Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0)),
    };
    const ref = buildFeedbackLogReference(ev);
    const got = buildFeedbackLog(ev, { source: "r", fingerprint: "r", targetOnly: ev.targetOnly });
    const typed = buildFeedbackLog(
      {
        users: Float64Array.from(ev.users),
        items: Int32Array.from(ev.items),
        times: Float64Array.from(ev.times),
        feedback: Uint8Array.from(ev.feedback),
      },
      { source: "r", fingerprint: "r", targetOnly: Uint8Array.from(ev.targetOnly) },
    );
    for (const l of [got, typed]) {
      assert.deepEqual(l.userStart, ref.userStart, `seed ${seed}: userStart`);
      assert.deepEqual(l.items, ref.items, `seed ${seed}: items`);
      assert.deepEqual(l.times, ref.times, `seed ${seed}: times`);
      assert.deepEqual(l.feedback, ref.feedback, `seed ${seed}: feedback`);
      assert.deepEqual(l.targetOnly, ref.targetOnly, `seed ${seed}: targetOnly`);
      assert.equal(l.numItems, ref.numItems);
    }
  }
});

test("tem4ctr officialData: present sets load with the official split; officialStatus says which are here", async () => {
  const tem = await import("../../src/papers/tem4ctr/experiment");
  const s = { ...tem.PROFILES.smoke, officialMaxUsers: 250 };
  const m = mirrorWith("taobao-display-ad", { "raw_sample.csv": adCsv(adRows(13, 400)) });
  const [data, status] = await withMirror(m, async () => [
    await tem.officialData(s),
    await tem.officialStatus(s),
  ]);
  assert.deepEqual(
    data.map((d) => d.name),
    ["alibaba"],
  );
  const d = data[0];
  assert.equal(d.log.userStart.length - 1, 250, "officialMaxUsers users");
  assert.ok(d.data.train.numRows > 0 && d.data.valid.numRows > 0 && d.data.test.numRows > 0);
  assert.match(d.data.meta.fingerprint, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    status.map((r) => [r.data, r.status]),
    [
      ["taobao-display-ad", "present, loaded"],
      ["microvideo-1.7m", "missing"],
    ],
  );
  assert.match(status[1].note, /place train_data\.csv at <mirror>\/microvideo-1\.7m\/train_data\.csv/);
  // MicroVideo added to the same mirror: both load, test rows from test_data.csv histories
  fs.mkdirSync(path.join(m.mirror, "microvideo-1.7m"));
  fs.writeFileSync(
    path.join(m.mirror, "microvideo-1.7m", "train_data.csv"),
    videoCsv(videoRows(14, 60, 0), null),
  );
  fs.writeFileSync(
    path.join(m.mirror, "microvideo-1.7m", "test_data.csv"),
    videoCsv(videoRows(15, 60, 0), MV_HEADER),
  );
  const [both, status2] = await withMirror(m, async () => [
    await tem.officialData(s),
    await tem.officialStatus(s),
  ]);
  assert.deepEqual(
    both.map((x) => x.name),
    ["alibaba", "microvideo"],
  );
  assert.deepEqual(
    status2.map((r) => r.status),
    ["present, loaded", "present, loaded"],
  );
  const mv = both[1];
  const testItems = new Set(mv.log.items.subarray(mv.log.userStart[mv.log.testUser!.indexOf(1)]));
  assert.ok(mv.data.test.numRows > 0 && Array.from(mv.data.test.cat[0]).every((i) => testItems.has(i)));
  assert.ok(Array.from(mv.data.train.cat[0]).every((i) => !testItems.has(i)));
  // the "date" split of the alibaba set: every test row is a target after the split time
  for (let r = 0; r < d.data.test.numRows; r++) {
    const item = d.data.test.cat[0][r];
    assert.ok(
      Array.from(d.log.items).some((x, e) => x === item && d.log.times[e] > SPLIT),
      `test item ${item} never shown after the split time`,
    );
  }
});
