/**
 * The multi-task taxonomy data file: schema validation (and that the validator catches bad
 * files), and every link into the kit resolving against the live registries: kitModel ids in
 * MODELS, kitMethod ids accepted by the trainer's taskWeighting parser, kitDatasets in DATASETS.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { DATASETS } from "../../../src/data";
import { MODELS } from "../../../src/papers";
import {
  KIT_METHODS,
  TaxonomyError,
  citation,
  kitLinks,
  methodTable,
  taskRelationTable,
  taxonomy,
  validateTaxonomy,
} from "../../../src/papers/mtl-survey";
import { parseTaskWeighting, type TaskWeightingConfig } from "../../../src/train";
import { projectRoot } from "../../../src/data/paths";
import * as rr from "../../../src";

const FILE = path.join(projectRoot(), "src", "papers", "mtl-survey", "taxonomy.json");

function raw(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(FILE, "utf8")) as Record<string, unknown>;
}

test("taxonomy file validates: three task relations, three method families, unique ids, known refs", () => {
  const t = validateTaxonomy(raw(), FILE);
  assert.deepEqual(
    t.taskRelations.map((r) => r.id),
    ["parallel", "cascaded", "auxiliary-with-main"],
  );
  assert.deepEqual(
    [...new Set(t.methods.map((m) => m.category))],
    ["parameter-sharing", "optimisation", "training-mechanism"],
  );
  assert.strictEqual(taxonomy(), taxonomy(), "validated once and cached");
  assert.equal(
    rr.papers.mtlSurvey.taxonomy().methods.length,
    t.methods.length,
    "exported as rr.papers.mtlSurvey",
  );
  // the survey's named examples are all present
  const names = t.methods.map((m) => m.id);
  for (const id of [
    "hard-sharing",
    "expert-gate",
    "customised-gate",
    "cross-stitch",
    "sparse-sharing",
    "uncertainty-weighting",
    "gradnorm",
    "dynamic-weight-average",
    "pcgrad",
    "metabalance",
    "reinforcement-learning",
    "automl",
    "distillation",
  ]) {
    assert.ok(names.includes(id), id);
  }
  // every method and relation row cites at least one paper, except the two baselines
  for (const m of t.methods)
    if (!["no-sharing", "equal-weights"].includes(m.id)) assert.ok(m.refs.length > 0, m.id);
  for (const r of t.taskRelations) assert.ok(r.refs.length > 0, r.id);
  assert.equal(
    citation("mmoe"),
    "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts. J. Ma et al.. KDD 2018.",
  );
  assert.match(citation("rmtl"), /\(\?\)$/, "uncertain fields are flagged");
  assert.equal(taskRelationTable().length, 3);
  assert.ok(methodTable("optimisation").some((r) => r.kit === "taskWeighting pcgrad"));
});

test("validator rejects malformed taxonomies, naming the file and the JSON path", () => {
  const cases: [(d: Record<string, unknown>) => void, RegExp][] = [
    [
      (d) => ((d.methods as Record<string, unknown>[])[2].refs = ["no-such-paper"]),
      /\$\.methods\[2\]\.refs\[0\]: unknown reference id "no-such-paper"/,
    ],
    [
      (d) => ((d.methods as Record<string, unknown>[])[0].category = "magic"),
      /\$\.methods\[0\]\.category: must be one of/,
    ],
    [
      (d) => ((d.methods as Record<string, unknown>[])[10].kitMethod = "adam"),
      /\$\.methods\[10\]\.kitMethod: must be one of equal, uncertainty, gradnorm, pcgrad/,
    ],
    [
      (d) => delete (d.methods as Record<string, unknown>[])[1].kitModel,
      /\$\.methods\[1\]\.kitModel: is required/,
    ],
    [
      (d) => ((d.references as Record<string, unknown>[])[1].year = "2018"),
      /\$\.references\[1\]\.year: must be a year/,
    ],
    [
      (d) => (d.references as unknown[]).push({ ...(d.references as Record<string, unknown>[])[0] }),
      /duplicate reference id "caruana1997"/,
    ],
    [(d) => (d.taskRelations as unknown[]).pop(), /missing the "auxiliary-with-main" relation/],
    [
      (d) => ((d.taskRelations as Record<string, unknown>[])[0].exampleTasks = []),
      /needs at least one example/,
    ],
  ];
  for (const [mutate, re] of cases) {
    const d = raw();
    mutate(d);
    assert.throws(
      () => validateTaxonomy(d, "bad.json"),
      (e: unknown) => {
        assert.ok(e instanceof TaxonomyError, String(e));
        assert.ok(e.message.startsWith("bad.json: "), e.message);
        assert.match(e.message, re);
        return true;
      },
    );
  }
});

test("every kitModel is in MODELS, every kitMethod a trainer weighting kind, every kitDataset in DATASETS", () => {
  const links = kitLinks();
  const models = links.filter((l) => l.kind === "model");
  const methods = links.filter((l) => l.kind === "method");
  const datasets = links.filter((l) => l.kind === "dataset");
  // the planned multi-task kit: these must all be linked from the taxonomy
  for (const id of ["single-task", "shared-bottom", "mmoe", "ple", "cgc", "esmm", "aitm", "cross-stitch"])
    assert.ok(
      models.some((l) => l.id === id),
      `taxonomy links model ${id}`,
    );
  for (const id of KIT_METHODS)
    assert.ok(
      methods.some((l) => l.id === id),
      `taxonomy links method ${id}`,
    );
  const missing = models.filter((l) => !(l.id in MODELS)).map((l) => `${l.row}: ${l.id}`);
  assert.deepEqual(missing, [], `kitModel ids not in MODELS: ${missing.join(", ")}`);
  for (const l of methods) assert.ok((KIT_METHODS as readonly string[]).includes(l.id), `${l.row}: ${l.id}`);
  // KIT_METHODS is exactly what the trainer accepts: each kind parses, and an unknown kind does not
  for (const kind of KIT_METHODS) {
    const cfg = (kind === "gradnorm" ? { kind, alpha: 1.5 } : { kind }) as TaskWeightingConfig;
    assert.deepEqual(parseTaskWeighting(cfg), cfg, kind);
  }
  assert.throws(() => parseTaskWeighting({ kind: "dwa" } as unknown as TaskWeightingConfig));
  const ids = new Set(DATASETS.map((d) => d.id));
  for (const l of datasets) assert.ok(ids.has(l.id), `${l.row}: dataset ${l.id}`);
});
