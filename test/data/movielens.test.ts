/**
 * Tests of the MovieLens multi-domain loaders (HAMUR set-up) on the shared mirror: sizes, labels,
 * domain definitions recomputed from the raw files, the seeded split, and errors naming file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as http from "http";
import type { AddressInfo } from "net";
import { MIRROR, leftovers, tmpDir, writeFile } from "./helpers";
import {
  DataError,
  MOVIELENS_1M_FORMAT,
  MOVIELENS_100K_FORMAT,
  OCCUPATION_GROUP,
  ML1M_OCCUPATIONS,
  batches,
  categoricalFeatures,
  crc32,
  loadDataset,
  openDataset,
  loadFiles,
  ml1mAgeCode,
  readVocabulary,
  readZipMember,
  resolveFile,
  zipEntries,
} from "../../src/data";
import type { DataFileSpec, DatasetEntry, LoadedDataset, TabularDataset } from "../../src/data";

const SPLITS = ["train", "valid", "test"] as const;

/** Direct recomputation from the raw files: per-domain rows and clicks for a user -> domain map. */
function expected(
  ratingsFile: string,
  sep: string,
  domainOf: Map<string, number>,
  numDomains: number,
): { rows: number[]; clicks: number[] } {
  const rows = new Array<number>(numDomains).fill(0);
  const clicks = new Array<number>(numDomains).fill(0);
  for (const line of fs.readFileSync(ratingsFile, "latin1").split("\n")) {
    if (line === "") continue;
    const f = line.split(sep);
    const d = domainOf.get(f[0]) as number;
    rows[d]++;
    if (Number(f[2]) > 3) clicks[d]++;
  }
  return { rows, clicks };
}

function ml1mUsers(): {
  age: Map<string, number>;
  gender: Map<string, number>;
  occupation: Map<string, number>;
} {
  const age = new Map<string, number>();
  const gender = new Map<string, number>();
  const occupation = new Map<string, number>();
  for (const line of fs
    .readFileSync(path.join(MIRROR, "movielens-1m-subset", "users.dat"), "latin1")
    .split("\n")) {
    if (line === "") continue;
    const [id, g, a, o] = line.split("::");
    const code = Number(a);
    age.set(id, code === 1 || code === 18 ? 0 : code === 25 ? 1 : 2);
    gender.set(id, g === "F" ? 0 : 1);
    occupation.set(id, OCCUPATION_GROUP[ML1M_OCCUPATIONS[Number(o)]]);
  }
  return { age, gender, occupation };
}

/** Per-domain totals over the three splits from the load meta, checked against the split columns. */
function domainTotals(d: LoadedDataset<TabularDataset>): { rows: number[]; clicks: number[] } {
  const g = d.meta.groups[0];
  assert.equal(g.axis, "domain");
  const n = g.names.length;
  const rows = new Array<number>(n).fill(0);
  const clicks = new Array<number>(n).fill(0);
  for (const s of SPLITS) {
    const ds = d[s];
    const r = new Array<number>(n).fill(0);
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < ds.numRows; i++) {
      r[ds.groups[0][i]]++;
      c[ds.groups[0][i]] += ds.labels[0][i];
    }
    assert.deepEqual(g.rows[s], r, `${s} group rows in meta`);
    assert.deepEqual(g.positives[s], c, `${s} group positives in meta`);
    assert.equal(
      r.reduce((a, b) => a + b, 0),
      ds.numRows,
      `${s}: domain sizes sum to the rows`,
    );
    for (let k = 0; k < n; k++) {
      rows[k] += r[k];
      clicks[k] += c[k];
    }
  }
  return { rows, clicks };
}

function report(
  name: string,
  d: LoadedDataset<TabularDataset>,
  t: { rows: number[]; clicks: number[] },
): void {
  const names = d.meta.groups[0].names;
  console.log(
    `${name}: ${names.map((x, k) => `${x} ${t.rows[k]} rows, click ${(t.clicks[k] / t.rows[k]).toFixed(4)}`).join("; ")}`,
  );
}

test("movielens-1m-subset: HAMUR set-up (age domains, click = rating > 3, 8:1:1 seeded), checked against the raw files", async () => {
  const cache = tmpDir();
  const d = await loadDataset("movielens-1m-subset", { cacheDir: cache });
  assert.deepEqual(d.meta.rows, { train: 80000, valid: 10000, test: 10000 });
  assert.deepEqual(
    categoricalFeatures(d.schema).map((f) => f.name),
    ["user_id", "movie_id", "gender", "occupation", "zip", "cate_id", "domain"],
  );
  assert.deepEqual(
    d.schema.features.filter((f) => f.kind === "numeric"),
    [{ kind: "numeric", name: "age", transform: "minmax" }],
  );
  assert.deepEqual(d.schema.labels, [{ name: "click", type: "binary" }]);
  assert.deepEqual(d.schema.groups, [
    { name: "domain", numGroups: 3, names: ["age<25", "age 25-34", "age 35+"] },
  ]);
  const users = ml1mUsers();
  const want = expected(
    path.join(MIRROR, "movielens-1m-subset", "ratings_sample_100k.dat"),
    "::",
    users.age,
    3,
  );
  const got = domainTotals(d);
  assert.deepEqual(got, want);
  report("movielens-1m-subset by age", d, got);
  assert.equal(
    d.meta.positives.train + d.meta.positives.valid + d.meta.positives.test,
    want.clicks.reduce((a, b) => a + b, 0),
  );
  assert.equal(d.meta.formatNotes?.domainBy, "age");

  // rating 1::1287::5::978302039 (line 17754) -> user 1 (F, age code 1, occupation 10, zip 48067), movie 1287 (Ben-Hur, Action|Adventure|Drama)
  const vocab = readVocabulary(d.meta.processedDir);
  const cats = categoricalFeatures(d.schema);
  const tok = (ds: TabularDataset, f: string, r: number): string => {
    const j = cats.findIndex((c) => c.name === f);
    const id = ds.cat[j][r];
    return id >= 2 ? vocab.fields[j].tokens[id - 2] : id === 1 ? "<missing>" : "<oov>";
  };
  let found = false;
  for (const s of SPLITS) {
    const ds = d[s];
    for (let r = 0; r < ds.numRows; r++) {
      assert.equal(tok(ds, "domain", r), String(ds.groups[0][r]), "domain feature = domain id");
      if (tok(ds, "user_id", r) === "1" && tok(ds, "movie_id", r) === "1287") {
        found = true;
        assert.equal(tok(ds, "gender", r), "F");
        assert.equal(tok(ds, "occupation", r), "10");
        assert.equal(tok(ds, "zip", r), "48067");
        assert.equal(tok(ds, "cate_id", r), "Action");
        assert.equal(ds.num[0][r], 0, "age code 1 -> min-max 0");
        assert.equal(ds.labels[0][r], 1);
        assert.equal(ds.groups[0][r], 0);
      }
    }
  }
  assert.ok(found, "rating (user 1, movie 1287) is in one of the splits");
  for (const ds of [d.train, d.valid, d.test]) for (const a of ds.num[0]) assert.ok(a >= 0 && a <= 1);

  // the split is seeded: a second load in a fresh cache gives the same rows; another seed does not
  const again = await loadDataset("movielens-1m-subset", { cacheDir: tmpDir() });
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  assert.deepEqual(again.test.cat[0], d.test.cat[0]);
  assert.deepEqual(again.test.groups[0], d.test.groups[0]);
  const other = await loadDataset("movielens-1m-subset", {
    cacheDir: cache,
    resplit: { ratios: [0.8, 0.1, 0.1], seed: 7 },
  });
  assert.notEqual(other.meta.fingerprint, d.meta.fingerprint);
  assert.notDeepEqual(other.test.cat[1], d.test.cat[1]);
  assert.deepEqual(leftovers(cache), []);
});

test("movielens-1m-subset domainBy gender / occupation; bad domainBy values are rejected", async () => {
  const cache = tmpDir();
  const users = ml1mUsers();
  const ratings = path.join(MIRROR, "movielens-1m-subset", "ratings_sample_100k.dat");
  const g = await loadDataset("movielens-1m-subset", { cacheDir: cache, domainBy: "gender" });
  assert.deepEqual(g.schema.groups, [{ name: "domain", numGroups: 2, names: ["female", "male"] }]);
  const gt = domainTotals(g);
  assert.deepEqual(gt, expected(ratings, "::", users.gender, 2));
  report("movielens-1m-subset by gender", g, gt);
  const o = await loadDataset("movielens-1m-subset", { cacheDir: cache, domainBy: "occupation" });
  assert.equal(o.schema.groups[0].numGroups, 4);
  const ot = domainTotals(o);
  assert.deepEqual(ot, expected(ratings, "::", users.occupation, 4));
  report("movielens-1m-subset by occupation", o, ot);
  assert.notEqual(g.meta.fingerprint, o.meta.fingerprint);
  await assert.rejects(
    loadDataset("movielens-1m-subset", { cacheDir: cache, domainBy: "zip" }),
    (e: unknown) =>
      e instanceof DataError &&
      e.code === "BAD_OPTION" &&
      /domainBy must be one of "age", "gender", "occupation"/.test(e.message),
  );
  await assert.rejects(
    loadDataset("criteo-8k", { cacheDir: cache, domainBy: "age" }),
    (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /criteo-8k/.test(e.message),
  );
});

test("group ids are stored in the shards: sharded splits and their batches carry the domain", async () => {
  const cache = tmpDir();
  const mem = await loadDataset("movielens-1m-subset", { cacheDir: cache, domainBy: "gender" });
  const sh = await openDataset("movielens-1m-subset", {
    cacheDir: tmpDir(),
    domainBy: "gender",
    shardRows: 3000,
  });
  assert.equal(sh.valid.shards.length, 4);
  assert.deepEqual(sh.valid.toTabular().groups, mem.valid.groups);
  assert.equal(sh.valid.readShard(1).groups[0][5], mem.valid.groups[0][3005]);
  let seen = 0;
  for (const b of batches(sh.valid, { batchSize: 2500 })) {
    assert.equal(b.groups.length, 1);
    for (let i = 0; i < b.size; i++) assert.equal(b.groups[0][i], mem.valid.groups[0][b.rows[i]]);
    seen += b.size;
  }
  assert.equal(seen, 10000);
});

test("movielens-100k: ages bucketed onto the ml-1m codes so the age domains mean the same", async () => {
  assert.deepEqual(
    [7, 17, 18, 24, 25, 34, 35, 44, 45, 49, 50, 55, 56, 73].map(ml1mAgeCode),
    [1, 1, 18, 18, 25, 25, 35, 35, 45, 45, 50, 50, 56, 56],
  );
  const d = await loadDataset("movielens-100k", { cacheDir: tmpDir() });
  assert.deepEqual(d.meta.rows, { train: 80000, valid: 10000, test: 10000 });
  assert.deepEqual(d.schema.groups[0].names, ["age<25", "age 25-34", "age 35+"]);
  const domainOf = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(MIRROR, "movielens-100k", "u.user"), "latin1").split("\n")) {
    if (line === "") continue;
    const [id, age] = line.split("|");
    const a = Number(age);
    domainOf.set(id, a < 25 ? 0 : a < 35 ? 1 : 2);
  }
  const t = domainTotals(d);
  assert.deepEqual(t, expected(path.join(MIRROR, "movielens-100k", "u.data"), "\t", domainOf, 3));
  report("movielens-100k by age", d, t);
  assert.deepEqual(d.meta.formatNotes?.ageMinMax, [7, 73]);
  const g = await loadDataset("movielens-100k", { cacheDir: tmpDir(), domainBy: "gender" });
  report("movielens-100k by gender", g, domainTotals(g));
  const o = await loadDataset("movielens-100k", { cacheDir: tmpDir(), domainBy: "occupation" });
  report("movielens-100k by occupation", o, domainTotals(o));
  const v = readVocabulary(d.meta.processedDir);
  const cate = v.fields[categoricalFeatures(d.schema).findIndex((f) => f.name === "cate_id")];
  assert.ok(cate.tokens.includes("Drama") && cate.tokens.includes("Action"));
});

test("malformed MovieLens files: errors name the file and the line", async () => {
  const dir = tmpDir();
  const users = writeFile(dir, "users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n");
  const movies = writeFile(
    dir,
    "movies.dat",
    "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n",
  );
  const good = writeFile(dir, "ok.dat", "1::1::5::1\n2::2::3::2\n1::2::4::3\n");
  const ok = await loadFiles(
    { id: "ml-tiny", format: MOVIELENS_1M_FORMAT, train: [good], side: { users, movies } },
    { cacheDir: tmpDir(), domainBy: "gender" },
  );
  assert.equal(ok.train.numRows, 3);
  assert.deepEqual(Array.from(ok.train.labels[0]), [1, 0, 1]);
  assert.deepEqual(Array.from(ok.train.groups[0]), [0, 1, 0]);
  assert.deepEqual(Array.from(ok.train.num[0]), [0, 1, 0], "age min-max over the users table");

  const cases: [string, string, RegExp][] = [
    ["fields.dat", "1::1::5::1\n2::2::3\n", /fields\.dat:2: expected 4 "::"-separated fields/],
    ["user.dat", "1::1::5::1\n1::2::4::3\n9::1::4::3\n", /user\.dat:3: user id 9 is not in the users table/],
    ["movie.dat", "1::7::5::1\n", /movie\.dat:1: movie id 7 is not in the movies table/],
    ["rating.dat", "1::1::5::1\n1::2::x::3\n", /rating\.dat:2: rating must be an integer 1\.\.5/],
  ];
  for (const [name, text, re] of cases) {
    const f = writeFile(dir, name, text);
    await assert.rejects(
      loadFiles(
        { id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [f], side: { users, movies } },
        { cacheDir: tmpDir() },
      ),
      (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.equal(e.code, "BAD_ROW");
        assert.match(e.message, re);
        assert.equal(e.file, f);
        return true;
      },
    );
  }
  const badUsers = writeFile(dir, "users-bad.dat", "1::F::1::10::48067\n2::M::57::16::70072\n");
  await assert.rejects(
    loadFiles(
      { id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users: badUsers, movies } },
      { cacheDir: tmpDir() },
    ),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.code === "BAD_ROW");
      assert.match(e.message, /users-bad\.dat:2: Age must be one of the codes/);
      assert.equal(e.line, 2);
      return true;
    },
  );
  const dupUsers = writeFile(dir, "users-dup.dat", "1::F::1::10::48067\n1::M::56::16::70072\n");
  await assert.rejects(
    loadFiles(
      { id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users: dupUsers, movies } },
      { cacheDir: tmpDir() },
    ),
    /users-dup\.dat:2: duplicate id 1/,
  );
  const shortMovies = writeFile(dir, "movies-short.dat", "1::Toy Story (1995)\n");
  await assert.rejects(
    loadFiles(
      { id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users, movies: shortMovies } },
      { cacheDir: tmpDir() },
    ),
    /movies-short\.dat:1: expected 3 "::"-separated fields, found 2/,
  );
  await assert.rejects(
    loadFiles(
      { id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users } },
      { cacheDir: tmpDir() },
    ),
    /side table "movies"/,
  );
  // ml-100k side tables: an unknown occupation names u.user and the line
  const u100 = writeFile(dir, "u.user", "1|24|M|technician|85711\n2|53|F|astronaut|94043\n");
  const i100 = writeFile(
    dir,
    "u.item",
    `1|Toy Story (1995)|01-Jan-1995||http://x|${"0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0"}\n`,
  );
  const d100 = writeFile(dir, "u.data", "1\t1\t5\t1\n");
  await assert.rejects(
    loadFiles(
      { id: "ml-bad", format: MOVIELENS_100K_FORMAT, train: [d100], side: { users: u100, items: i100 } },
      { cacheDir: tmpDir() },
    ),
    /u\.user:2: unknown occupation "astronaut"/,
  );
});

/** A zip written by hand (local headers, central directory, end record); members deflated unless `stored`. */
function writeZip(file: string, members: { name: string; data: Buffer; stored?: boolean }[]): void {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.stored ? m.data : zlib.deflateRawSync(m.data);
    const name = Buffer.from(m.name, "utf8");
    const crc = crc32(m.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(m.stored ? 0 : 8, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(m.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(m.stored ? 0 : 8, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(m.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    parts.push(lh, name, body);
    central.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...parts, cd, end]));
}

const TINY_USERS = "1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::15::55117\n";
const TINY_MOVIES =
  "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n";
const TINY_RATINGS =
  Array.from(
    { length: 40 },
    (_, i) => `${(i % 3) + 1}::${(i % 2) + 1}::${(i % 5) + 1}::${978300000 + i}`,
  ).join("\n") + "\n";

test("movielens-1m: unpacked mirror folder, or the official zip extracted into the cache (CRC-checked, trust on first use)", async () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926, "CRC-32 check value");
  // unpacked files in the mirror are read in place
  const unpacked = tmpDir();
  fs.mkdirSync(path.join(unpacked, "movielens-1m"));
  writeFile(path.join(unpacked, "movielens-1m"), "ratings.dat", TINY_RATINGS);
  writeFile(path.join(unpacked, "movielens-1m"), "users.dat", TINY_USERS);
  writeFile(path.join(unpacked, "movielens-1m"), "movies.dat", TINY_MOVIES);
  const a = await loadDataset("movielens-1m", { mirror: unpacked, cacheDir: tmpDir(), domainBy: "gender" });
  assert.deepEqual(a.meta.rows, { train: 32, valid: 4, test: 4 });
  assert.ok(a.meta.files.every((f) => f.source === "mirror" && !f.pinned));

  // only the zip in the mirror: members are extracted into the cache, then loaded identically
  const zipped = tmpDir();
  fs.mkdirSync(path.join(zipped, "movielens-1m"));
  const zipFile = path.join(zipped, "movielens-1m", "ml-1m.zip");
  writeZip(zipFile, [
    { name: "ml-1m/README", data: Buffer.from("readme"), stored: true },
    { name: "ml-1m/ratings.dat", data: Buffer.from(TINY_RATINGS) },
    { name: "ml-1m/users.dat", data: Buffer.from(TINY_USERS) },
    { name: "ml-1m/movies.dat", data: Buffer.from(TINY_MOVIES), stored: true },
  ]);
  assert.deepEqual(
    zipEntries(zipFile).map((e) => [e.name, e.method]),
    [
      ["ml-1m/README", 0],
      ["ml-1m/ratings.dat", 8],
      ["ml-1m/users.dat", 8],
      ["ml-1m/movies.dat", 0],
    ],
  );
  const cache = tmpDir();
  const logs: string[] = [];
  const b = await loadDataset("movielens-1m", {
    mirror: zipped,
    cacheDir: cache,
    domainBy: "gender",
    log: (m) => logs.push(m),
  });
  assert.equal(b.meta.fingerprint, a.meta.fingerprint, "same bytes, same fingerprint");
  assert.deepEqual(b.train.cat[0], a.train.cat[0]);
  assert.equal(fs.readFileSync(path.join(cache, "movielens-1m", "ratings.dat"), "utf8"), TINY_RATINGS);
  const tofu = JSON.parse(
    fs.readFileSync(path.join(cache, "movielens-1m", "checksums.json"), "utf8"),
  ) as Record<string, string>;
  assert.deepEqual(Object.keys(tofu).sort(), ["archive:ml-1m.zip", "movies", "ratings", "users"]);
  assert.ok(logs.some((m) => /extracting ml-1m\/ratings\.dat/.test(m)));
  assert.deepEqual(leftovers(cache), []);
  // a changed extracted file now fails its recorded checksum
  fs.writeFileSync(path.join(cache, "movielens-1m", "users.dat"), TINY_USERS.replace("48067", "48068"));
  await assert.rejects(
    loadDataset("movielens-1m", { mirror: zipped, cacheDir: cache }),
    (e: unknown) => e instanceof DataError && e.code === "CHECKSUM" && /users/.test(e.message),
  );

  // a corrupt member (CRC mismatch) is refused, naming the archive and the member
  const corrupt = tmpDir();
  fs.mkdirSync(path.join(corrupt, "movielens-1m"));
  const cz = path.join(corrupt, "movielens-1m", "ml-1m.zip");
  writeZip(cz, [
    { name: "ml-1m/ratings.dat", data: Buffer.from(TINY_RATINGS), stored: true },
    { name: "ml-1m/users.dat", data: Buffer.from(TINY_USERS) },
    { name: "ml-1m/movies.dat", data: Buffer.from(TINY_MOVIES) },
  ]);
  const bytes = fs.readFileSync(cz);
  bytes[30 + "ml-1m/ratings.dat".length + 3] ^= 0xff;
  fs.writeFileSync(cz, bytes);
  const cc = tmpDir();
  await assert.rejects(
    loadDataset("movielens-1m", { mirror: corrupt, cacheDir: cc }),
    (e: unknown) =>
      e instanceof DataError &&
      e.code === "BAD_ARCHIVE" &&
      e.message.includes(cz) &&
      /ml-1m\/ratings\.dat" fails its CRC-32 check/.test(e.message),
  );
  assert.deepEqual(leftovers(cc), []);
  assert.throws(
    () => readZipMember(zipFile, "ml-1m/ratings.csv"),
    /no member "ml-1m\/ratings\.csv" \(has ml-1m\/README, ml-1m\/ratings\.dat/,
  );
  const notZip = writeFile(tmpDir(), "x.zip", "plain text");
  assert.throws(
    () => zipEntries(notZip),
    (e: unknown) => e instanceof DataError && e.code === "BAD_ARCHIVE" && /not a zip archive/.test(e.message),
  );
});

test("a zip member whose archive must be downloaded: one download, pinned archive hash enforced", async () => {
  const zipFile = path.join(tmpDir(), "ml-1m.zip");
  writeZip(zipFile, [
    { name: "ml-1m/ratings.dat", data: Buffer.from(TINY_RATINGS) },
    { name: "ml-1m/users.dat", data: Buffer.from(TINY_USERS) },
  ]);
  const body = fs.readFileSync(zipFile);
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (req.url === "/ml-1m.zip") {
      hits++;
      res.end(body);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ml-1m.zip`;
  try {
    const spec = (name: string, sha: string | null): DataFileSpec => ({
      name,
      path: `${name}.dat`,
      url,
      sha256: null,
      bytes: null,
      archive: { path: "ml-1m.zip", member: `ml-1m/${name}.dat`, sha256: sha },
    });
    const entry: DatasetEntry = {
      id: "zip-test",
      title: "",
      homepage: "",
      licence: "",
      citation: "",
      complete: false,
      notes: "",
      files: [spec("ratings", null), spec("users", null)],
      loader: null,
    };
    const cache = tmpDir();
    const r = await resolveFile(entry, entry.files[0], {
      mirror: null,
      cacheDir: cache,
      allowDownload: true,
    });
    const u = await resolveFile(entry, entry.files[1], {
      mirror: null,
      cacheDir: cache,
      allowDownload: true,
    });
    assert.equal(hits, 1, "the archive is downloaded once");
    assert.equal(fs.readFileSync(r.path, "utf8"), TINY_RATINGS);
    assert.equal(fs.readFileSync(u.path, "utf8"), TINY_USERS);
    assert.equal(r.source, "cache");
    assert.ok(fs.existsSync(path.join(cache, "zip-test", "ml-1m.zip")));
    const pinnedWrong = { ...entry, id: "zip-test2", files: [spec("ratings", "0".repeat(64))] };
    await assert.rejects(
      resolveFile(pinnedWrong, pinnedWrong.files[0], {
        mirror: null,
        cacheDir: tmpDir(),
        allowDownload: true,
      }),
      (e: unknown) => e instanceof DataError && e.code === "CHECKSUM" && /archive:ml-1m\.zip/.test(e.message),
    );
    await assert.rejects(
      resolveFile({ ...entry, id: "zip-test3" }, entry.files[0], {
        mirror: null,
        cacheDir: tmpDir(),
        allowDownload: false,
      }),
      (e: unknown) => e instanceof DataError && e.code === "MISSING_FILE" && /ml-1m\.zip/.test(e.message),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
});
