/**
 * HAMUR figures (notebook 01-hamur): domain sizes of the data sets, per-domain test AUC bars for
 * every backbone with and without the adapter, the synthetic ablations against HAMUR, the
 * interference view (cosine between per-domain gradients of the shared embeddings; adapter branch
 * norms per domain; `CellResult.inspected` of the last seed) and validation learning curves.
 * Pure builders over the grid's `CellResult`s returning plotly figures in the kit theme.
 */
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { fromSeeds, groupedBars } from "../../plots/builders";
import { bandTraces, seedBand } from "../../plots/bands";
import { cellOf, type CellResult } from "../../train/grid";

/** The cells labelled `labels` on data set `data` that exist (a figure shows what was run). */
export function present(results: readonly CellResult[], data: string, labels: readonly string[]): string[] {
  return labels.filter((l) => results.some((r) => r.data === data && r.label === l));
}

function pick(results: readonly CellResult[], data: string, labels: readonly string[]): CellResult[] {
  return labels.map((l) => cellOf(results, l, data));
}

/** Share of train rows and click rate per domain of the MovieLens sets (rows of `domainRows`). */
export function dataDomainsFigure(
  rows: readonly Record<string, string | number>[],
  sets: readonly string[] = ["ml1m", "ml100k"],
): Figure {
  const sel = sets.flatMap((n) => rows.filter((r) => r.data === n));
  return groupedBars(
    sel.map((r) => `${r.data} ${r.domain}`),
    {
      "share of train rows": sel.map((r) => Number(r.share)),
      "click rate (rating > 3)": sel.map((r) => Number(r["click rate"])),
    },
    { title: "MovieLens age domains: size and label rate", yTitle: "fraction", yRange: [0, 1] },
  );
}

/** Per-domain test AUC (mean ± std over seeds), one bar per cell, domains on x. */
export function perDomainAucFigure(
  results: readonly CellResult[],
  opts: { data: string; labels: readonly string[]; title?: string },
): Figure {
  const sel = pick(results, opts.data, opts.labels);
  const domains = sel[0].groups;
  const series = Object.fromEntries(
    sel.map((r) => [r.label, fromSeeds(r.seeds.map((_, s) => domains.map((g) => r.metrics[`${g}.auc`][s])))]),
  );
  return groupedBars(domains, series, {
    title: opts.title ?? `${opts.data}: test AUC per domain (mean ± std over seeds)`,
    yTitle: "test AUC",
    height: 460,
  });
}

/**
 * Ablations: test AUC of each cell minus the reference's (HAMUR), overall and per domain, paired
 * by seed (an ablation's seeds are the first seeds of the reference).
 */
export function ablationFigure(
  results: readonly CellResult[],
  opts: { data: string; labels: readonly string[]; reference?: string; title?: string },
): Figure {
  const ref = cellOf(results, opts.reference ?? "mlp+hamur", opts.data);
  const keys = ["auc", ...ref.groups.map((g) => `${g}.auc`)];
  const series = Object.fromEntries(
    pick(results, opts.data, opts.labels).map((r) => [
      r.label,
      fromSeeds(r.seeds.map((_, s) => keys.map((k) => r.metrics[k][s] - ref.metrics[k][s]))),
    ]),
  );
  return groupedBars(["overall", ...ref.groups], series, {
    title:
      opts.title ??
      `${opts.data.toUpperCase()} · ablations: test AUC minus HAMUR-MLP's (same seed; mean ± std)`,
    yTitle: "ΔAUC vs HAMUR (MLP)",
    referenceLine: { y: 0, label: "HAMUR" },
    height: 500,
  });
}

/**
 * Interference view: left, the cosine between per-domain gradients of the shared embedding tables
 * per domain pair (below 0: the domains pull the shared rows in opposite directions); right, the
 * mean ‖adapter branch‖ / ‖adapter input‖ per domain for cells with an adapter.
 */
export function interferenceFigure(
  results: readonly CellResult[],
  opts: { data: string; labels: readonly string[]; title?: string },
): Figure {
  const sel = pick(results, opts.data, opts.labels);
  const view = (r: CellResult) =>
    r.inspected as { adapterRatio: Record<string, number>; gradCosine: Record<string, number> };
  const pairs = Object.keys(view(sel[0]).gradCosine);
  const data: Trace[] = [];
  sel.forEach((r, i) => {
    const { gradCosine, adapterRatio } = view(r);
    data.push({
      type: "bar",
      name: r.label,
      x: pairs,
      y: pairs.map((p) => gradCosine[p]),
      marker: { color: colorAt(i) },
      legendgroup: r.label,
      xaxis: "x",
      yaxis: "y",
    });
    const doms = Object.keys(adapterRatio);
    if (doms.length > 0)
      data.push({
        type: "bar",
        name: r.label,
        x: doms,
        y: doms.map((g) => adapterRatio[g]),
        marker: { color: colorAt(i) },
        legendgroup: r.label,
        showlegend: false,
        xaxis: "x2",
        yaxis: "y2",
      });
  });
  const layout = baseLayout({
    title: opts.title ?? `${opts.data}: interference between domains (last seed, test rows)`,
    height: 460,
  });
  const axis = {
    showgrid: true,
    gridcolor: "#E5E5E5",
    zeroline: true,
    zerolinecolor: "#888",
    linecolor: "#444444",
    ticks: "outside",
    automargin: true,
  };
  Object.assign(layout, {
    barmode: "group",
    xaxis: { ...axis, type: "category", domain: [0, 0.55], title: { text: "domain pair" } },
    yaxis: { ...axis, title: { text: "cosine of per-domain embedding gradients" } },
    xaxis2: { ...axis, type: "category", domain: [0.65, 1], anchor: "y2", title: { text: "domain" } },
    yaxis2: { ...axis, anchor: "x2", title: { text: "‖adapter branch‖ / ‖input‖" } },
    legend: { orientation: "h", yanchor: "top", y: -0.25, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 120 },
  });
  return { data, layout };
}

/** Validation AUC against training steps, mean over seeds (±1 std band), one line per cell. */
export function learningCurvesFigure(
  results: readonly CellResult[],
  opts: { data: string; labels: readonly string[]; title?: string },
): Figure {
  const data: Trace[] = [];
  pick(results, opts.data, opts.labels).forEach((r, i) => {
    const perSeed = r.histories.map((h) =>
      h.steps
        .filter((p) => p.validAuc !== undefined && Number.isFinite(p.validAuc))
        .map((p) => ({ x: p.step, y: p.validAuc as number })),
    );
    const band = seedBand(perSeed);
    if (band.x.length > 0) data.push(...bandTraces(r.label, colorAt(i), band));
  });
  const layout = baseLayout({
    title: opts.title ?? `${opts.data}: validation AUC during training (mean ± std over seeds)`,
    xTitle: "training step",
    yTitle: "validation AUC",
    height: 440,
  });
  layout.legend = { orientation: "h", yanchor: "top", y: -0.2, xanchor: "center", x: 0.5 };
  layout.margin = { l: 70, r: 30, t: 60, b: 110 };
  return { data, layout };
}
