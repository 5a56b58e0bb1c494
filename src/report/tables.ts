/**
 * Table helpers for notebooks: arquero tables from plain rows, and HTML rendering.
 *
 * arquero 7 is published as an ES module; Node >= 20.19 loads it with `require` (checked in
 * test/report/tables.test.ts). It is required lazily so that the rest of src/report works, and
 * its error is explained, on a Node that cannot.
 */

import type * as Aq from "arquero";

export type AqTable = ReturnType<typeof Aq.from>;

let aqModule: typeof Aq | null = null;

/** The arquero module, loaded on first use. */
export function arquero(): typeof Aq {
  if (aqModule === null) {
    try {
      aqModule = require("arquero") as typeof Aq;
    } catch (err) {
      throw new Error(
        `arquero could not be loaded with require() (needs Node >= 20.19 for require of ES modules; this is ${process.version}): ${(err as Error).message}`,
      );
    }
  }
  return aqModule;
}

/** An arquero table from an array of flat row objects. */
export function toTable(rows: readonly object[]): AqTable {
  return arquero().from(rows as object[]);
}

/** Escapes &, <, >, " and ' for HTML text and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
