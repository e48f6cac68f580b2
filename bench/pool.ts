/**
 * `bench/pool` (issues 5, 16): Pool map and imap of tiny tasks, cold (a fresh program's
 * fresh pool, its first call: bench/cold.ts) and warm, a CPU-bound map and apply round trips
 * on 2 workers, Pool(8)'s start, memory per worker, beside piscina (Node, Bun) and Python's
 * `Pool` (spawn, forkserver, fork).
 * @module
 */

import { Pool } from "../mod.ts";
import { type BenchCase, coldMedian, LIBRARY, medianOfRepeats, perSecond, sizeFor, siblingModule, timeMs } from "./lib.ts";
import { executorCases } from "./pool_executor.ts";
import { piscinaCases } from "./raw/piscina.ts";
import { calibrateCpuTask, cpuTask, oneThreadMs, square } from "./tasks.ts";
import { CPU_TASK_MS, POOL, POOL_WORKERS, SIZES } from "./workloads.ts";

const TASKS = siblingModule(import.meta.url, "./tasks");
/** Untimed runs of a map before it is timed (the JIT compiles the hot loops meanwhile). */
const WARMUP_RUNS = 3;

/** Runs `use` with a started pool of {@link POOL_WORKERS}, warmed up like the baselines, terminated afterwards. */
async function withPool<T>(use: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool({ processes: POOL_WORKERS, module: TASKS });
  try {
    // Python's baseline warms up with map(square, range(1000)); piscina with 100 runs.
    await pool.map(square, Array.from({ length: 1000 }, (_, i) => i));
    return await use(pool);
  } finally {
    await pool.terminate();
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The library's cases. */
const libraryCases: BenchCase[] = [
  {
    impl: LIBRARY,
    run: (ctx) =>
      withPool(async (pool) => {
        const inputs = range(sizeFor(ctx, SIZES.mapItems));
        // Untimed runs of each first: steady state, once the JIT compiled the codec's loops.
        const defaultMap = () => pool.map(square, inputs);
        const chunk1Map = () => pool.map(square, inputs, { chunksize: 1 });
        const imap = async () => {
          for await (const _ of pool.imap(square, inputs, { chunksize: 1000 }));
        };
        const warmMs = async (call: () => Promise<unknown>) => {
          for (let i = 0; i < WARMUP_RUNS; i++) await call();
          return await medianOfRepeats(ctx, () => timeMs(call));
        };
        const defaultMs = await warmMs(defaultMap);
        const chunk1Ms = await warmMs(chunk1Map);
        const imapMs = await warmMs(imap);
        const iterations = await calibrateCpuTask(CPU_TASK_MS);
        const cpuInputs = Array<number>(sizeFor(ctx, SIZES.cpuTasks)).fill(iterations);
        const oneThread = await oneThreadMs(cpuInputs.length, iterations);
        const wall = await timeMs(() => pool.map(cpuTask, cpuInputs));
        const calls = sizeFor(ctx, SIZES.applyCalls);
        const applyMs = await timeMs(async () => {
          for (let i = 0; i < calls; i++) await pool.apply(square, [i]);
        });
        return {
          [POOL.mapTinyDefault.id]: perSecond(inputs.length, defaultMs),
          [POOL.mapTinyChunk1.id]: perSecond(inputs.length, chunk1Ms),
          [POOL.imap.id]: perSecond(inputs.length, imapMs),
          [POOL.cpuWall.id]: wall,
          [POOL.cpuSpeedup.id]: oneThread / wall,
          [POOL.applyRoundTrip.id]: (applyMs * 1000) / calls,
        };
      }),
  },
];

/** Rows measured in fresh programs, by bench/cold.ts. */
const COLD_ROWS = [POOL.mapTinyDefaultCold, POOL.mapTinyChunk1Cold, POOL.imapCold, POOL.start8, POOL.memoryWorker];

libraryCases.push({
  impl: LIBRARY,
  run: (ctx) => Promise.resolve(Object.fromEntries(COLD_ROWS.map(({ id }) => [id, coldMedian(ctx, id)]))),
});

/** The library's cases first, then the baselines. */
export const cases: BenchCase[] = [...libraryCases, ...executorCases, ...piscinaCases];
