/**
 * TEM4CTR (Zhang et al., arXiv 2308.09966; official TF1 code zhy99426/TEM4CTR, model_alibaba.py
 * `Model_TEM4CTR`) and the DFN-style two-sequence baseline, built from the kit's sequence layers
 * (src/models/layers/attention.ts). Notebook 03-tem4ctr, section "Model".
 *
 * TEM4CTR, per sample (B), click slot i (L) and aligned unclick j (W = 2k):
 *   step 1  u_i = Σ_j a_ij·n_ij, a_i = masked softmax of DIN scores with the click c_i as query
 *           over its aligned unclicks n_i (activation unit hidden 16);
 *   step 2  s_i = (u_i·c_i / ‖c_i‖²)·c_i (representation projection; u_i − s_i is discarded);
 *           `aux: "add"` uses c_i + u_i instead, `aux: "none"` the click alone (= DIN);
 *   step 3  DIN attention of the target over the enhanced clicks c_i + s_i (click mask) and over
 *           the u_i (mask: clicks whose window holds an unclick);
 *   step 4  [target, click interest, unclick interest] -> BN -> FC 200 PReLU -> FC 80 PReLU -> logit.
 */
import type { DatasetSchema } from "../../data/schema";
import { sequenceFeatures } from "../../data/schema";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING } from "../../models/base";
import {
  DinModel,
  lastMask,
  lastPositions,
  sequenceRequirement,
  type DinConfig,
} from "../../models/baselines/din";
import { DinAttention, projectOnto } from "../../models/layers/attention";
import type { ForwardOutput, ModelContext, ModelInputs, ModelSpec } from "../../models/types";
import { defineModel } from "../../models/types";

/** The official code's optimiser settings (train_alibaba_feedback.py): Adam 5e-3 for dense and embedding parameters. */
export const OFFICIAL_LR = 5e-3;
const EMBEDDING = {
  ...DEFAULT_EMBEDDING,
  optimizer: { kind: "adam" as const, lr: OFFICIAL_LR, weightDecay: 0 },
};

export interface Tem4ctrConfig extends DinConfig {
  /** How the aligned unclick summary u_i enters the click: "projection" (the paper), "add" (c_i + u_i), "none". */
  aux: "projection" | "add" | "none";
  /** Hidden widths of the step-1 activation unit (click over its aligned unclicks). Default [16]. */
  alignHidden: number[];
}

const TEM_DEFAULTS: Tem4ctrConfig = {
  embDim: 16,
  embedding: EMBEDDING,
  target: "item",
  clicks: "clicks",
  unclicks: "unclicks_k5",
  seqLen: null,
  attention: { hidden: [80, 40], activation: "sigmoid" },
  tower: { hidden: [200, 80], inputBatchNorm: true },
  aux: "projection",
  alignHidden: [16],
};

/** Smoke preset of the sequence models: a one-layer activation unit (16) and a 64-32 tower (the paper preset keeps 80-40 and 200-80). */
const SMOKE = { attention: { hidden: [16], activation: "sigmoid" as const }, tower: { hidden: [64, 32] } };

export class Tem4ctrModel extends DinModel {
  /** Step-1 attention; null with `aux: "none"` (no unclicks). */
  readonly align: DinAttention | null;
  /** Unclick slots per click (W). */
  readonly window: number;

  constructor(schema: DatasetSchema, config: Tem4ctrConfig, seed: number) {
    super(schema, config, seed, {
      id: "tem4ctr",
      unclicks: config.aux !== "none",
      towerInputs: config.aux !== "none" ? 3 : 2,
    });
    const clicks = sequenceFeatures(schema).find((q) => q.name === config.clicks)!;
    const un = sequenceFeatures(schema).find((q) => q.name === config.unclicks)!;
    if (un.maxLen % clicks.maxLen !== 0)
      throw new Error(
        `tem4ctr on ${schema.name}: ${un.name} has ${un.maxLen} slots, not a multiple of the ${clicks.maxLen} clicks`,
      );
    this.window = un.maxLen / clicks.maxLen;
    this.align =
      config.aux === "none"
        ? null
        : this.track(
            new DinAttention(config.embDim, { hidden: config.alignHidden, activation: "sigmoid" }, this.rng),
          );
  }

  get temConfig(): Tem4ctrConfig {
    return this.config as Tem4ctrConfig;
  }

  override forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const c = this.temConfig;
    const B = inputs.batch.size;
    const D = c.embDim;
    const W = this.window;
    const et = this.target(inputs); // [B, D]
    const clicks = lastPositions(this.seqEmb(inputs, c.clicks), c.seqLen); // [B, L, D]
    const cmask = lastMask(this.seqMask(inputs, c.clicks), B, this.seqEmbLength(c.clicks), c.seqLen); // [B*L]
    const L = clicks.shape[1];
    const internals: Record<string, tf.Tensor> = {};
    let enhanced = clicks;
    let unclickInterest: tf.Tensor2D | null = null;
    if (c.aux !== "none") {
      const full = this.seqEmb(inputs, c.unclicks!); // [B, L0*W, D]
      const L0 = full.shape[1] / W;
      const un = lastPositions(tf.reshape(full, [B, L0, W, D]) as tf.Tensor4D, c.seqLen); // [B, L, W, D]
      const umask = lastMask(this.seqMask(inputs, c.unclicks!), B, L0, c.seqLen, W); // [B*L*W]
      // Step 1: each click attends over its aligned unclicks.
      const a = this.align!.apply(
        tf.reshape(clicks, [B * L, D]) as tf.Tensor2D,
        tf.reshape(un, [B * L, W, D]) as tf.Tensor3D,
        umask,
      );
      const u = tf.reshape(a.pooled, [B, L, D]) as tf.Tensor3D; // [B, L, D]
      // Step 2: keep the component of u_i along c_i (projection), or add it whole.
      enhanced = tf.add(clicks, c.aux === "projection" ? projectOnto(u, clicks) : u) as tf.Tensor3D;
      // Step 3b: the target over the unclick summaries of clicks that have any aligned unclick.
      const hasUn = new Float32Array(B * L); // clicks whose window holds an unclick
      for (let i = 0; i < B * L; i++)
        hasUn[i] = cmask[i] > 0 && umask.subarray(i * W, (i + 1) * W).some((x) => x > 0) ? 1 : 0;
      unclickInterest = this.unclickAttention!.apply(et, u, hasUn).pooled; // [B, D]
      if (!ctx.training) internals.alignWeights = tf.reshape(a.weights, [B, L, W]);
    }
    // Step 3a: the target over the enhanced clicks.
    const att = this.attention.apply(et, enhanced, cmask);
    if (!ctx.training) internals.clickWeights = att.weights;
    const parts = unclickInterest ? [et, att.pooled, unclickInterest] : [et, att.pooled];
    const logits = this.tower.apply(tf.concat(parts, 1) as tf.Tensor2D, ctx.training); // [B]
    return { logits: [logits], internals };
  }
}

export const TEM4CTR: ModelSpec<Tem4ctrConfig> = {
  id: "tem4ctr",
  name: "TEM4CTR",
  paper: {
    title: "Time-aligned Exposure-enhanced Model for Click-Through Rate Prediction",
    url: "https://arxiv.org/abs/2308.09966",
  },
  task: "ctr",
  defaults: TEM_DEFAULTS,
  presets: { smoke: SMOKE, paper: {} },
  requires: (schema) => sequenceRequirement(schema, "item", ["clicks", "unclicks_k5"]),
  build: (schema, config, seed) => {
    const why = sequenceRequirement(schema, config.target, [config.clicks, config.unclicks]);
    if (why) throw new Error(`tem4ctr on ${schema.name}: ${why}`);
    if (config.unclicks === null) throw new Error(`tem4ctr on ${schema.name}: unclicks must name a sequence`);
    return new Tem4ctrModel(schema, { ...config, unclicks: config.unclicks }, seed);
  },
};

/** DFN-style config: DIN over both sequences plus a click-guided attention over the unclicks. */
export type DfnStyleConfig = DinConfig;

/**
 * DFN-style baseline (after Xie et al., Deep Feedback Network, IJCAI 2020, simplified): the target
 * attends over clicks and over the (unaligned) unclicks separately, and the click interest attends
 * over the unclicks (DFN's feedback interaction: strong feedback picks what is relevant in weak
 * feedback); [target, click, unclick, guided] -> the same tower. No transformers (README).
 */
export class DfnStyleModel extends DinModel {
  readonly guided: DinAttention;

  constructor(schema: DatasetSchema, config: DfnStyleConfig, seed: number) {
    super(schema, config, seed, { id: "dfn-style", unclicks: true, towerInputs: 4 });
    this.guided = this.track(new DinAttention(config.embDim, config.attention, this.rng));
  }

  override forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const c = this.config;
    const et = this.target(inputs); // [B, D]
    const clicks = lastPositions(this.seqEmb(inputs, c.clicks), c.seqLen); // [B, L, D]
    const cmask = lastMask(
      this.seqMask(inputs, c.clicks),
      inputs.batch.size,
      this.seqEmbLength(c.clicks),
      c.seqLen,
    ); // [B*L]
    const un = this.seqEmb(inputs, c.unclicks!); // [B, M, D]
    const umask = this.seqMask(inputs, c.unclicks!); // [B, M]
    const ci = this.attention.apply(et, clicks, cmask).pooled; // [B, D]
    const ui = this.unclickAttention!.apply(et, un, umask).pooled; // [B, D]
    const gi = this.guided.apply(ci, un, umask).pooled; // [B, D]
    const logits = this.tower.apply(tf.concat([et, ci, ui, gi], 1) as tf.Tensor2D, ctx.training);
    return { logits: [logits] };
  }
}

export const DFN_STYLE: ModelSpec<DfnStyleConfig> = {
  id: "dfn-style",
  name: "DFN-style (two sequences + click-guided unclick attention)",
  paper: { title: "Deep Feedback Network for Recommendation", venue: "IJCAI 2020" },
  task: "ctr",
  defaults: {
    embDim: 16,
    embedding: EMBEDDING,
    target: "item",
    clicks: "clicks",
    unclicks: "unclicks_k0",
    seqLen: null,
    attention: { hidden: [80, 40], activation: "sigmoid" },
    tower: { hidden: [200, 80], inputBatchNorm: true },
  },
  presets: { smoke: SMOKE, paper: {} },
  requires: (schema) => sequenceRequirement(schema, "item", ["clicks", "unclicks_k0"]),
  build: (schema, config, seed) => {
    const why = sequenceRequirement(schema, config.target, [config.clicks, config.unclicks]);
    if (why) throw new Error(`dfn-style on ${schema.name}: ${why}`);
    if (config.unclicks === null)
      throw new Error(`dfn-style on ${schema.name}: unclicks must name a sequence`);
    return new DfnStyleModel(schema, config, seed);
  },
};

export const TEM4CTR_MODELS = {
  tem4ctr: defineModel(TEM4CTR),
  "dfn-style": defineModel(DFN_STYLE),
};
