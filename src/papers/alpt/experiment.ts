/**
 * The ALPT notebook's experiment grid (notebook 08-alpt, sections "train", "evaluate", "ablation"):
 * each (variant, bit width) of an ALPT spec trained over seeds through `runExperiment` (one run
 * record each), reduced to what the tables, figures and claims need: per-seed test AUC / log loss,
 * validation curves against steps, the learned step-size trace and the tables' measured memory.
 *
 * Measured keys (what claims.json relations name):
 *   `${data}.${model}.fp32.auc`, `${data}.${model}.b${bits}.${label}.auc|logloss`,
 *   `${data}.${model}.b${bits}.${label}.memRatio` (weights + step sizes over fp32 weights, measured),
 *   `${data}.${model}.b${bits}.${label}.intCodes` (1 when the trained table's buffer is an Int8/16Array),
 *   `${data}.${model}.b${bits}.gain` (per seed: ALPT AUC − LPT-sto AUC, same seed).
 */
import type { StepRecord, TrainConfig } from "../../train/trainer";
import { runExperiment, type ExperimentData, type Profile } from "../../train/experiment";
import { summariseSeeds, compareSpread, formatMeanStd } from "../../metrics/seeds";
import type { DeepPartial } from "../../report/config";
import type { AlptFields, AlptModel, AlptVariant, StepTracePoint } from "./spec";

/** One cell of the grid: a variant at a bit width, optionally with ALPT field overrides (ablations). */
export interface VariantSpec {
  variant: AlptVariant;
  bits: 2 | 4 | 8 | 16;
  /** Name in keys and tables; default the variant ("fp32", "lpt-det", "lpt-sto", "alpt"). */
  label?: string;
  overrides?: Partial<AlptFields>;
}

export interface GridRun {
  data: string;
  model: string;
  variant: AlptVariant;
  label: string;
  /** 32 for fp32. */
  bits: number;
  seeds: number[];
  auc: number[];
  logloss: number[];
  /** Validation curves per seed (loss every logEverySteps, AUC every evalEverySteps). */
  curves: StepRecord[][];
  /** Learned step sizes over training (last seed; empty unless variant "alpt"). */
  stepTrace: StepTracePoint[];
  memory: { weightBytes: number; stepBytes: number; fp32WeightBytes: number; ratio: number; buffer: string };
  wallSecPerSeed: number;
  recordPath: string;
}

export interface GridOptions {
  /** Name of the data set in keys ("criteo"). */
  dataName: string;
  data: ExperimentData;
  /** Model id in MODELS ("alpt-dnn"). */
  model: string;
  variants: VariantSpec[];
  seeds: number[];
  trainPresets: Partial<Record<Profile, Partial<TrainConfig>>>;
  modelConfig?: DeepPartial<AlptFields & { embedding: unknown; hidden: number[] }>;
  profile: Profile;
  /** Print the resolved config of the first cell. Default true. */
  verbose?: boolean;
}

/** Label of a grid cell. */
export function labelOf(v: VariantSpec): string {
  return v.label ?? v.variant;
}

/** Train every cell of a grid (one runExperiment each), keep the summaries, dispose the models. */
export async function runGrid(o: GridOptions): Promise<GridRun[]> {
  const out: GridRun[] = [];
  for (const [i, v] of o.variants.entries()) {
    const label = labelOf(v);
    const bits = v.variant === "fp32" ? 32 : v.bits;
    const res = await runExperiment({
      paper: "alpt",
      model: o.model,
      data: o.data,
      seeds: o.seeds,
      modelConfig: { ...(o.modelConfig ?? {}), ...(v.overrides ?? {}), variant: v.variant, bits: v.bits } as never,
      trainPresets: o.trainPresets,
      runId: `${o.dataName}-${o.model}-${label}${v.variant === "fp32" ? "" : bits}-${o.profile}`,
      verbose: (o.verbose ?? true) && i === 0,
      notes: [`ALPT grid cell: variant ${v.variant}, ${bits} bits, label ${label}`],
    });
    const model = res.model as AlptModel | null;
    const head = Object.keys(res.runs[0].test)[0];
    const mem = model!.embeddings.memory();
    out.push({
      data: o.dataName,
      model: o.model,
      variant: v.variant,
      label,
      bits,
      seeds: o.seeds,
      auc: res.runs.map((r) => r.test[head].auc),
      logloss: res.runs.map((r) => r.test[head].logloss),
      curves: res.runs.map((r) => r.history.steps),
      stepTrace: model ? [...model.stepTrace] : [],
      memory: {
        weightBytes: mem.weightBytes,
        stepBytes: mem.stepBytes,
        fp32WeightBytes: mem.fp32WeightBytes,
        ratio: (mem.weightBytes + mem.stepBytes) / mem.fp32WeightBytes,
        buffer: model!.embeddings.tables[0].weights.constructor.name,
      },
      wallSecPerSeed: res.runs.reduce((s, r) => s + r.wallSec, 0) / res.runs.length,
      recordPath: res.recordPath,
    });
    model?.dispose();
    res.trainer?.optimizer.dispose();
  }
  return out;
}

/** Key prefix of a run: `${data}.${model}.fp32` or `${data}.${model}.b${bits}.${label}`. */
export function runKey(r: Pick<GridRun, "data" | "model" | "bits" | "label">): string {
  return r.label === "fp32" ? `${r.data}.${r.model}.fp32` : `${r.data}.${r.model}.b${r.bits}.${r.label}`;
}

/** Per-seed measured values of a grid for claims (see the module header for the keys). */
export function measuredFromGrid(runs: readonly GridRun[]): Record<string, number[]> {
  const m: Record<string, number[]> = {};
  for (const r of runs) {
    const k = runKey(r);
    m[`${k}.auc`] = r.auc;
    m[`${k}.logloss`] = r.logloss;
    m[`${k}.memRatio`] = [r.memory.ratio];
    m[`${k}.intCodes`] = [r.memory.buffer === "Int8Array" || r.memory.buffer === "Int16Array" ? 1 : 0];
  }
  for (const r of runs) {
    if (r.label !== "alpt") continue;
    const base = runs.find((x) => x.data === r.data && x.model === r.model && x.bits === r.bits && x.label === "lpt-sto");
    if (base) m[`${r.data}.${r.model}.b${r.bits}.gain`] = r.auc.map((a, i) => a - base.auc[i]);
  }
  return m;
}

/** The final comparison table: per run, AUC / log loss mean ± std, difference to FP32 with the tie rule, memory. */
export function comparisonRows(runs: readonly GridRun[]): Record<string, string | number>[] {
  return runs.map((r) => {
    const fp = runs.find((x) => x.data === r.data && x.model === r.model && x.label === "fp32");
    const row: Record<string, string | number> = {
      data: r.data,
      model: r.model,
      variant: r.label,
      bits: r.bits,
      "AUC (mean ± std)": formatMeanStd(summariseSeeds(r.auc)),
      "logloss (mean ± std)": formatMeanStd(summariseSeeds(r.logloss)),
    };
    if (fp && r !== fp) {
      const c = compareSpread(r.auc, fp.auc);
      row["ΔAUC vs FP32"] = `${c.diff >= 0 ? "+" : ""}${c.diff.toFixed(4)}${c.tie ? " (inside spread)" : ""}`;
      const l = compareSpread(r.logloss, fp.logloss);
      row["Δlogloss vs FP32"] = `${l.diff >= 0 ? "+" : ""}${l.diff.toFixed(4)}${l.tie ? " (inside spread)" : ""}`;
    } else {
      row["ΔAUC vs FP32"] = "—";
      row["Δlogloss vs FP32"] = "—";
    }
    row["table bytes (measured)"] = r.memory.weightBytes + r.memory.stepBytes;
    row["memory vs FP32 (measured)"] = Number(r.memory.ratio.toFixed(4));
    row["memory vs FP32 if codes were packed"] = Number(packedRatio(r).toFixed(4));
    row["buffer"] = r.memory.buffer;
    return row;
  });
}

/**
 * Weights + steps over fp32 if b-bit codes were bit-packed (computed, not measured: the kit holds
 * 2- and 4-bit codes one per Int8).
 */
export function packedRatio(r: GridRun): number {
  if (r.bits >= 32) return 1;
  return (r.memory.fp32WeightBytes * (r.bits / 32) + r.memory.stepBytes) / r.memory.fp32WeightBytes;
}
