/**
 * Typed reader of the multi-task recommendation taxonomy (src/papers/mtl-survey/taxonomy.json), the
 * data behind the taxonomy tables of the multi-task survey notebook (Wang et al., "Multi-Task
 * Deep Recommender Systems: A Survey", arXiv 2302.03525; PAPERS.md section 7).
 *
 * The JSON holds: the survey reference; a reference list (title, authors, venue, year; fields
 * the kit could not check are listed in `uncertain`); task relations (parallel, cascaded,
 * auxiliary with main); methods by category (parameter sharing, optimisation, training
 * mechanism); public data sets. Rows link to the kit: `kitModel` / `kitModels` are MODELS ids,
 * `kitMethod` a trainer `taskWeighting` kind ({@link KIT_METHODS}), `kitDatasets` DATASETS ids.
 * {@link validateTaxonomy} checks the shape and the internal references (every ref id exists,
 * ids unique, categories known); links into the kit are checked by {@link kitLinks} against the
 * live registries (test/survey/taxonomy.test.ts), so a row cannot point at a model that is gone.
 */
import rawTaxonomy from "./taxonomy.json";

/**
 * Multi-task weighting schemes the kit's trainer implements: the `kind`s of
 * `TrainConfig.taskWeighting` (src/train/multitask.ts). kitMethod ids must be one of these.
 */
export const KIT_METHODS = ["equal", "uncertainty", "gradnorm", "pcgrad"] as const;
export type KitMethod = (typeof KIT_METHODS)[number];

/** Method families of the survey's methodology axis. */
export const METHOD_CATEGORIES = ["parameter-sharing", "optimisation", "training-mechanism"] as const;
export type MethodCategory = (typeof METHOD_CATEGORIES)[number];

/** Task relation ids of the survey's task-relation axis. */
export const TASK_RELATIONS = ["parallel", "cascaded", "auxiliary-with-main"] as const;
export type TaskRelationId = (typeof TASK_RELATIONS)[number];

export interface MtlReference {
  id: string;
  title: string;
  /** "First author et al." where the full list was not checked. */
  authors: string;
  venue: string;
  year: number;
  url?: string;
  /** Fields or statements the kit could not verify. */
  uncertain?: string[];
}

export interface TaskRelationRow {
  id: TaskRelationId;
  name: string;
  description: string;
  exampleTasks: string[];
  /** Reference ids of representative models. */
  refs: string[];
  /** Public data sets (names). */
  datasets: string[];
  /** MODELS ids implementing this relation's representative models. */
  kitModels: string[];
  /** DATASETS ids of kit data sets with this relation. */
  kitDatasets: string[];
}

export interface MethodRow {
  id: string;
  category: MethodCategory;
  group: string;
  name: string;
  description: string;
  refs: string[];
  /** MODELS id of the kit's implementation, or null. */
  kitModel: string | null;
  /** Trainer taskWeighting kind of the kit's implementation, or null. */
  kitMethod: KitMethod | null;
}

export interface DatasetRow {
  id: string;
  name: string;
  relation: TaskRelationId;
  tasks: string[];
  refs: string[];
  kitDatasets: string[];
  note: string;
}

export interface MtlTaxonomy {
  version: number;
  survey: Omit<MtlReference, "id">;
  note: string;
  references: MtlReference[];
  taskRelations: TaskRelationRow[];
  methods: MethodRow[];
  datasets: DatasetRow[];
}

/** A bad taxonomy file: the message names the file and the JSON path of the bad field. */
export class TaxonomyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaxonomyError";
  }
}

type Obj = Record<string, unknown>;

/**
 * Validates `data` as a taxonomy: shapes and types of every field, unique ids, known categories
 * and relations, kitMethod in {@link KIT_METHODS}, and every `refs` entry naming a reference.
 * Throws TaxonomyError naming `file` and the path of the first problem.
 */
export function validateTaxonomy(data: unknown, file = "taxonomy.json"): MtlTaxonomy {
  const fail = (where: string, what: string): never => {
    throw new TaxonomyError(`${file}: ${where}: ${what}`);
  };
  const obj = (v: unknown, where: string): Obj =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : fail(where, "must be an object");
  const str = (o: Obj, k: string, where: string): string =>
    typeof o[k] === "string" && (o[k] as string).trim() !== ""
      ? (o[k] as string)
      : fail(`${where}.${k}`, "must be a non-empty string");
  const arr = (o: Obj, k: string, where: string): unknown[] =>
    Array.isArray(o[k]) ? (o[k] as unknown[]) : fail(`${where}.${k}`, "must be an array");
  const strs = (o: Obj, k: string, where: string): string[] =>
    arr(o, k, where).map((x, i) =>
      typeof x === "string" && x.trim() !== ""
        ? x
        : fail(`${where}.${k}[${i}]`, "must be a non-empty string"),
    );
  const year = (o: Obj, where: string): number =>
    Number.isInteger(o.year) && (o.year as number) >= 1990 && (o.year as number) <= 2030
      ? (o.year as number)
      : fail(`${where}.year`, "must be a year (integer 1990-2030)");
  const optStrs = (o: Obj, k: string, where: string): void => {
    if (o[k] !== undefined) strs(o, k, where);
  };
  const oneOf = <T extends string>(o: Obj, k: string, allowed: readonly T[], where: string): T =>
    allowed.includes(o[k] as T)
      ? (o[k] as T)
      : fail(`${where}.${k}`, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(o[k])}`);
  const nullableStr = (o: Obj, k: string, where: string): void => {
    if (!(k in o)) fail(`${where}.${k}`, "is required (null when the kit has no implementation)");
    if (o[k] !== null) str(o, k, where);
  };

  const root = obj(data, "$");
  if (root.version !== 1) fail("$.version", `must be 1, got ${JSON.stringify(root.version)}`);
  str(root, "note", "$");
  const survey = obj(root.survey, "$.survey");
  for (const k of ["title", "authors", "venue", "url"]) str(survey, k, "$.survey");
  year(survey, "$.survey");
  optStrs(survey, "uncertain", "$.survey");

  const refIds = new Set<string>();
  arr(root, "references", "$").forEach((r, i) => {
    const w = `$.references[${i}]`;
    const o = obj(r, w);
    const id = str(o, "id", w);
    if (refIds.has(id)) fail(`${w}.id`, `duplicate reference id "${id}"`);
    refIds.add(id);
    for (const k of ["title", "authors", "venue"]) str(o, k, w);
    year(o, w);
    if (o.url !== undefined) str(o, "url", w);
    optStrs(o, "uncertain", w);
  });
  const refs = (o: Obj, w: string): void => {
    strs(o, "refs", w).forEach((id, j) => {
      if (!refIds.has(id)) fail(`${w}.refs[${j}]`, `unknown reference id "${id}"`);
    });
  };
  const unique = (rows: unknown[], where: string): Obj[] => {
    const seen = new Set<string>();
    return rows.map((r, i) => {
      const w = `${where}[${i}]`;
      const o = obj(r, w);
      const id = str(o, "id", w);
      if (seen.has(id)) fail(`${w}.id`, `duplicate id "${id}"`);
      seen.add(id);
      return o;
    });
  };

  const relations = unique(arr(root, "taskRelations", "$"), "$.taskRelations");
  relations.forEach((o, i) => {
    const w = `$.taskRelations[${i}]`;
    oneOf(o, "id", TASK_RELATIONS, w);
    for (const k of ["name", "description"]) str(o, k, w);
    for (const k of ["exampleTasks", "datasets", "kitModels", "kitDatasets"]) strs(o, k, w);
    if (strs(o, "exampleTasks", w).length === 0) fail(`${w}.exampleTasks`, "needs at least one example");
    refs(o, w);
  });
  for (const id of TASK_RELATIONS)
    if (!relations.some((o) => o.id === id)) fail("$.taskRelations", `missing the "${id}" relation`);

  const methods = unique(arr(root, "methods", "$"), "$.methods");
  methods.forEach((o, i) => {
    const w = `$.methods[${i}]`;
    oneOf(o, "category", METHOD_CATEGORIES, w);
    for (const k of ["group", "name", "description"]) str(o, k, w);
    refs(o, w);
    nullableStr(o, "kitModel", w);
    nullableStr(o, "kitMethod", w);
    if (o.kitMethod !== null) oneOf(o, "kitMethod", KIT_METHODS, w);
  });
  for (const c of METHOD_CATEGORIES)
    if (!methods.some((o) => o.category === c)) fail("$.methods", `no method in category "${c}"`);

  unique(arr(root, "datasets", "$"), "$.datasets").forEach((o, i) => {
    const w = `$.datasets[${i}]`;
    for (const k of ["name", "note"]) str(o, k, w);
    oneOf(o, "relation", TASK_RELATIONS, w);
    strs(o, "tasks", w);
    strs(o, "kitDatasets", w);
    refs(o, w);
  });
  return data as MtlTaxonomy;
}

let cached: MtlTaxonomy | null = null;

/** The kit's taxonomy, validated once. */
export function taxonomy(): MtlTaxonomy {
  if (cached === null) cached = validateTaxonomy(rawTaxonomy as unknown);
  return cached;
}

/** "Title. Authors. Venue Year." for a reference id (unverified fields marked with "(?)"). */
export function citation(refId: string, t: MtlTaxonomy = taxonomy()): string {
  const r = t.references.find((x) => x.id === refId);
  if (r === undefined)
    throw new TaxonomyError(
      `unknown reference id "${refId}" (known: ${t.references.map((x) => x.id).join(", ")})`,
    );
  return `${r.title}. ${r.authors}. ${r.venue} ${r.year}.${r.uncertain && r.uncertain.length > 0 ? " (?)" : ""}`;
}

/** Short "Venue'YY" tag of a reference, e.g. "KDD'18". */
export function venueTag(refId: string, t: MtlTaxonomy = taxonomy()): string {
  const r = t.references.find((x) => x.id === refId);
  if (r === undefined) throw new TaxonomyError(`unknown reference id "${refId}"`);
  return `${r.venue}'${String(r.year).slice(2)}`;
}

/** Flat rows of the task-relation table, for display. */
export function taskRelationTable(t: MtlTaxonomy = taxonomy()): {
  relation: string;
  description: string;
  examples: string;
  models: string;
  datasets: string;
  kit: string;
}[] {
  return t.taskRelations.map((r) => ({
    relation: r.name,
    description: r.description,
    examples: r.exampleTasks.join("; "),
    models: r.refs
      .map((id) => `${t.references.find((x) => x.id === id)?.title.split(":")[0]} (${venueTag(id, t)})`)
      .join("; "),
    datasets: r.datasets.join("; "),
    kit: [...r.kitModels, ...r.kitDatasets].join(", ") || "-",
  }));
}

/** Flat rows of the method table (optionally one category), for display. */
export function methodTable(
  category?: MethodCategory,
  t: MtlTaxonomy = taxonomy(),
): { category: string; group: string; method: string; references: string; kit: string }[] {
  return t.methods
    .filter((m) => category === undefined || m.category === category)
    .map((m) => ({
      category: m.category,
      group: m.group,
      method: m.name,
      references:
        m.refs
          .map((id) => `${t.references.find((x) => x.id === id)?.authors} (${venueTag(id, t)})`)
          .join("; ") || "-",
      kit:
        m.kitModel !== null
          ? `model ${m.kitModel}`
          : m.kitMethod !== null
            ? `taskWeighting ${m.kitMethod}`
            : "-",
    }));
}

/** Every link from the taxonomy into the kit, with the row it comes from. */
export interface KitLink {
  kind: "model" | "method" | "dataset";
  id: string;
  row: string;
}

/** All kit links of the taxonomy (models, weighting methods, data sets). */
export function kitLinks(t: MtlTaxonomy = taxonomy()): KitLink[] {
  const out: KitLink[] = [];
  for (const r of t.taskRelations) {
    for (const id of r.kitModels) out.push({ kind: "model", id, row: `taskRelations/${r.id}` });
    for (const id of r.kitDatasets) out.push({ kind: "dataset", id, row: `taskRelations/${r.id}` });
  }
  for (const m of t.methods) {
    if (m.kitModel !== null) out.push({ kind: "model", id: m.kitModel, row: `methods/${m.id}` });
    if (m.kitMethod !== null) out.push({ kind: "method", id: m.kitMethod, row: `methods/${m.id}` });
  }
  for (const d of t.datasets)
    for (const id of d.kitDatasets) out.push({ kind: "dataset", id, row: `datasets/${d.id}` });
  return out;
}
