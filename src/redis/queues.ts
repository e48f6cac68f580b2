/**
 * The queues on Redis: {@link RedisQueue}, {@link RedisJoinableQueue} and
 * {@link RedisSimpleQueue}, with the semantics and errors of the library's local queues
 * (Python's `multiprocessing` queues), shared by every process and host that names the
 * same queue in the same namespace. Items are the library's codec bytes in a work stream
 * (see work_stream.ts): a `JoinableQueue` item stays its getter's until `taskDone()` and goes
 * back to the queue if that getter is lost (its process killed, paused or cut off longer
 * than `minIdle`); a `Queue` item is acknowledged as `get()` returns it, as Python's is
 * removed.
 * @module
 */
import { Empty, Full, TimeoutError, ValueError } from "../errors.ts";
import { checkOptions, deadlineOf, describe } from "../options.ts";
import { isMaxsize } from "../queues.ts";
import { decodeSoon, encode } from "../transport/codec.ts";
import { remaining } from "../transport/wait.ts";
import { bytesArg, text } from "./client.ts";
import { Getters } from "./getters.ts";
import type { Session } from "./session.ts";
import { type Entry, napUntil, StreamConsumer, WorkStream } from "./work_stream.ts";

/**
 * Options of a blocking `put`/`get` on a Redis queue, as the local queues'.
 * @example Usage
 * ```ts
 * import { RedisCluster, type RedisBlockingOptions } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const options: RedisBlockingOptions = { timeout: 100 };
 * await cluster.Queue<number>("numbers").get(options).catch((error) => console.log(error.name)); // "Empty"
 * ```
 */
export interface RedisBlockingOptions {
  /** `false`: do not wait at all (the timeout is ignored). Default `true`. */
  block?: boolean;
  /** Give up after this many milliseconds (negative acts as 0). Default: wait forever. */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Options of a Redis queue.
 * @example Usage
 * ```ts
 * import { RedisCluster, type RedisQueueOptions } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const options: RedisQueueOptions = { maxsize: 100 };
 * const q = cluster.JoinableQueue<string>("jobs", options);
 * ```
 */
export interface RedisQueueOptions {
  /**
   * Most items put and not yet taken that `put` lets in (0 or less: unbounded). Each handle
   * applies the bound it was given.
   */
  maxsize?: number;
}

/** A put that waits for room looks again after this long at first, doubling to the next. */
const FIRST_RECHECK_MS = 2;
const MAX_RECHECK_MS = 25;
const ITEM_FIELDS = ["d"];

/**
 * A FIFO queue on Redis that any process or host holding its name can put into and get
 * from (Python's `multiprocessing.Queue`). Each item goes to one getter; `get()` removes
 * it. Make one with `cluster.Queue(name, options)`.
 *
 * Not here, unlike the local queue: the `…Sync` twins (every call is a round trip to the
 * server), passing the queue in a Process's args (pass its name, any process reaches it).
 * Items are encoded with the library's codec: what cannot be copied is refused with a
 * `TypeError` naming its path, and nothing is added.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const q = cluster.Queue<{ id: number }>("events");
 * await q.put({ id: 1 });
 * console.log(await q.get()); // { id: 1 }
 * ```
 */
export class RedisQueue<T = unknown> {
  /** @ignore */
  protected readonly stream: WorkStream;
  /** @ignore */
  protected readonly consumer: StreamConsumer;
  readonly #getters: Getters;
  readonly #maxsize: number;
  #closed = false;

  /** @ignore Made by `cluster.Queue(name, options)`. */
  constructor(session: Session, readonly name: string, options: RedisQueueOptions = {}) {
    const maxsize = options.maxsize ?? 0;
    if (!isMaxsize(maxsize)) throw new TypeError(`maxsize must be an integer (0 or less: unbounded), not ${describe(maxsize)}`);
    this.#maxsize = maxsize > 0 && maxsize !== Infinity ? maxsize : 0;
    this.stream = new WorkStream(session, session.workKeys("q", name));
    this.consumer = new StreamConsumer(this.stream);
    this.#getters = new Getters(this.consumer);
    session.open.add(this);
  }

  /**
   * Puts `item`, waiting while a bounded queue is full.
   * @throws {Full} when still full at the timeout, or at once with `block: false`.
   * @throws {ValueError} when this handle is closed.
   * @throws {TypeError} naming the path (`item.…`) of a value that cannot be copied; nothing is added.
   */
  async put(item: T, options?: RedisBlockingOptions): Promise<void> {
    checkOptions("put", options);
    this.#checkOpen();
    const bytes = bytesArg(encode(item, "item", "redis"));
    await this.#addAll([[bytes]], options);
  }

  /** Puts `item` if there is room now; `Full` otherwise. */
  putNowait(item: T): Promise<void> {
    return this.put(item, { block: false });
  }

  /**
   * Puts several items in one round trip, in order (a bounded queue takes what fits, then
   * waits for room for the rest as `put` does).
   * @throws {Full} when the rest did not fit by the timeout (the items before them were put).
   * @throws {TypeError} naming the path (`items[3].…`) of a value that cannot be copied; nothing is added.
   */
  async putMany(items: Iterable<T>, options?: RedisBlockingOptions): Promise<void> {
    checkOptions("putMany", options);
    this.#checkOpen();
    const entries = [...items].map((item, i) => [bytesArg(encode(item, `items[${i}]`, "redis"))]);
    await this.#addAll(entries, options);
  }

  /**
   * Takes the next item, waiting until one is there.
   * @throws {Empty} when none came by the timeout, or at once with `block: false`.
   * @throws {ValueError} when this handle is closed.
   */
  async get(options?: RedisBlockingOptions): Promise<T> {
    const [item] = await this.#take(1, options, "get");
    return item;
  }

  /** Takes the next item if one is there now; `Empty` otherwise. */
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /**
   * Takes 1 to `max` items in one round trip: those there now, or the first ones to come.
   * @throws {Empty} as {@link get}.
   */
  getMany(max: number, options?: RedisBlockingOptions): Promise<T[]> {
    if (!Number.isInteger(max) || max < 1) return Promise.reject(new ValueError(`getMany() takes a count of at least 1, not ${describe(max)}`));
    return this.#take(max, options, "getMany");
  }

  /** Items put and not yet taken (approximate while others use the queue, as in Python). */
  async qsize(): Promise<number> {
    const { unfinished, taken } = await this.stream.sizes();
    return unfinished - taken;
  }

  /** True when nothing is there to get right now. */
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0;
  }

  /** True when a bounded queue holds `maxsize` items not yet taken. */
  async full(): Promise<boolean> {
    return this.#maxsize > 0 && (await this.qsize()) >= this.#maxsize;
  }

  /**
   * The items that went to the dead-letter stream (their getter was lost `maxDeliveries`
   * times), oldest first, with how many times.
   */
  async deadLetters(count = 100): Promise<{ item: T; deliveries: number }[]> {
    return await Promise.all((await this.stream.deadLetters(count)).map(async (entry) => ({
      item: await decodeSoon<T>(entry.fields.get("d")!),
      deliveries: Number(text(entry.fields.get("n") ?? null)),
    })));
  }

  /**
   * This handle is done: waiting gets fail with `ValueError`, items it holds (taken, no
   * `taskDone()` yet) go back to the queue, and put/get then throw `ValueError`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closing = this.#getters.close();
    await this.consumer.stop();
    await closing;
    this.stream.close();
    this.stream.session.open.delete(this);
  }

  /** Closes this handle (`await using q = cluster.Queue(…)`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A short description, as Python's repr. */
  toString(): string {
    return `<${this.constructor.name} ${JSON.stringify(this.name)} maxsize=${this.#maxsize}>`;
  }

  /**
   * What a getter does with the entries it read before their items are returned: a plain
   * queue acknowledges them (they are removed); returns the entries that are still its own.
   * @ignore
   */
  protected async received(entries: Entry[]): Promise<Entry[]> {
    const mine = await this.consumer.ack(entries.map((entry) => entry.id));
    return entries.filter((_, i) => mine[i]);
  }

  async #take(max: number, options: RedisBlockingOptions | undefined, call: string): Promise<T[]> {
    checkOptions(call, options);
    this.#checkOpen();
    const signal = options?.signal;
    signal?.throwIfAborted();
    const deadline = deadlineOf(options);
    for (;;) {
      const entries = options?.block === false
        ? await this.#readNow(max)
        : await this.#getters.take(max, deadline, signal);
      // An entry taken for lost before it was acknowledged went back to the queue: get another.
      const mine = await this.received(entries);
      if (mine.length === 1) return [await decodeSoon<T>(mine[0].fields.get("d")!)];
      if (mine.length > 0) return await Promise.all(mine.map((entry) => decodeSoon<T>(entry.fields.get("d")!)));
    }
  }

  async #readNow(max: number): Promise<Entry[]> {
    const entries = await this.consumer.read(max, 0, performance.now());
    if (entries.length === 0) throw new Empty();
    return entries;
  }

  /** Adds the entries, waiting for room in a bounded queue until the options' deadline. */
  async #addAll(entries: Uint8Array[][], options?: RedisBlockingOptions): Promise<void> {
    const deadline = deadlineOf(options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    let recheck = FIRST_RECHECK_MS;
    for (let next = 0;;) {
      next += await this.stream.add(ITEM_FIELDS, entries.slice(next), this.#maxsize);
      if (next >= entries.length) return;
      if (remaining(deadline) === 0) throw new Full();
      await napUntil(recheck, deadline, signal);
      recheck = Math.min(recheck * 2, MAX_RECHECK_MS);
      this.#checkOpen();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ValueError("Queue is closed");
  }
}

/**
 * A {@link RedisQueue} whose getters confirm each item with {@link taskDone}, so that
 * {@link join} waits until every item put, by any process on any host, was processed
 * (Python's `multiprocessing.JoinableQueue`). An item stays its getter's until its
 * `taskDone()`; if that getter is lost first (its process killed: at once; paused or cut
 * off: after `minIdle`), the item goes back to the queue for another getter (at-least-once
 * processing), and the lost getter's late `taskDone()` is refused (the item is recorded
 * done once). An item whose getters were lost `maxDeliveries` times goes to the dead-letter
 * stream ({@link RedisQueue.deadLetters}) and counts as done, so `join()` returns.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const q = cluster.JoinableQueue<string>("jobs");
 * await q.put("a.txt");
 * const job = await q.get();   // on any host
 * console.log("processing", job);
 * q.taskDone();
 * await q.join();              // every item put had its taskDone()
 * ```
 */
export class RedisJoinableQueue<T = unknown> extends RedisQueue<T> {
  /** Entries taken and not yet done, oldest first (`taskDone()` takes no argument, as Python's). */
  #receipts: string[] = [];
  #acks: { id: string; resolve(done: boolean): void }[] = [];

  /**
   * Tells the queue that an item taken with `get()` has been processed. Resolves with
   * `true` once that is recorded, `false` when this getter had been taken for lost
   * meanwhile and the item went to another (who records it). It never rejects: through a
   * lost connection it is retried until the server answers.
   * @throws {ValueError} "taskDone() called too many times" when this handle has no item
   *   taken and not yet done (at once, not through the promise).
   */
  taskDone(): Promise<boolean> {
    const id = this.#receipts.shift();
    if (id === undefined) throw new ValueError("taskDone() called too many times");
    return new Promise((resolve) => {
      if (this.#acks.push({ id, resolve }) === 1) queueMicrotask(() => void this.#flushAcks());
    });
  }

  /**
   * Resolves once every item put (by anyone) has had its `taskDone()` (or was
   * dead-lettered). Looks at the queue every few milliseconds, up to every 25 ms.
   * @throws {TimeoutError} when items are still unfinished at the timeout.
   */
  async join(options?: { timeout?: number; signal?: AbortSignal }): Promise<void> {
    checkOptions("join", options);
    const deadline = deadlineOf(options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    for (let recheck = FIRST_RECHECK_MS;; recheck = Math.min(recheck * 2, MAX_RECHECK_MS)) {
      const { unfinished } = await this.stream.sizes();
      if (unfinished === 0) return;
      if (remaining(deadline) === 0) throw new TimeoutError(`join() timed out with ${unfinished} unfinished tasks`);
      await napUntil(recheck, deadline, signal);
    }
  }

  /** @ignore The entries stay this getter's until their `taskDone()`. */
  protected override received(entries: Entry[]): Promise<Entry[]> {
    for (const entry of entries) this.#receipts.push(entry.id);
    return Promise.resolve(entries);
  }

  /** @ignore Hands back the items taken and not done, then closes. */
  override async close(): Promise<void> {
    await this.#flushAcks();
    this.#receipts = [];
    await super.close();
  }

  /** Sends the `taskDone()`s made in the same turn in one owner-checked acknowledgement. */
  async #flushAcks(): Promise<void> {
    const acks = this.#acks;
    if (acks.length === 0) return;
    this.#acks = [];
    let done: boolean[];
    try {
      done = await this.consumer.ack(acks.map((ack) => ack.id));
    } catch {
      done = acks.map(() => false); // the cluster was closed meanwhile
    }
    acks.forEach((ack, i) => ack.resolve(done[i]));
  }
}

/**
 * The plain queue on Redis (Python's `multiprocessing.SimpleQueue`): unbounded `put`,
 * blocking `get`, `empty`, `close`.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const q = cluster.SimpleQueue<string>("lines");
 * await q.put("hello");
 * console.log(await q.get()); // "hello"
 * ```
 */
export class RedisSimpleQueue<T = unknown> {
  readonly #queue: RedisQueue<T>;

  /** @ignore Made by `cluster.SimpleQueue(name)`. */
  constructor(session: Session, readonly name: string) {
    this.#queue = new RedisQueue<T>(session, name);
  }

  /** Puts `item` (never waits). @throws {TypeError} naming the path of what cannot be copied. */
  put(item: T): Promise<void> {
    return this.#queue.put(item);
  }

  /** Takes the next item, waiting until one is there; rejects with `signal.reason` on abort. */
  get(options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#queue.get(options);
  }

  /** True when nothing is there to get right now. */
  empty(): Promise<boolean> {
    return this.#queue.empty();
  }

  /** This handle is done with the queue. */
  close(): Promise<void> {
    return this.#queue.close();
  }

  /** Closes this handle. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
