export { tf, ownedVariable } from "./tf";
export * from "./env";
export * from "./rng";
export * from "./backend";
export * from "./kernels";
export * from "./sparse-optim";
export * from "./embedding-table";
export * from "./embedding-collection";
export * from "./notebook";
