/**
 * The ALPT notebook's experiment (notebook 08-alpt, sections "data", "model", "train", "evaluate",
 * "ablation", "C2 under control", "speed"): the per-profile settings, the grid cells (a variant at
 * a bit width on a backbone, optionally with ALPT field overrides), the measurement hooks for the
 * kit's one grid runner (`runGrid`, src/train/grid.ts), and thin functions the notebook calls.
 *
 * Cells are labelled `${model}.fp32` or `${model}.b${bits}.${variant label}` ("alpt-dnn.b8.alpt"),
 * so the grid's measured keys `${data}.${label}.${metric}` read
 *   `criteo.alpt-dnn.fp32.auc`, `criteo.alpt-dnn.b2.lpt-sto.auc|logloss` (per seed, test split),
 *   `criteo.alpt-dnn.b8.alpt.memRatio` (weights + step sizes over fp32 weights, measured from the
 *   trained tables' buffers; the same value every seed),
 *   `criteo.alpt-dnn.b8.alpt.intCodes` (1 when the trained table's buffer is an Int8/16Array).
 * ALPT's gain over fixed-step LPT (C3b) is a claims expression over these keys
 * (`{"diff": [...alpt.auc, ...lpt-sto.auc]}`, paired by seed), not a key of its own. The convex
 * check (convex.ts) adds `convex.${bits}bit.${det|sto}.finalDist|meanLogDist` (`runConvex`).
 */
import * as fs from "fs";
import * as path from "path";
import { loadDataset } from "../../data";
import { batches } from "../../data/batches";
import type { Dataset } from "../../data/dataset";
import type { DatasetSchema } from "../../data/schema";
import { compareSpread, formatMeanStd, summariseSeeds } from "../../metrics/seeds";
import type { RecModel } from "../../models/types";
import { comparisonRows, runGrid, type CellResult, type GridCell, type SeedContext } from "../../train/grid";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";
import { projectRoot } from "../../util/root";
import { convexProblem, meanLogDistance, quantisedSgd, type QuantisedSgdResult } from "./convex";
import {
  ALPT_DNN,
  ALPT_MODELS,
  type AlptFields,
  type AlptModel,
  type AlptVariant,
  type FrequencyStepTrace,
  type StepTracePoint,
} from "./spec";

/** What a profile sets: data ids, seeds, bit widths, training and model config. */
export interface AlptSettings {
  data: { criteo: string; avazu: string };
  /** Seeds of the DNN cells (both data sets) and of the ablation. */
  seeds: number[];
  /** Seeds of the DCN cells (Criteo). */
  dcnSeeds: number[];
  bits: readonly (8 | 4 | 2)[];
  /** Training config (the grid's preset layer). */
  train: Partial<TrainConfig>;
  /**
   * Model config under every cell's own: the step-size trace interval and Δ's learning rate
   * (`stepLr`; smoke 0.1 so that the ~120-step budget does not cap Δ's movement, README "Δ's
   * learning rate and the smoke budget"; paper the default 0.01 over thousands of steps).
   */
  modelConfig: Partial<AlptFields>;
}

export const PROFILES: Record<Profile, AlptSettings> = {
  smoke: {
    data: { criteo: "criteo-8k", avazu: "avazu-9k" },
    seeds: [1, 2, 3, 4, 5],
    dcnSeeds: [1, 2, 3],
    bits: [8, 4, 2],
    train: {
      numEpochs: 4,
      batchSize: 256,
      evalEverySteps: 8,
      logEverySteps: 4,
      earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
    },
    modelConfig: { traceEvery: 4, stepLr: 0.1 },
  },
  paper: {
    data: { criteo: "criteo-kaggle", avazu: "avazu-kaggle" },
    seeds: [1, 2, 3, 4, 5],
    dcnSeeds: [1, 2, 3, 4, 5],
    bits: [8, 4, 2],
    train: {
      numEpochs: 3,
      batchSize: 4096,
      evalEverySteps: 2000,
      logEverySteps: 100,
      earlyStopping: { metric: "auc", patience: 1, restoreBest: true },
    },
    modelConfig: { traceEvery: 200 },
  },
};

/** The training presets of every profile, as runGrid takes them. */
export const TRAIN_PRESETS: Partial<Record<Profile, Partial<TrainConfig>>> = Object.fromEntries(
  Object.entries(PROFILES).map(([p, s]) => [p, s.train]),
);

/** One cell of the grid as data: a variant at a bit width, optionally with ALPT field overrides (ablations). */
export interface VariantSpec {
  variant: AlptVariant;
  bits: 2 | 4 | 8 | 16;
  /** Name in labels and tables; default the variant ("fp32", "lpt-det", "lpt-sto", "alpt"). */
  label?: string;
  overrides?: Partial<AlptFields>;
}

/** Grid label of a variant on a backbone: `${model}.fp32` or `${model}.b${bits}.${label}`. */
export function cellLabel(model: string, v: VariantSpec): string {
  const label = v.label ?? v.variant;
  return label === "fp32" ? `${model}.fp32` : `${model}.b${v.bits}.${label}`;
}

/** The variant label and bit width (32 for fp32) of a grid cell, read back from its label. */
export function variantOf(r: Pick<CellResult, "label" | "model">): { variant: string; bits: number } {
  const rest = r.label.slice(r.model.length + 1);
  const m = /^b(\d+)\.(.+)$/.exec(rest);
  return m ? { variant: m[2], bits: Number(m[1]) } : { variant: rest, bits: 32 };
}

/** Grid cells of `variants` on backbone `model`; each is compared with the backbone's FP32 cell in tables. */
export function cellsOf(model: string, variants: readonly VariantSpec[]): GridCell[] {
  return variants.map((v) => ({
    label: cellLabel(model, v),
    model,
    modelConfig: { ...(v.overrides ?? {}), variant: v.variant, bits: v.bits },
    ...(v.variant === "fp32" ? {} : { baseline: `${model}.fp32` }),
  }));
}

/** FP32, then LPT-det, LPT-sto and ALPT at each bit width of the profile. */
export function mainVariants(s: AlptSettings): VariantSpec[] {
  return [
    { variant: "fp32", bits: 8 },
    ...s.bits.flatMap((bits) =>
      (["lpt-det", "lpt-sto", "alpt"] as const).map((variant) => ({ variant, bits })),
    ),
  ];
}

/** The DCN backbone's cells: FP32 and the variants at 8 and 2 bits. */
export function dcnVariants(s: AlptSettings): VariantSpec[] {
  return mainVariants(s).filter((v) => v.variant === "fp32" || v.bits === 8 || v.bits === 2);
}

/** Bit widths of the ablation. */
export const ABLATION_BITS = [4, 2] as const;

/**
 * Each change to ALPT alone, at 4 and 2 bits (Criteo, DNN); "alpt-frozen" is the noise control,
 * "alpt-twopass" Hetu's exact two-pass Δ gradient, "alpt-legacy" the rule before issue 12
 * (stochastic residual, zero in expectation).
 */
export const ABLATIONS: readonly VariantSpec[] = ABLATION_BITS.flatMap((bits) => [
  { variant: "alpt" as const, bits, label: "alpt-twopass", overrides: { stepGrad: "two-pass" as const } },
  { variant: "alpt" as const, bits, label: "alpt-legacy", overrides: { stepGrad: "legacy-sr" as const } },
  { variant: "alpt" as const, bits, label: "alpt-noscale", overrides: { stepGradScale: false } },
  {
    variant: "alpt" as const,
    bits,
    label: "alpt-det",
    overrides: { alptRounding: "deterministic" as const },
  },
  { variant: "alpt" as const, bits, label: "alpt-table", overrides: { stepGranularity: "table" as const } },
  { variant: "alpt" as const, bits, label: "alpt-frozen", overrides: { stepLr: 1e-6 } },
]);

/** Δ learning rates (relative to Δ0, `stepLr`) of the sweep at 2 and 4 bits, besides the profile's. */
export const STEP_LR_SWEEP = [0.01, 0.3] as const;

/** The Δ learning-rate sweep: ALPT at each `STEP_LR_SWEEP` value, at 4 and 2 bits (Criteo, DNN). */
export const LR_SWEEP: readonly VariantSpec[] = ABLATION_BITS.flatMap((bits) =>
  STEP_LR_SWEEP.map((lr) => ({
    variant: "alpt" as const,
    bits,
    label: `alpt-lr${lr}`,
    overrides: { stepLr: lr },
  })),
);

/** Rows of the ablation table and figure, in order, with their names. */
export const ABLATION_NAMES: Record<string, string> = {
  "lpt-sto": "step fixed (LPT-sto)",
  "alpt-frozen": "ALPT code path, Δ lr ≈ 0 (control)",
  "alpt-twopass": "two-pass Δ gradient (Hetu)",
  "alpt-legacy": "legacy Δ gradient (stochastic residual, before issue 12)",
  "alpt-noscale": "no grad scale",
  "alpt-det": "deterministic rounding",
  "alpt-table": "per-field Δ",
  "lpt-det": "fixed step + det. rounding",
};

/** Measured table memory of a trained ALPT model (weights + step sizes over fp32 weights). */
export interface TableMemory {
  weightBytes: number;
  stepBytes: number;
  fp32WeightBytes: number;
  ratio: number;
  /** Constructor name of the first table's weight buffer ("Int8Array", "Float32Array"). */
  buffer: string;
}

export function tableMemory(model: RecModel): TableMemory {
  const emb = (model as AlptModel).embeddings;
  const mem = emb.memory();
  return {
    weightBytes: mem.weightBytes,
    stepBytes: mem.stepBytes,
    fp32WeightBytes: mem.fp32WeightBytes,
    ratio: (mem.weightBytes + mem.stepBytes) / mem.fp32WeightBytes,
    buffer: emb.tables[0].weights.constructor.name,
  };
}

/** Per-seed measurement hook: the trained tables' memory ratio and whether they hold integer codes. */
export function measure(s: SeedContext): Record<string, number> {
  const mem = tableMemory(s.model);
  return { memRatio: mem.ratio, intCodes: mem.buffer === "Int8Array" || mem.buffer === "Int16Array" ? 1 : 0 };
}

/** Last-seed inspection hook: the learned step-size traces (all rows; frequent vs rare rows) and the memory details. */
export function inspect(s: SeedContext): {
  stepTrace: StepTracePoint[];
  freqTrace: FrequencyStepTrace;
  memory: TableMemory;
} {
  const m = s.model as AlptModel;
  return { stepTrace: [...m.stepTrace], freqTrace: m.stepTraceByFrequency(), memory: tableMemory(s.model) };
}

/** The frequent-vs-rare step-size trace a cell's inspection kept (null but for per-row ALPT cells). */
export function freqTraceOf(r: CellResult): FrequencyStepTrace | null {
  const t = r.inspected.freqTrace as FrequencyStepTrace | undefined;
  return t && t.points.length > 0 ? t : null;
}

/** The step-size trace a cell's inspection kept (empty but for ALPT cells). */
export function stepTraceOf(r: CellResult): StepTracePoint[] {
  return (r.inspected.stepTrace as StepTracePoint[] | undefined) ?? [];
}

/** The memory a cell's inspection measured. */
export function memoryOf(r: CellResult): TableMemory {
  return r.inspected.memory as TableMemory;
}

/** The profile's Criteo and Avazu samples (sha256-verified by the registry). */
export async function loadData(profile: Profile): Promise<{ criteo: Dataset; avazu: Dataset }> {
  const s = PROFILES[profile];
  return { criteo: await loadDataset(s.data.criteo), avazu: await loadDataset(s.data.avazu) };
}

/** Per data set: splits, categorical fields, embedding rows, click rate. */
export function dataTable(data: Record<string, Dataset>): Record<string, string | number>[] {
  return Object.entries(data).map(([name, d]) => ({
    data: name,
    id: d.meta.id,
    "train / valid / test rows": `${d.train.numRows} / ${d.valid.numRows} / ${d.test.numRows}`,
    "categorical fields": d.schema.features.filter((f) => f.kind === "categorical").length,
    "embedding rows": d.schema.features.reduce((s, f) => s + (f.kind === "categorical" ? f.vocabSize : 0), 0),
    "train click rate": (d.train.labels[0].reduce((a, b) => a + b, 0) / d.train.numRows).toFixed(3),
  }));
}

/**
 * The toy batch: a 4-bit ALPT DNN on two rows of field 0 (codes, Δ, Δ·q), and the measured memory
 * of freshly built tables per variant and bit width.
 */
export function toyTables(data: Dataset): {
  rows: Record<string, string | number>[];
  memory: Record<string, string | number>[];
} {
  const schema: DatasetSchema = data.schema;
  const toyModel = ALPT_DNN.build(schema, { ...ALPT_DNN.defaults, hidden: [8], variant: "alpt", bits: 4 }, 0);
  const toy = batches(data.train, { batchSize: 2 }).next().value!;
  const table0 = toyModel.embeddings.tables[toyModel.embeddings.fieldTable[0]];
  const rows = Array.from({ length: toy.size }, (_, b) => toy.cat[0][b]).map((id) => {
    const deq = new Float32Array(table0.dim);
    table0.readRow(id, deq);
    return {
      field: table0.name,
      id,
      "codes q (first 6)": Array.from(table0.weights.subarray(id * table0.dim, id * table0.dim + 6)).join(
        ", ",
      ),
      Δ: table0.stepOf(id).toExponential(3),
      "Δ·q (first 6)": Array.from(deq.subarray(0, 6), (v) => v.toFixed(4)).join(", "),
    };
  });
  const memory = (["fp32", "lpt-sto", "alpt"] as const).flatMap((variant) =>
    (variant === "fp32" ? [32] : [8, 4, 2]).map((bits) => {
      const m = ALPT_DNN.build(
        schema,
        { ...ALPT_DNN.defaults, hidden: [8], variant, bits: (bits === 32 ? 8 : bits) as 8 | 4 | 2 },
        0,
      );
      const mem = m.embeddings.memory();
      m.dispose();
      return {
        variant,
        bits,
        buffer: m.embeddings.tables[0].weights.constructor.name,
        "weight bytes": mem.weightBytes,
        "step bytes": mem.stepBytes,
        "(weights + steps) / fp32": ((mem.weightBytes + mem.stepBytes) / mem.fp32WeightBytes).toFixed(4),
        "optimiser bytes": mem.optimizerBytes,
      };
    }),
  );
  toyModel.dispose();
  return { rows, memory };
}

function grid(
  dataName: string,
  data: Dataset,
  model: string,
  variants: readonly VariantSpec[],
  seeds: number[],
  profile: Profile,
  verbose: boolean,
  figuresDir?: string,
): Promise<CellResult[]> {
  const s = PROFILES[profile];
  return runGrid({
    paper: "alpt",
    models: ALPT_MODELS,
    dataName,
    data,
    cells: cellsOf(model, variants),
    seeds,
    presets: TRAIN_PRESETS,
    profile,
    modelConfig: s.modelConfig,
    verbose,
    measure,
    inspect,
    figuresDir,
  });
}

/** The main grid: DNN on Criteo and Avazu (every variant and bit width), DCN on Criteo (FP32, 8 and 2 bits). */
export async function runMain(
  data: { criteo: Dataset; avazu: Dataset },
  profile: Profile,
): Promise<CellResult[]> {
  const s = PROFILES[profile];
  const out: CellResult[] = [];
  for (const [name, d] of Object.entries(data))
    out.push(...(await grid(name, d, "alpt-dnn", mainVariants(s), s.seeds, profile, name === "criteo")));
  out.push(...(await grid("criteo", data.criteo, "alpt-dcn", dcnVariants(s), s.dcnSeeds, profile, false)));
  return out;
}

/** The ablation grid on Criteo (DNN). */
export function runAblation(data: { criteo: Dataset }, profile: Profile): Promise<CellResult[]> {
  return grid("criteo", data.criteo, "alpt-dnn", ABLATIONS, PROFILES[profile].seeds, profile, false);
}

/** The Δ learning-rate sweep on Criteo (DNN), at 4 and 2 bits; `figuresDir` for exploratory runs. */
export function runLrSweep(
  data: { criteo: Dataset },
  profile: Profile,
  figuresDir?: string,
): Promise<CellResult[]> {
  return grid(
    "criteo",
    data.criteo,
    "alpt-dnn",
    LR_SWEEP,
    PROFILES[profile].seeds,
    profile,
    false,
    figuresDir,
  );
}

/**
 * The sweep's table: per bit width, LPT-sto (Δ fixed), then ALPT at each Δ learning rate (the
 * profile's included) with the AUC difference to LPT-sto (paired by seed, the spread rule) and the
 * median Δ/Δ0 of frequent and rare rows at the end of training (last seed).
 */
export function lrSweepRows(
  results: readonly CellResult[],
  profile: Profile,
): Record<string, string | number>[] {
  const base = PROFILES[profile].modelConfig.stepLr ?? 0.01;
  return ABLATION_BITS.flatMap((bits) => {
    const ref = cellAt(results, "criteo", "alpt-dnn", "lpt-sto", bits)!;
    const lrs = [...new Set([...STEP_LR_SWEEP, base])].sort((a, b) => a - b);
    const rows = lrs.map((lr) => ({
      lr,
      r: cellAt(results, "criteo", "alpt-dnn", lr === base ? "alpt" : `alpt-lr${lr}`, bits)!,
    }));
    return [{ lr: 0, r: ref }, ...rows].map(({ lr, r }) => {
      const last = freqTraceOf(r)?.points.at(-1);
      return {
        bits,
        "Δ lr (× Δ0)": lr === 0 ? "0 (LPT-sto)" : `${lr}${lr === base ? " (profile)" : ""}`,
        AUC: formatMeanStd(summariseSeeds(r.metrics.auc)),
        "Δ vs LPT-sto": r === ref ? "—" : signedDiff(r.metrics.auc, ref.metrics.auc),
        "Δ/Δ0 frequent (median, end)": last ? last.frequent.p50.toFixed(3) : "1",
        "Δ/Δ0 rare (median, end)": last ? last.rare.p50.toFixed(3) : "1",
      };
    });
  });
}

function signedDiff(a: number[], b: number[]): string {
  const c = compareSpread(a, b);
  return `${c.diff >= 0 ? "+" : ""}${c.diff.toFixed(4)}${c.tie ? " (inside spread)" : ""}`;
}

/**
 * Weights + steps over fp32 if b-bit codes were bit-packed (computed, not measured: the kit holds
 * 2- and 4-bit codes one per Int8).
 */
export function packedRatio(r: CellResult): number {
  const bits = variantOf(r).bits;
  const m = memoryOf(r);
  if (bits >= 32) return 1;
  return (m.fp32WeightBytes * (bits / 32) + m.stepBytes) / m.fp32WeightBytes;
}

/** The final comparison table: AUC / log loss mean ± std, differences to FP32 with the tie rule, measured memory. */
export function comparisonTable(results: readonly CellResult[]): Record<string, string | number>[] {
  return comparisonRows(results, {
    perGroup: false,
    extra: (r) => {
      const fp = results.find((x) => x.data === r.data && x.label === `${r.model}.fp32`);
      const m = memoryOf(r);
      return {
        ...variantOf(r),
        "Δlogloss vs FP32": fp && fp !== r ? signedDiff(r.metrics.logloss, fp.metrics.logloss) : "—",
        "table bytes (measured)": m.weightBytes + m.stepBytes,
        "memory vs FP32 (measured)": Number(m.ratio.toFixed(4)),
        "memory vs FP32 if codes were packed": Number(packedRatio(r).toFixed(4)),
        buffer: m.buffer,
      };
    },
  });
}

/** The cell of variant `variant` at `bits` of `model` on `data` (fp32 ignores bits). */
export function cellAt(
  results: readonly CellResult[],
  data: string,
  model: string,
  variant: string,
  bits: number,
): CellResult | undefined {
  const label = variant === "fp32" ? `${model}.fp32` : `${model}.b${bits}.${variant}`;
  return results.find((r) => r.data === data && r.label === label);
}

/** The ablation table: per bit width, ALPT, then each setting with its AUC difference to ALPT (same rule). */
export function ablationRows(results: readonly CellResult[]): Record<string, string | number>[] {
  return ABLATION_BITS.flatMap((bits) => {
    const ref = cellAt(results, "criteo", "alpt-dnn", "alpt", bits)!;
    const rows = Object.keys(ABLATION_NAMES).map((l) => ({
      name: ABLATION_NAMES[l],
      r: cellAt(results, "criteo", "alpt-dnn", l, bits)!,
    }));
    return [{ name: "ALPT (learned per-row Δ, stochastic, grad scale)", r: ref }, ...rows].map(
      ({ name, r }) => ({
        bits,
        setting: name,
        AUC: formatMeanStd(summariseSeeds(r.metrics.auc)),
        "Δ vs ALPT": r === ref ? "—" : signedDiff(r.metrics.auc, ref.metrics.auc),
      }),
    );
  });
}

/** Bits, rounding seeds and results of the convex C2 check (SYNTHETIC). */
export interface ConvexRuns {
  runs: { bits: number; det: QuantisedSgdResult[]; sto: QuantisedSgdResult[] }[];
  fp32: QuantisedSgdResult;
  /** `convex.${bits}bit.${det|sto}.finalDist|meanLogDist`, per rounding seed. */
  measured: Record<string, number[]>;
  table: Record<string, string | number>[];
}

/** The convex C2 check: quantised SGD with deterministic vs stochastic rounding at 4, 6 and 8 bits, five rounding seeds each. */
export function runConvex(
  bitsList: readonly number[] = [4, 6, 8],
  seeds: readonly number[] = [1, 2, 3, 4, 5],
): ConvexRuns {
  const problem = convexProblem({ seed: 1 });
  const clip = 1.5 * Math.max(...Array.from(problem.wStar, Math.abs));
  const runs = bitsList.map((bits) => ({
    bits,
    det: seeds.map((seed) =>
      quantisedSgd(problem, { rounding: "deterministic", bits, clipRange: clip, seed }),
    ),
    sto: seeds.map((seed) => quantisedSgd(problem, { rounding: "stochastic", bits, clipRange: clip, seed })),
  }));
  const fp32 = quantisedSgd(problem, { rounding: "fp32", clipRange: clip, seed: 1 });
  const measured: Record<string, number[]> = {};
  for (const r of runs) {
    for (const mode of ["det", "sto"] as const) {
      measured[`convex.${r.bits}bit.${mode}.finalDist`] = r[mode].map((x) => x.dist[x.dist.length - 1]);
      measured[`convex.${r.bits}bit.${mode}.meanLogDist`] = r[mode].map(meanLogDistance);
    }
  }
  const table = runs.map((r) => ({
    bits: r.bits,
    Δ: r.det[0].delta.toFixed(4),
    "grid floor ‖Q(w*) − w*‖": r.det[0].gridFloor.toFixed(4),
    "final ‖w − w*‖ det": formatMeanStd(summariseSeeds(measured[`convex.${r.bits}bit.det.finalDist`])),
    "final ‖w − w*‖ sto": formatMeanStd(summariseSeeds(measured[`convex.${r.bits}bit.sto.finalDist`])),
    "fp32 SGD": fp32.dist[fp32.dist.length - 1].toFixed(4),
  }));
  return { runs, fp32, measured, table };
}

/**
 * Speed: the kit benchmark's last result (bench/results/alpt.json, `node dist/bench/alpt.js`), then
 * the grid's wall time per seed relative to FP32 (Criteo, DNN; includes evaluation).
 */
export function speedRows(results: readonly CellResult[]): Record<string, string>[] {
  const benchFile = projectRoot() + "/bench/results/alpt.json";
  const bench = fs.existsSync(benchFile) ? JSON.parse(fs.readFileSync(benchFile, "utf8")) : null;
  const dnn = results.filter((r) => r.data === "criteo" && r.model === "alpt-dnn");
  const fpWall = cellAt(dnn, "criteo", "alpt-dnn", "fp32", 32)!.wallSecPerSeed;
  return [
    ...(bench
      ? bench.rows.map((r: { setup: string; msPerStepMedian: number; ratioToFp32: number }) => ({
          source: `bench (${bench.backend}, ${bench.createdAt.slice(0, 10)})`,
          setup: r.setup,
          "ms / step": r.msPerStepMedian.toFixed(0),
          "× FP32": r.ratioToFp32.toFixed(3),
        }))
      : [
          {
            source: "bench",
            setup: "no bench/results/alpt.json: run node dist/bench/alpt.js",
            "ms / step": "",
            "× FP32": "",
          },
        ]),
    ...dnn
      .filter((r) => variantOf(r).bits !== 32)
      .map((r) => ({
        source: "this grid (criteo, s/seed)",
        setup: `${variantOf(r).variant} int${variantOf(r).bits}`,
        "ms / step": "",
        "× FP32": (r.wallSecPerSeed / fpWall).toFixed(3),
      })),
  ];
}

/** Run records of grid cells, relative to the project root (the notebook's record list). */
export function recordPaths(results: readonly CellResult[]): string[] {
  return results.map((r) => path.relative(projectRoot(), r.recordPath));
}
