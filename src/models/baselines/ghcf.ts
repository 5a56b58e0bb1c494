/**
 * A GHCF-style multi-behaviour baseline (after Chen et al., "Graph Heterogeneous Multi-Relational
 * Recommendation", AAAI 2021), simplified: one set of node embeddings shared by every behaviour,
 * relation-aware propagation e^{l+1} = (1/B) Σ_b (Â_b·e^l) ⊙ r_b (messages of behaviour b scaled by
 * its relation vector r_b; Â_b symmetric-normalised), layer mean, and the behaviour-specific
 * score ŷ_b(u, i) = Σ_d u_d · r_b,d · i_d; BPR summed over all behaviours (multi-task).
 * Differences from GHCF (documented in src/papers/cigf/README.md): no per-layer weight matrices
 * or relation updates, and BPR with sampled negatives instead of GHCF's non-sampling loss.
 */
import { adjacency, type MultiBehaviourData } from "../../data/graph";
import { spmmTensor } from "../../engine/sparse";
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { meanRowNorms } from "../graph/propagation";
import {
  defineGraphModel,
  rows,
  sizeOf,
  xavierVariable,
  type GraphEncoding,
  type GraphModel,
  type GraphModelConfig,
  type GraphModelSpec,
} from "../graph/types";

export type GhcfStyleConfig = GraphModelConfig;

export class GhcfStyle implements GraphModel {
  readonly id = "ghcf-style";
  readonly behaviours: readonly string[];
  readonly lossBehaviours: readonly number[];
  readonly emb: tf.Variable;
  /** Relation vectors r_b [B, D], initialised at 1. */
  readonly rel: tf.Variable;

  constructor(
    private readonly data: MultiBehaviourData,
    readonly config: GhcfStyleConfig,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.behaviours = data.behaviours;
    this.lossBehaviours = data.behaviours.map((_, b) => b);
    this.emb = xavierVariable(data.numUsers + data.numItems, config.embDim, () => rng.next()); // [N, D]
    const ones = tf.ones([data.behaviours.length, config.embDim]);
    this.rel = tf.variable(ones);
    ones.dispose();
  }

  variables(): tf.Variable[] {
    return [this.emb, this.rel];
  }

  sharedVariables(): tf.Variable[] {
    return [this.emb];
  }

  encode(): GraphEncoding {
    const B = this.data.behaviours.length;
    const adjs = this.data.behaviours.map((_, b) => adjacency(this.data, b, "symmetric"));
    const r = tf.unstack(this.rel) as tf.Tensor1D[]; // B x [D]
    const layers = [this.emb as tf.Tensor2D];
    for (let l = 0; l < this.config.numLayers; l++) {
      const msgs = adjs.map((a, b) => tf.mul(spmmTensor(a, layers[l]), r[b]) as tf.Tensor2D); // B x [N, D]
      layers.push(tf.div(tf.addN(msgs), B) as tf.Tensor2D);
    }
    const final = tf.div(tf.addN(layers), layers.length) as tf.Tensor2D; // [N, D]
    const [u, i] = tf.split(final, [this.data.numUsers, this.data.numItems], 0) as tf.Tensor2D[];
    return {
      users: [u],
      items: [i],
      layerNorms: meanRowNorms(layers.map((x) => tf.div(x, layers.length) as tf.Tensor2D)),
    };
  }

  score(enc: GraphEncoding, behaviour: number, users: Int32Array, items: Int32Array): tf.Tensor1D {
    const r = tf.gather(this.rel, [behaviour]) as tf.Tensor2D; // [1, D]
    return tf.sum(tf.mul(tf.mul(rows(enc.users[0], users), r), rows(enc.items[0], items)), 1) as tf.Tensor1D;
  }

  paramCount(): { embedding: number; dense: number } {
    return { embedding: sizeOf([this.emb]), dense: sizeOf([this.rel]) };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  dispose(): void {
    this.emb.dispose();
    this.rel.dispose();
  }
}

export const GHCF_STYLE: GraphModelSpec<GhcfStyleConfig> = {
  id: "ghcf-style",
  name: "GHCF-style relation-aware multi-behaviour LightGCN",
  reference: "after Chen et al., AAAI 2021 (simplified)",
  defaults: { embDim: 16, numLayers: 2 },
  presets: { smoke: {}, paper: {} },
  requires: (d) => (d.behaviours.length >= 2 ? null : "needs at least two behaviours"),
  build: (d, c, seed) => new GhcfStyle(d, c, seed),
};

export const GHCF_MODELS = { "ghcf-style": defineGraphModel(GHCF_STYLE) };
