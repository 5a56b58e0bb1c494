/**
 * Tests of the MovieLens multi-domain loaders (HAMUR set-up) on the shared mirror: sizes, labels,
 * domain definitions recomputed from the raw files, the seeded split, and errors naming file and line.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MIRROR, leftovers, tmpDir, writeFile } from "./helpers";
import {
  DataError,
  MOVIELENS_1M_FORMAT,
  MOVIELENS_100K_FORMAT,
  OCCUPATION_GROUP,
  ML1M_OCCUPATIONS,
  categoricalFeatures,
  loadDataset,
  loadFiles,
  ml1mAgeCode,
  readVocabulary,
} from "../../src/data";
import type { LoadedDataset, TabularDataset } from "../../src/data";

const SPLITS = ["train", "valid", "test"] as const;

/** Direct recomputation from the raw files: per-domain rows and clicks for a user -> domain map. */
function expected(ratingsFile: string, sep: string, domainOf: Map<string, number>, numDomains: number): { rows: number[]; clicks: number[] } {
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

function ml1mUsers(): { age: Map<string, number>; gender: Map<string, number>; occupation: Map<string, number> } {
  const age = new Map<string, number>();
  const gender = new Map<string, number>();
  const occupation = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(MIRROR, "movielens-1m-subset", "users.dat"), "latin1").split("\n")) {
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
    assert.equal(r.reduce((a, b) => a + b, 0), ds.numRows, `${s}: domain sizes sum to the rows`);
    for (let k = 0; k < n; k++) {
      rows[k] += r[k];
      clicks[k] += c[k];
    }
  }
  return { rows, clicks };
}

function report(name: string, d: LoadedDataset<TabularDataset>, t: { rows: number[]; clicks: number[] }): void {
  const names = d.meta.groups[0].names;
  console.log(`${name}: ${names.map((x, k) => `${x} ${t.rows[k]} rows, click ${(t.clicks[k] / t.rows[k]).toFixed(4)}`).join("; ")}`);
}

test("movielens-1m-subset: HAMUR set-up (age domains, click = rating > 3, 8:1:1 seeded), checked against the raw files", async () => {
  const cache = tmpDir();
  const d = await loadDataset("movielens-1m-subset", { cacheDir: cache });
  assert.deepEqual(d.meta.rows, { train: 80000, valid: 10000, test: 10000 });
  assert.deepEqual(categoricalFeatures(d.schema).map((f) => f.name), ["user_id", "movie_id", "gender", "occupation", "zip", "cate_id", "domain"]);
  assert.deepEqual(d.schema.features.filter((f) => f.kind === "numeric"), [{ kind: "numeric", name: "age", transform: "minmax" }]);
  assert.deepEqual(d.schema.labels, [{ name: "click", type: "binary" }]);
  assert.deepEqual(d.schema.groups, [{ name: "domain", numGroups: 3, names: ["age<25", "age 25-34", "age 35+"] }]);
  const users = ml1mUsers();
  const want = expected(path.join(MIRROR, "movielens-1m-subset", "ratings_sample_100k.dat"), "::", users.age, 3);
  const got = domainTotals(d);
  assert.deepEqual(got, want);
  report("movielens-1m-subset by age", d, got);
  assert.equal(d.meta.positives.train + d.meta.positives.valid + d.meta.positives.test, want.clicks.reduce((a, b) => a + b, 0));
  assert.equal(d.meta.formatNotes?.domainBy, "age");

  // first rating of the file: 1::1193::5::978300760 -> user 1 (F, age code 1, occupation 10, zip 48067), movie 1193 (Drama)
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
      assert.equal(tok(ds, "domain", r) === "<oov>" ? "oov" : tok(ds, "domain", r), String(ds.groups[0][r]), "domain feature = domain id");
      if (s === "train" && tok(ds, "user_id", r) === "1" && tok(ds, "movie_id", r) === "1193") {
        found = true;
        assert.equal(tok(ds, "gender", r), "F");
        assert.equal(tok(ds, "occupation", r), "10");
        assert.equal(tok(ds, "zip", r), "48067");
        assert.equal(tok(ds, "cate_id", r), "Drama");
        assert.equal(ds.num[0][r], 0, "age code 1 -> min-max 0");
        assert.equal(ds.labels[0][r], 1);
        assert.equal(ds.groups[0][r], 0);
      }
    }
  }
  assert.ok(found || d.valid.numRows + d.test.numRows > 0);
  for (const ds of [d.train, d.valid, d.test]) for (const a of ds.num[0]) assert.ok(a >= 0 && a <= 1);

  // the split is seeded: a second load in a fresh cache gives the same rows; another seed does not
  const again = await loadDataset("movielens-1m-subset", { cacheDir: tmpDir() });
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
  assert.deepEqual(again.test.cat[0], d.test.cat[0]);
  assert.deepEqual(again.test.groups[0], d.test.groups[0]);
  const other = await loadDataset("movielens-1m-subset", { cacheDir: cache, resplit: { ratios: [0.8, 0.1, 0.1], seed: 7 } });
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
  await assert.rejects(loadDataset("movielens-1m-subset", { cacheDir: cache, domainBy: "zip" }), (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /domainBy must be one of "age", "gender", "occupation"/.test(e.message));
  await assert.rejects(loadDataset("criteo-8k", { cacheDir: cache, domainBy: "age" }), (e: unknown) => e instanceof DataError && e.code === "BAD_OPTION" && /criteo-8k/.test(e.message));
});

test("movielens-100k: ages bucketed onto the ml-1m codes so the age domains mean the same", async () => {
  assert.deepEqual([7, 17, 18, 24, 25, 34, 35, 44, 45, 49, 50, 55, 56, 73].map(ml1mAgeCode), [1, 1, 18, 18, 25, 25, 35, 35, 45, 45, 50, 50, 56, 56]);
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
  const movies = writeFile(dir, "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n");
  const good = writeFile(dir, "ok.dat", "1::1::5::1\n2::2::3::2\n1::2::4::3\n");
  const ok = await loadFiles({ id: "ml-tiny", format: MOVIELENS_1M_FORMAT, train: [good], side: { users, movies } }, { cacheDir: tmpDir(), domainBy: "gender" });
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
    await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [f], side: { users, movies } }, { cacheDir: tmpDir() }), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.equal(e.code, "BAD_ROW");
      assert.match(e.message, re);
      assert.equal(e.file, f);
      return true;
    });
  }
  const badUsers = writeFile(dir, "users-bad.dat", "1::F::1::10::48067\n2::M::57::16::70072\n");
  await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users: badUsers, movies } }, { cacheDir: tmpDir() }), (e: unknown) => {
    assert.ok(e instanceof DataError && e.code === "BAD_ROW");
    assert.match(e.message, /users-bad\.dat:2: Age must be one of the codes/);
    assert.equal(e.line, 2);
    return true;
  });
  const dupUsers = writeFile(dir, "users-dup.dat", "1::F::1::10::48067\n1::M::56::16::70072\n");
  await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users: dupUsers, movies } }, { cacheDir: tmpDir() }), /users-dup\.dat:2: duplicate id 1/);
  const shortMovies = writeFile(dir, "movies-short.dat", "1::Toy Story (1995)\n");
  await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users, movies: shortMovies } }, { cacheDir: tmpDir() }), /movies-short\.dat:1: expected 3 "::"-separated fields, found 2/);
  await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_1M_FORMAT, train: [good], side: { users } }, { cacheDir: tmpDir() }), /side table "movies"/);
  // ml-100k side tables: an unknown occupation names u.user and the line
  const u100 = writeFile(dir, "u.user", "1|24|M|technician|85711\n2|53|F|astronaut|94043\n");
  const i100 = writeFile(dir, "u.item", `1|Toy Story (1995)|01-Jan-1995||http://x|${"0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0"}\n`);
  const d100 = writeFile(dir, "u.data", "1\t1\t5\t1\n");
  await assert.rejects(loadFiles({ id: "ml-bad", format: MOVIELENS_100K_FORMAT, train: [d100], side: { users: u100, items: i100 } }, { cacheDir: tmpDir() }), /u\.user:2: unknown occupation "astronaut"/);
});
