/**
 * The tree is formatted with prettier (.prettierrc.json; `npm run format` fixes it): runs
 * `prettier --check` over the repository and fails listing the files that differ.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../../src/util/root";

test("every source file is formatted with prettier", { timeout: 120_000 }, () => {
  const root = projectRoot();
  const bin = path.join(root, "node_modules", ".bin", "prettier");
  const r = spawnSync(bin, ["--check", "--log-level", "warn", "."], { cwd: root, encoding: "utf8" });
  assert.equal(r.error, undefined, `cannot run prettier: ${r.error?.message}`);
  assert.equal(r.status, 0, `not formatted (run \`npm run format\`):\n${r.stdout}${r.stderr}`);
});
