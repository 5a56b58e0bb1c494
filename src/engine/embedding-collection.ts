/**
 * The embedding layer of a CTR model, built from kit-owned tables: every categorical field of a
 * schema maps to a table (one per field, fields naming `shareWith` share one, or a single table
 * with per-field id offsets). `lookup` writes the batch's field embeddings into one buffer
 * [B, F, D]; `applyGradients` takes the gradient of that buffer and updates each table once.
 *
 * Sequence features (fixed length L, left-padded with id 0) a model asks for are extra *slots*
 * after the F fields: the buffer is then [B, S, D] with S = F + ΣL, a sequence's L positions in
 * order. A sequence naming `shareWith` reads the rows of that field's table (one item table for
 * target, clicks and unclicks); `applyGradients` scatters every slot's gradient row back into its
 * table in one optimiser step per table, duplicates summed. Padded positions look up row 0; a model
 * that masks them (layers/attention.ts) hands back a zero gradient for them.
 */
/** A categorical field as the collection needs it (a schema's categorical feature is one). */
export interface EmbeddingField {
  name: string;
  vocabSize: number;
  /** Name of the field whose table this one uses. */
  shareWith?: string;
}

/** A sequence feature as the collection needs it: `column` is its index in `Batch.seq`. */
export interface EmbeddingSequence {
  name: string;
  vocabSize: number;
  maxLen: number;
  column: number;
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
  /** Embedded sequences, in slot order after the fields. */
  readonly sequences: readonly EmbeddingSequence[];
  /** First slot of each sequence. */
  readonly seqStart: Int32Array;
  /** Slots per sample: F + the sequences' lengths. */
  readonly numSlots: number;
  private readonly seqTable: Int32Array;
  private readonly seqOffset: Int32Array;
  private readonly tableFields: number[][];
  private idScratch: Int32Array = new Int32Array(0);
  private allIdScratch: Int32Array = new Int32Array(0);

  /** `source`: the data set's name (for errors) and its categorical fields in schema order. */
  constructor(
    source: { name: string; fields: readonly EmbeddingField[]; sequences?: readonly EmbeddingSequence[] },
    readonly config: EmbeddingCollectionConfig,
    seed: number,
  ) {
    const sequences = source.sequences ?? [];
    const fields: readonly EmbeddingField[] = [...source.fields, ...sequences];
    const schema = source;
    if (source.fields.length === 0)
      throw new Error(`dataset ${schema.name}: no categorical features to embed`);
    this.numFields = source.fields.length;
    this.sequences = sequences;
    this.embDim = config.embDim;
    const fieldTable = new Int32Array(fields.length);
    const fieldOffset = new Int32Array(fields.length);
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
      const byName = new Map(fields.map((f, i) => [f.name, i]));
      fields.forEach((f, i) => {
        // A sequence sharing a field's table reads that field's id range of the one table.
        const j =
          f.shareWith !== undefined && i >= source.fields.length ? byName.get(f.shareWith) : undefined;
        if (j !== undefined && j < i) {
          fieldOffset[i] = fieldOffset[j];
          return;
        }
        fieldOffset[i] = total;
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
        fieldTable[i] = t;
        this.tableFields[t].push(i);
      });
    }
    // Slots of the sequences: table and offset of each, and their first slot.
    const F = this.numFields;
    this.seqTable = fieldTable.slice(F);
    this.seqOffset = fieldOffset.slice(F);
    this.fieldTable = fieldTable.slice(0, F);
    this.fieldOffset = fieldOffset.slice(0, F);
    this.seqStart = new Int32Array(sequences.length);
    let slot = F;
    sequences.forEach((q, j) => {
      if (!(Number.isInteger(q.maxLen) && q.maxLen > 0))
        throw new Error(`dataset ${schema.name}: sequence ${q.name} has maxLen ${q.maxLen}`);
      this.seqStart[j] = slot;
      slot += q.maxLen;
    });
    this.numSlots = slot;
    this.tableFields = this.tableFields.map((fs) => fs.filter((f) => f < F));
    this.tableSeqs = this.tables.map((_, t) =>
      sequences.map((_, j) => j).filter((j) => this.seqTable[j] === t),
    );
  }

  private readonly tableSeqs: number[][];

  /**
   * Field embeddings of a batch: out[(b·S + f)·D + k] for field f, and the embedded sequences' ids
   * (`seq`: the batch's sequence columns, [B·L] each) at slots `seqStart[j]` + position. Without
   * embedded sequences S = F and `seq` is not read.
   */
  lookup(cat: Int32Array[], batchSize: number, out?: Float32Array, seq?: Int32Array[]): Float32Array {
    const F = this.numFields;
    const D = this.embDim;
    const S = this.numSlots;
    if (cat.length !== F)
      throw new Error(`embedding lookup: batch has ${cat.length} categorical columns, model expects ${F}`);
    const res = out ?? new Float32Array(batchSize * S * D);
    if (res.length < batchSize * S * D)
      throw new Error(
        `embedding lookup: output buffer holds ${res.length} values, needs ${batchSize * S * D}`,
      );
    if (S === F && this.tables.length === 1 && this.tableFields[0].length === F) {
      // One table holds every field: one contiguous gather of the [B, F] ids.
      this.tables[0].lookup(this.allFieldIds(cat, batchSize), res);
      return res;
    }
    for (let f = 0; f < F; f++) {
      const table = this.tables[this.fieldTable[f]];
      const ids = this.fieldIds(cat[f], f, batchSize);
      table.lookup(ids, res, f * D, S * D);
    }
    this.sequences.forEach((q, j) => {
      const col = this.seqColumn(seq, j, batchSize);
      const table = this.tables[this.seqTable[j]];
      const L = q.maxLen;
      const off = this.seqOffset[j];
      const ids = off === 0 ? null : new Int32Array(L);
      for (let b = 0; b < batchSize; b++) {
        let row = col.subarray(b * L, (b + 1) * L);
        if (ids) {
          for (let p = 0; p < L; p++) ids[p] = row[p] + off;
          row = ids;
        }
        table.lookup(row, res, (b * S + this.seqStart[j]) * D, D);
      }
    });
    return res;
  }

  /** Apply d(loss)/d(lookup output) ([B, S, D]) to the tables, one optimiser step per table. */
  applyGradients(
    cat: Int32Array[],
    batchSize: number,
    grad: Float32Array,
    lrScale = 1,
    seq?: Int32Array[],
  ): void {
    this.eachTable(
      cat,
      batchSize,
      grad,
      (table, ids, g, off, stride) => table.applyGradients(ids, g, off, stride, lrScale),
      seq,
    );
  }

  /** Whether some table learns its step sizes with `stepGrad: "two-pass"` (the trainer then runs a second pass). */
  get needsSecondPass(): boolean {
    return this.tables.some((t) => t.learnStep?.stepGrad === "two-pass");
  }

  /**
   * Second pass of two-pass ALPT: d(loss)/d(lookup output) ([B, S, D]) of the same batch looked up
   * again after `applyGradients`; each two-pass table updates its step sizes and stores its rows.
   */
  applyStepGradients(
    cat: Int32Array[],
    batchSize: number,
    grad: Float32Array,
    lrScale = 1,
    seq?: Int32Array[],
  ): void {
    this.eachTable(
      cat,
      batchSize,
      grad,
      (table, ids, g, off, stride) => {
        if (table.stepUpdatePending) table.applyStepGradients(ids, g, off, stride, lrScale);
      },
      seq,
    );
  }

  /** The batch's column of embedded sequence j, checked against the batch size. */
  private seqColumn(seq: Int32Array[] | undefined, j: number, batchSize: number): Int32Array {
    const q = this.sequences[j];
    const col = seq?.[q.column];
    if (!col)
      throw new Error(
        `embedding lookup: sequence ${q.name} (column ${q.column}) is embedded but the batch has ${seq?.length ?? 0} sequence columns`,
      );
    if (col.length < batchSize * q.maxLen)
      throw new Error(
        `embedding lookup: sequence ${q.name} has ${col.length} ids for a batch of ${batchSize} x ${q.maxLen}`,
      );
    return col;
  }

  /** Hand each table the ids and gradient rows of its fields and sequence slots in `grad` ([B, S, D]). */
  private eachTable(
    cat: Int32Array[],
    batchSize: number,
    grad: Float32Array,
    fn: (table: EmbeddingTable, ids: Int32Array, g: Float32Array, offset: number, stride: number) => void,
    seq?: Int32Array[],
  ): void {
    const F = this.numFields;
    const D = this.embDim;
    const S = this.numSlots;
    for (let t = 0; t < this.tables.length; t++) {
      const fields = this.tableFields[t];
      const seqs = this.tableSeqs[t];
      const table = this.tables[t];
      if (seqs.length === 0 && fields.length === 1) {
        const f = fields[0];
        fn(table, this.fieldIds(cat[f], f, batchSize), grad, f * D, S * D);
      } else if (seqs.length === 0 && fields.length === F && S === F) {
        // Every field in this table: the [B, F, D] buffer is already one entry per (b, f).
        fn(table, this.allFieldIds(cat, batchSize), grad, 0, D);
      } else {
        const seqLen = seqs.reduce((n, j) => n + this.sequences[j].maxLen, 0);
        const n = (fields.length + seqLen) * batchSize;
        if (n === 0) continue;
        const ids = new Int32Array(n);
        const g = new Float32Array(n * D);
        let i = 0;
        for (const f of fields) {
          for (let b = 0; b < batchSize; b++, i++) {
            ids[i] = cat[f][b] + this.fieldOffset[f];
            g.set(grad.subarray((b * S + f) * D, (b * S + f + 1) * D), i * D);
          }
        }
        for (const j of seqs) {
          const col = this.seqColumn(seq, j, batchSize);
          const L = this.sequences[j].maxLen;
          const off = this.seqOffset[j];
          const s0 = this.seqStart[j];
          for (let b = 0; b < batchSize; b++) {
            for (let p = 0; p < L; p++) ids[i + p] = col[b * L + p] + off;
            g.set(grad.subarray((b * S + s0) * D, (b * S + s0 + L) * D), i * D);
            i += L;
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
