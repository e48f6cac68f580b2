/**
 * Bounded, adaptive spinning before a sleep. Polling for a few microseconds catches a message
 * that is about to come without the cost of a sleep and a wake-up (a round trip of 3–5 µs
 * when both sides poll, 10–30 µs when they sleep). But a spin only pays while the other side
 * runs on another core: on a busy machine the spinner takes the core the other side needs,
 * and two spinners that wait on each other starve each other.
 *
 * So a spinner (one per waiting site) spins at most a few microseconds, and learns:
 * - **How long to spin**: a few times as long as its recent catches took (the other side's
 *   observed latency), at least {@link MIN_BUDGET_MS} and at most the site's cap (by default
 *   {@link DEFAULT_SPIN_MS}, about what a sleep and a wake-up cost). A near miss of a shorter
 *   spin (the message came soon after it gave up) makes the next spin last the whole cap.
 * - **Whether to spin**: a spin of the whole cap that missed, or a long sleep after a spin, is
 *   a miss. While fewer than half of its recent spins caught, a spinner skips spinning after
 *   a miss for a number of waits that doubles with each miss in a row (up to
 *   {@link MAX_SKIPPED}), until a spin catches again. A near miss of a whole-cap spin counts
 *   as a miss: that is what a spinner sees when it holds the very core the other side needs
 *   (the message comes right after it gives up), so two sides that share a core fall back to
 *   sleeping (`Atomics.wait`/`waitAsync`) within a few waits instead of starving each other,
 *   while a spinner whose spins mostly catch (a busy queue) keeps spinning through the odd miss.
 * @module
 */

/** Polls between two reads of the clock (a read costs ~0.2 µs on Deno and Node). */
const POLLS_PER_CLOCK_READ = 32;
/** The shortest budget: a catch after ~0 µs still leaves this much. */
const MIN_BUDGET_MS = 0.002;
/** The budget is this many times the typical catch time. */
const CATCH_FACTOR = 4;
/** A sleep shorter than this many caps after a spin gave up (or was skipped) ended soon. */
const NEAR_MISS_CAPS = 2;
/** A spinner skips spinning after a miss only while fewer than this share of its spins catch. */
const SKIP_BELOW_HIT_RATE = 0.5;
/** Weight of the newest spin in the moving averages (hit rate, catch time). */
const NEWEST = 1 / 8;
/** Most waits in a row that a spinner skips spinning after repeated long sleeps. */
const MAX_SKIPPED = 64;

/** The default cap of a spin: about what a sleep and a wake-up cost the waiter. */
export const DEFAULT_SPIN_MS = 0.05;

/**
 * One spinner per waiting site (e.g. per connection end, per ring side, per lock handle).
 * @example Usage
 * ```ts
 * import { AdaptiveSpin } from "./spin.ts";
 * const cell = new Int32Array(new SharedArrayBuffer(4));
 * const spin = new AdaptiveSpin();
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
  readonly #capMs: number;
  #budgetMs: number;
  /** The typical time a caught spin took (a moving average). */
  #typicalMs: number;
  #skip = 0;
  /** Missed spins since the last catch. */
  #misses = 0;
  /** The share of recent spins that caught (a moving average). */
  #hitRate = 1;
  /** Whether the last wait spun (else it skipped spinning). */
  #spun = false;
  /** When the current sleep began (the end of a missed or skipped spin). */
  #sleepStart = 0;

  /** A spinner that polls for at most `capMs` milliseconds per wait (0: never spins). */
  constructor(capMs: number = DEFAULT_SPIN_MS) {
    this.#capMs = this.#budgetMs = capMs;
    this.#typicalMs = capMs / CATCH_FACTOR;
  }

  /**
   * Polls `ready` until it returns true, for at most the budget (and not past `deadline`),
   * unless recent spins missed. Returns whether `ready` turned true.
   */
  spinUntil(ready: () => boolean, deadline: number): boolean {
    let now = performance.now();
    this.#spun = this.#skip === 0 && this.#budgetMs > 0;
    if (!this.#spun) {
      if (this.#skip > 0) this.#skip--;
      this.#sleepStart = now;
      return false;
    }
    const start = now;
    const end = Math.min(start + this.#budgetMs, deadline);
    do {
      for (let i = 0; i < POLLS_PER_CLOCK_READ; i++) {
        if (ready()) {
          this.#caught(now - start);
          return true;
        }
      }
    } while ((now = performance.now()) < end);
    this.#sleepStart = now;
    return false;
  }

  /**
   * Tells the spinner that the sleep after a `false` from {@link spinUntil} ended with what
   * it waited for; how long that took decides how the next waits spin.
   */
  sleptUntilReady(): void {
    if (!this.#spun) return; // skipped: the skipping run goes on until its end
    if (this.#budgetMs < this.#capMs && performance.now() - this.#sleepStart < NEAR_MISS_CAPS * this.#capMs) {
      this.#budgetMs = this.#capMs;
      return;
    }
    this.#hitRate -= this.#hitRate * NEWEST;
    const misses = ++this.#misses;
    if (this.#hitRate < SKIP_BELOW_HIT_RATE) this.#skip = Math.min(2 ** (misses - 1), MAX_SKIPPED);
  }

  /** A catch after `elapsed` ms: the budget follows the typical catch time. */
  #caught(elapsed: number): void {
    this.#misses = 0;
    this.#hitRate += (1 - this.#hitRate) * NEWEST;
    this.#typicalMs += (elapsed - this.#typicalMs) * NEWEST;
    this.#budgetMs = Math.min(Math.max(CATCH_FACTOR * this.#typicalMs, MIN_BUDGET_MS), this.#capMs);
  }
}
