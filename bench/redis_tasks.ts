/**
 * The tasks of `bench/redis` and `bench/redis_faults.ts` that worker hosts run (exported:
 * the hosts find them by reference). Apart from bench/tasks.ts, whose pool workers start
 * without `node:` modules.
 * @module
 */
import { appendFileSync } from "node:fs";
import process from "node:process";

/** Waits `ms`, then returns when it started (epoch ms): when a redelivered task began on its new host. */
export async function stampThenSleep(ms: number): Promise<number> {
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return started;
}

/**
 * Records that it ran for `i` (a line in `$MP_FAULT_LOG/<pid>.log`, written before it
 * returns), then returns `i`: bench/redis_faults.ts counts executions so.
 */
export function recordExecution(i: number): number {
  appendFileSync(`${process.env.MP_FAULT_LOG}/${process.pid}.log`, `${i}\n`);
  return i;
}
