/**
 * `AsyncResult`: the handle of work submitted to a pool (Python's
 * `multiprocessing.pool.AsyncResult`), settled once by the pool.
 * @module
 */
import { TimeoutError, ValueError } from "./errors.ts";
import type { WaitOptions } from "./process.ts";
import { checkOptions } from "./options.ts";
import { heldOpen, settleWithin } from "./transport/wait.ts";
import { refuseInstances } from "./references.ts";
import { showAsString, typeName } from "./repr.ts";

/**
 * Callbacks of an `…Async` pool call, run in the main program when the result is ready.
 * An error a callback throws is printed to stderr; the result and the pool go on.
 * @example Usage
 * ```ts
 * import type { ResultCallbacks } from "@seed/multiprocessing";
 * const callbacks: ResultCallbacks<number> = {
 *   callback: (value) => console.log("result", value),
 *   errorCallback: (error) => console.error("failed", error),
 * };
 * ```
 */
export interface ResultCallbacks<T> {
  /** Called with the value when the work succeeded. */
  callback?: (value: T) => void;
  /** Called with the error when the work failed. */
  errorCallback?: (error: unknown) => void;
}

/** How the pool settles an {@link AsyncResult}: once, with a value or an error. */
export interface ResultSettler<T> {
  /** The work succeeded with `value`. */
  resolve(value: T): void;
  /** The work failed with `error`. */
  reject(error: unknown): void;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The result of `applyAsync`, `mapAsync` or `starmapAsync`: ready once the work finished,
 * then holds its value or its error. Waiting never blocks the event loop.
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
 *   await using pool = new Pool({ processes: 2 });
 *   const result = pool.applyAsync(square, [7]);
 *   console.log(await result.get({ timeout: 5000 })); // 49
 *   console.log(result.ready(), result.successful()); // true true
 * }
 * ```
 */
export class AsyncResult<T> {
  #outcome: Outcome<T> | undefined;
  readonly #settled: Promise<void>;

  /**
   * Made by the pool, which keeps the settler: `executor` receives it at once.
   * @param executor receives the functions that settle the result (the first call wins).
   * @param callbacks run when the result settles, before waiters resume. Settling takes
   *   effect on a microtask, never inside the call that made the result (as Python's
   *   callbacks run on the result thread): a callback may use the result object.
   */
  constructor(executor: (settler: ResultSettler<T>) => void, callbacks: ResultCallbacks<T> = {}) {
    let markSettled!: () => void;
    this.#settled = new Promise((resolve) => (markSettled = resolve));
    let settling = false;
    const settle = (outcome: Outcome<T>) => {
      if (settling) return;
      settling = true;
      queueMicrotask(() => {
        runCallback(outcome, callbacks); // before it is ready, as Python's: ready() is false in it
        this.#outcome = outcome;
        markSettled();
      });
    };
    executor({
      resolve: (value) => settle({ ok: true, value }),
      reject: (error) => settle({ ok: false, error }),
    });
  }

  /** True once the work finished (successfully or not). */
  ready(): boolean {
    return this.#outcome !== undefined;
  }

  /**
   * Whether the work finished without error.
   * @throws {ValueError} when the result is not ready yet.
   */
  successful(): boolean {
    if (!this.#outcome) throw new ValueError("the result is not ready: check ready() or await wait() first");
    return this.#outcome.ok;
  }

  /**
   * Waits until the result is ready or `timeout` ms passed (no error on timeout, as in
   * Python: check {@link AsyncResult.ready}).
   */
  async wait(options: WaitOptions = {}): Promise<void> {
    checkOptions("wait", options);
    await this.#waitReady(options);
  }

  /**
   * The value once ready; rethrows the work's error.
   * @throws {TimeoutError} when not ready within `timeout` ms.
   */
  async get(options: WaitOptions = {}): Promise<T> {
    checkOptions("get", options);
    if (!(await this.#waitReady(options))) {
      throw new TimeoutError(`the result was not ready within ${options.timeout} ms`);
    }
    const outcome = this.#outcome!;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * A short description, as Python's `concurrent.futures.Future` repr:
   * `<AsyncResult state=pending>`, `<AsyncResult state=finished returned number>`,
   * `<AsyncResult state=finished raised TypeError>`.
   */
  toString(): string {
    const outcome = this.#outcome;
    if (!outcome) return `<${this.constructor.name} state=pending>`;
    const how = outcome.ok ? `returned ${typeName(outcome.value)}` : `raised ${typeName(outcome.error)}`;
    return `<${this.constructor.name} state=finished ${how}>`;
  }

  /** Waits as the options say; true when the result is ready. */
  async #waitReady({ timeout, signal }: WaitOptions): Promise<boolean> {
    if (this.#outcome) return true;
    await heldOpen(timeout === undefined && !signal ? this.#settled : settleWithin(this.#settled, timeout, signal));
    return this.#outcome !== undefined;
  }
}

/**
 * Runs the matching callback. An error it throws is printed to stderr and changes nothing
 * else: the result keeps its outcome and the pool goes on (Python prints it from the
 * pool's result thread; an uncaught error here would end the whole program).
 */
function runCallback<T>(outcome: Outcome<T>, { callback, errorCallback }: ResultCallbacks<T>): void {
  try {
    if (outcome.ok) callback?.(outcome.value);
    else errorCallback?.(outcome.error);
  } catch (error) {
    const which = outcome.ok ? "callback" : "errorCallback";
    console.error(`Exception in the ${which} of a pool result (the result is not affected):`);
    console.error(error);
  }
}

showAsString(AsyncResult);
refuseInstances(AsyncResult, "an AsyncResult and cannot be sent to another process: send what its get() gives");
