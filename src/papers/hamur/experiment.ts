/**
 * The HAMUR notebook's experiment grid (notebook 01-hamur, sections "evaluate", "ablation",
 * "figures"): each labelled model configuration trained over seeds through `runExperiment` (one
 * run record each), reduced to what the tables, figures and claims need: per-seed test AUC and
 * log loss overall and per domain, validation curves, and two interference measurements on the
 * last seed's model (adapter branch norms per domain; cosine between the per-domain gradients of
 * the shared embedding tables).
 *
 * Measured keys (what claims.json relations name), per data set name `data` and run label:
 *   `${data}.${label}.auc|logloss`, `${data}.${label}.${domain}.auc|logloss` (per seed),
 *   `${data}.${label}.minDomainGain` (per seed: the smallest per-domain AUC gain of the run over
 *   its `baseline` run, same seed).
 */
import type { Batch, TabularDataset } from "../../data/schema";
import { categoricalFeatures, labelIndex } from "../../data/schema";
import { batches, split, subset } from "../../data/batches";
import { syntheticMultiDomain, type SyntheticMultiDomainOptions } from "../../data/synthetic-multidomain";
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { compareSpread, formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import type { DeepPartial } from "../../report/config";
import { runExperiment, type ExperimentData, type Profile } from "../../train/experiment";
import type { StepRecord, TrainConfig } from "../../train/trainer";
import type { RecModel } from "../../models/types";
import { domainIds } from "../../models/layers/routing";

/** One cell of the grid: a model id with config overrides, under a label. */
export interface RunSpec {
  /** Name in keys, tables and figures, e.g. "hamur-mlp", "static", "k4". */
  label: string;
  /** Model id in MODELS. */
  model: string;
  modelConfig?: DeepPartial<Record<string, unknown>>;
  /** Label of the run this one is compared with per domain (e.g. the backbone without adapter). */
  baseline?: string;
  /** Seeds of this cell (default: the grid's). */
  seeds?: number[];
}

export interface GridRun {
  data: string;
  label: string;
  model: string;
  baseline: string | null;
  seeds: number[];
  auc: number[];
  logloss: number[];
  /** Per domain name: per-seed AUC and log loss. */
  perDomain: Record<string, { auc: number[]; logloss: number[]; count: number }>;
  /** Step records (validation AUC every evalEverySteps) per seed. */
  curves: StepRecord[][];
  /** Per seed: epochs trained, and the 1-based epoch whose weights were tested (early stopping restores the best). */
  epochs: number[];
  bestEpoch: number[];
  /** Mean ‖adapter branch‖ / ‖adapter input‖ per domain on the test split (last seed; empty without adapter). */
  adapterRatio: Record<string, number>;
  /** Cosine between per-domain gradients of the shared embedding tables on the test split (last seed), per domain pair "a|b". */
  gradCosine: Record<string, number>;
  paramCount: { embedding: number; dense: number };
  wallSecPerSeed: number;
  recordPath: string;
}

export interface GridOptions {
  /** Name of the data set in keys ("ml1m"). */
  dataName: string;
  data: ExperimentData;
  runs: RunSpec[];
  seeds: number[];
  trainPresets: Partial<Record<Profile, Partial<TrainConfig>>>;
  profile: Profile;
  /** Model config applied to every run under the run's own `modelConfig` (e.g. the embedding optimiser). */
  modelConfig?: DeepPartial<Record<string, unknown>>;
  /** Rows of the test split used for the interference measurements. Default 4096. */
  interferenceRows?: number;
  /** Print the resolved config of the first cell. Default true. */
  verbose?: boolean;
}

/**
 * Evaluation batch of the grid: the adapter's domain norm and STAR's partitioned norm use batch
 * statistics at evaluation too (no running statistics, as in the official code), so evaluation
 * runs on one batch of at least this many rows that also covers the whole valid / test split.
 */
export const EVAL_BATCH_SIZE = 32768;

/** Train every cell (one runExperiment each), measure, dispose the models. */
export async function runGrid(o: GridOptions): Promise<GridRun[]> {
  const out: GridRun[] = [];
  const axis = "domain";
  const names = o.data.schema.groups.find((g) => g.name === axis)?.names;
  for (const [i, r] of o.runs.entries()) {
    const seeds = r.seeds ?? o.seeds;
    const presets = Object.fromEntries(Object.entries(o.trainPresets).map(([p, c]) => [p, { evalBatchSize: Math.max(EVAL_BATCH_SIZE, o.data.valid.numRows, o.data.test.numRows), ...c }]));
    const res = await runExperiment({
      paper: "hamur",
      model: r.model,
      data: o.data,
      seeds,
      modelConfig: mergeDeep(o.modelConfig ?? {}, r.modelConfig ?? {}) as never,
      trainPresets: presets,
      groupAxis: axis,
      runId: runIdOf(o.dataName, r.label, o.profile),
      verbose: (o.verbose ?? true) && i === 0,
      notes: [`HAMUR grid cell ${r.label}: model ${r.model}${r.modelConfig ? ` ${JSON.stringify(r.modelConfig)}` : ""}`],
    });
    const head = Object.keys(res.runs[0].test)[0];
    const perDomain: GridRun["perDomain"] = {};
    for (const g of Object.keys(res.runs[0].test[head].perGroup)) {
      perDomain[g] = { auc: res.runs.map((x) => x.test[head].perGroup[g].auc), logloss: res.runs.map((x) => x.test[head].perGroup[g].logloss), count: res.runs[0].test[head].perGroup[g].count };
    }
    const model = res.model!;
    const sample = headRows(o.data.test, o.interferenceRows ?? 4096);
    out.push({
      data: o.dataName,
      label: r.label,
      model: r.model,
      baseline: r.baseline ?? null,
      seeds,
      auc: res.runs.map((x) => x.test[head].auc),
      logloss: res.runs.map((x) => x.test[head].logloss),
      perDomain,
      curves: res.runs.map((x) => x.history.steps),
      epochs: res.runs.map((x) => x.history.epochs.length),
      bestEpoch: res.runs.map((x) => x.history.bestEpoch),
      adapterRatio: adapterRatioPerDomain(model, sample, axis, names),
      gradCosine: domainGradientCosine(model, sample, axis, names),
      paramCount: model.paramCount(),
      wallSecPerSeed: res.runs.reduce((s, x) => s + x.wallSec, 0) / res.runs.length,
      recordPath: res.recordPath,
    });
    model.dispose();
    res.trainer?.optimizer.dispose();
  }
  return out;
}

/**
 * A loaded data set as grid input. For smoke budgets, `maxTrainRows` keeps the first rows of the
 * (already shuffled) train split and `maxValidRows` those of the validation split (evaluated
 * several times per run); the test split is kept whole. The fingerprint records the caps.
 */
export function experimentData(
  d: { schema: ExperimentData["schema"]; train: TabularDataset; valid: TabularDataset; test: TabularDataset; meta: { id: string; fingerprint: string } },
  caps: { maxTrainRows?: number; maxValidRows?: number } = {},
): ExperimentData {
  const head = (ds: TabularDataset, n = 0) => (n > 0 && ds.numRows > n ? subset(ds, Int32Array.from({ length: n }, (_, i) => i)) : ds);
  const train = head(d.train, caps.maxTrainRows);
  const valid = head(d.valid, caps.maxValidRows);
  const capped = train !== d.train || valid !== d.valid;
  const note = capped ? ` (first ${train.numRows} train / ${valid.numRows} valid rows)` : "";
  return { schema: d.schema, train, valid, test: d.test, meta: { id: d.meta.id + note, fingerprint: capped ? `${d.meta.fingerprint}:train${train.numRows}:valid${valid.numRows}` : d.meta.fingerprint } };
}

/** The SYNTHETIC planted-conflict set (src/data/synthetic-multidomain.ts) split 70/10/20 with `seed + 1`. */
export function syntheticData(o: SyntheticMultiDomainOptions): ExperimentData {
  const s = syntheticMultiDomain(o);
  const [train, valid, test] = split(s.dataset, [0.7, 0.1, 0.2], new Rng(o.seed + 1));
  return { schema: s.dataset.schema, train, valid, test, meta: { id: s.dataset.schema.name, fingerprint: s.dataset.meta.fingerprint } };
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    const plain = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);
    out[k] = plain(cur) && plain(v) ? mergeDeep(cur, v) : v;
  }
  return out;
}

/** Run id (folder under figures/hamur/) of a grid cell: "+" and other symbols become "-". */
export function runIdOf(data: string, label: string, profile: Profile): string {
  return `${data}-${label}-${profile}`.replace(/[^A-Za-z0-9_-]+/g, "-");
}

/** The first `n` rows of a data set, as one batch. */
export function headRows(ds: TabularDataset, n: number): Batch {
  return batches(ds, { batchSize: Math.min(n, ds.numRows) }).next().value!;
}

function modelInputs(model: RecModel, batch: Batch): { emb: tf.Tensor3D; num: tf.Tensor2D | null } {
  const B = batch.size;
  const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, B), [B, model.embeddings.numFields, model.embeddings.embDim]);
  const nn = batch.num.length;
  if (nn === 0) return { emb, num: null };
  const buf = new Float32Array(B * nn);
  for (let j = 0; j < nn; j++) for (let b = 0; b < B; b++) buf[b * nn + j] = batch.num[j][b];
  return { emb, num: tf.tensor2d(buf, [B, nn]) };
}

/**
 * Interference view 1: mean ‖adapter branch‖ / ‖adapter input‖ per domain (first adapter cell)
 * on `batch` in evaluation mode; how strongly the adapter rewrites each domain's hidden state.
 * Empty for models without an adapter.
 */
export function adapterRatioPerDomain(model: RecModel, batch: Batch, axis = "domain", names?: string[]): Record<string, number> {
  const { emb, num } = modelInputs(model, batch);
  let arrays: { branch: ArrayLike<number>; input: ArrayLike<number> } | null = null;
  tf.tidy(() => {
    const out = model.forward({ batch, emb, num }, { training: false });
    const bk = Object.keys(out.internals ?? {}).find((k) => k.endsWith(".branchNorm"));
    if (bk) arrays = { branch: out.internals![bk].dataSync(), input: out.internals![bk.replace("branchNorm", "inputNorm")].dataSync() };
  });
  tf.dispose([emb, num ?? []]);
  const res: Record<string, number> = {};
  if (arrays) {
    const { branch, input } = arrays as { branch: ArrayLike<number>; input: ArrayLike<number> };
    const ids = domainIds(batch, model.schema, axis);
    const G = model.schema.groups.find((g) => g.name === axis)!.numGroups;
    const sum = new Float64Array(G);
    const cnt = new Float64Array(G);
    for (let b = 0; b < batch.size; b++) {
      sum[ids[b]] += branch[b] / Math.max(input[b], 1e-12);
      cnt[ids[b]]++;
    }
    for (let g = 0; g < G; g++) if (cnt[g] > 0) res[names?.[g] ?? String(g)] = sum[g] / cnt[g];
  }
  return res;
}

/**
 * Interference view 2: for each domain, the gradient of the mean log loss of its rows in `batch`
 * with respect to the shared embedding tables (the rows' looked-up embeddings scattered back to
 * table rows, duplicates summed), and the cosine between every pair of domains. Negative cosines
 * mean that one domain's update undoes the other's on the shared parameters (interference); the
 * embeddings are the parameters every model of the grid shares across domains.
 */
export function domainGradientCosine(model: RecModel, batch: Batch, axis = "domain", names?: string[]): Record<string, number> {
  const ids = domainIds(batch, model.schema, axis);
  const G = model.schema.groups.find((g) => g.name === axis)!.numGroups;
  const F = model.embeddings.numFields;
  const D = model.embeddings.embDim;
  const vocab = categoricalFeatures(model.schema).map((f) => f.vocabSize);
  const offsets = [0];
  for (const v of vocab) offsets.push(offsets[offsets.length - 1] + v * D);
  const total = offsets[F];
  const { emb, num } = modelInputs(model, batch);
  const y = tf.tensor1d(batch.labels[labelIndex(model.schema, model.heads[0])]);
  const grads: Float64Array[] = [];
  for (let g = 0; g < G; g++) {
    const w = new Float32Array(batch.size);
    let n = 0;
    for (let b = 0; b < batch.size; b++) if (ids[b] === g) (w[b] = 1), n++;
    const vec = new Float64Array(total);
    grads.push(vec);
    if (n === 0) continue;
    const wt = tf.tensor1d(w.map((x) => x / n));
    const ge = tf.tidy(() =>
      tf.grad((e: tf.Tensor) => {
        const out = model.forward({ batch, emb: e as tf.Tensor3D, num }, { training: false });
        return tf.sum(tf.mul(tf.losses.sigmoidCrossEntropy(y, out.logits[0], undefined, undefined, tf.Reduction.NONE), wt)) as tf.Scalar;
      })(emb),
    );
    const a = ge.dataSync();
    for (let b = 0; b < batch.size; b++) {
      if (ids[b] !== g) continue;
      for (let f = 0; f < F; f++) {
        const base = offsets[f] + batch.cat[f][b] * D;
        for (let d = 0; d < D; d++) vec[base + d] += a[(b * F + f) * D + d];
      }
    }
    tf.dispose([wt, ge]);
  }
  tf.dispose([emb, num ?? [], y]);
  const res: Record<string, number> = {};
  const name = (g: number) => names?.[g] ?? String(g);
  for (let a = 0; a < G; a++) {
    for (let b = a + 1; b < G; b++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < total; i++) {
        dot += grads[a][i] * grads[b][i];
        na += grads[a][i] ** 2;
        nb += grads[b][i] ** 2;
      }
      res[`${name(a)}|${name(b)}`] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : NaN;
    }
  }
  return res;
}

/** Per-seed measured values of a grid for claims (see the module header for the keys). */
export function measuredFromGrid(runs: readonly GridRun[]): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const r of runs) {
    const k = `${r.data}.${r.label}`;
    m[`${k}.auc`] = r.auc;
    m[`${k}.logloss`] = r.logloss;
    for (const [g, v] of Object.entries(r.perDomain)) {
      m[`${k}.${g}.auc`] = v.auc;
      m[`${k}.${g}.logloss`] = v.logloss;
    }
  }
  for (const r of runs) {
    const base = r.baseline ? runs.find((x) => x.data === r.data && x.label === r.baseline) : undefined;
    if (!base) continue;
    const n = Math.min(r.seeds.length, base.seeds.length);
    const gains = Array.from({ length: n }, (_, s) => Math.min(...Object.keys(r.perDomain).map((g) => r.perDomain[g].auc[s] - base.perDomain[g].auc[s])));
    m[`${r.data}.${r.label}.minDomainGain`] = gains;
  }
  return m;
}

function signed(d: number, digits = 4): string {
  return `${d >= 0 ? "+" : ""}${d.toFixed(digits)}`;
}

/**
 * The comparison table: per run, AUC and log loss (mean ± std over seeds) overall and per domain,
 * and the difference to its baseline with the tie rule.
 */
export function comparisonRows(runs: readonly GridRun[]): Record<string, string | number>[] {
  return runs.map((r) => {
    const row: Record<string, string | number> = { data: r.data, run: r.label, model: r.model, seeds: r.seeds.length };
    row["AUC"] = formatMeanStd(summariseSeeds(r.auc));
    row["logloss"] = formatMeanStd(summariseSeeds(r.logloss));
    for (const [g, v] of Object.entries(r.perDomain)) row[`AUC ${g}`] = formatMeanStd(summariseSeeds(v.auc));
    const base = r.baseline ? runs.find((x) => x.data === r.data && x.label === r.baseline) : undefined;
    if (base) {
      const c = compareSpread(r.auc, base.auc);
      row["ΔAUC vs baseline"] = `${signed(c.diff)} vs ${base.label}${c.tie ? " (inside spread)" : ""}`;
    } else row["ΔAUC vs baseline"] = "—";
    row["epochs (best)"] = r.epochs.map((e, s) => (r.bestEpoch[s] > 0 && r.bestEpoch[s] !== e ? `${e} (${r.bestEpoch[s]})` : `${e}`)).join(", ");
    row["dense params"] = r.paramCount.dense;
    row["s / seed"] = Number(r.wallSecPerSeed.toFixed(1));
    return row;
  });
}
