/**
 * Stops the thread of a process that was ended. On Deno a terminated worker keeps running
 * until it gets back to its event loop (measured: a thread busy in synchronous code, or
 * waking from `Atomics.wait` every slice, went on for seconds after the parent saw it end),
 * while every other process already treats it as gone: it must not go on to put or take an
 * item, send, set an event, take or release a lock, or write a value that live processes now
 * use. The operations that act on shared state call {@link haltIfEnded} first, and blocking
 * operations (the sync primitives' and the queues' steps) after each wait. On Node and Bun
 * `terminate()` stops the thread itself; the checks cost one `Atomics.load` there too.
 * @module
 */

import { runtime } from "../runtime/mod.ts";
import { confirmStopped, isCurrentProcessAlive } from "./liveness.ts";

/**
 * Returns at once while the calling process runs; never returns once it was ended.
 * @example Usage
 * ```ts
 * import { haltIfEnded } from "./halt.ts";
 * haltIfEnded(); // returns: this process runs
 * ```
 */
export function haltIfEnded(): void {
  if (isCurrentProcessAlive()) return;
  confirmStopped(); // nothing of the library runs here any more: its locks may be taken over
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
  if (isCurrentProcessAlive()) return;
  confirmStopped();
  await new Promise<never>(() => {});
}
