/**
 * Model specs of the HAMUR package (registered in src/models/index.ts): the plain multi-domain
 * backbones `md-mlp`, `md-wd`, `md-dcn`, the same classes with the HAMUR adapter preset
 * `hamur-mlp`, `hamur-wd`, `hamur-dcn`, and the baselines `shared-mlp` and `star`.
 *
 * HAMUR presets (paper profile = the official code's MovieLens settings, PAPERS.md §1):
 *   MLP [256, 128], one adapter after hidden layer 2, bottleneck 32, hyper [64], k 35;
 *   DCN 2 cross layers + [256, 128], k 30, hyper [128]; W&D [256, 128] (dropout 0.2), k 45, hyper [128].
 * Smoke presets shrink towers, rank and hyper-network (towers [64, 32], bottleneck 16, k 8, hyper [32]).
 */
import type { DatasetSchema } from "../../data/schema";
import type { ModelSpec } from "../types";
import { HAMUR_ADAPTER_DEFAULTS, type AdapterConfig } from "./adapter";
import { backboneDefaults, MdBackbone, requiresMultiDomain, type BackboneKind, type MdBackboneConfig } from "./backbones";
import { SharedMlpModel, sharedMlpDefaults, StarModel, starDefaults, type SharedMlpConfig, type StarConfig } from "./baselines";

const HAMUR_PAPER = { title: "HAMUR: Hyper Adapter for Multi-Domain Recommendation", venue: "CIKM 2023", url: "https://arxiv.org/abs/2309.06217" };
const STAR_PAPER = { title: "One Model to Serve All: Star Topology Adaptive Recommender for Multi-Domain CTR Prediction", venue: "CIKM 2021", url: "https://arxiv.org/abs/2101.11427" };

const NAMES: Record<BackboneKind, string> = { mlp: "MLP", wd: "Wide&Deep", dcn: "DCN" };

/** The HAMUR adapter of each backbone at paper scale (official MovieLens scripts). */
export const HAMUR_ADAPTER_PAPER: Record<BackboneKind, AdapterConfig> = {
  mlp: { ...HAMUR_ADAPTER_DEFAULTS, rank: 35, hyperHidden: [64] },
  dcn: { ...HAMUR_ADAPTER_DEFAULTS, rank: 30, hyperHidden: [128] },
  wd: { ...HAMUR_ADAPTER_DEFAULTS, rank: 45, hyperHidden: [128] },
};

/** The smoke adapter: same structure, small rank, bottleneck and hyper-network. */
export const HAMUR_ADAPTER_SMOKE: AdapterConfig = { ...HAMUR_ADAPTER_DEFAULTS, bottleneck: 16, rank: 8, hyperHidden: [32] };

const SMOKE_TOWERS = { hidden: [64, 32] };

function backboneSpec(kind: BackboneKind, withAdapter: boolean): ModelSpec<MdBackboneConfig> {
  const id = `${withAdapter ? "hamur" : "md"}-${kind}`;
  const defaults: MdBackboneConfig = { ...backboneDefaults(kind), adapter: withAdapter ? HAMUR_ADAPTER_PAPER[kind] : null };
  return {
    id,
    name: withAdapter ? `${NAMES[kind]} + HAMUR` : `multi-domain ${NAMES[kind]}`,
    paper: HAMUR_PAPER,
    task: "multi-domain",
    defaults,
    presets: {
      smoke: { ...SMOKE_TOWERS, ...(withAdapter ? { adapter: HAMUR_ADAPTER_SMOKE } : {}) },
      paper: {},
    },
    requires: (schema: DatasetSchema) => requiresMultiDomain(schema),
    build: (schema, config, seed) => new MdBackbone(id, kind, schema, config, seed),
  };
}

export const MD_MLP = backboneSpec("mlp", false);
export const MD_WD = backboneSpec("wd", false);
export const MD_DCN = backboneSpec("dcn", false);
export const HAMUR_MLP = backboneSpec("mlp", true);
export const HAMUR_WD = backboneSpec("wd", true);
export const HAMUR_DCN = backboneSpec("dcn", true);

export const SHARED_MLP: ModelSpec<SharedMlpConfig> = {
  id: "shared-mlp",
  name: "shared MLP (domain id as a feature)",
  task: "multi-domain",
  defaults: sharedMlpDefaults(),
  presets: { smoke: SMOKE_TOWERS, paper: {} },
  requires: (schema) => requiresMultiDomain(schema),
  build: (schema, config, seed) => new SharedMlpModel(schema, config, seed),
};

export const STAR: ModelSpec<StarConfig> = {
  id: "star",
  name: "STAR",
  paper: STAR_PAPER,
  task: "multi-domain",
  defaults: starDefaults(),
  presets: { smoke: { ...SMOKE_TOWERS, auxHidden: [32] }, paper: {} },
  requires: (schema) => requiresMultiDomain(schema),
  build: (schema, config, seed) => new StarModel(schema, config, seed),
};
