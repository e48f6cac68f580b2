/**
 * The functions pool workloads run in workers (exported: pools find them by reference), and
 * the one-thread reference of the CPU-bound workload.
 * @module
 */

import type { Barrier } from "../mod.ts";
import { timeMs } from "./lib.ts";

/** The tiny task: `x * x`. */
export function square(x: number): number {
  return x * x;
}

/**
 * Meets the main process at `barrier` (a pool's initializer, or a process's target: it is up);
 * with `twice`, idles until the main process meets it there again.
 */
export async function meetAtBarrier(barrier: Barrier, twice = false): Promise<void> {
  await barrier.wait();
  if (twice) await barrier.wait();
}

/**
 * The CPU-bound task: `iterations` steps of integer arithmetic the JIT cannot skip
 * (`bench/python/pool.py` runs the same loop).
 */
export function cpuTask(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

/** Iterations of {@link cpuTask} that take about `targetMs` on this runtime, JIT warmed up. */
export async function calibrateCpuTask(targetMs: number): Promise<number> {
  let iterations = 100_000;
  for (let round = 0; round < 4; round++) {
    const ms = await timeMs(() => cpuTask(iterations));
    iterations = Math.max(1, Math.round((iterations * targetMs) / Math.max(ms, 0.01)));
  }
  return iterations;
}

/** Milliseconds the CPU-bound map takes in this one thread: the speedup's reference. */
export async function oneThreadMs(tasks: number, iterations: number): Promise<number> {
  return await timeMs(() => {
    for (let i = 0; i < tasks; i++) cpuTask(iterations);
  });
}
