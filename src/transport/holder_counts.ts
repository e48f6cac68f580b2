/**
 * Counts kept per process in shared memory, handed back when their process ends: the permits
 * each process holds of a semaphore (semlock.ts). A process that ended ({@link isPidGone})
 * leaves its count to whoever looks first: {@link HolderCounts.reclaimEnded}, or a process
 * that claims its slot. (A ring's per-producer counts, which need no handing back, are in
 * producer_counts.ts.)
 *
 * Layout (Int32, from the table's first word): `[HIGH_WATER]` how many slots were ever used,
 * then the slots, each `(pid, count)`. A slot's pid is {@link RECLAIMING} while its count is
 * being handed back.
 * @module
 */

import { currentPid, isPidGone } from "./liveness.ts";

const HIGH_WATER = 0;
const FIRST_SLOT = 1;
const SLOT_PID = 0;
const SLOT_COUNT = 1;
const SLOT_INTS = 2;
const RECLAIMING = -1;

/**
 * A table of per-process counts on shared words.
 * @example Usage
 * ```ts
 * import { HolderCounts } from "./holder_counts.ts";
 * const words = new Int32Array(new SharedArrayBuffer(HolderCounts.ints(8) * 4));
 * let free = 3;
 * const permits = new HolderCounts(words, 0, 8, (count) => (free += count, count));
 * free--;
 * permits.add(1); // this process holds one
 * console.log(Atomics.load(words, permits.countIndex())); // 1
 * console.log(permits.reclaimEnded()); // 0: no process that ended held any
 * ```
 */
export class HolderCounts {
  readonly #words: Int32Array;
  readonly #at: number;
  readonly #slots: number;
  readonly #handBack: (count: number, pid: number) => number;
  /** The word index of this process's slot, once it has one. */
  #slot = -1;

  /** The words a table of `slots` slots takes. */
  static ints(slots: number): number {
    return FIRST_SLOT + slots * SLOT_INTS;
  }

  /**
   * A table of `slots` slots on `words` from index `at`. `handBack(count, pid)` gives the
   * count of the process `pid`, which ended, back to what it was counted from; it returns
   * how much came back.
   */
  constructor(words: Int32Array, at: number, slots: number, handBack: (count: number, pid: number) => number) {
    this.#words = words;
    this.#at = at;
    this.#slots = slots;
    this.#handBack = handBack;
  }

  /** The shared memory the table is on. */
  get buffer(): SharedArrayBuffer {
    return this.#words.buffer as SharedArrayBuffer;
  }

  /** The calling process's count (0 before its first {@link add}). */
  mine(): number {
    return this.#slot < 0 ? 0 : Atomics.load(this.#words, this.#slot + SLOT_COUNT);
  }

  /**
   * Adds `n` to the calling process's count (not counted when every slot is taken by a live
   * process). Returns how much came back from an ended process whose slot it claimed.
   */
  add(n: number): number {
    const handedBack = this.claim();
    if (this.#slot >= 0) Atomics.add(this.#words, this.#slot + SLOT_COUNT, n);
    return handedBack;
  }

  /**
   * Claims the calling process's slot if it has none yet; returns how much came back from an
   * ended process whose slot it claimed (0 once claimed).
   */
  claim(): number {
    return this.#slot >= 0 ? 0 : this.#claimSlot().handedBack;
  }

  /** The index of the word with the calling process's count; -1 without a slot (see {@link add}). */
  countIndex(): number {
    return this.#slot < 0 ? -1 : this.#slot + SLOT_COUNT;
  }

  /**
   * Takes up to `n` off other processes' counts (any of them: what was counted for one
   * process was given back by another); returns how much it took.
   */
  takeFromOthers(n: number): number {
    const words = this.#words;
    const used = Atomics.load(words, this.#at + HIGH_WATER);
    let taken = 0;
    for (let i = 0; i < used && taken < n; i++) {
      const slot = this.#slotAt(i);
      if (slot !== this.#slot) taken += this.#takeAt(slot, n - taken);
    }
    return taken;
  }

  /** Hands back the counts of the processes that ended; returns how much came back. */
  reclaimEnded(): number {
    const words = this.#words;
    const used = Atomics.load(words, this.#at + HIGH_WATER);
    let back = 0;
    for (let i = 0; i < used; i++) {
      const slot = this.#slotAt(i);
      const pid = Atomics.load(words, slot + SLOT_PID);
      if (pid > 0 && Atomics.load(words, slot + SLOT_COUNT) > 0 && isPidGone(pid)) back += this.#reclaimSlot(slot, pid);
    }
    return back;
  }

  /**
   * Claims this process's slot (-1 when every slot belongs to a live process), and tells how
   * much came back from the ended process whose slot it took.
   */
  #claimSlot(): { slot: number; handedBack: number } {
    const words = this.#words;
    const me = currentPid();
    let handedBack = 0;
    for (let i = 0; i < this.#slots; i++) {
      const slot = this.#slotAt(i);
      const pid = Atomics.load(words, slot + SLOT_PID);
      if (pid === me) return { slot: (this.#slot = slot), handedBack };
      if (pid !== 0 && (pid === RECLAIMING || !isPidGone(pid))) continue;
      if (pid !== 0) handedBack += this.#reclaimSlot(slot, pid);
      if (Atomics.compareExchange(words, slot + SLOT_PID, 0, me) !== 0) continue;
      raiseHighWater(words, this.#at + HIGH_WATER, i + 1);
      return { slot: (this.#slot = slot), handedBack };
    }
    return { slot: -1, handedBack };
  }

  /** Frees the slot of the ended process `pid` and hands its count back; how much came back. */
  #reclaimSlot(slot: number, pid: number): number {
    const words = this.#words;
    if (Atomics.compareExchange(words, slot + SLOT_PID, pid, RECLAIMING) !== pid) return 0;
    const count = Atomics.exchange(words, slot + SLOT_COUNT, 0);
    const back = count > 0 ? this.#handBack(count, pid) : 0;
    Atomics.store(words, slot + SLOT_PID, 0);
    return back;
  }

  /** Takes up to `n` off the count of the slot at `slot`; returns how much it took. */
  #takeAt(slot: number, n: number): number {
    const words = this.#words;
    for (;;) {
      const count = Atomics.load(words, slot + SLOT_COUNT);
      const taken = Math.min(count, n);
      if (taken <= 0) return 0;
      if (Atomics.compareExchange(words, slot + SLOT_COUNT, count, count - taken) === count) return taken;
    }
  }

  #slotAt(index: number): number {
    return this.#at + FIRST_SLOT + index * SLOT_INTS;
  }
}

/** Raises `words[index]` to `value` (never lowers it). */
export function raiseHighWater(words: Int32Array, index: number, value: number): void {
  for (let seen = Atomics.load(words, index); seen < value; seen = Atomics.load(words, index)) {
    if (Atomics.compareExchange(words, index, seen, value) === seen) return;
  }
}
