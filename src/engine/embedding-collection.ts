/**
 * The embedding layer of a CTR model, built from kit-owned tables: every categorical field of a
 * schema maps to a table (one per field, fields naming `shareWith` share one, or a single table
 * with per-field id offsets). `lookup` writes the batch's field embeddings into one buffer
 * [B, F, D]; `applyGradients` takes the gradient of that buffer and updates each table once.
 */
/** A categorical field as the collection needs it (a schema's categorical feature is one). */
export interface EmbeddingField {
  name: string;
  vocabSize: number;
  /** Name of the field whose table this one uses. */
  shareWith?: string;
}
import {
  EmbeddingTable,
  EmbeddingTableState,
  InitConfig,
  PrecisionConfig,
  TableMemory,
} from "./embedding-table";
import { SparseOptimizerConfig } from "./sparse-optim";

export interface EmbeddingCollectionConfig {
  /** Embedding dimension D of every field. Default 16 (all eight papers' code). */
  embDim: number;
  /** "per-field" tables (FuxiCTR, torch-rechub) or one "shared" table with offsets (HierRec's code). Default "per-field". */
  layout?: "per-field" | "shared";
  /** Storage precision of every table. Default fp32. */
  precision?: PrecisionConfig;
  init?: InitConfig;
  /** Row-wise optimiser of every table. Default Adam, lr 1e-3. */
  optimizer?: SparseOptimizerConfig;
}

export interface CollectionMemory {
  tables: TableMemory[];
  weightBytes: number;
  stepBytes: number;
  optimizerBytes: number;
  fp32WeightBytes: number;
}

export class EmbeddingCollection {
  readonly tables: EmbeddingTable[];
  /** Table index of each categorical field. */
  readonly fieldTable: Int32Array;
  /** Id offset of each field inside its table. */
  readonly fieldOffset: Int32Array;
  readonly numFields: number;
  readonly embDim: number;
  private readonly tableFields: number[][];
  private idScratch: Int32Array = new Int32Array(0);
  private allIdScratch: Int32Array = new Int32Array(0);

  /** `source`: the data set's name (for errors) and its categorical fields in schema order. */
  constructor(
    source: { name: string; fields: readonly EmbeddingField[] },
    readonly config: EmbeddingCollectionConfig,
    seed: number,
  ) {
    const fields = source.fields;
    const schema = source;
    if (fields.length === 0) throw new Error(`dataset ${schema.name}: no categorical features to embed`);
    this.numFields = fields.length;
    this.embDim = config.embDim;
    this.fieldTable = new Int32Array(fields.length);
    this.fieldOffset = new Int32Array(fields.length);
    const mk = (name: string, rows: number, k: number) =>
      new EmbeddingTable(
        {
          name,
          rows,
          dim: config.embDim,
          precision: config.precision,
          init: config.init,
          optimizer: config.optimizer,
        },
        (seed + 7919 * (k + 1)) >>> 0,
      );
    if ((config.layout ?? "per-field") === "shared") {
      let total = 0;
      fields.forEach((f, i) => {
        this.fieldOffset[i] = total;
        total += f.vocabSize;
      });
      this.tables = [mk("shared", total, 0)];
      this.tableFields = [fields.map((_, i) => i)];
    } else {
      const byName = new Map(fields.map((f, i) => [f.name, i]));
      const owner = fields.map((f) => {
        let cur = f;
        const seen = new Set<string>();
        while (cur.shareWith) {
          if (seen.has(cur.name))
            throw new Error(`dataset ${schema.name}: cycle in shareWith at ${cur.name}`);
          seen.add(cur.name);
          const j = byName.get(cur.shareWith);
          if (j === undefined)
            throw new Error(
              `dataset ${schema.name}: field ${cur.name} shares with unknown field ${cur.shareWith}`,
            );
          cur = fields[j];
        }
        return cur;
      });
      this.tables = [];
      this.tableFields = [];
      const tableOf = new Map<string, number>();
      fields.forEach((f, i) => {
        const o = owner[i];
        let t = tableOf.get(o.name);
        if (t === undefined) {
          const rows = Math.max(...fields.filter((_, j) => owner[j].name === o.name).map((g) => g.vocabSize));
          t = this.tables.length;
          this.tables.push(mk(o.name, rows, t));
          this.tableFields.push([]);
          tableOf.set(o.name, t);
        }
        this.fieldTable[i] = t;
        this.tableFields[t].push(i);
      });
    }
  }

  /** Field embeddings of a batch: out[(b·F + f)·D + k]. */
  lookup(cat: Int32Array[], batchSize: number, out?: Float32Array): Float32Array {
    const F = this.numFields;
    const D = this.embDim;
    if (cat.length !== F)
      throw new Error(`embedding lookup: batch has ${cat.length} categorical columns, model expects ${F}`);
    const res = out ?? new Float32Array(batchSize * F * D);
    if (this.tables.length === 1 && this.tableFields[0].length === F) {
      // One table holds every field: one contiguous gather of the [B, F] ids.
      this.tables[0].lookup(this.allFieldIds(cat, batchSize), res);
      return res;
    }
    for (let f = 0; f < F; f++) {
      const table = this.tables[this.fieldTable[f]];
      const ids = this.fieldIds(cat[f], f, batchSize);
      table.lookup(ids, res, f * D, F * D);
    }
    return res;
  }

  /** Apply d(loss)/d(lookup output) ([B, F, D]) to the tables, one optimiser step per table. */
  applyGradients(cat: Int32Array[], batchSize: number, grad: Float32Array, lrScale = 1): void {
    this.eachTable(cat, batchSize, grad, (table, ids, g, off, stride) =>
      table.applyGradients(ids, g, off, stride, lrScale),
    );
  }

  /** Whether some table learns its step sizes with `stepGrad: "two-pass"` (the trainer then runs a second pass). */
  get needsSecondPass(): boolean {
    return this.tables.some((t) => t.learnStep?.stepGrad === "two-pass");
  }

  /**
   * Second pass of two-pass ALPT: d(loss)/d(lookup output) ([B, F, D]) of the same batch looked up
   * again after `applyGradients`; each two-pass table updates its step sizes and stores its rows.
   */
  applyStepGradients(cat: Int32Array[], batchSize: number, grad: Float32Array, lrScale = 1): void {
    this.eachTable(cat, batchSize, grad, (table, ids, g, off, stride) => {
      if (table.stepUpdatePending) table.applyStepGradients(ids, g, off, stride, lrScale);
    });
  }

  /** Hand each table the ids and gradient rows of its fields in `grad` ([B, F, D]). */
  private eachTable(
    cat: Int32Array[],
    batchSize: number,
    grad: Float32Array,
    fn: (table: EmbeddingTable, ids: Int32Array, g: Float32Array, offset: number, stride: number) => void,
  ): void {
    const F = this.numFields;
    const D = this.embDim;
    for (let t = 0; t < this.tables.length; t++) {
      const fields = this.tableFields[t];
      const table = this.tables[t];
      if (fields.length === 1) {
        const f = fields[0];
        fn(table, this.fieldIds(cat[f], f, batchSize), grad, f * D, F * D);
      } else if (fields.length === F) {
        // Every field in this table: the [B, F, D] buffer is already one entry per (b, f).
        fn(table, this.allFieldIds(cat, batchSize), grad, 0, D);
      } else {
        const n = fields.length * batchSize;
        const ids = new Int32Array(n);
        const g = new Float32Array(n * D);
        let i = 0;
        for (const f of fields) {
          for (let b = 0; b < batchSize; b++, i++) {
            ids[i] = cat[f][b] + this.fieldOffset[f];
            g.set(grad.subarray((b * F + f) * D, (b * F + f + 1) * D), i * D);
          }
        }
        fn(table, ids, g, 0, D);
      }
    }
  }

  /** Ids of every field, sample-major [B, F], with the fields' offsets (a reused buffer). */
  private allFieldIds(cat: Int32Array[], batchSize: number): Int32Array {
    const F = this.numFields;
    if (this.allIdScratch.length !== batchSize * F) this.allIdScratch = new Int32Array(batchSize * F);
    const ids = this.allIdScratch;
    for (let f = 0; f < F; f++) {
      const col = cat[f];
      if (col.length < batchSize)
        throw new Error(`embedding lookup: field ${f} has ${col.length} ids for a batch of ${batchSize}`);
      const off = this.fieldOffset[f];
      for (let b = 0; b < batchSize; b++) ids[b * F + f] = col[b] + off;
    }
    return ids;
  }

  private fieldIds(col: Int32Array, f: number, batchSize: number): Int32Array {
    if (col.length < batchSize)
      throw new Error(`embedding lookup: field ${f} has ${col.length} ids for a batch of ${batchSize}`);
    const off = this.fieldOffset[f];
    if (off === 0) return col.length === batchSize ? col : col.subarray(0, batchSize);
    if (this.idScratch.length < batchSize) this.idScratch = new Int32Array(batchSize);
    const ids = this.idScratch.subarray(0, batchSize);
    for (let b = 0; b < batchSize; b++) ids[b] = col[b] + off;
    return ids;
  }

  numParams(): number {
    return this.tables.reduce((s, t) => s + t.rows * t.dim, 0);
  }

  memory(): CollectionMemory {
    const tables = this.tables.map((t) => t.memory());
    const sum = (k: keyof TableMemory) => tables.reduce((s, m) => s + (m[k] as number), 0);
    return {
      tables,
      weightBytes: sum("weightBytes"),
      stepBytes: sum("stepBytes"),
      optimizerBytes: sum("optimizerBytes"),
      fp32WeightBytes: sum("fp32WeightBytes"),
    };
  }

  getState(): EmbeddingTableState[] {
    return this.tables.map((t) => t.getState());
  }

  setState(states: EmbeddingTableState[]): void {
    if (states.length !== this.tables.length)
      throw new Error(
        `embedding collection: checkpoint has ${states.length} tables, model has ${this.tables.length}`,
      );
    states.forEach((s, i) => this.tables[i].setState(s));
  }
}
