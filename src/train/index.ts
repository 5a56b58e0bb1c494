export * from "./trainer";
export * from "./dense-optim";
export * from "./checkpoint";
export * from "./progress";
export * from "./experiment";
