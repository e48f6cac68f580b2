/**
 * Raw baseline of `bench/spawn`: a worker started, its first message received, and its end
 * seen, with each worker API the runtime has.
 * @module
 */

import { type BenchCase, medianMs, type Runtime, sizeFor, siblingModule } from "../lib.ts";
import { trivial } from "../spawn_target.ts";
import { SIZES, SPAWN } from "../workloads.ts";
import { rawLabel, runtimesWith, startWorker, type WorkerFlavor } from "./worker.ts";

const HELLO = {
  worker_threads: siblingModule(import.meta.url, "./workers/hello"),
  web: siblingModule(import.meta.url, "./workers/hello_web"),
};
const RUN_TARGET = siblingModule(import.meta.url, "./workers/run_target");
const TRIVIAL = { module: siblingModule(import.meta.url, "../spawn_target").href, exportName: trivial.name };

async function spawnToEnd(flavor: WorkerFlavor): Promise<void> {
  const worker = startWorker(flavor, HELLO[flavor]);
  await worker.nextMessage();
  await worker.ended();
}

/** A hand-written start + join: the worker is told which exported function to run. */
async function runTrivialByHand(flavor: WorkerFlavor): Promise<void> {
  const worker = startWorker(flavor, RUN_TARGET);
  worker.post(TRIVIAL);
  await worker.nextMessage();
  await worker.ended();
}

function spawnCase(
  what: string,
  flavor: WorkerFlavor,
  once: (flavor: WorkerFlavor) => Promise<void>,
  runtimes: readonly Runtime[] | undefined,
): BenchCase {
  return {
    impl: rawLabel(what, flavor),
    bar: once === spawnToEnd,
    runtimes,
    run: async (ctx): Promise<Record<string, number>> => {
      const ms = await medianMs(sizeFor(ctx, SIZES.spawnRuns), () => once(flavor), sizeFor(ctx, SIZES.spawnWarmups));
      // The bare spawn is also the bar of a start whose target imports the library.
      return once === spawnToEnd ? { [SPAWN.startJoin.id]: ms, [SPAWN.startJoinLibrary.id]: ms } : { [SPAWN.startJoin.id]: ms };
    },
  };
}

const BY_HAND = "by hand: spawn → import + call the function → end";

/**
 * The raw spawn baselines (the bar's), then the hand-written equivalent of start + join on
 * each runtime's fastest worker (for reading the library's own share of the time; no bar).
 */
export const rawSpawnCases: BenchCase[] = [
  spawnCase("spawn → first message → end", "worker_threads", spawnToEnd, runtimesWith("worker_threads")),
  spawnCase("spawn → first message → end", "web", spawnToEnd, runtimesWith("web")),
  spawnCase(BY_HAND, "worker_threads", runTrivialByHand, ["node"]),
  spawnCase(BY_HAND, "web", runTrivialByHand, runtimesWith("web")),
];
