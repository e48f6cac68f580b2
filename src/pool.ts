/**
 * `Pool`: Python's `multiprocessing.Pool` on the library's processes. Calls are cut into
 * chunks (Python's default chunksize rule); each worker gets its chunks through its own
 * task ring, a few at a time (the one it runs plus a prefetch of about
 * {@link PREFETCH_MS} of work), and all workers stream results back through one shared
 * result ring that the pool reads with async waits. Since a worker runs its chunks in
 * order and counts those it started, the pool always knows which chunk a worker is
 * running: when a worker dies, that chunk fails with a `ProcessError`, the others it held
 * go to other workers, and a new worker takes its place. This library's handles in a task's
 * arguments go to each worker once, on a side channel (see pool_protocol.ts).
 * @module
 */
import { AsyncResult, type ResultCallbacks } from "./async_result.ts";
import { onProcessExit } from "./atexit.ts";
import { type ErrorInfo, ProcessError, ValueError } from "./errors.ts";
import { PortHandle } from "./handles.ts";
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
} from "./pool_jobs.ts";
import {
  BOOTED_CELL,
  cancelledTable,
  chunksStarted,
  DEFINE,
  FAILED,
  FORGET,
  HANDLES,
  HandleNumbers,
  HandleSender,
  hasBooted,
  markCancelled,
  OK,
  BriefPoll,
  type PoolWorkerConfig,
  progressCells,
  type ResultMessage,
  RESULT_OUTCOME_FIELDS,
  RESULT_OUTCOMES_AT,
  RUN,
  sendMessage,
  START_FAILED,
  STOP,
} from "./pool_protocol.ts";
import { poolWorkerMain } from "./pool_worker.ts";
import { cpuCount, markService, Process, unmarkService, type WaitOptions } from "./process.ts";
import { boundPartsOf } from "./reduction.ts";
import { checkOptions, checkSpellings } from "./options.ts";
import { locate, refuseInstances } from "./references.ts";
import { rebuildThrown, type ThrownError, type ThrownValue } from "./remote_error.ts";
import { libraryModuleUrl, type TargetRef } from "./target.ts";
import { checkCloneable, decodeReceived, encode, encodeWithRefs, type Received } from "./transport/codec.ts";
import { ByteRing } from "./transport/ring.ts";
import { heldOpen, waitAsyncUnheld } from "./transport/wait.ts";
import { showAsString } from "./repr.ts";

/**
 * A task function: exported from its module, since workers look it up by name.
 * @example Usage
 * ```ts
 * import type { TaskFunction } from "@seed/multiprocessing";
 * export function square(x: number): number {
 *   return x * x;
 * }
 * const task: TaskFunction = square;
 * ```
 */
// deno-lint-ignore no-explicit-any
export type TaskFunction = (...args: any[]) => unknown;

/**
 * Options of {@link Pool}.
 * @example Usage
 * ```ts
 * import { isMain, Pool, type PoolOptions } from "@seed/multiprocessing";
 *
 * export function greet(name: string): void {
 *   console.log(`worker ready for ${name}`);
 * }
 *
 * export function double(n: number): number {
 *   return 2 * n;
 * }
 *
 * if (isMain(import.meta)) {
 *   const options: PoolOptions = { processes: 2, initializer: greet, initargs: ["docs"], maxTasksPerChild: 100 };
 *   await using pool = new Pool(options);
 *   console.log(await pool.map(double, [1, 2, 3, 4])); // [2, 4, 6, 8], after a "worker ready for docs" per worker
 * }
 * ```
 */
export interface PoolOptions {
  /** Number of worker processes. Default: {@link cpuCount}. */
  processes?: number;
  /** Exported function each worker calls once, with `initargs`, before its first task. */
  initializer?: TaskFunction;
  /** Arguments of `initializer` (structured-clonable values and this library's handles). */
  initargs?: unknown[];
  /** Chunks a worker runs before it is replaced by a fresh one. Default: no limit. */
  maxTasksPerChild?: number;
  /** URL of the module that exports the task functions and the initializer; default: found from the call site. */
  module?: string | URL;
}

/**
 * Options of every pool call.
 * @example Usage
 * ```ts
 * import { type CallOptions, isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool();
 *   const options: CallOptions = { signal: AbortSignal.timeout(5000) };
 *   console.log(await pool.apply(square, [3], options)); // 9
 * }
 * ```
 */
export interface CallOptions {
  /** URL of the module that exports the function; default: the pool's, else found from the call site. */
  module?: string | URL;
  /** Aborting cancels the call's queued tasks and ends its running ones; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Options of the calls that take many inputs.
 * @example Usage
 * ```ts
 * import { type ChunkOptions, isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool();
 *   const options: ChunkOptions = { chunksize: 100 };
 *   console.log((await pool.map(square, Array.from({ length: 1000 }, (_, i) => i), options)).length); // 1000
 * }
 * ```
 */
export interface ChunkOptions extends CallOptions {
  /**
   * Inputs sent to a worker at a time. Default for `map`/`starmap`: Python's rule (about
   * four chunks per worker); for `imap`/`imapUnordered`: 1.
   */
  chunksize?: number;
}

/**
 * The results of {@link Pool.imap} and {@link Pool.imapUnordered} (Python's `IMapIterator`):
 * an async iterator whose `next({ timeout })` rejects with `TimeoutError` when no result came
 * within `timeout` ms; the iteration goes on, and a later `next()` gets that result.
 * @example Usage
 * ```ts
 * import { type IMapIterator, isMain, Pool, TimeoutError } from "@seed/multiprocessing";
 *
 * export async function slowSquare(x: number): Promise<number> {
 *   await new Promise((resolve) => setTimeout(resolve, 200));
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool({ processes: 1 });
 *   const results: IMapIterator<number> = pool.imap(slowSquare, [3]);
 *   try {
 *     await results.next({ timeout: 10 });
 *   } catch (error) {
 *     console.log(error instanceof TimeoutError); // true
 *   }
 *   console.log((await results.next()).value); // 9
 * }
 * ```
 */
export interface IMapIterator<R> extends AsyncIterableIterator<R> {
  /**
   * The next result, waiting at most `timeout` ms (no limit by default); an abort of
   * `signal` rejects with its reason.
   * @throws {TimeoutError} when no result came in time (the iteration goes on).
   */
  next(options?: WaitOptions): Promise<IteratorResult<R>>;
  /** Leaves the iteration: the inputs not started yet are cancelled. */
  return(): Promise<IteratorResult<R>>;
  /** The iterator itself, for `for await`. */
  [Symbol.asyncIterator](): IMapIterator<R>;
}

/**
 * Options of {@link Pool.applyAsync}.
 * @example Usage
 * ```ts
 * import { type ApplyAsyncOptions, isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool();
 *   const options: ApplyAsyncOptions<number> = { callback: (value) => console.log("got", value) };
 *   await pool.applyAsync(square, [4], options).get(); // got 16
 * }
 * ```
 */
export interface ApplyAsyncOptions<T> extends CallOptions, ResultCallbacks<T> {}

/**
 * Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}.
 * @example Usage
 * ```ts
 * import { type MapAsyncOptions, isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool();
 *   const options: MapAsyncOptions<number[]> = { chunksize: 2, callback: (values) => console.log(values) };
 *   await pool.mapAsync(square, [1, 2, 3], options).get(); // [1, 4, 9]
 * }
 * ```
 */
export interface MapAsyncOptions<T> extends ChunkOptions, ResultCallbacks<T> {}

/**
 * Inputs of a call: an iterable or an async iterable.
 * @example Usage
 * ```ts
 * import { type Inputs, isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * async function* numbers(): AsyncGenerator<number> {
 *   yield 1;
 *   yield 2;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool();
 *   const inputs: Inputs<number> = numbers();
 *   console.log(await pool.map(square, inputs)); // [1, 4]
 * }
 * ```
 */
export type Inputs<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Work a busy worker may hold beyond the chunk it runs, so that it has its next chunk at
 * hand while the pool's event loop comes round to read results: chunks of jobs whose chunk
 * time is known, about this many milliseconds of them, at most {@link MAX_CHUNKS_PER_WORKER}.
 * A chunk of unknown length (a job's first) goes only to an idle worker, and a worker
 * holding one takes nothing more, except the next chunk of the same job when it has many
 * (Job.manyChunks): as in Python, where workers take tasks one at a time from one queue, no
 * task waits behind another call's long one while a worker is idle.
 */
const PREFETCH_MS = 2;
const MAX_CHUNKS_PER_WORKER = 128;
/**
 * A worker running a chunk shorter than this also holds the next one, whatever its length,
 * so that the pool encodes and writes it while the worker runs (Pool.map's default
 * chunks, a few ms each, ran 20-30% slower one at a time): the most a prefetched chunk waits.
 */
const ONE_AHEAD_MAX_MS = 20;
/**
 * The pool polls for a result this long before it sleeps, when chunks lately ran in less
 * than {@link QUICK_CHUNK_MS}: the reply is then likely a few microseconds away.
 */
const RESULT_POLL_MS = 0.1;
const QUICK_CHUNK_MS = 0.05;
/** Workers that may end holding a chunk they had not started before that chunk fails. */
const MAX_UNSTARTED_LOSSES = 3;
const TASK_RING_BYTES = 1 << 20;
const RESULT_RING_BYTES = 1 << 20;
/** Tells a worker to take the handles posted on its side channel. */
const HANDLES_MESSAGE = encode([HANDLES]).slice();

type PoolState = "run" | "close" | "terminate";

/**
 * What an owner built on the pool engine (the futures executor) asks of it; not part of
 * the API: see {@link hookedPool}.
 */
export interface PoolHooks {
  /**
   * Workers start when work waits and no worker is free, up to the pool's size (Python's
   * `ProcessPoolExecutor`), instead of all at once; one that reached `maxTasksPerChild` is
   * replaced when work waits.
   */
  onDemand: boolean;
  /** A worker process was started. */
  workerStarted(process: Process): void;
  /**
   * A worker ended abruptly, or its initializer threw (`initializerFailed`). The pool does
   * not replace it and settles nothing: the owner fails its work and terminates the pool
   * (Python's executor breaks so).
   */
  workerLost(error: ProcessError, initializerFailed: boolean): void;
}

/** The pool's job interface, for an owner that makes its own jobs (see {@link hookedPool}). */
export interface PoolEngine {
  /** What the owner's jobs report to. */
  readonly host: JobHost;
  /** The id under which workers know `fn` (see `Pool.#functionId`); throws what is wrong with `fn`. */
  functionId(fn: TaskFunction, module: string | URL | undefined): number;
  /** A new job id. */
  nextJobId(): number;
  /** Queues `job`'s chunks behind the others'. */
  submit(job: Job): void;
}

let hooksOfNextPool: PoolHooks | undefined;
let engineOf!: (pool: Pool) => PoolEngine;

/** A pool that tells `hooks` of its workers, and its engine (for the futures executor; see {@link PoolHooks}). */
export function hookedPool(options: PoolOptions, hooks: PoolHooks): { pool: Pool; engine: PoolEngine } {
  hooksOfNextPool = hooks;
  try {
    const pool = new Pool(options);
    return { pool, engine: engineOf(pool) };
  } finally {
    hooksOfNextPool = undefined;
  }
}

/**
 * Checks that workers can find `fn` (Python pickles a task function by reference): where it
 * is exported (found once, see references.ts; `module` overrides), or, for a `boundMethod`,
 * that its object can cross. Throws what is wrong.
 */
function findFunction(fn: TaskFunction, module: string | URL | undefined): void {
  if (boundPartsOf(fn)) checkCloneable(fn, "the task function", "task");
  else locate(fn, { module, kind: "function" });
}

/** The pool's view of one worker process. */
interface WorkerSlot {
  id: number;
  process: Process;
  tasks: ByteRing;
  /** Chunks sent and not answered, oldest first: the first is the one running. */
  inFlight: Chunk[];
  /** The estimated milliseconds of work in `inFlight` (see {@link PREFETCH_MS}). */
  heldMs: number;
  /** Chunks in `inFlight` whose length was not known when they were sent. */
  heldUnknown: number;
  /** Chunks sent in all (for `maxTasksPerChild`). */
  assigned: number;
  /** Chunks answered in all. */
  answered: number;
  /** The worker's count of chunks started and its booted flag (see {@link PoolWorkerConfig.progress}). */
  progress: Int32Array;
  /** Ids of the functions this worker was told about. */
  known: Set<number>;
  /** Sends the worker the handles in its tasks. */
  handles: HandleSender;
  /** Messages waiting behind a write still in progress, in order. */
  backlog?: Uint8Array[];
  /** Takes no more chunks: it reached `maxTasksPerChild`, or it was told to stop. */
  retiring: boolean;
  /** The pool is done with it (it ended, or it was ended). */
  gone: boolean;
  /** Why its initializer failed, if it did. */
  startFailure?: ErrorInfo;
}

/**
 * A pool of worker processes that run exported functions on many inputs (Python's
 * `multiprocessing.Pool`). Workers are daemon processes named `SpawnPoolWorker-N`.
 *
 * Task arguments cross with structured-clone rules, and this library's handles (queues,
 * pipes, locks, events, shared values) and SharedArrayBuffers in them, at any depth, arrive
 * working, as in a Process's args. A worker gets each handle once, with the first task that
 * names it, and keeps it while it runs: its tasks share that handle (a task that `close()`s
 * a queue or a pipe end closes it for the worker's later tasks), and what the worker holds
 * through it (a pipe end kept open, a queue it may put into) is let go when the worker ends.
 * A task's result cannot be a handle or shared memory: that task fails with a TypeError.
 *
 * `await using pool = …` terminates the pool at the end of the block, as Python's `with`.
 * Deno, Bun, Node 24 and TypeScript's compiler run it; Node 20 does not parse it: write
 * `const pool = new Pool(); try { … } finally { await pool.terminate(); }` there (see the
 * example "Without await using").
 *
 * @example Usage
 * ```ts
 * import { isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool({ processes: 4 });
 *   console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9]
 *   for await (const y of pool.imapUnordered(square, [4, 5])) console.log(y);
 * }
 * ```
 *
 * @example Without await using (Node 20)
 * ```ts
 * import { isMain, Pool } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   const pool = new Pool({ processes: 2 });
 *   try {
 *     console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9]
 *   } finally {
 *     await pool.terminate();
 *   }
 * }
 * ```
 *
 * @example Handles in task arguments
 * ```ts
 * import { isMain, Pool, Queue } from "@seed/multiprocessing";
 *
 * export async function report(queue: Queue<string>, n: number): Promise<void> {
 *   await queue.put(`task ${n} done`);
 * }
 *
 * if (isMain(import.meta)) {
 *   const queue = new Queue<string>();
 *   await using pool = new Pool({ processes: 2 });
 *   await pool.starmap(report, [[queue, 1], [queue, 2]]);
 *   console.log(await queue.get(), await queue.get()); // "task 1 done", "task 2 done" (in either order)
 * }
 * ```
 */
export class Pool {
  readonly #size: number;
  readonly #module: string | URL | undefined;
  readonly #initializer: TargetRef | undefined;
  readonly #initargs: unknown[];
  readonly #maxTasks: number;
  readonly #hooks = hooksOfNextPool;
  readonly #results = new ByteRing(RESULT_RING_BYTES);
  readonly #cancelled = new Int32Array(cancelledTable());
  readonly #host: JobHost = {
    jobEnded: (job, ending) => this.#jobEnded(job, ending),
    chunksReady: () => this.#dispatch(),
  };
  #state: PoolState = "run";
  /** Workers the pool still talks to, by id. */
  readonly #workers = new Map<number, WorkerSlot>();
  /** Every worker process started and not joined yet. */
  readonly #processes = new Set<Process>();
  /** Jobs not ended, by id. */
  readonly #jobs = new JobTable();
  /** Where the next chunk to send comes from. */
  #queue = new ChunkQueue();
  readonly #functionIds = new WeakMap<TaskFunction, Map<string, number>>();
  readonly #functions: TaskFunction[] = [];
  readonly #handleNumbers = new HandleNumbers((ref) => this.#forgetHandle(ref));
  #inFlight = 0;
  /**
   * Workers whose initializer failed since a worker last answered: once every worker of the
   * pool's size failed in a row, the initializer is taken to fail everywhere (see #workerGone).
   */
  #startFailuresInARow = 0;
  #collecting = false;
  /** A moving average of how long chunks ran lately, in ms. */
  #recentChunkMs = Infinity;
  readonly #resultPoll = new BriefPoll(RESULT_POLL_MS);
  #workerCount = 0;
  /** How many workers boot at a time (see {@link Pool.#startWorkers}). */
  readonly #bootsAtOnce = cpuCount();
  #dropExitHook = (): void => {};

  static {
    engineOf = (pool) => ({
      host: pool.#host,
      functionId: (fn, module) => pool.#functionId(fn, module),
      nextJobId: () => pool.#nextJobId(),
      submit: (job) => pool.#submit(job, undefined),
    });
  }

  /**
   * Starts the worker processes.
   * @throws {ValueError} when `processes` is below 1 or `maxTasksPerChild` is not a positive integer.
   * @throws {TypeError} when `initializer` is not a function or `initargs` not an array.
   */
  constructor(options: PoolOptions = {}) {
    const { size, maxTasks } = checkPoolOptions(options);
    this.#size = size;
    this.#module = options.module;
    this.#maxTasks = maxTasks;
    this.#initargs = options.initargs ? [...options.initargs] : [];
    checkCloneable(this.#initargs, "initargs");
    this.#initializer = options.initializer ? locateInitializer(options.initializer, options.module) : undefined;
    try {
      this.#startWorkers();
    } catch (error) {
      for (const process of this.#processes) process.terminate();
      throw error;
    }
    // As Python's pool finalizer: a child process that ends with its pool not joined
    // terminates it, before it reports its own end.
    this.#dropExitHook = onProcessExit(() => this.terminate());
  }

  /**
   * Calls `fn(...args)` in a worker and resolves with what it returns (awaited). Handles in
   * `args` arrive working (see {@link Pool}); the result cannot be one (TypeError).
   * @example Usage
   * ```ts
   * import { isMain, Pool } from "@seed/multiprocessing";
   *
   * export function add(a: number, b: number): number {
   *   return a + b;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using pool = new Pool({ processes: 2 });
   *   console.log(await pool.apply(add, [2, 3])); // 5
   * }
   * ```
   */
  async apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, options: CallOptions = {}): Promise<Awaited<R>> {
    return await this.applyAsync(fn, args, options).get();
  }

  /**
   * Calls `fn(...args)` in a worker; the {@link AsyncResult} gets what it returns, and
   * `callback`/`errorCallback` run when it is ready. Handles in `args` arrive working (see
   * {@link Pool}); the result cannot be one (TypeError).
   * @throws {ValueError} when the pool was closed or terminated.
   */
  applyAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options: ApplyAsyncOptions<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw new TypeError("apply() takes the function's arguments as an array");
    checkOptions("applyAsync", options, "fn, args, { callback, errorCallback }");
    checkSpellings("applyAsync", options, CALL_OPTIONS);
    const fnId = this.#functionId(fn, options.module);
    return new AsyncResult<Awaited<R>>((settler) => {
      this.#submit(new ApplyJob(this.#host, this.#nextJobId(), fnId, args ?? [], settler), options.signal);
    }, options);
  }

  /**
   * Calls `fn` on every input in workers, in chunks; resolves with the results in input
   * order. A call that throws does not stop the others: once every input ran, it rejects
   * with the first error (as in Python). Handles in the inputs arrive working (see
   * {@link Pool}); a result cannot be one (TypeError).
   * @example Usage
   * ```ts
   * import { isMain, Pool } from "@seed/multiprocessing";
   *
   * export function square(x: number): number {
   *   return x * x;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using pool = new Pool({ processes: 2 });
   *   console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9]
   * }
   * ```
   */
  async map<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): Promise<Awaited<R>[]> {
    return await this.mapAsync(fn, inputs, options).get();
  }

  /**
   * As {@link Pool.map}, returning an {@link AsyncResult} at once. An iterable (not an async
   * one) is read during the call: what it throws, this call throws.
   */
  mapAsync<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: MapAsyncOptions<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync(fn, inputs, 0, options);
  }

  /**
   * As {@link Pool.map} with argument lists: `fn(...args)` for every `args` of `inputs`
   * (handles in them arrive working, see {@link Pool}).
   * @example Usage
   * ```ts
   * import { isMain, Pool } from "@seed/multiprocessing";
   *
   * export function add(a: number, b: number): number {
   *   return a + b;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using pool = new Pool({ processes: 2 });
   *   console.log(await pool.starmap(add, [[1, 2], [3, 4]])); // [3, 7]
   * }
   * ```
   */
  async starmap<A extends unknown[], R>(fn: (...args: A) => R, inputs: Inputs<A>, options: ChunkOptions = {}): Promise<Awaited<R>[]> {
    return await this.starmapAsync(fn, inputs, options).get();
  }

  /** As {@link Pool.starmap}, returning an {@link AsyncResult} at once. */
  starmapAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    inputs: Inputs<A>,
    options: MapAsyncOptions<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync(fn, inputs, 1, options);
  }

  /**
   * Calls `fn` on every input in workers and yields the results in input order as they
   * come (inputs are read as workers need them). Leaving the loop early cancels the inputs
   * not started yet. Handles in the inputs arrive working (see {@link Pool}).
   * @example Usage
   * ```ts
   * import { isMain, Pool } from "@seed/multiprocessing";
   *
   * export function square(x: number): number {
   *   return x * x;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using pool = new Pool({ processes: 2 });
   *   for await (const y of pool.imap(square, [1, 2, 3])) console.log(y); // 1, 4, 9
   * }
   * ```
   */
  imap<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): IMapIterator<Awaited<R>> {
    return this.#imap(fn, inputs, options, true);
  }

  /** As {@link Pool.imap}, yielding the results in the order they are done. */
  imapUnordered<T, R>(fn: (item: T) => R, inputs: Inputs<T>, options: ChunkOptions = {}): IMapIterator<Awaited<R>> {
    return this.#imap(fn, inputs, options, false);
  }

  /** No more work may be submitted; the workers end once the work already submitted is done. */
  close(): void {
    if (this.#state !== "run") return;
    // Python's pool started every worker in its constructor, and each runs its initializer.
    this.#startWorkers(Infinity);
    this.#state = "close";
    this.#stopWorkersIfIdle();
  }

  /**
   * Ends the workers now; results not ready yet fail with a `ProcessError`. Resolves once
   * every worker has ended.
   */
  async terminate(): Promise<void> {
    if (this.#state !== "terminate") {
      this.#state = "terminate";
      const error = new ProcessError("the pool was terminated before this task finished");
      this.#jobs.abortAll(error);
      this.#queue = new ChunkQueue();
      for (const slot of this.#workers.values()) {
        slot.gone = true;
        slot.handles.close();
      }
      this.#workers.clear();
      for (const process of this.#processes) process.terminate();
      this.#inFlight = 0;
      this.#results.wakeReaders();
    }
    await this.join();
  }

  /** A short description, as Python's repr: `<Pool state=RUN pool_size=4>`. */
  toString(): string {
    return `<Pool state=${this.#state.toUpperCase()} pool_size=${this.#size}>`;
  }

  /**
   * Waits until every worker has ended: after {@link Pool.close}, once the submitted work
   * is done. With a `timeout`, it also resolves when that many ms passed (no error, as
   * `Process.join`).
   * @throws {ValueError} while the pool is still running (call `close()` or `terminate()` first).
   */
  async join(options: WaitOptions = {}): Promise<void> {
    if (this.#state === "run") throw new ValueError("Pool is still running: call close() or terminate() first");
    const { timeout, signal } = options;
    const deadline = timeout === undefined || timeout === null ? Infinity : performance.now() + Math.max(timeout, 0);
    // A worker that ends while the last work is done is replaced: join the new one too.
    while (this.#processes.size > 0) {
      for (const process of [...this.#processes]) {
        const left = deadline - performance.now();
        // Held open: on Bun, the wait for a terminated worker's end alone does not hold it.
        await heldOpen(process.join(left === Infinity ? { signal } : { timeout: Math.max(left, 0), signal }));
        if (process.isAlive()) return; // timed out
        this.#processes.delete(process);
      }
    }
    this.#dropExitHook();
  }

  /** Terminates the pool (Python's `with Pool() as pool:`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  // ---- submitting ------------------------------------------------------------------

  #mapAsync<R>(fn: TaskFunction, inputs: Inputs<unknown>, star: 0 | 1, options: MapAsyncOptions<R[]>): AsyncResult<R[]> {
    this.#checkRunning();
    assertInputs(inputs);
    const chunksize = checkChunksize(options);
    const fnId = this.#functionId(fn, options.module);
    // An iterable is read now, as Python's map_async does: an error it throws comes from this call.
    const items = isAsyncIterable(inputs) ? undefined : Array.isArray(inputs) ? inputs : [...inputs];
    return new AsyncResult<R[]>((settler) => {
      const job = new MapJob<R>(this.#host, this.#nextJobId(), fnId, star, settler);
      this.#submit(job, options.signal);
      if (items) job.setInputs(items, chunksize, this.#size);
      else void this.#setAsyncInputs(job, inputs as AsyncIterable<unknown>, chunksize);
    }, options);
  }

  async #setAsyncInputs(job: MapJob<unknown>, inputs: AsyncIterable<unknown>, chunksize: number | undefined): Promise<void> {
    let items: unknown[];
    try {
      items = await collect(inputs);
    } catch (error) {
      job.fail(error);
      return;
    }
    job.setInputs(items, chunksize, this.#size);
  }

  #imap<R>(fn: TaskFunction, inputs: Inputs<unknown>, options: ChunkOptions, ordered: boolean): IMapIterator<R> {
    this.#checkRunning();
    assertInputs(inputs);
    const chunksize = checkChunksize(options) ?? 1;
    const fnId = this.#functionId(fn, options.module);
    const feed = feedOf(inputs, chunksize, () => this.#dispatch());
    const job = new IMapJob<R>(this.#host, this.#nextJobId(), fnId, 0, feed, chunksize, ordered);
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

  #nextJobId(): number {
    return this.#jobs.nextId();
  }

  /** The id under which workers know `fn`; found by reference once per function and module. */
  #functionId(fn: TaskFunction, module = this.#module): number {
    if (typeof fn !== "function") throw new TypeError(`the task must be a function exported from its module, got ${typeof fn}`);
    const key = module === undefined ? "" : String(module);
    let byModule = this.#functionIds.get(fn);
    if (!byModule) this.#functionIds.set(fn, byModule = new Map());
    let id = byModule.get(key);
    if (id === undefined) {
      findFunction(fn, module);
      id = this.#functions.push(fn) - 1;
      byModule.set(key, id);
    }
    return id;
  }

  // ---- jobs ending -----------------------------------------------------------------

  #jobEnded(job: Job, ending: Ending): void {
    this.#jobs.delete(job);
    if (ending !== "done") markCancelled(this.#cancelled, job.id);
    if (ending === "aborted" && this.#state !== "terminate") {
      for (const slot of [...this.#workers.values()]) {
        if (runningChunk(slot)?.job === job) this.#endWorker(slot);
      }
    }
    this.#stopWorkersIfIdle();
  }

  /** After `close()`, once no job is left: every worker is told to end. */
  #stopWorkersIfIdle(): void {
    if (this.#state !== "close" || this.#jobs.size > 0) return;
    for (const slot of this.#workers.values()) {
      if (slot.retiring) continue;
      slot.retiring = true;
      this.#write(slot, encode([STOP]));
      this.#forgetIfDone(slot);
    }
  }

  // ---- dispatching -----------------------------------------------------------------

  /** Gives the workers chunks, one each in turn, up to their limits; makes sure results are read. */
  #dispatch(): void {
    if (this.#state === "terminate") return;
    if (this.#queue.mayHaveChunks()) this.#startWorkers();
    for (let sent = true; sent;) {
      sent = false;
      for (const slot of this.#workers.values()) {
        const outcome = this.#sendOne(slot);
        if (outcome === "no-chunk") break;
        if (outcome === "sent") sent = true;
      }
    }
    if (this.#hooks?.onDemand) this.#startForWaitingChunks();
    if (this.#inFlight > 0 && !this.#collecting) void this.#collect();
  }

  /** Gives `slot` chunks up to its limit, consecutive chunks of a job in one message. */
  #fill(slot: WorkerSlot): void {
    let batch: Chunk[] = [];
    for (let chunk; this.#hasRoom(slot, batch.length) && (chunk = this.#queue.take());) {
      if (!mayTake(slot, chunk.job, batch.length)) {
        this.#queue.putBack([chunk]);
        break;
      }
      if (batch.length > 0 && batch[0].job !== chunk.job) {
        this.#send(slot, batch);
        batch = [];
      }
      batch.push(chunk);
    }
    if (batch.length > 0) this.#send(slot, batch);
  }

  /** Gives `slot` one chunk if it has room (its turn in a round of `#dispatch`). */
  #sendOne(slot: WorkerSlot): "sent" | "full" | "no-chunk" {
    if (!this.#hasRoom(slot, 0)) return "full";
    const chunk = this.#queue.take();
    if (!chunk) return "no-chunk";
    if (!mayTake(slot, chunk.job, 0)) {
      this.#queue.putBack([chunk]);
      return "full";
    }
    this.#send(slot, [chunk]);
    return "sent";
  }

  /** Whether `slot` may take one more chunk beyond `planned` ones (its limit per job aside). */
  #hasRoom(slot: WorkerSlot, planned: number): boolean {
    if (slot.retiring || slot.gone) return false;
    // Booting, it would hold its chunks for a boot's time: they wait for a worker that is up.
    if (!hasBooted(slot.progress) && !this.#hooks?.onDemand && this.#someWorkerTakes()) return false;
    return this.#maxTasks === 0 || slot.assigned + planned < this.#maxTasks;
  }

  /** Sends consecutive chunks of one job to `slot` in one message. */
  #send(slot: WorkerSlot, chunks: Chunk[]): void {
    const job = chunks[0].job;
    if (job.ended) return;
    if (!slot.known.has(job.fnId)) {
      slot.known.add(job.fnId);
      this.#write(slot, slot.handles.encode([DEFINE, job.fnId, this.#functions[job.fnId]]));
    }
    const message: unknown[] = [RUN, job.id, job.fnId, job.star];
    for (const chunk of chunks) message.push(chunk.index, chunk.start, chunk.items);
    let bytes: Uint8Array;
    try {
      bytes = slot.handles.encode(message);
    } catch (error) {
      // Find the chunk that cannot be sent: the others go on their own.
      if (chunks.length > 1) for (const chunk of chunks) this.#send(slot, [chunk]);
      else job.chunkFailed(chunks[0], unsendableInput(chunks[0], error));
      return;
    }
    this.#write(slot, bytes);
    for (const chunk of chunks) hold(slot, chunk);
    this.#inFlight += chunks.length;
    slot.assigned += chunks.length;
    if (slot.assigned === this.#maxTasks) this.#retire(slot);
  }

  /** Writes a task message in order behind any write still in progress. */
  #write(slot: WorkerSlot, bytes: Uint8Array): void {
    if (slot.backlog) {
      slot.backlog.push(bytes.slice());
      return;
    }
    const pending = sendMessage(slot.tasks, bytes, () => slot.gone);
    if (pending) {
      slot.backlog = [];
      void this.#flushBacklog(slot, pending);
    }
  }

  async #flushBacklog(slot: WorkerSlot, pending: Promise<void>): Promise<void> {
    try {
      await pending;
      while (slot.backlog!.length > 0 && !slot.gone) await sendMessage(slot.tasks, slot.backlog!.shift()!, () => slot.gone);
    } finally {
      slot.backlog = undefined;
    }
  }

  /** Handle `ref` was garbage-collected: the workers that have it drop it. */
  #forgetHandle(ref: number): void {
    for (const slot of this.#workers.values()) {
      if (slot.handles.forget(ref)) this.#write(slot, encode([FORGET, ref]));
    }
  }

  // ---- workers ---------------------------------------------------------------------

  #spawn(): WorkerSlot {
    const id = ++this.#workerCount;
    const tasks = new ByteRing(TASK_RING_BYTES);
    const progress = progressCells();
    const sideChannel = new MessageChannel();
    const config: PoolWorkerConfig = {
      workerId: id,
      tasks: tasks.toState(),
      results: this.#results.toState(),
      cancelled: this.#cancelled.buffer as SharedArrayBuffer,
      progress: progress.buffer as SharedArrayBuffer,
      initializer: this.#initializer,
      initargs: this.#initargs,
      sideChannel: new PortHandle(sideChannel.port2),
      maxTasks: this.#maxTasks,
    };
    const process = new Process({
      target: poolWorkerMain,
      args: [config],
      // A Pool's workers are daemons, as Python's. An executor's are not (Python 3.9+: its
      // tasks may start processes); they serve the program instead: they do not keep it
      // alive, and are ended after its other children (the executor holds the program open
      // while its work is pending).
      daemon: !this.#hooks,
      module: libraryModuleUrl("pool_worker"),
    });
    process.name = process.name.replace("Process", "SpawnPoolWorker");
    if (this.#hooks) markService(process, () => endService(process));
    process.start();
    for (const ended of this.#processes) if (!ended.isAlive()) this.#processes.delete(ended);
    this.#processes.add(process);
    const slot: WorkerSlot = {
      id,
      process,
      tasks,
      inFlight: [],
      heldMs: 0,
      heldUnknown: 0,
      assigned: 0,
      answered: 0,
      progress,
      known: new Set(),
      handles: new HandleSender(sideChannel.port1, this.#handleNumbers, process.pid!, () => this.#write(slot, HANDLES_MESSAGE)),
      retiring: false,
      gone: false,
    };
    this.#workers.set(id, slot);
    this.#hooks?.workerStarted(process);
    void this.#watchBoot(slot);
    return slot;
  }

  /**
   * Starts workers until the pool has its size of workers taking chunks, at most
   * `bootsAtOnce` booting at a time: workers that boot together share the CPUs, so that
   * eight starting on two cores would all be up only after eight boots' time. A worker that is
   * up takes the work while the next ones boot (see {@link #watchBoot}).
   */
  #startWorkers(bootsAtOnce = this.#bootsAtOnce): void {
    if (this.#state !== "run" || this.#hooks?.onDemand) return;
    let taking = 0;
    let booting = 0;
    for (const slot of this.#workers.values()) {
      if (!slot.retiring) taking++;
      if (!hasBooted(slot.progress) && slot.process.isAlive()) booting++;
    }
    for (; taking < this.#size && booting < bootsAtOnce; taking++, booting++) this.#spawn();
  }

  /** Waits in the background until `slot`'s worker has booted (or ended); then the next may start. */
  async #watchBoot(slot: WorkerSlot): Promise<void> {
    while (!hasBooted(slot.progress)) {
      if (slot.gone || !slot.process.isAlive()) return this.#startWorkers();
      await waitAsyncUnheld(slot.progress, BOOTED_CELL, 0, Infinity);
    }
    if (slot.gone) return;
    this.#startWorkers();
    this.#dispatch();
  }

  /** Whether a worker that has booted takes chunks: then booting ones take none. */
  #someWorkerTakes(): boolean {
    for (const slot of this.#workers.values()) if (hasBooted(slot.progress) && !slot.retiring) return true;
    return false;
  }

  /** On demand: starts a worker for each chunk that waits, up to the pool's size of workers taking chunks. */
  #startForWaitingChunks(): void {
    let taking = 0;
    for (const slot of this.#workers.values()) if (!slot.retiring) taking++;
    for (let chunk; taking < this.#size && (chunk = this.#queue.take()); taking++) {
      this.#queue.putBack([chunk]);
      this.#fill(this.#spawn());
    }
  }

  /** The worker reached `maxTasksPerChild`: it ends by itself after its chunks; a new one takes its place. */
  #retire(slot: WorkerSlot): void {
    slot.retiring = true;
    this.#startWorkers();
  }

  #forgetIfDone(slot: WorkerSlot): void {
    if (!slot.retiring || slot.inFlight.length > 0) return;
    this.#workers.delete(slot.id);
    unmarkService(slot.process); // it ends by itself now
  }

  /** Ends a worker running a chunk of an aborted job; its other chunks go to other workers. */
  #endWorker(slot: WorkerSlot): void {
    slot.process.terminate();
    this.#workerGone(slot, new ProcessError(`the pool worker ${slot.process.name} was ended`));
  }

  /**
   * A worker is gone: the chunk it was running fails with `error`, the chunks it had not
   * started go to other workers, and a new worker takes its place. A hooked pool tells its
   * owner instead (see {@link PoolHooks.workerLost}).
   */
  #workerGone(slot: WorkerSlot, error: ProcessError): void {
    if (slot.gone) return;
    slot.gone = true;
    slot.handles.close();
    this.#workers.delete(slot.id);
    unmarkService(slot.process);
    if (this.#hooks) return this.#hooks.workerLost(error, slot.startFailure !== undefined);
    // The chunk it was running fails. The others run again elsewhere: those not started,
    // and those done whose results it had not sent yet. A worker whose initializer failed
    // ran none: its chunks all go elsewhere, as Python replaces such a worker, unless every
    // worker failed so in a row; then the first fails, so that an initializer that fails
    // everywhere never stalls the pool (Python's would hang).
    const failsEverywhere = slot.startFailure !== undefined && this.#startFailuresInARow >= this.#size;
    const [running, why] = this.#chunkLost(slot, error, failsEverywhere) ?? [];
    const inFlight = letGoAll(slot);
    this.#inFlight -= inFlight.length;
    this.#queue.putBack(inFlight.filter((chunk) => chunk !== running));
    if (running && !running.job.ended) running.job.chunkFailed(running, why);
    // A worker whose initializer fails everywhere is replaced only when there is work for it.
    if (!failsEverywhere) this.#startWorkers();
    this.#dispatch();
  }

  /** The chunk that fails because `slot`'s worker is gone, and its error; undefined if none does. */
  #chunkLost(slot: WorkerSlot, error: Error, failsEverywhere: boolean): [Chunk, Error] | undefined {
    const running = runningChunk(slot);
    if (running) return [running, error];
    const next = slot.inFlight[0];
    if (!next || (slot.startFailure && !failsEverywhere)) return undefined;
    if (slot.startFailure) return [next, error];
    // It ended before it started `next`: killed while idle (Python runs the task elsewhere),
    // or while loading next's function. `next` runs elsewhere, unless workers keep ending
    // so (a module that ends its worker on import would otherwise stall the pool).
    next.unstartedLosses = (next.unstartedLosses ?? 0) + 1;
    if (next.unstartedLosses < MAX_UNSTARTED_LOSSES) return undefined;
    const text = `${MAX_UNSTARTED_LOSSES} pool workers ended before they started this task ` +
      `(the last: ${slot.process.name}, exit code ${slot.process.exitCode})`;
    return [next, new ProcessError(text)];
  }

  #reapEndedWorkers(): void {
    for (const slot of [...this.#workers.values()]) {
      if (slot.process.isAlive()) continue;
      const code = slot.process.exitCode;
      this.#workerGone(
        slot,
        new ProcessError(`the pool worker ${slot.process.name} ended (exit code ${code}) while running this task`),
      );
    }
  }

  // ---- results ---------------------------------------------------------------------

  /**
   * Reads results while chunks are out; notices workers that ended. The reads do not hold
   * the program open: whoever awaits a result does (see `heldOpen`).
   */
  async #collect(): Promise<void> {
    this.#collecting = true;
    const results = this.#results;
    try {
      while (this.#inFlight > 0) {
        if (this.#recentChunkMs < QUICK_CHUNK_MS) this.#resultPoll.poll(results);
        const bytes = results.tryReadNow() ?? await results.read(Infinity, undefined, this.#stopReading, false);
        if (bytes) {
          this.#onResult(await decodeReceived<ResultMessage>(bytes));
          continue;
        }
        // What an ended worker wrote before it ended is still there: take it first.
        for (let late; (late = await results.read(performance.now(), undefined, undefined, false));) {
          this.#onResult(await decodeReceived<ResultMessage>(late));
        }
        this.#reapEndedWorkers();
      }
    } finally {
      this.#collecting = false;
    }
  }

  readonly #stopReading = (): boolean => {
    if (this.#inFlight === 0) return true;
    for (const slot of this.#workers.values()) if (!slot.process.isAlive()) return true;
    return false;
  };

  /**
   * A worker's result message. When a class or function that its results name could not be
   * imported here (`failure`), every outcome in it fails with that error.
   */
  #onResult({ value: message, failure }: Received<ResultMessage>): void {
    const slot = this.#workers.get(message[0]);
    if (!slot) return; // a worker the pool already gave up on
    if (message[RESULT_OUTCOMES_AT + 1] === START_FAILED) {
      const info = message[RESULT_OUTCOMES_AT + 2] as ErrorInfo;
      slot.startFailure = info;
      this.#startFailuresInARow++;
      const text = `the pool worker ${slot.process.name} could not start: its initializer threw ${info.name}: ${info.message}`;
      this.#workerGone(slot, new ProcessError(text, info));
      return;
    }
    this.#startFailuresInARow = 0;
    const job = slot.inFlight[0].job;
    const ms = message[2];
    job.chunkMs = job.chunkMs === undefined ? ms : job.chunkMs * 0.8 + ms * 0.2;
    this.#recentChunkMs = this.#recentChunkMs === Infinity ? ms : this.#recentChunkMs * 0.8 + ms * 0.2;
    for (let at = RESULT_OUTCOMES_AT; at < message.length; at += RESULT_OUTCOME_FIELDS) {
      const chunk = letGo(slot);
      this.#inFlight--;
      slot.answered++;
      const status = message[at + 1];
      if (job.ended) continue;
      if (failure !== undefined && (status === OK || status === FAILED)) job.chunkFailed(chunk, failure);
      else if (status === OK) job.chunkDone(chunk, message[at + 2] as unknown[]);
      else if (status === FAILED) job.chunkFailed(chunk, rebuildThrown(message[at + 2] as ErrorInfo | ThrownValue | ThrownError));
      // A callback may have ended this worker or the pool (its chunks are then settled).
      if (slot.gone) return;
    }
    this.#forgetIfDone(slot);
    // A retiring worker takes no more: its replacement, started when it took its last
    // chunk outside a dispatch round, may still have none.
    if (slot.retiring) this.#dispatch();
    // Refill once half of the worker's prefetch is done, in one go: a worker busy with the
    // other half needs no wake-up for each chunk written.
    else if (slot.inFlight.length <= 1 || (slot.heldUnknown === 0 && slot.heldMs <= PREFETCH_MS / 2)) this.#fill(slot);
  }
}

/** Where workers find the initializer (they import it before their first task); throws what is wrong. */
function locateInitializer(initializer: TaskFunction, module: string | URL | undefined): TargetRef {
  if (boundPartsOf(initializer)) {
    throw new TypeError("the initializer must be a function exported from its module, not a boundMethod");
  }
  return locate(initializer, { module, kind: "function" });
}

/** The pool's size and task limit (0: none) from valid `options`; throws on invalid ones. */
function checkPoolOptions(options: PoolOptions): { size: number; maxTasks: number } {
  checkSpellings("Pool", options, ["processes", "initializer", "initargs", "maxTasksPerChild", "module"]);
  const size = options.processes ?? cpuCount();
  if (!Number.isInteger(size) || size < 1) {
    throw new ValueError(`Number of processes must be at least 1 (an integer), got ${shown(size)}`);
  }
  const maxTasks = options.maxTasksPerChild ?? undefined;
  if (maxTasks !== undefined && (!Number.isInteger(maxTasks) || maxTasks < 1)) {
    throw new ValueError(`maxTasksPerChild must be a positive integer or undefined, got ${shown(maxTasks)}`);
  }
  const { initializer, initargs } = options;
  if (initializer !== undefined && initializer !== null && typeof initializer !== "function") {
    throw new TypeError("initializer must be a function exported from its module");
  }
  if (initargs !== undefined && initargs !== null && !Array.isArray(initargs)) {
    throw new TypeError(`initargs must be an array of the initializer's arguments, got ${typeof initargs}`);
  }
  return { size, maxTasks: maxTasks ?? 0 };
}

/** A value as an error message shows it: strings quoted, so that "2" is not taken for 2. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The chunk `slot`'s worker is running (or finished without sending its result yet), if any. */
function runningChunk(slot: WorkerSlot): Chunk | undefined {
  const started = chunksStarted(slot.progress) - slot.answered;
  return started > 0 ? slot.inFlight[started - 1] : undefined;
}

/**
 * Whether `slot` may take one more chunk of `job`, beyond `planned` ones of it about to be
 * sent: an idle worker may; a busy one while what it holds is known to be short (see
 * {@link PREFETCH_MS} and {@link ONE_AHEAD_MAX_MS}).
 */
function mayTake(slot: WorkerSlot, job: Job, planned: number): boolean {
  const held = slot.inFlight.length + planned;
  if (held === 0) return true;
  // A job of many chunks (Pool.map's default chunks): the next one waits behind its own kind.
  if (held === 1 && slot.heldUnknown === 1 && job.manyChunks && slot.inFlight[0]?.job === job) return true;
  if (held >= MAX_CHUNKS_PER_WORKER || slot.heldUnknown > 0 || job.chunkMs === undefined) return false;
  const heldMs = slot.heldMs + planned * job.chunkMs;
  return heldMs < (held === 1 ? ONE_AHEAD_MAX_MS : PREFETCH_MS);
}

/** `slot` now holds `chunk`, with its job's chunk time as its estimate. */
function hold(slot: WorkerSlot, chunk: Chunk): void {
  chunk.sentEstimateMs = chunk.job.chunkMs ?? NaN;
  if (Number.isNaN(chunk.sentEstimateMs)) slot.heldUnknown++;
  else slot.heldMs += chunk.sentEstimateMs;
  slot.inFlight.push(chunk);
}

/** `slot` holds nothing any more (its worker is gone); returns the chunks it held. */
function letGoAll(slot: WorkerSlot): Chunk[] {
  const chunks = slot.inFlight;
  slot.inFlight = [];
  slot.heldMs = 0;
  slot.heldUnknown = 0;
  return chunks;
}

/** `slot`'s oldest chunk was answered: it holds it no more. */
function letGo(slot: WorkerSlot): Chunk {
  const chunk = slot.inFlight.shift()!;
  if (Number.isNaN(chunk.sentEstimateMs)) slot.heldUnknown--;
  else slot.heldMs -= chunk.sentEstimateMs!;
  // Sums of floats drift: an empty worker holds nothing.
  if (slot.inFlight.length === 0) slot.heldMs = 0;
  return chunk;
}

/** Refuses inputs that are neither an iterable nor an async iterable (the Redis pool checks its own so). */
export function assertInputs(inputs: unknown): void {
  const ok = typeof inputs === "string" ||
    (typeof inputs === "object" && inputs !== null && (Symbol.iterator in inputs || Symbol.asyncIterator in inputs));
  if (!ok) {
    throw new TypeError(`the inputs must be an iterable or an async iterable, got ${inputs === null ? "null" : typeof inputs}`);
  }
}

/** Every item of an async iterable (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(inputs: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of inputs) items.push(item);
  return items;
}

/** The names of the options of a pool call ({@link ApplyAsyncOptions}, {@link MapAsyncOptions}). */
const CALL_OPTIONS = ["module", "signal", "chunksize", "callback", "errorCallback"] as const;

/**
 * The chunksize that `options` ask for (undefined: the default). Python's positional
 * chunksize (`pool.map(f, xs, 5)`) is a TypeError here rather than silently ignored.
 */
export function checkChunksize(options: ChunkOptions): number | undefined {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`the options are an object, such as { chunksize: ${String(options)} }, not ${typeof options}`);
  }
  checkSpellings("a pool call", options, CALL_OPTIONS);
  const { chunksize } = options;
  if (chunksize === undefined || chunksize === null) return undefined;
  if (!Number.isInteger(chunksize) || chunksize < 1) throw new ValueError(`Chunksize must be 1+, not ${String(chunksize)}`);
  return chunksize;
}

/**
 * The codec's error for the first input of `chunk` that cannot be sent, its path naming it.
 * `encodeItem` encodes as the chunk travels; by default as a local pool's task, where
 * handles pass (they travel beside the bytes) and only what cannot travel at all fails.
 */
export function unsendableInput(
  chunk: Chunk,
  error: unknown,
  encodeItem: (item: unknown, path: string) => unknown = (item, path) => encodeWithRefs(item, () => 0, path),
): unknown {
  for (let i = 0; i < chunk.items.length; i++) {
    try {
      encodeItem(chunk.items[i], chunk.start < 0 ? "args" : `inputs[${chunk.start + i}]`);
    } catch (itemError) {
      return itemError;
    }
  }
  return error;
}

showAsString(Pool);
refuseInstances(
  Pool,
  "a Pool object and cannot be sent to another process (Python: pool objects cannot be passed between processes or " +
    "pickled): make the pool in the process that uses it",
);

/** Ends an executor's worker still running when the program ends (its work is done by then). */
async function endService(process: Process): Promise<void> {
  process.terminate();
  await process.join();
}
