/**
 * A shared registry of handles, each registered in the pid of the process that holds it:
 * what tells a pipe's reader that every handle of the other end is closed (Python's "every
 * copy of the file descriptor is closed"), and a queue's async iterator that every handle
 * that put into the queue is closed. A registration whose process ended counts as gone
 * ({@link isPidAlive}), so a crashed or terminated process never keeps a pipe open or a
 * queue unfinished.
 *
 * A handle on its way to a child (packed into a Process's args) can be registered in the
 * sender's pid until the child rebuilds it and takes the registration over
 * ({@link Registrations.takeOver}): a pipe end never looks closed between the sender closing
 * its own handle and the child starting.
 *
 * Layout (Int32): `[EVER]` 1 once anything registered, `[HIGH_WATER]` slots ever used, then
 * {@link REGISTRATION_SLOTS} slots, each 0 or a pid.
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";

/** Most registrations (handles of live processes) one registry holds at the same time. */
export const REGISTRATION_SLOTS = 1024;

const EVER = 0;
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
 * console.log(holders.anyLive(), holders.ever()); // false true
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
   * Registers one handle of the calling process; returns its slot.
   * @throws {Error} when {@link REGISTRATION_SLOTS} handles of live processes are registered.
   */
  register(): number {
    const words = this.#words;
    const me = currentPid();
    for (let slot = SLOTS; slot < SLOTS + REGISTRATION_SLOTS; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) continue;
      if (Atomics.compareExchange(words, slot, pid, me) !== pid) continue;
      raiseHighWater(words, slot);
      Atomics.store(words, EVER, 1);
      return slot;
    }
    throw new Error(
      `more than ${REGISTRATION_SLOTS} ${this.#whatIsFull} in live processes: close() the ones that are done`,
    );
  }

  /**
   * In the process that rebuilt a handle: takes over the registration that `senderPid` made
   * for it while it travelled; returns the slot this process now holds.
   */
  takeOver(slot: number, senderPid: number): number {
    if (Atomics.compareExchange(this.#words, slot, senderPid, currentPid()) === senderPid) return slot;
    return this.register(); // the slot was freed meanwhile (its sender ended): register afresh
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

  /** True once anything was ever registered. */
  ever(): boolean {
    return Atomics.load(this.#words, EVER) === 1;
  }
}

/** Raises the highest slot ever used to `slot` (never lowers it). */
function raiseHighWater(words: Int32Array, slot: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < slot; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, slot) === seen) return;
  }
}
