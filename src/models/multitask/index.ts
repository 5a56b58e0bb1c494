export * from "./blocks";
export * from "./common";
export * from "./task-models";
export * from "./domain-models";
export * from "./cross-stitch";
export * from "./esmm";
export * from "./aitm";
export * from "./presets";
