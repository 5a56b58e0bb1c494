/**
 * `npm run data -- check [smoke|paper]`: lists every file the profile's notebooks need, with
 * sizes, official URLs and where to put each missing one (mirror and cache paths), then exits 1
 * when anything is missing. `npm run data -- list` prints the registered data sets.
 */
import { checkProfile, formatProfileCheck, listDatasets } from "../src/data";

export function main(argv: string[]): number {
  const [cmd, arg] = argv;
  if (cmd === "list") {
    for (const d of listDatasets()) console.log(`${d.id.padEnd(28)} ${d.files} file(s)  ${d.title}`);
    return 0;
  }
  if (cmd === "check") {
    const profile = arg ?? process.env.RECREPRO_PROFILE ?? "smoke";
    if (profile !== "smoke" && profile !== "paper") {
      console.error(`data check: profile "${profile}" must be smoke or paper`);
      return 2;
    }
    const checks = checkProfile(profile);
    console.log(formatProfileCheck(profile, checks));
    return checks.every((c) => c.foundAt !== null) ? 0 : 1;
  }
  console.error("usage: npm run data -- check [smoke|paper] | list");
  return 2;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
