/**
 * LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for
 * Recommendation", SIGIR 2020; eq. 3-5) as a single-behaviour baseline of the multi-behaviour
 * papers (CIGF, notebook 06-cigf): ID embeddings propagated over the symmetric-normalised
 * bipartite graph of the target behaviour ("target"), or of the union of every behaviour
 * ("merged": all interactions as one graph), layer mean, inner-product score, BPR on the target.
 */
import { adjacency, targetIndex, type MultiBehaviourData } from "../../data/graph";
import { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { lightgcnLayers, meanRowNorms } from "../graph/propagation";
import {
  defineGraphModel,
  dot,
  rows,
  sizeOf,
  xavierVariable,
  type GraphEncoding,
  type GraphModel,
  type GraphModelConfig,
  type GraphModelSpec,
} from "../graph/types";

export interface LightGcnConfig extends GraphModelConfig {
  /** Which interactions form the graph: the target behaviour only, or the union of all. Default "target". */
  graph: "target" | "merged";
}

export class LightGcn implements GraphModel {
  readonly behaviours: readonly string[];
  readonly lossBehaviours: readonly number[];
  readonly emb: tf.Variable;
  private readonly numUsers: number;

  constructor(
    readonly id: string,
    private readonly data: MultiBehaviourData,
    readonly config: LightGcnConfig,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.behaviours = data.behaviours;
    this.lossBehaviours = [targetIndex(data)];
    this.numUsers = data.numUsers;
    this.emb = xavierVariable(data.numUsers + data.numItems, config.embDim, () => rng.next()); // [N, D]
  }

  variables(): tf.Variable[] {
    return [this.emb];
  }

  sharedVariables(): tf.Variable[] {
    return [this.emb];
  }

  encode(): GraphEncoding {
    const t = targetIndex(this.data);
    const adj = adjacency(
      this.data,
      this.config.graph === "target" ? t : this.data.behaviours.map((_, b) => b),
      "symmetric",
    );
    const layers = lightgcnLayers(adj, this.emb as tf.Tensor2D, this.config.numLayers);
    const final = tf.div(tf.addN(layers), layers.length) as tf.Tensor2D; // [N, D]
    const [u, i] = tf.split(final, [this.numUsers, this.data.numItems], 0) as tf.Tensor2D[];
    return {
      users: [u],
      items: [i],
      layerNorms: meanRowNorms(layers.map((l) => tf.div(l, layers.length) as tf.Tensor2D)),
    };
  }

  score(enc: GraphEncoding, _behaviour: number, users: Int32Array, items: Int32Array): tf.Tensor1D {
    return dot(rows(enc.users[0], users), rows(enc.items[0], items));
  }

  paramCount(): { embedding: number; dense: number } {
    return { embedding: sizeOf([this.emb]), dense: 0 };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  dispose(): void {
    this.emb.dispose();
  }
}

const DEFAULTS: LightGcnConfig = { embDim: 16, numLayers: 3, graph: "target" };

export const LIGHTGCN: GraphModelSpec<LightGcnConfig> = {
  id: "lightgcn",
  name: "LightGCN (target behaviour)",
  reference: "He et al., SIGIR 2020",
  defaults: DEFAULTS,
  presets: { smoke: { numLayers: 2 }, paper: {} },
  requires: () => null,
  build: (d, c, seed) => new LightGcn("lightgcn", d, c, seed),
};

export const LIGHTGCN_MERGED: GraphModelSpec<LightGcnConfig> = {
  ...LIGHTGCN,
  id: "lightgcn-merged",
  name: "LightGCN (all behaviours merged into one graph)",
  defaults: { ...DEFAULTS, graph: "merged" },
  build: (d, c, seed) => new LightGcn("lightgcn-merged", d, c, seed),
};

export const LIGHTGCN_MODELS = {
  lightgcn: defineGraphModel(LIGHTGCN),
  "lightgcn-merged": defineGraphModel(LIGHTGCN_MERGED),
};
