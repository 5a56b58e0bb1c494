/**
 * Layered configuration with provenance, printed at the start of every run (GUIDE: "Config
 * precedence"):
 *
 *     defaults  <  preset (smoke / paper / ablation)  <  notebook overrides  <  environment
 *
 * Later layers win. Nested plain objects merge key by key; arrays and other values are replaced
 * whole. Every leaf records which layer set it, keyed by its dotted path ("optimizer.lr"), so a
 * run record can say where each number came from. Keys absent from the defaults are rejected
 * (a typo such as `embdim` would otherwise be silently ignored), as are values whose type differs
 * from the default's; `undefined` in a layer means "not set".
 */

/** The layer that set a key. */
export type ConfigLayer = "default" | "preset" | "override" | "environment";

/** Precedence order, lowest first. */
export const CONFIG_LAYERS: readonly ConfigLayer[] = ["default", "preset", "override", "environment"];

/** A partial config: any subset of keys, recursively. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export interface ResolvedConfig<T> {
  config: T;
  /** Dotted leaf path -> layer that set it. */
  sources: Record<string, ConfigLayer>;
}

export interface ResolveConfigOptions {
  /** Accept keys that the defaults do not have. Default false. */
  allowUnknown?: boolean;
}

/** A configuration error naming the layer and key. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly layer: ConfigLayer,
    readonly key: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function clone<V>(v: V): V {
  if (Array.isArray(v)) return v.map(clone) as V;
  if (isPlain(v)) {
    const out: Plain = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as V;
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (ArrayBuffer.isView(v)) return "typed array";
  return typeof v;
}

/**
 * Merges the four layers into one config and records the source of every leaf.
 *
 * @param defaults every key with its default value (the model's `defaults`).
 * @param preset the profile's preset (smoke / paper / an ablation).
 * @param overrides what the notebook sets.
 * @param env values from the environment (see `configFromEnv`).
 */
export function resolveConfig<T extends object>(
  defaults: T,
  preset: DeepPartial<T> = {},
  overrides: DeepPartial<T> = {},
  env: DeepPartial<T> = {},
  options: ResolveConfigOptions = {},
): ResolvedConfig<T> {
  if (!isPlain(defaults))
    throw new ConfigError("resolveConfig: defaults must be a plain object", "default", "");
  const config = clone(defaults) as Plain;
  const sources: Record<string, ConfigLayer> = {};
  markLeaves(config, "", "default", sources);
  const layers: [ConfigLayer, unknown][] = [
    ["preset", preset],
    ["override", overrides],
    ["environment", env],
  ];
  for (const [layer, values] of layers) {
    if (!isPlain(values))
      throw new ConfigError(`resolveConfig: the ${layer} layer must be a plain object`, layer, "");
    mergeLayer(config, values, "", layer, sources, options.allowUnknown ?? false);
  }
  return { config: config as T, sources };
}

function markLeaves(
  obj: Plain,
  prefix: string,
  layer: ConfigLayer,
  sources: Record<string, ConfigLayer>,
): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (isPlain(v) && Object.keys(v).length > 0) markLeaves(v, key + ".", layer, sources);
    else sources[key] = layer;
  }
}

function mergeLayer(
  target: Plain,
  values: Plain,
  prefix: string,
  layer: ConfigLayer,
  sources: Record<string, ConfigLayer>,
  allowUnknown: boolean,
): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const key = prefix + k;
    if (!Object.prototype.hasOwnProperty.call(target, k)) {
      if (!allowUnknown) {
        const known = Object.keys(target).join(", ");
        throw new ConfigError(
          `config: unknown key "${key}" in the ${layer} layer (known at this level: ${known})`,
          layer,
          key,
        );
      }
      target[k] = clone(v);
      if (isPlain(v)) markLeaves(target[k] as Plain, key + ".", layer, sources);
      else sources[key] = layer;
      continue;
    }
    const current = target[k];
    if (v === null) {
      // null switches an optional block off (e.g. earlyStopping: null): the block's leaves give way
      // to one entry for the block, in the place of its first leaf.
      target[k] = null;
      replaceSubtree(sources, key, layer);
      continue;
    }
    if (isPlain(current) && Object.keys(current).length > 0) {
      if (!isPlain(v))
        throw new ConfigError(
          `config: "${key}" in the ${layer} layer must be an object, got ${kindOf(v)}`,
          layer,
          key,
        );
      mergeLayer(current, v, key + ".", layer, sources, allowUnknown);
      continue;
    }
    if (current !== null && current !== undefined && kindOf(current) !== kindOf(v)) {
      throw new ConfigError(
        `config: "${key}" in the ${layer} layer must be a ${kindOf(current)} like its default, got ${kindOf(v)} ${JSON.stringify(v)}`,
        layer,
        key,
      );
    }
    target[k] = clone(v);
    sources[key] = layer;
  }
}

/** Replace the sources of `key` and of every leaf under it by one entry `key: layer`, keeping the order. */
function replaceSubtree(sources: Record<string, ConfigLayer>, key: string, layer: ConfigLayer): void {
  const entries = Object.entries(sources);
  const inside = (k: string) => k === key || k.startsWith(key + ".");
  if (!entries.some(([k]) => inside(k))) {
    sources[key] = layer;
    return;
  }
  for (const [k] of entries) delete sources[k];
  let placed = false;
  for (const [k, l] of entries) {
    if (!inside(k)) sources[k] = l;
    else if (!placed) {
      sources[key] = layer;
      placed = true;
    }
  }
}

/** Default environment variables and the config keys they set. */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  RECREPRO_PROFILE: "profile",
  RECREPRO_SEED: "seed",
  RECREPRO_DATA_DIR: "dataDir",
};

/**
 * Builds the environment layer from environment variables, converting each string to the type
 * of the default at its key (number, boolean, string, or JSON for arrays and objects). Variables
 * mapped to keys the defaults lack are ignored, so one mapping serves every model.
 */
export function configFromEnv<T extends object>(
  defaults: T,
  env: Record<string, string | undefined> = process.env,
  mapping: Readonly<Record<string, string>> = ENV_KEYS,
): DeepPartial<T> {
  const out: Plain = {};
  for (const [variable, key] of Object.entries(mapping)) {
    const raw = env[variable];
    if (raw === undefined || raw === "") continue;
    const parts = key.split(".");
    let def: unknown = defaults;
    for (const p of parts)
      def = isPlain(def) && Object.prototype.hasOwnProperty.call(def, p) ? def[p] : undefined;
    if (def === undefined) continue;
    let value: unknown;
    if (typeof def === "number") {
      value = Number(raw);
      if (!Number.isFinite(value))
        throw new ConfigError(
          `config: ${variable}=${raw} is not a number (for "${key}")`,
          "environment",
          key,
        );
    } else if (typeof def === "boolean") {
      if (!/^(1|0|true|false)$/i.test(raw))
        throw new ConfigError(
          `config: ${variable}=${raw} must be true/false/1/0 (for "${key}")`,
          "environment",
          key,
        );
      value = /^(1|true)$/i.test(raw);
    } else if (typeof def === "string") {
      value = raw;
    } else {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new ConfigError(`config: ${variable} must be JSON (for "${key}")`, "environment", key);
      }
    }
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Plain;
    node[parts[parts.length - 1]] = value;
  }
  return out as DeepPartial<T>;
}

/** Value at a dotted path. */
export function getPath(config: object, key: string): unknown {
  let v: unknown = config;
  for (const p of key.split(".")) v = isPlain(v) ? v[p] : undefined;
  return v;
}

/**
 * One line per key, aligned, with its source: `lr          0.001  (preset)`. Keys keep the
 * defaults' order; keys set only by later layers follow.
 */
export function formatConfig(resolved: ResolvedConfig<object>): string {
  const keys = Object.keys(resolved.sources);
  const values = keys.map((k) => JSON.stringify(getPath(resolved.config, k)) ?? "undefined");
  const w1 = Math.max(0, ...keys.map((k) => k.length));
  const w2 = Math.max(0, ...values.map((v) => v.length));
  return keys.map((k, i) => `${k.padEnd(w1)}  ${values[i].padEnd(w2)}  (${resolved.sources[k]})`).join("\n");
}
