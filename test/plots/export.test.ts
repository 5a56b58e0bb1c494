/** Figure export through headless Chromium: PNG, SVG, HTML and JSON, written atomically. */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  closeExporter,
  ExportError,
  exportFigure,
  groupedBars,
  heatmap,
  learningCurves,
} from "../../src/plots";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-export-"));

after(async () => {
  await closeExporter();
  fs.rmSync(dir, { recursive: true, force: true });
});

function leftovers(d: string): string[] {
  return fs.readdirSync(d).filter((f) => f.includes(".tmp-"));
}

test("a missing Chromium gives a clear error, after writing the JSON and HTML", async () => {
  const saved = process.env.RECREPRO_CHROMIUM;
  process.env.RECREPRO_CHROMIUM = path.join(dir, "no-such-chromium");
  try {
    const fig = heatmap([[1]], { title: "no browser" });
    await assert.rejects(exportFigure(fig, path.join(dir, "nobrowser")), (err: Error) => {
      assert.ok(err instanceof ExportError);
      assert.match(err.message, /Chromium not found .*environment\/setup\.sh.*RECREPRO_CHROMIUM/s);
      return true;
    });
    assert.ok(fs.existsSync(path.join(dir, "nobrowser.json")));
    assert.ok(fs.existsSync(path.join(dir, "nobrowser.html")));
    assert.ok(!fs.existsSync(path.join(dir, "nobrowser.png")));
  } finally {
    if (saved === undefined) delete process.env.RECREPRO_CHROMIUM;
    else process.env.RECREPRO_CHROMIUM = saved;
  }
});

test("exportFigure writes a PNG, an SVG, an HTML page and the JSON, leaving no temp files", async () => {
  const fig = groupedBars(
    ["d1", "d2"],
    { A: [0.7, 0.72], B: [0.71, 0.74] },
    { title: "Export check", yTitle: "AUC" },
  );
  const out = await exportFigure(fig, path.join(dir, "nested", "bars"), {
    width: 640,
    height: 400,
    scale: 1,
  });
  const png = fs.readFileSync(out.png ?? "");
  assert.ok(png.length > 1000, "non-empty PNG");
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.equal(png.readUInt32BE(16), 640, "PNG width = width x scale");
  assert.equal(png.readUInt32BE(20), 400);
  const svg = fs.readFileSync(out.svg ?? "", "utf8");
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /Export check/);
  const html = fs.readFileSync(out.html ?? "", "utf8");
  assert.match(html, /<script src="plotly-[\d.]+\.min\.js"><\/script>/);
  assert.ok(
    fs.existsSync(path.join(dir, "nested", html.match(/plotly-[\d.]+\.min\.js/)?.[0] ?? "")),
    "bundle beside the page",
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(out.json, "utf8")), JSON.parse(JSON.stringify(fig)));
  assert.deepEqual(leftovers(path.join(dir, "nested")), []);
  assert.deepEqual(out.skipped, []);
});

test("the browser is reused: later figures export quickly; png scale defaults to 2", async () => {
  const fig = learningCurves({
    epoch: [1, 2, 3],
    series: { "train loss": [0.7, 0.6, 0.5], "val auc": [0.6, 0.65, 0.7] },
  });
  const out = await exportFigure(fig, path.join(dir, "curves"), { formats: ["png"] });
  assert.equal(out.svg, undefined);
  assert.equal(out.html, undefined);
  const png = fs.readFileSync(out.png ?? "");
  assert.equal(png.readUInt32BE(16), 1600);
  assert.ok(out.ms < 5000, `second figure took ${out.ms} ms`);
  assert.deepEqual(leftovers(dir), []);
});

test("inline HTML carries the whole plotly bundle", async () => {
  const out = await exportFigure(heatmap([[0, 1]], { title: "inline" }), path.join(dir, "inline"), {
    formats: ["html"],
    htmlBundle: "inline",
  });
  const html = fs.readFileSync(out.html ?? "", "utf8");
  assert.ok(html.length > 1_000_000);
  assert.doesNotMatch(html, /<script src=/);
});

test("RECREPRO_EXPORT_IMAGES=off skips PNG/SVG with a warning", async () => {
  process.env.RECREPRO_EXPORT_IMAGES = "off";
  try {
    const out = await exportFigure(heatmap([[1]], { title: "skip" }), path.join(dir, "skip"));
    assert.deepEqual(out.skipped, ["png", "svg"]);
    assert.ok(!fs.existsSync(path.join(dir, "skip.png")));
    assert.ok(fs.existsSync(path.join(dir, "skip.html")));
  } finally {
    delete process.env.RECREPRO_EXPORT_IMAGES;
  }
});
