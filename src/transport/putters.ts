/**
 * Which handles of a queue have put items and are not closed yet: the shared registry that
 * tells a queue's async iterator when the queue is finished. A handle joins on its first
 * `put` and leaves once it is closed and its buffered items are written; a handle whose
 * process ended counts as gone (its slot holds a pid that {@link isPidAlive} denies).
 *
 * Layout (Int32): `[EVER]` 1 once any handle joined, `[HIGH_WATER]` slots ever used, then
 * {@link PUTTER_SLOTS} slots, each 0 or the pid of the process whose handle holds it.
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";

/** Most handles that may be putting into one queue at the same time. */
export const PUTTER_SLOTS = 1024;

const EVER = 0;
const HIGH_WATER = 1;
const SLOTS = 2;

/** Everything another process needs to rebuild a {@link PutterRegistry}. */
export interface PutterRegistryState {
  /** The shared words. */
  buffer: SharedArrayBuffer;
}

/**
 * The shared set of open putters of one queue.
 * @example Usage
 * ```ts
 * import { PutterRegistry } from "./putters.ts";
 * const putters = new PutterRegistry();
 * const slot = putters.join();
 * console.log(putters.allLeft()); // false
 * putters.leave(slot);
 * console.log(putters.allLeft()); // true
 * ```
 */
export class PutterRegistry {
  readonly #words: Int32Array;

  /** Allocates an empty registry, or rebuilds one on `state`'s shared memory. */
  constructor(state?: PutterRegistryState) {
    this.#words = new Int32Array(state?.buffer ?? new SharedArrayBuffer((SLOTS + PUTTER_SLOTS) * 4));
  }

  /** Describes this registry for another process. */
  toState(): PutterRegistryState {
    return { buffer: this.#words.buffer as SharedArrayBuffer };
  }

  /**
   * Registers one putting handle of the calling process; returns its slot.
   * @throws {Error} when {@link PUTTER_SLOTS} handles in live processes are putting already.
   */
  join(): number {
    const words = this.#words;
    const me = currentPid();
    for (let slot = SLOTS; slot < SLOTS + PUTTER_SLOTS; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) continue;
      if (Atomics.compareExchange(words, slot, pid, me) !== pid) continue;
      raiseHighWater(words, slot - SLOTS + 1);
      Atomics.store(words, EVER, 1);
      return slot;
    }
    throw new Error(
      `more than ${PUTTER_SLOTS} queue handles in live processes are putting into one queue: close() the ones that are done`,
    );
  }

  /** Unregisters the handle that holds `slot`. */
  leave(slot: number): void {
    Atomics.compareExchange(this.#words, slot, currentPid(), 0);
  }

  /** True once some handle joined and every handle that joined has left or ended. */
  allLeft(): boolean {
    const words = this.#words;
    if (Atomics.load(words, EVER) === 0) return false;
    const used = Atomics.load(words, HIGH_WATER);
    for (let slot = SLOTS; slot < SLOTS + used; slot++) {
      const pid = Atomics.load(words, slot);
      if (pid !== 0 && isPidAlive(pid)) return false;
    }
    return true;
  }
}

function raiseHighWater(words: Int32Array, used: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < used; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, used) === seen) return;
  }
}
