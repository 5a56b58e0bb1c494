/**
 * Multi-scenario / multi-domain CTR formats of the HierRec, HAMUR and Scenario-Wise-Rec
 * benchmarks: KuaiRand (joined csv and the official KuaiRand-1K files), Douban and Ali-CCP
 * (the torch-rechub / HAMUR preprocessed csv). Every format writes a group axis "domain" and the
 * same id as an ordinary categorical feature named "domain" (so a model finds the domain feature
 * under one name on every data set; routing reads the group axis, see
 * src/models/layers/routing.ts).
 *
 * Columns are found by header name (the first line of every file), so column order does not
 * matter; a missing column is a `RowError` on the header line, reported with file and line.
 *
 * KuaiRand (Gao et al., CIKM 2022): label `is_click`; domain = `tab`. Kept tabs follow HierRec
 * (utils/data_process.py): {0, 1, 2, 3, 6} -> domains 0..4 ("tab0".."tab6"); rows of other tabs
 * are filtered out (counted as `filtered` in the load meta). Scenario-Wise-Rec keeps {0,1,2,4,6}
 * instead; the kit follows HierRec because HierRec is the paper that reports KuaiRand. Features
 * (all categorical, HierRec's list): user_id, video_id, the user features (user_active_degree,
 * is_lowactive_period, is_live_streamer, is_video_author, follow/fans/friend counts and ranges,
 * register_days(+range), onehot_feat0..17), the video features video_type, visible_status,
 * server_width, server_height, and domain. The post-exposure columns play_time_ms, duration_ms,
 * profile_stay_time, comment_stay_time (present in the Scenario-Wise-Rec sample) are dropped:
 * they are observed only after the click decision.
 *
 * Douban (Scenario-Wise-Rec sample): label `rating` (already 0/1 there); domain music -> 0,
 * book -> 1, movie -> 2; features user_id, item_id, living_place, time_bin (a bin of the join
 * date; the raw join_time date is dropped as redundant), domain.
 *
 * Ali-CCP (torch-rechub / HAMUR csv): labels click and purchase; domain = column `301`
 * (values 1, 2, 3 -> domains 0, 1, 2, HAMUR's definition), which becomes the feature "domain";
 * the other 22 sparse columns are categorical features under their own names and the 8 dense D*
 * columns numeric features as given (already scaled by the preprocessing).
 */
import { DataError, RowError } from "../errors";
import { forEachLine } from "../lines";
import type { GroupAxis } from "../schema";
import type { FormatOptions, RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

/**
 * Splits one CSV line (RFC 4180 quoting: fields may be quoted, `""` is a quote inside a quoted
 * field; no line breaks inside fields). Throws `RowError` on an unterminated quote.
 */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(",");
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let s = "";
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new RowError(`unterminated quoted field starting at character ${i + 1}`);
        s += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          s += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      out.push(s);
      if (j >= line.length) return out;
      if (line.charCodeAt(j) !== 44)
        throw new RowError(`unexpected character after a quoted field at character ${j + 1}`);
      i = j + 1;
    } else {
      const c = line.indexOf(",", i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** How one header-named csv format maps columns to the row. */
interface CsvSpec {
  id: string;
  description: string;
  /** Categorical features read from a column of the same name (the "domain" feature is added last). */
  catColumns: readonly string[];
  /** Numeric features read from a column of the same name (as given). */
  numColumns: readonly string[];
  /** Label columns (values 0/1). */
  labelColumns: readonly string[];
  /** Output label names, same order as labelColumns. */
  labelNames: readonly string[];
  /** Column holding the domain value. */
  domainColumn: string;
  /** Domain value -> domain id; values absent here are filtered out when `filterUnknownDomains`, else an error. */
  domainValues: Readonly<Record<string, number>>;
  domainNames: readonly string[];
  filterUnknownDomains: boolean;
  notes: Record<string, unknown>;
  /** Optional join: extra categorical features looked up per row (see kuairand1kFormat). */
  join?: (opts: FormatOptions) => Promise<CsvJoin>;
}

/** Categorical features taken from side tables, keyed by a column of the row. */
interface CsvJoin {
  catNames: readonly string[];
  /** Column names of the row used as keys, in order of `lookups`. */
  keyColumns: readonly string[];
  /** For each key column: key -> tokens (in catNames order of that lookup's features), or undefined when unknown. */
  lookups: ((key: string) => readonly string[] | undefined)[];
  /** Per lookup, what an unknown key means in an error message. */
  missingWhat: readonly string[];
  notes: Record<string, unknown>;
}

function csvFormat(spec: CsvSpec): RowFormat {
  return {
    id: spec.id,
    description: spec.description,
    async create(opts: FormatOptions): Promise<RowParser> {
      const join = spec.join === undefined ? null : await spec.join(opts);
      const joinNames = join?.catNames ?? [];
      const catNames = [...spec.catColumns, ...joinNames, "domain"];
      const nCat = spec.catColumns.length;
      const nJoin = joinNames.length;
      const required = [
        ...new Set([
          ...spec.catColumns,
          ...spec.numColumns,
          ...spec.labelColumns,
          spec.domainColumn,
          ...(join?.keyColumns ?? []),
        ]),
      ];
      let header: Map<string, number> | null = null;
      let width = 0;
      const idx = {
        cat: new Int32Array(nCat),
        num: new Int32Array(spec.numColumns.length),
        label: new Int32Array(spec.labelColumns.length),
        domain: 0,
        keys: new Int32Array(join?.keyColumns.length ?? 0),
      };
      const domainTokens = spec.domainNames.map((_, d) => String(d));
      const axis: GroupAxis = {
        name: "domain",
        numGroups: spec.domainNames.length,
        names: [...spec.domainNames],
      };
      return {
        catNames,
        numNames: spec.numColumns,
        numTransform: "none",
        labelNames: spec.labelNames,
        groupAxes: [axis],
        notes: {
          ...spec.notes,
          ...(join?.notes ?? {}),
          domains: spec.domainNames,
          domainColumn: spec.domainColumn,
        },
        parse(line: string, _lineNo: number, row: RowScratch): boolean {
          const f = splitCsvLine(line);
          // a header names the label columns; a data row has 0/1 there, never a column name
          if (spec.labelColumns.every((c) => f.includes(c))) {
            const h = new Map(f.map((name, i) => [name.trim(), i]));
            const missing = required.filter((c) => !h.has(c));
            if (missing.length > 0)
              throw new RowError(
                `header lacks column(s) ${missing.join(", ")} required by format ${spec.id}`,
              );
            header = h;
            width = f.length;
            spec.catColumns.forEach((c, j) => (idx.cat[j] = h.get(c) as number));
            spec.numColumns.forEach((c, j) => (idx.num[j] = h.get(c) as number));
            spec.labelColumns.forEach((c, j) => (idx.label[j] = h.get(c) as number));
            idx.domain = h.get(spec.domainColumn) as number;
            join?.keyColumns.forEach((c, j) => (idx.keys[j] = h.get(c) as number));
            return false;
          }
          if (header === null)
            throw new RowError(
              `no header line with column names before the first data row (format ${spec.id})`,
            );
          if (f.length !== width)
            throw new RowError(
              `expected ${width} comma-separated fields (as in the header), found ${f.length}`,
            );
          const dv = f[idx.domain];
          const d = spec.domainValues[dv];
          if (d === undefined) {
            if (spec.filterUnknownDomains && /^-?[0-9]+$/.test(dv)) return false;
            throw new RowError(
              `${spec.domainColumn} must be one of ${Object.keys(spec.domainValues).join(", ")}, found "${dv.slice(0, 40)}"`,
            );
          }
          for (let j = 0; j < idx.label.length; j++) {
            const v = f[idx.label[j]];
            if (v === "1" || v === "1.0") row.labels[j] = 1;
            else if (v === "0" || v === "0.0") row.labels[j] = 0;
            else throw new RowError(`${spec.labelColumns[j]} must be 0 or 1, found "${v.slice(0, 40)}"`);
          }
          for (let j = 0; j < nCat; j++) {
            const v = f[idx.cat[j]];
            setToken(row, j, v, 0, v.length);
          }
          if (join !== null) {
            let o = nCat;
            for (let k = 0; k < join.lookups.length; k++) {
              const key = f[idx.keys[k]];
              const toks = join.lookups[k](key);
              if (toks === undefined)
                throw new RowError(
                  `${join.keyColumns[k]} ${key.slice(0, 40)} is not in ${join.missingWhat[k]}`,
                );
              for (const t of toks) setToken(row, o++, t, 0, t.length);
            }
          }
          for (let j = 0; j < idx.num.length; j++) {
            const s = f[idx.num[j]];
            const x = s === "" ? 0 : Number(s);
            if (!Number.isFinite(x))
              throw new RowError(`${spec.numColumns[j]} is not a number: "${s.slice(0, 40)}"`);
            row.num[j] = x;
          }
          const t = domainTokens[d];
          setToken(row, nCat + nJoin, t, 0, t.length);
          row.groups[0] = d;
          return true;
        },
      };
    },
  };
}

/** KuaiRand user features (user_features_1k.csv columns after user_id; HierRec's list). */
export const KUAIRAND_USER_FEATURES = [
  "user_active_degree",
  "is_lowactive_period",
  "is_live_streamer",
  "is_video_author",
  "follow_user_num",
  "follow_user_num_range",
  "fans_user_num",
  "fans_user_num_range",
  "friend_user_num",
  "friend_user_num_range",
  "register_days",
  "register_days_range",
  ...Array.from({ length: 18 }, (_, i) => `onehot_feat${i}`),
] as const;
/** KuaiRand video features HierRec uses (from video_features_basic_1k.csv). */
export const KUAIRAND_VIDEO_FEATURES = [
  "video_type",
  "visible_status",
  "server_width",
  "server_height",
] as const;
/** KuaiRand tabs kept (HierRec) and their domain ids. */
export const KUAIRAND_TABS: Readonly<Record<string, number>> = { "0": 0, "1": 1, "2": 2, "3": 3, "6": 4 };
const KUAIRAND_TAB_NAMES = ["tab0", "tab1", "tab2", "tab3", "tab6"];
const KUAIRAND_NOTES = {
  label: "is_click",
  domainDefinition:
    "KuaiRand tab; tabs {0,1,2,3,6} kept as domains 0..4 (HierRec); rows of other tabs filtered out",
  dropped:
    "play_time_ms, duration_ms, profile_stay_time, comment_stay_time (post-exposure signals) and the other log columns",
};

/**
 * KuaiRand joined with user and video features in one csv (the Scenario-Wise-Rec sample and
 * HierRec's kuairand.csv): user_id, video_id, is_click, tab, the user and video features.
 */
export const KUAIRAND_JOINED_FORMAT: RowFormat = csvFormat({
  id: "kuairand-joined-csv",
  description:
    "KuaiRand log joined with user/video features, one csv with header (Scenario-Wise-Rec / HierRec kuairand.csv)",
  catColumns: ["user_id", "video_id", ...KUAIRAND_USER_FEATURES, ...KUAIRAND_VIDEO_FEATURES],
  numColumns: [],
  labelColumns: ["is_click"],
  labelNames: ["click"],
  domainColumn: "tab",
  domainValues: KUAIRAND_TABS,
  domainNames: KUAIRAND_TAB_NAMES,
  filterUnknownDomains: true,
  notes: KUAIRAND_NOTES,
});

/** Reads a header-named csv side table into key -> tokens of `columns`; errors name file and line. */
async function readCsvTable(
  file: string,
  keyColumn: string,
  columns: readonly string[],
): Promise<{ rows: Map<string, number>; tuples: string[][] }> {
  const rows = new Map<string, number>();
  const tuples: string[][] = [];
  const tupleIds = new Map<string, number>();
  let idx: number[] | null = null;
  let keyIdx = 0;
  let width = 0;
  await forEachLine(file, (line, lineNo) => {
    if (line.length === 0) return;
    let f: string[];
    try {
      f = splitCsvLine(line);
    } catch (e) {
      throw new DataError("BAD_ROW", `${file}:${lineNo}: ${(e as Error).message}`, { file, line: lineNo });
    }
    if (idx === null) {
      const h = new Map(f.map((n, i) => [n.trim(), i]));
      const missing = [keyColumn, ...columns].filter((c) => !h.has(c));
      if (missing.length > 0)
        throw new DataError("BAD_ROW", `${file}:${lineNo}: header lacks column(s) ${missing.join(", ")}`, {
          file,
          line: lineNo,
        });
      idx = columns.map((c) => h.get(c) as number);
      keyIdx = h.get(keyColumn) as number;
      width = f.length;
      return;
    }
    if (f.length !== width)
      throw new DataError(
        "BAD_ROW",
        `${file}:${lineNo}: expected ${width} comma-separated fields (as in the header), found ${f.length}`,
        { file, line: lineNo },
      );
    const key = f[keyIdx];
    if (rows.has(key))
      throw new DataError("BAD_ROW", `${file}:${lineNo}: duplicate ${keyColumn} ${key.slice(0, 40)}`, {
        file,
        line: lineNo,
      });
    const t = idx.map((i) => f[i]);
    const tk = t.join("\u0001");
    let id = tupleIds.get(tk);
    if (id === undefined) {
      id = tuples.length;
      tuples.push(t);
      tupleIds.set(tk, id);
    }
    rows.set(key, id);
  });
  return { rows, tuples };
}

/**
 * The official KuaiRand-1K files: a log (log_standard_*_1k.csv: user_id, video_id, is_click,
 * tab, ...) joined with the side tables "users" (user_features_1k.csv) and "videos"
 * (video_features_basic_1k.csv). The video table is held as video id -> index of its distinct
 * (video_type, visible_status, server_width, server_height) tuple: about 4.4M map entries for
 * KuaiRand-1K (a few hundred MB), so the full set needs the paper profile's memory.
 */
export const KUAIRAND_1K_FORMAT: RowFormat = csvFormat({
  id: "kuairand-1k-logs",
  description:
    "KuaiRand-1K official log csv joined with user_features_1k.csv and video_features_basic_1k.csv",
  catColumns: ["user_id", "video_id"],
  numColumns: [],
  labelColumns: ["is_click"],
  labelNames: ["click"],
  domainColumn: "tab",
  domainValues: KUAIRAND_TABS,
  domainNames: KUAIRAND_TAB_NAMES,
  filterUnknownDomains: true,
  notes: KUAIRAND_NOTES,
  async join(opts: FormatOptions): Promise<CsvJoin> {
    const usersFile = opts.side?.users;
    const videosFile = opts.side?.videos;
    if (usersFile === undefined || videosFile === undefined)
      throw new DataError(
        "BAD_OPTION",
        `format kuairand-1k-logs joins with side tables "users" and "videos" (loader spec side / LocalFilesSpec.side)`,
      );
    const users = await readCsvTable(usersFile, "user_id", KUAIRAND_USER_FEATURES);
    const videos = await readCsvTable(videosFile, "video_id", KUAIRAND_VIDEO_FEATURES);
    const lookup = (t: { rows: Map<string, number>; tuples: string[][] }) => (key: string) => {
      const i = t.rows.get(key);
      return i === undefined ? undefined : t.tuples[i];
    };
    return {
      catNames: [...KUAIRAND_USER_FEATURES, ...KUAIRAND_VIDEO_FEATURES],
      keyColumns: ["user_id", "video_id"],
      lookups: [lookup(users), lookup(videos)],
      missingWhat: [`the users table (${usersFile})`, `the videos table (${videosFile})`],
      notes: { users: users.rows.size, videos: videos.rows.size },
    };
  },
});

/** Douban domains (Scenario-Wise-Rec): music, book, movie. */
export const DOUBAN_DOMAINS: Readonly<Record<string, number>> = { music: 0, book: 1, movie: 2 };

/** Douban (Scenario-Wise-Rec csv): user_id,item_id,rating,domain,living_place,join_time,time_bin. */
export const DOUBAN_FORMAT: RowFormat = csvFormat({
  id: "douban-csv",
  description:
    "Douban multi-domain csv (Scenario-Wise-Rec): user_id,item_id,rating(0/1),domain(music/book/movie),living_place,join_time,time_bin",
  catColumns: ["user_id", "item_id", "living_place", "time_bin"],
  numColumns: [],
  labelColumns: ["rating"],
  labelNames: ["click"],
  domainColumn: "domain",
  domainValues: DOUBAN_DOMAINS,
  domainNames: ["music", "book", "movie"],
  filterUnknownDomains: false,
  notes: {
    label: "rating (0/1 in the Scenario-Wise-Rec file) as click",
    domainDefinition: "music -> 0, book -> 1, movie -> 2",
    dropped: "join_time (time_bin is its bin)",
  },
});

/** Ali-CCP sparse columns other than 301 (torch-rechub preprocessing). */
export const ALI_CCP_SPARSE = [
  "101",
  "121",
  "122",
  "124",
  "125",
  "126",
  "127",
  "128",
  "129",
  "205",
  "206",
  "207",
  "210",
  "216",
  "508",
  "509",
  "702",
  "853",
  "109_14",
  "110_14",
  "127_14",
  "150_14",
] as const;
/** Ali-CCP dense columns. */
export const ALI_CCP_DENSE = [
  "D109_14",
  "D110_14",
  "D127_14",
  "D150_14",
  "D508",
  "D509",
  "D702",
  "D853",
] as const;

/** Ali-CCP as preprocessed by torch-rechub / HAMUR (click, purchase, sparse ids, 301, dense D*). */
export const ALI_CCP_FORMAT: RowFormat = csvFormat({
  id: "ali-ccp-rechub-csv",
  description:
    "Ali-CCP csv preprocessed by torch-rechub/HAMUR: click,purchase,101..853,301,109_14..150_14,D109_14..D853",
  catColumns: ALI_CCP_SPARSE,
  numColumns: ALI_CCP_DENSE,
  labelColumns: ["click", "purchase"],
  labelNames: ["click", "purchase"],
  domainColumn: "301",
  domainValues: { "1": 0, "2": 1, "3": 2 },
  domainNames: ["301=1", "301=2", "301=3"],
  filterUnknownDomains: false,
  notes: {
    labels: "click, purchase",
    domainDefinition: 'column 301 in {1, 2, 3} -> domains 0, 1, 2 (HAMUR); 301 is the feature "domain"',
  },
});
