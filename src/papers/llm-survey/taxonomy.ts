/**
 * Typed reader of the LLM-for-recommendation taxonomy (src/papers/llm-survey/taxonomy.json), the
 * data behind the taxonomy tables and charts of notebook 05-llm-survey (Lin et al., "How Can
 * Recommender Systems Benefit from Large Language Models: A Survey", arXiv 2306.05817; PAPERS.md
 * section 5).
 *
 * The JSON holds: the survey reference; the maintained list the works come from (repository,
 * commit, sections); the WHERE stages (feature engineering, feature encoder, scoring/ranking with
 * its three tasks, pipeline controller); the HOW axes and quadrants (tune the LLM or not x use a
 * conventional recommendation model, CRM, at inference or not) with the kit's rule placing a
 * stage on the CRM axis; the development trajectories and challenges (text citing works); the
 * works (name, title, WHERE cell, backbone, tuning strategy, venue, year, link, list section).
 * {@link validateTaxonomy} checks shapes, ids, that every work sits in exactly one WHERE cell
 * (and a scoring task exactly when its stage has tasks), and every reference.
 */
import rawTaxonomy from "./taxonomy.json";

export const WHERE_STAGES = [
  "feature-engineering",
  "feature-encoder",
  "scoring-ranking",
  "pipeline-controller",
] as const;
export type WhereStage = (typeof WHERE_STAGES)[number];
export const SCORING_TASKS = ["item-scoring", "item-generation", "hybrid"] as const;
export type ScoringTask = (typeof SCORING_TASKS)[number];
/** The maintained list's section of each WHERE cell ("stage" or "stage/task"). */
export const LIST_SECTIONS: Readonly<Record<string, string>> = {
  "feature-engineering": "1.1",
  "feature-encoder": "1.2",
  "scoring-ranking/item-scoring": "1.3.1",
  "scoring-ranking/item-generation": "1.3.2",
  "scoring-ranking/hybrid": "1.3.3",
  "pipeline-controller": "1.4",
};

export interface LlmWork {
  id: string;
  /** Short name as the list gives it (not unique: several "ChatGPT" studies). */
  name: string;
  title: string;
  where: WhereStage;
  /** Only for scoring-ranking. */
  task?: ScoringTask;
  /** "LLM Backbone (Largest)" column. */
  backbone: string;
  /** "LLM Tuning Strategy" column ("Frozen", "Full Finetuning", "LoRA", ...). */
  tuning: string;
  venue: string;
  year: number;
  url: string;
  /** Section of the maintained list the row comes from (see {@link LIST_SECTIONS}). */
  listSection: string;
}

export interface WhereRow {
  id: WhereStage;
  name: string;
  description: string;
  tasks: { id: ScoringTask; name: string; description: string }[];
}

export interface Quadrant {
  id: string;
  tune: boolean;
  crm: boolean;
  name: string;
  description: string;
}

export interface CitingText {
  id: string;
  text: string;
  refs: string[];
}

export interface Challenge {
  id: "efficiency" | "effectiveness" | "ethics";
  name: string;
  points: string[];
  refs: string[];
  kitDemo: string;
}

export interface LlmTaxonomy {
  version: number;
  survey: { title: string; authors: string; venue: string; year: number; url: string; uncertain?: string[] };
  list: { repo: string; file: string; commit: string; sections: string };
  note: string;
  where: WhereRow[];
  how: { axes: { tune: string; crm: string }; quadrants: Quadrant[]; crmRule: Record<WhereStage, boolean> };
  trajectories: CitingText[];
  challenges: Challenge[];
  works: LlmWork[];
}

/** A bad taxonomy file: the message names the file and the JSON path of the bad field. */
export class TaxonomyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaxonomyError";
  }
}

type Obj = Record<string, unknown>;

/** Validates `data` as the taxonomy (module header); throws TaxonomyError naming `file` and the path. */
export function validateTaxonomy(data: unknown, file = "taxonomy.json"): LlmTaxonomy {
  const fail = (where: string, what: string): never => {
    throw new TaxonomyError(`${file}: ${where}: ${what}`);
  };
  const obj = (v: unknown, w: string): Obj =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : fail(w, "must be an object");
  const str = (o: Obj, k: string, w: string): string =>
    typeof o[k] === "string" && (o[k] as string).trim() !== ""
      ? (o[k] as string)
      : fail(`${w}.${k}`, "must be a non-empty string");
  const arr = (o: Obj, k: string, w: string): unknown[] =>
    Array.isArray(o[k]) ? (o[k] as unknown[]) : fail(`${w}.${k}`, "must be an array");
  const strs = (o: Obj, k: string, w: string): string[] =>
    arr(o, k, w).map((x, i) =>
      typeof x === "string" && x.trim() !== "" ? x : fail(`${w}.${k}[${i}]`, "must be a non-empty string"),
    );
  const bool = (o: Obj, k: string, w: string): boolean =>
    typeof o[k] === "boolean" ? (o[k] as boolean) : fail(`${w}.${k}`, "must be true or false");
  const year = (o: Obj, w: string): number =>
    Number.isInteger(o.year) && (o.year as number) >= 2015 && (o.year as number) <= 2030
      ? (o.year as number)
      : fail(`${w}.year`, "must be a year (integer 2015-2030)");
  const oneOf = <T extends string>(o: Obj, k: string, allowed: readonly T[], w: string): T =>
    allowed.includes(o[k] as T)
      ? (o[k] as T)
      : fail(`${w}.${k}`, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(o[k])}`);
  const unique = (rows: unknown[], w: string): Obj[] => {
    const seen = new Set<string>();
    return rows.map((r, i) => {
      const o = obj(r, `${w}[${i}]`);
      const id = str(o, "id", `${w}[${i}]`);
      if (seen.has(id)) fail(`${w}[${i}].id`, `duplicate id "${id}"`);
      seen.add(id);
      return o;
    });
  };

  const root = obj(data, "$");
  if (root.version !== 1) fail("$.version", `must be 1, got ${JSON.stringify(root.version)}`);
  str(root, "note", "$");
  const survey = obj(root.survey, "$.survey");
  for (const k of ["title", "authors", "venue", "url"]) str(survey, k, "$.survey");
  year(survey, "$.survey");
  const list = obj(root.list, "$.list");
  for (const k of ["repo", "file", "sections"]) str(list, k, "$.list");
  if (!/^[0-9a-f]{40}$/.test(str(list, "commit", "$.list"))) fail("$.list.commit", "must be a 40-hex commit");

  const stages = unique(arr(root, "where", "$"), "$.where");
  stages.forEach((o, i) => {
    const w = `$.where[${i}]`;
    oneOf(o, "id", WHERE_STAGES, w);
    for (const k of ["name", "description"]) str(o, k, w);
    unique(arr(o, "tasks", w), `${w}.tasks`).forEach((t, j) => {
      oneOf(t, "id", SCORING_TASKS, `${w}.tasks[${j}]`);
      for (const k of ["name", "description"]) str(t, k, `${w}.tasks[${j}]`);
    });
  });
  for (const s of WHERE_STAGES)
    if (!stages.some((o) => o.id === s)) fail("$.where", `missing the "${s}" stage`);
  const tasksOf = (stage: string): string[] =>
    (stages.find((o) => o.id === stage)!.tasks as Obj[]).map((t) => t.id as string);

  const how = obj(root.how, "$.how");
  const axes = obj(how.axes, "$.how.axes");
  for (const k of ["tune", "crm"]) str(axes, k, "$.how.axes");
  const quads = unique(arr(how, "quadrants", "$.how"), "$.how.quadrants");
  const seenQuad = new Set<string>();
  quads.forEach((q, i) => {
    const w = `$.how.quadrants[${i}]`;
    const key = `${bool(q, "tune", w)}/${bool(q, "crm", w)}`;
    if (seenQuad.has(key)) fail(w, `a second quadrant with tune/crm = ${key}`);
    seenQuad.add(key);
    for (const k of ["name", "description"]) str(q, k, w);
  });
  if (seenQuad.size !== 4)
    fail("$.how.quadrants", `needs the 4 quadrants of tune x crm, has ${seenQuad.size}`);
  const rule = obj(how.crmRule, "$.how.crmRule");
  for (const s of WHERE_STAGES) bool(rule, s, "$.how.crmRule");

  const works = unique(arr(root, "works", "$"), "$.works");
  const ids = new Set(works.map((o) => o.id as string));
  works.forEach((o, i) => {
    const w = `$.works[${i}]`;
    for (const k of ["name", "title", "backbone", "tuning", "venue", "url", "listSection"]) str(o, k, w);
    year(o, w);
    const stage = oneOf(o, "where", WHERE_STAGES, w);
    const tasks = tasksOf(stage);
    if (tasks.length > 0) {
      if (!tasks.includes(o.task as string))
        fail(`${w}.task`, `stage ${stage} needs one of ${tasks.join(", ")}, got ${JSON.stringify(o.task)}`);
    } else if (o.task !== undefined) fail(`${w}.task`, `stage ${stage} has no tasks`);
    const cell = tasks.length > 0 ? `${stage}/${o.task}` : stage;
    if (o.listSection !== LIST_SECTIONS[cell])
      fail(
        `${w}.listSection`,
        `cell ${cell} is list section ${LIST_SECTIONS[cell]}, got ${JSON.stringify(o.listSection)}`,
      );
  });
  const refs = (o: Obj, w: string) =>
    strs(o, "refs", w).forEach((id, j) => {
      if (!ids.has(id)) fail(`${w}.refs[${j}]`, `unknown work id "${id}"`);
    });
  unique(arr(root, "trajectories", "$"), "$.trajectories").forEach((o, i) => {
    str(o, "text", `$.trajectories[${i}]`);
    refs(o, `$.trajectories[${i}]`);
  });
  const ch = unique(arr(root, "challenges", "$"), "$.challenges");
  ch.forEach((o, i) => {
    const w = `$.challenges[${i}]`;
    oneOf(o, "id", ["efficiency", "effectiveness", "ethics"] as const, w);
    for (const k of ["name", "kitDemo"]) str(o, k, w);
    strs(o, "points", w);
    refs(o, w);
  });
  if (ch.length !== 3) fail("$.challenges", `needs efficiency, effectiveness and ethics, has ${ch.length}`);
  return data as LlmTaxonomy;
}

let cached: LlmTaxonomy | null = null;

/** The kit's taxonomy, validated once. */
export function taxonomy(): LlmTaxonomy {
  if (cached === null) cached = validateTaxonomy(rawTaxonomy as unknown);
  return cached;
}

/** The WHERE cell of a work: "stage" or "stage/task". */
export function whereCell(w: LlmWork): string {
  return w.task ? `${w.where}/${w.task}` : w.where;
}

/** True when the work tunes its language model (any strategy but "Frozen"). */
export function tunesLlm(w: LlmWork): boolean {
  return w.tuning.trim() !== "Frozen";
}

/** The HOW quadrant of a work: tune from its tuning strategy, CRM from its stage by `how.crmRule`. */
export function quadrantOf(w: LlmWork, t: LlmTaxonomy = taxonomy()): Quadrant {
  const crm = t.how.crmRule[w.where];
  return t.how.quadrants.find((q) => q.tune === tunesLlm(w) && q.crm === crm)!;
}

/** "Name (Venue'YY)" of a work id. */
export function workTag(id: string, t: LlmTaxonomy = taxonomy()): string {
  const w = t.works.find((x) => x.id === id);
  if (w === undefined) throw new TaxonomyError(`unknown work id "${id}"`);
  return `${w.name} (${w.venue}'${String(w.year).slice(2)})`;
}

/** Rows of the WHERE table: one per cell with its works. */
export function whereTable(t: LlmTaxonomy = taxonomy()): Record<string, string | number>[] {
  const cells = Object.keys(LIST_SECTIONS);
  return cells.map((cell) => {
    const [stage, task] = cell.split("/");
    const s = t.where.find((x) => x.id === stage)!;
    const ws = t.works.filter((w) => whereCell(w) === cell);
    return {
      stage: s.name,
      task: task ?? "-",
      "list section": LIST_SECTIONS[cell],
      works: ws.length,
      representative: ws.map((w) => `${w.name} (${w.year})`).join("; "),
    };
  });
}

/** Rows of the works table of one WHERE stage (all stages without argument). */
export function worksTable(
  stage?: WhereStage,
  t: LlmTaxonomy = taxonomy(),
): Record<string, string | number>[] {
  return t.works
    .filter((w) => stage === undefined || w.where === stage)
    .map((w) => ({
      name: w.name,
      cell: whereCell(w),
      year: w.year,
      venue: w.venue,
      backbone: w.backbone,
      tuning: w.tuning,
      quadrant: quadrantOf(w, t).id,
    }));
}

/** Rows of the HOW table: quadrant, its axes, how many works, examples. */
export function howTable(t: LlmTaxonomy = taxonomy()): Record<string, string | number>[] {
  return t.how.quadrants.map((q) => {
    const ws = t.works.filter((w) => quadrantOf(w, t).id === q.id);
    return {
      quadrant: q.id,
      "tune LLM": q.tune ? "yes" : "no",
      "CRM at inference": q.crm ? "yes" : "no",
      name: q.name,
      works: ws.length,
      examples: ws
        .slice(0, 6)
        .map((w) => w.name)
        .join("; "),
    };
  });
}

/** Works per WHERE cell and year: cell -> year -> count (years sorted). */
export function worksPerCellYear(t: LlmTaxonomy = taxonomy()): {
  years: number[];
  cells: string[];
  counts: number[][];
} {
  const years = [...new Set(t.works.map((w) => w.year))].sort();
  const cells = Object.keys(LIST_SECTIONS);
  const counts = cells.map((c) =>
    years.map((y) => t.works.filter((w) => whereCell(w) === c && w.year === y).length),
  );
  return { years, cells, counts };
}

/** A trajectory or challenge with its citations resolved to "Name (Venue'YY)". */
export function citingRows(t: LlmTaxonomy = taxonomy()): Record<string, string>[] {
  return [
    ...t.trajectories.map((x) => ({
      section: "trajectory",
      topic: x.id,
      text: x.text,
      cites: x.refs.map((r) => workTag(r, t)).join("; "),
    })),
    ...t.challenges.map((c) => ({
      section: "challenge",
      topic: c.name,
      text: c.points.join("; "),
      cites: c.refs.map((r) => workTag(r, t)).join("; ") + ` | kit: ${c.kitDemo}`,
    })),
  ];
}
