/**
 * The multi-task survey (notebook 07-mtl-survey; README.md here): the taxonomy of task relations
 * and methods with links to the kit's models, weighting schemes and data sets; the experiment
 * (profiles, the Census and Taobao grids, measurement hooks, tables) and its figures.
 *
 *   rr.papers.mtlSurvey.taskRelationTable()   // rows for the notebook's taxonomy tables
 */
export * from "./taxonomy";
export * from "./experiment";
export * from "./figures";
