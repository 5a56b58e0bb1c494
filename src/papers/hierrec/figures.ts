/**
 * HierRec figures (notebook 02-hierrec): the click rate per scenario, a training curve, per-scenario
 * test AUC of every model, the heads' field weights per scenario as a heatmap, and ablation deltas
 * (paired by seed, mean ± std). Pure builders on the grid's CellResult[] and the kit's plot builders.
 */
import { fromSeeds, groupedBars, heatmap, learningCurves } from "../../plots/builders";
import type { Figure } from "../../plots/figure";
import type { CellResult } from "../../train/grid";

/** Click rate per scenario of the train split, one bar per (data set, scenario); rows as `scenarioRows` gives them. */
export function clickRateFigure(
  rows: readonly { data: string; scenario: string; "click rate": number }[],
  datasets: readonly string[],
): Figure {
  const rs = rows.filter((s) => datasets.includes(s.data));
  return groupedBars(
    rs.map((s) => `${s.data}: ${s.scenario}`),
    { "train click rate": rs.map((s) => s["click rate"]) },
    {
      title: "Click rate per scenario (train split; the synthetic set is SYNTHETIC)",
      yTitle: "click rate",
      labelDigits: 3,
      yRange: [0, 1],
    },
  );
}

/** The first seed's running training loss, with its validation AUC per epoch in the title. */
export function trainingCurveFigure(r: CellResult, name = r.label): Figure {
  const h = r.histories[0];
  return learningCurves(
    {
      step: h.steps.map((s) => s.step),
      series: { "training log loss (running mean)": h.steps.map((s) => s.trainLoss) },
    },
    {
      title: `${r.data} · ${name}: training loss (seed ${r.seeds[0]}); validation AUC per epoch: ${h.epochs.map((e) => e.valid?.auc.toFixed(4)).join(", ")}`,
      yTitle: "log loss",
    },
  );
}

/** Per-scenario test AUC (mean ± std over seeds), one bar per model, scenarios on x. */
export function perScenarioAucFigure(
  results: readonly CellResult[],
  opts: { data: string; labels?: string[]; title?: string },
): Figure {
  const rs = results.filter((r) => r.data === opts.data && (!opts.labels || opts.labels.includes(r.label)));
  if (rs.length === 0) throw new Error(`perScenarioAucFigure: no runs for data "${opts.data}"`);
  const scenarios = rs[0].groups;
  const series = Object.fromEntries(
    rs.map((r) => [
      r.label,
      fromSeeds(r.seeds.map((_, s) => scenarios.map((g) => r.metrics[`${g}.auc`][s]))),
    ]),
  );
  const fig = groupedBars(
    scenarios.map((g) => `${g} (${rs[0].groupRows[g]} rows)`),
    series,
    {
      title:
        opts.title ?? `${opts.data}: test AUC per scenario (mean ± std over ${rs[0].seeds.length} seeds)`,
      yTitle: "test AUC",
      height: 480,
    },
  );
  Object.assign(fig.layout, {
    legend: { orientation: "h", yanchor: "top", y: -0.15, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 130 },
  });
  return fig;
}

/**
 * The heads' field weights a_h (softmax over fields) per scenario: one row per (scenario, head),
 * one column per field, rows grouped by scenario. They depend on the scenario only, so this is the
 * whole learned re-weighting, not a sample of rows. Reads what the grid's `inspect` hook kept.
 */
export function fieldWeightHeatmap(run: CellResult, opts: { title?: string } = {}): Figure {
  const w = run.inspected.fieldWeights as number[][][] | undefined;
  const fieldNames = (run.inspected.fieldNames as string[] | undefined) ?? [];
  if (!w)
    throw new Error(
      `fieldWeightHeatmap: run ${run.data}/${run.label} has no field weights (implicit module off or static)`,
    );
  const rows: number[][] = [];
  const y: string[] = [];
  w.forEach((perHead, s) =>
    perHead.forEach((a, h) => {
      rows.push(a);
      y.push(`${run.groups[s] ?? `scenario ${s}`} · head ${h + 1}`);
    }),
  );
  const uniform = 1 / fieldNames.length;
  return heatmap(rows, {
    x: fieldNames,
    y,
    zmin: 0,
    title:
      opts.title ??
      `${run.data} · ${run.label}: heads' field weights per scenario (last seed; uniform = ${uniform.toFixed(3)})`,
    colorbarTitle: "a_h(field)",
    height: Math.max(360, 28 * rows.length + 140),
  });
}

/**
 * Ablation deltas: test AUC of each ablation minus the full model's, paired by seed (seeds the
 * ablation ran), mean ± std, one group per data set.
 */
export function ablationDeltaFigure(
  results: readonly CellResult[],
  opts: {
    datasets: string[];
    labels: readonly string[];
    reference?: string;
    names?: Record<string, string>;
    title?: string;
  },
): Figure {
  const ref = opts.reference ?? "hierrec";
  const series: Record<string, { values: number[]; error: number[] }> = {};
  for (const label of opts.labels) {
    const values: number[] = [];
    const error: number[] = [];
    for (const d of opts.datasets) {
      const a = results.find((r) => r.data === d && r.label === label);
      const b = results.find((r) => r.data === d && r.label === ref);
      if (!a || !b) {
        values.push(NaN);
        error.push(NaN);
        continue;
      }
      const deltas = a.seeds.map((seed, i) => {
        const j = b.seeds.indexOf(seed);
        if (j < 0)
          throw new Error(
            `ablationDeltaFigure: ${d}/${label} ran seed ${seed}, the reference ${ref} did not`,
          );
        return a.metrics.auc[i] - b.metrics.auc[j];
      });
      const s = fromSeeds(deltas.map((x) => [x]));
      values.push(s.values[0]);
      error.push(s.error![0]);
    }
    series[opts.names?.[label] ?? label] = { values, error };
  }
  const fig = groupedBars(opts.datasets, series, {
    title: opts.title ?? `Ablations: test AUC minus HierRec's (same seed; mean ± std)`,
    yTitle: `ΔAUC vs ${ref}`,
    referenceLine: { y: 0, label: ref },
    height: 520,
  });
  Object.assign(fig.layout, {
    legend: { orientation: "h", yanchor: "top", y: -0.12, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 150 },
  });
  return fig;
}
