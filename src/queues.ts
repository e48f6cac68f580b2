/**
 * Queues that any process holding them can use: `Queue`, `JoinableQueue` and `SimpleQueue`,
 * with Python's `multiprocessing` semantics, on a shared-memory ring (no broker: the process
 * that created a queue may end and the others go on using it).
 *
 * How Python's parts map here: the pipe is a {@link ByteRing}; the bounded semaphore is the
 * ring's item count; the feeder thread is a per-handle {@link Feeder} (so an unbounded `put`
 * never blocks, a thread blocked in a `…Sync` call goes on writing what it put, and a child
 * writes what it buffered before it ends, even at `exit()`, unless `cancelJoinThread()` was
 * called or the queue is its own: as in Python, only its children, ended by then, can read it);
 * `JoinableQueue`'s unfinished-tasks semaphore and condition are a {@link SharedCounter}.
 * @module
 */

import { Empty, Full, OSError, TimeoutError, ValueError } from "./errors.ts";
import { HANDLE, type HandleDescription, packingFor, registerHandleKind, type Shareable } from "./handles.ts";
import { assertDecodableNow, decode, decodeSoon, encode } from "./transport/codec.ts";
import { SharedCounter, type SharedCounterState } from "./transport/counter.ts";
import { Feeder } from "./transport/feeder.ts";
import { haltIfEnded } from "./transport/halt.ts";
import { Registrations } from "./transport/registrations.ts";
import { ByteRing, type RingState } from "./transport/ring.ts";
import { checkOptions, deadlineOf, describe } from "./options.ts";
import { showAsString } from "./repr.ts";

/**
 * Options of a blocking `put`/`get`, as in Python plus cancellation.
 * @example Usage
 * ```ts
 * import { type BlockingOptions, Empty, Queue } from "@seed/multiprocessing";
 * const q = new Queue<number>();
 * const options: BlockingOptions = { timeout: 10 };
 * await q.get(options).catch((error) => console.log(error instanceof Empty)); // true
 * ```
 */
export interface BlockingOptions {
  /** `false`: do not wait at all (the timeout is ignored). Default `true`. */
  block?: boolean;
  /** Give up after this many milliseconds (negative acts as 0). Default: wait forever. */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Options of a thread-blocking `putSync`/`getSync` (meant for children; in the main program
 * it blocks the event loop).
 * @example Usage
 * ```ts
 * import { type BlockingSyncOptions, Queue } from "@seed/multiprocessing";
 * const q = new Queue<number>();
 * const options: BlockingSyncOptions = { block: false };
 * q.putSync(1, options);
 * ```
 */
export type BlockingSyncOptions = Omit<BlockingOptions, "signal">;

/**
 * Options of `JoinableQueue.join`.
 * @example Usage
 * ```ts
 * import { JoinableQueue, type JoinOptions } from "@seed/multiprocessing";
 * const q = new JoinableQueue<number>();
 * const options: JoinOptions = { timeout: 1000 };
 * await q.join(options); // nothing was put: returns at once
 * ```
 */
export interface JoinOptions {
  /** Give up after this many milliseconds with a `TimeoutError`. Default: wait forever. */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The shared memory of a queue, as it travels to other processes. */
interface QueueState {
  ring: RingState;
  /** The {@link queuePutters} registry. */
  putters: SharedArrayBuffer;
  /** The registration made for a handle travelling to a child: its slot and the child's pid. */
  travel?: { slot: number; holder: number };
  /** The bound on items (Infinity when unbounded). */
  maxsize: number;
}

interface JoinableQueueState extends QueueState {
  tasks: SharedCounterState;
}

const RESOLVED: Promise<void> = Promise.resolve();
/** What a wait for an item returns when none came (an item may be `undefined` itself). */
const NOTHING: unique symbol = Symbol("nothing");

/**
 * The handles that may put into a queue and are not closed yet, in their processes' pids:
 * those that have put, and those that a child received and has not used to get. The queue
 * is finished (for its async iterators) once some handle has put and none is left.
 */
function queuePutters(buffer?: SharedArrayBuffer): Registrations {
  return new Registrations("queue handles are putting into one queue", buffer);
}

/** Set while a handle is rebuilt in a receiving process (see {@link revive}). */
let revival: QueueState | undefined;

/** Builds a handle on existing shared memory: the constructors read {@link revival}. */
function revive<Q>(state: QueueState, make: () => Q): Q {
  revival = state;
  try {
    return make();
  } finally {
    revival = undefined;
  }
}

/**
 * A FIFO queue that any process holding it can put into and get from (Python's
 * `multiprocessing.Queue`). Each item goes to exactly one getter, in the order each producer
 * put them. Items are copied (structured-clone semantics); pass the queue itself to a
 * `Process` in its `args` (at any depth) and it arrives there as a working handle.
 *
 * Async iteration yields items as `get()` would and ends when the queue is *finished*: at
 * least one handle has put an item, every handle that may put has been closed (and has
 * written what it buffered) or belongs to a process that ended, and nothing is left to get.
 * A handle may put from its first `put`, and a handle that a child received in its args
 * from the start, until it is used to get (a consumer) or closed: so a producer that is
 * still starting holds the iteration open. A handle that puts and is never closed (for
 * instance in the main process) keeps iterators waiting, as `get()` would.
 *
 * @example Usage
 * ```ts
 * import { isMain, Process, Queue } from "@seed/multiprocessing";
 *
 * export async function worker(q: Queue<string>): Promise<void> {
 *   await q.put("hello from the child");
 * }
 *
 * if (isMain(import.meta)) {
 *   const q = new Queue<string>();
 *   const p = new Process({ target: worker, args: [q] });
 *   p.start();
 *   console.log(await q.get()); // "hello from the child"
 *   await p.join();
 * }
 * ```
 */
export class Queue<T = unknown> implements Shareable, AsyncIterable<T> {
  readonly #ring: ByteRing;
  readonly #putters: Registrations;
  readonly #maxsize: number;
  readonly #feeder: Feeder;
  #putterSlot = -1;
  /** True once this handle put an item (a handle that a child received may put until it gets). */
  #hasPut = false;
  #closed = false;
  #joinCancelled = false;

  /**
   * A new queue holding at most `maxsize` items (`<= 0` or `Infinity`: unbounded, and `put`
   * never waits).
   * @throws {TypeError} when `maxsize` is not an integer (Python refuses a float too).
   */
  constructor(maxsize = 0) {
    const state = revival;
    if (state) {
      this.#ring = ByteRing.fromState(state.ring);
      this.#putters = queuePutters(state.putters);
      this.#maxsize = state.maxsize;
      if (state.travel) this.#putterSlot = this.#putters.takeOver(state.travel.slot, state.travel.holder);
    } else {
      if (!isMaxsize(maxsize)) {
        throw new TypeError(`maxsize must be an integer (0 or less: unbounded), not ${describe(maxsize)}`);
      }
      this.#ring = new ByteRing();
      this.#putters = queuePutters();
      this.#maxsize = maxsize <= 0 ? Infinity : maxsize;
    }
    this.#feeder = new Feeder(this.#ring);
    // As Python: a process does not wait at its end to write into a queue it created, which
    // only its own children can hold, and they have ended by then.
    if (!state) this.#feeder.cancelExitFlush();
  }

  /**
   * Puts `item`, waiting while the queue is full.
   * @throws {Full} when still full at the timeout, or at once with `block: false`.
   * @throws {ValueError} when this handle is closed.
   * @throws {TypeError} naming the path (`item.…`) of a value that cannot be copied, or for
   * options that are not an options object or a timeout that is not a number.
   * A refused put leaves the queue as it was.
   */
  put(item: T, options?: BlockingOptions): Promise<void> {
    // Not async: the common case (room for the item) settles without an async function.
    try {
      checkOptions("put", options);
      const bytes = this.#encode(item);
      options?.signal?.throwIfAborted();
      if (this.#ring.tryReserve(this.#maxsize)) {
        this.#accept(bytes);
        return RESOLVED;
      }
      return this.#putWhenRoom(bytes.slice(), options); // the encoder's scratch bytes do not survive a wait
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #putWhenRoom(bytes: Uint8Array, options?: BlockingOptions): Promise<void> {
    const deadline = deadlineOf(options);
    if (!(await this.#ring.reserve(this.#maxsize, deadline, options?.signal))) throw new Full();
    this.#accept(bytes);
  }

  /** As {@link put}, blocking the thread while full (for children). */
  putSync(item: T, options?: BlockingSyncOptions): void {
    checkOptions("putSync", options);
    const bytes = this.#encode(item);
    if (this.#ring.tryReserve(this.#maxsize)) return this.#accept(bytes);
    const copy = bytes.slice();
    if (!this.#ring.reserveSync(this.#maxsize, deadlineOf(options))) throw new Full();
    this.#accept(copy);
  }

  /** Puts `item` if there is room now; `Full` otherwise. */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /**
   * Takes the next item, waiting until one is there.
   * @throws {Empty} when none came by the timeout, or at once with `block: false`.
   * @throws {ValueError} when this handle is closed.
   * @throws {TypeError} for options that are not an options object or a timeout that is not a number.
   */
  get(options?: BlockingOptions): Promise<T> {
    try {
      checkOptions("get", options);
      this.#checkGetter();
      options?.signal?.throwIfAborted();
      const bytes = this.#ring.tryReadNow();
      if (bytes) return Promise.resolve(decodeSoon<T>(bytes));
      return this.#getWhenThere(options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #getWhenThere(options?: BlockingOptions): Promise<T> {
    const taken = await this.#take(deadlineOf(options), options?.signal);
    if (taken === NOTHING) throw new Empty();
    return taken;
  }

  /**
   * Waits for the next item until `deadline` (NOTHING when none came, or when `until()`
   * turned true while the queue was empty).
   */
  async #take(deadline: number, signal?: AbortSignal, until?: () => boolean): Promise<T | typeof NOTHING> {
    if (await this.#ring.waitForRecords(deadline, signal, until)) {
      const bytes = this.#ring.tryReadNow();
      if (bytes) return await decodeSoon<T>(bytes);
    }
    const bytes = await this.#ring.read(deadline, signal, until);
    return bytes ? await decodeSoon<T>(bytes) : NOTHING;
  }

  /**
   * As {@link get}, blocking the thread (for children). An item that names a class or
   * function whose module this process has not loaded, and cannot load synchronously (a
   * module with top-level await), is left in the queue with a `TypeError` that says so: use
   * `get()`, which imports it.
   */
  getSync(options?: BlockingSyncOptions): T {
    checkOptions("getSync", options);
    this.#checkGetter();
    const deadline = deadlineOf(options);
    let bytes = this.#ring.tryReadNow(assertDecodableNow);
    if (!bytes && this.#ring.waitForRecordsSync(deadline)) bytes = this.#ring.tryReadNow(assertDecodableNow);
    bytes ??= this.#ring.readSync(deadline, undefined, assertDecodableNow);
    if (!bytes) throw new Empty();
    return decode<T>(bytes);
  }

  /** Takes the next item if one is there now; `Empty` otherwise (see {@link getSync} for an item it cannot decode now). */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** Items put and not yet taken (approximate while other processes work on the queue). */
  qsize(): number {
    return this.#ring.itemCount();
  }

  /** True when nothing is ready to get right now (approximate, as in Python). */
  empty(): boolean {
    return !this.#ring.hasRecords();
  }

  /** True when a bounded queue holds `maxsize` items (approximate, as in Python). */
  full(): boolean {
    return this.#ring.itemCount() >= this.#maxsize;
  }

  /**
   * A short description in the style of asyncio's queues (Python's multiprocessing queues
   * have none): `<Queue maxsize=0 qsize=2>` (`maxsize=0`: unbounded), then ` closed` once
   * closed through this handle.
   */
  toString(): string {
    const maxsize = this.#maxsize === Infinity ? 0 : this.#maxsize;
    return `<${this.constructor.name} maxsize=${maxsize} qsize=${this.qsize()}${this.#closed ? " closed" : ""}>`;
  }

  /**
   * This process is done with the queue through this handle: `put`/`get` then throw
   * `ValueError`. Items already put are still written (see {@link joinThread}).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const slot = this.#putterSlot;
    if (slot < 0) return;
    this.#feeder.flushed().then(() => {
      this.#putters.unregister(slot);
      this.#ring.wakeReaders(); // iterators re-check whether the queue is finished
    });
  }

  /**
   * Resolves once every item this handle put has been written into the queue (Python's
   * `join_thread`; at once after {@link cancelJoinThread}).
   * @throws {ValueError} when the handle is not closed yet.
   */
  joinThread(): Promise<void> {
    if (!this.#closed) return Promise.reject(new ValueError("joinThread() needs close() first"));
    return this.#joinCancelled ? Promise.resolve() : this.#feeder.flushed();
  }

  /**
   * Lets this process end without first writing the items this handle still buffers (they
   * are lost if it ends before room appears), and makes {@link joinThread} return at once.
   */
  cancelJoinThread(): void {
    this.#joinCancelled = true;
    this.#feeder.cancelExitFlush();
  }

  /** Yields items as `get()` would, until the queue is finished (see the class notes). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const finished = () => this.#putters.everActive() && !this.#putters.anyLive();
    for (;;) {
      this.#checkGetter();
      const bytes = this.#ring.tryReadNow();
      const item = bytes ? await decodeSoon<T>(bytes) : await this.#take(Infinity, undefined, finished);
      if (item === NOTHING) return;
      yield item;
    }
  }

  /** Describes this queue for another process (see `src/handles.ts`). */
  [HANDLE](): HandleDescription {
    return { kind: "Queue", state: this.describe() };
  }

  /**
   * The shared memory of this queue, for {@link HANDLE}.
   * @ignore
   */
  protected describe(): QueueState {
    const receiver = packingFor();
    const travel = receiver === undefined ? undefined : { slot: this.#putters.register(receiver), holder: receiver };
    return { ring: this.#ring.toState(), putters: this.#putters.buffer, maxsize: this.#maxsize, travel };
  }

  /**
   * Called once per accepted item, before it can be taken.
   * @ignore
   */
  protected accepted(): void {}

  /** Checks the handle and encodes: everything that can refuse a put, before any change. */
  #encode(item: T): Uint8Array {
    this.#checkOpen();
    return encode(item, "item");
  }

  #accept(bytes: Uint8Array): void {
    if (this.#putterSlot < 0) this.#putterSlot = this.#putters.register();
    if (!this.#hasPut) {
      this.#hasPut = true;
      this.#putters.markActive();
    }
    this.accepted();
    this.#feeder.push(bytes);
  }

  #checkOpen(): void {
    haltIfEnded(); // a terminated process still running (Deno) must not put or take an item
    if (this.#closed) throw new ValueError("Queue is closed");
  }

  /** Checks the handle for a get; a received handle that gets without having put is a consumer. */
  #checkGetter(): void {
    this.#checkOpen();
    if (this.#putterSlot >= 0 && !this.#hasPut) {
      this.#putters.unregister(this.#putterSlot);
      this.#putterSlot = -1;
      this.#ring.wakeReaders(); // iterators re-check whether the queue is finished
    }
  }
}

/**
 * A {@link Queue} whose consumers confirm each item with {@link taskDone}, so that a
 * producer can {@link join} until every item put has been processed (Python's
 * `multiprocessing.JoinableQueue`).
 * @example Usage
 * ```ts
 * import { isMain, JoinableQueue, Process } from "@seed/multiprocessing";
 *
 * export async function consumer(q: JoinableQueue<number>): Promise<void> {
 *   for (;;) {
 *     const item = await q.get();
 *     console.log("consumed", item);
 *     q.taskDone();
 *   }
 * }
 *
 * if (isMain(import.meta)) {
 *   const q = new JoinableQueue<number>();
 *   const p = new Process({ target: consumer, args: [q], daemon: true });
 *   p.start();
 *   for (const item of [1, 2, 3]) await q.put(item);
 *   await q.join(); // every item had its taskDone()
 * }
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  readonly #tasks: SharedCounter;

  /** A new joinable queue holding at most `maxsize` items (`<= 0`: unbounded). */
  constructor(maxsize = 0) {
    super(maxsize);
    const state = revival as JoinableQueueState | undefined;
    this.#tasks = new SharedCounter(state?.tasks);
  }

  /**
   * Tells the queue that an item taken with `get()` has been processed.
   * @throws {ValueError} "taskDone() called too many times" when more calls than items put.
   */
  taskDone(): void {
    haltIfEnded();
    if (!this.#tasks.tryDecrement()) throw new ValueError("taskDone() called too many times");
  }

  /**
   * As {@link Queue.toString}, with the items not yet marked done (what `join()` waits for):
   * `<JoinableQueue maxsize=0 qsize=1 tasks=2>`.
   */
  override toString(): string {
    return `${super.toString().slice(0, -1)} tasks=${this.#tasks.value}>`;
  }

  /**
   * Resolves once every item put (by any process) has had its `taskDone()`.
   * @throws {TimeoutError} when tasks are still unfinished at the timeout.
   */
  async join(options?: JoinOptions): Promise<void> {
    checkOptions("join", options);
    const done = await this.#tasks.waitUntilZero(deadlineOf(options), options?.signal);
    if (!done) throw this.#timedOut();
  }

  /** As {@link join}, blocking the thread (for children). */
  joinSync(options?: Omit<JoinOptions, "signal">): void {
    checkOptions("joinSync", options);
    if (!this.#tasks.waitUntilZeroSync(deadlineOf(options))) throw this.#timedOut();
  }

  /** Describes this queue for another process (see `src/handles.ts`). */
  override [HANDLE](): HandleDescription {
    return { kind: "JoinableQueue", state: this.describe() };
  }

  /**
   * The queue's shared memory and its unfinished-task counter.
   * @ignore
   */
  protected override describe(): JoinableQueueState {
    return { ...super.describe(), tasks: this.#tasks.toState() };
  }

  /**
   * Counts the accepted item as an unfinished task.
   * @ignore
   */
  protected override accepted(): void {
    this.#tasks.increment();
  }

  #timedOut(): TimeoutError {
    return new TimeoutError(`join() timed out with ${this.#tasks.value} unfinished tasks`);
  }
}

/**
 * The plain queue (Python's `multiprocessing.SimpleQueue`): unbounded `put`, blocking `get`,
 * `empty`, `close`.
 * @example Usage
 * ```ts
 * import { SimpleQueue } from "@seed/multiprocessing";
 * const q = new SimpleQueue<string>();
 * await q.put("a");
 * console.log(await q.get()); // "a"
 * ```
 */
export class SimpleQueue<T = unknown> implements Shareable {
  readonly #queue: Queue<T>;
  #closed = false;

  /** A new, empty queue. */
  constructor() {
    this.#queue = new Queue<T>();
  }

  /** Puts `item` (never waits). @throws {TypeError} naming the path of what cannot be copied. */
  put(item: T): Promise<void> {
    return this.#closed ? Promise.reject(handleClosed()) : this.#queue.put(item);
  }

  /** As {@link put}, for children that block. */
  putSync(item: T): void {
    this.#checkOpen();
    this.#queue.putSync(item);
  }

  /** Takes the next item, waiting until one is there; rejects with `signal.reason` on abort. */
  get(options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#closed ? Promise.reject(handleClosed()) : this.#queue.get(options);
  }

  /** As {@link get}, blocking the thread (for children). */
  getSync(): T {
    this.#checkOpen();
    return this.#queue.getSync();
  }

  /** True when nothing is ready to get right now. */
  empty(): boolean {
    this.#checkOpen();
    return this.#queue.empty();
  }

  /**
   * This process is done with the queue through this handle: from now on its methods throw
   * `OSError("handle is closed")`, as Python's (whose SimpleQueue is a closed pipe then).
   */
  close(): void {
    this.#closed = true;
    this.#queue.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw handleClosed();
  }

  /** A short description: `<SimpleQueue qsize=0>` (as {@link Queue.toString}). */
  toString(): string {
    return `<${this.constructor.name} qsize=${this.#queue.qsize()}>`;
  }

  /** Describes this queue for another process (see `src/handles.ts`). */
  [HANDLE](): HandleDescription {
    return { kind: "SimpleQueue", state: this.#queue[HANDLE]().state };
  }
}

/** What a closed SimpleQueue's methods throw, as Python's closed pipe. */
function handleClosed(): OSError {
  return new OSError(null, null, "handle is closed");
}

/** Integers, and Infinity for an unbounded queue (the Redis queues check theirs so too). */
export function isMaxsize(maxsize: unknown): maxsize is number {
  return typeof maxsize === "number" && (Number.isInteger(maxsize) || Math.abs(maxsize) === Infinity);
}

registerHandleKind("Queue", (state) => revive(state as QueueState, () => new Queue()));
registerHandleKind("JoinableQueue", (state) => revive(state as QueueState, () => new JoinableQueue()));
registerHandleKind("SimpleQueue", (state) => revive(state as QueueState, () => new SimpleQueue()));

for (const cls of [Queue, SimpleQueue]) showAsString(cls);
