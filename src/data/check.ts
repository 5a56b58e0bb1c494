/**
 * What a profile needs on disk, checked up front: every file of every data set the notebooks
 * load under that profile, where it was looked for (mirror, cache, or its zip archive), its
 * size, the official URL and where to put it. `npm run data -- check paper` prints this, so an
 * offline user learns everything that is missing at once instead of one file per failed run.
 */
import * as fs from "fs";
import * as path from "path";
import { defaultCacheDir, defaultMirror } from "./paths";
import { getDataset, type DataFileSpec } from "./registry";

/** The data sets the notebooks load under each profile (keep in step with their SETTINGS). */
export const PROFILE_DATASETS: Readonly<Record<"smoke" | "paper", readonly string[]>> = {
  smoke: [
    "criteo-8k",
    "avazu-9k",
    "movielens-1m-subset",
    "movielens-100k",
    "kuairand-sample",
    "douban-sample",
    "census-income-kdd",
    "taobao-userbehavior",
    "tmall-mbcgcn",
    "beibei-ghcf",
  ],
  paper: [
    "criteo-kaggle",
    "avazu-kaggle",
    "movielens-1m",
    "movielens-100k",
    "kuairand-1k",
    "ali-ccp",
    "census-income-kdd-full",
    "taobao-userbehavior-full",
    "tmall-mbgmn",
    "beibei-mbgmn",
  ],
};

/** One file a profile needs. */
export interface FileCheck {
  dataset: string;
  file: string;
  /** Where the file was found, or null. */
  foundAt: string | null;
  /** Paths looked at, in order (the first is where to put it in the mirror). */
  tried: string[];
  /** Expected size in bytes, when the registry knows it. */
  bytes: number | null;
  url: string;
  /** Set when the file cannot be downloaded automatically: what to do instead. */
  manual?: string;
}

/** Every file of every data set `profile` needs, present or not. */
export function checkProfile(
  profile: "smoke" | "paper",
  opts: { mirror?: string | null; cacheDir?: string } = {},
): FileCheck[] {
  const mirror = opts.mirror === undefined ? defaultMirror() : opts.mirror;
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const out: FileCheck[] = [];
  for (const id of PROFILE_DATASETS[profile]) {
    const entry = getDataset(id);
    const folder = entry.folder ?? entry.id;
    const derived = new Set(entry.loader?.derive?.outputs ?? []);
    for (const f of entry.files) {
      if (derived.has(f.name)) continue;
      const candidates = (spec: Pick<DataFileSpec, "path">): string[] => [
        ...(mirror !== null ? [path.join(mirror, folder, spec.path)] : []),
        path.join(cacheDir, folder, spec.path),
      ];
      const tried = candidates(f);
      if (f.archive !== undefined) tried.push(...candidates({ path: f.archive.path }));
      out.push({
        dataset: id,
        file: f.path,
        foundAt: tried.find((p) => fs.existsSync(p)) ?? null,
        tried,
        bytes: f.bytes,
        url: f.url,
        manual: f.manual,
      });
    }
  }
  return out;
}

function size(bytes: number | null): string {
  if (bytes === null) return "size unknown";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** A report of `checkProfile`: the missing files first, each with size, URL and where to put it. */
export function formatProfileCheck(profile: string, checks: readonly FileCheck[]): string {
  const missing = checks.filter((c) => c.foundAt === null);
  const lines = [
    `profile ${profile}: ${checks.length - missing.length}/${checks.length} files present${missing.length > 0 ? `, ${missing.length} missing` : ""}`,
  ];
  if (missing.length > 0) {
    const total = missing.reduce((a, c) => a + (c.bytes ?? 0), 0);
    lines.push(
      `missing: ${missing.some((c) => c.bytes === null) ? `${size(total)} in the files of known size, others of unknown size` : size(total)}`,
    );
    for (const c of missing) {
      lines.push(`  ${c.dataset}/${c.file}  (${size(c.bytes)})`);
      lines.push(`    get it from: ${c.url}${c.manual ? ` (manual: ${c.manual})` : ""}`);
      lines.push(
        `    put it at:   ${c.tried[0]}${c.tried.length > 1 ? ` (also looked at ${c.tried.slice(1).join(", ")})` : ""}`,
      );
    }
  }
  for (const c of checks.filter((x) => x.foundAt !== null))
    lines.push(`  ok  ${c.dataset}/${c.file}  ${c.foundAt}`);
  return lines.join("\n");
}
