/**
 * The one shared mutex/semaphore core (CPython's `SemLock`), on `Atomics`: every lock,
 * semaphore, condition, event and barrier of the library is composed from it.
 *
 * **Robust ownership.** Python documents a process that dies holding a lock as a deadlock;
 * here the holder's pid is stored in shared memory and a waiter that finds the holder ended
 * ({@link isPidGone}: on Deno, also its thread stopped or its grace passed) takes the lock
 * over, and sees {@link SemLock.ownerDied} true.
 *
 * Kinds and layouts (an `Int32Array` over one `SharedArrayBuffer`):
 * - `"lock"` / `"rlock"`: `[OWNER]` 0 when free, else the holder's pid; `[DEPTH]` the
 *   recursion depth (`"rlock"`; always 1 for `"lock"`); `[MUTEX_WAITERS]` how many threads
 *   sleep waiting (a release skips the costly `notify` when none does); `[OWNER_TASK]` the
 *   holder's async task (`"rlock"`, see tasks.ts): an RLock is owned by a process *and its
 *   task*, as Python's by a thread, so another task of the same process waits for it. A
 *   `"lock"` is owned by the process alone and may be released by any process (Python allows
 *   it: a Lock is a semaphore of one).
 * - `"semaphore"`: `[VALUE]` the free permits, `[SIGNALS]` permits that nobody owns,
 *   `[SEMAPHORE_WAITERS]` sleepers, then the permits each process holds: a
 *   {@link HolderCounts} table of {@link HOLDER_SLOTS} slots.
 *
 * **The semaphore ownership rule.** Python returns a semaphore's permits only through
 * `release()`. So does this one, except for a process that dies (terminated, killed, or
 * crashed by an uncaught error) while it holds permits that nobody gave back: those are
 * returned, as a dead lock holder's lock is. Permits are counted per process for that:
 * - `acquire` takes a permit; if unowned signals are pending it takes one of those and owns
 *   nothing, otherwise the permit counts as held by the caller.
 * - `release(n)` first gives back permits the caller holds, then permits other processes
 *   hold (a bounded buffer's free slots are taken by the producer and given back by the
 *   consumer); the rest are *signals* (Python's "release a permit you did not acquire"):
 *   new permits nobody owns.
 * - When a process dies, the permits it still holds are returned (capped at `maxValue`) by
 *   the next waiter, which sees `ownerDied`. A process whose code ended (returned, or called
 *   `exit()`) keeps them taken, as in Python: it may have taken them on purpose, as a
 *   one-time ticket.
 * So a semaphore used as a resource pool, as a pure signal (`Semaphore(0)`) or as a bounded
 * buffer's counters never hands out more permits than Python's would, and a death inside a
 * resource-pool section does not lose a permit. (A producer killed while the items for its
 * held slots wait in the buffer gives the slots back early.) A process that ends between
 * taking a permit and recording it leaks that permit rather than ever letting one permit be
 * used twice: there is no call between the two, where V8 and JSC stop a terminated thread,
 * but a crash of the runtime there would.
 * @module
 */

import { ValueError } from "../errors.ts";
import { haltIfEnded, haltIfEndedAsync } from "./halt.ts";
import { HolderCounts } from "./holder_counts.ts";
import { currentPid, endedCleanly, isPidGone } from "./liveness.ts";
import { AdaptiveSpin } from "./spin.ts";
import { stepHook } from "./step_hook.ts";
import { noteReleased, noteTaken, ROOT_TASK, trackTasks } from "./tasks.ts";
import { remaining, waitAsync, waitSync, wake } from "./wait.ts";

/** What a {@link SemLock} is: a plain lock, a recursive lock, or a counting semaphore. */
export type SemLockKind = "lock" | "rlock" | "semaphore";

/** Everything another process needs to rebuild a {@link SemLock} on the same memory. */
export interface SemLockState {
  /** The shared words. */
  buffer: SharedArrayBuffer;
  /** Which kind of lock the words describe. */
  kind: SemLockKind;
  /** The most permits a semaphore may hold (1 for locks). */
  maxValue: number;
}

/** Python's `SEM_VALUE_MAX`: the bound of a semaphore that has none. */
export const SEM_VALUE_MAX = 2 ** 31 - 1;

/** Most processes whose semaphore permits are tracked at once (more are not recoverable). */
export const HOLDER_SLOTS = 64;

// Mutex words.
const OWNER = 0;
const DEPTH = 1;
const MUTEX_WAITERS = 2;
const OWNER_TASK = 3;
const MUTEX_INTS = 4;
// Semaphore words.
const VALUE = 0;
const SIGNALS = 1;
const SEMAPHORE_WAITERS = 2;
const HOLDERS = 3;
const SEMAPHORE_INTS = HOLDERS + HolderCounts.ints(HOLDER_SLOTS);

/** What an `acquire()` that took a free lock at once returns (a settled promise can be shared). */
const ACQUIRED: Promise<boolean> = Promise.resolve(true);

/** What one acquisition attempt saw when it did not succeed: wait while this word holds it. */
interface Busy {
  index: number;
  seen: number;
}

/**
 * A shared lock or semaphore usable from every process that holds its state.
 * @example Usage
 * ```ts
 * import { SemLock } from "./semlock.ts";
 * import { deadlineFrom } from "./wait.ts";
 * const lock = new SemLock("lock", 1, 1);
 * await lock.acquire(deadlineFrom(1000));
 * try { console.log(lock.locked()); } finally { lock.release(); } // true
 * ```
 */
export class SemLock {
  /** Which kind of lock this is. */
  readonly kind: SemLockKind;
  /** Most permits (1 for locks, {@link SEM_VALUE_MAX} for an unbounded semaphore). */
  readonly maxValue: number;
  readonly #words: Int32Array;
  /** An RLock: recursive, and owned by a task of the process. */
  readonly #recursive: boolean;
  #ownerDied = false;
  /** A semaphore's permits held per process. */
  readonly #held: HolderCounts | undefined;
  /** This handle's spinner: a lock is usually held for a moment by a process on another core. */
  readonly #spin = new AdaptiveSpin();

  /**
   * Allocates a new lock (`value` 1 = free, 0 = held by the caller) or a semaphore with
   * `value` free permits out of at most `maxValue`.
   * @throws {ValueError} when `value` is negative or above `maxValue`.
   */
  constructor(kind: SemLockKind, value: number, maxValue: number);
  /** Rebuilds a lock on existing shared words (see {@link SemLock.fromState}). */
  constructor(kind: SemLockKind, value: number, maxValue: number, shared: SharedArrayBuffer);
  constructor(kind: SemLockKind, value: number, maxValue: number, shared?: SharedArrayBuffer) {
    this.kind = kind;
    this.maxValue = kind === "semaphore" ? maxValue : 1;
    this.#recursive = kind === "rlock";
    if (!shared) checkInitialValue(kind, value, this.maxValue);
    const ints = kind === "semaphore" ? SEMAPHORE_INTS : MUTEX_INTS;
    this.#words = new Int32Array(shared ?? new SharedArrayBuffer(ints * 4));
    if (this.#recursive) trackTasks();
    if (kind === "semaphore") {
      this.#held = new HolderCounts(this.#words, HOLDERS, HOLDER_SLOTS, (held, pid) => this.#returnPermits(held, pid));
    }
    if (shared) return;
    if (kind === "semaphore") this.#words[VALUE] = value;
    else if (value === 0) this.#words.set([currentPid(), 1, 0, ROOT_TASK]);
  }

  /** Rebuilds, in any process, a lock on the shared memory described by `state`. */
  static fromState(state: SemLockState): SemLock {
    return new SemLock(state.kind, 0, state.maxValue, state.buffer);
  }

  /** Describes this lock for another process. */
  toState(): SemLockState {
    return { buffer: this.#words.buffer as SharedArrayBuffer, kind: this.kind, maxValue: this.maxValue };
  }

  /**
   * True when the last successful acquire through this handle took over a lock (or permits)
   * from a process that had ended; false again after the next acquire.
   */
  get ownerDied(): boolean {
    return this.#ownerDied;
  }

  /** Takes the lock or a permit now if possible, for `task` (an RLock's owner); never waits. */
  tryAcquire(task: number = ROOT_TASK): boolean {
    return this.#attempt(task) === undefined;
  }

  /**
   * Blocks the thread until acquired or `deadline` (from `deadlineFrom()`) passes; `task`
   * is the async task an RLock is taken for (see tasks.ts).
   * @returns true when acquired, false on timeout.
   */
  acquireSync(deadline: number, task: number = ROOT_TASK): boolean {
    for (let waited = false;; waited = true) {
      const busy = this.#attempt(task);
      if (!busy) return true;
      const left = remaining(deadline);
      if (left === 0) return this.#giveUp(busy, waited);
      if (this.#spinUntilFreed(busy, deadline)) continue;
      const waiters = this.#waitersIndex();
      Atomics.add(this.#words, waiters, 1);
      try {
        waitSync(this.#words, busy.index, busy.seen, left);
      } finally {
        Atomics.sub(this.#words, waiters, 1);
      }
      this.#sleptUntil(busy);
      haltIfEnded();
    }
  }

  /**
   * Waits without blocking the event loop until acquired or `deadline` passes; `task` is
   * the async task an RLock is taken for (see tasks.ts).
   * @returns true when acquired, false on timeout; rejects with `signal.reason` on abort.
   */
  acquire(deadline: number, signal?: AbortSignal, task: number = ROOT_TASK): Promise<boolean> {
    // The common case, a free lock, skips the async function's machinery.
    if (!signal?.aborted && this.#attempt(task) === undefined) return ACQUIRED;
    return this.#acquireAsync(deadline, signal, task);
  }

  async #acquireAsync(deadline: number, signal: AbortSignal | undefined, task: number): Promise<boolean> {
    signal?.throwIfAborted();
    for (let waited = false;; waited = true) {
      const busy = this.#attempt(task);
      if (!busy) return true;
      const left = remaining(deadline);
      if (left === 0) return this.#giveUp(busy, waited);
      if (this.#spinUntilFreed(busy, deadline)) continue;
      const waiters = this.#waitersIndex();
      Atomics.add(this.#words, waiters, 1);
      try {
        await waitAsync(this.#words, busy.index, busy.seen, left, signal);
      } catch (reason) {
        this.#giveUp(busy, true);
        throw reason;
      } finally {
        Atomics.sub(this.#words, waiters, 1);
      }
      this.#sleptUntil(busy);
      await haltIfEndedAsync();
    }
  }

  /**
   * Releases the lock (an RLock: one level, by its owning `task`), or returns `n` permits to
   * a semaphore.
   * @throws {ValueError} when a lock is not held, or a semaphore would exceed `maxValue`.
   * @throws {Error} when an RLock is held by another process or task.
   */
  release(n = 1, task: number = ROOT_TASK): void {
    haltIfEnded(); // a terminated process still running (Deno) must not release, nor acquire
    if (this.kind === "semaphore") this.#releasePermits(n);
    else this.#releaseMutex(task);
  }

  /** Free permits: 1 or 0 for a lock. */
  getValue(): number {
    if (this.kind === "semaphore") return Atomics.load(this.#words, VALUE);
    return Atomics.load(this.#words, OWNER) === 0 ? 1 : 0;
  }

  /** The pid of the process holding a lock (0 when free; always 0 for a semaphore). */
  holder(): number {
    return this.kind === "semaphore" ? 0 : Atomics.load(this.#words, OWNER);
  }

  /**
   * True when the calling process holds the lock (an RLock: as `task`), or, for a semaphore,
   * owns a permit.
   */
  isMine(task: number = ROOT_TASK): boolean {
    if (this.kind === "semaphore") return this.#held!.mine() > 0;
    const mine = Atomics.load(this.#words, OWNER) === currentPid();
    return mine && (this.kind === "lock" || Atomics.load(this.#words, OWNER_TASK) === task);
  }

  /** True when some task of the calling process holds the lock (a lock or an RLock). */
  heldByThisProcess(): boolean {
    return this.kind !== "semaphore" && Atomics.load(this.#words, OWNER) === currentPid();
  }

  /** True when held (a lock) or out of permits (a semaphore). */
  locked(): boolean {
    return this.getValue() === 0;
  }

  /**
   * How many times the calling process (an RLock: its `task`) holds the lock: an RLock's
   * depth, 0 when not mine.
   */
  count(task: number = ROOT_TASK): number {
    if (this.kind === "semaphore") return this.#held!.mine();
    return this.isMine(task) ? Atomics.load(this.#words, DEPTH) : 0;
  }

  /** One acquisition attempt: undefined when acquired, else what to wait on. */
  #attempt(task: number): Busy | undefined {
    haltIfEnded();
    return this.kind === "semaphore" ? this.#attemptPermit() : this.#attemptMutex(task);
  }

  /**
   * A waiter that leaves may have consumed a wake-up meant for the next one: pass it on.
   * @returns false (the acquisition failed).
   */
  #giveUp(busy: Busy, waited: boolean): false {
    if (waited) this.#wakeWaiters(busy.index, 1);
    return false;
  }

  /** True when the word `busy` saw changes within this handle's spin (then try again). */
  #spinUntilFreed(busy: Busy, deadline: number): boolean {
    return this.#spin.spinUntil(() => Atomics.load(this.#words, busy.index) !== busy.seen, deadline);
  }

  /** After a sleep: tells the spinner whether it ended with the word changed. */
  #sleptUntil(busy: Busy): void {
    if (Atomics.load(this.#words, busy.index) !== busy.seen) this.#spin.sleptUntilReady();
  }

  /** The word counting this lock's sleepers. */
  #waitersIndex(): number {
    return this.kind === "semaphore" ? SEMAPHORE_WAITERS : MUTEX_WAITERS;
  }

  /**
   * Wakes up to `count` sleepers on `index`, if any sleeps. A waiter counts itself before it
   * sleeps, and its sleep returns at once if the word changed: no wake-up is lost.
   */
  #wakeWaiters(index: number, count: number): void {
    if (Atomics.load(this.#words, this.#waitersIndex()) > 0) wake(this.#words, index, count);
  }

  #attemptMutex(task: number): Busy | undefined {
    const words = this.#words;
    const me = currentPid();
    const owner = Atomics.compareExchange(words, OWNER, 0, me);
    if (owner === 0) {
      if (stepHook !== undefined) stepHook("lock.acquired");
      return this.#acquiredMutex(false, task);
    }
    if (owner === me && this.#recursive && Atomics.load(words, OWNER_TASK) === task) {
      Atomics.add(words, DEPTH, 1);
      return undefined;
    }
    if (owner !== me && isPidGone(owner) && Atomics.compareExchange(words, OWNER, owner, me) === owner) {
      return this.#acquiredMutex(true, task);
    }
    return { index: OWNER, seen: owner };
  }

  #acquiredMutex(tookOver: boolean, task: number): undefined {
    Atomics.store(this.#words, DEPTH, 1);
    if (this.#recursive) {
      Atomics.store(this.#words, OWNER_TASK, task);
      noteTaken(task);
    }
    this.#ownerDied = tookOver;
    return undefined;
  }

  #releaseMutex(task: number): void {
    const words = this.#words;
    const owner = Atomics.load(words, OWNER);
    if (owner === 0) {
      throw this.#recursive ? new ValueError("cannot release un-acquired lock") : releasedTooMany();
    }
    if (this.#recursive) {
      if (owner !== currentPid() || Atomics.load(words, OWNER_TASK) !== task) {
        throw new Error("cannot release un-acquired lock");
      }
      if (Atomics.sub(words, DEPTH, 1) > 1) return;
      noteReleased(task);
    }
    // A compare-exchange: a holder ended while it still ran (Deno) must not free the lock of
    // the process that took it over since (its owner is another pid now).
    if (Atomics.compareExchange(words, OWNER, owner, 0) !== owner) {
      haltIfEnded();
      throw releasedTooMany();
    }
    if (stepHook !== undefined) stepHook("lock.released");
    this.#wakeWaiters(OWNER, 1);
  }

  #attemptPermit(): Busy | undefined {
    const words = this.#words;
    const held = this.#held!;
    // The slot first: from taking a permit to counting it below there is no call, where a
    // terminated thread could stop (V8 and JSC stop one at calls and loop back-edges) and leak
    // the permit (model/semlock.pml -DKILL_IN_LEAK_WINDOW shows what a stop there would do).
    let tookOver = held.claim() > 0; // claiming an ended process's slot returned its permits
    const mine = held.countIndex();
    for (let reclaimed = false;;) {
      const value = Atomics.load(words, VALUE);
      if (value > 0) {
        if (Atomics.compareExchange(words, VALUE, value, value - 1) !== value) continue;
        if (stepHook !== undefined) stepHook("permit.taken");
        // Consume a pending signal (a permit nobody owns), else count the permit as ours.
        let signals = Atomics.load(words, SIGNALS);
        while (signals > 0 && Atomics.compareExchange(words, SIGNALS, signals, signals - 1) !== signals) {
          signals = Atomics.load(words, SIGNALS);
        }
        if (signals <= 0 && mine >= 0) Atomics.add(words, mine, 1);
        this.#ownerDied = tookOver;
        return undefined;
      }
      // Out of permits: those of ended processes come back before anyone sleeps.
      if (reclaimed || held.reclaimEnded() === 0) return { index: VALUE, seen: 0 };
      reclaimed = tookOver = true;
    }
  }

  #releasePermits(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`n must be one or more: release(n) takes a positive integer, got ${n}`);
    const words = this.#words;
    if (Atomics.load(words, VALUE) + n > this.maxValue) throw releasedTooMany();
    const held = this.#held!;
    // Off this process's count, then onto VALUE with no call in between (see #attemptPermit)
    // when the caller gives back only permits it holds (the usual release).
    const mine = held.countIndex();
    let returned = 0;
    for (let count = mine < 0 ? 0 : Atomics.load(words, mine); count > 0; count = Atomics.load(words, mine)) {
      if (Atomics.compareExchange(words, mine, count, count - Math.min(count, n)) === count) {
        returned = Math.min(count, n);
        break;
      }
    }
    const givenBack = returned < n ? returned + held.takeFromOthers(n - returned) : returned;
    if (stepHook !== undefined) stepHook("permit.returned");
    for (;;) {
      const value = Atomics.load(words, VALUE);
      if (value + n > this.maxValue) {
        // A release raced this one past the bound. Taking back what others held is skipped:
        // at worst a dying holder's permit is not returned, never one is handed out twice.
        if (returned > 0) held.add(returned);
        throw releasedTooMany();
      }
      if (Atomics.compareExchange(words, VALUE, value, value + n) === value) break;
    }
    if (n > givenBack) Atomics.add(words, SIGNALS, n - givenBack);
    this.#wakeWaiters(VALUE, n);
  }

  /**
   * Returns the `held` permits of the process `pid`, which ended (capped at `maxValue`), unless
   * its code ended cleanly; how many came back.
   */
  #returnPermits(held: number, pid: number): number {
    if (endedCleanly(pid)) return 0;
    const words = this.#words;
    let back = 0;
    for (;;) {
      const value = Atomics.load(words, VALUE);
      back = Math.min(held, this.maxValue - value);
      if (Atomics.compareExchange(words, VALUE, value, value + back) === value) break;
    }
    if (back > 0) this.#wakeWaiters(VALUE, back);
    return back;
  }
}

function releasedTooMany(): ValueError {
  return new ValueError("semaphore or lock released too many times");
}

function checkInitialValue(kind: SemLockKind, value: number, maxValue: number): void {
  if (kind !== "semaphore") {
    if (value !== 0 && value !== 1) throw new ValueError(`a lock's initial value must be 1 (free) or 0 (held), got ${value}`);
    return;
  }
  // The initial value first: it is what the user gave (a BoundedSemaphore's maxValue is it too).
  if (!Number.isInteger(value)) throw new ValueError(`semaphore initial value must be an integer, got ${value}`);
  if (value < 0) throw new ValueError(`semaphore initial value must be >= 0, got ${value}`);
  if (value > SEM_VALUE_MAX) throw new ValueError(`semaphore initial value must be <= ${SEM_VALUE_MAX}, got ${value}`);
  if (!Number.isInteger(maxValue) || maxValue < 0 || maxValue > SEM_VALUE_MAX) {
    throw new ValueError(`a semaphore's maxValue must be an integer in 0..${SEM_VALUE_MAX}, got ${maxValue}`);
  }
  if (value > maxValue) throw new ValueError(`semaphore initial value must be <= its maxValue ${maxValue}, got ${value}`);
}
