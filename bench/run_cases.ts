/**
 * Runs one bench's cases on the runtime running this file and prints one JSON row per line
 * (progress on stderr). `bench/run.ts` calls it on each runtime; by hand:
 * `deno run -A bench/run_cases.ts queue --quick`, `bun bench/run_cases.ts queue`,
 * `node build/bench/bench/run_cases.js queue` (after `npx tsc -p bench` and
 * `npx deno run -A scripts/bundle.ts build/bench`).
 * @module
 */

import process from "node:process";
import { type BenchCase, currentRuntime, runCases, siblingModule } from "./lib.ts";
import { BENCHES } from "./workloads.ts";

const [bench, ...flags] = process.argv.slice(2);
if (bench === undefined || !(bench in BENCHES)) {
  console.error(`usage: run_cases <${Object.keys(BENCHES).join("|")}> [--quick]`);
  process.exit(2);
}
const { cases } = await import(siblingModule(import.meta.url, `./${bench}`).href) as { cases: BenchCase[] };
const failures = await runCases(cases, { quick: flags.includes("--quick"), runtime: currentRuntime() });
// No process.exit(): a worker left running must show up as a run that does not end.
process.exitCode = failures > 0 ? 1 : 0;
