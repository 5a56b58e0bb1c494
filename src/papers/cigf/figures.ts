/**
 * CIGF figures (notebook 06-cigf): HR@10 / NDCG@10 per model with the seed spread, the per-layer
 * contribution (HR@10 against the number of layers, and the mean ‖term‖ of every layer in the
 * target representation), and the gradient cosine between behaviour tasks per decoder. Pure
 * builders over the graph grid's results returning plotly figures in the kit theme.
 */
import { fromSeeds, groupedBars } from "../../plots/builders";
import type { Figure } from "../../plots/figure";
import type { GraphCellResult } from "../../train/graph-grid";

function pick(
  results: readonly GraphCellResult[],
  data: string,
  labels: readonly string[],
): GraphCellResult[] {
  return labels.flatMap((l) => results.filter((r) => r.data === data && r.label === l));
}

/** HR@10 and NDCG@10 (mean ± std over seeds) of the cells `labels` on `data`. */
export function metricsFigure(
  results: readonly GraphCellResult[],
  data: string,
  labels: readonly string[],
): Figure {
  const sel = pick(results, data, labels);
  const keys = ["hr@10", "ndcg@10"];
  const series = Object.fromEntries(
    sel.map((r) => [r.label, fromSeeds(r.seeds.map((_, s) => keys.map((k) => r.metrics[k][s])))]),
  );
  return groupedBars(["HR@10", "NDCG@10"], series, {
    title: `${data}: HR@10 / NDCG@10, 1 held-out item among 100 (mean ± std over seeds)`,
    yTitle: "metric",
    yRange: [0, 1],
    height: 440,
  });
}

/** HR@10 per number of layers (cells `cigf` and `cigf-L<l>` on `data`) next to the layer terms' mean norm. */
export function layersFigure(
  results: readonly GraphCellResult[],
  data: string,
  defaultLayers: number,
): Figure {
  const cells = results.filter((r) => r.data === data && (r.label === "cigf" || /^cigf-L\d+$/.test(r.label)));
  const layersOf = (r: GraphCellResult) => (r.label === "cigf" ? defaultLayers : Number(r.label.slice(6)));
  cells.sort((a, b) => layersOf(a) - layersOf(b));
  const hr = fromSeeds(cells[0].seeds.map((_, s) => cells.map((r) => r.metrics["hr@10"][s])));
  const main = cells.find((r) => r.label === "cigf")!;
  const norms = (main.inspected.layerNorms as number[]) ?? [];
  const total = norms.reduce((a, b) => a + b, 0) || 1;
  const share = cells.map((r) => {
    const l = layersOf(r);
    return l < norms.length ? norms[l] / total : NaN;
  });
  return groupedBars(
    cells.map((r) => `L = ${layersOf(r)}`),
    {
      "HR@10 (model with L layers)": hr,
      [`share of ‖term L‖ in the ${defaultLayers}-layer model`]: share.map((v) =>
        Number.isFinite(v) ? v : 0,
      ),
    },
    {
      title: `${data}: per-layer contribution`,
      yTitle: "HR@10 / share",
      yRange: [0, 1],
      height: 440,
    },
  );
}

/** Mean cosine between the behaviour tasks' gradients on the shared embeddings, per decoder cell. */
export function gradientCosineFigure(
  results: readonly GraphCellResult[],
  data: string,
  labels: readonly string[],
): Figure {
  const sel = pick(results, data, labels).filter((r) => r.metrics.gradCos);
  return groupedBars(
    ["mean cosine of task gradients"],
    Object.fromEntries(sel.map((r) => [r.label, fromSeeds(r.metrics.gradCos.map((v) => [v]))])),
    {
      title: `${data}: gradient cosine between behaviour tasks per decoder (higher = less conflict; mean ± std over seeds)`,
      yTitle: "cosine",
      referenceLine: { y: 0 },
      height: 440,
    },
  );
}
