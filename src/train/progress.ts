/**
 * Progress bars: a live bar in a tslab notebook (one display entry overwritten in place), a
 * carriage-return bar on a terminal, and plain periodic lines when stderr is not a TTY (CI logs).
 *
 * A run (`openRunProgress`: one `runExperiment`, i.e. one cell of a grid over all its seeds, or
 * one `Trainer.fit` called on its own) owns one bar: every seed and epoch redraws the same
 * display entry, and closing the run turns it into one summary line. So a notebook shows one
 * line per run, however many seeds and epochs it trained.
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
    `<div class="recrepro-progress" style="font:12px monospace;display:flex;gap:8px;align-items:center">` +
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

// ---------------------------------------------------------------------------------------
// One bar per run

export interface RunProgress {
  /** The run's title, shown before every state (e.g. "tour/dnn on criteo-8k"). */
  readonly title: string;
  /** Text shown between the title and the state, e.g. "seed 2/3"; "" for none. */
  context: string;
  /** Redraws the bar (throttled). */
  update(state: ProgressState): void;
  /** Ends the run: the bar is replaced by `summary`, one line. Later calls do nothing. */
  close(summary: string): void;
}

const RUN_STACK: RunProgress[] = [];

/** The innermost open run (a `Trainer.fit` inside `runExperiment` reports to it), or null. */
export function activeRunProgress(): RunProgress | null {
  return RUN_STACK.length > 0 ? RUN_STACK[RUN_STACK.length - 1] : null;
}

function summaryHtml(line: string): string {
  return `<div class="recrepro-progress-done" style="font:12px monospace">${escapeHtml(line)}</div>`;
}

/**
 * Opens a run's bar and makes it the active run until `close`. Modes as `createProgress`; in
 * `lines` mode (no TTY, no notebook) only the summary line is printed, so CI logs get one line per run.
 */
export function openRunProgress(
  title: string,
  mode: ProgressMode = "auto",
  minIntervalMs = 250,
): RunProgress {
  let resolved = mode;
  if (mode === "auto") resolved = tslab() ? "notebook" : process.stderr.isTTY ? "terminal" : "lines";
  let last = 0;
  let closed = false;
  const due = () => {
    const now = Date.now();
    if (now - last < minIntervalMs) return false;
    last = now;
    return true;
  };
  const full = (s: ProgressState): ProgressState => ({
    ...s,
    label: [title, run.context, s.label].filter((x) => x !== "").join(" · "),
  });
  let draw: (s: ProgressState) => void = () => undefined;
  let done: (line: string) => void = () => undefined;
  if (resolved === "notebook") {
    const t = tslab();
    if (!t) throw new Error("progress mode 'notebook' needs a tslab kernel");
    let display: ReturnType<typeof t.newDisplay> | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    // tslab's ZeroMQ socket accepts one send at a time ("Socket is busy writing"): a redraw that
    // finds it busy is dropped (updates) or retried shortly (the summary line).
    const put = (h: string, mustShow: boolean) => {
      if (retry) {
        clearTimeout(retry);
        retry = null;
      }
      try {
        display ??= t.newDisplay();
        display.html(h);
      } catch (e) {
        if (!/busy/i.test(String((e as Error)?.message ?? e))) throw e;
        if (mustShow) retry = setTimeout(() => put(h, true), 20);
      }
    };
    draw = (s) => put(html(s), false);
    done = (line) => put(summaryHtml(line), true);
  } else if (resolved === "terminal") {
    draw = (s) => process.stderr.write(`\r${text(s)}\x1b[K`);
    done = (line) => process.stderr.write(`\r${line}\x1b[K\n`);
  } else if (resolved === "lines") {
    done = (line) => console.log(line);
  }
  const run: RunProgress = {
    title,
    context: "",
    update: (s) => {
      if (!closed && due()) draw(full(s));
    },
    close: (summary) => {
      if (closed) return;
      closed = true;
      const i = RUN_STACK.lastIndexOf(run);
      if (i >= 0) RUN_STACK.splice(i, 1);
      done(summary);
    },
  };
  RUN_STACK.push(run);
  return run;
}

/** What a fit's summary line reads of its history (structural: `History` of the trainer). */
export interface FitHistoryLike {
  epochs: ReadonlyArray<{ trainLoss: number; wallSec: number; valid?: { auc: number; logloss: number } }>;
  bestEpoch?: number | null;
  stoppedEarly?: boolean;
}

/** "3 epochs in 4.2 s, loss=0.4512 val_auc=0.7012 (best epoch 2, stopped early)". */
export function fitSummary(h: FitHistoryLike): string {
  const n = h.epochs.length;
  if (n === 0) return "no epoch trained";
  const sec = h.epochs.reduce((a, e) => a + e.wallSec, 0);
  const lastEpoch = h.epochs[n - 1];
  const parts = [
    `${n} epoch${n === 1 ? "" : "s"} in ${sec.toFixed(1)} s`,
    `loss=${fmt(lastEpoch.trainLoss)}`,
  ];
  if (lastEpoch.valid) parts.push(`val_auc=${fmt(lastEpoch.valid.auc)}`);
  const notes: string[] = [];
  if (h.bestEpoch != null && h.bestEpoch !== n) notes.push(`best epoch ${h.bestEpoch}`);
  if (h.stoppedEarly) notes.push("stopped early");
  return parts.join(", ") + (notes.length ? ` (${notes.join(", ")})` : "");
}
