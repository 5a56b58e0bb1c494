export * from "./trainer";
export * from "./multitask";
export * from "./dense-optim";
export * from "./checkpoint";
export * from "./progress";
export * from "./experiment";
export * from "./grid";
export * from "./validate";
