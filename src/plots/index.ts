/**
 * Plots: pure builders returning plotly figures, inline display for tslab notebooks, and
 * export to PNG/SVG/HTML/JSON for run records.
 *
 *   const fig = rr.plots.groupedBars(domains, {HAMUR: fromSeeds(aucs), MLP: mlpAucs}, {title: "AUC per domain"});
 *   rr.plots.show(fig);
 *   await rr.plots.exportFigure(fig, "figures/hamur/auc-per-domain");
 */
export {
  Figure,
  Layout,
  Trace,
  CommonOptions,
  PALETTE,
  SEQUENTIAL_SCALE,
  FONT_FAMILY,
  colorAt,
  baseLayout,
  isFigure,
  placeLegend,
  LEGEND_BELOW,
} from "./figure";
export {
  History,
  LearningCurveOptions,
  learningCurves,
  LinesOptions,
  lines,
  BarSeries,
  fromSeeds,
  GroupedBarsOptions,
  groupedBars,
  HeatmapOptions,
  heatmap,
  Points,
  ScatterOptions,
  scatter,
} from "./builders";
export {
  show,
  showHtml,
  showTable,
  tableHtml,
  figureHtml,
  inNotebook,
  Row,
  TableLike,
  TableOptions,
} from "./notebook";
export {
  exportFigure,
  closeExporter,
  chromiumPath,
  writeFileAtomic,
  ExportError,
  ExportFormat,
  ExportOptions,
  ExportResult,
  CHROMIUM_ARGS,
  KIT_ROOT,
} from "./export";
export { plotlyVersion } from "./bundle";
export { seedBand, bandTraces, areaTrace, rgba } from "./bands";
