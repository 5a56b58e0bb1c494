/**
 * AutoAssign+ figures (notebook 04-autoassign): memory over time, cold-ID AUC over time (mean over
 * seeds with a ±1 std band), the memory/accuracy frontier (end-of-stream bytes vs pooled AUC,
 * one point per cell with seed error bars), and the Identity Agent's action mix by frequency
 * bucket. Pure builders over runStreamGrid's results.
 */
import { bandTraces, seedBand } from "../../plots/bands";
import { baseLayout, colorAt, type Figure, type Trace } from "../../plots/figure";
import { meanStd } from "../../metrics/seeds";
import type { StreamCellResult } from "./experiment";
import { FREQ_BUCKETS, type AgentLog } from "./identity-agent";
import type { ChunkPoint } from "./spec";

const MAIN = ["random-init", "default-row", "autoassign", "threshold", "hash"];
const colour = (label: string) => colorAt(Math.max(0, MAIN.indexOf(label)) + (MAIN.includes(label) ? 0 : 5));

function overTime(
  results: readonly StreamCellResult[],
  data: string,
  field: keyof ChunkPoint,
  title: string,
  yTitle: string,
  scale = 1,
): Figure {
  const data_: Trace[] = [];
  for (const r of results.filter((x) => x.data === data && MAIN.includes(x.label))) {
    const band = seedBand(
      r.perChunk.map((pc) =>
        pc
          .filter((p) => Number.isFinite(p[field] as number))
          .map((p) => ({ x: p.chunk, y: (p[field] as number) * scale })),
      ),
    );
    data_.push(...bandTraces(r.label, colour(r.label), band));
  }
  return { data: data_, layout: baseLayout({ title, xTitle: "test chunk", yTitle }) };
}

/** Table bytes (real buffers, after each chunk) per method on one data set. */
export function memoryOverTimeFigure(results: readonly StreamCellResult[], data: string): Figure {
  return overTime(results, data, "bytes", `Embedding memory over the stream (${data})`, "KiB", 1 / 1024);
}

/** AUC on rows with a cold id, per test chunk. */
export function coldAucOverTimeFigure(results: readonly StreamCellResult[], data: string): Figure {
  return overTime(
    results,
    data,
    "coldAuc",
    `Cold-ID AUC per test chunk (${data})`,
    "AUC (rows with a cold id)",
  );
}

/** End-of-stream memory against pooled AUC, one point per cell (±1 std over seeds). */
export function frontierFigure(results: readonly StreamCellResult[], data: string): Figure {
  const traces: Trace[] = results
    .filter((r) => r.data === data)
    .map((r) => {
      const m = meanStd(r.metrics.memBytes.map((x) => x / 1024));
      const a = meanStd(r.metrics.auc);
      return {
        type: "scatter",
        mode: "markers+text",
        name: r.label,
        x: [m.mean],
        y: [a.mean],
        text: [r.label],
        textposition: "top center",
        error_x: { type: "data", array: [m.std], visible: true },
        error_y: { type: "data", array: [a.std], visible: true },
        marker: { size: 11, color: colour(r.label) },
      };
    });
  return {
    data: traces,
    layout: baseLayout({
      title: `Memory / accuracy frontier (${data})`,
      xTitle: "KiB at the end of the stream",
      yTitle: "AUC (evaluated chunks)",
    }),
  };
}

/** Share of each action per frequency bucket (count at the decision), stacked bars. */
export function actionMixFigure(
  log: AgentLog,
  title = "Identity Agent: action mix by frequency bucket",
): Figure {
  const totals = log.actionMix.map((row) => row.reduce((a, b) => a + b, 0));
  const traces: Trace[] = log.actionNames.map((name, a) => ({
    type: "bar",
    name,
    x: [...FREQ_BUCKETS].map((b, i) => `${b} (n=${totals[i]})`),
    y: log.actionMix.map((row, i) => (totals[i] ? row[a] / totals[i] : 0)),
    marker: { color: colorAt(a) },
  }));
  return {
    data: traces,
    layout: {
      ...baseLayout({ title, xTitle: "times seen before the decision", yTitle: "share of decisions" }),
      barmode: "stack",
    },
  };
}
