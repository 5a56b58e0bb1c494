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
    legend: { orientation: "h", yanchor: "bottom", y: 1.0, xanchor: "right", x: 1.0 },
    hovermode: "closest",
    height: opts.height ?? DEFAULT_HEIGHT,
    xaxis: axis(opts.xTitle, xExtra),
    yaxis: axis(opts.yTitle, yExtra),
  };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
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
