/**
 * A shared FIFO of sleepers for condition variables. A waiter takes a slot and sleeps on its
 * own state word; `notify(n)` hands a notification to the `n` oldest waiters still waiting,
 * so a waiter that timed out (or whose process ended) never swallows one meant for another.
 *
 * Layout (Int32): `[0]` the next ticket, `[1]` how many slots were ever used (notify scans
 * only those), then {@link WAITER_SLOTS} slots of `(state, pid, ticket)`.
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";
import { wake } from "./wait.ts";

/** Most processes' tasks that may wait on one condition at the same time. */
export const WAITER_SLOTS = 256;

const NEXT_TICKET = 0;
const HIGH_WATER = 1;
const SLOTS_BASE = 2;
const SLOT_INTS = 3;
const PID = 1;
const TICKET = 2;
const FREE = 0;
const RESERVED = 1;
/** The state word's value while a waiter sleeps (what it waits on). */
export const WAITING = 2;
const NOTIFIED = 3;

/**
 * The waiters of one condition variable, in shared memory.
 * @example Usage
 * ```ts
 * import { WaiterQueue, WAITING } from "./waiters.ts";
 * const queue = new WaiterQueue();
 * const slot = queue.enqueue();
 * queue.notify(1);
 * console.log(queue.leave(slot)); // true: it was notified
 * ```
 */
export class WaiterQueue {
  /** The shared words; a slot's state word is `words[slot]`. */
  readonly words: Int32Array;

  /** A new empty queue, or the queue on `buffer` (from another process). */
  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer((SLOTS_BASE + WAITER_SLOTS * SLOT_INTS) * 4));
  }

  /** The shared memory, for another process. */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /**
   * Joins the queue as the newest waiter; returns its slot (the index of its state word).
   * @throws {Error} when {@link WAITER_SLOTS} waiters are already waiting.
   */
  enqueue(): number {
    const words = this.words;
    for (let slot = SLOTS_BASE; slot < words.length; slot += SLOT_INTS) {
      if (!this.#reserve(slot)) continue;
      raiseHighWater(words, slot + SLOT_INTS);
      Atomics.store(words, slot + PID, currentPid());
      Atomics.store(words, slot + TICKET, Atomics.add(words, NEXT_TICKET, 1));
      Atomics.store(words, slot, WAITING);
      return slot;
    }
    throw new Error(`more than ${WAITER_SLOTS} waiters on one Condition: wait on fewer at once`);
  }

  /** True while the waiter in `slot` has been neither notified nor removed. */
  isWaiting(slot: number): boolean {
    return Atomics.load(this.words, slot) === WAITING;
  }

  /** Leaves the queue; true when the waiter had been notified. */
  leave(slot: number): boolean {
    return Atomics.exchange(this.words, slot, FREE) === NOTIFIED;
  }

  /** Notifies the `n` oldest live waiters; returns how many were notified. */
  notify(n: number): number {
    let notified = 0;
    for (const slot of this.#liveWaitersOldestFirst()) {
      if (notified >= n) break;
      if (Atomics.compareExchange(this.words, slot, WAITING, NOTIFIED) !== WAITING) continue;
      wake(this.words, slot);
      notified++;
    }
    return notified;
  }

  /** A free slot, or one left by a process that ended, claimed for the caller. */
  #reserve(slot: number): boolean {
    const words = this.words;
    const state = Atomics.load(words, slot);
    if (state === RESERVED) return false;
    if (state !== FREE && isPidAlive(Atomics.load(words, slot + PID))) return false;
    return Atomics.compareExchange(words, slot, state, RESERVED) === state;
  }

  #liveWaitersOldestFirst(): number[] {
    const words = this.words;
    const waiting: number[] = [];
    const end = Atomics.load(words, HIGH_WATER);
    for (let slot = SLOTS_BASE; slot < end; slot += SLOT_INTS) {
      if (Atomics.load(words, slot) !== WAITING) continue;
      if (isPidAlive(Atomics.load(words, slot + PID))) waiting.push(slot);
      else Atomics.compareExchange(words, slot, WAITING, FREE);
    }
    // Tickets wrap around after 2^32 waits: compare them as a difference.
    return waiting.sort((a, b) => (words[a + TICKET] - words[b + TICKET]) | 0);
  }
}

/** Records that slots up to (not including) index `end` are in use. */
function raiseHighWater(words: Int32Array, end: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < end; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, end) === seen) return;
  }
}
