/**
 * Metrics: pure functions on typed arrays (no tfjs). AUC, log loss, GAUC, top-K ranking metrics
 * under the sampled and full-ranking protocols, per-group breakdowns, and seed summaries with the
 * kit's tie rule.
 */
export type { NumArray, IdArray } from "./types";
export { auc, logloss, gauc } from "./binary";
export type { GaucResult } from "./binary";
export { sampledRanking, fullRanking, positiveRanks, discount } from "./ranking";
export type {
  RankingReport,
  SampledRankingOptions,
  FullRankingOptions,
  PositiveRanks,
  TieRule,
} from "./ranking";
export { byGroup, evaluateBinary } from "./groups";
export type {
  BinaryMetric,
  GroupBreakdown,
  BinaryMetrics,
  BinaryEvaluation,
  EvaluateBinaryOptions,
} from "./groups";
export { meanStd, summariseSeeds, compareSpread, formatMeanStd } from "./seeds";
export type { MeanStd, SeedSummary, SpreadComparison, CompareSpreadOptions } from "./seeds";
