/**
 * Scenario `manager`: Python's most copied pattern for shared state, `Manager().dict()` and
 * `Manager().list()`. A manager process holds one dict and one list; three worker processes
 * each record their results in both, through proxies they got as arguments; then the parent
 * prints both, sorted (the workers' order varies from run to run).
 *
 * The manager is a process of its own (`SyncManager-1`) that serves every other process over
 * the library's shared-memory pipes. A value read through a proxy is a copy: write it back
 * (`d.set`) to change the shared one.
 * @module
 */
import { type DictProxy, isMain, type ListProxy, Manager, Process } from "../mod.ts";
import { parseFlags } from "./_shared.ts";

/** How many workers fill the containers, and how many results each records. */
const WORKERS = 3;
const RESULTS_PER_WORKER = 3;

/** A worker: records `worker × i` under its name in the dict, and a line in the list. */
export async function record(squares: DictProxy<string, number>, log: ListProxy<string>, worker: number): Promise<void> {
  for (let i = 1; i <= RESULTS_PER_WORKER; i++) {
    await squares.set(`worker ${worker} × ${i}`, worker * i);
  }
  await log.append(`worker ${worker} recorded ${RESULTS_PER_WORKER} results`);
}

/** Runs the scenario (see the module notes). */
export async function main(): Promise<void> {
  await using manager = await Manager();
  const results = await manager.dict<string, number>();
  const log = await manager.list<string>();
  const workers = Array.from(
    { length: WORKERS },
    (_, i) => new Process({ target: record, args: [results, log, i + 1] }),
  );
  for (const worker of workers) worker.start();
  for (const worker of workers) await worker.join();
  console.log(`dict (${await results.len()} items, sorted):`);
  for (const [key, value] of (await results.items()).sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`  ${key} = ${value}`);
  }
  console.log("list (sorted):");
  for (const line of (await log.copy()).sort()) console.log(`  ${line}`);
}

if (isMain(import.meta)) {
  parseFlags();
  await main();
}
