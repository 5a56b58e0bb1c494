/**
 * Expert-based multi-task models: one head per task on top of a backbone (blocks.ts) and one tower
 * per task. Reference shapes: torch-rechub torch_rechub/models/multi_task/{shared_bottom,mmoe,ple}.py;
 * defaults: its examples/ranking/run_census.py (Census-Income, income + marital status). Explained
 * in the MTDRS survey notebook, sections "model" and "evaluate".
 *
 *   single-task    bottom MLP + tower for ONE label: the same network as one task of
 *                  shared-bottom, trained alone (the reference for negative-transfer plots);
 *   shared-bottom  hard sharing (Caruana 1997): bottom MLP shared, one tower per task;
 *   mmoe           MMoE (Ma et al., KDD 2018): n shared experts, a softmax gate and a tower per task;
 *   cgc            PLE's Customized Gate Control (Tang et al., RecSys 2020, §4.2): task-specific +
 *                  shared experts, one gate per task over its own and the shared experts;
 *   ple            PLE (§4.3): `numLevels` stacked CGC levels with shared gates between them.
 */
import type { DatasetSchema } from "../../data/schema";
import type { Rng } from "../../engine/rng";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import type { Mlp } from "../layers/mlp";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { tf } from "../../engine/tf";
import {
  type Backbone,
  BottomBackbone,
  type GateTrace,
  makeTowers,
  MmoeBackbone,
  PleBackbone,
  squeezeLogit,
} from "./blocks";
import { requiresTwoLabels, resolveLabel, resolveTasks, type TasksField, type TowerFields } from "./common";

/** Builds a backbone with K outputs over an input of width inDim. */
export type BackboneFactory = (inDim: number, numOutputs: number, rng: Rng) => Backbone;

/** Internals key of a gate: `gate/l<level>/<output name>` (`shared` for PLE's shared gates). */
export function gateKey(g: GateTrace, names: string[]): string {
  return `gate/l${g.level}/${g.output === "shared" ? "shared" : names[g.output]}`;
}

/**
 * A backbone with one output per head and one tower per head. `internals` carries every gate's
 * weights ([B, n], keys from `gateKey`).
 */
export class ExpertTaskModel<C extends BaseModelConfig & TowerFields> extends ModelBase<C> {
  readonly backbone: Backbone;
  readonly towers: Mlp[];

  constructor(
    id: string,
    schema: DatasetSchema,
    config: C,
    seed: number,
    heads: string[],
    makeBackbone: BackboneFactory,
  ) {
    super(id, schema, config, seed, heads);
    this.backbone = this.track(makeBackbone(this.flatInputDim, heads.length, this.rng));
    this.towers = makeTowers(
      this.backbone.outDim,
      heads.length,
      config.towerHidden,
      config.dropout,
      this.rng,
      config.batchNorm,
    );
    for (const t of this.towers) this.track(t);
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const x = this.flatInput(inputs); // [B, F*D + Nn]
    const { reps, gates } = this.backbone.apply(x, ctx.training, ctx.rng); // K x [B, H]
    const logits = reps.map((r, k) => squeezeLogit(this.towers[k].apply(r, ctx.training, ctx.rng))); // K x [B]
    const internals: Record<string, tf.Tensor> = {};
    for (const g of gates) internals[gateKey(g, this.heads)] = g.weights;
    return { logits, internals };
  }

  /** The backbone's shared variables (bottom; experts; PLE: see PleBackbone). Towers are per task. */
  sharedVariables(): tf.Variable[] {
    return this.backbone.sharedVariables();
  }

  /** Variables only head k depends on: its tower and its part of the backbone. */
  headVariables(k: number): tf.Variable[] {
    return [...this.backbone.outputVariables(k), ...this.towers[k].variables()];
  }
}

// ---------------------------------------------------------------------------------------------
// single-task and shared-bottom

export interface SingleTaskConfig extends BaseModelConfig, TowerFields {
  /** The label this model predicts. Default null = the schema's first label. */
  task: string | null;
  /** Hidden widths of the bottom MLP. Default [117] (torch-rechub run_census.py SharedBottom `bottom_params`). */
  bottomHidden: number[];
}

export const SINGLE_TASK: ModelSpec<SingleTaskConfig> = {
  id: "single-task",
  name: "Single-task DNN",
  task: "ctr",
  // embDim 4: torch-rechub run_census.py embeds every Census field with embed_dim=4 (non-ESMM models).
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    task: null,
    bottomHidden: [117],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { bottomHidden: [32], towerHidden: [8] }, paper: {} },
  requires: (schema) =>
    schema.labels.length >= 1 ? null : `needs at least one binary label; ${schema.name} has none`,
  build: (schema, config, seed) =>
    new ExpertTaskModel(
      "single-task",
      schema,
      config,
      seed,
      [resolveLabel(schema, config.task, "single-task")],
      (d, k, rng) => new BottomBackbone(d, k, config.bottomHidden, config.dropout, rng, config.batchNorm),
    ),
};

export interface SharedBottomConfig extends BaseModelConfig, TasksField, TowerFields {
  /** Hidden widths of the shared bottom. Default [117] (torch-rechub run_census.py: 117 units match MMoE's dense parameter budget there). */
  bottomHidden: number[];
}

export const SHARED_BOTTOM: ModelSpec<SharedBottomConfig> = {
  id: "shared-bottom",
  name: "Shared-Bottom",
  paper: { title: "Multitask Learning (Caruana)", venue: "Machine Learning 28, 1997" },
  task: "multi-task",
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    tasks: null,
    bottomHidden: [117],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { bottomHidden: [32], towerHidden: [8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) =>
    new ExpertTaskModel(
      "shared-bottom",
      schema,
      config,
      seed,
      resolveTasks(schema, config.tasks, "shared-bottom"),
      (d, k, rng) => new BottomBackbone(d, k, config.bottomHidden, config.dropout, rng, config.batchNorm),
    ),
};

// ---------------------------------------------------------------------------------------------
// MMoE

export interface MmoeConfig extends BaseModelConfig, TasksField, TowerFields {
  /** Number of shared experts n. Default 8 (torch-rechub run_census.py MMOE). */
  numExperts: number;
  /** Hidden widths of each expert. Default [16] (run_census.py `expert_params`). */
  expertHidden: number[];
}

export const MMOE: ModelSpec<MmoeConfig> = {
  id: "mmoe",
  name: "MMoE",
  paper: {
    title: "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
    venue: "KDD 2018",
    url: "https://dl.acm.org/doi/10.1145/3219819.3220007",
  },
  task: "multi-task",
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    tasks: null,
    numExperts: 8,
    expertHidden: [16],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { numExperts: 4, expertHidden: [16], towerHidden: [8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) =>
    new ExpertTaskModel(
      "mmoe",
      schema,
      config,
      seed,
      resolveTasks(schema, config.tasks, "mmoe"),
      (d, k, rng) =>
        new MmoeBackbone(d, k, config.numExperts, config.expertHidden, config.dropout, rng, config.batchNorm),
    ),
};

// ---------------------------------------------------------------------------------------------
// CGC and PLE

export interface CgcConfig extends BaseModelConfig, TasksField, TowerFields {
  /** Task-specific experts per task (m_k). Default 2 (torch-rechub run_census.py PLE `n_expert_specific`). */
  numSpecificExperts: number;
  /** Shared experts (m_s). Default 1 (run_census.py `n_expert_shared`). */
  numSharedExperts: number;
  /** Hidden widths of each expert. Default [16] (run_census.py `expert_params`). */
  expertHidden: number[];
}

export interface PleConfig extends CgcConfig {
  /**
   * Number of extraction levels (CGC layers). Default 2 (the kit's choice: torch-rechub's README
   * reports PLE with 1 and 2 levels on Census); run_census.py builds 1 (`n_level=1`), which the
   * torch-rechub reference preset (presets.ts) sets and which equals the `cgc` model.
   */
  numLevels: number;
}

const PLE_PAPER = {
  title:
    "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model for Personalized Recommendations",
  venue: "RecSys 2020",
  url: "https://dl.acm.org/doi/10.1145/3383313.3412236",
};

export const CGC: ModelSpec<CgcConfig> = {
  id: "cgc",
  name: "CGC (PLE, one level)",
  paper: PLE_PAPER,
  task: "multi-task",
  defaults: {
    embDim: 4,
    embedding: DEFAULT_EMBEDDING,
    tasks: null,
    numSpecificExperts: 2,
    numSharedExperts: 1,
    expertHidden: [16],
    towerHidden: [8],
    dropout: 0,
    batchNorm: false,
  },
  presets: { smoke: { expertHidden: [16], towerHidden: [8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) =>
    new ExpertTaskModel(
      "cgc",
      schema,
      config,
      seed,
      resolveTasks(schema, config.tasks, "cgc"),
      (d, k, rng) =>
        new PleBackbone(
          d,
          k,
          1,
          config.numSpecificExperts,
          config.numSharedExperts,
          config.expertHidden,
          config.dropout,
          rng,
          config.batchNorm,
        ),
    ),
};

export const PLE: ModelSpec<PleConfig> = {
  id: "ple",
  name: "PLE",
  paper: PLE_PAPER,
  task: "multi-task",
  defaults: { ...CGC.defaults, numLevels: 2 },
  presets: { smoke: { expertHidden: [16], towerHidden: [8] }, paper: {} },
  requires: requiresTwoLabels,
  build: (schema, config, seed) =>
    new ExpertTaskModel(
      "ple",
      schema,
      config,
      seed,
      resolveTasks(schema, config.tasks, "ple"),
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
