/**
 * Configuration presets of the multi-task models (config overrides by model id, as data).
 *
 * `torch-rechub`: the reference example the multi-task survey notebook (07) follows,
 * datawhalechina/torch-rechub examples/ranking/run_census.py with its models
 * (torch_rechub/models/multi_task/*.py, basic/layers.py MLP, basic/features.py SparseFeature):
 *
 *   - MLP blocks Linear→BatchNorm1d→ReLU→Dropout in bottoms, experts, towers and AITM's info gates,
 *     gates Linear→BatchNorm1d→softmax (`batchNorm: true`, running statistics in evaluation);
 *   - embedding tables initialised N(0, σ = 1e-4) (SparseFeature's `RandomNormal(0, 0.0001)`);
 *   - PLE with one level (`PLE(..., n_level=1, ...)`);
 *   - AITM trained with plain BCE: no behavioural expectation calibrator (`constraintWeight: 0`);
 *   - the example's widths: Shared-Bottom bottom [117] + towers [8], MMoE 8 experts [16],
 *     PLE 2 specific + 1 shared experts [16], AITM bottoms [32, 16] + towers [8], ESMM towers
 *     [16, 8] with embed_dim 16 (embed_dim 4 for the others: the specs' default).
 *
 * Its training settings (Adam lr 1e-3, weight_decay 1e-4 on every parameter, batch 1024) are the
 * survey's `TORCH_RECHUB_TRAIN` (src/papers/mtl-survey/experiment.ts); its data preprocessing (numeric columns min-max scaled over all rows) is
 * the Census loader's derive option `scaling: "minmax"` (src/data/loaders/census.ts).
 *
 * `single-task` (one Shared-Bottom column) and `cross-stitch` have no torch-rechub counterpart:
 * single-task takes Shared-Bottom's settings; cross-stitch only the shared settings that exist for
 * it (the embedding init; it has no BatchNorm option).
 *
 * The kit's own defaults (no BatchNorm, N(0, 1e-2), PLE with 2 levels, AITM with the calibrator,
 * z-scores on train) are the specs' `defaults`: the labelled "ours" variant.
 */
/** torch-rechub SparseFeature's default initializer: RandomNormal(mean 0, std 1e-4). */
export const TORCH_RECHUB_EMBEDDING_INIT = { kind: "normal" as const, std: 1e-4 };

const SHARED = { batchNorm: true, embedding: { init: TORCH_RECHUB_EMBEDDING_INIT } };
const PLE_EXPERTS = { numSpecificExperts: 2, numSharedExperts: 1, expertHidden: [16], towerHidden: [8] };

/** The torch-rechub reference preset: model id -> config overrides (module header). */
export const TORCH_RECHUB_PRESET: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "single-task": { ...SHARED, bottomHidden: [117], towerHidden: [8] },
  "shared-bottom": { ...SHARED, bottomHidden: [117], towerHidden: [8] },
  mmoe: { ...SHARED, numExperts: 8, expertHidden: [16], towerHidden: [8] },
  cgc: { ...SHARED, ...PLE_EXPERTS },
  ple: { ...SHARED, ...PLE_EXPERTS, numLevels: 1 },
  aitm: { ...SHARED, bottomHidden: [32, 16], towerHidden: [8], constraintWeight: 0 },
  esmm: { ...SHARED, embDim: 16, ctrHidden: [16, 8], cvrHidden: [16, 8] },
  "cross-stitch": { embedding: { init: TORCH_RECHUB_EMBEDDING_INIT } },
};

/** A model's torch-rechub preset; throws naming the models that have one. */
export function torchRechubConfig(model: string): Record<string, unknown> {
  const c = TORCH_RECHUB_PRESET[model];
  if (!c)
    throw new Error(
      `no torch-rechub preset for model "${model}"; known: ${Object.keys(TORCH_RECHUB_PRESET).join(", ")}`,
    );
  return JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
}
