/**
 * piscina baselines of `bench/pool` (Node and Bun): `run` round trips, 100k tiny tasks
 * dispatched one by one, and the CPU-bound map, on 2 threads running `bench/tasks.ts`.
 * @module
 */

import type { Piscina } from "piscina";
import { type BenchCase, medianOfRepeats, perSecond, sizeFor, siblingModule, timeMs } from "../lib.ts";
import { calibrateCpuTask, oneThreadMs } from "../tasks.ts";
import { CPU_TASK_MS, POOL, POOL_WORKERS, SIZES } from "../workloads.ts";

const TASKS = siblingModule(import.meta.url, "../tasks");
const PISCINA_RUNTIMES = ["node", "bun"] as const;

/** Runs `use` with a started 2-thread piscina pool, destroyed afterwards. */
async function withPiscina<T>(use: (pool: Piscina) => Promise<T>): Promise<T> {
  // Imported lazily: Deno runs this module's siblings but never piscina.
  const { Piscina } = await import("piscina");
  const pool = new Piscina({ filename: TASKS.href, minThreads: POOL_WORKERS, maxThreads: POOL_WORKERS });
  try {
    await Promise.all(Array.from({ length: 100 }, (_, i) => pool.run(i, { name: "square" })));
    return await use(pool);
  } finally {
    await pool.destroy();
  }
}

function mapAll(pool: Piscina, name: string, inputs: readonly number[]): Promise<unknown[]> {
  return Promise.all(inputs.map((input) => pool.run(input, { name })));
}

/** The piscina cases. */
export const piscinaCases: BenchCase[] = [
  {
    impl: "piscina run, awaited one by one",
    bar: true,
    runtimes: PISCINA_RUNTIMES,
    run: (ctx) =>
      withPiscina(async (pool) => {
        const calls = sizeFor(ctx, SIZES.applyCalls);
        const ms = await timeMs(async () => {
          for (let i = 0; i < calls; i++) await pool.run(i, { name: "square" });
        });
        return { [POOL.applyRoundTrip.id]: (ms * 1000) / calls };
      }),
  },
  {
    impl: "piscina run per item, Promise.all",
    runtimes: PISCINA_RUNTIMES,
    run: (ctx) =>
      withPiscina(async (pool) => {
        const inputs = Array.from({ length: sizeFor(ctx, SIZES.mapItems) }, (_, i) => i);
        const ms = await medianOfRepeats(ctx, () => timeMs(() => mapAll(pool, "square", inputs)));
        return { [POOL.mapTinyChunk1.id]: perSecond(inputs.length, ms) };
      }),
  },
  {
    impl: "piscina, one run per task",
    runtimes: PISCINA_RUNTIMES,
    run: (ctx) =>
      withPiscina(async (pool) => {
        const iterations = await calibrateCpuTask(CPU_TASK_MS);
        const inputs = Array<number>(sizeFor(ctx, SIZES.cpuTasks)).fill(iterations);
        const oneThread = await oneThreadMs(inputs.length, iterations);
        const wall = await timeMs(() => mapAll(pool, "cpuTask", inputs));
        return { [POOL.cpuWall.id]: wall, [POOL.cpuSpeedup.id]: oneThread / wall };
      }),
  },
];
