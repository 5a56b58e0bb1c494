/** run.json: atomic write, non-finite numbers round-trip through null, validation names the field. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  environmentInfo,
  readRunRecord,
  RunRecord,
  RunRecordError,
  RUN_RECORD_SCHEMA_VERSION,
  validateRunRecord,
  writeRunRecord,
  measuredFromRecord,
} from "../../src/report";

const ENVIRONMENT = environmentInfo({ backend: null, now: new Date("2025-01-01T00:00:00Z") });

function record(): RunRecord {
  return {
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    paper: "hamur",
    model: "hamur",
    runId: "hamur-smoke",
    profile: "smoke",
    seeds: [1, 2],
    config: { lr: 0.001, hidden: [64, 32] },
    configSources: { lr: "preset", hidden: "default" },
    data: { id: "aliccp-smoke", fingerprint: "sha256:abc", rows: { train: 800, test: 200 }, synthetic: true },
    environment: structuredClone(ENVIRONMENT),
    metrics: { auc: 0.75, logloss: 0.5 },
    seedMetrics: { auc: [0.74, 0.76], logloss: [0.49, 0.51] },
    perGroup: { kids: { auc: NaN, count: 10 }, adults: { auc: 0.8, count: 190 } },
    history: { trainLoss: Array.from(new Float32Array([0.7, Infinity, 0.5])) },
    wallTimeSec: 12.5,
    createdAt: "2025-01-01T00:00:00.000Z",
    notes: ["synthetic data"],
  };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-run-"));
}

test("write then read round-trips, NaN/Infinity written as null with a note and restored", () => {
  const dir = tmpDir();
  try {
    const r = record();
    const file = writeRunRecord(path.join(dir, "nested"), r);
    assert.equal(file, path.join(dir, "nested", "run.json"));
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(raw.perGroup.kids.auc, null);
    assert.equal(raw.history.trainLoss[1], null);
    assert.deepEqual(raw.nonFinite, [
      { path: "perGroup.kids.auc", value: "NaN" },
      { path: "history.trainLoss[1]", value: "Infinity" },
    ]);
    assert.ok(raw.notes.includes("non-finite value NaN at perGroup.kids.auc written as null"));
    const back = readRunRecord(path.join(dir, "nested"));
    assert.ok(Number.isNaN(back.perGroup.kids.auc));
    assert.equal(back.history.trainLoss[1], Infinity);
    assert.deepEqual(back.config, r.config);
    assert.deepEqual(back.seedMetrics, r.seedMetrics);
    assert.deepEqual(r.notes, ["synthetic data"], "the caller's record is not modified");
    assert.deepEqual(fs.readdirSync(path.join(dir, "nested")), ["run.json"]);
    assert.deepEqual(measuredFromRecord(back, "hamur.")["hamur.auc"], [0.74, 0.76]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("typed arrays are written as plain arrays", () => {
  const dir = tmpDir();
  try {
    const r = record();
    (r.history as Record<string, unknown>).validAuc = new Float64Array([0.6, 0.7]);
    writeRunRecord(dir, r);
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).history.validAuc,
      [0.6, 0.7],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an error during the write leaves no partial or temporary file, and keeps the old record", () => {
  const dir = tmpDir();
  try {
    // rename onto a directory fails after the temporary file was written
    fs.mkdirSync(path.join(dir, "run.json"));
    assert.throws(() => writeRunRecord(dir, record()));
    assert.deepEqual(fs.readdirSync(dir), ["run.json"]);
    assert.ok(fs.statSync(path.join(dir, "run.json")).isDirectory());
    // a value JSON cannot hold is rejected before anything touches the disk
    const dir2 = path.join(dir, "second");
    writeRunRecord(dir2, record());
    const before = fs.readFileSync(path.join(dir2, "run.json"), "utf8");
    const bad = record();
    bad.config.fn = () => 1;
    assert.throws(
      () => writeRunRecord(dir2, bad),
      (e: unknown) => e instanceof RunRecordError && e.field === "config.fn",
    );
    const cyclic = record();
    cyclic.config.self = cyclic.config;
    assert.throws(() => writeRunRecord(dir2, cyclic), /field "config.self" refers back to itself/);
    assert.equal(fs.readFileSync(path.join(dir2, "run.json"), "utf8"), before);
    assert.deepEqual(fs.readdirSync(dir2), ["run.json"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("validation names the bad field", () => {
  const cases: [(r: Record<string, any>) => void, string][] = [
    [(r) => (r.schemaVersion = 99), "schemaVersion"],
    [(r) => (r.profile = "full"), "profile"],
    [(r) => delete r.runId, "runId"],
    [(r) => (r.seeds = [1.5]), "seeds[0]"],
    [(r) => (r.data.fingerprint = 3), "data.fingerprint"],
    [(r) => (r.data.rows.train = -1), "data.rows.train"],
    [(r) => (r.data.synthetic = "yes"), "data.synthetic"],
    [(r) => (r.configSources.lr = "cli"), "configSources.lr"],
    [(r) => (r.metrics.auc = "0.7"), "metrics.auc"],
    [(r) => (r.seedMetrics.auc = [0.7]), "seedMetrics.auc"],
    [(r) => (r.perGroup.kids.auc = null), "perGroup.kids.auc"],
    [(r) => (r.history.trainLoss = [0.1, "x"]), "history.trainLoss[1]"],
    [(r) => (r.wallTimeSec = -1), "wallTimeSec"],
    [(r) => (r.notes = [1]), "notes[0]"],
    [(r) => delete r.environment.node, "environment.node"],
  ];
  for (const [mutate, field] of cases) {
    const r = record() as unknown as Record<string, any>;
    mutate(r);
    assert.throws(
      () => validateRunRecord(r),
      (e: unknown) => e instanceof RunRecordError && e.field === field && e.message.includes(`"${field}"`),
      `expected an error naming ${field}`,
    );
  }
});

test("readRunRecord names the file and field of a hand-edited record", () => {
  const dir = tmpDir();
  try {
    const file = writeRunRecord(dir, record());
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    raw.metrics.auc = null;
    fs.writeFileSync(file, JSON.stringify(raw));
    assert.throws(
      () => readRunRecord(file),
      (e: unknown) => e instanceof RunRecordError && e.field === "metrics.auc" && e.message.startsWith(file),
    );
    raw.metrics.auc = 0.7;
    raw.nonFinite.push({ path: "metrics.logloss", value: "NaN" });
    fs.writeFileSync(file, JSON.stringify(raw));
    assert.throws(
      () => readRunRecord(file),
      /field "nonFinite\[2\]" points at "metrics.logloss", which is not a null/,
    );
    fs.writeFileSync(file, "{ truncated");
    assert.throws(() => readRunRecord(file), /cannot read run record/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
