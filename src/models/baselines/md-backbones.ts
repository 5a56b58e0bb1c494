/**
 * Multi-domain backbones of HAMUR's experiments (notebook 01-hamur, sections "model" and
 * "evaluate"), each usable with and without the HAMUR adapter by configuration:
 *
 * - `md-mlp`: one MLP tower per domain over the shared field embeddings (official code
 *   `Mlp_2_Layer` / `MLP_adap_2_layer_1_adp`, where every row runs through every tower and keeps
 *   the output of its own domain). The kit runs each tower on its own domain's rows only
 *   (`partitionByDomain`): the same outputs and gradients at 1/G of the compute, so a row's loss
 *   reaches only its domain's tower.
 * - `md-wd`: Wide&Deep. Wide = one shared linear layer over the numeric (dense) features, deep =
 *   one MLP tower per domain over the categorical embeddings (official `WideDeep_MD`: wide over
 *   dense features, deep over sparse ones). The official W&D and DCN reuse one MLP in every
 *   domain's loop (so their "towers" are identical); the kit gives them per-domain towers like
 *   the MLP backbone, which is what a multi-domain backbone means here (README).
 * - `md-dcn`: a shared cross network (DCN eq. 3) over x0 and one deep tower per domain; the
 *   per-domain head reads [cross output, tower output].
 *
 * Towers are Linear→ReLU (→ dropout), or with `batchNorm` the official Linear→BatchNorm→ReLU
 * (→ dropout) blocks with running statistics for evaluation (layers/batch-norm.ts), in the towers
 * and the hyper-network. The adapter's domain norm, which the paper defines on batch statistics,
 * has none (adapter.ts).
 *
 * Options that reproduce the official code (all off by default, so the existing presets keep
 * their numbers; HAMUR's `official` preset, src/papers/hamur/spec.ts, sets them):
 * - `towers: "shared"`: one tower for all domains (official W&D and DCN);
 * - `towerRows: "all"`: every row runs through every tower and keeps its own domain's output
 *   (`selectByDomain`); BatchNorm and the adapter's domain norm then take their statistics over
 *   the whole mixed batch, as in the official code. "domain" (default) is partition routing;
 * - `batchNorm: true` (requires `towerRows: "all"`: a domain's block of a batch can be one row).
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
import { BatchNorm } from "../layers/batch-norm";
import {
  DEFAULT_DOMAIN_AXIS,
  domainIds,
  numDomains,
  requiresDomainAxis,
  selectByDomain,
} from "../layers/routing";
import type {
  BaseModelConfig,
  ForwardOutput,
  ModelContext,
  ModelInputs,
  ModelSpec,
  PaperRef,
} from "../types";
import { AdapterCell, checkAdapterConfig, HyperNetwork, type AdapterConfig } from "../layers/hyper-adapter";

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
  /**
   * One tower per domain ("per-domain", default) or one tower shared by all domains ("shared": the
   * official W&D and DCN reuse one MLP in every domain's loop).
   */
  towers: "per-domain" | "shared";
  /**
   * Rows each tower runs on: "domain" (default, partition routing: its own domain's rows) or "all"
   * (official code: every row through every tower, the row's own domain's output kept, so batch
   * norm and domain norm see the whole mixed batch).
   */
  towerRows: "domain" | "all";
  /** Linear→BatchNorm→ReLU in towers and hyper-network (official code). Default false. Needs towerRows "all". */
  batchNorm: boolean;
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

export class MdBackbone extends ModelBase<MdBackboneConfig> {
  readonly numDomains: number;
  /** towers[t][l]: hidden layer l of tower t (one tower per domain, or one shared). */
  readonly towers: Dense[][];
  /** norms[t][l]: BatchNorm after hidden layer l of tower t (empty without `batchNorm`). */
  readonly norms: BatchNorm[][];
  /** outs[t]: output layer of tower t. */
  readonly outs: Dense[];
  readonly cross: CrossNetwork | null;
  readonly wide: Dense | null;
  readonly hyper: HyperNetwork | null;
  /** cells[i][g]: adapter cell of placement i for domain g (one entry when shared). */
  readonly cells: AdapterCell[][];
  private readonly shared: tf.Variable[] = [];

  constructor(
    id: string,
    readonly kind: BackboneKind,
    schema: DatasetSchema,
    config: MdBackboneConfig,
    seed: number,
  ) {
    super(id, schema, config, seed, headOf(schema, config.label));
    const G = numDomains(schema, config.domainAxis);
    this.numDomains = G;
    const x0Dim = this.flatInputDim;
    const towerIn = kind === "wd" ? this.numFields * config.embDim : x0Dim;
    if (kind === "dcn" && !(Number.isInteger(config.crossLayers) && config.crossLayers >= 1))
      throw new Error(`${id}: crossLayers must be an integer >= 1, got ${config.crossLayers}`);
    if (config.hidden.length === 0) throw new Error(`${id}: hidden must list at least one tower layer`);
    if (config.adapter) checkAdapterConfig(config.adapter, config.hidden, id);
    if (config.towers !== "per-domain" && config.towers !== "shared")
      throw new Error(`${id}: towers must be "per-domain" or "shared", got ${String(config.towers)}`);
    if (config.towerRows !== "domain" && config.towerRows !== "all")
      throw new Error(`${id}: towerRows must be "domain" or "all", got ${String(config.towerRows)}`);
    if (config.towerRows === "all" && config.towers === "shared" && config.adapter?.perDomain)
      throw new Error(`${id}: per-domain adapters on a shared tower need towerRows "domain"`);
    if (config.batchNorm && config.towerRows !== "all")
      throw new Error(
        `${id}: batchNorm needs towerRows "all" (with "domain" a domain's block of a batch can be a single row)`,
      );

    // Shared parts first (fixed variable order: shared, towers, adapters).
    this.cross =
      kind === "dcn" ? this.trackShared(new CrossNetwork(x0Dim, config.crossLayers, this.rng)) : null;
    this.wide =
      kind === "wd" && this.numNumeric > 0 ? this.trackShared(new Dense(this.numNumeric, 1, this.rng)) : null;
    this.towers = [];
    this.norms = [];
    this.outs = [];
    const outIn = config.hidden[config.hidden.length - 1] + (kind === "dcn" ? x0Dim : 0);
    const sharedTower = config.towers === "shared";
    for (let t = 0; t < (sharedTower ? 1 : G); t++) {
      const layers: Dense[] = [];
      const norms: BatchNorm[] = [];
      let d = towerIn;
      for (const h of config.hidden) {
        if (!(Number.isInteger(h) && h > 0))
          throw new Error(`${id}: hidden widths must be positive integers, got ${h}`);
        const dense = new Dense(d, h, this.rng);
        layers.push(sharedTower ? this.trackShared(dense) : this.track(dense));
        if (config.batchNorm)
          norms.push(sharedTower ? this.trackShared(new BatchNorm(h)) : this.track(new BatchNorm(h)));
        d = h;
      }
      this.towers.push(layers);
      this.norms.push(norms);
      const out = new Dense(outIn, 1, this.rng);
      this.outs.push(sharedTower ? this.trackShared(out) : this.track(out));
    }
    const a = config.adapter;
    this.hyper =
      a && a.hyper
        ? this.trackShared(new HyperNetwork(x0Dim, a.hyperHidden, a.rank, this.rng, config.batchNorm))
        : null;
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

  /** Tower of domain g. */
  private towerOf(g: number): number {
    return this.config.towers === "shared" ? 0 : g;
  }

  /** Hidden layer l of tower t on h: Linear→ReLU, or Linear→BatchNorm→ReLU, then dropout. */
  private block(t: number, l: number, h: tf.Tensor2D, ctx: ModelContext): tf.Tensor2D {
    const layer = this.towers[t][l];
    const norm = this.norms[t][l];
    const pre = norm
      ? (tf.relu(norm.apply(layer.apply(h), ctx.training)) as tf.Tensor2D)
      : layer.apply(h, "relu"); // [n, h_l]
    return dropout(pre, this.config.dropout, ctx.training, ctx.rng);
  }

  /** Dense variables every domain's output depends on: cross network, wide part, hyper-network, shared adapters and towers. */
  sharedVariables(): tf.Variable[] {
    return this.shared;
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    if (this.config.towerRows === "all") return this.forwardAllRows(inputs, ctx);
    const B = inputs.batch.size;
    const cfg = this.config;
    const ids = domainIds(inputs.batch, this.schema, cfg.domainAxis);
    const part = partitionByDomain(ids, this.numDomains);
    const order = part.order;
    // Everything row-wise runs on the batch sorted by domain (one row permutation of the inputs,
    // fused with the flattening), so each domain's rows are one contiguous block; the logits are
    // put back in row order at the end.
    const num = inputs.num;
    const x0 = takeRows([inputs.emb, ...(num ? [num] : [])], order); // [B, d0], sorted by domain
    const towerIn = this.kind === "wd" ? (num ? takeRows([inputs.emb], order) : x0) : x0; // [B, d_in]
    const xc = this.cross ? this.cross.apply(x0) : null; // [B, d0]
    const H = this.hyper ? this.hyper.apply(x0) : null; // [B, k·k]
    const k = cfg.adapter?.rank ?? 0;
    const stats = !ctx.training; // adapter norms for the figures, at evaluation only
    const placement = cfg.adapter?.placement ?? [];
    const present = part.idx.map((r) => r.length > 0);
    const sizes = part.idx.filter((r) => r.length > 0).map((r) => r.length);
    const split = <T extends tf.Tensor>(t: T | null): (T | null)[] => {
      if (!t) return part.idx.map(() => null);
      const blocks = sizes.length === 1 ? [t] : (tf.split(t, sizes, 0) as T[]);
      let at = 0;
      // An absent domain runs on row 0 and enters the output with weight 0 (see partitionByDomain).
      return present.map((p) => (p ? blocks[at++] : (tf.slice(t, [0, 0], [1, -1]) as T)));
    };
    const towerIns = split(towerIn);
    const xcs = split(xc);
    const Hs = split(H);
    const pieces: tf.Tensor1D[] = [];
    const branchNorms: tf.Tensor1D[][] = placement.map(() => []);
    const inputNorms: tf.Tensor1D[][] = placement.map(() => []);
    const absent: tf.Scalar[] = [];
    for (let g = 0; g < this.numDomains; g++) {
      let h = towerIns[g] as tf.Tensor2D; // [n_g, d_in]
      const n = h.shape[0];
      const Hg = Hs[g] ? (tf.reshape(Hs[g]!, [n, k, k]) as tf.Tensor3D) : null; // [n_g, k, k]
      const t = this.towerOf(g);
      this.towers[t].forEach((_, l) => {
        h = this.block(t, l, h, ctx); // [n_g, h_l]
        const i = placement.indexOf(l + 1);
        if (i >= 0) {
          const cell = this.cells[i][cfg.adapter!.perDomain ? g : 0];
          const { y, branch } = cell.apply(h, Hg, null); // domain norm over this domain's rows
          if (stats && present[g]) {
            branchNorms[i].push(tf.norm(branch, "euclidean", 1) as tf.Tensor1D); // [n_g]
            inputNorms[i].push(tf.norm(h, "euclidean", 1) as tf.Tensor1D); // [n_g]
          }
          h = y; // [n_g, h_l]
        }
      });
      const z = xcs[g] ? (tf.concat([xcs[g]!, h], 1) as tf.Tensor2D) : h; // [n_g, ·]
      const out = tf.reshape(this.outs[t].apply(z), [n]) as tf.Tensor1D; // [n_g]
      if (present[g]) pieces.push(out);
      else absent.push(tf.mul(tf.sum(out), 0) as tf.Scalar);
    }
    const inv = part.inverse;
    const unsort = (ts: tf.Tensor1D[]) =>
      tf.reshape(takeRows([ts.length === 1 ? ts[0] : tf.concat(ts, 0)], inv), [B]) as tf.Tensor1D; // [B] back in row order
    let logit = unsort(pieces);
    if (absent.length > 0) logit = tf.add(logit, tf.addN(absent)) as tf.Tensor1D;
    if (this.wide && num) logit = tf.add(logit, tf.reshape(this.wide.apply(num), [B])) as tf.Tensor1D;
    const internals: Record<string, tf.Tensor> = {};
    if (stats)
      placement.forEach((p, i) => {
        internals[`adapter${p}.branchNorm`] = unsort(branchNorms[i]); // [B] ‖adapter branch‖, own domain
        internals[`adapter${p}.inputNorm`] = unsort(inputNorms[i]); // [B] ‖adapter input‖
      });
    return { logits: [logit], internals };
  }

  /**
   * `towerRows: "all"` (official code): every tower runs on the whole batch in row order and each
   * row keeps the output of its own domain's tower (`selectByDomain`; a shared tower's output is
   * every row's). BatchNorm and the adapter's domain norm take their statistics over all rows of
   * the batch; a row's loss reaches the other domains' towers only through those statistics.
   */
  private forwardAllRows(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const B = inputs.batch.size;
    const cfg = this.config;
    const ids = domainIds(inputs.batch, this.schema, cfg.domainAxis);
    const num = inputs.num;
    const flat = tf.reshape(inputs.emb, [B, this.numFields * cfg.embDim]) as tf.Tensor2D; // [B, F*D]
    const x0 = num ? (tf.concat([flat, num], 1) as tf.Tensor2D) : flat; // [B, d0]
    const towerIn = this.kind === "wd" ? flat : x0; // [B, d_in]
    const xc = this.cross ? this.cross.apply(x0) : null; // [B, d0]
    const k = cfg.adapter?.rank ?? 0;
    const H = this.hyper ? (tf.reshape(this.hyper.apply(x0, ctx.training), [B, k, k]) as tf.Tensor3D) : null; // [B, k, k]
    const stats = !ctx.training;
    const placement = cfg.adapter?.placement ?? [];
    const outs: tf.Tensor1D[] = [];
    const branchNorms: tf.Tensor1D[][] = placement.map(() => []);
    const inputNorms: tf.Tensor1D[][] = placement.map(() => []);
    this.towers.forEach((tower, t) => {
      let h = towerIn;
      tower.forEach((_, l) => {
        h = this.block(t, l, h, ctx); // [B, h_l]
        const i = placement.indexOf(l + 1);
        if (i >= 0) {
          const cell = this.cells[i][cfg.adapter!.perDomain ? t : 0];
          const { y, branch } = cell.apply(h, H, null); // domain norm over the whole batch
          if (stats) {
            branchNorms[i].push(tf.norm(branch, "euclidean", 1) as tf.Tensor1D); // [B]
            inputNorms[i].push(tf.norm(h, "euclidean", 1) as tf.Tensor1D); // [B]
          }
          h = y;
        }
      });
      const z = xc ? (tf.concat([xc, h], 1) as tf.Tensor2D) : h; // [B, ·]
      outs.push(tf.reshape(this.outs[t].apply(z), [B]) as tf.Tensor1D); // [B]
    });
    let logit = selectByDomain(outs, ids); // [B], own domain's tower
    if (this.wide && num) logit = tf.add(logit, tf.reshape(this.wide.apply(num), [B])) as tf.Tensor1D;
    const internals: Record<string, tf.Tensor> = {};
    if (stats)
      placement.forEach((p, i) => {
        internals[`adapter${p}.branchNorm`] = selectByDomain(branchNorms[i], ids); // [B]
        internals[`adapter${p}.inputNorm`] = selectByDomain(inputNorms[i], ids); // [B]
      });
    return { logits: [logit], internals };
  }
}

/**
 * Rows `order` of the column concatenation of `parts` (each read as [B, ·]: a [B, F, D] embedding
 * block is flattened), as one [B, Σ width] tensor: out[i] = [parts[0][order[i]] ‖ parts[1][order[i]] ‖ …].
 * `order` must be a permutation of 0..B-1; the gradient is the inverse permutation (a row copy
 * back into each part's shape). Same values and gradients as tf.gather(tf.concat(flattened parts,
 * 1), order), as one typed-array copy each way: on the tfjs CPU backend, gather's gradient goes
 * through two generic (identity) transposes and a segment sum, and the column concat copies
 * element by element, which made up most of a multi-domain training step.
 */
export function takeRows(parts: tf.Tensor[], order: Int32Array): tf.Tensor2D {
  const B = order.length;
  const widths = parts.map((t) => {
    if (t.shape[0] !== B)
      throw new Error(`takeRows: part of shape [${t.shape}] has ${t.shape[0]} rows, order has ${B}`);
    return t.size / B;
  });
  const W = widths.reduce((a, b) => a + b, 0);
  const offs = widths.map((_, j) => widths.slice(0, j).reduce((a, b) => a + b, 0));
  const shapes = parts.map((t) => t.shape);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const out = new Float32Array(B * W);
    (args.slice(0, parts.length) as tf.Tensor[]).forEach((t, j) => {
      const v = t.dataSync() as Float32Array;
      const w = widths[j];
      const o = offs[j];
      for (let i = 0; i < B; i++) out.set(v.subarray(order[i] * w, order[i] * w + w), i * W + o);
    });
    return {
      value: tf.tensor2d(out, [B, W]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        return widths.map((w, j) => {
          const o = offs[j];
          const dx = new Float32Array(B * w);
          for (let i = 0; i < B; i++) dx.set(g.subarray(i * W + o, i * W + o + w), order[i] * w);
          return tf.tensor(dx, shapes[j]);
        });
      },
    };
  });
  return f(...parts) as tf.Tensor2D;
}

/** Rows of each domain and the permutation back to row order. */
export interface DomainPartition {
  /** idx[g]: the batch rows of domain g, ascending. */
  idx: Int32Array[];
  /** inverse[b]: position of row b in the concatenation idx[0] ++ idx[1] ++ ... */
  inverse: Int32Array;
  /** order = idx[0] ++ idx[1] ++ ...: the batch rows sorted by domain (order[inverse[b]] = b). */
  order: Int32Array;
}

/**
 * Partition routing: each domain's tower runs only on its own rows (the batch is sorted by domain
 * once with `takeRows(…, order)` and split into contiguous blocks), and the outputs are put back
 * in row order with the inverse permutation. Same result as the mask routing of
 * src/models/layers/routing.ts (a row reads and back-propagates into its own domain only), at
 * 1/G of the tower compute, and the adapter's domain norm sees exactly the domain's rows. tfjs's
 * valueAndGrads rejects variables that are off the tape, so the forward pass keeps a domain that
 * is absent from a batch on the tape with weight 0 (its gradient is exactly zero).
 */
export function partitionByDomain(ids: Int32Array, numGroups: number): DomainPartition {
  const counts = new Int32Array(numGroups);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  const idx = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numGroups);
  for (let i = 0; i < ids.length; i++) idx[ids[i]][fill[ids[i]]++] = i;
  const inverse = new Int32Array(ids.length);
  const order = new Int32Array(ids.length);
  let at = 0;
  for (const rows of idx) for (const r of rows) ((order[at] = r), (inverse[r] = at++));
  return { idx, inverse, order };
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
    towers: "per-domain",
    towerRows: "domain",
    batchNorm: false,
  };
}

/** HAMUR (CIKM 2023), whose experiments define these backbones (PAPERS.md §1). */
export const HAMUR_PAPER: PaperRef = {
  title: "HAMUR: Hyper Adapter for Multi-Domain Recommendation",
  venue: "CIKM 2023",
  url: "https://arxiv.org/abs/2309.06217",
};

const BACKBONE_NAMES: Record<BackboneKind, string> = { mlp: "MLP", wd: "Wide&Deep", dcn: "DCN" };

/** Smoke towers of every multi-domain baseline. */
export const MD_SMOKE_TOWERS = { hidden: [64, 32] };

/**
 * The spec of a multi-domain backbone: `md-<kind>` without adapter, `hamur-<kind>` with the given
 * adapter per profile (paper = defaults, smoke = the preset).
 */
export function mdBackboneSpec(
  kind: BackboneKind,
  adapter: { paper: AdapterConfig; smoke: AdapterConfig } | null = null,
): ModelSpec<MdBackboneConfig> {
  const id = `${adapter ? "hamur" : "md"}-${kind}`;
  const defaults: MdBackboneConfig = { ...backboneDefaults(kind), adapter: adapter ? adapter.paper : null };
  return {
    id,
    name: adapter ? `${BACKBONE_NAMES[kind]} + HAMUR` : `multi-domain ${BACKBONE_NAMES[kind]}`,
    paper: HAMUR_PAPER,
    task: "multi-domain",
    defaults,
    presets: {
      smoke: { ...MD_SMOKE_TOWERS, ...(adapter ? { adapter: adapter.smoke } : {}) },
      paper: {},
    },
    requires: (schema: DatasetSchema) => requiresMultiDomain(schema),
    build: (schema, config, seed) => new MdBackbone(id, kind, schema, config, seed),
  };
}

export const MD_MLP = mdBackboneSpec("mlp");
export const MD_WD = mdBackboneSpec("wd");
export const MD_DCN = mdBackboneSpec("dcn");
