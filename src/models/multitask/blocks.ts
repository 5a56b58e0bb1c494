/**
 * Building blocks shared by the multi-task models (one output per TASK) and their multi-domain
 * variants (one output per DOMAIN): expert sets, softmax gates, and three "backbones" that turn the
 * flat input x [B, d] into K representations, one per output k:
 *
 *   BottomBackbone  hard sharing (Caruana 1997): one MLP, every output reads the same h(x);
 *   MmoeBackbone    MMoE (Ma et al., KDD 2018, eq. 5-6): n shared experts f_i, one softmax gate
 *                   g^k(x) = softmax(W_gk x) per output, rep_k = Σ_i g^k_i(x) f_i(x);
 *   PleBackbone     PLE (Tang et al., RecSys 2020, eq. 2-5): stacked CGC levels, each with output-
 *                   specific experts, shared experts, a gate per output over (its own + shared)
 *                   experts and, below the last level, a shared gate over all experts.
 *
 * Whether the K outputs are tasks (heads) or domains (routed to one head) is decided by the model
 * (task-models.ts, domain-models.ts); the blocks do not know. Shapes and defaults follow
 * torch-rechub torch_rechub/models/multi_task/{shared_bottom,mmoe,ple}.py with one deviation: the
 * reference's MLP puts BatchNorm1d after every Linear (experts, gates and towers); the kit's Mlp has
 * no batch normalisation, so experts are Linear→ReLU(→dropout) and gates Linear→softmax.
 */
import type { Rng } from "../../engine/rng";
import { tf } from "../../engine/tf";
import { Dense } from "../layers/dense";
import { Mlp } from "../layers/mlp";

/** Softmax gate over n experts: g(x) = softmax(x W + b), x [B, inDim] -> [B, n]. */
export class Gate {
  readonly dense: Dense;

  constructor(readonly inDim: number, readonly numExperts: number, rng: Rng) {
    if (!(Number.isInteger(numExperts) && numExperts >= 1)) throw new Error(`gate: numExperts must be a positive integer, got ${numExperts}`);
    this.dense = new Dense(inDim, numExperts, rng);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(this.dense.apply(x)) as tf.Tensor2D; // [B, n]
  }

  variables(): tf.Variable[] {
    return this.dense.variables();
  }
}

/** n experts, each an MLP inDim -> hidden (ReLU after every layer, optional dropout). */
export class ExpertSet {
  readonly experts: Mlp[];
  readonly outDim: number;

  constructor(readonly inDim: number, readonly size: number, hidden: number[], dropout: number, rng: Rng) {
    if (!(Number.isInteger(size) && size >= 0)) throw new Error(`experts: count must be a non-negative integer, got ${size}`);
    if (hidden.length === 0) throw new Error("experts: need at least one hidden layer (expertHidden is empty)");
    this.experts = [];
    for (let i = 0; i < size; i++) this.experts.push(new Mlp(inDim, { hidden, dropout }, rng));
    this.outDim = hidden[hidden.length - 1];
  }

  /** Every expert on x: [B, n, H]; null when the set is empty. */
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor3D | null {
    if (this.size === 0) return null;
    return tf.stack(this.experts.map((e) => e.apply(x, training, rng)), 1) as tf.Tensor3D; // [B, n, H]
  }

  variables(): tf.Variable[] {
    return this.experts.flatMap((e) => e.variables());
  }
}

/** Gate-weighted sum of expert outputs: gate [B, n], experts [B, n, H] -> [B, H]. */
export function mixExperts(gate: tf.Tensor2D, experts: tf.Tensor3D): tf.Tensor2D {
  return tf.sum(tf.mul(tf.expandDims(gate, 2), experts), 1) as tf.Tensor2D; // [B, H]
}

/** Gate weights of one gate, for figures: level (1-based), the output it serves (index or "shared"). */
export interface GateTrace {
  level: number;
  output: number | "shared";
  /** [B, n] softmax weights over the experts the gate sees. */
  weights: tf.Tensor2D;
}

export interface BackboneOutput {
  /** One representation [B, outDim] per output k (K of them). */
  reps: tf.Tensor2D[];
  gates: GateTrace[];
}

/** Turns the flat input into one representation per output (task or domain). */
export interface Backbone {
  readonly numOutputs: number;
  readonly outDim: number;
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput;
  /** Dense variables, in a fixed order. */
  variables(): tf.Variable[];
  /** The variables every output depends on (see each backbone for the rule). */
  sharedVariables(): tf.Variable[];
  /** The variables only output k depends on (zero gradient from every other output). */
  outputVariables(k: number): tf.Variable[];
}

/** Hard parameter sharing: one bottom MLP; every output reads its output. All variables are shared. */
export class BottomBackbone implements Backbone {
  readonly bottom: Mlp;
  readonly outDim: number;

  constructor(inDim: number, readonly numOutputs: number, hidden: number[], dropout: number, rng: Rng) {
    if (hidden.length === 0) throw new Error("shared bottom: bottomHidden is empty");
    this.bottom = new Mlp(inDim, { hidden, dropout }, rng);
    this.outDim = this.bottom.outDim;
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    const h = this.bottom.apply(x, training, rng); // [B, H]
    return { reps: Array.from({ length: this.numOutputs }, () => h), gates: [] };
  }

  variables(): tf.Variable[] {
    return this.bottom.variables();
  }

  sharedVariables(): tf.Variable[] {
    return this.variables();
  }

  outputVariables(): tf.Variable[] {
    return [];
  }
}

/** MMoE: shared experts, one softmax gate per output. Shared: the experts; each gate belongs to its output. */
export class MmoeBackbone implements Backbone {
  readonly experts: ExpertSet;
  readonly gates: Gate[];
  readonly outDim: number;

  constructor(inDim: number, readonly numOutputs: number, numExperts: number, hidden: number[], dropout: number, rng: Rng) {
    if (!(Number.isInteger(numExperts) && numExperts >= 1)) throw new Error(`mmoe: numExperts must be a positive integer, got ${numExperts}`);
    this.experts = new ExpertSet(inDim, numExperts, hidden, dropout, rng);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++) this.gates.push(new Gate(inDim, numExperts, rng));
    this.outDim = this.experts.outDim;
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    const e = this.experts.apply(x, training, rng)!; // [B, n, H]
    const gates: GateTrace[] = this.gates.map((g, k) => ({ level: 1, output: k, weights: g.apply(x) })); // [B, n] each
    return { reps: gates.map((g) => mixExperts(g.weights, e)), gates };
  }

  variables(): tf.Variable[] {
    return [...this.experts.variables(), ...this.gates.flatMap((g) => g.variables())];
  }

  sharedVariables(): tf.Variable[] {
    return this.experts.variables();
  }

  outputVariables(k: number): tf.Variable[] {
    return this.gates[k].variables();
  }
}

/**
 * One CGC level (PLE paper, eq. 2-4): `numSpecific` experts per output, `numShared` shared experts;
 * output k's gate mixes its own experts and the shared ones; with `sharedGate`, one more gate mixes
 * every expert into the shared representation the next level's shared experts read (eq. 5).
 * Input: K+1 tensors (one per output, then the shared one); output: K (+1 with `sharedGate`).
 */
export class CgcLevel {
  readonly specific: ExpertSet[];
  readonly shared: ExpertSet;
  readonly gates: Gate[];
  readonly sharedGate: Gate | null;
  readonly outDim: number;

  constructor(
    readonly inDim: number,
    readonly numOutputs: number,
    readonly numSpecific: number,
    readonly numShared: number,
    hidden: number[],
    dropout: number,
    withSharedGate: boolean,
    rng: Rng,
  ) {
    if (numSpecific + numShared < 1) throw new Error(`cgc: need at least one expert (numSpecificExperts ${numSpecific}, numSharedExperts ${numShared})`);
    this.specific = [];
    for (let k = 0; k < numOutputs; k++) this.specific.push(new ExpertSet(inDim, numSpecific, hidden, dropout, rng));
    this.shared = new ExpertSet(inDim, numShared, hidden, dropout, rng);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++) this.gates.push(new Gate(inDim, numSpecific + numShared, rng));
    this.sharedGate = withSharedGate ? new Gate(inDim, numOutputs * numSpecific + numShared, rng) : null;
    this.outDim = this.shared.outDim;
  }

  apply(inputs: tf.Tensor2D[], level: number, training: boolean, rng?: Rng): { outs: tf.Tensor2D[]; gates: GateTrace[] } {
    const K = this.numOutputs;
    if (inputs.length !== K + 1) throw new Error(`cgc: expected ${K + 1} inputs, got ${inputs.length}`);
    const spec = this.specific.map((s, k) => s.apply(inputs[k], training, rng)); // [B, ns, H] or null
    const shared = this.shared.apply(inputs[K], training, rng); // [B, nsh, H] or null
    const cat = (parts: (tf.Tensor3D | null)[]) => {
      const p = parts.filter((t): t is tf.Tensor3D => t !== null);
      return p.length === 1 ? p[0] : (tf.concat(p, 1) as tf.Tensor3D);
    };
    const gates: GateTrace[] = [];
    const outs: tf.Tensor2D[] = [];
    for (let k = 0; k < K; k++) {
      const w = this.gates[k].apply(inputs[k]); // [B, ns + nsh]
      gates.push({ level, output: k, weights: w });
      outs.push(mixExperts(w, cat([spec[k], shared]))); // [B, H]
    }
    if (this.sharedGate) {
      const w = this.sharedGate.apply(inputs[K]); // [B, K*ns + nsh]
      gates.push({ level, output: "shared", weights: w });
      outs.push(mixExperts(w, cat([...spec, shared]))); // [B, H]
    }
    return { outs, gates };
  }

  variables(): tf.Variable[] {
    return [
      ...this.specific.flatMap((s) => s.variables()),
      ...this.shared.variables(),
      ...this.gates.flatMap((g) => g.variables()),
      ...(this.sharedGate ? this.sharedGate.variables() : []),
    ];
  }
}

/**
 * PLE: `numLevels` CGC levels (1 = CGC). Level 1 reads x for every input; level l > 1 reads the
 * K+1 representations of level l-1. Only levels below the last have a shared gate (as in
 * torch-rechub's CGC: `cur_level < n_level`).
 *
 * Shared variables (those every output depends on), derived from the data flow:
 *   - shared experts of every level;
 *   - below the last level: the shared gate and every output's specific experts (the shared gate
 *     mixes them into the shared representation, which reaches every output at the next level);
 *   - at levels ≤ L-2: the per-output gates too (their output feeds specific experts of level l+1,
 *     which are shared by the previous rule).
 * With one level (CGC) only the shared experts are shared.
 */
export class PleBackbone implements Backbone {
  readonly levels: CgcLevel[];
  readonly outDim: number;

  constructor(inDim: number, readonly numOutputs: number, readonly numLevels: number, numSpecific: number, numShared: number, hidden: number[], dropout: number, rng: Rng) {
    if (!(Number.isInteger(numLevels) && numLevels >= 1)) throw new Error(`ple: numLevels must be a positive integer, got ${numLevels}`);
    if (hidden.length === 0) throw new Error("ple: expertHidden is empty");
    this.levels = [];
    for (let l = 0; l < numLevels; l++) {
      const d = l === 0 ? inDim : hidden[hidden.length - 1];
      this.levels.push(new CgcLevel(d, numOutputs, numSpecific, numShared, hidden, dropout, l < numLevels - 1, rng));
    }
    this.outDim = this.levels[numLevels - 1].outDim;
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    let inputs = Array.from({ length: this.numOutputs + 1 }, () => x);
    const gates: GateTrace[] = [];
    this.levels.forEach((level, l) => {
      const r = level.apply(inputs, l + 1, training, rng);
      gates.push(...r.gates);
      inputs = r.outs;
    });
    return { reps: inputs.slice(0, this.numOutputs), gates };
  }

  variables(): tf.Variable[] {
    return this.levels.flatMap((l) => l.variables());
  }

  sharedVariables(): tf.Variable[] {
    const L = this.levels.length;
    return this.levels.flatMap((lv, l) => [
      ...(l < L - 1 ? lv.specific.flatMap((s) => s.variables()) : []),
      ...lv.shared.variables(),
      ...(l < L - 2 ? lv.gates.flatMap((g) => g.variables()) : []),
      ...(lv.sharedGate ? lv.sharedGate.variables() : []),
    ]);
  }

  /** Output k's own variables: its experts and gate at the last level, and its gate at level L-1. */
  outputVariables(k: number): tf.Variable[] {
    const L = this.levels.length;
    const last = this.levels[L - 1];
    return [...(L >= 2 ? this.levels[L - 2].gates[k].variables() : []), ...last.specific[k].variables(), ...last.gates[k].variables()];
  }
}

/** One tower per output: MLP rep -> towerHidden (ReLU) -> linear logit. */
export function makeTowers(inDim: number, count: number, hidden: number[], dropout: number, rng: Rng): Mlp[] {
  const towers: Mlp[] = [];
  for (let k = 0; k < count; k++) towers.push(new Mlp(inDim, { hidden, dropout, output: 1 }, rng));
  return towers;
}

/** [B, 1] -> [B]. */
export function squeezeLogit(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(x, [x.shape[0]]) as tf.Tensor1D;
}
