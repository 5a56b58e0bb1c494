/**
 * The TEM4CTR notebook's figures (notebook 03-tem4ctr, section "Figures"): test AUC per variant
 * with the seed spread, one user's aligned-window attention (step 1) as a heatmap, and C2 under
 * increasing injected noise. Pure builders over grid results (src/plots).
 */
import { fromSeeds, groupedBars, heatmap, lines } from "../../plots/builders";
import type { Figure } from "../../plots/figure";
import type { CellResult } from "../../train/grid";

/** Test AUC (mean ± std over seeds) of `labels` on each data set that has them. */
export function aucFigure(results: readonly CellResult[], labels: readonly string[], title: string): Figure {
  const datas = [...new Set(results.map((r) => r.data))].filter((d) =>
    labels.every((l) => results.some((r) => r.data === d && r.label === l)),
  );
  const series: Record<string, ReturnType<typeof fromSeeds>> = {};
  for (const l of labels) {
    const cells = datas.map((d) => results.find((r) => r.data === d && r.label === l)!);
    const n = Math.min(...cells.map((c) => c.metrics.auc.length));
    series[l] = fromSeeds(Array.from({ length: n }, (_, s) => cells.map((c) => c.metrics.auc[s])));
  }
  return groupedBars(datas, series, { title, yTitle: "test AUC (mean ± std over seeds)" });
}

/** Heatmap of step-1 attention weights of one test user (rows: click slots, columns: aligned unclicks). */
export function alignmentHeatmap(r: CellResult, kMax: number): Figure | null {
  const w = r.inspected.alignWeights as number[][] | undefined;
  if (!w) return null;
  const rows = w.map((row, i) => ({ row, i })).filter((x) => x.row.some((v) => v > 0));
  const z = rows.length > 0 ? rows : w.map((row, i) => ({ row, i }));
  return heatmap(
    z.map((x) => x.row),
    {
      title: `${r.data}: click attends over its aligned unclicks (test row ${r.inspected.row}, label ${r.inspected.label})`,
      x: Array.from({ length: 2 * kMax }, (_, j) =>
        j < kMax ? `before ${kMax - j}` : `after ${j - kMax + 1}`,
      ),
      y: z.map((x) => `click slot ${x.i}`),
      colorbarTitle: "weight",
      zmin: 0,
    },
  );
}

/** Test AUC of DIN, TEM4CTR (projection) and TEM4CTR (direct addition) against the injected noise level. */
export function noiseFigure(results: readonly CellResult[], levels: readonly number[]): Figure {
  const dataOf = (p: number) => (p === 0 ? "near" : `near-noise${p}`);
  const xs = [0, ...levels];
  const series: Record<string, number[]> = {};
  for (const l of ["din", "tem4ctr", "tem4ctr.add"]) {
    series[l] = xs.map((p) => {
      const r = results.find((x) => x.data === dataOf(p) && x.label === l);
      return r ? r.metrics.auc.reduce((a, b) => a + b, 0) / r.metrics.auc.length : NaN;
    });
  }
  return lines(xs, series, {
    title: "C2 under injected noise: share of aligned unclicks replaced by random items (SYNTHETIC near set)",
    xTitle: "noise level",
    yTitle: "test AUC (mean over seeds)",
  });
}
