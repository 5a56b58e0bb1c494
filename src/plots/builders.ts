/**
 * Pure figure builders: learning curves, lines, grouped bars with seed spread, heatmaps,
 * scatter plots. Each takes plain arrays and returns a themed plotly `Figure`.
 *
 * Used in every paper notebook: "train" (learning curve), "evaluate" (per-group bars),
 * "model" (gate-weight heatmaps) and "comparison with the paper" (paper-vs-ours scatter).
 */
import { baseLayout, check, colorAt, CommonOptions, Figure, SEQUENTIAL_SCALE, Trace } from "./figure";

/** Plotly draws `null` as a gap; NaN/Infinity are not valid JSON, so map them to null. */
function clean(values: ReadonlyArray<number>): Array<number | null> {
  return values.map((v) => (Number.isFinite(v) ? v : null));
}

// ---------------------------------------------------------------------------------------
// Learning curves

/** Training history as the trainer records it: one x axis and named series. */
export interface History {
  /** Epoch numbers (1-based); used as x when present. */
  epoch?: number[];
  /** Step numbers; used as x when `epoch` is absent. */
  step?: number[];
  /** Series by name, e.g. `{"train loss": [...], "val auc": [...]}`; same length as x. */
  series: Record<string, number[]>;
}

export interface LearningCurveOptions extends CommonOptions {
  /**
   * Series drawn against a right-hand y axis. Default: when the history mixes losses and
   * other metrics, every series whose name does not contain "loss" goes on the right.
   */
  rightAxis?: string[];
  /** Title of the right-hand axis; default "metric". */
  y2Title?: string;
  /** Log-scale left y axis (useful for losses spanning decades). Default false. */
  logY?: boolean;
}

/** Learning curves: one line per series against epoch (or step), losses left, metrics right. */
export function learningCurves(history: History, opts: LearningCurveOptions = {}): Figure {
  const names = Object.keys(history.series);
  check(names.length > 0, "learningCurves: history.series is empty");
  const xName = history.epoch ? "epoch" : history.step ? "step" : "index";
  const n = history.series[names[0]].length;
  const x = history.epoch ?? history.step ?? Array.from({ length: n }, (_, i) => i + 1);
  for (const name of names) {
    check(
      history.series[name].length === x.length,
      `learningCurves: series "${name}" has ${history.series[name].length} points, ${xName} has ${x.length}`,
    );
  }
  const isLoss = (s: string): boolean => /loss/i.test(s);
  const mixed = names.some(isLoss) && names.some((s) => !isLoss(s));
  const right = new Set(opts.rightAxis ?? (mixed ? names.filter((s) => !isLoss(s)) : []));
  const data: Trace[] = names.map((name, i) => ({
    type: "scatter",
    mode: x.length <= 30 ? "lines+markers" : "lines",
    name,
    x: [...x],
    y: clean(history.series[name]),
    yaxis: right.has(name) ? "y2" : "y",
    line: { color: colorAt(i), width: 2, dash: right.has(name) ? "dash" : "solid" },
    marker: { size: 6 },
  }));
  // Few integer epochs: one tick per epoch rather than 1, 1.5, 2, ...
  const integerTicks = x.length <= 20 && x.every(Number.isInteger);
  const layout = baseLayout(
    {
      ...opts,
      title: opts.title ?? "Learning curves",
      xTitle: opts.xTitle ?? xName,
      yTitle: opts.yTitle ?? (right.size > 0 ? "loss" : "value"),
    },
    integerTicks ? { dtick: 1 } : {},
    opts.logY ? { type: "log" } : {},
  );
  if (right.size > 0) {
    layout.yaxis2 = {
      title: { text: opts.y2Title ?? "metric" },
      overlaying: "y",
      side: "right",
      showgrid: false,
      automargin: true,
      ticks: "outside",
    };
  }
  return { data, layout };
}

// ---------------------------------------------------------------------------------------
// Lines

export interface LinesOptions extends CommonOptions {
  logX?: boolean;
  logY?: boolean;
  /** Draw markers on the points. Default: true when there are at most 30 points. */
  markers?: boolean;
}

/** Several named series over a shared x (e.g. AUC against embedding bit-width). */
export function lines(
  x: ReadonlyArray<number | string>,
  series: Record<string, ReadonlyArray<number>>,
  opts: LinesOptions = {},
): Figure {
  const names = Object.keys(series);
  check(names.length > 0, "lines: no series");
  for (const name of names) {
    check(
      series[name].length === x.length,
      `lines: series "${name}" has ${series[name].length} points, x has ${x.length}`,
    );
  }
  const markers = opts.markers ?? x.length <= 30;
  const data: Trace[] = names.map((name, i) => ({
    type: "scatter",
    mode: markers ? "lines+markers" : "lines",
    name,
    x: [...x],
    y: clean(series[name]),
    line: { color: colorAt(i), width: 2 },
    marker: { size: 7 },
  }));
  const layout = baseLayout(
    { ...opts, title: opts.title ?? "" },
    opts.logX ? { type: "log" } : {},
    opts.logY ? { type: "log" } : {},
  );
  return { data, layout };
}

// ---------------------------------------------------------------------------------------
// Grouped bars

/** One bar series: a value per category, optionally with a symmetric error (e.g. seed std). */
export interface BarSeries {
  values: number[];
  /** Half-width of the error bar per category (e.g. the standard deviation over seeds). */
  error?: number[];
}

/**
 * Mean and sample standard deviation over seeds. `perSeed[s][c]` is the value of category
 * `c` under seed `s`; the result feeds `groupedBars` directly.
 */
export function fromSeeds(perSeed: ReadonlyArray<ReadonlyArray<number>>): BarSeries {
  check(perSeed.length > 0, "fromSeeds: no seeds");
  const numCategories = perSeed[0].length;
  for (const row of perSeed)
    check(row.length === numCategories, "fromSeeds: seeds have different numbers of categories");
  const values: number[] = [];
  const error: number[] = [];
  for (let c = 0; c < numCategories; c++) {
    const xs = perSeed.map((row) => row[c]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
    values.push(mean);
    error.push(Math.sqrt(variance));
  }
  return { values, error };
}

export interface GroupedBarsOptions extends CommonOptions {
  /** y range; default: zoomed to the data (bars of AUCs near 0.75 are unreadable from 0). */
  yRange?: [number, number];
  /** Horizontal reference line, e.g. a baseline's overall AUC or 0 for deltas. */
  referenceLine?: { y: number; label?: string };
  /**
   * Print the value above each bar with this many decimals (bars without error bars only;
   * bars with error bars show value ± error on hover). Default: no labels.
   */
  labelDigits?: number;
}

/**
 * Grouped bars: categories on x (e.g. domains), one bar per series in each group
 * (e.g. models), with error bars when the series carries `error`.
 */
export function groupedBars(
  categories: ReadonlyArray<string>,
  series: Record<string, ReadonlyArray<number> | BarSeries>,
  opts: GroupedBarsOptions = {},
): Figure {
  const names = Object.keys(series);
  check(names.length > 0, "groupedBars: no series");
  const normalised: Record<string, BarSeries> = {};
  for (const name of names) {
    const s = series[name];
    const bar: BarSeries = isBarSeries(s) ? s : { values: [...s] };
    check(
      bar.values.length === categories.length,
      `groupedBars: series "${name}" has ${bar.values.length} values, ${categories.length} categories`,
    );
    check(
      !bar.error || bar.error.length === categories.length,
      `groupedBars: series "${name}" error has the wrong length`,
    );
    normalised[name] = bar;
  }
  const data: Trace[] = names.map((name, i) => {
    const bar = normalised[name];
    const trace: Trace = {
      type: "bar",
      name,
      x: [...categories],
      y: clean(bar.values),
      marker: { color: colorAt(i) },
    };
    if (bar.error) {
      trace.error_y = {
        type: "data",
        array: clean(bar.error),
        visible: true,
        thickness: 1.5,
        width: 4,
        color: "#333333",
      };
      trace.customdata = clean(bar.error);
      trace.hovertemplate = "%{x}: %{y:.4f} ± %{customdata:.4f}<extra>%{fullData.name}</extra>";
    } else if (opts.labelDigits !== undefined) {
      // Printed values only on bars without error bars: the two would overlap.
      trace.text = bar.values.map((v) => (Number.isFinite(v) ? v.toFixed(opts.labelDigits) : ""));
      trace.textposition = "outside";
      trace.cliponaxis = false;
    }
    return trace;
  });
  const layout = baseLayout(
    { ...opts, title: opts.title ?? "" },
    { type: "category" },
    {
      range: opts.yRange ?? autoRange(normalised, opts.referenceLine?.y),
    },
  );
  layout.barmode = "group";
  layout.bargap = 0.2;
  layout.bargroupgap = 0.05;
  if (opts.referenceLine) {
    layout.shapes = [
      {
        type: "line",
        xref: "paper",
        x0: 0,
        x1: 1,
        y0: opts.referenceLine.y,
        y1: opts.referenceLine.y,
        line: { color: "#444444", width: 1.5, dash: "dot" },
      },
    ];
    if (opts.referenceLine.label) {
      layout.annotations = [
        {
          xref: "paper",
          x: 1,
          xanchor: "right",
          y: opts.referenceLine.y,
          yanchor: "bottom",
          text: opts.referenceLine.label,
          showarrow: false,
        },
      ];
    }
  }
  return { data, layout };
}

function isBarSeries(s: ReadonlyArray<number> | BarSeries): s is BarSeries {
  return !Array.isArray(s) && typeof s === "object" && s !== null && Array.isArray((s as BarSeries).values);
}

/** A y range that shows differences: from a little below the lowest bar (or 0 if bars cross 0). */
function autoRange(series: Record<string, BarSeries>, reference?: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of Object.values(series)) {
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const e = s.error?.[i] ?? 0;
      lo = Math.min(lo, v - e);
      hi = Math.max(hi, v + e);
    });
  }
  if (reference !== undefined) {
    lo = Math.min(lo, reference);
    hi = Math.max(hi, reference);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const span = hi - lo || Math.abs(hi) || 1;
  // Bars of positive values that are close together: zoom; otherwise include zero.
  const zoom = lo > 0 && span < 0.5 * hi;
  const bottom = zoom ? lo - 0.25 * span : Math.min(0, lo - 0.05 * span);
  const top = hi + 0.15 * span;
  return [bottom, top];
}

// ---------------------------------------------------------------------------------------
// Heatmap

export interface HeatmapOptions extends CommonOptions {
  /** Column labels (x). */
  x?: ReadonlyArray<string>;
  /** Row labels (y), drawn top to bottom. */
  y?: ReadonlyArray<string>;
  /** Plotly colour scale; default Viridis (sequential, colour-blind safe). Use "RdBu" for signed values. */
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Print each cell's value with this many decimals; default 2 when the grid has at most 400 cells. */
  digits?: number | null;
  /** Colour bar title. */
  colorbarTitle?: string;
}

/** Heatmap of a matrix `z[row][col]` (e.g. gate weight per domain x expert). */
export function heatmap(z: ReadonlyArray<ReadonlyArray<number>>, opts: HeatmapOptions = {}): Figure {
  check(z.length > 0, "heatmap: empty matrix");
  const cols = z[0].length;
  for (const row of z) check(row.length === cols, "heatmap: rows have different lengths");
  const x = opts.x ? [...opts.x] : Array.from({ length: cols }, (_, i) => String(i));
  const y = opts.y ? [...opts.y] : Array.from({ length: z.length }, (_, i) => String(i));
  check(x.length === cols, `heatmap: ${x.length} x labels for ${cols} columns`);
  check(y.length === z.length, `heatmap: ${y.length} y labels for ${z.length} rows`);
  const digits = opts.digits === undefined ? (z.length * cols <= 400 ? 2 : null) : opts.digits;
  const trace: Trace = {
    type: "heatmap",
    x,
    y,
    z: z.map((row) => clean(row)),
    colorscale: opts.colorscale ?? SEQUENTIAL_SCALE,
    colorbar: { title: { text: opts.colorbarTitle ?? "", side: "right" }, outlinewidth: 0 },
    hoverongaps: false,
  };
  if (opts.zmin !== undefined) trace.zmin = opts.zmin;
  if (opts.zmax !== undefined) trace.zmax = opts.zmax;
  if (digits !== null) {
    trace.texttemplate = `%{z:.${digits}f}`;
    trace.textfont = { size: 12 };
  }
  const layout = baseLayout(
    { ...opts, title: opts.title ?? "" },
    { type: "category", showgrid: false, ticks: "" },
    { type: "category", showgrid: false, ticks: "", autorange: "reversed" },
  );
  return { data: [trace], layout };
}

// ---------------------------------------------------------------------------------------
// Scatter

/** One scatter series. */
export interface Points {
  x: ReadonlyArray<number>;
  y: ReadonlyArray<number>;
  /** Per-point label shown on hover (and next to the point when `labels` is set). */
  text?: ReadonlyArray<string>;
}

export interface ScatterOptions extends CommonOptions {
  /** Draw the y = x diagonal (e.g. paper value against ours). Default false. */
  diagonal?: boolean;
  /** Print each point's `text` next to it. Default false. */
  labels?: boolean;
  logX?: boolean;
  logY?: boolean;
}

/** Scatter plot of one or several named point sets. */
export function scatter(series: Points | Record<string, Points>, opts: ScatterOptions = {}): Figure {
  const named: Record<string, Points> = isPoints(series) ? { "": series } : series;
  const names = Object.keys(named);
  check(names.length > 0, "scatter: no series");
  const data: Trace[] = names.map((name, i) => {
    const p = named[name];
    check(
      p.x.length === p.y.length,
      `scatter: series "${name}" has ${p.x.length} x and ${p.y.length} y values`,
    );
    check(!p.text || p.text.length === p.x.length, `scatter: series "${name}" text has the wrong length`);
    const trace: Trace = {
      type: "scatter",
      mode: opts.labels && p.text ? "markers+text" : "markers",
      name,
      showlegend: name !== "",
      x: clean(p.x),
      y: clean(p.y),
      marker: { color: colorAt(i), size: 9, line: { color: "#FFFFFF", width: 1 } },
    };
    if (p.text) {
      trace.text = [...p.text];
      trace.textposition = "top center";
    }
    return trace;
  });
  if (opts.diagonal) {
    const all = names.flatMap((n) => [...named[n].x, ...named[n].y]).filter(Number.isFinite);
    if (all.length > 0) {
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      data.push({
        type: "scatter",
        mode: "lines",
        name: "y = x",
        x: [lo, hi],
        y: [lo, hi],
        line: { color: "#888888", dash: "dot", width: 1.5 },
        hoverinfo: "skip",
      });
    }
  }
  const layout = baseLayout(
    { ...opts, title: opts.title ?? "" },
    opts.logX ? { type: "log" } : {},
    opts.logY ? { type: "log" } : {},
  );
  return { data, layout };
}

function isPoints(s: Points | Record<string, Points>): s is Points {
  return Array.isArray((s as Points).x) && Array.isArray((s as Points).y);
}
