/**
 * Domain / scenario routing shared by the multi-domain models (HAMUR, HierRec, STAR, the
 * multi-domain Shared-Bottom/MMoE/PLE).
 *
 * Convention: a multi-domain model reads the domain of each row from a group axis of the schema
 * (config field `domainAxis`, default "domain"), so the same axis drives routing and the per-domain
 * metrics. A model that also wants the domain as an input feature gets it from the loader as an
 * ordinary categorical feature.
 *
 * Routing computes every tower on every row and keeps, per row, the output of the row's own
 * domain with a one-hot mask: a row's loss then has zero gradient with respect to the other
 * domains' towers (tested in test/models/routing.test.ts).
 */
import type { Batch, DatasetSchema } from "../../data/schema";
import { groupIndex } from "../../data/schema";
import { tf } from "../../engine/tf";

/** Default name of the group axis multi-domain models route on. */
export const DEFAULT_DOMAIN_AXIS = "domain";

/** Number of domains of axis `axis` in `schema`; throws naming the schema when absent. */
export function numDomains(schema: DatasetSchema, axis = DEFAULT_DOMAIN_AXIS): number {
  return schema.groups[groupIndex(schema, axis)].numGroups;
}

/** Null when `schema` has a group axis `axis` with at least `min` groups, else the reason (for `ModelSpec.requires`). */
export function requiresDomainAxis(
  schema: DatasetSchema,
  axis = DEFAULT_DOMAIN_AXIS,
  min = 1,
): string | null {
  const g = schema.groups.find((x) => x.name === axis);
  if (!g)
    return `needs a group axis "${axis}" (the domain of each row); ${schema.name} has ${schema.groups.map((x) => x.name).join(", ") || "none"}`;
  if (g.numGroups < min)
    return `needs at least ${min} groups on axis "${axis}", ${schema.name} has ${g.numGroups}`;
  return null;
}

/** Domain id of each row of the batch, checked to be in [0, numGroups). */
export function domainIds(batch: Batch, schema: DatasetSchema, axis = DEFAULT_DOMAIN_AXIS): Int32Array {
  const gi = groupIndex(schema, axis);
  const ids = batch.groups[gi];
  const n = schema.groups[gi].numGroups;
  for (let i = 0; i < batch.size; i++) {
    if (!(ids[i] >= 0 && ids[i] < n))
      throw new Error(`${schema.name}: row ${batch.rows[i]} has ${axis} id ${ids[i]} outside [0, ${n})`);
  }
  return ids;
}

/** [B, G] one-hot float mask of the domain ids. */
export function domainMask(ids: Int32Array, numGroups: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(ids, "int32"), numGroups).toFloat() as tf.Tensor2D;
}

/**
 * Per-row selection among per-domain outputs: `perDomain[g]` is [B] or [B, H]; returns, for each
 * row b, `perDomain[ids[b]][b]` ([B] or [B, H]). Gradients flow only into the selected domain.
 */
export function selectByDomain<T extends tf.Tensor1D | tf.Tensor2D>(perDomain: T[], ids: Int32Array): T {
  if (perDomain.length === 0) throw new Error("selectByDomain: no per-domain outputs");
  if (perDomain.length === 1) return perDomain[0];
  const mask = domainMask(ids, perDomain.length); // [B, G]
  if (perDomain[0].rank === 1) {
    const stacked = tf.stack(perDomain, 1) as tf.Tensor2D; // [B, G]
    return tf.sum(tf.mul(stacked, mask), 1) as T; // [B]
  }
  const stacked = tf.stack(perDomain, 1) as tf.Tensor3D; // [B, G, H]
  return tf.sum(tf.mul(stacked, tf.expandDims(mask, 2)), 1) as T; // [B, H]
}
