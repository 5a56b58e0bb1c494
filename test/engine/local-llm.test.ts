/**
 * The optional local-LLM hook (src/engine/local-llm.ts): "not available" reported cleanly without
 * a model file, with a missing file and without the package; the prompt and answer parsing.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GGUF_ENV, openLocalLlm, parseRanking, rerankPrompt } from "../../src/engine/local-llm";

const noImport = () => Promise.reject(new Error("Cannot find module 'node-llama-cpp'"));

test("without the environment variable the hook is not available, and says what to set", async () => {
  const r = await openLocalLlm({}, noImport);
  assert.equal(r.available, false);
  assert.ok(!r.available && r.reason.startsWith("not available") && r.reason.includes(GGUF_ENV));
});

test("a GGUF path that does not exist is reported, not thrown", async () => {
  const r = await openLocalLlm({ [GGUF_ENV]: "/nonexistent/model.gguf" }, noImport);
  assert.ok(
    !r.available && r.reason.includes("/nonexistent/model.gguf") && r.reason.includes("does not exist"),
  );
});

test("a model file without node-llama-cpp installed reports the install command", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rr-llm-"));
  try {
    const f = path.join(dir, "m.gguf");
    fs.writeFileSync(f, "GGUF");
    const r = await openLocalLlm({ [GGUF_ENV]: f }, noImport);
    assert.ok(!r.available && r.reason.includes("node-llama-cpp@3.21.1"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the real import: node-llama-cpp is not a dependency of the kit", async () => {
  const r = await openLocalLlm({});
  assert.equal(r.available, false);
  assert.throws(() => require.resolve("node-llama-cpp"));
});

test("parseRanking keeps valid first mentions, then the rest in order; the prompt numbers candidates", () => {
  assert.deepEqual(parseRanking("3, 1, 3, 9, 0", 4), [2, 0, 1, 3]);
  assert.deepEqual(parseRanking("no idea", 3), [0, 1, 2]);
  const p = rerankPrompt(["Toy Story (1995)"], ["Heat (1995)", "Jumanji (1995)"]);
  assert.ok(
    p.includes('"Toy Story (1995)"') && p.includes("1. Heat (1995)") && p.includes("2. Jumanji (1995)"),
  );
});
