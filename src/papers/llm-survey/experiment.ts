/**
 * The LLM-for-recommendation survey's runnable demos (notebook 05-llm-survey; Lin et al., "How
 * Can Recommender Systems Benefit from Large Language Models: A Survey", arXiv 2306.05817):
 *
 * (a) text model as feature encoder: frozen text vectors of each item (src/data/text.ts: mean
 *     pretrained word vectors of title and genre tokens, NOT a language model) as a dense block
 *     of numeric features next to the ID features of the kit's DNN; test AUC on warm items and on
 *     cold items (a share of the items held out of training and validation entirely);
 * (b) frozen text model as zero-shot ranker: cosine between the mean vector of a user's liked
 *     training items and each candidate's vector; HR@10 / NDCG@10 in the sampled protocol (one
 *     held-out liked item among N candidates), against popularity and the trained models;
 * (c) feature engineering: rule-based attributes from the title (a stand-in, no LLM).
 *
 * Measured keys (claims.json), per seed: `<data>.<cell>.{warm,cold}.auc` from the grid (cells
 * "id", "id+text", "id+random"), `<data>.<cell>.hitRate@10` / `.ndcg@10` for the trained cells
 * (measure hook) and for the scorers "zero-shot" and "popularity" ({@link rankingMeasured}).
 * Data names: "ml" (MovieLens) and "syn" (the seeded planted-topic set, the positive control).
 */
import { Rng } from "../../engine/rng";
import type { Dataset } from "../../data/dataset";
import type { CategoricalFeature, DatasetSchema, NumericFeature, TabularDataset } from "../../data/schema";
import { loadRatingLog, type MovieText } from "../../data/loaders/movielens-ratings";
import {
  WordVectorEncoder,
  rowCosine,
  tokenize,
  winkWordVectors,
  type EncodedTexts,
  type WordVectorSource,
} from "../../data/text";
import { sampledRanking } from "../../metrics/ranking";
import { formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import { BASELINES } from "../../models";
import { predictHead } from "../../models/inputs";
import type { RecModel } from "../../models/types";
import { runGrid, type CellResult, type GridCell } from "../../train/grid";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";
import { openLocalLlm, parseRanking, rerankPrompt } from "../../engine/local-llm";

export const PAPER = "llm-survey";

/** The seeded planted-topic set (positive control). */
export interface SyntheticTextOptions {
  numUsers: number;
  numItems: number;
  /** Ratings per user, items drawn uniformly. */
  ratingsPerUser: number;
  /** Weight of the user-topic affinity in the click logit. */
  topicWeight: number;
  /** Std of the item bias (the popularity signal). */
  itemBiasStd: number;
}

/** Row caps of {@link coldSplit}. */
export interface SplitCapsLlm {
  /** Rows of the training split kept (the first of the shuffled warm rows). */
  train: number;
  /** Cold-item test rows kept (a seeded sample). */
  coldTest: number;
}

/** Per-profile settings. */
export interface LlmProfile {
  /** Registry id of the MovieLens ratings and movies. */
  movielens: string;
  /** Share of the items held out as cold items. Default 0.2. */
  coldShare: number;
  /** Caps of the MovieLens split (rows of the shuffled train split, and of the cold test rows); Infinity = all. */
  caps: SplitCapsLlm;
  /** Users ranked in demo (b) (those with a held-out liked warm item), at most. */
  rankUsers: number;
  /** Candidates per ranked user, the positive included (N). */
  numCandidates: number;
  seeds: number[];
  synthetic: SyntheticTextOptions;
}

export const PROFILES: Record<Profile, LlmProfile> = {
  smoke: {
    movielens: "movielens-1m-subset",
    coldShare: 0.2,
    caps: { train: 16000, coldTest: 4000 },
    rankUsers: 200,
    numCandidates: 100,
    seeds: [1, 2, 3],
    synthetic: { numUsers: 250, numItems: 500, ratingsPerUser: 50, topicWeight: 4, itemBiasStd: 0.3 },
  },
  paper: {
    movielens: "movielens-1m",
    coldShare: 0.2,
    caps: { train: Infinity, coldTest: Infinity },
    rankUsers: 6040,
    numCandidates: 100,
    seeds: [1, 2, 3, 4, 5],
    synthetic: { numUsers: 2000, numItems: 2000, ratingsPerUser: 60, topicWeight: 4, itemBiasStd: 0.3 },
  },
};

export const TRAIN_PRESETS: Record<Profile, Partial<TrainConfig>> = {
  smoke: {
    numEpochs: 2,
    batchSize: 512,
    optimizer: { kind: "adam", lr: 3e-3 },
    earlyStopping: null,
    logEverySteps: 20,
  },
  paper: {
    numEpochs: 10,
    batchSize: 1024,
    optimizer: { kind: "adam", lr: 1e-3 },
    earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
    logEverySteps: 100,
  },
};

/** Training config of the synthetic set on top of the preset: small batches, so its ~11k rows give enough steps. */
export const SYNTHETIC_TRAIN: Partial<TrainConfig> = { numEpochs: 3, batchSize: 128 };

/**
 * Model config of every cell: D = 16 and an embedding learning rate of 0.01 (the kit's default
 * 0.001 barely moves the ID embeddings from their init in the few hundred smoke steps).
 */
export const MODEL_CONFIG = { embDim: 16, embedding: { optimizer: { kind: "adam", lr: 0.01 } } };

/** The feature sets compared (cells): IDs only, IDs + text vectors, IDs + random vectors (ablation). */
export const VARIANTS = ["id", "id+text", "id+random"] as const;
export type Variant = (typeof VARIANTS)[number];
/** Seed of the item split and the random-vector ablation (fixed: the split is the same for every seed). */
export const SPLIT_SEED = 2023;
/** Cut-off of the ranking metrics. */
export const K = 10;

// ---------------------------------------------------------------------------------------------
// Interaction logs (MovieLens or synthetic) and item texts.

/** What the demos need of a log: ratings and an item table with text. */
export interface TextLog {
  name: string;
  users: Int32Array;
  items: Int32Array;
  /** Binary label per rating (MovieLens: stars >= 4). */
  click: Uint8Array;
  movies: Map<number, MovieText>;
  synthetic: boolean;
  /** Provenance (registry id and file hashes, or the generator options). */
  fingerprint: string;
}

/** Text of an item as the encoder sees it: title and genres. */
export function itemText(m: MovieText): string {
  return [m.title, ...m.genres].join(" ");
}

/** MovieLens ratings with titles and genres; click = 4 or 5 stars. */
export async function loadMovieLens(prof: Profile): Promise<TextLog> {
  const log = await loadRatingLog(PROFILES[prof].movielens);
  const click = Uint8Array.from(log.stars, (s) => (s >= 4 ? 1 : 0));
  return {
    name: "ml",
    users: log.users,
    items: log.items,
    click,
    movies: log.movies,
    synthetic: false,
    fingerprint: `${log.source}:${log.files.ratings.slice(0, 12)}:${log.files.movies.slice(0, 12)}`,
  };
}

/** Topics of the synthetic set and the English words its titles are made of. */
export const TOPIC_WORDS: Readonly<Record<string, readonly string[]>> = {
  space: ["galaxy", "planet", "star", "rocket", "alien", "orbit", "astronaut", "moon"],
  romance: ["love", "wedding", "heart", "kiss", "bride", "romance", "passion", "lover"],
  war: ["soldier", "battle", "army", "war", "tank", "general", "combat", "sniper"],
  crime: ["gangster", "murder", "detective", "police", "heist", "mafia", "robbery", "killer"],
  sports: ["football", "boxing", "baseball", "champion", "coach", "team", "soccer", "olympic"],
  horror: ["ghost", "zombie", "vampire", "haunted", "demon", "nightmare", "witch", "curse"],
};
const NEUTRAL_WORDS = ["return", "night", "day", "story", "city", "man", "last", "first", "road", "house"];

/**
 * The planted-topic set: each item has a topic and a title of three of its topic's words and one
 * neutral word; each user has a favourite and a second topic (affinity 1 and 0.5); click ~
 * Bernoulli(sigmoid(topicWeight * affinity + item bias - 1.5)). Text carries the topic, so text
 * features must help cold items and the zero-shot ranker must beat popularity.
 */
export function syntheticTextLog(o: SyntheticTextOptions, seed = SPLIT_SEED): TextLog {
  const rng = new Rng(seed);
  const topics = Object.keys(TOPIC_WORDS);
  const movies = new Map<number, MovieText>();
  const topicOf = new Int32Array(o.numItems);
  const bias = new Float64Array(o.numItems);
  for (let i = 0; i < o.numItems; i++) {
    topicOf[i] = rng.int(topics.length);
    bias[i] = rng.normal() * o.itemBiasStd;
    const words = TOPIC_WORDS[topics[topicOf[i]]];
    const title = [0, 1, 2]
      .map(() => words[rng.int(words.length)])
      .concat(NEUTRAL_WORDS[rng.int(NEUTRAL_WORDS.length)]);
    movies.set(i + 1, { id: i + 1, title: title.join(" "), genres: [], year: null });
  }
  const n = o.numUsers * o.ratingsPerUser;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const click = new Uint8Array(n);
  for (let u = 0; u < o.numUsers; u++) {
    const fav = rng.int(topics.length);
    const second = (fav + 1 + rng.int(topics.length - 1)) % topics.length;
    const perm = rng.permutation(o.numItems);
    for (let j = 0; j < o.ratingsPerUser; j++) {
      const r = u * o.ratingsPerUser + j;
      const i = perm[j];
      const aff = topicOf[i] === fav ? 1 : topicOf[i] === second ? 0.5 : 0;
      users[r] = u + 1;
      items[r] = i + 1;
      click[r] = rng.next() < 1 / (1 + Math.exp(-(o.topicWeight * aff + bias[i] - 1.5))) ? 1 : 0;
    }
  }
  return {
    name: "syn",
    users,
    items,
    click,
    movies,
    synthetic: true,
    fingerprint: `synthetic-text:${JSON.stringify(o)}:s${seed}`,
  };
}

/** The default encoder: wink GloVe 100-d word vectors, cached under the data cache. */
export function defaultEncoder(source: WordVectorSource = winkWordVectors()): WordVectorEncoder {
  return new WordVectorEncoder(source);
}

/** Item ids of a log (sorted) and their encoded texts. */
export interface ItemVectors {
  ids: number[];
  row: Map<number, number>;
  encoded: EncodedTexts;
}

/** Encodes every item of `log` (cached by the encoder). */
export function encodeItems(log: TextLog, encoder: WordVectorEncoder): ItemVectors {
  const ids = [...log.movies.keys()].sort((a, b) => a - b);
  const encoded = encoder.encode(ids.map((id) => itemText(log.movies.get(id)!)));
  return { ids, row: new Map(ids.map((id, r) => [id, r])), encoded };
}

// ---------------------------------------------------------------------------------------------
// Demo (a): the warm / cold split and the three feature sets.

/** The split of a log: rows per split, the cold items, vocabularies from the training rows. */
export interface ColdSplit {
  log: TextLog;
  /** Rating indices of each split; test = warm test rows then every cold-item row. */
  rows: { train: Int32Array; valid: Int32Array; test: Int32Array };
  /** Per test row: 0 warm, 1 cold. */
  testCold: Int32Array;
  coldItems: Set<number>;
  /** Raw id -> categorical id (0 = OOV), built on the training rows. */
  userVocab: Map<number, number>;
  itemVocab: Map<number, number>;
  /** Per user: items rated in any split, and liked items in train. */
  rated: Map<number, Set<number>>;
  likedTrain: Map<number, number[]>;
}

/**
 * Holds out `coldShare` of the items (Rng(seed)): all their ratings go to the test split as the
 * cold group; the other ratings are shuffled and split 8:1:1 (train, valid, warm test). `caps`
 * keep the first `caps.train` training rows and a seeded sample of `caps.coldTest` cold rows (the
 * dropped training rows are used nowhere). Warm test rows are those whose item is in the training
 * rows (after the cap a few warm items occur only outside them: their rows are dropped from test).
 */
export function coldSplit(
  log: TextLog,
  coldShare: number,
  caps: SplitCapsLlm = { train: Infinity, coldTest: Infinity },
  seed = SPLIT_SEED,
): ColdSplit {
  if (!(coldShare > 0 && coldShare < 1))
    throw new Error(`coldSplit: coldShare must be in (0, 1), got ${coldShare}`);
  const rng = new Rng(seed);
  const present = [...new Set(log.items)].sort((a, b) => a - b);
  const perm = rng.permutation(present.length);
  const coldItems = new Set(
    Array.from(perm.subarray(0, Math.round(coldShare * present.length)), (p) => present[p]),
  );
  const warm: number[] = [];
  const cold: number[] = [];
  for (let r = 0; r < log.items.length; r++) (coldItems.has(log.items[r]) ? cold : warm).push(r);
  const order = rng.permutation(warm.length);
  const nTrain = Math.round(0.8 * warm.length);
  const nValid = Math.round(0.1 * warm.length);
  const pick = (a: number, b: number) => Int32Array.from(order.subarray(a, b), (k) => warm[k]);
  const train = pick(0, Math.min(nTrain, caps.train));
  const valid = pick(nTrain, nTrain + nValid);
  const vocab = (col: Int32Array) => {
    const m = new Map<number, number>();
    for (const r of train) if (!m.has(col[r])) m.set(col[r], m.size + 1);
    return m;
  };
  const itemVocab = vocab(log.items);
  const warmTest = Array.from(pick(nTrain + nValid, warm.length)).filter((r) => itemVocab.has(log.items[r]));
  const coldKept =
    cold.length > caps.coldTest
      ? Array.from(rng.permutation(cold.length).subarray(0, caps.coldTest), (k) => cold[k]).sort(
          (a, b) => a - b,
        )
      : cold;
  const test = Int32Array.from([...warmTest, ...coldKept]);
  const testCold = Int32Array.from(test, (_, i) => (i < warmTest.length ? 0 : 1));
  const rated = new Map<number, Set<number>>();
  for (let r = 0; r < log.users.length; r++) {
    if (!rated.has(log.users[r])) rated.set(log.users[r], new Set());
    rated.get(log.users[r])!.add(log.items[r]);
  }
  const likedTrain = new Map<number, number[]>();
  for (const r of train)
    if (log.click[r] === 1)
      likedTrain.set(log.users[r], [...(likedTrain.get(log.users[r]) ?? []), log.items[r]]);
  return {
    log,
    rows: { train, valid, test },
    testCold,
    coldItems,
    userVocab: vocab(log.users),
    itemVocab,
    rated,
    likedTrain,
  };
}

/** Dense item block of a variant: the text vectors, seeded random vectors of the same size, or none. */
function itemBlock(
  variant: Variant,
  vectors: ItemVectors,
): { dim: number; of: (item: number) => Float32Array | null } {
  const dim = vectors.encoded.dim;
  if (variant === "id") return { dim: 0, of: () => null };
  if (variant === "id+text")
    return {
      dim,
      of: (item) =>
        vectors.encoded.vectors.subarray(vectors.row.get(item)! * dim, (vectors.row.get(item)! + 1) * dim),
    };
  const rng = new Rng(SPLIT_SEED + 1);
  const scale = Math.sqrt(meanSquare(vectors.encoded.vectors));
  const random = new Float32Array(vectors.ids.length * dim).map(() => rng.normal() * scale);
  return {
    dim,
    of: (item) => random.subarray(vectors.row.get(item)! * dim, (vectors.row.get(item)! + 1) * dim),
  };
}

function meanSquare(a: Float32Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return a.length > 0 ? s / a.length : 0;
}

/** Schema of a variant: user_id, movie_id, then text_0..text_{D-1} numeric for the dense variants. */
export function variantSchema(split: ColdSplit, variant: Variant, dim: number): DatasetSchema {
  const cat: CategoricalFeature[] = [
    { kind: "categorical", name: "user_id", vocabSize: split.userVocab.size + 1 },
    { kind: "categorical", name: "movie_id", vocabSize: split.itemVocab.size + 1 },
  ];
  const num: NumericFeature[] =
    variant === "id"
      ? []
      : Array.from({ length: dim }, (_, d) => ({ kind: "numeric", name: `text_${d}`, transform: "none" }));
  return {
    name: `${split.log.name}-${variant}`,
    features: [...cat, ...num],
    labels: [{ name: "click", type: "binary" }],
    groups: [{ name: "coldness", numGroups: 2, names: ["warm", "cold"] }],
    synthetic: split.log.synthetic,
  };
}

/** Rows (user, item, label, group) as a TabularDataset of `variant`. */
export function pairsDataset(
  split: ColdSplit,
  variant: Variant,
  vectors: ItemVectors,
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<number>,
): TabularDataset {
  const block = itemBlock(variant, vectors);
  const schema = variantSchema(split, variant, block.dim);
  const n = users.length;
  const num = Array.from({ length: block.dim }, () => new Float32Array(n));
  for (let r = 0; r < n; r++) {
    const v = block.of(items[r]);
    if (v !== null) for (let d = 0; d < block.dim; d++) num[d][r] = v[d];
  }
  return {
    schema,
    numRows: n,
    cat: [
      Int32Array.from({ length: n }, (_, r) => split.userVocab.get(users[r]) ?? 0),
      Int32Array.from({ length: n }, (_, r) => split.itemVocab.get(items[r]) ?? 0),
    ],
    num,
    seq: [],
    labels: [Float32Array.from(labels)],
    groups: [Int32Array.from(groups)],
    meta: {
      source: `${split.log.fingerprint}:${variant}`,
      fingerprint: `${split.log.fingerprint}:cold${split.coldItems.size}:s${SPLIT_SEED}:${variant}:${vectors.encoded.cacheFile ?? "nocache"}`,
    },
  };
}

/** The Dataset of one variant (train / valid / test with the coldness group on test). */
export function variantDataset(split: ColdSplit, variant: Variant, vectors: ItemVectors): Dataset {
  const { log } = split;
  const make = (rows: Int32Array, groups: ArrayLike<number>) =>
    pairsDataset(
      split,
      variant,
      vectors,
      Array.from(rows, (r) => log.users[r]),
      Array.from(rows, (r) => log.items[r]),
      Array.from(rows, (r) => log.click[r]),
      groups,
    );
  const train = make(split.rows.train, new Int32Array(split.rows.train.length));
  const valid = make(split.rows.valid, new Int32Array(split.rows.valid.length));
  const test = make(split.rows.test, split.testCold);
  return {
    schema: train.schema,
    train,
    valid,
    test,
    meta: { id: train.schema.name, fingerprint: train.meta.fingerprint },
  };
}

/** Items of any split of `split` that are cold but occur in the train or valid rows (must be empty). */
export function coldLeaks(split: ColdSplit): number[] {
  const leaks = new Set<number>();
  for (const rows of [split.rows.train, split.rows.valid])
    for (const r of rows) if (split.coldItems.has(split.log.items[r])) leaks.add(split.log.items[r]);
  return [...leaks];
}

/** Rows and click rate per split and group. */
export function splitRows(split: ColdSplit): Record<string, string | number>[] {
  const { log } = split;
  const row = (name: string, rows: ArrayLike<number>) => {
    const items = new Set(Array.from(rows, (r) => log.items[r]));
    const pos = Array.from(rows, (r) => log.click[r]).reduce((a, b) => a + b, 0);
    return {
      data: log.name,
      split: name,
      rows: rows.length,
      items: items.size,
      "click rate": (pos / Math.max(1, rows.length)).toFixed(3),
    };
  };
  const test = Array.from(split.rows.test);
  return [
    row("train", split.rows.train),
    row("valid", split.rows.valid),
    row(
      "test: warm items",
      test.filter((_, i) => split.testCold[i] === 0),
    ),
    row(
      "test: cold items (unseen in training)",
      test.filter((_, i) => split.testCold[i] === 1),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Demo (b): sampled ranking task, the zero-shot and popularity scorers, the trained models.

/** One ranking task: users and their candidates (positive first), [U, N] raw item ids. */
export interface RankingTask {
  users: Int32Array;
  candidates: Int32Array;
  numCandidates: number;
}

/**
 * Users with a liked item in the warm test rows and at least one liked training item (at most
 * `maxUsers`, in id order): the first such test item is the positive; N - 1 negatives are drawn
 * with Rng(seed) uniformly from the training items the user never rated.
 */
export function rankingTask(
  split: ColdSplit,
  seed: number,
  maxUsers: number,
  numCandidates: number,
): RankingTask {
  const { log } = split;
  const positive = new Map<number, number>();
  split.rows.test.forEach((r, i) => {
    if (
      split.testCold[i] === 0 &&
      log.click[r] === 1 &&
      split.likedTrain.has(log.users[r]) &&
      !positive.has(log.users[r])
    )
      positive.set(log.users[r], log.items[r]);
  });
  const users = [...positive.keys()].sort((a, b) => a - b).slice(0, maxUsers);
  const pool = [...split.itemVocab.keys()].sort((a, b) => a - b);
  const rng = new Rng(seed);
  const cand = new Int32Array(users.length * numCandidates);
  users.forEach((u, k) => {
    const rated = split.rated.get(u)!;
    const avail = pool.length - [...rated].filter((i) => split.itemVocab.has(i)).length;
    if (avail < numCandidates - 1)
      throw new Error(
        `rankingTask: user ${u} has only ${avail} unrated training items for ${numCandidates - 1} negatives`,
      );
    cand[k * numCandidates] = positive.get(u)!;
    const chosen = new Set<number>();
    for (let j = 1; j < numCandidates; ) {
      const i = pool[rng.int(pool.length)];
      if (rated.has(i) || chosen.has(i)) continue;
      chosen.add(i);
      cand[k * numCandidates + j++] = i;
    }
  });
  return { users: Int32Array.from(users), candidates: cand, numCandidates };
}

/** HR@K and NDCG@K of a [U, N] score matrix with the positive in column 0. */
export function rankingMetrics(
  scores: Float32Array | Float64Array,
  numCandidates: number,
): Record<string, number> {
  const r = sampledRanking(scores, numCandidates, { ks: [K] });
  return { [`hitRate@${K}`]: r.values[`hitRate@${K}`], [`ndcg@${K}`]: r.values[`ndcg@${K}`] };
}

/** Popularity: the number of training ratings of each candidate. */
export function popularityScores(split: ColdSplit, task: RankingTask): Float64Array {
  const count = new Map<number, number>();
  for (const r of split.rows.train) count.set(split.log.items[r], (count.get(split.log.items[r]) ?? 0) + 1);
  return Float64Array.from(task.candidates, (i) => count.get(i) ?? 0);
}

/** Zero-shot: cosine between the mean text vector of the user's liked training items and each candidate's. */
export function zeroShotScores(split: ColdSplit, task: RankingTask, vectors: ItemVectors): Float64Array {
  const dim = vectors.encoded.dim;
  const V = vectors.encoded.vectors;
  const profile = new Float32Array(dim);
  const out = new Float64Array(task.candidates.length);
  task.users.forEach((u, k) => {
    profile.fill(0);
    for (const i of split.likedTrain.get(u)!)
      for (let d = 0; d < dim; d++) profile[d] += V[vectors.row.get(i)! * dim + d];
    for (let j = 0; j < task.numCandidates; j++)
      out[k * task.numCandidates + j] = rowCosine(
        profile,
        0,
        V,
        vectors.row.get(task.candidates[k * task.numCandidates + j])!,
        dim,
      );
  });
  return out;
}

/** A trained model's predicted click probability for every (user, candidate). */
export function modelScores(
  model: RecModel,
  split: ColdSplit,
  variant: Variant,
  vectors: ItemVectors,
  task: RankingTask,
): Float32Array {
  const users = Array.from(task.candidates, (_, j) => task.users[Math.floor(j / task.numCandidates)]);
  const zeros = new Int32Array(task.candidates.length);
  return predictHead(
    model,
    pairsDataset(split, variant, vectors, users, task.candidates, zeros, zeros),
    "click",
  );
}

/** Per-seed HR@K / NDCG@K of the zero-shot and popularity scorers, keyed `<data>.<scorer>.<metric>`. */
export function rankingMeasured(
  split: ColdSplit,
  vectors: ItemVectors,
  prof: Profile,
): Record<string, number[]> {
  const p = PROFILES[prof];
  const out: Record<string, number[]> = {};
  for (const seed of p.seeds) {
    const task = rankingTask(split, seed, p.rankUsers, p.numCandidates);
    const scorers: [string, Float64Array][] = [
      ["zero-shot", zeroShotScores(split, task, vectors)],
      ["popularity", popularityScores(split, task)],
    ];
    for (const [name, scores] of scorers)
      for (const [k, v] of Object.entries(rankingMetrics(scores, task.numCandidates)))
        (out[`${split.log.name}.${name}.${k}`] ??= []).push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The grid.

/** The three cells over one split, each with its own Dataset; every cell also ranks (measure hook). */
export function cells(split: ColdSplit, vectors: ItemVectors, prof: Profile): GridCell[] {
  const p = PROFILES[prof];
  return VARIANTS.map((variant) => ({
    label: variant,
    model: "dnn",
    trainConfig: split.log.synthetic ? SYNTHETIC_TRAIN : undefined,
    baseline: variant === "id" ? undefined : "id",
    data: variantDataset(split, variant, vectors),
    measure: ({ model, seed }) =>
      rankingMetrics(
        modelScores(model, split, variant, vectors, rankingTask(split, seed, p.rankUsers, p.numCandidates)),
        p.numCandidates,
      ),
  }));
}

/** Trains the cells of one split (run records under figures/llm-survey/). */
export function runDemo(split: ColdSplit, vectors: ItemVectors, prof: Profile): Promise<CellResult[]> {
  const cs = cells(split, vectors, prof);
  return runGrid({
    paper: PAPER,
    models: BASELINES,
    dataName: split.log.name,
    data: cs[0].data!,
    cells: cs,
    seeds: PROFILES[prof].seeds,
    presets: TRAIN_PRESETS,
    profile: prof,
    groupAxis: "coldness",
    modelConfig: MODEL_CONFIG,
    onCell: (r) => console.log(`${r.data}.${r.label}: ${r.wallSecPerSeed.toFixed(1)} s/seed`),
  });
}

// ---------------------------------------------------------------------------------------------
// Tables.

const fmt = (v: readonly number[] | undefined, digits = 4) =>
  v && v.length > 0 ? formatMeanStd(summariseSeeds(v), digits) : "—";

/** Warm and cold test AUC per cell (mean ± std over seeds). */
export function aucRows(results: readonly CellResult[]): Record<string, string | number>[] {
  return results.map((r) => ({
    data: r.data,
    cell: r.label,
    "AUC warm items": fmt(r.metrics["warm.auc"]),
    "AUC cold items": fmt(r.metrics["cold.auc"]),
    "AUC all": fmt(r.metrics.auc),
    "test rows warm / cold": `${r.groupRows.warm} / ${r.groupRows.cold}`,
    "s / seed": r.wallSecPerSeed.toFixed(1),
  }));
}

/** HR@K / NDCG@K of every scorer of one data set (the trained cells and the two training-free scorers). */
export function rankingRows(measured: Record<string, number[]>, data: string): Record<string, string>[] {
  const scorers = ["popularity", "zero-shot", ...VARIANTS];
  const kind: Record<string, string> = {
    popularity: "training counts",
    "zero-shot": "frozen text vectors, no training",
    id: "DNN, IDs",
    "id+text": "DNN, IDs + text",
    "id+random": "DNN, IDs + random vectors",
  };
  return scorers.map((s) => ({
    data,
    scorer: s,
    what: kind[s],
    [`HR@${K}`]: fmt(measured[`${data}.${s}.hitRate@${K}`]),
    [`NDCG@${K}`]: fmt(measured[`${data}.${s}.ndcg@${K}`]),
  }));
}

/** The encoder's cost: texts, vocabulary, time per item, memory. */
export function encoderRows(runs: Record<string, EncodedTexts>): Record<string, string | number>[] {
  return Object.entries(runs).map(([name, e]) => ({
    run: name,
    texts: e.numTexts,
    "from cache": e.fromCache ? "yes" : "no",
    "distinct tokens / with a vector": e.fromCache ? "-" : `${e.vocabSize} / ${e.vocabFound}`,
    "mean token coverage": (
      Array.from(e.coverage)
        .filter(Number.isFinite)
        .reduce((a, b) => a + b, 0) / e.numTexts
    ).toFixed(3),
    "ms total": e.ms.toFixed(0),
    "ms / item": e.msPerItem.toFixed(3),
    "matrix MB": (e.matrixBytes / 1e6).toFixed(2),
    "looked-up vectors MB": (e.vocabBytes / 1e6).toFixed(2),
    "RSS change MB": e.rssDeltaMb.toFixed(0),
  }));
}

/** Tokens and nearest items of a few items by text cosine (what the encoder sees). */
export function neighbourRows(
  log: TextLog,
  vectors: ItemVectors,
  ids: readonly number[],
): Record<string, string>[] {
  const dim = vectors.encoded.dim;
  return ids.map((id) => {
    const r = vectors.row.get(id)!;
    const best = vectors.ids
      .filter((j) => j !== id)
      .map((j) => ({
        j,
        c: rowCosine(vectors.encoded.vectors, r, vectors.encoded.vectors, vectors.row.get(j)!, dim),
      }))
      .sort((a, b) => b.c - a.c)
      .slice(0, 3);
    const m = log.movies.get(id)!;
    return {
      item: itemText(m),
      tokens: tokenize(itemText(m)).join(" "),
      "nearest by text cosine": best
        .map((b) => `${log.movies.get(b.j)!.title} (${b.c.toFixed(2)})`)
        .join("; "),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Demo (c): rule-based feature engineering (a stand-in for an LLM, says so).

/** Attributes derived by rules from a title (what an LLM feature engineer such as KAR would write as text). */
export function ruleFeatures(m: MovieText): Record<string, string> {
  const title = m.title.replace(/\s*\(\d{4}\)\s*$/, "");
  return {
    decade: m.year === null ? "unknown" : `${Math.floor(m.year / 10) * 10}s`,
    sequel: /\b(2|3|4|5|II|III|IV|Part)\b/.test(title) ? "yes" : "no",
    "alternative title": /\(a\.k\.a\.|\(/.test(title) ? "yes" : "no",
    "article moved to end": /, (The|A|An|La|Le|Les|Il|Das|Der|Die)\b/.test(title) ? "yes" : "no",
    "genre count": String(m.genres.length),
  };
}

/** The rule-based attributes of the first `n` movies, labelled as the stand-in they are. */
export function ruleRows(log: TextLog, n = 6): Record<string, string>[] {
  return [...log.movies.values()]
    .slice(0, n)
    .map((m) => ({ item: m.title, generator: "rules (stand-in, no LLM)", ...ruleFeatures(m) }));
}

// ---------------------------------------------------------------------------------------------
// The optional local LLM.

/**
 * Re-ranks the first `users` users' top candidates with a local LLM when one is configured
 * (src/engine/local-llm.ts); otherwise returns the reason, and nothing is computed.
 */
export async function llmRerank(
  split: ColdSplit,
  task: RankingTask,
  users = 5,
  shortlist = 10,
): Promise<{ available: boolean; reason: string; rows: Record<string, string | number>[] }> {
  const llm = await openLocalLlm();
  if (!llm.available) return { available: false, reason: llm.reason, rows: [] };
  const title = (i: number) => split.log.movies.get(i)!.title;
  const rows: Record<string, string | number>[] = [];
  try {
    for (let k = 0; k < Math.min(users, task.users.length); k++) {
      const first = Array.from(
        task.candidates.subarray(k * task.numCandidates, k * task.numCandidates + shortlist),
      );
      const cand = Array.from(new Rng(k).permutation(first.length), (p) => first[p]); // the held-out item is not always first
      const liked = split.likedTrain.get(task.users[k])!.slice(-10).map(title);
      const answer = await llm.prompt(rerankPrompt(liked, cand.map(title)));
      const order = parseRanking(answer, cand.length);
      rows.push({
        user: task.users[k],
        [`rank of the held-out item (of ${shortlist})`]: order.indexOf(cand.indexOf(first[0])) + 1,
        answer: answer.slice(0, 80),
      });
    }
  } finally {
    await llm.dispose();
  }
  return { available: true, reason: `re-ranked by ${llm.modelPath}`, rows };
}
