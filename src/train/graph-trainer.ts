/**
 * BPR training and top-K evaluation of graph recommenders (src/models/graph/types.ts), the loop of
 * CIGF's official trainer (base_framework_origin_final.py `trainEpoch` / `testEpoch`; notebook
 * 06-cigf, section "train"):
 *
 * - an epoch samples `usersPerEpoch` users (official 10,000) and walks them in batches of
 *   `batchUsers` (256); per user and loss behaviour b, up to `pairsPerUser` (40) positive items of
 *   b with one uniformly drawn non-interacted item each (negatives never exclude the held-out test
 *   item: it is unknown at training time);
 * - loss = Σ_b mean over b's pairs of softplus(−(ŷ⁺ − ŷ⁻)) (BPR, Rendle et al. 2009) + reg · ½‖θ‖²;
 * - Adam, learning rate lr · decay^epoch (official: ×0.96 every trnNum / batch steps = one epoch);
 * - evaluation: HR@K / NDCG@K of the held-out target item against 99 sampled non-interacted items
 *   (src/metrics/ranking.ts `sampledRanking`, expected tie rule), and optionally full ranking over
 *   every item the user has no target training edge with (`fullRanking`).
 */
import { hasEdge, targetIndex, testUsers, type EvalCandidates, type MultiBehaviourData } from "../data/graph";
import { Rng } from "../engine/rng";
import { tf } from "../engine/tf";
import { fullRanking, sampledRanking, type RankingReport } from "../metrics/ranking";
import type { GraphModel } from "../models/graph/types";
import { DenseOptimizer } from "./dense-optim";
import { TrainingDivergedError } from "./trainer";

export interface GraphTrainConfig {
  /** Epochs. Official 100. */
  numEpochs: number;
  /** Users per step. Official `--batch` 256. */
  batchUsers: number;
  /** Users sampled per epoch (all when larger than the user count). Official 10,000. */
  usersPerEpoch: number;
  /** Positive / negative pairs per user and behaviour. Official `--sampNum` 40. */
  pairsPerUser: number;
  /** Adam learning rate. Official 1e-3. */
  lr: number;
  /** Learning-rate decay per epoch. Official 0.96. */
  lrDecay: number;
  /** L2 weight on ½‖θ‖² of every variable, per step. Official `--reg` 1e-2. */
  reg: number;
  /** Cut-offs of the ranking metrics. Official [10]. */
  ks: number[];
  /** Also rank every item for at most this many test users (0 = off). */
  fullRankingUsers: number;
}

export const DEFAULT_GRAPH_TRAIN: GraphTrainConfig = {
  numEpochs: 100,
  batchUsers: 256,
  usersPerEpoch: 10000,
  pairsPerUser: 40,
  lr: 1e-3,
  lrDecay: 0.96,
  reg: 1e-2,
  ks: [10],
  fullRankingUsers: 0,
};

export interface GraphEpochRecord {
  epoch: number;
  trainLoss: number;
  lr: number;
  wallSec: number;
}

export interface GraphHistory {
  epochs: GraphEpochRecord[];
  firstLoss: number;
}

/** Pairs of one step for behaviour b: users, positive items, negative items. */
export interface BprPairs {
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

/**
 * Samples BPR pairs of `users` for behaviour `b`: up to `perUser` positives of the user's b-row
 * (with replacement when the row is shorter), each with a uniformly drawn item outside that row.
 */
export function sampleBprPairs(
  d: MultiBehaviourData,
  b: number,
  users: ArrayLike<number>,
  perUser: number,
  rng: Rng,
): BprPairs {
  const m = d.train[b];
  const us: number[] = [];
  const ps: number[] = [];
  const ns: number[] = [];
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    const lo = m.indptr[u];
    const deg = m.indptr[u + 1] - lo;
    if (deg === 0 || deg >= d.numItems) continue;
    const n = Math.min(perUser, deg);
    for (let j = 0; j < n; j++) {
      const p = m.indices[lo + (deg <= perUser ? j : rng.int(deg))];
      let q = rng.int(d.numItems);
      while (hasEdge(m, u, q)) q = rng.int(d.numItems);
      us.push(u);
      ps.push(p);
      ns.push(q);
    }
  }
  return { users: Int32Array.from(us), pos: Int32Array.from(ps), neg: Int32Array.from(ns) };
}

/** The BPR loss of `model` on `pairs` of behaviour `b` given an encoding: mean softplus(−(ŷ⁺ − ŷ⁻)). */
export function bprLoss(
  model: GraphModel,
  enc: ReturnType<GraphModel["encode"]>,
  b: number,
  pairs: BprPairs,
): tf.Scalar {
  const pos = model.score(enc, b, pairs.users, pairs.pos);
  const neg = model.score(enc, b, pairs.users, pairs.neg);
  return tf.mean(tf.softplus(tf.neg(tf.sub(pos, neg)))) as tf.Scalar;
}

export class GraphTrainer {
  readonly config: GraphTrainConfig;
  readonly optimizer: DenseOptimizer;
  private readonly rng: Rng;
  step = 0;

  constructor(
    readonly model: GraphModel,
    readonly data: MultiBehaviourData,
    config: Partial<GraphTrainConfig>,
    seed: number,
  ) {
    this.config = { ...DEFAULT_GRAPH_TRAIN, ...config };
    this.rng = new Rng(seed * 7919 + 13);
    this.optimizer = new DenseOptimizer({ kind: "adam", lr: this.config.lr }, model.variables());
  }

  /** One BPR step on the users `users`; returns the loss (BPR sum over behaviours + reg). */
  trainStep(users: ArrayLike<number>): number {
    const pairs = this.model.lossBehaviours
      .map((b) => ({ b, p: sampleBprPairs(this.data, b, users, this.config.pairsPerUser, this.rng) }))
      .filter((x) => x.p.users.length > 0);
    if (pairs.length === 0) return 0;
    const vars = this.model.variables();
    const { value, grads } = tf.variableGrads(() => {
      const enc = this.model.encode(true);
      const parts = pairs.map(({ b, p }) => bprLoss(this.model, enc, b, p));
      const reg = tf.mul(this.config.reg * 0.5, tf.addN(vars.map((v) => tf.sum(tf.square(v)))));
      return tf.add(tf.addN(parts), reg) as tf.Scalar;
    }, vars);
    const loss = value.dataSync()[0];
    this.step++;
    if (!Number.isFinite(loss)) {
      tf.dispose([value, ...Object.values(grads)]);
      throw new TrainingDivergedError(0, this.step, this.step, `non-finite BPR loss ${loss}`);
    }
    this.optimizer.apply(vars.map((v) => grads[v.name]));
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  }

  /** One epoch; returns the mean step loss. */
  trainEpoch(epoch: number): number {
    this.optimizer.config.lr = this.config.lr * this.config.lrDecay ** epoch;
    const n = this.data.numUsers;
    const perm = this.rng.permutation(n);
    const users = perm.slice(0, Math.min(this.config.usersPerEpoch, n));
    let sum = 0;
    let steps = 0;
    for (let s = 0; s < users.length; s += this.config.batchUsers) {
      sum += this.trainStep(users.subarray(s, s + this.config.batchUsers));
      steps++;
    }
    return steps > 0 ? sum / steps : NaN;
  }

  fit(): GraphHistory {
    const h: GraphHistory = { epochs: [], firstLoss: NaN };
    for (let e = 0; e < this.config.numEpochs; e++) {
      const t0 = Date.now();
      const loss = this.trainEpoch(e);
      if (e === 0) h.firstLoss = loss;
      h.epochs.push({
        epoch: e + 1,
        trainLoss: loss,
        lr: this.optimizer.config.lr,
        wallSec: (Date.now() - t0) / 1000,
      });
    }
    return h;
  }

  /** HR/NDCG@K (and MRR) of the target behaviour on the sampled candidates. */
  evaluate(c: EvalCandidates): RankingReport {
    const scores = scoreCandidates(this.model, c, targetIndex(this.data));
    return sampledRanking(scores, c.numCandidates, { ks: this.config.ks });
  }

  /** Full ranking of every item without a target training edge, for the first `maxUsers` test users. */
  evaluateFull(maxUsers = this.config.fullRankingUsers): RankingReport {
    return fullRankingOf(this.model, this.data, maxUsers, Math.max(...this.config.ks));
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Scores of every candidate row-major [users, numCandidates] for behaviour `b` (evaluation mode). */
export function scoreCandidates(model: GraphModel, c: EvalCandidates, b: number): Float32Array {
  const n = c.numCandidates;
  const out = new Float32Array(c.users.length * n);
  const users = new Int32Array(c.items.length);
  for (let k = 0; k < c.users.length; k++) users.fill(c.users[k], k * n, (k + 1) * n);
  tf.tidy(() => {
    const enc = model.encode(false);
    const chunk = 256 * n;
    for (let s = 0; s < users.length; s += chunk) {
      const e = Math.min(users.length, s + chunk);
      const sc = model.score(enc, b, users.subarray(s, e), c.items.subarray(s, e));
      out.set(sc.dataSync(), s);
      sc.dispose();
    }
  });
  return out;
}

/** Full-ranking HR/NDCG/recall@K of the target behaviour, training items masked. */
export function fullRankingOf(
  model: GraphModel,
  d: MultiBehaviourData,
  maxUsers: number,
  k: number,
): RankingReport {
  const t = targetIndex(d);
  const all = testUsers(d).slice(0, maxUsers);
  const I = d.numItems;
  const lists: Int32Array[] = [];
  const relevant: Int32Array[] = [];
  tf.tidy(() => {
    const enc = model.encode(false);
    const items = Int32Array.from({ length: I }, (_, i) => i);
    for (const u of all) {
      const s = model.score(enc, t, new Int32Array(I).fill(u), items).dataSync();
      const m = d.train[t];
      const masked = Float64Array.from(s);
      for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) masked[m.indices[e]] = -Infinity;
      lists.push(topK(masked, k));
      relevant.push(Int32Array.of(d.testItem[u]));
    }
  });
  return fullRanking(lists, relevant, { ks: [k] });
}

/** Indices of the `k` largest values, best first (ties by lower index). */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] === -Infinity) continue;
    if (idx.length < k || scores[i] > scores[idx[idx.length - 1]]) {
      let p = idx.length < k ? idx.length : k - 1;
      if (idx.length < k) idx.push(i);
      while (p > 0 && scores[idx[p - 1]] < scores[i]) {
        idx[p] = idx[p - 1];
        p--;
      }
      idx[p] = i;
    }
  }
  return Int32Array.from(idx);
}
