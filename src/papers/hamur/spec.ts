/**
 * HAMUR's own models: the multi-domain backbones of src/models/baselines/md-backbones.ts with the
 * HAMUR adapter (src/models/layers/hyper-adapter.ts) configured: `hamur-mlp`, `hamur-wd`,
 * `hamur-dcn`. The plain backbones (`md-*`), `shared-mlp` and `star` are shared baselines in
 * src/models/.
 *
 * HAMUR presets (paper profile = the official code's MovieLens settings, src/papers/hamur/README.md):
 *   MLP [256, 128], one adapter after hidden layer 2, bottleneck 32, hyper [64], k 35;
 *   DCN 2 cross layers + [256, 128], k 30, hyper [128]; W&D [256, 128] (dropout 0.2), k 45, hyper [128].
 * Smoke presets shrink towers, rank and hyper-network (towers [64, 32], bottleneck 16, k 8, hyper [32]).
 */
import { defineModel, type ModelIndex } from "../../models/types";
import { HAMUR_ADAPTER_DEFAULTS, type AdapterConfig } from "../../models/layers/hyper-adapter";
import { mdBackboneSpec, type BackboneKind } from "../../models/baselines/md-backbones";

/** The HAMUR adapter of each backbone at paper scale (official MovieLens scripts). */
export const HAMUR_ADAPTER_PAPER: Record<BackboneKind, AdapterConfig> = {
  mlp: { ...HAMUR_ADAPTER_DEFAULTS, rank: 35, hyperHidden: [64] },
  dcn: { ...HAMUR_ADAPTER_DEFAULTS, rank: 30, hyperHidden: [128] },
  wd: { ...HAMUR_ADAPTER_DEFAULTS, rank: 45, hyperHidden: [128] },
};

/** The smoke adapter: same structure, small rank, bottleneck and hyper-network. */
export const HAMUR_ADAPTER_SMOKE: AdapterConfig = { ...HAMUR_ADAPTER_DEFAULTS, bottleneck: 16, rank: 8, hyperHidden: [32] };

export const HAMUR_MLP = mdBackboneSpec("mlp", { paper: HAMUR_ADAPTER_PAPER.mlp, smoke: HAMUR_ADAPTER_SMOKE });
export const HAMUR_WD = mdBackboneSpec("wd", { paper: HAMUR_ADAPTER_PAPER.wd, smoke: HAMUR_ADAPTER_SMOKE });
export const HAMUR_DCN = mdBackboneSpec("dcn", { paper: HAMUR_ADAPTER_PAPER.dcn, smoke: HAMUR_ADAPTER_SMOKE });

/** The models this paper adds to the kit's index. */
export const HAMUR_MODELS: ModelIndex = {
  "hamur-mlp": defineModel(HAMUR_MLP),
  "hamur-wd": defineModel(HAMUR_WD),
  "hamur-dcn": defineModel(HAMUR_DCN),
};
