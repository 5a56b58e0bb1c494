/**
 * libFM / libSVM one-hot rows (`label idx:1 idx:1 ...`, space-separated) as used by the NFM
 * and BARS Frappe files: each row has exactly one feature per field, in field order, so the
 * k-th `idx` is the token of field k. Labels `1`/`+1` map to 1 and `-1`/`0` to 0.
 */
import { RowError } from "../errors";
import type { RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

export const FRAPPE_FIELDS = [
  "user",
  "item",
  "daytime",
  "weekday",
  "isweekend",
  "homework",
  "cost",
  "weather",
  "country",
  "city",
];

/** A libFM format with one one-hot feature per named field. */
export function libfmFormat(id: string, fieldNames: readonly string[]): RowFormat {
  const n = fieldNames.length;
  const countError = (line: string): RowError =>
    new RowError(
      `expected a label and ${n} idx:value features, found ${line.split(" ").filter((x) => x !== "").length} space-separated items`,
    );
  return {
    id,
    description: `libFM one-hot rows with ${n} fields (${fieldNames.join(", ")}); label 1 / -1`,
    create(): RowParser {
      return {
        catNames: fieldNames,
        numNames: [],
        numTransform: "none",
        labelNames: ["label"],
        parse(line: string, _lineNo: number, row: RowScratch): boolean {
          let end = line.length;
          while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
          let q = line.indexOf(" ");
          if (q < 0 || q >= end) throw countError(line);
          const l = line.slice(0, q);
          if (l === "1" || l === "+1") row.labels[0] = 1;
          else if (l === "-1" || l === "0") row.labels[0] = 0;
          else throw new RowError(`label must be 1 or -1, found "${l.slice(0, 40)}"`);
          for (let k = 0; k < n; k++) {
            const p = q + 1;
            q = line.indexOf(" ", p);
            if (k < n - 1) {
              if (q < 0 || q >= end) throw countError(line);
            } else {
              if (q >= 0 && q < end) throw countError(line);
              q = end;
            }
            const c = line.indexOf(":", p);
            if (c <= p || c >= q)
              throw new RowError(
                `feature ${k + 1} (${fieldNames[k]}) is not idx:value: "${line.slice(p, q).slice(0, 40)}"`,
              );
            if (q !== c + 2 || line.charCodeAt(c + 1) !== 49)
              throw new RowError(
                `feature ${k + 1} (${fieldNames[k]}) must be one-hot (value 1): "${line.slice(p, q).slice(0, 40)}"`,
              );
            setToken(row, k, line, p, c);
          }
          return true;
        },
      };
    },
  };
}

export const FRAPPE_FORMAT = libfmFormat("libfm-frappe", FRAPPE_FIELDS);
