/** Figures of the tour (notebook 00-tour), built from the loaded data and the grid's CellResult[]. */
import { fromSeeds, groupedBars, learningCurves } from "../../plots/builders";
import type { Figure } from "../../plots/figure";
import { cellOf, type CellResult } from "../../train/grid";
import { DATA_NAMES, splitRows, type DataName, type TourData } from "./experiment";

/** Click rate per split and data set. */
export function labelRateFigure(data: TourData): Figure {
  const rows = splitRows(data);
  const series = Object.fromEntries(
    DATA_NAMES.map((name) => [name, rows.filter((r) => r.data === name).map((r) => r.positives / r.rows)]),
  );
  return groupedBars(["train", "valid", "test"], series, {
    title: "Click rate per split",
    yTitle: "positive rate",
    labelDigits: 3,
  });
}

/** Training loss and validation AUC per epoch of the first seed, DNN and DCN on data set `name`. */
export function learningCurveFigure(results: readonly CellResult[], name: DataName): Figure {
  const series: Record<string, number[]> = {};
  let epochs: number[] = [];
  for (const model of ["dnn", "dcn"]) {
    const r = cellOf(results, model, name);
    const h = r.histories[0].epochs;
    epochs = h.map((e) => e.epoch);
    series[`${model} train loss`] = h.map((e) => e.trainLoss);
    series[`${model} val auc`] = h.map((e) => e.valid!.auc);
  }
  const n = Math.min(...Object.values(series).map((s) => s.length));
  for (const k of Object.keys(series)) series[k] = series[k].slice(0, n);
  const seed = cellOf(results, "dnn", name).seeds[0];
  return learningCurves(
    { epoch: epochs.slice(0, n), series },
    { title: `${name}: learning curves (seed ${seed})`, yTitle: "training loss", y2Title: "validation AUC" },
  );
}

/** Test AUC per data set, DNN and DCN (mean ± std over seeds). */
export function testAucFigure(results: readonly CellResult[]): Figure {
  const series = Object.fromEntries(
    ["dnn", "dcn"].map((m) => [
      m,
      fromSeeds(
        cellOf(results, m, "criteo").seeds.map((_, s) =>
          DATA_NAMES.map((d) => cellOf(results, m, d).metrics.auc[s]),
        ),
      ),
    ]),
  );
  return groupedBars([...DATA_NAMES], series, { title: "Test AUC (mean ± std over seeds)", yTitle: "AUC" });
}
