/**
 * The error classes of the library, one per Python exception it mirrors.
 * Every class sets `name` to its own class name. They cross processes as themselves (by
 * reference, see references.ts), with their fields.
 * @module
 */
import { registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";

/**
 * Base of the library's errors: sets `name` to the concrete class name.
 * @example Usage
 * ```ts
 * import { Empty } from "@seed/multiprocessing";
 * console.log(new Empty().name); // "Empty"
 * ```
 */
export abstract class NamedError extends Error {
  /** An error whose `name` is its class's name. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Raised by `get()`/`getNowait()` when no item is available in time (Python's `queue.Empty`).
 * @example Usage
 * ```ts
 * import { Empty, Queue } from "@seed/multiprocessing";
 * const q = new Queue<number>();
 * try { q.getNowait(); } catch (e) { console.log(e instanceof Empty); } // true
 * ```
 */
export class Empty extends NamedError {}

/**
 * Raised by `put()`/`putNowait()` when a bounded queue stays full (Python's `queue.Full`).
 * @example Usage
 * ```ts
 * import { Full, Queue } from "@seed/multiprocessing";
 * const q = new Queue<number>(1);
 * q.putNowait(1);
 * try { q.putNowait(2); } catch (e) { console.log(e instanceof Full); } // true
 * ```
 */
export class Full extends NamedError {}

/**
 * A value or a call is not valid in the current state (Python's `ValueError`).
 * @example Usage
 * ```ts
 * import { ValueError } from "@seed/multiprocessing";
 * const err = new ValueError("Queue is closed");
 * console.log(err.name); // "ValueError"
 * ```
 */
export class ValueError extends NamedError {}

/**
 * A wait ran out of time: `AsyncResult.get` (as Python's), and `JoinableQueue.join` /
 * `joinSync`, `Connection.recv` / `recvBytes` (and their `…Sync` twins), which have no
 * timeout in Python. (A Barrier's timed-out wait is a {@link BrokenBarrierError}.)
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@seed/multiprocessing";
 * console.log(new TimeoutError("result not ready").name); // "TimeoutError"
 * ```
 */
export class TimeoutError extends NamedError {}

/**
 * A barrier was broken (aborted, reset, a party timed out or died) while waiting.
 * @example Usage
 * ```ts
 * import { BrokenBarrierError } from "@seed/multiprocessing";
 * console.log(new BrokenBarrierError().name); // "BrokenBarrierError"
 * ```
 */
export class BrokenBarrierError extends NamedError {}

/**
 * The other end of a connection is closed and nothing is left to receive.
 * @example Usage
 * ```ts
 * import { EOFError } from "@seed/multiprocessing";
 * console.log(new EOFError().name); // "EOFError"
 * ```
 */
export class EOFError extends NamedError {}

/**
 * A send on a connection whose other end is closed in every process that held it (or whose
 * holders ended): nothing could ever receive it (Python's `BrokenPipeError`).
 * @example Usage
 * ```ts
 * import { BrokenPipeError, Pipe } from "@seed/multiprocessing";
 * const [a, b] = Pipe();
 * b.close();
 * try { a.send("lost"); } catch (e) { console.log(e instanceof BrokenPipeError); } // true
 * ```
 */
export class BrokenPipeError extends NamedError {}

/**
 * What a child reports about an error that escaped it.
 * @example Usage
 * ```ts
 * import type { ErrorInfo } from "@seed/multiprocessing";
 * const info: ErrorInfo = { name: "RangeError", message: "too far" };
 * console.log(`${info.name}: ${info.message}`);
 * ```
 */
export interface ErrorInfo {
  /** The error's `name` (its class name for most errors). */
  name: string;
  /** The error's message. */
  message: string;
  /** The stack as the child printed it, if any. */
  stack?: string;
  /**
   * The error's own other fields that can cross (a Node system error's `code`, `errno`,
   * `syscall`, `path`), as Python's pickle keeps an exception's `__dict__` and an `OSError`'s
   * `errno` and `filename`.
   */
  fields?: Record<string, unknown>;
}

/**
 * A failure in a child process surfaced to the parent: a pool task whose worker died, or
 * an error thrown in a child whose class could not be rebuilt. `name` stays "ProcessError";
 * `childName`, `message` and `childStack` describe the child's error.
 * @example Usage
 * ```ts
 * import { ProcessError } from "@seed/multiprocessing";
 * const err = new ProcessError("worker died", { name: "Error", message: "worker died" });
 * console.log(err.childName); // "Error"
 * ```
 */
export class ProcessError extends NamedError {
  /** The `name` of the error in the child. */
  readonly childName: string;
  /** The stack of the error in the child, when it had one. */
  readonly childStack?: string;

  /** An error about a child process; `info` describes the error the child raised, if any. */
  constructor(message: string, info?: ErrorInfo, options?: ErrorOptions) {
    super(message, options);
    this.childName = info?.name ?? "Error";
    this.childStack = info?.stack;
  }
}

/**
 * A lookup by key found nothing: a manager's `dict` (`getItem`, `pop`, `delItem` of a missing
 * key), as Python's `KeyError`. Also what a `ShareableList` raises for a value of a type it
 * cannot hold, as Python's does.
 * @example Usage
 * ```ts
 * import { KeyError } from "@seed/multiprocessing";
 * console.log(new KeyError("'a'").name); // "KeyError"
 * ```
 */
export class KeyError extends NamedError {}

/**
 * An index out of range: a manager's `list`, a `ShareableList`, as Python's `IndexError`.
 * @example Usage
 * ```ts
 * import { IndexError } from "@seed/multiprocessing";
 * console.log(new IndexError("list index out of range").name); // "IndexError"
 * ```
 */
export class IndexError extends NamedError {}

/**
 * An operation not allowed in the object's state, as Python's `RuntimeError`: releasing a
 * manager's lock that is not held, a manager's `dict` changed while iterated.
 * @example Usage
 * ```ts
 * import { RuntimeError } from "@seed/multiprocessing";
 * console.log(new RuntimeError("release unlocked lock").name); // "RuntimeError"
 * ```
 */
export class RuntimeError extends NamedError {}

/**
 * A manager could not do what it was asked, as Python's `multiprocessing.managers.RemoteError`:
 * creating an object failed, or a method that is not exposed was called. The message holds
 * the manager's own error (its class, message and stack). An error raised by an exposed
 * method itself arrives as its own class instead.
 * @example Usage
 * ```ts
 * import { RemoteError } from "@seed/multiprocessing";
 * console.log(new RemoteError("method 'x' is not exposed").name); // "RemoteError"
 * ```
 */
export class RemoteError extends NamedError {}

/**
 * Options of {@link FileExistsError} and {@link FileNotFoundError}: the name concerned, as
 * Python's `OSError.filename`.
 * @example Usage
 * ```ts
 * import { FileNotFoundError, type OSErrorOptions } from "@seed/multiprocessing";
 * const options: OSErrorOptions = { filename: "psm_gone" };
 * console.log(new FileNotFoundError("no such block", options).filename); // "psm_gone"
 * ```
 */
export interface OSErrorOptions extends ErrorOptions {
  /** The name the error is about. */
  filename?: string;
}

/**
 * Python's `OSError`, the base of {@link FileExistsError} and {@link FileNotFoundError}: an
 * operating system's error, with Python's `errno`, `strerror` and `filename`.
 * @example Usage
 * ```ts
 * import { OSError, SharedMemory } from "@seed/multiprocessing";
 * try {
 *   new SharedMemory("no_such_segment");
 * } catch (e) {
 *   if (e instanceof OSError) console.log(e.errno, e.strerror, e.filename); // 2 "No such file or directory" "no_such_segment"
 * }
 * ```
 */
export class OSError extends NamedError {
  /** The error's number (`errno`), or null (Python's `OSError("handle is closed")` has none). */
  readonly errno: number | null;
  /** Its description (`strerror`), or null. */
  readonly strerror: string | null;
  /** The name it is about (Python's `filename`), or null. */
  readonly filename: string | null;

  /** An error numbered `errno`, described by `strerror`, about `options.filename`. */
  constructor(errno: number | null, strerror: string | null, message?: string, options?: OSErrorOptions) {
    super(message, options);
    this.errno = errno;
    this.strerror = strerror;
    this.filename = options?.filename ?? null;
  }
}

/**
 * Creating shared memory under a name that is taken, as Python's `FileExistsError`
 * (`errno` 17, `EEXIST`).
 * @example Usage
 * ```ts
 * import { FileExistsError, SharedMemory } from "@seed/multiprocessing";
 * const shm = new SharedMemory({ create: true, size: 8 });
 * try {
 *   new SharedMemory({ name: shm.name, create: true, size: 8 });
 * } catch (e) {
 *   console.log(e instanceof FileExistsError); // true
 * }
 * shm.unlink();
 * ```
 */
export class FileExistsError extends OSError {
  /** An error about `options.filename`, the name that is taken. */
  constructor(message?: string, options?: OSErrorOptions) {
    super(17, "File exists", message, options);
  }
}

/**
 * Attaching (or unlinking) shared memory by a name that does not exist, or no longer does
 * (unlinked), as Python's `FileNotFoundError` (`errno` 2, `ENOENT`).
 * @example Usage
 * ```ts
 * import { FileNotFoundError, SharedMemory } from "@seed/multiprocessing";
 * try {
 *   new SharedMemory("no_such_segment");
 * } catch (e) {
 *   console.log(e instanceof FileNotFoundError); // true
 * }
 * ```
 */
export class FileNotFoundError extends OSError {
  /** An error about `options.filename`, the name that was not found. */
  constructor(message?: string, options?: OSErrorOptions) {
    super(2, "No such file or directory", message, options);
  }
}

/**
 * An executor can no longer run work (Python's `concurrent.futures.BrokenExecutor`): a
 * worker died or an initializer failed.
 * @example Usage
 * ```ts
 * import { BrokenExecutor, RuntimeError } from "@seed/multiprocessing";
 * console.log(new BrokenExecutor("broken") instanceof RuntimeError); // true
 * ```
 */
export class BrokenExecutor extends RuntimeError {}

/**
 * A worker of a `ProcessPoolExecutor` ended abruptly (killed, crashed, `exit()` in a task)
 * or its initializer threw: every pending future fails with this error and the executor
 * takes no more work, as Python's `concurrent.futures.process.BrokenProcessPool`. The
 * worker's own error, when there is one, is the `cause`.
 * @example Usage
 * ```ts
 * import { BrokenExecutor, BrokenProcessPool } from "@seed/multiprocessing";
 * console.log(new BrokenProcessPool("a worker died") instanceof BrokenExecutor); // true
 * ```
 */
export class BrokenProcessPool extends BrokenExecutor {}

/**
 * The future was cancelled (Python's `concurrent.futures.CancelledError`): thrown by its
 * `result()` and `exception()`.
 * @example Usage
 * ```ts
 * import { CancelledError, Future } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.cancel();
 * await f.result().catch((e) => console.log(e instanceof CancelledError)); // true
 * ```
 */
export class CancelledError extends NamedError {}

/**
 * A future was set twice, or set after it was cancelled (Python's
 * `concurrent.futures.InvalidStateError`).
 * @example Usage
 * ```ts
 * import { Future, InvalidStateError } from "@seed/multiprocessing";
 * const f = new Future<number>();
 * f.setResult(1);
 * try { f.setResult(2); } catch (e) { console.log(e instanceof InvalidStateError); } // true
 * ```
 */
export class InvalidStateError extends NamedError {}

// This library's errors cross as themselves: by reference to the library's entry module,
// which exports them, and which every process that uses the library has loaded.
for (
  const [name, cls] of Object.entries({
    Empty,
    Full,
    ValueError,
    TimeoutError,
    BrokenBarrierError,
    EOFError,
    BrokenPipeError,
    ProcessError,
    KeyError,
    IndexError,
    RuntimeError,
    RemoteError,
    FileExistsError,
    FileNotFoundError,
    BrokenExecutor,
    BrokenProcessPool,
    CancelledError,
    InvalidStateError,
  })
) registerExport(cls, libraryEntryUrl().href, name);
