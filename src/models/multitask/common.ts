/**
 * Config fields and label/domain resolution shared by the multi-task and multi-domain models.
 */
import type { DatasetSchema } from "../../data/schema";
import { labelIndex } from "../../data/schema";

/** Multi-task models: which labels are heads. */
export interface TasksField {
  /** Labels predicted, one head each, in this order (the cascade order for AITM). Default null = every label of the schema. */
  tasks: string[] | null;
}

/** Tower and dropout fields shared by the expert-based models. */
export interface TowerFields {
  /** Hidden widths of each output's tower, before its linear logit. Default [8] (torch-rechub run_census.py `tower_params_list`). */
  towerHidden: number[];
  /** Dropout after every hidden layer (experts, bottoms, towers). Default 0 (torch-rechub's MLP default). */
  dropout: number;
  /**
   * BatchNorm1d after every hidden Linear (bottoms, experts, towers: Linear→BN→ReLU→Dropout) and in
   * every gate (Linear→BN→softmax), with running statistics in evaluation: torch-rechub's MLP
   * (basic/layers.py). Default false (the kit's choice: a row's output does not depend on its
   * batch); the torch-rechub reference preset (presets.ts) sets true.
   */
  batchNorm: boolean;
}

/** Null when the schema has at least two labels (for `ModelSpec.requires` of multi-task models). */
export function requiresTwoLabels(schema: DatasetSchema): string | null {
  if (schema.labels.length >= 2) return null;
  return `is a multi-task model and needs at least two labels; ${schema.name} has ${schema.labels.length} (${schema.labels.map((l) => l.name).join(", ") || "none"}): use "single-task" for one label`;
}

/** The heads of a multi-task model: `tasks` or every label; checked to exist, be distinct and number ≥ 2. */
export function resolveTasks(schema: DatasetSchema, tasks: string[] | null, modelId: string): string[] {
  const heads = tasks ?? schema.labels.map((l) => l.name);
  for (const h of heads) labelIndex(schema, h);
  if (new Set(heads).size !== heads.length)
    throw new Error(`${modelId}: tasks repeat a label (${heads.join(", ")})`);
  if (heads.length < 2)
    throw new Error(
      `${modelId}: a multi-task model needs at least two tasks, got ${heads.length} (${heads.join(", ") || "none"}) on ${schema.name}`,
    );
  return heads;
}

/** One label by name, or the schema's first label when null; checked to exist. */
export function resolveLabel(schema: DatasetSchema, label: string | null, modelId: string): string {
  if (schema.labels.length === 0) throw new Error(`${modelId}: ${schema.name} has no label`);
  const name = label ?? schema.labels[0].name;
  labelIndex(schema, name);
  return name;
}
