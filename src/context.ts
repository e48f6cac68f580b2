/**
 * Contexts and start methods, as Python's `multiprocessing.context`: `getContext(method)`
 * gives an object with the library's whole API whose processes start by that method, so that
 * `ctx = mp.get_context("spawn"); ctx.Process(...)` ports line for line.
 *
 * - `spawn` (the default): each process starts on a fresh worker, which imports its module.
 * - `forkserver`: each process starts on a warm worker, started earlier and waiting with the
 *   bootstrap (and the preloaded modules) loaded; a new one warms up in the background.
 * - `fork` does not exist: a JavaScript heap cannot be cloned (Python on Windows says the same).
 * @module
 */
import { RuntimeError, ValueError } from "./errors.ts";
import { Manager } from "./managers.ts";
import { Pool } from "./pool.ts";
import { activeChildren, cpuCount, currentProcess, freezeSupport, parentProcess, Process } from "./process.ts";
import { JoinableQueue, Queue, SimpleQueue } from "./queues.ts";
import { Pipe } from "./connection.ts";
import { RawArray, RawValue, SharedArray, Value } from "./sharedctypes.ts";
import {
  addPreload,
  fixedStartMethod,
  fixStartMethod,
  START_METHOD,
  type StartMethod,
  START_METHODS,
  warmSpares,
} from "./start_methods.ts";
import { callerModules } from "./target.ts";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "./synchronize.ts";

export type { StartMethod } from "./start_methods.ts";

/**
 * A process that always starts on a fresh worker (Python's `SpawnProcess`).
 * @example Usage
 * ```ts
 * import { getContext, isMain } from "@seed/multiprocessing";
 * export function work(): void {}
 * if (isMain(import.meta)) {
 *   const p = new (getContext("spawn").Process)({ target: work });
 *   console.log(p.name); // "SpawnProcess-1"
 * }
 * ```
 */
export class SpawnProcess extends Process {
  /** Its start method. */
  static readonly [START_METHOD]: StartMethod = "spawn";
}

/**
 * A process that always starts on a warm worker (Python's `ForkServerProcess`).
 * @example Usage
 * ```ts
 * import { getContext, isMain } from "@seed/multiprocessing";
 * export function work(): void {}
 * if (isMain(import.meta)) {
 *   const p = new (getContext("forkserver").Process)({ target: work });
 *   p.start();
 *   await p.join();
 * }
 * ```
 */
export class ForkServerProcess extends Process {
  /** Its start method. */
  static readonly [START_METHOD]: StartMethod = "forkserver";
}

/**
 * A start method's view of the library (Python's `BaseContext`): the same classes and
 * functions as the module, with `Process` starting by this method. Shared objects (queues,
 * locks, values) do not depend on the start method: they are the module's own classes, and
 * mix freely with processes of every method.
 * @example Usage
 * ```ts
 * import { getContext, isMain } from "@seed/multiprocessing";
 *
 * export function work(q: import("@seed/multiprocessing").Queue<number>): Promise<void> {
 *   return q.put(42);
 * }
 *
 * if (isMain(import.meta)) {
 *   const ctx = getContext("spawn");
 *   const q = new ctx.Queue<number>();
 *   const p = new ctx.Process({ target: work, args: [q] });
 *   p.start();
 *   console.log(await q.get()); // 42
 *   await p.join();
 * }
 * ```
 */
export class BaseContext {
  /** Processes of this start method. */
  readonly Process: typeof Process;
  /** The module's `Queue`. */
  readonly Queue: typeof Queue = Queue;
  /** The module's `JoinableQueue`. */
  readonly JoinableQueue: typeof JoinableQueue = JoinableQueue;
  /** The module's `SimpleQueue`. */
  readonly SimpleQueue: typeof SimpleQueue = SimpleQueue;
  /** The module's `Pipe`. */
  readonly Pipe: typeof Pipe = Pipe;
  /** The module's `Lock`. */
  readonly Lock: typeof Lock = Lock;
  /** The module's `RLock`. */
  readonly RLock: typeof RLock = RLock;
  /** The module's `Semaphore`. */
  readonly Semaphore: typeof Semaphore = Semaphore;
  /** The module's `BoundedSemaphore`. */
  readonly BoundedSemaphore: typeof BoundedSemaphore = BoundedSemaphore;
  /** The module's `Condition`. */
  readonly Condition: typeof Condition = Condition;
  /** The module's `Event`. */
  readonly Event: typeof Event = Event;
  /** The module's `Barrier`. */
  readonly Barrier: typeof Barrier = Barrier;
  /** The module's `Value`. */
  readonly Value: typeof Value = Value;
  /** Python's `Array`: {@link SharedArray}. */
  readonly Array: typeof SharedArray = SharedArray;
  /** The module's `SharedArray`. */
  readonly SharedArray: typeof SharedArray = SharedArray;
  /** The module's `RawValue`. */
  readonly RawValue: typeof RawValue = RawValue;
  /** The module's `RawArray`. */
  readonly RawArray: typeof RawArray = RawArray;
  /** The module's `Pool` (its workers start as processes of the default start method). */
  readonly Pool: typeof Pool = Pool;
  /** The module's `Manager()`. */
  readonly Manager: typeof Manager = Manager;
  /** The module's `currentProcess()`. */
  readonly currentProcess: typeof currentProcess = currentProcess;
  /** The module's `parentProcess()`. */
  readonly parentProcess: typeof parentProcess = parentProcess;
  /** The module's `activeChildren()`. */
  readonly activeChildren: typeof activeChildren = activeChildren;
  /** The module's `cpuCount()`. */
  readonly cpuCount: typeof cpuCount = cpuCount;
  /** The module's `freezeSupport()` (nothing to do). */
  readonly freezeSupport: typeof freezeSupport = freezeSupport;
  readonly #method: StartMethod;

  /** @internal One per start method: see {@link getContext}. */
  constructor(method: StartMethod, processClass: typeof Process) {
    this.#method = method;
    this.Process = processClass;
  }

  /** This context's start method. */
  getStartMethod(_options?: { allowNone?: boolean }): StartMethod {
    return this.#method;
  }

  /** This context (no method), or the context of `method`, as {@link getContext}. */
  getContext(method?: string | null): BaseContext {
    return method === undefined || method === null ? this : contextOf(method);
  }

  /**
   * A concrete context's start method is its own.
   * @throws {ValueError} always, as Python's "cannot set start method of concrete context".
   */
  setStartMethod(_method: string | null, _options?: { force?: boolean }): never {
    throw new ValueError("cannot set start method of concrete context");
  }

  /** As the module's {@link getAllStartMethods}. */
  getAllStartMethods(): StartMethod[] {
    return getAllStartMethods();
  }

  /** As the module's {@link setForkserverPreload}. */
  setForkserverPreload(modules: (string | URL)[]): void {
    setForkserverPreload(modules);
  }

  /** Python's repr: `<SpawnContext>`. */
  toString(): string {
    return `<${this.constructor.name}>`;
  }
}

/**
 * The `spawn` context (Python's `SpawnContext`).
 * @example Usage
 * ```ts
 * import { getContext, SpawnContext } from "@seed/multiprocessing";
 * console.log(getContext("spawn") instanceof SpawnContext); // true
 * ```
 */
export class SpawnContext extends BaseContext {}

/**
 * The `forkserver` context (Python's `ForkServerContext`).
 * @example Usage
 * ```ts
 * import { ForkServerContext, getContext } from "@seed/multiprocessing";
 * console.log(getContext("forkserver") instanceof ForkServerContext); // true
 * ```
 */
export class ForkServerContext extends BaseContext {}

const CONTEXTS: Record<StartMethod, BaseContext> = {
  spawn: new SpawnContext("spawn", SpawnProcess),
  forkserver: new ForkServerContext("forkserver", ForkServerProcess),
};

/** The context of `method`; a ValueError as Python's for any other name (`fork` included). */
function contextOf(method: string): BaseContext {
  if (!(START_METHODS as readonly string[]).includes(method)) {
    throw new ValueError(`cannot find context for ${pythonRepr(method)}`);
  }
  // Its first process should find a warm worker.
  if (method === "forkserver") warmSpares();
  return CONTEXTS[method as StartMethod];
}

/** How Python shows the bad name: a string quoted, anything else as it is. */
function pythonRepr(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

/**
 * The context of `method` (`"spawn"` or `"forkserver"`); with no method, the default
 * context, which this call fixes as Python's does (`setStartMethod` then needs `force`).
 * @throws {ValueError} "cannot find context for 'fork'" (and for any other unknown name).
 * @example Usage
 * ```ts
 * import { getContext, isMain } from "@seed/multiprocessing";
 *
 * export function work(n: number): void {
 *   console.log(n * 2);
 * }
 *
 * if (isMain(import.meta)) {
 *   const ctx = getContext("forkserver");
 *   const p = new ctx.Process({ target: work, args: [21] });
 *   p.start();
 *   await p.join();
 * }
 * ```
 */
export function getContext(method?: string | null): BaseContext {
  if (method !== undefined && method !== null) return contextOf(method);
  const fixed = fixedStartMethod() ?? "spawn";
  fixStartMethod(fixed);
  return CONTEXTS[fixed];
}

/**
 * Sets the default start method, which a plain `Process` uses. Once set (or fixed by
 * `getStartMethod()`, `getContext()` or a start), setting it again throws unless `force`;
 * `force` with `null` unsets it. Libraries should use `getContext(method)` instead.
 * @throws {RuntimeError} "context has already been set" without `force`.
 * @throws {ValueError} "cannot find context for …" for an unknown method.
 * @example Usage
 * ```ts
 * import { getStartMethod, setStartMethod } from "@seed/multiprocessing";
 * setStartMethod("forkserver", { force: true });
 * console.log(getStartMethod()); // "forkserver"
 * ```
 */
export function setStartMethod(method: string | null, options: { force?: boolean } = {}): void {
  if (fixedStartMethod() !== undefined && !options.force) throw new RuntimeError("context has already been set");
  if (method === null || method === undefined) {
    if (options.force) fixStartMethod(undefined);
    return;
  }
  const context = contextOf(method);
  fixStartMethod(context.getStartMethod());
}

/**
 * The default start method, which this call fixes (as Python's), unless `allowNone` and
 * none was set: then null.
 * @example Usage
 * ```ts
 * import { getStartMethod } from "@seed/multiprocessing";
 * console.log(getStartMethod()); // "spawn", unless set otherwise
 * ```
 */
export function getStartMethod(options?: { allowNone?: false }): StartMethod;
/**
 * The default start method, or null when `allowNone` and none was set yet (which this call
 * then leaves unset, as Python's `get_start_method(allow_none=True)`).
 * @example Usage
 * ```ts
 * import { getStartMethod } from "@seed/multiprocessing";
 * console.log(getStartMethod({ allowNone: true })); // null in a program that set none yet
 * ```
 */
export function getStartMethod(options: { allowNone: boolean }): StartMethod | null;
export function getStartMethod(options: { allowNone?: boolean } = {}): StartMethod | null {
  const fixed = fixedStartMethod();
  if (fixed === undefined && options.allowNone) return null;
  return getContext().getStartMethod();
}

/**
 * The start methods this library offers, the default first: `["spawn", "forkserver"]`.
 * @example Usage
 * ```ts
 * import { getAllStartMethods } from "@seed/multiprocessing";
 * console.log(getAllStartMethods()); // ["spawn", "forkserver"]
 * ```
 */
export function getAllStartMethods(): StartMethod[] {
  return [...START_METHODS];
}

/**
 * Modules (URLs, or URL strings relative to the calling module) that warm workers import before they wait for a process,
 * so that a process whose code is in one of them starts without importing it (Python's
 * `set_forkserver_preload`). Their top-level code runs once in every warm worker, used or
 * not. A warm worker also imports, ahead, the module of the last process started on one.
 * Takes effect for warm workers started afterwards.
 * @throws {TypeError} "module_names must be a list of strings" for anything else.
 * @example Usage
 * ```ts
 * import { setForkserverPreload } from "@seed/multiprocessing";
 * setForkserverPreload([import.meta.url]);
 * ```
 */
export function setForkserverPreload(modules: (string | URL)[]): void {
  if (!Array.isArray(modules) || !modules.every((m) => typeof m === "string" || m instanceof URL)) {
    throw new TypeError("module_names must be a list of strings");
  }
  const base = callerModules()[0];
  addPreload(modules.map((module) => new URL(module, base).href));
}
