/**
 * Avazu Click-Through Rate Prediction (Kaggle 2014) CSV: 24 columns
 * `id, click, hour, C1, banner_pos, site_id, site_domain, site_category, app_id, app_domain,
 * app_category, device_id, device_ip, device_model, device_type, device_conn_type, C14..C21`.
 * A line equal to that header is skipped (only the official `train` file and the sample's
 * train.csv carry it). `id` is dropped; `hour` (YYMMDDHH) becomes two categorical features,
 * `hour_of_day` (0-23) and `weekday` (0 = Sunday, UTC calendar); the other 21 columns are
 * categorical tokens as in FuxiCTR's Avazu presets.
 */
import { tokenKey } from "../keys";
import { RowError } from "../errors";
import type { RowFormat, RowParser, RowScratch } from "./types";
import { setToken } from "./types";

export const AVAZU_COLUMNS = [
  "id",
  "click",
  "hour",
  "C1",
  "banner_pos",
  "site_id",
  "site_domain",
  "site_category",
  "app_id",
  "app_domain",
  "app_category",
  "device_id",
  "device_ip",
  "device_model",
  "device_type",
  "device_conn_type",
  "C14",
  "C15",
  "C16",
  "C17",
  "C18",
  "C19",
  "C20",
  "C21",
] as const;
const HEADER = AVAZU_COLUMNS.join(",");
const RAW_CATEGORICAL = AVAZU_COLUMNS.slice(3);
export const AVAZU_CATEGORICAL = ["hour_of_day", "weekday", ...RAW_CATEGORICAL];

function columnError(line: string): RowError {
  return new RowError(
    `expected 24 comma-separated columns (${HEADER.slice(0, 30)}...), found ${line.split(",").length}`,
  );
}

/** A header line that is not Avazu's: names the missing, unexpected or misplaced columns. */
function headerError(line: string): RowError {
  const cols = line.split(",").map((c) => c.trim());
  const missing = AVAZU_COLUMNS.filter((c) => !cols.includes(c));
  const extra = cols.filter((c) => !(AVAZU_COLUMNS as readonly string[]).includes(c));
  const parts: string[] = [];
  if (missing.length > 0)
    parts.push(`missing column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `"${c}"`).join(", ")}`);
  if (extra.length > 0)
    parts.push(
      `unexpected column${extra.length > 1 ? "s" : ""} ${extra
        .slice(0, 5)
        .map((c) => `"${c.slice(0, 40)}"`)
        .join(", ")}`,
    );
  if (parts.length === 0) parts.push("the columns are in a different order");
  return new RowError(
    `header is not Avazu's ${AVAZU_COLUMNS.length} columns (${HEADER.slice(0, 30)}...): ${parts.join("; ")}`,
  );
}

/** [hour-of-day token, weekday token] of a YYMMDDHH string. */
function timeTokens(hour: string): [string, string] {
  if (!/^\d{8}$/.test(hour))
    throw new RowError(`hour must be YYMMDDHH (8 digits), found "${hour.slice(0, 40)}"`);
  const yy = +hour.slice(0, 2);
  const mm = +hour.slice(2, 4);
  const dd = +hour.slice(4, 6);
  const hh = +hour.slice(6, 8);
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31 || hh > 23)
    throw new RowError(`hour is not a valid YYMMDDHH time: "${hour}"`);
  return [String(hh), String(new Date(Date.UTC(2000 + yy, mm - 1, dd)).getUTCDay())];
}

export const AVAZU_FORMAT: RowFormat = {
  id: "avazu-csv",
  description: "Avazu CSV: id, click, hour (YYMMDDHH), 21 categorical columns",
  create(): RowParser {
    const cache = new Map<number, [string, string]>();
    return {
      catNames: AVAZU_CATEGORICAL,
      numNames: [],
      numTransform: "none",
      labelNames: ["click"],
      parse(line: string, _lineNo: number, row: RowScratch): boolean {
        if (line.length === HEADER.length && line === HEADER) return false;
        if (line.startsWith("id,")) throw headerError(line);
        const q0 = line.indexOf(",");
        const q1 = q0 < 0 ? -1 : line.indexOf(",", q0 + 1);
        const q2 = q1 < 0 ? -1 : line.indexOf(",", q1 + 1);
        if (q2 < 0) throw columnError(line);
        const l = q1 - q0 === 2 ? line.charCodeAt(q0 + 1) : -1;
        if (l === 48) row.labels[0] = 0;
        else if (l === 49) row.labels[0] = 1;
        else if (line.split(",").length !== AVAZU_COLUMNS.length) throw columnError(line);
        else throw new RowError(`click must be 0 or 1, found "${line.slice(q0 + 1, q1).slice(0, 40)}"`);
        const hk = q2 - q1 === 9 ? tokenKey(line, q1 + 1, q2) : -1;
        let t = hk >= 0 ? cache.get(hk) : undefined;
        if (t === undefined) {
          try {
            t = timeTokens(line.slice(q1 + 1, q2));
          } catch (e) {
            throw line.split(",").length !== AVAZU_COLUMNS.length ? columnError(line) : e;
          }
          if (cache.size < 100_000) cache.set(hk, t);
        }
        setToken(row, 0, t[0], 0, t[0].length);
        setToken(row, 1, t[1], 0, t[1].length);
        let q = q2;
        for (let j = 0; j < 21; j++) {
          const p = q + 1;
          q = line.indexOf(",", p);
          if (j < 20) {
            if (q < 0) throw columnError(line);
          } else {
            if (q >= 0) throw columnError(line);
            q = line.length;
          }
          setToken(row, 2 + j, line, p, q);
        }
        return true;
      },
    };
  },
};
