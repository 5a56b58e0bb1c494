/**
 * Paper claims as typed relations with tolerances, and their comparison with measured runs
 * (GUIDE principle 5). Notebook sections "title and claims" (ids C1, C2, ...) and "comparison
 * with the paper" (paper value, ours, delta, direction holds?, within tolerance?).
 *
 * Each paper keeps `src/models/<paper>/claims.json`:
 *
 *     { "paper": "hamur",
 *       "claims": [
 *         { "id": "C1", "text": "HAMUR beats the shared MLP on {group}",
 *           "relation": { "kind": "greater", "ours": "hamur.auc.{group}", "than": "mlp.auc.{group}" },
 *           "forEach": ["domain0", "domain1", "domain2"], "source": "Table 2" },
 *         { "id": "C2", "text": "8-bit ALPT within 0.001 AUC of FP32",
 *           "relation": { "kind": "within", "a": "alpt8.auc", "b": "fp32.auc", "tol": 0.001 },
 *           "paperValue": 0.8012 } ] }
 *
 * Measured values are per seed, keyed like the relation's operands. Verdicts use the seed-spread
 * rule of src/metrics/seeds.ts (a difference inside max(std_a, std_b) is a tie):
 *
 * - greater (ours > than, by at least `margin`, default 0): d = mean(ours) - mean(than).
 *   directionHolds = d > 0; withinTolerance = d >= margin.
 *   |d| <= spread -> "tie (inside spread)"; else both true -> "holds"; else "does not hold".
 * - less: the mirror image (d < 0; d <= -margin).
 * - within (|a - b| <= tol): withinTolerance = |d| <= tol -> "holds"; directionHolds is n/a.
 *   Otherwise the excess |d| - tol inside the spread -> "tie (inside spread)"; else "does not hold".
 * - any operand missing, empty or non-finite -> "not measurable", with the reason; likewise a
 *   comparison of two runs with one seed each (no spread to judge the difference against).
 * - forEach: the claim is checked once per group ({group} replaced in keys and text); the claim
 *   holds only if every group holds; one "does not hold" decides; else "not measurable" if a
 *   group is; else a tie if any is a tie.
 *
 * `paperValue` is the paper's number for the `ours` (or `a`) operand; `delta` = mean(ours) - paperValue
 * puts our absolute number next to the paper's (meaningful where data and budget match).
 */

import * as fs from "node:fs";
import { compareSpread, formatMeanStd, SeedSummary } from "../metrics/seeds";
import { escapeHtml } from "./tables";

/**
 * A per-seed operand: a metric key, or an expression over keys evaluated seed by seed (seeds are
 * paired by position, the shorter operand decides the count):
 * - `{ "diff": [a, b] }`: a − b per seed (e.g. a gain over a baseline, same seed);
 * - `{ "min": x }`: per seed, the smallest value of `x` over every value of the wildcard `{*}` in
 *   its keys for which all of them are measured (e.g. the smallest per-domain gain).
 */
export type Operand = string | { diff: [Operand, Operand] } | { min: Operand };

/** `ours` exceeds `than` (a metric key, an expression or a constant) by at least `margin`. */
export interface GreaterRelation {
  kind: "greater";
  ours: Operand;
  than: Operand | number;
  /** Minimum claimed improvement; default 0. */
  margin?: number;
}

/** `ours` is below `than` by at least `margin` (for losses, latency, memory). */
export interface LessRelation {
  kind: "less";
  ours: Operand;
  than: Operand | number;
  /** Minimum claimed reduction; default 0. */
  margin?: number;
}

/** `a` and `b` differ by at most `tol`. */
export interface WithinRelation {
  kind: "within";
  a: Operand;
  b: Operand | number;
  /** Largest allowed |mean(a) - mean(b)|. */
  tol: number;
}

export type ClaimRelation = GreaterRelation | LessRelation | WithinRelation;

export interface Claim {
  /** "C1", "C2", ... as in the notebook's title section. */
  id: string;
  /** The claim in words; may contain {group}. */
  text: string;
  relation: ClaimRelation;
  /** The paper's value of the `ours` / `a` operand: a number, or one per group with forEach. */
  paperValue?: number | Record<string, number>;
  /** Where the paper states it, e.g. "Table 2". */
  source?: string;
  /** Check the claim once per group, replacing {group} in keys and text. */
  forEach?: string[];
}

/** The contents of a claims.json. */
export interface ClaimsFile {
  paper: string;
  claims: Claim[];
}

export type Verdict = "holds" | "does not hold" | "tie (inside spread)" | "not measurable";

export interface ClaimRow {
  id: string;
  text: string;
  source: string | null;
  paperValue: number | null;
  /** Per-seed summary of the `ours` / `a` operand; null when not measurable or aggregated. */
  ours: SeedSummary | null;
  /** Summary of `than` / `b` (a constant has n = 1, std 0). */
  reference: SeedSummary | null;
  /** mean(ours) - mean(reference). */
  difference: number | null;
  /** mean(ours) - paperValue. */
  delta: number | null;
  /** The band the difference had to leave: max(std_ours, std_reference). */
  spread: number | null;
  /** Sign of the difference matches the claim; null for "within" or when not measurable. */
  directionHolds: boolean | null;
  /** The margin / tolerance is met; null when not measurable. */
  withinTolerance: boolean | null;
  verdict: Verdict;
  /** Why, in words, e.g. "d = +0.0021 > spread 0.0008" or "no values for hamur.auc". */
  reason: string;
  /** Per-group rows of a forEach claim. */
  parts?: ClaimRow[];
}

/** A malformed claims file; names the file and the field. */
export class ClaimsError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "ClaimsError";
  }
}

const ID_PATTERN = /^C\d+[a-z]?$/;

/** Reads and validates a claims.json. */
export function loadClaims(file: string): ClaimsFile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ClaimsError(`${file}: cannot read claims: ${(err as Error).message}`, file, "");
  }
  return validateClaims(data, file);
}

/** Checks the shape of claims data; throws a ClaimsError naming `file` and the first bad field. */
export function validateClaims(data: unknown, file = "claims.json"): ClaimsFile {
  const fail = (field: string, want: string, got: unknown): never => {
    const shown = got === undefined ? "nothing" : (JSON.stringify(got)?.slice(0, 60) ?? String(got));
    throw new ClaimsError(`${file}: field "${field}" must be ${want} (got ${shown})`, file, field);
  };
  const obj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  const str = (v: unknown) => typeof v === "string" && v.length > 0;
  const fin = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!obj(data)) return fail("", "an object {paper, claims}", data);
  if (!str(data.paper)) fail("paper", "a non-empty string", data.paper);
  if (!Array.isArray(data.claims)) fail("claims", "an array", data.claims);
  const seen = new Set<string>();
  (data.claims as unknown[]).forEach((c, i) => {
    const at = `claims[${i}]`;
    if (!obj(c)) return fail(at, "an object", c);
    if (typeof c.id !== "string" || !ID_PATTERN.test(c.id)) fail(`${at}.id`, 'an id like "C1"', c.id);
    if (seen.has(c.id as string)) fail(`${at}.id`, "unique", c.id);
    seen.add(c.id as string);
    if (!str(c.text)) fail(`${at}.text`, "a non-empty string", c.text);
    if (c.source !== undefined && typeof c.source !== "string") fail(`${at}.source`, "a string", c.source);
    if (c.forEach !== undefined) {
      if (!Array.isArray(c.forEach) || c.forEach.length === 0)
        fail(`${at}.forEach`, "a non-empty array of group names", c.forEach);
      (c.forEach as unknown[]).forEach(
        (g, j) => str(g) || fail(`${at}.forEach[${j}]`, "a non-empty string", g),
      );
    }
    if (c.paperValue !== undefined) {
      if (c.forEach !== undefined) {
        if (!obj(c.paperValue))
          fail(`${at}.paperValue`, "an object of group -> number (the claim has forEach)", c.paperValue);
        for (const [g, v] of Object.entries(c.paperValue as object)) {
          if (!(c.forEach as string[]).includes(g))
            fail(`${at}.paperValue.${g}`, `a group listed in forEach`, g);
          if (!fin(v)) fail(`${at}.paperValue.${g}`, "a finite number", v);
        }
      } else if (!fin(c.paperValue)) fail(`${at}.paperValue`, "a finite number", c.paperValue);
    }
    const r = c.relation;
    if (!obj(r)) return fail(`${at}.relation`, "an object", r);
    const isOperand = (v: unknown): boolean =>
      str(v) ||
      (obj(v) &&
        Object.keys(v).length === 1 &&
        ((Array.isArray(v.diff) && v.diff.length === 2 && v.diff.every(isOperand)) ||
          (v.min !== undefined && isOperand(v.min))));
    const operand = (key: string, allowNumber: boolean) => {
      const v = r[key];
      if (!(isOperand(v) || (allowNumber && fin(v))))
        fail(
          `${at}.relation.${key}`,
          allowNumber
            ? "a metric key, an expression {diff}/{min} or a finite number"
            : "a metric key or an expression {diff}/{min}",
          v,
        );
    };
    if (r.kind === "greater" || r.kind === "less") {
      operand("ours", false);
      operand("than", true);
      if (r.margin !== undefined && !(fin(r.margin) && r.margin >= 0))
        fail(`${at}.relation.margin`, "a non-negative number", r.margin);
    } else if (r.kind === "within") {
      operand("a", false);
      operand("b", true);
      if (!(fin(r.tol) && r.tol >= 0)) fail(`${at}.relation.tol`, "a non-negative number", r.tol);
    } else {
      fail(`${at}.relation.kind`, '"greater", "less" or "within"', r.kind);
    }
    if (c.forEach === undefined && JSON.stringify(r).includes("{group}"))
      fail(`${at}.forEach`, "present when keys use {group}", undefined);
    return undefined;
  });
  return data as unknown as ClaimsFile;
}

export interface CompareClaimsOptions {
  /** Floor on the spread (e.g. printing precision); default 0. */
  minSpread?: number;
}

/**
 * Compares claims with measured per-seed values.
 *
 * @param measured metric key -> values per seed (e.g. from `measuredFromRecord` of each run).
 */
export function compareClaims(
  claims: readonly Claim[],
  measured: Readonly<Record<string, readonly number[]>>,
  options: CompareClaimsOptions = {},
): ClaimRow[] {
  return claims.map((claim) => {
    if (!claim.forEach)
      return compareOne(
        claim,
        claim.id,
        claim.text,
        paperNumber(claim.paperValue, undefined),
        claim.relation,
        measured,
        options,
      );
    const parts = claim.forEach.map((g) =>
      compareOne(
        claim,
        `${claim.id}.${g}`,
        fill(claim.text, g),
        paperNumber(claim.paperValue, g),
        fillRelation(claim.relation, g),
        measured,
        options,
      ),
    );
    return aggregate(claim, parts);
  });
}

function paperNumber(pv: Claim["paperValue"], group: string | undefined): number | null {
  if (pv === undefined) return null;
  if (typeof pv === "number") return group === undefined ? pv : null;
  return group !== undefined && typeof pv[group] === "number" ? pv[group] : null;
}

function fill(s: string, group: string): string {
  return s.split("{group}").join(group);
}

function mapKeys<V extends Operand | number>(v: V, f: (key: string) => string): V {
  const o = v as Operand | number;
  if (typeof o === "number") return v;
  if (typeof o === "string") return f(o) as V;
  if ("diff" in o) return { diff: [mapKeys(o.diff[0], f), mapKeys(o.diff[1], f)] } as V;
  return { min: mapKeys(o.min, f) } as V;
}

function fillRelation(r: ClaimRelation, g: string): ClaimRelation {
  const f = (k: string) => fill(k, g);
  return r.kind === "within"
    ? { ...r, a: mapKeys(r.a, f), b: mapKeys(r.b, f) }
    : { ...r, ours: mapKeys(r.ours, f), than: mapKeys(r.than, f) };
}

function keysOf(v: Operand): string[] {
  if (typeof v === "string") return [v];
  if ("diff" in v) return [...keysOf(v.diff[0]), ...keysOf(v.diff[1])];
  return keysOf(v.min);
}

/** Per-seed values of an operand, or the reason it has none. */
export function evaluateOperand(
  v: Operand,
  measured: Readonly<Record<string, readonly number[]>>,
): { values: number[] } | { problem: string } {
  if (typeof v === "string") {
    const p = problem(v, measured);
    return p ? { problem: p } : { values: [...measured[v]] };
  }
  if ("diff" in v) {
    const a = evaluateOperand(v.diff[0], measured);
    if ("problem" in a) return a;
    const b = evaluateOperand(v.diff[1], measured);
    if ("problem" in b) return b;
    const n = Math.min(a.values.length, b.values.length);
    return { values: Array.from({ length: n }, (_, i) => a.values[i] - b.values[i]) };
  }
  const patterns = keysOf(v.min).filter((k) => k.includes("{*}"));
  if (patterns.length === 0) return { problem: `min over ${JSON.stringify(v.min)}: no {*} wildcard` };
  const [pre, post] = patterns[0].split("{*}");
  const candidates = Object.keys(measured)
    .filter((k) => k.length > pre.length + post.length && k.startsWith(pre) && k.endsWith(post))
    .map((k) => k.slice(pre.length, k.length - post.length));
  const matched = candidates.filter((w) => patterns.every((p) => p.split("{*}").join(w) in measured));
  if (matched.length === 0) return { problem: `no values for ${patterns[0]}` };
  let out: number[] | null = null;
  for (const w of matched) {
    const r = evaluateOperand(
      mapKeys(v.min, (k) => k.split("{*}").join(w)),
      measured,
    );
    if ("problem" in r) return r;
    out =
      out === null
        ? r.values
        : Array.from({ length: Math.min(out.length, r.values.length) }, (_, i) =>
            Math.min(out![i], r.values[i]),
          );
  }
  return { values: out! };
}

function signed(x: number, digits = 4): string {
  return (x >= 0 ? "+" : "") + x.toFixed(digits);
}

function compareOne(
  claim: Claim,
  id: string,
  text: string,
  paperValue: number | null,
  relation: ClaimRelation,
  measured: Readonly<Record<string, readonly number[]>>,
  options: CompareClaimsOptions,
): ClaimRow {
  const row: ClaimRow = {
    id,
    text,
    source: claim.source ?? null,
    paperValue,
    ours: null,
    reference: null,
    difference: null,
    delta: null,
    spread: null,
    directionHolds: null,
    withinTolerance: null,
    verdict: "not measurable",
    reason: "",
  };
  const left = evaluateOperand(relation.kind === "within" ? relation.a : relation.ours, measured);
  const rightOp = relation.kind === "within" ? relation.b : relation.than;
  const right = typeof rightOp === "number" ? rightOp : evaluateOperand(rightOp, measured);
  if ("problem" in left || (typeof right !== "number" && "problem" in right)) {
    row.reason = "problem" in left ? left.problem : (right as { problem: string }).problem;
    return row;
  }
  const cmp = compareSpread(left.values, typeof right === "number" ? right : right.values, {
    minSpread: options.minSpread,
  });
  const d = cmp.diff;
  row.ours = cmp.a;
  row.reference = cmp.b;
  row.difference = d;
  row.spread = cmp.spread;
  row.delta = paperValue === null ? null : cmp.a.mean - paperValue;
  const band = `spread ${cmp.spread.toFixed(4)}${cmp.spreadKnown ? "" : " (one seed: no spread)"}`;
  if (relation.kind === "within") {
    row.withinTolerance = Math.abs(d) <= relation.tol;
    if (row.withinTolerance) {
      row.verdict = "holds";
      row.reason = `|d| = ${Math.abs(d).toFixed(4)} <= tol ${relation.tol}`;
    } else if (Math.abs(d) - relation.tol <= cmp.spread) {
      row.verdict = "tie (inside spread)";
      row.reason = `|d| = ${Math.abs(d).toFixed(4)} exceeds tol ${relation.tol} by less than the ${band}`;
    } else {
      row.verdict = "does not hold";
      row.reason = `|d| = ${Math.abs(d).toFixed(4)} exceeds tol ${relation.tol} by more than the ${band}`;
    }
    return row;
  }
  if (!cmp.spreadKnown && typeof right !== "number") {
    // One seed on both sides: there is no spread to judge a difference against.
    row.verdict = "not measurable";
    row.reason = `d = ${signed(d)} from one seed per side: no spread, no verdict (run more seeds)`;
    return row;
  }
  const sign = relation.kind === "greater" ? 1 : -1;
  const margin = relation.margin ?? 0;
  row.directionHolds = sign * d > 0;
  row.withinTolerance = sign * d >= margin;
  const need = margin > 0 ? `, margin ${margin}` : "";
  if (cmp.tie) {
    row.verdict = "tie (inside spread)";
    row.reason = `d = ${signed(d)} inside the ${band}`;
  } else if (row.directionHolds && row.withinTolerance) {
    row.verdict = "holds";
    row.reason = `d = ${signed(d)} outside the ${band}${need}`;
  } else {
    row.verdict = "does not hold";
    row.reason = row.directionHolds
      ? `d = ${signed(d)} below the claimed margin ${margin}`
      : `d = ${signed(d)} outside the ${band}, wrong direction`;
  }
  return row;
}

function problem(key: string, measured: Readonly<Record<string, readonly number[]>>): string | null {
  const v = measured[key];
  if (v === undefined) return `no values for ${key}`;
  if (v.length === 0) return `empty values for ${key}`;
  const bad = v.findIndex((x) => !Number.isFinite(x));
  return bad >= 0 ? `${key}[${bad}] = ${v[bad]} is not finite` : null;
}

function aggregate(claim: Claim, parts: ClaimRow[]): ClaimRow {
  const count = (v: Verdict) => parts.filter((p) => p.verdict === v).length;
  // "Every group" claims: one group that clearly fails settles it; otherwise a gap leaves it open.
  const verdict: Verdict =
    count("does not hold") > 0
      ? "does not hold"
      : count("not measurable") > 0
        ? "not measurable"
        : count("tie (inside spread)") > 0
          ? "tie (inside spread)"
          : "holds";
  const all = (f: (p: ClaimRow) => boolean | null): boolean | null => {
    const vs = parts.map(f);
    return vs.some((v) => v === null) ? null : vs.every(Boolean);
  };
  return {
    id: claim.id,
    text: claim.text.split("{group}").join("every group"),
    source: claim.source ?? null,
    paperValue: null,
    ours: null,
    reference: null,
    difference: null,
    delta: null,
    spread: null,
    directionHolds: all((p) => p.directionHolds),
    withinTolerance: all((p) => p.withinTolerance),
    verdict,
    reason: `${count("holds")}/${parts.length} groups hold, ${count("tie (inside spread)")} tie, ${count("does not hold")} do not hold, ${count("not measurable")} not measurable`,
    parts,
  };
}

/** Flat, display-ready row (strings and numbers) for arquero / danfo tables. */
export interface ClaimDisplayRow {
  id: string;
  claim: string;
  paper: number | null;
  ours: string;
  reference: string;
  difference: number | null;
  delta: number | null;
  direction: "yes" | "no" | "n/a";
  tolerance: "yes" | "no" | "n/a";
  verdict: Verdict;
  reason: string;
}

/** Flattens rows (forEach parts follow their claim) into display rows rounded to `digits`. */
/**
 * A verdict in the words the notebooks' verdict tables use: a tie inside the seed spread is
 * "not measurable at this scale" (the difference is real noise, not evidence either way).
 */
export function verdictText(v: Verdict | string): string {
  const words: Record<Verdict, string> = {
    holds: "holds",
    "does not hold": "does not hold",
    "tie (inside spread)": "tie: not measurable at this scale (difference inside the seed spread)",
    "not measurable": "not measurable",
  };
  return words[v as Verdict] ?? v;
}

export function claimRowsForDisplay(rows: readonly ClaimRow[], digits = 4): ClaimDisplayRow[] {
  const round = (x: number | null) => (x === null ? null : Number(x.toFixed(digits)));
  const yn = (b: boolean | null) => (b === null ? "n/a" : b ? "yes" : "no");
  const out: ClaimDisplayRow[] = [];
  const push = (r: ClaimRow) =>
    out.push({
      id: r.id,
      claim: r.text,
      paper: round(r.paperValue),
      ours: r.ours ? formatMeanStd(r.ours, digits) : "",
      reference: r.reference ? formatMeanStd(r.reference, digits) : "",
      difference: round(r.difference),
      delta: round(r.delta),
      direction: yn(r.directionHolds),
      tolerance: yn(r.withinTolerance),
      verdict: r.verdict,
      reason: r.reason,
    });
  for (const r of rows) {
    push(r);
    for (const p of r.parts ?? []) push(p);
  }
  return out;
}

const VERDICT_COLOURS: Record<Verdict, string> = {
  holds: "#d9f2d9",
  "does not hold": "#f8d7d7",
  "tie (inside spread)": "#fff1c2",
  "not measurable": "#e6e6e6",
};

/**
 * A self-contained HTML table (inline styles, every value escaped) for a notebook cell. A column
 * empty in every row (no paper value, no reference, no tolerance) is left out, and for a claim
 * judged a tie the direction reads "tie", not the yes/no of a difference inside the seed spread.
 */
export function claimsTableHtml(rows: readonly ClaimRow[], digits = 4): string {
  const display = claimRowsForDisplay(rows, digits);
  const num = (x: number | null) => (x === null ? "" : x.toFixed(digits));
  const columns: [string, (r: ClaimDisplayRow) => string][] = [
    ["id", (r) => r.id],
    ["claim", (r) => r.claim],
    ["paper", (r) => num(r.paper)],
    ["ours (mean ± std)", (r) => r.ours],
    ["reference", (r) => r.reference],
    ["ours − ref", (r) => num(r.difference)],
    ["Δ vs paper", (r) => num(r.delta)],
    ["direction holds?", (r) => (r.verdict === "tie (inside spread)" ? "tie" : r.direction)],
    ["within tolerance?", (r) => r.tolerance],
  ];
  const empty = (v: string) => v === "" || v === "n/a";
  const shown = columns.filter(([, get]) => display.some((r) => !empty(get(r))));
  const cell = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top";
  const head = [...shown.map(([h]) => h), "verdict"]
    .map((h) => `<th style="${cell}">${escapeHtml(h)}</th>`)
    .join("");
  const body = display
    .map((r) => {
      const tds = shown.map(([, get]) => `<td style="${cell}">${escapeHtml(get(r))}</td>`).join("");
      const verdict = `<td style="${cell};background:${VERDICT_COLOURS[r.verdict]}" title="${escapeHtml(r.reason)}">${escapeHtml(r.verdict)}</td>`;
      return `<tr>${tds}${verdict}</tr>`;
    })
    .join("\n");
  return `<table class="recrepro-claims" style="border-collapse:collapse;font-family:sans-serif;font-size:13px">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
