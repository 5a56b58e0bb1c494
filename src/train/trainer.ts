/**
 * The trainer owns the loop: epochs, mini-batches, the dense optimiser, the kit-owned embedding
 * updates, early stopping, checkpoints with resume, progress, per-epoch and per-step history, and
 * NaN/inf detection that stops with the step and the cause.
 *
 * One step:
 *   1. look up the batch's field embeddings from the kit tables into a buffer [B, F, D];
 *   2. wrap it as a leaf tensor and run the model's forward and loss under tfjs's tape;
 *   3. take gradients w.r.t. the leaf and the dense variables (tf.valueAndGrads);
 *   4. dense variables: DenseOptimizer; model.updateBuffers (BatchNorm running statistics, once per
 *      step); embeddings: sparse row updates in the tables;
 *   4b. two-pass ALPT tables only (`stepGrad: "two-pass"`): the model runs again on the updated rows
 *      Δ·round(w'/Δ) with the step's dropout masks, and that gradient updates the step sizes Δ;
 *   5. model.afterStep (non-gradient updates).
 *
 * Multi-task models: `taskWeighting` (uncertainty, GradNorm, PCGrad) and `conflictEvery`
 * (gradient-conflict measure) are handled by ./multitask.ts; schemes that need per-task
 * gradients run T forward/backward passes in step 2-3 and combine them before step 4.
 *
 * Divergence: a non-finite loss or gradient stops at once (TrainingDivergedError with the step and
 * the cause); so does a loss that explodes while staying finite: the mean training loss of a
 * logging window (every `logEverySteps` steps, and the rest at the end of an epoch) above
 * max(LOSS_EXPLOSION_FACTOR × |loss of the first step|, LOSS_EXPLOSION_FLOOR) = max(100 × |first|,
 * 100). For binary cross-entropy, which starts near 0.69 per head, that is a mean loss of 100:
 * far beyond anything a run that learns reaches, and reached within a few steps by one that
 * diverges (e.g. lr 1e6). `TrainConfig.lossExplosion` changes or (null) disables it.
 *
 * Determinism: parameter init, shuffling and dropout all draw from seeded generators; the shuffle
 * and dropout generators of epoch e are derived from (seed, e), so a resumed run replays exactly
 * what an uninterrupted run would have done.
 */
import * as fs from "fs";
import type { Batch, TabularDataset } from "../data/schema";
import { labelIndex, numericFeatures } from "../data/schema";
import { batches } from "../data/batches";
import { Rng } from "../engine/rng";
import { tf } from "../engine/tf";
import { evaluateBinary, type BinaryEvaluation } from "../metrics";
import type { ForwardOutput, RecModel } from "../models/types";
import { loadCheckpoint, saveCheckpoint, type StoredArray } from "./checkpoint";
import { DenseOptimizer, type DenseOptimizerConfig } from "./dense-optim";
import {
  TaskBalancer,
  conflictRecord,
  perTaskGradients,
  taskLossesOf,
  type ConflictRecord,
  type PerTaskGradients,
  type TaskBalancerState,
  type TaskWeightRecord,
  type TaskWeightingConfig,
} from "./multitask";
import { checkSplit, validateTrainConfig } from "./validate";
import {
  activeRunProgress,
  fitSummary,
  openRunProgress,
  type ProgressMode,
  type RunProgress,
} from "./progress";
import type { EmbeddingTableState } from "../engine/embedding-table";

export interface EarlyStoppingConfig {
  /** Validation metric to monitor (of the first head). Default "auc". */
  metric: "auc" | "logloss";
  /** Epochs without improvement before stopping. Default 2. */
  patience: number;
  /** Restore the best epoch's weights at the end. Default true. */
  restoreBest: boolean;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
}

/** The loss-explosion guard's default factor over |first step's loss| (see the module comment). */
export const LOSS_EXPLOSION_FACTOR = 100;
/** The loss-explosion guard's absolute floor: a window mean at or below this never trips it. */
export const LOSS_EXPLOSION_FLOOR = 100;

/** The loss-explosion guard: stop when a logging window's mean loss exceeds max(factor × |first step's loss|, floor). */
export interface LossExplosionConfig {
  /** Default LOSS_EXPLOSION_FACTOR (100). */
  factor: number;
  /** Default LOSS_EXPLOSION_FLOOR (100). */
  floor: number;
}

export interface TrainConfig {
  /** Maximum number of epochs. Default 10. */
  numEpochs: number;
  /** Mini-batch size B. Default 1024. */
  batchSize: number;
  /**
   * Dense optimiser (embeddings use the tables' own row-wise optimiser). Default Adam, lr 1e-3,
   * weightDecay 0 (PyTorch's `weight_decay`: L2 added to the gradient; HAMUR 1e-5, HierRec 1e-6).
   */
  optimizer: DenseOptimizerConfig;
  /** Seed of shuffling and dropout (model init uses the model's seed). Default 2022. */
  seed: number;
  /** Early stopping on the validation set; null disables it. */
  earlyStopping: EarlyStoppingConfig | null;
  /** Batch size for evaluation. Default 8192. */
  evalBatchSize: number;
  /** Also evaluate on the validation set every this many steps (for convergence curves); 0 = only per epoch. */
  evalEverySteps: number;
  /** Record the running training loss every this many steps. Default 10. */
  logEverySteps: number;
  /** Stop an epoch after this many steps (smoke runs); 0 = no limit. */
  maxStepsPerEpoch: number;
  /** Write a checkpoint file here after every epoch; empty = none. */
  checkpointPath: string;
  /** Continue from `checkpointPath` when it exists. Default false. */
  resume: boolean;
  progress: ProgressMode;
  /**
   * Multi-task loss weighting / gradient surgery (see ./multitask.ts): null or {kind: "equal"}
   * (default: the model's loss, or the sum of the per-head losses), "uncertainty", "gradnorm"
   * (with alpha, optional lr) or "pcgrad".
   */
  taskWeighting?: TaskWeightingConfig | null;
  /** Record the cosine between per-task gradients on the shared parameters every this many steps; 0 = never. Default 0. */
  conflictEvery?: number;
  /**
   * The loss-explosion guard (see the module comment); unset: factor 100, floor 100; null
   * disables it (NaN/inf still stop training).
   */
  lossExplosion?: LossExplosionConfig | null;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  numEpochs: 10,
  batchSize: 1024,
  optimizer: { kind: "adam", lr: 1e-3, weightDecay: 0 },
  seed: 2022,
  earlyStopping: { metric: "auc", patience: 2, restoreBest: true },
  evalBatchSize: 8192,
  evalEverySteps: 0,
  logEverySteps: 10,
  maxStepsPerEpoch: 0,
  checkpointPath: "",
  resume: false,
  progress: "auto",
  taskWeighting: null,
  conflictEvery: 0,
};

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  steps: number;
  wallSec: number;
  valid?: { auc: number; logloss: number };
}

export interface StepRecord {
  step: number;
  epoch: number;
  /** Mean training loss over the steps since the previous record. */
  trainLoss: number;
  validAuc?: number;
  validLogloss?: number;
}

export interface History {
  epochs: EpochRecord[];
  steps: StepRecord[];
  /** 1-based epoch whose weights the model holds at the end (the best one with early stopping). */
  bestEpoch: number;
  stoppedEarly: boolean;
  resumedFromEpoch: number;
  /** Gradient-conflict measurements (TrainConfig.conflictEvery > 0). */
  conflicts?: ConflictRecord[];
  /** Task weights after every logged step (uncertainty and GradNorm). */
  taskWeights?: TaskWeightRecord[];
  /** Loss of the first training step (at the initial parameters): the loss-explosion guard's reference. */
  firstLoss?: number;
}

export interface StepTimings {
  /** Table lookup into the [B, F, D] block and input tensors. */
  lookupMs: number;
  /** Forward, loss and backward (tf.valueAndGrads) including reading the gradients back. */
  forwardBackwardMs: number;
  denseOptimizerMs: number;
  /** Sparse row updates of the embedding tables. */
  sparseUpdateMs: number;
  afterStepMs: number;
}

/** Thrown when the loss or a gradient stops being finite. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly globalStep: number,
    readonly reason: string,
  ) {
    super(`training diverged at epoch ${epoch}, step ${step} (global step ${globalStep}): ${reason}`);
    this.name = "TrainingDivergedError";
  }
}

export interface Evaluation {
  /** Metrics per head. */
  heads: Record<string, BinaryEvaluation>;
  /** Predicted probabilities per head, in row order. */
  probs: Float32Array[];
}

interface Snapshot {
  dense: Float32Array[];
  /** Model buffers (BatchNorm running statistics), in `model.buffers()` order. */
  buffers: Float32Array[];
  tables: EmbeddingTableState[];
}

function epochRng(seed: number, epoch: number, stream: number): Rng {
  return new Rng(
    (Math.imul(seed ^ 0x5bd1e995, 31) + Math.imul(epoch + 1, 0x27d4eb2d) + stream * 0x165667b1) >>> 0,
  );
}

function isFiniteArray(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export class Trainer {
  readonly config: TrainConfig;
  readonly optimizer: DenseOptimizer;
  /** Task weighting / gradient surgery state (equal weighting by default). */
  readonly balancer: TaskBalancer;
  readonly history: History = {
    epochs: [],
    steps: [],
    bestEpoch: 0,
    stoppedEarly: false,
    resumedFromEpoch: 0,
  };
  globalStep = 0;
  private readonly labelCols: number[];
  private embBuf = new Float32Array(0);
  private numBuf = new Float32Array(0);

  constructor(
    readonly model: RecModel,
    config: Partial<TrainConfig> = {},
  ) {
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...config };
    validateTrainConfig(this.config);
    const ce = this.config.conflictEvery ?? 0;
    if (!(Number.isInteger(ce) && ce >= 0))
      throw new Error(`trainer: conflictEvery must be an integer >= 0, got ${ce}`);
    if (ce > 0 && model.heads.length < 2)
      throw new Error(
        `trainer: conflictEvery needs a model with at least two heads; ${model.id} has ${model.heads.join(", ")}`,
      );
    this.balancer = new TaskBalancer(
      model,
      this.config.taskWeighting,
      this.config.seed,
      this.config.optimizer.lr,
    );
    this.optimizer = new DenseOptimizer(this.config.optimizer, [
      ...model.variables(),
      ...this.balancer.extraVariables,
    ]);
    this.labelCols = model.heads.map((h) => labelIndex(model.schema, h));
  }

  /** Inputs of one batch as tensors (caller disposes). */
  private inputs(batch: Batch): { emb: tf.Tensor3D; num: tf.Tensor2D | null } {
    const B = batch.size;
    const S = this.model.embeddings.numSlots;
    const D = this.model.embeddings.embDim;
    if (this.embBuf.length !== B * S * D) this.embBuf = new Float32Array(B * S * D);
    this.model.embeddings.lookup(batch.cat, B, this.embBuf, batch.seq);
    const emb = tf.tensor3d(this.embBuf, [B, S, D]); // [B, S, D]: F fields, then the embedded sequences' slots
    const nn = batch.num.length;
    let num: tf.Tensor2D | null = null;
    if (nn > 0) {
      if (this.numBuf.length !== B * nn) this.numBuf = new Float32Array(B * nn);
      for (let j = 0; j < nn; j++) {
        const col = batch.num[j];
        for (let b = 0; b < B; b++) this.numBuf[b * nn + j] = col[b];
      }
      num = tf.tensor2d(this.numBuf, [B, nn]);
    }
    return { emb, num };
  }

  private defaultLoss(out: ForwardOutput, batch: Batch): tf.Scalar {
    const losses = out.logits.map((logit, h) => {
      const y = tf.tensor1d(batch.labels[this.labelCols[h]]);
      return tf.losses.sigmoidCrossEntropy(y, logit) as tf.Scalar;
    });
    return (losses.length === 1 ? losses[0] : tf.addN(losses)) as tf.Scalar;
  }

  /** The training loss of one forward output under the task weighting. */
  private stepLoss(out: ForwardOutput, batch: Batch): tf.Scalar {
    if (this.balancer.weighted)
      return this.balancer.combineLosses(taskLossesOf(this.model, out, batch, this.labelCols));
    return this.model.loss ? this.model.loss(out, batch) : this.defaultLoss(out, batch);
  }

  /** Per-task gradients at the current parameters (inside tf.tidy); see multitask.ts. */
  private perTask(batch: Batch, emb: tf.Tensor3D, num: tf.Tensor2D | null, rng: Rng): PerTaskGradients {
    return perTaskGradients(this.model, { batch, emb, num }, this.model.variables(), rng, (out) =>
      taskLossesOf(this.model, out, batch, this.labelCols),
    );
  }

  /** One optimisation step on a batch; returns the loss. Phase times land in `lastStepTimings`. */
  trainStep(batch: Batch, rng: Rng, where: { epoch: number; step: number } = { epoch: 0, step: 0 }): number {
    const model = this.model;
    const vars = this.optimizer.vars;
    const bal = this.balancer;
    const ce = this.config.conflictEvery ?? 0;
    const measure = ce > 0 && (this.globalStep + 1) % ce === 0;
    const rngStart = model.embeddings.needsSecondPass ? rng.getState() : null;
    const t0 = performance.now();
    const { emb, num } = this.inputs(batch);
    const t1 = performance.now();
    let t2 = t1;
    let lossValue = NaN;
    let embGrad: Float32Array | null = null;
    tf.tidy(() => {
      if (bal.needsPerTaskGradients) {
        const pt = this.perTask(batch, emb, num, rng);
        if (measure)
          (this.history.conflicts ??= []).push(
            conflictRecord(pt, bal.sharedIndices, model.heads, this.globalStep + 1, where.epoch),
          );
        const step = bal.combineGradients(pt);
        lossValue = step.loss;
        if (!Number.isFinite(lossValue)) return;
        embGrad = step.emb;
        t2 = performance.now();
        this.optimizer.apply(step.dense);
        return;
      }
      if (measure) {
        // Measure at the pre-update parameters with this step's dropout masks, then rewind the generator.
        const start = rng.getState();
        (this.history.conflicts ??= []).push(
          conflictRecord(
            this.perTask(batch, emb, num, rng),
            bal.sharedIndices,
            model.heads,
            this.globalStep + 1,
            where.epoch,
          ),
        );
        rng.setState(start);
      }
      const f = () => this.stepLoss(model.forward({ batch, emb, num }, { training: true, rng }), batch);
      const { value, grads } = tf.valueAndGrads(f)([emb, ...vars]);
      lossValue = value.dataSync()[0];
      if (!Number.isFinite(lossValue)) return;
      embGrad = grads[0].dataSync() as Float32Array;
      t2 = performance.now();
      this.optimizer.apply(grads.slice(1));
    });
    const t3 = performance.now();
    this.globalStep += 1;
    if (!Number.isFinite(lossValue)) {
      emb.dispose();
      num?.dispose();
      throw new TrainingDivergedError(
        where.epoch,
        where.step,
        this.globalStep,
        this.diagnose(lossValue, batch),
      );
    }
    if (!isFiniteArray(embGrad!)) {
      emb.dispose();
      num?.dispose();
      throw new TrainingDivergedError(
        where.epoch,
        where.step,
        this.globalStep,
        "the gradient of the field embeddings holds NaN/inf while the loss is finite",
      );
    }
    model.updateBuffers?.();
    model.embeddings.applyGradients(batch.cat, batch.size, embGrad!, 1, batch.seq);
    emb.dispose();
    num?.dispose();
    if (rngStart) this.stepSizePass(batch, rngStart, where);
    const t4 = performance.now();
    model.afterStep?.({ epoch: where.epoch, step: where.step, globalStep: this.globalStep, loss: lossValue });
    this.lastStepTimings = {
      lookupMs: t1 - t0,
      forwardBackwardMs: t2 - t1,
      denseOptimizerMs: t3 - t2,
      sparseUpdateMs: t4 - t3,
      afterStepMs: performance.now() - t4,
    };
    return lossValue;
  }

  /**
   * Second pass of two-pass ALPT: forward/backward on the batch looked up again (two-pass tables
   * now hold Δ·round(w'/Δ), the other tables and the dense variables their updated values) with the
   * step's dropout masks (a copy of the generator, so the run's stream is unchanged); the gradient of
   * the looked-up rows goes to the tables' step sizes. BatchNorm statistics recorded here are not
   * folded in (updateBuffers already ran for this step; the next step's forward replaces them).
   */
  private stepSizePass(
    batch: Batch,
    rngStart: ReturnType<Rng["getState"]>,
    where: { epoch: number; step: number },
  ): void {
    const { emb, num } = this.inputs(batch);
    const passRng = new Rng(0);
    passRng.setState(rngStart);
    let loss = NaN;
    let grad: Float32Array | null = null;
    try {
      tf.tidy(() => {
        const f = () =>
          this.stepLoss(this.model.forward({ batch, emb, num }, { training: true, rng: passRng }), batch);
        const { value, grad: g } = tf.valueAndGrad(f)(emb);
        loss = value.dataSync()[0];
        grad = g.dataSync() as Float32Array; // [B, F, D]
      });
    } finally {
      emb.dispose();
      num?.dispose();
    }
    if (!Number.isFinite(loss) || !isFiniteArray(grad!)) {
      throw new TrainingDivergedError(
        where.epoch,
        where.step,
        this.globalStep,
        `the two-pass ALPT step-size pass is not finite (loss ${loss})`,
      );
    }
    this.model.embeddings.applyStepGradients(batch.cat, batch.size, grad!, 1, batch.seq);
  }

  /** Milliseconds per phase of the last `trainStep` (synchronous backends: exact; others: dispatch time). */
  lastStepTimings: StepTimings | null = null;

  private diagnose(loss: number, batch: Batch): string {
    const parts = [`loss is ${loss}`];
    if (!isFiniteArray(this.embBuf)) parts.push("the looked-up embeddings hold NaN/inf (a table diverged)");
    const numNames = numericFeatures(this.model.schema).map((f) => f.name);
    batch.num.forEach((c, j) => {
      if (!isFiniteArray(c))
        parts.push(
          `numeric input ${j} holds NaN/inf (feature ${numNames[j] ?? `#${j}`}, batch row ${Array.from(c).findIndex((x) => !Number.isFinite(x))})`,
        );
    });
    this.labelCols.forEach((col, h) => {
      const y = batch.labels[col];
      const r = Array.from(y).findIndex((v) => v !== 0 && v !== 1);
      if (r >= 0)
        parts.push(`label ${this.model.heads[h]} is ${y[r]} at batch row ${r} (labels must be 0 or 1)`);
    });
    const bad = this.model.variables().findIndex((v) => !isFiniteArray(v.dataSync()));
    if (bad >= 0) parts.push(`dense variable #${bad} (${this.model.variables()[bad].shape}) holds NaN/inf`);
    if (parts.length === 1)
      parts.push(
        `the inputs and parameters are finite: the forward pass overflowed (try a lower lr, now ${this.config.optimizer.lr})`,
      );
    return parts.join("; ");
  }

  /** Throws TrainingDivergedError when a window's mean loss is above the explosion limit. */
  private checkExplosion(windowMean: number, windowSteps: number, epoch: number, step: number): void {
    const g =
      this.config.lossExplosion === undefined
        ? { factor: LOSS_EXPLOSION_FACTOR, floor: LOSS_EXPLOSION_FLOOR }
        : this.config.lossExplosion;
    const first = this.history.firstLoss;
    if (!g || first === undefined) return;
    const limit = Math.max(g.factor * Math.abs(first), g.floor);
    if (windowMean <= limit) return;
    const from = this.globalStep - windowSteps + 1;
    throw new TrainingDivergedError(
      epoch,
      step,
      this.globalStep,
      `the loss exploded: mean training loss ${windowMean.toPrecision(4)} over global steps ${from}-${this.globalStep} is above the limit ${limit.toPrecision(4)} (max(${g.factor} × |first step's loss ${first.toPrecision(4)}|, ${g.floor})); try a lower lr, now ${this.config.optimizer.lr}`,
    );
  }

  /** Predicted probabilities per head for every row of `ds`. */
  predict(ds: TabularDataset): Float32Array[] {
    const probs = this.model.heads.map(() => new Float32Array(ds.numRows));
    let at = 0;
    for (const batch of batches(ds, { batchSize: this.config.evalBatchSize, shuffle: false })) {
      const { emb, num } = this.inputs(batch);
      const outs = tf.tidy(() =>
        this.model.forward({ batch, emb, num }, { training: false }).logits.map((l) => tf.sigmoid(l)),
      );
      outs.forEach((p, h) => probs[h].set(p.dataSync(), at));
      tf.dispose([...outs, emb, num ?? []]);
      at += batch.size;
    }
    return probs;
  }

  /** AUC / log loss per head, with per-group breakdowns for every group axis of the schema. */
  evaluate(ds: TabularDataset, groupAxis?: string): Evaluation {
    checkSplit(ds, "evaluation", this.labelCols, { numeric: true });
    const probs = this.predict(ds);
    const heads: Record<string, BinaryEvaluation> = {};
    const gi =
      groupAxis !== undefined
        ? ds.schema.groups.findIndex((g) => g.name === groupAxis)
        : ds.schema.groups.length > 0
          ? 0
          : -1;
    if (groupAxis !== undefined && gi < 0)
      throw new Error(`evaluate: dataset ${ds.schema.name} has no group axis "${groupAxis}"`);
    const groups =
      gi >= 0
        ? { ids: ds.groups[gi], numGroups: ds.schema.groups[gi].numGroups, names: ds.schema.groups[gi].names }
        : undefined;
    this.model.heads.forEach((h, i) => {
      heads[h] = evaluateBinary(ds.labels[this.labelCols[i]], probs[i], { groups });
    });
    return { heads, probs };
  }

  private snapshot(): Snapshot {
    return {
      dense: this.optimizer.vars.map((v) => v.dataSync().slice() as Float32Array),
      buffers: (this.model.buffers?.() ?? []).map((v) => v.dataSync().slice() as Float32Array),
      tables: this.model.embeddings.getState(),
    };
  }

  private restore(s: Snapshot): void {
    this.optimizer.vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(s.dense[i], v.shape))));
    (this.model.buffers?.() ?? []).forEach((v, i) => {
      if (s.buffers[i]) tf.tidy(() => v.assign(tf.tensor(s.buffers[i], v.shape)));
    });
    this.model.embeddings.setState(s.tables);
  }

  /** Train on `train`, validating on `valid` after each epoch (and every evalEverySteps steps). */
  async fit(train: TabularDataset, valid?: TabularDataset): Promise<History> {
    const cfg = this.config;
    if (train.numRows === 0)
      throw new Error(
        `trainer: the training split of ${train.schema.name} has 0 rows; nothing to train on (check the data files)`,
      );
    if (valid && valid.numRows === 0)
      throw new Error(
        `trainer: the validation split of ${valid.schema.name} has 0 rows; pass no validation split or fix the data`,
      );
    checkSplit(train, "training", this.labelCols, { numeric: false });
    const es = cfg.earlyStopping && valid ? { minDelta: 0, ...cfg.earlyStopping } : null;
    const sign = es?.metric === "logloss" ? -1 : 1;
    let best = -Infinity;
    let bestSnap: Snapshot | null = null;
    let bad = 0;
    let startEpoch = 1;
    if (cfg.resume && cfg.checkpointPath && fs.existsSync(cfg.checkpointPath)) {
      const r = this.loadCheckpoint(cfg.checkpointPath);
      startEpoch = r.epoch + 1;
      best = r.best;
      bad = r.bad;
      bestSnap = r.bestSnap;
      this.history.resumedFromEpoch = r.epoch;
    }
    // Inside runExperiment the run's bar is already open (one bar for all seeds); a fit on its
    // own opens its own and ends it with one summary line.
    const outer = activeRunProgress();
    const progress = outer ?? openRunProgress(`train ${this.model.id}`, cfg.progress);
    try {
      return await this.fitEpochs(train, valid, progress, startEpoch, best, bad, bestSnap, es, sign);
    } catch (e) {
      if (!outer) progress.close(`train ${this.model.id}: failed (${(e as Error)?.message ?? e})`);
      throw e;
    } finally {
      if (!outer) progress.close(`train ${this.model.id}: ${fitSummary(this.history)}`);
    }
  }

  private async fitEpochs(
    train: TabularDataset,
    valid: TabularDataset | undefined,
    progress: RunProgress,
    startEpoch: number,
    best: number,
    bad: number,
    bestSnap: Snapshot | null,
    es: (EarlyStoppingConfig & { minDelta: number }) | null,
    sign: number,
  ): Promise<History> {
    const cfg = this.config;
    const stepsPerEpoch = Math.ceil(train.numRows / cfg.batchSize);
    const total = cfg.maxStepsPerEpoch > 0 ? Math.min(stepsPerEpoch, cfg.maxStepsPerEpoch) : stepsPerEpoch;
    for (let epoch = startEpoch; epoch <= cfg.numEpochs && !this.history.stoppedEarly; epoch++) {
      const t0 = Date.now();
      const shuffleRng = epochRng(cfg.seed, epoch, 1);
      const dropRng = epochRng(cfg.seed, epoch, 2);
      let step = 0;
      let sum = 0;
      let runSum = 0;
      let runN = 0;
      for (const batch of batches(train, { batchSize: cfg.batchSize, shuffle: true, rng: shuffleRng })) {
        if (cfg.maxStepsPerEpoch > 0 && step >= cfg.maxStepsPerEpoch) break;
        step++;
        const loss = this.trainStep(batch, dropRng, { epoch, step });
        this.history.firstLoss ??= loss;
        sum += loss;
        runSum += loss;
        runN++;
        const evalNow = valid && cfg.evalEverySteps > 0 && this.globalStep % cfg.evalEverySteps === 0;
        if (this.globalStep % cfg.logEverySteps === 0 || evalNow) {
          const rec: StepRecord = { step: this.globalStep, epoch, trainLoss: runSum / runN };
          if (evalNow) {
            const ev = this.evaluate(valid!).heads[this.model.heads[0]];
            rec.validAuc = ev.auc;
            rec.validLogloss = ev.logloss;
          }
          this.checkExplosion(rec.trainLoss, runN, epoch, step);
          this.history.steps.push(rec);
          const w = this.balancer.currentWeights();
          if (w) (this.history.taskWeights ??= []).push({ step: this.globalStep, weights: w });
          runSum = 0;
          runN = 0;
        }
        progress.update({
          label: `epoch ${epoch}/${cfg.numEpochs}`,
          done: step,
          total,
          info: { loss: sum / step },
        });
        if (step % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      if (runN > 0) this.checkExplosion(runSum / runN, runN, epoch, step);
      const rec: EpochRecord = {
        epoch,
        trainLoss: sum / Math.max(step, 1),
        steps: step,
        wallSec: (Date.now() - t0) / 1000,
      };
      if (valid) {
        const ev = this.evaluate(valid).heads[this.model.heads[0]];
        rec.valid = { auc: ev.auc, logloss: ev.logloss };
      }
      this.history.epochs.push(rec);
      progress.update({
        label: `epoch ${epoch}/${cfg.numEpochs} done`,
        done: step,
        total,
        info: {
          loss: rec.trainLoss,
          ...(rec.valid ? { val_auc: rec.valid.auc, val_logloss: rec.valid.logloss } : {}),
        },
      });
      if (es && rec.valid) {
        const score = sign * rec.valid[es.metric];
        if (score > best + es.minDelta) {
          best = score;
          bad = 0;
          this.history.bestEpoch = epoch;
          if (es.restoreBest) bestSnap = this.snapshot();
        } else if (++bad >= es.patience) {
          this.history.stoppedEarly = true;
        }
      } else {
        this.history.bestEpoch = epoch;
      }
      if (cfg.checkpointPath) this.saveCheckpoint(cfg.checkpointPath, epoch, best, bad, bestSnap);
      await new Promise((r) => setImmediate(r));
    }
    if (es?.restoreBest && bestSnap) this.restore(bestSnap);
    return this.history;
  }

  /** Frees the optimiser state and the weighting scheme's variables (not the model). */
  dispose(): void {
    this.optimizer.dispose();
    this.balancer.dispose();
  }

  private identity(): Record<string, unknown> {
    const { progress: _p, resume: _r, checkpointPath: _c, numEpochs: _n, ...cfg } = this.config;
    return { model: this.model.id, modelConfig: this.model.getConfig(), train: cfg };
  }

  /** Write model, optimiser, tables, early-stopping state and history after `epoch`. */
  saveCheckpoint(file: string, epoch: number, best: number, bad: number, bestSnap: Snapshot | null): void {
    const arrays: Record<string, StoredArray> = {};
    const putSnap = (prefix: string, s: Snapshot) => {
      s.dense.forEach((a, i) => (arrays[`${prefix}dense/${i}`] = a));
      s.buffers.forEach((a, i) => (arrays[`${prefix}buffer/${i}`] = a));
      s.tables.forEach((t, i) => {
        arrays[`${prefix}table/${i}/weights`] = t.weights;
        if (t.steps) arrays[`${prefix}table/${i}/steps`] = t.steps;
        if (t.optM) arrays[`${prefix}table/${i}/m`] = t.optM;
        if (t.optV) arrays[`${prefix}table/${i}/v`] = t.optV;
        if (t.stepMoments) arrays[`${prefix}table/${i}/stepMoments`] = t.stepMoments;
      });
    };
    const cur = this.snapshot();
    putSnap("", cur);
    if (bestSnap) putSnap("best/", bestSnap);
    this.optimizer.stateTensors().forEach((v, i) => (arrays[`opt/${i}`] = v.dataSync() as Float32Array));
    const meta = {
      identity: this.identity(),
      epoch,
      globalStep: this.globalStep,
      optimizerT: this.optimizer.t,
      best: Number.isFinite(best) ? best : null,
      bad,
      hasBest: bestSnap !== null,
      tables: cur.tables.map((t) => ({ step: t.step, rng: t.rng })),
      bestTables: bestSnap ? bestSnap.tables.map((t) => ({ step: t.step, rng: t.rng })) : null,
      history: this.history,
      balancer: this.balancer.getState(),
    };
    saveCheckpoint(file, meta, arrays);
  }

  private loadCheckpoint(file: string): {
    epoch: number;
    best: number;
    bad: number;
    bestSnap: Snapshot | null;
  } {
    type Meta = {
      identity: Record<string, unknown>;
      epoch: number;
      globalStep: number;
      optimizerT: number;
      best: number | null;
      bad: number;
      hasBest: boolean;
      tables: { step: number; rng: EmbeddingTableState["rng"] }[];
      bestTables: { step: number; rng: EmbeddingTableState["rng"] }[] | null;
      history: History;
      balancer?: TaskBalancerState;
    };
    const { meta, arrays } = loadCheckpoint<Meta>(file);
    const want = JSON.stringify(this.identity());
    if (JSON.stringify(meta.identity) !== want) {
      throw new Error(
        `checkpoint ${file} was written by a different model or training config; refusing to resume (delete it or change checkpointPath)`,
      );
    }
    const readSnap = (prefix: string, tmeta: Meta["tables"]): Snapshot => ({
      dense: this.optimizer.vars.map((_, i) => arrays[`${prefix}dense/${i}`] as Float32Array),
      buffers: (this.model.buffers?.() ?? []).map((_, i) => arrays[`${prefix}buffer/${i}`] as Float32Array),
      tables: this.model.embeddings.tables.map((t, i) => ({
        config: t.config,
        step: tmeta[i].step,
        rng: tmeta[i].rng,
        weights: arrays[`${prefix}table/${i}/weights`] as EmbeddingTableState["weights"],
        steps: (arrays[`${prefix}table/${i}/steps`] as Float32Array) ?? null,
        optM: (arrays[`${prefix}table/${i}/m`] as Float32Array) ?? null,
        optV: (arrays[`${prefix}table/${i}/v`] as Float32Array) ?? null,
        stepMoments: (arrays[`${prefix}table/${i}/stepMoments`] as Float32Array) ?? null,
      })),
    });
    this.restore(readSnap("", meta.tables));
    this.optimizer
      .stateTensors()
      .forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(arrays[`opt/${i}`] as Float32Array, v.shape))));
    this.optimizer.t = meta.optimizerT;
    this.globalStep = meta.globalStep;
    if (meta.balancer) this.balancer.setState(meta.balancer);
    Object.assign(this.history, meta.history);
    return {
      epoch: meta.epoch,
      best: meta.best ?? -Infinity,
      bad: meta.bad,
      bestSnap: meta.hasBest ? readSnap("best/", meta.bestTables!) : null,
    };
  }
}
