/**
 * The tour's experiment (notebook 00-tour): DNN and DCN on the Criteo and Avazu samples, one grid
 * per data set through the kit's grid runner (train/grid.ts), one run record per cell under
 * figures/tour/<data>-<model>-<profile>/.
 *
 * Measured keys (what claims.json names), per seed: `${data}.${model}.auc` / `.logloss`.
 */
import { loadDataset, type LoadMeta } from "../../data";
import type { Dataset } from "../../data/dataset";
import { BASELINES } from "../../models";
import { comparisonRows, runGrid, type CellResult, type GridCell } from "../../train/grid";
import type { TrainConfig } from "../../train/trainer";
import type { Profile } from "../../util/profile";

export const PAPER = "tour";
export const DATA_NAMES = ["criteo", "avazu"] as const;
export type DataName = (typeof DATA_NAMES)[number];

/** Per-profile settings: data ids, seeds and training presets. */
export interface TourProfile {
  data: Record<DataName, string>;
  seeds: number[];
}

export const PROFILES: Record<Profile, TourProfile> = {
  smoke: { data: { criteo: "criteo-8k", avazu: "avazu-9k" }, seeds: [1, 2, 3] },
  paper: { data: { criteo: "criteo-kaggle", avazu: "avazu-kaggle" }, seeds: [1, 2, 3, 4, 5] },
};

export const TRAIN_PRESETS: Record<Profile, Partial<TrainConfig>> = {
  smoke: { numEpochs: 8, batchSize: 256, earlyStopping: { metric: "auc", patience: 2, restoreBest: true } },
  paper: { numEpochs: 20, batchSize: 4096, earlyStopping: { metric: "auc", patience: 2, restoreBest: true } },
};

/** The cells of every data set: the plain DNN and DCN (model defaults and profile presets). */
export const CELLS: readonly GridCell[] = [
  { label: "dnn", model: "dnn" },
  { label: "dcn", model: "dcn", baseline: "dnn" },
];

export type TourData = Record<DataName, Dataset<LoadMeta>>;

/** Both data sets of the profile. */
export async function loadData(prof: Profile): Promise<TourData> {
  const ids = PROFILES[prof].data;
  return { criteo: await loadDataset(ids.criteo), avazu: await loadDataset(ids.avazu) };
}

/** Trains the cells on every data set (the first cell's resolved config is printed once). */
export async function runMain(data: TourData, prof: Profile): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const name of DATA_NAMES) {
    const cells = await runGrid({
      paper: PAPER,
      models: BASELINES,
      dataName: name,
      data: data[name],
      cells: CELLS,
      seeds: PROFILES[prof].seeds,
      presets: TRAIN_PRESETS,
      profile: prof,
      verbose: name === "criteo",
    });
    out.push(...cells);
  }
  return out;
}

/** Split sizes and positives per data set (the arquero demo's input). */
export function splitRows(
  data: TourData,
): { data: string; split: string; rows: number; positives: number }[] {
  return DATA_NAMES.flatMap((name) => {
    const meta = data[name].meta;
    return (["train", "valid", "test"] as const).map((split) => ({
      data: name,
      split,
      rows: meta.rows[split],
      positives: meta.positives[split],
    }));
  });
}

/** Test AUC / log loss (mean ± std over seeds), DCN vs DNN, epochs per seed, seconds per seed. */
export function metricRows(results: readonly CellResult[]): Record<string, string | number>[] {
  return comparisonRows(results, {
    perGroup: false,
    extra: (r) => ({ epochs: r.histories.map((h) => h.epochs.length).join("/") }),
  });
}
