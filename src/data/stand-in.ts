import { envFlag } from "../engine/env";

/**
 * True when `RECREPRO_STAND_IN=1`: a data set whose files are missing is replaced by its registered
 * stand-in sample (`DatasetEntry.standIn`), with the substitution in its id, fingerprint and notes.
 * For exercising the paper profile's code path on the local samples (CI), never for results.
 */
export function standInsAllowed(): boolean {
  return envFlag("RECREPRO_STAND_IN", false);
}
