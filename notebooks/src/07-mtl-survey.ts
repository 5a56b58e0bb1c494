// @metadata {"recrepro": {"runRecord": "figures/mtl-survey/census-mmoe-{profile}/run.json"}}
// %% [markdown]
// # 07 · Multi-task recommendation: parameter sharing, loss weighting, gradient conflict
//
// Wang, Lam, Wong, Liu, Zhao, Wang, Chen, Guo, Tang. *Multi-Task Deep Recommender Systems: A
// Survey* ([arXiv 2302.03525](https://arxiv.org/abs/2302.03525)). The survey organises
// multi-task recommenders along two axes: the **relation between tasks** (parallel, cascaded,
// auxiliary with a main task) and the **methodology** (parameter sharing, optimisation, training
// mechanisms). This notebook renders that taxonomy from a data file, then demonstrates the main
// families through the kit on real data:
//
// - **parallel tasks** on Census-Income (income > 50K and never-married, the MMoE set-up):
//   single-task towers, Shared-Bottom, MMoE, CGC, PLE and cross-stitch under equal weights, and
//   Shared-Bottom under uncertainty weighting, GradNorm and PCGrad;
// - **gradient conflict**: the cosine between the two tasks' gradients on the shared parameters,
//   recorded during training;
// - **cascaded tasks** on Taobao UserBehavior (click → purchase): ESMM and AITM against
//   independently trained towers, with CVR judged over the entire exposure space and over the
//   clicked rows only.
//
// The survey's qualitative conclusions are written as claims (ids C1–C12, in
// `src/survey/mtl-claims.json`); the closing section says which of them show on this data.
// Profiles: `smoke` (default: a 16k-row slice of the Census training split, a 40k-row slice of
// the Taobao sample, 2 epochs, 3 seeds) and `paper` (the full UCI Census files and the full
// Taobao log, 10 epochs with early stopping, 5 seeds). Same cells; only sizes change.

// %% [markdown]
// ## Setup

// %%
import * as rr from "recrepro";

const backend = await rr.engine.initBackend();
const profile = rr.train.profile();
console.log(rr.report.formatEnvironmentLine(rr.report.environmentInfo({ backend })));
console.log(`profile: ${profile}`);
const S = rr.survey;
const PAPER = "mtl-survey";
const FIG_DIR = `figures/${PAPER}`;
const t0 = Date.now();

// %%
const SETTINGS = {
  smoke: {
    census: { id: "census-income-kdd", trainRows: 16000, validRows: 4000 },
    taobao: { id: "taobao-userbehavior", trainRows: 40000, validRows: 8000 },
    seeds: [1, 2, 3],
    conflictEvery: 4,
  },
  paper: {
    census: { id: "census-income-kdd-full", trainRows: Infinity, validRows: Infinity },
    taobao: { id: "taobao-userbehavior-full", trainRows: Infinity, validRows: Infinity },
    seeds: [1, 2, 3, 4, 5],
    conflictEvery: 50,
  },
}[profile];
const trainPresets = {
  smoke: { numEpochs: 2, batchSize: 512, optimizer: { kind: "adam" as const, lr: 3e-3 }, earlyStopping: null, logEverySteps: 4, progress: "none" as const },
  paper: { numEpochs: 10, batchSize: 1024, optimizer: { kind: "adam" as const, lr: 1e-3 }, earlyStopping: { metric: "auc" as const, patience: 2, restoreBest: true }, logEverySteps: 50 },
};
SETTINGS

// %% [markdown]
// ## The survey's taxonomy
// The tables are rendered from `src/survey/mtl-taxonomy.json` (typed reader
// `src/survey/taxonomy.ts`). The `kit` column names the kit's implementation where one exists:
// a model id in `MODELS` (under `src/models/multitask/`) or a trainer `taskWeighting` kind
// (`src/train/multitask.ts`). Descriptions are the kit's summaries; uncertain bibliographic
// fields are marked in the data file.
//
// ### Task relations

// %%
rr.plots.showTable(S.taskRelationTable());

// %% [markdown]
// ### Methods: parameter sharing, optimisation, training mechanisms

// %%
rr.plots.showTable(S.methodTable("parameter-sharing"));

// %%
rr.plots.showTable(S.methodTable("optimisation"));

// %%
rr.plots.showTable(S.methodTable("training-mechanism"));

// %% [markdown]
// ## Claim table
// The survey's qualitative conclusions as relations on our measurements. Verdicts are computed
// at the end from this execution's runs; a difference inside the seed spread is a tie.

// %%
const claims = rr.report.loadClaims(rr.data.projectRoot() + "/src/survey/mtl-claims.json");
rr.plots.showTable(claims.claims.map((c) => ({ id: c.id, claim: c.text, per: (c.forEach ?? []).join(", "), source: c.source ?? "" })));

// %% [markdown]
// ## Data
// **Census-Income (KDD)**, parallel tasks: `income` (> 50K) and `marital` (never married), the
// set-up of MMoE's paper; both source columns are removed from the inputs. The smoke profile uses
// the registered official test file (99,762 rows) split 8:1:1 and trains on a slice of the train
// split; the paper profile uses the UCI train file for training.
// **Taobao UserBehavior**, cascaded tasks: the loader builds an exposure space (every item a user
// acted on is a click, plus sampled non-clicked exposures); `purchase` = click AND buy, so it is
// the CTCVR label over all exposures, and CVR is purchase among clicked rows. The clicked pairs
// are split 8:1:1 first and each split gets its own negatives, drawn uniformly from the items
// clicked in that split, so the click signal is the user's category interest (and, on the full
// log, item popularity) rather than an artefact of splitting one sampled pool; the feature
// `cat_history` counts the user's earlier actions in the row's category (see
// `src/data/loaders/taobao.ts`). Under `paper` the
// full UserBehavior log must first be downloaded from Tianchi by hand (its registry entry
// `taobao-userbehavior-full` says where to put it); the full UCI Census files are fetched.

// %%
const census = await rr.data.loadDataset(SETTINGS.census.id);
const taobao = await rr.data.loadDataset(SETTINGS.taobao.id);
const head = (ds: rr.data.TabularDataset, n: number) => (n >= ds.numRows ? ds : rr.data.subset(ds, Int32Array.from({ length: n }, (_, i) => i)));
// Taobao's splits are written user by user (the loader streams the log per user), so a head
// would hold only the first users: its slices are a seeded random sample of rows instead.
const sample = (ds: rr.data.TabularDataset, n: number) => (n >= ds.numRows ? ds : rr.data.subset(ds, new rr.engine.Rng(2018).permutation(ds.numRows).subarray(0, n).sort()));
const asData = (d: typeof census, trainRows: number, validRows: number, slice = head): rr.train.ExperimentData => ({
  schema: d.schema,
  train: slice(d.train, trainRows),
  valid: slice(d.valid, validRows),
  test: d.test,
  meta: { id: d.meta.id, fingerprint: d.meta.fingerprint },
});
const censusData = asData(census, SETTINGS.census.trainRows, SETTINGS.census.validRows);
const taobaoData = asData(taobao, SETTINGS.taobao.trainRows, SETTINGS.taobao.validRows, sample);
const rate = (ds: rr.data.TabularDataset, label: string) => ds.labels[rr.data.labelIndex(ds.schema, label)].reduce((a, b) => a + b, 0) / ds.numRows;
const dataRows = [
  ...(["income", "marital"] as const).map((l) => ({ data: "census", label: l, train: censusData.train.numRows, valid: censusData.valid.numRows, test: censusData.test.numRows, "train rate": rate(censusData.train, l).toFixed(4), "test rate": rate(censusData.test, l).toFixed(4) })),
  ...(["click", "purchase"] as const).map((l) => ({ data: "taobao", label: l, train: taobaoData.train.numRows, valid: taobaoData.valid.numRows, test: taobaoData.test.numRows, "train rate": rate(taobaoData.train, l).toFixed(4), "test rate": rate(taobaoData.test, l).toFixed(4) })),
  { data: "taobao", label: "purchase | click (CVR)", train: S.rowsWhere(taobaoData.train, "click").length, valid: S.rowsWhere(taobaoData.valid, "click").length, test: S.rowsWhere(taobaoData.test, "click").length, "train rate": (rate(taobaoData.train, "purchase") / rate(taobaoData.train, "click")).toFixed(4), "test rate": (rate(taobaoData.test, "purchase") / rate(taobaoData.test, "click")).toFixed(4) },
];
rr.plots.showTable(dataRows);

// %%
const rateFig = rr.plots.groupedBars(
  ["census: income", "census: marital", "taobao: click", "taobao: purchase (CTCVR)"],
  { train: [rate(censusData.train, "income"), rate(censusData.train, "marital"), rate(taobaoData.train, "click"), rate(taobaoData.train, "purchase")], test: [rate(censusData.test, "income"), rate(censusData.test, "marital"), rate(taobaoData.test, "click"), rate(taobaoData.test, "purchase")] },
  { title: "Positive rate of every task label (train slice and test split)", yTitle: "positive rate", yRange: [0, 0.6], labelDigits: 3 },
);
rr.plots.show(rateFig);

// %% [markdown]
// ## Models on a toy batch
// Every model reads the same field embeddings [B, F, D] and returns one logit per task.
// **MMoE** mixes n shared experts with one softmax gate per task; the gate weights are an
// internal output. Four Census rows:

// %%
const mmoeSpec = rr.models.getModelSpec("mmoe");
const toyMmoe = mmoeSpec.build(census.schema, { ...mmoeSpec.defaults, ...mmoeSpec.presets.smoke }, 0);
const toyCensus = S.toyForward(toyMmoe, census.test, 4);
rr.plots.showTable(
  Object.entries(toyCensus.internals).flatMap(([gate, t]) =>
    [0, 1].map((row) => ({ gate, row, shape: `[${t.shape.join(", ")}]`, "weights over the experts": t.values.slice(row * t.shape[1], (row + 1) * t.shape[1]).map((x) => x.toFixed(3)).join(", ") })),
  ),
);

// %% [markdown]
// **ESMM** predicts pCTR and pCVR with two towers and is supervised on click and on
// click AND purchase over all exposures: its second head is pCTCVR = pCTR × pCVR (eq. 2 of the
// paper), computed in log space. The table checks the identity on four Taobao rows.

// %%
const esmmSpec = rr.models.getModelSpec("esmm");
const toyEsmm = esmmSpec.build(taobao.schema, { ...esmmSpec.defaults, ...esmmSpec.presets.smoke }, 0);
const toyTb = head(taobao.test, 4);
const toyCtr = S.predictHead(toyEsmm, toyTb, "click");
const toyCtcvr = S.predictHead(toyEsmm, toyTb, "purchase");
const toyCvr = S.predictOutput(toyEsmm, toyTb, (o) => o.internals!.cvr);
rr.plots.showTable(Array.from(toyCtr, (p, i) => ({ row: i, pCTR: p.toFixed(5), pCVR: toyCvr[i].toFixed(5), "pCTR × pCVR": (p * toyCvr[i]).toFixed(6), "pCTCVR head": toyCtcvr[i].toFixed(6), "|difference|": Math.abs(p * toyCvr[i] - toyCtcvr[i]).toExponential(1) })));

// %% [markdown]
// ## Optimisation on a hand-made pair
// The trainer's `taskWeighting` is data (it lands in every run record): `equal`, `uncertainty`
// (Kendall et al. 2018: L = Σ_t exp(−s_t) L_t + s_t with learned log-variances s_t), `gradnorm`
// (Chen et al. 2018: weights steered so that the tasks' gradient norms on the shared layers
// follow their relative training rates, renormalised to sum to T) and `pcgrad` (Yu et al.
// 2020: each task's shared gradient is projected onto the normal plane of any other task's
// gradient it conflicts with). `conflictEvery` records the cosine between the tasks' gradients
// on the shared parameters. PCGrad on g1 = [1, 0], g2 = [−1, 1] (cosine −0.71):

// %%
const g1 = new Float32Array([1, 0]);
const g2 = new Float32Array([-1, 1]);
const [p1, p2] = rr.train.pcgradProject([g1, g2]);
rr.plots.showTable([
  { vector: "g1", value: Array.from(g1).join(", "), "cos with the other original": rr.train.cosine(g1, g2).toFixed(3) },
  { vector: "g2", value: Array.from(g2).join(", "), "cos with the other original": rr.train.cosine(g2, g1).toFixed(3) },
  { vector: "PCGrad g1'", value: Array.from(p1).join(", "), "cos with the other original": rr.train.cosine(p1, g2).toFixed(3) },
  { vector: "PCGrad g2'", value: Array.from(p2).join(", "), "cos with the other original": rr.train.cosine(p2, g1).toFixed(3) },
  { vector: "update g1' + g2'", value: Array.from(rr.train.sumVectors([p1, p2])).join(", "), "cos with the other original": "" },
]);

// %% [markdown]
// ## Train: parallel tasks on Census-Income
// Every cell is one `runExperiment` over the same seeds (one `run.json` each under
// `figures/mtl-survey/`). The single-task model is one task of Shared-Bottom trained alone (same
// bottom and tower), the reference of the negative-transfer picture. Model sizes are the smoke
// presets of each model (torch-rechub's Census settings under `paper`). Multi-task cells record
// the gradient conflict every few steps.

// %%
const TASKS = ["income", "marital"];
const MT_MODELS = ["shared-bottom", "mmoe", "cgc", "ple", "cross-stitch"];
const WEIGHTINGS: rr.train.TaskWeightingConfig[] = [{ kind: "uncertainty" }, { kind: "gradnorm", alpha: 1.5, lr: 0.01 }, { kind: "pcgrad" }];
const censusCells: rr.survey.MtlCell[] = [
  ...TASKS.map((t) => ({ label: `single-task:${t}`, model: "single-task", modelConfig: { task: t } })),
  ...MT_MODELS.map((m) => ({ label: m, model: m })),
  ...WEIGHTINGS.map((w) => ({ label: `shared-bottom+${w.kind}`, model: "shared-bottom", taskWeighting: w })),
];
const censusRuns = await S.runMtlCells({
  paper: PAPER,
  dataName: "census",
  data: censusData,
  cells: censusCells,
  seeds: SETTINGS.seeds,
  trainPresets: trainPresets,
  conflictEvery: SETTINGS.conflictEvery,
  profile: profile,
  onCell: (r) => console.log(`${r.label}: ${r.wallSecPerSeed.toFixed(1)} s/seed`),
});
`${censusRuns.length} cells trained in ${((Date.now() - t0) / 1000).toFixed(0)} s`

// %% [markdown]
// ## Evaluate: per-task test AUC
// Mean ± std over seeds on the test split.

// %%
rr.plots.showTable(S.aucTable(censusRuns, TASKS));

// %%
const aucFig = rr.plots.groupedBars(
  TASKS,
  Object.fromEntries(censusRuns.filter((r) => r.weighting === "equal").map((r) => [r.label, rr.plots.fromSeeds(r.seeds.map((_, s) => TASKS.map((t) => r.auc[t]?.[s] ?? NaN)))])),
  { title: "Census-Income: test AUC per task (mean ± std over seeds), equal weighting", yTitle: "test AUC" },
);
rr.plots.show(aucFig);

// %% [markdown]
// ## Negative transfer
// Multi-task AUC minus the single-task model's, per task, paired by seed. Below zero the shared
// model hurts that task (negative transfer); the verdict uses the kit's spread rule.

// %%
const single = (t: string) => `single-task:${t}`;
const transferCells = [...MT_MODELS, ...WEIGHTINGS.map((w) => `shared-bottom+${w.kind}`)];
rr.plots.showTable(S.negativeTransferRows(censusRuns, single, transferCells, TASKS));

// %%
const transferFig = S.negativeTransferFigure(censusRuns, single, transferCells, TASKS, "Census-Income: multi-task minus single-task test AUC (mean ± std of paired differences)");
rr.plots.show(transferFig);

// %% [markdown]
// ## Loss weighting and gradient surgery
// Shared-Bottom under the four schemes (AUC above). Uncertainty weighting and GradNorm change
// the task weights during training (mean over seeds, band ±1 std; solid income, dotted marital).
// Under Adam each log-variance s_t moves by about the learning rate per step until it nears its
// optimum s_t = log L_t, so in a short run both uncertainty weights grow alike and the scheme
// stays close to equal weighting; GradNorm moves the weights apart, towards the task whose
// gradients on the shared layers are smaller relative to its training rate.

// %%
const weightFig = S.taskWeightFigure(censusRuns, ["shared-bottom+uncertainty", "shared-bottom+gradnorm"], TASKS, "Task weights over training: uncertainty exp(−s_t) and GradNorm w_t");
rr.plots.show(weightFig);

// %% [markdown]
// ## Gradient conflict over training
// cos(g_income, g_marital) on each model's shared parameters (the field embeddings of the batch
// plus the dense variables the model declares shared: the bottom, the experts, PLE's shared
// experts...), measured before the update at every recorded step. Negative values are conflicts
// (what PCGrad removes). The shared part differs between architectures, so the curves compare
// how often the tasks pull against each other, not magnitudes.

// %%
const PAIR = "income/marital";
const conflictFig = S.conflictFigure(censusRuns, [...MT_MODELS, "shared-bottom+pcgrad"], PAIR, "Census-Income: cosine between the two tasks' gradients on shared parameters");
rr.plots.show(conflictFig);

// %%
rr.plots.showTable(
  censusRuns
    .filter((r) => r.conflicts[0].length > 0)
    .map((r) => {
      const s = S.conflictStats(r, PAIR);
      return { cell: r.label, "recorded steps / seed": r.conflicts[0].length, "share of steps with cos < 0": S.fmt(s.negativeShare, 3), "mean cosine": S.fmt(s.meanCosine, 3) };
    }),
);

// %% [markdown]
// ## Cascaded tasks on Taobao: click → purchase
// - **ESMM**: CTR and CVR towers, supervised by click and by click AND purchase over all
//   exposures; its pCVR is never fitted on clicked rows directly.
// - **AITM**: one tower per step of the cascade with adaptive information transfer; its
//   purchase head predicts click AND purchase over all exposures (CVR = ratio of its heads).
// - **Independent towers**: a CTR model on all exposures and a CVR model trained on the
//   **clicked rows only** (the usual practice that ESMM criticises), both the single-task network
//   with ESMM's tower widths; pCTCVR = pCTR × pCVR. A third single-task model fits purchase over
//   all exposures directly, as a reference.
//
// CVR is then judged in two spaces of the same test rows: the clicked rows (where it is
// usually evaluated) and the entire exposure space (where it is used at inference).

// %%
const LABELS = { click: "click", purchase: "purchase" };
const towerConfig = { embDim: 16, bottomHidden: [16], towerHidden: [8] };
const ctrBySeed = new Map<number, Float32Array>();
const tbTest = taobaoData.test;
const taobaoCells: rr.survey.MtlCell[] = [
  { label: "esmm", model: "esmm", extraMetrics: ({ model }) => S.cvrSpaceMetrics(tbTest, S.predictHead(model, tbTest, "click"), S.predictOutput(model, tbTest, (o) => o.internals!.cvr), LABELS) },
  {
    label: "aitm",
    model: "aitm",
    modelConfig: { embDim: 16 },
    extraMetrics: ({ model }) => {
      const ctr = S.predictHead(model, tbTest, "click");
      const ctcvr = S.predictHead(model, tbTest, "purchase");
      return S.cvrSpaceMetrics(tbTest, ctr, ctcvr.map((p, i) => Math.min(1, p / Math.max(ctr[i], 1e-7))), LABELS);
    },
  },
  { label: "independent:ctr", model: "single-task", modelConfig: { ...towerConfig, task: "click" }, extraMetrics: ({ seed, model }) => (ctrBySeed.set(seed, S.predictHead(model, tbTest, "click")), {}) },
  { label: "independent:cvr", model: "single-task", modelConfig: { ...towerConfig, task: "purchase" }, data: S.restrictData(taobaoData, "click"), extraMetrics: ({ seed, model }) => S.cvrSpaceMetrics(tbTest, ctrBySeed.get(seed)!, S.predictHead(model, tbTest, "purchase"), LABELS) },
  { label: "direct:ctcvr", model: "single-task", modelConfig: { ...towerConfig, task: "purchase" } },
];
const taobaoRuns = await S.runMtlCells({ paper: PAPER, dataName: "taobao", data: taobaoData, cells: taobaoCells, seeds: SETTINGS.seeds, trainPresets: trainPresets, profile: profile, onCell: (r) => console.log(`${r.label}: ${r.wallSecPerSeed.toFixed(1)} s/seed`) });
`${taobaoRuns.length} cells trained in ${((Date.now() - t0) / 1000).toFixed(0)} s since the start`

// %%
const cvrRows = taobaoRuns.map((r) => ({
  model: r.label,
  "CTR AUC (all exposures)": r.auc.click ? S.fmt(r.auc.click) : r.label === "independent:cvr" ? S.fmt(cellOf("independent:ctr").auc.click) : "-",
  "CVR AUC, clicked rows": r.extra["cvrClicked.auc"] ? S.fmt(r.extra["cvrClicked.auc"]) : "-",
  "CVR AUC, entire space": r.extra["cvrEntire.auc"] ? S.fmt(r.extra["cvrEntire.auc"]) : "-",
  "CTCVR AUC (all exposures)": r.extra["ctcvr.auc"] ? S.fmt(r.extra["ctcvr.auc"]) : r.label === "direct:ctcvr" ? S.fmt(r.auc.purchase) : "-",
}));
function cellOf(label: string) {
  return S.cellOf(taobaoRuns, label);
}
rr.plots.showTable(cvrRows);

// %%
const cvrCells = ["esmm", "aitm", "independent:cvr"];
const cvrFig = rr.plots.groupedBars(
  ["CVR: clicked rows", "CVR: entire space", "CTCVR: all exposures"],
  Object.fromEntries(cvrCells.map((l) => [l, rr.plots.fromSeeds(cellOf(l).seeds.map((_, s) => ["cvrClicked.auc", "cvrEntire.auc", "ctcvr.auc"].map((k) => cellOf(l).extra[k][s])))])),
  { title: "Taobao: CVR judged on clicked rows vs the entire exposure space (mean ± std over seeds)", yTitle: "test AUC" },
);
rr.plots.show(cvrFig);

// %% [markdown]
// ## Closing: the survey's conclusions on this data
// Each claim is checked on this execution's runs with the kit's spread rule (a difference inside
// max(std) over seeds is a tie, "not measurable at this scale"). There is no paper value to
// compare: the survey states directions, not numbers on these data.

// %%
const measured = S.measuredFromCells([...censusRuns, ...taobaoRuns]);
const verdicts = rr.report.compareClaims(claims.claims, measured);
rr.plots.showHtml(rr.report.claimsTableHtml(verdicts));

// %%
const closing = verdicts.map((v) => ({
  id: v.id,
  conclusion: v.text,
  "on this data": v.verdict === "holds" ? "shows" : v.verdict === "does not hold" ? "does not show" : rr.report.verdictText(v.verdict),
  measured: v.reason,
}));
rr.plots.showTable(closing);

// %% [markdown]
// ## Summary and limitations
// - The verdicts above are computed from this run; under `smoke` each model trains for two
//   epochs on a 16k-row slice of Census (about 60 steps) and on 40k Taobao exposures, so most
//   differences between sharing structures sit near the seed spread. The paper profile trains
//   on the full data with early stopping (on the first task's validation AUC).
// - A large spread in one cell (for example a model whose AUC on one task is far below the others
//   for a single seed) means that seed did not learn the task within the smoke budget; the
//   per-seed values are in each cell's `run.json` (`seedMetrics`).
// - The single-task reference has the same bottom and tower as one task of Shared-Bottom; the
//   multi-task models use their own smoke sizes, so parameter counts differ between rows.
// - The gradient-conflict cosine is measured on each model's declared shared parameters plus
//   the batch's field-embedding block; GradNorm's gradient norms use the same shared set (the
//   paper uses the last shared layer), see `src/train/multitask.ts`.
// - Taobao's exposure space is constructed by the loader (sampled non-clicked exposures), not
//   logged impressions: its CTR is fixed by the sampling ratio, and CTR AUC measures how well a
//   model separates clicked items from sampled ones (on the small sample mostly through the
//   user's categories: item ids rarely repeat across splits). The purchase rate over all
//   exposures is below 1%, so CVR AUCs rest on a few hundred test purchases.
// - AITM's CVR is the ratio of its purchase and click heads (AITM predicts each step over all
//   exposures); ESMM's CVR is its internal pCVR.

// %% [markdown]
// ## Figures and run record
// Figures go to `figures/mtl-survey/` as PNG, SVG, HTML and JSON; every cell wrote its `run.json`
// (the notebook's declared record is Census MMoE). A summary with the tables and verdicts goes
// to `figures/mtl-survey/summary-<profile>.json`.

// %%
const toExport: [rr.plots.Figure, string][] = [
  [rateFig, "label-rates"],
  [aucFig, "census-auc"],
  [transferFig, "census-negative-transfer"],
  [weightFig, "census-task-weights"],
  [conflictFig, "census-gradient-conflict"],
  [cvrFig, "taobao-cvr-spaces"],
];
const exported = [];
for (const [fig, name] of toExport) exported.push(await rr.plots.exportFigure(fig, `${FIG_DIR}/${name}-${profile}`));
await rr.plots.closeExporter();
toyMmoe.dispose();
toyEsmm.dispose();
const summaryPath = `${rr.data.projectRoot()}/${FIG_DIR}/summary-${profile}.json`;
rr.plots.writeFileAtomic(
  summaryPath,
  JSON.stringify({ profile: profile, createdAt: new Date().toISOString(), census: S.aucTable(censusRuns, TASKS), transfer: S.negativeTransferRows(censusRuns, single, transferCells, TASKS), taobao: cvrRows, verdicts: closing, measured: measured, wallTimeSec: (Date.now() - t0) / 1000 }, null, 1) + "\n",
);
const record = rr.report.readRunRecord(`${rr.data.projectRoot()}/${FIG_DIR}/census-mmoe-${profile}/run.json`);
rr.plots.showTable([
  ...exported.map((e) => ({ file: (e.png ?? e.json).replace(rr.data.projectRoot() + "/", "") })),
  { file: summaryPath.replace(rr.data.projectRoot() + "/", "") },
  { file: `${FIG_DIR}/census-mmoe-${profile}/run.json (income AUC ${record.metrics["income.auc"].toFixed(4)}, seeds ${record.seeds.join(",")})` },
]);

// %%
`notebook wall time: ${((Date.now() - t0) / 1000).toFixed(0)} s`
