/** One line of the papers index (src/papers/index.ts). */
import type { ModelIndex } from "../models/types";

export interface PaperEntry {
  /** Folder under src/papers/ and figures/, and the run records' paper id. */
  id: string;
  title: string;
  /** Authors, venue and year, and a link (arXiv or DOI). */
  reference: string;
  url: string;
  /** Notebook name under notebooks/ (without .ipynb). */
  notebook: string;
  /** The models this paper adds to the kit's index (baselines live in src/models/). */
  models: ModelIndex;
  /** claims.json, relative to the project root. */
  claims: string;
}
