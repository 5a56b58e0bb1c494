/**
 * Allocation-free token keys and an open-addressing hash table on them: the hot path of
 * vocabulary counting and encoding (Map<string, ...> lookups on fresh substrings cost ~5x more).
 *
 * A token (a character range of a line) is turned into a number without creating a substring:
 * - 1 to 8 lowercase hex digits (every Criteo C-field, most Avazu fields, libFM indices,
 *   decimal counts): `length * 2^32 + value`, exact and collision-free;
 * - anything else: `2^36 + 52-bit hash` (FNV-1a and a second multiplicative hash). Two distinct
 *   non-hex tokens of one field collide with probability ~ n^2 / 2^53 (about 1e-6 at 100k tokens).
 * The empty range is the missing value, key {@link MISSING_KEY}.
 */

/** Key of an empty (missing) token. */
export const MISSING_KEY = -1;
const EMPTY = -2;
const TWO32 = 4294967296;
const HASHED_BASE = 68719476736; // 2^36

/** Key of `s.slice(a, b)`, computed without allocating a substring. */
export function tokenKey(s: string, a: number, b: number): number {
  const n = b - a;
  if (n === 0) return MISSING_KEY;
  if (n <= 8) {
    const v = hexValue(s, a, b);
    if (v >= 0) return n * TWO32 + v;
  }
  return hashKey(s, a, b);
}

/** Value of `s[a, b)` read as lowercase hex (at most 8 digits), or -1 when it is not hex. */
export function hexValue(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) v = v * 16 + (c - 48);
    else if (c >= 97 && c <= 102) v = v * 16 + (c - 87);
    else return -1;
  }
  return v;
}

/** Hashed key (>= 2^36) of a token that is not short hex. */
export function hashKey(s: string, a: number, b: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return HASHED_BASE + (h1 >>> 0) * 1048576 + (h2 & 0xfffff);
}

/** Writes the key of `s[a, b)` into `out[j]` (no heap number is returned on the fast path). */
export function storeTokenKey(out: Float64Array, j: number, s: string, a: number, b: number): void {
  const n = b - a;
  if (n === 0) out[j] = MISSING_KEY;
  else if (n <= 8) {
    const v = hexValue(s, a, b);
    out[j] = v >= 0 ? n * TWO32 + v : hashKey(s, a, b);
  } else out[j] = hashKey(s, a, b);
}

/** Open-addressing (linear probing) map from token keys to non-negative int32 values. */
export class KeyTable {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private bits: number;
  size = 0;

  constructor(expected = 16) {
    let bits = 4;
    while (1 << bits < expected * 2) bits++;
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.keys = new Float64Array(1 << bits).fill(EMPTY);
    this.vals = new Int32Array(1 << bits);
  }

  private slot(key: number): number {
    const lo = key >>> 0;
    const hi = (key / TWO32) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Value for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = this.slot(key);
    for (;;) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets `key` to `value` (inserting or overwriting). */
  set(key: number, value: number): void {
    const keys = this.keys;
    let i = this.slot(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = key;
    this.vals[i] = value;
    if (++this.size * 2 > keys.length) this.grow();
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    this.bits++;
    this.mask = (1 << this.bits) - 1;
    this.keys = new Float64Array(1 << this.bits).fill(EMPTY);
    this.vals = new Int32Array(1 << this.bits);
    this.size = 0;
    for (let i = 0; i < oldK.length; i++) if (oldK[i] !== EMPTY) this.set(oldK[i], oldV[i]);
  }
}
