/**
 * HierRec: Scenario-Aware Hierarchical Modeling for Multi-scenario Recommendations (Gao, Zhao,
 * Guo, Dai, Chen, Tang, ...; CIKM 2024, arXiv 2309.02061). Notebook 02-hierrec, section "model".
 *
 * The network, following the official code (model/HierRec.py, utils/layers.py; shapes for the
 * defaults in brackets, F = non-scenario fields, D = 16, H = 4 heads):
 *
 *   1. Field embeddings E [B, F, D] (kit tables) for every categorical field except the scenario
 *      field; the scenario embedding s [B, ds] is looked up in a small dense table
 *      `scenarioEmb` [S, ds] (a tf.Variable: S is a handful of scenarios).
 *   2. Base DNN: flatten E (+ numeric features) -> MLP `baseHidden` -> x [B, 64].
 *   3. Explicit scenario module: linear maps of s generate W1 [64, 16], b1 [16], W2 [16, 64],
 *      b2 [64] per row; x_e = (x·W1 + b1)·W2 + b2 [B, 64] (no activation in between, as in the
 *      code). It also generates the heads' field weights: s is cut into H chunks of ds/H dims and
 *      chunk h -> Linear(ds/H -> F) -> softmax over fields gives a_h [B, F].
 *   4. Implicit (multi-head) scenario module, head h: E_h = E ⊙ a_h (field re-weighting), a
 *      one-head self-attention across fields (dim D, dropout on the attention weights), flatten
 *      [B, F·D], linear maps generate per-instance W1_h [64, 16], b1_h, W2_h [16, 64], b2_h,
 *      applied to x_e: z_h = (x_e·W1_h + b1_h)·W2_h + b2_h [B, 64]. The attention and the weight
 *      generators are shared by the heads (as in the code); heads differ through a_h.
 *   5. Concat z_1..z_H [B, H·64] -> MLP `outputHidden` [64, 64] -> Linear -> 1 logit.
 *
 * The hierarchy: the implicit heads act on the explicit module's output (code: x after the
 * explicit layers feeds the implicit layers), so the implicit module refines within a scenario.
 *
 * Design decisions (also in the package README):
 * - Scenario field. The scenario id comes from the schema's group axis `scenarioAxis` (the
 *   routing convention of layers/routing.ts). If the schema also has a categorical feature of
 *   that name, it is left out of E (its kit table still exists but receives no gradient): the
 *   scenario enters only through s, as in the code where field 0 is split off before embedding.
 * - Generated weights = static part + generated part: every generator is a Linear whose bias is
 *   initialised like an ordinary layer of the generated shape (Glorot) and whose weight maps the
 *   scenario / instance to a deviation from it. The PyTorch generators start from a non-zero bias
 *   too (its default init); ours makes the "static" ablation exactly the generator's bias alone.
 * - BatchNorm (`batchNorm`): the official MLPs (utils/layers.py MultiLayerPerceptron: the base DNN,
 *   out_trans and dnn3) are Linear -> BatchNorm1d -> Dropout -> ReLU; with `batchNorm: true` ours
 *   are Linear -> BatchNorm1d -> ReLU -> Dropout (the same function: dropout's 0/scale mask commutes
 *   with ReLU), with batch statistics in training and running statistics in evaluation
 *   (layers/batch-norm.ts, PyTorch semantics). The `official` preset (spec.ts) sets it; the kit's
 *   default (false) is the labelled "no-bn" ablation.
 * - Numeric features (the code has none) join the base DNN's input only.
 * - Ablations (config, see `ABLATIONS` in experiment.ts):
 *   `explicit: false` removes everything that reads the scenario id: no explicit layers, and the
 *   heads' field weights become learned per-head logits shared by all scenarios (random init, so
 *   the heads are not symmetric). `implicit: false` feeds x_e straight to the output MLP.
 *   `explicitWeights` / `implicitWeights: "static"` replace generated weights by learned weights
 *   shared by all instances (one set per head for the implicit module); with a static explicit
 *   module, s is appended to the base DNN's input so the model still knows the scenario (C1 then
 *   compares how the scenario is used, not whether it is seen). A static implicit module does not
 *   read E (no re-weighting or attention: nothing would use them).
 */
import type { Batch, DatasetSchema } from "../../data/schema";
import { categoricalFeatures } from "../../data/schema";
import type { Rng } from "../../engine/rng";
import { ownedVariable, tf } from "../../engine/tf";
import { ModelBase } from "../../models/base";
import { Dense, dropout, glorotUniform } from "../../models/layers/dense";
import { Mlp } from "../../models/layers/mlp";
import { DEFAULT_DOMAIN_AXIS, domainIds, domainMask, numDomains } from "../../models/layers/routing";
import type { BaseModelConfig, ForwardOutput, ModelContext, ModelInputs } from "../../models/types";

export type WeightMode = "generated" | "static";

export interface HierRecConfig extends BaseModelConfig {
  /** Group axis holding each row's scenario id (routing convention). Default "domain". */
  scenarioAxis: string;
  /** Width ds of the scenario embedding s; must be divisible by `numHeads`. Default 16 (code: = embDim). */
  scenarioEmbDim: number;
  /** Hidden widths of the base DNN (code mlp_dims[0]). Default [64]. */
  baseHidden: number[];
  /** Widths [hidden, out] of the two generated explicit layers (code mlp_dims[1]). Default [16, 64]. */
  explicitDims: number[];
  /** Widths [hidden, out] of each head's two generated layers (code mlp_dims[2]). Default [16, 64]. */
  implicitDims: number[];
  /** Number of implicit heads H (code im_num). Default 4. */
  numHeads: number;
  /** Hidden widths of the output MLP on the concatenated heads (code out_trans + dnn3). Default [64, 64]. */
  outputHidden: number[];
  /** Dropout of the MLPs and of the self-attention weights. Default 0.2. */
  dropout: number;
  /**
   * BatchNorm1d (running statistics in evaluation) after every hidden Linear of the base DNN and
   * the output MLP, as the official MultiLayerPerceptron. Default false (kit variant, ablation
   * "no-bn"); the `official` preset sets true.
   */
  batchNorm: boolean;
  /** Use the explicit scenario module (ablation "no-explicit" sets false). Default true. */
  explicit: boolean;
  /** Use the implicit multi-head module (ablation "no-implicit" sets false). Default true. */
  implicit: boolean;
  /** Explicit layers' weights generated from s, or static (shared by all rows). Default "generated". */
  explicitWeights: WeightMode;
  /** Implicit heads' weights generated per instance, or static (one set per head). Default "generated". */
  implicitWeights: WeightMode;
}

/** A Dense layer whose bias starts as a Glorot-initialised [rows, cols] matrix (the generated weight's static part). */
function generator(inDim: number, rows: number, cols: number, rng: Rng): Dense {
  const d = new Dense(inDim, rows * cols, rng);
  tf.tidy(() => d.b!.assign(tf.tensor1d(glorotUniform(rows, cols, rng))));
  return d;
}

/** A learned variable initialised Glorot-uniform with fan-in / fan-out (`shape` is only the layout). */
function glorotVar(fanIn: number, fanOut: number, shape: number[], rng: Rng, copies = 1): tf.Variable {
  const a = new Float32Array(fanIn * fanOut * copies);
  for (let c = 0; c < copies; c++) a.set(glorotUniform(fanIn, fanOut, rng), c * fanIn * fanOut);
  return ownedVariable(tf.tensor(a, shape));
}

function positiveInts(name: string, v: unknown, len?: number): number[] {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every((x) => Number.isInteger(x) && x > 0) ||
    (len !== undefined && v.length !== len)
  ) {
    throw new Error(
      `hierrec config: ${name} must be ${len ? `${len} positive integers` : "a non-empty list of positive integers"}, got ${JSON.stringify(v)}`,
    );
  }
  return v as number[];
}

/**
 * [R, n, cols]: every row of t repeated n times. A matmul with ones (broadcasting tile / mul
 * gradients are slow on tfjs's CPU backend; matmuls run on the native kernels).
 */
function repeatRows(t: tf.Tensor2D, n: number): tf.Tensor3D {
  const [R, C] = t.shape;
  return tf.matMul(tf.ones([R, n, 1]) as tf.Tensor3D, tf.reshape(t, [R, 1, C]) as tf.Tensor3D); // [R, n, C]
}

/**
 * Softmax over the last axis from elementwise ops, with its closed-form gradient
 * dx = y ⊙ (dy − Σ dy ⊙ y) (tfjs's CPU softmax kernel, and the gradient of the max shift, are slow
 * on many short rows).
 */
export const softmaxLast = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const e = tf.exp(tf.sub(x, tf.max(x, -1, true)));
  const y = tf.div(e, tf.sum(e, -1, true));
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.mul(saved[0], tf.sub(dy, tf.sum(tf.mul(dy, saved[0]), -1, true))),
  };
}) as never) as unknown as (x: tf.Tensor3D) => tf.Tensor3D;

/** Variables of a group of layers, for ModelBase.track. */
const group = (vars: tf.Variable[]) => ({ variables: () => vars });

export class HierRecModel extends ModelBase<HierRecConfig> {
  /** Number of scenarios S (groups on `scenarioAxis`). */
  readonly numScenarios: number;
  /** Names of the fields the model embeds (the scenario field excluded). */
  readonly fieldNames: string[];
  /** Scenario names for figures. */
  readonly scenarioNames: string[];
  /** Index (into the schema's categorical features) of the excluded scenario field, or -1. */
  readonly scenarioField: number;
  /** Field weights a_h per scenario at initialisation [S][H][F] (null when no heads read fields). */
  readonly initialFieldWeights: number[][][] | null;

  /** [Fall·D, F·D] 0/1 matrix dropping the scenario field from the flattened embeddings; null when there is none. */
  private readonly selectFlat: Float32Array | null;
  private readonly F: number;
  private readonly D: number;
  private readonly scenarioEmb: tf.Variable | null;
  private readonly base: Mlp;
  private readonly exGen: { w1: Dense; b1: Dense; w2: Dense; b2: Dense } | null = null;
  private readonly exStatic: { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable } | null =
    null;
  private readonly headField: Dense[] = [];
  private readonly headLogits: tf.Variable | null = null;
  private readonly att: { qkv: Dense; o: Dense } | null = null;
  private readonly imGen: { w1: Dense; b1: Dense; w2: Dense; b2: Dense } | null = null;
  private readonly imStatic: { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable } | null =
    null;
  private readonly out: Mlp;
  private readonly xDim: number;
  private readonly exDim: number;

  constructor(schema: DatasetSchema, config: HierRecConfig, seed: number) {
    super("hierrec", schema, config, seed);
    const c = config;
    const axis = c.scenarioAxis ?? DEFAULT_DOMAIN_AXIS;
    this.numScenarios = numDomains(schema, axis);
    const g = schema.groups.find((x) => x.name === axis)!;
    this.scenarioNames = g.names ?? Array.from({ length: this.numScenarios }, (_, i) => `${axis} ${i}`);
    if (!(Number.isInteger(c.numHeads) && c.numHeads > 0))
      throw new Error(`hierrec config: numHeads must be a positive integer, got ${c.numHeads}`);
    if (!(c.dropout >= 0 && c.dropout < 1))
      throw new Error(`hierrec config: dropout must be in [0, 1), got ${c.dropout}`);
    if (typeof c.batchNorm !== "boolean")
      throw new Error(`hierrec config: batchNorm must be true or false, got ${JSON.stringify(c.batchNorm)}`);
    for (const k of ["explicitWeights", "implicitWeights"] as const) {
      if (c[k] !== "generated" && c[k] !== "static")
        throw new Error(`hierrec config: ${k} must be "generated" or "static", got ${JSON.stringify(c[k])}`);
    }
    const baseHidden = positiveInts("baseHidden", c.baseHidden);
    const [e1, e2] = positiveInts("explicitDims", c.explicitDims, 2);
    const [i1, i2] = positiveInts("implicitDims", c.implicitDims, 2);
    const outputHidden = positiveInts("outputHidden", c.outputHidden);
    const H = c.numHeads;
    const useS = c.explicit;
    const ds = c.scenarioEmbDim;
    if (useS && !(Number.isInteger(ds) && ds > 0))
      throw new Error(`hierrec config: scenarioEmbDim must be a positive integer, got ${ds}`);
    const headsReadFields = c.implicit && c.implicitWeights === "generated";
    if (useS && headsReadFields && ds % H !== 0) {
      throw new Error(
        `hierrec config: scenarioEmbDim (${ds}) must be divisible by numHeads (${H}): head h reads chunk h of s (code: 'embed_dim % im_num' must be an integer)`,
      );
    }

    const cats = categoricalFeatures(schema);
    this.scenarioField = cats.findIndex((f) => f.name === axis);
    const keep = cats.map((_, i) => i).filter((i) => i !== this.scenarioField);
    if (keep.length === 0)
      throw new Error(
        `hierrec: ${schema.name} has no categorical field besides the scenario field "${axis}"`,
      );
    const Fall = cats.length;
    if (keep.length === Fall) {
      this.selectFlat = null;
    } else {
      const sel = new Float32Array(Fall * c.embDim * keep.length * c.embDim);
      keep.forEach((f, j) => {
        for (let k = 0; k < c.embDim; k++)
          sel[(f * c.embDim + k) * keep.length * c.embDim + j * c.embDim + k] = 1;
      });
      this.selectFlat = sel;
    }
    this.fieldNames = keep.map((i) => cats[i].name);
    this.F = keep.length;
    this.D = c.embDim;
    const F = this.F;
    const D = this.D;
    const rng = this.rng;

    // Parameters are created (and tracked) in a fixed order: checkpoints restore by position.
    this.scenarioEmb = useS
      ? ownedVariable(tf.tensor2d(glorotUniform(this.numScenarios, ds, rng), [this.numScenarios, ds]))
      : null;
    if (this.scenarioEmb) this.track(group([this.scenarioEmb]));
    const baseIn = F * D + this.numNumeric + (useS && c.explicitWeights === "static" ? ds : 0);
    const bn = c.batchNorm === true;
    this.base = this.track(new Mlp(baseIn, { hidden: baseHidden, dropout: c.dropout, batchNorm: bn }, rng));
    this.xDim = this.base.outDim;
    if (c.explicit) {
      if (c.explicitWeights === "generated") {
        this.exGen = {
          w1: generator(ds, this.xDim, e1, rng),
          b1: new Dense(ds, e1, rng),
          w2: generator(ds, e1, e2, rng),
          b2: new Dense(ds, e2, rng),
        };
        this.track(group(Object.values(this.exGen).flatMap((d) => d.variables())));
      } else {
        this.exStatic = {
          w1: glorotVar(this.xDim, e1, [this.xDim, e1], rng),
          b1: ownedVariable(tf.zeros([e1])),
          w2: glorotVar(e1, e2, [e1, e2], rng),
          b2: ownedVariable(tf.zeros([e2])),
        };
        this.track(group(Object.values(this.exStatic)));
      }
      this.exDim = e2;
    } else {
      this.exDim = this.xDim;
    }
    if (headsReadFields) {
      if (c.explicit) {
        for (let h = 0; h < H; h++) this.headField.push(this.track(new Dense(ds / H, F, rng)));
      } else {
        const logits = new Float32Array(H * F);
        for (let i = 0; i < logits.length; i++) logits[i] = 0.1 * rng.normal();
        this.headLogits = ownedVariable(tf.tensor2d(logits, [H, F]));
        this.track(group([this.headLogits]));
      }
      // Q, K, V projections as one [D, 3D] matrix (PyTorch in_proj_weight), then the output projection.
      this.att = { qkv: new Dense(D, 3 * D, rng), o: new Dense(D, D, rng) };
      this.track(group(Object.values(this.att).flatMap((d) => d.variables())));
      this.imGen = {
        w1: generator(F * D, this.exDim, i1, rng),
        b1: new Dense(F * D, i1, rng),
        w2: generator(F * D, i1, i2, rng),
        b2: new Dense(F * D, i2, rng),
      };
      this.track(group(Object.values(this.imGen).flatMap((d) => d.variables())));
    } else if (c.implicit) {
      this.imStatic = {
        w1: glorotVar(this.exDim, i1, [H, this.exDim, i1], rng, H),
        b1: ownedVariable(tf.zeros([H, 1, i1])),
        w2: glorotVar(i1, i2, [H, i1, i2], rng, H),
        b2: ownedVariable(tf.zeros([H, 1, i2])),
      };
      this.track(group(Object.values(this.imStatic)));
    }
    const zDim = c.implicit ? H * i2 : this.exDim;
    this.out = this.track(
      new Mlp(zDim, { hidden: outputHidden, dropout: c.dropout, output: 1, batchNorm: bn }, rng),
    );
    this.initialFieldWeights = headsReadFields ? this.fieldWeightsByScenario() : null;
  }

  /** Scenario id of every row of the batch (checked against the axis size). */
  scenarioIds(batch: Batch): Int32Array {
    return domainIds(batch, this.schema, this.config.scenarioAxis);
  }

  /** [S, H, F]: the heads' field weights a_h for every scenario (softmax over fields). */
  private fieldWeightTable(): tf.Tensor3D {
    const H = this.config.numHeads;
    if (this.headLogits)
      return tf.tile(tf.expandDims(tf.softmax(this.headLogits, -1), 0), [
        this.numScenarios,
        1,
        1,
      ]) as tf.Tensor3D;
    const s = this.scenarioEmb! as tf.Tensor2D; // [S, ds]
    const chunk = this.config.scenarioEmbDim / H;
    const per = this.headField.map((d, h) =>
      d.apply(tf.slice(s, [0, h * chunk], [-1, chunk]) as tf.Tensor2D),
    ); // H x [S, F]
    return tf.softmax(tf.stack(per, 1), -1) as tf.Tensor3D; // [S, H, F]
  }

  /**
   * The heads' field weights a_h per scenario as plain arrays [S][H][F] (what the heatmap shows).
   * They depend on the scenario only, not on the row. Null when no head re-weights fields
   * (implicit module off or static).
   */
  fieldWeightsByScenario(): number[][][] | null {
    if (!this.att) return null;
    const t = tf.tidy(() => this.fieldWeightTable());
    const out = t.arraySync() as number[][][];
    t.dispose();
    return out;
  }

  /**
   * Field re-weighting and one-head self-attention across fields, for every head at once.
   * E_h = E ⊙ a_h scales each field's row, so its projections are a_h ⊙ (E·W) + b: E is
   * projected once ([B·F, D] x [D, 3D]) and scaled per head, rather than projecting H copies.
   *
   * @param flatE [B, F·D] field embeddings; @param a [B, H, F] field weights.
   * @returns out [B·H, F, D] (attention output after the output projection), weights [B·H, F, F].
   */
  private reweightAttend(
    flatE: tf.Tensor2D,
    a: tf.Tensor3D,
    ctx: ModelContext,
  ): { out: tf.Tensor3D; weights: tf.Tensor3D } {
    const att = this.att!;
    const B = flatE.shape[0];
    const H = this.config.numHeads;
    const F = this.F;
    const D = this.D;
    const N = B * H;
    const proj = tf.reshape(
      tf.matMul(tf.reshape(flatE, [B * F, D]) as tf.Tensor2D, att.qkv.w as tf.Tensor2D),
      [B, F * 3 * D],
    ) as tf.Tensor2D; // [B, F*3D]
    const projH = tf.reshape(repeatRows(proj, H), [N * F, 3 * D]); // [B*H*F, 3D]
    const qkv = tf.add(tf.mul(projH, tf.reshape(a, [N * F, 1])), att.qkv.b!); // [B*H*F, 3D] (column broadcast)
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.reshape(t, [N, F, D]) as tf.Tensor3D); // 3 x [B*H, F, D]
    const weights = softmaxLast(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D)) as tf.Tensor3D); // [B*H, F, F]
    const mixed = tf.matMul(dropout(weights, this.config.dropout, ctx.training, ctx.rng), v) as tf.Tensor3D; // [B*H, F, D]
    const out = tf.reshape(att.o.apply(tf.reshape(mixed, [N * F, D]) as tf.Tensor2D), [
      N,
      F,
      D,
    ]) as tf.Tensor3D;
    return { out, weights };
  }

  forward(inputs: ModelInputs, ctx: ModelContext): ForwardOutput {
    const c = this.config;
    const B = inputs.batch.size;
    const F = this.F;
    const D = this.D;
    const H = c.numHeads;
    const internals: Record<string, tf.Tensor> = {};
    // Row -> scenario lookups are one-hot matmuls ([B, S] x [S, cols]) rather than gathers: the
    // same values, but forward and backward run on the (native) matmul kernels.
    const mask = domainMask(this.scenarioIds(inputs.batch), this.numScenarios); // [B, S]
    const pick = (table: tf.Tensor2D) => tf.matMul(mask, table) as tf.Tensor2D; // [B, cols]
    // [B, F*D] without the scenario field (a 0/1 column selection).
    const flatAll = tf.reshape(inputs.emb, [B, inputs.emb.shape[1] * D]) as tf.Tensor2D;
    const flatE = this.selectFlat
      ? (tf.matMul(flatAll, tf.tensor2d(this.selectFlat, [inputs.emb.shape[1] * D, F * D])) as tf.Tensor2D)
      : flatAll;
    const s = this.scenarioEmb ? pick(this.scenarioEmb as tf.Tensor2D) : null; // [B, ds]

    // Base DNN.
    const parts: tf.Tensor2D[] = [flatE];
    if (inputs.num) parts.push(inputs.num);
    if (s && c.explicitWeights === "static") parts.push(s);
    const x = this.base.apply(
      parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D),
      ctx.training,
      ctx.rng,
    ); // [B, X]

    // Explicit scenario module: x_e = (x·W1 + b1)·W2 + b2.
    let xe: tf.Tensor2D = x;
    const [e1, e2] = c.explicitDims;
    if (this.exGen) {
      const sTab = this.scenarioEmb! as tf.Tensor2D; // [S, ds]: generate per scenario, pick per row
      const gen = (d: Dense) => pick(d.apply(sTab));
      const w1 = tf.reshape(gen(this.exGen.w1), [B, this.xDim, e1]) as tf.Tensor3D; // [B, X, e1]
      const w2 = tf.reshape(gen(this.exGen.w2), [B, e1, e2]) as tf.Tensor3D; // [B, e1, e2]
      const h1 = tf.add(
        tf.matMul(tf.reshape(x, [B, 1, this.xDim]) as tf.Tensor3D, w1),
        tf.reshape(gen(this.exGen.b1), [B, 1, e1]),
      ) as tf.Tensor3D; // [B, 1, e1]
      const h2 = tf.add(tf.matMul(h1, w2), tf.reshape(gen(this.exGen.b2), [B, 1, e2])); // [B, 1, e2]
      xe = tf.reshape(h2, [B, e2]) as tf.Tensor2D;
      internals.explicitW1 = w1;
      internals.explicitW2 = w2;
    } else if (this.exStatic) {
      const p = this.exStatic;
      xe = tf.add(
        tf.matMul(tf.add(tf.matMul(x, p.w1 as tf.Tensor2D), p.b1), p.w2 as tf.Tensor2D),
        p.b2,
      ) as tf.Tensor2D; // [B, e2]
    }

    // Implicit multi-head module.
    let z: tf.Tensor2D = xe;
    const [i1, i2] = c.implicitDims;
    const X = this.exDim;
    if (this.imGen) {
      const a = tf.reshape(
        pick(tf.reshape(this.fieldWeightTable(), [this.numScenarios, H * F]) as tf.Tensor2D),
        [B, H, F],
      ) as tf.Tensor3D; // [B, H, F]
      internals.fieldWeights = a;
      const { out, weights } = this.reweightAttend(flatE, a, ctx); // [B*H, F, D]
      internals.selfAttention = tf.reshape(weights, [B, H, F, F]);
      const flat = tf.reshape(out, [B * H, F * D]) as tf.Tensor2D; // [B*H, F*D]
      const g = this.imGen;
      const w1 = tf.reshape(g.w1.apply(flat), [B * H, X, i1]) as tf.Tensor3D; // [B*H, X, i1]
      const w2 = tf.reshape(g.w2.apply(flat), [B * H, i1, i2]) as tf.Tensor3D; // [B*H, i1, i2]
      const xh = tf.reshape(repeatRows(xe, H), [B * H, 1, X]) as tf.Tensor3D; // [B*H, 1, X]
      const h1 = tf.add(tf.matMul(xh, w1), tf.reshape(g.b1.apply(flat), [B * H, 1, i1])) as tf.Tensor3D; // [B*H, 1, i1]
      const h2 = tf.add(tf.matMul(h1, w2), tf.reshape(g.b2.apply(flat), [B * H, 1, i2])); // [B*H, 1, i2]
      z = tf.reshape(h2, [B, H * i2]) as tf.Tensor2D; // [B, H*i2]
      internals.implicitW1 = tf.reshape(w1, [B, H, X, i1]);
      internals.implicitW2 = tf.reshape(w2, [B, H, i1, i2]);
    } else if (this.imStatic) {
      const p = this.imStatic;
      const xh = tf.reshape(repeatRows(tf.reshape(xe, [1, B * X]) as tf.Tensor2D, H), [
        H,
        B,
        X,
      ]) as tf.Tensor3D; // [H, B, X]
      const h2 = tf.add(
        tf.matMul(tf.add(tf.matMul(xh, p.w1 as tf.Tensor3D), p.b1) as tf.Tensor3D, p.w2 as tf.Tensor3D),
        p.b2,
      ); // [H, B, i2]
      z = tf.reshape(tf.transpose(h2, [1, 0, 2]), [B, H * i2]) as tf.Tensor2D; // [B, H*i2]
    }
    const logit = tf.reshape(this.out.apply(z, ctx.training, ctx.rng), [B]) as tf.Tensor1D;
    return { logits: [logit], internals };
  }
}

/**
 * How different the heads' field weights are: the mean, over scenarios and pairs of heads, of the
 * total-variation distance ½·Σ_f |a_h(f) − a_h'(f)| (0 = identical heads, 1 = disjoint fields).
 * NaN with fewer than two heads.
 */
export function headDiversity(weights: readonly (readonly (readonly number[])[])[]): number {
  let sum = 0;
  let n = 0;
  for (const perHead of weights) {
    for (let h = 0; h < perHead.length; h++) {
      for (let k = h + 1; k < perHead.length; k++) {
        let tv = 0;
        for (let f = 0; f < perHead[h].length; f++) tv += Math.abs(perHead[h][f] - perHead[k][f]);
        sum += tv / 2;
        n++;
      }
    }
  }
  return n === 0 ? NaN : sum / n;
}
