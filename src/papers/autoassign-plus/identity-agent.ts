/**
 * The Identity Agent of AutoAssign+ (our design from the abstract; README "Identity Agent").
 *
 * State of (field f, id) at a decision: [log1p(count)/5, chunks since last seen /10 (capped at 1),
 * new (count 0), norm of the row it reads ×10 (capped at 3), field one-hot, assignment one-hot
 * (own / shared / absent)].
 * Actions: 0 = own row (a copy of the row it reads now: a warm start from the shared row),
 * 1..M = shared row j−1 of its field, M+1 = evict (drop its row and its map entry; it then reads
 * its field's default shared row 0).
 * Decisions: at admission (an id first seen in a chunk about to be served; evict masked); after
 * training on a chunk, for every id seen in it whose frequency bucket (FREQ_BUCKETS) changed since
 * its last decision, and for every own row whose id was not seen for `staleAfter` chunks.
 * Reward of a decision taken after training on chunk t: the id's counterfactual validation-loss
 * change on chunk t+2 (the first test chunk after the id's rows of chunk t+1 were trained on):
 *     gain = Σ_rows [ℓ(row with the id on its field's default shared row) − ℓ(row as served)] · 1000 / rows
 * minus the memory penalty λ·[action = own]; a decision overridden by a different one at t+1 is
 * dropped (its outcome is not its own). One actor-critic update (agent.ts) per step.
 */
import type { StreamLog } from "../../data/stream";
import { ActorCritic, type Transition } from "./agent";
import { slotsOfRow, type AssignmentPolicy, type PolicyContext, type StreamFM } from "./spec";

export interface AgentConfig {
  /** Memory penalty λ per own row, in units of the reward (loss change per 1000 rows). */
  memoryPenalty: number;
  hidden: number;
  actorLr: number;
  criticLr: number;
  entropy: number;
  /** Passes of the actor-critic update over each step's transitions. */
  updateEpochs: number;
  /** An own row whose id was not seen for this many chunks is re-decided (keep or drop). */
  staleAfter: number;
  /** Warm-up episodes on the stream's prefix before the evaluated run (default true; false = ablation). */
  warmup?: boolean;
  /** Disable the evict action (ablation). */
  noEvict?: boolean;
}

/** Frequency buckets of the action-mix figure (count so far at the decision). */
export const FREQ_BUCKETS = ["new", "1-2", "3-9", "10-49", "50+"] as const;
export function freqBucket(n: number): number {
  return n === 0 ? 0 : n <= 2 ? 1 : n <= 9 ? 2 : n <= 49 ? 3 : 4;
}

interface Pending {
  state: Float64Array;
  action: number;
  own: boolean;
}

export interface AgentLog {
  /** [bucket][action] counts of every decision. */
  actionMix: number[][];
  actionNames: string[];
  /** Critic MSE on each update's batch before the update. */
  criticError: number[];
  meanReward: number[];
}

export interface IdentityAgentPolicy extends AssignmentPolicy {
  agent: ActorCritic;
  log: AgentLog;
}

/**
 * The agent as an assignment policy on `model`. `agent`: an already trained actor-critic to go on
 * from (the warm-up episodes of experiment.ts); default a fresh one.
 */
export function identityAgentPolicy(
  model: StreamFM,
  cfg: AgentConfig,
  seed: number,
  trained?: ActorCritic,
): IdentityAgentPolicy {
  const M = model.cfg.sharedPerField;
  const F = model.fields;
  const A = M + 2;
  const stateDim = 4 + F + 3;
  const agent =
    trained ??
    new ActorCritic({
      stateDim,
      actions: A,
      hidden: cfg.hidden,
      actorLr: cfg.actorLr,
      criticLr: cfg.criticLr,
      entropy: cfg.entropy,
      seed: seed * 31 + 7,
    });
  const log: AgentLog = {
    actionMix: FREQ_BUCKETS.map(() => new Array<number>(A).fill(0)),
    actionNames: ["own", ...Array.from({ length: M }, (_, j) => `shared${j}`), "evict"],
    criticError: [],
    meanReward: [],
  };
  const maskNew = Array.from({ length: A }, (_, a) => a !== A - 1);
  const maskAll = Array.from({ length: A }, (_, a) => !(cfg.noEvict && a === A - 1));
  let prev = new Map<number, Pending>();
  let cur = new Map<number, Pending>();
  const key = (f: number, id: number) => f * 2 ** 31 + id;
  const decidedAt = new Map<number, number>();

  const state = (ctx: PolicyContext, f: number, id: number): Float64Array => {
    const s = new Float64Array(stateDim);
    const n = ctx.seen.count(f, id);
    const last = ctx.seen.last(f, id);
    const st = model.table.state(f, id);
    s[0] = Math.log1p(n) / 5;
    s[1] = last < 0 ? 1 : Math.min(1, (ctx.chunk - last) / 10);
    s[2] = n === 0 ? 1 : 0;
    s[3] = Math.min(3, model.table.rowNorm(st.slot) * 10);
    s[4 + f] = 1;
    s[4 + F + (st.kind === "own" ? 0 : st.kind === "shared" ? 1 : 2)] = 1;
    return s;
  };
  const decide = (ctx: PolicyContext, f: number, id: number, isNew: boolean) => {
    const s = state(ctx, f, id);
    const a = agent.act(s, isNew ? maskNew : maskAll);
    log.actionMix[freqBucket(ctx.seen.count(f, id))][a]++;
    if (a === 0) model.table.addOwn(f, id, "current");
    else if (a === A - 1) model.table.evict(f, id);
    else model.table.share(f, id, a - 1);
    const k = key(f, id);
    decidedAt.set(k, freqBucket(ctx.seen.count(f, id)));
    const p = prev.get(k);
    if (p && p.action !== a) prev.delete(k);
    cur.set(k, { state: s, action: a, own: a === 0 });
  };

  return {
    name: "autoassign",
    agent,
    log,
    key: (_f, id) => id,
    admit(ctx, start, end) {
      const L: StreamLog = ctx.log;
      for (let r = start; r < end; r++)
        for (let f = 0; f < F; f++) {
          const id = L.ids[r * F + f];
          if (
            model.table.state(f, id).kind === "absent" &&
            ctx.seen.count(f, id) === 0 &&
            !cur.has(key(f, id))
          )
            decide(ctx, f, id, true);
        }
    },
    afterTrain(ctx) {
      const todo = new Set<number>();
      // ids seen in this chunk whose frequency bucket changed since their last decision
      for (const [k, last] of ctx.seen.lastSeen)
        if (last === ctx.chunk && decidedAt.get(k) !== freqBucket(ctx.seen.counts.get(k) ?? 0)) todo.add(k);
      // own rows not seen for `staleAfter` chunks: keep or drop
      for (const [f, id, c] of model.table.entries())
        if (c >= 0 && ctx.chunk - ctx.seen.last(f, id) >= cfg.staleAfter) todo.add(key(f, id));
      for (const k of todo) decide(ctx, Math.floor(k / 2 ** 31), k % 2 ** 31, false);
    },
    afterTest(ctx, start, end) {
      // counterfactual gain of each (field, id) on the rows just scored
      const L = ctx.log;
      const D = model.cfg.dim;
      const gain = new Map<number, number>();
      const slots = new Int32Array(F);
      const e = new Float32Array(F * D);
      const sum = new Float64Array(D);
      const loss = (z: number, y: number) => (y ? Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
      for (let r = start; r < end; r++) {
        slotsOfRow(model, this, L, r, slots);
        const z = model.logit(slots, e, sum);
        const y = L.labels[r];
        const l0 = loss(z, y);
        for (let f = 0; f < F; f++) {
          const def = model.table.sharedSlot(f, 0);
          if (slots[f] === def) continue;
          // replace field f's row by the default: z' = z − e_f·(1, s − e_f) + d·(1, s − e_f)
          const w = model.table.weights;
          let zf = z - e[f * D] + w[def * D];
          for (let k = 1; k < D; k++) {
            const rest = sum[k] - e[f * D + k];
            zf += (w[def * D + k] - e[f * D + k]) * rest;
          }
          const kk = key(f, L.ids[r * F + f]);
          gain.set(kk, (gain.get(kk) ?? 0) + loss(zf, y) - l0);
        }
      }
      const scale = 1000 / Math.max(1, end - start);
      const batch: Transition[] = [];
      for (const [k, p] of prev)
        batch.push({
          state: p.state,
          action: p.action,
          reward: (gain.get(k) ?? 0) * scale - (p.own ? cfg.memoryPenalty : 0),
        });
      if (batch.length) {
        log.criticError.push(agent.criticError(batch));
        log.meanReward.push(batch.reduce((s, t) => s + t.reward, 0) / batch.length);
        for (let ep = 0; ep < cfg.updateEpochs; ep++) agent.update(batch);
      }
      prev = cur;
      cur = new Map();
    },
  };
}
