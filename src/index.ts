/**
 * RecRepro: the one import every notebook uses.
 *
 *   import * as rr from "recrepro";
 */
import { tslab } from "./engine/notebook";

export * as engine from "./engine";
export * as data from "./data";
export * as models from "./models";
export * as train from "./train";
export * as metrics from "./metrics";
export * as plots from "./plots";
export * as report from "./report";
export * as papers from "./papers";
export * as util from "./util";
export { MODELS, PAPERS, getModelSpec } from "./papers";

// Inside a tslab kernel, make its output sockets safe for long cells before anything prints.
tslab();
