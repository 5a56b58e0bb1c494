/**
 * Taobao UserBehavior as a cascaded click -> purchase task over a constructed exposure space:
 * the real sample from the shared mirror (row counts, CTR / CVR, purchase <= click, negatives
 * never acted on, seeded determinism) and malformed input naming file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MIRROR, leftovers, tmpDir, writeFile } from "./helpers";
import { DataError, TAOBAO_CATEGORICAL, categoricalFeatures, getDataset, loadDataset, runDerive, sha256File, taobaoDerive, taobaoHour } from "../../src/data";

const RAW = path.join(MIRROR, "taobao-userbehavior", "UserBehavior_head.csv");

/** Independent reading of the raw log: complete 5-column lines only. */
function rawLog(): string[][] {
  return fs
    .readFileSync(RAW, "utf8")
    .split("\n")
    .map((l) => l.split(","))
    .filter((c) => c.length === 5);
}

test("taobao-userbehavior: exposure space sizes, CTR, CVR, purchase <= click, truncated tail reported", { timeout: 120_000 }, async () => {
  const cache = tmpDir();
  const d = await loadDataset("taobao-userbehavior", { cacheDir: cache });
  const log = rawLog();
  assert.equal(log.length, 84475, "SOURCE.md: 84,475 rows");
  const pairs = new Set(log.map((c) => `${c[0]}:${c[1]}`));
  const bought = new Set(log.filter((c) => c[3] === "buy").map((c) => `${c[0]}:${c[1]}`));
  assert.equal(pairs.size, 63988);
  const s = d.meta.derived?.summary as Record<string, unknown>;
  assert.equal(s.clicks, pairs.size);
  assert.equal(s.purchases, bought.size);
  assert.equal(s.negatives, 3 * pairs.size);
  assert.equal(s.rows, 4 * pairs.size);
  assert.equal(s.users, 815);
  assert.deepEqual((s.truncatedTail as { line: number }).line, 84476);
  assert.deepEqual(s.behaviorCounts, { pv: 75872, cart: 4497, fav: 2356, buy: 1750 });
  assert.deepEqual(d.meta.rows, { train: 204762, valid: 25595, test: 25595 });
  assert.deepEqual(d.schema.labels.map((l) => l.name), ["click", "purchase"]);
  assert.deepEqual(categoricalFeatures(d.schema).map((f) => f.name), [...TAOBAO_CATEGORICAL]);
  // measured: CTR 0.250 by construction, CVR among clicks 0.026, CTCVR 0.0065
  let clicks = 0;
  let purchases = 0;
  for (const split of [d.train, d.valid, d.test]) {
    const [c, p] = split.labels;
    for (let i = 0; i < split.numRows; i++) {
      assert.ok(p[i] <= c[i], `purchase <= click (row ${i})`);
      clicks += c[i];
      purchases += p[i];
    }
    const ctr = c.reduce((a, b) => a + b, 0) / split.numRows;
    assert.ok(ctr > 0.24 && ctr < 0.26, `split CTR ${ctr}`);
  }
  assert.equal(clicks, pairs.size);
  assert.equal(purchases, bought.size);
  const cvr = purchases / clicks;
  assert.ok(cvr > 0.015 && cvr < 0.04, `CVR among clicks ${cvr}`);
  assert.equal(s.ctr, 0.25);
  assert.ok(Math.abs((s.cvrAmongClicks as number) - cvr) < 1e-12);
  assert.deepEqual(leftovers(cache), []);
});

test("taobao negatives: never items the user acted on, half from the user's clicked categories, seeded", { timeout: 120_000 }, async () => {
  const cache = tmpDir();
  const d = await loadDataset("taobao-userbehavior", { cacheDir: cache });
  const out = d.meta.derived?.outputs[0].path as string;
  const lines = fs.readFileSync(out, "utf8").trim().split("\n");
  assert.equal(lines[0], "label:click\tlabel:purchase\tcat:user_id\tcat:item_id\tcat:category_id\tcat:hour\tcat:user_activity");
  const acted = new Map<string, Set<string>>();
  const cats = new Map<string, Set<string>>();
  for (const c of rawLog()) {
    if (!acted.has(c[0])) {
      acted.set(c[0], new Set());
      cats.set(c[0], new Set());
    }
    acted.get(c[0])?.add(c[1]);
    cats.get(c[0])?.add(c[2]);
  }
  let neg = 0;
  let sameCat = 0;
  const hours = new Set<string>();
  for (const l of lines.slice(1)) {
    const [click, purchase, user, item, cat, hour] = l.split("\t");
    hours.add(hour);
    if (click === "1") {
      assert.ok(acted.get(user)?.has(item), `positive ${user}:${item} is in the log`);
      continue;
    }
    assert.equal(purchase, "0");
    neg++;
    assert.ok(!acted.get(user)?.has(item), `negative ${user}:${item} was never acted on`);
    if (cats.get(user)?.has(cat)) sameCat++;
  }
  assert.ok(sameCat / neg > 0.5, `share of negatives in the user's categories ${sameCat / neg}`);
  assert.equal(hours.size, 24);
  assert.equal(taobaoHour(1511544070), 1, "2017-11-25 01:21 China time");
  // determinism: a fresh cache gives the same bytes; another seed does not
  const again = await loadDataset("taobao-userbehavior", { cacheDir: tmpDir() });
  assert.equal(again.meta.derived?.outputs[0].sha256, d.meta.derived?.outputs[0].sha256);
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  assert.deepEqual(again.test.cat[1], d.test.cat[1]);
  const other = await loadDataset("taobao-userbehavior", { cacheDir: cache, derive: { seed: 5, negPerClick: 1, maxUsers: 100 } });
  assert.notEqual(other.meta.fingerprint, d.meta.fingerprint);
  const os = other.meta.derived?.summary as Record<string, number>;
  assert.equal(os.users, 100);
  assert.equal(os.negatives, os.clicks);
  await assert.rejects(loadDataset("taobao-userbehavior", { cacheDir: cache, derive: { negPerClick: -1 } }), (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /negPerClick/.test(e.message));
});

async function derive(file: string, cache: string) {
  return runDerive("taobao-bad", taobaoDerive("behaviors"), [{ name: "behaviors", path: file, sha256: await sha256File(file) }], {}, cache);
}

async function expectBadRow(p: Promise<unknown>, file: string, line: number, reason: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, "BAD_ROW");
    assert.equal(e.file, file);
    assert.equal(e.line, line);
    assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
    assert.match(e.message, reason);
    return true;
  });
}

test("malformed taobao lines name file and line; only a truncated last line is tolerated", async () => {
  const dir = tmpDir();
  const cache = tmpDir();
  const good = fs.readFileSync(RAW, "utf8").split("\n").slice(0, 400);
  const withBad = (i: number, bad: string): string[] => good.map((l, k) => (k === i ? bad : l));
  const b1 = writeFile(dir, "cols.csv", withBad(9, "1,2,3,pv").join("\n") + "\n");
  await expectBadRow(derive(b1, cache), b1, 10, /expected 5 comma-separated columns.*found 4/);
  const b2 = writeFile(dir, "beh.csv", withBad(199, "100,5,6,click,1511544070").join("\n") + "\n");
  await expectBadRow(derive(b2, cache), b2, 200, /behavior_type must be one of pv, cart, fav, buy, found "click"/);
  const b3 = writeFile(dir, "ts.csv", withBad(3, "1,2268318,2520377,pv,12:00").join("\n") + "\n");
  await expectBadRow(derive(b3, cache), b3, 4, /timestamp must be an integer/);
  // user 1 reappears after user 100
  const b4 = writeFile(dir, "order.csv", [...good, "1,5,6,pv,1511544070"].join("\n") + "\n");
  await expectBadRow(derive(b4, cache), b4, good.length + 1, /rows of user 1 are not contiguous/);
  assert.deepEqual(leftovers(cache), []);
  // a cut last line (no newline) is dropped and reported
  const tail = writeFile(dir, "tail.csv", [...good, "100,1968385,187"].join("\n"));
  const rec = await derive(tail, cache);
  assert.deepEqual((rec.summary.truncatedTail as { line: number }).line, good.length + 1);
  assert.equal(rec.summary.logRows, good.length);
});

test("taobao-userbehavior-full: the full log is registered as a manual, unpinned download", () => {
  const e = getDataset("taobao-userbehavior-full");
  assert.equal(e.files.length, 1);
  assert.equal(e.files[0].sha256, null);
  assert.match(e.files[0].manual ?? "", /tianchi\.aliyun\.com\/dataset\/649/);
  assert.match(e.notes, /NOT pinned/);
  assert.equal(e.loader?.derive?.id, getDataset("taobao-userbehavior").loader?.derive?.id);
});
