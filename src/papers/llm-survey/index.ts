/**
 * The LLM-for-recommendation survey (notebook 05-llm-survey; README.md here): the WHERE / HOW
 * taxonomy as data with a typed reader, the offline demos (text vectors as features for warm and
 * cold items, a zero-shot text ranker, rule-based feature engineering, an optional local LLM) and
 * their figures.
 *
 *   rr.papers.llmSurvey.whereTable()   // rows of the WHERE table
 */
export * from "./taxonomy";
export * from "./experiment";
export * from "./figures";
