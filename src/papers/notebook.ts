/**
 * The notebook scaffold: what every paper notebook does first and last, in one call each.
 *
 *   const nb = await rr.papers.setup("hamur");      // backend, profile, environment line, claims table
 *                                                   // (setup = setupNotebook(paper("hamur")), src/papers/index.ts)
 *   ...                                             // narrative + calls into rr.papers.hamur
 *   nb.figure(fig, "per-domain-auc");               // shows a figure and queues it for export
 *   await nb.finish(measured);                      // verdicts, verdicts file, figures, run-record table
 *
 * Verdicts are written to figures/<paper>/verdicts-<profile>.json (atomically): the claims, each
 * verdict with its measured numbers and seed spread, and the run records they came from.
 */
import * as path from "path";
import { initBackend, type BackendInfo } from "../engine/backend";
import {
  compareClaims,
  claimsTableHtml,
  loadClaims,
  verdictText,
  type ClaimRow,
  type ClaimsFile,
} from "../report/claims";
import { environmentInfo, formatEnvironmentLine } from "../report/env";
import { closeExporter, exportFigure } from "../plots/export";
import type { Figure } from "../plots/figure";
import { show, showHtml, showTable } from "../plots/notebook";
import { writeJsonAtomic } from "../util/fs";
import { profile as currentProfile, type Profile } from "../util/profile";
import { projectRoot } from "../util/root";
import type { PaperEntry } from "./types";

export interface NotebookSession {
  paper: PaperEntry;
  profile: Profile;
  backend: BackendInfo;
  claims: ClaimsFile;
  /** figures/<paper>, relative to the project root. */
  figDir: string;
  startedAt: number;
  /** Shows `fig` inline and queues it for export as figures/<paper>/<name>-<profile>.* (returns nothing, so a cell ending in it prints no figure object). */
  figure(fig: Figure, name: string): void;
  /** Judges the claims on `measured` (per-seed values by key), shows the tables, writes the verdicts file, exports the figures. */
  finish(
    measured: Readonly<Record<string, readonly number[]>>,
    opts?: { records?: string[] },
  ): Promise<ClaimRow[]>;
}

/** Seconds since the session started, as "12 s". */
export function elapsed(nb: Pick<NotebookSession, "startedAt">): string {
  return `${((Date.now() - nb.startedAt) / 1000).toFixed(0)} s`;
}

/** Flat verdict rows: one per claim, then one per group of a forEach claim. */
export function verdictRows(claims: ClaimsFile, rows: readonly ClaimRow[]): Record<string, string>[] {
  return rows.flatMap((v) => [
    { id: v.id, group: v.parts ? "every group" : "", verdict: verdictText(v.verdict), measured: v.reason },
    ...(v.parts ?? []).map((p, i) => ({
      id: v.id,
      group: claims.claims.find((c) => c.id === v.id)?.forEach?.[i] ?? "",
      verdict: verdictText(p.verdict),
      measured: p.reason,
    })),
  ]);
}

/** Starts a paper notebook: backend, profile and environment line, and the claims table. */
export async function setupNotebook(paper: PaperEntry): Promise<NotebookSession> {
  const startedAt = Date.now();
  const backend = await initBackend();
  const prof = currentProfile();
  console.log(formatEnvironmentLine(environmentInfo({ backend })));
  console.log(`profile: ${prof}`);
  const claims = loadClaims(path.join(projectRoot(), paper.claims));
  showTable(
    claims.claims.map((c) => ({
      id: c.id,
      claim: c.text,
      groups: (c.forEach ?? []).join(", "),
      source: c.source ?? "",
    })),
  );
  const figDir = `figures/${paper.id}`;
  const queued: [Figure, string][] = [];
  const session: NotebookSession = {
    paper,
    profile: prof,
    backend,
    claims,
    figDir,
    startedAt,
    figure(fig, name) {
      queued.push([fig, name]);
      show(fig);
    },
    async finish(measured, opts = {}) {
      const rows = compareClaims(claims.claims, measured);
      showHtml(claimsTableHtml(rows));
      const flat = verdictRows(claims, rows);
      showTable(flat, { maxRows: 60 });
      const files: string[] = [];
      for (const [fig, name] of queued) {
        const e = await exportFigure(fig, `${figDir}/${name}-${prof}`);
        files.push(path.relative(projectRoot(), e.png ?? e.json));
      }
      await closeExporter();
      const verdictsFile = path.join(projectRoot(), figDir, `verdicts-${prof}.json`);
      writeJsonAtomic(verdictsFile, {
        paper: paper.id,
        profile: prof,
        createdAt: new Date().toISOString(),
        backend: backend.name,
        wallTimeSec: (Date.now() - startedAt) / 1000,
        claims: rows,
        verdicts: flat,
        records: opts.records ?? [],
      });
      files.push(path.relative(projectRoot(), verdictsFile));
      showTable([...files.map((f) => ({ file: f })), ...(opts.records ?? []).map((r) => ({ file: r }))], {
        maxRows: 80,
      });
      console.log(`notebook wall time: ${elapsed(session)}`);
      return rows;
    },
  };
  return session;
}
