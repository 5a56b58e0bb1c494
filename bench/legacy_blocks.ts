/**
 * The multi-task expert blocks as they were before expert fusion (src/models/multitask/blocks.ts
 * up to Nov 2026): one Mlp per expert, `tf.stack` into [B, n, H], and the gate mix as
 * sum(mul(expandDims(gate, 2), experts), 1). Kept only as the "before" of bench/experts.ts and as an
 * equivalence reference there (same seed -> same initial weights -> same outputs).
 */
import type { Rng } from "../src/engine/rng";
import { tf } from "../src/engine/tf";
import { Mlp } from "../src/models/layers/mlp";
import { Gate, type Backbone, type BackboneOutput, type GateTrace } from "../src/models/multitask/blocks";

/** n experts, each an MLP inDim -> hidden (ReLU after every layer, optional dropout). */
export class LegacyExpertSet {
  readonly experts: Mlp[];
  readonly outDim: number;

  constructor(
    readonly inDim: number,
    readonly size: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
  ) {
    if (!(Number.isInteger(size) && size >= 0))
      throw new Error(`experts: count must be a non-negative integer, got ${size}`);
    if (hidden.length === 0)
      throw new Error("experts: need at least one hidden layer (expertHidden is empty)");
    this.experts = [];
    for (let i = 0; i < size; i++) this.experts.push(new Mlp(inDim, { hidden, dropout }, rng));
    this.outDim = hidden[hidden.length - 1];
  }

  /** Every expert on x: [B, n, H]; null when the set is empty. */
  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor3D | null {
    if (this.size === 0) return null;
    return tf.stack(
      this.experts.map((e) => e.apply(x, training, rng)),
      1,
    ) as tf.Tensor3D; // [B, n, H]
  }

  variables(): tf.Variable[] {
    return this.experts.flatMap((e) => e.variables());
  }
}

/** Gate-weighted sum of expert outputs: gate [B, n], experts [B, n, H] -> [B, H]. */
export function legacyMixExperts(gate: tf.Tensor2D, experts: tf.Tensor3D): tf.Tensor2D {
  return tf.sum(tf.mul(tf.expandDims(gate, 2), experts), 1) as tf.Tensor2D; // [B, H]
}

/** MMoE: shared experts, one softmax gate per output. Shared: the experts; each gate belongs to its output. */
export class LegacyMmoeBackbone implements Backbone {
  readonly experts: LegacyExpertSet;
  readonly gates: Gate[];
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly numOutputs: number,
    numExperts: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
  ) {
    if (!(Number.isInteger(numExperts) && numExperts >= 1))
      throw new Error(`mmoe: numExperts must be a positive integer, got ${numExperts}`);
    this.experts = new LegacyExpertSet(inDim, numExperts, hidden, dropout, rng);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++) this.gates.push(new Gate(inDim, numExperts, rng));
    this.outDim = this.experts.outDim;
  }

  apply(x: tf.Tensor2D, training: boolean, rng?: Rng): BackboneOutput {
    const e = this.experts.apply(x, training, rng)!; // [B, n, H]
    const gates: GateTrace[] = this.gates.map((g, k) => ({ level: 1, output: k, weights: g.apply(x) })); // [B, n] each
    return { reps: gates.map((g) => legacyMixExperts(g.weights, e)), gates };
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
export class LegacyCgcLevel {
  readonly specific: LegacyExpertSet[];
  readonly shared: LegacyExpertSet;
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
    if (numSpecific + numShared < 1)
      throw new Error(
        `cgc: need at least one expert (numSpecificExperts ${numSpecific}, numSharedExperts ${numShared})`,
      );
    this.specific = [];
    for (let k = 0; k < numOutputs; k++)
      this.specific.push(new LegacyExpertSet(inDim, numSpecific, hidden, dropout, rng));
    this.shared = new LegacyExpertSet(inDim, numShared, hidden, dropout, rng);
    this.gates = [];
    for (let k = 0; k < numOutputs; k++) this.gates.push(new Gate(inDim, numSpecific + numShared, rng));
    this.sharedGate = withSharedGate ? new Gate(inDim, numOutputs * numSpecific + numShared, rng) : null;
    this.outDim = this.shared.outDim;
  }

  apply(
    inputs: tf.Tensor2D[],
    level: number,
    training: boolean,
    rng?: Rng,
  ): { outs: tf.Tensor2D[]; gates: GateTrace[] } {
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
      outs.push(legacyMixExperts(w, cat([spec[k], shared]))); // [B, H]
    }
    if (this.sharedGate) {
      const w = this.sharedGate.apply(inputs[K]); // [B, K*ns + nsh]
      gates.push({ level, output: "shared", weights: w });
      outs.push(legacyMixExperts(w, cat([...spec, shared]))); // [B, H]
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
export class LegacyPleBackbone implements Backbone {
  readonly levels: LegacyCgcLevel[];
  readonly outDim: number;

  constructor(
    inDim: number,
    readonly numOutputs: number,
    readonly numLevels: number,
    numSpecific: number,
    numShared: number,
    hidden: number[],
    dropout: number,
    rng: Rng,
  ) {
    if (!(Number.isInteger(numLevels) && numLevels >= 1))
      throw new Error(`ple: numLevels must be a positive integer, got ${numLevels}`);
    if (hidden.length === 0) throw new Error("ple: expertHidden is empty");
    this.levels = [];
    for (let l = 0; l < numLevels; l++) {
      const d = l === 0 ? inDim : hidden[hidden.length - 1];
      this.levels.push(
        new LegacyCgcLevel(d, numOutputs, numSpecific, numShared, hidden, dropout, l < numLevels - 1, rng),
      );
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
    return [
      ...(L >= 2 ? this.levels[L - 2].gates[k].variables() : []),
      ...last.specific[k].variables(),
      ...last.gates[k].variables(),
    ];
  }
}
