/**
 * Multi-task and multi-domain expert models (src/models/multitask): registration, hand-computed
 * parameter counts and forward shapes on a tiny config, ESMM's product logit, gate normalisation,
 * routing gradients of the md-* variants, the shared/own split of the variables, AITM's
 * calibrator, cross-stitch mixing and clear errors on bad configs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MODELS } from "../../src/papers";
import type { BaseModelConfig, ForwardOutput, ModelSpec, RecModel } from "../../src/models/types";
import { ExpertSet, mixExperts } from "../../src/models/multitask/blocks";
import { Mlp } from "../../src/models/layers/mlp";
import {
  AITM,
  AitmModel,
  CGC,
  CROSS_STITCH,
  CrossStitchModel,
  ESMM,
  ExpertDomainModel,
  ExpertTaskModel,
  MD_MMOE,
  MD_PLE,
  MD_SHARED_BOTTOM,
  MMOE,
  PLE,
  productLogit,
  SHARED_BOTTOM,
  SINGLE_TASK,
} from "../../src/models/multitask";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { Rng } from "../../src/engine/rng";
import { batches, subset } from "../../src/data/batches";
import type { Batch, TabularDataset } from "../../src/data/schema";
import { Trainer } from "../../src/train/trainer";
import { smallCtr, smallMulti } from "../helpers";

type AnySpec = ModelSpec<BaseModelConfig>;
const asAny = (s: unknown) => s as AnySpec;

const TASK_IDS = ["shared-bottom", "mmoe", "cgc", "ple", "cross-stitch", "esmm", "aitm"];
const DOMAIN_IDS = ["md-shared-bottom", "md-mmoe", "md-ple"];

/** Field embeddings and numeric inputs for a batch, as the trainer builds them. */
function inputsOf(
  model: RecModel,
  batch: Batch,
  embDim: number,
): { emb: tf.Tensor3D; num: tf.Tensor2D | null } {
  const emb = tf.tensor3d(model.embeddings.lookup(batch.cat, batch.size), [
    batch.size,
    model.embeddings.numFields,
    embDim,
  ]);
  const nn = batch.num.length;
  const numBuf = new Float32Array(batch.size * nn);
  for (let j = 0; j < nn; j++) for (let b = 0; b < batch.size; b++) numBuf[b * nn + j] = batch.num[j][b];
  return { emb, num: nn > 0 ? tf.tensor2d(numBuf, [batch.size, nn]) : null };
}

function firstBatch(ds: TabularDataset, size = 64): Batch {
  return batches(ds, { batchSize: size }).next().value!;
}

/** Sum of |g| per variable name for the loss `f` (missing gradient = 0: not connected). */
function gradAbs(f: () => tf.Scalar, vars: tf.Variable[]): Map<string, number> {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = new Map<string, number>();
  for (const v of vars)
    out.set(v.name, grads[v.name] ? tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]) : 0);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function bce(logit: tf.Tensor1D, labels: Float32Array): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(tf.tensor1d(labels), logit) as tf.Scalar;
}

test("every multi-task / multi-domain model is registered in MODELS with its task kind", () => {
  for (const id of TASK_IDS) assert.equal(MODELS[id]?.task, "multi-task", id);
  for (const id of DOMAIN_IDS) assert.equal(MODELS[id]?.task, "multi-domain", id);
  assert.equal(MODELS["single-task"]?.task, "ctr");
});

test("requires() says clearly when the schema has fewer than two labels; build errors name the problem", () => {
  const single = smallCtr(1, 200).train.schema;
  for (const id of TASK_IDS)
    assert.match(
      MODELS[id].requires(single) ?? "",
      /needs at least two labels.*has 1 \(click\).*single-task/,
      id,
    );
  assert.equal(MODELS["single-task"].requires(single), null);
  const multi = smallMulti(1, 200).train.schema;
  for (const id of [...TASK_IDS, ...DOMAIN_IDS]) assert.equal(MODELS[id].requires(multi), null, id);
  for (const id of DOMAIN_IDS)
    assert.match(MODELS[id].requires(single) ?? "", /needs a group axis "domain"/, id);
  assert.throws(
    () => MMOE.build(multi, { ...MMOE.defaults, tasks: ["click", "nope"] }, 1),
    /synthetic-multi: no label named "nope"/,
  );
  assert.throws(
    () => MMOE.build(multi, { ...MMOE.defaults, tasks: ["click", "click"] }, 1),
    /tasks repeat a label/,
  );
  assert.throws(() => MMOE.build(multi, { ...MMOE.defaults, tasks: ["click"] }, 1), /at least two tasks/);
  assert.throws(
    () => SINGLE_TASK.build(multi, { ...SINGLE_TASK.defaults, task: "nope" }, 1),
    /no label named "nope"/,
  );
  assert.throws(
    () => MD_MMOE.build(multi, { ...MD_MMOE.defaults, domainAxis: "scenario" }, 1),
    /md-mmoe: needs a group axis "scenario"/,
  );
  assert.throws(
    () => ESMM.build(multi, { ...ESMM.defaults, ctrLabel: "aux", ctcvrLabel: "aux" }, 1),
    /same label "aux"/,
  );
  assert.throws(
    () => PLE.build(multi, { ...PLE.defaults, numSpecificExperts: 0, numSharedExperts: 0 }, 1),
    /at least one expert/,
  );
});

// Tiny configs on smallMulti: F = 6 fields, D = 2, 2 numeric -> input width d = 6*2 + 2 = 14.
// Dense(i, o) has i*o + o parameters. Hand counts:
const TINY: { spec: AnySpec; config: Record<string, unknown>; dense: number; heads: number }[] = [
  // bottom 14->5: 75; tower 5->3->1: 18 + 4 = 22.                                       75 + 22
  { spec: asAny(SINGLE_TASK), config: { bottomHidden: [5], towerHidden: [3] }, dense: 97, heads: 1 },
  // bottom 75; two towers 2*22.                                                         75 + 44
  { spec: asAny(SHARED_BOTTOM), config: { bottomHidden: [5], towerHidden: [3] }, dense: 119, heads: 2 },
  // 3 experts 14->4: 3*60 = 180; 2 gates 14->3: 2*45 = 90; 2 towers 4->3->1: 2*(15+4) = 38. 180 + 90 + 38
  { spec: asAny(MMOE), config: { numExperts: 3, expertHidden: [4], towerHidden: [3] }, dense: 308, heads: 2 },
  // specific 2 tasks*2*60 = 240; shared 60; gates 2*(14*3+3) = 90; towers 38.          240 + 60 + 90 + 38
  {
    spec: asAny(CGC),
    config: { numSpecificExperts: 2, numSharedExperts: 1, expertHidden: [4], towerHidden: [3] },
    dense: 428,
    heads: 2,
  },
  // level 1: 240 + 60 + 90 + shared gate 14->5: 75 = 465; level 2 (input 4): 5 experts 4->4: 5*20 = 100,
  // gates 2*(4*3+3) = 30 -> 130; towers 38.                                             465 + 130 + 38
  {
    spec: asAny(PLE),
    config: { numLevels: 2, numSpecificExperts: 2, numSharedExperts: 1, expertHidden: [4], towerHidden: [3] },
    dense: 633,
    heads: 2,
  },
  // columns: 2*(14*5+5) = 150, α 2x2 = 4, 2*(5*3+3) = 36, α 4; outputs 2*(3+1) = 8.       150 + 4 + 36 + 4 + 8
  { spec: asAny(CROSS_STITCH), config: { hidden: [5, 3] }, dense: 202, heads: 2 },
  // two towers 14->4->1: 2*(60 + 5).                                                     130
  { spec: asAny(ESMM), config: { ctrHidden: [4], cvrHidden: [4] }, dense: 130, heads: 2 },
  // bottoms 2*(14*5+5 + 5*4+4) = 198; info 4->4: 20; Q,K,V 3*16 = 48; towers 2*19 = 38.  198 + 20 + 48 + 38
  { spec: asAny(AITM), config: { bottomHidden: [5, 4], towerHidden: [3] }, dense: 304, heads: 2 },
  // 3 domains: bottom 75; 3 towers 3*22.                                                 75 + 66
  { spec: asAny(MD_SHARED_BOTTOM), config: { bottomHidden: [5], towerHidden: [3] }, dense: 141, heads: 1 },
  // numExperts null -> 3 (one per domain): 180; 3 gates 3*45 = 135; 3 towers 3*19 = 57.  180 + 135 + 57
  {
    spec: asAny(MD_MMOE),
    config: { numExperts: null, expertHidden: [4], towerHidden: [3] },
    dense: 372,
    heads: 1,
  },
  // specific 3*2*60 = 360; shared 60; gates 3*45 = 135; towers 57.                        360 + 60 + 135 + 57
  {
    spec: asAny(MD_PLE),
    config: { numLevels: 1, numSpecificExperts: 2, numSharedExperts: 1, expertHidden: [4], towerHidden: [3] },
    dense: 612,
    heads: 1,
  },
];

test("hand-computed dense parameter counts and forward shapes on a tiny config", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(2, 300);
  const batch = firstBatch(train, 32);
  for (const c of TINY) {
    const config = { ...c.spec.defaults, embDim: 2, ...c.config } as BaseModelConfig;
    const m = c.spec.build(train.schema, config, 3);
    assert.equal(m.paramCount().dense, c.dense, `${c.spec.id}: dense parameters`);
    assert.equal(m.paramCount().embedding, m.embeddings.numParams());
    assert.equal(m.heads.length, c.heads, `${c.spec.id}: heads`);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { emb, num } = inputsOf(m, batch, 2);
      const out = m.forward({ batch, emb, num }, { training: false });
      assert.equal(out.logits.length, c.heads);
      for (const l of out.logits) assert.deepEqual(l.shape, [32], c.spec.id);
    });
    assert.equal(tf.memory().numTensors, before, `${c.spec.id}: forward leaked`);
    m.dispose();
  }
});

test("ESMM: sigmoid(CTCVR logit) = sigmoid(ctr)·sigmoid(cvr) to 1e-6, extreme logits included, with finite gradients", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const grid = [-200, -100, -30, -15, -5, -1, -0.1, 0, 0.1, 1, 5, 15, 30, 100, 200];
  const a: number[] = [];
  const b: number[] = [];
  for (const x of grid) for (const y of grid) (a.push(x), b.push(y));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const [logit, ga, gb] = tf.tidy(() => {
    const ta = tf.tensor1d(a);
    const tb = tf.tensor1d(b);
    const g = tf.grads((u: tf.Tensor, v: tf.Tensor) =>
      tf.sum(productLogit(u as tf.Tensor1D, v as tf.Tensor1D)),
    )([ta, tb]);
    return [productLogit(ta, tb).dataSync(), g[0].dataSync(), g[1].dataSync()];
  });
  for (let i = 0; i < a.length; i++) {
    const p = sig(a[i]) * sig(b[i]);
    assert.ok(Number.isFinite(logit[i]), `logit finite at (${a[i]}, ${b[i]})`);
    assert.ok(
      Math.abs(sig(logit[i]) - p) <= 1e-6,
      `(${a[i]}, ${b[i]}): sigmoid(logit) ${sig(logit[i])} vs ${p}`,
    );
    // Where the true logit is representable (p ≤ 1 − 1e-6), it matches log p − log(1 − p) closely.
    const trueLogit = Math.log(p) - Math.log1p(-p);
    if (p > 1e-30 && p < 1 - 1e-6)
      assert.ok(
        Math.abs(logit[i] - trueLogit) <= 1e-4 * Math.max(1, Math.abs(trueLogit)),
        `(${a[i]}, ${b[i]}): logit ${logit[i]} vs ${trueLogit}`,
      );
    assert.ok(Number.isFinite(ga[i]) && Number.isFinite(gb[i]), `gradient finite at (${a[i]}, ${b[i]})`);
  }
  // In the model: heads [ctr, ctcvr]; internals.cvr = sigmoid of the CVR tower, ctcvr = ctr·cvr.
  const { train } = smallMulti(3, 300);
  const batch = firstBatch(train, 16);
  const m = ESMM.build(train.schema, { ...ESMM.defaults, ...ESMM.presets.smoke }, 5);
  assert.deepEqual(m.heads, ["click", "aux"]);
  tf.tidy(() => {
    const { emb, num } = inputsOf(m, batch, ESMM.defaults.embDim);
    const out = m.forward({ batch, emb, num }, { training: false });
    const ctr = tf.sigmoid(out.logits[0]).dataSync();
    const ctcvr = tf.sigmoid(out.logits[1]).dataSync();
    const cvr = out.internals!.cvr.dataSync();
    assert.deepEqual(out.internals!.cvr.shape, [16]);
    for (let i = 0; i < 16; i++) {
      assert.ok(cvr[i] > 0 && cvr[i] < 1);
      assert.ok(Math.abs(ctcvr[i] - ctr[i] * cvr[i]) <= 1e-6);
    }
  });
  m.dispose();
});

test("MMoE and PLE gates are softmax distributions over the experts they see", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(4, 300);
  const batch = firstBatch(train, 40);
  const check = (m: RecModel, embDim: number, widths: Record<string, number>) =>
    tf.tidy(() => {
      const { emb, num } = inputsOf(m, batch, embDim);
      const out = m.forward({ batch, emb, num }, { training: false });
      assert.deepEqual(Object.keys(out.internals!).sort(), Object.keys(widths).sort());
      for (const [key, n] of Object.entries(widths)) {
        const g = out.internals![key] as tf.Tensor2D;
        assert.deepEqual(g.shape, [40, n], key);
        const v = g.dataSync();
        for (let r = 0; r < 40; r++) {
          let s = 0;
          for (let j = 0; j < n; j++) (assert.ok(v[r * n + j] >= 0), (s += v[r * n + j]));
          assert.ok(Math.abs(s - 1) < 1e-5, `${key} row ${r} sums to ${s}`);
        }
      }
    });
  const mmoe = MMOE.build(train.schema, { ...MMOE.defaults, numExperts: 5 }, 1);
  check(mmoe, MMOE.defaults.embDim, { "gate/l1/click": 5, "gate/l1/aux": 5 });
  const ple = PLE.build(
    train.schema,
    { ...PLE.defaults, numLevels: 2, numSpecificExperts: 2, numSharedExperts: 3 },
    1,
  );
  // Per-task gates see 2 + 3 experts; level 1's shared gate sees 2*2 + 3.
  check(ple, PLE.defaults.embDim, {
    "gate/l1/click": 5,
    "gate/l1/aux": 5,
    "gate/l1/shared": 7,
    "gate/l2/click": 5,
    "gate/l2/aux": 5,
  });
  const md = MD_MMOE.build(train.schema, { ...MD_MMOE.defaults, numExperts: 4 }, 1);
  tf.tidy(() => {
    const { emb, num } = inputsOf(md, batch, MD_MMOE.defaults.embDim);
    const out = md.forward({ batch, emb, num }, { training: false });
    assert.deepEqual(Object.keys(out.internals!).sort(), [
      "domainLogits",
      "gate/l1/d0",
      "gate/l1/d1",
      "gate/l1/d2",
    ]);
    assert.deepEqual(out.internals!.domainLogits.shape, [40, 3]);
  });
  for (const m of [mmoe, ple, md]) m.dispose();
});

test("md-* routing: a batch whose rows are all domain 0 gives the other domains' towers, gates and specific experts zero gradient", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(5, 1500);
  const rows: number[] = [];
  for (let r = 0; r < train.numRows; r++) if (train.groups[0][r] === 0) rows.push(r);
  const batch = firstBatch(subset(train, rows), 64);
  assert.ok(Array.from(batch.groups[0]).every((g) => g === 0));
  for (const spec of [asAny(MD_SHARED_BOTTOM), asAny(MD_MMOE), asAny(MD_PLE)]) {
    const config = { ...spec.defaults, ...spec.presets.smoke };
    const m = spec.build(train.schema, config, 9) as ExpertDomainModel<never>;
    const { emb, num } = inputsOf(m, batch, config.embDim);
    const g = gradAbs(
      () => bce(m.forward({ batch, emb, num }, { training: false }).logits[0], batch.labels[0]),
      m.variables(),
    );
    const sumOf = (vs: tf.Variable[]) => vs.reduce((s, v) => s + g.get(v.name)!, 0);
    assert.ok(sumOf(m.domainVariables(0)) > 0, `${spec.id}: domain 0 learns`);
    for (const d of [1, 2]) {
      assert.ok(m.domainVariables(d).length >= m.towers[d].variables().length);
      for (const v of m.domainVariables(d))
        assert.equal(g.get(v.name), 0, `${spec.id}: domain ${d} variable ${v.name} got gradient`);
    }
    assert.ok(sumOf(m.sharedVariables()) > 0, `${spec.id}: shared part learns`);
    tf.dispose([emb, num!]);
    m.dispose();
  }
});

test("sharedVariables ⊆ variables(); with the per-head variables they partition variables(); every head reaches every shared variable, and no other head reaches a head's own", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(6, 600);
  const batch = firstBatch(train, 64);
  const cases: { id: string; model: RecModel; embDim: number }[] = [];
  for (const spec of [
    asAny(SHARED_BOTTOM),
    asAny(MMOE),
    asAny(CGC),
    asAny(PLE),
    asAny(CROSS_STITCH),
    asAny(ESMM),
    asAny(AITM),
    asAny(MD_SHARED_BOTTOM),
    asAny(MD_MMOE),
    asAny(MD_PLE),
  ]) {
    const config = { ...spec.defaults, ...spec.presets.smoke };
    cases.push({ id: spec.id, model: spec.build(train.schema, config, 2), embDim: config.embDim });
  }
  // PLE with 3 levels exercises every branch of the sharing rule (levels ≤ L-2 share their task gates).
  cases.push({
    id: "ple-3",
    model: PLE.build(train.schema, { ...PLE.defaults, numLevels: 3 }, 2),
    embDim: PLE.defaults.embDim,
  });
  for (const { id, model, embDim } of cases) {
    const all = new Set(model.variables().map((v) => v.name));
    const shared = model.sharedVariables!();
    for (const v of shared) assert.ok(all.has(v.name), `${id}: shared ${v.name} not in variables()`);
    assert.equal(new Set(shared.map((v) => v.name)).size, shared.length, `${id}: shared variables repeat`);
    if (id === "esmm") assert.equal(shared.length, 0);
    else assert.ok(shared.length > 0, id);
    const { emb, num } = inputsOf(model, batch, embDim);
    const perHead = model.heads.map((_, h) =>
      gradAbs(
        () => bce(model.forward({ batch, emb, num }, { training: false }).logits[h], batch.labels[h]),
        model.variables(),
      ),
    );
    for (const v of shared)
      for (let h = 0; h < model.heads.length; h++)
        assert.ok(perHead[h].get(v.name)! > 0, `${id}: head ${h} does not reach shared ${v.name}`);
    if (model instanceof ExpertTaskModel) {
      const own = model.heads.map((_, h) => model.headVariables(h));
      const names = [...shared, ...own.flat()].map((v) => v.name);
      assert.equal(
        names.length,
        all.size,
        `${id}: shared + per-head variables cover variables() exactly once`,
      );
      assert.deepEqual(new Set(names), all);
      for (let h = 0; h < own.length; h++)
        for (let o = 0; o < own.length; o++)
          if (o !== h)
            for (const v of own[h])
              assert.equal(perHead[o].get(v.name), 0, `${id}: head ${o} reaches head ${h}'s ${v.name}`);
    }
    if (model instanceof ExpertDomainModel) {
      const names = [
        ...shared,
        ...Array.from({ length: model.numDomains }, (_, g) => model.domainVariables(g)).flat(),
      ].map((v) => v.name);
      assert.equal(
        names.length,
        all.size,
        `${id}: shared + per-domain variables cover variables() exactly once`,
      );
      assert.deepEqual(new Set(names), all);
    }
    tf.dispose([emb, num!]);
    model.dispose();
  }
});

test("AITM: loss = Σ CE + α·calibrator (mean or sum over the batch), taskLosses sum to the loss, transfer weights in (0, 1)", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(7, 400);
  const batch = firstBatch(train, 50);
  for (const reduction of ["mean", "sum"] as const) {
    const m = AITM.build(
      train.schema,
      { ...AITM.defaults, constraintWeight: 0.6, constraintReduction: reduction },
      4,
    ) as AitmModel;
    // Raise the second head's output bias so that ŷ_1 > ŷ_0 on many rows: the calibrator is active.
    m.towers[1].out!.b!.assign(tf.fill([1], 1.5));
    tf.tidy(() => {
      const { emb, num } = inputsOf(m, batch, AITM.defaults.embDim);
      const out: ForwardOutput = m.forward({ batch, emb, num }, { training: false });
      const p0 = tf.sigmoid(out.logits[0]).dataSync();
      const p1 = tf.sigmoid(out.logits[1]).dataSync();
      let lc = 0;
      for (let i = 0; i < 50; i++) lc += Math.max(p1[i] - p0[i], 0);
      if (reduction === "mean") lc /= 50;
      const ce =
        bce(out.logits[0], batch.labels[0]).dataSync()[0] + bce(out.logits[1], batch.labels[1]).dataSync()[0];
      assert.ok(lc > 0.05, `the raised head violates the cascade (lc ${lc})`);
      assert.ok(Math.abs(m.loss(out, batch).dataSync()[0] - (ce + 0.6 * lc)) < 1e-4, reduction);
      assert.ok(Math.abs(m.calibrator(out.logits).dataSync()[0] - lc) < 1e-5);
      const parts = m.taskLosses(out, batch).map((l) => l.dataSync()[0]);
      assert.ok(Math.abs(parts[0] + parts[1] - m.loss(out, batch).dataSync()[0]) < 1e-5);
      const w = out.internals!["transferWeight/aux"].dataSync();
      assert.equal(w.length, 50);
      assert.ok(Array.from(w).every((x) => x > 0 && x < 1));
    });
    m.dispose();
  }
});

test("cross-stitch: α starts at stitchSelf on the diagonal; with stitchSelf = 1 the columns are independent", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(8, 300);
  const m = CROSS_STITCH.build(
    train.schema,
    { ...CROSS_STITCH.defaults, hidden: [6, 4], stitchSelf: 0.9 },
    1,
  ) as CrossStitchModel;
  assert.deepEqual(
    Array.from(m.stitch[0].dataSync()).map((x) => Math.round(x * 1e6) / 1e6),
    [0.9, 0.1, 0.1, 0.9],
  );
  m.dispose();
  const iso = CROSS_STITCH.build(
    train.schema,
    { ...CROSS_STITCH.defaults, hidden: [6, 4], stitchSelf: 1 },
    1,
  ) as CrossStitchModel;
  const batch = firstBatch(train, 32);
  const { emb, num } = inputsOf(iso, batch, CROSS_STITCH.defaults.embDim);
  const g = gradAbs(
    () => bce(iso.forward({ batch, emb, num }, { training: false }).logits[0], batch.labels[0]),
    iso.variables(),
  );
  for (const row of iso.layers)
    for (const v of row[1].variables())
      assert.equal(g.get(v.name), 0, "head 0 reaches column 1 although α_01 = 0");
  assert.ok(iso.layers[0][0].variables().some((v) => g.get(v.name)! > 0));
  assert.ok(g.get(iso.stitch[0].name)! > 0, "α itself is learned");
  tf.dispose([emb, num!]);
  iso.dispose();
});

test("dropout uses ctx.rng: every model trains a step with dropout 0.2, and the same seeds give the same loss", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(9, 400);
  const batch = firstBatch(train, 64);
  for (const id of ["single-task", ...TASK_IDS, ...DOMAIN_IDS]) {
    const spec = MODELS[id];
    const run = () => {
      const m = spec.build(
        train.schema,
        { ...spec.defaults, ...spec.presets.smoke, dropout: 0.2 } as BaseModelConfig,
        3,
      );
      const t = new Trainer(m, { batchSize: 64, progress: "none", optimizer: { kind: "adam", lr: 1e-3 } });
      const l = [t.trainStep(batch, new Rng(5)), t.trainStep(batch, new Rng(6))];
      t.optimizer.dispose();
      m.dispose();
      return l;
    };
    const a = run();
    assert.ok(a.every(Number.isFinite), id);
    assert.deepEqual(run(), a, `${id}: not deterministic under a seeded rng`);
  }
});

test("ExpertSet: the fused experts equal n separate Mlps drawn from the same seed (one and two layers); mixExperts = Σ_i g_i·f_i", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(4);
  const B = 6;
  const d = 7;
  const x = new Float32Array(B * d).map(() => rng.normal());
  for (const hidden of [[5], [5, 4]]) {
    const n = 3;
    const set = new ExpertSet(d, n, hidden, 0, new Rng(9));
    const ref = new Rng(9);
    const mlps = Array.from({ length: n }, () => new Mlp(d, { hidden }, ref));
    const H = hidden[hidden.length - 1];
    const count = (vs: tf.Variable[]) => vs.reduce((s, v) => s + v.size, 0);
    assert.equal(
      count(set.variables()),
      count(mlps.flatMap((m) => m.variables())),
      `[${hidden}]: parameter count`,
    );
    const [fused, sep, mixed, want] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [B, d]);
      const f = set.apply(xt, false)!;
      const parts = mlps.map((m) => m.apply(xt, false));
      const g = tf.softmax(
        tf.tensor2d(
          new Float32Array(B * n).map(() => rng.normal()),
          [B, n],
        ),
      );
      const w = tf.addN(parts.map((p, i) => tf.mul(p, tf.slice(g, [0, i], [B, 1]))));
      return [
        f.dataSync(),
        tf.concat(parts, 1).dataSync(),
        mixExperts(g as tf.Tensor2D, f).dataSync(),
        w.dataSync(),
      ];
    });
    assert.equal(fused.length, B * n * H);
    for (let i = 0; i < fused.length; i++)
      assert.ok(
        Math.abs(fused[i] - sep[i]) <= 1e-5,
        `[${hidden}] expert output ${i}: ${fused[i]} vs ${sep[i]}`,
      );
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(mixed[i] - want[i]) <= 1e-5, `[${hidden}] mix ${i}: ${mixed[i]} vs ${want[i]}`);
    tf.dispose([...set.variables(), ...mlps.flatMap((m) => m.variables())]);
  }
  assert.equal(new ExpertSet(d, 0, [4], 0, new Rng(1)).apply(tf.zeros([2, d]) as tf.Tensor2D, false), null);
});

test("ExpertSet with batchNorm equals n separate Linear-BN-ReLU Mlps: batch statistics in training, the same running statistics after updateBuffers", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const rng = new Rng(5);
  const B = 8;
  const d = 7;
  const x = new Float32Array(B * d).map(() => rng.normal());
  for (const hidden of [[5], [5, 4]]) {
    const n = 3;
    const set = new ExpertSet(d, n, hidden, 0, new Rng(9), true);
    const ref = new Rng(9);
    const mlps = Array.from({ length: n }, () => new Mlp(d, { hidden, batchNorm: true }, ref));
    const count = (vs: tf.Variable[]) => vs.reduce((s, v) => s + v.size, 0);
    assert.equal(
      count(set.variables()),
      count(mlps.flatMap((m) => m.variables())),
      `[${hidden}]: parameter count (γ, β included)`,
    );
    // Same running statistics; the fused first layer keeps one batch counter instead of n.
    assert.equal(
      count(set.buffers()),
      count(mlps.flatMap((m) => m.buffers())) - (n - 1),
      `[${hidden}]: running statistics`,
    );
    for (const training of [true, false]) {
      const [fused, sep] = tf.tidy(() => {
        const xt = tf.tensor2d(x, [B, d]);
        return [
          set.apply(xt, training)!.dataSync(),
          tf
            .concat(
              mlps.map((m) => m.apply(xt, training)),
              1,
            )
            .dataSync(),
        ];
      });
      for (let i = 0; i < fused.length; i++)
        assert.ok(
          Math.abs(fused[i] - sep[i]) <= 1e-4,
          `[${hidden}] training=${training} output ${i}: ${fused[i]} vs ${sep[i]}`,
        );
      set.updateBuffers();
      for (const m of mlps) m.updateBuffers();
    }
    tf.dispose([
      ...set.variables(),
      ...set.buffers(),
      ...mlps.flatMap((m) => [...m.variables(), ...m.buffers()]),
    ]);
  }
});

test("batchNorm: every expert model builds BatchNorm blocks (gates Linear-BN-softmax), trains with running statistics, evaluates a row independently of its batch; off by default", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train } = smallMulti(3, 600);
  const specs = [
    SINGLE_TASK,
    SHARED_BOTTOM,
    MMOE,
    CGC,
    PLE,
    AITM,
    ESMM,
    MD_SHARED_BOTTOM,
    MD_MMOE,
    MD_PLE,
  ].map(asAny);
  for (const spec of specs) {
    const plain = spec.build(train.schema, { ...spec.defaults, ...spec.presets.smoke }, 2);
    assert.equal(plain.buffers?.().length ?? 0, 0, `${spec.id}: no BatchNorm by default`);
    const pc = plain.paramCount().dense;
    plain.dispose();
    const model = spec.build(
      train.schema,
      { ...spec.defaults, ...spec.presets.smoke, batchNorm: true } as BaseModelConfig,
      2,
    );
    const bufs = model.buffers!();
    assert.ok(
      bufs.length > 0 && bufs.length % 3 === 0,
      `${spec.id}: running mean, variance, count per BatchNorm`,
    );
    // γ and β per normalised feature; the running mean has one entry per feature too.
    const features = bufs.filter((_, i) => i % 3 === 0).reduce((s, b) => s + b.size, 0);
    assert.equal(model.paramCount().dense - pc, 2 * features, `${spec.id}: γ, β are the only new parameters`);
    const trainer = new Trainer(model, { batchSize: 64, progress: "none" });
    const rng = new Rng(1);
    const it = batches(train, { batchSize: 64, shuffle: true, rng });
    trainer.trainStep(it.next().value!, rng);
    assert.ok(
      bufs.filter((_, i) => i % 3 === 2).every((c) => c.dataSync()[0] === 1),
      `${spec.id}: every BatchNorm updated once`,
    );
    const batch: Batch = it.next().value!;
    const one: Batch = {
      ...batch,
      size: 1,
      rows: batch.rows.slice(0, 1),
      cat: batch.cat.map((c) => c.slice(0, 1)),
      num: batch.num.map((c) => c.slice(0, 1)),
      labels: batch.labels.map((c) => c.slice(0, 1)),
      groups: batch.groups.map((c) => c.slice(0, 1)),
    };
    const logit0 = (b: Batch) =>
      tf.tidy(() => {
        const { emb, num } = inputsOf(model, b, (spec.defaults as BaseModelConfig).embDim);
        return model.forward({ batch: b, emb, num }, { training: false }).logits.map((l) => l.dataSync()[0]);
      });
    const all = logit0(batch);
    const alone = logit0(one);
    all.forEach((v, k) =>
      assert.ok(
        Math.abs(v - alone[k]) < 1e-5,
        `${spec.id} head ${k}: ${v} in the batch vs ${alone[k]} alone`,
      ),
    );
    model.dispose();
    trainer.dispose();
  }
  // MMoE at run_census.py's widths: BatchNorm over 8 experts × 16, two gates × 8, two towers × 8.
  const mmoe = MMOE.build(train.schema, { ...MMOE.defaults, batchNorm: true }, 1);
  assert.equal(
    mmoe.buffers!()
      .filter((_, i) => i % 3 === 0)
      .reduce((s, b) => s + b.size, 0),
    8 * 16 + 2 * 8 + 2 * 8,
  );
  mmoe.dispose();
});
