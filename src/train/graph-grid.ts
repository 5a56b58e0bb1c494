/**
 * The grid runner for graph (top-K) models: the same cells, keys and run records as `runGrid`
 * (src/train/grid.ts), with the BPR trainer of graph-trainer.ts in place of the tabular trainer.
 * Measured keys, per seed:
 *
 *   `${data}.${label}.hr@K`, `.ndcg@K`, `.mrr` (sampled: 1 held-out item among 1 + 99),
 *   `${data}.${label}.full.hr@K`, `.full.ndcg@K`, `.full.recall@K` (full ranking, when on),
 *   plus whatever the `measure` hooks return.
 *
 * The sampled candidates are drawn once per grid (`evalSeed`) so every cell ranks the same items.
 */
import * as path from "path";
import { evalCandidates, subsampleUsers, testUsers, type MultiBehaviourData } from "../data/graph";
import { envInteger } from "../engine/env";
import { getBackendInfo, initBackend } from "../engine/backend";
import type { GraphModel, GraphModelIndex } from "../models/graph/types";
import { environmentInfo } from "../report/env";
import { writeRunRecord, type RunRecord } from "../report/run-record";
import { mergeDeep } from "../util/object";
import { profile as currentProfile, type Profile } from "../util/profile";
import { projectRoot } from "../util/root";
import { cellRunId } from "./grid";
import { checkSeeds, maxRowsFromEnv, seedsFromEnv } from "./experiment";
import { DEFAULT_GRAPH_TRAIN, GraphTrainer, type GraphHistory, type GraphTrainConfig } from "./graph-trainer";

export interface GraphSeedContext {
  cell: GraphGridCell;
  seed: number;
  model: GraphModel;
  trainer: GraphTrainer;
  history: GraphHistory;
  data: MultiBehaviourData;
}

export interface GraphGridCell {
  label: string;
  /** Model id in the grid's index. */
  model: string;
  modelConfig?: Record<string, unknown>;
  trainConfig?: Partial<GraphTrainConfig>;
  baseline?: string;
  seeds?: number[];
  measure?: (s: GraphSeedContext) => Record<string, number>;
}

export interface GraphGridOptions {
  paper: string;
  models: GraphModelIndex;
  dataName: string;
  data: MultiBehaviourData;
  cells: readonly GraphGridCell[];
  seeds: readonly number[];
  /** Training config of every cell (under the cell's own). */
  train: Partial<GraphTrainConfig>;
  profile?: Profile;
  /** Model config under every cell's own (over the spec's defaults and profile preset). */
  modelConfig?: Record<string, unknown>;
  /** Negatives per test user (official 99). */
  numNegatives?: number;
  /** Seed of the candidate draw (default 0). */
  evalSeed?: number;
  figuresDir?: string;
  measure?: (s: GraphSeedContext) => Record<string, number>;
  inspect?: (s: GraphSeedContext) => Record<string, unknown> | void;
  onCell?: (r: GraphCellResult) => void;
}

export interface GraphCellResult {
  data: string;
  label: string;
  model: string;
  baseline: string | null;
  seeds: number[];
  metrics: Record<string, number[]>;
  histories: GraphHistory[];
  paramCount: { embedding: number; dense: number };
  wallSecPerSeed: number;
  recordPath: string;
  inspected: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Trains every cell over its seeds, evaluates, writes one run record per cell. */
/**
 * The graph runner's share of the tiny CI budget of the paper profile (as runExperiment's):
 * RECREPRO_EPOCHS sets the epochs, RECREPRO_MAX_STEPS caps the users per epoch at that many
 * batches, RECREPRO_MAX_ROWS keeps at most that many users and items (a seeded `subsampleUsers`
 * that keeps the most-interacted items) and caps the full-ranking users at an eighth of that
 * (ranking every item is the slow part). Returns the data and training config to use and a note
 * for the run record (null when no variable is set).
 */
export function graphBudgetFromEnv(
  data: MultiBehaviourData,
  train: Partial<GraphTrainConfig>,
): { data: MultiBehaviourData; train: GraphTrainConfig; note: string | null } {
  const epochs = envInteger("RECREPRO_EPOCHS", 0, { min: 1 });
  const steps = envInteger("RECREPRO_MAX_STEPS", 0, { min: 1 });
  const maxRows = maxRowsFromEnv();
  const parts: string[] = [];
  const t: GraphTrainConfig = { ...DEFAULT_GRAPH_TRAIN, ...train };
  if (epochs > 0) ((t.numEpochs = epochs), parts.push(`RECREPRO_EPOCHS=${epochs}`));
  if (steps > 0) {
    t.usersPerEpoch = Math.min(t.usersPerEpoch, steps * t.batchUsers);
    parts.push(`RECREPRO_MAX_STEPS=${steps} (users per epoch ${t.usersPerEpoch})`);
  }
  let d = data;
  if (maxRows) {
    // Users, items and test users each stay within the cap (the run record's `rows` lists all three).
    if (data.numUsers > maxRows || data.numItems > maxRows || testUsers(data).length > maxRows)
      d = subsampleUsers(data, { maxUsers: maxRows, maxItems: maxRows, seed: 1 });
    t.fullRankingUsers = Math.min(t.fullRankingUsers, Math.ceil(maxRows / 8));
    parts.push(`RECREPRO_MAX_ROWS=${maxRows} (${d.numUsers} users, ${d.numItems} items)`);
  }
  return {
    data: d,
    train: t,
    note: parts.length ? `tiny budget from the environment: ${parts.join(", ")}` : null,
  };
}

export async function runGraphGrid(options: GraphGridOptions): Promise<GraphCellResult[]> {
  await initBackend({ quiet: true });
  const budget = graphBudgetFromEnv(options.data, options.train);
  const o: GraphGridOptions = { ...options, data: budget.data, train: budget.train };
  const prof = o.profile ?? currentProfile();
  const cands = evalCandidates(o.data, o.numNegatives ?? 99, o.evalSeed ?? 0);
  const out: GraphCellResult[] = [];
  for (const cell of o.cells) {
    const t0 = Date.now();
    const spec = o.models[cell.model];
    if (!spec)
      throw new Error(
        `graph grid ${o.paper}/${o.dataName}: unknown model "${cell.model}"; known: ${Object.keys(o.models).join(", ")}`,
      );
    const why = spec.requires(o.data);
    if (why) throw new Error(`model ${spec.id} cannot run on ${o.data.id}: ${why}`);
    const seeds = seedsFromEnv() ?? [...(cell.seeds ?? o.seeds)];
    checkSeeds(seeds, `graph grid ${o.paper}/${cell.label}`);
    const modelConfig = mergeDeep(
      mergeDeep(mergeDeep({ ...spec.defaults }, spec.presets[prof] ?? {}), o.modelConfig ?? {}),
      cell.modelConfig ?? {},
    ) as typeof spec.defaults;
    const train = { ...o.train, ...(cell.trainConfig ?? {}) };
    const metrics: Record<string, number[]> = {};
    const histories: GraphHistory[] = [];
    let inspected: Record<string, unknown> = {};
    let paramCount = { embedding: 0, dense: 0 };
    const push = (k: string, v: number) => (metrics[k] ??= []).push(v);
    for (const seed of seeds) {
      const model = spec.build(o.data, modelConfig, seed);
      const trainer = new GraphTrainer(model, o.data, train, seed);
      try {
        const history = trainer.fit();
        histories.push(history);
        const rep = trainer.evaluate(cands);
        for (const k of trainer.config.ks) {
          push(`hr@${k}`, rep.values[`hitRate@${k}`]);
          push(`ndcg@${k}`, rep.values[`ndcg@${k}`]);
        }
        push("mrr", rep.values.mrr);
        if (trainer.config.fullRankingUsers > 0) {
          const full = trainer.evaluateFull();
          for (const k of [Math.max(...trainer.config.ks)]) {
            push(`full.hr@${k}`, full.values[`hitRate@${k}`]);
            push(`full.ndcg@${k}`, full.values[`ndcg@${k}`]);
            push(`full.recall@${k}`, full.values[`recall@${k}`]);
          }
        }
        const ctx: GraphSeedContext = { cell, seed, model, trainer, history, data: o.data };
        for (const [k, v] of Object.entries({ ...(o.measure?.(ctx) ?? {}), ...(cell.measure?.(ctx) ?? {}) }))
          push(k, v);
        paramCount = model.paramCount();
        if (seed === seeds[seeds.length - 1] && o.inspect) inspected = o.inspect(ctx) ?? {};
      } finally {
        model.dispose();
        trainer.dispose();
      }
    }
    const runId = cellRunId(o.dataName, cell.label, prof);
    const record: RunRecord = {
      schemaVersion: 1,
      paper: o.paper,
      model: spec.id,
      runId,
      cell: { data: o.dataName, label: cell.label, heads: [o.data.behaviours[o.data.behaviours.length - 1]] },
      profile: prof,
      seeds,
      config: {
        model: modelConfig,
        train,
        numNegatives: o.numNegatives ?? 99,
        evalSeed: o.evalSeed ?? 0,
      } as unknown as Record<string, unknown>,
      configSources: {},
      data: {
        id: o.data.id,
        fingerprint: o.data.fingerprint,
        rows: { users: o.data.numUsers, items: o.data.numItems, testUsers: testUsers(o.data).length },
        synthetic: o.data.synthetic,
      },
      environment: environmentInfo({ backend: getBackendInfo() ?? undefined }),
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
      ),
      seedMetrics: metrics,
      perGroup: {},
      history: Object.fromEntries(
        histories.flatMap((h, i) => [
          [`seed${seeds[i]}.trainLoss`, h.epochs.map((e) => e.trainLoss)],
          [`seed${seeds[i]}.epochSec`, h.epochs.map((e) => e.wallSec)],
        ]),
      ),
      wallTimeSec: (Date.now() - t0) / 1000,
      createdAt: new Date().toISOString(),
      notes: [
        `graph grid cell ${cell.label} on ${o.dataName}: model ${cell.model}`,
        ...(budget.note ? [budget.note] : []),
        ...o.data.notes,
      ],
    };
    const recordPath = writeRunRecord(
      path.join(o.figuresDir ?? path.join(projectRoot(), "figures", o.paper), runId),
      record,
    );
    const r: GraphCellResult = {
      data: o.dataName,
      label: cell.label,
      model: cell.model,
      baseline: cell.baseline ?? null,
      seeds,
      metrics,
      histories,
      paramCount,
      wallSecPerSeed: (Date.now() - t0) / 1000 / seeds.length,
      recordPath,
      inspected,
      config: { model: modelConfig, train },
    };
    out.push(r);
    o.onCell?.(r);
  }
  return out;
}
