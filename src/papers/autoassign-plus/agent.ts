/**
 * The Identity Agent's networks (AutoAssign+, our design; README "Identity Agent"): an actor
 * (state -> softmax over actions) and a critic (state -> value), each one hidden tanh layer, in
 * plain typed arrays with hand-written gradients and Adam. The update is one-step actor-critic
 * (a contextual bandit, γ = 0): the critic regresses the observed reward, the actor follows
 * (r − V(s)) ∇ log π(a|s) (advantages normalised per update) plus an entropy bonus.
 */
import { Rng } from "../../engine/rng";

/** One hidden-layer network in -> hidden (tanh) -> out, with Adam. */
export class SmallMlp {
  readonly params: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    readonly inDim: number,
    readonly hidden: number,
    readonly outDim: number,
    rng: Rng,
  ) {
    const n = inDim * hidden + hidden + hidden * outDim + outDim;
    this.params = new Float64Array(n);
    const s1 = 1 / Math.sqrt(inDim);
    const s2 = 1 / Math.sqrt(hidden);
    for (let i = 0; i < inDim * hidden; i++) this.params[i] = rng.normal() * s1;
    const o2 = inDim * hidden + hidden;
    for (let i = 0; i < hidden * outDim; i++) this.params[o2 + i] = rng.normal() * s2 * 0.1;
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  /** Output and hidden activations of one input. */
  forward(x: ArrayLike<number>): { h: Float64Array; y: Float64Array } {
    const { inDim: I, hidden: H, outDim: O, params: p } = this;
    const h = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let s = p[I * H + j];
      for (let i = 0; i < I; i++) s += x[i] * p[i * H + j];
      h[j] = Math.tanh(s);
    }
    const o2 = I * H + H;
    const y = new Float64Array(O);
    for (let k = 0; k < O; k++) {
      let s = p[o2 + H * O + k];
      for (let j = 0; j < H; j++) s += h[j] * p[o2 + j * O + k];
      y[k] = s;
    }
    return { h, y };
  }
  /** Adds d(loss)/d(params) of one input with output gradient `gy` into `grad`. */
  backward(x: ArrayLike<number>, h: Float64Array, gy: ArrayLike<number>, grad: Float64Array): void {
    const { inDim: I, hidden: H, outDim: O, params: p } = this;
    const o2 = I * H + H;
    const gh = new Float64Array(H);
    for (let j = 0; j < H; j++)
      for (let k = 0; k < O; k++) {
        grad[o2 + j * O + k] += h[j] * gy[k];
        gh[j] += p[o2 + j * O + k] * gy[k];
      }
    for (let k = 0; k < O; k++) grad[o2 + H * O + k] += gy[k];
    for (let j = 0; j < H; j++) {
      const g = gh[j] * (1 - h[j] * h[j]);
      grad[I * H + j] += g;
      for (let i = 0; i < I; i++) grad[i * H + j] += x[i] * g;
    }
  }
  /** One Adam step on the mean gradient `grad` (already divided by the batch size). */
  adam(grad: Float64Array, lr: number): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < grad.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * grad[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * grad[i] * grad[i];
      this.params[i] -= (lr * this.m[i]) / c1 / (Math.sqrt(this.v[i] / c2) + 1e-8);
    }
  }
}

export interface ActorCriticConfig {
  stateDim: number;
  actions: number;
  hidden?: number;
  actorLr?: number;
  criticLr?: number;
  entropy?: number;
  seed: number;
}

/** One logged decision: state, action taken, and (once observed) its reward. */
export interface Transition {
  state: Float64Array;
  action: number;
  reward: number;
}

export function softmax(z: Float64Array): Float64Array {
  let mx = -Infinity;
  for (const x of z) mx = Math.max(mx, x);
  const e = z.map((x) => Math.exp(x - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export class ActorCritic {
  readonly actor: SmallMlp;
  readonly critic: SmallMlp;
  readonly rng: Rng;
  readonly cfg: Required<ActorCriticConfig>;
  constructor(cfg: ActorCriticConfig) {
    this.cfg = { hidden: 16, actorLr: 0.01, criticLr: 0.01, entropy: 0.01, ...cfg };
    this.rng = new Rng(cfg.seed);
    this.actor = new SmallMlp(cfg.stateDim, this.cfg.hidden, cfg.actions, this.rng);
    this.critic = new SmallMlp(cfg.stateDim, this.cfg.hidden, 1, this.rng);
  }
  policy(state: ArrayLike<number>, mask?: readonly boolean[]): Float64Array {
    const z = this.actor.forward(state).y;
    if (mask) for (let a = 0; a < z.length; a++) if (!mask[a]) z[a] = -1e9;
    return softmax(z);
  }
  /** Samples an action from the policy (actions with mask false never drawn). */
  act(state: ArrayLike<number>, mask?: readonly boolean[]): number {
    const p = this.policy(state, mask);
    let u = this.rng.next();
    for (let a = 0; a < p.length; a++) {
      u -= p[a];
      if (u <= 0) return a;
    }
    return p.length - 1;
  }
  value(state: ArrayLike<number>): number {
    return this.critic.forward(state).y[0];
  }
  /** Critic MSE of a batch (for tests and logs). */
  criticError(batch: readonly Transition[]): number {
    let s = 0;
    for (const t of batch) s += (this.value(t.state) - t.reward) ** 2;
    return s / Math.max(1, batch.length);
  }
  /** One actor-critic update on a batch of observed transitions (mini-batches of `batchSize`). */
  update(batch: readonly Transition[], batchSize = 256): void {
    for (let s = 0; s < batch.length; s += batchSize) {
      const mb = batch.slice(s, s + batchSize);
      const adv = mb.map((t) => t.reward - this.value(t.state));
      const mean = adv.reduce((a, b) => a + b, 0) / adv.length;
      const sd = Math.sqrt(adv.reduce((a, b) => a + (b - mean) ** 2, 0) / adv.length) || 1;
      const gc = new Float64Array(this.critic.params.length);
      const ga = new Float64Array(this.actor.params.length);
      mb.forEach((t, i) => {
        const c = this.critic.forward(t.state);
        this.critic.backward(t.state, c.h, [(2 * (c.y[0] - t.reward)) / mb.length], gc);
        const a = this.actor.forward(t.state);
        const p = softmax(a.y);
        const A = (adv[i] - mean) / sd;
        // d(-A log p_a - β H)/dz_k = -A (1[k=a] - p_k) + β p_k (log p_k + H)
        let H = 0;
        for (const q of p) H -= q > 0 ? q * Math.log(q) : 0;
        const gy = new Float64Array(p.length);
        for (let k = 0; k < p.length; k++)
          gy[k] =
            (-A * ((k === t.action ? 1 : 0) - p[k]) +
              this.cfg.entropy * p[k] * (Math.log(Math.max(p[k], 1e-12)) + H)) /
            mb.length;
        this.actor.backward(t.state, a.h, gy, ga);
      });
      this.critic.adam(gc, this.cfg.criticLr);
      this.actor.adam(ga, this.cfg.actorLr);
    }
  }
}
