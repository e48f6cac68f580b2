/**
 * The proxy types of a `SyncManager`'s objects (Python's `DictProxy`, `ListProxy`,
 * `NamespaceProxy`, `ValueProxy`, `ArrayProxy`, `AcquirerProxy`, `ConditionProxy`,
 * `EventProxy`, `BarrierProxy`, `PoolProxy`, `IteratorProxy`, and the automatic proxies of
 * `queue.Queue` and `AsyncResult`), with the library's method names. Every method is async
 * and has a `…Sync` twin that blocks the thread. A value read is a copy of the manager's;
 * a proxy stored inside another object stays a reference to its object.
 * @module
 */
import { IndexError } from "./errors.ts";
import { BaseProxy, type ProxyCallOptions } from "./manager_proxy.ts";
import type { Token } from "./manager_protocol.ts";
import { SETSTATE } from "./reduction.ts";
import { locate, registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";

/**
 * Options of a proxy's blocking waits: Python's `block` and `timeout` (milliseconds), and a
 * signal that gives the wait up.
 * @example Usage
 * ```ts
 * import type { ProxyWaitOptions } from "@seed/multiprocessing";
 * const options: ProxyWaitOptions = { timeout: 500 };
 * console.log(options.timeout); // 500
 * ```
 */
export interface ProxyWaitOptions extends ProxyCallOptions {
  /** `false`: do not wait (the timeout is ignored). Default true. */
  block?: boolean;
  /** Give up after this many milliseconds (negative acts as 0). Default: wait forever. */
  timeout?: number;
}

/** The options to send: everything but the signal, which stays with the caller. */
function waitArgs(options: ProxyWaitOptions = {}): [Omit<ProxyWaitOptions, "signal">] {
  const { signal: _signal, ...rest } = options;
  return [rest];
}

/** Asks the manager for item `index`, `undefined` at the end (Python iterates a list by index). */
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

/**
 * A proxy of a manager's `dict` (Python's `DictProxy`): keys are numbers, strings, bigints,
 * booleans, null, or arrays of them (Python's tuples). Values read are copies; a proxy
 * stored as a value stays a reference.
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
  /** The methods forwarded to the manager's dict. */
  static override _exposed_: readonly string[] = [
    "get", "set", "getItem", "setItem", "delItem", "delete", "has", "keys", "values", "items", "len",
    "update", "pop", "popitem", "setDefault", "clear", "copy", "iter",
  ];
  /** `iter` returns a server-side iterator, as Python's `__iter__`. */
  static override _methodToTypeid_: Readonly<Record<string, string>> = { iter: "Iterator" };

  /** The value of `key`, or `fallback` (default null, Python's None) when there is none. */
  get<D = null>(key: K, fallback?: D): Promise<V | D> {
    return this.callMethod("get", fallback === undefined ? [key] : [key, fallback]);
  }
  /** As {@link get}, blocking the thread. */
  getSync<D = null>(key: K, fallback?: D): V | D {
    return this.callMethodSync("get", fallback === undefined ? [key] : [key, fallback]);
  }
  /** Sets `key` to `value` (Python's `d[key] = value`). */
  set(key: K, value: V): Promise<void> {
    return this.callMethod("set", [key, value]);
  }
  /** As {@link set}, blocking the thread. */
  setSync(key: K, value: V): void {
    this.callMethodSync("set", [key, value]);
  }
  /** Python's `d[key]`: the value, or a `KeyError`. */
  getItem(key: K): Promise<V> {
    return this.callMethod("getItem", [key]);
  }
  /** As {@link getItem}, blocking the thread. */
  getItemSync(key: K): V {
    return this.callMethodSync("getItem", [key]);
  }
  /** Python's `d[key] = value`. */
  setItem(key: K, value: V): Promise<void> {
    return this.callMethod("setItem", [key, value]);
  }
  /** As {@link setItem}, blocking the thread. */
  setItemSync(key: K, value: V): void {
    this.callMethodSync("setItem", [key, value]);
  }
  /** Python's `del d[key]`: a `KeyError` when there is no such key. */
  delItem(key: K): Promise<void> {
    return this.callMethod("delItem", [key]);
  }
  /** As {@link delItem}, blocking the thread. */
  delItemSync(key: K): void {
    this.callMethodSync("delItem", [key]);
  }
  /** Removes `key`; true if it was there (as `Map.delete`). */
  delete(key: K): Promise<boolean> {
    return this.callMethod("delete", [key]);
  }
  /** As {@link delete}, blocking the thread. */
  deleteSync(key: K): boolean {
    return this.callMethodSync("delete", [key]);
  }
  /** Python's `key in d`. */
  has(key: K): Promise<boolean> {
    return this.callMethod("has", [key]);
  }
  /** As {@link has}, blocking the thread. */
  hasSync(key: K): boolean {
    return this.callMethodSync("has", [key]);
  }
  /** The keys, in insertion order (a list, as Python's proxy returns). */
  keys(): Promise<K[]> {
    return this.callMethod("keys");
  }
  /** As {@link keys}, blocking the thread. */
  keysSync(): K[] {
    return this.callMethodSync("keys");
  }
  /** The values, in insertion order. */
  values(): Promise<V[]> {
    return this.callMethod("values");
  }
  /** As {@link values}, blocking the thread. */
  valuesSync(): V[] {
    return this.callMethodSync("values");
  }
  /** The `[key, value]` pairs, in insertion order. */
  items(): Promise<[K, V][]> {
    return this.callMethod("items");
  }
  /** As {@link items}, blocking the thread. */
  itemsSync(): [K, V][] {
    return this.callMethodSync("items");
  }
  /** Python's `len(d)`. */
  len(): Promise<number> {
    return this.callMethod("len");
  }
  /** As {@link len}, blocking the thread. */
  lenSync(): number {
    return this.callMethodSync("len");
  }
  /** Sets every key of `other` (a Map, a record or `[key, value]` pairs), in one call. */
  update(other: Map<K, V> | Iterable<[K, V]> | Record<string, V>): Promise<void> {
    return this.callMethod("update", [other]);
  }
  /** As {@link update}, blocking the thread. */
  updateSync(other: Map<K, V> | Iterable<[K, V]> | Record<string, V>): void {
    this.callMethodSync("update", [other]);
  }
  /** Removes `key` and returns its value; without it, `fallback`, or a `KeyError` when none is given. */
  pop<D = never>(key: K, ...fallback: [] | [D]): Promise<V | D> {
    return this.callMethod("pop", [key, ...fallback]);
  }
  /** As {@link pop}, blocking the thread. */
  popSync<D = never>(key: K, ...fallback: [] | [D]): V | D {
    return this.callMethodSync("pop", [key, ...fallback]);
  }
  /** Removes and returns the last `[key, value]` pair (LIFO); a `KeyError` when empty. */
  popitem(): Promise<[K, V]> {
    return this.callMethod("popitem");
  }
  /** As {@link popitem}, blocking the thread. */
  popitemSync(): [K, V] {
    return this.callMethodSync("popitem");
  }
  /** The value of `key`; when there is none, sets it to `fallback` (default null) and returns that. */
  setDefault(key: K, fallback?: V): Promise<V> {
    return this.callMethod("setDefault", fallback === undefined ? [key] : [key, fallback]);
  }
  /** As {@link setDefault}, blocking the thread. */
  setDefaultSync(key: K, fallback?: V): V {
    return this.callMethodSync("setDefault", fallback === undefined ? [key] : [key, fallback]);
  }
  /** Removes every key (objects that proxies stored here refer to live on while held elsewhere). */
  clear(): Promise<void> {
    return this.callMethod("clear");
  }
  /** As {@link clear}, blocking the thread. */
  clearSync(): void {
    this.callMethodSync("clear");
  }
  /** A copy, as a Map. */
  copy(): Promise<Map<K, V>> {
    return this.callMethod("copy");
  }
  /** As {@link copy}, blocking the thread. */
  copySync(): Map<K, V> {
    return this.callMethodSync("copy");
  }
  /**
   * Iterates the keys with an iterator held by the manager (Python's `iter(d)`): a change of
   * the dict's size meanwhile makes the next step a `RuntimeError`.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<K> {
    const iterator = await this.callMethod<IteratorProxy<K>>("iter");
    yield* iterator;
  }
}

/**
 * A proxy of a manager's `list` (Python's `ListProxy`). Items read are copies; a proxy
 * stored as an item stays a reference. Iterating asks for items by index, as Python does.
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
  /** The methods forwarded to the manager's list. */
  static override _exposed_: readonly string[] = [
    "getItem", "setItem", "delItem", "append", "extend", "insert", "pop", "remove", "index", "count", "sort",
    "reverse", "len", "slice", "concat", "mul", "imul", "has", "clear", "copy",
  ];

  /** Python's `l[index]` (negative from the end); an `IndexError` out of range. */
  getItem(index: number): Promise<T> {
    return this.callMethod("getItem", [index]);
  }
  /** As {@link getItem}, blocking the thread. */
  getItemSync(index: number): T {
    return this.callMethodSync("getItem", [index]);
  }
  /** Python's `l[index] = value`. */
  setItem(index: number, value: T): Promise<void> {
    return this.callMethod("setItem", [index, value]);
  }
  /** As {@link setItem}, blocking the thread. */
  setItemSync(index: number, value: T): void {
    this.callMethodSync("setItem", [index, value]);
  }
  /** Python's `del l[index]`. */
  delItem(index: number): Promise<void> {
    return this.callMethod("delItem", [index]);
  }
  /** As {@link delItem}, blocking the thread. */
  delItemSync(index: number): void {
    this.callMethodSync("delItem", [index]);
  }
  /** Appends `value`. */
  append(value: T): Promise<void> {
    return this.callMethod("append", [value]);
  }
  /** As {@link append}, blocking the thread. */
  appendSync(value: T): void {
    this.callMethodSync("append", [value]);
  }
  /** Appends every value of `values`, in one call. */
  extend(values: Iterable<T>): Promise<void> {
    return this.callMethod("extend", [[...values]]);
  }
  /** As {@link extend}, blocking the thread. */
  extendSync(values: Iterable<T>): void {
    this.callMethodSync("extend", [[...values]]);
  }
  /** Inserts `value` before `index`. */
  insert(index: number, value: T): Promise<void> {
    return this.callMethod("insert", [index, value]);
  }
  /** As {@link insert}, blocking the thread. */
  insertSync(index: number, value: T): void {
    this.callMethodSync("insert", [index, value]);
  }
  /** Removes and returns the item at `index` (default the last); an `IndexError` when there is none. */
  pop(index = -1): Promise<T> {
    return this.callMethod("pop", [index]);
  }
  /** As {@link pop}, blocking the thread. */
  popSync(index = -1): T {
    return this.callMethodSync("pop", [index]);
  }
  /** Removes the first item equal to `value` (compared by value); a `ValueError` when none is. */
  remove(value: T): Promise<void> {
    return this.callMethod("remove", [value]);
  }
  /** As {@link remove}, blocking the thread. */
  removeSync(value: T): void {
    this.callMethodSync("remove", [value]);
  }
  /** The index of the first item equal to `value` (within `start`..`stop`); a `ValueError` when none is. */
  index(value: T, start?: number, stop?: number): Promise<number> {
    return this.callMethod("index", [value, start ?? null, stop ?? null]);
  }
  /** As {@link index}, blocking the thread. */
  indexSync(value: T, start?: number, stop?: number): number {
    return this.callMethodSync("index", [value, start ?? null, stop ?? null]);
  }
  /** How many items equal `value`. */
  count(value: T): Promise<number> {
    return this.callMethod("count", [value]);
  }
  /** As {@link count}, blocking the thread. */
  countSync(value: T): number {
    return this.callMethodSync("count", [value]);
  }
  /** Sorts in place, in Python's order (numbers, strings, arrays of them; mixed kinds are a `TypeError`). */
  sort(options: { reverse?: boolean } = {}): Promise<void> {
    return this.callMethod("sort", [options]);
  }
  /** As {@link sort}, blocking the thread. */
  sortSync(options: { reverse?: boolean } = {}): void {
    this.callMethodSync("sort", [options]);
  }
  /** Reverses in place. */
  reverse(): Promise<void> {
    return this.callMethod("reverse");
  }
  /** As {@link reverse}, blocking the thread. */
  reverseSync(): void {
    this.callMethodSync("reverse");
  }
  /** Python's `len(l)`. */
  len(): Promise<number> {
    return this.callMethod("len");
  }
  /** As {@link len}, blocking the thread. */
  lenSync(): number {
    return this.callMethodSync("len");
  }
  /** Python's `l[start:stop]` (a copy); no bounds: the whole list. */
  slice(start?: number, stop?: number): Promise<T[]> {
    return this.callMethod("slice", [start ?? null, stop ?? null]);
  }
  /** As {@link slice}, blocking the thread. */
  sliceSync(start?: number, stop?: number): T[] {
    return this.callMethodSync("slice", [start ?? null, stop ?? null]);
  }
  /** Python's `l + values`: a new plain array; the list is unchanged. */
  concat(values: Iterable<T>): Promise<T[]> {
    return this.callMethod("concat", [[...values]]);
  }
  /** As {@link concat}, blocking the thread. */
  concatSync(values: Iterable<T>): T[] {
    return this.callMethodSync("concat", [[...values]]);
  }
  /** Python's `l += values`: extends the list; resolves with this proxy. */
  async iadd(values: Iterable<T>): Promise<this> {
    await this.extend(values);
    return this;
  }
  /** As {@link iadd}, blocking the thread. */
  iaddSync(values: Iterable<T>): this {
    this.extendSync(values);
    return this;
  }
  /** Python's `l * times`: a new plain array. */
  mul(times: number): Promise<T[]> {
    return this.callMethod("mul", [times]);
  }
  /** As {@link mul}, blocking the thread. */
  mulSync(times: number): T[] {
    return this.callMethodSync("mul", [times]);
  }
  /** Python's `l *= times`: repeats the list in place; resolves with this proxy. */
  async imul(times: number): Promise<this> {
    await this.callMethod("imul", [times]);
    return this;
  }
  /** As {@link imul}, blocking the thread. */
  imulSync(times: number): this {
    this.callMethodSync("imul", [times]);
    return this;
  }
  /** Python's `value in l` (compared by value). */
  has(value: T): Promise<boolean> {
    return this.callMethod("has", [value]);
  }
  /** As {@link has}, blocking the thread. */
  hasSync(value: T): boolean {
    return this.callMethodSync("has", [value]);
  }
  /** Removes every item. */
  clear(): Promise<void> {
    return this.callMethod("clear");
  }
  /** As {@link clear}, blocking the thread. */
  clearSync(): void {
    this.callMethodSync("clear");
  }
  /** A copy, as a plain array. */
  copy(): Promise<T[]> {
    return this.callMethod("copy");
  }
  /** As {@link copy}, blocking the thread. */
  copySync(): T[] {
    return this.callMethodSync("copy");
  }
  /** The items, asked for one by one by index, until the end (a change made meanwhile is seen). */
  [Symbol.asyncIterator](): AsyncGenerator<T> {
    return byIndex<T>(this);
  }
}

/**
 * A proxy of a manager's `Namespace` (Python's `NamespaceProxy`): named attributes. Names
 * that start with `_` stay in this proxy, as Python's do. Attributes are read and written
 * with methods: `ns.x = 1` would not reach the manager, so it throws.
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
  /** The methods forwarded to the manager's namespace. */
  static override _exposed_: readonly string[] = ["get", "set", "delete", "has", "toObject"];

  /** Made by a manager; no property can be added (`ns.x = 1` throws: use {@link set}). */
  constructor(token: Token, build: symbol) {
    super(token, build);
    Object.preventExtensions(this);
  }

  /** Rebuilt in another process; no property can be added there either. */
  override [SETSTATE](state: Token): void {
    super[SETSTATE](state);
    Object.preventExtensions(this);
  }

  /** The attribute `name` (undefined when there is none). */
  get<T = unknown>(name: string): Promise<T> {
    return name.startsWith("_") ? Promise.resolve(localAttributes(this).get(name) as T) : this.callMethod("get", [name]);
  }
  /** As {@link get}, blocking the thread. */
  getSync<T = unknown>(name: string): T {
    return name.startsWith("_") ? localAttributes(this).get(name) as T : this.callMethodSync("get", [name]);
  }
  /** Sets the attribute `name`. */
  set(name: string, value: unknown): Promise<void> {
    if (!name.startsWith("_")) return this.callMethod("set", [name, value]);
    localAttributes(this).set(name, value);
    return Promise.resolve();
  }
  /** As {@link set}, blocking the thread. */
  setSync(name: string, value: unknown): void {
    if (name.startsWith("_")) localAttributes(this).set(name, value);
    else this.callMethodSync("set", [name, value]);
  }
  /** Deletes the attribute `name`; true if it was there. */
  delete(name: string): Promise<boolean> {
    return name.startsWith("_") ? Promise.resolve(localAttributes(this).delete(name)) : this.callMethod("delete", [name]);
  }
  /** As {@link delete}, blocking the thread. */
  deleteSync(name: string): boolean {
    return name.startsWith("_") ? localAttributes(this).delete(name) : this.callMethodSync("delete", [name]);
  }
  /** Python's `hasattr(ns, name)`. */
  has(name: string): Promise<boolean> {
    return name.startsWith("_") ? Promise.resolve(localAttributes(this).has(name)) : this.callMethod("has", [name]);
  }
  /** As {@link has}, blocking the thread. */
  hasSync(name: string): boolean {
    return name.startsWith("_") ? localAttributes(this).has(name) : this.callMethodSync("has", [name]);
  }
  /** A copy of the attributes, as a plain object. */
  toObject(): Promise<Record<string, unknown>> {
    return this.callMethod("toObject");
  }
  /** As {@link toObject}, blocking the thread. */
  toObjectSync(): Record<string, unknown> {
    return this.callMethodSync("toObject");
  }
}

/** The `_` attributes of each namespace proxy, which stay in its process (as Python's). */
const locals = new WeakMap<NamespaceProxy, Map<string, unknown>>();

function localAttributes(proxy: NamespaceProxy): Map<string, unknown> {
  let attributes = locals.get(proxy);
  if (!attributes) locals.set(proxy, attributes = new Map());
  return attributes;
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
 * console.log(await v.get()); // 2
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /** The methods forwarded to the manager's value. */
  static override _exposed_: readonly string[] = ["get", "set"];

  /** The value. */
  get(): Promise<T> {
    return this.callMethod("get");
  }
  /** As {@link get}, blocking the thread. */
  getSync(): T {
    return this.callMethodSync("get");
  }
  /** Sets the value. */
  set(value: T): Promise<void> {
    return this.callMethod("set", [value]);
  }
  /** As {@link set}, blocking the thread. */
  setSync(value: T): void {
    this.callMethodSync("set", [value]);
  }
}

/**
 * A proxy of a manager's `Array` (Python's `ArrayProxy` of an `array.array`): a fixed number
 * of elements of one typecode, type-checked when written.
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
  /** The methods forwarded to the manager's array. */
  static override _exposed_: readonly string[] = ["len", "getItem", "setItem", "slice"];

  /** The number of elements. */
  len(): Promise<number> {
    return this.callMethod("len");
  }
  /** As {@link len}, blocking the thread. */
  lenSync(): number {
    return this.callMethodSync("len");
  }
  /** The element at `index` (negative from the end); an `IndexError` out of range. */
  getItem(index: number): Promise<T> {
    return this.callMethod("getItem", [index]);
  }
  /** As {@link getItem}, blocking the thread. */
  getItemSync(index: number): T {
    return this.callMethodSync("getItem", [index]);
  }
  /** Sets the element at `index`; a `TypeError` for a value the typecode does not hold. */
  setItem(index: number, value: T): Promise<void> {
    return this.callMethod("setItem", [index, value]);
  }
  /** As {@link setItem}, blocking the thread. */
  setItemSync(index: number, value: T): void {
    this.callMethodSync("setItem", [index, value]);
  }
  /** The elements from `start` to `stop` (default: all), as a plain array. */
  slice(start?: number, stop?: number): Promise<T[]> {
    return this.callMethod("slice", [start ?? null, stop ?? null]);
  }
  /** As {@link slice}, blocking the thread. */
  sliceSync(start?: number, stop?: number): T[] {
    return this.callMethodSync("slice", [start ?? null, stop ?? null]);
  }
  /** The elements, asked for one by one by index. */
  [Symbol.asyncIterator](): AsyncGenerator<T> {
    return byIndex<T>(this);
  }
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
  /** The methods forwarded to the manager's lock. */
  static override _exposed_: readonly string[] = ["acquire", "release", "locked"];

  /** Takes the lock, waiting (within `timeout`) unless `block` is false; true when taken. */
  acquire(options: ProxyWaitOptions = {}): Promise<boolean> {
    return this.callMethod("acquire", waitArgs(options), options);
  }
  /** As {@link acquire}, blocking the thread. */
  acquireSync(options: Omit<ProxyWaitOptions, "signal"> = {}): boolean {
    return this.callMethodSync("acquire", [options]);
  }
  /** Releases the lock (a Semaphore: one permit). */
  release(): Promise<void> {
    return this.callMethod("release");
  }
  /** As {@link release}, blocking the thread. */
  releaseSync(): void {
    this.callMethodSync("release");
  }
  /** Whether it is held (a Semaphore: no permit left). */
  locked(): Promise<boolean> {
    return this.callMethod("locked");
  }
  /** As {@link locked}, blocking the thread. */
  lockedSync(): boolean {
    return this.callMethodSync("locked");
  }
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
  /** The methods forwarded to the manager's condition. */
  static override _exposed_: readonly string[] = ["acquire", "release", "locked", "wait", "notify", "notifyAll"];

  /** Releases the lock, waits to be notified (within `timeout`), takes the lock again; false on timeout. */
  wait(options: Omit<ProxyWaitOptions, "block"> = {}): Promise<boolean> {
    return this.callMethod("wait", waitArgs(options), options);
  }
  /** As {@link wait}, blocking the thread. */
  waitSync(options: { timeout?: number } = {}): boolean {
    return this.callMethodSync("wait", [options]);
  }
  /** Waits until `predicate()` is true (checked here, after each notification) or time is up; its last result. */
  async waitFor<R>(predicate: () => R | Promise<R>, options: Omit<ProxyWaitOptions, "block"> = {}): Promise<R> {
    const deadline = options.timeout === undefined ? Infinity : performance.now() + Math.max(options.timeout, 0);
    let result = await predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait({ ...options, timeout: left === Infinity ? undefined : left });
      result = await predicate();
    }
    return result;
  }
  /** As {@link waitFor}, blocking the thread. */
  waitForSync<R>(predicate: () => R, options: { timeout?: number } = {}): R {
    const deadline = options.timeout === undefined ? Infinity : performance.now() + Math.max(options.timeout, 0);
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      this.waitSync({ timeout: left === Infinity ? undefined : left });
      result = predicate();
    }
    return result;
  }
  /** Wakes up to `n` waiters (the lock must be held). */
  notify(n = 1): Promise<void> {
    return this.callMethod("notify", [n]);
  }
  /** As {@link notify}, blocking the thread. */
  notifySync(n = 1): void {
    this.callMethodSync("notify", [n]);
  }
  /** Wakes every waiter (the lock must be held). */
  notifyAll(): Promise<void> {
    return this.callMethod("notifyAll");
  }
  /** As {@link notifyAll}, blocking the thread. */
  notifyAllSync(): void {
    this.callMethodSync("notifyAll");
  }
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
export class EventProxy extends BaseProxy {
  /** The methods forwarded to the manager's event. */
  static override _exposed_: readonly string[] = ["isSet", "set", "clear", "wait"];

  /** Whether the flag is set. */
  isSet(): Promise<boolean> {
    return this.callMethod("isSet");
  }
  /** As {@link isSet}, blocking the thread. */
  isSetSync(): boolean {
    return this.callMethodSync("isSet");
  }
  /** Sets the flag, waking every waiter. */
  set(): Promise<void> {
    return this.callMethod("set");
  }
  /** As {@link set}, blocking the thread. */
  setSync(): void {
    this.callMethodSync("set");
  }
  /** Clears the flag. */
  clear(): Promise<void> {
    return this.callMethod("clear");
  }
  /** As {@link clear}, blocking the thread. */
  clearSync(): void {
    this.callMethodSync("clear");
  }
  /** Waits until the flag is set (within `timeout`); the flag's value then. */
  wait(options: Omit<ProxyWaitOptions, "block"> = {}): Promise<boolean> {
    return this.callMethod("wait", waitArgs(options), options);
  }
  /** As {@link wait}, blocking the thread. */
  waitSync(options: { timeout?: number } = {}): boolean {
    return this.callMethodSync("wait", [options]);
  }
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
export class BarrierProxy extends BaseProxy {
  /** The methods forwarded to the manager's barrier. */
  static override _exposed_: readonly string[] = ["wait", "abort", "reset", "parties", "nWaiting", "broken"];

  /** Waits for every party; resolves with this party's arrival index. A `BrokenBarrierError` when broken. */
  wait(options: Omit<ProxyWaitOptions, "block"> = {}): Promise<number> {
    return this.callMethod("wait", waitArgs(options), options);
  }
  /** As {@link wait}, blocking the thread. */
  waitSync(options: { timeout?: number } = {}): number {
    return this.callMethodSync("wait", [options]);
  }
  /** Breaks the barrier: waiting and later parties get `BrokenBarrierError`. */
  abort(): Promise<void> {
    return this.callMethod("abort");
  }
  /** As {@link abort}, blocking the thread. */
  abortSync(): void {
    this.callMethodSync("abort");
  }
  /** Back to its first state; parties waiting get `BrokenBarrierError`. */
  reset(): Promise<void> {
    return this.callMethod("reset");
  }
  /** As {@link reset}, blocking the thread. */
  resetSync(): void {
    this.callMethodSync("reset");
  }
  /** The number of parties. */
  parties(): Promise<number> {
    return this.callMethod("parties");
  }
  /** As {@link parties}, blocking the thread. */
  partiesSync(): number {
    return this.callMethodSync("parties");
  }
  /** How many parties wait now. */
  nWaiting(): Promise<number> {
    return this.callMethod("nWaiting");
  }
  /** As {@link nWaiting}, blocking the thread. */
  nWaitingSync(): number {
    return this.callMethodSync("nWaiting");
  }
  /** Whether it is broken. */
  broken(): Promise<boolean> {
    return this.callMethod("broken");
  }
  /** As {@link broken}, blocking the thread. */
  brokenSync(): boolean {
    return this.callMethodSync("broken");
  }
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
export class QueueProxy<T = unknown> extends BaseProxy {
  /** The methods forwarded to the manager's queue. */
  static override _exposed_: readonly string[] = [
    "put", "get", "putNowait", "getNowait", "qsize", "empty", "full", "taskDone", "join",
  ];

  /** Puts `item`, waiting for room (within `timeout`) unless `block` is false; `Full` otherwise. */
  put(item: T, options: ProxyWaitOptions = {}): Promise<void> {
    return this.callMethod("put", [item, ...waitArgs(options)], options);
  }
  /** As {@link put}, blocking the thread. */
  putSync(item: T, options: Omit<ProxyWaitOptions, "signal"> = {}): void {
    this.callMethodSync("put", [item, options]);
  }
  /** Takes the next item, waiting (within `timeout`) unless `block` is false; `Empty` otherwise. */
  get(options: ProxyWaitOptions = {}): Promise<T> {
    return this.callMethod("get", waitArgs(options), options);
  }
  /** As {@link get}, blocking the thread. */
  getSync(options: Omit<ProxyWaitOptions, "signal"> = {}): T {
    return this.callMethodSync("get", [options]);
  }
  /** Puts `item` without waiting; `Full` when there is no room. */
  putNowait(item: T): Promise<void> {
    return this.callMethod("putNowait", [item]);
  }
  /** As {@link putNowait}, blocking the thread for the round trip. */
  putNowaitSync(item: T): void {
    this.callMethodSync("putNowait", [item]);
  }
  /** Takes an item without waiting; `Empty` when there is none. */
  getNowait(): Promise<T> {
    return this.callMethod("getNowait");
  }
  /** As {@link getNowait}, blocking the thread for the round trip. */
  getNowaitSync(): T {
    return this.callMethodSync("getNowait");
  }
  /** The number of items. */
  qsize(): Promise<number> {
    return this.callMethod("qsize");
  }
  /** As {@link qsize}, blocking the thread. */
  qsizeSync(): number {
    return this.callMethodSync("qsize");
  }
  /** Whether it holds no item. */
  empty(): Promise<boolean> {
    return this.callMethod("empty");
  }
  /** As {@link empty}, blocking the thread. */
  emptySync(): boolean {
    return this.callMethodSync("empty");
  }
  /** Whether it is at its maxsize. */
  full(): Promise<boolean> {
    return this.callMethod("full");
  }
  /** As {@link full}, blocking the thread. */
  fullSync(): boolean {
    return this.callMethodSync("full");
  }
  /** Marks one item taken as done; a `ValueError` when more are marked than were put. */
  taskDone(): Promise<void> {
    return this.callMethod("taskDone");
  }
  /** As {@link taskDone}, blocking the thread. */
  taskDoneSync(): void {
    this.callMethodSync("taskDone");
  }
  /** Waits until every item put is marked done (within `timeout`: false when time ran out). */
  join(options: Omit<ProxyWaitOptions, "block"> = {}): Promise<boolean> {
    return this.callMethod("join", waitArgs(options), options);
  }
  /** As {@link join}, blocking the thread. */
  joinSync(options: { timeout?: number } = {}): boolean {
    return this.callMethodSync("join", [options]);
  }
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
  /** The methods forwarded to the manager's iterator. */
  static override _exposed_: readonly string[] = ["next", "return"];

  /** The next step: `{ value, done }`. */
  next(): Promise<IteratorResult<T>> {
    return this.callMethod("next");
  }
  /** As {@link next}, blocking the thread. */
  nextSync(): IteratorResult<T> {
    return this.callMethodSync("next");
  }
  /** Ends the iteration early (a generator's `finally` runs in the manager). */
  async return(value?: T): Promise<IteratorResult<T>> {
    return await this.callMethod("return", [value]) ?? { done: true, value };
  }
  /** This proxy itself: `for await (const x of iteratorProxy)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }
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
export class AsyncResultProxy<T = unknown> extends BaseProxy {
  /** The methods forwarded to the manager's result. */
  static override _exposed_: readonly string[] = ["get", "wait", "ready", "successful"];

  /** The result, waiting for it (within `timeout`: `TimeoutError`); rethrows the task's error. */
  get(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<T> {
    return this.callMethod("get", waitArgs(options), options);
  }
  /** As {@link get}, blocking the thread. */
  getSync(options: { timeout?: number } = {}): T {
    return this.callMethodSync("get", [options]);
  }
  /** Waits until the result is ready (within `timeout`). */
  wait(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    return this.callMethod("wait", waitArgs(options), options);
  }
  /** As {@link wait}, blocking the thread. */
  waitSync(options: { timeout?: number } = {}): void {
    this.callMethodSync("wait", [options]);
  }
  /** Whether the task finished. */
  ready(): Promise<boolean> {
    return this.callMethod("ready");
  }
  /** As {@link ready}, blocking the thread. */
  readySync(): boolean {
    return this.callMethodSync("ready");
  }
  /** Whether it finished without error; a `ValueError` before it is ready. */
  successful(): Promise<boolean> {
    return this.callMethod("successful");
  }
  /** As {@link successful}, blocking the thread. */
  successfulSync(): boolean {
    return this.callMethodSync("successful");
  }
}

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
  /** The methods forwarded to the manager's pool. */
  static override _exposed_: readonly string[] = [
    "apply", "applyAsync", "map", "mapAsync", "starmap", "starmapAsync", "imap", "imapUnordered",
    "close", "terminate", "join",
  ];
  /** The results that come back as proxies. */
  static override _methodToTypeid_: Readonly<Record<string, string>> = {
    applyAsync: "AsyncResult",
    mapAsync: "AsyncResult",
    starmapAsync: "AsyncResult",
    imap: "Iterator",
    imapUnordered: "Iterator",
  };

  /** Runs `fn(...args)` in a worker; resolves with its result. */
  apply<R>(fn: (...args: never[]) => R, args: unknown[] = [], options: PoolTaskOptions = {}): Promise<Awaited<R>> {
    return poolTask(this, "apply", fn, options.module, [args]);
  }
  /** As {@link apply}, returning an {@link AsyncResultProxy} at once. */
  applyAsync<R>(fn: (...args: never[]) => R, args: unknown[] = [], options: PoolTaskOptions = {}): Promise<AsyncResultProxy<Awaited<R>>> {
    return poolTask(this, "applyAsync", fn, options.module, [args]);
  }
  /** `fn` of each input, in order. */
  map<T, R>(fn: (item: T) => R, inputs: Iterable<T>, options: PoolTaskOptions = {}): Promise<Awaited<R>[]> {
    return poolTask(this, "map", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** As {@link map}, returning an {@link AsyncResultProxy} at once. */
  mapAsync<T, R>(
    fn: (item: T) => R,
    inputs: Iterable<T>,
    options: PoolTaskOptions = {},
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    return poolTask(this, "mapAsync", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** `fn(...args)` of each argument list, in order. */
  starmap<R>(
    fn: (...args: never[]) => R,
    inputs: Iterable<unknown[]>,
    options: PoolTaskOptions = {},
  ): Promise<Awaited<R>[]> {
    return poolTask(this, "starmap", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** As {@link starmap}, returning an {@link AsyncResultProxy} at once. */
  starmapAsync<R>(
    fn: (...args: never[]) => R,
    inputs: Iterable<unknown[]>,
    options: PoolTaskOptions = {},
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    return poolTask(this, "starmapAsync", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** The results as they come, in input order (an {@link IteratorProxy}). */
  imap<T, R>(
    fn: (item: T) => R,
    inputs: Iterable<T>,
    options: PoolTaskOptions = {},
  ): Promise<IteratorProxy<Awaited<R>>> {
    return poolTask(this, "imap", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** The results in the order they finish (an {@link IteratorProxy}). */
  imapUnordered<T, R>(
    fn: (item: T) => R,
    inputs: Iterable<T>,
    options: PoolTaskOptions = {},
  ): Promise<IteratorProxy<Awaited<R>>> {
    return poolTask(this, "imapUnordered", fn, options.module, [[...inputs], chunking(options)]);
  }
  /** No more tasks: the workers end once the queued ones are done. */
  close(): Promise<void> {
    return this.callMethod("close");
  }
  /** Ends the workers now. */
  terminate(): Promise<void> {
    return this.callMethod("terminate");
  }
  /** Waits for the workers to end (after close or terminate). */
  join(): Promise<void> {
    return this.callMethod("join");
  }
  /** Terminates the pool at the end of an `await using` block (Python's `with`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}

/** Calls the pool's `method` with `fn` (by reference), then `rest`; a function that cannot be found rejects. */
function poolTask<R>(pool: PoolProxy, method: string, fn: unknown, module: string | URL | undefined, rest: unknown[]): Promise<R> {
  try {
    return pool.callMethod(method, [exportedFunction(fn, module), ...rest]);
  } catch (error) {
    return Promise.reject(error);
  }
}

function chunking(options: { chunksize?: number }): { chunksize?: number } {
  return options.chunksize === undefined ? {} : { chunksize: options.chunksize };
}

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
) registerExport(type, libraryEntryUrl().href, type.name); // they cross by reference to the library
