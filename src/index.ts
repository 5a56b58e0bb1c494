/**
 * RecRepro: the one import every notebook uses.
 *
 *   import * as rr from "recrepro";
 */
export * as engine from "./engine";
export * as data from "./data";
export * as models from "./models";
export * as train from "./train";
export * as metrics from "./metrics";
export * as plots from "./plots";
export * as report from "./report";
