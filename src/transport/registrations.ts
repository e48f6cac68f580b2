/**
 * A shared registry of handles, each registered in the pid of the process that holds it:
 * what tells a pipe's reader that every handle of the other end is closed (Python's "every
 * copy of the file descriptor is closed"), and a queue's async iterator that every handle
 * that put into the queue is closed. A registration whose process ended counts as gone
 * ({@link isPidAlive}), so a crashed or terminated process never keeps a pipe open or a
 * queue unfinished.
 *
 * A handle on its way to a child (packed into a Process's args) is registered in the child's
 * pid before the child runs, and the child takes the registration over when it rebuilds the
 * handle ({@link Registrations.takeOver}): a pipe end never looks closed between the sender
 * closing its own handle and the child starting, and a child that ends before it rebuilt
 * the handle leaves nothing registered.
 *
 * Layout (Int32): `[ACTIVE]` 1 once some holder became active ({@link markActive}: a queue's
 * first put), `[HIGH_WATER]` slots ever used, then {@link REGISTRATION_SLOTS} slots, each 0 or
 * a pid.
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";

/** Most registrations (handles of live processes) one registry holds at the same time. */
export const REGISTRATION_SLOTS = 1024;

const ACTIVE = 0;
const HIGH_WATER = 1;
const SLOTS = 2;

/**
 * The shared set of registered handles of one pipe end or one queue.
 * @example Usage
 * ```ts
 * import { Registrations } from "./registrations.ts";
 * const holders = new Registrations("handles of one pipe end are open");
 * const slot = holders.register();
 * console.log(holders.anyLive()); // true
 * holders.unregister(slot);
 * console.log(holders.anyLive()); // false
 * ```
 */
export class Registrations {
  readonly #words: Int32Array;
  readonly #whatIsFull: string;

  /**
   * Allocates an empty registry, or rebuilds one on `buffer` (see {@link buffer}).
   * `whatIsFull` completes the error "more than 1024 … in live processes" when it is full.
   */
  constructor(whatIsFull: string, buffer?: SharedArrayBuffer) {
    this.#whatIsFull = whatIsFull;
    this.#words = new Int32Array(buffer ?? new SharedArrayBuffer((SLOTS + REGISTRATION_SLOTS) * 4));
  }

  /** The shared memory, for another process. */
  get buffer(): SharedArrayBuffer {
    return this.#words.buffer as SharedArrayBuffer;
  }

  /**
   * Registers one handle of the process `holder` (by default the calling one); returns its slot.
   * @throws {Error} when {@link REGISTRATION_SLOTS} handles of live processes are registered.
   */
  register(holder: number = currentPid()): number {
    const words = this.#words;
    for (let slot = SLOTS; slot < SLOTS + REGISTRATION_SLOTS; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) continue;
      if (Atomics.compareExchange(words, slot, pid, holder) !== pid) continue;
      raiseHighWater(words, slot);
      return slot;
    }
    throw new Error(
      `more than ${REGISTRATION_SLOTS} ${this.#whatIsFull} in live processes: close() the ones that are done`,
    );
  }

  /**
   * In the process that rebuilt a handle: takes over the registration made in `holder`'s pid
   * while the handle travelled; returns the slot this process now holds.
   */
  takeOver(slot: number, holder: number): number {
    const me = currentPid();
    if (holder === me || Atomics.compareExchange(this.#words, slot, holder, me) === holder) return slot;
    return this.register(); // the slot was freed meanwhile (its holder ended): register afresh
  }

  /** Removes the registration that the calling process holds in `slot`. */
  unregister(slot: number): void {
    Atomics.compareExchange(this.#words, slot, currentPid(), 0);
  }

  /** True while some registered handle belongs to a live process. */
  anyLive(): boolean {
    const words = this.#words;
    const used = Atomics.load(words, HIGH_WATER);
    for (let slot = SLOTS; slot <= used; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) return true;
    }
    return false;
  }

  /** Notes that some holder became active (what that means is the user's: a queue's put). */
  markActive(): void {
    if (Atomics.load(this.#words, ACTIVE) === 0) Atomics.store(this.#words, ACTIVE, 1);
  }

  /** True once {@link markActive} was called by any holder. */
  everActive(): boolean {
    return Atomics.load(this.#words, ACTIVE) === 1;
  }
}

/** Raises the highest slot ever used to `slot` (never lowers it). */
function raiseHighWater(words: Int32Array, slot: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < slot; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, slot) === seen) return;
  }
}
