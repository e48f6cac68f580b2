/**
 * Python's `multiprocessing.synchronize`: Lock, RLock, Semaphore, BoundedSemaphore,
 * Condition, Event and Barrier, usable from every process that holds them (pass them in a
 * Process's `args`). All are composed from the robust {@link SemLock} core: a lock held by a
 * process that ended is taken over by the next acquirer, which sees `ownerDied` true.
 *
 * A Lock is owned by a *process*: a Lock acquired by one async task of a process blocks the
 * process's other tasks too. An RLock is owned by a process *and its async task* (see
 * `transport/tasks.ts`), as Python's by a thread: the task that holds it re-enters, the
 * process's other tasks wait.
 * @module
 */

import { BrokenBarrierError, ValueError } from "./errors.ts";
import { finishRevivalWith, HANDLE, type HandleDescription, registerHandleKind, type Shareable } from "./handles.ts";
import { currentProcess, type WaitOptions } from "./process.ts";
import { rebuildWith, takeRebuildState } from "./rebuild.ts";
import { boundPartsOf } from "./reduction.ts";
import { importExport, locate } from "./references.ts";
import { pyBool, showAsString } from "./repr.ts";
import { callerModules, type TargetRef } from "./target.ts";
import { type Blocking, runAsync, runSync } from "./transport/blocking.ts";
import { haltIfEnded } from "./transport/halt.ts";
import { currentPid, isPidAlive } from "./transport/liveness.ts";
import { SEM_VALUE_MAX, SemLock, type SemLockKind, type SemLockState } from "./transport/semlock.ts";
import { currentTask, enterTask, ROOT_TASK, runAsTask, taskForAcquire } from "./transport/tasks.ts";
import { checkOptions, deadlineOf, describe, refusedOptions } from "./options.ts";
import { deadlineFrom, remaining, wake } from "./transport/wait.ts";
import { WaiterQueue } from "./transport/waiters.ts";

/**
 * Options of a blocking `acquire()`.
 * @example Usage
 * ```ts
 * import { type AcquireOptions, Lock } from "@seed/multiprocessing";
 * const options: AcquireOptions = { timeout: 100 };
 * console.log(await new Lock().acquire(options)); // true
 * ```
 */
export interface AcquireOptions {
  /** `false`: take it only if free right now (the timeout is ignored). Default true. */
  block?: boolean;
  /** Most milliseconds to wait; negative acts as 0. Default: no limit. */
  timeout?: number;
  /** Aborting it rejects the wait with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Options of a blocking `acquireSync()` (meant for children: it blocks the thread, in the main
 * program its event loop too).
 * @example Usage
 * ```ts
 * import { type AcquireSyncOptions, Semaphore } from "@seed/multiprocessing";
 * const options: AcquireSyncOptions = { block: false };
 * console.log(new Semaphore(0).acquireSync(options)); // false
 * ```
 */
export type AcquireSyncOptions = Omit<AcquireOptions, "signal">;

// The options of a blocking `wait()` are those of `Process.join()`.
export type { WaitOptions };

/**
 * Options of a blocking `waitSync()` (meant for children: it blocks the thread, in the main
 * program its event loop too).
 * @example Usage
 * ```ts
 * import { Event, type WaitSyncOptions } from "@seed/multiprocessing";
 * const options: WaitSyncOptions = { timeout: 10 };
 * console.log(new Event().waitSync(options)); // false: nobody set it
 * ```
 */
export type WaitSyncOptions = Omit<WaitOptions, "signal">;

/**
 * What Lock, RLock, Semaphore and BoundedSemaphore share (Python's `SemLock` class).
 * @example Usage
 * ```ts
 * import { Lock } from "@seed/multiprocessing";
 * const lock = new Lock();
 * console.log(await lock.withLock(() => lock.locked())); // true
 * ```
 */
export abstract class SemLockHandle implements Shareable {
  /**
   * The shared core (what Condition builds on).
   * @ignore
   */
  readonly core: SemLock;
  readonly #handleKind: string;

  /**
   * Allocates the shared core, or adopts the one a handle description carried here.
   * @param handleKind the kind this handle is registered under.
   * @param kind, value, maxValue as {@link SemLock}'s constructor.
   */
  protected constructor(handleKind: string, kind: SemLockKind, value: number, maxValue: number) {
    const state = takeRebuildState<SemLockState>();
    this.core = state ? SemLock.fromState(state) : new SemLock(kind, value, maxValue);
    this.#handleKind = handleKind;
  }

  /**
   * Acquires (a lock, or one permit), waiting as `options` allow.
   * @returns true when acquired; false when `block: false` found it taken or the timeout elapsed.
   */
  acquire(options: AcquireOptions = {}): Promise<boolean> {
    return refusedOptions("acquire", options) ?? this.core.acquire(deadlineOf(options), options.signal);
  }

  /** {@link acquire} blocking the thread (for children). */
  acquireSync(options: AcquireSyncOptions = {}): boolean {
    checkOptions("acquireSync", options);
    return this.core.acquireSync(deadlineOf(options));
  }

  /**
   * True when this handle's last acquire took the lock (or a semaphore's permits) over from
   * a process that had ended: the data it guards may be half-updated. False again after
   * the next acquire.
   */
  get ownerDied(): boolean {
    return this.core.ownerDied;
  }

  /** Releases (see each class for who may, and its errors). */
  release(): void {
    this.core.release();
  }

  /** Acquires, runs `fn`, and releases even when `fn` throws; returns what `fn` returned. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Releases at the end of an `await using` block (after an `acquire()`), like Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  /** Releases at the end of a `using` block (after an `acquire()`). */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    return { kind: this.#handleKind, state: this.core.toState() };
  }

  /**
   * The owner the calling code acts as for {@link SemLock}'s checks: the process (an RLock:
   * its running async task).
   * @ignore
   */
  callerTask(): number {
    return ROOT_TASK;
  }
}

/**
 * A lock (Python's `multiprocessing.Lock`): not recursive; any process may release it.
 * A lock held by a process that ended is taken over by the next acquirer, whose
 * {@link SemLockHandle.ownerDied} is then true.
 * @example Usage
 * ```ts
 * import { Lock } from "@seed/multiprocessing";
 * const lock = new Lock();
 * if (await lock.acquire({ timeout: 1000 })) {
 *   try { console.log(lock.locked()); } finally { lock.release(); } // true
 * }
 * ```
 */
export class Lock extends SemLockHandle {
  constructor() {
    super("Lock", "lock", 1, 1);
  }

  /**
   * Releases the lock.
   * @throws {ValueError} when it is not held.
   */
  override release(): void {
    this.core.release();
  }

  /** True while some process holds the lock. */
  locked(): boolean {
    return this.core.locked();
  }

  /**
   * Python's repr: `<Lock(owner=None)>`, `<Lock(owner=MainProcess)>` (the holding process's
   * name when it is this one), or `<Lock(owner=SomeOtherProcess)>`.
   */
  override toString(): string {
    return `<${this.constructor.name}(owner=${holderName(this.core, ROOT_TASK)})>`;
  }
}

/** Who holds a lock, in the words of Python's reprs. */
function holderName(core: SemLock, task: number): string {
  if (core.isMine(task)) return currentProcess().name;
  if (!core.locked()) return "None";
  return core.heldByThisProcess() ? "SomeOtherTask" : "SomeOtherProcess";
}

/**
 * A recursive lock (Python's `multiprocessing.RLock`): its owner may acquire it again and
 * must release it as many times. Robust like {@link Lock}.
 *
 * The owner is a process *and its async task*, as Python's is a thread: the code that took
 * it, and everything that code awaits, re-enters; async functions of the same process that
 * run beside it (started by `Promise.all`, separate `withLock()` callers, timers set up
 * before it was taken) wait. An async function or timer *started* by the holder while it
 * holds the lock counts as the holder (JavaScript cannot tell them apart); `acquireSync()`
 * while another task of the process holds it throws instead of blocking the thread forever.
 * @example Usage
 * ```ts
 * import { RLock } from "@seed/multiprocessing";
 * const rlock = new RLock();
 * await rlock.acquire();
 * await rlock.acquire();
 * rlock.release();
 * console.log(rlock.locked()); // true: still held once
 * rlock.release();
 * ```
 */
export class RLock extends SemLockHandle {
  constructor() {
    super("RLock", "rlock", 1, 1);
  }

  /**
   * Acquires for the running async task (again, if it holds it), waiting as `options` allow.
   * @returns true when acquired; false when `block: false` found it taken or the timeout elapsed.
   */
  override acquire(options: AcquireOptions = {}): Promise<boolean> {
    const refused = refusedOptions("acquire", options);
    if (refused) return refused;
    const task = taskForAcquire((t) => this.core.isMine(t), false);
    enterTask(task);
    return this.core.acquire(deadlineOf(options), options.signal, task);
  }

  /**
   * {@link acquire} blocking the thread (for children).
   * @throws {Error} when another async task of this process holds it and no timeout is
   * given: that task could never run to release it.
   */
  override acquireSync(options: AcquireSyncOptions = {}): boolean {
    checkOptions("acquireSync", options);
    const task = taskForAcquire((t) => this.core.isMine(t), true);
    const deadline = deadlineOf(options);
    if (deadline === Infinity && this.core.heldByThisProcess() && !this.core.isMine(task)) {
      throw new Error(
        "acquireSync() would block forever: another async task of this process holds this RLock " +
          "and cannot release it while the thread is blocked; use await acquire()",
      );
    }
    enterTask(task);
    return this.core.acquireSync(deadline, task);
  }

  /**
   * Acquires for a task of its own (or re-enters, when the running task holds it), runs `fn`
   * as that task, and releases even when `fn` throws; returns what `fn` returned.
   */
  override withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    const task = taskForAcquire((t) => this.core.isMine(t), false);
    return runAsTask(task, async () => {
      await this.core.acquire(Infinity, undefined, task);
      try {
        return await fn();
      } finally {
        this.core.release(1, task);
      }
    });
  }

  /**
   * Releases one level of the lock.
   * @throws {ValueError} when it is not held; `Error` when another process or task holds it.
   */
  override release(): void {
    this.core.release(1, currentTask());
  }

  /**
   * Python's repr: `<RLock(None, 0)>` when free, `<RLock(MainProcess, 2)>` when the running
   * task holds it (the process's name and the depth), else `<RLock(SomeOtherTask, nonzero)>`
   * (another task of this process) or `<RLock(SomeOtherProcess, nonzero)>`.
   */
  override toString(): string {
    const task = currentTask();
    const name = holderName(this.core, task);
    const count = this.core.isMine(task) ? this.core.count(task) : name === "None" ? 0 : "nonzero";
    return `<${this.constructor.name}(${name}, ${count})>`;
  }

  /**
   * The running async task, which owns this lock when it holds it.
   * @ignore
   */
  override callerTask(): number {
    return currentTask();
  }

  /** True while some process holds the lock. */
  locked(): boolean {
    return this.core.locked();
  }
}

/**
 * A counting semaphore (Python's `multiprocessing.Semaphore`). As in Python, permits come
 * back only through `release()` (by any process), except those a process held when it died
 * (terminated, killed, crashed), which are returned to the others; a process whose code
 * ended keeps its permits taken (the rule is documented in `src/transport/semlock.ts`).
 * @example Usage
 * ```ts
 * import { Semaphore } from "@seed/multiprocessing";
 * const slots = new Semaphore(2);
 * await slots.acquire();
 * console.log(slots.getValue()); // 1
 * slots.release();
 * ```
 */
export class Semaphore extends SemLockHandle {
  /** Whether `release()` may not exceed the initial value (a subclass says so). */
  protected static readonly bounded: boolean = false;

  /**
   * A semaphore with `value` free permits.
   * @param value the initial number of permits.
   * @throws {ValueError} when `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    const bounded = new.target.bounded;
    super(bounded ? "BoundedSemaphore" : "Semaphore", "semaphore", value, bounded ? value : SEM_VALUE_MAX);
  }

  /**
   * Returns `n` permits, waking up to `n` waiters. Any process may release (signalling).
   * @throws {ValueError} when `n` is not a positive integer, or a bounded semaphore would
   * exceed its initial value.
   */
  override release(n = 1): void {
    this.core.release(n);
  }

  /** The number of free permits. */
  getValue(): number {
    return this.core.getValue();
  }

  /** Python's repr: `<Semaphore(value=1)>`, `<BoundedSemaphore(value=1, maxvalue=1)>`. */
  override toString(): string {
    const bound = (this.constructor as typeof Semaphore).bounded ? `, maxvalue=${this.core.maxValue}` : "";
    return `<${this.constructor.name}(value=${this.getValue()}${bound})>`;
  }
}

/**
 * A semaphore that refuses to hold more permits than it started with (Python's
 * `multiprocessing.BoundedSemaphore`).
 * @example Usage
 * ```ts
 * import { BoundedSemaphore } from "@seed/multiprocessing";
 * const sem = new BoundedSemaphore(1);
 * try { sem.release(); } catch (e) { console.log((e as Error).name); } // "ValueError"
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** Bounded: `release()` may not exceed the initial value. */
  protected static override readonly bounded: boolean = true;
}

interface ConditionState {
  lock: HandleDescription;
  waiters: SharedArrayBuffer;
}

/**
 * A condition variable (Python's `multiprocessing.Condition`) over a Lock or RLock
 * (default: a new {@link RLock}, as in Python). `wait()` releases the lock completely (every
 * level of an RLock), sleeps until notified, and re-acquires it as it was. Waiters are woken
 * oldest first.
 * @example Usage
 * ```ts
 * import { Condition } from "@seed/multiprocessing";
 * const cond = new Condition();
 * let ready = false;
 * const waiter = cond.withLock(() => cond.waitFor(() => ready, { timeout: 1000 }));
 * await cond.withLock(() => { ready = true; cond.notifyAll(); });
 * console.log(await waiter); // true
 * ```
 */
export class Condition implements Shareable {
  readonly #lock: Lock | RLock;
  readonly #waiters: WaiterQueue;

  /**
   * A condition variable over `lock` (default: a new RLock).
   * @throws {TypeError} when `lock` is not a Lock or an RLock of this library.
   */
  constructor(lock?: Lock | RLock) {
    const state = takeRebuildState<ConditionState>();
    if (state) {
      this.#lock = reviveLock(state.lock);
      this.#waiters = new WaiterQueue(state.waiters);
      return;
    }
    if (lock !== undefined && !(lock instanceof Lock || lock instanceof RLock)) {
      throw new TypeError("Condition(lock) takes a Lock or an RLock of this library");
    }
    this.#lock = lock ?? new RLock();
    this.#waiters = new WaiterQueue();
  }

  /** Acquires the underlying lock. */
  acquire(options: AcquireOptions = {}): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /** {@link acquire} blocking the thread (for children). */
  acquireSync(options: AcquireSyncOptions = {}): boolean {
    return this.#lock.acquireSync(options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Acquires, runs `fn`, and releases even when `fn` throws; returns what `fn` returned. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.#lock.withLock(fn);
  }

  /** Releases at the end of an `await using` block (after an `acquire()`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#lock[Symbol.asyncDispose]();
  }

  /** Releases at the end of a `using` block (after an `acquire()`). */
  [Symbol.dispose](): void {
    this.#lock.release();
  }

  /** As {@link SemLockHandle.ownerDied}, for the underlying lock. */
  get ownerDied(): boolean {
    return this.#lock.ownerDied;
  }

  /**
   * Releases the lock, waits for a notification (or the timeout), and re-acquires the lock.
   * @returns false when the timeout elapsed first.
   * @throws {Error} when the calling process does not hold the lock.
   */
  wait(options: WaitOptions = {}): Promise<boolean> {
    return refusedOptions("wait", options) ?? runAsync(this.#waitSteps(deadlineOf(options)), options.signal);
  }

  /** {@link wait} blocking the thread (for children). */
  waitSync(options: WaitSyncOptions = {}): boolean {
    checkOptions("waitSync", options);
    return runSync(this.#waitSteps(deadlineOf(options)));
  }

  /**
   * Waits until `predicate()` is truthy (checked first, then after each wake-up), at most
   * `timeout` ms in all. The lock must be held. An async predicate is awaited (one that asks
   * a manager's proxy, `async () => (await items.len()) >= 5`), as `ConditionProxy.waitFor`
   * does.
   * @returns the predicate's last value.
   */
  async waitFor<T>(predicate: () => T | Promise<T>, options: WaitOptions = {}): Promise<T> {
    checkOptions("waitFor", options);
    const deadline = deadlineOf(options);
    let result = await predicate();
    while (!result && remaining(deadline) > 0) {
      await runAsync(this.#waitSteps(deadline), options.signal);
      result = await predicate();
    }
    return result;
  }

  /** {@link waitFor} blocking the thread (for children). */
  waitForSync<T>(predicate: () => T, options: WaitSyncOptions = {}): T {
    checkOptions("waitForSync", options);
    const deadline = deadlineOf(options);
    let result = predicate();
    while (!result && remaining(deadline) > 0) {
      runSync(this.#waitSteps(deadline));
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting processes' tasks, oldest first. The lock must be held.
   * @throws {Error} when the calling process does not hold the lock.
   */
  notify(n = 1): void {
    if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`notify() takes the number of waiters to wake, such as notify(2), not ${describe(n)}`);
    if (!this.#lock.core.isMine(this.#lock.callerTask())) throw new Error("cannot notify on un-acquired lock");
    this.#waiters.notify(n);
  }

  /** Wakes every waiter. The lock must be held. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** Python's repr: the lock's and how many wait, `<Condition(<RLock(None, 0)>, 0)>`. */
  toString(): string {
    return `<${this.constructor.name}(${this.#lock}, ${this.#waiters.waiting()})>`;
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    const state: ConditionState = { lock: this.#lock[HANDLE](), waiters: this.#waiters.buffer };
    return { kind: "Condition", state };
  }

  *#waitSteps(deadline: number): Blocking<boolean> {
    const core = this.#lock.core;
    const task = this.#lock.callerTask();
    if (!core.isMine(task)) throw new Error("cannot wait on un-acquired lock");
    const waiter = this.#waiters.enqueue();
    const depth = core.count(task);
    for (let i = 0; i < depth; i++) core.release(1, task);
    try {
      while (this.#waiters.isWaiting(waiter) && remaining(deadline) > 0) {
        yield { kind: "wait", cell: this.#waiters.words, index: waiter.slot, expected: waiter.waiting, deadline };
      }
    } catch (error) {
      // Interrupted: a notification that reached us meanwhile belongs to another waiter.
      if (this.#waiters.leave(waiter)) this.#waiters.notify(1);
      yield* reacquire(core, depth, task);
      throw error;
    }
    const notified = this.#waiters.leave(waiter);
    yield* reacquire(core, depth, task);
    return notified;
  }
}

/** Takes the lock back for the waiting `task`, `depth` levels deep. */
function* reacquire(core: SemLock, depth: number, task: number): Blocking<void> {
  yield { kind: "acquire", lock: core, deadline: Infinity, task };
  for (let i = 1; i < depth; i++) core.tryAcquire(task);
}

/**
 * Rebuilds a Lock or RLock from its handle description, for the modules whose handles carry
 * a lock (Condition here, Value and SharedArray in `sharedctypes.ts`).
 * @example Usage
 * ```ts
 * import { HANDLE } from "./handles.ts";
 * import { Lock, reviveLock } from "./synchronize.ts";
 * const lock = new Lock();
 * console.log(reviveLock(lock[HANDLE]()) instanceof Lock); // true
 * ```
 */
export function reviveLock(description: HandleDescription): Lock | RLock {
  return rebuildWith(description.state, () => description.kind === "RLock" ? new RLock() : new Lock());
}

/**
 * An event flag (Python's `multiprocessing.Event`): `wait()` returns as soon as it is set.
 * @example Usage
 * ```ts
 * import { Event } from "@seed/multiprocessing";
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * console.log(await ready.wait({ timeout: 1000 })); // true
 * ```
 */
export class Event implements Shareable {
  readonly #flag: Int32Array;

  constructor() {
    this.#flag = new Int32Array(takeRebuildState<SharedArrayBuffer>() ?? new SharedArrayBuffer(4));
  }

  /** True once set, until cleared. */
  isSet(): boolean {
    return Atomics.load(this.#flag, 0) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    haltIfEnded(); // a terminated process still running (Deno) must not wake anyone
    Atomics.store(this.#flag, 0, 1);
    wake(this.#flag, 0);
  }

  /** Clears the flag. */
  clear(): void {
    haltIfEnded();
    Atomics.store(this.#flag, 0, 0);
  }

  /** A repr in the style of Python's others: `<Event(set=False)>`. */
  toString(): string {
    return `<${this.constructor.name}(set=${pyBool(this.isSet())})>`;
  }

  /**
   * Waits until the flag is set or the timeout elapses.
   * @returns the flag: false only on timeout.
   */
  wait(options: WaitOptions = {}): Promise<boolean> {
    return refusedOptions("wait", options) ?? runAsync(this.#waitSteps(deadlineOf(options)), options.signal);
  }

  /** {@link wait} blocking the thread (for children). */
  waitSync(options: WaitSyncOptions = {}): boolean {
    checkOptions("waitSync", options);
    return runSync(this.#waitSteps(deadlineOf(options)));
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    return { kind: "Event", state: this.#flag.buffer };
  }

  *#waitSteps(deadline: number): Blocking<boolean> {
    while (!this.isSet()) {
      if (remaining(deadline) === 0) return false;
      yield { kind: "wait", cell: this.#flag, index: 0, expected: 0, deadline };
    }
    return true;
  }
}

/**
 * Options of a {@link Barrier}.
 * @example Usage
 * ```ts
 * import { Barrier, type BarrierOptions } from "@seed/multiprocessing";
 * const options: BarrierOptions = { action: () => console.log("all arrived"), timeout: 1000 };
 * console.log(await new Barrier(1, options).wait()); // "all arrived", then 0
 * ```
 */
export interface BarrierOptions {
  /**
   * Run by the last party to arrive, before any is released (an exception breaks the barrier
   * and is thrown to that party). In another process, it is found by reference, as a
   * process's target: export it from its module. An action that is not exported (a closure,
   * a `partial` or a `boundMethod`) lives only in the creating process: when the last party
   * to arrive is elsewhere, the creating process runs it if it is waiting on the barrier, and
   * otherwise the barrier breaks.
   */
  action?: () => unknown;
  /** Default timeout of `wait()` in ms. Default: no limit. */
  timeout?: number;
}

interface BarrierState {
  parties: number;
  timeout?: number;
  words: SharedArrayBuffer;
  mutex: SemLockState;
  /** Where other processes find the action (none when it is not exported). */
  action?: TargetRef;
}

// Barrier states (Python's threading.Barrier, plus the two action states).
const FILLING = 0;
const DRAINING = 1;
const ACTION_PENDING = 2; // all arrived; waiting for a process that has the action
const ACTION_RUNNING = 3;
const RESETTING = -1;
const BROKEN = -2;
// Barrier words.
const STATE = 0;
const COUNT = 1;
const CHANGES = 2; // bumped on every state change: what sleepers wait on
const HAS_ACTION = 3;
const CREATOR = 4;
const PIDS = 5; // `parties` slots: the pid of each counted party, 0 when free

const BROKE_WHILE_WAITING = "the barrier broke while this party waited: abort(), or another party's timeout or end";

/**
 * A barrier for a fixed number of parties (Python's `multiprocessing.Barrier`): each
 * `wait()` blocks until `parties` waits are pending, then all are released together.
 * A party whose process ends while waiting breaks the barrier (instead of a hang).
 * @example Usage
 * ```ts
 * import { Barrier } from "@seed/multiprocessing";
 * const barrier = new Barrier(2);
 * const indices = await Promise.all([barrier.wait(), barrier.wait()]);
 * console.log(indices.sort()); // [0, 1]
 * ```
 */
export class Barrier implements Shareable {
  /** How many parties must arrive. */
  readonly parties: number;
  readonly #timeout?: number;
  /** The action; in another process than the creator's, once its module is imported. */
  #action?: () => unknown;
  /** Where the action is found: the modules on the creator's call stack, then its reference. */
  #actionModules?: string[];
  #actionRef?: TargetRef | null;
  readonly #words: Int32Array;
  readonly #mutex: SemLock;

  /**
   * A barrier for `parties` parties.
   * @throws {ValueError} when `parties` is not a positive integer.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    const state = takeRebuildState<BarrierState>();
    if (state) {
      this.parties = state.parties;
      this.#timeout = state.timeout;
      this.#words = new Int32Array(state.words);
      this.#mutex = SemLock.fromState(state.mutex);
      this.#actionRef = state.action ?? null;
      if (state.action) finishRevivalWith(this.#importAction(state.action));
      return;
    }
    if (!Number.isInteger(parties) || parties < 1) {
      throw new ValueError(`parties must be >= 1: a Barrier needs a positive integer number of parties, got ${parties}`);
    }
    this.parties = parties;
    this.#timeout = options.timeout;
    this.#action = options.action;
    if (options.action) this.#actionModules = callerModules();
    this.#words = new Int32Array(new SharedArrayBuffer((PIDS + parties) * 4));
    this.#words[HAS_ACTION] = options.action ? 1 : 0;
    this.#words[CREATOR] = currentPid();
    this.#mutex = new SemLock("lock", 1, 1);
  }

  /**
   * Waits until all parties have arrived.
   * @returns this party's arrival index, 0 to `parties - 1` (distinct for each party).
   * @throws {BrokenBarrierError} when the barrier is or gets broken or reset while waiting,
   * or this wait timed out (which breaks it for all).
   */
  wait(options: WaitOptions = {}): Promise<number> {
    return refusedOptions("wait", options) ??
      runAsync(this.#waitSteps(deadlineFrom(options.timeout ?? this.#timeout)), options.signal);
  }

  /** {@link wait} blocking the thread (for children). */
  waitSync(options: WaitSyncOptions = {}): number {
    checkOptions("waitSync", options);
    return runSync(this.#waitSteps(deadlineFrom(options.timeout ?? this.#timeout)));
  }

  /** Returns the barrier to its empty state; parties waiting now get BrokenBarrierError. */
  reset(): void {
    this.#locked(() => {
      if (this.#count() === 0) this.#setState(FILLING);
      else if (this.#state() !== DRAINING) this.#setState(RESETTING);
    });
  }

  /** Breaks the barrier: current and future waits throw BrokenBarrierError until reset(). */
  abort(): void {
    this.#locked(() => this.#setState(BROKEN));
  }

  /**
   * How many parties are waiting for the others (all of them while the action runs, as in
   * Python); parties that died waiting are not counted (and broke the barrier).
   */
  get nWaiting(): number {
    return this.#locked(() => ([FILLING, ACTION_PENDING, ACTION_RUNNING].includes(this.#state()) ? this.#count() : 0));
  }

  /** True when the barrier is broken, also by a party that died waiting. */
  get broken(): boolean {
    return this.#locked(() => this.#state() === BROKEN);
  }

  /** A repr in the style of Python's others: `<Barrier(parties=3, waiting=0)>`, `…, broken=True)>`. */
  toString(): string {
    const broken = this.broken ? ", broken=True" : "";
    return `<${this.constructor.name}(parties=${this.parties}, waiting=${this.nWaiting}${broken})>`;
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    const state: BarrierState = {
      parties: this.parties,
      timeout: this.#timeout,
      words: this.#words.buffer as SharedArrayBuffer,
      mutex: this.#mutex.toState(),
      action: this.#locateAction(),
    };
    return { kind: "Barrier", state };
  }

  async #importAction(ref: TargetRef): Promise<void> {
    this.#action = (await importExport(ref)) as () => unknown;
  }

  /**
   * Where other processes find the action, or undefined when it is not exported. A
   * `boundMethod` or `partial` is no export: found by its method's name, it would be taken
   * for whatever a module exports under that name.
   */
  #locateAction(): TargetRef | undefined {
    if (this.#actionRef === undefined && this.#action) {
      this.#actionRef = boundPartsOf(this.#action) ? null : this.#exportOf(this.#action);
    }
    return this.#actionRef ?? undefined;
  }

  /** Where the action is exported, or null when it is not: it runs in this process only. */
  #exportOf(action: () => unknown): TargetRef | null {
    try {
      return locate(action, { modules: this.#actionModules!, kind: "function" });
    } catch {
      return null;
    }
  }

  *#waitSteps(deadline: number): Blocking<number> {
    yield { kind: "acquire", lock: this.#mutex, deadline: Infinity };
    try {
      this.#dropEndedParties(); // a party that died waiting broke this round: no arrival may complete it
      yield* this.#waitForDrain();
      if (this.#state() === BROKEN) throw new BrokenBarrierError("the barrier is broken: reset() it to use it again");
      const index = this.#arrive();
      try {
        if (index + 1 === this.parties) yield* this.#releaseAll(deadline);
        else yield* this.#awaitRelease(deadline);
        return index;
      } finally {
        this.#leave();
      }
    } finally {
      this.#mutex.release();
    }
  }

  /** Python's `_enter`: a new round starts once the last one has drained (or reset). */
  *#waitForDrain(): Blocking<void> {
    while ([RESETTING, DRAINING, ACTION_PENDING, ACTION_RUNNING].includes(this.#state())) {
      yield* this.#sleep(Infinity);
    }
  }

  /** The last party arrived: run the action (here or where it lives), then release all. */
  *#releaseAll(deadline: number): Blocking<void> {
    if (this.#words[HAS_ACTION] === 0) return this.#setState(DRAINING);
    if (this.#action) return yield* this.#runAction();
    if (!this.#pids().includes(this.#words[CREATOR])) {
      this.#setState(BROKEN);
      throw new BrokenBarrierError(
        "the barrier's action lives in the process that created it, which is not waiting on the barrier",
      );
    }
    this.#setState(ACTION_PENDING);
    yield* this.#awaitRelease(deadline);
  }

  /** Python's `_wait`: sleep until released; a timeout (or an abort) breaks the barrier. */
  *#awaitRelease(deadline: number): Blocking<void> {
    for (;;) {
      const state = this.#state();
      if (state === DRAINING) return;
      if (state === ACTION_PENDING && this.#action) return yield* this.#runAction();
      if (state === BROKEN) throw new BrokenBarrierError(BROKE_WHILE_WAITING);
      if (state === RESETTING) throw new BrokenBarrierError("the barrier was reset while this party waited");
      if (remaining(deadline) === 0) {
        this.#setState(BROKEN);
        throw new BrokenBarrierError("timed out waiting for the other parties");
      }
      try {
        yield* this.#sleep(deadline);
      } catch (error) {
        this.#setState(BROKEN);
        throw error;
      }
    }
  }

  /** Runs the action without holding the mutex (it may take long, or use the barrier). */
  *#runAction(): Blocking<void> {
    this.#setState(ACTION_RUNNING);
    this.#mutex.release();
    try {
      yield { kind: "call", fn: this.#action! };
    } catch (error) {
      yield { kind: "acquire", lock: this.#mutex, deadline: Infinity };
      this.#setState(BROKEN);
      throw error;
    }
    yield { kind: "acquire", lock: this.#mutex, deadline: Infinity };
    if (this.#state() !== ACTION_RUNNING) throw new BrokenBarrierError("the barrier was reset or aborted while its action ran");
    this.#setState(DRAINING);
  }

  /** Releases the mutex until the state changes (or a slice passes), then re-checks the parties. */
  *#sleep(deadline: number): Blocking<void> {
    const seen = Atomics.load(this.#words, CHANGES);
    this.#mutex.release();
    try {
      yield { kind: "wait", cell: this.#words, index: CHANGES, expected: seen, deadline };
    } finally {
      yield { kind: "acquire", lock: this.#mutex, deadline: Infinity };
      this.#dropEndedParties();
    }
  }

  /** Counts the caller in; returns its arrival index. */
  #arrive(): number {
    const words = this.#words;
    const free = this.#pids().indexOf(0);
    if (free >= 0) words[PIDS + free] = currentPid();
    return words[COUNT]++;
  }

  /** Python's `_exit`: counts the caller out; the last one out ends draining or resetting. */
  #leave(): void {
    const words = this.#words;
    const mine = this.#pids().indexOf(currentPid());
    if (mine >= 0) words[PIDS + mine] = 0;
    words[COUNT]--;
    this.#finishRoundIfEmpty();
  }

  /** Parties whose process ended are counted out; while filling, that breaks the barrier. */
  #dropEndedParties(): void {
    const words = this.#words;
    let dropped = false;
    for (let i = PIDS; i < words.length; i++) {
      if (words[i] === 0 || isPidAlive(words[i])) continue;
      words[i] = 0;
      words[COUNT]--;
      dropped = true;
    }
    if (!dropped) return;
    if (this.#state() !== DRAINING && this.#state() !== RESETTING) this.#setState(BROKEN);
    this.#finishRoundIfEmpty();
  }

  #finishRoundIfEmpty(): void {
    const state = this.#state();
    if (this.#count() === 0 && (state === DRAINING || state === RESETTING)) this.#setState(FILLING);
  }

  #pids(): Int32Array {
    return this.#words.subarray(PIDS);
  }

  #state(): number {
    return Atomics.load(this.#words, STATE);
  }

  #count(): number {
    return Atomics.load(this.#words, COUNT);
  }

  /** Changes the state (under the mutex) and wakes every sleeper to look at it. */
  #setState(state: number): void {
    Atomics.store(this.#words, STATE, state);
    Atomics.add(this.#words, CHANGES, 1);
    wake(this.#words, CHANGES);
  }

  /**
   * Runs `fn` holding the mutex, from synchronous code. If this process already holds it,
   * the holder is an async wait of this process suspended right after acquiring it (its
   * critical sections are otherwise synchronous), which re-reads the state when it resumes:
   * `fn` may act for it rather than block the thread on it forever.
   */
  #locked<T>(fn: () => T): T {
    if (this.#mutex.isMine()) return fn();
    this.#mutex.acquireSync(Infinity);
    try {
      this.#dropEndedParties();
      return fn();
    } finally {
      this.#mutex.release();
    }
  }
}

for (const cls of [SemLockHandle, Condition, Event, Barrier]) showAsString(cls);

registerHandleKind("Lock", (state) => rebuildWith(state, () => new Lock()));
registerHandleKind("RLock", (state) => rebuildWith(state, () => new RLock()));
registerHandleKind("Semaphore", (state) => rebuildWith(state, () => new Semaphore()));
registerHandleKind("BoundedSemaphore", (state) => rebuildWith(state, () => new BoundedSemaphore()));
registerHandleKind("Condition", (state) => rebuildWith(state, () => new Condition()));
registerHandleKind("Event", (state) => rebuildWith(state, () => new Event()));
registerHandleKind("Barrier", (state) => rebuildWith(state, () => new Barrier(1)));
