/** The tour (notebook 00-tour; README.md here): DNN and DCN on the Criteo and Avazu samples. */
export * from "./experiment";
export * from "./figures";
