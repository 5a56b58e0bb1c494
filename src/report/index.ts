/**
 * Reporting: layered config with provenance, environment snapshot, run records (run.json), the
 * claims-vs-run comparison, and table helpers for notebooks.
 */
export {
  resolveConfig,
  configFromEnv,
  formatConfig,
  getPath,
  ConfigError,
  CONFIG_LAYERS,
  ENV_KEYS,
} from "./config";
export type { ConfigLayer, DeepPartial, ResolvedConfig, ResolveConfigOptions } from "./config";
export { environmentInfo, formatEnvironmentLine, gitInfo, packageVersion, KEY_PACKAGES } from "./env";
export type { BackendInfo, EnvironmentInfo, EnvironmentOptions, GitInfo } from "./env";
export {
  writeRunRecord,
  readRunRecord,
  validateRunRecord,
  toJsonSafe,
  measuredFromRecord,
  RunRecordError,
  RUN_RECORD_SCHEMA_VERSION,
  RUN_RECORD_FILE,
} from "./run-record";
export type { RunRecord, RunData, NonFiniteEntry } from "./run-record";
export {
  loadClaims,
  validateClaims,
  compareClaims,
  claimRowsForDisplay,
  claimsTableHtml,
  verdictText,
  ClaimsError,
} from "./claims";
export type {
  Claim,
  ClaimsFile,
  ClaimRelation,
  GreaterRelation,
  LessRelation,
  WithinRelation,
  ClaimRow,
  ClaimDisplayRow,
  Verdict,
  CompareClaimsOptions,
} from "./claims";
export { arquero, toTable, escapeHtml } from "./tables";
export type { AqTable } from "./tables";
