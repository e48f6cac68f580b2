/**
 * The objects a `SyncManager` serves, in its process (Python's `dict`, `list`, `Namespace`,
 * `Value`, `array.array`, `queue.Queue` and `threading`'s Lock, RLock, Semaphore,
 * BoundedSemaphore, Condition, Event and Barrier): plain objects on the manager's event
 * loop, since only the manager touches them. Their methods carry the names the proxies
 * call. The synchronization types keep Python's threading semantics, owned by the calling
 * process (a lock released by a process that did not take it, or left held by one that
 * ended, behaves as Python's does); each wait ends when its caller gives up or is gone.
 * @module
 */
import { BrokenBarrierError, Empty, Full, IndexError, KeyError, RuntimeError, ValueError } from "./errors.ts";
import { currentCall, referentOf } from "./manager_context.ts";
import { Pool, type PoolOptions } from "./pool.ts";
import { pythonRepr } from "./python_repr.ts";
import { RawArray, toElement, type Typecode } from "./sharedctypes.ts";

// ---------------------------------------------------------------------------------------
// Comparing and hashing as Python does

/** Python's `==` between copies: by value, through arrays, Maps, Sets, records and bytes. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const numeric = (x: unknown) => typeof x === "number" || typeof x === "bigint" || typeof x === "boolean";
  if (numeric(a) && numeric(b)) return looseEqual(a, b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && pyEquals(v, b.get(k)));
  }
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((x) => b.has(x));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

function looseEqual(a: unknown, b: unknown): boolean {
  const toBig = (x: unknown) => (typeof x === "bigint" ? x : Number.isInteger(Number(x)) ? BigInt(Number(x)) : undefined);
  if (typeof a === "bigint" || typeof b === "bigint") return toBig(a) !== undefined && toBig(a) === toBig(b);
  return Number(a) === Number(b);
}

function isRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's ordering for `sort()`: numbers, strings, and arrays of them (lexicographically). */
function pyCompare(a: unknown, b: unknown): number {
  const rank = (x: unknown) =>
    typeof x === "number" || typeof x === "bigint" || typeof x === "boolean"
      ? "number"
      : typeof x === "string"
      ? "str"
      : Array.isArray(x)
      ? "list"
      : undefined;
  const kind = rank(a);
  if (kind === undefined || kind !== rank(b)) {
    throw new TypeError(`'<' not supported between instances of ${pyTypeName(a)} and ${pyTypeName(b)}`);
  }
  if (kind === "list") {
    const [x, y] = [a as unknown[], b as unknown[]];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const order = pyCompare(x[i], y[i]);
      if (order !== 0) return order;
    }
    return x.length - y.length;
  }
  if (kind === "str") return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  // deno-lint-ignore no-explicit-any
  return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "'NoneType'";
  if (typeof value === "number" || typeof value === "bigint") return "'int'";
  if (typeof value === "string") return "'str'";
  if (Array.isArray(value)) return "'list'";
  return `'${(value as object).constructor?.name ?? typeof value}'`;
}

/**
 * The key under which a dict keeps `key`: a primitive is itself; an array (Python's tuple)
 * of hashable items is a string that only equal arrays share. Anything else is unhashable.
 */
function hashKey(key: unknown): unknown {
  if (Array.isArray(key)) return `\0${JSON.stringify(key.map(tupleItem))}`;
  if (typeof key === "string" && key.startsWith("\0")) return `\0${key}`;
  if (typeof key === "object" && key !== null) throw new TypeError(`unhashable type: ${pyTypeName(key)}`);
  return key;
}

function tupleItem(item: unknown): unknown {
  if (Array.isArray(item)) return { t: item.map(tupleItem) };
  if (typeof item === "bigint") return { n: String(item) };
  if (typeof item === "object" && item !== null) throw new TypeError(`unhashable type: ${pyTypeName(item)}`);
  return item === undefined ? { u: 1 } : item;
}

// ---------------------------------------------------------------------------------------
// Containers

/** A dict's entries from what `dict(init)` / `update(other)` accept: a Map, a record, or pairs. */
function entriesOf(init: unknown): Iterable<[unknown, unknown]> {
  if (init === undefined || init === null) return [];
  if (init instanceof Map) return init;
  if (typeof init === "object" && Symbol.iterator in init) return init as Iterable<[unknown, unknown]>;
  if (typeof init === "object") return Object.entries(init);
  throw new TypeError(`a dict is made from a Map, an object or [key, value] pairs, not ${pyTypeName(init)}`);
}

/** Python's `dict`, served by a SyncManager. */
export class SharedDict {
  readonly #entries = new Map<unknown, [unknown, unknown]>();
  /** Counts insertions and deletions: an iterator sees the dict change size. */
  #version = 0;

  constructor(init?: unknown) {
    this.update(init);
  }

  get(key: unknown, fallback: unknown = null): unknown {
    const entry = this.#entries.get(hashKey(key));
    return entry ? entry[1] : fallback;
  }

  set(key: unknown, value: unknown): void {
    const hashed = hashKey(key);
    const entry = this.#entries.get(hashed);
    if (entry) entry[1] = value;
    else {
      this.#entries.set(hashed, [key, value]);
      this.#version++;
    }
  }

  getItem(key: unknown): unknown {
    const entry = this.#entries.get(hashKey(key));
    if (!entry) throw new KeyError(pythonRepr(key));
    return entry[1];
  }

  setItem(key: unknown, value: unknown): void {
    this.set(key, value);
  }

  delItem(key: unknown): void {
    if (!this.delete(key)) throw new KeyError(pythonRepr(key));
  }

  delete(key: unknown): boolean {
    const deleted = this.#entries.delete(hashKey(key));
    if (deleted) this.#version++;
    return deleted;
  }

  has(key: unknown): boolean {
    return this.#entries.has(hashKey(key));
  }

  keys(): unknown[] {
    return Array.from(this.#entries.values(), ([key]) => key);
  }

  values(): unknown[] {
    return Array.from(this.#entries.values(), ([, value]) => value);
  }

  items(): [unknown, unknown][] {
    return Array.from(this.#entries.values(), ([key, value]) => [key, value]);
  }

  len(): number {
    return this.#entries.size;
  }

  update(other?: unknown): void {
    for (const [key, value] of entriesOf(other)) this.set(key, value);
  }

  pop(key: unknown, ...fallback: unknown[]): unknown {
    const hashed = hashKey(key);
    const entry = this.#entries.get(hashed);
    if (!entry) {
      if (fallback.length > 0) return fallback[0];
      throw new KeyError(pythonRepr(key));
    }
    this.#entries.delete(hashed);
    this.#version++;
    return entry[1];
  }

  popitem(): [unknown, unknown] {
    const last = [...this.#entries.keys()].at(-1);
    if (last === undefined && this.#entries.size === 0) throw new KeyError("'popitem(): dictionary is empty'");
    const [key, value] = this.#entries.get(last)!;
    this.#entries.delete(last);
    this.#version++;
    return [key, value];
  }

  setDefault(key: unknown, fallback: unknown = null): unknown {
    const entry = this.#entries.get(hashKey(key));
    if (entry) return entry[1];
    this.set(key, fallback);
    return fallback;
  }

  clear(): void {
    this.#entries.clear();
    this.#version++;
  }

  copy(): Map<unknown, unknown> {
    return new Map(this.#entries.values());
  }

  /** A server-side iterator over the keys (shared as an `Iterator`, as Python's `__iter__`). */
  iter(): Iterator<unknown> {
    const version = this.#version;
    const keys = this.#entries.values();
    return {
      next: (): IteratorResult<unknown> => {
        if (this.#version !== version) throw new RuntimeError("dictionary changed size during iteration");
        const next = keys.next();
        return next.done ? { done: true, value: undefined } : { done: false, value: next.value[0] };
      },
      return: (): IteratorResult<unknown> => ({ done: true, value: undefined }),
    };
  }

  _getvalue(): Map<unknown, unknown> {
    return this.copy();
  }

  _repr(): string {
    return pythonRepr(this.copy());
  }
}

/** A list index as Python resolves it: negative from the end; undefined when out of range. */
function position(length: number, index: unknown): number | undefined {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new TypeError(`list indices must be integers, not ${pyTypeName(index)}`);
  }
  const i = index < 0 ? index + length : index;
  return i >= 0 && i < length ? i : undefined;
}

/** Python's slice bounds. */
function sliceBounds(length: number, start?: number | null, stop?: number | null): [number, number] {
  const clamp = (value: number | null | undefined, fallback: number) => {
    if (value === undefined || value === null) return fallback;
    return Math.min(Math.max(value < 0 ? value + length : value, 0), length);
  };
  return [clamp(start, 0), clamp(stop, length)];
}

/** Python's `list`, served by a SyncManager. */
export class SharedList {
  #items: unknown[];

  constructor(init?: Iterable<unknown> | null) {
    this.#items = init === undefined || init === null ? [] : [...init];
  }

  getItem(index: number): unknown {
    const i = position(this.#items.length, index);
    if (i === undefined) throw new IndexError("list index out of range");
    return this.#items[i];
  }

  setItem(index: number, value: unknown): void {
    const i = position(this.#items.length, index);
    if (i === undefined) throw new IndexError("list assignment index out of range");
    this.#items[i] = value;
  }

  delItem(index: number): void {
    const i = position(this.#items.length, index);
    if (i === undefined) throw new IndexError("list assignment index out of range");
    this.#items.splice(i, 1);
  }

  append(value: unknown): void {
    this.#items.push(value);
  }

  extend(values: Iterable<unknown>): void {
    this.#items.push(...values);
  }

  insert(index: number, value: unknown): void {
    const [at] = sliceBounds(this.#items.length, index);
    this.#items.splice(at, 0, value);
  }

  pop(index = -1): unknown {
    if (this.#items.length === 0) throw new IndexError("pop from empty list");
    const i = position(this.#items.length, index);
    if (i === undefined) throw new IndexError("pop index out of range");
    return this.#items.splice(i, 1)[0];
  }

  remove(value: unknown): void {
    const i = this.#items.findIndex((item) => pyEquals(item, value));
    if (i === -1) throw new ValueError("list.remove(x): x not in list");
    this.#items.splice(i, 1);
  }

  index(value: unknown, start?: number, stop?: number): number {
    const [from, to] = sliceBounds(this.#items.length, start, stop);
    for (let i = from; i < to; i++) if (pyEquals(this.#items[i], value)) return i;
    throw new ValueError(`${pythonRepr(value)} is not in list`);
  }

  count(value: unknown): number {
    return this.#items.filter((item) => pyEquals(item, value)).length;
  }

  sort(options: { reverse?: boolean } = {}): void {
    this.#items.sort(pyCompare);
    if (options.reverse) this.#items.reverse();
  }

  reverse(): void {
    this.#items.reverse();
  }

  len(): number {
    return this.#items.length;
  }

  slice(start?: number | null, stop?: number | null): unknown[] {
    return this.#items.slice(...sliceBounds(this.#items.length, start, stop));
  }

  concat(values: Iterable<unknown>): unknown[] {
    return [...this.#items, ...values];
  }

  mul(times: number): unknown[] {
    return Array.from({ length: Math.max(times, 0) }, () => this.#items).flat(1);
  }

  imul(times: number): void {
    this.#items = this.mul(times);
  }

  has(value: unknown): boolean {
    return this.#items.some((item) => pyEquals(item, value));
  }

  clear(): void {
    this.#items = [];
  }

  copy(): unknown[] {
    return [...this.#items];
  }

  _getvalue(): unknown[] {
    return this.copy();
  }

  _repr(): string {
    return pythonRepr(this.#items);
  }
}

/** Python's `managers.Namespace`: attributes, with a sorted repr that hides `_` names. */
export class SharedNamespace {
  readonly #attributes = new Map<string, unknown>();

  constructor(init?: Record<string, unknown> | null) {
    for (const [name, value] of Object.entries(init ?? {})) this.set(name, value);
  }

  get(name: string): unknown {
    return this.#attributes.get(name);
  }

  set(name: string, value: unknown): void {
    this.#attributes.set(String(name), value);
  }

  delete(name: string): boolean {
    return this.#attributes.delete(name);
  }

  has(name: string): boolean {
    return this.#attributes.has(name);
  }

  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#attributes);
  }

  _getvalue(): Record<string, unknown> {
    return this.toObject();
  }

  _repr(): string {
    const shown = [...this.#attributes].filter(([name]) => !name.startsWith("_")).sort(([a], [b]) => (a < b ? -1 : 1));
    return `Namespace(${shown.map(([name, value]) => `${name}=${pythonRepr(value)}`).join(", ")})`;
  }
}

/** Python's `managers.Value`: a value with a typecode that is not enforced (as Python's). */
export class SharedValue {
  #value: unknown;

  constructor(readonly typecode: string, value: unknown) {
    this.#value = value;
  }

  get(): unknown {
    return this.#value;
  }

  set(value: unknown): void {
    this.#value = value;
  }

  _getvalue(): unknown {
    return this.#value;
  }

  _repr(): string {
    return `Value(${pythonRepr(this.typecode)}, ${pythonRepr(this.#value)})`;
  }
}

/** Python's `array.array` as a SyncManager's `Array`: typed elements, checked when written. */
export class SharedTypedArray {
  readonly #array: RawArray;

  constructor(typecode: Typecode, values: Iterable<number | bigint> | number) {
    this.#array = new RawArray(typecode, values);
  }

  len(): number {
    return this.#array.length;
  }

  getItem(index: number): number | bigint {
    const i = position(this.#array.length, index);
    if (i === undefined) throw new IndexError("array index out of range");
    return this.#array.array[i];
  }

  setItem(index: number, value: number | bigint): void {
    const i = position(this.#array.length, index);
    if (i === undefined) throw new IndexError("array assignment index out of range");
    (this.#array.array as unknown as (number | bigint)[])[i] = toElement(this.#array.typecode, value);
  }

  slice(start?: number | null, stop?: number | null): (number | bigint)[] {
    return this._getvalue().slice(...sliceBounds(this.#array.length, start, stop));
  }

  _getvalue(): (number | bigint)[] {
    return Array.from(this.#array.array as ArrayLike<number | bigint>);
  }

  _repr(): string {
    return `array(${pythonRepr(this.#array.typecode)}, ${pythonRepr(this._getvalue())})`;
  }
}

// ---------------------------------------------------------------------------------------
// Waiting

/** Options of a served wait: Python's `blocking` and `timeout` (here milliseconds). */
export interface WaitOptions {
  block?: boolean;
  timeout?: number | null;
}

/** Milliseconds to wait for `options`: 0 when not blocking, Infinity without a timeout. */
function waitBudget(options: WaitOptions | undefined): number {
  if (options?.block === false) return 0;
  const timeout = options?.timeout;
  return timeout === undefined || timeout === null ? Infinity : Math.max(timeout, 0);
}

interface Waiter {
  wake(): void;
}

/**
 * Callers waiting their turn, first come first served. A wait ends when woken (true), when
 * its time is up (false), or when its caller gives up or is gone (the signal's reason).
 */
class WaitQueue {
  readonly #waiters: Waiter[] = [];

  get length(): number {
    return this.#waiters.length;
  }

  wait(budgetMs: number, signal: AbortSignal): Promise<boolean> {
    if (budgetMs <= 0) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        wake: () => {
          leave();
          resolve(true);
        },
      };
      const onAbort = () => {
        leave();
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      this.#waiters.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
      if (budgetMs !== Infinity) {
        timer = setTimeout(() => {
          leave();
          resolve(false);
        }, budgetMs);
      }
    });
  }

  /** Wakes the longest waiting caller; false if none waits. */
  wakeOne(): boolean {
    const waiter = this.#waiters[0];
    waiter?.wake();
    return waiter !== undefined;
  }

  wakeAll(): void {
    for (const waiter of [...this.#waiters]) waiter.wake();
  }
}

/** Waits until `ready()` holds (checked after each wake), within `budgetMs`; false when time is up. */
async function waitUntil(queue: WaitQueue, ready: () => boolean, budgetMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = performance.now() + budgetMs;
  while (!ready()) {
    const left = budgetMs === Infinity ? Infinity : deadline - performance.now();
    if (!(await queue.wait(left, signal))) return ready();
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Locks

/** What the lock kinds share: acquire on behalf of a caller (a Condition re-acquires for its waiter). */
abstract class ManagedAcquirer {
  protected readonly waiting = new WaitQueue();

  acquire(options?: WaitOptions): Promise<boolean> {
    const { caller, signal } = currentCall();
    return this.acquireFor(caller, waitBudget(options), signal);
  }

  async acquireFor(caller: number, budgetMs: number, signal: AbortSignal): Promise<boolean> {
    const taken = await waitUntil(this.waiting, () => this.tryTake(caller), budgetMs, signal);
    return taken;
  }

  release(): void {
    this.releaseFor(currentCall().caller);
  }

  abstract locked(): boolean;
  /** Takes the lock for `caller` if it can now. */
  protected abstract tryTake(caller: number): boolean;
  abstract releaseFor(caller: number): void;
}

/** `threading.Lock`: any caller may release it; releasing it unlocked is a RuntimeError. */
export class ManagedLock extends ManagedAcquirer {
  #locked = false;

  locked(): boolean {
    return this.#locked;
  }

  protected tryTake(): boolean {
    if (this.#locked) return false;
    return (this.#locked = true);
  }

  releaseFor(): void {
    if (!this.#locked) throw new RuntimeError("release unlocked lock");
    this.#locked = false;
    this.waiting.wakeOne();
  }

  /** The owner check a Condition makes (a plain lock has no owner: held is owned). */
  isOwnedBy(): boolean {
    return this.#locked;
  }

  _repr(): string {
    return `<unlocked _thread.lock object>`.replace("unlocked", this.#locked ? "locked" : "unlocked");
  }
}

/** `threading.RLock`: owned by the process that took it, which may take it again. */
export class ManagedRLock extends ManagedAcquirer {
  #owner = 0;
  #count = 0;

  locked(): boolean {
    return this.#count > 0;
  }

  protected tryTake(caller: number): boolean {
    if (this.#count > 0 && this.#owner !== caller) return false;
    this.#owner = caller;
    this.#count++;
    return true;
  }

  releaseFor(caller: number): void {
    if (this.#count === 0 || this.#owner !== caller) throw new RuntimeError("cannot release un-acquired lock");
    if (--this.#count === 0) {
      this.#owner = 0;
      this.waiting.wakeOne();
    }
  }

  isOwnedBy(caller: number): boolean {
    return this.#count > 0 && this.#owner === caller;
  }

  /** For a Condition's wait: gives the lock up entirely; returns the depth to restore. */
  releaseAll(caller: number): number {
    const depth = this.#count;
    this.#count = 1;
    this.releaseFor(caller);
    return depth;
  }

  /** After a Condition's wait: the lock is the caller's again, `depth` times. */
  restore(depth: number): void {
    this.#count = depth;
  }

  _repr(): string {
    return `<${this.#count > 0 ? "locked" : "unlocked"} _thread.RLock object owner=${this.#owner} count=${this.#count}>`;
  }
}

/** `threading.Semaphore`. */
export class ManagedSemaphore extends ManagedAcquirer {
  protected value: number;

  constructor(value = 1) {
    super();
    if (!Number.isInteger(value) || value < 0) throw new ValueError("semaphore initial value must be >= 0");
    this.value = value;
  }

  locked(): boolean {
    return this.value === 0;
  }

  getValue(): number {
    return this.value;
  }

  protected tryTake(): boolean {
    if (this.value === 0) return false;
    this.value--;
    return true;
  }

  override release(n = 1): void {
    this.releaseFor(0, n);
  }

  releaseFor(_caller: number, n = 1): void {
    if (!Number.isInteger(n) || n < 1) throw new ValueError("n must be one or more");
    this.value += n;
    for (let i = 0; i < n; i++) this.waiting.wakeOne();
  }

  _repr(): string {
    return `<Semaphore value=${this.value}>`;
  }
}

/** `threading.BoundedSemaphore`: releasing above the initial value is a ValueError. */
export class ManagedBoundedSemaphore extends ManagedSemaphore {
  readonly #initial: number;

  constructor(value = 1) {
    super(value);
    this.#initial = value;
  }

  override releaseFor(caller: number, n = 1): void {
    if (this.value + n > this.#initial) throw new ValueError("Semaphore released too many times");
    super.releaseFor(caller, n);
  }
}

/** `threading.Condition` over a managed Lock or RLock (a new RLock by default, as Python's). */
export class ManagedCondition {
  readonly #lock: ManagedLock | ManagedRLock;
  readonly #waiting = new WaitQueue();

  /** `lock`: a proxy of a Lock or RLock of the same manager; default a new RLock. */
  constructor(lock?: unknown) {
    const referent = lock === undefined || lock === null ? new ManagedRLock() : referentOf(lock);
    if (!(referent instanceof ManagedLock || referent instanceof ManagedRLock)) {
      throw new TypeError("a Condition's lock must be a Lock or RLock of the same manager (m.Lock(), m.RLock())");
    }
    this.#lock = referent;
  }

  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  release(): void {
    this.#lock.release();
  }

  locked(): boolean {
    return this.#lock.locked();
  }

  async wait(options?: { timeout?: number | null }): Promise<boolean> {
    const { caller, signal } = currentCall();
    if (!this.#lock.isOwnedBy(caller)) throw new RuntimeError("cannot wait on un-acquired lock");
    const depth = this.#lock instanceof ManagedRLock ? this.#lock.releaseAll(caller) : (this.#lock.releaseFor(), 1);
    let notified = false;
    try {
      notified = await this.#waiting.wait(waitBudget(options), signal);
    } finally {
      // Re-acquired whatever happened, as Python's wait does (a caller that is gone does not).
      if (!signal.aborted) {
        await this.#lock.acquireFor(caller, Infinity, signal);
        if (this.#lock instanceof ManagedRLock) this.#lock.restore(depth);
      }
    }
    return notified;
  }

  notify(n = 1): void {
    if (!this.#lock.isOwnedBy(currentCall().caller)) throw new RuntimeError("cannot notify on un-acquired lock");
    for (let i = 0; i < n && this.#waiting.wakeOne(); i++);
  }

  notifyAll(): void {
    if (!this.#lock.isOwnedBy(currentCall().caller)) throw new RuntimeError("cannot notify on un-acquired lock");
    this.#waiting.wakeAll();
  }

  _repr(): string {
    return `<Condition(${this.#lock._repr()}, ${this.#waiting.length})>`;
  }
}

/** `threading.Event`. */
export class ManagedEvent {
  #flag = false;
  readonly #waiting = new WaitQueue();

  isSet(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
    this.#waiting.wakeAll();
  }

  clear(): void {
    this.#flag = false;
  }

  wait(options?: { timeout?: number | null }): Promise<boolean> {
    const { signal } = currentCall();
    return waitUntil(this.#waiting, () => this.#flag, waitBudget(options), signal);
  }

  _repr(): string {
    return `<Event(set=${this.#flag ? "True" : "False"})>`;
  }
}

/** Options of a managed Barrier: Python's `action` (an exported function, by reference) and default `timeout`. */
export interface BarrierOptions {
  action?: () => unknown;
  timeout?: number | null;
}

/** `threading.Barrier`. */
export class ManagedBarrier {
  readonly #parties: number;
  readonly #timeout: number | null;
  readonly #action?: () => unknown;
  #count = 0;
  #generation = 0;
  #broken = false;
  readonly #waiting = new WaitQueue();

  constructor(parties: number, options: BarrierOptions = {}) {
    if (!Number.isInteger(parties) || parties < 1) throw new ValueError("parties must be >= 1");
    this.#parties = parties;
    this.#timeout = options.timeout ?? null;
    this.#action = options.action;
  }

  async wait(options?: { timeout?: number | null }): Promise<number> {
    const { signal } = currentCall();
    if (this.#broken) throw new BrokenBarrierError();
    const generation = this.#generation;
    const index = this.#count++;
    if (this.#count === this.#parties) {
      try {
        await this.#action?.();
      } catch (error) {
        this.abort();
        throw error;
      }
      this.#count = 0;
      this.#generation++;
      this.#waiting.wakeAll();
      return index;
    }
    const budget = waitBudget({ timeout: options?.timeout ?? this.#timeout });
    let passed: boolean;
    try {
      passed = await waitUntil(this.#waiting, () => this.#generation !== generation || this.#broken, budget, signal);
    } catch (error) {
      this.abort(); // a party that is gone breaks the barrier, as one that times out
      throw error;
    }
    if (!passed) this.abort();
    if (this.#generation === generation) throw new BrokenBarrierError();
    return index;
  }

  reset(): void {
    if (this.#count > 0) {
      this.#broken = true;
      this.#waiting.wakeAll();
    }
    this.#count = 0;
    this.#generation++;
    this.#broken = false;
  }

  abort(): void {
    this.#broken = true;
    this.#count = 0;
    this.#waiting.wakeAll();
  }

  parties(): number {
    return this.#parties;
  }

  nWaiting(): number {
    return this.#count;
  }

  broken(): boolean {
    return this.#broken;
  }

  _repr(): string {
    return `<Barrier(parties=${this.#parties}, waiting=${this.#count})>`;
  }
}

// ---------------------------------------------------------------------------------------
// Queues

/** Python's `queue.Queue` (a SyncManager's `Queue` and `JoinableQueue`). */
export class ManagedQueue {
  readonly #maxsize: number;
  readonly #items: unknown[] = [];
  #unfinished = 0;
  readonly #notEmpty = new WaitQueue();
  readonly #notFull = new WaitQueue();
  readonly #allDone = new WaitQueue();

  constructor(maxsize = 0) {
    this.#maxsize = maxsize;
  }

  // The item is placed or taken by the check that finds room or an item, in the same turn:
  // a caller that sees the check pass resumes only later, after others may have acted.

  async put(item: unknown, options?: WaitOptions): Promise<void> {
    const { signal } = currentCall();
    const placed = () => {
      if (this.full()) return false;
      this.#items.push(item);
      this.#unfinished++;
      return true;
    };
    if (!(await waitUntil(this.#notFull, placed, waitBudget(options), signal))) throw new Full();
    this.#notEmpty.wakeOne();
  }

  async get(options?: WaitOptions): Promise<unknown> {
    const { signal } = currentCall();
    let item: unknown;
    const taken = () => {
      if (this.#items.length === 0) return false;
      item = this.#items.shift();
      return true;
    };
    if (!(await waitUntil(this.#notEmpty, taken, waitBudget(options), signal))) throw new Empty();
    this.#notFull.wakeOne();
    return item;
  }

  putNowait(item: unknown): Promise<void> {
    return this.put(item, { block: false });
  }

  getNowait(): Promise<unknown> {
    return this.get({ block: false });
  }

  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }

  taskDone(): void {
    if (this.#unfinished === 0) throw new ValueError("task_done() called too many times");
    if (--this.#unfinished === 0) this.#allDone.wakeAll();
  }

  join(options?: { timeout?: number | null }): Promise<boolean> {
    const { signal } = currentCall();
    return waitUntil(this.#allDone, () => this.#unfinished === 0, waitBudget(options), signal);
  }

  _getvalue(): unknown[] {
    return [...this.#items];
  }

  _repr(): string {
    return `<Queue maxsize=${this.#maxsize} qsize=${this.#items.length}>`;
  }
}

// ---------------------------------------------------------------------------------------
// Pool

/** Makes a SyncManager's `Pool`: this library's Pool, in the manager's process. */
export function managedPool(options: PoolOptions = {}): Pool {
  return new Pool(options);
}

/** The SyncManager's types by name (what its registrations name as `builtin`). */
export const BUILTIN_TYPES = {
  dict: SharedDict,
  list: SharedList,
  Namespace: SharedNamespace,
  Value: SharedValue,
  Array: SharedTypedArray,
  Queue: ManagedQueue,
  Lock: ManagedLock,
  RLock: ManagedRLock,
  Semaphore: ManagedSemaphore,
  BoundedSemaphore: ManagedBoundedSemaphore,
  Condition: ManagedCondition,
  Event: ManagedEvent,
  Barrier: ManagedBarrier,
  Pool: managedPool,
} as const;
