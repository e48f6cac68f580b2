/**
 * `ProcessPoolExecutor`: Python's `concurrent.futures.ProcessPoolExecutor` on the pool
 * engine (src/pool.ts: the same workers, rings and codec), with the executor's own rules:
 * workers start on demand, each submission is a {@link Future}, and a worker that dies
 * breaks the executor (`BrokenProcessPool` for every pending future) instead of being
 * replaced.
 * @module
 */
import { BrokenProcessPool, type ProcessError, RuntimeError, ValueError } from "./errors.ts";
import { Future } from "./future.ts";
import { type Chunk, type Ending, Job, type JobHost } from "./pool_jobs.ts";
import { hookedPool, type Pool, type PoolEngine, type TaskFunction } from "./pool.ts";
import { cpuCount, type Process } from "./process.ts";
import { checkSpellings } from "./options.ts";
import { refuseInstances } from "./references.ts";
import { showAsString } from "./repr.ts";
import { FuturesMapIterator, type MapOptions } from "./futures_map.ts";

/**
 * Options of {@link ProcessPoolExecutor}.
 * @example Usage
 * ```ts
 * import { isMain, type ExecutorOptions, ProcessPoolExecutor } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   const options: ExecutorOptions = { maxWorkers: 2, maxTasksPerChild: 100 };
 *   await using executor = new ProcessPoolExecutor(options);
 *   console.log(await executor.submit(square, 3)); // 9
 * }
 * ```
 */
export interface ExecutorOptions {
  /** Most worker processes at a time (started as work arrives). Default: {@link cpuCount}. */
  maxWorkers?: number;
  /** Exported function each worker calls once, with `initargs`, before its first task; if it throws, the executor breaks. */
  initializer?: TaskFunction;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** Tasks a worker runs before a fresh one replaces it. Default: no limit. */
  maxTasksPerChild?: number;
  /**
   * Python's `mp_context`: a start method name or a context (an object with
   * `getStartMethod()`). Workers always start as "spawn" does today; "fork" is refused.
   */
  mpContext?: string | { getStartMethod(): string };
  /** URL of the module that exports the task functions and the initializer; default: found from the call site. */
  module?: string | URL;
}

/** Python's message for a submission to a broken executor. */
const BROKEN = "A child process terminated abruptly, the process pool is not usable anymore";
/** Python's message for the futures pending when the executor broke. */
const BROKEN_PENDING = "A process in the process pool was terminated abruptly while the future was running or pending.";

/** How often the program's hold looks whether work is still pending (the most a program waits beyond it). */
const HOLD_CHECK_MS = 50;

let processesOf!: (executor: ProcessPoolExecutor) => Process[];

/**
 * A pool of worker processes that runs exported functions and returns a {@link Future} for
 * each call (Python's `concurrent.futures.ProcessPoolExecutor`).
 *
 * - Workers start as work arrives, while none is free, up to `maxWorkers`.
 * - `submit(fn, ...args)` returns a Future at once; `map(fn, ...iterables)` submits every
 *   call at once and yields the results in order.
 * - When a worker ends abruptly (killed, crashed, `exit()` in a task) or its initializer
 *   throws, the executor is broken, as in Python: every pending future fails with
 *   {@link BrokenProcessPool}, the other workers are ended, and `submit` throws it. Make a
 *   new executor then (`executor.broken` tells).
 * - `await using executor = …` shuts it down at the end of the block, waiting for the work.
 *   A program that ends with work still pending waits for it, as Python's does.
 *
 * Arguments and results cross as in a `Pool` (structured clone, the library's handles,
 * exported classes by reference). An argument that cannot cross fails its future with a
 * `TypeError` naming it, as Python puts the pickling error in the future.
 *
 * @example Usage
 * ```ts
 * import { asCompleted, isMain, ProcessPoolExecutor } from "@seed/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
 *   console.log(await executor.submit(square, 7)); // 49
 *   for await (const y of executor.map(square, [1, 2, 3])) console.log(y); // 1, 4, 9
 *   const futures = [2, 3].map((x) => executor.submit(square, x));
 *   for await (const done of asCompleted(futures)) console.log(await done.result()); // 4, 9 in either order
 * }
 * ```
 */
export class ProcessPoolExecutor {
  readonly #pool: Pool;
  readonly #engine: PoolEngine;
  readonly #module: string | URL | undefined;
  readonly #size: number;
  readonly #processes = new Set<Process>();
  /** Futures submitted and not done. */
  readonly #pending = new Set<Future<unknown>>();
  #shutdown = false;
  #broken: string | undefined;
  /**
   * Keeps the program open while work is pending (Python joins its executors at exit): a
   * timer that ends itself once nothing is pending, so that a round trip costs no timer call.
   */
  #hold: ReturnType<typeof setInterval> | undefined;

  static {
    processesOf = (executor) => [...executor.#processes];
  }

  /**
   * Makes the executor; no worker starts before the first submission.
   * @throws {ValueError} when `maxWorkers` is not above 0, `maxTasksPerChild` is below 1, or
   *   `mpContext` is "fork".
   * @throws {TypeError} when `maxWorkers` or `maxTasksPerChild` is not an integer, or
   *   `initializer` not a function.
   */
  constructor(options: ExecutorOptions = {}) {
    this.#size = checkExecutorOptions(options);
    this.#module = options.module;
    ({ pool: this.#pool, engine: this.#engine } = hookedPool({
      processes: this.#size,
      initializer: options.initializer,
      initargs: options.initargs,
      maxTasksPerChild: options.maxTasksPerChild,
      module: options.module,
    }, {
      onDemand: true,
      workerStarted: (process) => this.#workerStarted(process),
      workerLost: (error, initializerFailed) => this.#breakDown(error, initializerFailed),
    }));
  }

  /** True once a worker died or an initializer failed: the executor takes no more work. */
  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /**
   * Runs `fn(...args)` in a worker; the Future gets what it returns (awaited) or throws.
   * @throws {BrokenProcessPool} when the executor is broken.
   * @throws {RuntimeError} after `shutdown()`.
   * @throws {TypeError} when `fn` is not an exported function or an argument cannot cross.
   * @example Usage
   * ```ts
   * import { isMain, ProcessPoolExecutor } from "@seed/multiprocessing";
   *
   * export function pow(base: number, exponent: number): number {
   *   return base ** exponent;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using executor = new ProcessPoolExecutor();
   *   const future = executor.submit(pow, 2, 8);
   *   console.log(await future.result({ timeout: 5000 })); // 256
   * }
   * ```
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    this.#checkOpen();
    const [future] = this.#schedule<Awaited<R>>(fn, [{ items: [args], start: -1 }], 1, false);
    return future;
  }

  /**
   * Calls `fn` with one item of each iterable at a time (`fn(a[i], b[i], …)`, up to the
   * shortest), submitting every call at once, in chunks of `chunksize` calls; yields the
   * results in order. The last argument may be the options: `chunksize` (default 1),
   * `timeout` (ms from this call: `TimeoutError` from the iteration when a result is not
   * ready by then), `signal` (aborting cancels the calls not started, and the iteration
   * rejects with its reason). An error of a call is thrown at its position. Leaving the
   * loop early, or an error, cancels the calls not started yet.
   * @throws {ValueError} when `chunksize` is below 1.
   * @example Usage
   * ```ts
   * import { isMain, ProcessPoolExecutor } from "@seed/multiprocessing";
   *
   * export function pow(base: number, exponent: number): number {
   *   return base ** exponent;
   * }
   *
   * if (isMain(import.meta)) {
   *   await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
   *   for await (const y of executor.map(pow, [2, 3, 4], [5, 2, 1], { chunksize: 2 })) console.log(y); // 32, 9, 4
   * }
   * ```
   */
  // deno-lint-ignore no-explicit-any
  map<R>(fn: (...args: any[]) => R, ...iterablesAndOptions: (Iterable<unknown> | MapOptions)[]): FuturesMapIterator<Awaited<R>> {
    const { calls, star, options } = zipCalls(iterablesAndOptions);
    checkSpellings("map", options, ["chunksize", "timeout", "signal"]);
    const chunksize = options.chunksize ?? 1;
    if (!Number.isInteger(chunksize) || chunksize < 1) throw new ValueError("chunksize must be >= 1.");
    this.#checkOpen();
    const pieces: Piece[] = [];
    for (let start = 0; start < calls.length; start += chunksize) {
      pieces.push({ items: calls.slice(start, start + chunksize), start });
    }
    const futures = this.#schedule<Awaited<R>[]>(fn, pieces, star, true);
    return new FuturesMapIterator<Awaited<R>>(futures, options);
  }

  /**
   * Takes no more work; with `wait` (the default) resolves once the pending work is done
   * and the workers have ended. `cancelFutures` cancels the work not started yet. Calling it
   * again is harmless.
   * @example Usage
   * ```ts
   * import { isMain, ProcessPoolExecutor } from "@seed/multiprocessing";
   *
   * export function square(x: number): number {
   *   return x * x;
   * }
   *
   * if (isMain(import.meta)) {
   *   const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
   *   const future = executor.submit(square, 5);
   *   await executor.shutdown({ wait: true });
   *   console.log(future.done(), await future); // true 25
   * }
   * ```
   */
  async shutdown({ wait = true, cancelFutures = false }: { wait?: boolean; cancelFutures?: boolean } = {}): Promise<void> {
    this.#shutdown = true;
    if (cancelFutures) for (const future of [...this.#pending]) future.cancel();
    this.#pool.close();
    if (!wait) return;
    await this.#pool.join();
    this.#releaseHoldIfIdle();
  }

  /**
   * Shuts down without waiting, cancels the work not started, and terminates the workers;
   * work still running fails with `BrokenProcessPool` (Python 3.14's `terminate_workers`).
   */
  async terminateWorkers(): Promise<void> {
    await this.#forceShutdown((process) => process.terminate());
  }

  /** As {@link ProcessPoolExecutor.terminateWorkers}, killing the workers (Python 3.14's `kill_workers`). */
  async killWorkers(): Promise<void> {
    await this.#forceShutdown((process) => process.kill());
  }

  /** `<ProcessPoolExecutor max_workers=2 workers=1 pending=3 state=running|shutdown|broken>` */
  toString(): string {
    const state = this.#broken ? "broken" : this.#shutdown ? "shutdown" : "running";
    const workers = [...this.#processes].filter((process) => process.isAlive()).length;
    return `<ProcessPoolExecutor max_workers=${this.#size} workers=${workers} pending=${this.#pending.size} state=${state}>`;
  }

  /** Shuts down, waiting for the pending work (Python's `with ProcessPoolExecutor() as ex:`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #checkOpen(): void {
    if (this.#broken) throw new BrokenProcessPool(this.#broken);
    if (this.#shutdown) throw new RuntimeError("cannot schedule new futures after shutdown");
  }

  /** Submits one job whose pieces each get a future. */
  #schedule<R>(fn: TaskFunction, pieces: Piece[], star: 0 | 1, whole: boolean): Future<R>[] {
    const engine = this.#engine;
    const fnId = engine.functionId(fn, this.#module);
    // A map over nothing has no piece whose answer would end its job: a job that never
    // ends would keep the pool's workers from ever stopping (shutdown would wait forever).
    if (pieces.length === 0) return [];
    const job = new FuturesJob(engine.host, engine.nextJobId(), fnId, star, pieces, whole, this.#size);
    for (const future of job.futures) this.#track(future);
    engine.submit(job);
    return job.futures as Future<R>[];
  }

  #workerStarted(process: Process): void {
    for (const ended of this.#processes) if (!ended.isAlive()) this.#processes.delete(ended);
    this.#processes.add(process);
  }

  #track(future: Future<unknown>): void {
    this.#pending.add(future);
    this.#hold ??= setInterval(() => this.#releaseHoldIfIdle(), HOLD_CHECK_MS);
    future.addDoneCallback(() => this.#pending.delete(future));
  }

  #releaseHoldIfIdle(): void {
    if (this.#pending.size > 0) return;
    clearInterval(this.#hold);
    this.#hold = undefined;
  }

  /** A worker died or its initializer threw: every pending future fails, the workers end. */
  #breakDown(cause: ProcessError, initializerFailed: boolean): void {
    if (this.#broken) return;
    if (initializerFailed) console.error(`Exception in initializer:\n${cause.childStack ?? cause.message}`);
    this.#broken = BROKEN;
    this.#failPending(new BrokenProcessPool(BROKEN_PENDING, { cause }));
    void this.#pool.terminate();
  }

  async #forceShutdown(end: (process: Process) => void): Promise<void> {
    void this.shutdown({ wait: false, cancelFutures: true });
    for (const process of this.#processes) if (process.isAlive()) end(process);
    this.#failPending(new BrokenProcessPool("the workers were ended by terminateWorkers() or killWorkers()"));
    await this.#pool.terminate();
    this.#releaseHoldIfIdle();
  }

  #failPending(error: BrokenProcessPool): void {
    for (const future of [...this.#pending]) {
      if (!future.done()) future.setException(error); // a callback may have settled it meanwhile
    }
  }
}

showAsString(ProcessPoolExecutor);
refuseInstances(
  ProcessPoolExecutor,
  "a ProcessPoolExecutor and cannot be sent to another process: make the executor in the process that uses it",
);

/** The worker processes an executor started (test access, as Python's `executor._processes`). */
export function executorProcesses(executor: ProcessPoolExecutor): Process[] {
  return processesOf(executor);
}

/** Some consecutive calls that run together in one worker and share one future. */
interface Piece {
  /** One per call: its argument list (star), or its one argument. */
  items: unknown[];
  /** Input index of the first call; -1 for `submit`. */
  start: number;
}

/**
 * One `submit` (one piece) or one `map` (a piece per chunk): each piece's future goes
 * running when the pool takes its chunk, and finishes with its result (`whole`: the
 * chunk's list of results, for `map`) or error. A piece cancelled before that is skipped.
 */
class FuturesJob extends Job {
  readonly futures: Future<unknown>[];
  /** The pieces not taken yet (a taken one is let go). */
  readonly #pieces: (Piece | undefined)[];
  #next = 0;
  /** Pieces not answered and not cancelled. */
  #left: number;

  constructor(
    host: JobHost,
    id: number,
    fnId: number,
    star: 0 | 1,
    pieces: Piece[],
    private readonly whole: boolean,
    workers: number,
  ) {
    super(host, id, fnId, star);
    this.#pieces = pieces;
    this.#left = pieces.length;
    this.manyChunks = pieces.length >= 2 * workers;
    this.futures = pieces.map((_, index) => {
      const future = new Future<unknown>();
      future.addDoneCallback(() => this.#pieceDone(index));
      return future;
    });
  }

  nextChunk(): Chunk | undefined {
    while (this.#next < this.#pieces.length && !this.ended) {
      const index = this.#next++;
      const future = this.futures[index];
      if (future.done()) continue; // cancelled: its cancel was notified already
      future.setRunningOrNotifyCancel();
      const { items, start } = this.#pieces[index]!;
      this.#pieces[index] = undefined;
      return { job: this, index, start, items };
    }
    return undefined;
  }

  hasMoreChunks(): boolean {
    return this.#next < this.#pieces.length && !this.ended;
  }

  chunkDone(chunk: Chunk, values: unknown[]): void {
    this.#settle(chunk.index, (future) => future.setResult(this.whole ? values : values[0]));
  }

  chunkFailed(chunk: Chunk, error: unknown): void {
    this.#settle(chunk.index, (future) => future.setException(error));
  }

  fail(error: unknown, ending: Ending = "cancelled"): void {
    if (this.ended) return;
    for (const future of this.futures) if (!future.done()) future.setException(error);
    this.end(ending);
  }

  #settle(index: number, set: (future: Future<unknown>) => void): void {
    const future = this.futures[index];
    if (!future.done()) set(future);
  }

  /** A piece's future is done: finished, or cancelled before it ran (its cancel is notified here). */
  #pieceDone(index: number): void {
    const future = this.futures[index];
    if (future.cancelled()) future.setRunningOrNotifyCancel();
    if (--this.#left === 0) this.end("done");
  }
}

/**
 * The options of `map` (the last argument when it is not iterable) and its calls: argument
 * lists (`star`), or with one iterable its items themselves (which travel lighter).
 */
function zipCalls(args: (Iterable<unknown> | MapOptions)[]): { calls: unknown[]; star: 0 | 1; options: MapOptions } {
  const last = args.at(-1);
  const hasOptions = typeof last === "object" && last !== null && !(Symbol.iterator in last);
  const options = (hasOptions ? args.pop() : {}) as MapOptions;
  const iterators = args.map((iterable, i) => {
    if (typeof iterable !== "string" && (typeof iterable !== "object" || iterable === null || !(Symbol.iterator in iterable))) {
      throw new TypeError(`map() takes iterables after the function: argument ${i + 1} is ${iterable === null ? "null" : typeof iterable}`);
    }
    return (iterable as Iterable<unknown>)[Symbol.iterator]();
  });
  if (iterators.length === 1) {
    const [iterable] = args as Iterable<unknown>[];
    return { calls: Array.isArray(iterable) ? iterable : [...iterable], star: 0, options };
  }
  const calls: unknown[][] = [];
  if (iterators.length === 0) return { calls, star: 1, options };
  for (;;) {
    const call: unknown[] = [];
    for (const iterator of iterators) {
      const step = iterator.next();
      if (step.done) return { calls, star: 1, options };
      call.push(step.value);
    }
    calls.push(call);
  }
}

/** Python's checks of the executor's options; returns the number of workers. */
function checkExecutorOptions(options: ExecutorOptions): number {
  checkSpellings("ProcessPoolExecutor", options, ["maxWorkers", "initializer", "initargs", "maxTasksPerChild", "mpContext", "module"]);
  const { maxWorkers, maxTasksPerChild, initializer } = options;
  if (maxWorkers !== undefined && maxWorkers !== null) {
    if (typeof maxWorkers !== "number" || Number.isNaN(maxWorkers)) throw new TypeError(`maxWorkers must be an integer, got ${typeof maxWorkers}`);
    if (maxWorkers <= 0) throw new ValueError("maxWorkers must be greater than 0");
    if (!Number.isInteger(maxWorkers)) throw new TypeError(`maxWorkers must be an integer, got ${maxWorkers}`);
  }
  if (initializer !== undefined && initializer !== null && typeof initializer !== "function") {
    throw new TypeError("initializer must be a callable (a function exported from its module)");
  }
  if (maxTasksPerChild !== undefined && maxTasksPerChild !== null) {
    if (!Number.isInteger(maxTasksPerChild)) throw new TypeError("maxTasksPerChild must be an integer");
    if (maxTasksPerChild <= 0) throw new ValueError("maxTasksPerChild must be >= 1");
  }
  const method = typeof options.mpContext === "string" ? options.mpContext : options.mpContext?.getStartMethod();
  if (method === "fork") {
    throw new ValueError("cannot find context for 'fork' (workers start as 'spawn' or 'forkserver' do; leave mpContext out)");
  }
  return maxWorkers ?? cpuCount();
}
