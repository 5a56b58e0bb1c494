/** The multi-task survey's experiment (src/papers/mtl-survey/experiment.ts) and its claims file. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { initBackend } from "../../../src/engine/backend";
import { tf } from "../../../src/engine/tf";
import { getModelSpec } from "../../../src/papers";
import { compareClaims, loadClaims } from "../../../src/report";
import { projectRoot } from "../../../src/data/paths";
import type { TabularDataset } from "../../../src/data/schema";
import { restrictRows } from "../../../src/data/dataset";
import { predictHead, toyForward } from "../../../src/models/inputs";
import { Trainer, type History } from "../../../src/train/trainer";
import { measured, type CellResult } from "../../../src/train/grid";
import {
  CENSUS_REFERENCE_DERIVE,
  MAIN_PRESET,
  censusCells,
  conflictMeasure,
  cvrSpaceMetrics,
  negativeTransferRows,
  taobaoCells,
} from "../../../src/papers/mtl-survey/experiment";
import { resolveConfig } from "../../../src/report/config";
import { batches } from "../../../src/data/batches";
import type { RecModel } from "../../../src/models/types";
import type { AitmModel, ExpertTaskModel, PleBackbone, PleConfig } from "../../../src/models/multitask";
import { smallMulti } from "../../helpers";

function history(cosines: number[]): History {
  return {
    epochs: [],
    steps: [],
    bestEpoch: 1,
    conflicts: cosines.map((c, i) => ({
      step: i + 1,
      epoch: 1,
      cosine: { "a/b": c },
      gradNorm: { a: 1, b: 1 },
    })),
  } as unknown as History;
}

function cell(
  label: string,
  heads: string[],
  metrics: Record<string, number[]>,
  conflicts: number[][] = [],
): CellResult {
  const histories = conflicts.map(history);
  const m = { ...metrics };
  if (conflicts.length > 0)
    for (const k of ["conflictShare", "meanCosine"])
      m[k] = histories.map((h) => conflictMeasure({ history: h })[k]);
  return {
    data: "census",
    label,
    model: label,
    baseline: null,
    seeds: [1, 2, 3],
    heads,
    metrics: m,
    groupRows: {},
    groups: [],
    histories,
    paramCount: { embedding: 0, dense: 0 },
    wallSecPerSeed: 0,
    recordPath: "",
    inspected: {},
  };
}

test("the survey claims file validates and names cells the notebook trains, on the grid's data.label.metric keys", () => {
  const claims = loadClaims(path.join(projectRoot(), "src", "papers", "mtl-survey", "claims.json"));
  assert.equal(claims.paper, "mtl-survey");
  const cells = [
    ...censusCells("smoke").map((c) => `census.${c.label}`),
    "taobao.esmm",
    "taobao.aitm",
    "taobao.independent:cvr",
  ];
  for (const c of claims.claims) {
    const r = c.relation;
    const keys = (r.kind === "within" ? [r.a, r.b] : [r.ours, r.than]).filter(
      (k): k is string => typeof k === "string",
    );
    for (const g of c.forEach ?? [""]) {
      for (const k of keys.map((x) => x.split("{group}").join(g)))
        assert.ok(
          cells.some((l) => k.startsWith(`${l}.`)),
          `${c.id}: key ${k} names no notebook cell`,
        );
    }
  }
});

test("the claims are judged on measured(results): multi-head cells keep the head, single-task cells drop it, conflicts per seed", () => {
  const claims = loadClaims(path.join(projectRoot(), "src", "papers", "mtl-survey", "claims.json"));
  const rs = [
    cell("single-task:income", ["income"], { auc: [0.8, 0.81, 0.82] }),
    cell("single-task:marital", ["marital"], { auc: [0.9, 0.9, 0.9] }),
    cell(
      "mmoe",
      ["income", "marital"],
      { "income.auc": [0.85, 0.86, 0.87], "marital.auc": [0.7, 0.7, 0.7] },
      [
        [-0.5, 0.2],
        [0.1, 0.2],
        [-1, 1],
      ],
    ),
  ];
  const m = measured(rs);
  assert.deepEqual(m["census.single-task:income.auc"], [0.8, 0.81, 0.82]);
  assert.deepEqual(m["census.mmoe.conflictShare"], [0.5, 0, 0.5]);
  const rows = compareClaims(
    claims.claims.filter((c) => c.id === "C1" || c.id === "C8"),
    m,
  );
  const c1 = rows.find((r) => r.id === "C1")!;
  assert.deepEqual(
    c1.parts!.map((p) => p.verdict),
    ["holds", "does not hold"],
  );
  const c8 = rows.find((r) => r.id === "C8")!;
  assert.equal(c8.parts![1].verdict, "holds", "mmoe's conflict share is judged");
});

test("CVR judged on clicked rows vs the entire space, and CTCVR, on a hand-made test set", () => {
  // 6 rows: clicks on rows 0-3, purchases on rows 0 and 1.
  const click = new Float32Array([1, 1, 1, 1, 0, 0]);
  const buy = new Float32Array([1, 1, 0, 0, 0, 0]);
  const test = {
    numRows: 6,
    schema: { labels: [{ name: "click" }, { name: "purchase" }] },
    labels: [click, buy],
  } as unknown as TabularDataset;
  // pCVR ranks the clicked rows perfectly but scores the unclicked rows highest.
  const pCvr = new Float32Array([0.5, 0.6, 0.2, 0.1, 0.9, 0.8]);
  const pCtr = new Float32Array([0.9, 0.9, 0.5, 0.5, 0.1, 0.1]);
  const m = cvrSpaceMetrics(test, pCtr, pCvr, { click: "click", purchase: "purchase" });
  assert.equal(m["cvrClicked.auc"], 1);
  // Entire space: positives 0.5, 0.6 vs negatives 0.2, 0.1, 0.9, 0.8: 4 of 8 pairs won.
  assert.equal(m["cvrEntire.auc"], 0.5);
  // CTCVR = [0.45, 0.54, 0.1, 0.05, 0.09, 0.08]: every positive above every negative.
  assert.equal(m["ctcvr.auc"], 1);
  const bad = { ...test, labels: [click, new Float32Array([0, 0, 0, 0, 1, 0])] } as unknown as TabularDataset;
  assert.throws(
    () => cvrSpaceMetrics(bad, pCtr, pCvr, { click: "click", purchase: "purchase" }),
    /row 4 has purchase = 1 without click/,
  );
});

test("negative-transfer verdicts use the spread rule on paired seeds; conflict shares for claims", () => {
  const rs = [
    cell("single-task:a", ["a"], { auc: [0.8, 0.81, 0.82] }),
    cell("single-task:b", ["b"], { auc: [0.9, 0.9, 0.9] }),
    cell("mt", ["a", "b"], { "a.auc": [0.85, 0.86, 0.87], "b.auc": [0.895, 0.905, 0.9] }, [
      [-0.5, 0.2, 0.3, -0.1],
      [0.1, 0.2, 0.3, 0.4],
      [-1, -1, 1, 1],
    ]),
  ];
  const rows = negativeTransferRows(rs, ["mt"], ["a", "b"]);
  assert.deepEqual(
    rows.map((r) => r.verdict),
    ["positive transfer", "tie (inside spread)"],
  );
  assert.equal(rows[0]["Δ AUC vs single-task"], "+0.0500 ± 0.0000");
  const m = measured(rs);
  assert.deepEqual(m["census.mt.conflictShare"], [0.5, 0, 0.5]);
  assert.deepEqual(
    m["census.mt.meanCosine"].map((x) => Number(x.toFixed(6))),
    [-0.025, 0.25, 0],
  );
  assert.deepEqual(m["census.mt.a.auc"], [0.85, 0.86, 0.87]);
  assert.deepEqual(conflictMeasure({ history: history([]) }), {}, "no conflict records, no keys");
});

test("predictHead matches the trainer's predictions; restrictRows keeps clicked rows; no tensor leak", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(3, 900);
  const spec = getModelSpec("shared-bottom");
  const model = spec.build(train.schema, { ...spec.defaults, ...spec.presets.smoke }, 1);
  const trainer = new Trainer(model, { batchSize: 128, numEpochs: 1, progress: "none", earlyStopping: null });
  await trainer.fit(train);
  const n0 = tf.memory().numTensors;
  const p = predictHead(model, valid, "aux");
  toyForward(model, valid, 4);
  assert.equal(tf.memory().numTensors, n0, "prediction helpers leaked tensors");
  const ref = trainer.predict(valid)[1];
  assert.ok(p.every((x, i) => Math.abs(x - ref[i]) < 1e-6));
  const data = { schema: train.schema, train, valid, test: valid, meta: { id: "x", fingerprint: "f" } };
  const clicked = restrictRows(data, "click");
  assert.ok(clicked.train.numRows > 0 && clicked.train.numRows < train.numRows);
  assert.ok(clicked.train.labels[0].every((y) => y === 1));
  assert.equal(clicked.meta.id, "x[click=1]");
  assert.throws(() => predictHead(model, valid, "nope"), /no head "nope"/);
  model.dispose();
  trainer.dispose();
});

test("torch-rechub preset: PLE with 1 level, AITM plain BCE, embeddings N(0, 1e-4), BatchNorm, weight decay 1e-4, min-max Census; the kit's choices are labelled cells", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(4, 500);
  const data = { schema: train.schema, train, valid, test: valid, meta: { id: "x", fingerprint: "f" } };
  const ours = { ...data, meta: { id: "x-z", fingerprint: "g" } };
  const cells = [...censusCells("smoke", ours), ...taobaoCells(data, "smoke")];
  const cellOf = (label: string) => {
    const c = cells.find((x) => x.label === label);
    assert.ok(c, `cell ${label}`);
    return c;
  };
  // What runExperiment builds: the spec's defaults, its smoke preset, then the cell's overrides.
  const build = (label: string) => {
    const c = cellOf(label);
    const spec = getModelSpec(c.model);
    const cfg = resolveConfig(
      spec.defaults as object,
      spec.presets.smoke as object,
      (c.modelConfig ?? {}) as object,
    ).config;
    return spec.build(train.schema, cfg as typeof spec.defaults, 3);
  };
  const embStd = (m: RecModel) => {
    const b = batches(train, { batchSize: 200 }).next().value!;
    const v = m.embeddings.lookup(b.cat, b.size);
    return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
  };
  assert.equal(MAIN_PRESET, "torch-rechub");
  const ple = build("ple") as ExpertTaskModel<PleConfig>;
  assert.equal((ple.backbone as PleBackbone).levels.length, 1, "the reference example's PLE has n_level = 1");
  assert.equal(
    ((build("ple:2-levels") as ExpertTaskModel<PleConfig>).backbone as PleBackbone).levels.length,
    2,
    "ours: 2 levels",
  );
  assert.equal(((build("ple:ours") as ExpertTaskModel<PleConfig>).backbone as PleBackbone).levels.length, 2);
  for (const label of ["single-task:income", "shared-bottom", "mmoe", "ple", "shared-bottom+pcgrad"]) {
    const c = cellOf(label);
    assert.equal(
      (c.trainConfig?.optimizer as { weightDecay?: number } | undefined)?.weightDecay,
      1e-4,
      `${label}: Adam weight decay 1e-4`,
    );
    assert.equal(c.data, undefined, `${label} trains on the min-max Census`);
  }
  for (const label of ["shared-bottom", "mmoe", "ple", "aitm", "esmm"]) {
    const m = build(label);
    assert.ok(m.buffers!().length > 0, `${label}: BatchNorm in the MLPs`);
    const s = embStd(m);
    assert.ok(s > 0.7e-4 && s < 1.3e-4, `${label}: embedding std ${s} (N(0, 1e-4))`);
    m.dispose();
  }
  for (const label of ["shared-bottom:ours", "mmoe:ours", "ple:ours", "aitm:ours", "esmm:ours"]) {
    const m = build(label);
    assert.equal(m.buffers!().length, 0, `${label}: no BatchNorm (ours)`);
    const s = embStd(m);
    assert.ok(s > 0.7e-2 && s < 1.3e-2, `${label}: embedding std ${s} (N(0, 1e-2), ours)`);
    m.dispose();
  }
  assert.equal(cellOf("shared-bottom:ours").data, ours, "ours: z-scored Census");
  assert.equal(cellOf("shared-bottom:z-score").data, ours);
  assert.equal(cellOf("shared-bottom:no-bn").data, undefined);
  assert.deepEqual(CENSUS_REFERENCE_DERIVE, { scaling: "minmax" });
  // AITM: plain BCE in the reference (loss = Σ CE even where the cascade is violated), the calibrator in ours.
  const batch = batches(train, { batchSize: 50 }).next().value!;
  for (const [label, calibrated] of [
    ["aitm", false],
    ["aitm:calibrator", true],
  ] as const) {
    const m = build(label) as AitmModel;
    m.towers[1].out!.b!.assign(tf.fill([1], 2));
    tf.tidy(() => {
      const emb = tf.tensor3d(m.embeddings.lookup(batch.cat, batch.size), [
        batch.size,
        m.embeddings.numFields,
        m.config.embDim,
      ]);
      const num = tf.tensor2d(new Float32Array(batch.size * batch.num.length), [
        batch.size,
        batch.num.length,
      ]);
      const out = m.forward({ batch, emb, num }, { training: false });
      const ce = out.logits.reduce(
        (s, l, t) =>
          s + (tf.losses.sigmoidCrossEntropy(tf.tensor1d(batch.labels[t]), l) as tf.Scalar).dataSync()[0],
        0,
      );
      const gap = m.loss(out, batch).dataSync()[0] - ce;
      if (calibrated) assert.ok(gap > 1e-3, `${label}: calibrator term ${gap}`);
      else assert.ok(Math.abs(gap) < 1e-5, `${label}: plain BCE, extra term ${gap}`);
    });
    m.dispose();
  }
});
