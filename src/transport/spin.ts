/**
 * Adaptive spinning before a sleep. Polling for a few microseconds catches a reply that is
 * about to come without the cost of a sleep and a wake-up (DESIGN.md: round trips of 6–8 µs
 * with spinning, several times slower without). But a spin that misses only burns a core,
 * and on a busy machine it steals the core the other side needs to answer. So a spinner
 * keeps spinning while spins pay; after {@link MISSES_BEFORE_SKIPPING} misses in a row it
 * skips spinning for a number of waits that doubles with each further miss (up to
 * {@link MAX_SKIPPED}), and one caught message makes it spin every time again.
 * @module
 */

/** Polls between two reads of the clock (reading it costs up to ~1 µs on Deno). */
const POLLS_PER_CLOCK_READ = 64;
/** Misses in a row that a spinner tolerates before it skips spinning. */
const MISSES_BEFORE_SKIPPING = 1;
/** Most waits in a row that a spinner skips spinning after repeated misses. */
const MAX_SKIPPED = 64;

/**
 * One spinner per waiting site (e.g. per connection end).
 * @example Usage
 * ```ts
 * import { AdaptiveSpin } from "./spin.ts";
 * const cell = new Int32Array(new SharedArrayBuffer(4));
 * const spin = new AdaptiveSpin(0.03);
 * console.log(spin.spinUntil(() => Atomics.load(cell, 0) !== 0, Infinity)); // false (nobody set it)
 * ```
 */
export class AdaptiveSpin {
  readonly #budgetMs: number;
  #skip = 0;
  #misses = 0;

  /** A spinner that polls for at most `budgetMs` milliseconds per wait. */
  constructor(budgetMs: number) {
    this.#budgetMs = budgetMs;
  }

  /**
   * Polls `ready` until it returns true, for at most the budget (and not past `deadline`),
   * unless recent spins missed. Returns whether `ready` turned true.
   */
  spinUntil(ready: () => boolean, deadline: number): boolean {
    if (this.#skip > 0) {
      this.#skip--;
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
    } while (performance.now() < end);
    const beyond = ++this.#misses - MISSES_BEFORE_SKIPPING;
    if (beyond >= 0) this.#skip = Math.min(2 ** beyond, MAX_SKIPPED);
    return false;
  }
}
