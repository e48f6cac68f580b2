/**
 * `RedisPool`: Python's `multiprocessing.Pool` whose workers are the worker processes of
 * every host that serves the pool's name (see serve.ts). A call is cut into chunks by the
 * local pool's jobs (src/pool_jobs.ts: the same chunking, ordering and error rules); each
 * chunk is an entry of the pool's task stream holding the function by reference (see
 * task_ref.ts) and the inputs in the library's codec; a host records each chunk's result in
 * this caller's result stream, which the caller reads on a connection of its own.
 *
 * Delivery: a chunk whose host is lost goes back to the stream for another host; its result
 * is recorded once (owner-checked, see scripts.ts); a chunk whose host was lost
 * `maxDeliveries` times fails with a `ProcessError` naming it, and waits in the dead-letter
 * stream. A chunk that throws fails as in the local pool.
 * @module
 */
import { AsyncResult, type ResultCallbacks } from "../async_result.ts";
import { ProcessError, ValueError } from "../errors.ts";
import {
  ApplyJob,
  type Chunk,
  ChunkQueue,
  type Ending,
  feedOf,
  IMapJob,
  isAsyncIterable,
  type Job,
  type JobHost,
  JobTable,
  MapJob,
} from "../pool_jobs.ts";
import { assertInputs, checkChunksize, type ChunkOptions, collect, type Inputs, type TaskFunction, unsendableInput } from "../pool.ts";
import type { WaitOptions } from "../process.ts";
import { decodeSoon, encode } from "../transport/codec.ts";
import { heldOpen, settleWithin } from "../transport/wait.ts";
import { bytesArg, type RedisArg, type RedisConnection, type Reply, text } from "./client.ts";
import { ADD_TASKS_ONCE } from "./scripts.ts";
import type { Session } from "./session.ts";
import { type TaskRef, taskRefOf } from "./task_ref.ts";
import { type Entry, MAX_BLOCK_MS, parseReadReply, sleep, WorkStream } from "./work_stream.ts";

/**
 * Options of {@link RedisPool}.
 * @example Usage
 * ```ts
 * import { RedisCluster, type RedisPoolOptions } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const options: RedisPoolOptions = { maxChunksOut: 64 };
 * const pool = cluster.Pool("render", options);
 * ```
 */
export interface RedisPoolOptions {
  /** URL of the module that exports the task functions; default: found from the call site. */
  module?: string | URL;
  /** Most chunks of this caller waiting in the task stream or running at once. Default 1024. */
  maxChunksOut?: number;
}

/** Result status of a chunk, as a host records it (see serve.ts). */
export const CHUNK_OK = 0;
export const CHUNK_FAILED = 1;

/** The fields of a task entry: its key in the caller's calls, the caller's result stream, the chunk's bytes. */
export const TASK_FIELDS = ["k", "r", "d"];

/** A chunk's bytes: `[module, exportName, star, items]`. */
export type TaskPayload = [string, string, 0 | 1, unknown[]];

/** How long a host list (for the default chunksize) is reused, in ms. */
const HOSTS_TTL_MS = 1000;

/**
 * Chunks per worker process of a map with the default chunksize. Python's rule gives each
 * process about four; a distributed call gives it two, as many as its host holds at once (one
 * running, one ready), since each chunk costs round trips and durable writes on the server.
 */
const CHUNKS_PER_PROCESS = 2;

/** At most this many chunks, or about this many bytes, go in one add. */
const ADD_BATCH_CHUNKS = 256;
const ADD_BATCH_BYTES = 8 * 1024 * 1024;

type PoolState = "run" | "close" | "terminate";

/** A chunk sent and not answered; `entryId` once the server gave it one. */
type Out = { chunk: Chunk; entryId?: string };

/** A chunk being added: its key in this caller's calls, its entry's bytes. */
type Adding = { key: string; out: Out; payload: Uint8Array };

/**
 * A pool whose tasks run on the worker hosts that serve its name (`cluster.serve(name)` or
 * `mp-worker --pool name`), anywhere. Task functions travel by reference: every host
 * imports the same module (its path relative to the cluster's `root`) and calls the same
 * export. Arguments and results use the library's codec. Make one with `cluster.Pool(name)`.
 * @example Usage
 * ```ts
 * // tasks.ts:  export function square(x: number): number { return x * x; }
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * import { square } from "./tasks.ts";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const pool = cluster.Pool("math");
 * console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9], once a host serves "math"
 * ```
 */
export class RedisPool {
  readonly #session: Session;
  readonly #stream: WorkStream;
  readonly #root: string;
  readonly #module: string | URL | undefined;
  readonly #maxChunksOut: number;
  readonly #replyKey: string;
  readonly #host: JobHost = {
    jobEnded: (job, ending) => this.#jobEnded(job, ending),
    chunksReady: () => this.#dispatch(),
  };
  #state: PoolState = "run";
  readonly #jobs = new JobTable();
  #queue = new ChunkQueue();
  /** Chunks sent and not answered, by key; `entryId` once the server gave it one. */
  readonly #out = new Map<string, Out>();
  readonly #refs: TaskRef[] = [];
  readonly #refIds = new WeakMap<TaskFunction, Map<string, number>>();
  #reader: Promise<RedisConnection> | undefined;
  #reading: Promise<void> | undefined;
  #lastResultId = "0";
  #hosts: { processes: number; at: number } | undefined;
  #allEnded: { promise: Promise<void>; resolve: () => void } | undefined;
  /** What the cluster's close() does with this pool: terminate it. */
  readonly #closer = { close: () => this.terminate() };
  /** Results that came for a chunk already answered (a second execution's, refused by the server, should never come). */
  duplicateResults = 0;

  /** @ignore Made by `cluster.Pool(name, options)`. */
  constructor(session: Session, readonly name: string, root: string, options: RedisPoolOptions = {}) {
    this.#session = session;
    this.#stream = new WorkStream(session, session.workKeys("p", name));
    this.#root = root;
    this.#module = options.module;
    this.#maxChunksOut = options.maxChunksOut ?? 1024;
    if (!Number.isInteger(this.#maxChunksOut) || this.#maxChunksOut < 1) {
      throw new ValueError(`maxChunksOut must be a positive integer, not ${String(options.maxChunksOut)}`);
    }
    this.#replyKey = `${this.#stream.keys.base}:r:${session.consumerName()}`;
    session.open.add(this.#closer);
  }

  /** Calls `fn(...args)` on a worker host and resolves with what it returns. */
  async apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, options: { module?: string | URL; signal?: AbortSignal } = {}): Promise<Awaited<R>> {
    return await this.applyAsync(fn, args, options).get();
  }

  /**
   * Calls `fn(...args)` on a worker host; the {@link AsyncResult} gets what it returns.
   * @throws {TypeError} naming the path (`args[1].…`) of an argument that cannot be sent; nothing is sent.
   * @throws {ValueError} when the pool was closed or terminated.
   */
  applyAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options: { module?: string | URL; signal?: AbortSignal } & ResultCallbacks<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw new TypeError("apply() takes the function's arguments as an array");
    assertSendable(args ?? [], "args");
    const fnId = this.#refId(fn, options.module);
    return new AsyncResult<Awaited<R>>((settler) => {
      this.#submit(new ApplyJob(this.#host, this.#jobs.nextId(), fnId, args ?? [], settler), options.signal);
    }, options);
  }

  /**
   * Calls `fn` on every input on the worker hosts, in chunks (by default two per worker
   * process of the hosts serving now, where Python's rule makes four); resolves with the results in input order,
   * or rejects with the first error once every chunk is answered, as the local pool.
   * @throws {TypeError} naming the path (`inputs[7].…`) of an input that cannot be sent; nothing is sent.
   */
  async map<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): Promise<Awaited<R>[]> {
    return await this.mapAsync(fn, inputs, options).get();
  }

  /** As {@link RedisPool.map}, returning an {@link AsyncResult} at once. */
  mapAsync<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions & ResultCallbacks<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync(fn, inputs, 0, options);
  }

  /** As {@link RedisPool.map} with argument lists: `fn(...args)` for every `args` of `inputs`. */
  async starmap<A extends unknown[], R>(fn: (...args: A) => R, inputs: Inputs<A>, options: ChunkOptions = {}): Promise<Awaited<R>[]> {
    return await this.starmapAsync(fn, inputs, options).get();
  }

  /** As {@link RedisPool.starmap}, returning an {@link AsyncResult} at once. */
  starmapAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    inputs: Inputs<A>,
    options: ChunkOptions & ResultCallbacks<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync(fn, inputs, 1, options);
  }

  /**
   * Calls `fn` on every input on the worker hosts and yields the results in input order as
   * they come (inputs are read as chunks go out, at most `maxChunksOut` at a time); an
   * input that cannot be sent fails its chunk with a `TypeError` naming it.
   */
  imap<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): AsyncIterableIterator<Awaited<R>> {
    return this.#imap(fn, inputs, options, true);
  }

  /** As {@link RedisPool.imap}, yielding the results in the order they are done. */
  imapUnordered<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): AsyncIterableIterator<Awaited<R>> {
    return this.#imap(fn, inputs, options, false);
  }

  /** No more work may be submitted; {@link RedisPool.join} then waits for the work submitted. */
  close(): Promise<void> {
    if (this.#state === "run") this.#state = "close";
    return this.#closeIfIdle();
  }

  /**
   * Fails the work not done with a `ProcessError` and withdraws its chunks not yet taken
   * by a host (chunks running on a host finish there; their results are dropped).
   */
  async terminate(): Promise<void> {
    if (this.#state !== "terminate") {
      this.#state = "terminate";
      const error = new ProcessError("the pool was terminated before this task finished");
      this.#jobs.abortAll(error);
      this.#queue = new ChunkQueue();
    }
    await this.#closeIfIdle();
  }

  /**
   * Waits until the work submitted is done (after close) or withdrawn (after terminate).
   * @throws {ValueError} while the pool is still running (call `close()` or `terminate()` first).
   */
  async join(options: WaitOptions = {}): Promise<void> {
    if (this.#state === "run") throw new ValueError("Pool is still running: call close() or terminate() first");
    if (this.#jobs.size === 0) return await this.#closeIfIdle();
    this.#allEnded ??= withResolvers();
    await heldOpen(settleWithin(this.#allEnded.promise, options.timeout, options.signal));
    if (this.#jobs.size === 0) await this.#closeIfIdle();
  }

  /** Terminates the pool (Python's `with Pool() as pool:`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  /** A short description, as Python's repr. */
  toString(): string {
    return `<RedisPool ${JSON.stringify(this.name)} state=${this.#state.toUpperCase()}>`;
  }

  // ---- submitting ------------------------------------------------------------------

  #mapAsync<R>(fn: TaskFunction, inputs: Inputs<unknown>, star: 0 | 1, options: ChunkOptions & ResultCallbacks<R[]>): AsyncResult<R[]> {
    this.#checkRunning();
    const chunksize = checkChunksize(options);
    const items = isAsyncIterable(inputs) ? undefined : Array.isArray(inputs) ? inputs : (assertInputs(inputs), [...inputs]);
    if (items) assertSendable(items, "inputs");
    const fnId = this.#refId(fn, options.module);
    return new AsyncResult<R[]>((settler) => {
      const job = new MapJob<R>(this.#host, this.#jobs.nextId(), fnId, star, settler);
      this.#submit(job, options.signal);
      void this.#setInputs(job, items ?? (inputs as AsyncIterable<unknown>), chunksize);
    }, options);
  }

  async #setInputs(job: MapJob<unknown>, inputs: unknown[] | AsyncIterable<unknown>, chunksize: number | undefined): Promise<void> {
    try {
      const items = Array.isArray(inputs) ? inputs : await collect(inputs);
      if (!Array.isArray(inputs)) assertSendable(items, "inputs");
      const processes = chunksize === undefined ? await this.#liveProcesses() : 1;
      job.setInputs(items, chunksize ?? distributedChunksize(items.length, processes), processes);
    } catch (error) {
      job.fail(error);
    }
  }

  #imap<R>(fn: TaskFunction, inputs: Inputs<unknown>, options: ChunkOptions, ordered: boolean): AsyncIterableIterator<R> {
    this.#checkRunning();
    assertInputs(inputs);
    const chunksize = checkChunksize(options) ?? 1;
    const fnId = this.#refId(fn, options.module);
    const job = new IMapJob<R>(this.#host, this.#jobs.nextId(), fnId, 0, feedOf(inputs, chunksize, () => this.#dispatch()), chunksize, ordered);
    this.#submit(job, options.signal);
    return job;
  }

  #submit(job: Job, signal: AbortSignal | undefined): void {
    if (!this.#jobs.add(job, signal)) return;
    this.#queue.push(job);
    this.#dispatch();
  }

  #checkRunning(): void {
    if (this.#state !== "run") throw new ValueError("Pool not running: it was closed or terminated");
  }

  /** The id of `fn`'s reference, found once per function and module. */
  #refId(fn: TaskFunction, module = this.#module): number {
    if (typeof fn !== "function") throw new TypeError(`the task must be a function exported from its module, got ${typeof fn}`);
    const key = module === undefined ? "" : String(module);
    let byModule = this.#refIds.get(fn);
    if (!byModule) this.#refIds.set(fn, byModule = new Map());
    let id = byModule.get(key);
    if (id === undefined) {
      id = this.#refs.push(taskRefOf(fn, this.#root, module)) - 1;
      byModule.set(key, id);
    }
    return id;
  }

  /** The worker processes of the hosts serving this pool now (for the default chunksize); at least 1. */
  async #liveProcesses(): Promise<number> {
    if (this.#hosts && performance.now() - this.#hosts.at < HOSTS_TTL_MS) return this.#hosts.processes;
    const records = await this.#session.conn.command(["HVALS", this.#stream.keys.consumers]);
    let processes = 0;
    for (const record of Array.isArray(records) ? records : []) processes += Number(text(record).split(" ")[3]) || 0;
    this.#hosts = { processes: Math.max(processes, 1), at: performance.now() };
    return this.#hosts.processes;
  }

  // ---- chunks out and results in ---------------------------------------------------

  /**
   * Sends chunks while fewer than `maxChunksOut` are out, those ready now in one add per
   * batch (one durable write on the server); makes sure results are read.
   */
  #dispatch(): void {
    if (this.#state === "terminate") return;
    let batch: Adding[] = [];
    let bytes = 0;
    for (let chunk; this.#out.size < this.#maxChunksOut && (chunk = this.#queue.take());) {
      const adding = this.#prepare(chunk);
      if (!adding) continue;
      batch.push(adding);
      bytes += adding.payload.length;
      if (batch.length >= ADD_BATCH_CHUNKS || bytes >= ADD_BATCH_BYTES) {
        void this.#add(batch);
        [batch, bytes] = [[], 0];
      }
    }
    if (batch.length > 0) void this.#add(batch);
    if (this.#out.size > 0) this.#reading ??= this.#readResults().finally(() => (this.#reading = undefined));
  }

  /** Encodes a chunk and counts it out; an input that cannot be sent fails the chunk instead. */
  #prepare(chunk: Chunk): Adding | undefined {
    const job = chunk.job;
    const ref = this.#refs[job.fnId];
    let payload: Uint8Array;
    try {
      payload = bytesArg(encode([ref.module, ref.exportName, job.star, chunk.items] satisfies TaskPayload, "task", "redis"));
    } catch (error) {
      job.chunkFailed(chunk, unsendableInput(chunk, error, (item, path) => encode(item, path, "redis")));
      return undefined;
    }
    const key = `${job.id}:${chunk.index}`;
    const out: Out = { chunk };
    this.#out.set(key, out);
    return { key, out, payload };
  }

  /**
   * Adds chunks' entries, again after a failure (a lost connection, which may have come
   * after the add ran: the script adds a key once), until each is answered or its job ended.
   */
  async #add(batch: Adding[]): Promise<void> {
    const keys = [this.#stream.keys.stream, `${this.#replyKey}:added`];
    for (let attempt = 0;; attempt++) {
      // Until answered: a first try may have run, and its result come, before its reply was lost.
      const pending = batch.filter(({ key, out }) => !out.chunk.job.ended && this.#out.get(key) === out);
      if (pending.length === 0 || this.#state === "terminate") return;
      try {
        await this.#stream.ensureGroup();
        const args: RedisArg[] = [this.#replyKey, String(this.#session.settings.resultTtl)];
        for (const { key, payload } of pending) args.push(key, payload);
        const ids = await this.#session.conn.eval<Reply[]>(ADD_TASKS_ONCE, keys, args);
        pending.forEach(({ out }, i) => (out.entryId = text(ids[i])));
        const ended = pending.filter(({ out }) => out.chunk.job.ended).map(({ out }) => out);
        if (ended.length > 0) await this.#withdraw(ended);
        return;
      } catch (error) {
        if (this.#session.conn.closed) {
          for (const { key } of pending) this.#answer(key, (chunk) => chunk.job.chunkFailed(chunk, error));
          return;
        }
        await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
  }

  /** Reads this caller's result stream while chunks are out. */
  async #readResults(): Promise<void> {
    while (this.#out.size > 0 && this.#state !== "terminate") {
      let entries: Entry[];
      try {
        const reader = await (this.#reader ??= this.#session.conn.dedicated(MAX_BLOCK_MS).catch((error) => {
          this.#reader = undefined; // tried again next round
          throw error;
        }));
        const reply = await reader.command(["XREAD", "COUNT", "1000", "BLOCK", String(MAX_BLOCK_MS), "STREAMS", this.#replyKey, this.#lastResultId]);
        entries = parseReadReply(reply);
      } catch {
        await sleep(50); // the connection reconnects by itself; read again from the last id
        continue;
      }
      if (entries.length === 0) continue;
      this.#lastResultId = entries[entries.length - 1].id;
      for (const entry of entries) {
        const settled = this.#onResult(entry);
        if (settled) await settled;
      }
      // Answered: neither the results nor the record of their adds are needed any more.
      void this.#session.conn.command(["XDEL", this.#replyKey, ...entries.map((entry) => entry.id)]).catch(() => {});
      const keys = entries.map((entry) => text(entry.fields.get("k") ?? null));
      void this.#session.conn.command(["HDEL", `${this.#replyKey}:added`, ...keys]).catch(() => {});
      this.#dispatch();
    }
  }

  /** Settles a chunk from its result entry (later, when the result names modules to import first). */
  #onResult(entry: Entry): Promise<void> | undefined {
    const key = text(entry.fields.get("k") ?? null);
    const dead = entry.fields.get("dead");
    if (dead !== undefined) {
      this.#answer(key, (chunk) => chunk.job.chunkFailed(chunk, this.#deadLetterError(chunk, Number(text(dead)))));
      return;
    }
    const settle = ([status, value]: [number, unknown]) =>
      this.#answer(key, (chunk) => {
        if (status === CHUNK_OK) chunk.job.chunkDone(chunk, value as unknown[]);
        else chunk.job.chunkFailed(chunk, value);
      });
    let decoded: [number, unknown] | Promise<[number, unknown]>;
    try {
      decoded = decodeSoon<[number, unknown]>(entry.fields.get("d")!);
    } catch (error) {
      settle([CHUNK_FAILED, error]);
      return;
    }
    if (!(decoded instanceof Promise)) {
      settle(decoded);
      return;
    }
    return decoded.then(settle, (error) => settle([CHUNK_FAILED, error]));
  }

  /** Settles the chunk sent under `key` once; counts a second answer. */
  #answer(key: string, settle: (chunk: Chunk) => void): void {
    const out = this.#out.get(key);
    if (!out) {
      this.duplicateResults++;
      return;
    }
    this.#out.delete(key);
    if (!out.chunk.job.ended) settle(out.chunk);
  }

  #deadLetterError(chunk: Chunk, deliveries: number): ProcessError {
    const what = chunk.start < 0 ? "apply() call" : `chunk of inputs[${chunk.start}..${chunk.start + chunk.items.length - 1}]`;
    return new ProcessError(
      `the ${what} of pool "${this.name}" was taken by ${deliveries} worker hosts and each was lost while running it ` +
        `(killed, or silent for minIdle): it is in the dead-letter stream ${this.#stream.keys.dead}, not retried again`,
    );
  }

  /** Takes back chunks not yet taken by a host (a cancelled or terminated job's). */
  async #withdraw(outs: Out[]): Promise<void> {
    const ids = outs.map((out) => out.entryId).filter((id): id is string => id !== undefined);
    if (ids.length > 0) await this.#session.conn.command(["XDEL", this.#stream.keys.stream, ...ids]).catch(() => {});
  }

  #jobEnded(job: Job, ending: Ending): void {
    this.#jobs.delete(job);
    if (ending !== "done") {
      const withdrawn: Out[] = [];
      for (const [key, out] of this.#out) {
        if (out.chunk.job !== job) continue;
        this.#out.delete(key);
        withdrawn.push(out);
      }
      void this.#withdraw(withdrawn);
    }
    if (this.#jobs.size === 0 && this.#allEnded) {
      this.#allEnded.resolve();
      this.#allEnded = undefined;
    }
    void this.#closeIfIdle();
  }

  /** Once closed and idle: stops reading and lets go of the stream. */
  async #closeIfIdle(): Promise<void> {
    if (this.#state === "run" || this.#jobs.size > 0) return;
    const reader = this.#reader;
    this.#reader = undefined;
    this.#stream.close();
    this.#session.open.delete(this.#closer);
    if (reader) (await reader.catch(() => undefined))?.destroy();
    await this.#reading;
    await this.#session.conn.command(["DEL", this.#replyKey, `${this.#replyKey}:added`]).catch(() => {});
  }
}

/** The default chunksize of a distributed map of `length` inputs over `processes` worker processes. */
function distributedChunksize(length: number, processes: number): number {
  return Math.max(1, Math.ceil(length / (CHUNKS_PER_PROCESS * processes)));
}

/**
 * Throws the codec's TypeError naming the path (`inputs[7].…`) of the first part of `value`
 * that cannot be sent. Encoding is the check: it refuses with the same message as
 * `checkCloneable`, walking the value many times faster (the bytes are not kept).
 */
function assertSendable(value: unknown, path: string): void {
  encode(value, path, "redis");
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
