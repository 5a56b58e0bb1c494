/** Plain-object helpers shared by config resolution, grids and presets. */

/** True for a non-null, non-array object (a JSON object). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** A deep merge of `b` over `a`: plain objects merge key by key, anything else in `b` replaces. Neither input is changed. */
export function mergeDeep<A extends object, B extends object>(a: A, b: B): A & B {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? mergeDeep(cur, v) : v;
  }
  return out as A & B;
}
