/**
 * Python's `multiprocessing.managers`: a manager is a process that holds objects (a dict, a
 * list, a queue, a lock, objects of your own classes) for every other process of the
 * program, which uses them through proxies. `Manager()` starts a `SyncManager` with
 * Python's types; `BaseManager.register` serves any exported class or function.
 *
 * Proxies talk to the manager over this library's shared-memory pipes (one per process and
 * manager). A value read through a proxy is a copy; a proxy stored inside a managed object
 * stays a live reference. A proxy crosses to another process in any data (args, queue items,
 * pipe messages, pool tasks), and the object lives while some process holds a proxy of it.
 * @module
 */
import { Pipe } from "./connection.ts";
import { EOFError, ProcessError, ValueError } from "./errors.ts";
import { ManagerLink } from "./manager_client.ts";
import { CREATE, SERVER, type ServerOp } from "./manager_protocol.ts";
import { AutoProxy, BaseProxy } from "./manager_proxy.ts";
import {
  AcquirerProxy,
  ArrayProxy,
  AsyncResultProxy,
  BarrierProxy,
  ConditionProxy,
  DictProxy,
  EventProxy,
  exportedFunction,
  IteratorProxy,
  ListProxy,
  NamespaceProxy,
  PoolProxy,
  QueueProxy,
  ValueProxy,
} from "./manager_proxies.ts";
import { type ServedType, serveManager } from "./manager_server.ts";
import type { BUILTIN_TYPES } from "./manager_types.ts";
import type { PoolOptions } from "./pool.ts";
import { markService, Process, unmarkService, type WaitOptions } from "./process.ts";
import { ShareableList, type ShareableValue, SharedMemory, trackSegment, unlinkTracked } from "./shared_memory.ts";
import type { Typecode } from "./sharedctypes.ts";
import { locate, refuseInstances } from "./references.ts";
import { callerModules, libraryModuleUrl } from "./target.ts";

/**
 * A proxy for an object of class (or shape) `T`: each of its methods, async, resolving with a
 * copy of the result, and a `…Sync` twin that blocks the thread (what `create<T>()` returns
 * for a registered type without a proxy class of its own).
 * @example Usage
 * ```ts
 * import type { ProxyOf } from "@seed/multiprocessing";
 * class Counter {
 *   increment(by: number): number {
 *     return by;
 *   }
 * }
 * type CounterProxy = ProxyOf<Counter>; // { increment(by): Promise<number>; incrementSync(by): number; … }
 * ```
 */
export type ProxyOf<T> =
  & BaseProxy
  & {
    // deno-lint-ignore no-explicit-any
    [K in keyof T as T[K] extends (...args: any[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
      ? (...args: A) => Promise<Awaited<R>>
      : never;
  }
  & {
    // deno-lint-ignore no-explicit-any
    [K in keyof T as T[K] extends (...args: any[]) => unknown ? `${K & string}Sync` : never]: T[K] extends
      (...args: infer A) => infer R ? (...args: A) => Awaited<R>
      : never;
  };

/** What `create<T>()` resolves with: `T` itself for a proxy class, else a {@link ProxyOf} `T`. */
export type Proxied<T> = T extends BaseProxy ? T : ProxyOf<T>;

/**
 * What makes a registered type's objects: a class or a function, exported from its module.
 * @example Usage
 * ```ts
 * import type { Callable } from "@seed/multiprocessing";
 * export class Point {
 *   constructor(readonly x = 0, readonly y = 0) {}
 * }
 * const make: Callable = Point;
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Callable = (new (...args: any[]) => unknown) | ((...args: any[]) => unknown);

/**
 * Options of {@link BaseManager.register} (Python's `register` arguments).
 * @example Usage
 * ```ts
 * import { BaseManager, type RegisterOptions } from "@seed/multiprocessing";
 * export class Greeter {
 *   greet(name: string): string {
 *     return `hello, ${name}`;
 *   }
 * }
 * const options: RegisterOptions = { callable: Greeter, exposed: ["greet"] };
 * export class GreeterManager extends BaseManager {}
 * GreeterManager.register("Greeter", options);
 * ```
 */
export interface RegisterOptions {
  /**
   * What makes the object, in the manager's process: a class (constructed with the factory's
   * arguments) or a function (called with them), exported from its module. None: a
   * client-only typeid, served by the manager this one connects to.
   */
  callable?: Callable;
  /** The proxy class for these objects (extends {@link BaseProxy}); default: an automatic one. */
  proxytype?: typeof BaseProxy;
  /** The methods proxies may call; default: the proxytype's `_exposed_`, else the object's public methods. */
  exposed?: readonly string[];
  /** Methods whose results are shared too, as objects of these typeids (returned as proxies). */
  methodToTypeid?: Readonly<Record<string, string>>;
  /** Add a factory method named `typeid` to the manager class (Python's `create_method`). Default true. */
  createMethod?: boolean;
  /** URL of the module that exports `callable`; default: found from the call site. */
  module?: string | URL;
}

/**
 * Options of a manager.
 * @example Usage
 * ```ts
 * import { type ManagerOptions, SyncManager } from "@seed/multiprocessing";
 * const options: ManagerOptions = { shutdownTimeout: 2000 };
 * const manager = new SyncManager(options);
 * ```
 */
export interface ManagerOptions {
  /**
   * The manager's address, a name in this program; default: a new unique one. Another
   * manager object connects to it with {@link BaseManager.connect}.
   */
  address?: string;
  /** How long `shutdown()` waits for the manager's process to end before terminating it (ms). Default 1000. */
  shutdownTimeout?: number;
}

/**
 * Options of {@link BaseManager.start}.
 * @example Usage
 * ```ts
 * import { isMain, type ManagerStartOptions, SyncManager } from "@seed/multiprocessing";
 * export function setUp(): void {
 *   console.log("the manager's process starts");
 * }
 * if (isMain(import.meta)) {
 *   const options: ManagerStartOptions = { initializer: setUp };
 *   await using manager = new SyncManager();
 *   await manager.start(options);
 * }
 * ```
 */
export interface ManagerStartOptions {
  /** Runs once in the manager's process before it serves (exported from its module). */
  // deno-lint-ignore no-explicit-any
  initializer?: (...args: any[]) => unknown;
  /** The initializer's arguments (this library's handles and proxies included). */
  initargs?: unknown[];
  /** URL of the module that exports `initializer`; default: found from the call site. */
  module?: string | URL;
}

/** One typeid as registered: what serves it, and how its proxies look. */
interface Registration {
  callable?: Callable;
  builtin?: keyof typeof BUILTIN_TYPES;
  module?: string | URL;
  /** The modules on the call stack of `register`, where the callable is looked for. */
  modules: string[];
  proxytype?: typeof BaseProxy;
  exposed?: readonly string[];
  methodToTypeid?: Readonly<Record<string, string>>;
}

/** Each manager class's own registry; a subclass copies its parent's when it first registers. */
const registries = new WeakMap<object, Map<string, Registration>>();

function registryOf(cls: object | null): Map<string, Registration> {
  for (let layer = cls; layer !== null && layer !== Function.prototype; layer = Object.getPrototypeOf(layer)) {
    const own = registries.get(layer);
    if (own) return own;
  }
  return new Map();
}

type State = "initial" | "started" | "shutdown";

/**
 * A manager (Python's `BaseManager`): a process serving shared objects of the typeids its
 * class registered. Subclass it, register types, then `start()` it; `create(typeid, ...args)`
 * (or the factory method `register` adds) makes an object in the manager and resolves with
 * a proxy of it. `shutdown()` (or `await using`) ends the manager's process; the program
 * also ends it once its other children ended.
 * @example Usage
 * ```ts
 * import { BaseManager, isMain, type ProxyOf } from "@seed/multiprocessing";
 *
 * export class MathsClass {
 *   add(x: number, y: number): number {
 *     return x + y;
 *   }
 * }
 *
 * export class MyManager extends BaseManager {}
 * MyManager.register("Maths", { callable: MathsClass });
 *
 * if (isMain(import.meta)) {
 *   await using manager = new MyManager();
 *   await manager.start();
 *   const maths = await manager.create<MathsClass>("Maths");
 *   console.log(await maths.add(4, 3)); // 7
 * }
 * ```
 */
export class BaseManager implements AsyncDisposable {
  #state: State = "initial";
  #address: string | null;
  readonly #shutdownTimeout: number;
  #process: Process | undefined;
  #shutdown: Promise<void> | undefined;

  /** A manager that is not started yet: call {@link start} (or {@link connect}). */
  constructor(options: ManagerOptions = {}) {
    this.#address = options.address ?? null;
    this.#shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  }

  /**
   * Registers `typeid` with this manager class (and its subclasses): objects made by
   * `callable` in the manager's process, served to proxies of `proxytype` (Python's
   * `register`). Adds a factory method named `typeid` unless `createMethod` is false.
   * @throws {TypeError} a `methodToTypeid` whose keys or values are not strings.
   */
  static register(typeid: string, options: RegisterOptions = {}): void {
    const { callable, proxytype, createMethod = true, module } = options;
    const methodToTypeid = options.methodToTypeid ?? proxytype?._methodToTypeid_;
    for (const [method, result] of Object.entries(methodToTypeid ?? {})) {
      if (typeof method !== "string" || typeof result !== "string") {
        throw new TypeError(`methodToTypeid maps method names to typeids (strings), got ${method}: ${String(result)}`);
      }
    }
    addRegistration(this, typeid, {
      callable,
      module,
      modules: callerModules(),
      proxytype,
      exposed: options.exposed ?? proxytype?._exposed_,
      methodToTypeid,
    });
    if (createMethod) {
      Object.defineProperty(this.prototype, typeid, {
        value: function (this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        configurable: true,
        writable: true,
      });
    }
  }

  /** The manager's address (null until started or given). */
  get address(): string | null {
    return this.#address;
  }

  /**
   * Starts the manager's process (named `<Class>-N`) and resolves once it serves.
   * @throws {ProcessError} "Already started server", "Manager has shut down", or when the
   * manager's process ended before serving (its error is printed).
   * @throws {TypeError} "initializer must be a callable".
   */
  async start(options: ManagerStartOptions = {}): Promise<void> {
    this.#assertState("initial");
    const { initializer, initargs = [], module } = options;
    if (initializer !== undefined && typeof initializer !== "function") throw new TypeError("initializer must be a callable");
    const types = servedTypes(registryOf(this.constructor));
    const [reader, writer] = Pipe<string>(false);
    const address = this.#address ?? `${this.constructor.name}/${randomHex()}`;
    const config = {
      address,
      types,
      ready: writer,
      initializer: initializer && exportedFunction(initializer, module),
      initargs,
    };
    const started = new Process({ target: serveManager, args: [config], module: libraryModuleUrl("manager_server") });
    // Python names the process after the manager's class: SyncManager-1.
    started.name = `${this.constructor.name}-${started.name.replace(/^Process-/, "")}`;
    markService(started, () => this.shutdown());
    started.start();
    writer.close();
    const given = this.#address;
    this.#state = "started"; // a second start() meanwhile is refused
    this.#address = address;
    try {
      await reader.recv();
    } catch (error) {
      this.#state = "initial";
      this.#address = given;
      unmarkService(started);
      if (!(error instanceof EOFError)) throw error;
      await started.join();
      throw new ProcessError(
        `the manager process ${started.name} ended (exit code ${started.exitCode}) before it served: see its error above`,
      );
    } finally {
      reader.close();
    }
    this.#process = started;
  }

  /**
   * Connects this manager object to the running manager at its `address` (Python's
   * `connect()`), to use that manager's objects through this class's registrations.
   * @throws {ValueError} without an address; {@link BrokenPipeError} when no manager serves there.
   */
  async connect(): Promise<void> {
    this.#assertState("initial");
    if (this.#address === null) throw new ValueError("connect() needs the manager's address: new MyManager({ address })");
    await ManagerLink.for(this.#address).call([SERVER, "dummy", []]);
    this.#state = "started";
  }

  /**
   * Makes an object of `typeid` in the manager from `args` and resolves with a proxy of it
   * (`create<MyClass>` types it as {@link ProxyOf} `MyClass`; `create<MyProxy>` as the proxy class).
   * @throws {RemoteError} when the manager cannot make it (unknown typeid, the callable throws).
   * @throws {ProcessError} when the manager is not started, or was shut down.
   */
  create<T = unknown>(typeid: string, ...args: unknown[]): Promise<Proxied<T>> {
    try {
      return this.#link().call([CREATE, typeid, args]) as Promise<Proxied<T>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** How many objects the manager holds (Python's `_number_of_objects()`). */
  numberOfObjects(): Promise<number> {
    return this.#ask("numberOfObjects") as Promise<number>;
  }

  /** One line per object the manager holds: its id, reference count, typeid and class (Python's `_debug_info()`). */
  debugInfo(): Promise<string[]> {
    return this.#ask("debugInfo") as Promise<string[]>;
  }

  /**
   * Ends the manager's process: asks it to stop, waits up to `shutdownTimeout`, then
   * terminates it (Python's `shutdown()`). Proxies of its objects then reject every call with
   * `BrokenPipeError`. Idempotent.
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#stop();
  }

  /** Waits until the manager's process ended. */
  async join(options: WaitOptions = {}): Promise<void> {
    await this.#process?.join(options);
  }

  /** Shuts the manager down at the end of an `await using` block (Python's `with`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #stop(): Promise<void> {
    const process = this.#process;
    const wasStarted = this.#state === "started";
    this.#state = "shutdown";
    if (!process || !wasStarted) return;
    unmarkService(process);
    if (process.isAlive()) {
      try {
        await ManagerLink.for(this.#address!).call([SERVER, "shutdown", []]);
      } catch {
        // gone already: the join below sees it
      }
      await process.join({ timeout: this.#shutdownTimeout });
    }
    for (const stop of [() => process.terminate(), () => process.kill()]) {
      if (!process.isAlive()) break;
      stop();
      await process.join({ timeout: this.#shutdownTimeout });
    }
  }

  #ask(op: ServerOp): Promise<unknown> {
    try {
      return this.#link().call([SERVER, op, []]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #link(): ManagerLink {
    this.#assertState("started");
    return ManagerLink.for(this.#address!);
  }

  #assertState(expected: State): void {
    if (this.#state === expected) return;
    if (this.#state === "shutdown") throw new ProcessError("Manager has shut down");
    if (this.#state === "started") throw new ProcessError("Already started server");
    throw new ProcessError("the manager is not started: call await manager.start() first");
  }
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 1000;

function addRegistration(cls: typeof BaseManager, typeid: string, registration: Registration): void {
  let own = registries.get(cls);
  if (!own) registries.set(cls, own = new Map(registryOf(Object.getPrototypeOf(cls))));
  own.set(typeid, registration);
}

/**
 * What the manager's process needs of each registration; its callables and proxy classes
 * cross by reference, located now where `register` was called.
 */
function servedTypes(registry: Map<string, Registration>): Record<string, ServedType> {
  const types: Record<string, ServedType> = {};
  for (const [typeid, { callable, builtin, module, modules, proxytype, exposed, methodToTypeid }] of registry) {
    for (const exported of [callable, proxytype]) {
      if (exported && exported !== AutoProxy && !isLibraryType(exported)) locate(exported, { module, modules });
    }
    types[typeid] = {
      builtin,
      callable: callable as ServedType["callable"],
      exposed: exposed && [...exposed],
      methodToTypeid: methodToTypeid && { ...methodToTypeid },
      proxytype,
    };
  }
  return types;
}

/** The library's own proxy classes are registered with their module already. */
function isLibraryType(value: unknown): boolean {
  return LIBRARY_PROXY_TYPES.has(value);
}

function randomHex(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Options of a manager's `Barrier`.
 * @example Usage
 * ```ts
 * import { type ManagedBarrierOptions, Manager } from "@seed/multiprocessing";
 * const options: ManagedBarrierOptions = { timeout: 5000 };
 * await using m = await Manager();
 * const barrier = await m.Barrier(2, options);
 * ```
 */
export interface ManagedBarrierOptions {
  /** Run by the last party to arrive, in the manager's process (an exported function). */
  action?: () => unknown;
  /** The default timeout of `wait()` (ms). */
  timeout?: number;
  /** URL of the module that exports `action`; default: found from the call site. */
  module?: string | URL;
}

/**
 * The manager `Manager()` starts (Python's `SyncManager`), serving Python's types: `dict`,
 * `list`, `Namespace`, `Value`, `Array`, `Queue`, `JoinableQueue`, `Lock`, `RLock`,
 * `Semaphore`, `BoundedSemaphore`, `Condition`, `Event`, `Barrier` and `Pool`.
 * @example Usage
 * ```ts
 * import { isMain, Manager, Process, type DictProxy } from "@seed/multiprocessing";
 *
 * export function record(d: DictProxy<string, number>, key: string): Promise<void> {
 *   return d.set(key, key.length);
 * }
 *
 * if (isMain(import.meta)) {
 *   await using m = await Manager();
 *   const d = await m.dict<string, number>();
 *   const workers = ["a", "bb", "ccc"].map((key) => new Process({ target: record, args: [d, key] }));
 *   for (const p of workers) p.start();
 *   for (const p of workers) await p.join();
 *   console.log(await d.items()); // the three pairs, in the order the children set them
 * }
 * ```
 */
export class SyncManager extends BaseManager {
  /** A shared `dict` (from a Map, a record, or `[key, value]` pairs). */
  dict<K = unknown, V = unknown>(init?: Map<K, V> | Iterable<[K, V]> | Record<string, V>): Promise<DictProxy<K, V>> {
    return this.create("dict", ...(init === undefined ? [] : [init instanceof Map ? init : entries(init)]));
  }

  /** A shared `list`. */
  list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return this.create("list", ...(init === undefined ? [] : [[...init]]));
  }

  /** A shared `Namespace` with these attributes. */
  Namespace(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    return this.create("Namespace", ...(init === undefined ? [] : [init]));
  }

  /** A shared value with a typecode (not enforced, as Python's). */
  Value<T = unknown>(typecode: string, value: T): Promise<ValueProxy<T>> {
    return this.create("Value", typecode, value);
  }

  /** A shared array of `typecode` elements (type-checked when written). */
  Array<C extends Typecode = Typecode>(
    typecode: C,
    values: Iterable<number | bigint> | number,
  ): Promise<ArrayProxy<C extends "q" | "Q" ? bigint : number>> {
    return this.create("Array", typecode, typeof values === "number" ? values : [...values]);
  }

  /** A shared queue (Python's `queue.Queue`); `maxsize` <= 0: unbounded. */
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("Queue", maxsize);
  }

  /** A shared queue with `taskDone()` and `join()` (the same as {@link Queue}, as in Python). */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("JoinableQueue", maxsize);
  }

  /** A shared `threading.Lock`. */
  Lock(): Promise<AcquirerProxy> {
    return this.create("Lock");
  }

  /** A shared `threading.RLock`, owned by the process that takes it. */
  RLock(): Promise<AcquirerProxy> {
    return this.create("RLock");
  }

  /** A shared `threading.Semaphore`. */
  Semaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("Semaphore", value);
  }

  /** A shared `threading.BoundedSemaphore`. */
  BoundedSemaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("BoundedSemaphore", value);
  }

  /** A shared `threading.Condition` over `lock` (a Lock or RLock of this manager; default a new RLock). */
  Condition(lock?: AcquirerProxy): Promise<ConditionProxy> {
    return this.create("Condition", ...(lock === undefined ? [] : [lock]));
  }

  /** A shared `threading.Event`. */
  Event(): Promise<EventProxy> {
    return this.create("Event");
  }

  /** A shared `threading.Barrier` for `parties`. */
  Barrier(parties: number, options: ManagedBarrierOptions = {}): Promise<BarrierProxy> {
    const { action, timeout, module } = options;
    return this.create("Barrier", parties, { timeout, action: action && exportedFunction(action, module) });
  }

  /**
   * A Pool in the manager's process (Python's `manager.Pool()`); its tasks' functions cross
   * by reference. A bad option is a `RemoteError`, as in Python.
   */
  Pool(options: PoolOptions = {}): Promise<PoolProxy> {
    if (options.initializer) exportedFunction(options.initializer, options.module);
    return this.create("Pool", options);
  }
}

function entries<V>(init: Iterable<[unknown, V]> | Record<string, V>): [unknown, V][] {
  return Symbol.iterator in init ? [...(init as Iterable<[unknown, V]>)] : Object.entries(init);
}

/** Registers one of the SyncManager's own types (served by name, with its proxy class). */
function registerBuiltin(typeid: string, builtin: keyof typeof BUILTIN_TYPES | undefined, proxytype: typeof BaseProxy): void {
  LIBRARY_PROXY_TYPES.add(proxytype);
  addRegistration(SyncManager, typeid, {
    builtin,
    modules: [],
    proxytype,
    exposed: proxytype._exposed_,
    methodToTypeid: proxytype._methodToTypeid_,
  });
}

const LIBRARY_PROXY_TYPES = new Set<unknown>();

refuseInstances(
  BaseManager,
  "a manager and cannot be sent to another process: send the proxies it made (await m.dict(), await m.list(), …), " +
    "which cross as references to its objects",
);
registerBuiltin("dict", "dict", DictProxy);
registerBuiltin("list", "list", ListProxy);
registerBuiltin("Namespace", "Namespace", NamespaceProxy);
registerBuiltin("Value", "Value", ValueProxy);
registerBuiltin("Array", "Array", ArrayProxy);
registerBuiltin("Queue", "Queue", QueueProxy);
registerBuiltin("JoinableQueue", "Queue", QueueProxy);
registerBuiltin("Lock", "Lock", AcquirerProxy);
registerBuiltin("RLock", "RLock", AcquirerProxy);
registerBuiltin("Semaphore", "Semaphore", AcquirerProxy);
registerBuiltin("BoundedSemaphore", "BoundedSemaphore", AcquirerProxy);
registerBuiltin("Condition", "Condition", ConditionProxy);
registerBuiltin("Event", "Event", EventProxy);
registerBuiltin("Barrier", "Barrier", BarrierProxy);
registerBuiltin("Pool", "Pool", PoolProxy);
// What methods of the types above return.
registerBuiltin("Iterator", undefined, IteratorProxy);
registerBuiltin("AsyncResult", undefined, AsyncResultProxy);

/**
 * Starts a {@link SyncManager} and resolves with it (Python's `multiprocessing.Manager()`).
 * `await using m = await Manager()` shuts it down at the end of the block.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const l = await m.list([1, 2]);
 * await l.append(3);
 * console.log(await l.copy()); // [1, 2, 3]
 * ```
 */
export async function Manager(options: ManagerOptions = {}): Promise<SyncManager> {
  const manager = new SyncManager(options);
  await manager.start();
  return manager;
}

let trackerCount = 0;

/**
 * A manager that also makes shared memory blocks and `ShareableList`s, and unlinks them all
 * when it shuts down (Python's `SharedMemoryManager`). The blocks are made in the calling
 * process; the manager only tracks their names.
 * @example Usage
 * ```ts
 * import { SharedMemoryManager } from "@seed/multiprocessing";
 * await using smm = new SharedMemoryManager();
 * await smm.start();
 * const shm = smm.SharedMemory(128);
 * const sl = smm.ShareableList([1, 2, 3]);
 * console.log(shm.size, sl.length); // 128 3
 * // the end of the block shuts it down: both names are unlinked
 * ```
 */
export class SharedMemoryManager extends BaseManager {
  readonly #tracker = `SharedMemoryManager-${crypto.randomUUID()}-${++trackerCount}`;
  #started = false;
  #shutDown = false;

  /** Starts the manager's process (see {@link BaseManager.start}); then blocks can be made. */
  override async start(options: ManagerStartOptions = {}): Promise<void> {
    await super.start(options);
    this.#started = true;
  }

  /**
   * A new shared memory block of `size` bytes, unlinked when this manager shuts down.
   * @throws {ValueError} before `start()`, or for a size that is not a positive integer.
   * @throws {ProcessError} "Manager has shut down", as the factories of other managers.
   */
  SharedMemory(size: number): SharedMemory {
    this.#assertStarted();
    const shm = new SharedMemory({ create: true, size });
    trackSegment(shm.name, this.#tracker);
    return shm;
  }

  /**
   * A new `ShareableList` of `values`, unlinked when this manager shuts down.
   * @throws {ValueError} before `start()`.
   * @throws {ProcessError} "Manager has shut down", as the factories of other managers.
   */
  ShareableList(values: Iterable<ShareableValue>): ShareableList {
    this.#assertStarted();
    const list = new ShareableList(values);
    trackSegment(list.shm.name, this.#tracker);
    return list;
  }

  /** Unlinks every block this manager made, then shuts it down. Idempotent. */
  override shutdown(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      this.#shutDown = true;
      unlinkTracked(this.#tracker);
    }
    return super.shutdown();
  }

  #assertStarted(): void {
    if (this.#shutDown) throw new ProcessError("Manager has shut down");
    if (!this.#started) throw new ValueError("the SharedMemoryManager is not started: call await smm.start() first");
  }
}

export {
  AcquirerProxy,
  ArrayProxy,
  AsyncResultProxy,
  AutoProxy,
  BarrierProxy,
  BaseProxy,
  ConditionProxy,
  DictProxy,
  EventProxy,
  IteratorProxy,
  ListProxy,
  NamespaceProxy,
  PoolProxy,
  QueueProxy,
  ValueProxy,
};
export { RemoteError } from "./errors.ts";
export type { ProxyCallOptions } from "./manager_proxy.ts";
export type {
  AcquirerProxyMethods,
  AsyncResultProxyMethods,
  BarrierProxyMethods,
  ConditionProxyMethods,
  DictProxyMethods,
  EventProxyMethods,
  IteratorProxyMethods,
  ListProxyMethods,
  NamespaceProxyMethods,
  PoolProxyMethods,
  PoolTaskOptions,
  ProxyWaitOptions,
  QueueProxyMethods,
  SequenceProxyMethods,
  SyncTwins,
  ValueProxyMethods,
} from "./manager_proxies.ts";
export type { Token } from "./manager_protocol.ts";
