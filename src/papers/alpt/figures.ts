/**
 * ALPT figures (notebook 08-alpt, sections "data", "evaluate", "ablation", "figures"): the
 * vocabulary sizes, test AUC per bit width, the ablation differences, convergence of LPT-det /
 * LPT-sto / ALPT at one bit width (training loss and validation AUC against steps, mean over seeds
 * with a ±1 std band, FP32 as the dashed reference), the learned step sizes over training (all
 * moved rows; frequent vs rare rows, `stepSizeByFrequencyFigure`), and the
 * convex C2 check. Pure builders over the grid's CellResult[], returning plotly figures in the kit theme.
 */
import type { Dataset } from "../../data/dataset";
import { meanStd } from "../../metrics/seeds";
import { areaTrace, seedBand } from "../../plots/bands";
import { fromSeeds, groupedBars } from "../../plots/builders";
import { baseLayout, FONT_FAMILY, type Figure, type Trace } from "../../plots/figure";
import type { CellResult } from "../../train/grid";
import {
  ABLATION_BITS,
  ABLATION_NAMES,
  cellAt,
  freqTraceOf,
  stepTraceOf,
  variantOf,
  type ConvexRuns,
} from "./experiment";

/** Fixed colours per variant, so every figure reads the same (Okabe-Ito). */
export const VARIANT_COLOURS: Record<string, string> = {
  fp32: "#555555",
  "lpt-det": "#D55E00",
  "lpt-sto": "#0072B2",
  alpt: "#009E73",
};

const BACKBONES: Record<string, string> = { "alpt-dnn": "DNN", "alpt-dcn": "DCN" };
const backboneName = (model: string) => BACKBONES[model] ?? model;

const NAMES: Record<string, string> = {
  fp32: "FP32",
  "lpt-det": "LPT, deterministic",
  "lpt-sto": "LPT, stochastic",
  alpt: "ALPT (learned Δ)",
};

/** Mean and std over seeds of one field of the step records, on the steps all seeds share. */
function meanCurve(
  r: CellResult,
  field: "trainLoss" | "validAuc",
): { x: number[]; mean: number[]; std: number[] } {
  return seedBand(
    r.histories.map((h) =>
      h.steps
        .filter((s) => s[field] !== undefined && Number.isFinite(s[field]))
        .map((s) => ({ x: s.step, y: s[field] as number })),
    ),
  );
}

/** Log10 vocabulary size per categorical field (rows of each embedding table). */
export function vocabFigure(d: Dataset, name = "Criteo sample"): Figure {
  const cats = d.schema.features.filter((f) => f.kind === "categorical") as {
    name: string;
    vocabSize: number;
  }[];
  return groupedBars(
    cats.map((f) => f.name),
    { criteo: cats.map((f) => Math.log10(f.vocabSize)) },
    {
      title: `${name}: log10 vocabulary size per field (rows of each embedding table)`,
      yTitle: "log10 rows",
    },
  );
}

/** Test AUC per bit width of LPT-det, LPT-sto and ALPT (DNN; mean ± std over seeds; FP32 as a line). */
export function aucPerBitsFigure(
  results: readonly CellResult[],
  data: string,
  bits: readonly number[],
): Figure {
  const fp = cellAt(results, data, "alpt-dnn", "fp32", 32)!;
  const series = Object.fromEntries(
    (["lpt-det", "lpt-sto", "alpt"] as const).map((v) => [
      v,
      fromSeeds(
        fp.seeds.map((_, s) => bits.map((b) => cellAt(results, data, "alpt-dnn", v, b)!.metrics.auc[s])),
      ),
    ]),
  );
  return groupedBars(
    bits.map((b) => `${b}-bit`),
    series,
    {
      title: `${data} · DNN: test AUC per bit width (mean ± std over seeds; line = FP32)`,
      yTitle: "test AUC",
      referenceLine: { y: meanStd(fp.metrics.auc).mean, label: "FP32" },
    },
  );
}

/** Each ablation's test AUC minus ALPT's (same seed; mean ± std), per bit width (Criteo, DNN). */
export function ablationFigure(results: readonly CellResult[]): Figure {
  const at = (v: string, b: number) => cellAt(results, "criteo", "alpt-dnn", v, b)!;
  const seeds = at("alpt", ABLATION_BITS[0]).seeds;
  const fig = groupedBars(
    ABLATION_BITS.map((b) => `${b}-bit`),
    Object.fromEntries(
      Object.keys(ABLATION_NAMES).map((l) => [
        ABLATION_NAMES[l],
        fromSeeds(
          seeds.map((_, s) =>
            ABLATION_BITS.map((b) => at(l, b).metrics.auc[s] - at("alpt", b).metrics.auc[s]),
          ),
        ),
      ]),
    ),
    {
      title: "Criteo · DNN: ablations, test AUC minus ALPT's (same seed; mean ± std)",
      yTitle: "ΔAUC vs ALPT",
      referenceLine: { y: 0, label: "ALPT" },
      height: 540,
    },
  );
  Object.assign(fig.layout, {
    legend: { orientation: "h", yanchor: "top", y: -0.12, xanchor: "center", x: 0.5 },
    margin: { l: 70, r: 30, t: 60, b: 150 },
  });
  return fig;
}

/**
 * Convergence at one bit width: left panel training loss, right panel validation AUC, against
 * steps; LPT-det, LPT-sto and ALPT (mean over seeds, ±1 std band) and FP32 dashed.
 */
export function convergenceFigure(
  runs: readonly CellResult[],
  opts: { bits: number; data: string; model: string; title?: string },
): Figure {
  const pick = (label: string) => cellAt(runs, opts.data, opts.model, label, opts.bits);
  const data: Trace[] = [];
  for (const label of ["fp32", "lpt-det", "lpt-sto", "alpt"]) {
    const r = pick(label);
    if (!r) continue;
    const colour = VARIANT_COLOURS[label];
    const dash = label === "fp32" ? "dash" : "solid";
    for (const [field, ax] of [
      ["trainLoss", ["x", "y"]],
      ["validAuc", ["x2", "y2"]],
    ] as const) {
      const c = meanCurve(r, field);
      if (c.x.length === 0) continue;
      if (label !== "fp32")
        data.push(
          areaTrace(
            c.x,
            c.mean.map((m, i) => m - c.std[i]),
            c.mean.map((m, i) => m + c.std[i]),
            colour,
            label,
            { xaxis: ax[0], yaxis: ax[1] },
          ),
        );
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
  const layout = baseLayout({
    title:
      opts.title ??
      `${opts.data} · ${backboneName(opts.model)} · ${opts.bits}-bit embeddings: convergence (mean ± std over ${seeds} seeds)`,
    height: 460,
  });
  const axis = {
    showgrid: true,
    gridcolor: "#E5E5E5",
    zeroline: false,
    linecolor: "#444444",
    ticks: "outside",
    automargin: true,
  };
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
export function stepSizeFigure(
  runs: readonly CellResult[],
  opts: { data: string; model: string; title?: string },
): Figure {
  const palette = ["#009E73", "#0072B2", "#D55E00", "#CC79A7", "#E69F00"];
  const data: Trace[] = [];
  const alpt = runs
    .filter(
      (r) =>
        r.data === opts.data &&
        r.model === opts.model &&
        variantOf(r).variant === "alpt" &&
        stepTraceOf(r).length > 0,
    )
    .map((r) => ({ bits: variantOf(r).bits, trace: stepTraceOf(r) }))
    .sort((a, b) => b.bits - a.bits);
  alpt.forEach((r, i) => {
    const colour = palette[i % palette.length];
    const x = r.trace.map((p) => p.step);
    data.push(
      areaTrace(
        x,
        r.trace.map((p) => p.p10),
        r.trace.map((p) => p.p90),
        colour,
        `b${r.bits}`,
        { xaxis: "x", yaxis: "y" },
      ),
    );
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${r.bits}-bit (Δ0 = ${r.trace[0].initStep.toPrecision(2)})`,
      x,
      y: r.trace.map((p) => p.p50),
      line: { color: colour, width: 2.5 },
      legendgroup: `b${r.bits}`,
    });
  });
  const layout = baseLayout({
    title:
      opts.title ??
      `${opts.data} · ${backboneName(opts.model)} · ALPT: learned per-row step sizes (median, 10–90% band)`,
    xTitle: "training step",
    yTitle: "Δ / Δ0 (rows whose Δ moved)",
    height: 420,
  });
  layout.legend = { orientation: "h", yanchor: "bottom", y: 1.0, xanchor: "left", x: 0 };
  layout.margin = { l: 70, r: 30, t: 90, b: 60 };
  layout.shapes = [
    {
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: 1,
      y1: 1,
      line: { color: "#888", width: 1, dash: "dot" },
    },
  ];
  return { data, layout };
}

/** The convex C2 check: ‖w_t − w*‖ (log scale) for deterministic vs stochastic rounding per bit width (first rounding seed), fp32 SGD for reference. */
export function convexFigure(c: Pick<ConvexRuns, "runs" | "fp32">, opts: { title?: string } = {}): Figure {
  const results = c.runs.map((r) => ({ bits: r.bits, det: r.det[0], sto: r.sto[0] }));
  const fp32 = c.fp32;
  const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
  const data: Trace[] = [];
  results.forEach((r, i) => {
    const colour = palette[i % palette.length];
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${r.bits}-bit stochastic`,
      x: Array.from(r.sto.steps),
      y: Array.from(r.sto.dist),
      line: { color: colour, width: 2.5 },
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${r.bits}-bit deterministic`,
      x: Array.from(r.det.steps),
      y: Array.from(r.det.dist),
      line: { color: colour, width: 2, dash: "dash" },
    });
  });
  data.push({
    type: "scatter",
    mode: "lines",
    name: "fp32 SGD",
    x: Array.from(fp32.steps),
    y: Array.from(fp32.dist),
    line: { color: "#000000", width: 1.5, dash: "dot" },
  });
  const layout = baseLayout(
    {
      title: opts.title ?? "SYNTHETIC convex check: distance to the known optimum under quantised SGD",
      xTitle: "SGD step",
      yTitle: "‖w_t − w*‖ (log scale)",
      height: 480,
      width: 900,
    },
    {},
    { type: "log" },
  );
  layout.font = { family: FONT_FAMILY, size: 13, color: "#222222" };
  layout.legend = { orientation: "v", yanchor: "top", y: 1, xanchor: "left", x: 1.02 };
  layout.margin = { l: 70, r: 200, t: 60, b: 60 };
  return { data, layout };
}

/**
 * Δ/Δ0 over training for frequent rows (top 10% by training lookups, solid) and rare rows (bottom
 * half, dashed), median with the 10–90% band, one colour per ALPT cell (bit width, Δ learning rate)
 * of `labels` on `data` (last seed). Shows whether Δ is still moving when training stops (the budget
 * caps it) or has settled (the method decides).
 */
export function stepSizeByFrequencyFigure(
  runs: readonly CellResult[],
  opts: { data: string; labels: readonly string[]; title?: string },
): Figure {
  const palette = ["#009E73", "#0072B2", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9"];
  const data: Trace[] = [];
  opts.labels.forEach((label, i) => {
    const r = runs.find((x) => x.data === opts.data && x.label === label);
    const t = r ? freqTraceOf(r) : null;
    if (!r || !t) return;
    const colour = palette[i % palette.length];
    const x = t.points.map((p) => p.step);
    const name = label.slice(r.model.length + 1);
    for (const cls of ["frequent", "rare"] as const) {
      const pts = t.points.map((p) => p[cls]);
      data.push(
        areaTrace(
          x,
          pts.map((p) => p.p10),
          pts.map((p) => p.p90),
          colour,
          `${label}.${cls}`,
          { xaxis: "x", yaxis: "y" },
        ),
      );
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${name} ${cls} (${cls === "frequent" ? `≥ ${t.frequentMinLookups}` : `≤ ${t.rareMaxLookups}`} lookups, ${cls === "frequent" ? t.frequentRows : t.rareRows} rows)`,
        x,
        y: pts.map((p) => p.p50),
        line: { color: colour, width: 2.5, dash: cls === "frequent" ? "solid" : "dash" },
        legendgroup: `${label}.${cls}`,
      });
    }
  });
  const layout = baseLayout({
    title: opts.title ?? `${opts.data} · ALPT: Δ/Δ0, frequent (solid) vs rare (dashed) rows`,
    xTitle: "training step (median, 10–90% band, last seed)",
    yTitle: "Δ / Δ0",
    height: 640,
  });
  layout.legend = { orientation: "h", yanchor: "top", y: -0.16, xanchor: "left", x: 0 };
  layout.margin = { l: 70, r: 30, t: 80, b: 230 };
  layout.shapes = [
    {
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: 1,
      y1: 1,
      line: { color: "#888", width: 1, dash: "dot" },
    },
  ];
  return { data, layout };
}
