import { envFlag } from "../engine/env";
import { DataError } from "./errors";
import { resolveFiles, type FetchOptions, type ResolvedFile } from "./fetch";
import { getDataset, type DatasetEntry } from "./registry";

/**
 * True when `RECREPRO_STAND_IN=1`: a data set whose files are missing is replaced by its registered
 * stand-in sample (`DatasetEntry.standIn`), with the substitution in its id, fingerprint and notes.
 * For exercising the paper profile's code path on the local samples (CI), never for results.
 */
export function standInsAllowed(): boolean {
  return envFlag("RECREPRO_STAND_IN", false);
}

/**
 * The registered files `names` of data set `id` (mirror, cache or download); under
 * RECREPRO_STAND_IN=1, when they are missing, the files of its stand-in sample instead (`names`
 * may depend on the entry: a sample can split differently). `source` names what was read, with
 * "(STAND-IN for …)" when substituted. Other errors propagate unchanged.
 */
export async function resolveFilesOrStandIn(
  id: string,
  names: readonly string[] | ((entry: DatasetEntry) => string[]),
  opts: FetchOptions = {},
): Promise<{ files: ResolvedFile[]; source: string }> {
  const entry = getDataset(id);
  const namesOf = (e: DatasetEntry) => (typeof names === "function" ? names(e) : [...names]);
  try {
    return { files: await resolveFiles(entry, opts, namesOf(entry)), source: id };
  } catch (e) {
    if (!(entry.standIn && standInsAllowed() && e instanceof DataError && e.code === "MISSING_FILE")) throw e;
    console.warn(`[recrepro] RECREPRO_STAND_IN=1: ${id} is not here; reading its stand-in ${entry.standIn}`);
    const sub = getDataset(entry.standIn);
    return {
      files: await resolveFiles(sub, opts, namesOf(sub)),
      source: `${entry.standIn} (STAND-IN for ${id})`,
    };
  }
}
