/**
 * The plotly.js bundle (npm `plotly.js-dist-min`), read once per process and wrapped so it
 * can be inlined into a `<script>` element of a notebook output or an HTML page.
 */
import * as fs from "fs";
import * as path from "path";

let cachedScript: string | null = null;

/** Absolute path of `plotly.min.js`. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min");
}

/** Version of the plotly.js bundle, e.g. "2.35.3". */
export function plotlyVersion(): string {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(path.dirname(plotlyBundlePath()), "package.json"), "utf8"),
  ) as { version: string };
  return pkg.version;
}

/**
 * The bundle as inline script text. It is wrapped in a function that hides AMD `define`
 * and CommonJS `module`/`exports`: the classic notebook page loads require.js, and the UMD
 * header would otherwise register plotly as an AMD module and never set `window.Plotly`.
 */
export function plotlyInlineScript(): string {
  if (cachedScript === null) {
    const source = fs.readFileSync(plotlyBundlePath(), "utf8");
    cachedScript =
      "(function (define, module, exports) {\n" +
      escapeScript(source) +
      "\n}).call(window, undefined, undefined, undefined);";
  }
  return cachedScript;
}

/** Makes text safe inside `<script>...</script>` (no early close tag, no JS line separators). */
export function escapeScript(text: string): string {
  return text
    .replace(/<\/(script)/gi, "<\\/$1")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** JSON for embedding in an inline script. */
export function scriptJson(value: unknown): string {
  return escapeScript(JSON.stringify(value)).replace(/<!--/g, "<\\!--");
}
