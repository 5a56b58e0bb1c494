/**
 * Where data lives: the project root, the mirror folder and the download cache.
 *
 * - `RECREPRO_DATA_MIRROR`: a folder laid out like `../shared/data` (`<mirror>/<id>/<file>`),
 *   read in place and never copied.
 * - `RECREPRO_CACHE_DIR`: downloads and processed caches; default `<project root>/.cache/data`
 *   (git-ignored).
 * - `RECREPRO_OFFLINE=1`: never download; a file absent from mirror and cache is an error.
 */
import * as path from "path";
import { envFlag } from "../engine/env";

export { projectRoot } from "../util/root";
import { projectRoot } from "../util/root";

/** Mirror folder from `RECREPRO_DATA_MIRROR` (resolved against the project root), or null. */
export function defaultMirror(): string | null {
  const m = process.env.RECREPRO_DATA_MIRROR;
  return m ? path.resolve(projectRoot(), m) : null;
}

/** Cache folder from `RECREPRO_CACHE_DIR`, default `<project root>/.cache/data`. */
export function defaultCacheDir(): string {
  const c = process.env.RECREPRO_CACHE_DIR;
  return c ? path.resolve(projectRoot(), c) : path.join(projectRoot(), ".cache", "data");
}

/** False when `RECREPRO_OFFLINE` is set to 1/true/yes/on; any other value than those or 0/false/no/off is an error. */
export function downloadsAllowed(): boolean {
  return !envFlag("RECREPRO_OFFLINE", false);
}
