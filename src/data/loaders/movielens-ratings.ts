/**
 * MovieLens ratings with item text: the raw interaction log (user, movie, stars, time) and the
 * movies' titles and genres, for papers that need item text or a ranking protocol rather than the
 * CTR table of ./movielens.ts (notebook 05-llm-survey: text features and zero-shot ranking).
 *
 * ml-1m layout (`ratings.dat` "user::movie::rating::timestamp", `movies.dat`
 * "movie::Title (Year)::Genre|Genre"); registry entries `movielens-1m-subset` (100k ratings,
 * complete movies; the shared mirror) and `movielens-1m` (the official zip). Files are decoded as
 * UTF-8 (the mirror's copies are UTF-8; the official movies.dat is Latin-1: a title with a
 * non-ASCII byte then shows U+FFFD, which the tokeniser drops).
 *
 * Errors: a malformed line raises DataError("BAD_ROW") naming the file and the 1-based line; a
 * rating whose movie is missing from movies.dat likewise; an empty file raises DataError("EMPTY").
 */
import * as fs from "fs";
import { DataError } from "../errors";
import type { FetchOptions } from "../fetch";
import { resolveFilesOrStandIn } from "../stand-in";

/** One movie of movies.dat. */
export interface MovieText {
  /** Raw movie id. */
  id: number;
  /** Title with the year, as in the file ("Toy Story (1995)"). */
  title: string;
  genres: string[];
  /** Year parsed from the title's trailing "(YYYY)", or null. */
  year: number | null;
}

/** The interaction log, one entry per rating, in file order. */
export interface RatingLog {
  /** Registry id of the data set the files came from. */
  source: string;
  users: Int32Array;
  items: Int32Array;
  /** Stars 1..5. */
  stars: Int8Array;
  timestamps: Float64Array;
  movies: Map<number, MovieText>;
  /** sha256 of the files read, by registry file name. */
  files: Record<string, string>;
}

function lines(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const out = text.split(/\r?\n/);
  if (out[out.length - 1] === "") out.pop();
  if (out.length === 0) throw new DataError("EMPTY", `${file}: empty file`, { file });
  return out;
}

const bad = (file: string, line: number, why: string) =>
  new DataError("BAD_ROW", `${file}:${line}: ${why}`, { file, line });

/** Parses movies.dat ("id::Title (Year)::G1|G2"). */
export function parseMovies(file: string): Map<number, MovieText> {
  const movies = new Map<number, MovieText>();
  lines(file).forEach((l, i) => {
    const f = l.split("::");
    if (f.length !== 3) throw bad(file, i + 1, `expected 3 "::"-separated fields, got ${f.length}`);
    const id = Number(f[0]);
    if (!Number.isInteger(id)) throw bad(file, i + 1, `movie id "${f[0]}" is not an integer`);
    if (movies.has(id)) throw bad(file, i + 1, `duplicate movie id ${id}`);
    const y = /\((\d{4})\)\s*$/.exec(f[1]);
    movies.set(id, {
      id,
      title: f[1],
      genres: f[2].split("|").filter((g) => g !== ""),
      year: y ? Number(y[1]) : null,
    });
  });
  return movies;
}

/** Parses ratings.dat ("user::movie::rating::timestamp") against the movies table. */
export function parseRatings(
  file: string,
  movies: ReadonlyMap<number, MovieText>,
): Omit<RatingLog, "source" | "movies" | "files"> {
  const ls = lines(file);
  const users = new Int32Array(ls.length);
  const items = new Int32Array(ls.length);
  const stars = new Int8Array(ls.length);
  const timestamps = new Float64Array(ls.length);
  ls.forEach((l, i) => {
    const f = l.split("::");
    if (f.length !== 4) throw bad(file, i + 1, `expected 4 "::"-separated fields, got ${f.length}`);
    const [u, m, r, t] = f.map(Number);
    if (!Number.isInteger(u) || !Number.isInteger(m) || !Number.isFinite(t))
      throw bad(file, i + 1, `non-numeric user, movie or timestamp in "${l}"`);
    if (!(Number.isInteger(r) && r >= 1 && r <= 5))
      throw bad(file, i + 1, `rating "${f[2]}" is not an integer 1..5`);
    if (!movies.has(m)) throw bad(file, i + 1, `movie ${m} is not in movies.dat`);
    users[i] = u;
    items[i] = m;
    stars[i] = r;
    timestamps[i] = t;
  });
  return { users, items, stars, timestamps };
}

/** Reads the rating log and the movies of a registered ml-1m variant (mirror, cache or download). */
export async function loadRatingLog(datasetId: string, opts: FetchOptions = {}): Promise<RatingLog> {
  const { files, source } = await resolveFilesOrStandIn(datasetId, ["ratings", "movies"], opts);
  const [ratings, movies] = files;
  const table = parseMovies(movies.path);
  return {
    source,
    ...parseRatings(ratings.path, table),
    movies: table,
    files: { ratings: ratings.sha256, movies: movies.sha256 },
  };
}
