/**
 * Multi-domain baselines of the HAMUR notebook (section "evaluate"), trained through the same
 * trainer as the backbones:
 *
 * - `shared-mlp`: one MLP for all domains, the domain id given as an input feature (a one-hot of
 *   the routing axis appended to the flattened embeddings, so it works on any schema with the
 *   axis; loaders that also carry `domain` as a categorical feature give it as an embedding too).
 * - `star` (Sheng, Zhao, Zhang et al., "One Model to Serve All: Star Topology Adaptive
 *   Recommender for Multi-Domain CTR Prediction", CIKM 2021, sections 3.2-3.4):
 *   partitioned normalisation of the embedding input (eq. 3: (γ ⊙ γ_d) · x̂ + (β + β_d), the
 *   statistics over the batch rows of domain d; no moving averages, see adapter.ts), a
 *   star-topology FCN per domain (eq. 1: W_d ⊛ = W ⊙ W_d, b = b + b_d, W_d initialised to ones and
 *   b_d to zeros so every domain starts from the shared network), and an auxiliary network on the
 *   domain indicator (a learned domain embedding, concatenated with x0, through a small MLP) whose
 *   logit is added to the star network's (eq. 5).
 */
import type { DatasetSchema } from "../../data/schema";
import type { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { dropout, glorotUniform } from "../layers/dense";
import { Mlp } from "../layers/mlp";
import { DEFAULT_DOMAIN_AXIS, domainIds, domainMask, numDomains, selectByDomain } from "../layers/routing";
import type { ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../types";
import { domainNorm } from "../layers/hyper-adapter";
import { headOf, MD_SMOKE_TOWERS, requiresMultiDomain, type MultiDomainConfig } from "./md-backbones";

export interface SharedMlpConfig extends MultiDomainConfig {
  /** Hidden widths. Default [256, 128] (as the MovieLens towers). */
  hidden: number[];
  dropout: number;
  /** Append the one-hot domain id of the routing axis to the input. Default true. */
  domainOneHot: boolean;
}

export class SharedMlpModel extends ModelBase<SharedMlpConfig> {
  readonly mlp: Mlp;
  readonly numDomains: number;

  constructor(schema: DatasetSchema, config: SharedMlpConfig, seed: number) {
    super("shared-mlp", schema, config, seed, headOf(schema, config.label));
    this.numDomains = numDomains(schema, config.domainAxis);
    const inDim = this.flatInputDim + (config.domainOneHot ? this.numDomains : 0);
    this.mlp = this.track(
      new Mlp(inDim, { hidden: config.hidden, dropout: config.dropout, output: 1 }, this.rng),
    );
  }

  /** Every dense parameter is shared by all domains. */
  sharedVariables(): tf.Variable[] {
    return this.variables();
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const B = inputs.batch.size;
    let x = this.flatInput(inputs); // [B, d0]
    if (this.config.domainOneHot)
      x = tf.concat(
        [x, domainMask(domainIds(inputs.batch, this.schema, this.config.domainAxis), this.numDomains)],
        1,
      ) as tf.Tensor2D; // [B, d0 + G]
    return { logits: [tf.reshape(this.mlp.apply(x, ctx.training, ctx.rng), [B]) as tf.Tensor1D] };
  }
}

export interface StarConfig extends MultiDomainConfig {
  /** Hidden widths of the star-topology FCN. Default [256, 128]. */
  hidden: number[];
  dropout: number;
  /** Hidden widths of the auxiliary network. Default [64]. */
  auxHidden: number[];
  /** Partitioned normalisation of the input. Default true. */
  partitionedNorm: boolean;
}

/** One star-topology layer: shared W, b and per-domain W_d (init ones), b_d (init zeros). */
class StarLayer {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly wd: tf.Variable[];
  readonly bd: tf.Variable[];

  constructor(inDim: number, outDim: number, G: number, rng: Rng) {
    this.w = ownedVariable(tf.tensor2d(glorotUniform(inDim, outDim, rng), [inDim, outDim]));
    this.b = ownedVariable(tf.zeros([outDim]));
    this.wd = Array.from({ length: G }, () => ownedVariable(tf.ones([inDim, outDim])));
    this.bd = Array.from({ length: G }, () => ownedVariable(tf.zeros([outDim])));
  }

  apply(x: tf.Tensor2D, g: number, activation: "relu" | "linear"): tf.Tensor2D {
    const w = tf.mul(this.w, this.wd[g]) as tf.Tensor2D; // [in, out]
    return tf.fused.matMul({ a: x, b: w, bias: tf.add(this.b, this.bd[g]), activation }) as tf.Tensor2D; // [B, out]
  }

  sharedVariables(): tf.Variable[] {
    return [this.w, this.b];
  }

  domainVariables(): tf.Variable[] {
    return [...this.wd, ...this.bd];
  }
}

export class StarModel extends ModelBase<StarConfig> {
  readonly numDomains: number;
  readonly layers: StarLayer[];
  readonly pnShared: tf.Variable[];
  readonly pnDomain: tf.Variable[][];
  readonly domainEmb: tf.Variable;
  readonly aux: Mlp;
  private readonly shared: tf.Variable[] = [];

  constructor(schema: DatasetSchema, config: StarConfig, seed: number) {
    super("star", schema, config, seed, headOf(schema, config.label));
    const G = numDomains(schema, config.domainAxis);
    this.numDomains = G;
    const d0 = this.flatInputDim;
    this.pnShared = config.partitionedNorm
      ? [ownedVariable(tf.ones([d0])), ownedVariable(tf.zeros([d0]))]
      : [];
    this.pnDomain = config.partitionedNorm
      ? Array.from({ length: G }, () => [ownedVariable(tf.ones([d0])), ownedVariable(tf.zeros([d0]))])
      : [];
    this.layers = [];
    let d = d0;
    for (const h of [...config.hidden, 1]) {
      if (!(Number.isInteger(h) && h > 0))
        throw new Error(`star: hidden widths must be positive integers, got ${h}`);
      this.layers.push(new StarLayer(d, h, G, this.rng));
      d = h;
    }
    this.domainEmb = ownedVariable(
      tf.tensor2d(glorotUniform(G, config.embDim, this.rng), [G, config.embDim]),
    );
    this.aux = new Mlp(d0 + config.embDim, { hidden: config.auxHidden, output: 1 }, this.rng);
    this.shared.push(
      ...this.pnShared,
      ...this.layers.flatMap((l) => l.sharedVariables()),
      this.domainEmb,
      ...this.aux.variables(),
    );
    this.track({
      variables: () => [
        ...this.shared,
        ...this.pnDomain.flat(),
        ...this.layers.flatMap((l) => l.domainVariables()),
      ],
    });
  }

  /** Shared FCN weights, shared normalisation parameters and the auxiliary network. */
  sharedVariables(): tf.Variable[] {
    return this.shared;
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const B = inputs.batch.size;
    const cfg = this.config;
    const ids = domainIds(inputs.batch, this.schema, cfg.domainAxis);
    const x0 = this.flatInput(inputs); // [B, d0]
    const mask = domainMask(ids, this.numDomains); // [B, G]
    const logits: tf.Tensor1D[] = [];
    for (let g = 0; g < this.numDomains; g++) {
      let h = x0;
      if (cfg.partitionedNorm) {
        const [gs, bs] = this.pnShared;
        const [gd, bd] = this.pnDomain[g];
        h = domainNorm(x0, tf.slice(mask, [0, g], [B, 1]) as tf.Tensor2D, tf.mul(gs, gd), tf.add(bs, bd)); // [B, d0]
      }
      this.layers.forEach((layer, l) => {
        const last = l === this.layers.length - 1;
        h = layer.apply(h, g, last ? "linear" : "relu"); // [B, h_l]
        if (!last) h = dropout(h, cfg.dropout, ctx.training, ctx.rng);
      });
      logits.push(tf.reshape(h, [B]) as tf.Tensor1D);
    }
    const dEmb = tf.matMul(mask, this.domainEmb as tf.Tensor2D); // [B, D] domain indicator embedding
    const aux = tf.reshape(this.aux.apply(tf.concat([dEmb, x0], 1) as tf.Tensor2D, ctx.training, ctx.rng), [
      B,
    ]) as tf.Tensor1D; // [B]
    return { logits: [tf.add(selectByDomain(logits, ids), aux) as tf.Tensor1D] };
  }
}

export function sharedMlpDefaults(): SharedMlpConfig {
  return {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    label: null,
    hidden: [256, 128],
    dropout: 0,
    domainOneHot: true,
  };
}

export function starDefaults(): StarConfig {
  return {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    label: null,
    hidden: [256, 128],
    dropout: 0,
    auxHidden: [64],
    partitionedNorm: true,
  };
}

export const SHARED_MLP: ModelSpec<SharedMlpConfig> = {
  id: "shared-mlp",
  name: "shared MLP (domain id as a feature)",
  task: "multi-domain",
  defaults: sharedMlpDefaults(),
  presets: { smoke: MD_SMOKE_TOWERS, paper: {} },
  requires: (schema) => requiresMultiDomain(schema),
  build: (schema, config, seed) => new SharedMlpModel(schema, config, seed),
};

export const STAR: ModelSpec<StarConfig> = {
  id: "star",
  name: "STAR",
  paper: {
    title: "One Model to Serve All: Star Topology Adaptive Recommender for Multi-Domain CTR Prediction",
    venue: "CIKM 2021",
    url: "https://arxiv.org/abs/2101.11427",
  },
  task: "multi-domain",
  defaults: starDefaults(),
  presets: { smoke: { ...MD_SMOKE_TOWERS, auxHidden: [32] }, paper: {} },
  requires: (schema) => requiresMultiDomain(schema),
  build: (schema, config, seed) => new StarModel(schema, config, seed),
};
