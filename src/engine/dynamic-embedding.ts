/**
 * A dynamic embedding table for streaming recommendation (AutoAssign+, paper 4): one fp32 buffer
 * holding, for F fields, M shared rows per field (slots 0 .. F·M−1, never removed) followed by the
 * own rows of individual IDs, which can be added, pointed at a shared row of their field, and
 * evicted while the stream runs.
 *
 * Every (field, raw id) is in one of three states:
 *  - own:     it has a row of its own (a slot after the shared block);
 *  - shared:  it points at shared row j of its field (0 <= j < M), no row of its own;
 *  - absent:  never added, or evicted; lookups fall back to its field's default shared row (j = 0),
 *             never to another id's row.
 *
 * Own rows stay dense: removing a row moves the last own row into the freed slot (swap-remove)
 * and re-points the moved id, so `numRows` rows are always slots 0 .. numRows−1. The buffers grow
 * by doubling; `compact()` reallocates them to exactly `numRows` rows, so `memory()` (which reads
 * `byteLength` of the real typed arrays: weights, the optimiser's accumulators and the slot-owner
 * index) is then exactly rows x dim x 4 (+ accumulators + 8 bytes of owner key per row).
 * The id map itself is a JS Map (one entry per own or shared id); its entries are counted
 * (`idEntries`) but their heap bytes are not, as they are not a buffer of ours.
 *
 * Updates are row-wise (duplicates in a batch summed) with SGD or Adagrad; a shared row receives
 * the summed gradient of every id pointing at it.
 */
import { Rng } from "./rng";

export interface DynamicEmbeddingConfig {
  /** Table name for errors and memory reports. */
  name: string;
  /** Number of fields F. */
  fields: number;
  /** Embedding dimension D. */
  dim: number;
  /** Shared rows per field M (>= 1; row 0 of a field is its default, the fall-back of absent ids). */
  sharedPerField: number;
  /** Std of the normal initialisation of new rows (own and shared). Default 0.01. */
  initStd?: number;
  /** Row optimiser. Default Adagrad lr 0.05. */
  optimizer?: { kind: "sgd" | "adagrad"; lr: number; eps?: number };
  /** Seed of the initialisation draws. */
  seed: number;
  /** Initial capacity in rows beyond the shared block (default 64). */
  initialCapacity?: number;
}

export type RowState =
  | { kind: "own"; slot: number }
  | { kind: "shared"; index: number; slot: number }
  | { kind: "absent"; slot: number };

export interface DynamicMemory {
  name: string;
  dim: number;
  /** Rows in use (shared + own). */
  rows: number;
  sharedRows: number;
  ownRows: number;
  /** Ids in the id map (own + shared). */
  idEntries: number;
  /** Allocated rows (>= rows; equal after compact()). */
  capacityRows: number;
  weightBytes: number;
  optimizerBytes: number;
  ownerBytes: number;
  /** weightBytes + optimizerBytes + ownerBytes: the real buffers. */
  bytes: number;
  /** Bytes the rows in use need (rows x dim x 4 x (1 + accumulator) + 8 x rows). */
  liveBytes: number;
}

const FIELD_STRIDE = 2 ** 31;

/** The map key of (field, id): field·2^31 + id (ids must be integers in [0, 2^31)). */
export function idKey(field: number, id: number): number {
  return field * FIELD_STRIDE + id;
}

export class DynamicEmbeddingTable {
  readonly config: Required<Omit<DynamicEmbeddingConfig, "optimizer">> & {
    optimizer: { kind: "sgd" | "adagrad"; lr: number; eps: number };
  };
  /** Rows x dim weights (capacity rows allocated). */
  weights: Float32Array;
  /** Adagrad accumulators (rows x dim), or an empty array under SGD. */
  accum: Float32Array;
  /** Per slot: the id key owning it, or −1 for a shared row. */
  owner: Float64Array;
  private readonly map = new Map<number, number>(); // key -> slot (own) or −(j+1) (shared)
  private rowsUsed: number;
  private capacity: number;
  private readonly rng: Rng;

  constructor(cfg: DynamicEmbeddingConfig) {
    const bad = (f: string, v: unknown) => {
      throw new Error(`dynamic embedding table ${cfg.name}: ${f} must be an integer >= 1 (got ${v})`);
    };
    for (const f of ["fields", "dim", "sharedPerField"] as const)
      if (!Number.isInteger(cfg[f]) || cfg[f] < 1) bad(f, cfg[f]);
    this.config = {
      name: cfg.name,
      fields: cfg.fields,
      dim: cfg.dim,
      sharedPerField: cfg.sharedPerField,
      initStd: cfg.initStd ?? 0.01,
      seed: cfg.seed,
      initialCapacity: cfg.initialCapacity ?? 64,
      optimizer: { eps: 1e-8, ...(cfg.optimizer ?? { kind: "adagrad", lr: 0.05 }) },
    };
    this.rng = new Rng(cfg.seed);
    const shared = cfg.fields * cfg.sharedPerField;
    this.rowsUsed = shared;
    this.capacity = shared + this.config.initialCapacity;
    this.weights = new Float32Array(this.capacity * cfg.dim);
    this.accum = new Float32Array(this.config.optimizer.kind === "adagrad" ? this.capacity * cfg.dim : 0);
    this.owner = new Float64Array(this.capacity).fill(-1);
    for (let s = 0; s < shared; s++) this.initRow(s);
  }

  get numRows(): number {
    return this.rowsUsed;
  }
  get sharedRows(): number {
    return this.config.fields * this.config.sharedPerField;
  }
  get ownRows(): number {
    return this.rowsUsed - this.sharedRows;
  }
  /** Slot of shared row j of `field`. */
  sharedSlot(field: number, j: number): number {
    this.checkField(field);
    if (!Number.isInteger(j) || j < 0 || j >= this.config.sharedPerField)
      throw new Error(
        `${this.config.name}: shared row ${j} out of range [0, ${this.config.sharedPerField}) of field ${field}`,
      );
    return field * this.config.sharedPerField + j;
  }

  private checkField(field: number): void {
    if (!Number.isInteger(field) || field < 0 || field >= this.config.fields)
      throw new Error(`${this.config.name}: field ${field} out of range [0, ${this.config.fields})`);
  }

  private initRow(slot: number): void {
    const d = this.config.dim;
    for (let k = 0; k < d; k++) this.weights[slot * d + k] = this.rng.normal() * this.config.initStd;
    if (this.accum.length) this.accum.fill(0, slot * d, slot * d + d);
  }

  private grow(): void {
    const d = this.config.dim;
    const cap = this.capacity * 2;
    const w = new Float32Array(cap * d);
    w.set(this.weights.subarray(0, this.rowsUsed * d));
    this.weights = w;
    if (this.accum.length) {
      const a = new Float32Array(cap * d);
      a.set(this.accum.subarray(0, this.rowsUsed * d));
      this.accum = a;
    }
    const o = new Float64Array(cap).fill(-1);
    o.set(this.owner.subarray(0, this.rowsUsed));
    this.owner = o;
    this.capacity = cap;
  }

  /** Where (field, id) looks up now. */
  state(field: number, id: number): RowState {
    this.checkField(field);
    const c = this.map.get(idKey(field, id));
    if (c === undefined) return { kind: "absent", slot: field * this.config.sharedPerField };
    if (c >= 0) return { kind: "own", slot: c };
    const j = -c - 1;
    return { kind: "shared", index: j, slot: field * this.config.sharedPerField + j };
  }

  /** Slot (field, id) reads: its own row, its shared row, or its field's default shared row. */
  slotOf(field: number, id: number): number {
    const c = this.map.get(field * FIELD_STRIDE + id);
    if (c === undefined) return field * this.config.sharedPerField;
    return c >= 0 ? c : field * this.config.sharedPerField - c - 1;
  }

  /**
   * Gives (field, id) a row of its own (no-op when it has one). `init`: "random" draws N(0, initStd²);
   * "current" copies the row it reads now (its shared row, or the field's default), a warm start.
   * Returns the slot.
   */
  addOwn(field: number, id: number, init: "random" | "current" = "random"): number {
    this.checkField(field);
    if (!Number.isInteger(id) || id < 0 || id >= FIELD_STRIDE)
      throw new Error(`${this.config.name}: id ${id} of field ${field} must be an integer in [0, 2^31)`);
    const key = idKey(field, id);
    const c = this.map.get(key);
    if (c !== undefined && c >= 0) return c;
    const from = this.slotOf(field, id);
    if (this.rowsUsed === this.capacity) this.grow();
    const slot = this.rowsUsed++;
    const d = this.config.dim;
    if (init === "random") this.initRow(slot);
    else {
      this.weights.copyWithin(slot * d, from * d, from * d + d);
      if (this.accum.length) this.accum.copyWithin(slot * d, from * d, from * d + d);
    }
    this.owner[slot] = key;
    this.map.set(key, slot);
    return slot;
  }

  /** Points (field, id) at shared row j of its field, freeing its own row if it had one. */
  share(field: number, id: number, j: number): void {
    this.sharedSlot(field, j);
    const key = idKey(field, id);
    const c = this.map.get(key);
    if (c !== undefined && c >= 0) this.freeSlot(c);
    this.map.set(key, -(j + 1));
  }

  /** Removes (field, id) from the table: its own row is freed, it reads its field's default shared row. */
  evict(field: number, id: number): void {
    this.checkField(field);
    const key = idKey(field, id);
    const c = this.map.get(key);
    if (c === undefined) return;
    if (c >= 0) this.freeSlot(c);
    this.map.delete(key);
  }

  private freeSlot(slot: number): void {
    const d = this.config.dim;
    const last = this.rowsUsed - 1;
    if (slot < this.sharedRows || slot > last)
      throw new Error(`${this.config.name}: slot ${slot} is not an own row`);
    if (slot !== last) {
      this.weights.copyWithin(slot * d, last * d, last * d + d);
      if (this.accum.length) this.accum.copyWithin(slot * d, last * d, last * d + d);
      const moved = this.owner[last];
      this.owner[slot] = moved;
      this.map.set(moved, slot);
    }
    this.owner[last] = -1;
    this.rowsUsed = last;
  }

  /** Reallocates every buffer to exactly the rows in use. */
  compact(): void {
    const d = this.config.dim;
    this.capacity = Math.max(this.rowsUsed, 1);
    this.weights = this.weights.slice(0, this.capacity * d);
    if (this.accum.length) this.accum = this.accum.slice(0, this.capacity * d);
    this.owner = this.owner.slice(0, this.capacity);
  }

  /** Every (field, id) in the map with where it points: [field, id, slot or −(j+1)]. */
  entries(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const [k, c] of this.map) out.push([Math.floor(k / FIELD_STRIDE), k % FIELD_STRIDE, c]);
    return out;
  }

  memory(): DynamicMemory {
    const d = this.config.dim;
    const perRow = d * 4 * (this.accum.length ? 2 : 1) + 8;
    const weightBytes = this.weights.byteLength;
    const optimizerBytes = this.accum.byteLength;
    const ownerBytes = this.owner.byteLength;
    return {
      name: this.config.name,
      dim: d,
      rows: this.rowsUsed,
      sharedRows: this.sharedRows,
      ownRows: this.ownRows,
      idEntries: this.map.size,
      capacityRows: this.capacity,
      weightBytes,
      optimizerBytes,
      ownerBytes,
      bytes: weightBytes + optimizerBytes + ownerBytes,
      liveBytes: this.rowsUsed * perRow,
    };
  }

  /** Copies rows `slots` into `out` (slots.length x dim). */
  gather(slots: Int32Array, out: Float32Array): void {
    const d = this.config.dim;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i] * d;
      for (let k = 0; k < d; k++) out[i * d + k] = this.weights[s + k];
    }
  }

  /** Applies gradients (slots.length x dim; duplicate slots summed first) with the row optimiser. */
  applyGradients(slots: Int32Array, grads: Float32Array): void {
    const d = this.config.dim;
    const sum = new Map<number, Float32Array>();
    for (let i = 0; i < slots.length; i++) {
      let g = sum.get(slots[i]);
      if (!g) sum.set(slots[i], (g = new Float32Array(d)));
      for (let k = 0; k < d; k++) g[k] += grads[i * d + k];
    }
    const { kind, lr, eps } = this.config.optimizer;
    for (const [s, g] of sum) {
      if (s < 0 || s >= this.rowsUsed) throw new Error(`${this.config.name}: gradient for unused slot ${s}`);
      const o = s * d;
      for (let k = 0; k < d; k++) {
        if (kind === "adagrad") {
          this.accum[o + k] += g[k] * g[k];
          this.weights[o + k] -= (lr * g[k]) / (Math.sqrt(this.accum[o + k]) + eps);
        } else this.weights[o + k] -= lr * g[k];
      }
    }
  }

  /** L2 norm of a slot's row. */
  rowNorm(slot: number): number {
    const d = this.config.dim;
    let s = 0;
    for (let k = 0; k < d; k++) s += this.weights[slot * d + k] ** 2;
    return Math.sqrt(s);
  }
}
