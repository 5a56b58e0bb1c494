/**
 * The HAMUR notebook's experiment (notebook 01-hamur): the per-profile settings, the data sets,
 * the cells of every grid, the interference measurements run on the last seed of each cell, and
 * thin functions the notebook calls. Every grid goes through the kit's one runner
 * (`runGrid`, src/train/grid.ts), so the measured keys are the kit's:
 *
 *   `${data}.${label}.auc|logloss`, `${data}.${label}.${domain}.auc|logloss` (per seed);
 *
 * claim C3 (the smallest per-domain gain over the plain backbone, paired by seed) is an expression
 * over those keys in claims.json (`{"min": {"diff": [...]}}`), not a key of its own.
 *
 * Inspected on the last seed of every cell (`CellResult.inspected`, figures' data):
 *   `adapterRatio` (domain → mean ‖adapter branch‖ / ‖adapter input‖; {} without adapter),
 *   `gradCosine` ("a|b" → cosine between per-domain gradients of the shared embedding tables).
 */
import type { Batch } from "../../data/schema";
import { categoricalFeatures, labelIndex } from "../../data/schema";
import { batches } from "../../data/batches";
import { loadDataset } from "../../data";
import { capRows, groupSizes, splitDataset, type Dataset, type SplitCaps } from "../../data/dataset";
import { syntheticMultiDomain, type SyntheticMultiDomainOptions } from "../../data/synthetic-multidomain";
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import type { TrainConfig } from "../../train/trainer";
import {
  cellOf,
  comparisonRows as gridComparisonRows,
  runGrid,
  wholeSplitEval,
  type CellResult,
  type GridCell,
  type SeedContext,
} from "../../train/grid";
import type { RecModel } from "../../models/types";
import { headBatch, modelInputs } from "../../models/inputs";
import { domainIds } from "../../models/layers/routing";
import { AdapterCell } from "../../models/layers/hyper-adapter";
import type { MdBackbone, MdBackboneConfig } from "../../models/baselines/md-backbones";
import { BASELINES as BASELINE_MODELS } from "../../models";
import type { ModelIndex } from "../../models/types";
import { PROFILES_ORDER, type Profile } from "../../util/profile";
import { HAMUR_ADAPTER_SMOKE, HAMUR_MLP, HAMUR_MODELS, OFFICIAL, OURS, structureConfig } from "./spec";
import type { BackboneKind } from "../../models/baselines/md-backbones";

/** The models of the notebook: the kit's baselines and HAMUR's. */
const MODELS: ModelIndex = { ...BASELINE_MODELS, ...HAMUR_MODELS };

type Presets = Partial<TrainConfig>;

/** What differs between the profiles: data ids, caps, seeds, train presets, model config. */
export interface HamurSettings {
  /** Registry id of the ml-1m set (the 100k-rating subset under smoke). */
  ml1m: string;
  /** Caps of the wider grid and ml-100k (the main comparison uses its set whole). */
  caps: SplitCaps;
  seeds: number[];
  wideSeeds: number[];
  ml100kSeeds: number[];
  synthRows: number;
  synthSeeds: number[];
  /** Seeds of the synthetic ablations other than the static adapter. */
  ablationSeeds: number[];
  /** Ranks k of the rank ablation. */
  ranks: number[];
  /** Test rows of the interference measurements. */
  interferenceRows: number;
  /**
   * Model config under every cell's: the embedding init and optimiser. Paper: the official example
   * (N(0, 1e-4) init, Adam lr 1e-3 with weight decay 1e-5, like the dense Adam); smoke: N(0, 1e-2)
   * and lr 1e-2, which train within the smoke budget (README, "Smoke vs official optimiser").
   */
  modelConfig: Record<string, unknown>;
  /** Train presets: the wider grids and ml-100k, the main comparison (to the validation optimum), the synthetic set. */
  train: { grid: Presets; main: Presets; synth: Presets };
}

const SMOKE_TRAIN: Presets = {
  numEpochs: 1,
  batchSize: 512,
  evalEverySteps: 8,
  logEverySteps: 8,
  optimizer: { kind: "adam", lr: 3e-3 },
  earlyStopping: null,
};
const PAPER_TRAIN: Presets = {
  numEpochs: 50,
  batchSize: 4096,
  evalEverySteps: 100,
  logEverySteps: 50,
  optimizer: { kind: "adam", lr: 1e-3, weightDecay: 1e-5 },
  earlyStopping: { metric: "auc", patience: 4, restoreBest: true },
};

export const PROFILES: Record<Profile, HamurSettings> = {
  smoke: {
    ml1m: "movielens-1m-subset",
    caps: { train: 16000, valid: 3000 },
    seeds: [1, 2, 3],
    wideSeeds: [1, 2, 3],
    ml100kSeeds: [1],
    synthRows: 8000,
    synthSeeds: [1, 2, 3],
    ablationSeeds: [1, 2],
    ranks: [2, 16],
    interferenceRows: 2048,
    modelConfig: { embedding: { optimizer: { lr: 1e-2 } } },
    train: {
      grid: SMOKE_TRAIN,
      main: {
        ...SMOKE_TRAIN,
        numEpochs: 4,
        evalEverySteps: 80,
        logEverySteps: 80,
        earlyStopping: { metric: "auc", patience: 1, restoreBest: true },
      },
      synth: { ...SMOKE_TRAIN, numEpochs: 2, evalEverySteps: 7, logEverySteps: 7 },
    },
  },
  paper: {
    ml1m: "movielens-1m",
    caps: {},
    seeds: [1, 2, 3, 4, 5],
    wideSeeds: [1, 2, 3, 4, 5],
    ml100kSeeds: [1, 2, 3],
    synthRows: 100000,
    synthSeeds: [1, 2, 3, 4, 5],
    ablationSeeds: [1, 2, 3, 4, 5],
    ranks: [8, 16, 64],
    interferenceRows: 8192,
    modelConfig: {
      embedding: {
        init: { kind: "normal", std: 1e-4 },
        optimizer: { kind: "adam", lr: 1e-3, weightDecay: 1e-5 },
      },
    },
    train: { grid: PAPER_TRAIN, main: PAPER_TRAIN, synth: PAPER_TRAIN },
  },
};

/**
 * Evaluation batch of the grids: the adapter's domain norm and STAR's partitioned norm use batch
 * statistics at evaluation too (no running statistics, as in the official code), so evaluation
 * runs on one batch of at least this many rows that also covers the whole valid / test split.
 */
export const EVAL_BATCH_SIZE = 32768;

// ---- cells -----------------------------------------------------------------------------------

/** The official structure (`OFFICIAL`, spec.ts) of backbone `kind` with or without the adapter, as a cell's model config. */
function official(
  kind: BackboneKind,
  withAdapter: boolean,
  adapter: Record<string, unknown> = {},
): Record<string, unknown> {
  const c = structureConfig(OFFICIAL[kind], withAdapter) as Record<string, unknown>;
  return withAdapter ? { ...c, adapter: { ...(c.adapter as object), ...adapter } } : c;
}

/** Every backbone with and without the adapter, in the official code's structure (the primary reproduction). */
export const CORE: GridCell[] = (["mlp", "wd", "dcn"] as const).flatMap((k) => [
  { label: k, model: `md-${k}`, modelConfig: official(k, false) },
  { label: `${k}+hamur`, model: `hamur-${k}`, modelConfig: official(k, true), baseline: k },
]);
/** The "w/o hyper-network" ablation: static adapter weights of the same shape (official structure otherwise). */
export const STATIC: GridCell = {
  label: "mlp+static",
  model: "hamur-mlp",
  modelConfig: official("mlp", true, { hyper: false }),
  baseline: "mlp",
};
/** One MLP for every domain, the domain id as a feature. */
export const SHARED: GridCell = { label: "shared-mlp", model: "shared-mlp" };
/**
 * The kit's earlier HAMUR (`OURS`, spec.ts), an ablation: per-domain adapters, Glorot U/V, no
 * BatchNorm, each tower on its own domain's rows (domain norm over the domain's rows).
 */
export const HAMUR_OURS: GridCell = {
  label: "mlp+hamur-ours",
  model: "hamur-mlp",
  modelConfig: structureConfig(OURS, true) as Record<string, unknown>,
  baseline: "mlp",
};
/** The multi-domain baselines of the wider grid. */
export const BASELINES: GridCell[] = ["md-shared-bottom", "md-mmoe", "md-ple", "star"].map((m) => ({
  label: m,
  model: m,
}));

/** The synthetic set's ablations: each departure from the official structure alone, then the rank. */
function ablations(s: HamurSettings): GridCell[] {
  const seeds = s.ablationSeeds;
  const mlp = (
    label: string,
    adapter: Record<string, unknown>,
    backbone: Record<string, unknown> = {},
  ): GridCell => ({
    label,
    model: "hamur-mlp",
    modelConfig: { ...official("mlp", true, adapter), ...backbone },
    baseline: "mlp",
    seeds,
  });
  return [
    STATIC,
    mlp("mlp+hamur-nodn", { domainNorm: false }),
    mlp("mlp+hamur-perdomain", { perDomain: true }),
    mlp("mlp+hamur-glorot", { uvInit: "glorot" }),
    mlp("mlp+hamur-nobn", {}, { batchNorm: false }),
    { ...HAMUR_OURS, seeds },
    {
      label: "wd-pertower",
      model: "md-wd",
      modelConfig: { ...official("wd", false), towers: "per-domain" },
      baseline: "wd",
      seeds,
    },
    ...s.ranks.map((k) => mlp(`mlp+hamur-k${k}`, { rank: k })),
  ];
}
export const ABLATIONS: Record<Profile, GridCell[]> = {
  smoke: ablations(PROFILES.smoke),
  paper: ablations(PROFILES.paper),
};

/** The notebook's data sets (keys are the `data` part of the measured keys). */
export type HamurDataName = "ml1m" | "ml1m-wide" | "ml100k" | "synthetic";
export type HamurData = Record<HamurDataName, Dataset>;

/** The grids, in notebook order: cells, seeds and train presets of each data set. */
export function gridOf(
  name: HamurDataName,
  prof: Profile,
): { cells: GridCell[]; seeds: number[]; presets: Presets } {
  const s = PROFILES[prof];
  switch (name) {
    case "ml1m":
      return { cells: [CORE[0], CORE[1], STATIC, SHARED, HAMUR_OURS], seeds: s.seeds, presets: s.train.main };
    case "ml1m-wide":
      return { cells: [...CORE.slice(2), ...BASELINES], seeds: s.wideSeeds, presets: s.train.grid };
    case "ml100k":
      return { cells: [...CORE, SHARED], seeds: s.ml100kSeeds, presets: s.train.grid };
    case "synthetic":
      return { cells: [...CORE, SHARED, ...ABLATIONS[prof]], seeds: s.synthSeeds, presets: s.train.synth };
  }
}

// ---- data ------------------------------------------------------------------------------------

/** The SYNTHETIC planted-conflict set (src/data/synthetic-multidomain.ts) split 70/10/20 with `seed + 1`. */
export function syntheticData(o: SyntheticMultiDomainOptions): Dataset {
  return splitDataset(syntheticMultiDomain(o).dataset, [0.7, 0.1, 0.2], o.seed + 1);
}

/** The four data sets of the notebook under profile `prof`. */
export async function loadData(prof: Profile): Promise<HamurData> {
  const s = PROFILES[prof];
  const ml1m = await loadDataset(s.ml1m);
  const ml100k = await loadDataset("movielens-100k");
  return {
    ml1m: capRows(ml1m),
    "ml1m-wide": capRows(ml1m, s.caps),
    ml100k: capRows(ml100k, s.caps),
    synthetic: syntheticData({ numRows: s.synthRows, numDomains: 2, vocabSize: 20, conflict: 1, seed: 11 }),
  };
}

/** Per data set and domain: train rows, share and click rate, and the valid / test sizes. */
export function domainRows(data: HamurData): Record<string, string | number>[] {
  return Object.entries(data).flatMap(([name, d]) =>
    groupSizes(d, "domain")
      .filter((g) => g.split === "train")
      .map((g) => ({
        data: name,
        id: d.meta.id,
        domain: g.group,
        "train rows": g.rows,
        share: g.share.toFixed(3),
        "click rate": g.positiveRate.toFixed(3),
        "valid / test rows": `${d.valid.numRows} / ${d.test.numRows}`,
      })),
  );
}

// ---- model: toy batch and parameter counts --------------------------------------------------

/**
 * The notebook's toy batch: 4 rows through the HAMUR MLP (smoke widths, official structure), with
 * the adapter's W1 = U1·H·V1 and W2 = U2·H·V2 materialised for row 0; and the official ones init
 * next to the Glorot init of the kit's ablation (distinct columns of W1 = bottleneck units that can
 * differ).
 */
export function toyAdapter(d: Dataset): {
  shapes: Record<string, string>[];
  init: Record<string, string | number>[];
} {
  const smoke = { ...HAMUR_MLP.defaults, ...HAMUR_MLP.presets.smoke } as MdBackboneConfig;
  const off = official("mlp", true) as Partial<MdBackboneConfig>;
  const model = HAMUR_MLP.build(
    d.schema,
    { ...smoke, ...off, adapter: { ...smoke.adapter!, ...off.adapter } },
    0,
  ) as MdBackbone;
  const toy = batches(d.train, { batchSize: 4 }).next().value!;
  const D = model.embeddings.embDim;
  const F = model.embeddings.numFields;
  const res = tf.tidy(() => {
    const { emb, num } = modelInputs(model, toy);
    const x0 = tf.concat([tf.reshape(emb, [4, F * D]), ...(num ? [num] : [])], 1) as tf.Tensor2D;
    const H = model.hyper!.matrices(x0, false); // [4, k, k], BatchNorm on its (initial) running statistics
    const H0 = tf.squeeze(tf.slice(H, [0, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D; // [k, k]
    const cell = model.cells[0][0];
    const { w1, w2 } = cell.weights(H0);
    const out = model.forward({ batch: toy, emb, num }, { training: false });
    const branch = out.internals!["adapter2.branchNorm"].dataSync();
    const input = out.internals!["adapter2.inputNorm"].dataSync();
    const ratio = Array.from(branch, (v, i) => v / input[i]);
    const shapes = [
      { tensor: "x0 (embeddings ‖ age)", shape: JSON.stringify(x0.shape) },
      { tensor: "H (hyper-network, one per row)", shape: JSON.stringify(H.shape) },
      { tensor: "U1, V1", shape: `${JSON.stringify(cell.u1.shape)}, ${JSON.stringify(cell.v1.shape)}` },
      {
        tensor: "W1 = U1·H0·V1, W2 = U2·H0·V2 (row 0)",
        shape: `${JSON.stringify(w1.shape)}, ${JSON.stringify(w2.shape)}`,
      },
      { tensor: "logit", shape: JSON.stringify(out.logits[0].shape) },
      { tensor: "‖adapter branch‖ / ‖input‖ per row", shape: ratio.map((v) => v.toFixed(2)).join(", ") },
    ];
    const glorotCell = new AdapterCell(cell.width, { ...HAMUR_ADAPTER_SMOKE, uvInit: "glorot" }, new Rng(0));
    const w1glorot = glorotCell.weights(H0).w1;
    const describe = (w: tf.Tensor2D) => {
      const cols = (tf.transpose(w).arraySync() as number[][]).map((c) => c.map((v) => v.toFixed(5)).join());
      const a = Array.from(w.dataSync());
      return {
        "W1 entries": `${Math.min(...a).toFixed(3)} … ${Math.max(...a).toFixed(3)}`,
        "distinct columns (bottleneck units)": new Set(cols).size,
        of: w.shape[1],
      };
    };
    const init = [
      { init: "ones (official code, the `official` preset)", ...describe(w1) },
      { init: "Glorot (the kit's ablation)", ...describe(w1glorot) },
    ];
    tf.dispose(glorotCell.variables());
    return { shapes, init };
  });
  model.dispose();
  return res;
}

/**
 * Dense and embedding parameters of every model of the notebook on `d`'s schema under `prof`; the
 * backbones in the official structure and, for the MLP, in the kit's earlier one (`OURS`).
 */
export function paramRows(d: Dataset, prof: Profile): Record<string, string | number>[] {
  const rows: [string, string, Record<string, unknown>][] = [
    ...(["mlp", "wd", "dcn"] as const).flatMap((k): [string, string, Record<string, unknown>][] => [
      [`md-${k}`, "official", official(k, false)],
      [`hamur-${k}`, "official", official(k, true)],
    ]),
    ["hamur-mlp", "ours", structureConfig(OURS, true) as Record<string, unknown>],
    ...["shared-mlp", "star", "md-shared-bottom", "md-mmoe", "md-ple"].map(
      (id): [string, string, Record<string, unknown>] => [id, "kit", {}],
    ),
  ];
  return rows.map(([id, structure, over]) => {
    const spec = MODELS[id];
    const base = { ...spec.defaults, ...spec.presets[prof] } as Record<string, unknown>;
    const adapter = over.adapter
      ? { ...(base.adapter as object), ...(over.adapter as object) }
      : base.adapter;
    const m = spec.build(
      d.schema,
      { ...base, ...over, ...(adapter !== undefined ? { adapter } : {}) } as never,
      0,
    );
    const pc = m.paramCount();
    m.dispose();
    return {
      model: id,
      structure,
      name: spec.name,
      "dense params": pc.dense,
      "embedding params": pc.embedding,
    };
  });
}

// ---- train -----------------------------------------------------------------------------------

/** The interference measurements of one trained model (runGrid's `inspect` hook, last seed). */
export function interference(
  s: SeedContext,
  rows: number,
): { adapterRatio: Record<string, number>; gradCosine: Record<string, number> } {
  const names = s.data.schema.groups.find((g) => g.name === "domain")?.names;
  const sample = headBatch(s.data.test, rows);
  return {
    adapterRatio: adapterRatioPerDomain(s.model, sample, "domain", names),
    gradCosine: domainGradientCosine(s.model, sample, "domain", names),
  };
}

/** Trains the grid of data set `name` (see `gridOf`). */
export function runData(
  name: HamurDataName,
  data: HamurData,
  prof: Profile,
  opts: { verbose?: boolean } = {},
): Promise<CellResult[]> {
  const s = PROFILES[prof];
  const g = gridOf(name, prof);
  return runGrid({
    paper: "hamur",
    models: MODELS,
    dataName: name,
    data: data[name],
    cells: g.cells,
    seeds: g.seeds,
    presets: wholeSplitEval(
      Object.fromEntries(PROFILES_ORDER.map((p) => [p, gridOf(name, p).presets])),
      data[name],
      EVAL_BATCH_SIZE,
    ),
    profile: prof,
    modelConfig: s.modelConfig,
    groupAxis: "domain",
    verbose: opts.verbose ?? false,
    inspect: (ctx) => interference(ctx, s.interferenceRows),
  });
}

/** The progress line after a grid: epochs trained / best epoch per seed of every cell. */
export function epochsLine(results: readonly CellResult[]): string {
  return results
    .map(
      (r) =>
        `${r.data}.${r.label} ${r.histories.map((h) => h.epochs.length).join("/")} / ${r.histories.map((h) => h.bestEpoch).join("/")}`,
    )
    .join(", ");
}

/** The comparison table: the kit's, ΔAUC against the backbone without adapter, epochs trained (tested epoch). */
export function comparisonRows(results: readonly CellResult[]): Record<string, string | number>[] {
  return gridComparisonRows(results, {
    extra: (r) => ({
      "epochs (best)": r.histories
        .map((h) =>
          h.bestEpoch > 0 && h.bestEpoch !== h.epochs.length
            ? `${h.epochs.length} (${h.bestEpoch})`
            : `${h.epochs.length}`,
        )
        .join(", "),
    }),
  });
}

/** Scenario-Wise-Rec benchmark AUCs on the complete ml-1m split (emb 16, batch 4096, Adam 1e-3, early stopping). */
export const SWR_ML1M_AUC: Record<string, number> = {
  "md-shared-bottom": 0.8095,
  "md-mmoe": 0.8086,
  "md-ple": 0.8091,
  star: 0.8096,
};

/** Our baselines against the Scenario-Wise-Rec reference, and the main comparison's MLPs for scale. */
export function referenceRows(results: readonly CellResult[], data: HamurData): Record<string, string>[] {
  return [
    ...Object.entries(SWR_ML1M_AUC).map(([label, paper]) => {
      const m = summariseSeeds(cellOf(results, label, "ml1m-wide").metrics.auc);
      return {
        model: label,
        "Scenario-Wise-Rec ml-1m AUC": String(paper),
        ours: formatMeanStd(m),
        delta: (m.mean - paper).toFixed(4),
        data: data["ml1m-wide"].meta.id,
      };
    }),
    ...["mlp", "mlp+hamur"].map((label) => {
      const m = summariseSeeds(cellOf(results, label, "ml1m").metrics.auc);
      return {
        model: label,
        "Scenario-Wise-Rec ml-1m AUC": "—",
        ours: formatMeanStd(m),
        delta: "—",
        data: `${data.ml1m.meta.id}, early stopping`,
      };
    }),
  ];
}

// ---- interference measurements --------------------------------------------------------------

/**
 * Interference view 1: mean ‖adapter branch‖ / ‖adapter input‖ per domain (first adapter cell)
 * on `batch` in evaluation mode; how strongly the adapter rewrites each domain's hidden state.
 * Empty for models without an adapter.
 */
export function adapterRatioPerDomain(
  model: RecModel,
  batch: Batch,
  axis = "domain",
  names?: string[],
): Record<string, number> {
  const { emb, num } = modelInputs(model, batch);
  let arrays: { branch: ArrayLike<number>; input: ArrayLike<number> } | null = null;
  tf.tidy(() => {
    const out = model.forward({ batch, emb, num }, { training: false });
    const bk = Object.keys(out.internals ?? {}).find((k) => k.endsWith(".branchNorm"));
    if (bk)
      arrays = {
        branch: out.internals![bk].dataSync(),
        input: out.internals![bk.replace("branchNorm", "inputNorm")].dataSync(),
      };
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
export function domainGradientCosine(
  model: RecModel,
  batch: Batch,
  axis = "domain",
  names?: string[],
): Record<string, number> {
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
    for (let b = 0; b < batch.size; b++) if (ids[b] === g) ((w[b] = 1), n++);
    const vec = new Float64Array(total);
    grads.push(vec);
    if (n === 0) continue;
    const wt = tf.tensor1d(w.map((x) => x / n));
    const ge = tf.tidy(() =>
      tf.grad((e: tf.Tensor) => {
        const out = model.forward({ batch, emb: e as tf.Tensor3D, num }, { training: false });
        return tf.sum(
          tf.mul(
            tf.losses.sigmoidCrossEntropy(y, out.logits[0], undefined, undefined, tf.Reduction.NONE),
            wt,
          ),
        ) as tf.Scalar;
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
