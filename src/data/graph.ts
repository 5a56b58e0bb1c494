/**
 * Multi-behaviour interaction graphs for top-K recommendation (first user: CIGF, notebook
 * 06-cigf; the protocol of MB-GMN / CIGF `DataHandler.py`).
 *
 * - `MultiBehaviourData`: users x items, one binary CSR interaction matrix per behaviour (the last
 *   behaviour is the target, "buy"), and one held-out target item per test user.
 * - `adjacency(data, behaviours, norm)`: the bipartite graph [[0, R], [Rᵀ, 0]] over the N = users +
 *   items nodes of one behaviour (or the union of several), row-normalised (D⁻¹A, CIGF) or
 *   symmetric (LightGCN), as a sparse CSR (src/engine/sparse.ts), cached on the data.
 * - `leaveLastOut`: holds out each user's last target interaction; the held-out pair never stays
 *   in the target edges.
 * - `sampleNegatives` / `evalCandidates`: items the user never interacted with under the target
 *   behaviour (train or test), the 99-negative protocol of HR@10 / NDCG@10.
 * - `subsampleUsers`: a deterministic user / item subsample for the smoke profile.
 * - `loadMultiBehaviour(id)`: reads a registry entry's `graph` files ("user item item ..." lines,
 *   optionally gzip) through the mirror / cache resolution of fetch.ts.
 */
import { csrFromCoo, leftNormalise, nnz, symmetricNormalise, transposeCsr, type Csr } from "../engine/sparse";
import { Rng } from "../engine/rng";
import { DataError } from "./errors";
import { resolveFile, type FetchOptions } from "./fetch";
import { forEachLine } from "./lines";
import { getDataset, getFile } from "./registry";
import { standInsAllowed } from "./stand-in";
import { sha256Text as sha256Hex } from "./hash";

/** Normalisation of a propagation matrix. */
export type GraphNorm = "left" | "symmetric";

export interface MultiBehaviourData {
  /** Registry id (or "synthetic-..."). */
  id: string;
  /** Behaviour names; the last is the target. */
  behaviours: string[];
  numUsers: number;
  numItems: number;
  /** Per behaviour, the binary [numUsers, numItems] training interactions. */
  train: Csr[];
  /** Per user, the held-out target item, or -1 for a user without a test item. */
  testItem: Int32Array;
  /** sha256 of the inputs and the steps applied (subsample parameters). */
  fingerprint: string;
  synthetic: boolean;
  notes: string[];
  /** Adjacency cache of `adjacency` (not data: safe to drop). */
  adjCache?: Map<string, Csr>;
}

/** Index of the target behaviour (the last). */
export function targetIndex(d: Pick<MultiBehaviourData, "behaviours">): number {
  return d.behaviours.length - 1;
}

/** Users with a held-out test item. */
export function testUsers(d: MultiBehaviourData): Int32Array {
  const out: number[] = [];
  for (let u = 0; u < d.numUsers; u++) if (d.testItem[u] >= 0) out.push(u);
  return Int32Array.from(out);
}

/** True when `item` is in row `user` of `m`. */
export function hasEdge(m: Csr, user: number, item: number): boolean {
  let lo = m.indptr[user];
  let hi = m.indptr[user + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = m.indices[mid];
    if (c === item) return true;
    if (c < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Union of several binary user x item matrices. */
export function unionCsr(ms: readonly Csr[]): Csr {
  const rows: number[] = [];
  const cols: number[] = [];
  for (const m of ms) {
    for (let r = 0; r < m.numRows; r++)
      for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) (rows.push(r), cols.push(m.indices[e]));
  }
  return csrFromCoo(rows, cols, ms[0].numRows, ms[0].numCols, { binary: true });
}

/** The bipartite [[0, R], [Rᵀ, 0]] over users then items, unnormalised. */
export function bipartite(r: Csr): Csr {
  const U = r.numRows;
  const n = nnz(r);
  const rows = new Int32Array(2 * n);
  const cols = new Int32Array(2 * n);
  let k = 0;
  for (let u = 0; u < U; u++) {
    for (let e = r.indptr[u]; e < r.indptr[u + 1]; e++) {
      rows[k] = u;
      cols[k++] = U + r.indices[e];
      rows[k] = U + r.indices[e];
      cols[k++] = u;
    }
  }
  return csrFromCoo(rows, cols, U + r.numCols, U + r.numCols, { binary: true });
}

/**
 * The normalised propagation matrix [N, N] (N = users + items) of behaviour(s) `behaviours`
 * (indices; several = their union, "merged"), cached on `d`. Its transpose is cached too.
 */
export function adjacency(
  d: MultiBehaviourData,
  behaviours: number | readonly number[],
  norm: GraphNorm = "left",
): Csr {
  const bs = typeof behaviours === "number" ? [behaviours] : [...behaviours];
  const key = `${bs.join(",")}|${norm}`;
  d.adjCache ??= new Map();
  const hit = d.adjCache.get(key);
  if (hit) return hit;
  const r = bs.length === 1 ? d.train[bs[0]] : unionCsr(bs.map((b) => d.train[b]));
  const b = bipartite(r);
  const a = norm === "left" ? leftNormalise(b) : symmetricNormalise(b);
  transposeCsr(a);
  d.adjCache.set(key, a);
  return a;
}

/**
 * Leave-last-out on the target behaviour: for every user with at least `minTarget` target
 * interactions, the last one in `order` (e.g. by time) becomes the test item and is removed from
 * the target edges; other behaviours keep all their edges (an item viewed before it was bought is
 * not a leak: the target pair is what is held out, as in MB-GMN / CIGF).
 *
 * @param targetSeq per user, the target items in time order.
 */
export function leaveLastOut(
  targetSeq: readonly (readonly number[])[],
  numItems: number,
  minTarget = 2,
): { train: Csr; testItem: Int32Array } {
  const rows: number[] = [];
  const cols: number[] = [];
  const testItem = new Int32Array(targetSeq.length).fill(-1);
  targetSeq.forEach((seq, u) => {
    const distinct = new Set(seq);
    let held = -1;
    if (distinct.size >= minTarget) {
      held = seq[seq.length - 1];
      testItem[u] = held;
    }
    for (const i of distinct) if (i !== held) (rows.push(u), cols.push(i));
  });
  return { train: csrFromCoo(rows, cols, targetSeq.length, numItems, { binary: true }), testItem };
}

/**
 * `count` distinct items that `user` never interacted with under the target behaviour (train and
 * held-out test item), uniformly by rejection. Throws when the user has too few such items.
 */
export function sampleNegatives(
  d: MultiBehaviourData,
  user: number,
  count: number,
  rng: Rng,
  behaviour = targetIndex(d),
): Int32Array {
  const m = d.train[behaviour];
  const deg =
    m.indptr[user + 1] - m.indptr[user] + (d.testItem[user] >= 0 && behaviour === targetIndex(d) ? 1 : 0);
  if (d.numItems - deg < count)
    throw new RangeError(
      `sampleNegatives: user ${user} has only ${d.numItems - deg} non-interacted items, ${count} asked`,
    );
  const out = new Int32Array(count);
  const seen = new Set<number>();
  let k = 0;
  while (k < count) {
    const i = rng.int(d.numItems);
    if (seen.has(i) || hasEdge(m, user, i) || (behaviour === targetIndex(d) && i === d.testItem[user]))
      continue;
    seen.add(i);
    out[k++] = i;
  }
  return out;
}

/** Sampled-evaluation candidates: per test user, [held-out item, `numNegatives` negatives] (positive in column 0). */
export interface EvalCandidates {
  users: Int32Array;
  /** Row-major [users, 1 + numNegatives]. */
  items: Int32Array;
  numCandidates: number;
}

/** The candidates of every test user, drawn once with `seed` (the same for every model of a grid). */
export function evalCandidates(d: MultiBehaviourData, numNegatives = 99, seed = 0): EvalCandidates {
  const users = testUsers(d);
  const n = numNegatives + 1;
  const items = new Int32Array(users.length * n);
  const rng = new Rng(seed);
  users.forEach((u, k) => {
    items[k * n] = d.testItem[u];
    items.set(sampleNegatives(d, u, numNegatives, rng), k * n + 1);
  });
  return { users, items, numCandidates: n };
}

/**
 * A deterministic subsample: `maxUsers` test users drawn by a seeded permutation, then the
 * `maxItems` items with the most interactions of those users (all behaviours; ties by id), ids
 * re-numbered; users whose test item or every target edge falls outside are dropped.
 */
export function subsampleUsers(
  d: MultiBehaviourData,
  opts: { maxUsers: number; maxItems: number; seed: number },
): MultiBehaviourData {
  const all = testUsers(d);
  const perm = new Rng(opts.seed).permutation(all.length);
  const picked = Array.from(perm.slice(0, Math.min(opts.maxUsers, all.length)), (p) => all[p]).sort(
    (a, b) => a - b,
  );
  const deg = new Float64Array(d.numItems);
  for (const m of d.train)
    for (const u of picked) for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) deg[m.indices[e]]++;
  for (const u of picked) deg[d.testItem[u]]++;
  const byDeg = Array.from({ length: d.numItems }, (_, i) => i)
    .filter((i) => deg[i] > 0)
    .sort((a, b) => deg[b] - deg[a] || a - b)
    .slice(0, opts.maxItems)
    .sort((a, b) => a - b);
  const itemMap = new Int32Array(d.numItems).fill(-1);
  byDeg.forEach((i, k) => (itemMap[i] = k));
  const t = targetIndex(d);
  const users = picked.filter((u) => {
    if (itemMap[d.testItem[u]] < 0) return false;
    const m = d.train[t];
    for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) if (itemMap[m.indices[e]] >= 0) return true;
    return false;
  });
  const train = d.train.map((m) => {
    const rows: number[] = [];
    const cols: number[] = [];
    users.forEach((u, k) => {
      for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) {
        const j = itemMap[m.indices[e]];
        if (j >= 0) (rows.push(k), cols.push(j));
      }
    });
    return csrFromCoo(rows, cols, users.length, byDeg.length, { binary: true });
  });
  const testItem = Int32Array.from(users, (u) => itemMap[d.testItem[u]]);
  return {
    id: d.id,
    behaviours: [...d.behaviours],
    numUsers: users.length,
    numItems: byDeg.length,
    train,
    testItem,
    fingerprint: sha256Hex(`${d.fingerprint}|subsample ${JSON.stringify(opts)}`),
    synthetic: d.synthetic,
    notes: [
      ...d.notes,
      `subsample: ${users.length} of ${d.numUsers} users (seed ${opts.seed}), the ${byDeg.length} most interacted items of them`,
    ],
  };
}

/** Interactions per behaviour and the density, for the notebook's data section. */
export function graphStats(d: MultiBehaviourData): Record<string, string | number>[] {
  return d.behaviours.map((b, k) => ({
    data: d.id,
    behaviour: k === targetIndex(d) ? `${b} (target)` : b,
    users: d.numUsers,
    items: d.numItems,
    "train edges": nnz(d.train[k]),
    density: (nnz(d.train[k]) / (d.numUsers * d.numItems)).toExponential(2),
    "test users": k === targetIndex(d) ? testUsers(d).length : "—",
  }));
}

// ---- loading -----------------------------------------------------------------------------------

/** How a registry entry's files make a multi-behaviour graph (DatasetEntry.graph). */
export interface GraphLoaderSpec {
  /** Behaviour name → file name (DataFileSpec.name) of its training interactions, in order; the last is the target. */
  behaviours: [string, string][];
  /** File name of the held-out target item per user ("user item" lines). */
  test: string;
}

/**
 * Reads "user item item ..." lines (whitespace-separated, 0-based ids; "user item" lines are the
 * one-item case) into per-user lists; a malformed token fails naming file and line.
 */
export async function readUserItemLines(file: string): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  await forEachLine(file, (line, lineNo) => {
    const t = line.trim();
    if (!t) return;
    const parts = t.split(/\s+/);
    const ids = parts.map(Number);
    const bad = ids.findIndex((x) => !Number.isInteger(x) || x < 0);
    if (bad >= 0)
      throw new DataError(
        "BAD_ROW",
        `${file}:${lineNo}: token ${bad + 1} "${parts[bad]}" is not a non-negative integer id`,
        { file, line: lineNo },
      );
    const list = out.get(ids[0]) ?? [];
    for (let k = 1; k < ids.length; k++) list.push(ids[k]);
    out.set(ids[0], list);
  });
  return out;
}

/**
 * Loads a multi-behaviour registry entry (`DatasetEntry.graph`): the behaviours' training files and
 * the test file. A test pair found in the target training edges is removed from them (counted in
 * the notes), so the held-out item never leaks into training.
 */
export async function loadMultiBehaviour(id: string, opts: FetchOptions = {}): Promise<MultiBehaviourData> {
  const entry = getDataset(id);
  if (entry.standIn && standInsAllowed()) {
    try {
      return await loadRegisteredGraph(id, opts);
    } catch (e) {
      if (!(e instanceof DataError && e.code === "MISSING_FILE")) throw e;
      console.warn(
        `[recrepro] RECREPRO_STAND_IN=1: ${id} is not here (${e.message.split(";")[0]}); using its stand-in ${entry.standIn}`,
      );
      const d = await loadMultiBehaviour(entry.standIn, opts);
      return {
        ...d,
        id: `${d.id} (STAND-IN for ${id})`,
        fingerprint: `${d.fingerprint}:stand-in-for:${id}`,
        notes: [
          `STAND-IN: the sample ${entry.standIn} replaces ${id} (RECREPRO_STAND_IN=1); results are not the paper profile's`,
          ...d.notes,
        ],
      };
    }
  }
  return loadRegisteredGraph(id, opts);
}

async function loadRegisteredGraph(id: string, opts: FetchOptions): Promise<MultiBehaviourData> {
  const entry = getDataset(id);
  const spec = entry.graph;
  if (!spec)
    throw new DataError(
      "NO_LOADER",
      `dataset ${id} is not a multi-behaviour graph data set (no "graph" loader in the registry)`,
    );
  const lists: Map<number, number[]>[] = [];
  const hashes: string[] = [];
  for (const [, fileName] of spec.behaviours) {
    const r = await resolveFile(entry, getFile(entry, fileName), opts);
    hashes.push(r.sha256);
    lists.push(await readUserItemLines(r.path));
  }
  const tr = await resolveFile(entry, getFile(entry, spec.test), opts);
  hashes.push(tr.sha256);
  const test = await readUserItemLines(tr.path);
  let numUsers = 0;
  let numItems = 0;
  for (const m of [...lists, test]) {
    for (const [u, items] of m) {
      numUsers = Math.max(numUsers, u + 1);
      for (const i of items) numItems = Math.max(numItems, i + 1);
    }
  }
  const testItem = new Int32Array(numUsers).fill(-1);
  for (const [u, items] of test) {
    if (items.length !== 1)
      throw new DataError(
        "BAD_ROW",
        `${tr.path}: user ${u} has ${items.length} test items; expected exactly 1`,
        { file: tr.path },
      );
    testItem[u] = items[0];
  }
  let leaked = 0;
  const t = spec.behaviours.length - 1;
  const train = lists.map((m, b) => {
    const rows: number[] = [];
    const cols: number[] = [];
    for (const [u, items] of m) {
      for (const i of items) {
        if (b === t && testItem[u] === i) {
          leaked++;
          continue;
        }
        rows.push(u);
        cols.push(i);
      }
    }
    return csrFromCoo(rows, cols, numUsers, numItems, { binary: true });
  });
  return {
    id,
    behaviours: spec.behaviours.map(([b]) => b),
    numUsers,
    numItems,
    train,
    testItem,
    fingerprint: sha256Hex(hashes.join("|")),
    synthetic: false,
    notes: [
      `${id}: ${entry.title}`,
      `${leaked} test pairs found in the target training edges and removed from them`,
    ],
  };
}

// ---- synthetic positive control -------------------------------------------------------------

export interface SyntheticMultiBehaviourOptions {
  numUsers: number;
  numItems: number;
  /** Behaviour names, target last. */
  behaviours: string[];
  /** Latent dimension of the planted preference. */
  latentDim: number;
  /** Mean interactions per user of each behaviour (same order). */
  perUser: number[];
  seed: number;
}

/**
 * A seeded multi-behaviour set whose target edges follow the auxiliary behaviours: one latent
 * preference per user and item; every behaviour samples a user's items by that preference with a
 * behaviour-specific sharpness, and a user buys mostly among the items it carted or viewed
 * (instance-level paths view → cart → buy), so a model that passes messages through the auxiliary
 * graphs towards the target can find the held-out purchase. Leave-last-out on the target.
 */
export function syntheticMultiBehaviour(o: SyntheticMultiBehaviourOptions): MultiBehaviourData {
  const rng = new Rng(o.seed);
  const U = o.numUsers;
  const I = o.numItems;
  const D = o.latentDim;
  const pu = Float32Array.from({ length: U * D }, () => rng.normal());
  const qi = Float32Array.from({ length: I * D }, () => rng.normal());
  const B = o.behaviours.length;
  const seqs: number[][][] = o.behaviours.map(() => Array.from({ length: U }, () => []));
  for (let u = 0; u < U; u++) {
    const score = new Float64Array(I);
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += pu[u * D + d] * qi[i * D + d];
      score[i] = s + 0.5 * rng.normal();
    }
    const ranked = Array.from({ length: I }, (_, i) => i).sort((a, b) => score[b] - score[a]);
    let pool = ranked.slice(0, Math.min(I, Math.ceil(o.perUser[0] * 1.5)));
    for (let b = 0; b < B; b++) {
      const n = Math.max(b === B - 1 ? 2 : 1, Math.round(o.perUser[b] * (0.5 + rng.next())));
      const chosen: number[] = [];
      const from = b === 0 ? pool : pool.slice(0, Math.max(n + 1, Math.ceil(pool.length * 0.6)));
      for (let k = 0; k < from.length && chosen.length < n; k++) if (rng.next() < 0.7) chosen.push(from[k]);
      if (chosen.length < n)
        for (const i of from) if (chosen.length < n && !chosen.includes(i)) chosen.push(i);
      rng.shuffle(chosen);
      seqs[b][u] = chosen;
      pool = chosen
        .concat(pool.filter((i) => !chosen.includes(i)))
        .slice(0, Math.max(chosen.length + 2, pool.length));
    }
  }
  const t = B - 1;
  const split = leaveLastOut(seqs[t], I, 2);
  const train = seqs.map((s, b) => {
    if (b === t) return split.train;
    const rows: number[] = [];
    const cols: number[] = [];
    s.forEach((items, u) => items.forEach((i) => (rows.push(u), cols.push(i))));
    return csrFromCoo(rows, cols, U, I, { binary: true });
  });
  return {
    id: "synthetic-multibehaviour",
    behaviours: [...o.behaviours],
    numUsers: U,
    numItems: I,
    train,
    testItem: split.testItem,
    fingerprint: sha256Hex(`synthetic-multibehaviour ${JSON.stringify(o)}`),
    synthetic: true,
    notes: ["SYNTHETIC data: seeded generator, purchases drawn among carted / viewed items"],
  };
}
