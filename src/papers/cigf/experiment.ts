/**
 * The CIGF notebook's experiment (notebook 06-cigf): per-profile settings, the data sets, the
 * cells of every grid, the gradient-conflict measurement, and thin functions the notebook calls.
 * Every grid goes through the kit's graph grid runner (`runGraphGrid`, src/train/graph-grid.ts):
 *
 *   measured keys `${data}.${label}.hr@10 | ndcg@10 | mrr | full.hr@10 | full.ndcg@10`, per seed,
 *   and `${data}.${label}.gradCos` (mean cosine between the behaviour tasks' gradients on the
 *   shared ID embeddings, per seed, measured after training on one fixed batch).
 */
import {
  graphStats,
  loadMultiBehaviour,
  subsampleUsers,
  syntheticMultiBehaviour,
  type MultiBehaviourData,
} from "../../data/graph";
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { formatMeanStd, summariseSeeds, compareSpread } from "../../metrics/seeds";
import { GRAPH_BASELINES } from "../../models";
import type { GraphModel, GraphModelIndex } from "../../models/graph/types";
import { bprLoss, sampleBprPairs, type GraphTrainConfig } from "../../train/graph-trainer";
import {
  runGraphGrid,
  type GraphCellResult,
  type GraphGridCell,
  type GraphSeedContext,
} from "../../train/graph-grid";
import type { Profile } from "../../util/profile";
import { CIGF_MODELS } from "./spec";

export const MODELS: GraphModelIndex = { ...GRAPH_BASELINES, ...CIGF_MODELS };

export type CigfDataName = "tmall" | "beibei" | "synthetic";

export interface CigfSettings {
  /** Registry ids of Tmall and Beibei. */
  tmall: string;
  beibei: string;
  /** Deterministic subsample (null = the whole set). */
  subsample: { maxUsers: number; maxItems: number; seed: number } | null;
  seeds: number[];
  /** Training per data set (official: 100 epochs, batch 256, 40 pairs, Adam 1e-3 × 0.96 per epoch, reg 1e-2). */
  train: GraphTrainConfig;
  /** Layers per data set (official: Tmall 4, others 2). */
  layers: Record<CigfDataName, number>;
  /** Layer counts of the layer ablation. */
  layerAblation: number[];
  synthetic: { numUsers: number; numItems: number };
}

const OFFICIAL_TRAIN: GraphTrainConfig = {
  numEpochs: 100,
  batchUsers: 256,
  usersPerEpoch: 10000,
  pairsPerUser: 40,
  lr: 1e-3,
  lrDecay: 0.96,
  reg: 1e-2,
  ks: [10],
  fullRankingUsers: 2000,
};

export const PROFILES: Record<Profile, CigfSettings> = {
  smoke: {
    tmall: "tmall-mbcgcn",
    beibei: "beibei-ghcf",
    subsample: { maxUsers: 900, maxItems: 700, seed: 1 },
    seeds: [1, 2, 3],
    // Smoke: 6 epochs of every user at lr 1e-2 (the official 1e-3 does not move in 6 epochs), 4 pairs.
    train: { ...OFFICIAL_TRAIN, numEpochs: 6, pairsPerUser: 4, lr: 1e-2, fullRankingUsers: 100 },
    layers: { tmall: 2, beibei: 2, synthetic: 2 },
    layerAblation: [1, 3],
    synthetic: { numUsers: 240, numItems: 160 },
  },
  paper: {
    tmall: "tmall-mbgmn",
    beibei: "beibei-mbgmn",
    subsample: null,
    seeds: [1, 2, 3],
    train: OFFICIAL_TRAIN,
    layers: { tmall: 4, beibei: 2, synthetic: 2 },
    layerAblation: [1, 2, 3],
    synthetic: { numUsers: 2000, numItems: 1000 },
  },
};

// ---- cells -----------------------------------------------------------------------------------

/** C3: CIGF against single-behaviour LightGCN, LightGCN on the merged graph and the GHCF-style baseline. */
export const MAIN: GraphGridCell[] = [
  { label: "lightgcn", model: "lightgcn" },
  { label: "lightgcn-merged", model: "lightgcn-merged" },
  { label: "ghcf-style", model: "ghcf-style" },
  { label: "cigf", model: "cigf" },
];
/** C1: the same model with per-behaviour propagation only (no messages through the other graphs). */
export const NO_CIG: GraphGridCell = {
  label: "cigf-per-behaviour",
  model: "cigf",
  modelConfig: { encoder: "per-behaviour" },
  baseline: "cigf",
};
/** C2: each decoder of the official code on the CIGCN encoder. */
export const DECODERS: GraphGridCell[] = (["bilinear", "shared-bottom", "mmoe", "ple"] as const).map((d) => ({
  label: `cigf-${d}`,
  model: "cigf",
  modelConfig: { decoder: d },
  baseline: "cigf",
}));

/** Layer ablation cells (the default layer count is the main cell). */
export function layerCells(s: CigfSettings, name: CigfDataName): GraphGridCell[] {
  return s.layerAblation
    .filter((l) => l !== s.layers[name])
    .map((l) => ({ label: `cigf-L${l}`, model: "cigf", modelConfig: { numLayers: l }, baseline: "cigf" }));
}

export const ABLATIONS = { noCig: NO_CIG, decoders: DECODERS, layerCells };

/** The cells of data set `name` under `prof`, in notebook order. */
export function gridOf(name: CigfDataName, prof: Profile): GraphGridCell[] {
  const s = PROFILES[prof];
  if (name === "beibei") return [...MAIN, NO_CIG];
  if (name === "tmall") return [...MAIN, NO_CIG, ...DECODERS];
  return [...MAIN, NO_CIG, ...DECODERS, ...layerCells(s, name)];
}

// ---- data ------------------------------------------------------------------------------------

export type CigfData = Partial<Record<CigfDataName, MultiBehaviourData>> & { missing: string[] };

/** The data sets under `prof`; a real set that is missing offline is reported in `missing`, not thrown. */
export async function loadData(prof: Profile): Promise<CigfData> {
  const s = PROFILES[prof];
  const out: CigfData = {
    missing: [],
    synthetic: syntheticMultiBehaviour({
      ...s.synthetic,
      behaviours: ["view", "cart", "buy"],
      latentDim: 4,
      perUser: [12, 6, 4],
      seed: 7,
    }),
  };
  for (const name of ["tmall", "beibei"] as const) {
    try {
      const d = await loadMultiBehaviour(s[name]);
      out[name] = s.subsample ? subsampleUsers(d, s.subsample) : d;
    } catch (e) {
      out.missing.push(`${name} (${s[name]}): ${(e as Error).message}`);
    }
  }
  return out;
}

/** Users, items, edges per behaviour of every loaded set. */
export function dataRows(data: CigfData): Record<string, string | number>[] {
  return (["tmall", "beibei", "synthetic"] as const).flatMap((n) =>
    data[n] ? graphStats(data[n]!).map((r) => ({ set: n, ...r })) : [],
  );
}

// ---- gradient conflict -----------------------------------------------------------------------

/**
 * Cosine between the gradients of every pair of behaviour tasks' BPR losses with respect to the
 * shared ID embeddings, on one batch (the first `users` users, pairs drawn with seed 0): below 0,
 * one task's update undoes the other's. Returns the mean over pairs and each pair.
 */
export function taskGradientCosine(
  model: GraphModel,
  d: MultiBehaviourData,
  users = 256,
  pairsPerUser = 4,
): { mean: number; pairs: Record<string, number> } {
  const shared = model.sharedVariables();
  const us = Int32Array.from({ length: Math.min(users, d.numUsers) }, (_, i) => i);
  const B = d.behaviours.length;
  const grads: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    const pairs = sampleBprPairs(d, b, us, pairsPerUser, new Rng(b));
    const g = tf.variableGrads(() => bprLoss(model, model.encode(true), b, pairs), shared);
    const flat = shared.map((v) => g.grads[v.name].dataSync());
    const n = flat.reduce((s, a) => s + a.length, 0);
    const vec = new Float64Array(n);
    let o = 0;
    for (const a of flat) (vec.set(a, o), (o += a.length));
    grads.push(vec);
    tf.dispose([g.value, ...Object.values(g.grads)]);
  }
  const pairs: Record<string, number> = {};
  for (let a = 0; a < B; a++) {
    for (let b = a + 1; b < B; b++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < grads[a].length; i++)
        ((dot += grads[a][i] * grads[b][i]), (na += grads[a][i] ** 2), (nb += grads[b][i] ** 2));
      pairs[`${d.behaviours[a]}|${d.behaviours[b]}`] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : NaN;
    }
  }
  const vals = Object.values(pairs);
  return { mean: vals.reduce((s, v) => s + v, 0) / vals.length, pairs };
}

// ---- train -----------------------------------------------------------------------------------

/** Trains the grid of data set `name`. */
export function runData(
  name: CigfDataName,
  d: MultiBehaviourData,
  prof: Profile,
): Promise<GraphCellResult[]> {
  const s = PROFILES[prof];
  return runGraphGrid({
    paper: "cigf",
    models: MODELS,
    dataName: name,
    data: d,
    cells: gridOf(name, prof),
    seeds: s.seeds,
    train: s.train,
    profile: prof,
    modelConfig: { numLayers: s.layers[name] },
    measure: (c: GraphSeedContext): Record<string, number> =>
      c.model.lossBehaviours.length > 1 ? { gradCos: taskGradientCosine(c.model, c.data).mean } : {},
    inspect: (c: GraphSeedContext) => {
      const enc = tf.tidy(() => c.model.encode(false).layerNorms?.clone());
      const layerNorms = enc ? Array.from(enc.dataSync()) : [];
      enc?.dispose();
      return {
        layerNorms,
        gradPairs: c.model.lossBehaviours.length > 1 ? taskGradientCosine(c.model, c.data).pairs : {},
      };
    },
  });
}

/** The comparison table: HR@10, NDCG@10 (sampled and full), gradient cosine, Δ to the reference. */
export function comparisonRows(results: readonly GraphCellResult[]): Record<string, string | number>[] {
  const f = (v?: number[]) => (v && v.length ? formatMeanStd(summariseSeeds(v)) : "—");
  return results.map((r) => {
    const ref = r.baseline
      ? results.find((x) => x.data === r.data && x.label === r.baseline)
      : results.find((x) => x.data === r.data && x.label === "cigf");
    const c = ref && ref !== r ? compareSpread(r.metrics["hr@10"], ref.metrics["hr@10"]) : null;
    return {
      data: r.data,
      cell: r.label,
      "HR@10": f(r.metrics["hr@10"]),
      "NDCG@10": f(r.metrics["ndcg@10"]),
      "full HR@10": f(r.metrics["full.hr@10"]),
      "grad cos": f(r.metrics.gradCos),
      "ΔHR@10 vs cigf": c
        ? `${c.diff >= 0 ? "+" : ""}${c.diff.toFixed(4)}${c.tie ? " (inside spread)" : ""}`
        : "—",
      params: r.paramCount.embedding + r.paramCount.dense,
      "s / seed": r.wallSecPerSeed.toFixed(1),
    };
  });
}

/** The toy batch of the model section: shapes through CIGCN and MESI for 4 pairs. */
export function toyBatch(d: MultiBehaviourData): Record<string, string>[] {
  const spec = MODELS.cigf;
  const m = spec.build(d, { ...spec.defaults, numLayers: 2 }, 0);
  const out = tf.tidy(() => {
    const enc = m.encode(false);
    const u = Int32Array.of(0, 1, 2, 3);
    const i = Int32Array.of(0, 1, 2, 3);
    const s = m.score(enc, d.behaviours.length - 1, u, i);
    return [
      { tensor: "E⁰ = [U⁰; I⁰]", shape: `[${d.numUsers + d.numItems}, ${spec.defaults.embDim}]` },
      ...enc.users.map((x, b) => ({
        tensor: `U_${d.behaviours[b]}, I_${d.behaviours[b]} (behaviour-specific)`,
        shape: `${JSON.stringify(x.shape)}, ${JSON.stringify(enc.items[b].shape)}`,
      })),
      {
        tensor: "‖layer term‖ (target)",
        shape: Array.from(enc.layerNorms!.dataSync(), (v) => v.toFixed(3)).join(", "),
      },
      {
        tensor: "MESI scores ŷ_buy (4 pairs)",
        shape: `${JSON.stringify(s.shape)}: ${Array.from(s.dataSync(), (v) => v.toFixed(3)).join(", ")}`,
      },
    ];
  });
  m.dispose();
  return out;
}
