/**
 * Blocking operations written once for both waiting styles. An operation is a generator
 * that checks its condition and, when it must wait, yields what to wait on; a driver then
 * sleeps on it, asynchronously ({@link runAsync}) or blocking the thread ({@link runSync}),
 * and resumes the generator to check again.
 *
 * After every wait the drivers check that the calling process has not been ended: on Deno a
 * terminated worker that sleeps in `Atomics.wait` keeps running (measured: it wakes up every
 * slice, for seconds, after `terminate()` resolved), and it must not take items or locks
 * that the others now use. Such a thread stops for good instead of going on.
 * @module
 */

import { haltIfEnded, haltIfEndedAsync } from "./halt.ts";
import type { AdaptiveSpin } from "./spin.ts";
import { MAX_WAIT_SLICE_MS, waitAsync, waitSync } from "./wait.ts";

/** One wait: sleep while `cell[index] === seen`, at most `timeoutMs`. */
export interface WaitRequest {
  /** The shared words. */
  cell: Int32Array;
  /** The word that changes when the condition may have changed. */
  index: number;
  /** The value the operation saw when it checked its condition. */
  seen: number;
  /** Longest sleep (the drivers cap it at `MAX_WAIT_SLICE_MS`). */
  timeoutMs: number;
  /** Whether the caller's signal may cut this wait short. */
  interruptible: boolean;
  /** A word counting sleepers, raised while sleeping, so that wakers may skip `notify`. */
  waiters?: number;
  /**
   * `false`: this wait does not keep the program alive (background work, such as a queue's
   * feeder, that nobody awaits). Default `true`.
   */
  keepAlive?: boolean;
  /** The site's spinner: polls the word briefly before sleeping (none: sleeps at once). */
  spin?: AdaptiveSpin;
}

/** The logic of a blocking operation: yields the waits it needs, returns its result. */
export type Steps<T> = Generator<WaitRequest, T, void>;

/**
 * Runs `steps`, waiting without blocking the event loop; rejects with `signal.reason` when
 * the signal aborts an interruptible wait.
 * @example Usage
 * ```ts
 * import { runAsync, type Steps } from "./steps.ts";
 * const cell = new Int32Array(new SharedArrayBuffer(4));
 * function* untilSet(): Steps<void> {
 *   while (Atomics.load(cell, 0) === 0) yield { cell, index: 0, seen: 0, timeoutMs: 100, interruptible: true };
 * }
 * setTimeout(() => Atomics.store(cell, 0, 1), 10);
 * await runAsync(untilSet());
 * ```
 */
export async function runAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    const { cell, index, seen, timeoutMs, interruptible, waiters, keepAlive, spin } = step.value;
    if (spinUntilChanged(spin, cell, index, seen)) continue;
    if (waiters !== undefined) Atomics.add(cell, waiters, 1);
    try {
      if (keepAlive === false) await waitInBackground(cell, index, seen, timeoutMs);
      else await waitAsync(cell, index, seen, timeoutMs, interruptible ? signal : undefined);
    } finally {
      if (waiters !== undefined) Atomics.sub(cell, waiters, 1);
    }
    if (spin !== undefined && Atomics.load(cell, index) !== seen) spin.sleptUntilReady();
    await haltIfEndedAsync();
  }
}

/**
 * Runs `steps`, blocking the thread while waiting (children and `…Sync` calls only).
 * @example Usage
 * ```ts
 * import { runSync, type Steps } from "./steps.ts";
 * const cell = new Int32Array(new SharedArrayBuffer(4));
 * function* untilSet(): Steps<boolean> {
 *   if (Atomics.load(cell, 0) === 0) yield { cell, index: 0, seen: 0, timeoutMs: 10, interruptible: false };
 *   return Atomics.load(cell, 0) === 1;
 * }
 * console.log(runSync(untilSet())); // false: nobody set it within 10 ms
 * ```
 */
export function runSync<T>(steps: Steps<T>): T {
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    const { cell, index, seen, timeoutMs, waiters, spin } = step.value;
    if (spinUntilChanged(spin, cell, index, seen)) continue;
    if (waiters !== undefined) Atomics.add(cell, waiters, 1);
    try {
      waitSync(cell, index, seen, timeoutMs);
    } finally {
      if (waiters !== undefined) Atomics.sub(cell, waiters, 1);
    }
    if (spin !== undefined && Atomics.load(cell, index) !== seen) spin.sleptUntilReady();
    haltIfEnded();
  }
}

/**
 * True when `cell[index]` moves away from `seen` within the site's spin (no spinner: false):
 * on a busy queue the next record comes within microseconds, and the other side is spared a
 * `notify` (the waiter does not count itself as sleeping while it spins).
 */
function spinUntilChanged(spin: AdaptiveSpin | undefined, cell: Int32Array, index: number, seen: number): boolean {
  return spin !== undefined && spin.spinUntil(() => Atomics.load(cell, index) !== seen, Infinity);
}

/**
 * A wait that does not keep the program alive: a bare `Atomics.waitAsync` (wait.ts always
 * holds a ref'd timer while waiting). Whoever needs the background work done holds the
 * program open itself (e.g. `Feeder.flushed()`).
 */
async function waitInBackground(cell: Int32Array, index: number, seen: number, timeoutMs: number): Promise<void> {
  const waiting = Atomics.waitAsync(cell, index, seen, Math.min(Math.max(timeoutMs, 0), MAX_WAIT_SLICE_MS));
  if (waiting.async) await waiting.value;
}
