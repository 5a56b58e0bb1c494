/**
 * Figures of the multi-task survey notebook, built from the grids' CellResult[]: label rates, Census
 * AUC per task, negative transfer, task weights and gradient conflict over training (mean ± std
 * bands over seeds, plots/bands.ts), Taobao's CVR spaces.
 */
import type { Dataset } from "../../data/dataset";
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { fromSeeds, groupedBars } from "../../plots/builders";
import { bandTraces, seedBand } from "../../plots/bands";
import { cellOf, type CellResult } from "../../train/grid";
import {
  labelRates,
  MAIN_PRESET,
  presetOf,
  taskAuc,
  transferDiff,
  TASKS,
  TRANSFER_CELLS,
  MT_MODELS,
  PAIR,
} from "./experiment";

const ZERO_LINE = {
  type: "line",
  xref: "paper",
  x0: 0,
  x1: 1,
  y0: 0,
  y1: 0,
  line: { color: "#444", width: 1, dash: "dash" },
};

/** Legend under the plot (figures with many series would otherwise cover the title). */
function legendBelow(layout: Record<string, unknown>, rows: number): void {
  Object.assign(layout, {
    legend: { orientation: "h", yanchor: "top", y: -0.24, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 90 + 28 * rows },
    height: 450 + 28 * rows,
  });
}

/** Positive rate of every task label (train slice and test split). */
export function labelRateFigure(census: Dataset, taobao: Dataset): Figure {
  const r = labelRates(census, taobao);
  return groupedBars(
    r.categories,
    { train: r.train, test: r.test },
    {
      title: "Positive rate of every task label (train slice and test split)",
      yTitle: "positive rate",
      yRange: [0, 0.6],
      labelDigits: 3,
    },
  );
}

/** Census test AUC per task, equal-weighting cells of the reference preset (single-task cells have one task). */
export function censusAucFigure(results: readonly CellResult[]): Figure {
  const equal = results.filter((r) => !r.label.includes("+") && presetOf(r.label) === MAIN_PRESET);
  const series = Object.fromEntries(
    equal.map((r) => [
      r.label,
      fromSeeds(r.seeds.map((_, s) => TASKS.map((t) => taskAuc(r, t)?.[s] ?? NaN))),
    ]),
  );
  return groupedBars([...TASKS], series, {
    title: "Census-Income: test AUC per task (mean ± std over seeds), torch-rechub preset, equal weighting",
    yTitle: "test AUC",
  });
}

/** Grouped bars of multi-task minus single-task AUC per task (mean ± std of the paired differences). */
export function negativeTransferFigure(
  results: readonly CellResult[],
  cells: readonly string[] = TRANSFER_CELLS,
  tasks: readonly string[] = TASKS,
): Figure {
  const data: Trace[] = cells.map((label, i) => {
    const diffs = tasks.map((t) => transferDiff(results, label, t));
    return {
      type: "bar",
      name: label,
      x: [...tasks],
      y: diffs.map((d) => d.mean),
      error_y: { type: "data", array: diffs.map((d) => d.std), visible: true },
      marker: { color: colorAt(i) },
    };
  });
  const layout = baseLayout({
    title: "Census-Income: multi-task minus single-task test AUC (mean ± std of paired differences)",
    xTitle: "task",
    yTitle: "AUC(multi-task) − AUC(single-task)",
  });
  Object.assign(layout, { barmode: "group", shapes: [ZERO_LINE] });
  legendBelow(layout, Math.ceil(cells.length / 3));
  return { data, layout };
}

/** Task weights over training (uncertainty exp(−s_t), GradNorm w_t), mean over seeds ± std, per cell and head (solid first head, dotted others). */
export function taskWeightFigure(
  results: readonly CellResult[],
  cells: readonly string[] = ["shared-bottom+uncertainty", "shared-bottom+gradnorm"],
  heads: readonly string[] = TASKS,
): Figure {
  // A run shorter than logEverySteps records no weights (e.g. the paper profile's tiny CI budget):
  // such cells are left out and named in the title rather than failing the notebook.
  const empty: string[] = [];
  const data: Trace[] = cells.flatMap((label, i) => {
    const ws = cellOf(results, label).histories.map((h) => h.taskWeights ?? []);
    if (ws.some((w) => w.length === 0)) {
      empty.push(label);
      return [];
    }
    return heads.flatMap((h, k) =>
      bandTraces(
        `${label} · ${h}`,
        colorAt(i),
        seedBand(ws.map((w) => w.map((x) => ({ x: x.step, y: x.weights[h] })))),
        k === 0 ? {} : { dash: "dot" },
      ),
    );
  });
  const note = empty.length > 0 ? ` (no weights recorded: ${empty.join(", ")})` : "";
  const layout = baseLayout({
    title: `Task weights over training: uncertainty exp(−s_t) and GradNorm w_t${note}`,
    xTitle: "training step",
    yTitle: "task weight",
  });
  legendBelow(layout, Math.ceil((cells.length * heads.length) / 2));
  return { data, layout };
}

/** cos(g_a, g_b) on the shared parameters for `pair` over training, mean over seeds with a ±1 std band, one line per cell. */
export function conflictFigure(
  results: readonly CellResult[],
  cells: readonly string[] = [...MT_MODELS, "shared-bottom+pcgrad"],
  pair = PAIR,
): Figure {
  const data: Trace[] = cells.flatMap((label, i) => {
    const cs = cellOf(results, label).histories.map((h) => h.conflicts ?? []);
    if (cs.some((c) => c.length === 0)) return [];
    return bandTraces(
      label,
      colorAt(i),
      seedBand(cs.map((c) => c.map((x) => ({ x: x.step, y: x.cosine[pair] })))),
    );
  });
  const [a, b] = pair.split("/");
  const layout = baseLayout({
    title: "Census-Income: cosine between the two tasks' gradients on shared parameters",
    xTitle: "training step",
    // Short: a rotated title as long as the plot is tall runs into the chart title.
    yTitle: `cos(g_${a}, g_${b})`,
  });
  Object.assign(layout, { shapes: [ZERO_LINE] });
  legendBelow(layout, Math.ceil(cells.length / 3));
  return { data, layout };
}

/** Taobao: CVR judged on clicked rows vs the entire exposure space, and CTCVR. */
export function cvrSpacesFigure(
  results: readonly CellResult[],
  cells: readonly string[] = ["esmm", "aitm", "independent:cvr"],
): Figure {
  const keys = ["cvrClicked.auc", "cvrEntire.auc", "ctcvr.auc"];
  const series = Object.fromEntries(
    cells.map((l) => [
      l,
      fromSeeds(cellOf(results, l).seeds.map((_, s) => keys.map((k) => cellOf(results, l).metrics[k][s]))),
    ]),
  );
  return groupedBars(["CVR: clicked rows", "CVR: entire space", "CTCVR: all exposures"], series, {
    title: "Taobao: CVR judged on clicked rows vs the entire exposure space (mean ± std over seeds)",
    yTitle: "test AUC",
  });
}
