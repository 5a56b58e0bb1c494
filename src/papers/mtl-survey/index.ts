/**
 * The multi-task survey's data (PAPERS.md section 7): the taxonomy of task relations and
 * methods, with links to the kit's models, weighting schemes and data sets.
 *
 *   rr.survey.taskRelationTable()   // rows for the notebook's taxonomy tables
 */
export * from "./taxonomy";
export * from "./experiment";
