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
 *
 * `OFFICIAL` is the structure of the official code (HAMUR/models/multi_domain/adapter*.py,
 * basic/layers.py), the notebook's primary reproduction: one adapter (U, V, b, domain norm) and
 * one hyper-network shared by all domains; U and V initialised to ones; Linear→BN→ReLU blocks
 * in towers and hyper-network (running statistics in evaluation); every row through every tower,
 * so BatchNorm and domain norm standardise over the whole mixed batch; one tower per domain for
 * the MLP and one shared tower for W&D and DCN. `OURS` is the kit's earlier variant (per-domain
 * adapters, Glorot U/V, no BatchNorm, partition routing, per-domain towers), run as an ablation.
 */
import { defineModel, type ModelIndex } from "../../models/types";
import { HAMUR_ADAPTER_DEFAULTS, type AdapterConfig } from "../../models/layers/hyper-adapter";
import {
  mdBackboneSpec,
  type BackboneKind,
  type MdBackboneConfig,
} from "../../models/baselines/md-backbones";

/** The HAMUR adapter of each backbone at paper scale (official MovieLens scripts). */
export const HAMUR_ADAPTER_PAPER: Record<BackboneKind, AdapterConfig> = {
  mlp: { ...HAMUR_ADAPTER_DEFAULTS, rank: 35, hyperHidden: [64] },
  dcn: { ...HAMUR_ADAPTER_DEFAULTS, rank: 30, hyperHidden: [128] },
  wd: { ...HAMUR_ADAPTER_DEFAULTS, rank: 45, hyperHidden: [128] },
};

/** The smoke adapter: same structure, small rank, bottleneck and hyper-network. */
export const HAMUR_ADAPTER_SMOKE: AdapterConfig = {
  ...HAMUR_ADAPTER_DEFAULTS,
  bottleneck: 16,
  rank: 8,
  hyperHidden: [32],
};

/** Model-config layer of the official code's structure for a backbone (and its adapter, when it has one). */
export type StructurePreset = Partial<Omit<MdBackboneConfig, "adapter">> & {
  adapter?: Partial<AdapterConfig>;
};

/** The official code's structure per backbone (module header); `adapter` applies to `hamur-*` only. */
export const OFFICIAL: Record<BackboneKind, { backbone: StructurePreset; adapter: Partial<AdapterConfig> }> =
  {
    mlp: {
      backbone: { towers: "per-domain", towerRows: "all", batchNorm: true },
      adapter: { perDomain: false, uvInit: "ones" },
    },
    wd: {
      backbone: { towers: "shared", towerRows: "all", batchNorm: true },
      adapter: { perDomain: false, uvInit: "ones" },
    },
    dcn: {
      backbone: { towers: "shared", towerRows: "all", batchNorm: true },
      adapter: { perDomain: false, uvInit: "ones" },
    },
  };

/** The kit's earlier variant (the ablation "ours"): per-domain towers and adapters, Glorot U/V, no BatchNorm, partition routing. */
export const OURS: { backbone: StructurePreset; adapter: Partial<AdapterConfig> } = {
  backbone: { towers: "per-domain", towerRows: "domain", batchNorm: false },
  adapter: { perDomain: true, uvInit: "glorot" },
};

/** The model config of `kind` with (`hamur-*`) or without (`md-*`) adapter under a structure preset. */
export function structureConfig(
  p: { backbone: StructurePreset; adapter: Partial<AdapterConfig> },
  withAdapter: boolean,
): StructurePreset {
  return withAdapter ? { ...p.backbone, adapter: p.adapter } : { ...p.backbone };
}

export const HAMUR_MLP = mdBackboneSpec("mlp", {
  paper: HAMUR_ADAPTER_PAPER.mlp,
  smoke: HAMUR_ADAPTER_SMOKE,
});
export const HAMUR_WD = mdBackboneSpec("wd", { paper: HAMUR_ADAPTER_PAPER.wd, smoke: HAMUR_ADAPTER_SMOKE });
export const HAMUR_DCN = mdBackboneSpec("dcn", {
  paper: HAMUR_ADAPTER_PAPER.dcn,
  smoke: HAMUR_ADAPTER_SMOKE,
});

/** The models this paper adds to the kit's index. */
export const HAMUR_MODELS: ModelIndex = {
  "hamur-mlp": defineModel(HAMUR_MLP),
  "hamur-wd": defineModel(HAMUR_WD),
  "hamur-dcn": defineModel(HAMUR_DCN),
};
