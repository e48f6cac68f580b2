/**
 * `bench/pool`, the futures executor's rows (issue 13): `ProcessPoolExecutor` of 2 workers,
 * cold (a fresh executor, whose workers start on the first submission) and warm: submit round
 * trips and a map of 100k tiny items in chunks of 1000, beside Python's
 * `concurrent.futures.ProcessPoolExecutor` (bench/python/pool_baseline.py).
 * @module
 */

import { ProcessPoolExecutor } from "../mod.ts";
import { type BenchCase, LIBRARY, medianOfRepeats, perSecond, sizeFor, siblingModule, timeMs } from "./lib.ts";
import { square } from "./tasks.ts";
import { EXECUTOR, POOL_WORKERS, SIZES } from "./workloads.ts";

const TASKS = siblingModule(import.meta.url, "./tasks");
/** Untimed runs before a warm measurement (the JIT compiles the hot loops meanwhile). */
const WARMUP_RUNS = 3;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A fresh executor of {@link POOL_WORKERS}, shut down after `use`. */
async function withExecutor<T>(use: (executor: ProcessPoolExecutor) => Promise<T>): Promise<T> {
  const executor = new ProcessPoolExecutor({ maxWorkers: POOL_WORKERS, module: TASKS });
  try {
    return await use(executor);
  } finally {
    await executor.shutdown();
  }
}

/** The executor's cases. */
export const executorCases: BenchCase[] = [
  {
    impl: LIBRARY,
    run: async (ctx) => {
      const inputs = range(sizeFor(ctx, SIZES.mapItems));
      const chunksize = sizeFor(ctx, SIZES.executorMapChunksize);
      const map = (executor: ProcessPoolExecutor) => executor.map(square, inputs, { chunksize }).toArray();
      const submitColdMs = await withExecutor((executor) => timeMs(() => executor.submit(square, 3).result()));
      const mapColdMs = await medianOfRepeats(ctx, () => withExecutor((executor) => timeMs(() => map(executor))));
      return await withExecutor(async (executor) => {
        for (let i = 0; i < WARMUP_RUNS; i++) await map(executor);
        const mapMs = await medianOfRepeats(ctx, () => timeMs(() => map(executor)));
        const calls = sizeFor(ctx, SIZES.applyCalls);
        const submitMs = await timeMs(async () => {
          for (let i = 0; i < calls; i++) await executor.submit(square, i).result();
        });
        return {
          [EXECUTOR.submitCold.id]: submitColdMs,
          [EXECUTOR.submitWarm.id]: (submitMs * 1000) / calls,
          [EXECUTOR.mapCold.id]: perSecond(inputs.length, mapColdMs),
          [EXECUTOR.mapWarm.id]: perSecond(inputs.length, mapMs),
        };
      });
    },
  },
];
