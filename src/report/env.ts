/**
 * The environment a run executed in: Node, OS, CPUs, memory, git commit, key package versions and
 * the tfjs backend (with why it was chosen and what was tried). Written into every run record and
 * printed as one line in each notebook's "setup" section.
 *
 * The backend comes from `getBackendInfo()` in src/engine/backend.ts. It is passed in, or loaded
 * lazily, so this module neither imports tfjs nor fails when the engine is absent.
 */

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../data/paths";

/** What src/engine/backend.ts reports about the tfjs backend. */
export interface BackendInfo {
  /** Kit-level backend choice, e.g. "tensorflow-gpu", "wasm", "cpu". */
  name: string;
  /** tfjs backend actually active ("tensorflow", "wasm", "cpu"), when the engine reports it. */
  tfBackend?: string;
  /** Why it was chosen, e.g. "RECREPRO_BACKEND=wasm" or "tfjs-node-gpu failed to load". */
  reason: string;
  /** Backends tried in order, with the error of each that failed. */
  tried: { name: string; ok: boolean; error?: string }[];
  /** Kernels the kit registered on the active backend, when the engine reports them. */
  kitKernels?: string[];
  /** Details of a native backend (CUDA, device), when there is one. */
  native?: unknown;
}

export interface GitInfo {
  /** HEAD commit, or null outside a git checkout / without git. */
  commit: string | null;
  /** True when tracked or untracked files differ from HEAD; null when unknown. */
  dirty: boolean | null;
}

export interface EnvironmentInfo {
  node: string;
  platform: string;
  arch: string;
  cpus: { model: string; count: number };
  memory: { totalBytes: number; freeBytes: number; rssBytes: number };
  git: GitInfo;
  /** Version of each key package from its package.json, null when not installed. */
  packages: Record<string, string | null>;
  /** The tfjs backend, or null when none was initialised (or the engine is unavailable). */
  backend: BackendInfo | null;
  /** ISO 8601 time of the snapshot. */
  timestamp: string;
}

/** Packages whose versions change results or speed. */
export const KEY_PACKAGES: readonly string[] = [
  "recrepro",
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-node",
  "@tensorflow/tfjs-node-gpu",
  "arquero",
  "danfojs-node",
  "plotly.js-dist-min",
  "tslab",
  "typescript",
];

export interface EnvironmentOptions {
  /**
   * Backend info. `undefined` (default): ask src/engine/backend.ts if it is present;
   * `null`: record no backend; an object: record it as given.
   */
  backend?: BackendInfo | null;
  /** Directory inside the repository (for git and package lookup). Default: this kit's root. */
  root?: string;
  /** Packages to report; default KEY_PACKAGES. */
  packages?: readonly string[];
  /** Clock for the timestamp (tests pin it). Default: now. */
  now?: Date;
}

/** A snapshot of the environment. Never throws for missing git, packages or engine. */
export function environmentInfo(options: EnvironmentOptions = {}): EnvironmentInfo {
  const root = options.root ?? projectRoot();
  const cpuList = os.cpus();
  const packages: Record<string, string | null> = {};
  for (const name of options.packages ?? KEY_PACKAGES) packages[name] = packageVersion(name, root);
  return {
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    cpus: { model: cpuList[0]?.model.trim() ?? "unknown", count: cpuList.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), rssBytes: process.memoryUsage().rss },
    git: gitInfo(root),
    packages,
    backend: options.backend === undefined ? engineBackend() : options.backend,
    timestamp: (options.now ?? new Date()).toISOString(),
  };
}

/** HEAD commit and dirty flag via git; nulls when git or the repository is absent. */
export function gitInfo(dir: string): GitInfo {
  const run = (args: string[]): string | null => {
    try {
      return execFileSync("git", args, {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 5000,
      }).trim();
    } catch {
      return null;
    }
  };
  const commit = run(["rev-parse", "HEAD"]);
  if (commit === null) return { commit: null, dirty: null };
  const status = run(["status", "--porcelain"]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/**
 * Version from the root's own package.json when `name` is the root package, else from
 * `<root>/node_modules/<name>/package.json`; null when absent or unreadable.
 */
export function packageVersion(name: string, root: string): string | null {
  const candidates = [path.join(root, "package.json"), path.join(root, "node_modules", name, "package.json")];
  for (const file of candidates) {
    try {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === name && typeof pkg.version === "string") return pkg.version;
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * The engine's backend info if src/engine/backend has been loaded. A process that never loaded it
 * never initialised a backend, so this answers null without pulling in tfjs.
 */
function engineBackend(): BackendInfo | null {
  try {
    const resolved = require.resolve("../engine/backend");
    if (!require.cache[resolved]) return null;
    const engine = require(resolved) as { getBackendInfo?: () => BackendInfo | null };
    return typeof engine.getBackendInfo === "function" ? engine.getBackendInfo() : null;
  } catch {
    return null;
  }
}

/** One line for a notebook's setup section, e.g. "node v20.20.2 · linux x64 · 16 x Xeon · 125.8 GiB · tfjs 4.22.0 (wasm: no GPU) · git 35df175+dirty". */
export function formatEnvironmentLine(env: EnvironmentInfo): string {
  const gib = (env.memory.totalBytes / 2 ** 30).toFixed(1);
  const tfjs = env.packages["@tensorflow/tfjs"] ?? "not installed";
  const backend = env.backend
    ? `${env.backend.tfBackend ?? env.backend.name}: ${env.backend.reason}`
    : "no backend yet";
  const git = env.git.commit ? `${env.git.commit.slice(0, 7)}${env.git.dirty ? "+dirty" : ""}` : "no git";
  return `node ${env.node} · ${env.platform} ${env.arch} · ${env.cpus.count} x ${env.cpus.model} · ${gib} GiB · tfjs ${tfjs} (${backend}) · git ${git}`;
}
