/**
 * HAMUR figures (notebook 01-hamur, section "figures"): per-domain test AUC bars for every
 * backbone with and without the adapter, the interference view (cosine between per-domain
 * gradients of the shared embeddings; adapter branch norms per domain) and validation learning
 * curves. Pure builders over `GridRun`s returning plotly figures in the kit theme.
 */
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { fromSeeds, groupedBars } from "../../plots/builders";
import type { GridRun } from "./experiment";

function pick(runs: readonly GridRun[], data: string, labels: readonly string[]): GridRun[] {
  return labels.map((l) => {
    const r = runs.find((x) => x.data === data && x.label === l);
    if (!r) throw new Error(`hamur figures: no run "${l}" on ${data} (have ${runs.filter((x) => x.data === data).map((x) => x.label).join(", ")})`);
    return r;
  });
}

/** Per-domain test AUC (mean ± std over seeds), one bar per run, domains on x. */
export function perDomainAucFigure(runs: readonly GridRun[], opts: { data: string; labels: readonly string[]; title?: string }): Figure {
  const sel = pick(runs, opts.data, opts.labels);
  const domains = Object.keys(sel[0].perDomain);
  const series = Object.fromEntries(sel.map((r) => [r.label, fromSeeds(r.seeds.map((_, s) => domains.map((g) => r.perDomain[g].auc[s])))]));
  return groupedBars(domains, series, {
    title: opts.title ?? `${opts.data}: test AUC per domain (mean ± std over seeds)`,
    yTitle: "test AUC",
    height: 460,
  });
}

/**
 * Interference view: left, the cosine between per-domain gradients of the shared embedding tables
 * per domain pair (below 0: the domains pull the shared rows in opposite directions); right, the
 * mean ‖adapter branch‖ / ‖adapter input‖ per domain for runs with an adapter.
 */
export function interferenceFigure(runs: readonly GridRun[], opts: { data: string; labels: readonly string[]; title?: string }): Figure {
  const sel = pick(runs, opts.data, opts.labels);
  const pairs = Object.keys(sel[0].gradCosine);
  const data: Trace[] = [];
  sel.forEach((r, i) => {
    data.push({ type: "bar", name: r.label, x: pairs, y: pairs.map((p) => r.gradCosine[p]), marker: { color: colorAt(i) }, legendgroup: r.label, xaxis: "x", yaxis: "y" });
    const doms = Object.keys(r.adapterRatio);
    if (doms.length > 0) data.push({ type: "bar", name: r.label, x: doms, y: doms.map((g) => r.adapterRatio[g]), marker: { color: colorAt(i) }, legendgroup: r.label, showlegend: false, xaxis: "x2", yaxis: "y2" });
  });
  const layout = baseLayout({ title: opts.title ?? `${opts.data}: interference between domains (last seed, test rows)`, height: 460 });
  const axis = { showgrid: true, gridcolor: "#E5E5E5", zeroline: true, zerolinecolor: "#888", linecolor: "#444444", ticks: "outside", automargin: true };
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

/** Validation AUC against training steps, mean over seeds (±1 std band), one line per run. */
export function learningCurvesFigure(runs: readonly GridRun[], opts: { data: string; labels: readonly string[]; title?: string }): Figure {
  const sel = pick(runs, opts.data, opts.labels);
  const data: Trace[] = [];
  sel.forEach((r, i) => {
    const per = r.curves.map((c) => c.filter((x) => x.validAuc !== undefined && Number.isFinite(x.validAuc)));
    const n = Math.min(...per.map((c) => c.length));
    if (!(n > 0)) return;
    const x = per[0].slice(0, n).map((p) => p.step);
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < n; j++) {
      const v = per.map((c) => c[j].validAuc as number);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      mean.push(m);
      std.push(v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0);
    }
    const colour = colorAt(i);
    data.push({
      type: "scatter",
      mode: "lines",
      x: [...x, ...[...x].reverse()],
      y: [...mean.map((m, j) => m + std[j]), ...mean.map((m, j) => m - std[j]).reverse()],
      fill: "toself",
      fillcolor: colour,
      opacity: 0.15,
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      legendgroup: r.label,
    });
    data.push({ type: "scatter", mode: "lines+markers", name: r.label, x, y: mean, line: { color: colour, width: 2.5 }, legendgroup: r.label });
  });
  const layout = baseLayout({ title: opts.title ?? `${opts.data}: validation AUC during training (mean ± std over seeds)`, xTitle: "training step", yTitle: "validation AUC", height: 440 });
  layout.legend = { orientation: "h", yanchor: "top", y: -0.2, xanchor: "center", x: 0.5 };
  layout.margin = { l: 70, r: 30, t: 60, b: 110 };
  return { data, layout };
}
