export * from "../../models/layers/hyper-adapter";
export * from "../../models/baselines/md-backbones";
export * from "../../models/baselines/md-baselines";
export * from "./spec";
export * from "./experiment";
export * from "./figures";
