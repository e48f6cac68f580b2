/**
 * A shared count that processes raise, lower and wait to reach zero: a JoinableQueue's
 * unfinished tasks (Python keeps them in a semaphore plus a condition).
 * @module
 */

import { runAsync, runSync, type Steps } from "./steps.ts";
import { remaining, wake } from "./wait.ts";

const COUNT = 0;
/** How many threads sleep until the count reaches zero (the last decrement skips `notify` without them). */
const WAITERS = 1;
/**
 * Bumped each time the count reaches zero. Waiters sleep on it rather than on the count,
 * which changes with every decrement: they wake once, when it matters.
 */
const ZEROS = 2;

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
    this.#words = new Int32Array(state?.buffer ?? new SharedArrayBuffer(12));
  }

  /** Describes this count for another process. */
  toState(): SharedCounterState {
    return { buffer: this.#words.buffer as SharedArrayBuffer };
  }

  /** The current count. */
  get value(): number {
    return Atomics.load(this.#words, COUNT);
  }

  /** Adds one. */
  increment(): void {
    Atomics.add(this.#words, COUNT, 1);
  }

  /** Subtracts one unless the count is zero; false when it was zero. */
  tryDecrement(): boolean {
    const words = this.#words;
    for (;;) {
      const count = Atomics.load(words, COUNT);
      if (count <= 0) return false;
      if (Atomics.compareExchange(words, COUNT, count, count - 1) !== count) continue;
      if (count === 1) {
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
