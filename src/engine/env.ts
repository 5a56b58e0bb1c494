/**
 * Strict readers for the kit's environment settings: a value that is set but malformed is an
 * error naming the variable, the value and what is accepted, never silently ignored.
 */

/** An environment setting that is set but not valid. */
export class EnvSettingError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is not valid: expected ${expected}`);
    this.name = "EnvSettingError";
  }
}

function raw(name: string, env: Record<string, string | undefined>): string | null {
  const v = env[name];
  return v === undefined || v.trim() === "" ? null : v.trim();
}

/** An integer setting in [min, max]; `fallback` when unset or empty. */
export function envInteger(
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
  env: Record<string, string | undefined> = process.env,
): number {
  const v = raw(name, env);
  if (v === null) return fallback;
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new EnvSettingError(
      name,
      env[name]!,
      `an integer${range.min !== undefined ? ` >= ${min}` : ""}${range.max !== undefined ? ` and <= ${max}` : ""}`,
    );
  return n;
}

/** A yes/no setting: 1/true/yes/on or 0/false/no/off (any case); `fallback` when unset or empty. */
export function envFlag(
  name: string,
  fallback: boolean,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const v = raw(name, env);
  if (v === null) return fallback;
  const l = v.toLowerCase();
  if (["1", "true", "yes", "on"].includes(l)) return true;
  if (["0", "false", "no", "off"].includes(l)) return false;
  throw new EnvSettingError(name, env[name]!, "1/true/yes/on or 0/false/no/off");
}
