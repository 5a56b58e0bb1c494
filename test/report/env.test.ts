/** Environment snapshot: fields present, git and packages tolerated when absent, backend passed in. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BackendInfo,
  environmentInfo,
  formatEnvironmentLine,
  gitInfo,
  packageVersion,
} from "../../src/report";
import type { BackendInfo as EngineBackendInfo } from "../../src/engine/backend";

test("environmentInfo reports node, cpus, memory, packages, backend and timestamp", () => {
  const backend = {
    name: "wasm",
    reason: "tfjs-node-gpu failed to load",
    tried: [
      { name: "tensorflow", ok: false, error: "no libcuda" },
      { name: "wasm", ok: true },
    ],
  };
  const env = environmentInfo({ backend, now: new Date("2025-01-02T03:04:05Z") });
  assert.equal(env.node, process.version);
  assert.ok(env.cpus.count >= 1);
  assert.ok(env.memory.totalBytes > 0);
  assert.equal(env.packages["@tensorflow/tfjs"], "4.22.0");
  assert.equal(env.packages.arquero, "7.2.0");
  assert.equal(env.packages.recrepro, "0.1.0");
  assert.equal(env.backend, backend);
  assert.equal(env.timestamp, "2025-01-02T03:04:05.000Z");
  assert.ok(env.git.commit === null || /^[0-9a-f]{40}$/.test(env.git.commit));
  const line = formatEnvironmentLine(env);
  assert.match(line, /tfjs 4\.22\.0 \(wasm: tfjs-node-gpu failed to load\)/);
  assert.equal(environmentInfo({ backend: null }).backend, null);
});

test("git and package lookups tolerate a directory that is neither a repository nor a project", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-env-"));
  try {
    assert.deepEqual(gitInfo(dir), { commit: null, dirty: null });
    assert.equal(packageVersion("arquero", dir), null);
    const env = environmentInfo({ root: dir, backend: null, packages: ["arquero"] });
    assert.deepEqual(env.packages, { arquero: null });
    assert.match(formatEnvironmentLine(env), /git no git/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the engine's BackendInfo fits the report's, and is picked up once the engine is loaded", () => {
  const toReport = (b: EngineBackendInfo): BackendInfo => b;
  assert.equal(typeof toReport, "function");
  const engine = require("../../src/engine/backend") as { getBackendInfo: () => EngineBackendInfo | null };
  assert.equal(environmentInfo().backend, engine.getBackendInfo());
});
