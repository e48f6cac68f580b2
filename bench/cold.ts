/**
 * Cold measurements: one scenario run once in this fresh process, as a script does it (a
 * fresh pool or process, its first call, nothing warmed up), printing its value as one JSON
 * line `{"value": n}`. `coldMedian` (bench/lib.ts) starts it on the current runtime several
 * times and takes the median. By hand: `deno run -A bench/cold.ts map-default`.
 *
 * Pool scenarios wait until the pool's workers are up (each meets the main process at a
 * Barrier in its initializer, as bench/python/cold.py does) and time the first call only;
 * `pool-start8` times everything, from `new Pool(8)` to the last result.
 * @module
 */

import process from "node:process";
import { Barrier, Pool, Process } from "../mod.ts";
import { residentBytes } from "./memory.ts";
import { meetAtBarrier, square } from "./tasks.ts";
import { trivial } from "./spawn_target.ts";
import { trivialWithLibrary } from "./spawn_target_lib.ts";
import { siblingModule } from "./lib.ts";
import { POOL, POOL_WORKERS, SPAWN } from "./workloads.ts";

const TASKS = siblingModule(import.meta.url, "./tasks");

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A pool of `workers` whose workers are all up, then `use`, then the pool terminated. */
async function withReadyPool<T>(workers: number, use: (pool: Pool) => Promise<T>): Promise<T> {
  const barrier = new Barrier(workers + 1);
  const pool = new Pool({ processes: workers, module: TASKS, initializer: meetAtBarrier, initargs: [barrier] });
  try {
    await barrier.wait();
    return await use(pool);
  } finally {
    await pool.terminate();
  }
}

/** Items per second of the first `call` on a fresh pool of {@link POOL_WORKERS}. */
function firstCallRate(items: number, call: (pool: Pool, inputs: number[]) => Promise<unknown>): Promise<number> {
  const inputs = range(items);
  return withReadyPool(POOL_WORKERS, async (pool) => {
    const start = performance.now();
    await call(pool, inputs);
    return (items * 1000) / (performance.now() - start);
  });
}

async function drain(results: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of results);
}

async function startJoinMs(target: () => void): Promise<number> {
  const start = performance.now();
  const p = new Process({ target });
  p.start();
  await p.join();
  if (p.exitCode !== 0) throw new Error(`the process ended with exit code ${p.exitCode}`);
  return performance.now() - start;
}

/** Resident bytes per idle child: `count` started, this process's growth divided among them. */
async function memoryPerChild(count: number, start: () => Promise<() => Promise<void>>): Promise<number> {
  const before = residentBytes();
  const stop = await start();
  const after = residentBytes();
  await stop();
  return (after - before) / count / MB;
}

const MEMORY_CHILDREN = 4;

const MB = 1024 * 1024;

/** Each scenario's measurement, by the id of the workload it measures. */
const SCENARIOS: Record<string, () => Promise<number>> = {
  [POOL.mapTinyDefaultCold.id]: () => firstCallRate(100_000, (pool, inputs) => pool.map(square, inputs)),
  [POOL.mapTinyChunk1Cold.id]: () => firstCallRate(100_000, (pool, inputs) => pool.map(square, inputs, { chunksize: 1 })),
  [POOL.imapCold.id]: () => firstCallRate(100_000, (pool, inputs) => drain(pool.imap(square, inputs, { chunksize: 1000 }))),
  [POOL.start8.id]: async () => {
    const start = performance.now();
    const pool = new Pool({ processes: 8, module: TASKS });
    try {
      await drain(pool.imapUnordered(square, range(10_000), { chunksize: 1000 }));
      return performance.now() - start;
    } finally {
      await pool.terminate();
    }
  },
  [SPAWN.startJoinCold.id]: () => startJoinMs(trivial),
  [SPAWN.startJoinLibraryCold.id]: () => startJoinMs(trivialWithLibrary),
  [SPAWN.memoryChild.id]: () =>
    memoryPerChild(MEMORY_CHILDREN, async () => {
      const barrier = new Barrier(MEMORY_CHILDREN + 1);
      const children = range(MEMORY_CHILDREN).map(() => new Process({ target: meetAtBarrier, args: [barrier, true] }));
      for (const child of children) child.start();
      await barrier.wait(); // every child is up, and idles until told to end
      await settle();
      return async () => {
        await barrier.wait();
        for (const child of children) await child.join();
      };
    }),
  [POOL.memoryWorker.id]: () =>
    memoryPerChild(MEMORY_CHILDREN, async () => {
      const pool = new Pool({ processes: MEMORY_CHILDREN, module: TASKS });
      await pool.map(square, range(MEMORY_CHILDREN * 10), { chunksize: 1 }); // every worker ran a task
      await settle();
      return () => pool.terminate();
    }),
};

/** Lets the children's start-up garbage be collected before memory is read. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
}

const scenario = process.argv[2];
const measure = SCENARIOS[scenario];
if (!measure) {
  console.error(`usage: cold <${Object.keys(SCENARIOS).join("|")}>`);
  process.exit(2);
}
console.log(JSON.stringify({ value: await measure() }));
