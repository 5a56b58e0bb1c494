/**
 * Multi-domain variants of Shared-Bottom, MMoE and PLE: the baselines of the HAMUR and HierRec
 * notebooks. The same backbones as the multi-task models (blocks.ts) with one output per DOMAIN
 * instead of per task: one tower per domain (and, for MMoE/PLE, one gate and PLE's specific experts
 * per domain), a single head (`label`), and each row's logit taken from its own domain's tower with
 * `selectByDomain` (src/models/layers/routing.ts), so a row back-propagates only into its domain's
 * towers, gates and specific experts.
 *
 * Reference: Xiaopengli1/Scenario-Wise-Rec scenario_wise_rec/models/multi_domain/{sharebottom,mmoe,ple}.py
 * (derived from torch-rechub); defaults from its scripts/run_movielens_rank_multi_domain.py
 * (embed_dim 16; SharedBottom bottom [128], towers [8]; MMoE n_expert = domain_num, experts [16];
 * PLE n_level 1, 2 specific + 1 shared experts [16]). As the multi-task models: no BatchNorm by
 * default; `batchNorm: true` builds the reference's Linear→BN→ReLU blocks and BN gates.
 */
import type { DatasetSchema } from "../../data/schema";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import type { Mlp } from "../layers/mlp";
import {
  DEFAULT_DOMAIN_AXIS,
  domainIds,
  numDomains,
  requiresDomainAxis,
  selectByDomain,
} from "../layers/routing";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { tf } from "../../engine/tf";
import { type Backbone, BottomBackbone, makeTowers, MmoeBackbone, PleBackbone, squeezeLogit } from "./blocks";
import { resolveLabel, type TowerFields } from "./common";
import { type BackboneFactory, gateKey } from "./task-models";

/** Fields every multi-domain variant has. */
export interface DomainFields {
  /** The label predicted (the single head). Default null = the schema's first label. */
  label: string | null;
  /** Group axis holding each row's domain. Default "domain". */
  domainAxis: string;
}

/**
 * A backbone with one output per domain and one tower per domain; the head's logit of row b is
 * the logit of tower `domain[b]`. `internals`: `domainLogits` [B, G] (every tower on every row)
 * and every gate's weights (`gate/l<level>/<domain name>`).
 */
export class ExpertDomainModel<C extends BaseModelConfig & TowerFields & DomainFields> extends ModelBase<C> {
  readonly backbone: Backbone;
  readonly towers: Mlp[];
  readonly numDomains: number;
  readonly domainNames: string[];

  constructor(id: string, schema: DatasetSchema, config: C, seed: number, makeBackbone: BackboneFactory) {
    super(id, schema, config, seed, [resolveLabel(schema, config.label, id)]);
    const missing = requiresDomainAxis(schema, config.domainAxis);
    if (missing) throw new Error(`${id}: ${missing}`);
    this.numDomains = numDomains(schema, config.domainAxis);
    const axis = schema.groups.find((g) => g.name === config.domainAxis)!;
    this.domainNames = Array.from({ length: this.numDomains }, (_, g) => axis.names?.[g] ?? `d${g}`);
    this.backbone = this.track(makeBackbone(this.flatInputDim, this.numDomains, this.rng));
    this.towers = makeTowers(
      this.backbone.outDim,
      this.numDomains,
      config.towerHidden,
      config.dropout,
      this.rng,
      config.batchNorm,
    );
    for (const t of this.towers) this.track(t);
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const ids = domainIds(inputs.batch, this.schema, this.config.domainAxis);
    const x = this.flatInput(inputs); // [B, F*D + Nn]
    const { reps, gates } = this.backbone.apply(x, ctx.training, ctx.rng); // G x [B, H]
    const perDomain = reps.map((r, g) => squeezeLogit(this.towers[g].apply(r, ctx.training, ctx.rng))); // G x [B]
    const internals: Record<string, tf.Tensor> = { domainLogits: tf.stack(perDomain, 1) }; // [B, G]
    for (const g of gates) internals[gateKey(g, this.domainNames)] = g.weights;
    return { logits: [selectByDomain(perDomain, ids)], internals }; // [B]
  }

  /** Variables every domain depends on (bottom; shared experts; PLE: see PleBackbone). */
  sharedVariables(): tf.Variable[] {
    return this.backbone.sharedVariables();
  }

  /** Variables only domain g's rows reach: its tower, gate and specific experts. */
  domainVariables(g: number): tf.Variable[] {
    return [...this.backbone.outputVariables(g), ...this.towers[g].variables()];
  }
}

const requiresDomain = (schema: DatasetSchema): string | null =>
  schema.labels.length === 0
    ? `needs at least one binary label; ${schema.name} has none`
    : requiresDomainAxis(schema, DEFAULT_DOMAIN_AXIS);

export interface MdSharedBottomConfig extends BaseModelConfig, DomainFields, TowerFields {
  /** Hidden widths of the shared bottom. Default [128] (Scenario-Wise-Rec MovieLens script). */
  bottomHidden: number[];
}

export const MD_SHARED_BOTTOM: ModelSpec<MdSharedBottomConfig> = {
  id: "md-shared-bottom",
  name: "Shared-Bottom (multi-domain)",
  task: "multi-domain",
  defaults: {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    label: null,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    bottomHidden: [128],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { bottomHidden: [32], towerHidden: [8] }, paper: {} },
  requires: requiresDomain,
  build: (schema, config, seed) =>
    new ExpertDomainModel(
      "md-shared-bottom",
      schema,
      config,
      seed,
      (d, k, rng) => new BottomBackbone(d, k, config.bottomHidden, config.dropout, rng, config.batchNorm),
    ),
};

export interface MdMmoeConfig extends BaseModelConfig, DomainFields, TowerFields {
  /** Shared experts. Default null = one per domain (Scenario-Wise-Rec: `n_expert = domain_num`). */
  numExperts: number | null;
  /** Hidden widths of each expert. Default [16]. */
  expertHidden: number[];
}

export const MD_MMOE: ModelSpec<MdMmoeConfig> = {
  id: "md-mmoe",
  name: "MMoE (multi-domain)",
  paper: {
    title: "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
    venue: "KDD 2018",
  },
  task: "multi-domain",
  defaults: {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    label: null,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    numExperts: null,
    expertHidden: [16],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { expertHidden: [16], towerHidden: [8] }, paper: {} },
  requires: requiresDomain,
  build: (schema, config, seed) =>
    new ExpertDomainModel(
      "md-mmoe",
      schema,
      config,
      seed,
      (d, k, rng) =>
        new MmoeBackbone(
          d,
          k,
          config.numExperts ?? k,
          config.expertHidden,
          config.dropout,
          rng,
          config.batchNorm,
        ),
    ),
};

export interface MdPleConfig extends BaseModelConfig, DomainFields, TowerFields {
  /** CGC levels. Default 1 (Scenario-Wise-Rec MovieLens script `n_level=1`). */
  numLevels: number;
  /** Domain-specific experts per domain. Default 2. */
  numSpecificExperts: number;
  /** Shared experts. Default 1. */
  numSharedExperts: number;
  /** Hidden widths of each expert. Default [16]. */
  expertHidden: number[];
}

export const MD_PLE: ModelSpec<MdPleConfig> = {
  id: "md-ple",
  name: "PLE (multi-domain)",
  paper: {
    title:
      "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model for Personalized Recommendations",
    venue: "RecSys 2020",
  },
  task: "multi-domain",
  defaults: {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    label: null,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    numLevels: 1,
    numSpecificExperts: 2,
    numSharedExperts: 1,
    expertHidden: [16],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { expertHidden: [16], towerHidden: [8] }, paper: {} },
  requires: requiresDomain,
  build: (schema, config, seed) =>
    new ExpertDomainModel(
      "md-ple",
      schema,
      config,
      seed,
      (d, k, rng) =>
        new PleBackbone(
          d,
          k,
          config.numLevels,
          config.numSpecificExperts,
          config.numSharedExperts,
          config.expertHidden,
          config.dropout,
          rng,
          config.batchNorm,
        ),
    ),
};
