/**
 * `bench/pool`, the futures executor's rows (issue 13): `ProcessPoolExecutor` of 2 workers,
 * cold (a fresh executor, whose workers start on the first submission) and warm: submit round
 * trips (beside `Pool.apply`'s, measured in alternating blocks: the issue's bar compares the two,
 * and on this noisy machine rows measured minutes apart differ by more than they do) and a map
 * of 100k tiny items in chunks of 1000, beside Python's
 * `concurrent.futures.ProcessPoolExecutor` (bench/python/pool_baseline.py).
 * @module
 */

import { Pool, ProcessPoolExecutor } from "../mod.ts";
import { type BenchCase, LIBRARY, median, medianOfRepeats, perSecond, sizeFor, siblingModule, timeMs } from "./lib.ts";
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

/** Blocks of round trips, submit's and `Pool.apply`'s in turn: both see the machine as it is then. */
const ROUND_TRIP_BLOCKS = 10;

/**
 * Microseconds per round trip, `executor.submit(…).result()` and, in alternating blocks, a
 * `Pool.apply` of as many workers: the median block of each.
 */
async function alternatingRoundTrips(executor: ProcessPoolExecutor, calls: number): Promise<{ submit: number; apply: number }> {
  const pool = new Pool({ processes: POOL_WORKERS, module: TASKS });
  try {
    await pool.apply(square, [0]);
    const perBlock = Math.ceil(calls / ROUND_TRIP_BLOCKS);
    const usPerCall = (ms: number) => (ms * 1000) / perBlock;
    const submit: number[] = [];
    const apply: number[] = [];
    for (let block = 0; block < ROUND_TRIP_BLOCKS; block++) {
      submit.push(usPerCall(await timeMs(async () => {
        for (let i = 0; i < perBlock; i++) await executor.submit(square, i).result();
      })));
      apply.push(usPerCall(await timeMs(async () => {
        for (let i = 0; i < perBlock; i++) await pool.apply(square, [i]);
      })));
    }
    return { submit: median(submit), apply: median(apply) };
  } finally {
    await pool.terminate();
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
        const roundTrips = await alternatingRoundTrips(executor, sizeFor(ctx, SIZES.applyCalls));
        return {
          [EXECUTOR.submitCold.id]: submitColdMs,
          [EXECUTOR.submitWarm.id]: roundTrips.submit,
          [EXECUTOR.applyAlternating.id]: roundTrips.apply,
          [EXECUTOR.mapCold.id]: perSecond(inputs.length, mapColdMs),
          [EXECUTOR.mapWarm.id]: perSecond(inputs.length, mapMs),
        };
      });
    },
  },
];
