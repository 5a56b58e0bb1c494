/**
 * The one dataset type of the kit: three in-memory splits, the schema, and provenance. Loaders
 * return it (`loadDataset`, whose `meta` is the full load record), generators are split into it
 * (`splitDataset`), and every transformation below returns it with an id and fingerprint that
 * record what was done, so a run record of a capped or restricted set never passes for the full set.
 */
import { Rng } from "../engine/rng";
import { subset, split } from "./batches";
import type { DatasetSchema, TabularDataset } from "./schema";
import { categoricalFeatures, labelIndex } from "./schema";

/** Provenance every dataset carries; a loaded one carries the whole load record (LoadMeta) too. */
export interface Provenance {
  id: string;
  /** sha256 of inputs + preprocessing, extended by every transformation below. */
  fingerprint: string;
}

/** Train / valid / test splits of one data set. */
export interface Dataset<M extends Provenance = Provenance> {
  schema: DatasetSchema;
  train: TabularDataset;
  valid: TabularDataset;
  test: TabularDataset;
  meta: M;
}

/** Row caps per split; 0 or absent = keep the split whole. */
export interface SplitCaps {
  train?: number;
  valid?: number;
  test?: number;
}

const SPLITS = ["train", "valid", "test"] as const;

function retag(
  d: Dataset,
  train: TabularDataset,
  valid: TabularDataset,
  test: TabularDataset,
  tag: { id: string; fingerprint: string } | null,
): Dataset {
  const meta = tag
    ? { id: d.meta.id + tag.id, fingerprint: d.meta.fingerprint + tag.fingerprint }
    : { id: d.meta.id, fingerprint: d.meta.fingerprint };
  return { schema: d.schema, train, valid, test, meta };
}

/**
 * The first rows of each split, at most `caps[split]` (splits are already shuffled by the loader);
 * for smoke budgets. The id and fingerprint record the caps.
 */
export function capRows(d: Dataset, caps: SplitCaps = {}): Dataset {
  const head = (ds: TabularDataset, n = 0) =>
    n > 0 && ds.numRows > n
      ? subset(
          ds,
          Int32Array.from({ length: n }, (_, i) => i),
        )
      : ds;
  const [train, valid, test] = SPLITS.map((s) => head(d[s], caps[s]));
  const capped = train !== d.train || valid !== d.valid || test !== d.test;
  if (!capped) return retag(d, train, valid, test, null);
  const testNote = test !== d.test ? ` / ${test.numRows} test` : "";
  const testTag = test !== d.test ? `:test${test.numRows}` : "";
  return retag(d, train, valid, test, {
    id: ` (first ${train.numRows} train / ${valid.numRows} valid${testNote} rows)`,
    fingerprint: `:train${train.numRows}:valid${valid.numRows}${testTag}`,
  });
}

/**
 * A seeded random subset of each split: at most `rows[split]` rows (all positive integers), kept in
 * their original order; one Rng(seed) draws the three subsets in split order.
 */
export function subsample(d: Dataset, rows: Required<SplitCaps>, seed: number): Dataset {
  const rng = new Rng(seed);
  const pick = (ds: TabularDataset, n: number): TabularDataset => {
    if (!(Number.isInteger(n) && n > 0))
      throw new Error(`subsample: row counts must be positive integers, got ${n}`);
    if (n >= ds.numRows) return ds;
    return subset(ds, rng.permutation(ds.numRows).subarray(0, n).sort());
  };
  const [train, valid, test] = SPLITS.map((s) => pick(d[s], rows[s]));
  const tag = `sub${train.numRows}-${valid.numRows}-${test.numRows}-s${seed}`;
  return retag(d, train, valid, test, { id: `-${tag}`, fingerprint: `+${tag}` });
}

/** A seeded random sample of at most `n` rows of one split (kept in order), e.g. for a data set whose splits are written user by user. */
export function sampleRows(ds: TabularDataset, n: number, seed: number): TabularDataset {
  return n >= ds.numRows ? ds : subset(ds, new Rng(seed).permutation(ds.numRows).subarray(0, n).sort());
}

/** Row ids of `ds` where binary label `label` is 1. */
export function rowsWhere(ds: TabularDataset, label: string): Int32Array {
  const y = ds.labels[labelIndex(ds.schema, label)];
  const rows: number[] = [];
  for (let r = 0; r < ds.numRows; r++) if (y[r] === 1) rows.push(r);
  return Int32Array.from(rows);
}

/** The rows with `label` = 1 in every split (e.g. the clicked-only space of a CVR model). */
export function restrictRows(d: Dataset, label: string): Dataset {
  const [train, valid, test] = SPLITS.map((s) => subset(d[s], rowsWhere(d[s], label)));
  return retag(d, train, valid, test, { id: `[${label}=1]`, fingerprint: `[${label}=1]` });
}

/** A generated data set split by `ratios` (train, valid, test) with Rng(seed). */
export function splitDataset(
  ds: TabularDataset,
  ratios: readonly [number, number, number],
  seed: number,
): Dataset {
  const [train, valid, test] = split(ds, ratios, new Rng(seed));
  return {
    schema: ds.schema,
    train,
    valid,
    test,
    meta: { id: ds.schema.name, fingerprint: ds.meta.fingerprint },
  };
}

/**
 * A view in which group axis `from` (and a categorical feature of that name, if any) is called `to`:
 * e.g. the synthetic latent-scenario set's "scenario" axis as "domain", which every multi-domain
 * model routes on. Columns are shared, not copied.
 */
export function renameAxis<D extends Dataset>(d: D, from: string, to: string): D {
  const schema = d.schema;
  if (!schema.groups.some((g) => g.name === from))
    throw new Error(
      `renameAxis: ${schema.name} has no group axis "${from}" (has ${schema.groups.map((g) => g.name).join(", ")})`,
    );
  if (schema.groups.some((g) => g.name === to) || categoricalFeatures(schema).some((f) => f.name === to)) {
    throw new Error(`renameAxis: ${schema.name} already has a group axis or feature named "${to}"`);
  }
  const renamed: DatasetSchema = {
    ...schema,
    features: schema.features.map((f) => (f.name === from ? { ...f, name: to } : f)),
    groups: schema.groups.map((g) => (g.name === from ? { ...g, name: to } : g)),
  };
  const view = (ds: TabularDataset): TabularDataset => ({ ...ds, schema: renamed });
  return { ...d, schema: renamed, train: view(d.train), valid: view(d.valid), test: view(d.test) };
}

/** Per group of `axis`: rows and positive rate of `label` (default the first) in each split. */
export interface GroupSizeRow {
  group: string;
  split: "train" | "valid" | "test";
  rows: number;
  share: number;
  positiveRate: number;
}

/** Group sizes of a dataset as it is now (after caps and subsets), from its splits. */
export function groupSizes(d: Dataset, axis: string, label?: string): GroupSizeRow[] {
  const a = d.schema.groups.findIndex((g) => g.name === axis);
  if (a < 0) throw new Error(`groupSizes: ${d.schema.name} has no group axis "${axis}"`);
  const g = d.schema.groups[a];
  const names = g.names ?? Array.from({ length: g.numGroups }, (_, i) => String(i));
  const li = labelIndex(d.schema, label ?? d.schema.labels[0].name);
  const out: GroupSizeRow[] = [];
  for (const s of SPLITS) {
    const ds = d[s];
    const n = new Float64Array(names.length);
    const pos = new Float64Array(names.length);
    ds.groups[a].forEach((x, r) => {
      n[x]++;
      pos[x] += ds.labels[li][r];
    });
    names.forEach((name, i) =>
      out.push({
        group: name,
        split: s,
        rows: n[i],
        share: n[i] / Math.max(ds.numRows, 1),
        positiveRate: pos[i] / Math.max(n[i], 1),
      }),
    );
  }
  return out;
}
