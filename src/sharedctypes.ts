/**
 * Python's `multiprocessing.sharedctypes`: numbers and arrays of numbers in shared memory,
 * usable from every process that holds them (pass them in a Process's `args`).
 * `Value` and `SharedArray` come with an RLock (`getLock()`) for read-modify-write sequences;
 * `RawValue` and `RawArray` have none.
 *
 * A single read or write of `.value` is one atomic access for the integer typecodes (a
 * plain one for `f` and `d`) and never takes the lock: `v.value += 1` from several
 * processes needs `await v.getLock().withLock(() => { v.value += 1; })`, as in Python.
 *
 * Nothing is written beside shared memory: `arr[i]` reads and writes the shared element (as
 * `arr.array[i]` does), and assigning a property that the class does not have (`v.valeu = 3`)
 * throws a `TypeError`. Both come from a Proxy at the top of the classes' prototype chain,
 * which sees only the accesses that find nothing on the object or its classes: `.array`,
 * `.value` and the methods cost what they cost without it. (A subclass declares its fields
 * as class fields, which are defined on the object, not assigned through the chain.)
 * @module
 */

import { ValueError } from "./errors.ts";
import { HANDLE, type HandleDescription, registerHandleKind, type Shareable } from "./handles.ts";
import { peekRebuildState, rebuildWith, takeRebuildState } from "./rebuild.ts";
import { Lock, reviveLock, RLock } from "./synchronize.ts";
import { haltIfEnded } from "./transport/halt.ts";
import { showAsString } from "./repr.ts";

/**
 * The typed array through which each typecode's elements are viewed.
 * @example Usage
 * ```ts
 * import { RawArray, type TypedArrays } from "@seed/multiprocessing";
 * const view: TypedArrays["d"] = new RawArray("d", 3).array;
 * console.log(view instanceof Float64Array); // true
 * ```
 */
export interface TypedArrays {
  /** signed char */
  b: Int8Array<SharedArrayBuffer>;
  /** unsigned char */
  B: Uint8Array<SharedArrayBuffer>;
  /** signed short */
  h: Int16Array<SharedArrayBuffer>;
  /** unsigned short */
  H: Uint16Array<SharedArrayBuffer>;
  /** signed int */
  i: Int32Array<SharedArrayBuffer>;
  /** unsigned int */
  I: Uint32Array<SharedArrayBuffer>;
  /** signed long (32-bit here) */
  l: Int32Array<SharedArrayBuffer>;
  /** unsigned long (32-bit here) */
  L: Uint32Array<SharedArrayBuffer>;
  /** signed long long */
  q: BigInt64Array<SharedArrayBuffer>;
  /** unsigned long long */
  Q: BigUint64Array<SharedArrayBuffer>;
  /** float */
  f: Float32Array<SharedArrayBuffer>;
  /** double */
  d: Float64Array<SharedArrayBuffer>;
}

/**
 * Python `array` typecodes: `l`/`L` are 32-bit, `q`/`Q` 64-bit (BigInt), `f`/`d` floats.
 * @example Usage
 * ```ts
 * import { RawValue, type Typecode } from "@seed/multiprocessing";
 * const typecode: Typecode = "d";
 * console.log(new RawValue(typecode, 0.5).value); // 0.5
 * ```
 */
export type Typecode = keyof TypedArrays;

/**
 * The element type of a typecode: `bigint` for `q`/`Q`, else `number`.
 * @example Usage
 * ```ts
 * import { type ElementOf, RawValue } from "@seed/multiprocessing";
 * const big: ElementOf<"q"> = new RawValue("q", 1).value;
 * console.log(big); // 1n
 * ```
 */
export type ElementOf<C extends Typecode> = C extends "q" | "Q" ? bigint : number;

/**
 * What a typecode's element may be given as: q/Q also take integer numbers.
 * @example Usage
 * ```ts
 * import { type InputOf, RawValue } from "@seed/multiprocessing";
 * const init: InputOf<"Q"> = 7;
 * console.log(new RawValue("Q", init).value); // 7n
 * ```
 */
export type InputOf<C extends Typecode> = C extends "q" | "Q" ? bigint | number : number;

/**
 * The typed array a typecode's elements are viewed through.
 * @example Usage
 * ```ts
 * import { RawArray, type TypedArrayOf } from "@seed/multiprocessing";
 * const bytes: TypedArrayOf<"B"> = new RawArray("B", [1, 2]).array;
 * console.log(bytes[1]); // 2
 * ```
 */
export type TypedArrayOf<C extends Typecode> = TypedArrays[C];

type ViewConstructors = {
  [C in Typecode]: { new (buffer: SharedArrayBuffer): TypedArrays[C]; readonly BYTES_PER_ELEMENT: number };
};

const ARRAY_TYPES: ViewConstructors = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: Int32Array,
  L: Uint32Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
};

/**
 * The lock option of {@link Value} and {@link SharedArray}.
 * @example Usage
 * ```ts
 * import { type SynchronizedOptions, Value } from "@seed/multiprocessing";
 * const options: SynchronizedOptions = { lock: false };
 * console.log(new Value("i", 1, options).value); // 1
 * ```
 */
export interface SynchronizedOptions {
  /**
   * `true` (default) or `null` (Python's `lock=None`): a new RLock, as in Python; `false`: no
   * lock; or the Lock/RLock to use.
   */
  lock?: boolean | null | Lock | RLock;
}

/**
 * What the handles of this module carry to another process.
 * @example Usage
 * ```ts
 * import type { SharedState } from "@seed/multiprocessing";
 * const state: SharedState = { typecode: "i", buffer: new SharedArrayBuffer(4) };
 * console.log(state.typecode); // "i"
 * ```
 */
export interface SharedState {
  /** The element type. */
  typecode: Typecode;
  /** The elements. */
  buffer: SharedArrayBuffer;
  /** The lock's own description (Value and SharedArray only). */
  lock?: HandleDescription;
}

const ATOMIC_TYPECODES: ReadonlySet<Typecode> = new Set(["b", "B", "h", "H", "i", "I", "l", "L", "q", "Q"]);

function checkTypecode(typecode: unknown): Typecode {
  if (typeof typecode === "string" && Object.hasOwn(ARRAY_TYPES, typecode)) return typecode as Typecode;
  throw new TypeError(
    `unknown typecode ${JSON.stringify(typecode)} (bad typecode): use one of ${Object.keys(ARRAY_TYPES).join(" ")}`,
  );
}

/**
 * A typecode's element from what the caller gave: BigInt for q/Q, a number otherwise. As
 * with ctypes, an integer type refuses a fraction (TypeError), wraps an integer that is
 * out of its range, and takes a boolean as 0 or 1.
 */
export function toElement(typecode: Typecode, value: unknown): number | bigint {
  const big = typecode === "q" || typecode === "Q";
  const float = typecode === "f" || typecode === "d";
  if (typeof value === "boolean") value = Number(value);
  if (big && typeof value === "bigint") return value;
  if (typeof value === "number" && (float || Number.isInteger(value))) return big ? BigInt(value) : value;
  const expected = big ? "a bigint (or an integer number)" : float ? "a number" : "an integer";
  throw new TypeError(`typecode "${typecode}" holds ${expected}, got ${typeof value} ${String(value)}`);
}

function newView<C extends Typecode>(typecode: C, length: number): TypedArrayOf<C> {
  const type = ARRAY_TYPES[typecode];
  return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
}

function viewOf<C extends Typecode>(typecode: C, buffer: SharedArrayBuffer): TypedArrayOf<C> {
  return new ARRAY_TYPES[typecode](buffer);
}

/** The lock of a locked kind: the one it was sent with, or the one its options ask for. */
function lockFor(state: SharedState | undefined, option: SynchronizedOptions["lock"]): Lock | RLock | undefined {
  if (state) return state.lock && reviveLock(state.lock);
  if (option === undefined || option === null || option === true) return new RLock();
  if (option === false) return undefined;
  if (option instanceof Lock || option instanceof RLock) return option;
  const got = typeof option === "object" ? (option as object).constructor?.name ?? "an object" : String(option);
  throw new TypeError(`the lock option takes true, false, null, a Lock or an RLock, got ${got}`);
}

/** How many elements a repr shows before it abbreviates. */
const REPR_ELEMENTS = 10;

/**
 * The Proxy under the prototypes of this module's classes: it meets only what finds nothing
 * on the object and its classes. An index reads or writes the element (negative counts from
 * the end, as in Python); assigning any other unknown property throws.
 */
const MISSING_PROPERTIES = new Proxy<object>({}, {
  get(target, key, receiver) {
    const index = elementIndex(receiver, key);
    return index === undefined ? Reflect.get(target, key, receiver) : receiver.array[index];
  },
  set(_target, key, value, receiver) {
    const index = elementIndex(receiver, key);
    if (index === undefined) throw unknownProperty(receiver, key);
    haltIfEnded(); // a terminated process still running (Deno) must not write
    receiver.array[index] = toElement(receiver.typecode, value);
    return true;
  },
});

/** The element `key` names on an array (`undefined`: not an index, or not an array). */
function elementIndex(receiver: unknown, key: string | symbol): number | undefined {
  if (typeof key !== "string" || !(receiver instanceof RawArray) || !/^-?\d+$/.test(key)) return undefined;
  const length = receiver.length;
  const index = Number(key) < 0 ? Number(key) + length : Number(key);
  if (index >= 0 && index < length) return index;
  throw new RangeError(`index ${key} is out of range for a ${receiver.constructor.name} of length ${length}`);
}

function unknownProperty(receiver: object, key: string | symbol): TypeError {
  const name = receiver.constructor.name;
  const where = receiver instanceof RawArray ? "its elements are arr[i] or .array[i]" : "its number is .value";
  return new TypeError(
    `${name} has no property ${String(key)}: ${where}, in shared memory (a subclass declares its own fields as class fields)`,
  );
}

/** `getLock()` of the locked kinds. */
function requireLock(lock: Lock | RLock | undefined, what: string): Lock | RLock {
  if (lock) return lock;
  throw new Error(`this ${what} was created with { lock: false } and has no lock: use the default, or pass a Lock or an RLock`);
}

/**
 * One number in shared memory, without a lock (Python's `RawValue`).
 * @example Usage
 * ```ts
 * import { RawValue } from "@seed/multiprocessing";
 * const hits = new RawValue("i", 0);
 * hits.value = 3;
 * console.log(hits.value); // 3
 * ```
 */
export class RawValue<C extends Typecode = Typecode> implements Shareable {
  /** The typecode given at creation. */
  readonly typecode: C;
  readonly #cell: TypedArrayOf<C>;
  readonly #atomic: boolean;

  /**
   * Allocates one element of `typecode` in shared memory.
   * @param typecode one of `b B h H i I l L q Q f d`.
   * @param init the initial value (default 0).
   * @throws {TypeError} for an unknown typecode or a value of the wrong type.
   */
  constructor(typecode: C, init?: InputOf<C>) {
    const state = takeRebuildState<SharedState>();
    this.typecode = checkTypecode(state?.typecode ?? typecode) as C;
    this.#cell = state ? viewOf(this.typecode, state.buffer) : newView(this.typecode, 1);
    this.#atomic = ATOMIC_TYPECODES.has(this.typecode);
    if (!state && init !== undefined) this.value = init as ElementOf<C>;
  }

  /** The current value. */
  get value(): ElementOf<C> {
    const cell = this.#cell as unknown as Int32Array;
    return (this.#atomic ? Atomics.load(cell, 0) : cell[0]) as ElementOf<C>;
  }

  /** Replaces the value (wrapping around as the C type does). */
  set value(value: ElementOf<C>) {
    haltIfEnded(); // a terminated process still running (Deno) must not write
    const element = toElement(this.typecode, value) as number;
    const cell = this.#cell as unknown as Int32Array;
    if (this.#atomic) Atomics.store(cell, 0, element);
    else cell[0] = element;
  }

  /** Python's `Value` repr in the library's words: `<RawValue('i', 0)>`, `<Value('d', 0.5)>`. */
  toString(): string {
    return `<${this.constructor.name}('${this.typecode}', ${String(this.value)})>`;
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    return { kind: "RawValue", state: this.sharedState() };
  }

  /**
   * The shared memory and typecode (what the handles of this module carry).
   * @ignore
   */
  protected sharedState(): SharedState {
    return { typecode: this.typecode, buffer: this.#cell.buffer };
  }
}

/**
 * One number in shared memory with a lock (Python's `multiprocessing.Value`).
 * @example Usage
 * ```ts
 * import { Value } from "@seed/multiprocessing";
 * const counter = new Value("i", 0);
 * await counter.getLock().withLock(() => { counter.value += 1; });
 * console.log(counter.value); // 1
 * ```
 */
export class Value<C extends Typecode = Typecode> extends RawValue<C> {
  readonly #lock?: Lock | RLock;

  /**
   * Allocates one element of `typecode` in shared memory, with a lock.
   * @param typecode one of `b B h H i I l L q Q f d`.
   * @param init the initial value (default 0).
   * @param options `lock`: true or null (default, a new RLock), false (none), or the Lock/RLock to use.
   * @throws {TypeError} for an unknown typecode, a value of the wrong type, or a bad lock.
   */
  constructor(typecode: C, init?: InputOf<C>, options: SynchronizedOptions = {}) {
    const state = peekRebuildState<SharedState>();
    super(typecode, init);
    this.#lock = lockFor(state, options.lock);
  }

  /**
   * The lock that guards read-modify-write sequences on this value.
   * @throws {Error} when created with `{ lock: false }`.
   */
  getLock(): Lock | RLock {
    return requireLock(this.#lock, "Value");
  }

  /**
   * Releases the lock at the end of an `await using` block (after `await v.getLock().acquire()`),
   * like Python's `with value:`.
   * @throws {Error} when created with `{ lock: false }`; a `ValueError` when the lock is not held.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.getLock()[Symbol.asyncDispose]();
  }

  /** Describes this handle for another process. */
  override [HANDLE](): HandleDescription {
    return { kind: "Value", state: { ...this.sharedState(), lock: this.#lock?.[HANDLE]() } };
  }
}

/**
 * An array of numbers in shared memory, without a lock (Python's `RawArray`).
 * @example Usage
 * ```ts
 * import { RawArray } from "@seed/multiprocessing";
 * const squares = new RawArray("d", [0, 1, 4]);
 * squares.array[1] = 9;
 * console.log(squares.length, squares.array[1]); // 3 9
 * ```
 */
export class RawArray<C extends Typecode = Typecode> implements Shareable {
  /** The element at an index, in shared memory (negative counts from the end, as in Python). */
  [index: number]: ElementOf<C>;
  /** The typecode given at creation. */
  readonly typecode: C;
  /** A typed-array view over the shared memory: read and write elements through it. */
  readonly array: TypedArrayOf<C>;

  /**
   * Allocates an array of `typecode` elements in shared memory.
   * @param typecode one of `b B h H i I l L q Q f d`.
   * @param sizeOrValues the length (zero-filled), or the initial values.
   * @throws {TypeError} for an unknown typecode or values of the wrong type.
   * @throws {ValueError} for a length that is not a non-negative integer.
   */
  constructor(typecode: C, sizeOrValues: number | Iterable<InputOf<C>>) {
    const state = takeRebuildState<SharedState>();
    this.typecode = checkTypecode(state?.typecode ?? typecode) as C;
    if (state) {
      this.array = viewOf(this.typecode, state.buffer);
      return;
    }
    if (typeof sizeOrValues === "number") {
      if (!Number.isInteger(sizeOrValues) || sizeOrValues < 0) {
        throw new ValueError(`an array length must be a non-negative integer, got ${sizeOrValues}`);
      }
      this.array = newView(this.typecode, sizeOrValues);
      return;
    }
    const values = Array.from(sizeOrValues, (value) => toElement(this.typecode, value));
    this.array = newView(this.typecode, values.length);
    (this.array as unknown as { set(values: unknown[]): void }).set(values);
  }

  /** The number of elements. */
  get length(): number {
    return this.array.length;
  }

  /** The elements, in order (as `for x in arr` in Python). */
  [Symbol.iterator](): IterableIterator<ElementOf<C>> {
    return (this.array as unknown as Iterable<ElementOf<C>>)[Symbol.iterator]() as IterableIterator<ElementOf<C>>;
  }

  /**
   * A repr in the style of `<Value('i', 0)>`: `<RawArray('i', [1, 2, 3])>`; a longer array
   * shows its first elements and its length, `<SharedArray('d', [0, 0, …], length=1000)>`.
   */
  toString(): string {
    const shown = Array.from(this.array.subarray(0, REPR_ELEMENTS) as ArrayLike<number | bigint>, String);
    const more = this.length > REPR_ELEMENTS ? `, …], length=${this.length}` : "]";
    return `<${this.constructor.name}('${this.typecode}', [${shown.join(", ")}${more})>`;
  }

  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription {
    return { kind: "RawArray", state: this.sharedState() };
  }

  /**
   * The shared memory and typecode (what the handles of this module carry).
   * @ignore
   */
  protected sharedState(): SharedState {
    return { typecode: this.typecode, buffer: this.array.buffer };
  }
}

/**
 * An array of numbers in shared memory with a lock (Python's `multiprocessing.Array`;
 * named `SharedArray` so as not to hide JavaScript's `Array`).
 * @example Usage
 * ```ts
 * import { SharedArray } from "@seed/multiprocessing";
 * const totals = new SharedArray("i", 4);
 * await totals.getLock().withLock(() => { totals.array[0] += 5; });
 * console.log(Array.from(totals.array)); // [5, 0, 0, 0]
 * ```
 */
export class SharedArray<C extends Typecode = Typecode> extends RawArray<C> {
  readonly #lock?: Lock | RLock;

  /**
   * Allocates an array of `typecode` elements in shared memory, with a lock.
   * @param typecode one of `b B h H i I l L q Q f d`.
   * @param sizeOrValues the length (zero-filled), or the initial values.
   * @param options `lock`: true or null (default, a new RLock), false (none), or the Lock/RLock to use.
   */
  constructor(typecode: C, sizeOrValues: number | Iterable<InputOf<C>>, options: SynchronizedOptions = {}) {
    const state = peekRebuildState<SharedState>();
    super(typecode, sizeOrValues);
    this.#lock = lockFor(state, options.lock);
  }

  /**
   * The lock that guards read-modify-write sequences on this array.
   * @throws {Error} when created with `{ lock: false }`.
   */
  getLock(): Lock | RLock {
    return requireLock(this.#lock, "SharedArray");
  }

  /**
   * Releases the lock at the end of an `await using` block (after `await a.getLock().acquire()`),
   * like Python's `with array:`.
   * @throws {Error} when created with `{ lock: false }`; a `ValueError` when the lock is not held.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.getLock()[Symbol.asyncDispose]();
  }

  /** Describes this handle for another process. */
  override [HANDLE](): HandleDescription {
    return { kind: "SharedArray", state: { ...this.sharedState(), lock: this.#lock?.[HANDLE]() } };
  }
}

registerHandleKind("RawValue", (state) => rebuildWith(state, () => new RawValue("i")));
registerHandleKind("Value", (state) => rebuildWith(state, () => new Value("i")));
registerHandleKind("RawArray", (state) => rebuildWith(state, () => new RawArray("i", 0)));
registerHandleKind("SharedArray", (state) => rebuildWith(state, () => new SharedArray("i", 0)));

for (const cls of [RawValue, RawArray]) {
  Object.setPrototypeOf(cls.prototype, MISSING_PROPERTIES);
  showAsString(cls);
}
