/**
 * Typed dataset schema and the in-memory columnar dataset every loader produces.
 *
 * Arrays are kept in schema order (not keyed by name) so that hot loops index typed arrays
 * directly; `featureIndex` and friends give named access where readability matters.
 */

/** A categorical feature: integer ids in [0, vocabSize); id 0 is the out-of-vocabulary / missing id. */
export interface CategoricalFeature {
  kind: "categorical";
  name: string;
  /** Number of ids including the OOV id 0. */
  vocabSize: number;
  /** Name of another categorical/sequence feature whose embedding table this one shares. */
  shareWith?: string;
}

/** A numeric feature stored as float32 after its transform. */
export interface NumericFeature {
  kind: "numeric";
  name: string;
  /** How the raw value was transformed (documentation only; loaders apply it). */
  transform?: "none" | "log" | "minmax" | "standard";
}

/** A fixed-length id sequence (left-padded with 0). */
export interface SequenceFeature {
  kind: "sequence";
  name: string;
  vocabSize: number;
  maxLen: number;
  shareWith?: string;
}

export type FeatureSpec = CategoricalFeature | NumericFeature | SequenceFeature;

export interface LabelSpec {
  name: string;
  /** Binary labels in {0, 1}. Regression labels are not used by the kit's papers. */
  type: "binary";
}

/** An axis a paper cares about: domain, scenario, behaviour, coldness. Metrics break down by it. */
export interface GroupAxis {
  name: string;
  numGroups: number;
  /** Human names for group ids 0..numGroups-1. */
  names?: string[];
}

export interface DatasetSchema {
  /** Dataset id, e.g. "criteo-8k". */
  name: string;
  features: FeatureSpec[];
  labels: LabelSpec[];
  groups: GroupAxis[];
  /** True when the rows come from a seeded generator; every result shown from it must say so. */
  synthetic?: boolean;
}

/**
 * Columnar dataset. `cat[i]` holds the ids of the i-th categorical feature of the schema (in the
 * order the categorical features appear in `schema.features`), and likewise for `num` and `seq`
 * (sequences flattened row-major, [N * maxLen]).
 */
export interface TabularDataset {
  schema: DatasetSchema;
  numRows: number;
  cat: Int32Array[];
  num: Float32Array[];
  seq: Int32Array[];
  labels: Float32Array[];
  groups: Int32Array[];
  /** Provenance: where the rows came from, and a fingerprint (sha256 of inputs + preprocessing). */
  meta: DatasetMeta;
}

export interface DatasetMeta {
  source: string;
  fingerprint: string;
  /** Free-form notes shown in run records (preprocessing, split). */
  notes?: Record<string, unknown>;
}

/** A mini-batch: same layout as TabularDataset with `size` rows. */
export interface Batch {
  size: number;
  cat: Int32Array[];
  num: Float32Array[];
  seq: Int32Array[];
  labels: Float32Array[];
  groups: Int32Array[];
  /** Row ids into the dataset the batch was taken from. */
  rows: Int32Array;
}

export function categoricalFeatures(schema: DatasetSchema): CategoricalFeature[] {
  return schema.features.filter((f): f is CategoricalFeature => f.kind === "categorical");
}

export function numericFeatures(schema: DatasetSchema): NumericFeature[] {
  return schema.features.filter((f): f is NumericFeature => f.kind === "numeric");
}

export function sequenceFeatures(schema: DatasetSchema): SequenceFeature[] {
  return schema.features.filter((f): f is SequenceFeature => f.kind === "sequence");
}

/** Index of a label by name; throws naming the schema when absent. */
export function labelIndex(schema: DatasetSchema, name: string): number {
  const i = schema.labels.findIndex((l) => l.name === name);
  if (i < 0)
    throw new Error(
      `dataset ${schema.name}: no label named "${name}" (has ${schema.labels.map((l) => l.name).join(", ")})`,
    );
  return i;
}

/** Index of a group axis by name; throws naming the schema when absent. */
export function groupIndex(schema: DatasetSchema, name: string): number {
  const i = schema.groups.findIndex((g) => g.name === name);
  if (i < 0)
    throw new Error(
      `dataset ${schema.name}: no group axis named "${name}" (has ${schema.groups.map((g) => g.name).join(", ") || "none"})`,
    );
  return i;
}
