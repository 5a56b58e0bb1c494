/**
 * Validation of a training config before anything is trained: every value that would make a run
 * train nothing (0 epochs, 0 steps), climb instead of descend (lr <= 0) or compute garbage
 * (NaN, a fraction of a batch) is refused with the key, the value and, where the environment set
 * it, the variable.
 */
import type { TabularDataset } from "../data/schema";
import { numericFeatures } from "../data/schema";
import type { TrainConfig } from "./trainer";

/** A training config value that is out of range; `key` is the dotted path ("optimizer.lr"). */
export class TrainConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
    this.name = "TrainConfigError";
  }
}

type Check = [key: string, value: unknown, ok: boolean, expected: string];

const isInt = (v: unknown, min: number): boolean =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min;
const isNum = (v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): boolean =>
  typeof v === "number" && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);

/**
 * Throws a TrainConfigError for the first invalid value of `cfg`.
 *
 * @param describe optional: text appended to the message for a key, e.g. where it was set
 *   ("set by RECREPRO_LR=-1").
 */
export function validateTrainConfig(cfg: TrainConfig, describe: (key: string) => string = () => ""): void {
  const o = cfg.optimizer ?? ({} as TrainConfig["optimizer"]);
  const checks: Check[] = [
    ["numEpochs", cfg.numEpochs, isInt(cfg.numEpochs, 1), "an integer >= 1"],
    ["batchSize", cfg.batchSize, isInt(cfg.batchSize, 1), "an integer >= 1"],
    ["evalBatchSize", cfg.evalBatchSize, isInt(cfg.evalBatchSize, 1), "an integer >= 1"],
    ["evalEverySteps", cfg.evalEverySteps, isInt(cfg.evalEverySteps, 0), "an integer >= 0"],
    ["logEverySteps", cfg.logEverySteps, isInt(cfg.logEverySteps, 1), "an integer >= 1"],
    [
      "maxStepsPerEpoch",
      cfg.maxStepsPerEpoch,
      isInt(cfg.maxStepsPerEpoch, 0),
      "an integer >= 0 (0 = no limit)",
    ],
    ["seed", cfg.seed, isInt(cfg.seed, 0), "an integer >= 0"],
    ["optimizer.kind", o.kind, ["adam", "adagrad", "sgd"].includes(o.kind), `"adam", "adagrad" or "sgd"`],
    ["optimizer.lr", o.lr, isNum(o.lr, 0, Infinity, true), "a finite number > 0 (lr <= 0 does not descend)"],
    [
      "optimizer.beta1",
      o.beta1,
      o.beta1 === undefined || isNum(o.beta1, 0, 1, false, true),
      "a number in [0, 1)",
    ],
    [
      "optimizer.beta2",
      o.beta2,
      o.beta2 === undefined || isNum(o.beta2, 0, 1, false, true),
      "a number in [0, 1)",
    ],
    ["optimizer.eps", o.eps, o.eps === undefined || isNum(o.eps, 0, Infinity, true), "a finite number > 0"],
    [
      "optimizer.weightDecay",
      o.weightDecay,
      o.weightDecay === undefined || isNum(o.weightDecay, 0, Infinity),
      "a finite number >= 0",
    ],
  ];
  const es = cfg.earlyStopping;
  if (es) {
    checks.push(
      [
        "earlyStopping.metric",
        es.metric,
        es.metric === "auc" || es.metric === "logloss",
        `"auc" or "logloss"`,
      ],
      ["earlyStopping.patience", es.patience, isInt(es.patience, 1), "an integer >= 1"],
      [
        "earlyStopping.minDelta",
        es.minDelta,
        es.minDelta === undefined || isNum(es.minDelta, 0, Infinity),
        "a finite number >= 0",
      ],
    );
  }
  const ex = cfg.lossExplosion;
  if (ex) {
    checks.push(
      ["lossExplosion.factor", ex.factor, isNum(ex.factor, 1, Infinity, true), "a finite number > 1"],
      ["lossExplosion.floor", ex.floor, isNum(ex.floor, 0, Infinity), "a finite number >= 0"],
    );
  }
  for (const [key, value, ok, expected] of checks) {
    if (ok) continue;
    const where = describe(key);
    throw new TrainConfigError(
      key,
      value,
      `train config: ${key} must be ${expected}, got ${typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value))}${where ? ` (${where})` : ""}`,
    );
  }
}

/**
 * Checks the rows a trainer is about to use: every label the model predicts must be exactly 0 or
 * 1 (the heads are binary; NaN or 2 would otherwise train or score silently), and with
 * `numeric: true` every numeric feature must be finite. Throws naming the split, the label or
 * feature and the 0-based row (the data set's own row order).
 */
export function checkSplit(
  ds: TabularDataset,
  split: string,
  labelCols: readonly number[],
  opts: { numeric: boolean },
): void {
  for (const j of labelCols) {
    const y = ds.labels[j];
    for (let r = 0; r < ds.numRows; r++) {
      const v = y[r];
      if (v !== 0 && v !== 1)
        throw new Error(
          `${split} split of ${ds.schema.name}: label ${ds.schema.labels[j].name} must be 0 or 1 (binary task), found ${v} at row ${r}`,
        );
    }
  }
  if (!opts.numeric) return;
  const names = numericFeatures(ds.schema).map((f) => f.name);
  ds.num.forEach((col, j) => {
    for (let r = 0; r < ds.numRows; r++) {
      if (!Number.isFinite(col[r]))
        throw new Error(
          `${split} split of ${ds.schema.name}: numeric feature ${names[j] ?? `#${j}`} is ${col[r]} at row ${r}; fix or drop the row (metrics on it would be NaN)`,
        );
    }
  });
}
