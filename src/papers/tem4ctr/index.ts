export * from "./spec";
export * from "./experiment";
export * from "./figures";
