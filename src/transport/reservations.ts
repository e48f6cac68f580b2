/**
 * Per process, how many items it reserved in a ring (counted in the ring's `RESERVED`) and has
 * not published yet: what a producer that ended leaves counted forever otherwise. Its unsent
 * items (a queue's buffered puts, lost with the process) would then fill a bounded queue's
 * `maxsize` for good and show in `qsize()`. {@link Reservations.reclaimEnded} gives them back.
 *
 * Layout (Int32): `[HIGH_WATER]` slots ever used, then {@link RESERVATION_SLOTS} slots of
 * `(pid, pending)`. A process that ends between counting an item in the ring and here leaks
 * that one item rather than ever letting the ring hold one item too many.
 * @module
 */

import { currentPid, isPidGone } from "./liveness.ts";

/** Most producing processes one ring accounts for at a time; more share the ring unaccounted. */
export const RESERVATION_SLOTS = 128;

const HIGH_WATER = 0;
const FIRST_SLOT = 1;
const PID = 0;
const PENDING = 1;
const SLOT_INTS = 2;

/**
 * The reservation counts of one ring's producers.
 * @example Usage
 * ```ts
 * import { Reservations } from "./reservations.ts";
 * const reservations = new Reservations();
 * reservations.add(); // an item counted in the ring, not yet written
 * reservations.settle(); // written: the ring's consumers count it from now on
 * console.log(reservations.reclaimEnded()); // 0: nothing of an ended producer is left
 * ```
 */
export class Reservations {
  readonly #words: Int32Array;
  /** This process's slot; -1 until its first reservation, -2 when none was free. */
  #slot = -1;

  /** Allocates an empty table, or rebuilds one on `buffer` (see {@link buffer}). */
  constructor(buffer?: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer ?? new SharedArrayBuffer((FIRST_SLOT + RESERVATION_SLOTS * SLOT_INTS) * 4));
  }

  /** The shared memory, for another process. */
  get buffer(): SharedArrayBuffer {
    return this.#words.buffer as SharedArrayBuffer;
  }

  /** The calling process counted one more item in the ring. */
  add(): void {
    const slot = this.#ownSlot();
    if (slot >= 0) Atomics.add(this.#words, slot + PENDING, 1);
  }

  /** The calling process published (the first record of) an item it had counted. */
  settle(): void {
    const slot = this.#slot;
    if (slot >= 0 && Atomics.load(this.#words, slot + PENDING) > 0) Atomics.sub(this.#words, slot + PENDING, 1);
  }

  /**
   * Frees the slots of processes that ended; returns how many items they had counted and
   * not published, which the caller takes off the ring's count.
   */
  reclaimEnded(): number {
    const words = this.#words;
    let reclaimed = 0;
    const used = Atomics.load(words, HIGH_WATER);
    for (let i = 0; i < used; i++) {
      const slot = slotAt(i);
      const pid = Atomics.load(words, slot + PID);
      if (pid === 0 || !isPidGone(pid)) continue;
      reclaimed += Math.max(Atomics.exchange(words, slot + PENDING, 0), 0);
      Atomics.compareExchange(words, slot + PID, pid, 0);
    }
    return reclaimed;
  }

  /** This process's slot, claimed on first use (the one it already holds, else a free one). */
  #ownSlot(): number {
    if (this.#slot !== -1) return this.#slot;
    const words = this.#words;
    const me = currentPid();
    const used = Atomics.load(words, HIGH_WATER);
    for (let i = 0; i < used; i++) {
      if (Atomics.load(words, slotAt(i) + PID) === me) return (this.#slot = slotAt(i)); // another handle here
    }
    for (let i = 0; i < RESERVATION_SLOTS; i++) {
      if (Atomics.compareExchange(words, slotAt(i) + PID, 0, me) !== 0) continue;
      Atomics.store(words, slotAt(i) + PENDING, 0);
      raiseHighWater(words, i + 1);
      return (this.#slot = slotAt(i));
    }
    return (this.#slot = -2);
  }
}

function slotAt(index: number): number {
  return FIRST_SLOT + index * SLOT_INTS;
}

/** Raises the count of slots ever used to `used` (never lowers it). */
function raiseHighWater(words: Int32Array, used: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < used; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, used) === seen) return;
  }
}
