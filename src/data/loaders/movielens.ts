/**
 * MovieLens as a multi-domain CTR set, the HAMUR / HierRec / Scenario-Wise-Rec set-up
 * (HAMUR `examples/run_movielens_rank_multi_domain.py`; notebook section "Data" of the HAMUR
 * notebook):
 *
 * - rows: ratings joined with the users and movies tables (side tables, read once in `create`);
 * - label `click` = rating > 3 (4 and 5 stars);
 * - categorical: user_id, movie_id, gender, occupation, zip, cate_id (= the FIRST genre listed),
 *   domain (the domain id as a feature: HAMUR's `domain_indicator`); numeric: age (min-max);
 * - group axis "domain", defined by the load option `domainBy` (see {@link MOVIELENS_DOMAINS}):
 *   "age" (default; HAMUR's 3 age domains), "gender" (2) or "occupation" (4, grouping below).
 *
 * Two file variants share the semantics:
 * - ml-1m (`ratings.dat`/`users.dat`/`movies.dat`, "::"-separated; the 100k-rating subset uses the
 *   same files): age is already one of the codes 1 ("Under 18"), 18, 25, 35, 45, 50, 56 ("56+");
 * - ml-100k (`u.data` tab-separated, `u.user`/`u.item` "|"-separated): integer ages are mapped onto
 *   the ml-1m codes (< 18 -> 1, 18-24 -> 18, 25-34 -> 25, 35-44 -> 35, 45-49 -> 45, 50-55 -> 50,
 *   >= 56 -> 56) so that the age domains mean the same thing in both; genres come from the 19
 *   flags of u.item in u.genre order (alphabetical after "unknown", the order ml-1m lists them in),
 *   occupations are names instead of codes and are grouped into the same 4 occupation domains.
 *
 * The numeric feature age is min-max scaled with the minimum and maximum over the users table
 * (ml-1m codes: [1, 56]; ml-100k raw ages: [7, 73]); ml-100k keeps the raw age here, only the
 * domain uses the bucket. HAMUR fits its MinMaxScaler on the whole frame; the users-table range
 * is the same for ml-1m and needs no pass over the ratings.
 *
 * Differences from HAMUR's script, by the kit's conventions: vocabularies are built on the train
 * split (ids 0 OOV, 1 missing, 2.. by train frequency), so a movie seen only in valid/test is OOV;
 * HAMUR label-encodes on all rows. The 8:1:1 split is the kit's seeded exact-size re-split.
 *
 * Errors: a malformed users/movies line, a duplicate id or an unknown value raises
 * `DataError("BAD_ROW")` naming the side file and line; a malformed rating line (field count,
 * non-integer rating) or a rating whose user or movie is missing from the side tables raises
 * `RowError`, which the pipeline reports with the ratings file and line.
 */
import { DataError, RowError } from "../errors";
import { forEachLine } from "../lines";
import type { GroupAxis } from "../schema";
import type { FormatOptions, RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

/** ml-1m age codes (README): 1 "Under 18", 18 "18-24", 25 "25-34", 35 "35-44", 45 "45-49", 50 "50-55", 56 "56+". */
export const ML1M_AGE_CODES = [1, 18, 25, 35, 45, 50, 56] as const;

/** The ml-1m age code of an integer age (ml-100k), so both variants share the age domains. */
export function ml1mAgeCode(age: number): number {
  if (age < 18) return 1;
  if (age < 25) return 18;
  if (age < 35) return 25;
  if (age < 45) return 35;
  if (age < 50) return 45;
  if (age < 56) return 50;
  return 56;
}

/** ml-1m occupation codes 0..20 (README order). */
export const ML1M_OCCUPATIONS = [
  "other",
  "academic/educator",
  "artist",
  "clerical/admin",
  "college/grad student",
  "customer service",
  "doctor/health care",
  "executive/managerial",
  "farmer",
  "homemaker",
  "K-12 student",
  "lawyer",
  "programmer",
  "retired",
  "sales/marketing",
  "scientist",
  "self-employed",
  "technician/engineer",
  "tradesman/craftsman",
  "unemployed",
  "writer",
] as const;

/** ml-100k occupation names (u.occupation). */
export const ML100K_OCCUPATIONS = [
  "administrator",
  "artist",
  "doctor",
  "educator",
  "engineer",
  "entertainment",
  "executive",
  "healthcare",
  "homemaker",
  "lawyer",
  "librarian",
  "marketing",
  "none",
  "other",
  "programmer",
  "retired",
  "salesman",
  "scientist",
  "student",
  "technician",
  "writer",
] as const;

/**
 * Occupation domains (a kit choice; neither paper splits by occupation): 0 "student"
 * (college/grad, K-12; ml-100k student), 1 "professional" (academic/educator, doctor/health care,
 * executive/managerial, lawyer, programmer, scientist, technician/engineer; ml-100k doctor,
 * educator, engineer, executive, healthcare, lawyer, librarian, programmer, scientist,
 * technician), 2 "other employed" (artist, clerical/admin, customer service, farmer,
 * sales/marketing, self-employed, tradesman/craftsman, writer; ml-100k administrator, artist,
 * entertainment, marketing, salesman, writer), 3 "not employed/other" (other, homemaker, retired,
 * unemployed; ml-100k homemaker, none, other, retired).
 */
export const OCCUPATION_GROUP: Readonly<Record<string, number>> = {
  "college/grad student": 0,
  "K-12 student": 0,
  student: 0,
  "academic/educator": 1,
  "doctor/health care": 1,
  "executive/managerial": 1,
  lawyer: 1,
  programmer: 1,
  scientist: 1,
  "technician/engineer": 1,
  doctor: 1,
  educator: 1,
  engineer: 1,
  executive: 1,
  healthcare: 1,
  librarian: 1,
  technician: 1,
  artist: 2,
  "clerical/admin": 2,
  "customer service": 2,
  farmer: 2,
  "sales/marketing": 2,
  "self-employed": 2,
  "tradesman/craftsman": 2,
  writer: 2,
  administrator: 2,
  entertainment: 2,
  marketing: 2,
  salesman: 2,
  other: 3,
  homemaker: 3,
  retired: 3,
  unemployed: 3,
  none: 3,
};

/** What a user contributes to a row. */
export interface MovieLensUser {
  gender: string;
  /** Age on the ml-1m code scale (bucket). */
  ageCode: number;
  /** Age as given (ml-1m: the code; ml-100k: years), min-max scaled into the numeric feature. */
  age: number;
  /** Occupation token (ml-1m: the code as text; ml-100k: the name). */
  occupation: string;
  /** Occupation name (for the occupation domains). */
  occupationName: string;
  zip: string;
}

/** One way of defining the "domain" axis. */
export interface MovieLensDomainDef {
  names: string[];
  /** Plain-language definition (recorded in meta). */
  definition: string;
  of(u: MovieLensUser): number;
}

/** The `domainBy` choices for MovieLens. */
export const MOVIELENS_DOMAINS: Readonly<Record<"age" | "gender" | "occupation", MovieLensDomainDef>> = {
  age: {
    names: ["age<25", "age 25-34", "age 35+"],
    definition:
      "ml-1m age code {1, 18} -> 0, {25} -> 1, {35, 45, 50, 56} -> 2 (HAMUR); ml-100k ages bucketed onto the ml-1m codes first",
    of: (u) => (u.ageCode < 25 ? 0 : u.ageCode === 25 ? 1 : 2),
  },
  gender: {
    names: ["female", "male"],
    definition: "gender F -> 0, M -> 1",
    of: (u) => (u.gender === "F" ? 0 : 1),
  },
  occupation: {
    names: ["student", "professional", "other employed", "not employed/other"],
    definition: "occupation grouped into 4 domains (OCCUPATION_GROUP in src/data/loaders/movielens.ts)",
    of: (u) => OCCUPATION_GROUP[u.occupationName],
  },
};

const DOMAIN_CHOICES = ["age", "gender", "occupation"] as const;
type DomainBy = (typeof DOMAIN_CHOICES)[number];

/** ml-100k genres in u.genre order (flag columns 5..23 of u.item). */
export const ML100K_GENRES = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
] as const;

export const MOVIELENS_CATEGORICAL = [
  "user_id",
  "movie_id",
  "gender",
  "occupation",
  "zip",
  "cate_id",
  "domain",
] as const;

interface Variant {
  id: string;
  description: string;
  ratingSep: string;
  sideSep: string;
  usersFile: string;
  moviesFile: string;
  parseUser(fields: string[]): MovieLensUser | string;
  userFields: number;
  parseMovie(fields: string[]): { id: string; genre: string } | string;
  movieFields: number | null;
}

function sideError(file: string, line: number, why: string): DataError {
  return new DataError("BAD_ROW", `${file}:${line}: ${why}`, { file, line });
}

async function readTable<T>(
  file: string,
  sep: string,
  nFields: number | null,
  parse: (f: string[]) => T | string,
  key: (t: T, f: string[]) => string,
): Promise<Map<string, T>> {
  const m = new Map<string, T>();
  await forEachLine(
    file,
    (line, lineNo) => {
      if (line.length === 0) return;
      const f = line.split(sep);
      if (nFields !== null && f.length !== nFields)
        throw sideError(file, lineNo, `expected ${nFields} "${sep}"-separated fields, found ${f.length}`);
      const t = parse(f);
      if (typeof t === "string") throw sideError(file, lineNo, t);
      const k = key(t, f);
      if (m.has(k)) throw sideError(file, lineNo, `duplicate id ${k}`);
      m.set(k, t);
    },
    { encoding: "latin1" },
  );
  return m;
}

const isInt = (s: string): boolean => /^[0-9]+$/.test(s);

const ML1M: Variant = {
  id: "movielens-1m-dat",
  description:
    "MovieLens 1M .dat files: ratings UserID::MovieID::Rating::Timestamp joined with users.dat and movies.dat",
  ratingSep: "::",
  sideSep: "::",
  usersFile: "users",
  moviesFile: "movies",
  userFields: 5,
  parseUser(f) {
    if (!isInt(f[0])) return `UserID is not an integer: "${f[0].slice(0, 40)}"`;
    if (f[1] !== "F" && f[1] !== "M") return `Gender must be F or M, found "${f[1].slice(0, 40)}"`;
    const age = Number(f[2]);
    if (!(ML1M_AGE_CODES as readonly number[]).includes(age) || !isInt(f[2]))
      return `Age must be one of the codes ${ML1M_AGE_CODES.join(", ")}, found "${f[2].slice(0, 40)}"`;
    const occ = Number(f[3]);
    if (!isInt(f[3]) || occ > 20) return `Occupation must be a code 0..20, found "${f[3].slice(0, 40)}"`;
    return {
      gender: f[1],
      ageCode: age,
      age,
      occupation: String(occ),
      occupationName: ML1M_OCCUPATIONS[occ],
      zip: f[4],
    };
  },
  movieFields: 3,
  parseMovie(f) {
    if (!isInt(f[0])) return `MovieID is not an integer: "${f[0].slice(0, 40)}"`;
    return { id: f[0], genre: f[2].split("|")[0] };
  },
};

const ML100K: Variant = {
  id: "movielens-100k",
  description: "MovieLens 100K: u.data (user item rating ts, tab-separated) joined with u.user and u.item",
  ratingSep: "\t",
  sideSep: "|",
  usersFile: "users",
  moviesFile: "items",
  userFields: 5,
  parseUser(f) {
    if (!isInt(f[0])) return `user id is not an integer: "${f[0].slice(0, 40)}"`;
    if (!isInt(f[1])) return `age is not an integer: "${f[1].slice(0, 40)}"`;
    if (f[2] !== "F" && f[2] !== "M") return `gender must be F or M, found "${f[2].slice(0, 40)}"`;
    if (!(ML100K_OCCUPATIONS as readonly string[]).includes(f[3]))
      return `unknown occupation "${f[3].slice(0, 40)}" (u.occupation lists ${ML100K_OCCUPATIONS.length})`;
    const age = Number(f[1]);
    return {
      gender: f[2],
      ageCode: ml1mAgeCode(age),
      age,
      occupation: f[3],
      occupationName: f[3],
      zip: f[4],
    };
  },
  movieFields: 24,
  parseMovie(f) {
    if (!isInt(f[0])) return `movie id is not an integer: "${f[0].slice(0, 40)}"`;
    let genre = "";
    for (let g = 0; g < 19; g++) {
      const v = f[5 + g];
      if (v !== "0" && v !== "1")
        return `genre flag ${ML100K_GENRES[g]} must be 0 or 1, found "${v.slice(0, 40)}"`;
      if (v === "1" && genre === "") genre = ML100K_GENRES[g];
    }
    return { id: f[0], genre };
  },
};

function sidePath(opts: FormatOptions, name: string, format: string): string {
  const p = opts.side?.[name];
  if (p === undefined)
    throw new DataError(
      "BAD_OPTION",
      `format ${format} joins with a side table "${name}" but none was given (loader spec side / LocalFilesSpec.side)`,
    );
  return p;
}

function movielensFormat(v: Variant): RowFormat {
  return {
    id: v.id,
    description: v.description,
    domainBy: { choices: DOMAIN_CHOICES, default: "age" },
    async create(opts: FormatOptions): Promise<RowParser> {
      const domainBy = (opts.domainBy ?? "age") as DomainBy;
      const def = MOVIELENS_DOMAINS[domainBy];
      if (def === undefined)
        throw new DataError(
          "BAD_OPTION",
          `${v.id}: domainBy must be one of ${DOMAIN_CHOICES.join(", ")}, got ${JSON.stringify(opts.domainBy)}`,
        );
      const usersPath = sidePath(opts, v.usersFile, v.id);
      const moviesPath = sidePath(opts, v.moviesFile, v.id);
      const users = await readTable(
        usersPath,
        v.sideSep,
        v.userFields,
        (f) => v.parseUser(f),
        (_u, f) => f[0],
      );
      const movies = await readTable(
        moviesPath,
        v.sideSep,
        v.movieFields,
        (f) => v.parseMovie(f),
        (m) => m.id,
      );
      if (users.size === 0) throw new DataError("BAD_ROW", `${usersPath}: no users`, { file: usersPath });
      let amin = Infinity;
      let amax = -Infinity;
      for (const u of users.values()) {
        if (u.age < amin) amin = u.age;
        if (u.age > amax) amax = u.age;
      }
      const span = amax > amin ? amax - amin : 1;
      // per-user tokens, precomputed once: [gender, occupation, zip, domain token], domain id, scaled age
      const userRows = new Map<string, { tokens: string[]; domain: number; age: number }>();
      for (const [id, u] of users) {
        const d = def.of(u);
        userRows.set(id, {
          tokens: [u.gender, u.occupation, u.zip, String(d)],
          domain: d,
          age: (u.age - amin) / span,
        });
      }
      const axis: GroupAxis = { name: "domain", numGroups: def.names.length, names: [...def.names] };
      const sep = v.ratingSep;
      return {
        catNames: MOVIELENS_CATEGORICAL,
        numNames: ["age"],
        numTransform: "minmax",
        labelNames: ["click"],
        groupAxes: [axis],
        notes: {
          variant: v.id,
          label: "click = rating > 3",
          domainBy,
          domains: def.names,
          domainDefinition: def.definition,
          ageMinMax: [amin, amax],
          users: users.size,
          movies: movies.size,
        },
        parse(line: string, _lineNo: number, row: RowScratch): boolean {
          const f = line.split(sep);
          if (f.length !== 4)
            throw new RowError(
              `expected 4 "${sep === "\t" ? "\\t" : sep}"-separated fields (user, movie, rating, timestamp), found ${f.length}`,
            );
          const u = userRows.get(f[0]);
          if (u === undefined)
            throw new RowError(`user id ${f[0].slice(0, 40)} is not in the users table (${usersPath})`);
          const m = movies.get(f[1]);
          if (m === undefined)
            throw new RowError(`movie id ${f[1].slice(0, 40)} is not in the movies table (${moviesPath})`);
          const r = f[2];
          if (r.length !== 1 || r < "1" || r > "5")
            throw new RowError(`rating must be an integer 1..5, found "${r.slice(0, 40)}"`);
          row.labels[0] = r > "3" ? 1 : 0;
          setToken(row, 0, f[0], 0, f[0].length);
          setToken(row, 1, f[1], 0, f[1].length);
          const t = u.tokens;
          setToken(row, 2, t[0], 0, t[0].length);
          setToken(row, 3, t[1], 0, t[1].length);
          setToken(row, 4, t[2], 0, t[2].length);
          setToken(row, 5, m.genre, 0, m.genre.length);
          setToken(row, 6, t[3], 0, t[3].length);
          row.num[0] = u.age;
          row.groups[0] = u.domain;
          return true;
        },
      };
    },
  };
}

/** ml-1m `.dat` files (full ml-1m and the 100k-rating subset): ratings + side tables "users", "movies". */
export const MOVIELENS_1M_FORMAT: RowFormat = movielensFormat(ML1M);
/** ml-100k: u.data + side tables "users" (u.user) and "items" (u.item). */
export const MOVIELENS_100K_FORMAT: RowFormat = movielensFormat(ML100K);
