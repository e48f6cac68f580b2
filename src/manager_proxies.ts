/**
 * The proxy types of a `SyncManager`'s objects (Python's `DictProxy`, `ListProxy`,
 * `NamespaceProxy`, `ValueProxy`, `ArrayProxy`, `AcquirerProxy`, `ConditionProxy`,
 * `EventProxy`, `BarrierProxy`, `PoolProxy`, `IteratorProxy`, and the automatic proxies of
 * `queue.Queue` and `AsyncResult`), with the library's method names. A value read is a copy
 * of the manager's; a proxy stored inside another object stays a reference to its object.
 *
 * Each type lists the methods it forwards once ({@link forward}): that makes each an async
 * method and a blocking `…Sync` twin on the prototype, and is the type's `_exposed_`. Their
 * signatures and documentation are the `…Methods` interfaces, merged into each class.
 * @module
 */
import { IndexError } from "./errors.ts";
import { BaseProxy } from "./manager_proxy.ts";
import type { Token } from "./manager_protocol.ts";
import { checkOptions } from "./options.ts";
import { SETSTATE } from "./reduction.ts";
import { locate, registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";

/**
 * The blocking twins of an interface's async methods: `m(...args): Promise<R>` gives
 * `mSync(...args): R`.
 * @example Usage
 * ```ts
 * import type { SyncTwins } from "@seed/multiprocessing";
 * interface Counter {
 *   next(): Promise<number>;
 * }
 * const twins: SyncTwins<Counter> = { nextSync: () => 1 };
 * ```
 */
export type SyncTwins<T> = {
  [P in keyof T & string as `${P}Sync`]: T[P] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/**
 * Options of a proxy's blocking waits: Python's `block` and `timeout` (milliseconds), and a
 * signal that gives the wait up (the async methods only).
 * @example Usage
 * ```ts
 * import type { ProxyWaitOptions } from "@seed/multiprocessing";
 * const options: ProxyWaitOptions = { timeout: 500 };
 * console.log(options.timeout); // 500
 * ```
 */
export interface ProxyWaitOptions {
  /** `false`: do not wait (the timeout is ignored). Default true. */
  block?: boolean;
  /** Give up after this many milliseconds (negative acts as 0). Default: wait forever. */
  timeout?: number;
  /** Abort the wait: the manager gives it up, and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** How a forwarded method sends its caller's arguments. */
interface Forwarding {
  /** The arguments the manager's method gets; default: the caller's, as given. */
  args?: (...given: never[]) => unknown[];
  /** The index of the caller's wait options, whose `signal` stays here (the async method uses it). */
  options?: number;
}

/** Sends iterables as arrays (any iterable a caller gives, as Python accepts). */
const asArrays = (...given: unknown[]): unknown[] =>
  given.map((value) => (typeof value === "object" && value !== null && Symbol.iterator in value ? [...value as Iterable<unknown>] : value));

/**
 * Makes, on `type`'s prototype, each method of `methods` (an async method that forwards to
 * the manager's object, and its `…Sync` twin), unless the type defines it itself; the
 * methods are also the type's `_exposed_`, with `also` (methods the type calls itself).
 */
function forward(type: typeof BaseProxy, methods: Record<string, Forwarding>, also: string[] = []): void {
  const proto = type.prototype as unknown as Record<string, unknown>;
  for (const [name, { args = (...given: unknown[]) => given, options }] of Object.entries(methods)) {
    const argsOf = args as (...given: unknown[]) => unknown[];
    if (!Object.hasOwn(proto, name)) {
      proto[name] = function (this: BaseProxy, ...given: unknown[]) {
        try {
          const { signal, sent } = options === undefined ? { sent: given } : withoutSignal(name, given, options);
          return this.callMethod(name, argsOf(...sent), { signal });
        } catch (error) {
          return Promise.reject(error); // arguments that cannot be sent
        }
      };
    }
    proto[`${name}Sync`] = function (this: BaseProxy, ...given: unknown[]) {
      if (options !== undefined) checkOptions(`${name}Sync`, given[options] as object | undefined);
      return this.callMethodSync(name, argsOf(...given));
    };
  }
  type._exposed_ = [...Object.keys(methods), ...also];
}

/**
 * The caller's arguments with the signal taken out of the options at `index`, once they are
 * checked (Python's positional `acquire(False)`, `get(True, 5)` would wait forever unseen).
 */
function withoutSignal(name: string, given: unknown[], index: number): { signal?: AbortSignal; sent: unknown[] } {
  checkOptions(name, given[index] as object | undefined);
  const options = given[index] as ProxyWaitOptions | undefined;
  if (options?.signal === undefined) return { sent: given };
  const { signal, ...rest } = options;
  const sent = [...given];
  sent[index] = rest;
  return { signal, sent };
}

/** Asks the manager for item `index`; `done` at the end (Python iterates a list by index). */
async function itemAt<T>(proxy: BaseProxy, index: number): Promise<{ value?: T; done: boolean }> {
  try {
    return { value: await proxy.callMethod<T>("getItem", [index]), done: false };
  } catch (error) {
    if (error instanceof IndexError) return { done: true };
    throw error;
  }
}

/** Iterates `proxy` by index, lazily, as Python iterates a list proxy (a change made meanwhile is seen). */
async function* byIndex<T>(proxy: BaseProxy): AsyncGenerator<T> {
  for (let index = 0;; index++) {
    const { value, done } = await itemAt<T>(proxy, index);
    if (done) return;
    yield value as T;
  }
}

// ---------------------------------------------------------------------------------------
// dict

/**
 * The methods of a {@link DictProxy} (each also as a blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { DictProxyMethods } from "@seed/multiprocessing";
 * type Get = DictProxyMethods<string, number>["get"];
 * ```
 */
export interface DictProxyMethods<K, V> {
  /** The value of `key`, or `fallback` (default null, Python's None) when there is none. */
  get(key: K, fallback?: V | null): Promise<V | null>;
  /** Sets `key` to `value` (Python's `d[key] = value`). */
  set(key: K, value: V): Promise<void>;
  /** Python's `d[key]`: the value, or a `KeyError`. */
  getItem(key: K): Promise<V>;
  /** Python's `d[key] = value`. */
  setItem(key: K, value: V): Promise<void>;
  /** Python's `del d[key]`: a `KeyError` when there is no such key. */
  delItem(key: K): Promise<void>;
  /** Removes `key`; true if it was there (as `Map.delete`). */
  delete(key: K): Promise<boolean>;
  /** Python's `key in d`. */
  has(key: K): Promise<boolean>;
  /** The keys, in insertion order (a list, as Python's proxy returns). */
  keys(): Promise<K[]>;
  /** The values, in insertion order. */
  values(): Promise<V[]>;
  /** The `[key, value]` pairs, in insertion order. */
  items(): Promise<[K, V][]>;
  /** Python's `len(d)`. */
  len(): Promise<number>;
  /** Sets every key of `other` (a Map, a record or `[key, value]` pairs), in one call. */
  update(other: Map<K, V> | Iterable<[K, V]> | Record<string, V>): Promise<void>;
  /** Removes `key` and returns its value; without it, `fallback`, or a `KeyError` when none is given. */
  pop(key: K, fallback?: V): Promise<V>;
  /** Removes and returns the last `[key, value]` pair (LIFO); a `KeyError` when empty. */
  popitem(): Promise<[K, V]>;
  /** The value of `key`; when there is none, sets it to `fallback` (default null) and returns that. */
  setDefault(key: K, fallback?: V): Promise<V>;
  /** Removes every key (objects that proxies stored here refer to live on while held elsewhere). */
  clear(): Promise<void>;
  /** A copy, as a Map. */
  copy(): Promise<Map<K, V>>;
}

/**
 * A proxy of a manager's `dict` (Python's `DictProxy`): keys are numbers, strings, bigints,
 * booleans, null, or arrays of them (Python's tuples). Values read are copies; a proxy
 * stored as a value stays a reference. Every method has a blocking `…Sync` twin.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const d = await m.dict<string, number>({ a: 1 });
 * await d.set("b", 2);
 * console.log(await d.get("b"), await d.len(), await d.items()); // 2 2 [["a", 1], ["b", 2]]
 * ```
 */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  /** `iter` returns a server-side iterator, as Python's `__iter__`. */
  static override _methodToTypeid_: Readonly<Record<string, string>> = { iter: "Iterator" };

  /**
   * Iterates the keys with an iterator held by the manager (Python's `iter(d)`): a change of
   * the dict's size meanwhile makes the next step a `RuntimeError`.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<K> {
    yield* await this.callMethod<IteratorProxy<K>>("iter");
  }
}

/** A {@link DictProxy}'s forwarded methods and their `…Sync` twins. */
export interface DictProxy<K, V> extends DictProxyMethods<K, V>, SyncTwins<DictProxyMethods<K, V>> {}

forward(DictProxy, {
  get: {},
  set: {},
  getItem: {},
  setItem: {},
  delItem: {},
  delete: {},
  has: {},
  keys: {},
  values: {},
  items: {},
  len: {},
  update: {},
  pop: {},
  popitem: {},
  setDefault: {},
  clear: {},
  copy: {},
}, ["iter"]);

// ---------------------------------------------------------------------------------------
// list and Array

/**
 * The methods of an {@link ArrayProxy}, which a {@link ListProxy} has too (each also as a
 * blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { SequenceProxyMethods } from "@seed/multiprocessing";
 * type GetItem = SequenceProxyMethods<number>["getItem"];
 * ```
 */
export interface SequenceProxyMethods<T> {
  /** Python's `len(s)`. */
  len(): Promise<number>;
  /** Python's `s[index]` (negative from the end); an `IndexError` out of range. */
  getItem(index: number): Promise<T>;
  /** Python's `s[index] = value`. */
  setItem(index: number, value: T): Promise<void>;
  /** Python's `s[start:stop]` (a copy); no bounds: the whole sequence. */
  slice(start?: number, stop?: number): Promise<T[]>;
}

/**
 * The methods of a {@link ListProxy} besides its {@link SequenceProxyMethods} (each also as a
 * blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { ListProxyMethods } from "@seed/multiprocessing";
 * type Append = ListProxyMethods<number>["append"];
 * ```
 */
export interface ListProxyMethods<T> extends SequenceProxyMethods<T> {
  /** Python's `del l[index]`. */
  delItem(index: number): Promise<void>;
  /** Appends `value`. */
  append(value: T): Promise<void>;
  /** Appends every value of `values`, in one call. */
  extend(values: Iterable<T>): Promise<void>;
  /** Inserts `value` before `index`. */
  insert(index: number, value: T): Promise<void>;
  /** Removes and returns the item at `index` (default the last); an `IndexError` when there is none. */
  pop(index?: number): Promise<T>;
  /** Removes the first item equal to `value` (compared by value); a `ValueError` when none is. */
  remove(value: T): Promise<void>;
  /** The index of the first item equal to `value` (within `start`..`stop`); a `ValueError` when none is. */
  index(value: T, start?: number, stop?: number): Promise<number>;
  /** How many items equal `value`. */
  count(value: T): Promise<number>;
  /** Sorts in place, in Python's order (numbers, strings, arrays of them; mixed kinds are a `TypeError`). */
  sort(options?: { reverse?: boolean }): Promise<void>;
  /** Reverses in place. */
  reverse(): Promise<void>;
  /** Python's `l + values`: a new plain array; the list is unchanged. */
  concat(values: Iterable<T>): Promise<T[]>;
  /** Python's `l += values`: extends the list; resolves with this proxy. */
  iadd(values: Iterable<T>): Promise<ListProxy<T>>;
  /** Python's `l * times`: a new plain array. */
  mul(times: number): Promise<T[]>;
  /** Python's `l *= times`: repeats the list in place; resolves with this proxy. */
  imul(times: number): Promise<ListProxy<T>>;
  /** Python's `value in l` (compared by value). */
  has(value: T): Promise<boolean>;
  /** Removes every item. */
  clear(): Promise<void>;
  /** A copy, as a plain array. */
  copy(): Promise<T[]>;
}

/**
 * A proxy of a manager's `list` (Python's `ListProxy`). Items read are copies; a proxy
 * stored as an item stays a reference. Iterating asks for items by index, as Python does.
 * Every method has a blocking `…Sync` twin.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const l = await m.list<number>([3, 1]);
 * await l.append(2);
 * await l.sort();
 * console.log(await l.slice(), await l.getItem(-1)); // [1, 2, 3] 3
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  /** The items, asked for one by one by index, until the end (a change made meanwhile is seen). */
  [Symbol.asyncIterator](): AsyncGenerator<T> {
    return byIndex<T>(this);
  }
}

/** A {@link ListProxy}'s forwarded methods and their `…Sync` twins. */
export interface ListProxy<T> extends ListProxyMethods<T>, SyncTwins<ListProxyMethods<T>> {}

const SEQUENCE: Record<keyof SequenceProxyMethods<unknown>, Forwarding> = { len: {}, getItem: {}, setItem: {}, slice: {} };

forward(ListProxy, {
  ...SEQUENCE,
  delItem: {},
  append: {},
  extend: { args: asArrays },
  insert: {},
  pop: {},
  remove: {},
  index: {},
  count: {},
  sort: {},
  reverse: {},
  concat: { args: asArrays },
  mul: {},
  imul: {},
  has: {},
  clear: {},
  copy: {},
});
// Python's += and *= change the list and give the same proxy back.
for (const name of ["iadd", "imul"]) {
  const proto = ListProxy.prototype as unknown as Record<string, (this: BaseProxy, arg: unknown) => unknown>;
  const changeInPlace = name === "iadd" ? "extend" : "imul";
  proto[name] = async function (arg) {
    await this.callMethod(changeInPlace, asArrays(arg));
    return this;
  };
  proto[`${name}Sync`] = function (arg) {
    this.callMethodSync(changeInPlace, asArrays(arg));
    return this;
  };
}

/**
 * A proxy of a manager's `Array` (Python's `ArrayProxy` of an `array.array`): a fixed number
 * of elements of one typecode, type-checked when written. Every method has a blocking
 * `…Sync` twin.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const a = await m.Array("i", [0, 1]);
 * await a.setItem(0, 5);
 * console.log(await a.slice(), await a.len()); // [5, 1] 2
 * ```
 */
export class ArrayProxy<T extends number | bigint = number> extends BaseProxy {
  /** The elements, asked for one by one by index. */
  [Symbol.asyncIterator](): AsyncGenerator<T> {
    return byIndex<T>(this);
  }
}

/** An {@link ArrayProxy}'s forwarded methods and their `…Sync` twins. */
export interface ArrayProxy<T extends number | bigint> extends SequenceProxyMethods<T>, SyncTwins<SequenceProxyMethods<T>> {}

forward(ArrayProxy, SEQUENCE);

// ---------------------------------------------------------------------------------------
// Namespace and Value

/**
 * The methods of a {@link NamespaceProxy} (each also as a blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { NamespaceProxyMethods } from "@seed/multiprocessing";
 * type Get = NamespaceProxyMethods["get"];
 * ```
 */
export interface NamespaceProxyMethods {
  /** The attribute `name` (undefined when there is none). */
  get<T = unknown>(name: string): Promise<T>;
  /** Sets the attribute `name`. */
  set(name: string, value: unknown): Promise<void>;
  /** Deletes the attribute `name`; true if it was there. */
  delete(name: string): Promise<boolean>;
  /** Python's `hasattr(ns, name)`. */
  has(name: string): Promise<boolean>;
  /** A copy of the attributes, as a plain object. */
  toObject(): Promise<Record<string, unknown>>;
}

/**
 * A proxy of a manager's `Namespace` (Python's `NamespaceProxy`): named attributes. Names
 * that start with `_` stay in this proxy, as Python's do. Attributes are read and written
 * with methods: `ns.x = 1` would not reach the manager, so it throws. Every method has a
 * blocking `…Sync` twin.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const ns = await m.Namespace({ name: "Bob" });
 * await ns.set("job", "Builder");
 * console.log(await ns.get("job"), await ns.repr()); // "Builder" "Namespace(job='Builder', name='Bob')"
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  /** Made by a manager; no property can be added (`ns.x = 1` throws: use `set`). */
  constructor(token: Token, build: symbol) {
    super(token, build);
    Object.preventExtensions(this);
  }

  /** Rebuilt in another process; no property can be added there either. */
  override [SETSTATE](state: Token): void {
    super[SETSTATE](state);
    Object.preventExtensions(this);
  }
}

/** A {@link NamespaceProxy}'s forwarded methods and their `…Sync` twins. */
export interface NamespaceProxy extends NamespaceProxyMethods, SyncTwins<NamespaceProxyMethods> {}

forward(NamespaceProxy, { get: {}, set: {}, delete: {}, has: {}, toObject: {} });

/** The `_` attributes of each namespace proxy, which stay in its process (as Python's). */
const locals = new WeakMap<BaseProxy, Map<string, unknown>>();

function localAttributes(proxy: BaseProxy): Map<string, unknown> {
  let attributes = locals.get(proxy);
  if (!attributes) locals.set(proxy, attributes = new Map());
  return attributes;
}

// Names that start with `_` are the proxy's own (Python keeps them on the proxy object).
for (const name of ["get", "set", "delete", "has"] as const) {
  const proto = NamespaceProxy.prototype as unknown as Record<string, (this: BaseProxy, ...args: unknown[]) => unknown>;
  const forwarded = { async: proto[name], sync: proto[`${name}Sync`] };
  const local = (proxy: BaseProxy, attribute: string, value?: unknown): unknown => {
    const attributes = localAttributes(proxy);
    if (name === "set") return void attributes.set(attribute, value);
    return name === "get" ? attributes.get(attribute) : name === "has" ? attributes.has(attribute) : attributes.delete(attribute);
  };
  proto[name] = function (attribute, ...rest) {
    return String(attribute).startsWith("_")
      ? Promise.resolve(local(this, attribute as string, rest[0]))
      : forwarded.async.call(this, attribute, ...rest);
  };
  proto[`${name}Sync`] = function (attribute, ...rest) {
    return String(attribute).startsWith("_") ? local(this, attribute as string, rest[0]) : forwarded.sync.call(this, attribute, ...rest);
  };
}

/**
 * The methods of a {@link ValueProxy} (each also as a blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { ValueProxyMethods } from "@seed/multiprocessing";
 * type Get = ValueProxyMethods<number>["get"];
 * ```
 */
export interface ValueProxyMethods<T> {
  /** The value. */
  get(): Promise<T>;
  /** Sets the value. */
  set(value: T): Promise<void>;
}

/**
 * A proxy of a manager's `Value` (Python's `ValueProxy`): one value with a typecode, which
 * the manager does not enforce (as Python's does not).
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const v = await m.Value("i", 1);
 * await v.set(2);
 * console.log(await v.get(), v.getSync()); // 2 2
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {}

/** A {@link ValueProxy}'s forwarded methods and their `…Sync` twins. */
export interface ValueProxy<T> extends ValueProxyMethods<T>, SyncTwins<ValueProxyMethods<T>> {}

forward(ValueProxy, { get: {}, set: {} });

// ---------------------------------------------------------------------------------------
// Synchronization

/**
 * The methods of an {@link AcquirerProxy} (each also as a blocking `…Sync` twin, without a
 * signal).
 * @example Usage
 * ```ts
 * import type { AcquirerProxyMethods } from "@seed/multiprocessing";
 * type Acquire = AcquirerProxyMethods["acquire"];
 * ```
 */
export interface AcquirerProxyMethods {
  /** Takes the lock, waiting (within `timeout`) unless `block` is false; true when taken. */
  acquire(options?: ProxyWaitOptions): Promise<boolean>;
  /** Releases the lock (a Semaphore: one permit). */
  release(): Promise<void>;
  /** Whether it is held (a Semaphore: no permit left). */
  locked(): Promise<boolean>;
}

/**
 * A proxy of a manager's Lock, RLock, Semaphore or BoundedSemaphore (Python's
 * `AcquirerProxy`), with Python's threading semantics: a Lock may be released by any
 * process (releasing it unlocked is a `RuntimeError`), an RLock only by the process that
 * holds it, and a lock held by a process that ended stays held.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const lock = await m.Lock();
 * console.log(await lock.withLock(() => "guarded")); // "guarded"
 * ```
 */
export class AcquirerProxy extends BaseProxy implements AsyncDisposable {
  /** Takes the lock, runs `fn`, releases it even when `fn` fails; resolves with `fn`'s result (Python's `with`). */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }

  /** Releases the lock at the end of an `await using` block (after `acquire()`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/** An {@link AcquirerProxy}'s forwarded methods and their `…Sync` twins. */
export interface AcquirerProxy extends AcquirerProxyMethods, SyncTwins<AcquirerProxyMethods> {}

const ACQUIRER: Record<keyof AcquirerProxyMethods, Forwarding> = { acquire: { options: 0 }, release: {}, locked: {} };

forward(AcquirerProxy, ACQUIRER);

/**
 * The methods of a {@link ConditionProxy} besides its lock's (each also as a blocking
 * `…Sync` twin, without a signal).
 * @example Usage
 * ```ts
 * import type { ConditionProxyMethods } from "@seed/multiprocessing";
 * type Wait = ConditionProxyMethods["wait"];
 * ```
 */
export interface ConditionProxyMethods extends AcquirerProxyMethods {
  /** Releases the lock, waits to be notified (within `timeout`), takes the lock again; false on timeout. */
  wait(options?: Omit<ProxyWaitOptions, "block">): Promise<boolean>;
  /** Wakes up to `n` waiters (the lock must be held). */
  notify(n?: number): Promise<void>;
  /** Wakes every waiter (the lock must be held). */
  notifyAll(): Promise<void>;
}

/**
 * A proxy of a manager's Condition (Python's `ConditionProxy`); `waitFor` runs its predicate
 * in the calling process, as Python's does.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const cond = await m.Condition();
 * await cond.acquire();
 * console.log(await cond.wait({ timeout: 10 })); // false: nobody notified
 * await cond.release();
 * ```
 */
export class ConditionProxy extends AcquirerProxy {
  /** Waits until `predicate()` is true (checked here, after each notification) or time is up; its last result. */
  async waitFor<R>(predicate: () => R | Promise<R>, options: Omit<ProxyWaitOptions, "block"> = {}): Promise<R> {
    const deadline = options.timeout === undefined ? Infinity : performance.now() + Math.max(options.timeout, 0);
    let result = await predicate();
    for (let left = deadline - performance.now(); !result && left > 0; left = deadline - performance.now()) {
      await this.wait({ ...options, timeout: left === Infinity ? undefined : left });
      result = await predicate();
    }
    return result;
  }

  /** As {@link waitFor}, blocking the thread. */
  waitForSync<R>(predicate: () => R, options: { timeout?: number } = {}): R {
    const deadline = options.timeout === undefined ? Infinity : performance.now() + Math.max(options.timeout, 0);
    let result = predicate();
    for (let left = deadline - performance.now(); !result && left > 0; left = deadline - performance.now()) {
      this.waitSync({ timeout: left === Infinity ? undefined : left });
      result = predicate();
    }
    return result;
  }
}

/** A {@link ConditionProxy}'s forwarded methods and their `…Sync` twins. */
export interface ConditionProxy extends ConditionProxyMethods, SyncTwins<ConditionProxyMethods> {}

forward(ConditionProxy, { ...ACQUIRER, wait: { options: 0 }, notify: {}, notifyAll: {} });

/**
 * The methods of an {@link EventProxy} (each also as a blocking `…Sync` twin, without a signal).
 * @example Usage
 * ```ts
 * import type { EventProxyMethods } from "@seed/multiprocessing";
 * type Wait = EventProxyMethods["wait"];
 * ```
 */
export interface EventProxyMethods {
  /** Whether the flag is set. */
  isSet(): Promise<boolean>;
  /** Sets the flag, waking every waiter. */
  set(): Promise<void>;
  /** Clears the flag. */
  clear(): Promise<void>;
  /** Waits until the flag is set (within `timeout`); the flag's value then. */
  wait(options?: Omit<ProxyWaitOptions, "block">): Promise<boolean>;
}

/**
 * A proxy of a manager's Event (Python's `EventProxy`).
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const event = await m.Event();
 * await event.set();
 * console.log(await event.isSet(), await event.wait({ timeout: 10 })); // true true
 * ```
 */
export class EventProxy extends BaseProxy {}

/** An {@link EventProxy}'s forwarded methods and their `…Sync` twins. */
export interface EventProxy extends EventProxyMethods, SyncTwins<EventProxyMethods> {}

forward(EventProxy, { isSet: {}, set: {}, clear: {}, wait: { options: 0 } });

/**
 * The methods of a {@link BarrierProxy} (each also as a blocking `…Sync` twin, without a signal).
 * @example Usage
 * ```ts
 * import type { BarrierProxyMethods } from "@seed/multiprocessing";
 * type Wait = BarrierProxyMethods["wait"];
 * ```
 */
export interface BarrierProxyMethods {
  /** Waits for every party; resolves with this party's arrival index. A `BrokenBarrierError` when broken. */
  wait(options?: Omit<ProxyWaitOptions, "block">): Promise<number>;
  /** Breaks the barrier: waiting and later parties get `BrokenBarrierError`. */
  abort(): Promise<void>;
  /** Back to its first state; parties waiting get `BrokenBarrierError`. */
  reset(): Promise<void>;
  /** The number of parties. */
  parties(): Promise<number>;
  /** How many parties wait now. */
  nWaiting(): Promise<number>;
  /** Whether it is broken. */
  broken(): Promise<boolean>;
}

/**
 * A proxy of a manager's Barrier (Python's `BarrierProxy`).
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const barrier = await m.Barrier(1);
 * console.log(await barrier.wait(), await barrier.parties()); // 0 1
 * ```
 */
export class BarrierProxy extends BaseProxy {}

/** A {@link BarrierProxy}'s forwarded methods and their `…Sync` twins. */
export interface BarrierProxy extends BarrierProxyMethods, SyncTwins<BarrierProxyMethods> {}

forward(BarrierProxy, { wait: { options: 0 }, abort: {}, reset: {}, parties: {}, nWaiting: {}, broken: {} });

// ---------------------------------------------------------------------------------------
// Queue, iterators, pool

/**
 * The methods of a {@link QueueProxy} (each also as a blocking `…Sync` twin, without a signal).
 * @example Usage
 * ```ts
 * import type { QueueProxyMethods } from "@seed/multiprocessing";
 * type Put = QueueProxyMethods<number>["put"];
 * ```
 */
export interface QueueProxyMethods<T> {
  /** Puts `item`, waiting for room (within `timeout`) unless `block` is false; `Full` otherwise. */
  put(item: T, options?: ProxyWaitOptions): Promise<void>;
  /** Takes the next item, waiting (within `timeout`) unless `block` is false; `Empty` otherwise. */
  get(options?: ProxyWaitOptions): Promise<T>;
  /** Puts `item` without waiting; `Full` when there is no room. */
  putNowait(item: T): Promise<void>;
  /** Takes an item without waiting; `Empty` when there is none. */
  getNowait(): Promise<T>;
  /** The number of items. */
  qsize(): Promise<number>;
  /** Whether it holds no item. */
  empty(): Promise<boolean>;
  /** Whether it is at its maxsize. */
  full(): Promise<boolean>;
  /** Marks one item taken as done; a `ValueError` when more are marked than were put. */
  taskDone(): Promise<void>;
  /** Waits until every item put is marked done (within `timeout`: false when time ran out). */
  join(options?: Omit<ProxyWaitOptions, "block">): Promise<boolean>;
}

/**
 * A proxy of a manager's Queue or JoinableQueue (Python's automatic proxy of `queue.Queue`):
 * `Empty` and `Full` as the library's queues raise them.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const q = await m.Queue<number>();
 * await q.put(5);
 * console.log(await q.get(), await q.empty()); // 5 true
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {}

/** A {@link QueueProxy}'s forwarded methods and their `…Sync` twins. */
export interface QueueProxy<T> extends QueueProxyMethods<T>, SyncTwins<QueueProxyMethods<T>> {}

forward(QueueProxy, {
  put: { options: 1 },
  get: { options: 0 },
  putNowait: {},
  getNowait: {},
  qsize: {},
  empty: {},
  full: {},
  taskDone: {},
  join: { options: 0 },
});

/**
 * The methods of an {@link IteratorProxy} (each also as a blocking `…Sync` twin).
 * @example Usage
 * ```ts
 * import type { IteratorProxyMethods } from "@seed/multiprocessing";
 * type Next = IteratorProxyMethods<number>["next"];
 * ```
 */
export interface IteratorProxyMethods<T> {
  /** The next step: `{ value, done }`. */
  next(): Promise<IteratorResult<T>>;
  /** Ends the iteration early (a generator's `finally` runs in the manager). */
  return(value?: T): Promise<IteratorResult<T>>;
}

/**
 * A proxy of an iterator a manager holds (Python's `IteratorProxy`): of a dict, of a
 * generator a registered callable returned, of a pool's `imap`. Async-iterable.
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * await using m = await Manager();
 * const d = await m.dict({ a: 1, b: 2 });
 * const keys = [];
 * for await (const key of d) keys.push(key);
 * console.log(keys); // ["a", "b"]
 * ```
 */
export class IteratorProxy<T = unknown> extends BaseProxy implements AsyncIterableIterator<T> {
  /** This proxy itself: `for await (const x of iteratorProxy)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** An {@link IteratorProxy}'s forwarded methods and their `…Sync` twins. */
export interface IteratorProxy<T> extends IteratorProxyMethods<T>, SyncTwins<IteratorProxyMethods<T>> {}

forward(IteratorProxy, { next: {}, return: {} });

/**
 * The methods of an {@link AsyncResultProxy} (each also as a blocking `…Sync` twin, without
 * a signal).
 * @example Usage
 * ```ts
 * import type { AsyncResultProxyMethods } from "@seed/multiprocessing";
 * type Get = AsyncResultProxyMethods<number>["get"];
 * ```
 */
export interface AsyncResultProxyMethods<T> {
  /** The result, waiting for it (within `timeout`: `TimeoutError`); rethrows the task's error. */
  get(options?: Omit<ProxyWaitOptions, "block">): Promise<T>;
  /** Waits until the result is ready (within `timeout`). */
  wait(options?: Omit<ProxyWaitOptions, "block">): Promise<void>;
  /** Whether the task finished. */
  ready(): Promise<boolean>;
  /** Whether it finished without error; a `ValueError` before it is ready. */
  successful(): Promise<boolean>;
}

/**
 * A proxy of a result a manager's Pool will have (Python's automatic proxy of `AsyncResult`).
 * @example Usage
 * ```ts
 * import { isMain, Manager } from "@seed/multiprocessing";
 * export function square(x: number): number {
 *   return x * x;
 * }
 * if (isMain(import.meta)) {
 *   await using m = await Manager();
 *   await using pool = await m.Pool({ processes: 1 });
 *   const result = await pool.applyAsync(square, [4]);
 *   console.log(await result.get({ timeout: 5000 })); // 16
 * }
 * ```
 */
export class AsyncResultProxy<T = unknown> extends BaseProxy {}

/** An {@link AsyncResultProxy}'s forwarded methods and their `…Sync` twins. */
export interface AsyncResultProxy<T> extends AsyncResultProxyMethods<T>, SyncTwins<AsyncResultProxyMethods<T>> {}

forward(AsyncResultProxy, { get: { options: 0 }, wait: { options: 0 }, ready: {}, successful: {} });

/**
 * A function that crosses to the manager by reference (exported from its module): located
 * now, in `module` when given, so that the message finds it there.
 */
export function exportedFunction<F>(fn: F, module?: string | URL): F {
  if (typeof fn !== "function") throw new TypeError(`the task must be a function exported from its module, got ${typeof fn}`);
  if (module !== undefined) locate(fn, { module });
  return fn;
}

/**
 * Options of a manager Pool's calls that name a function.
 * @example Usage
 * ```ts
 * import type { PoolTaskOptions } from "@seed/multiprocessing";
 * const options: PoolTaskOptions = { module: import.meta.url, chunksize: 10 };
 * ```
 */
export interface PoolTaskOptions {
  /** URL of the module that exports the function; default: found from the call site. */
  module?: string | URL;
  /** Inputs sent to a worker at once (map-like calls); default: Python's rule. */
  chunksize?: number;
}

/**
 * The methods of a {@link PoolProxy}. Functions cross by reference: they must be exported
 * from their module.
 * @example Usage
 * ```ts
 * import type { PoolProxyMethods } from "@seed/multiprocessing";
 * type MapMethod = PoolProxyMethods["map"];
 * ```
 */
export interface PoolProxyMethods {
  /** Runs `fn(...args)` in a worker; resolves with its result. */
  apply<R>(fn: (...args: never[]) => R, args?: unknown[], options?: PoolTaskOptions): Promise<Awaited<R>>;
  /** As `apply`, resolving at once with an {@link AsyncResultProxy}. */
  applyAsync<R>(fn: (...args: never[]) => R, args?: unknown[], options?: PoolTaskOptions): Promise<AsyncResultProxy<Awaited<R>>>;
  /** `fn` of each input, in order. */
  map<T, R>(fn: (item: T) => R, inputs: Iterable<T>, options?: PoolTaskOptions): Promise<Awaited<R>[]>;
  /** As `map`, resolving at once with an {@link AsyncResultProxy}. */
  mapAsync<T, R>(fn: (item: T) => R, inputs: Iterable<T>, options?: PoolTaskOptions): Promise<AsyncResultProxy<Awaited<R>[]>>;
  /** `fn(...args)` of each argument list, in order. */
  starmap<R>(fn: (...args: never[]) => R, inputs: Iterable<unknown[]>, options?: PoolTaskOptions): Promise<Awaited<R>[]>;
  /** As `starmap`, resolving at once with an {@link AsyncResultProxy}. */
  starmapAsync<R>(
    fn: (...args: never[]) => R,
    inputs: Iterable<unknown[]>,
    options?: PoolTaskOptions,
  ): Promise<AsyncResultProxy<Awaited<R>[]>>;
  /** The results as they come, in input order (an {@link IteratorProxy}). */
  imap<T, R>(fn: (item: T) => R, inputs: Iterable<T>, options?: PoolTaskOptions): Promise<IteratorProxy<Awaited<R>>>;
  /** The results in the order they finish (an {@link IteratorProxy}). */
  imapUnordered<T, R>(fn: (item: T) => R, inputs: Iterable<T>, options?: PoolTaskOptions): Promise<IteratorProxy<Awaited<R>>>;
  /** No more tasks: the workers end once the queued ones are done. */
  close(): Promise<void>;
  /** Ends the workers now. */
  terminate(): Promise<void>;
  /** Waits for the workers to end (after close or terminate). */
  join(): Promise<void>;
}

/**
 * A proxy of a manager's Pool (Python's `PoolProxy`): the pool runs in the manager's process;
 * functions cross by reference (exported from their module). `await using` terminates it,
 * as Python's `with`.
 * @example Usage
 * ```ts
 * import { isMain, Manager } from "@seed/multiprocessing";
 * export function double(x: number): number {
 *   return 2 * x;
 * }
 * if (isMain(import.meta)) {
 *   await using m = await Manager();
 *   await using pool = await m.Pool({ processes: 2 });
 *   console.log(await pool.map(double, [1, 2, 3])); // [2, 4, 6]
 * }
 * ```
 */
export class PoolProxy extends BaseProxy implements AsyncDisposable {
  /** The results that come back as proxies. */
  static override _methodToTypeid_: Readonly<Record<string, string>> = {
    applyAsync: "AsyncResult",
    mapAsync: "AsyncResult",
    starmapAsync: "AsyncResult",
    imap: "Iterator",
    imapUnordered: "Iterator",
  };

  /** Terminates the pool at the end of an `await using` block (Python's `with`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}

/** A {@link PoolProxy}'s forwarded methods and their `…Sync` twins. */
export interface PoolProxy extends PoolProxyMethods, SyncTwins<PoolProxyMethods> {}

/** A task's arguments: the function (located in `options.module`), its inputs, Python's chunksize. */
const task: Forwarding = {
  args: (fn: unknown, inputs?: unknown, options?: PoolTaskOptions) => {
    const rest = inputs === undefined ? [] : [typeof inputs === "object" && inputs !== null ? [...inputs as Iterable<unknown>] : inputs];
    const chunking = options?.chunksize === undefined ? [] : [{ chunksize: options.chunksize }];
    return [exportedFunction(fn, options?.module), ...rest, ...chunking];
  },
};

forward(PoolProxy, {
  apply: task,
  applyAsync: task,
  map: task,
  mapAsync: task,
  starmap: task,
  starmapAsync: task,
  imap: task,
  imapUnordered: task,
  close: {},
  terminate: {},
  join: {},
});

// The proxy classes cross by reference to the library.
for (
  const type of [
    DictProxy,
    ListProxy,
    NamespaceProxy,
    ValueProxy,
    ArrayProxy,
    AcquirerProxy,
    ConditionProxy,
    EventProxy,
    BarrierProxy,
    QueueProxy,
    IteratorProxy,
    AsyncResultProxy,
    PoolProxy,
  ]
) registerExport(type, libraryEntryUrl().href, type.name);
