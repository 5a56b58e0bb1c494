/**
 * Multi-domain backbones of HAMUR's experiments (notebook 01-hamur, sections "model" and
 * "evaluate"), each usable with and without the HAMUR adapter by configuration:
 *
 * - `md-mlp`: one MLP tower per domain over the shared field embeddings (official code
 *   `Mlp_2_Layer` / `MLP_adap_2_layer_1_adp`): every row runs through every tower and keeps the
 *   output of its own domain (src/models/layers/routing.ts), so a row's loss reaches only its
 *   domain's tower.
 * - `md-wd`: Wide&Deep. Wide = one shared linear layer over the numeric (dense) features, deep =
 *   one MLP tower per domain over the categorical embeddings (official `WideDeep_MD`: wide over
 *   dense features, deep over sparse ones). The official W&D and DCN reuse one MLP in every
 *   domain's loop (so their "towers" are identical); the kit gives them per-domain towers like
 *   the MLP backbone, which is what a multi-domain backbone means here (README).
 * - `md-dcn`: a shared cross network (DCN eq. 3) over x0 and one deep tower per domain; the
 *   per-domain head reads [cross output, tower output].
 *
 * Towers are Linear→ReLU (→ dropout). The official towers are Linear→BatchNorm→ReLU; the kit
 * leaves batch norm out because it has no running-statistics bookkeeping (a batch norm on batch
 * statistics at evaluation would make a row's score depend on the other rows of its batch); the
 * adapter's domain norm, which the paper defines on batch statistics, is kept (adapter.ts).
 *
 * The adapter (`adapter` config, null = none) sits after the hidden layers listed in
 * `adapter.placement` (1-based), one cell per placement, per domain or shared (`perDomain`); the
 * hyper-network is shared by all domains and placements.
 */
import type { DatasetSchema } from "../../data/schema";
import { labelIndex } from "../../data/schema";
import { tf } from "../../engine/tf";
import { DEFAULT_EMBEDDING, ModelBase } from "../base";
import { CrossNetwork } from "../layers/cross";
import { Dense, dropout } from "../layers/dense";
import { DEFAULT_DOMAIN_AXIS, domainIds, domainMask, numDomains, requiresDomainAxis, selectByDomain } from "../layers/routing";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs } from "../types";
import { AdapterCell, checkAdapterConfig, HyperNetwork, type AdapterConfig } from "./adapter";

/** Config fields every multi-domain model of this package shares. */
export interface MultiDomainConfig extends BaseModelConfig {
  /** Group axis of the schema that gives each row's domain. Default "domain". */
  domainAxis: string;
  /** Label to predict (one head); null = the schema's first label. */
  label: string | null;
}

export type BackboneKind = "mlp" | "wd" | "dcn";

export interface MdBackboneConfig extends MultiDomainConfig {
  /** Hidden widths of each domain's tower. Paper (MovieLens): [256, 128]. */
  hidden: number[];
  /** Dropout after each hidden layer of the towers. Default 0 (official W&D: 0.2). */
  dropout: number;
  /** Cross layers of the shared cross network (md-dcn only; 0 elsewhere). Paper (MovieLens): 2. */
  crossLayers: number;
  /** The HAMUR adapter; null = the plain backbone. */
  adapter: AdapterConfig | null;
}

/** Heads of a multi-domain model: the configured label, or the schema's first. */
export function headOf(schema: DatasetSchema, label: string | null): string[] {
  const name = label ?? schema.labels[0]?.name;
  if (!name) throw new Error(`dataset ${schema.name}: a multi-domain model needs a binary label`);
  labelIndex(schema, name);
  return [name];
}

/** `requires` of every multi-domain model here: a label and the domain axis. */
export function requiresMultiDomain(schema: DatasetSchema, axis = DEFAULT_DOMAIN_AXIS): string | null {
  if (schema.labels.length < 1) return "needs at least one binary label";
  return requiresDomainAxis(schema, axis);
}

/** Flattened categorical embeddings only, [B, F·D] (the deep input of Wide&Deep). */
function flatEmb(inputs: ModelInputs, numFields: number, embDim: number): tf.Tensor2D {
  return tf.reshape(inputs.emb, [inputs.batch.size, numFields * embDim]) as tf.Tensor2D;
}

export class MdBackbone extends ModelBase<MdBackboneConfig> {
  readonly numDomains: number;
  /** towers[d][l]: hidden layer l of domain d's tower. */
  readonly towers: Dense[][];
  /** heads[d]: output layer of domain d. */
  readonly outs: Dense[];
  readonly cross: CrossNetwork | null;
  readonly wide: Dense | null;
  readonly hyper: HyperNetwork | null;
  /** cells[i][g]: adapter cell of placement i for domain g (one entry when shared). */
  readonly cells: AdapterCell[][];
  private readonly shared: tf.Variable[] = [];

  constructor(id: string, readonly kind: BackboneKind, schema: DatasetSchema, config: MdBackboneConfig, seed: number) {
    super(id, schema, config, seed, headOf(schema, config.label));
    const G = numDomains(schema, config.domainAxis);
    this.numDomains = G;
    const x0Dim = this.flatInputDim;
    const towerIn = kind === "wd" ? this.numFields * config.embDim : x0Dim;
    if (kind === "dcn" && !(Number.isInteger(config.crossLayers) && config.crossLayers >= 1)) throw new Error(`${id}: crossLayers must be an integer >= 1, got ${config.crossLayers}`);
    if (config.hidden.length === 0) throw new Error(`${id}: hidden must list at least one tower layer`);
    if (config.adapter) checkAdapterConfig(config.adapter, config.hidden, id);

    // Shared parts first (fixed variable order: shared, towers, adapters).
    this.cross = kind === "dcn" ? this.trackShared(new CrossNetwork(x0Dim, config.crossLayers, this.rng)) : null;
    this.wide = kind === "wd" && this.numNumeric > 0 ? this.trackShared(new Dense(this.numNumeric, 1, this.rng)) : null;
    this.towers = [];
    this.outs = [];
    const outIn = config.hidden[config.hidden.length - 1] + (kind === "dcn" ? x0Dim : 0);
    for (let g = 0; g < G; g++) {
      const layers: Dense[] = [];
      let d = towerIn;
      for (const h of config.hidden) {
        if (!(Number.isInteger(h) && h > 0)) throw new Error(`${id}: hidden widths must be positive integers, got ${h}`);
        layers.push(this.track(new Dense(d, h, this.rng)));
        d = h;
      }
      this.towers.push(layers);
      this.outs.push(this.track(new Dense(outIn, 1, this.rng)));
    }
    const a = config.adapter;
    this.hyper = a && a.hyper ? this.trackShared(new HyperNetwork(x0Dim, a.hyperHidden, a.rank, this.rng)) : null;
    this.cells = [];
    if (a) {
      for (const p of a.placement) {
        const width = config.hidden[p - 1];
        const set: AdapterCell[] = [];
        for (let g = 0; g < (a.perDomain ? G : 1); g++) {
          const cell = new AdapterCell(width, a, this.rng);
          if (a.perDomain) this.track(cell);
          else this.trackShared(cell);
          set.push(cell);
        }
        this.cells.push(set);
      }
    }
  }

  private trackShared<T extends { variables(): tf.Variable[] }>(layer: T): T {
    this.shared.push(...layer.variables());
    return this.track(layer);
  }

  /** Dense variables every domain's output depends on: cross network, wide part, hyper-network, shared adapters. */
  sharedVariables(): tf.Variable[] {
    return this.shared;
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const B = inputs.batch.size;
    const cfg = this.config;
    const ids = domainIds(inputs.batch, this.schema, cfg.domainAxis);
    const x0 = this.flatInput(inputs); // [B, d0]
    const towerIn = this.kind === "wd" ? flatEmb(inputs, this.numFields, cfg.embDim) : x0; // [B, d_in]
    const xc = this.cross ? this.cross.apply(x0) : null; // [B, d0]
    const H = this.hyper ? this.hyper.apply(x0) : null; // [B, k, k]
    const mask = this.cells.length > 0 && cfg.adapter!.domainNorm ? domainMask(ids, this.numDomains) : null; // [B, G]
    const placement = cfg.adapter?.placement ?? [];
    const logits: tf.Tensor1D[] = [];
    const branchNorms: tf.Tensor1D[][] = placement.map(() => []);
    const inputNorms: tf.Tensor1D[][] = placement.map(() => []);
    for (let g = 0; g < this.numDomains; g++) {
      let h = towerIn;
      const maskG = mask ? (tf.slice(mask, [0, g], [B, 1]) as tf.Tensor2D) : null; // [B, 1]
      this.towers[g].forEach((layer, l) => {
        h = dropout(layer.apply(h, "relu"), cfg.dropout, ctx.training, ctx.rng); // [B, h_l]
        const i = placement.indexOf(l + 1);
        if (i >= 0) {
          const cell = this.cells[i][cfg.adapter!.perDomain ? g : 0];
          const { y, branch } = cell.apply(h, H, maskG);
          branchNorms[i].push(tf.norm(branch, "euclidean", 1) as tf.Tensor1D); // [B]
          inputNorms[i].push(tf.norm(h, "euclidean", 1) as tf.Tensor1D); // [B]
          h = y; // [B, h_l]
        }
      });
      const z = xc ? (tf.concat([xc, h], 1) as tf.Tensor2D) : h;
      logits.push(tf.reshape(this.outs[g].apply(z), [B]) as tf.Tensor1D); // [B]
    }
    let logit = selectByDomain(logits, ids); // [B]
    if (this.wide && inputs.num) logit = tf.add(logit, tf.reshape(this.wide.apply(inputs.num), [B])) as tf.Tensor1D;
    const internals: Record<string, tf.Tensor> = {};
    placement.forEach((p, i) => {
      internals[`adapter${p}.branchNorm`] = selectByDomain(branchNorms[i], ids); // [B] ‖adapter branch‖ of the row's own domain
      internals[`adapter${p}.inputNorm`] = selectByDomain(inputNorms[i], ids); // [B] ‖adapter input‖
    });
    return { logits: [logit], internals };
  }
}

/** Default config of a plain multi-domain backbone (MovieLens settings of the official code). */
export function backboneDefaults(kind: BackboneKind): MdBackboneConfig {
  return {
    embDim: 16,
    embedding: DEFAULT_EMBEDDING,
    domainAxis: DEFAULT_DOMAIN_AXIS,
    label: null,
    hidden: [256, 128],
    dropout: kind === "wd" ? 0.2 : 0,
    crossLayers: kind === "dcn" ? 2 : 0,
    adapter: null,
  };
}
