/**
 * Stops the thread of a process that was ended. On Deno a terminated worker that sleeps in
 * `Atomics.wait` keeps running (measured: it wakes every slice, for seconds, after the
 * parent saw it end), while every other process already treats it as gone: it must not go
 * on to take a lock, a permit or a notification that live processes now use. Blocking
 * operations (the sync primitives' and the queues' steps) call these after each wait.
 * @module
 */

import { runtime } from "../runtime/mod.ts";
import { currentPid, isPidAlive } from "./liveness.ts";

/**
 * Returns at once while the calling process runs; never returns once it was ended.
 * @example Usage
 * ```ts
 * import { haltIfEnded } from "./halt.ts";
 * haltIfEnded(); // returns: this process runs
 * ```
 */
export function haltIfEnded(): void {
  if (isPidAlive(currentPid())) return;
  // Deno completes a termination only when the thread gets back to its event loop, which a
  // thread looping in waits never does (the program would never exit): end the thread here.
  runtime.parentChannel()?.exit(ENDED_EXIT_CODE);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}

/** The code a thread ends with when it finds itself ended (its parent already saw -15 or -9). */
const ENDED_EXIT_CODE = 1;

/**
 * {@link haltIfEnded} for asynchronous code: never settles once the process was ended.
 * @example Usage
 * ```ts
 * import { haltIfEndedAsync } from "./halt.ts";
 * await haltIfEndedAsync(); // resolves: this process runs
 * ```
 */
export async function haltIfEndedAsync(): Promise<void> {
  if (!isPidAlive(currentPid())) await new Promise<never>(() => {});
}
