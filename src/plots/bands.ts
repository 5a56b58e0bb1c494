/**
 * Mean ± std bands over seeds: the one helper behind every learning-curve, conflict, task-weight
 * and step-size figure. `seedBand` aligns per-seed series on the x values all seeds share (the
 * shortest series decides); `bandTraces` draws the ±1 std area and the mean line as one legend entry.
 */
import { meanStd } from "../metrics/seeds";
import type { Trace } from "./figure";

/** Mean and std (sample, n − 1) over seeds of per-seed series, on the first `min length` points. */
export function seedBand(perSeed: ReadonlyArray<ReadonlyArray<{ x: number; y: number }>>): {
  x: number[];
  mean: number[];
  std: number[];
} {
  const n = perSeed.length === 0 ? 0 : Math.min(...perSeed.map((s) => s.length));
  const x: number[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = meanStd(perSeed.map((s) => s[i].y));
    x.push(perSeed[0][i].x);
    mean.push(m.mean);
    std.push(m.std);
  }
  return { x, mean, std };
}

/** `#rrggbb` as `rgba(r,g,b,a)`. */
export function rgba(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** The filled area between `lo` and `hi` (no legend entry; grouped with `group`). */
export function areaTrace(
  x: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  colour: string,
  group: string,
  axes: { xaxis?: string; yaxis?: string } = {},
): Trace {
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
    ...axes,
  };
}

/** A ±1 std area and the mean line of `s`, sharing one legend entry `name`. */
export function bandTraces(
  name: string,
  colour: string,
  s: { x: number[]; mean: number[]; std: number[] },
  opts: { dash?: string; xaxis?: string; yaxis?: string; showlegend?: boolean; group?: string } = {},
): Trace[] {
  const group = opts.group ?? name;
  const axes = { ...(opts.xaxis ? { xaxis: opts.xaxis } : {}), ...(opts.yaxis ? { yaxis: opts.yaxis } : {}) };
  return [
    areaTrace(
      s.x,
      s.mean.map((m, i) => m - s.std[i]),
      s.mean.map((m, i) => m + s.std[i]),
      colour,
      group,
      axes,
    ),
    {
      type: "scatter",
      mode: "lines",
      name,
      x: s.x,
      y: s.mean,
      line: { color: colour, width: 2, ...(opts.dash ? { dash: opts.dash } : {}) },
      legendgroup: group,
      ...(opts.showlegend === false ? { showlegend: false } : {}),
      ...axes,
    },
  ];
}
