/**
 * Figures of the LLM-for-recommendation survey notebook (05-llm-survey): works per WHERE cell and
 * year, works per HOW quadrant, warm / cold test AUC per feature set, HR@10 / NDCG@10 per scorer.
 */
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { fromSeeds, groupedBars, heatmap } from "../../plots/builders";
import type { CellResult } from "../../train/grid";
import { K, VARIANTS } from "./experiment";
import { quadrantOf, taxonomy, worksPerCellYear, type LlmTaxonomy } from "./taxonomy";

/** Stacked bars: works of the maintained list per WHERE cell, one colour per year. */
export function worksPerYearFigure(t: LlmTaxonomy = taxonomy()): Figure {
  const { years, cells, counts } = worksPerCellYear(t);
  const data: Trace[] = years.map((y, k) => ({
    type: "bar",
    name: String(y),
    x: cells,
    y: counts.map((row) => row[k]),
    marker: { color: colorAt(k) },
  }));
  const layout = baseLayout({
    title: "Works per WHERE cell and year (the survey's maintained list)",
    xTitle: "WHERE cell",
    yTitle: "works",
  });
  Object.assign(layout, { barmode: "stack", margin: { l: 60, r: 30, t: 60, b: 150 } });
  return { data, layout };
}

/** Heatmap of the HOW quadrants: works per (tune LLM) x (CRM at inference). */
export function howQuadrantFigure(t: LlmTaxonomy = taxonomy()): Figure {
  const count = (tune: boolean, crm: boolean) =>
    t.works.filter((w) => {
      const q = quadrantOf(w, t);
      return q.tune === tune && q.crm === crm;
    }).length;
  return heatmap(
    [[true, false].map((crm) => count(true, crm)), [true, false].map((crm) => count(false, crm))],
    {
      x: ["CRM at inference", "no CRM at inference"],
      y: ["tune LLM", "frozen LLM"],
      digits: 0,
      colorbarTitle: "works",
      title: "HOW quadrants: works per cell (tune from the list; CRM by the kit's stage rule)",
    },
  );
}

/** Warm and cold test AUC per feature set of one data set (mean ± std over seeds). */
export function coldAucFigure(results: readonly CellResult[], data: string): Figure {
  const rs = VARIANTS.map((v) => results.find((r) => r.data === data && r.label === v)!);
  const series = Object.fromEntries(
    rs.map((r) => [
      r.label,
      fromSeeds(r.seeds.map((_, s) => [r.metrics["warm.auc"][s], r.metrics["cold.auc"][s]])),
    ]),
  );
  return groupedBars(["warm items", "cold items (unseen in training)"], series, {
    title: `${data}: test AUC on warm and cold items (mean ± std over seeds)`,
    yTitle: "test AUC",
  });
}

/** HR@K and NDCG@K per scorer of one data set (mean ± std over seeds). */
export function rankingFigure(measured: Record<string, number[]>, data: string): Figure {
  const scorers = ["popularity", "zero-shot", ...VARIANTS];
  const metrics = [`hitRate@${K}`, `ndcg@${K}`];
  const series = Object.fromEntries(
    scorers.map((s) => [
      s,
      fromSeeds(
        measured[`${data}.${s}.${metrics[0]}`].map((_, i) =>
          metrics.map((m) => measured[`${data}.${s}.${m}`][i]),
        ),
      ),
    ]),
  );
  return groupedBars([`HR@${K}`, `NDCG@${K}`], series, {
    title: `${data}: ranking one held-out liked item among 100 candidates (mean ± std over seeds)`,
    yTitle: "value",
  });
}
