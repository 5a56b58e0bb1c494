export * from "./adapter";
export * from "./backbones";
export * from "./baselines";
export * from "./spec";
export * from "./experiment";
export * from "./figures";
