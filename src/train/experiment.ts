/**
 * Experiments: what a notebook cell runs. One call resolves the config (defaults < profile preset
 * < notebook overrides < environment, printed with the source of every key), trains one model per
 * seed through the trainer, evaluates on the test split (overall and per group), and writes a run
 * record (`run.json`) with the per-seed metrics that claim comparisons read.
 */
import * as path from "path";
import { capRows, type Dataset } from "../data/dataset";
import { envInteger } from "../engine/env";
import { projectRoot } from "../util/root";
import { getBackendInfo, initBackend } from "../engine/backend";
import { BASELINES } from "../models";
import { specOf, type BaseModelConfig, type ModelSpec, type RecModel } from "../models/types";
import { summariseSeeds, type SeedSummary } from "../metrics";
import {
  configFromEnv,
  environmentInfo,
  formatConfig,
  resolveConfig,
  writeRunRecord,
  type DeepPartial,
  type RunRecord,
} from "../report";
import { validateTrainConfig } from "./validate";
import { openRunProgress } from "./progress";
import { DEFAULT_TRAIN_CONFIG, Trainer, type Evaluation, type History, type TrainConfig } from "./trainer";

export { profile, type Profile } from "../util/profile";
import { profile, type Profile } from "../util/profile";

/** Environment variables of the "environment" config layer (highest precedence). */
export const EXPERIMENT_ENV_KEYS: Readonly<Record<string, string>> = {
  RECREPRO_EPOCHS: "train.numEpochs",
  RECREPRO_BATCH_SIZE: "train.batchSize",
  RECREPRO_LR: "train.optimizer.lr",
  RECREPRO_MAX_STEPS: "train.maxStepsPerEpoch",
};

/**
 * RECREPRO_MAX_ROWS=N caps every split of every experiment at its first N rows (a tiny budget for
 * exercising the paper profile's code path in CI); null when unset. The cap is recorded in the
 * data id and fingerprint of the run record.
 */
export function maxRowsFromEnv(): number | null {
  const n = envInteger("RECREPRO_MAX_ROWS", 0, { min: 1 });
  return n > 0 ? n : null;
}

/**
 * RECREPRO_SEEDS="1,2,3" overrides the seeds a notebook asks for; null when unset. Every entry
 * must be an integer >= 0 ("1,,2" is refused, not read as 1,0,2) and no seed may repeat (a
 * repeated seed would report a spread of zero between identical runs).
 */
export function seedsFromEnv(): number[] | null {
  const raw = process.env.RECREPRO_SEEDS;
  if (!raw || !raw.trim()) return null;
  const parts = raw.split(",").map((x) => x.trim());
  const bad = parts.findIndex((x) => !/^\d+$/.test(x) || !Number.isSafeInteger(Number(x)));
  if (bad >= 0)
    throw new Error(
      `RECREPRO_SEEDS="${raw}" must be comma-separated integers >= 0; entry ${bad + 1} is ${JSON.stringify(parts[bad])}`,
    );
  const seeds = parts.map(Number);
  checkSeeds(seeds, `RECREPRO_SEEDS="${raw}"`);
  return seeds;
}

/** Refuses an empty seed list, non-integer or negative seeds, and repeated seeds. */
export function checkSeeds(seeds: readonly number[], where: string): void {
  if (seeds.length === 0) throw new Error(`${where}: no seeds; give at least one`);
  const bad = seeds.find((x) => !Number.isSafeInteger(x) || x < 0);
  if (bad !== undefined) throw new Error(`${where}: seed ${bad} is not an integer >= 0`);
  const dup = seeds.find((x, i) => seeds.indexOf(x) !== i);
  if (dup !== undefined)
    throw new Error(
      `${where}: seed ${dup} appears twice; repeated seeds give identical runs and a fake zero spread`,
    );
}

/**
 * The checkpoint file of one seed of one run: `<dir>/<name>.<runId>.seed<seed><ext>` for
 * `checkpointPath` = `<dir>/<name><ext>`, so the seeds of a multi-seed run (and different run
 * ids sharing one path) never overwrite or refuse each other's checkpoints. Empty stays empty.
 */
export function seedCheckpointPath(checkpointPath: string, runId: string, seed: number): string {
  if (!checkpointPath) return "";
  const ext = path.extname(checkpointPath);
  const base = ext ? checkpointPath.slice(0, -ext.length) : checkpointPath;
  const safeRun = runId.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${base}.${safeRun}.seed${seed}${ext}`;
}

/** A data set ready for training: the kit's one dataset type (src/data/dataset.ts). */
export type ExperimentData = Dataset;

export interface ExperimentOptions<C extends BaseModelConfig = BaseModelConfig> {
  /** Paper id; the record goes to figures/<paper>/<runId>/run.json. */
  paper: string;
  /** The model's spec, or the id of a baseline in BASELINES (a paper's own models are passed as specs). */
  model: string | ModelSpec<BaseModelConfig>;
  data: ExperimentData;
  /** Seeds; one model is trained per seed. Default [2022]; RECREPRO_SEEDS overrides. */
  seeds?: number[];
  /** Model config over the spec's defaults and profile preset. */
  modelConfig?: DeepPartial<C>;
  /** Training config per profile (the "preset" layer). */
  trainPresets?: Partial<Record<Profile, Partial<TrainConfig>>>;
  /** Training config set by the notebook (the "override" layer). */
  trainConfig?: Partial<TrainConfig>;
  /** Group axis for per-group metrics (default: the schema's first, if any). */
  groupAxis?: string;
  /** Default `${model}-${profile}`. */
  runId?: string;
  /** Folder that receives <runId>/run.json. Default <project root>/figures/<paper>. */
  figuresDir?: string;
  /** Keep the last seed's model alive for inspection (default true); others are disposed. */
  keepModel?: boolean;
  /** Called with each seed's trained model after its test evaluation, before it is disposed (per-seed internals for figures and claims). */
  inspect?: (model: RecModel, seed: number, trainer: Trainer, history: History, data: ExperimentData) => void;
  /** The grid cell this run is (train/grid.ts); recorded so measured keys can be rebuilt from the record. */
  cell?: { data: string; label: string };
  /**
   * Extra per-seed metrics computed on each trained model before it is disposed (e.g. CVR AUC on
   * the clicked rows only, or on another split). Stored like the test metrics (`seedMetrics`,
   * `summary`; two-part keys such as "cvrClicked.auc" also in `metrics`); every seed must return
   * the same keys.
   */
  extraMetrics?: (run: {
    seed: number;
    model: RecModel;
    trainer: Trainer;
    history: History;
    data: ExperimentData;
  }) => Record<string, number>;
  notes?: string[];
  /** Print the resolved config (default true). */
  verbose?: boolean;
}

export interface SeedRun {
  seed: number;
  history: History;
  test: Evaluation["heads"];
  /** What `extraMetrics` returned for this seed ({} without it). */
  extra: Record<string, number>;
  wallSec: number;
}

export interface ExperimentResult {
  record: RunRecord;
  recordPath: string;
  runs: SeedRun[];
  /** Test metrics over seeds, per head: `${head}.auc`, `${head}.logloss`. */
  summary: Record<string, SeedSummary>;
  model: RecModel | null;
  trainer: Trainer | null;
  configText: string;
}

/** Resolve the config, train one model per seed, evaluate on test, write run.json. */
/**
 * The layered config of one experiment (defaults < profile preset < overrides < environment),
 * resolved and validated without building or training anything: unknown keys, wrong types and bad
 * training settings throw here, naming the layer, key or variable.
 */
export function resolveExperimentConfig<C extends BaseModelConfig>(
  spec: ModelSpec<C>,
  prof: Profile,
  opts: Pick<ExperimentOptions<C>, "trainPresets" | "modelConfig" | "trainConfig">,
): { resolved: ReturnType<typeof resolveConfig>; config: { model: C; train: TrainConfig } } {
  const defaults = { model: spec.defaults as unknown as C, train: DEFAULT_TRAIN_CONFIG };
  const resolved = resolveConfig(
    defaults as object,
    { model: spec.presets[prof], train: opts.trainPresets?.[prof] ?? {} },
    { model: opts.modelConfig ?? {}, train: opts.trainConfig ?? {} },
    configFromEnv(defaults as object, process.env, EXPERIMENT_ENV_KEYS),
  );
  const config = resolved.config as { model: C; train: TrainConfig };
  const envVarOf = Object.fromEntries(Object.entries(EXPERIMENT_ENV_KEYS).map(([v, k]) => [k, v]));
  validateTrainConfig(config.train, (key) => {
    const full = `train.${key}`;
    const source = resolved.sources[full];
    if (source === "environment" && envVarOf[full])
      return `set by ${envVarOf[full]}=${process.env[envVarOf[full]]}`;
    return source ? `set by the ${source} layer` : "";
  });
  return { resolved, config };
}

export async function runExperiment<C extends BaseModelConfig>(
  opts: ExperimentOptions<C>,
): Promise<ExperimentResult> {
  const t0 = Date.now();
  const backend = await initBackend({ quiet: true });
  const prof = profile();
  const spec = typeof opts.model === "string" ? specOf(BASELINES, opts.model) : opts.model;
  const maxRows = maxRowsFromEnv();
  const data = maxRows ? capRows(opts.data, { train: maxRows, valid: maxRows, test: maxRows }) : opts.data;
  const reason = spec.requires(data.schema);
  if (reason) throw new Error(`model ${spec.id} cannot run on ${data.meta.id}: ${reason}`);
  const { resolved, config } = resolveExperimentConfig(spec, prof, opts);
  const seeds = seedsFromEnv() ?? opts.seeds ?? [2022];
  if (!seedsFromEnv())
    checkSeeds(seeds, `runExperiment ${opts.paper}/${spec.id}: seeds [${seeds.join(", ")}]`);
  for (const part of ["train", "valid", "test"] as const) {
    if (data[part].numRows === 0)
      throw new Error(
        `runExperiment ${opts.paper}/${spec.id}: the ${part} split of ${data.meta.id} has 0 rows; refusing to record a run that trains or evaluates on nothing`,
      );
  }
  const runId = opts.runId ?? `${spec.id}-${prof}`;
  const configText = formatConfig(resolved);
  if (opts.verbose ?? true) {
    console.log(
      `[recrepro] ${opts.paper}/${spec.id} profile=${prof} seeds=${seeds.join(",")} backend=${backend.name} data=${data.meta.id}`,
    );
    console.log(configText);
  }
  const runs: SeedRun[] = [];
  let kept = null as { model: RecModel; trainer: Trainer } | null;
  let heads: string[] = [];
  // One bar for the whole run (every seed and epoch), ending as one summary line.
  const bar = openRunProgress(`${opts.paper}/${spec.id} on ${data.meta.id}`, config.train.progress);
  try {
    await trainSeeds();
  } catch (e) {
    bar.close(`${bar.title}: failed (${(e as Error)?.message ?? e})`);
    throw e;
  }
  async function trainSeeds(): Promise<void> {
    for (const [i, seed] of seeds.entries()) {
      bar.context = seeds.length > 1 ? `seed ${seed} (${i + 1}/${seeds.length})` : `seed ${seed}`;
      const s0 = Date.now();
      const model = spec.build(data.schema, config.model, seed);
      const trainer = new Trainer(model, {
        ...config.train,
        seed,
        checkpointPath: seedCheckpointPath(config.train.checkpointPath, runId, seed),
      });
      let history: History;
      let test: Evaluation["heads"];
      let extra: Record<string, number>;
      try {
        history = await trainer.fit(data.train, data.valid);
        test = trainer.evaluate(data.test, opts.groupAxis).heads;
        heads = [...model.heads];
        opts.inspect?.(model, seed, trainer, history, data);
        extra = opts.extraMetrics?.({ seed, model, trainer, history, data: data }) ?? {};
      } catch (e) {
        model.dispose();
        trainer.dispose();
        throw e;
      }
      runs.push({ seed, history, test, extra, wallSec: (Date.now() - s0) / 1000 });
      if (i === seeds.length - 1 && (opts.keepModel ?? true)) kept = { model, trainer };
      else {
        model.dispose();
        trainer.dispose();
      }
    }
  }
  const seedMetrics: Record<string, number[]> = {};
  for (const head of Object.keys(runs[0].test)) {
    for (const k of ["auc", "logloss"] as const)
      seedMetrics[`${head}.${k}`] = runs.map((r) => r.test[head][k]);
    for (const g of Object.keys(runs[0].test[head].perGroup)) {
      for (const k of ["auc", "logloss"] as const)
        seedMetrics[`${head}.${g}.${k}`] = runs.map((r) => r.test[head].perGroup[g][k]);
    }
  }
  for (const k of Object.keys(runs[0].extra)) {
    const missing = runs.find((r) => !(k in r.extra));
    if (missing)
      throw new Error(
        `runExperiment ${opts.paper}/${spec.id}: extraMetrics returned "${k}" for seed ${runs[0].seed} but not for seed ${missing.seed}`,
      );
    if (k in seedMetrics)
      throw new Error(
        `runExperiment ${opts.paper}/${spec.id}: extraMetrics key "${k}" clashes with a test metric`,
      );
    seedMetrics[k] = runs.map((r) => r.extra[k]);
  }
  const summary = Object.fromEntries(Object.entries(seedMetrics).map(([k, v]) => [k, summariseSeeds(v)]));
  const history: Record<string, number[]> = {};
  for (const r of runs) {
    history[`seed${r.seed}.trainLoss`] = r.history.epochs.map((e) => e.trainLoss);
    history[`seed${r.seed}.validAuc`] = r.history.epochs.map((e) => e.valid?.auc ?? NaN);
    history[`seed${r.seed}.validLogloss`] = r.history.epochs.map((e) => e.valid?.logloss ?? NaN);
    history[`seed${r.seed}.epochSec`] = r.history.epochs.map((e) => e.wallSec);
    // Multi-task optimisation (TrainConfig.conflictEvery, taskWeighting): per-pair cosines and per-head weights.
    const conflicts = r.history.conflicts ?? [];
    if (conflicts.length > 0) {
      history[`seed${r.seed}.conflictStep`] = conflicts.map((c) => c.step);
      for (const pair of Object.keys(conflicts[0].cosine))
        history[`seed${r.seed}.conflict.${pair}`] = conflicts.map((c) => c.cosine[pair]);
    }
    const weights = r.history.taskWeights ?? [];
    if (weights.length > 0) {
      history[`seed${r.seed}.taskWeightStep`] = weights.map((w) => w.step);
      for (const h of Object.keys(weights[0].weights))
        history[`seed${r.seed}.taskWeight.${h}`] = weights.map((w) => w.weights[h]);
    }
  }
  const perGroup: Record<string, Record<string, number>> = {};
  const head0 = Object.keys(runs[0].test)[0];
  for (const g of Object.keys(runs[0].test[head0].perGroup)) {
    perGroup[g] = {
      auc: summary[`${head0}.${g}.auc`].mean,
      logloss: summary[`${head0}.${g}.logloss`].mean,
      count: runs[0].test[head0].perGroup[g].count,
    };
  }
  const record: RunRecord = {
    schemaVersion: 1,
    paper: opts.paper,
    model: spec.id,
    runId,
    ...(opts.cell ? { cell: { ...opts.cell, heads } } : {}),
    profile: prof,
    seeds,
    config: config as unknown as Record<string, unknown>,
    configSources: resolved.sources,
    data: {
      id: data.meta.id,
      fingerprint: data.meta.fingerprint,
      rows: { train: data.train.numRows, valid: data.valid.numRows, test: data.test.numRows },
      synthetic: data.schema.synthetic === true,
    },
    environment: environmentInfo({ backend: getBackendInfo() ?? undefined }),
    metrics: Object.fromEntries(
      Object.entries(summary)
        .filter(([k]) => k.split(".").length === 2)
        .map(([k, s]) => [k, s.mean]),
    ),
    seedMetrics,
    perGroup,
    history,
    wallTimeSec: (Date.now() - t0) / 1000,
    createdAt: new Date().toISOString(),
    notes: [
      ...(opts.notes ?? []),
      ...(data.schema.synthetic ? ["SYNTHETIC data: seeded generator, not a real data set"] : []),
    ],
  };
  const dir = path.join(opts.figuresDir ?? path.join(projectRoot(), "figures", opts.paper), runId);
  const recordPath = writeRunRecord(dir, record);
  const epochs = runs.reduce((a, r) => a + r.history.epochs.length, 0);
  const auc = summary[`${head0}.auc`];
  bar.close(
    `${bar.title}: ${runs.length} seed${runs.length === 1 ? "" : "s"}, ${epochs} epoch${epochs === 1 ? "" : "s"} ` +
      `in ${record.wallTimeSec.toFixed(1)} s` +
      (auc
        ? `, test ${head0 === "label" ? "" : head0 + " "}AUC ${auc.mean.toFixed(4)} ± ${auc.std.toFixed(4)}`
        : ""),
  );
  return {
    record,
    recordPath,
    runs,
    summary,
    model: kept?.model ?? null,
    trainer: kept?.trainer ?? null,
    configText,
  };
}
