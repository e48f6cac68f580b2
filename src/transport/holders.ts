/**
 * Which processes hold one end of a pipe open: the shared registry behind a pipe's
 * end-of-file (Python's "every copy of the file descriptor is closed"). Each open handle of
 * the end owns one slot holding the pid of its process; closing the handle empties the slot,
 * and a slot whose process ended counts as empty ({@link isPidAlive}).
 *
 * A handle on its way to a child (packed into a Process's args) owns a slot too, held in the
 * sender's pid until the child rebuilds the handle and takes the slot over with
 * {@link HolderRegistry.takeOver}: so the end never looks closed between the sender closing
 * its own handle and the child starting.
 *
 * Layout (Int32): `[HIGH_WATER]` slots ever used, then {@link HOLDER_SLOTS} slots, each 0 or
 * a pid.
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";

/** Most handles of one end that may be open (or travelling) at the same time. */
export const HOLDER_SLOTS = 1024;

const HIGH_WATER = 0;
const SLOTS = 1;

/**
 * The shared set of open handles of one pipe end.
 * @example Usage
 * ```ts
 * import { HolderRegistry } from "./holders.ts";
 * const holders = new HolderRegistry();
 * const slot = holders.join();
 * console.log(holders.anyOpen()); // true
 * holders.leave(slot);
 * console.log(holders.anyOpen()); // false
 * ```
 */
export class HolderRegistry {
  readonly #words: Int32Array;

  /** Allocates an empty registry, or rebuilds one on `buffer` (see {@link buffer}). */
  constructor(buffer?: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer ?? new SharedArrayBuffer((SLOTS + HOLDER_SLOTS) * 4));
  }

  /** The shared memory, for another process. */
  get buffer(): SharedArrayBuffer {
    return this.#words.buffer as SharedArrayBuffer;
  }

  /**
   * Registers one open handle of the calling process; returns its slot.
   * @throws {Error} when {@link HOLDER_SLOTS} handles of live processes are open already.
   */
  join(): number {
    const words = this.#words;
    const me = currentPid();
    for (let slot = SLOTS; slot < SLOTS + HOLDER_SLOTS; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) continue;
      if (Atomics.compareExchange(words, slot, pid, me) !== pid) continue;
      raiseHighWater(words, slot);
      return slot;
    }
    throw new Error(`more than ${HOLDER_SLOTS} handles of one pipe end are open in live processes: close() the ones that are done`);
  }

  /**
   * In the process that rebuilt a handle: takes over the slot that `senderPid` registered
   * for it while it travelled; returns the slot this process now owns.
   */
  takeOver(slot: number, senderPid: number): number {
    if (Atomics.compareExchange(this.#words, slot, senderPid, currentPid()) === senderPid) return slot;
    return this.join(); // the slot was freed meanwhile (its sender ended): register afresh
  }

  /** Unregisters the handle that owns `slot` in the calling process. */
  leave(slot: number): void {
    Atomics.compareExchange(this.#words, slot, currentPid(), 0);
  }

  /** True while some handle of the end is open (or travelling) in a live process. */
  anyOpen(): boolean {
    const words = this.#words;
    const used = Atomics.load(words, HIGH_WATER);
    for (let slot = SLOTS; slot <= used; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) return true;
    }
    return false;
  }
}

function raiseHighWater(words: Int32Array, slot: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < slot; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, slot) === seen) return;
  }
}
