/**
 * `Future`: the eventual outcome of work handed to an executor (Python's
 * `concurrent.futures.Future`), with Python's five states and their rules. It is a
 * `PromiseLike`: `await future` is `await future.result()`.
 * @module
 */
import { CancelledError, InvalidStateError, RuntimeError, TimeoutError } from "./errors.ts";
import type { WaitOptions } from "./process.ts";
import { refuseInstances } from "./references.ts";
import { showAsString, typeName } from "./repr.ts";
import { checkOptions } from "./options.ts";
import { settleWithin } from "./transport/wait.ts";

/** Python's future states; a cancelled future becomes "notified" once its executor (or waiters) learnt of it. */
type State = "PENDING" | "RUNNING" | "CANCELLED" | "CANCELLED_AND_NOTIFIED" | "FINISHED";

const DESCRIPTION: Record<State, string> = {
  PENDING: "pending",
  RUNNING: "running",
  CANCELLED: "cancelled",
  CANCELLED_AND_NOTIFIED: "cancelled",
  FINISHED: "finished",
};

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Told when a future finished or its cancellation was notified (what `wait` and `asCompleted` watch). */
type Watcher = () => void;

let futureCount = 0;
let watch!: (future: Future<unknown>, watcher: Watcher) => () => void;
let notified!: (future: Future<unknown>) => boolean;
let raised!: (future: Future<unknown>) => boolean;

/**
 * The outcome of work that may not be done yet: submitted to a `ProcessPoolExecutor`, or
 * made and settled by hand (`setResult`, `setException`, as executor authors do in Python).
 *
 * States as in Python: pending, running, cancelled, finished. `cancel()` succeeds while the
 * work has not started. Callbacks added with `addDoneCallback` run once it is done (at once
 * when it already is). `String(future)` and `console.log` show Python's repr without the
 * address: `<Future at #3 state=finished returned number>`. Waiting on a future does not
 * hold the program open by itself (a Promise does not either): its executor does while it
 * has work pending.
 *
 * @example Usage
 * ```ts
 * import { Future } from "@seed/multiprocessing";
 *
 * const f = new Future<number>();
 * f.addDoneCallback((done) => console.log("done:", String(done)));
 * setTimeout(() => f.setResult(42), 10);
 * console.log(await f); // done: <Future at #1 state=finished returned number>, then 42
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  readonly #id = ++futureCount;
  #state: State = "PENDING";
  #outcome: Outcome<T> | undefined;
  #callbacks: ((future: Future<T>) => void)[] = [];
  /** Resumes the waits of `result()`/`exception()` (done, or cancelled). */
  #wakers: (() => void)[] = [];
  /** Made on first use: most futures are never watched. */
  #watchers: Set<Watcher> | undefined;

  static {
    watch = (future, watcher) => {
      const watchers = future.#watchers ??= new Set();
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    };
    notified = (future) => future.#state === "FINISHED" || future.#state === "CANCELLED_AND_NOTIFIED";
    raised = (future) => future.#outcome?.ok === false;
  }

  /**
   * Cancels the work unless it is running or done. Returns false when it is running or
   * finished; true when it is (now) cancelled. Callbacks run.
   */
  cancel(): boolean {
    if (this.#state === "RUNNING" || this.#state === "FINISHED") return false;
    if (this.#state === "PENDING") {
      this.#state = "CANCELLED";
      this.#wake();
      this.#runCallbacks();
    }
    return true;
  }

  /** True when it was cancelled. */
  cancelled(): boolean {
    return this.#state === "CANCELLED" || this.#state === "CANCELLED_AND_NOTIFIED";
  }

  /** True while the work runs (it can no longer be cancelled). */
  running(): boolean {
    return this.#state === "RUNNING";
  }

  /** True once it was cancelled or finished. */
  done(): boolean {
    return this.#state !== "PENDING" && this.#state !== "RUNNING";
  }

  /**
   * The work's value, once done; rethrows the work's error.
   * @throws {CancelledError} when the future was cancelled.
   * @throws {TimeoutError} when it was not done within `timeout` ms.
   */
  async result(options?: WaitOptions): Promise<T> {
    checkOptions("result", options);
    const outcome = this.#outcome ?? await this.#waitDone(options ?? {});
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * The work's error once done, null when it succeeded.
   * @throws {CancelledError} when the future was cancelled.
   * @throws {TimeoutError} when it was not done within `timeout` ms.
   */
  async exception(options?: WaitOptions): Promise<unknown> {
    checkOptions("exception", options);
    const outcome = this.#outcome ?? await this.#waitDone(options ?? {});
    return outcome.ok ? null : outcome.error;
  }

  /**
   * Calls `callback(this future)` once it is done (finished or cancelled), in the order
   * added; at once when it already is. An error a callback throws is printed to stderr
   * (Python logs it), and the next callbacks still run.
   */
  addDoneCallback(callback: (future: Future<T>) => void): void {
    if (!this.done()) {
      this.#callbacks.push(callback);
      return;
    }
    this.#call(callback);
  }

  /**
   * Marks the future running, for executors: returns true; or, when it was cancelled,
   * marks the cancellation notified (waiters see it done) and returns false.
   * @throws {RuntimeError} when it is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === "CANCELLED") {
      this.#state = "CANCELLED_AND_NOTIFIED";
      this.#notifyWatchers();
      return false;
    }
    if (this.#state === "PENDING") {
      this.#state = "RUNNING";
      return true;
    }
    throw new RuntimeError(`Future in unexpected state: ${String(this)}`);
  }

  /**
   * Finishes the future with `value`, for executors.
   * @throws {InvalidStateError} when it is already finished or cancelled.
   */
  setResult(value: T): void {
    this.#finish({ ok: true, value });
  }

  /**
   * Finishes the future with `error`, for executors.
   * @throws {InvalidStateError} when it is already finished or cancelled.
   */
  setException(error: unknown): void {
    this.#finish({ ok: false, error });
  }

  /** As a Promise's `then`: `await future` waits for {@link Future.result}. */
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }

  /** Python's repr without the address: `<Future at #3 state=running>`, `<Future at #4 state=finished raised TypeError>`. */
  toString(): string {
    let text = `<Future at #${this.#id} state=${DESCRIPTION[this.#state]}`;
    const outcome = this.#outcome;
    if (outcome) text += outcome.ok ? ` returned ${typeName(outcome.value)}` : ` raised ${typeName(outcome.error)}`;
    return `${text}>`;
  }

  #finish(outcome: Outcome<T>): void {
    if (this.done()) throw new InvalidStateError(`${this.#state}: ${String(this)}`);
    this.#outcome = outcome;
    this.#state = "FINISHED";
    this.#notifyWatchers();
    this.#wake();
    this.#runCallbacks();
  }

  /**
   * Waits until done, as the options say. The wait does not hold the program open: what
   * settles the future does (an executor, while it has work pending).
   */
  async #waitDone({ timeout, signal }: WaitOptions): Promise<Outcome<T>> {
    if (!this.done()) {
      let wake!: () => void;
      const done = new Promise<void>((resolve) => (wake = resolve));
      this.#wakers.push(wake);
      try {
        await (timeout === undefined && !signal ? done : settleWithin(done, timeout, signal));
      } finally {
        if (this.#wakers.length > 0) this.#wakers = this.#wakers.filter((waker) => waker !== wake);
      }
    }
    if (this.cancelled()) throw new CancelledError(String(this));
    if (!this.#outcome) throw new TimeoutError(`the future was not done within ${timeout} ms: ${String(this)}`);
    return this.#outcome;
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  #notifyWatchers(): void {
    if (this.#watchers) for (const watcher of [...this.#watchers]) watcher();
  }

  #runCallbacks(): void {
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const callback of callbacks) this.#call(callback);
  }

  #call(callback: (future: Future<T>) => void): void {
    try {
      callback(this);
    } catch (error) {
      console.error(`exception calling callback for ${String(this)}`);
      console.error(error);
    }
  }
}

showAsString(Future);
refuseInstances(Future, "a Future and cannot be sent to another process: send what its result() gives");

/**
 * Calls `watcher` when `future` finishes or its cancellation is notified (as Python's
 * future waiters are told); returns the function that stops watching. For `wait` and
 * `asCompleted`.
 */
export function watchFuture<T>(future: Future<T>, watcher: Watcher): () => void {
  return watch(future as Future<unknown>, watcher);
}

/**
 * Whether `future` counts as done for `wait` and `asCompleted`: finished, or cancelled and
 * notified (Python's quirk: a cancelled future nobody notified counts as not done there).
 */
export function isNotified<T>(future: Future<T>): boolean {
  return notified(future as Future<unknown>);
}

/** Whether `future` finished with an error (for `wait`'s FIRST_EXCEPTION). */
export function hasRaised<T>(future: Future<T>): boolean {
  return raised(future as Future<unknown>);
}
