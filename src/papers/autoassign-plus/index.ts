export * from "./agent";
export * from "./identity-agent";
export * from "./spec";
export * from "./experiment";
export * from "./figures";
