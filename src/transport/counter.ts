/**
 * A shared count that processes raise, lower and wait to reach zero: a JoinableQueue's
 * unfinished tasks (Python keeps them in a semaphore plus a condition).
 *
 * The count is kept as two totals that only grow, `ADDED` (raised by producers) and `DONE`
 * (raised by consumers), on cache lines of their own, so that a producer and a consumer do
 * not write to the same line for every item. `DONE` is always read before `ADDED`: the
 * difference then never shows less than the count at the moment `DONE` was read.
 * @module
 */

import { stepHook } from "./step_hook.ts";
import { runAsync, runSync, type Steps } from "./steps.ts";
import { remaining, wake } from "./wait.ts";

/** Ints per cache line. */
const LINE = 16;
const ADDED = 0;
const DONE = LINE;
/** How many threads sleep until the count reaches zero (the last decrement skips `notify` without them). */
const WAITERS = 2 * LINE;
/**
 * Bumped each time the count reaches zero. Waiters sleep on it rather than on the count,
 * which changes with every decrement: they wake once, when it matters.
 */
const ZEROS = 2 * LINE + 1;
const INTS = 3 * LINE;

/** Everything another process needs to rebuild a {@link SharedCounter}. */
export interface SharedCounterState {
  /** The shared words. */
  buffer: SharedArrayBuffer;
}

/**
 * A non-negative count in shared memory.
 * @example Usage
 * ```ts
 * import { SharedCounter } from "./counter.ts";
 * const tasks = new SharedCounter();
 * tasks.increment();
 * tasks.tryDecrement(); // true
 * console.log(await tasks.waitUntilZero(Infinity)); // true
 * ```
 */
export class SharedCounter {
  readonly #words: Int32Array;

  /** Allocates a count of zero, or rebuilds one on `state`'s shared memory. */
  constructor(state?: SharedCounterState) {
    this.#words = new Int32Array(state?.buffer ?? new SharedArrayBuffer(INTS * 4));
  }

  /** Describes this count for another process. */
  toState(): SharedCounterState {
    return { buffer: this.#words.buffer as SharedArrayBuffer };
  }

  /** The current count. */
  get value(): number {
    const done = Atomics.load(this.#words, DONE);
    return Math.max((Atomics.load(this.#words, ADDED) - done) | 0, 0);
  }

  /** Adds one. */
  increment(): void {
    Atomics.add(this.#words, ADDED, 1);
  }

  /** Subtracts one unless the count is zero; false when it was zero. */
  tryDecrement(): boolean {
    const words = this.#words;
    for (;;) {
      const done = Atomics.load(words, DONE);
      if (((Atomics.load(words, ADDED) - done) | 0) <= 0) return false;
      if (Atomics.compareExchange(words, DONE, done, (done + 1) | 0) !== done) continue;
      if (stepHook !== undefined) stepHook("counter.done");
      if (((Atomics.load(words, ADDED) - done - 1) | 0) === 0) {
        Atomics.add(words, ZEROS, 1);
        if (Atomics.load(words, WAITERS) > 0) wake(words, ZEROS);
      }
      return true;
    }
  }

  /** Waits until the count is zero or `deadline` passes; true when it reached zero. */
  waitUntilZero(deadline: number, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    return runAsync(this.#untilZero(deadline), signal);
  }

  /** As {@link waitUntilZero}, blocking the thread. */
  waitUntilZeroSync(deadline: number): boolean {
    return runSync(this.#untilZero(deadline));
  }

  *#untilZero(deadline: number): Steps<boolean> {
    for (;;) {
      const zeros = Atomics.load(this.#words, ZEROS);
      if (this.value <= 0) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      yield { cell: this.#words, index: ZEROS, seen: zeros, timeoutMs: left, interruptible: true, waiters: WAITERS };
    }
  }
}
