/**
 * Plot figure types and the kit theme.
 *
 * Every builder in `src/plots` returns a plain plotly figure `{data, layout}`: JSON that
 * `show` renders inline in a notebook and `exportFigure` writes to PNG/SVG/HTML/JSON.
 * Nothing here touches the DOM or a browser, so figures can be built and tested in Node.
 *
 * Theme: Okabe-Ito palette (distinguishable under the common colour-vision deficiencies),
 * Liberation Sans / Arial at 14 px, white background, light grid, a title on every figure.
 */

/** One plotly trace. Only the fields the kit sets are typed; any other plotly key may be added. */
export interface Trace {
  type: "scatter" | "bar" | "heatmap" | string;
  name?: string;
  x?: ReadonlyArray<number | string | null>;
  y?: ReadonlyArray<number | string | null>;
  z?: ReadonlyArray<ReadonlyArray<number | null>>;
  [key: string]: unknown;
}

/** Plotly layout. Only the fields the kit sets are typed; any other plotly key may be added. */
export interface Layout {
  title?: { text: string; [key: string]: unknown };
  width?: number;
  height?: number;
  [key: string]: unknown;
}

/** A plotly figure: what every builder returns and what `show` / `exportFigure` accept. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: Record<string, unknown>;
}

/** Options shared by every builder. */
export interface CommonOptions {
  /** Figure title (every kit figure has one). */
  title?: string;
  /** x-axis title. */
  xTitle?: string;
  /** y-axis title. */
  yTitle?: string;
  /** Pixel width; default: responsive in notebooks, 800 when exported. */
  width?: number;
  /** Pixel height; default 450. */
  height?: number;
}

/**
 * Okabe & Ito (2008) colour-blind-safe palette, ordered for contrast on white
 * (yellow last: it is the weakest on a white background).
 */
export const PALETTE: readonly string[] = [
  "#0072B2", // blue
  "#D55E00", // vermillion
  "#009E73", // bluish green
  "#E69F00", // orange
  "#56B4E9", // sky blue
  "#CC79A7", // reddish purple
  "#000000", // black
  "#F0E442", // yellow
];

/** Sequential colour scale for heatmaps: perceptually uniform and colour-blind safe. */
export const SEQUENTIAL_SCALE = "Viridis";

/** Font stack: Liberation Sans is installed with Debian's fonts-liberation (metric-compatible with Arial). */
export const FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif";

/** Default figure height in pixels. */
export const DEFAULT_HEIGHT = 450;

/** Default figure width in pixels for exported images. */
export const DEFAULT_EXPORT_WIDTH = 800;

/** Colour for series number `i` (cycles through `PALETTE`). */
export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

function axis(title: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title ?? "" },
    showgrid: true,
    gridcolor: "#E5E5E5",
    zeroline: false,
    linecolor: "#444444",
    ticks: "outside",
    automargin: true,
    ...extra,
  };
}

/**
 * The kit's base layout. Builders start from it and add their own keys.
 * `xExtra` / `yExtra` are merged into the axis objects (e.g. `{type: "log"}`).
 */
export function baseLayout(
  opts: CommonOptions,
  xExtra: Record<string, unknown> = {},
  yExtra: Record<string, unknown> = {},
): Layout {
  const layout: Layout = {
    title: { text: opts.title ?? "", x: 0.02, xanchor: "left", font: { size: 18 } },
    font: { family: FONT_FAMILY, size: 14, color: "#222222" },
    colorway: [...PALETTE],
    paper_bgcolor: "#FFFFFF",
    plot_bgcolor: "#FFFFFF",
    margin: { l: 70, r: 30, t: 60, b: 60 },
    legend: { ...LEGEND_BELOW },
    hovermode: "closest",
    height: opts.height ?? DEFAULT_HEIGHT,
    xaxis: axis(opts.xTitle, xExtra),
    yaxis: axis(opts.yTitle, yExtra),
  };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

/**
 * Where kit figures put a horizontal legend: under the plot area, anchored to the bottom of the
 * figure (`yref: "container"`), so plotly reserves bottom margin for it (the x-axis title and
 * ticks stay above it) and it never meets the title, however many rows it wraps into at a
 * narrow width.
 */
export const LEGEND_BELOW: Readonly<Record<string, unknown>> = {
  orientation: "h",
  xref: "paper",
  x: 0,
  xanchor: "left",
  yref: "container",
  y: 0,
  yanchor: "bottom",
};

/**
 * The layout `fig` is drawn with (inline and exported): a horizontal or top legend moves below the
 * plot area (`LEGEND_BELOW`, keeping its font and order); a vertical legend right of the plot
 * (`x >= 1`) stays, as it cannot reach the title. The bottom margin keeps at least 60 px of room
 * for the x-axis. Pure: returns a new layout.
 */
export function placeLegend(layout: Layout): Layout {
  const legend = (layout.legend ?? {}) as Record<string, unknown>;
  const right = legend.orientation === "v" && typeof legend.x === "number" && legend.x >= 1;
  if (right || layout.showlegend === false) return layout;
  const margin = { l: 70, r: 30, t: 60, b: 60, ...((layout.margin ?? {}) as Record<string, number>) };
  // The legend's own height is reserved by plotly on top of this; what a builder added to the
  // bottom margin for a paper-anchored legend is not needed any more.
  margin.b = Math.min(margin.b, 60);
  return { ...layout, legend: { ...legend, ...LEGEND_BELOW }, margin };
}

/** Throws a readable error when a builder receives inconsistent input. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`plots: ${message}`);
}

/** True when `fig` has the shape of a plotly figure (used by tests and by `show`). */
export function isFigure(fig: unknown): fig is Figure {
  if (typeof fig !== "object" || fig === null) return false;
  const f = fig as { data?: unknown; layout?: unknown };
  return Array.isArray(f.data) && typeof f.layout === "object" && f.layout !== null;
}
