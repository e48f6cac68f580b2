/**
 * What each producing process counted in a ring: items it *reserved* (every put counts one
 * before it is written) and items it *published* (whose first record it moved `TAIL` past).
 * Both only grow (wrapping at 2^32) and each is one word written by its own process, so a
 * process ended at any instruction leaves them consistent: the ring's item count is
 *
 *     Σ over slots (owner may still run ? reserved : published) − taken
 *
 * An ended producer's reservations that it never published (its buffered puts, lost with it)
 * drop out of the count the moment it counts as gone, with nobody handing anything back.
 * A slot of an ended process is reused by the next process that needs one: it starts its
 * reserved count at the published count, so the published items stay counted.
 *
 * Layout (Int32): `[HIGH_WATER]` how many slots were ever used, then the slots, each
 * `(pid, reserved, published)`. A slot's pid is `-claimer` while a process claims it. Slot 0
 * is shared by processes that find no free slot: it always counts as running (what such a
 * process reserved and never published stays counted: more than {@link PRODUCER_SLOTS}
 * producers at once).
 * @module
 */

import { raiseHighWater } from "./holder_counts.ts";
import { currentPid, isPidGone } from "./liveness.ts";

/** Most producing processes a ring accounts for each on its own at once. */
export const PRODUCER_SLOTS = 128;

const HIGH_WATER = 0;
const FIRST_SLOT = 1;
const SLOT_PID = 0;
const SLOT_RESERVED = 1;
const SLOT_PUBLISHED = 2;
const SLOT_INTS = 3;
/** The shared slot of processes that found none of their own. */
const OVERFLOW = 0;
const FIRST_OWN_SLOT = 1;

/**
 * The per-producer counts of one ring, on shared words.
 * @example Usage
 * ```ts
 * import { ProducerCounts } from "./producer_counts.ts";
 * const counts = new ProducerCounts();
 * const slot = counts.reserve(); // one item counted for this process
 * counts.publish(slot, counts.published(slot)); // … and published
 * console.log(counts.total(-1, 0)); // 1: the published item (nobody took it)
 * ```
 */
export class ProducerCounts {
  readonly #words: Int32Array;
  readonly #reusable: (slot: number) => boolean;
  /** The index of this process's slot, once it has one. */
  #slot = -1;

  /**
   * Allocates a table, or rebuilds one on `buffer`. `reusable(slot)` may veto reusing the
   * slot of a process that ended (the ring's: one whose last publish is not settled yet).
   */
  constructor(buffer?: SharedArrayBuffer, reusable: (slot: number) => boolean = () => true) {
    this.#words = new Int32Array(buffer ?? new SharedArrayBuffer((FIRST_SLOT + PRODUCER_SLOTS * SLOT_INTS) * 4));
    this.#reusable = reusable;
  }

  /** The shared memory the table is on. */
  get buffer(): SharedArrayBuffer {
    return this.#words.buffer as SharedArrayBuffer;
  }

  /**
   * Counts one more item reserved by the calling process; returns its slot. A single
   * `Atomics.add`: ended before it, nothing was counted; after it, the item was.
   */
  reserve(): number {
    const slot = this.mine();
    Atomics.add(this.#words, wordOf(slot, SLOT_RESERVED), 1);
    return slot;
  }

  /** The calling process's slot (claimed on first use). */
  mine(): number {
    if (this.#slot < 0) this.#slot = this.#claim();
    return this.#slot;
  }

  /** The published count of `slot`. */
  published(slot: number): number {
    return Atomics.load(this.#words, wordOf(slot, SLOT_PUBLISHED));
  }

  /**
   * Counts an item of `slot` published, if its count is still `seen`; false when it is not
   * (whoever took the producer lock over from an ended process counted it already).
   */
  publish(slot: number, seen: number): boolean {
    const index = wordOf(slot, SLOT_PUBLISHED);
    return Atomics.compareExchange(this.#words, index, seen, (seen + 1) | 0) === seen;
  }

  /**
   * Σ over slots of what each counts now: its reserved items while its process may run, else
   * its published ones; a slot whose process ended between publishing an item and counting it
   * (`pendingSlot` still names it with `pendingPublished` as its count) counts that item too.
   */
  total(pendingSlot: number, pendingPublished: number): number {
    const words = this.#words;
    const used = Atomics.load(words, HIGH_WATER);
    let sum = 0;
    for (let slot = 0; slot < used; slot++) {
      const pid = Atomics.load(words, wordOf(slot, SLOT_PID));
      if (slot === OVERFLOW || (pid > 0 && !isPidGone(pid))) {
        sum = (sum + Atomics.load(words, wordOf(slot, SLOT_RESERVED))) | 0;
      } else {
        const published = Atomics.load(words, wordOf(slot, SLOT_PUBLISHED));
        sum = (sum + published + (slot === pendingSlot && published === pendingPublished ? 1 : 0)) | 0;
      }
    }
    return sum;
  }

  /**
   * Claims a slot: this process's own, a never-used one, or one of an ended process (its pid
   * becomes `-me` while its reserved count is reset to its published count). The overflow
   * slot when every slot belongs to a process that may still run.
   */
  #claim(): number {
    const words = this.#words;
    const me = currentPid();
    raiseHighWater(words, HIGH_WATER, FIRST_OWN_SLOT); // the overflow slot is always counted
    for (let slot = FIRST_OWN_SLOT; slot < PRODUCER_SLOTS; slot++) {
      const index = wordOf(slot, SLOT_PID);
      const pid = Atomics.load(words, index);
      if (pid === me) return slot;
      const free = pid === 0 || (isPidGone(Math.abs(pid)) && this.#reusable(slot));
      if (!free || Atomics.compareExchange(words, index, pid, -me) !== pid) continue;
      raiseHighWater(words, HIGH_WATER, slot + 1);
      // Ended here, the slot counts as its predecessor's (published only): a later claim redoes this.
      Atomics.store(words, wordOf(slot, SLOT_RESERVED), Atomics.load(words, wordOf(slot, SLOT_PUBLISHED)));
      Atomics.store(words, index, me);
      return slot;
    }
    return OVERFLOW;
  }
}

function wordOf(slot: number, field: number): number {
  return FIRST_SLOT + slot * SLOT_INTS + field;
}
