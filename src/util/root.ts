/**
 * The project root: the one place the kit finds its own folder (figures/, .cache/, src/papers/
 * claims files, bench/results). Scripts, benchmarks and the library all ask this function.
 */
import * as fs from "fs";
import * as path from "path";

let cachedRoot: string | undefined;

/** The nearest ancestor of this module holding the kit's package.json (name "recrepro"); the working directory when there is none. */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        const name = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name;
        if (name === "recrepro") return (cachedRoot = dir);
      } catch {
        // not the kit's package.json; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cachedRoot = process.cwd());
    dir = parent;
  }
}
