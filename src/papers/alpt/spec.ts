/**
 * ALPT: Adaptive Low-Precision Training for embeddings in CTR prediction (Li, Guo, Hou, Zhang,
 * Tang, Tang, Zhang, Li; AAAI 2023, arXiv 2212.05735). Notebook 08-alpt, sections "model" and "train".
 *
 * ALPT is not a new network: it is a way of storing and training the embedding tables of any CTR
 * backbone. So this module turns a backbone spec (DNN, DCN) into an ALPT spec whose config adds a
 * `variant` and a bit width; the variant is mapped to the tables' precision by a declared table:
 *
 *   fp32      full-precision tables (the reference);
 *   lpt-det   LPT (paper, LPT part): integer codes stored during training, fixed step Δ, round to nearest;
 *   lpt-sto   LPT with stochastic rounding ⌊x/Δ + u⌋ (paper, LPT part: the rounding the convergence analysis favours);
 *   alpt      ALPT (paper, ALPT part): LPT whose step sizes are learned by gradient descent (LSQ
 *             gradient ∂ŵ/∂Δ = round(v) − v inside the range, qmin/qmax outside; `stepGrad` chooses
 *             the one-pass form, Hetu's two-pass form or the pre-issue-12 rule as an ablation; see
 *             src/engine/embedding-table.ts), stochastic rounding of the stored codes by default.
 *
 * The quantised storage and the step-size update live in the kit's EmbeddingTable; this wrapper
 * adds a trace of the learned step sizes (summary every `traceEvery` steps) for the figures.
 */
import type { DatasetSchema } from "../../data/schema";
import type { PrecisionConfig, Rounding, StepGradient } from "../../engine/embedding-table";
import {
  defineModel,
  type BaseModelConfig,
  type ForwardOutput,
  type ModelContext,
  type ModelIndex,
  type ModelInputs,
  type ModelSpec,
  type ParamCount,
  type RecModel,
  type StepInfo,
} from "../../models/types";
import type { Batch } from "../../data/schema";
import type { tf } from "../../engine/tf";
import type { EmbeddingCollection } from "../../engine/embedding-collection";
import { DCN } from "../../models/baselines/dcn";
import { DNN } from "../../models/baselines/dnn";

export type AlptVariant = "fp32" | "lpt-det" | "lpt-sto" | "alpt";

export const ALPT_VARIANTS: readonly AlptVariant[] = ["fp32", "lpt-det", "lpt-sto", "alpt"];

/** Config fields ALPT adds to a backbone's config. */
export interface AlptFields {
  /** Training scheme of the embeddings (see the module header). Default "alpt". */
  variant: AlptVariant;
  /** Bits per code (b). Default 8. Ignored by "fp32". */
  bits: 2 | 4 | 8 | 16;
  /**
   * One step size per row ("row", the Hetu re-implementation's choice and our default) or one per
   * table, i.e. per field ("table"). Default "row".
   */
  stepGranularity: "row" | "table";
  /** Largest magnitude representable with the initial step: Δ0 = clipRange / (2^(b-1) − 1). Default 0.05. */
  clipRange: number;
  /** Rounding of the "alpt" variant. Default "stochastic" (the paper's). */
  alptRounding: Rounding;
  /**
   * Learning rate of Δ relative to Δ0 (Adam), so that one value fits every bit width:
   * lr_Δ = stepLr · Δ0. Default 0.01. (Hetu: absolute `scale_lr` 2e-5.)
   */
  stepLr: number;
  /** LSQ gradient scale 1/√(n·qmax) on gΔ. Default true. */
  stepGradScale: boolean;
  /**
   * Δ's gradient (src/engine/embedding-table.ts): "lsq" (default: one pass, LSQ residual of
   * round-to-nearest(w'/Δ) against the batch gradient), "two-pass" (Hetu: the model re-run on
   * Δ·round(w'/Δ), twice the cost) or "legacy-sr" (ablation: the rule before issue 12, the stored
   * stochastic residual, zero in expectation).
   */
  stepGrad: StepGradient;
  /** Record step-size statistics every this many steps; 0 = never. Default 10. */
  traceEvery: number;
}

export type AlptConfig<C extends BaseModelConfig = BaseModelConfig> = C & AlptFields;

export const ALPT_DEFAULTS: AlptFields = {
  variant: "alpt",
  bits: 8,
  stepGranularity: "row",
  clipRange: 0.05,
  alptRounding: "stochastic",
  stepLr: 0.01,
  stepGradScale: true,
  stepGrad: "lsq",
  traceEvery: 10,
};

/** Variant -> table precision (declared, not dispatched). */
export const VARIANT_PRECISION: Record<AlptVariant, (c: AlptFields) => PrecisionConfig> = {
  fp32: () => ({ kind: "fp32" }),
  "lpt-det": (c) => ({
    kind: "int",
    bits: c.bits,
    rounding: "deterministic",
    stepGranularity: c.stepGranularity,
    clipRange: c.clipRange,
  }),
  "lpt-sto": (c) => ({
    kind: "int",
    bits: c.bits,
    rounding: "stochastic",
    stepGranularity: c.stepGranularity,
    clipRange: c.clipRange,
  }),
  alpt: (c) => ({
    kind: "int",
    bits: c.bits,
    rounding: c.alptRounding,
    stepGranularity: c.stepGranularity,
    clipRange: c.clipRange,
    learnStep: {
      lr: c.stepLr * (c.clipRange / (2 ** (c.bits - 1) - 1)),
      gradScale: c.stepGradScale,
      optimizer: "adam",
      stepGrad: c.stepGrad,
    },
  }),
};

/** Step sizes after `step` training steps, relative to Δ0, over the rows whose Δ has moved. */
export interface StepTracePoint {
  step: number;
  /** Rows (over all tables) whose Δ differs from Δ0. */
  learnedRows: number;
  /** Mean, 10th, 50th and 90th percentile of Δ/Δ0 over those rows (1 when none). */
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  /** Δ0 of the tables (same for all). */
  initStep: number;
}

/** Summary of the step sizes of a collection: over rows whose Δ left its initial value. */
export function stepTracePoint(embeddings: EmbeddingCollection, step: number): StepTracePoint | null {
  const vals: number[] = [];
  let init = 0;
  for (const t of embeddings.tables) {
    if (!t.steps) return null;
    init = t.initStep;
    const s = t.steps;
    for (let i = 0; i < s.length; i++) if (s[i] !== Math.fround(t.initStep)) vals.push(s[i] / t.initStep);
  }
  if (vals.length === 0) return { step, learnedRows: 0, mean: 1, p10: 1, p50: 1, p90: 1, initStep: init };
  vals.sort((a, b) => a - b);
  const q = (p: number) => vals[Math.min(vals.length - 1, Math.floor(p * vals.length))];
  return {
    step,
    learnedRows: vals.length,
    mean: vals.reduce((a, b) => a + b, 0) / vals.length,
    p10: q(0.1),
    p50: q(0.5),
    p90: q(0.9),
    initStep: init,
  };
}

/** Percentiles of Δ/Δ0 over one class of rows at one trace point. */
export interface StepBand {
  mean: number;
  p10: number;
  p50: number;
  p90: number;
}

/** Δ/Δ0 over training for frequent and rare rows (`AlptModel.stepTraceByFrequency`). */
export interface FrequencyStepTrace {
  /** Lookups in training of the rows counted as frequent (at least) and as rare (at most). */
  frequentMinLookups: number;
  rareMaxLookups: number;
  /** Rows of each class in the traced sample. */
  frequentRows: number;
  rareRows: number;
  points: { step: number; frequent: StepBand; rare: StepBand }[];
}

/** Most rows whose Δ the frequency trace keeps (every k-th row beyond). */
export const TRACE_ROW_LIMIT = 50000;

function band(vals: number[]): StepBand {
  if (vals.length === 0) return { mean: 1, p10: 1, p50: 1, p90: 1 };
  const v = [...vals].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, p10: q(0.1), p50: q(0.5), p90: q(0.9) };
}

/** A backbone whose embedding tables follow an ALPT variant; records the step sizes over training. */
export class AlptModel<C extends BaseModelConfig = BaseModelConfig> implements RecModel {
  readonly id: string;
  readonly schema: DatasetSchema;
  readonly embeddings: EmbeddingCollection;
  readonly heads: string[];
  /** Step-size summaries every `traceEvery` steps (empty for fp32 and fixed-step variants' Δ stays Δ0). */
  readonly stepTrace: StepTracePoint[] = [];
  readonly loss?: (out: ForwardOutput, batch: Batch) => tf.Scalar;
  /** Training lookups per table row (ALPT tables; counted in training forwards). */
  readonly lookups: Int32Array[];
  /** Traced rows ([table, row] pairs, every k-th row up to TRACE_ROW_LIMIT) and their Δ/Δ0 at each trace point. */
  private readonly tracedRows: [number, number][] = [];
  private readonly traceSnapshots: { step: number; ratio: Float32Array }[] = [];

  constructor(
    id: string,
    readonly backbone: RecModel,
    readonly config: AlptConfig<C>,
  ) {
    this.id = id;
    this.schema = backbone.schema;
    this.embeddings = backbone.embeddings;
    this.heads = backbone.heads;
    if (backbone.loss) this.loss = backbone.loss.bind(backbone);
    const learned = config.variant === "alpt" && config.traceEvery > 0;
    this.lookups = learned ? this.embeddings.tables.map((t) => new Int32Array(t.rows)) : [];
    if (learned) {
      const total = this.embeddings.tables.reduce((a, t) => a + t.rows, 0);
      const every = Math.max(1, Math.ceil(total / TRACE_ROW_LIMIT));
      let at = 0;
      this.embeddings.tables.forEach((t, ti) => {
        for (let r = 0; r < t.rows; r++, at++) if (at % every === 0) this.tracedRows.push([ti, r]);
      });
    }
  }

  variables(): tf.Variable[] {
    return this.backbone.variables();
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    if (ctx.training && this.lookups.length > 0) {
      const ft = this.embeddings.fieldTable;
      inputs.batch.cat.forEach((ids, f) => {
        const c = this.lookups[ft[f]];
        for (let b = 0; b < inputs.batch.size; b++) c[ids[b]]++;
      });
    }
    return this.backbone.forward(inputs, ctx);
  }

  afterStep(info: StepInfo): void {
    this.backbone.afterStep?.(info);
    const every = this.config.traceEvery;
    if (this.config.variant === "alpt" && every > 0 && info.globalStep % every === 0) {
      const p = stepTracePoint(this.embeddings, info.globalStep);
      if (p) this.stepTrace.push(p);
      const tables = this.embeddings.tables;
      if (tables[0]?.steps && tables[0].steps.length === tables[0].rows) {
        const ratio = Float32Array.from(
          this.tracedRows,
          ([t, r]) => tables[t].steps![r] / tables[t].initStep,
        );
        this.traceSnapshots.push({ step: info.globalStep, ratio });
      }
    }
  }

  /**
   * Δ/Δ0 over training for frequent and rare rows (per-row Δ only; empty points otherwise). Rows are
   * classed by their training lookups at the end: "frequent" the top 10% of the looked-up traced
   * rows, "rare" the bottom half (ties at the cut included). Two-pass training counts each batch
   * twice, which leaves the classes unchanged.
   */
  stepTraceByFrequency(): FrequencyStepTrace {
    const counts = this.tracedRows.map(([t, r]) => this.lookups[t][r]);
    const seen = counts.filter((c) => c > 0).sort((a, b) => a - b);
    const hi = seen.length > 0 ? seen[Math.min(seen.length - 1, Math.floor(0.9 * seen.length))] : 0;
    const lo = seen.length > 0 ? seen[Math.floor(0.5 * (seen.length - 1))] : 0;
    const frequent = counts.flatMap((c, i) => (c > 0 && c >= hi ? [i] : []));
    const rare = counts.flatMap((c, i) => (c > 0 && c <= lo && c < hi ? [i] : []));
    return {
      frequentMinLookups: hi,
      rareMaxLookups: lo,
      frequentRows: frequent.length,
      rareRows: rare.length,
      points: this.traceSnapshots.map(({ step, ratio }) => ({
        step,
        frequent: band(frequent.map((i) => ratio[i])),
        rare: band(rare.map((i) => ratio[i])),
      })),
    };
  }

  paramCount(): ParamCount {
    return this.backbone.paramCount();
  }

  getConfig(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.config)) as Record<string, unknown>;
  }

  dispose(): void {
    this.backbone.dispose();
  }
}

/** The backbone config an ALPT config resolves to: the variant's precision in the embedding config. */
export function backboneConfig<C extends BaseModelConfig>(config: AlptConfig<C>): C {
  return {
    ...config,
    embedding: { ...config.embedding, precision: VARIANT_PRECISION[config.variant](config) },
  };
}

/** Turns a backbone spec into its ALPT spec ("alpt-<backbone>"). */
export function alptSpec<C extends BaseModelConfig>(backbone: ModelSpec<C>): ModelSpec<AlptConfig<C>> {
  const id = `alpt-${backbone.id}`;
  return {
    id,
    name: `ALPT (${backbone.name})`,
    paper: {
      title: "Adaptive Low-Precision Training for Embeddings in Click-Through Rate Prediction",
      venue: "AAAI 2023",
      url: "https://arxiv.org/abs/2212.05735",
    },
    task: "ctr",
    defaults: { ...backbone.defaults, ...ALPT_DEFAULTS },
    presets: {
      smoke: { ...backbone.presets.smoke } as Partial<AlptConfig<C>>,
      paper: { ...backbone.presets.paper } as Partial<AlptConfig<C>>,
    },
    requires: (schema) => backbone.requires(schema),
    build: (schema, config, seed) =>
      new AlptModel(id, backbone.build(schema, backboneConfig(config), seed), config),
  };
}

/** ALPT on the DNN backbone (the paper's and Hetu's main CTR model family). */
export const ALPT_DNN = alptSpec(DNN);
/** ALPT on DCN, the second backbone. */
export const ALPT_DCN = alptSpec(DCN);

/** The models this paper adds to the kit's index. */
export const ALPT_MODELS: ModelIndex = {
  "alpt-dnn": defineModel(ALPT_DNN),
  "alpt-dcn": defineModel(ALPT_DCN),
};
