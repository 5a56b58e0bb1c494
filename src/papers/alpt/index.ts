export * from "./spec";
export * from "./convex";
export * from "./experiment";
export * from "./figures";
