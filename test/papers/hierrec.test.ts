/** HierRec: generated-weight shapes, attention normalisation, scenario handling, ablation configs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { Rng } from "../../src/engine/rng";
import { batches } from "../../src/data/batches";
import type { Batch, TabularDataset } from "../../src/data/schema";
import { Trainer } from "../../src/train/trainer";
import { MODELS } from "../../src/papers";
import {
  ABLATIONS,
  CELL_MODELS,
  HIERREC,
  HIERREC_DEFAULTS,
  HIERREC_PRESETS,
  HierRecModel,
  MAIN_CELLS,
  ablationCell,
  ablationDeltaFigure,
  fieldWeightHeatmap,
  getAblation,
  headDiversity,
  inspectFieldWeights,
  measureHeads,
  perScenarioAucFigure,
  softmaxLast,
  type HierRecConfig,
} from "../../src/papers/hierrec";
import { renameAxis, subsample } from "../../src/data/dataset";
import { measured, runGrid, type CellResult } from "../../src/train/grid";
import { compareClaims, loadClaims } from "../../src/report/claims";
import { smallMulti } from "../helpers";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The paper's widths (base [64], generated 64x16 and 16x64) with 2 heads: small enough for the CPU backend. */
const TINY: HierRecConfig = { ...HIERREC_DEFAULTS, numHeads: 2, outputHidden: [8] };

/** smallMulti plus the scenario as a categorical feature named like the axis ("domain"). */
function withScenarioField(ds: TabularDataset): TabularDataset {
  const schema = {
    ...ds.schema,
    features: [...ds.schema.features, { kind: "categorical" as const, name: "domain", vocabSize: 3 }],
  };
  return { ...ds, schema, cat: [...ds.cat, Int32Array.from(ds.groups[0])] };
}

function forward(
  model: HierRecModel,
  batch: Batch,
  training = false,
): { logits: Float32Array; internals: Record<string, { shape: number[]; data: Float32Array }> } {
  const F = model.embeddings.numFields;
  const D = model.config.embDim;
  const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, batch.size), [batch.size, F, D]);
  const num = batch.num.length
    ? tf.tensor2d(new Float32Array(batch.size * batch.num.length).fill(0.1), [batch.size, batch.num.length])
    : null;
  const res = tf.tidy(() => {
    const out = model.forward({ batch, emb, num }, { training, rng: new Rng(5) });
    return {
      logits: out.logits[0].dataSync().slice() as Float32Array,
      internals: Object.fromEntries(
        Object.entries(out.internals ?? {}).map(([k, t]) => [
          k,
          { shape: t.shape, data: t.dataSync().slice() as Float32Array },
        ]),
      ),
    };
  });
  tf.dispose([emb, num ?? []]);
  return res;
}

test("hierrec is in MODELS as a multi-domain model", () => {
  assert.equal(MODELS.hierrec.id, "hierrec");
  assert.equal(MODELS.hierrec.task, "multi-domain");
});

test("generated weights have per-instance shapes: explicit [B,64,16]/[B,16,64], implicit [B,H,64,16]/[B,H,16,64]", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 400);
  const model = HIERREC.build(train.schema, TINY, 3) as HierRecModel;
  const batch = batches(train, { batchSize: 8 }).next().value!;
  const F = model.fieldNames.length;
  const before = tf.memory().numTensors;
  const { logits, internals } = forward(model, batch);
  assert.equal(tf.memory().numTensors, before, "forward leaked tensors");
  assert.equal(logits.length, 8);
  assert.deepEqual(internals.explicitW1.shape, [8, 64, 16]);
  assert.deepEqual(internals.explicitW2.shape, [8, 16, 64]);
  assert.deepEqual(internals.implicitW1.shape, [8, 2, 64, 16]);
  assert.deepEqual(internals.implicitW2.shape, [8, 2, 16, 64]);
  assert.deepEqual(internals.fieldWeights.shape, [8, 2, F]);
  assert.deepEqual(internals.selfAttention.shape, [8, 2, F, F]);
  // Explicit weights depend on the scenario only; implicit weights on the instance.
  const ids = batch.groups[0];
  const row = (t: { data: Float32Array }, b: number, n: number) =>
    Array.from(t.data.subarray(b * n, (b + 1) * n));
  const n1 = 64 * 16;
  const pairs: [number, number][] = [];
  for (let a = 0; a < 8; a++) for (let b = a + 1; b < 8; b++) pairs.push([a, b]);
  const same = pairs.find(([a, b]) => ids[a] === ids[b]);
  const diff = pairs.find(([a, b]) => ids[a] !== ids[b]);
  assert.ok(same && diff, "the batch has rows of one scenario and of two scenarios");
  assert.deepEqual(row(internals.explicitW1, same[0], n1), row(internals.explicitW1, same[1], n1));
  assert.notDeepEqual(row(internals.explicitW1, diff[0], n1), row(internals.explicitW1, diff[1], n1));
  assert.notDeepEqual(
    row(internals.implicitW1, same[0], 2 * n1),
    row(internals.implicitW1, same[1], 2 * n1),
    "implicit weights are per instance",
  );
  model.dispose();
});

test("field weights and self-attention weights sum to one over fields", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 400);
  const model = HIERREC.build(train.schema, { ...TINY, numHeads: 4 }, 4) as HierRecModel;
  const batch = batches(train, { batchSize: 16 }).next().value!;
  const { internals } = forward(model, batch, true);
  const F = model.fieldNames.length;
  const rowsSumToOne = (data: Float32Array) => {
    for (let r = 0; r < data.length / F; r++) {
      let s = 0;
      for (let f = 0; f < F; f++) {
        assert.ok(data[r * F + f] >= 0);
        s += data[r * F + f];
      }
      assert.ok(Math.abs(s - 1) < 1e-5, `row ${r} sums to ${s}`);
    }
  };
  rowsSumToOne(internals.fieldWeights.data);
  rowsSumToOne(internals.selfAttention.data); // [B, H, F, F]: each query row
  const table = model.fieldWeightsByScenario()!;
  assert.equal(table.length, 3);
  assert.equal(table[0].length, 4);
  rowsSumToOne(Float32Array.from(table.flat(2)));
  // The per-row weights are the scenario's row of the table.
  const b0 = batch.groups[0][0];
  assert.ok(table[b0][1].every((v, f) => Math.abs(v - internals.fieldWeights.data[1 * F + f]) < 1e-6));
  // The heads start different (different chunks of s, different maps).
  assert.ok(headDiversity(table) > 0);
  model.dispose();
});

test("the scenario field is excluded from the field embeddings and changes nothing through them", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const train = withScenarioField(smallMulti(2, 400).train);
  const model = HIERREC.build(train.schema, TINY, 5) as HierRecModel;
  assert.equal(model.embeddings.numFields, 7);
  assert.equal(model.fieldNames.length, 6);
  assert.ok(!model.fieldNames.includes("domain"));
  assert.equal(model.scenarioField, 6);
  const batch = batches(train, { batchSize: 8 }).next().value!;
  const a = forward(model, batch).logits;
  // Move the scenario field's embedding row: the logits do not change (s comes from the axis).
  const t = model.embeddings.tables[model.embeddings.fieldTable[6]];
  const rows = t.toFloat32();
  t.setState({ ...t.getState(), weights: rows.map((v) => v + 0.5) });
  const b = forward(model, batch).logits;
  assert.deepEqual(Array.from(a), Array.from(b));
  // ... while the scenario id (group axis) does change them.
  const moved = { ...batch, groups: [batch.groups[0].map((g: number) => (g + 1) % 3)] };
  const c = forward(model, moved).logits;
  assert.notDeepEqual(Array.from(a), Array.from(c));
  model.dispose();
});

test("without the explicit module the scenario id is not read", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 400);
  const model = HIERREC.build(
    train.schema,
    { ...TINY, ...getAblation("no-explicit").overrides },
    6,
  ) as HierRecModel;
  const batch = batches(train, { batchSize: 8 }).next().value!;
  const a = forward(model, batch);
  const b = forward(model, { ...batch, groups: [batch.groups[0].map((g: number) => (g + 1) % 3)] });
  assert.deepEqual(Array.from(a.logits), Array.from(b.logits));
  assert.equal(a.internals.explicitW1, undefined);
  assert.deepEqual(a.internals.fieldWeights.shape.slice(1), [2, 6]);
  model.dispose();
});

test("every ablation config builds, trains a step with a finite loss and leaks nothing", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 600);
  const ids = ABLATIONS.map((a) => a.id);
  for (const want of [
    "no-explicit",
    "no-implicit",
    "heads-1",
    "heads-2",
    "heads-4",
    "heads-8",
    "static",
    "no-bn",
  ])
    assert.ok(ids.includes(want), `ablation ${want} declared`);
  const counts: Record<string, number> = {};
  for (const abl of ABLATIONS) {
    const cfg = {
      ...HIERREC_DEFAULTS,
      ...HIERREC.presets.smoke,
      ...HIERREC_PRESETS.official,
      ...abl.overrides,
    };
    const model = HIERREC.build(train.schema, cfg, 7) as HierRecModel;
    counts[abl.id] = model.paramCount().dense;
    const trainer = new Trainer(model, { batchSize: 64, progress: "none" });
    const rng = new Rng(1);
    const it = batches(train, { batchSize: 64, shuffle: true, rng });
    trainer.trainStep(it.next().value!, rng);
    const n0 = tf.memory().numTensors;
    const loss = trainer.trainStep(it.next().value!, rng);
    assert.ok(Number.isFinite(loss), `${abl.id}: loss ${loss}`);
    assert.equal(tf.memory().numTensors, n0, `${abl.id}: trainStep leaked tensors`);
    const out = forward(model, it.next().value!);
    assert.ok(out.logits.every(Number.isFinite), `${abl.id}: finite logits`);
    const readsFields = cfg.implicit && cfg.implicitWeights === "generated";
    assert.equal(
      out.internals.fieldWeights !== undefined,
      readsFields,
      `${abl.id}: field weights exposed iff heads re-weight fields`,
    );
    if (readsFields) assert.equal(out.internals.fieldWeights.shape[1], cfg.numHeads);
    assert.equal(out.internals.explicitW1 !== undefined, cfg.explicit && cfg.explicitWeights === "generated");
    assert.deepEqual(model.getConfig(), JSON.parse(JSON.stringify(cfg)));
    model.dispose();
    trainer.optimizer.dispose();
  }
  // Heads share the attention and the weight generators: each extra head adds only its field map's
  // bias (F = 6; the maps' weights total ds·F for any H) and i2 = 32 inputs to the output MLP's first layer (32 wide).
  assert.equal(counts["heads-8"] - counts["heads-1"], 7 * 6 + 7 * 32 * 32);
  assert.ok(counts["no-implicit"] < counts.full);
  assert.notEqual(counts.static, counts.full);
});

test("official preset: Linear-BatchNorm-ReLU-Dropout MLPs whose evaluation uses the running statistics; cells use it, no-bn is ours", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 600);
  const cfg: HierRecConfig = { ...HIERREC_DEFAULTS, ...HIERREC.presets.smoke, ...HIERREC_PRESETS.official };
  const model = HIERREC.build(train.schema, cfg, 4) as HierRecModel;
  // One BatchNorm per hidden layer of the base DNN ([32]) and the output MLP ([32, 32]): 3 buffers each.
  assert.equal(
    model.buffers().length,
    3 * 3,
    "running mean, running variance, batches tracked per BatchNorm",
  );
  const plain = HIERREC.build(train.schema, { ...cfg, ...HIERREC_PRESETS.ours }, 4) as HierRecModel;
  assert.equal(plain.buffers().length, 0);
  // γ and β are parameters (2 × width per BatchNorm), running statistics are not.
  assert.equal(model.paramCount().dense - plain.paramCount().dense, 2 * (32 + 32 + 32));
  plain.dispose();
  const trainer = new Trainer(model, { batchSize: 64, progress: "none" });
  const rng = new Rng(2);
  const it = batches(train, { batchSize: 64, shuffle: true, rng });
  for (let i = 0; i < 3; i++) trainer.trainStep(it.next().value!, rng);
  const [mean, variance, count] = model
    .buffers()
    .slice(0, 3)
    .map((b) => Array.from(b.dataSync()));
  assert.equal(count[0], 3, "one running-statistics update per step");
  assert.ok(
    mean.some((m) => Math.abs(m) > 1e-4),
    "running mean moved from 0",
  );
  assert.ok(
    variance.some((v) => Math.abs(v - 1) > 1e-4),
    "running variance moved from 1",
  );
  // Evaluation: a row's logit does not depend on its batch (running statistics, not batch statistics)...
  const batch: Batch = it.next().value!;
  const all = forward(model, batch).logits;
  const one = forward(model, {
    ...batch,
    size: 1,
    cat: batch.cat.map((c) => c.slice(0, 1)),
    num: batch.num.map((c) => c.slice(0, 1)),
    labels: batch.labels.map((c) => c.slice(0, 1)),
    groups: batch.groups.map((c) => c.slice(0, 1)),
    rows: batch.rows.slice(0, 1),
  } as Batch).logits;
  assert.ok(Math.abs(one[0] - all[0]) < 1e-5, `row 0 alone ${one[0]} vs in its batch ${all[0]}`);
  // ... and it reads them: shifting the running mean changes the evaluation output.
  tf.tidy(() => model.buffers()[0].assign(tf.add(model.buffers()[0], 1)));
  const shifted = forward(model, batch).logits;
  assert.ok(
    shifted.some((v, i) => Math.abs(v - all[i]) > 1e-4),
    "evaluation reads the running mean",
  );
  model.dispose();
  trainer.dispose();
  // The notebook's HierRec cells (main and ablations) are the official preset; "no-bn" turns it off.
  assert.equal((MAIN_CELLS[0].modelConfig as Partial<HierRecConfig>).batchNorm, true);
  assert.equal((ablationCell("static").modelConfig as Partial<HierRecConfig>).batchNorm, true);
  assert.equal((ablationCell("no-bn").modelConfig as Partial<HierRecConfig>).batchNorm, false);
});

test("config errors name the field; a missing scenario axis names the axis", () => {
  const { train } = smallMulti(2, 200);
  assert.throws(
    () => HIERREC.build(train.schema, { ...TINY, numHeads: 3 }, 1),
    /scenarioEmbDim \(16\) must be divisible by numHeads \(3\)/,
  );
  assert.throws(
    () => HIERREC.build(train.schema, { ...TINY, explicitDims: [16] }, 1),
    /explicitDims must be 2 positive integers/,
  );
  assert.throws(
    () => HIERREC.build(train.schema, { ...TINY, implicitWeights: "dynamic" as never }, 1),
    /implicitWeights must be "generated" or "static"/,
  );
  assert.throws(
    () => HIERREC.build(train.schema, { ...TINY, scenarioAxis: "scenario" }, 1),
    /no group axis named "scenario"/,
  );
  assert.equal(HIERREC.requires(train.schema), null);
  assert.match(HIERREC.requires({ ...train.schema, groups: [] }) ?? "", /needs a group axis/);
  assert.throws(() => getAblation("nope"), /unknown HierRec ablation "nope"/);
});

test("headDiversity: total variation averaged over head pairs and scenarios", () => {
  assert.equal(
    headDiversity([
      [
        [1, 0],
        [0, 1],
      ],
    ]),
    1,
  );
  assert.equal(
    headDiversity([
      [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    ]),
    0,
  );
  assert.ok(
    Math.abs(
      headDiversity([
        [
          [0.5, 0.5],
          [1, 0],
          [0.5, 0.5],
        ],
      ]) -
        (0.5 + 0 + 0.5) / 3,
    ) < 1e-12,
  );
  assert.ok(Number.isNaN(headDiversity([[[1, 0]]])));
});

test("training lowers the loss and moves the field weights away from their initial values", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(4, 1500);
  const model = HIERREC.build(
    train.schema,
    { ...HIERREC_DEFAULTS, ...HIERREC.presets.smoke },
    8,
  ) as HierRecModel;
  const trainer = new Trainer(model, {
    batchSize: 128,
    numEpochs: 3,
    progress: "none",
    earlyStopping: null,
    optimizer: { kind: "adam", lr: 3e-3 },
  });
  const h = await trainer.fit(train, valid);
  assert.ok(
    h.epochs[2].trainLoss < h.epochs[0].trainLoss,
    `loss ${h.epochs[0].trainLoss} -> ${h.epochs[2].trainLoss}`,
  );
  const now = model.fieldWeightsByScenario()!.flat(2);
  const init = model.initialFieldWeights!.flat(2);
  assert.ok(
    now.some((v, i) => Math.abs(v - init[i]) > 1e-4),
    "field weights are trained",
  );
  const ev = trainer.evaluate(valid, "domain").heads.click;
  assert.equal(Object.keys(ev.perGroup).length, 3);
  model.dispose();
  trainer.optimizer.dispose();
});

test("softmaxLast matches tf.softmax in value and gradient", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const x = tf.tensor3d(
    Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.sin(i * 1.7) * 4),
    [2, 3, 5],
  );
  const w = tf.tensor3d(
    Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.cos(i)),
    [2, 3, 5],
  );
  const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(softmaxLast(t as tf.Tensor3D), w)))(x);
  const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t, -1), w)))(x);
  const close = (a: tf.Tensor, b: tf.Tensor) =>
    Array.from(a.dataSync()).every((v, i) => Math.abs(v - b.dataSync()[i]) < 1e-6);
  assert.ok(close(softmaxLast(x), tf.softmax(x, -1)));
  assert.ok(close(ours, ref));
  tf.dispose([x, w, ours, ref]);
});

test("subsample keeps seeded subsets and tags the data id; renameAxis renames the axis and its field", async () => {
  const { train, valid } = smallMulti(2, 600);
  const data = { schema: train.schema, train, valid, test: valid, meta: { id: "x", fingerprint: "f" } };
  const a = subsample(data, { train: 100, valid: 1000, test: 50 }, 3);
  const b = subsample(data, { train: 100, valid: 1000, test: 50 }, 3);
  assert.equal(a.train.numRows, 100);
  assert.equal(a.valid.numRows, valid.numRows, "asking for more rows than exist keeps the split");
  assert.equal(a.meta.id, `x-sub100-${valid.numRows}-50-s3`);
  assert.notEqual(a.meta.fingerprint, "f");
  assert.deepEqual(Array.from(a.train.cat[0]), Array.from(b.train.cat[0]));
  assert.throws(() => subsample(data, { train: 0, valid: 1, test: 1 }, 1), /positive integers/);
  const withField = withScenarioField(train);
  const r = renameAxis({ ...data, schema: withField.schema, train: withField }, "domain", "scenario");
  assert.equal(r.schema.groups[0].name, "scenario");
  assert.ok(r.schema.features.some((f) => f.name === "scenario"));
  assert.equal(r.train.schema, r.schema);
  assert.throws(() => renameAxis(data, "nope", "x"), /no group axis "nope"/);
  const model = HIERREC.build(r.schema, { ...TINY, scenarioAxis: "scenario" }, 1) as HierRecModel;
  assert.ok(!model.fieldNames.includes("scenario"));
  model.dispose();
});

/** A grid result as runGrid returns it, for figure and key tests. */
function cellResult(
  data: string,
  label: string,
  auc: number[],
  extra: Record<string, number[]> = {},
  inspected: Record<string, unknown> = {},
): CellResult {
  return {
    data,
    label,
    model: "hierrec",
    baseline: null,
    seeds: [1, 2],
    heads: ["click"],
    metrics: { auc, logloss: [0.5, 0.5], "a.auc": auc, "a.logloss": [0.5, 0.5], ...extra },
    groupRows: { a: 10 },
    groups: ["a"],
    histories: [],
    paramCount: { embedding: 1, dense: 1 },
    wallSecPerSeed: 1,
    recordPath: "",
    inspected,
  };
}

test("figures: heatmap rows are (scenario, head), ablation deltas are paired by seed", () => {
  const runs = [
    cellResult(
      "d",
      "hierrec",
      [0.7, 0.8],
      {},
      {
        fieldWeights: [
          [
            [0.5, 0.5],
            [0.9, 0.1],
          ],
        ],
        fieldNames: ["f0", "f1"],
      },
    ),
    cellResult("d", "static", [0.68, 0.77]),
  ];
  const h = fieldWeightHeatmap(runs[0]);
  assert.deepEqual(h.data[0].y, ["a · head 1", "a · head 2"]);
  assert.throws(() => fieldWeightHeatmap(runs[1]), /no field weights/);
  const f = ablationDeltaFigure(runs, { datasets: ["d"], labels: ["static"] });
  assert.ok(Math.abs((f.data[0].y as number[])[0] - -0.025) < 1e-9);
  const m = measured(runs);
  assert.deepEqual(m["d.static.a.auc"], [0.68, 0.77]);
  assert.equal(perScenarioAucFigure(runs, { data: "d" }).data.length, 2);
});

test("claims.json names only keys the grid measures: every claim is judged on a complete grid", () => {
  const claims = loadClaims(path.join(__dirname, "../../src/papers/hierrec/claims.json"));
  const labels = ["hierrec", "static", "no-explicit", "no-implicit", "heads-1"];
  const results = ["synthetic", "ml-age", "ml-gender"].flatMap((d) =>
    labels.map((l, i) =>
      cellResult(
        d,
        l,
        [0.7 - 0.01 * i, 0.71 - 0.01 * i],
        l === "hierrec" ? { headDiversity: [0.3, 0.31], headDiversityInit: [0.1, 0.1] } : {},
      ),
    ),
  );
  const rows = compareClaims(claims.claims, measured(results));
  assert.equal(rows.length, 5);
  for (const r of rows) assert.equal(r.verdict, "holds", `${r.id}: ${r.reason}`);
  // Without the head-diversity hook's keys C3b is not measurable, the others still hold.
  const noHook = compareClaims(
    claims.claims,
    measured(
      results.map((r) => ({ ...r, metrics: { ...r.metrics, headDiversity: [], headDiversityInit: [] } })),
    ),
  );
  assert.equal(noHook.find((r) => r.id === "C3b")!.verdict, "not measurable");
});

test("the fused re-weighting + attention equals the direct formulation softmax((E⊙a)Wq (E⊙a)Wkᵀ/√D)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 300);
  const model = HIERREC.build(train.schema, TINY, 9) as HierRecModel;
  const batch = batches(train, { batchSize: 4 }).next().value!;
  const { internals } = forward(model, batch);
  const att = (model as unknown as { att: { qkv: { w: tf.Variable; b: tf.Variable } } }).att;
  const F = 6;
  const D = 16;
  const E = tf.tensor3d(model.embeddings.lookup(batch.cat, 4), [4, F, D]);
  const a = tf.tensor3d(internals.fieldWeights.data, [4, 2, F]);
  const ref = tf.tidy(() => {
    const Eh = tf.reshape(tf.mul(tf.expandDims(E, 1), tf.expandDims(a, 3)), [8 * F, D]) as tf.Tensor2D; // [B*H*F, D]
    const proj = tf.add(tf.matMul(Eh, att.qkv.w as tf.Tensor2D), att.qkv.b); // [B*H*F, 3D]
    const q = tf.reshape(tf.slice(proj, [0, 0], [-1, D]), [8, F, D]) as tf.Tensor3D;
    const k = tf.reshape(tf.slice(proj, [0, D], [-1, D]), [8, F, D]) as tf.Tensor3D;
    return tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D)), -1);
  });
  const got = internals.selfAttention.data;
  const want = ref.dataSync();
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `weight ${i}: ${got[i]} vs ${want[i]}`);
  tf.dispose([E, a, ref]);
  model.dispose();
});

test("runGrid with the HierRec hooks: per-scenario metrics, per-seed head diversity, last seed's field weights", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallMulti(5, 900);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hierrec-cells-"));
  const data = {
    schema: train.schema,
    train,
    valid,
    test: valid,
    meta: { id: "synthetic-multi", fingerprint: "t" },
  };
  const runs = await runGrid({
    paper: "hierrec",
    models: CELL_MODELS,
    dataName: "toy",
    data,
    cells: [
      { label: "hierrec", model: "hierrec" },
      { label: "no-implicit", model: "hierrec", modelConfig: { implicit: false } },
    ],
    seeds: [1, 2],
    presets: {
      smoke: { numEpochs: 1, batchSize: 128, progress: "none" },
      paper: { numEpochs: 1, batchSize: 128, progress: "none" },
    },
    profile: "smoke",
    groupAxis: "domain",
    verbose: false,
    figuresDir: dir,
    measure: measureHeads,
    inspect: inspectFieldWeights,
  });
  assert.equal(runs.length, 2);
  assert.deepEqual(runs[0].seeds, [1, 2]);
  assert.equal(runs[0].metrics.headDiversity.length, 2, "one diversity value per seed (the measure hook)");
  assert.equal(runs[0].metrics.headDiversityInit.length, 2);
  const w = runs[0].inspected.fieldWeights as number[][][];
  assert.ok(w && w.length === 3);
  assert.deepEqual(runs[0].groups, ["d0", "d1", "d2"]);
  assert.equal(runs[0].metrics["d1.auc"].length, 2);
  assert.equal(runs[1].metrics.headDiversity, undefined);
  assert.deepEqual(runs[1].inspected, {});
  const m = measured(runs);
  assert.equal(m["toy.hierrec.headDiversity"].length, 2);
  const rec = JSON.parse(fs.readFileSync(path.join(dir, "toy-hierrec-smoke", "run.json"), "utf8"));
  assert.deepEqual(
    rec.seedMetrics.headDiversity,
    runs[0].metrics.headDiversity,
    "the hook's values are in the run record",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
