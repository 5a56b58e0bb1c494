/**
 * Where the code runs: inside a tslab Jupyter kernel or a plain Node process. Progress bars and
 * figure display use this to choose live notebook output or terminal output.
 */

interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
  png(b: Uint8Array): void;
}

export interface TslabModule {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

let cached: TslabModule | null | undefined;

/** The tslab module when this process is a tslab kernel, else null. */
export function tslab(): TslabModule | null {
  if (cached !== undefined) return cached;
  cached = null;
  const inKernel = process.argv.some((a) => /tslab/.test(a)) || Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]executor/.test(k));
  if (inKernel) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      cached = require("tslab") as TslabModule;
    } catch {
      cached = null;
    }
  }
  return cached;
}

export function inNotebook(): boolean {
  return tslab() !== null;
}
