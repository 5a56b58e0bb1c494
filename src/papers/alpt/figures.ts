/**
 * ALPT figures (notebook 08-alpt, section "figures"): convergence of LPT-det / LPT-sto / ALPT at one
 * bit width (training loss and validation AUC against steps, mean over seeds with a ±1 std band,
 * FP32 as the dashed reference), the learned step sizes over training, and the convex C2 check.
 * Pure builders returning plotly figures in the kit theme.
 */
import { baseLayout, FONT_FAMILY, type Figure, type Trace } from "../../plots/figure";
import type { GridRun } from "./experiment";
import type { QuantisedSgdResult } from "./convex";

/** Fixed colours per variant, so every figure reads the same (Okabe-Ito). */
export const VARIANT_COLOURS: Record<string, string> = {
  fp32: "#555555",
  "lpt-det": "#D55E00",
  "lpt-sto": "#0072B2",
  alpt: "#009E73",
};

const BACKBONES: Record<string, string> = { "alpt-dnn": "DNN", "alpt-dcn": "DCN" };
const backboneName = (model: string) => BACKBONES[model] ?? model;

const NAMES: Record<string, string> = { fp32: "FP32", "lpt-det": "LPT, deterministic", "lpt-sto": "LPT, stochastic", alpt: "ALPT (learned Δ)" };

function rgba(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Mean and std over seeds of one field of the step records, on the steps all seeds share. */
function meanCurve(curves: GridRun["curves"], field: "trainLoss" | "validAuc"): { x: number[]; mean: number[]; std: number[] } {
  const per = curves.map((c) => c.filter((r) => r[field] !== undefined && Number.isFinite(r[field])));
  const n = Math.min(...per.map((c) => c.length));
  const x: number[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = per.map((c) => c[i][field] as number);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    x.push(per[0][i].step);
    mean.push(m);
    std.push(v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0);
  }
  return { x, mean, std };
}

function band(x: number[], lo: number[], hi: number[], colour: string, xaxis: string, yaxis: string, group: string): Trace {
  return {
    type: "scatter",
    x: [...x, ...[...x].reverse()],
    y: [...hi, ...[...lo].reverse()],
    fill: "toself",
    fillcolor: rgba(colour, 0.15),
    line: { width: 0 },
    hoverinfo: "skip",
    showlegend: false,
    legendgroup: group,
    xaxis,
    yaxis,
  };
}

/**
 * Convergence at one bit width: left panel training loss, right panel validation AUC, against
 * steps; LPT-det, LPT-sto and ALPT (mean over seeds, ±1 std band) and FP32 dashed.
 */
export function convergenceFigure(runs: readonly GridRun[], opts: { bits: number; data: string; model: string; title?: string }): Figure {
  const pick = (label: string) => runs.find((r) => r.data === opts.data && r.model === opts.model && r.label === label && (label === "fp32" || r.bits === opts.bits));
  const data: Trace[] = [];
  for (const label of ["fp32", "lpt-det", "lpt-sto", "alpt"]) {
    const r = pick(label);
    if (!r) continue;
    const colour = VARIANT_COLOURS[label];
    const dash = label === "fp32" ? "dash" : "solid";
    for (const [field, ax] of [["trainLoss", ["x", "y"]], ["validAuc", ["x2", "y2"]]] as const) {
      const c = meanCurve(r.curves, field);
      if (c.x.length === 0) continue;
      if (label !== "fp32") data.push(band(c.x, c.mean.map((m, i) => m - c.std[i]), c.mean.map((m, i) => m + c.std[i]), colour, ax[0], ax[1], label));
      data.push({
        type: "scatter",
        mode: "lines",
        name: label === "fp32" ? "FP32 (reference)" : NAMES[label],
        x: c.x,
        y: c.mean,
        xaxis: ax[0],
        yaxis: ax[1],
        line: { color: colour, width: label === "fp32" ? 1.5 : 2.5, dash },
        legendgroup: label,
        showlegend: field === "trainLoss",
      });
    }
  }
  const seeds = runs.find((r) => r.data === opts.data)?.seeds.length ?? 0;
  const layout = baseLayout({ title: opts.title ?? `${opts.data} · ${backboneName(opts.model)} · ${opts.bits}-bit embeddings: convergence (mean ± std over ${seeds} seeds)`, height: 460 });
  const axis = { showgrid: true, gridcolor: "#E5E5E5", zeroline: false, linecolor: "#444444", ticks: "outside", automargin: true };
  Object.assign(layout, {
    xaxis: { ...axis, domain: [0, 0.46], title: { text: "training step" } },
    yaxis: { ...axis, title: { text: "training log loss (running mean)" } },
    xaxis2: { ...axis, domain: [0.56, 1], anchor: "y2", title: { text: "training step" } },
    yaxis2: { ...axis, anchor: "x2", title: { text: "validation AUC" } },
    legend: { orientation: "h", yanchor: "top", y: -0.3, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 120 },
  });
  return { data, layout };
}

/** Learned step sizes over training: median Δ/Δ0 with the 10-90 percentile band, one line per bit width. */
export function stepSizeFigure(runs: readonly GridRun[], opts: { data: string; model: string; title?: string }): Figure {
  const palette = ["#009E73", "#0072B2", "#D55E00", "#CC79A7", "#E69F00"];
  const data: Trace[] = [];
  const alpt = runs.filter((r) => r.data === opts.data && r.model === opts.model && r.label === "alpt" && r.stepTrace.length > 0).sort((a, b) => b.bits - a.bits);
  alpt.forEach((r, i) => {
    const colour = palette[i % palette.length];
    const x = r.stepTrace.map((p) => p.step);
    data.push(band(x, r.stepTrace.map((p) => p.p10), r.stepTrace.map((p) => p.p90), colour, "x", "y", `b${r.bits}`));
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${r.bits}-bit (Δ0 = ${r.stepTrace[0].initStep.toPrecision(2)})`,
      x,
      y: r.stepTrace.map((p) => p.p50),
      line: { color: colour, width: 2.5 },
      legendgroup: `b${r.bits}`,
    });
  });
  const layout = baseLayout({
    title: opts.title ?? `${opts.data} · ${backboneName(opts.model)} · ALPT: learned per-row step sizes (median, 10–90% band)`,
    xTitle: "training step",
    yTitle: "Δ / Δ0 (rows whose Δ moved)",
    height: 420,
  });
  layout.legend = { orientation: "h", yanchor: "bottom", y: 1.0, xanchor: "left", x: 0 };
  layout.margin = { l: 70, r: 30, t: 90, b: 60 };
  layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { color: "#888", width: 1, dash: "dot" } }];
  return { data, layout };
}

/** The convex C2 check: ‖w_t − w*‖ (log scale) for deterministic vs stochastic rounding per bit width, fp32 SGD for reference. */
export function convexFigure(results: { bits: number; det: QuantisedSgdResult; sto: QuantisedSgdResult }[], fp32: QuantisedSgdResult, opts: { title?: string } = {}): Figure {
  const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
  const data: Trace[] = [];
  results.forEach((r, i) => {
    const colour = palette[i % palette.length];
    data.push({ type: "scatter", mode: "lines", name: `${r.bits}-bit stochastic`, x: Array.from(r.sto.steps), y: Array.from(r.sto.dist), line: { color: colour, width: 2.5 } });
    data.push({ type: "scatter", mode: "lines", name: `${r.bits}-bit deterministic`, x: Array.from(r.det.steps), y: Array.from(r.det.dist), line: { color: colour, width: 2, dash: "dash" } });
  });
  data.push({ type: "scatter", mode: "lines", name: "fp32 SGD", x: Array.from(fp32.steps), y: Array.from(fp32.dist), line: { color: "#000000", width: 1.5, dash: "dot" } });
  const layout = baseLayout(
    { title: opts.title ?? "SYNTHETIC convex check: distance to the known optimum under quantised SGD", xTitle: "SGD step", yTitle: "‖w_t − w*‖ (log scale)", height: 480, width: 900 },
    {},
    { type: "log" },
  );
  layout.font = { family: FONT_FAMILY, size: 13, color: "#222222" };
  layout.legend = { orientation: "v", yanchor: "top", y: 1, xanchor: "left", x: 1.02 };
  layout.margin = { l: 70, r: 200, t: 60, b: 60 };
  return { data, layout };
}
