/**
 * A multi-producer, multi-consumer ring of byte records on a `SharedArrayBuffer`: the
 * transport under the queues. Any process holding its state may write and read.
 *
 * **Records.** Each record is an 8-byte header, `(payload length << 2) | frame` and (in a
 * `FIRST` record) the item's total length, followed by the payload, padded to 8 bytes; a
 * payload may wrap around the end of the buffer. Payloads start 8-byte aligned, as the bytes
 * they come from and go to do: runtimes copy to and from shared memory word by word only
 * between equally aligned addresses (measured: 64 KiB at a 4-byte offset copies 10-20x
 * slower). An item up to {@link ByteRing.maxPayload} bytes is one `WHOLE` record; a larger
 * item streams through the ring as `FIRST`, `MIDDLE`… and `LAST` records, so an item of any
 * size crosses a ring of fixed size.
 *
 * **Locks.** Producers take the producer lock and consumers the consumer lock (robust
 * {@link SemLock}s), so one producer and one consumer work at the same time. A producer
 * streaming an item holds the producer lock until its `LAST` record; a consumer holds the
 * consumer lock while it waits for an item and while it assembles a streamed one. Between
 * the two sides, `HEAD` (advanced by the consumer) and `TAIL` (advanced by the producer)
 * are the only hand-over points, and a record is published by moving `TAIL` past it only
 * once fully written.
 *
 * **Failures.** A process may end at any instruction (model/ring.pml checks every
 * interleaving). A producer that ends mid-write published nothing (the next one overwrites
 * the bytes). A producer that ends mid-stream leaves an unfinished item: its consumer sees
 * that the producer lock's holder ended, or that a new item follows, and drops the part it
 * had. A consumer that ends while assembling an item has taken it (it was handed out): the
 * consumer that takes the lock over skips that item's remaining records, which are the only
 * `MIDDLE`/`LAST` records a consumer can meet without a `FIRST`.
 *
 * **Fencing.** On Deno an ended process runs on until its next check (see halt.ts), so a
 * lock may be taken over from a thread that still runs. `HEAD` and `TAIL` carry an *epoch*
 * in their low three bits (positions are multiples of 8), which the process that takes a
 * lock over bumps; every move of `HEAD`/`TAIL` and of the counts is a compare-exchange from
 * what the mover saw, so a thread ended meanwhile can neither publish, hand out, nor count
 * anything once its lock was taken over: its compare-exchange fails and it halts.
 *
 * **Item count.** Each producer counts the items it reserves ({@link ByteRing.tryReserve},
 * before writing) and publishes (see producer_counts.ts), consumers the items they take
 * (`TAKEN`); a bounded queue's `maxsize` check and `qsize()` come from them. A step that
 * moves `HEAD` or `TAIL` and a count together writes a log first (what it will move, and
 * the count it saw): whoever takes the lock over from a process that ended between the two
 * finishes the count from the log. Every word that one side writes is on a cache line of
 * its own: the sides do not slow each other down by writing to the same line for every item.
 * @module
 */

import { haltIfEnded } from "./halt.ts";
import { isPidAlive, isPidGone } from "./liveness.ts";
import { ProducerCounts } from "./producer_counts.ts";
import { SemLock, type SemLockState } from "./semlock.ts";
import { stepHook, type StepLabel } from "./step_hook.ts";
import { AdaptiveSpin } from "./spin.ts";
import { runAsync, runSync, type Steps } from "./steps.ts";
import { MAX_WAIT_SLICE_MS, remaining, wake } from "./wait.ts";

/** Everything another process needs to rebuild a {@link ByteRing} on the same memory. */
export interface RingState {
  /** The control words (positions, counts, waiter counts). */
  control: SharedArrayBuffer;
  /** The records. */
  data: SharedArrayBuffer;
  /** The lock producers hold while writing. */
  producerLock: SemLockState;
  /** The lock consumers hold while waiting for and reading an item. */
  consumerLock: SemLockState;
  /** The lock a bounded ring's producers hold while they check the count and reserve. */
  reserveLock: SemLockState;
  /** What each producer reserved and published (producer_counts.ts). */
  counts: SharedArrayBuffer;
}

/** Default ring size: room for many small items and a few 64 KiB ones at once. */
export const DEFAULT_RING_BYTES = 1 << 20;
const MIN_RING_BYTES = 64;
const MAX_RING_BYTES = 1 << 28;

// Control words, 16 ints (a cache line) apart. HEAD and TAIL are byte positions (multiples
// of 8) plus an epoch in the low three bits, and TAKEN an item count, all wrapping at 2^32
// (stored as int32).
const LINE = 16;
const HEAD = 0;
const TAKEN = 1;
/** The consumer's log: the `HEAD` its next take moves to, and the `TAKEN` it saw before. */
const TAKE_TARGET = 2;
const TAKE_SEEN = 3;
const TAIL = LINE;
/**
 * The producer's log: the `TAIL` its next record moves to and, for a record that starts an
 * item, its count slot and the published count it saw (slot -1: nothing to count).
 */
const PUBLISH_TARGET = TAIL + 1;
const PUBLISH_SLOT = TAIL + 2;
const PUBLISH_SEEN = TAIL + 3;
/** How many threads sleep on TAIL, HEAD and TAKEN: a side skips `notify` when nobody waits. */
const DATA_WAITERS = 3 * LINE;
const ROOM_WAITERS = 4 * LINE;
const ITEM_WAITERS = 5 * LINE;
const CONTROL_INTS = 6 * LINE;

// Frames (the low two bits of a record header).
const WHOLE = 0;
const FIRST = 1;
const MIDDLE = 2;
const LAST = 3;
const HEADER_BYTES = 8;
/** The epoch bits of `HEAD` and `TAIL`. */
const EPOCH = 7;
/** A log target no position matches (positions are multiples of 8). */
const NO_TARGET = 1;
/** The header's second word: a FIRST record's item length. */
const TOTAL_WORD = 1;

/**
 * An item on its way into the ring: the producer writes it record by record with
 * {@link ByteRing.writeSome}; `offset` is how many bytes are already published.
 * @example Usage
 * ```ts
 * import { ByteRing, OutgoingItem } from "./ring.ts";
 * const ring = new ByteRing(1024);
 * const item = new OutgoingItem(new Uint8Array(100));
 * ring.tryReserve(Infinity);
 * if (ring.tryLockProducer()) {
 *   try { ring.writeSome(item); } finally { ring.unlockProducer(); }
 * }
 * console.log(item.done); // true
 * ```
 */
export class OutgoingItem {
  /** Bytes of the item published so far. */
  offset = 0;
  /** True once the whole item is published. */
  done = false;

  constructor(
    /** The encoded item. */
    readonly bytes: Uint8Array,
  ) {}

  /** True while part of a streamed item is published and the rest is not. */
  get streaming(): boolean {
    return this.offset > 0 && !this.done;
  }
}

/**
 * Looks at an item's bytes (all of them, or a streamed item's first record) before a consumer
 * takes it, and throws to leave it in the ring: nothing has changed then but the lock, which
 * is released. (A receiver that cannot wait refuses an item it cannot decode yet so.)
 */
export type ItemCheck = (bytes: Uint8Array) => void;

/** A consumer's progress through a streamed item. */
class Assembly {
  item: Uint8Array | undefined;
  filled = 0;

  get active(): boolean {
    return this.item !== undefined;
  }

  begin(total: number): void {
    this.item = new Uint8Array(total);
    this.filled = 0;
  }

  abandon(): void {
    this.item = undefined;
  }
}

/**
 * The shared ring. Producer methods say when they need the producer lock held.
 * @example Usage
 * ```ts
 * import { ByteRing } from "./ring.ts";
 * const ring = new ByteRing(1024);
 * ring.tryReserve(Infinity);
 * ring.tryWriteNow(new Uint8Array([1, 2, 3]));
 * console.log(ring.readSync(Infinity)); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export class ByteRing {
  /** Size of the record area in bytes (a power of two). */
  readonly capacity: number;
  /** Largest payload of one record; larger items stream in several. */
  readonly maxPayload: number;
  readonly #control: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #words: Int32Array;
  readonly #mask: number;
  readonly #producerLock: SemLock;
  readonly #consumerLock: SemLock;
  readonly #reserveLock: SemLock;
  readonly #counts: ProducerCounts;
  /** This handle's spinners: a consumer waiting for a record, a producer waiting for room. */
  readonly #dataSpin = new AdaptiveSpin();
  readonly #roomSpin = new AdaptiveSpin();

  /**
   * Allocates a ring of `capacity` bytes (a power of two from 64 to 2^28), or rebuilds one
   * on the shared memory that `state` describes (see {@link ByteRing.fromState}).
   * @throws {RangeError} for any other capacity.
   */
  constructor(capacityOrState: number | RingState = DEFAULT_RING_BYTES) {
    const state = typeof capacityOrState === "number" ? undefined : capacityOrState;
    const capacity = state ? state.data.byteLength : capacityOrState as number;
    if (!isValidCapacity(capacity)) {
      throw new RangeError(`ring capacity must be a power of two from ${MIN_RING_BYTES} to ${MAX_RING_BYTES}, got ${capacity}`);
    }
    this.capacity = capacity;
    this.maxPayload = capacity / 4;
    this.#mask = capacity - 1;
    this.#control = new Int32Array(state?.control ?? new SharedArrayBuffer(CONTROL_INTS * 4));
    this.#bytes = new Uint8Array(state?.data ?? new SharedArrayBuffer(capacity));
    this.#words = new Int32Array(this.#bytes.buffer);
    this.#producerLock = state ? SemLock.fromState(state.producerLock) : new SemLock("lock", 1, 1);
    this.#consumerLock = state ? SemLock.fromState(state.consumerLock) : new SemLock("lock", 1, 1);
    this.#reserveLock = state ? SemLock.fromState(state.reserveLock) : new SemLock("lock", 1, 1);
    // The slot of a process that ended between publishing and counting is reused once settled.
    this.#counts = new ProducerCounts(state?.counts, (slot) => slot !== Atomics.load(this.#control, PUBLISH_SLOT));
    if (!state) {
      Atomics.store(this.#control, TAKE_TARGET, NO_TARGET);
      Atomics.store(this.#control, PUBLISH_TARGET, NO_TARGET);
      Atomics.store(this.#control, PUBLISH_SLOT, -1);
    }
  }

  /** Rebuilds, in any process, a ring on the shared memory described by `state`. */
  static fromState(state: RingState): ByteRing {
    return new ByteRing(state);
  }

  /** Describes this ring for another process. */
  toState(): RingState {
    return {
      control: this.#control.buffer as SharedArrayBuffer,
      data: this.#bytes.buffer as SharedArrayBuffer,
      producerLock: this.#producerLock.toState(),
      consumerLock: this.#consumerLock.toState(),
      reserveLock: this.#reserveLock.toState(),
      counts: this.#counts.buffer,
    };
  }

  // ---- item count --------------------------------------------------------------------

  /**
   * Items reserved by producers (that may still run, or published them) and not yet taken by
   * a consumer. A lock left by a process that ended is taken over first: its holder may have
   * ended between a move and its count (see "Item count" above).
   */
  itemCount(): number {
    this.#takeOverAbandonedLocks();
    return Math.max(this.#count(), 0);
  }

  #count(): number {
    const control = this.#control;
    // TAKEN first: a take meanwhile makes the count higher, never lower, than it was then.
    const taken = Atomics.load(control, TAKEN);
    // A publish its producer did not count (it ended in between): the log names it, and TAIL
    // is still at its target (a takeover settles it; a stale log of a late thread has an old epoch).
    const slot = Atomics.load(control, PUBLISH_SLOT);
    const seen = Atomics.load(control, PUBLISH_SEEN);
    const published = Atomics.load(control, PUBLISH_TARGET) === Atomics.load(control, TAIL);
    return (this.#counts.total(published ? slot : -1, seen) - taken) | 0;
  }

  /** Takes over (repairing what they guard) and frees the side locks of processes that ended. */
  #takeOverAbandonedLocks(): void {
    if (isAbandoned(this.#producerLock) && this.tryLockProducer()) this.unlockProducer();
    if (isAbandoned(this.#consumerLock) && this.#lockConsumerNow()) this.#consumerLock.release();
  }

  /** True when at least one record is published and unread. */
  hasRecords(): boolean {
    return ((Atomics.load(this.#control, HEAD) ^ Atomics.load(this.#control, TAIL)) & ~EPOCH) !== 0;
  }

  /** Counts one more item if fewer than `limit` are counted; every write needs one. */
  tryReserve(limit: number): boolean {
    if (limit === Infinity) {
      this.#counts.reserve();
      if (stepHook !== undefined) stepHook("reserve.counted");
      return true;
    }
    // A bounded ring's check and count go together: one producer at a time (a few loads).
    const lock = this.#reserveLock;
    lock.acquireSync(Infinity);
    try {
      this.#takeOverAbandonedLocks();
      if (this.#count() >= limit) return false;
      this.#counts.reserve();
      if (stepHook !== undefined) stepHook("reserve.counted");
      return true;
    } finally {
      lock.release();
    }
  }

  /** As {@link tryReserve}, waiting until `deadline` for a consumer to take an item. */
  reserve(limit: number, deadline: number, signal?: AbortSignal): Promise<boolean> {
    return runAsync(this.#reserveSteps(limit, deadline), signal);
  }

  /** As {@link reserve}, blocking the thread. */
  reserveSync(limit: number, deadline: number): boolean {
    return runSync(this.#reserveSteps(limit, deadline));
  }

  *#reserveSteps(limit: number, deadline: number): Steps<boolean> {
    for (;;) {
      const seen = Atomics.load(this.#control, TAKEN);
      if (this.tryReserve(limit)) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      // In slices: the items that fill the queue may be reservations of a producer that ends.
      const timeoutMs = Math.min(left, MAX_WAIT_SLICE_MS);
      yield { cell: this.#control, index: TAKEN, seen, timeoutMs, interruptible: true, waiters: ITEM_WAITERS, spin: this.#roomSpin };
    }
  }

  // ---- producer side -----------------------------------------------------------------

  /** Writes `bytes` as one record now if the producer lock is free and there is room. */
  tryWriteNow(bytes: Uint8Array): boolean {
    if (bytes.length > this.maxPayload || !this.tryLockProducer()) return false;
    try {
      if (this.#free() < recordSize(bytes.length)) return false;
      this.#writeRecord(WHOLE, bytes, 0, bytes.length);
      return true;
    } finally {
      this.#producerLock.release();
    }
  }

  /** Takes the producer lock now if it is free. */
  tryLockProducer(): boolean {
    const lock = this.#producerLock;
    if (!lock.tryAcquire()) return false;
    if (lock.ownerDied) this.#repairProducerSide();
    return true;
  }

  /** Waits until `deadline` for the producer lock; true when taken. */
  async lockProducer(deadline: number): Promise<boolean> {
    const lock = this.#producerLock;
    if (!(await lock.acquire(deadline))) return false;
    if (lock.ownerDied) this.#repairProducerSide();
    return true;
  }

  /**
   * After taking the producer lock over from a process that ended: counts the item it
   * published and had not counted yet (its log says which), and bumps `TAIL`'s epoch, so
   * that the ended thread, if it still runs (Deno), can no longer publish.
   */
  #repairProducerSide(): void {
    const control = this.#control;
    this.#bumpEpoch(TAIL, PUBLISH_TARGET, "repair.producer", () => {
      const slot = Atomics.load(control, PUBLISH_SLOT);
      if (slot >= 0) this.#counts.publish(slot, Atomics.load(control, PUBLISH_SEEN)); // no-op if counted
    });
    Atomics.store(control, PUBLISH_SLOT, -1); // settled: the count no longer adds it
  }

  /**
   * Bumps the epoch of `HEAD` or `TAIL` (`index`) after a takeover; first, while it still
   * stands at its log's target (`target`: the ended holder moved it there and may not have
   * counted the move), `settle` finishes the count (a compare-exchange: a no-op if counted).
   */
  #bumpEpoch(index: number, target: number, label: StepLabel, settle: () => void): void {
    const control = this.#control;
    for (;;) {
      const position = Atomics.load(control, index);
      if (position === Atomics.load(control, target)) settle();
      if (stepHook !== undefined) stepHook(label);
      if (Atomics.compareExchange(control, index, position, nextEpoch(position)) === position) return;
    }
  }


  /** Releases the producer lock. */
  unlockProducer(): void {
    this.#producerLock.release();
  }

  /**
   * Publishes as many records of `item` as there is room for (producer lock held).
   * @returns true when the whole item is published.
   */
  writeSome(item: OutgoingItem): boolean {
    const { bytes } = item;
    if (item.offset === 0 && bytes.length <= this.maxPayload) {
      if (this.#free() < recordSize(bytes.length)) return false;
      this.#writeRecord(WHOLE, bytes, 0, bytes.length);
      item.offset = bytes.length;
      return item.done = true;
    }
    while (item.offset < bytes.length) {
      const length = Math.min(this.maxPayload, bytes.length - item.offset);
      const frame = item.offset === 0 ? FIRST : item.offset + length === bytes.length ? LAST : MIDDLE;
      if (this.#free() < recordSize(length)) return false;
      this.#writeRecord(frame, bytes, item.offset, length);
      item.offset += length;
    }
    return item.done = true;
  }

  /** A mark to pass to {@link waitForRoom}: take it before trying to write. */
  roomMark(): number {
    return Atomics.load(this.#control, HEAD);
  }

  /**
   * Waits (at most `timeoutMs`, and one slice) until a consumer frees room after `mark` was
   * taken. The wait does not keep the program alive: it is the feeder's background work.
   */
  async waitForRoom(mark: number, timeoutMs = MAX_WAIT_SLICE_MS): Promise<void> {
    await runAsync(this.#roomSteps(mark, timeoutMs));
  }

  /** As {@link waitForRoom}, blocking the thread at most `timeoutMs`. */
  waitForRoomSync(mark: number, timeoutMs: number): void {
    runSync(this.#roomSteps(mark, timeoutMs));
  }

  *#roomSteps(mark: number, timeoutMs: number): Steps<void> {
    const control = this.#control;
    const spin = this.#roomSpin;
    yield { cell: control, index: HEAD, seen: mark, timeoutMs, interruptible: false, waiters: ROOM_WAITERS, keepAlive: false, spin };
  }

  #free(): number {
    return this.capacity - (distance(Atomics.load(this.#control, HEAD), Atomics.load(this.#control, TAIL)));
  }

  /**
   * Writes one record of `length` bytes of `bytes` from `from`, then publishes it; a record
   * that starts an item is counted published. Log first, so that whoever takes the lock over
   * if this process ends between publishing and counting can count it (#repairProducerSide).
   * A process that was ended halts first: a thread that runs on (Deno) may be in a loop over
   * its feeder's backlog, and the epoch fences only a `TAIL` loaded before the takeover.
   */
  #writeRecord(frame: number, bytes: Uint8Array, from: number, length: number): void {
    haltIfEnded();
    const control = this.#control;
    const tail = Atomics.load(control, TAIL);
    if (stepHook !== undefined) stepHook("publish.loaded");
    const target = (tail + recordSize(length)) | 0;
    const starts = frame === WHOLE || frame === FIRST;
    const slot = starts ? this.#counts.mine() : -1;
    const seen = starts ? this.#counts.published(slot) : 0;
    // The target first: until TAIL reaches it, the log's other words do not count.
    Atomics.store(control, PUBLISH_TARGET, target);
    if (starts) {
      // A producer that publishes item after item logs the same slot: a load, not a store.
      if (Atomics.load(control, PUBLISH_SLOT) !== slot) Atomics.store(control, PUBLISH_SLOT, slot);
      Atomics.store(control, PUBLISH_SEEN, seen);
    }
    if (stepHook !== undefined) stepHook("publish.logged");
    const at = tail & this.#mask & ~EPOCH;
    this.#words[at >> 2] = (length << 2) | frame;
    if (frame === FIRST) this.#words[(at >> 2) + TOTAL_WORD] = bytes.length;
    this.#copyIn(bytes, from, length, (at + HEADER_BYTES) & this.#mask);
    if (stepHook !== undefined) stepHook("publish.written");
    // Compare-exchanges from what this producer saw: one whose lock was taken over since
    // (ended while it still ran: Deno) can neither publish nor count.
    if (Atomics.compareExchange(control, TAIL, tail, target) !== tail) haltEndedProducer();
    if (stepHook !== undefined) stepHook("publish.moved");
    if (starts && !this.#counts.publish(slot, seen)) haltEndedProducer();
    if (stepHook !== undefined) stepHook("publish.counted");
    if (Atomics.load(control, DATA_WAITERS) > 0) wake(control, TAIL);
  }

  /** Copies `length` bytes of `source` from `from` into the ring at `start`, wrapping. */
  #copyIn(source: Uint8Array, from: number, length: number, start: number): void {
    const first = Math.min(length, this.capacity - start);
    copyBytes(source, from, this.#bytes, start, first);
    if (first < length) copyBytes(source, from + first, this.#bytes, 0, length - first);
  }

  // ---- consumer side -----------------------------------------------------------------

  /**
   * Takes the next item now if it is one whole record and the consumer lock is free;
   * undefined otherwise (the caller then takes the slow path, {@link read}). The bytes are a
   * view of a per-thread scratch buffer, valid until the next `tryReadNow` on this thread:
   * decode them at once (allocating a buffer per item costs microseconds on Deno).
   *
   * `check`, if given, sees the item's bytes before it is taken and may throw to leave it in
   * the ring (a receiver that cannot decode it now, see {@link ItemCheck}).
   */
  tryReadNow(check?: ItemCheck): Uint8Array | undefined {
    const control = this.#control;
    if (!this.hasRecords() || !this.#lockConsumerNow()) return undefined;
    try {
      // Checked again under the lock: another consumer may have taken the records meanwhile.
      const head = Atomics.load(control, HEAD);
      if (samePosition(head, Atomics.load(control, TAIL))) return undefined;
      const at = head & this.#mask & ~EPOCH;
      const header = this.#words[at >> 2];
      if ((header & 3) !== WHOLE) return undefined;
      const length = header >>> 2;
      const item = scratchView(length);
      this.#copyInto(item, 0, (at + HEADER_BYTES) & this.#mask, length);
      check?.(item);
      this.#advance(head, length, true);
      return item;
    } finally {
      this.#consumerLock.release();
    }
  }

  /**
   * Takes the next item, waiting until `deadline` (undefined when none came in time, or
   * when `until()` turns true while the ring is empty). Once the first part of a streamed
   * item is taken, the item is handed out: the read finishes it whatever the deadline or
   * signal say, unless its producer ends (then the part is dropped and the read goes on).
   * With `keepAlive` false, the wait does not keep the program alive (background reading
   * that nobody awaits; whoever needs the item holds the program open).
   */
  async read(deadline: number, signal?: AbortSignal, until?: () => boolean, keepAlive = true): Promise<Uint8Array | undefined> {
    const lock = this.#consumerLock;
    if (!this.#lockConsumerNow()) {
      if (!(await lock.acquire(deadline, signal))) return undefined;
      if (lock.ownerDied) this.#repairConsumerSide();
    }
    try {
      return await runAsync(this.#readSteps(deadline, until, keepAlive), signal);
    } finally {
      lock.release();
    }
  }

  /**
   * As {@link read}, blocking the thread. An item that this very thread is streaming is read
   * too: its writer goes on while the thread sleeps (see `setWorkWhileBlocked` in wait.ts).
   * `check` as in {@link tryReadNow} (for a streamed item: its first record's bytes).
   */
  readSync(deadline: number, until?: () => boolean, check?: ItemCheck): Uint8Array | undefined {
    const lock = this.#consumerLock;
    if (!lock.acquireSync(deadline)) return undefined;
    if (lock.ownerDied) this.#repairConsumerSide();
    try {
      return runSync(this.#readSteps(deadline, until, true, check));
    } finally {
      this.#consumerLock.release();
    }
  }

  /**
   * Waits, without taking the consumer lock, until a record is published (true), or until
   * `deadline` passes or `until()` turns true (false). A consumer then takes the item with
   * {@link tryReadNow} in the same turn, or falls back to {@link read} (a streamed item, or
   * another consumer is at it): this way the common item is decoded from the scratch copy.
   */
  waitForRecords(deadline: number, signal?: AbortSignal, until?: () => boolean): Promise<boolean> {
    return runAsync(this.#recordSteps(deadline, until), signal);
  }

  /** As {@link waitForRecords}, blocking the thread. */
  waitForRecordsSync(deadline: number, until?: () => boolean): boolean {
    return runSync(this.#recordSteps(deadline, until));
  }

  *#recordSteps(deadline: number, until?: () => boolean): Steps<boolean> {
    const control = this.#control;
    for (;;) {
      const tail = Atomics.load(control, TAIL);
      if (!samePosition(tail, Atomics.load(control, HEAD))) return true;
      const left = remaining(deadline);
      if (left === 0 || until?.()) return false;
      yield { cell: control, index: TAIL, seen: tail, timeoutMs: left, interruptible: true, waiters: DATA_WAITERS, spin: this.#dataSpin };
    }
  }

  /** How many readers sleep in {@link read}/{@link readSync} now (for tests and diagnostics). */
  sleepingReaders(): number {
    return Atomics.load(this.#control, DATA_WAITERS);
  }

  /** Wakes every sleeping reader so that it re-checks its `until` condition. */
  wakeReaders(): void {
    wake(this.#control, TAIL);
  }

  *#readSteps(deadline: number, until?: () => boolean, keepAlive = true, check?: ItemCheck): Steps<Uint8Array | undefined> {
    const control = this.#control;
    const assembly = new Assembly();
    for (;;) {
      // Checked before looking at the ring: what made it true was published before.
      const finished = until?.() ?? false;
      const item = this.#pump(assembly, check);
      if (item) return item;
      // A streaming producer holds the producer lock from its FIRST record to its LAST. Its
      // holder is read after the last record was seen and before the ring is seen empty: if
      // it is a live process, more records of the item being assembled (or a new item) will come.
      const streamer = this.#producerLock.holder();
      const tail = Atomics.load(control, TAIL);
      if (!samePosition(tail, Atomics.load(control, HEAD))) continue;
      if (assembly.active && !isPidAlive(streamer)) assembly.abandon();
      if (!assembly.active && (finished || remaining(deadline) === 0)) return undefined;
      const timeoutMs = assembly.active ? MAX_WAIT_SLICE_MS : remaining(deadline);
      yield { cell: control, index: TAIL, seen: tail, timeoutMs, interruptible: !assembly.active, waiters: DATA_WAITERS, keepAlive };
    }
  }

  /**
   * Consumes published records (consumer lock held) until an item is complete or none is
   * left; returns the item, or undefined. `check` sees an item's first bytes before the
   * record that starts it is freed (see {@link tryReadNow}).
   */
  #pump(assembly: Assembly, check?: ItemCheck): Uint8Array | undefined {
    const control = this.#control;
    for (;;) {
      const head = Atomics.load(control, HEAD);
      if (samePosition(head, Atomics.load(control, TAIL))) return undefined;
      const at = head & this.#mask & ~EPOCH;
      const header = this.#words[at >> 2];
      const length = header >>> 2;
      const frame = header & 3;
      const start = (at + HEADER_BYTES) & this.#mask;
      let item: Uint8Array | undefined;
      if (frame === WHOLE) {
        assembly.abandon();
        item = this.#copyOut(start, length);
        check?.(item);
      } else if (frame === FIRST) {
        assembly.begin(this.#words[(at >> 2) + TOTAL_WORD] >>> 0);
        this.#appendTo(assembly, start, length);
        check?.(assembly.item!.subarray(0, length));
      } else if (assembly.active) {
        this.#appendTo(assembly, start, length);
        if (frame === LAST) {
          item = assembly.item;
          assembly.abandon();
        }
      } // else: the rest of an item handed to a consumer that ended; skip it.
      this.#advance(head, length, frame === WHOLE || frame === FIRST);
      if (item) return item;
    }
  }

  /** Takes the consumer lock now if it is free. */
  #lockConsumerNow(): boolean {
    const lock = this.#consumerLock;
    if (!lock.tryAcquire()) return false;
    if (lock.ownerDied) this.#repairConsumerSide();
    return true;
  }

  /**
   * Frees the record at `head` with a payload of `length` bytes and counts the item taken
   * (`takes`: a record that starts an item), logging first: whoever takes the lock over if
   * this process ends between the move and the count finishes the count
   * (#repairConsumerSide). Halts a process that was ended while it held the consumer lock
   * and still runs (Deno, until its next check: see halt.ts), once the lock was taken over:
   * it must neither hand out that record nor count it.
   */
  #advance(head: number, length: number, takes: boolean): void {
    const control = this.#control;
    const target = (head + recordSize(length)) | 0;
    const taken = takes ? Atomics.load(control, TAKEN) : 0;
    if (takes) {
      Atomics.store(control, TAKE_TARGET, target); // the target first, as #writeRecord
      Atomics.store(control, TAKE_SEEN, taken);
      if (stepHook !== undefined) stepHook("take.logged");
    }
    if (Atomics.compareExchange(control, HEAD, head, target) !== head) haltEndedConsumer();
    if (stepHook !== undefined) stepHook("take.moved");
    if (takes && Atomics.compareExchange(control, TAKEN, taken, (taken + 1) | 0) !== taken) haltEndedConsumer();
    if (stepHook !== undefined) stepHook("take.counted");
    if (Atomics.load(control, ROOM_WAITERS) > 0) wake(control, HEAD);
    // One item left the ring: a producer waiting for a free item slot may go on.
    if (takes && Atomics.load(control, ITEM_WAITERS) > 0) wake(control, TAKEN);
  }

  /**
   * After taking the consumer lock over from a process that ended: counts the item it took
   * and had not counted yet (its log says which), and bumps `HEAD`'s epoch, so that the ended
   * thread, if it still runs (Deno), can no longer take a record.
   */
  #repairConsumerSide(): void {
    const control = this.#control;
    this.#bumpEpoch(HEAD, TAKE_TARGET, "repair.consumer", () => {
      const taken = Atomics.load(control, TAKE_SEEN);
      if (Atomics.compareExchange(control, TAKEN, taken, (taken + 1) | 0) === taken) wake(control, TAKEN);
    });
  }


  /** A private copy of a payload: decoding from shared memory is slow on some runtimes. */
  #copyOut(start: number, length: number): Uint8Array {
    const copy = new Uint8Array(length);
    this.#copyInto(copy, 0, start, length);
    return copy;
  }

  #appendTo(assembly: Assembly, start: number, length: number): void {
    this.#copyInto(assembly.item!, assembly.filled, start, length);
    assembly.filled += length;
  }

  /** Copies `length` bytes of the ring from `start` (wrapping) into `target` at `offset`. */
  #copyInto(target: Uint8Array, offset: number, start: number, length: number): void {
    const first = Math.min(length, this.capacity - start);
    copyBytes(this.#bytes, start, target, offset, first);
    if (first < length) copyBytes(this.#bytes, 0, target, offset + first, length - first);
  }
}

/** Below this many bytes a plain loop copies faster than creating a view for `set()`. */
const SMALL_COPY = 64;

function copyBytes(source: Uint8Array, from: number, target: Uint8Array, to: number, length: number): void {
  if (length <= SMALL_COPY) {
    for (let i = 0; i < length; i++) target[to + i] = source[from + i];
  } else {
    target.set(source.subarray(from, from + length), to);
  }
}

/** Largest scratch buffer kept between reads; larger items get a buffer of their own. */
const MAX_RETAINED_SCRATCH = 1 << 20;
/** Views of the scratch buffer are kept for payloads up to this size (creating one costs ~100 ns). */
const CACHED_VIEWS = 512;
let scratch = new Uint8Array(4096);
let scratchViews: Uint8Array[] = [];

/** A view of `length` bytes of the per-thread read scratch buffer. */
function scratchView(length: number): Uint8Array {
  if (length > MAX_RETAINED_SCRATCH) return new Uint8Array(length);
  if (length > scratch.length) {
    scratch = new Uint8Array(Math.max(length, scratch.length * 2));
    scratchViews = [];
  }
  if (length > CACHED_VIEWS) return scratch.subarray(0, length);
  return scratchViews[length] ??= scratch.subarray(0, length);
}

function isValidCapacity(capacity: number): boolean {
  return Number.isInteger(capacity) && capacity >= MIN_RING_BYTES && capacity <= MAX_RING_BYTES &&
    (capacity & (capacity - 1)) === 0;
}

/** Bytes a record with a payload of `length` bytes takes: header plus padded payload. */
function recordSize(length: number): number {
  return HEADER_BYTES + ((length + 7) & ~7);
}

/** Bytes from `head` to `tail` (positions without their epochs). */
function distance(head: number, tail: number): number {
  return ((tail & ~EPOCH) - (head & ~EPOCH)) >>> 0;
}

function samePosition(a: number, b: number): boolean {
  return ((a ^ b) & ~EPOCH) === 0;
}

/** `HEAD` or `TAIL` at the same position in the next epoch. */
function nextEpoch(word: number): number {
  return (word & ~EPOCH) | ((word + 1) & EPOCH);
}

/** True when `lock` is held by a process that ended (taking it over repairs what it guards). */
function isAbandoned(lock: SemLock): boolean {
  const holder = lock.holder();
  return holder !== 0 && isPidGone(holder);
}

/** TAIL or a count moved under a producer that holds the lock: it was ended, and another took the lock over. */
function haltEndedProducer(): never {
  haltIfEnded();
  throw new Error("the ring's TAIL moved while this producer held its lock, which only an ended producer can see");
}

/** HEAD or TAKEN moved under a consumer that holds the lock: it was ended, and another took the lock over. */
function haltEndedConsumer(): never {
  haltIfEnded();
  throw new Error("the ring's HEAD moved while this consumer held its lock, which only an ended consumer can see");
}
