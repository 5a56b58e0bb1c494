// @metadata {"recrepro": {"runRecord": "figures/hamur/ml1m-mlp-hamur-{profile}/run.json"}}
// %% [markdown]
// # 01 · HAMUR: Hyper Adapter for Multi-Domain Recommendation
//
// Li, Zhang, Zhao, Wang, Zhao, Zhao, Xie, Li, Xu, Guo. *HAMUR: Hyper Adapter for Multi-Domain
// Recommendation*, CIKM 2023 ([arXiv 2309.06217](https://arxiv.org/abs/2309.06217)); official code
// Applied-Machine-Learning-Lab/HAMUR (PyTorch, built on torch-rechub).
// A multi-domain recommender serves several domains (here: age groups of MovieLens users) with one
// model. Domain-specific towers over shared embeddings still interfere through the shared parts,
// and a static domain-specific layer cannot adapt to each instance. HAMUR inserts a small
// **adapter** (down-projection, non-linearity, up-projection, domain norm, residual) into each
// domain's tower, and generates the adapter's weights per instance with a **domain-shared
// hyper-network** through a low-rank factorisation W = U·H·V. Claims checked here (ids match
// `src/models/hamur/claims.json`):
//
// - **C1** the adapter is pluggable: the same module attached to MLP, Wide&Deep and DCN backbones
//   improves each;
// - **C2** generating the adapter's weights with the hyper-network beats static adapter weights;
// - **C3** HAMUR reduces interference between domains: AUC improves on every domain, not only overall.
//
// Profiles: `smoke` (default) and `paper` (the complete ml-1m, the paper's widths and ranks,
// early stopping everywhere). Same cells; only sizes change. Under `smoke`:
//
// - **main comparison** (`ml1m`: MLP, MLP + HAMUR, MLP + static adapter, shared MLP; 3 seeds):
//   the whole train split of the 100k-rating ml-1m subset (80k rows), batch 512, up to 4 epochs
//   with early stopping on validation AUC (patience 1, best epoch restored), i.e. trained to
//   its validation optimum;
// - **wider grid** (`ml1m-wide`: W&D and DCN with and without HAMUR, STAR, Shared-Bottom, MMoE,
//   PLE; 3 seeds) and **ml-100k** (1 seed): smaller, one epoch on the first 16k training rows,
//   far from converged; the **synthetic** set: 8k rows, two epochs, 3 seeds.
//
// Every model uses the same optimisers: row-wise Adam at lr 1e-2 for the embedding tables and
// Adam at lr 3e-3 for the dense parameters.

// %% [markdown]
// ## Setup

// %%
import * as rr from "recrepro";

const backend = await rr.engine.initBackend();
const profile = rr.train.profile();
console.log(rr.report.formatEnvironmentLine(rr.report.environmentInfo({ backend })));
console.log(`profile: ${profile}`);
const hamur = rr.models.hamur;
const FIG_DIR = "figures/hamur";
const t0 = Date.now();

// %%
const SETTINGS = {
  smoke: { ml1m: "movielens-1m-subset", caps: { maxTrainRows: 16000, maxValidRows: 3000 }, seeds: [1, 2, 3], wideSeeds: [1, 2, 3], ml100kSeeds: [1], synthRows: 8000, synthSeeds: [1, 2, 3], ablationSeeds: [1, 2], ranks: [2, 16], interferenceRows: 2048, modelConfig: { embedding: { optimizer: { lr: 1e-2 } } } },
  paper: { ml1m: "movielens-1m", caps: {}, seeds: [1, 2, 3, 4, 5], wideSeeds: [1, 2, 3, 4, 5], ml100kSeeds: [1, 2, 3], synthRows: 100000, synthSeeds: [1, 2, 3, 4, 5], ablationSeeds: [1, 2, 3, 4, 5], ranks: [8, 16, 64], interferenceRows: 8192, modelConfig: {} },
}[profile];
const trainPresets = {
  smoke: { numEpochs: 1, batchSize: 512, evalEverySteps: 8, logEverySteps: 8, optimizer: { kind: "adam" as const, lr: 3e-3 }, progress: "none" as const, earlyStopping: null },
  paper: { numEpochs: 50, batchSize: 4096, evalEverySteps: 100, logEverySteps: 50, optimizer: { kind: "adam" as const, lr: 1e-3, weightDecay: 1e-5 }, earlyStopping: { metric: "auc" as const, patience: 4, restoreBest: true } },
};
const synthPresets = { ...trainPresets, smoke: { ...trainPresets.smoke, numEpochs: 2, evalEverySteps: 7, logEverySteps: 7 } };
// The main comparison trains to its validation optimum under both profiles.
const mainPresets = { ...trainPresets, smoke: { ...trainPresets.smoke, numEpochs: 4, evalEverySteps: 80, logEverySteps: 80, earlyStopping: { metric: "auc" as const, patience: 1, restoreBest: true } } };
SETTINGS

// %% [markdown]
// ## Claim table
// The claims as typed relations. Verdicts are computed at the end from this execution's runs; a
// difference inside the seed spread (the larger of the two seed standard deviations) is a tie.

// %%
const claims = rr.report.loadClaims(rr.data.projectRoot() + "/src/models/hamur/claims.json");
rr.plots.showTable(claims.claims.map((c) => ({ id: c.id, claim: c.text, groups: (c.forEach ?? []).join(", "), source: c.source ?? "" })));

// %% [markdown]
// ## Data
// MovieLens as in the official example: label rating > 3, three domains by user age
// ({1, 18}, {25}, {35, 45, 50, 56}), features user_id, movie_id, gender, occupation, zip,
// cate_id (first genre), the domain id, and the min-max-scaled age; random 8:1:1 split. The smoke
// profile reads LibRecommender's 100k-rating random subset of ml-1m (with the complete user and
// movie files): the main comparison (`ml1m`) uses its whole train and validation splits, the
// wider grid (`ml1m-wide`) its first 16k training rows (validation capped at 3k rows); both
// test on the whole test split. `paper` reads the complete ml-1m for both.
// ml-100k is the second real set. The third set is **SYNTHETIC**: two domains that share an
// FM-shaped label function and conflict on half of the fields (the same field effect enters the
// two domains with opposite signs), so a model that pools the domains cannot fit both.

// %%
const ml1mRaw = await rr.data.loadDataset(SETTINGS.ml1m);
const ml100kRaw = await rr.data.loadDataset("movielens-100k");
const datasets = {
  ml1m: hamur.experimentData(ml1mRaw),
  "ml1m-wide": hamur.experimentData(ml1mRaw, SETTINGS.caps),
  ml100k: hamur.experimentData(ml100kRaw, SETTINGS.caps),
  synthetic: hamur.syntheticData({ numRows: SETTINGS.synthRows, numDomains: 2, vocabSize: 20, conflict: 1, seed: 11 }),
};
const domainRows = Object.entries(datasets).flatMap(([name, d]) => {
  const axis = d.schema.groups.findIndex((g) => g.name === "domain");
  const names = d.schema.groups[axis].names ?? [];
  return names.map((g, i) => {
    let n = 0;
    let pos = 0;
    d.train.groups[axis].forEach((x, r) => {
      if (x === i) (n++, (pos += d.train.labels[0][r]));
    });
    return { data: name, id: d.meta.id, domain: g, "train rows": n, "share": (n / d.train.numRows).toFixed(3), "click rate": (pos / Math.max(n, 1)).toFixed(3), "valid / test rows": `${d.valid.numRows} / ${d.test.numRows}` };
  });
});
rr.plots.showTable(domainRows);

// %%
const dataFig = rr.plots.groupedBars(
  ["ml1m", "ml100k"].flatMap((n) => domainRows.filter((r) => r.data === n).map((r) => `${n} ${r.domain}`)),
  {
    "share of train rows": ["ml1m", "ml100k"].flatMap((n) => domainRows.filter((r) => r.data === n).map((r) => Number(r.share))),
    "click rate (rating > 3)": ["ml1m", "ml100k"].flatMap((n) => domainRows.filter((r) => r.data === n).map((r) => Number(r["click rate"]))),
  },
  { title: "MovieLens age domains: size and label rate", yTitle: "fraction", yRange: [0, 1] },
);
rr.plots.show(dataFig);

// %% [markdown]
// ## Model
// A toy batch of 4 MovieLens rows through the HAMUR MLP (smoke widths): the hyper-network maps the
// flattened embeddings x0 to one k×k matrix H per row; the adapter after hidden layer 2 builds
// W1 = U1·H·V1 (m×r) and W2 = U2·H·V2 (r×m) from it. The kit evaluates x·U1·H·V1 right to left, so
// W is never materialised; here it is, for the first row.

// %%
const tf = rr.engine.tf;
const toyModel = hamur.HAMUR_MLP.build(ml1mRaw.schema, { ...hamur.HAMUR_MLP.defaults, ...hamur.HAMUR_MLP.presets.smoke } as rr.models.hamur.MdBackboneConfig, 0) as rr.models.hamur.MdBackbone;
const toy = rr.data.batches(ml1mRaw.train, { batchSize: 4 }).next().value!;
const toyEmb = tf.tensor3d(toyModel.embeddings.lookup(toy.cat, 4), [4, toyModel.embeddings.numFields, 16]);
const toyNum = tf.tensor2d(Float32Array.from(toy.num[0]), [4, 1]);
const toyX0 = tf.concat([tf.reshape(toyEmb, [4, toyModel.embeddings.numFields * 16]), toyNum], 1) as rr.engine.tf.Tensor2D;
const toyH = toyModel.hyper!.matrices(toyX0); // [4, k, k]
const H0 = tf.squeeze(tf.slice(toyH, [0, 0, 0], [1, -1, -1]), [0]) as rr.engine.tf.Tensor2D; // [k, k]
const cell0 = toyModel.cells[0][0];
const { w1: W1, w2: W2 } = cell0.weights(H0);
const toyOut = toyModel.forward({ batch: toy, emb: toyEmb, num: toyNum }, { training: false });
const ratio = Array.from(toyOut.internals!["adapter2.branchNorm"].dataSync(), (v, i) => v / toyOut.internals!["adapter2.inputNorm"].dataSync()[i]);
rr.plots.showTable([
  { tensor: "x0 (embeddings ‖ age)", shape: JSON.stringify(toyX0.shape) },
  { tensor: "H (hyper-network, one per row)", shape: JSON.stringify(toyH.shape) },
  { tensor: "U1, V1", shape: `${JSON.stringify(cell0.u1.shape)}, ${JSON.stringify(cell0.v1.shape)}` },
  { tensor: "W1 = U1·H0·V1, W2 = U2·H0·V2 (row 0)", shape: `${JSON.stringify(W1.shape)}, ${JSON.stringify(W2.shape)}` },
  { tensor: "logit", shape: JSON.stringify(toyOut.logits[0].shape) },
  { tensor: "‖adapter branch‖ / ‖input‖ per row", shape: ratio.map((v) => v.toFixed(2)).join(", ") },
]);

// %% [markdown]
// **The official U, V = ones init.** With U and V all ones, W1 = (Σ H)·1·1ᵀ: every bottleneck unit
// gets the same input, and since U2 is all ones too, every bottleneck unit gets the same gradient
// for ever: the bottleneck acts as one unit (the unit test `official U, V = ones init` trains it
// and checks that the units stay identical). It trains in float32 (no overflow), but the kit uses
// Glorot-uniform U and V by default (`uvInit`). Distinct columns of W1 for row 0:

// %%
const onesCell = new hamur.AdapterCell(cell0.width, { ...hamur.HAMUR_ADAPTER_SMOKE, uvInit: "ones" }, new rr.engine.Rng(0));
const W1ones = onesCell.weights(H0).w1;
const describe = (w: rr.engine.tf.Tensor2D) => {
  const cols = (tf.transpose(w).arraySync() as number[][]).map((c) => c.map((v) => v.toFixed(5)).join());
  const a = Array.from(w.dataSync());
  return { "W1 entries": `${Math.min(...a).toFixed(3)} … ${Math.max(...a).toFixed(3)}`, "distinct columns (bottleneck units)": new Set(cols).size, of: w.shape[1] };
};
rr.plots.showTable([{ init: "Glorot (kit default)", ...describe(W1) }, { init: "ones (official code)", ...describe(W1ones) }]);

// %%
tf.dispose([toyEmb, toyNum, toyX0, toyH, H0, W1, W2, W1ones, ...toyOut.logits, ...Object.values(toyOut.internals ?? {}), ...onesCell.variables()]);
toyModel.dispose();
const paramRows = ["md-mlp", "hamur-mlp", "md-wd", "hamur-wd", "md-dcn", "hamur-dcn", "shared-mlp", "star", "md-shared-bottom", "md-mmoe", "md-ple"].map((id) => {
  const spec = rr.models.getModelSpec(id);
  const m = spec.build(ml1mRaw.schema, { ...spec.defaults, ...spec.presets[profile] }, 0);
  const pc = m.paramCount();
  m.dispose();
  return { model: id, name: spec.name, "dense params": pc.dense, "embedding params": pc.embedding };
});
rr.plots.showTable(paramRows);

// %% [markdown]
// Design decisions (details in `src/models/hamur/README.md`): adapter parameters are **per domain**
// by default (the paper's text; the official code shares one set, run below as an ablation);
// towers and hyper-network have **no batch norm** (the kit keeps no running statistics); the
// domain norm uses the batch statistics of the domain's rows, and evaluation runs on batches of
// 32,768 rows; each tower runs on its own domain's rows only (same result as the official masked
// towers at a third of the compute).
//
// ## Train and evaluate
// Every backbone with and without HAMUR, the static-adapter ablation, and the baselines (shared
// MLP with the domain id as a feature, Shared-Bottom, MMoE, PLE, STAR) through the same trainer,
// one run record each under `figures/hamur/`. First the main comparison (`ml1m`, trained to the
// validation optimum), then the wider grid (`ml1m-wide`, under `smoke` one epoch on 16k rows).

// %%
const CORE: rr.models.hamur.RunSpec[] = [
  { label: "mlp", model: "md-mlp" },
  { label: "mlp+hamur", model: "hamur-mlp", baseline: "mlp" },
  { label: "wd", model: "md-wd" },
  { label: "wd+hamur", model: "hamur-wd", baseline: "wd" },
  { label: "dcn", model: "md-dcn" },
  { label: "dcn+hamur", model: "hamur-dcn", baseline: "dcn" },
];
const STATIC: rr.models.hamur.RunSpec = { label: "mlp+static", model: "hamur-mlp", modelConfig: { adapter: { hyper: false } }, baseline: "mlp" };
const SHARED: rr.models.hamur.RunSpec = { label: "shared-mlp", model: "shared-mlp" };
const BASELINES: rr.models.hamur.RunSpec[] = ["md-shared-bottom", "md-mmoe", "md-ple", "star"].map((m) => ({ label: m, model: m }));
const grid: rr.models.hamur.GridRun[] = [];
grid.push(...(await hamur.runGrid({ dataName: "ml1m", data: datasets.ml1m, runs: [CORE[0], CORE[1], STATIC, SHARED], seeds: SETTINGS.seeds, trainPresets: mainPresets, profile: profile, interferenceRows: SETTINGS.interferenceRows, modelConfig: SETTINGS.modelConfig, verbose: true })));
`${grid.length} ml1m runs in ${((Date.now() - t0) / 1000).toFixed(0)} s; epochs trained / best epoch per seed: ${grid.map((r) => `${r.label} ${r.epochs.join("/")} / ${r.bestEpoch.join("/")}`).join(", ")}`

// %%
grid.push(...(await hamur.runGrid({ dataName: "ml1m-wide", data: datasets["ml1m-wide"], runs: [...CORE.slice(2), ...BASELINES], seeds: SETTINGS.wideSeeds, trainPresets: trainPresets, profile: profile, interferenceRows: SETTINGS.interferenceRows, modelConfig: SETTINGS.modelConfig, verbose: false })));
`${grid.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s`

// %%
grid.push(...(await hamur.runGrid({ dataName: "ml100k", data: datasets.ml100k, runs: [...CORE, { label: "shared-mlp", model: "shared-mlp" }], seeds: SETTINGS.ml100kSeeds, trainPresets: trainPresets, profile: profile, interferenceRows: SETTINGS.interferenceRows, modelConfig: SETTINGS.modelConfig, verbose: false })));
`${grid.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s`

// %% [markdown]
// ## Evaluate
// Test AUC and log loss (mean ± std over seeds) overall and per domain; ΔAUC against the backbone
// without adapter, marked "inside spread" when smaller than the larger seed std; epochs trained
// per seed (with early stopping, the tested epoch in parentheses). ml-100k runs with fewer seeds
// under `smoke` (its spread is then 0 or rough).

// %%
rr.plots.showTable(hamur.comparisonRows(grid), { maxRows: 40 });

// %% [markdown]
// ## Ablation (SYNTHETIC planted conflict, and the static adapter on ml1m above)
// On the synthetic set: every backbone with and without HAMUR, the shared MLP, and each HAMUR
// part changed alone: static adapter (no hyper-network), no domain norm, adapter parameters
// shared across domains (the official code), and the rank k (smoke default 8). Under `smoke` the
// ablations other than the static adapter run 2 seeds (paired with the first seeds of HAMUR).

// %%
const ABLATIONS: rr.models.hamur.RunSpec[] = [
  STATIC,
  { label: "mlp+hamur-nodn", model: "hamur-mlp", modelConfig: { adapter: { domainNorm: false } }, baseline: "mlp", seeds: SETTINGS.ablationSeeds },
  { label: "mlp+hamur-shared", model: "hamur-mlp", modelConfig: { adapter: { perDomain: false } }, baseline: "mlp", seeds: SETTINGS.ablationSeeds },
  ...SETTINGS.ranks.map((k) => ({ label: `mlp+hamur-k${k}`, model: "hamur-mlp", modelConfig: { adapter: { rank: k } }, baseline: "mlp", seeds: SETTINGS.ablationSeeds })),
];
const synthGrid = await hamur.runGrid({ dataName: "synthetic", data: datasets.synthetic, runs: [...CORE, { label: "shared-mlp", model: "shared-mlp" }, ...ABLATIONS], seeds: SETTINGS.synthSeeds, trainPresets: synthPresets, profile: profile, interferenceRows: SETTINGS.interferenceRows, modelConfig: SETTINGS.modelConfig, verbose: false });
grid.push(...synthGrid);
rr.plots.showTable(hamur.comparisonRows(synthGrid), { maxRows: 20 });

// %%
const ABL_LABELS = ["mlp", "mlp+static", "mlp+hamur-nodn", "mlp+hamur-shared", ...SETTINGS.ranks.map((k) => `mlp+hamur-k${k}`)];
const ref = synthGrid.find((r) => r.label === "mlp+hamur")!;
const ablFig = rr.plots.groupedBars(
  ["overall", ...Object.keys(ref.perDomain)],
  Object.fromEntries(
    ABL_LABELS.map((l) => {
      const r = synthGrid.find((x) => x.label === l)!;
      // Paired by seed: the ablation's seeds are the first seeds of the reference run.
      return [l, rr.plots.fromSeeds(r.seeds.map((_, s) => [r.auc[s] - ref.auc[s], ...Object.keys(ref.perDomain).map((g) => r.perDomain[g].auc[s] - ref.perDomain[g].auc[s])]))];
    }),
  ),
  { title: "SYNTHETIC · ablations: test AUC minus HAMUR-MLP's (same seed; mean ± std)", yTitle: "ΔAUC vs HAMUR (MLP)", referenceLine: { y: 0, label: "HAMUR" }, height: 500 },
);
rr.plots.show(ablFig);

// %% [markdown]
// ## Figures
// ### Per-domain AUC, every backbone with and without HAMUR

// %%
const FIG_DATA = ["ml1m", "ml1m-wide", "ml100k", "synthetic"] as const;
const FIG_LABELS = ["mlp", "mlp+hamur", "mlp+static", "wd", "wd+hamur", "dcn", "dcn+hamur", "shared-mlp", "star"];
const domainFigs = FIG_DATA.map((data) => hamur.perDomainAucFigure(grid, { data, labels: FIG_LABELS.filter((l) => grid.some((r) => r.data === data && r.label === l)) }));
domainFigs.forEach((f) => rr.plots.show(f));

// %% [markdown]
// ### Interference between domains
// Left: cosine between the gradients that each domain's test rows send into the shared embedding
// tables (last seed). Below zero the domains pull the shared rows in opposite directions. Right:
// how strongly the adapter rewrites each domain's hidden state (‖adapter branch‖ / ‖input‖).

// %%
const interferenceFigs = (["ml1m", "synthetic"] as const).map((data) => hamur.interferenceFigure(grid, { data, labels: ["shared-mlp", "mlp", "mlp+hamur", "mlp+static", "mlp+hamur-shared"].filter((l) => grid.some((r) => r.data === data && r.label === l)) }));
interferenceFigs.forEach((f) => rr.plots.show(f));

// %% [markdown]
// ### Learning curves (validation AUC during training)

// %%
const curveFigs = (["ml1m", "synthetic"] as const).map((data) => hamur.learningCurvesFigure(grid, { data, labels: ["shared-mlp", "mlp", "mlp+hamur", "mlp+static"].filter((l) => grid.some((r) => r.data === data && r.label === l)) }));
curveFigs.forEach((f) => rr.plots.show(f));

// %% [markdown]
// ## Comparison with the paper
// HAMUR's own table is **not known here** (PAPERS.md §1). The Scenario-Wise-Rec benchmark draft
// reports baselines on the complete ml-1m split (emb 16, batch 4096, Adam 1e-3, early stopping):
// reference values for the `paper` profile. Under `smoke` these baselines are in the wider grid
// (one epoch on 16k rows of a 100k-rating subset, about 1.6% of ml-1m), so the gap says little;
// the converged smoke MLP of the main comparison is listed for scale.

// %%
const SWR: Record<string, number> = { "md-shared-bottom": 0.8095, "md-mmoe": 0.8086, "md-ple": 0.8091, star: 0.8096 };
rr.plots.showTable([
  ...Object.entries(SWR).map(([label, paper]) => {
    const r = grid.find((x) => x.data === "ml1m-wide" && x.label === label)!;
    const m = rr.metrics.summariseSeeds(r.auc);
    return { model: label, "Scenario-Wise-Rec ml-1m AUC": String(paper), ours: rr.metrics.formatMeanStd(m), delta: (m.mean - paper).toFixed(4), data: datasets["ml1m-wide"].meta.id };
  }),
  ...["mlp", "mlp+hamur"].map((label) => {
    const m = rr.metrics.summariseSeeds(grid.find((x) => x.data === "ml1m" && x.label === label)!.auc);
    return { model: label, "Scenario-Wise-Rec ml-1m AUC": "—", ours: rr.metrics.formatMeanStd(m), delta: "—", data: `${datasets.ml1m.meta.id}, early stopping` };
  }),
]);

// %%
const measured = hamur.measuredFromGrid(grid);
const verdicts = rr.report.compareClaims(claims.claims, measured);
rr.plots.showHtml(rr.report.claimsTableHtml(verdicts));

// %%
const verdictRows = verdicts.flatMap((v) => [
  { id: v.id, group: "all groups", "paper's value": "not known here", verdict: rr.report.verdictText(v.verdict), measured: v.reason },
  ...(v.parts ?? []).map((p, i) => ({ id: v.id, group: claims.claims.find((c) => c.id === v.id)?.forEach?.[i] ?? "", "paper's value": "", verdict: rr.report.verdictText(p.verdict), measured: p.reason })),
]);
rr.plots.showTable(verdictRows, { maxRows: 40 });

// %% [markdown]
// ## Summary and limitations
// - The verdicts above are computed from this execution, per backbone and data set; a claim holds
//   only where every group holds, and a difference inside the seed spread is a tie.
// - The groups differ in how much they say. `ml1m` (MLP with and without HAMUR, the static
//   adapter, the shared MLP) is the main comparison: trained to the validation optimum on the
//   whole train split of the ml-1m subset, 3 seeds; under `smoke` that optimum comes after a few
//   epochs (table above), with the smoke widths (towers [64, 32], k 8, hyper [32]) rather than
//   the paper's. The `ml1m-wide` groups (W&D, DCN), ml-100k (1 seed) and the baselines of the
//   wider grid train one epoch on 16k rows: far from converged (compare the reference AUCs
//   above), so their verdicts describe that regime only. The `paper` profile (complete ml-1m,
//   paper widths, early stopping everywhere) is the test of the paper's setting.
// - The regime matters (an observation from development runs that this notebook does not
//   reproduce; numbers in the README, "Measured"): with the kit's default embedding lr (1e-3,
//   embeddings barely move in one epoch) HAMUR came out ahead, plausibly because its
//   domain-normalised branch rescales small hidden states to unit variance; with the lr used here
//   the plain towers learn too.
// - The synthetic set is where the expected ordering is known: domains conflict by construction,
//   so per-domain models (and HAMUR) should beat the pooled shared MLP there.
// - Deviations from the official code, all configurable or documented: per-domain adapters by
//   default (official: shared; ablation above), Glorot-initialised U and V (official: ones, which
//   collapses the bottleneck to one unit), no batch norm in towers and hyper-network, domain norm
//   over the domain's rows, per-domain towers for W&D and DCN (the official W&D/DCN reuse one
//   MLP for every domain), no weight decay under `smoke`.
// - The interference view is a measurement on one seed, not a test; the adapter's branch is
//   large relative to its input at this scale (the domain norm rescales it to unit variance).

// %% [markdown]
// ## Figures and run record
// Figures go to `figures/hamur/` as PNG, SVG, HTML and JSON; every grid cell wrote its
// `run.json`; the notebook's declared record is the ml1m HAMUR-MLP run.

// %%
const toExport: [rr.plots.Figure, string][] = [
  [dataFig, "data-domains"],
  [ablFig, "synthetic-ablation"],
  ...domainFigs.map((f, i): [rr.plots.Figure, string] => [f, `${FIG_DATA[i]}-per-domain-auc`]),
  ...interferenceFigs.map((f, i): [rr.plots.Figure, string] => [f, `${["ml1m", "synthetic"][i]}-interference`]),
  ...curveFigs.map((f, i): [rr.plots.Figure, string] => [f, `${["ml1m", "synthetic"][i]}-learning-curves`]),
];
const exported = [];
for (const [fig, name] of toExport) exported.push(await rr.plots.exportFigure(fig, `${FIG_DIR}/${name}-${profile}`));
await rr.plots.closeExporter();
const summaryPath = `${rr.data.projectRoot()}/${FIG_DIR}/summary-${profile}.json`;
rr.plots.writeFileAtomic(summaryPath, JSON.stringify({ profile: profile, createdAt: new Date().toISOString(), comparison: hamur.comparisonRows(grid), verdicts: verdictRows, wallTimeSec: (Date.now() - t0) / 1000 }, null, 1) + "\n");
const record = rr.report.readRunRecord(`${rr.data.projectRoot()}/figures/hamur/ml1m-mlp-hamur-${profile}/run.json`);
rr.plots.showTable([
  ...exported.map((e) => ({ file: (e.png ?? e.json).replace(rr.data.projectRoot() + "/", "") })),
  { file: summaryPath.replace(rr.data.projectRoot() + "/", "") },
  { file: `figures/hamur/ml1m-mlp-hamur-${profile}/run.json (AUC ${record.metrics["click.auc"].toFixed(4)}, seeds ${record.seeds.join(",")})` },
]);

// %%
`notebook wall time: ${((Date.now() - t0) / 1000).toFixed(0)} s`
