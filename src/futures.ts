/**
 * Python's `concurrent.futures` for processes: {@link ProcessPoolExecutor}, {@link Future},
 * {@link wait}, {@link asCompleted}, the `returnWhen` constants and the executor's errors.
 * The subpath `@seed/multiprocessing/futures`; every name is also exported by the main entry.
 *
 * @example Usage
 * ```ts
 * import { asCompleted, isMain, ProcessPoolExecutor } from "@seed/multiprocessing/futures";
 *
 * export function isPrime(n: number): boolean {
 *   for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
 *   return n > 1;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using executor = new ProcessPoolExecutor();
 *   const futures = new Map([97, 100].map((n) => [executor.submit(isPrime, n), n]));
 *   for await (const future of asCompleted(futures.keys())) {
 *     console.log(futures.get(future), "is prime:", await future.result());
 *   }
 * }
 * ```
 * @module
 */
import { TimeoutError, ValueError } from "./errors.ts";
import { type Future, hasRaised, isNotified, watchFuture } from "./future.ts";
import { checkOptions } from "./options.ts";
import { remaining, settleWithin } from "./transport/wait.ts";

export { BrokenExecutor, BrokenProcessPool, CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";
export { isMain } from "./process.ts";
export { Future } from "./future.ts";
export { type ExecutorOptions, ProcessPoolExecutor } from "./futures_executor.ts";
export { FuturesMapIterator, type MapOptions } from "./futures_map.ts";

/**
 * `wait` returns when any future finishes or is cancelled.
 * @example Usage
 * ```ts
 * import { FIRST_COMPLETED, Future, wait } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * setTimeout(() => f.setResult(1), 10);
 * console.log((await wait([f], { returnWhen: FIRST_COMPLETED })).done.size); // 1
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait` returns when any future finishes by raising an error, else when all are done.
 * @example Usage
 * ```ts
 * import { FIRST_EXCEPTION, Future, wait } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.setException(new RangeError("no"));
 * console.log((await wait([f, new Future()], { returnWhen: FIRST_EXCEPTION })).done.has(f)); // true
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait` returns when every future is done (the default).
 * @example Usage
 * ```ts
 * import { ALL_COMPLETED, Future, wait } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.setResult(1);
 * console.log((await wait([f], { returnWhen: ALL_COMPLETED })).notDone.size); // 0
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/**
 * When {@link wait} returns.
 * @example Usage
 * ```ts
 * import { FIRST_COMPLETED, type ReturnWhen } from "@seed/multiprocessing";
 * const when: ReturnWhen = FIRST_COMPLETED;
 * ```
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/**
 * Options of {@link wait}.
 * @example Usage
 * ```ts
 * import { FIRST_COMPLETED, type WaitFuturesOptions } from "@seed/multiprocessing";
 * const options: WaitFuturesOptions = { timeout: 1000, returnWhen: FIRST_COMPLETED };
 * ```
 */
export interface WaitFuturesOptions {
  /** Most ms to wait; then `wait` returns the sets as they are (no error). Default: no limit. */
  timeout?: number;
  /** When to return; default {@link ALL_COMPLETED}. */
  returnWhen?: ReturnWhen;
}

/**
 * What {@link wait} returns (Python's `DoneAndNotDoneFutures`).
 * @example Usage
 * ```ts
 * import { type DoneAndNotDone, Future, wait } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.setResult(1);
 * const { done, notDone }: DoneAndNotDone<number> = await wait([f]);
 * console.log(done.size, notDone.size); // 1 0
 * ```
 */
export interface DoneAndNotDone<T> {
  /** The futures finished or cancelled. */
  done: Set<Future<T>>;
  /** The others. */
  notDone: Set<Future<T>>;
}

/**
 * Waits until the futures are done as `returnWhen` says, or `timeout` ms passed (Python's
 * `concurrent.futures.wait`); duplicates count once. A future cancelled by hand that no
 * executor has seen yet counts as not done here, as in Python.
 * @throws {ValueError} for an unknown `returnWhen`.
 * @example Usage
 * ```ts
 * import { FIRST_COMPLETED, isMain, ProcessPoolExecutor, wait } from "@seed/multiprocessing";
 *
 * export async function sleepFor(ms: number): Promise<number> {
 *   await new Promise((resolve) => setTimeout(resolve, ms));
 *   return ms;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
 *   const futures = [10, 2000].map((ms) => executor.submit(sleepFor, ms));
 *   const { done, notDone } = await wait(futures, { returnWhen: FIRST_COMPLETED });
 *   console.log(done.size, notDone.size); // 1 1
 * }
 * ```
 */
export async function wait<T>(futures: Iterable<Future<T>>, options: WaitFuturesOptions = {}): Promise<DoneAndNotDone<T>> {
  checkOptions("wait", options);
  const { timeout, returnWhen = ALL_COMPLETED } = options;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new ValueError(`Invalid return condition: ${JSON.stringify(returnWhen)}`);
  }
  const all = new Set(futures);
  // Counted as they finish (each is notified once), not recounted: a wait over many
  // futures costs what Python's waiter does, not the square of their number.
  let doneCount = 0;
  let raised = false;
  const count = (future: Future<T>): void => {
    doneCount++;
    if (!future.cancelled() && hasRaised(future)) raised = true;
  };
  const waiting: Future<T>[] = [];
  for (const future of all) {
    if (isNotified(future)) count(future);
    else waiting.push(future);
  }
  const enough = (): boolean => {
    if (doneCount === all.size) return true;
    if (returnWhen === FIRST_COMPLETED) return doneCount > 0;
    return returnWhen === FIRST_EXCEPTION && raised;
  };
  if (!enough()) {
    let wake!: () => void;
    const ready = new Promise<void>((resolve) => (wake = resolve));
    const unwatch = waiting.map((future) =>
      watchFuture(future, () => {
        count(future);
        if (enough()) wake();
      })
    );
    try {
      await settleWithin(ready, timeout);
    } finally {
      for (const stop of unwatch) stop();
    }
  }
  const done = new Set([...all].filter(isNotified));
  return { done, notDone: new Set([...all].filter((future) => !done.has(future))) };
}

/**
 * A future as {@link asCompleted} yields it: the Future itself. Its type hides `then`, since
 * TypeScript types what a `for await` yields as its awaited value when it is PromiseLike:
 * call `result()` on it (its value) rather than `await` it.
 * @example Usage
 * ```ts
 * import { asCompleted, type CompletedFuture, Future } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.setResult(1);
 * for await (const done of asCompleted([f])) {
 *   const same: CompletedFuture<number> = done;
 *   console.log(same === f, await same.result()); // true 1
 * }
 * ```
 */
export type CompletedFuture<T> = Future<T> & { then: never };

/**
 * Yields the futures as they complete (Python's `concurrent.futures.as_completed`): those
 * already done first, then each as it finishes or its cancellation is noticed, each once.
 * It yields the Future objects themselves (`await future.result()` for the value).
 * @throws {TimeoutError} from the iteration, `"N (of M) futures unfinished"`, when `timeout`
 *   ms (counted from this call) passed before all were done.
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
 *   const futures = [1, 2, 3].map((x) => executor.submit(square, x));
 *   for await (const future of asCompleted(futures, { timeout: 10_000 })) console.log(await future.result());
 * }
 * ```
 */
export function asCompleted<T>(
  futures: Iterable<Future<T>>,
  options: { timeout?: number } = {},
): AsyncIterableIterator<CompletedFuture<T>> {
  checkOptions("asCompleted", options);
  return new AsCompleted(new Set(futures), options.timeout) as AsyncIterableIterator<Future<T>> as AsyncIterableIterator<CompletedFuture<T>>;
}

/**
 * The iterator of {@link asCompleted}: hand-written, since an async generator's `yield` would
 * unwrap a Future (a PromiseLike). As Python's, it yields in batches: the futures done at the
 * call, then, after each wait, every future that finished meanwhile. The deadline is checked
 * before each wait only: a batch is yielded whole, and a future that finishes while the loop's
 * body runs past the deadline is counted as unfinished, not yielded.
 */
class AsCompleted<T> implements AsyncIterableIterator<Future<T>> {
  readonly #total: number;
  /** Not yielded yet, the futures done at the call aside (Python's `pending`, which the timeout's message counts). */
  readonly #pending: Set<Future<T>>;
  /** Collected after a wait (at first, the futures done at the call): yielded before the next wait. */
  #batch: Future<T>[];
  /** Finished since the last collection. */
  readonly #arrived: Future<T>[] = [];
  readonly #deadline: number;
  readonly #unwatch: (() => void)[];
  #wake: (() => void) | undefined;

  constructor(futures: Set<Future<T>>, timeout: number | undefined) {
    this.#total = futures.size;
    this.#deadline = timeout === undefined || timeout === null ? Infinity : performance.now() + Math.max(timeout, 0);
    this.#batch = [...futures].filter(isNotified);
    this.#pending = new Set([...futures].filter((future) => !isNotified(future)));
    this.#unwatch = [...this.#pending].map((future) => watchFuture(future, () => this.#onDone(future)));
  }

  async next(): Promise<IteratorResult<Future<T>>> {
    for (;;) {
      const future = this.#batch.shift();
      if (future !== undefined) {
        this.#pending.delete(future);
        return { done: false, value: future };
      }
      if (this.#pending.size === 0) return this.#end();
      const left = remaining(this.#deadline);
      if (left === 0) {
        const error = new TimeoutError(`${this.#pending.size} (of ${this.#total}) futures unfinished`);
        this.#end();
        throw error;
      }
      if (this.#arrived.length === 0) {
        await settleWithin(new Promise<void>((resolve) => (this.#wake = resolve)), left === Infinity ? undefined : left);
        this.#wake = undefined;
      }
      this.#batch = this.#arrived.splice(0);
    }
  }

  /** Leaves the iteration (stops watching the futures). */
  return(): Promise<IteratorResult<Future<T>>> {
    return Promise.resolve(this.#end());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #onDone(future: Future<T>): void {
    if (!this.#pending.has(future)) return; // (a future is notified once: finished, or its cancellation)
    this.#arrived.push(future);
    this.#wake?.();
  }

  #end(): IteratorResult<Future<T>> {
    for (const stop of this.#unwatch.splice(0)) stop();
    this.#pending.clear();
    this.#batch = [];
    this.#arrived.length = 0;
    return { done: true, value: undefined };
  }
}
