/**
 * Progress bars: a live bar in a tslab notebook (one display entry overwritten in place), a
 * carriage-return bar on a terminal, and plain periodic lines when stderr is not a TTY (CI logs).
 */
import { tslab } from "../engine/notebook";
import { escapeHtml } from "../report/tables";

export type ProgressMode = "auto" | "notebook" | "terminal" | "lines" | "none";

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  /** Extra key/values shown after the bar (loss, AUC...). */
  info?: Record<string, number | string>;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Final state of a phase; always rendered. */
  finish(state: ProgressState): void;
}

function fmt(v: number | string): string {
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
}

function text(s: ProgressState, width = 24): string {
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
  const filled = Math.round(frac * width);
  const info = s.info
    ? " " +
      Object.entries(s.info)
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join(" ")
    : "";
  return `${s.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${s.done}/${s.total}${info}`;
}

function html(s: ProgressState): string {
  const pct = s.total > 0 ? Math.min(100, (100 * s.done) / s.total) : 0;
  const info = s.info
    ? Object.entries(s.info)
        .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(fmt(v))}`)
        .join(" &middot; ")
    : "";
  return (
    `<div style="font:12px monospace;display:flex;gap:8px;align-items:center">` +
    `<span>${escapeHtml(s.label)}</span>` +
    `<div style="width:200px;height:10px;background:#e5e7eb;border-radius:3px"><div style="width:${pct.toFixed(1)}%;height:10px;background:#2563eb;border-radius:3px"></div></div>` +
    `<span>${s.done}/${s.total}</span><span>${info}</span></div>`
  );
}

/** Create a progress reporter; `minIntervalMs` throttles redraws (finish always draws). */
export function createProgress(mode: ProgressMode = "auto", minIntervalMs = 250): Progress {
  let resolved = mode;
  if (mode === "auto") resolved = tslab() ? "notebook" : process.stderr.isTTY ? "terminal" : "lines";
  let last = 0;
  const due = () => {
    const now = Date.now();
    if (now - last < minIntervalMs) return false;
    last = now;
    return true;
  };
  if (resolved === "none") return { update: () => undefined, finish: () => undefined };
  if (resolved === "notebook") {
    const t = tslab();
    if (!t) throw new Error("progress mode 'notebook' needs a tslab kernel");
    let display: ReturnType<typeof t.newDisplay> | null = null;
    let lastLabel = "";
    let retry: ReturnType<typeof setTimeout> | null = null;
    // tslab's ZeroMQ socket accepts one send at a time ("Socket is busy writing"): a redraw that
    // finds it busy is dropped (updates) or retried shortly (the final state of a phase).
    const draw = (s: ProgressState, mustShow: boolean) => {
      if (retry) {
        clearTimeout(retry);
        retry = null;
      }
      try {
        if (!display || s.label !== lastLabel) display = t.newDisplay();
        lastLabel = s.label;
        display.html(html(s));
      } catch (e) {
        if (!/busy/i.test(String((e as Error)?.message ?? e))) throw e;
        if (mustShow) retry = setTimeout(() => draw(s, true), 20);
      }
    };
    return { update: (s) => due() && draw(s, false), finish: (s) => draw(s, true) };
  }
  if (resolved === "terminal") {
    return {
      update: (s) => {
        if (due()) process.stderr.write(`\r${text(s)}\x1b[K`);
      },
      finish: (s) => process.stderr.write(`\r${text(s)}\x1b[K\n`),
    };
  }
  // "lines": one line per ~10% of a phase.
  let nextFrac = 0.1;
  return {
    update: (s) => {
      if (s.total > 0 && s.done / s.total >= nextFrac) {
        nextFrac = Math.floor((s.done / s.total) * 10 + 1) / 10;
        console.log(text(s));
      }
    },
    finish: (s) => {
      nextFrac = 0.1;
      console.log(text(s));
    },
  };
}
