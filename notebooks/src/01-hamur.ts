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
// `src/papers/hamur/claims.json`):
//
// - **C1** the adapter is pluggable: the same module attached to MLP, Wide&Deep and DCN backbones
//   improves each;
// - **C2** generating the adapter's weights with the hyper-network beats static adapter weights;
// - **C3** HAMUR reduces interference between domains: AUC improves on every domain, not only
// overall.
//
// **The primary reproduction is the official code's structure** (`OFFICIAL` in
// `src/papers/hamur/spec.ts`): one adapter and one hyper-network shared by all domains, U and V
// initialised to ones, Linear-BatchNorm-ReLU blocks in towers and hyper-network (running
// statistics at evaluation), every row through every tower (so BatchNorm and the domain norm see
// the whole mixed batch), one tower per domain for the MLP and one shared tower for W&D and DCN.
// The kit's earlier variant (per-domain adapters, Glorot U/V, no BatchNorm, each tower on its own
// domain's rows) is the ablation `mlp+hamur-ours`; each of its changes alone is an ablation on
// the synthetic set.
//
// Profiles: `smoke` (default) and `paper` (the complete ml-1m, the paper's widths and ranks,
// early stopping everywhere, the official optimiser: one Adam lr 1e-3 with weight decay 1e-5 on
// dense and embedding parameters, embeddings N(0, 1e-4)). Same cells; only sizes change. Under
// `smoke`:
//
// - **main comparison** (`ml1m`: MLP, MLP + HAMUR, MLP + static adapter, shared MLP, and the
//   kit's earlier HAMUR `mlp+hamur-ours`; 3 seeds):
//   the whole train split of the 100k-rating ml-1m subset (80k rows), batch 512, up to 4 epochs
//   with early stopping on validation AUC (patience 1, best epoch restored), i.e. trained to
//   its validation optimum;
// - **wider grid** (`ml1m-wide`: W&D and DCN with and without HAMUR, STAR, Shared-Bottom, MMoE,
//   PLE; 3 seeds) and **ml-100k** (1 seed): smaller, one epoch on the first 16k training rows,
//   far from converged; the **synthetic** set: 8k rows, two epochs, 3 seeds.
//
// Every model uses the same optimisers: row-wise Adam at lr 1e-2 for the embedding tables
// (N(0, 1e-2) init) and Adam at lr 3e-3 for the dense parameters, no weight decay: with the
// official lr 1e-3 and N(0, 1e-4) init the embeddings barely move within the smoke budget
// (README, "Smoke vs official optimiser").

// %% [markdown]
// ## Setup and claim table
// `setup` prints the environment and the profile and shows the claims as typed relations
// (`src/papers/hamur/claims.json`; C3's smallest per-domain gain is an expression over the
// per-domain keys). Verdicts are computed at the end from this execution's runs; a difference
// inside the seed spread (the larger of the two seed standard deviations) is a tie.

// %%
import * as rr from "recrepro";

const nb = await rr.papers.setup("hamur");
const hamur = rr.papers.hamur;
const profile = nb.profile;
const SETTINGS = hamur.PROFILES[profile];
SETTINGS;

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
const datasets = await hamur.loadData(profile);
const domainRows = hamur.domainRows(datasets);
rr.plots.showTable(domainRows);

// %%
nb.figure(hamur.dataDomainsFigure(domainRows), "data-domains");

// %% [markdown]
// ## Model
// A toy batch of 4 MovieLens rows through the HAMUR MLP (smoke widths, official structure): the
// hyper-network maps the flattened embeddings x0 to one k×k matrix H per row; the adapter after
// hidden layer 2 builds W1 = U1·H·V1 (m×r) and W2 = U2·H·V2 (r×m) from it. The kit evaluates
// x·U1·H·V1 right to left, so W is never materialised; here it is, for the first row.
//
// A ratio ‖adapter branch‖ / ‖input‖ of 0.00 in the last row is not a broken number: with the
// official all-ones U and V every entry of W1 is a sum of k² hyper-network outputs, so the
// adapter's sigmoid saturates, and a row whose (shared) pre-activation is strongly negative gets
// a ≈ 0 and hence a branch ≈ 0 (see `src/models/layers/hyper-adapter.ts`).

// %%
const toy = hamur.toyAdapter(datasets.ml1m);
rr.plots.showTable(toy.shapes);

// %% [markdown]
// **The official U, V = ones init.** With U and V all ones, W1 = (Σ H)·1·1ᵀ: every bottleneck unit
// gets the same input, and since U2 is all ones too, every bottleneck unit gets the same gradient
// for ever: the bottleneck acts as one unit (the unit test `official U, V = ones init` trains it
// and checks that the units stay identical). It trains in float32 (no overflow); the primary
// reproduction keeps it, Glorot-uniform U and V (`uvInit: "glorot"`) is the ablation
// `mlp+hamur-glorot`. Distinct columns of W1 for row 0:

// %%
rr.plots.showTable(toy.init);

// %%
rr.plots.showTable(hamur.paramRows(datasets.ml1m, profile));

// %% [markdown]
// Parameter counts: under `paper` the official MLP has 188,931 dense parameters and MLP + HAMUR
// 290,046 on this 113-wide input, the official code's counts (BatchNorm γ, β included; unit
// test). The domain norm has no running statistics (it is defined on batch statistics), so
// evaluation runs on batches of 32,768 rows that cover the split. What differs from the official
// code, and why, is the table "official code vs ours" in `src/papers/hamur/README.md`.
//
// ## Train and evaluate
// Every backbone with and without HAMUR, the static-adapter ablation, and the baselines (shared
// MLP with the domain id as a feature, Shared-Bottom, MMoE, PLE, STAR) through the same trainer,
// one run record each under `figures/hamur/`. First the main comparison (`ml1m`, trained to the
// validation optimum), then the wider grid (`ml1m-wide`, under `smoke` one epoch on 16k rows).

// %%
const grid = await hamur.runData("ml1m", datasets, profile, { verbose: true });
`${grid.length} ml1m runs in ${rr.papers.elapsed(nb)}; ` +
  `epochs trained / best epoch: ${hamur.epochsLine(grid)}`;

// %%
grid.push(...(await hamur.runData("ml1m-wide", datasets, profile)));
`${grid.length} runs in ${rr.papers.elapsed(nb)}`;

// %%
grid.push(...(await hamur.runData("ml100k", datasets, profile)));
`${grid.length} runs in ${rr.papers.elapsed(nb)}`;

// %% [markdown]
// ## Evaluate
// Test AUC and log loss (mean ± std over seeds) overall and per domain; ΔAUC against the backbone
// without adapter, marked "inside spread" when smaller than the larger seed std; epochs trained
// per seed (with early stopping, the tested epoch in parentheses). ml-100k runs with fewer seeds
// under `smoke` (its spread is then 0 or rough).

// %%
rr.plots.showTable(hamur.comparisonRows(grid), { maxRows: 40 });

// %% [markdown]
// ## Ablation (SYNTHETIC planted conflict, and the static adapter and the kit's variant on ml1m
// above)
// On the synthetic set: every backbone with and without HAMUR (official structure), the shared
// MLP, and each part changed alone: static adapter (no hyper-network), no domain norm, and the
// kit's departures from the official code one at a time: per-domain adapters (the paper's text),
// Glorot U/V, no BatchNorm, all of them together with partition routing (`mlp+hamur-ours`), and
// per-domain towers for W&D (`wd-pertower`, against the official shared tower); then the rank k
// (smoke default 8). Under `smoke` the ablations other than the static adapter run 2 seeds
// (paired with the first seeds of HAMUR).

// %%
const synthGrid = await hamur.runData("synthetic", datasets, profile);
grid.push(...synthGrid);
rr.plots.showTable(hamur.comparisonRows(synthGrid), { maxRows: 20 });

// %%
const ABL_LABELS = [
  "mlp",
  ...hamur.ABLATIONS[profile].map((c) => c.label).filter((l) => l.startsWith("mlp")),
];
nb.figure(hamur.ablationFigure(synthGrid, { data: "synthetic", labels: ABL_LABELS }), "synthetic-ablation");

// %% [markdown]
// ## Figures
// ### Per-domain AUC, every backbone with and without HAMUR

// %%
const FIG_LABELS = [
  "mlp",
  "mlp+hamur",
  "mlp+static",
  "mlp+hamur-ours",
  "wd",
  "wd+hamur",
  "dcn",
  "dcn+hamur",
  "shared-mlp",
  "star",
];
for (const data of ["ml1m", "ml1m-wide", "ml100k", "synthetic"]) {
  const labels = hamur.present(grid, data, FIG_LABELS);
  nb.figure(hamur.perDomainAucFigure(grid, { data, labels }), `${data}-per-domain-auc`);
}

// %% [markdown]
// ### Interference between domains
// Left: cosine between the gradients that each domain's test rows send into the shared embedding
// tables (last seed). Below zero the domains pull the shared rows in opposite directions. Right:
// how strongly the adapter rewrites each domain's hidden state (‖adapter branch‖ / ‖input‖).

// %%
for (const data of ["ml1m", "synthetic"]) {
  const cells = ["shared-mlp", "mlp", "mlp+hamur", "mlp+static", "mlp+hamur-ours"];
  const labels = hamur.present(grid, data, cells);
  nb.figure(hamur.interferenceFigure(grid, { data, labels }), `${data}-interference`);
}

// %% [markdown]
// ### Learning curves (validation AUC during training)

// %%
for (const data of ["ml1m", "synthetic"]) {
  const labels = hamur.present(grid, data, ["shared-mlp", "mlp", "mlp+hamur", "mlp+static"]);
  nb.figure(hamur.learningCurvesFigure(grid, { data, labels }), `${data}-learning-curves`);
}

// %% [markdown]
// ## Comparison with the paper
// HAMUR's own table is **not known here** (`src/papers/hamur/README.md`). The Scenario-Wise-Rec
// benchmark draft
// reports baselines on the complete ml-1m split (emb 16, batch 4096, Adam 1e-3, early stopping):
// reference values for the `paper` profile. Under `smoke` these baselines are in the wider grid
// (one epoch on 16k rows of a 100k-rating subset, about 1.6% of ml-1m), so the gap says little;
// the converged smoke MLP of the main comparison is listed for scale.

// %%
rr.plots.showTable(hamur.referenceRows(grid, datasets));

// %% [markdown]
// ## Summary and limitations
// - The verdicts (last section) are computed from this execution, per backbone and data set; a
// claim holds
//   only where every group holds, and a difference inside the seed spread is a tie.
// - The groups differ in how much they say. `ml1m` (MLP with and without HAMUR, the static
//   adapter, the shared MLP) is the main comparison: trained to the validation optimum on the
//   whole train split of the ml-1m subset, 3 seeds; under `smoke` that optimum comes after a few
//   epochs (table above), with the smoke widths (towers [64, 32], k 8, hyper [32]) rather than
//   the paper's. The `ml1m-wide` groups (W&D, DCN), ml-100k (1 seed) and the baselines of the
//   wider grid train one epoch on 16k rows: far from converged (compare the reference AUCs
//   above), so their verdicts describe that regime only. The `paper` profile (complete ml-1m,
//   paper widths, early stopping everywhere) is the test of the paper's setting.
// - With the official structure (development execution of 3 Dec 2026; this execution's verdicts
// are in
//   the last section) no claim holds. ml1m: MLP 0.7558 ± 0.0050, MLP + HAMUR 0.7571 ± 0.0025
//   (tie), static adapter 0.7550 ± 0.0029, shared MLP 0.7674 ± 0.0022; the kit's earlier HAMUR
//   (`mlp+hamur-ours`) 0.7613 ± 0.0010. On the synthetic set the official HAMUR loses to its
//   backbone on every backbone (MLP −0.041, W&D −0.088, DCN −0.060), and the single-change
//   ablations show why: without BatchNorm 0.827, the kit's variant 0.847, against 0.793 official
//   (2 seeds each; Glorot U/V 0.782 and per-domain adapters 0.775 alone do not help): the BatchNorm
//   blocks cost more than the adapter gives at this scale; per-domain W&D towers 0.826 against the
//   official shared tower's 0.785.
// - The regime matters (an observation from development runs that this notebook does not
//   reproduce; numbers in the README, "Measured"): with the kit's default embedding lr (1e-3,
//   embeddings barely move in one epoch) HAMUR came out ahead, plausibly because its
//   domain-normalised branch rescales small hidden states to unit variance; with the lr used here
//   the plain towers learn too.
// - The synthetic set is where the expected ordering is known: domains conflict by construction,
//   so per-domain models (and HAMUR) should beat the pooled shared MLP there.
// - The main comparison uses the official code's structure; the kit's earlier choices (per-domain
//   adapters, Glorot U/V, no BatchNorm, domain norm over the domain's rows, per-domain towers for
//   W&D and DCN) are ablations. Remaining differences (README, "official code vs ours"): lazy
//   row-wise Adam for the embeddings instead of one dense Adam, the vocabulary and split draws of
//   the kit's loader, and under `smoke` the widths, optimiser and budget.
// - The interference view is a measurement on one seed, not a test; the adapter's branch is
//   large relative to its input at this scale (the domain norm rescales it to unit variance).

// %% [markdown]
// ## Verdicts, figures and run record
// The verdicts are computed from this execution's runs (keys `data.cell.metric`, per seed); figures
// go to `figures/hamur/` as PNG, SVG, HTML and JSON, the verdicts to
// `figures/hamur/verdicts-<profile>.json`; every grid cell wrote its `run.json`; the notebook's
// declared record is the ml1m HAMUR-MLP run.

// %%
const records = grid.map((r) => r.recordPath.replace(`${rr.util.projectRoot()}/`, ""));
await nb.finish(rr.train.measured(grid), { records });
