/**
 * A shared FIFO of sleepers for condition variables. A waiter takes a slot and sleeps on its
 * own state word; `notify(n)` hands a notification to the `n` oldest waiters still waiting,
 * so a waiter that timed out (or whose process ended) never swallows one meant for another.
 *
 * A slot whose process ended is taken over by the next waiter, but on Deno the ended
 * process's thread may still run for a while (a terminated worker keeps waking from
 * `Atomics.wait`). So the state word names its waiter: while waiting or notified it holds
 * the waiter's ticket beside the phase, and every change is a compare-exchange on the whole
 * word. A waiter whose slot was taken over can no longer see it as its own, and can neither
 * take the new waiter's notification nor free its slot.
 *
 * Layout (Int32): `[0]` the next ticket, `[1]` how many slots were ever used (notify scans
 * only those), then {@link WAITER_SLOTS} slots of `(state, pid)`. A state word is 0 (free),
 * 1 (reserved) or `ticket << 2 | phase` (waiting or notified).
 * @module
 */

import { currentPid, isPidAlive } from "./liveness.ts";
import { wake } from "./wait.ts";

/** Most processes' tasks that may wait on one condition at the same time. */
export const WAITER_SLOTS = 256;

const NEXT_TICKET = 0;
const HIGH_WATER = 1;
const SLOTS_BASE = 2;
const SLOT_INTS = 2;
const PID = 1;
const FREE = 0;
const RESERVED = 1;
const PHASE_BITS = 2;
const PHASE_MASK = 3;
const WAITING = 2;
const NOTIFIED = 3;
/** Tickets are 30 bits, so that ticket and phase fit one Int32 word. */
const TICKET_MASK = 0x3fffffff;

/** One waiter's place in the queue, as {@link WaiterQueue.enqueue} returns it. */
export interface Waiter {
  /** The index of its state word in {@link WaiterQueue.words}. */
  readonly slot: number;
  /** The state word's value while it waits (what it sleeps on). */
  readonly waiting: number;
}

/**
 * The waiters of one condition variable, in shared memory.
 * @example Usage
 * ```ts
 * import { WaiterQueue } from "./waiters.ts";
 * const queue = new WaiterQueue();
 * const waiter = queue.enqueue();
 * queue.notify(1);
 * console.log(queue.leave(waiter)); // true: it was notified
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
   * Joins the queue as the newest waiter.
   * @throws {Error} when {@link WAITER_SLOTS} waiters are already waiting.
   */
  enqueue(): Waiter {
    const words = this.words;
    for (let slot = SLOTS_BASE; slot < words.length; slot += SLOT_INTS) {
      if (!this.#reserve(slot)) continue;
      raiseHighWater(words, slot + SLOT_INTS);
      Atomics.store(words, slot + PID, currentPid());
      const ticket = Atomics.add(words, NEXT_TICKET, 1) & TICKET_MASK;
      const waiting = (ticket << PHASE_BITS) | WAITING;
      Atomics.store(words, slot, waiting);
      return { slot, waiting };
    }
    throw new Error(`more than ${WAITER_SLOTS} waiters on one Condition: wait on fewer at once`);
  }

  /** True while `waiter` has been neither notified nor removed. */
  isWaiting(waiter: Waiter): boolean {
    return Atomics.load(this.words, waiter.slot) === waiter.waiting;
  }

  /**
   * Leaves the queue; true when the waiter had been notified. A slot that was taken over
   * meanwhile (this process was ended) is left alone: it belongs to another waiter now.
   */
  leave(waiter: Waiter): boolean {
    const { slot, waiting } = waiter;
    if (Atomics.compareExchange(this.words, slot, waiting, FREE) === waiting) return false;
    const notified = (waiting & ~PHASE_MASK) | NOTIFIED;
    return Atomics.compareExchange(this.words, slot, notified, FREE) === notified;
  }

  /** How many waiters wait and have not been notified (Python's condition repr shows it). */
  waiting(): number {
    const words = this.words;
    const end = Atomics.load(words, HIGH_WATER);
    let count = 0;
    for (let slot = SLOTS_BASE; slot < end; slot += SLOT_INTS) {
      const live = (Atomics.load(words, slot) & PHASE_MASK) === WAITING && isPidAlive(Atomics.load(words, slot + PID));
      if (live) count++;
    }
    return count;
  }

  /** Notifies the `n` oldest live waiters; returns how many were notified. */
  notify(n: number): number {
    let notified = 0;
    for (const { slot, waiting } of this.#liveWaitersOldestFirst()) {
      if (!(notified < n)) break; // as Python's `while notified < n`: n <= 0 or NaN notifies nobody
      // Fails when that waiter left (or its slot changed hands) since the scan.
      const mark = (waiting & ~PHASE_MASK) | NOTIFIED;
      if (Atomics.compareExchange(this.words, slot, waiting, mark) !== waiting) continue;
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

  #liveWaitersOldestFirst(): Waiter[] {
    const words = this.words;
    const live: Waiter[] = [];
    const end = Atomics.load(words, HIGH_WATER);
    for (let slot = SLOTS_BASE; slot < end; slot += SLOT_INTS) {
      const state = Atomics.load(words, slot);
      if ((state & PHASE_MASK) !== WAITING) continue; // free, reserved or notified
      // The pid was stored before the state word, so it is this waiter's.
      if (isPidAlive(Atomics.load(words, slot + PID))) live.push({ slot, waiting: state });
      else Atomics.compareExchange(words, slot, state, FREE);
    }
    // Tickets wrap around after 2^30 waits: compare them as a difference (shifted into the
    // sign bit, the phase bits being equal).
    return live.sort((a, b) => (a.waiting - b.waiting) | 0);
  }
}

/** Records that slots up to (not including) index `end` are in use. */
function raiseHighWater(words: Int32Array, end: number): void {
  for (let seen = Atomics.load(words, HIGH_WATER); seen < end; seen = Atomics.load(words, HIGH_WATER)) {
    if (Atomics.compareExchange(words, HIGH_WATER, seen, end) === seen) return;
  }
}
