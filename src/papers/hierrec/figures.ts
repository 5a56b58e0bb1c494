/**
 * HierRec figures (notebook 02-hierrec, section "figures"): per-scenario test AUC of every model,
 * the heads' field weights per scenario as a heatmap, and ablation deltas (paired by seed, mean ±
 * std). Pure builders on the kit's plot builders.
 */
import { fromSeeds, groupedBars, heatmap } from "../../plots/builders";
import type { Figure } from "../../plots/figure";
import type { CellRun } from "./experiment";

/** Per-scenario test AUC (mean ± std over seeds), one bar per model, scenarios on x. */
export function perScenarioAucFigure(runs: readonly CellRun[], opts: { data: string; labels?: string[]; title?: string }): Figure {
  const rs = runs.filter((r) => r.data === opts.data && (!opts.labels || opts.labels.includes(r.label)));
  if (rs.length === 0) throw new Error(`perScenarioAucFigure: no runs for data "${opts.data}"`);
  const scenarios = rs[0].scenarioNames;
  const series = Object.fromEntries(rs.map((r) => [r.label, fromSeeds(r.seeds.map((_, s) => scenarios.map((g) => r.perScenario[g].auc[s])))]));
  const fig = groupedBars(
    scenarios.map((g) => `${g} (${rs[0].perScenario[g].count} rows)`),
    series,
    { title: opts.title ?? `${opts.data}: test AUC per scenario (mean ± std over ${rs[0].seeds.length} seeds)`, yTitle: "test AUC", height: 480 },
  );
  Object.assign(fig.layout, { legend: { orientation: "h", yanchor: "top", y: -0.15, xanchor: "center", x: 0.5 }, margin: { l: 70, r: 30, t: 60, b: 130 } });
  return fig;
}

/**
 * The heads' field weights a_h (softmax over fields) per scenario: one row per (scenario, head),
 * one column per field, rows grouped by scenario. They depend on the scenario only, so this is the
 * whole learned re-weighting, not a sample of rows.
 */
export function fieldWeightHeatmap(run: CellRun, opts: { title?: string } = {}): Figure {
  if (!run.fieldWeights) throw new Error(`fieldWeightHeatmap: run ${run.data}/${run.label} has no field weights (implicit module off or static)`);
  const w = run.fieldWeights;
  const rows: number[][] = [];
  const y: string[] = [];
  w.forEach((perHead, s) => perHead.forEach((a, h) => {
    rows.push(a);
    y.push(`${run.scenarioNames[s] ?? `scenario ${s}`} · head ${h + 1}`);
  }));
  const uniform = 1 / run.fieldNames.length;
  return heatmap(rows, {
    x: run.fieldNames,
    y,
    zmin: 0,
    title: opts.title ?? `${run.data} · ${run.label}: heads' field weights per scenario (last seed; uniform = ${uniform.toFixed(3)})`,
    colorbarTitle: "a_h(field)",
    height: Math.max(360, 28 * rows.length + 140),
  });
}

/**
 * Ablation deltas: test AUC of each ablation minus the full model's, paired by seed (seeds the
 * ablation ran), mean ± std, one group per data set.
 */
export function ablationDeltaFigure(runs: readonly CellRun[], opts: { datasets: string[]; labels: string[]; reference?: string; names?: Record<string, string>; title?: string }): Figure {
  const ref = opts.reference ?? "hierrec";
  const series: Record<string, { values: number[]; error: number[] }> = {};
  for (const label of opts.labels) {
    const values: number[] = [];
    const error: number[] = [];
    for (const d of opts.datasets) {
      const a = runs.find((r) => r.data === d && r.label === label);
      const b = runs.find((r) => r.data === d && r.label === ref);
      if (!a || !b) {
        values.push(NaN);
        error.push(NaN);
        continue;
      }
      const deltas = a.seeds.map((seed, i) => {
        const j = b.seeds.indexOf(seed);
        if (j < 0) throw new Error(`ablationDeltaFigure: ${d}/${label} ran seed ${seed}, the reference ${ref} did not`);
        return a.auc[i] - b.auc[j];
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
  Object.assign(fig.layout, { legend: { orientation: "h", yanchor: "top", y: -0.12, xanchor: "center", x: 0.5 }, margin: { l: 70, r: 30, t: 60, b: 150 } });
  return fig;
}
