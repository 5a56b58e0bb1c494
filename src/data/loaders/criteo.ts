/**
 * Criteo Display Advertising Challenge, raw Kaggle `train.txt` format: one row per line,
 * tab-separated, 40 columns `label, I1..I13, C1..C26`, empty = missing. I1..I13 are integer
 * counts (may be negative), C1..C26 32-bit hashes written as 8 hex digits.
 *
 * Numeric transform (option `numericTransform`):
 * - "log1p" (default): float feature `log1p(max(v, 0))`, missing = 0 (FuxiCTR-style fill).
 * - "log": the 2014 winners' (3 Idiots) bucketing `v > 2 ? floor(ln(v)^2) : v`, used as a
 *   categorical token per field, missing its own token; I1..I13 then come first among the
 *   categorical features.
 * - "none": the raw value as a float, missing = 0.
 *
 * The parser walks the line with `indexOf("\t")` and never splits it: tokens are passed on as
 * ranges (see keys.ts), integers are read from char codes.
 */
import { RowError } from "../errors";
import type { FormatOptions, RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

export const CRITEO_NUMERIC = Array.from({ length: 13 }, (_, i) => `I${i + 1}`);
export const CRITEO_CATEGORICAL = Array.from({ length: 26 }, (_, i) => `C${i + 1}`);
const NUM_COLS = 40;

const TOKEN_MIN = -64;
const TOKEN_CACHE = Array.from({ length: 1200 }, (_, i) => String(i + TOKEN_MIN));

/** Winners' bucket of a Criteo count: `v > 2 ? floor(ln(v)^2) : v`, as a token string. */
export function criteoLogBucket(v: number): string {
  const b = v > 2 ? Math.floor(Math.log(v) ** 2) : v;
  const k = b - TOKEN_MIN;
  return Number.isInteger(b) && k >= 0 && k < TOKEN_CACHE.length ? TOKEN_CACHE[k] : String(b);
}

function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** The number in `s[a, b)`: integers from char codes, anything else through Number(). */
function parseNumber(s: string, a: number, b: number, field: string): number {
  let i = a;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  let v = 0;
  if (i < b && b - i <= 15) {
    for (; i < b; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === b) return neg ? -v : v;
  }
  const t = s.slice(a, b);
  const x = Number(t);
  if (!Number.isFinite(x) || t.trim() !== t) throw new RowError(`${field} is not a number: "${show(t)}"`);
  return x;
}

function columnError(line: string): RowError {
  return new RowError(
    `expected ${NUM_COLS} tab-separated columns (label, I1..I13, C1..C26), found ${line.split("\t").length}`,
  );
}

export const CRITEO_FORMAT: RowFormat = {
  id: "criteo-tsv",
  description: "Criteo raw Kaggle format: label, I1..I13, C1..C26, tab-separated, empty = missing",
  create(opts: FormatOptions): RowParser {
    const mode = opts.numericTransform ?? "log1p";
    const bucket = mode === "log";
    const log1p = mode === "log1p";
    const catOff = bucket ? 13 : 0;
    return {
      catNames: bucket ? [...CRITEO_NUMERIC, ...CRITEO_CATEGORICAL] : CRITEO_CATEGORICAL,
      numNames: bucket ? [] : CRITEO_NUMERIC,
      numTransform: log1p ? "log" : "none",
      labelNames: ["click"],
      parse(line: string, _lineNo: number, row: RowScratch): boolean {
        let q = line.indexOf("\t");
        if (q < 0) throw columnError(line);
        const l = q === 1 ? line.charCodeAt(0) : -1;
        if (l === 48) row.labels[0] = 0;
        else if (l === 49) row.labels[0] = 1;
        else throw new RowError(`label must be 0 or 1, found "${show(line.slice(0, q))}"`);
        let p: number;
        for (let i = 0; i < 13; i++) {
          p = q + 1;
          q = line.indexOf("\t", p);
          if (q < 0) throw columnError(line);
          if (bucket) {
            if (q === p) setToken(row, i, "", 0, 0);
            else {
              const t = criteoLogBucket(parseNumber(line, p, q, CRITEO_NUMERIC[i]));
              setToken(row, i, t, 0, t.length);
            }
          } else if (q === p) row.num[i] = 0;
          else {
            const v = parseNumber(line, p, q, CRITEO_NUMERIC[i]);
            row.num[i] = log1p ? Math.log1p(v > 0 ? v : 0) : v;
          }
        }
        for (let j = 0; j < 26; j++) {
          p = q + 1;
          q = line.indexOf("\t", p);
          if (j < 25) {
            if (q < 0) throw columnError(line);
          } else {
            if (q >= 0) throw columnError(line);
            q = line.length;
          }
          setToken(row, catOff + j, line, p, q);
        }
        return true;
      },
    };
  },
};
