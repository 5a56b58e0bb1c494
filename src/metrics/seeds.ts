/**
 * Summaries over seeds and the kit's tie rule for comparing two methods.
 *
 * The rule (used by every claim verdict in src/report/claims.ts): run each method over the same
 * small set of seeds, compare the means, and call the difference a tie when it lies inside the
 * spread:
 *
 *     tie  <=>  |mean_a - mean_b| <= max(std_a, std_b)        (std = sample std, n - 1)
 *
 * Why this rule and not a Welch t-test: with the 3-5 seeds a notebook can afford, a t-test has
 * little power and its degrees of freedom are unstable, so "not significant" would swallow most
 * differences while looking rigorous. The spread rule asks the question a reader can check by
 * eye: could rerunning one method with another seed plausibly move it by the gap? Taking the
 * larger of the two stds keeps a low-variance method from shrinking the band. For n seeds the
 * band is about 1.2 standard errors of the difference at n = 3 and 1.6 at n = 5, so a "win" is a
 * moderate, not a significant, signal; the verdict text says "tie (inside spread)", not "equal".
 * With one seed on both sides there is no spread estimate: std is 0, any difference counts, and
 * `spreadKnown` is false so displays can flag it.
 */

/** Mean and sample standard deviation. */
export interface MeanStd {
  mean: number;
  /** Sample standard deviation (divisor n - 1); 0 when n = 1; NaN when n = 0. */
  std: number;
}

export interface SeedSummary extends MeanStd {
  min: number;
  max: number;
  n: number;
}

/** Mean and sample std of `values` (two-pass, so it is exact for small spreads around large means). */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  if (n === 1) return { mean, std: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/** Mean, sample std, min, max and count of per-seed values. */
export function summariseSeeds(values: ArrayLike<number>): SeedSummary {
  const { mean, std } = meanStd(values);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  if (values.length === 0) return { mean, std, min: NaN, max: NaN, n: 0 };
  return { mean, std, min, max, n: values.length };
}

/** Outcome of comparing two sets of per-seed values with the spread rule. */
export interface SpreadComparison {
  a: SeedSummary;
  b: SeedSummary;
  /** mean_a - mean_b. */
  diff: number;
  /** max(std_a, std_b, minSpread): the band a difference must leave to count. */
  spread: number;
  /** |diff| <= spread. */
  tie: boolean;
  /** "a" or "b" when the difference is outside the spread, else "tie". Higher mean wins. */
  better: "a" | "b" | "tie";
  /** False when neither side had two or more seeds, so the spread is only `minSpread`. */
  spreadKnown: boolean;
}

export interface CompareSpreadOptions {
  /** Floor on the spread, e.g. the metric's printing precision. Default 0. */
  minSpread?: number;
}

/**
 * Compares per-seed values of two methods with the kit's spread rule (see the module header).
 * `b` may be a single number (a constant such as a paper's value): its spread is 0.
 * Throws when either side is empty or holds a non-finite value.
 */
export function compareSpread(
  a: ArrayLike<number>,
  b: ArrayLike<number> | number,
  options: CompareSpreadOptions = {},
): SpreadComparison {
  const bValues = typeof b === "number" ? [b] : b;
  for (const [name, vs] of [
    ["a", a],
    ["b", bValues],
  ] as const) {
    if (vs.length === 0) throw new RangeError(`compareSpread: ${name} has no values`);
    for (let i = 0; i < vs.length; i++) {
      if (!Number.isFinite(vs[i]))
        throw new RangeError(`compareSpread: ${name}[${i}] = ${vs[i]} is not finite`);
    }
  }
  const sa = summariseSeeds(a);
  const sb = summariseSeeds(bValues);
  const diff = sa.mean - sb.mean;
  const spread = Math.max(sa.std, sb.std, options.minSpread ?? 0);
  const tie = Math.abs(diff) <= spread;
  return {
    a: sa,
    b: sb,
    diff,
    spread,
    tie,
    better: tie ? "tie" : diff > 0 ? "a" : "b",
    spreadKnown: sa.n > 1 || sb.n > 1,
  };
}

/** "0.7812 ± 0.0011 (n=3)"; the std is omitted when n = 1. */
export function formatMeanStd(s: SeedSummary, digits = 4): string {
  if (s.n === 0) return "n/a";
  if (s.n === 1) return `${s.mean.toFixed(digits)} (n=1)`;
  return `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)} (n=${s.n})`;
}
