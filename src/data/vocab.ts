/**
 * Per-field token counting in bounded memory, and min-count vocabularies.
 *
 * Ids: 0 = out-of-vocabulary (tokens seen fewer than `minCount` times in the TRAIN split, or
 * never), 1 = missing value (its own token in every field), 2.. = kept tokens sorted by
 * descending train count, ties by token (byte order), so ids are deterministic.
 *
 * Memory bound: counts live in one KeyTable (keys.ts) plus growable typed arrays and the token
 * strings per field, with at most `maxKeys` distinct tokens across all fields. When the budget is exceeded
 * the counter prunes, lossy-counting style (Manku & Motwani 2002): every token whose count is
 * <= t is dropped (t = 1, 2, ... until at most half the budget remains) and t is recorded per
 * field. Consequences, documented in data/README.md: below the budget counts are exact; above
 * it a token can lose the occurrences it had before a prune (its count is then an undercount by
 * at most the sum of the thresholds it was pruned at), so tokens near `minCount` may fall to
 * OOV, while frequent tokens are kept. `pruneThreshold` in the vocabulary says when this happened.
 */
import { KeyTable, MISSING_KEY, tokenKey } from "./keys";
import type { RowScratch } from "./loaders/types";
import { tokenText } from "./loaders/types";

/** Counts tokens per field under a global budget of distinct keys. */
export class TokenCounter {
  readonly fieldNames: readonly string[];
  private tables: KeyTable[];
  private counts: Uint32Array[];
  private tokens: string[][];
  private keyOf: Float64Array[];
  /** Occurrences of the missing token per field. */
  readonly missing: Float64Array;
  /** Highest prune threshold applied per field (0 = never pruned: counts are exact). */
  readonly pruneThreshold: Int32Array;
  private size = 0;
  private readonly maxKeys: number;

  constructor(fieldNames: readonly string[], maxKeys: number) {
    this.fieldNames = fieldNames;
    this.maxKeys = Math.max(16, Math.floor(maxKeys));
    const n = fieldNames.length;
    this.tables = Array.from({ length: n }, () => new KeyTable());
    this.counts = Array.from({ length: n }, () => new Uint32Array(64));
    this.keyOf = Array.from({ length: n }, () => new Float64Array(64));
    this.tokens = Array.from({ length: n }, () => []);
    this.missing = new Float64Array(n);
    this.pruneThreshold = new Int32Array(n);
  }

  /** Distinct tokens currently held, over all fields. */
  get distinct(): number {
    return this.size;
  }

  /** Counts categorical field j of a parsed row. */
  addRow(row: RowScratch, j: number): void {
    const key = row.keys[j];
    if (key === MISSING_KEY) {
      this.missing[j]++;
      return;
    }
    const i = this.tables[j].get(key);
    if (i >= 0) this.counts[j][i]++;
    else this.insert(j, key, tokenText(row, j));
  }

  /** Counts one occurrence of `token` in field `f` ("" = missing). */
  add(f: number, token: string): void {
    const key = tokenKey(token, 0, token.length);
    if (key === MISSING_KEY) {
      this.missing[f]++;
      return;
    }
    const i = this.tables[f].get(key);
    if (i >= 0) this.counts[f][i]++;
    else this.insert(f, key, token);
  }

  private insert(f: number, key: number, token: string): void {
    const k = this.tokens[f].length;
    if (k === this.counts[f].length) {
      const c = new Uint32Array(k * 2);
      c.set(this.counts[f]);
      this.counts[f] = c;
      const kk = new Float64Array(k * 2);
      kk.set(this.keyOf[f]);
      this.keyOf[f] = kk;
    }
    this.counts[f][k] = 1;
    this.keyOf[f][k] = key;
    this.tokens[f].push(token);
    this.tables[f].set(key, k);
    if (++this.size > this.maxKeys) this.prune();
  }

  /** Current count of `token` in field `f`. */
  count(f: number, token: string): number {
    if (token === "") return this.missing[f];
    const i = this.tables[f].get(tokenKey(token, 0, token.length));
    return i < 0 ? 0 : this.counts[f][i];
  }

  private prune(): void {
    const target = this.maxKeys >> 1;
    for (let t = 1; this.size > target; t++) {
      for (let f = 0; f < this.tables.length; f++) {
        const c = this.counts[f];
        const n = this.tokens[f].length;
        let kept = 0;
        for (let i = 0; i < n; i++) if (c[i] > t) kept++;
        if (kept === n) continue;
        const table = new KeyTable(kept);
        const c2 = new Uint32Array(Math.max(64, kept));
        const k2 = new Float64Array(Math.max(64, kept));
        const tok2: string[] = [];
        for (let i = 0; i < n; i++) {
          if (c[i] > t) {
            c2[tok2.length] = c[i];
            k2[tok2.length] = this.keyOf[f][i];
            table.set(this.keyOf[f][i], tok2.length);
            tok2.push(this.tokens[f][i]);
          }
        }
        this.size -= n - kept;
        this.tables[f] = table;
        this.counts[f] = c2;
        this.keyOf[f] = k2;
        this.tokens[f] = tok2;
        if (t > this.pruneThreshold[f]) this.pruneThreshold[f] = t;
      }
    }
  }

  /** Entries of field `f` as [token, count] pairs (unsorted). */
  *entries(f: number): Generator<[string, number]> {
    const c = this.counts[f];
    const toks = this.tokens[f];
    for (let i = 0; i < toks.length; i++) yield [toks[i], c[i]];
  }
}

/** One field's vocabulary. */
export interface FieldVocab {
  name: string;
  /** Ids in use: 0 (OOV) + 1 (missing) + kept tokens. */
  vocabSize: number;
  /** Kept tokens; `tokens[k]` has id k + 2. */
  tokens: string[];
  /** Train counts of `tokens`, same order. */
  counts: number[];
  /** Train occurrences of the missing value (id 1). */
  missingCount: number;
  /** Train occurrences mapped to OOV (id 0): tokens below minCount. */
  oovCount: number;
  /** 0 when counts are exact; otherwise the highest lossy-counting prune threshold. */
  pruneThreshold: number;
}

export interface Vocabulary {
  minCount: number;
  fields: FieldVocab[];
}

export const OOV_ID = 0;
export const MISSING_ID = 1;

/** Builds min-count vocabularies from a counter (tokens with count >= minCount keep an id). */
export function buildVocabulary(counter: TokenCounter, minCount: number): Vocabulary {
  const fields: FieldVocab[] = counter.fieldNames.map((name, f) => {
    const kept: [string, number][] = [];
    let oov = 0;
    for (const e of counter.entries(f)) {
      if (e[1] >= minCount) kept.push(e);
      else oov += e[1];
    }
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      name,
      vocabSize: kept.length + 2,
      tokens: kept.map((e) => e[0]),
      counts: kept.map((e) => e[1]),
      missingCount: counter.missing[f],
      oovCount: oov,
      pruneThreshold: counter.pruneThreshold[f],
    };
  });
  return { minCount, fields };
}

/** token-key -> id tables for encoding, one per field. */
export function vocabularyTables(v: Vocabulary): KeyTable[] {
  return v.fields.map((fv) => {
    const m = new KeyTable(fv.tokens.length);
    for (let k = 0; k < fv.tokens.length; k++) m.set(tokenKey(fv.tokens[k], 0, fv.tokens[k].length), k + 2);
    return m;
  });
}

/** Id of `token` in field `f` of a vocabulary (0 = OOV, 1 = missing). */
export function lookupId(tables: KeyTable[], f: number, token: string): number {
  if (token === "") return MISSING_ID;
  const id = tables[f].get(tokenKey(token, 0, token.length));
  return id < 0 ? OOV_ID : id;
}
