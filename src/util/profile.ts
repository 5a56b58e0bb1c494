/** The profile of a run: `smoke` (small data, minutes) or `paper` (full data, the paper's settings). */

export type Profile = "smoke" | "paper";

/** Every profile, in display order. */
export const PROFILES_ORDER: readonly Profile[] = ["smoke", "paper"];

/** The profile of this process: RECREPRO_PROFILE (smoke | paper), default smoke. */
export function profile(): Profile {
  const p = (process.env.RECREPRO_PROFILE ?? "smoke").trim();
  if (p !== "smoke" && p !== "paper") throw new Error(`RECREPRO_PROFILE="${p}" must be "smoke" or "paper"`);
  return p;
}
