/** Data set ids: the one rule for what an id may look like (no path separators, no ".."). */
import { DataError } from "./errors";

const ID_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Throws `DataError("BAD_ID")` unless `id` is a safe data set id; `known` (when given) is listed in the message. */
export function checkDatasetId(id: unknown, known: readonly string[] = []): string {
  if (typeof id !== "string" || !ID_RE.test(id) || id.includes("..")) {
    const list = known.length > 0 ? ` (known ids: ${known.join(", ")})` : "";
    throw new DataError(
      "BAD_ID",
      `invalid dataset id ${JSON.stringify(id)}: ids match /^[a-z0-9][a-z0-9._-]*$/ and never contain ".."${list}`,
    );
  }
  return id;
}
