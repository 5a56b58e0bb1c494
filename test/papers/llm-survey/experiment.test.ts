/**
 * The LLM-survey demos: cold items are really unseen in training (and OOV in the model's input),
 * the ranking task's candidates, the scorers, the synthetic set, the MovieLens text reader's errors.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mapWordVectors, WordVectorEncoder } from "../../../src/data/text";
import { parseMovies, parseRatings } from "../../../src/data/loaders/movielens-ratings";
import {
  TOPIC_WORDS,
  coldLeaks,
  coldSplit,
  encodeItems,
  popularityScores,
  rankingMetrics,
  rankingTask,
  syntheticTextLog,
  variantDataset,
  zeroShotScores,
  ruleFeatures,
} from "../../../src/papers/llm-survey";

const opts = { numUsers: 60, numItems: 80, ratingsPerUser: 30, topicWeight: 4, itemBiasStd: 0.3 };
const topics = Object.keys(TOPIC_WORDS);
/** One-hot topic vectors: every topic word points along its topic's axis. */
const oneHot = mapWordVectors(
  "topics",
  Object.fromEntries(
    topics.flatMap((t, k) => TOPIC_WORDS[t].map((w) => [w, topics.map((_, j) => (j === k ? 1 : 0))])),
  ),
);

test("cold items are unseen in training and validation, and their movie_id is the OOV id 0", () => {
  const log = syntheticTextLog(opts, 7);
  const split = coldSplit(log, 0.25, { train: 900, coldTest: 200 });
  assert.deepEqual(coldLeaks(split), []);
  for (const r of [...split.rows.train, ...split.rows.valid]) assert.ok(!split.coldItems.has(log.items[r]));
  const vec = encodeItems(log, new WordVectorEncoder(oneHot, { cacheDir: null }));
  const ds = variantDataset(split, "id+text", vec);
  assert.equal(ds.train.numRows, 900);
  const cold = ds.test.groups[0];
  let nCold = 0;
  for (let i = 0; i < ds.test.numRows; i++) {
    const item = log.items[split.rows.test[i]];
    assert.equal(cold[i] === 1, split.coldItems.has(item));
    if (cold[i] === 1) {
      nCold++;
      assert.equal(ds.test.cat[1][i], 0, "a cold item must be OOV");
    } else assert.ok(ds.test.cat[1][i] > 0, "a warm test item is in the training vocabulary");
  }
  assert.equal(nCold, 200);
  assert.equal(ds.schema.features.filter((f) => f.kind === "numeric").length, topics.length);
  assert.equal(variantDataset(split, "id", vec).train.num.length, 0);
});

test("a leak is detected: an item moved into training shows up", () => {
  const log = syntheticTextLog(opts, 7);
  const split = coldSplit(log, 0.25);
  const c = [...split.coldItems][0];
  log.items[split.rows.train[0]] = c;
  assert.deepEqual(coldLeaks(split), [c]);
});

test("ranking task: positive first, negatives unrated and distinct; the topic zero-shot ranker beats popularity on the planted set", () => {
  const log = syntheticTextLog({ ...opts, numUsers: 120 }, 3);
  const split = coldSplit(log, 0.2);
  const task = rankingTask(split, 1, 100, 20);
  assert.ok(task.users.length > 20);
  for (let k = 0; k < task.users.length; k++) {
    const row = Array.from(task.candidates.subarray(k * 20, (k + 1) * 20));
    assert.equal(new Set(row).size, 20);
    for (const i of row.slice(1)) assert.ok(!split.rated.get(task.users[k])!.has(i));
  }
  assert.deepEqual(rankingTask(split, 1, 100, 20).candidates, task.candidates);
  const vec = encodeItems(log, new WordVectorEncoder(oneHot, { cacheDir: null }));
  const zs = rankingMetrics(zeroShotScores(split, task, vec), 20);
  const pop = rankingMetrics(popularityScores(split, task), 20);
  assert.ok(
    zs["ndcg@10"] > pop["ndcg@10"] + 0.05,
    `zero-shot ${zs["ndcg@10"]} vs popularity ${pop["ndcg@10"]}`,
  );
});

test("the synthetic set is seeded: same seed, same log", () => {
  const a = syntheticTextLog(opts, 5);
  const b = syntheticTextLog(opts, 5);
  assert.deepEqual(a.click, b.click);
  assert.equal(a.movies.get(1)!.title, b.movies.get(1)!.title);
});

test("rule features: decade, sequel, moved article", () => {
  const f = ruleFeatures({
    id: 1,
    title: "Godfather: Part II, The (1974)",
    genres: ["Crime", "Drama"],
    year: 1974,
  });
  assert.deepEqual(
    [f.decade, f.sequel, f["article moved to end"], f["genre count"]],
    ["1970s", "yes", "yes", "2"],
  );
});

test("the MovieLens text reader names file and line of a bad row", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-mlt-"));
  try {
    const movies = path.join(dir, "movies.dat");
    const ratings = path.join(dir, "ratings.dat");
    fs.writeFileSync(movies, "1::Toy Story (1995)::Animation|Comedy\n2::Heat (1995)\n");
    assert.throws(
      () => parseMovies(movies),
      (e: Error) => e.message.startsWith(`${movies}:2:`),
    );
    fs.writeFileSync(movies, "1::Toy Story (1995)::Animation|Comedy\n");
    assert.equal(parseMovies(movies).get(1)!.year, 1995);
    fs.writeFileSync(ratings, "1::1::5::978300760\n2::9::4::978300761\n");
    assert.throws(
      () => parseRatings(ratings, parseMovies(movies)),
      (e: Error) => e.message.startsWith(`${ratings}:2:`) && /movie 9/.test(e.message),
    );
    fs.writeFileSync(ratings, "1::1::7::978300760\n");
    assert.throws(() => parseRatings(ratings, parseMovies(movies)), /:1: rating "7"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
