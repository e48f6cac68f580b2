/**
 * Raw baseline of `bench/spawn`: a worker started, its first message received, and its end
 * seen, with each worker API the runtime has.
 * @module
 */

import { type BenchCase, medianMs, sizeFor, siblingModule } from "../lib.ts";
import { SIZES, SPAWN } from "../workloads.ts";
import { rawLabel, runtimesWith, startWorker, type WorkerFlavor } from "./worker.ts";

const HELLO = {
  worker_threads: siblingModule(import.meta.url, "./workers/hello"),
  web: siblingModule(import.meta.url, "./workers/hello_web"),
};

async function spawnToEnd(flavor: WorkerFlavor): Promise<void> {
  const worker = startWorker(flavor, HELLO[flavor]);
  await worker.nextMessage();
  await worker.ended();
}

function spawnCase(flavor: WorkerFlavor): BenchCase {
  return {
    impl: rawLabel("spawn → first message → end", flavor),
    bar: true,
    runtimes: runtimesWith(flavor),
    run: async (ctx) => ({
      [SPAWN.startJoin.id]: await medianMs(
        sizeFor(ctx, SIZES.spawnRuns),
        () => spawnToEnd(flavor),
        sizeFor(ctx, SIZES.spawnWarmups),
      ),
    }),
  };
}

/** The raw spawn baselines. */
export const rawSpawnCases: BenchCase[] = [spawnCase("worker_threads"), spawnCase("web")];
