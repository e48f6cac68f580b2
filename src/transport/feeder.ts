/**
 * The local buffer of one queue handle, Python's feeder thread: an accepted item that finds
 * no room in the ring (or is larger than one record) waits here and is written, in order,
 * as room appears. So an unbounded `put()` never blocks, and a producer's items keep their
 * order. Every `put` also pushes what it can at once, so a producer that never yields to
 * the event loop still keeps the ring fed; the rest is written by a background loop.
 * What nothing can ever read (a pipe whose other end every process closed or ended with) is
 * dropped instead of waited for: the process may end, as Python's, whose `send` fails then.
 * @module
 */

import { onProcessExit, setExitFlush } from "../atexit.ts";
import { haltIfEnded } from "./halt.ts";
import { type ByteRing, OutgoingItem } from "./ring.ts";
import { stepHook } from "./step_hook.ts";
import { MAX_WAIT_SLICE_MS, remaining, setWorkWhileBlocked, waitSync } from "./wait.ts";

/** Longest a {@link Feeder.flushSync} sleeps before it asks its caller's `until` again. */
const FLUSH_CHECK_MS = 10;
/** Pause between the passes of {@link Feeder.flushBeforeExitSync} over this thread's feeders. */
const EXIT_FLUSH_PASS_MS = 1;
/** First pause before the background loop tries a busy producer lock again (it then doubles). */
const FIRST_LOCK_RETRY_MS = 1;

/** What one pass of writing achieved. */
type PumpOutcome = "done" | "no-room" | "lock-busy";

/**
 * Buffers and writes the items of one handle.
 * @example Usage
 * ```ts
 * import { ByteRing } from "./ring.ts";
 * import { Feeder } from "./feeder.ts";
 * const ring = new ByteRing(1024);
 * const feeder = new Feeder(ring);
 * ring.tryReserve(Infinity);
 * feeder.push(new Uint8Array(5000)); // larger than the ring: streams as a consumer reads
 * console.log(feeder.pending); // 1
 * ```
 */
export class Feeder {
  readonly #ring: ByteRing;
  /** Waiting items, oldest at `#first`. */
  #items: OutgoingItem[] = [];
  #first = 0;
  /** True while this handle holds the producer lock (between records of a streamed item). */
  #lockHeld = false;
  #draining = false;
  #flushOnExit = true;
  #dropExitHook: (() => void) | undefined;
  #whenFlushed: Array<() => void> = [];
  readonly #unreadable: (() => boolean) | undefined;

  /**
   * A feeder of `ring`; `unreadable()` tells when nothing can ever read it any more (its
   * waiting items are then dropped).
   */
  constructor(ring: ByteRing, unreadable?: () => boolean) {
    this.#ring = ring;
    this.#unreadable = unreadable;
  }

  /** Items accepted and not yet fully written into the ring. */
  get pending(): number {
    return this.#items.length - this.#first;
  }

  /**
   * Writes `bytes` into the ring, now if possible, else later in order. `bytes` may be a
   * scratch view: it is copied when it has to wait.
   */
  push(bytes: Uint8Array): void {
    if (this.pending === 0) {
      if (this.#ring.tryWriteNow(bytes)) return;
      if (this.#flushOnExit) this.#dropExitHook = onProcessExit(() => this.flushed());
      unfinished.add(this);
    }
    this.#items.push(new OutgoingItem(bytes.slice()));
    if (stepHook !== undefined) stepHook("feeder.buffered");
    if (this.#pump() !== "done") this.#startDraining();
  }

  /** Writes what it can now, without waiting; false while items are left. */
  writeNow(): boolean {
    return this.pending === 0 || this.#pump() === "done";
  }

  /**
   * Resolves once every accepted item is written into the ring. The background writing does
   * not keep the program alive by itself (as Python's feeder thread, a daemon thread); a
   * pending `flushed()` does.
   */
  flushed(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    const keepAlive = setInterval(() => {}, 1 << 30);
    return new Promise<void>((resolve) => this.#whenFlushed.push(resolve)).finally(() => clearInterval(keepAlive));
  }

  /**
   * Writes what waits here, blocking the thread, until nothing is left (true), `deadline`
   * passes or `until()` turns true (false). For a thread about to block: the background
   * writer runs on the event loop, which a blocked thread does not run.
   */
  flushSync(deadline: number, until: () => boolean): boolean {
    for (;;) {
      const mark = this.#ring.roomMark();
      if (this.pending === 0 || this.#pump() === "done") return true;
      const left = remaining(deadline);
      if (left === 0 || until()) return false;
      this.#ring.waitForRoomSync(mark, Math.min(left, FLUSH_CHECK_MS));
    }
  }

  /**
   * Writes, blocking the thread, what this thread's feeders must write before the process
   * ends (all but those told {@link cancelExitFlush}), for an `exit()` that ends the thread
   * without going back to its event loop. Like Python's join of its feeder threads at exit,
   * it takes as long as readers take to make room. The feeders write in turns, so that a
   * reader that waits for one queue's item before it reads another's is not stuck.
   */
  static flushBeforeExitSync(): void {
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      let waiting = false;
      for (const feeder of unfinished) {
        if (!feeder.writeNow() && feeder.#flushOnExit && !feeder.#dropIfUnreadable()) waiting = true;
      }
      if (!waiting) return;
      waitSync(nap, 0, 0, EXIT_FLUSH_PASS_MS);
      haltIfEnded(); // terminated meanwhile (Deno): this thread must not write on
    }
  }

  /**
   * This process may end without writing what is still buffered (`cancelJoinThread`, or a
   * queue or pipe this process made, which only its children, ended by then, can read).
   */
  cancelExitFlush(): void {
    this.#flushOnExit = false;
    this.#dropExitHook?.();
    this.#dropExitHook = undefined;
  }

  #pump(): PumpOutcome {
    const ring = this.#ring;
    if (!this.#lockHeld) {
      if (!ring.tryLockProducer()) return "lock-busy";
      this.#lockHeld = true;
    }
    while (this.pending > 0 && ring.writeSome(this.#items[this.#first])) this.#dropFirst();
    // Between records of a streamed item the lock stays held: nobody may write in between.
    if (!this.#items[this.#first]?.streaming) {
      ring.unlockProducer();
      this.#lockHeld = false;
    }
    if (this.pending > 0) return "no-room";
    this.#settle();
    return "done";
  }

  /** Drops what waits when nothing can ever read it; true if so. */
  #dropIfUnreadable(): boolean {
    if (!this.#unreadable?.()) return false;
    if (this.#lockHeld) {
      this.#ring.unlockProducer();
      this.#lockHeld = false;
    }
    this.#items = [];
    this.#first = 0;
    this.#settle();
    return true;
  }

  #dropFirst(): void {
    this.#first++;
    if (this.#first === this.#items.length) {
      this.#items = [];
      this.#first = 0;
    } else if (this.#first >= 1024 && this.#first * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#first);
      this.#first = 0;
    }
  }

  #settle(): void {
    unfinished.delete(this);
    this.#dropExitHook?.();
    this.#dropExitHook = undefined;
    const waiting = this.#whenFlushed;
    this.#whenFlushed = [];
    for (const resolve of waiting) resolve();
  }

  #startDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#drain().finally(() => {
      this.#draining = false;
      // An item may have come between the loop's last check and now: it needs a loop too.
      if (this.pending > 0) this.#startDraining();
    });
  }

  /**
   * The background loop: writes until nothing is left. Without room, it waits until a
   * consumer frees some. With the lock busy (another producer writes, usually for a moment,
   * and may be waiting for room too), it tries again soon, then less and less often.
   */
  async #drain(): Promise<void> {
    const ring = this.#ring;
    let lockRetryMs = FIRST_LOCK_RETRY_MS;
    while (this.pending > 0) {
      const mark = ring.roomMark();
      const outcome = this.#pump();
      if (outcome === "done" || this.#dropIfUnreadable()) return;
      if (outcome === "no-room") {
        lockRetryMs = FIRST_LOCK_RETRY_MS;
        await ring.waitForRoom(mark);
      } else {
        await ring.waitForRoom(mark, lockRetryMs);
        lockRetryMs = Math.min(lockRetryMs * 2, MAX_WAIT_SLICE_MS);
      }
    }
  }
}

/** The feeders of this thread that hold items not yet written. */
const unfinished = new Set<Feeder>();

/**
 * While the thread blocks (a `…Sync` call), its event loop cannot write the buffered items:
 * the waits do it (Python's feeder is a thread of its own), else a thread that put and then
 * blocks would hold back its items, maybe the very ones another process waits for.
 */
setWorkWhileBlocked(() => {
  for (const feeder of unfinished) feeder.writeNow();
  return unfinished.size > 0;
});

setExitFlush(() => Feeder.flushBeforeExitSync());
