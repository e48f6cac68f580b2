/**
 * Adaptive spinning before a sleep. Polling for a few microseconds catches a reply that is
 * about to come without the cost of a sleep and a wake-up (DESIGN.md: round trips of 6–8 µs
 * with spinning, several times slower without). But a spin that misses only burns a core,
 * and on a busy machine it steals the core the other side needs to answer.
 *
 * So a spinner judges each miss by how long the sleep after it lasted. A near miss (the
 * message came within {@link NEAR_MISS_MS}: the other side was answering, only a little
 * later than the budget; Bun's event loop often pauses 30–100 µs between two messages)
 * doubles the budget, up to that same bound. A long sleep (the other side was idle, or had no
 * core to run on) resets the budget, and after {@link MISSES_BEFORE_SKIPPING} long sleeps in
 * a row the spinner skips spinning for a number of waits that doubles with each further long
 * sleep (up to {@link MAX_SKIPPED}). One caught message, or one near miss, ends the skipping.
 * @module
 */

/** Polls between two reads of the clock (reading it costs up to ~1 µs on Deno). */
const POLLS_PER_CLOCK_READ = 64;
/** Long sleeps in a row that a spinner tolerates before it skips spinning. */
const MISSES_BEFORE_SKIPPING = 1;
/** Most waits in a row that a spinner skips spinning after repeated long sleeps. */
const MAX_SKIPPED = 64;
/** A sleep shorter than this after a spin was a near miss; also the largest budget. */
const NEAR_MISS_MS = 0.25;

/**
 * One spinner per waiting site (e.g. per connection end).
 * @example Usage
 * ```ts
 * import { AdaptiveSpin } from "./spin.ts";
 * const cell = new Int32Array(new SharedArrayBuffer(4));
 * const spin = new AdaptiveSpin(0.03);
 * // Takes the value another thread stores into cell[0] (a thread that may block).
 * export function take(): number {
 *   if (!spin.spinUntil(() => Atomics.load(cell, 0) !== 0, Infinity)) {
 *     while (Atomics.load(cell, 0) === 0) Atomics.wait(cell, 0, 0, 100);
 *     spin.sleptUntilReady();
 *   }
 *   return Atomics.exchange(cell, 0, 0);
 * }
 * ```
 */
export class AdaptiveSpin {
  readonly #baseBudgetMs: number;
  #budgetMs: number;
  #skip = 0;
  #misses = 0;
  /** When the current sleep began (the end of a missed or skipped spin). */
  #sleepStart = 0;

  /** A spinner that polls for `baseBudgetMs` milliseconds per wait, more after near misses. */
  constructor(baseBudgetMs: number) {
    this.#baseBudgetMs = this.#budgetMs = baseBudgetMs;
  }

  /**
   * Polls `ready` until it returns true, for at most the budget (and not past `deadline`),
   * unless recent spins missed. Returns whether `ready` turned true.
   */
  spinUntil(ready: () => boolean, deadline: number): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      this.#sleepStart = performance.now();
      return false;
    }
    const end = Math.min(performance.now() + this.#budgetMs, deadline);
    do {
      for (let i = 0; i < POLLS_PER_CLOCK_READ; i++) {
        if (ready()) {
          this.#misses = 0;
          return true;
        }
      }
    } while ((this.#sleepStart = performance.now()) < end);
    return false;
  }

  /**
   * Tells the spinner that the sleep after a `false` from {@link spinUntil} ended with what
   * it waited for; how long that took decides how the next waits spin.
   */
  sleptUntilReady(): void {
    if (performance.now() - this.#sleepStart < NEAR_MISS_MS) {
      this.#budgetMs = Math.min(this.#budgetMs * 2, NEAR_MISS_MS);
      this.#misses = 0;
      this.#skip = 0;
      return;
    }
    this.#budgetMs = this.#baseBudgetMs;
    const beyond = ++this.#misses - MISSES_BEFORE_SKIPPING;
    if (beyond >= 0) this.#skip = Math.min(2 ** beyond, MAX_SKIPPED);
  }
}
