/**
 * Census-Income (KDD), UCI 117, in the multi-task set-up of MMoE (Ma et al., "Modeling Task
 * Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts", KDD 2018; also
 * torch-rechub examples/ranking/run_census.py and drawbridge/keras-mmoe).
 *
 * Raw format: no header, 42 comma-separated columns (values padded with a space, some with a
 * trailing space; "?" = missing): the 40 attributes of census-income.names, the instance weight
 * (column 25) and the income label ("- 50000." / "50000+."). Column names follow keras-mmoe.
 *
 * Set-up, as a derivation ({@link CENSUS_DERIVE}) followed by the generic pipeline:
 * - labels: `income` = 1 iff the label column is "50000+."; `marital` = 1 iff `marital_stat`
 *   is "Never married". Both source columns are removed from the inputs.
 * - `instance_weight` is dropped (census-income.names: a sampling weight, not to be used by
 *   classifiers).
 * - numeric features (7): age, wage_per_hour, capital_gains, capital_losses, stock_dividends,
 *   num_emp, weeks_worked, scaled by option `scaling`:
 *   "standard" (default, the kit's choice): `(x - mean) / std` with mean and std (population) of
 *   the TRAIN rows only (z-scores rather than torch-rechub's MinMax: capital_gains reaches 99,999
 *   with a median of 0, and MinMax squashes almost every row to ~0). Valid/test rows use the train
 *   statistics, unclipped. A column constant on train becomes 0.
 *   "minmax" (torch-rechub examples/ranking/data/census-income/preprocess_census.py):
 *   `(x - min) / (max - min)` with min and max over ALL rows of all source files (every split, as
 *   the reference fits its MinMaxScaler on train + test), rounded to 4 decimals as the reference
 *   does. A constant column becomes 0.
 *   The statistics are kept in the derivation summary (`meta.derived.summary.trainNumericStats`,
 *   `allRowsMinMax`); the schema's numeric `transform` says "standard" for both (documentation
 *   only; the summary's `scaling` is authoritative).
 * - categorical features (32): every other column, including the integer-coded ones
 *   (det_ind_code, det_occ_code, own_or_self, vet_benefits, year), as tokens; "?" = missing.
 * - split (option `split`): "random" (default) assigns all rows of all source files to
 *   train/valid/test with exact sizes round(ratio * N) by seeded sequential selection sampling
 *   (ratios 8:1:1, seed 2022: torch-rechub's default seed); "official" keeps the UCI train file
 *   as train and halves the UCI test file into valid and test at random (seeded), as in the
 *   MMoE paper and keras-mmoe. The registered sample holds only the official test file, so it
 *   uses "random".
 * The vocabularies are then built on the train split by the pipeline (minCount from the entry).
 */
import * as fs from "fs";
import { DataError, RowError } from "../errors";
import { forEachLine } from "../lines";
import { fileLabel, SplitAssigner } from "../pipeline";
import type { DeriveContext, DeriveSpec } from "./derived";
import { LineWriter, rowError, typedTsvFormat, typedTsvHeader } from "./derived";

/** The 42 raw columns, in file order (keras-mmoe names). */
export const CENSUS_COLUMNS = [
  "age",
  "class_worker",
  "det_ind_code",
  "det_occ_code",
  "education",
  "wage_per_hour",
  "hs_college",
  "marital_stat",
  "major_ind_code",
  "major_occ_code",
  "race",
  "hisp_origin",
  "sex",
  "union_member",
  "unemp_reason",
  "full_or_part_emp",
  "capital_gains",
  "capital_losses",
  "stock_dividends",
  "tax_filer_stat",
  "region_prev_res",
  "state_prev_res",
  "det_hh_fam_stat",
  "det_hh_summ",
  "instance_weight",
  "mig_chg_msa",
  "mig_chg_reg",
  "mig_move_reg",
  "mig_same",
  "mig_prev_sunbelt",
  "num_emp",
  "fam_under_18",
  "country_father",
  "country_mother",
  "country_self",
  "citizenship",
  "own_or_self",
  "vet_question",
  "vet_benefits",
  "weeks_worked",
  "year",
  "income_50k",
] as const;

/** Continuous columns (census-income.names), used as numeric features. */
export const CENSUS_NUMERIC = [
  "age",
  "wage_per_hour",
  "capital_gains",
  "capital_losses",
  "stock_dividends",
  "num_emp",
  "weeks_worked",
] as const;
/** Columns that are not inputs: the two label sources and the sampling weight. */
export const CENSUS_EXCLUDED = ["marital_stat", "income_50k", "instance_weight"] as const;
/** Categorical features: every column that is neither numeric nor excluded. */
export const CENSUS_CATEGORICAL: readonly string[] = CENSUS_COLUMNS.filter(
  (c) =>
    !(CENSUS_NUMERIC as readonly string[]).includes(c) && !(CENSUS_EXCLUDED as readonly string[]).includes(c),
);
/** Names of the derived split files (distinct from the source file names "train" / "test"). */
export const CENSUS_OUTPUTS = ["train_split", "valid_split", "test_split"] as const;
/** Task labels, in head order. */
export const CENSUS_LABELS = ["income", "marital"] as const;

const NCOL = CENSUS_COLUMNS.length;
const NUM_IDX = CENSUS_NUMERIC.map((c) => CENSUS_COLUMNS.indexOf(c));
const CAT_IDX = CENSUS_CATEGORICAL.map((c) => CENSUS_COLUMNS.indexOf(c as (typeof CENSUS_COLUMNS)[number]));
const MARITAL_IDX = CENSUS_COLUMNS.indexOf("marital_stat");
const INCOME_IDX = CENSUS_COLUMNS.indexOf("income_50k");

const COLUMNS = { labels: CENSUS_LABELS, numeric: CENSUS_NUMERIC, categorical: CENSUS_CATEGORICAL };

/** The format of the derived census files (typed TSV with header). */
export const CENSUS_FORMAT = typedTsvFormat("census-mmoe-tsv", { ...COLUMNS, numTransform: "standard" });

/** One parsed raw row. */
export interface CensusRow {
  income: 0 | 1;
  marital: 0 | 1;
  /** Raw values of CENSUS_NUMERIC. */
  num: number[];
  /** Tokens of CENSUS_CATEGORICAL ("" = missing). */
  cat: string[];
}

/** Parses one raw line; throws RowError with the reason (the caller adds file and line). */
export function parseCensusLine(line: string): CensusRow {
  const cols = line.split(",");
  if (cols.length !== NCOL)
    throw new RowError(
      `expected ${NCOL} comma-separated columns (40 attributes, instance weight, income), found ${cols.length}`,
    );
  for (let i = 0; i < NCOL; i++) cols[i] = cols[i].trim();
  const inc = cols[INCOME_IDX];
  let income: 0 | 1;
  if (inc === "- 50000." || inc === "-50000") income = 0;
  else if (inc === "50000+." || inc === "50000+") income = 1;
  else throw new RowError(`income label must be "- 50000." or "50000+.", found "${inc.slice(0, 40)}"`);
  const ms = cols[MARITAL_IDX];
  if (ms === "" || ms === "?") throw new RowError("marital_stat is missing (it is a task label)");
  const num = NUM_IDX.map((j, k) => {
    const t = cols[j];
    const x = Number(t);
    if (t === "" || !Number.isFinite(x))
      throw new RowError(`${CENSUS_NUMERIC[k]} is not a number: "${t.slice(0, 40)}"`);
    return x;
  });
  const cat = CAT_IDX.map((j) => {
    const t = cols[j];
    if (t.includes("\t")) throw new RowError(`${CENSUS_COLUMNS[j]} contains a tab`);
    return t === "?" ? "" : t;
  });
  return { income, marital: ms === "Never married" ? 1 : 0, num, cat };
}

/** Streams the parsed rows of one source file; malformed rows raise BAD_ROW naming file and line. */
async function eachRow(
  src: { path: string; tarMember?: string },
  onRow: (r: CensusRow) => void,
): Promise<number> {
  let n = 0;
  const label = fileLabel(src);
  await forEachLine(
    src.path,
    (line, lineNo) => {
      if (line.trim().length === 0) return;
      let r: CensusRow;
      try {
        r = parseCensusLine(line);
      } catch (e) {
        rowError(label, lineNo, e);
      }
      n++;
      onRow(r);
    },
    { tarMember: src.tarMember },
  );
  return n;
}

interface NumStats {
  name: string;
  mean: number;
  std: number;
  min: number;
  max: number;
}

async function deriveCensus(ctx: DeriveContext): Promise<Record<string, unknown>> {
  const o = ctx.options as {
    split: "random" | "official";
    ratios: number[];
    seed: number;
    scaling: CensusScaling;
  };
  if (o.split === "official" && ctx.sources.length !== 2) {
    throw new DataError(
      "BAD_OPTION",
      `${ctx.datasetId}: split "official" needs the UCI train and test files, this entry has ${ctx.sources.map((s) => s.name).join(", ")}`,
    );
  }
  // pass 1: count data rows per file (rows are validated in pass 2, before anything is written)
  const counts: number[] = [];
  for (const s of ctx.sources) {
    let n = 0;
    await forEachLine(
      s.path,
      (line) => {
        if (line.trim().length > 0) n++;
      },
      { tarMember: s.tarMember },
    );
    counts.push(n);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  ctx.log?.(`${ctx.datasetId}: ${total} rows (${counts.join(" + ")}), split ${o.split} seed ${o.seed}`);
  // split assignment, replayed identically in passes 2 and 3
  const makePick = (): ((file: number) => number) => {
    if (o.split === "random") {
      const a = new SplitAssigner(total, { ratios: [o.ratios[0], o.ratios[1], o.ratios[2]], seed: o.seed });
      return () => a.next();
    }
    const a = new SplitAssigner(counts[1], { ratios: [0, 1, 1], seed: o.seed });
    return (file) => (file === 0 ? 0 : a.next());
  };
  // pass 2: numeric statistics over the train rows
  const nn = CENSUS_NUMERIC.length;
  const sum = new Float64Array(nn);
  const sq = new Float64Array(nn);
  const mn = new Float64Array(nn).fill(Infinity);
  const mx = new Float64Array(nn).fill(-Infinity);
  const allMin = new Float64Array(nn).fill(Infinity);
  const allMax = new Float64Array(nn).fill(-Infinity);
  let trainRows = 0;
  let pick = makePick();
  for (const [k, s] of ctx.sources.entries()) {
    await eachRow(s, (r) => {
      for (let j = 0; j < nn; j++) {
        if (r.num[j] < allMin[j]) allMin[j] = r.num[j];
        if (r.num[j] > allMax[j]) allMax[j] = r.num[j];
      }
      if (pick(k) !== 0) return;
      trainRows++;
      for (let j = 0; j < nn; j++) {
        const x = r.num[j];
        sum[j] += x;
        sq[j] += x * x;
        if (x < mn[j]) mn[j] = x;
        if (x > mx[j]) mx[j] = x;
      }
    });
  }
  if (trainRows === 0) throw new DataError("BAD_OPTION", `${ctx.datasetId}: the split leaves no train rows`);
  const stats: NumStats[] = CENSUS_NUMERIC.map((name, j) => {
    const mean = sum[j] / trainRows;
    return {
      name,
      mean,
      std: Math.sqrt(Math.max(0, sq[j] / trainRows - mean * mean)),
      min: mn[j],
      max: mx[j],
    };
  });
  const minmax = o.scaling === "minmax";
  const scale = minmax
    ? CENSUS_NUMERIC.map((_, j) => ({
        shift: allMin[j],
        div: allMax[j] > allMin[j] ? allMax[j] - allMin[j] : Infinity,
      }))
    : stats.map((s) => ({ shift: s.mean, div: s.std > 0 ? s.std : Infinity }));
  // pass 3: write the three splits
  const names = ["train", "valid", "test"];
  const writers = CENSUS_OUTPUTS.map((n) => new LineWriter(ctx.outputs[n]));
  const header = typedTsvHeader(COLUMNS);
  const positives = names.map(() => [0, 0]);
  try {
    for (const w of writers) w.write(header);
    pick = makePick();
    for (const [k, s] of ctx.sources.entries()) {
      await eachRow(s, (r) => {
        const split = pick(k);
        positives[split][0] += r.income;
        positives[split][1] += r.marital;
        const nums = r.num.map((x, j) => {
          const z = (x - scale[j].shift) / scale[j].div;
          if (minmax) return String(Math.round(z * 1e4) / 1e4); // the reference's .round(4)
          return z === 0 ? "0" : z.toPrecision(7);
        });
        writers[split].write(`${r.income}\t${r.marital}\t${nums.join("\t")}\t${r.cat.join("\t")}`);
      });
    }
  } finally {
    for (const w of writers) w.close();
  }
  const rows = Object.fromEntries(names.map((n, i) => [n, writers[i].lines - 1]));
  return {
    rows,
    positives: Object.fromEntries(
      names.map((n, i) => [n, { income: positives[i][0], marital: positives[i][1] }]),
    ),
    sourceRows: Object.fromEntries(ctx.sources.map((s, i) => [s.name, counts[i]])),
    scaling: minmax
      ? "minmax (min / max over all rows, rounded to 4 decimals)"
      : "standard (train mean / population std)",
    trainNumericStats: stats,
    allRowsMinMax: CENSUS_NUMERIC.map((name, j) => ({ name, min: allMin[j], max: allMax[j] })),
    numeric: [...CENSUS_NUMERIC],
    categorical: [...CENSUS_CATEGORICAL],
    dropped: [...CENSUS_EXCLUDED],
  };
}

function checkOptions(o: Record<string, unknown>): void {
  if (o.split !== "random" && o.split !== "official")
    throw new DataError(
      "BAD_OPTION",
      `census derive option split must be "random" or "official", got ${JSON.stringify(o.split)}`,
    );
  const r = o.ratios;
  if (
    !Array.isArray(r) ||
    r.length !== 3 ||
    r.some((x) => typeof x !== "number" || !(x >= 0)) ||
    !(r[0] > 0)
  ) {
    throw new DataError(
      "BAD_OPTION",
      `census derive option ratios must be 3 non-negative numbers with a positive train share, got ${JSON.stringify(r)}`,
    );
  }
  if (!Number.isInteger(o.seed))
    throw new DataError(
      "BAD_OPTION",
      `census derive option seed must be an integer, got ${JSON.stringify(o.seed)}`,
    );
  if (o.scaling !== "standard" && o.scaling !== "minmax")
    throw new DataError(
      "BAD_OPTION",
      `census derive option scaling must be "standard" or "minmax", got ${JSON.stringify(o.scaling)}`,
    );
}

/** How the numeric columns are scaled (derive option `scaling`, see the module header). */
export type CensusScaling = "standard" | "minmax";

/** The census derivation over the given source file names. */
export function censusDerive(sources: string[], split: "random" | "official"): DeriveSpec {
  return {
    id: "census-mmoe-v1",
    sources,
    outputs: [...CENSUS_OUTPUTS],
    defaults: { split, ratios: [0.8, 0.1, 0.1], seed: 2022, scaling: "standard" },
    ownsSplit: true,
    check: checkOptions,
    run: deriveCensus,
  };
}

/** Reads the first `n` raw rows of a census file (for notebooks and tests). */
export async function readCensusRows(file: string, n: number): Promise<CensusRow[]> {
  if (!fs.existsSync(file)) throw new DataError("MISSING_FILE", `file not found: ${file}`, { file });
  const out: CensusRow[] = [];
  await forEachLine(file, (line, lineNo) => {
    if (line.trim().length === 0) return;
    try {
      out.push(parseCensusLine(line));
    } catch (e) {
      rowError(file, lineNo, e);
    }
    return out.length < n;
  });
  return out;
}
