/**
 * Python's `multiprocessing.shared_memory`: blocks of shared memory that any process of the
 * program creates or attaches by name (`SharedMemory`), and a fixed-length list of numbers,
 * strings and bytes laid out in one such block (`ShareableList`).
 *
 * A name is just a string: it crosses in any message (queues, pipes, args), and any process
 * attaches it, synchronously, through the program's registry (see registry_worker.ts). The
 * memory lives while some process holds it: `unlink()` removes the name, and the memory of
 * an unlinked block is freed once no process holds it any more, as POSIX does. Memory never
 * outlives the program, so Python's resource tracker (and its "leaked shared_memory"
 * warnings) has nothing to do here.
 * @module
 */
import { FileExistsError, FileNotFoundError, IndexError, KeyError, ValueError } from "./errors.ts";
import { GETSTATE, SETSTATE } from "./reduction.ts";
import { registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";
import { pythonRepr } from "./python_repr.ts";
import { askRegistry } from "./registry.ts";

/**
 * Options of {@link SharedMemory}, as Python's arguments.
 * @example Usage
 * ```ts
 * import { SharedMemory, type SharedMemoryOptions } from "@seed/multiprocessing";
 * const options: SharedMemoryOptions = { create: true, size: 64 };
 * const shm = new SharedMemory(options);
 * console.log(shm.size); // 64
 * shm.unlink();
 * ```
 */
export interface SharedMemoryOptions {
  /** The block's name; default (with `create`): a new unique name (`psm_` and 8 hex digits). */
  name?: string | null;
  /** Create a new block (true) or attach an existing one (false, the default). */
  create?: boolean;
  /** Bytes of a new block, a positive integer; ignored when attaching (the block's own size is used). */
  size?: number;
  /**
   * Accepted for Python's signature (3.13's `track`); nothing to do here: the memory of a
   * program's blocks ends with the program.
   */
  track?: boolean;
}

const MAX_NAME_BYTES = 255;
const NAME_PREFIX = "psm_";
const NAME_RANDOM_BYTES = 4;

/** Makes a new block's name when none is given (Python's `_make_filename`). */
let nameGenerator = (): string => {
  const random = crypto.getRandomValues(new Uint8Array(NAME_RANDOM_BYTES));
  return NAME_PREFIX + Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
};

/**
 * Replaces the generator of new blocks' names (Python's tests mock `_make_filename`); returns
 * the one it replaced. For tests.
 */
export function setNameGenerator(generate: () => string): () => string {
  const previous = nameGenerator;
  nameGenerator = generate;
  return previous;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A block of shared memory with a name (Python's `multiprocessing.shared_memory.SharedMemory`).
 * Create one (`{ create: true, size }`), then attach it by name in any process of the
 * program: `new SharedMemory(name)`. Every handle's `buf` views the same bytes.
 *
 * `close()` lets go of this handle's view; `unlink()` removes the name (once, in any process):
 * handles already open keep working, and the memory is freed once none is left.
 * @example Usage
 * ```ts
 * import { isMain, Process, SharedMemory } from "@seed/multiprocessing";
 *
 * export function writer(name: string): void {
 *   const shm = new SharedMemory(name); // attach by name
 *   shm.buf.set(new TextEncoder().encode("howdy"));
 *   shm.close();
 * }
 *
 * if (isMain(import.meta)) {
 *   const shm = new SharedMemory({ create: true, size: 16 });
 *   const p = new Process({ target: writer, args: [shm.name] });
 *   p.start();
 *   await p.join();
 *   console.log(new TextDecoder().decode(shm.buf.subarray(0, 5))); // "howdy"
 *   shm.close();
 *   shm.unlink();
 * }
 * ```
 */
export class SharedMemory {
  /**
   * Creates a block (`{ create: true, size }`, with or without a `name`) or attaches the block
   * named `name` (a string, or `{ name }`).
   * @throws {ValueError} a `size` that is not a positive integer (with `create`), no name
   * without `create`, an empty name, a name with a NUL character or longer than 255 bytes.
   * @throws {FileExistsError} creating a block under a name that is taken.
   * @throws {FileNotFoundError} attaching a name that no block has (never created, or unlinked).
   */
  constructor(nameOrOptions?: string | null | SharedMemoryOptions) {
    const options = typeof nameOrOptions === "object" && nameOrOptions !== null
      ? nameOrOptions
      : { name: nameOrOptions ?? null };
    const { name = null, create = false, size = 0 } = options;
    checkSize(size, create);
    if (name !== null) checkName(name);
    if (create) {
      const buffer = new SharedArrayBuffer(size);
      open(this, name === null ? registerUnderNewName(buffer) : registerUnder(name, buffer), buffer);
    } else {
      if (name === null) throw new ValueError("'name' can only be None if create=True");
      open(this, name, attach(name));
    }
  }

  /** The block's name, which any process of the program attaches it by. */
  get name(): string {
    return blockOf(this).name;
  }

  /** The block's size in bytes. */
  get size(): number {
    return blockOf(this).buffer.byteLength;
  }

  /**
   * The block's bytes (Python's `buf`), a `Uint8Array` over shared memory: what one process
   * writes, every other holder reads. No property can be added to it; as for any typed
   * array, a write past its end is ignored.
   * @throws {ValueError} after {@link close}.
   */
  get buf(): Uint8Array {
    const { buf, name } = blockOf(this);
    if (buf === null) throw new ValueError(`SharedMemory '${name}' is closed: attach it again to use it`);
    return buf;
  }

  /**
   * Lets go of this handle's view of the block (other handles, and views made from `buf`,
   * keep working). Idempotent.
   */
  close(): void {
    blockOf(this).buf = null;
  }

  /**
   * Removes the block's name: later attaches fail with `FileNotFoundError`, handles already
   * open keep working, and the memory is freed once none holds it. Call it once, from any
   * process that has a handle.
   * @throws {FileNotFoundError} when the name was already unlinked.
   */
  unlink(): void {
    const { name } = blockOf(this);
    if (askRegistry({ op: "unlink", name }).error) throw notFound(name);
  }

  /** Python's repr: `SharedMemory('psm_…', size=512)`. */
  toString(): string {
    return `SharedMemory(${pythonRepr(this.name)}, size=${this.size})`;
  }

  /** Node's inspect shows Python's repr. */
  [INSPECT](): string {
    return this.toString();
  }

  /** Crosses to another process by name, as Python pickles it. */
  [GETSTATE](): string {
    return this.name;
  }

  /** Attaches the block by its name in the process it crossed to (`FileNotFoundError` once unlinked). */
  [SETSTATE](name: string): void {
    open(this, name, attach(name));
  }
}

/** What a SharedMemory handle holds: its block's name and memory, and its view until closed. */
interface Block {
  name: string;
  buffer: SharedArrayBuffer;
  buf: Uint8Array | null;
}

const blocks = new WeakMap<SharedMemory, Block>();

function open(shm: SharedMemory, name: string, buffer: SharedArrayBuffer): void {
  blocks.set(shm, { name, buffer, buf: Object.preventExtensions(new Uint8Array(buffer)) });
}

function blockOf(shm: SharedMemory): Block {
  const block = blocks.get(shm);
  if (!block) throw new TypeError("this SharedMemory was not created or attached (new SharedMemory(…))");
  return block;
}

function checkSize(size: unknown, create: boolean): asserts size is number {
  if (typeof size !== "number") throw new TypeError(`'size' must be a number of bytes, not ${typeof size}`);
  if (!(size >= 0) || !Number.isInteger(size)) throw new ValueError("'size' must be a positive integer");
  if (create && size === 0) throw new ValueError("'size' must be a positive number different from zero");
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`a shared memory name must be a string, not ${typeof name}`);
  if (name === "") throw new ValueError("a shared memory name cannot be empty");
  if (name.includes("\0")) throw new ValueError("embedded null character in the shared memory name");
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) {
    throw new ValueError(`a shared memory name is at most ${MAX_NAME_BYTES} bytes long`);
  }
}

function registerUnder(name: string, buffer: SharedArrayBuffer): string {
  const reply = askRegistry({ op: "create", name, buffer });
  if (reply.error) {
    throw new FileExistsError(
      `[Errno 17] File exists: '${name}' (a shared memory block of that name exists: attach it with new SharedMemory(${
        JSON.stringify(name)
      }), or choose another name)`,
      { filename: name },
    );
  }
  return name;
}

/** Registers `buffer` under new names until one is free (Python retries on a collision too). */
function registerUnderNewName(buffer: SharedArrayBuffer): string {
  for (;;) {
    const name = nameGenerator();
    if (!askRegistry({ op: "create", name, buffer }).error) return name;
  }
}

function attach(name: string): SharedArrayBuffer {
  const reply = askRegistry({ op: "attach", name });
  if (!reply.buffer) throw notFound(name);
  return reply.buffer;
}

function notFound(name: string): FileNotFoundError {
  return new FileNotFoundError(
    `[Errno 2] No such file or directory: '${name}' (no shared memory block has that name: ` +
      "it was never created in this program, or it was unlinked)",
    { filename: name },
  );
}

/** @internal The `SharedMemoryManager` `tracker` owns the block `name` from now on: its shutdown unlinks it. */
export function trackSegment(name: string, tracker: string): void {
  askRegistry({ op: "track", name, tracker });
}

/** @internal Unlinks every block the `SharedMemoryManager` `tracker` made; returns their names. */
export function unlinkTracked(tracker: string): string[] {
  return askRegistry({ op: "unlinkTracked", tracker }).names ?? [];
}

// ---------------------------------------------------------------------------------------
// ShareableList

/**
 * What a {@link ShareableList} holds: Python's `int`, `float`, `bool`, `str`, `bytes` and
 * `None`, as `number`, `bigint`, `boolean`, `string`, `Uint8Array` and `null`.
 * @example Usage
 * ```ts
 * import type { ShareableValue } from "@seed/multiprocessing";
 * const values: ShareableValue[] = [1, 2.5, 3n, true, "text", new Uint8Array([1]), null];
 * console.log(values.length); // 7
 * ```
 */
export type ShareableValue = number | bigint | boolean | string | Uint8Array | null;

/**
 * Options of {@link ShareableList}.
 * @example Usage
 * ```ts
 * import { ShareableList, type ShareableListOptions } from "@seed/multiprocessing";
 * const sl = new ShareableList([1, 2, 3]);
 * const options: ShareableListOptions = { name: sl.shm.name };
 * console.log(new ShareableList(null, options).length); // 3
 * sl.shm.unlink();
 * ```
 */
export interface ShareableListOptions {
  /** With values: the new block's name. Without: the name of the list to attach. */
  name?: string;
}

// The block's layout, Python's, plus each item's true byte length (Python strips trailing
// NUL bytes instead, gh-96779):
//   count (int64) | N+1 data offsets (int64) | data | N formats (8 bytes each) |
//   N back-transform codes (1 byte each) | padding to 8 | N byte lengths (8 bytes each)
const WORD = 8;
/** Back-transform codes: how a slot's bytes become a value again. */
const AS_NUMBER = 0; // also booleans (their format tells)
const AS_STRING = 1;
const AS_BYTES = 2;
const AS_NONE = 3;
const AS_BIGINT = 4;

const FORMAT_INT = "q";
const FORMAT_FLOAT = "d";
const FORMAT_BOOL = "xxxxxxx?";
const FORMAT_NONE = "xxxxxx?x";
const BOOL_BYTE = 7;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INDEX = /^-?(?:0|[1-9]\d*)$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value's slot: its format, back-transform code and encoded bytes (strings and bytes only). */
interface Slot {
  format: string;
  code: number;
  bytes?: Uint8Array;
}

/**
 * A list of fixed length in one block of shared memory (Python's `ShareableList`): numbers,
 * bigints, booleans, strings, `Uint8Array`s and `null`, read and written by index from every
 * process that attaches it by name (`new ShareableList(null, { name })`). `sl[i]` reads and
 * writes like `sl.get(i)` / `sl.set(i, v)`, negative indexes counting from the end.
 *
 * A string or bytes item keeps the room it was created with (its UTF-8 length rounded up to
 * the next multiple of 8 bytes); a longer one does not fit (`ValueError`). Unlike Python's,
 * trailing NUL bytes are kept and strings are sized in UTF-8 bytes. Writes are not atomic:
 * guard an item that several processes write with a `Lock`.
 * @example Usage
 * ```ts
 * import { ShareableList } from "@seed/multiprocessing";
 * const sl = new ShareableList(["howdy", 100, null, true]);
 * sl.set(2, "some");
 * sl[1] = 42;
 * console.log(sl.get(-2), sl[1], sl.format); // "some" 42 "8sq8sxxxxxxx?"
 * const same = new ShareableList(null, { name: sl.shm.name });
 * console.log(same.length); // 4
 * sl.shm.close();
 * sl.shm.unlink();
 * ```
 */
export class ShareableList implements Iterable<ShareableValue> {
  /** The block the list lives in. */
  declare readonly shm: SharedMemory;
  /** Index access: `sl[i]` reads and writes items. */
  [index: number]: ShareableValue;

  /**
   * Creates a list of `values` in a new block (named `options.name`, or a new name), or, with
   * `values` null, attaches the list named `options.name`.
   * @throws {KeyError} a value of a type the list cannot hold (before anything is created).
   * @throws {ValueError} a bigint outside 64 bits (before anything is created).
   * @throws {FileExistsError} / {FileNotFoundError} as {@link SharedMemory}.
   */
  constructor(values?: Iterable<ShareableValue> | null, options: ShareableListOptions = {}) {
    const name = options.name;
    if ((values === null || values === undefined) && name !== undefined) {
      attachList(this, new SharedMemory(name));
      return;
    }
    const items = [...(values ?? [])];
    const slots = items.map((value, i) => slotOf(value, `values[${i}]`));
    const offsets = [0];
    for (const slot of slots) offsets.push(offsets.at(-1)! + slotBytes(slot.format));
    const shm = new SharedMemory({ name, create: true, size: ListLayout.bytesFor(offsets) });
    const layout = ListLayout.write(viewOf(shm), offsets);
    slots.forEach((slot, i) => layout.write(i, slot, items[i]));
    setUp(this, shm, layout);
  }

  /** The number of items (fixed). */
  get length(): number {
    return layoutOf(this).count;
  }

  /** The items' formats, Python's struct format strings run together (e.g. `"8sdqxxxxxxx?"`). */
  get format(): string {
    const layout = layoutOf(this);
    return Array.from({ length: layout.count }, (_, i) => layout.formatAt(i)).join("");
  }

  /**
   * The item at `index` (negative: from the end).
   * @throws {IndexError} "index out of range".
   */
  get(index: number): ShareableValue {
    const layout = layoutOf(this);
    return layout.read(layout.position(index, "index out of range"));
  }

  /**
   * Writes `value` at `index` (negative: from the end). A string or bytes must fit the room
   * the item has; any other value fits any item.
   * @throws {IndexError} "assignment index out of range".
   * @throws {ValueError} "bytes/str item exceeds available storage" (nothing written).
   * @throws {KeyError} a value of a type the list cannot hold.
   */
  set(index: number, value: ShareableValue): void {
    const layout = layoutOf(this);
    const i = layout.position(index, "assignment index out of range");
    const slot = slotOf(value, `value`);
    if (slot.bytes) {
      const room = layout.room(i);
      if (slot.bytes.length > room) throw new ValueError("bytes/str item exceeds available storage");
      slot.format = `${room}s`;
    }
    layout.write(i, slot, value);
  }

  /** How many items equal `value` (bytes by content; numbers and bigints by value). */
  count(value: ShareableValue): number {
    let found = 0;
    for (const item of this) if (sameValue(item, value)) found++;
    return found;
  }

  /**
   * The index of the first item equal to `value`.
   * @throws {ValueError} when no item is.
   */
  index(value: ShareableValue): number {
    for (let i = 0; i < this.length; i++) if (sameValue(this.get(i), value)) return i;
    throw new ValueError(`${pythonRepr(value)} not in this container`);
  }

  /** The items in order. */
  *[Symbol.iterator](): Iterator<ShareableValue> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Python's repr: `ShareableList(['howdy', 100], name='psm_…')`. */
  toString(): string {
    return `ShareableList(${pythonRepr([...this])}, name=${pythonRepr(this.shm.name)})`;
  }

  /** Node's inspect shows Python's repr. */
  [INSPECT](): string {
    return this.toString();
  }

  /** Crosses to another process by its block's name, as Python pickles it. */
  [GETSTATE](): string {
    return this.shm.name;
  }

  /** Attaches the list by its block's name in the process it crossed to (`FileNotFoundError` once unlinked). */
  [SETSTATE](name: string): void {
    attachList(this, new SharedMemory(name));
  }
}

/** Where a list's parts lie in its block, and how its items are read and written there. */
class ListLayout {
  private constructor(readonly view: DataView, readonly count: number, readonly offsets: number[]) {}

  /** The bytes a list needs whose items' data offsets are `offsets` (N + 1 of them). */
  static bytesFor(offsets: number[]): number {
    const count = offsets.length - 1;
    return new ListLayout(new DataView(new ArrayBuffer(0)), count, offsets).lengthsAt + count * WORD;
  }

  /** Writes a new list's count and offsets into `view`. */
  static write(view: DataView, offsets: number[]): ListLayout {
    view.setBigInt64(0, BigInt(offsets.length - 1), true);
    offsets.forEach((offset, i) => view.setBigInt64(WORD * (i + 1), BigInt(offset), true));
    return new ListLayout(view, offsets.length - 1, offsets);
  }

  /** The layout of the list already in `view`. */
  static read(view: DataView): ListLayout {
    const count = Number(view.getBigInt64(0, true));
    const offsets = Array.from({ length: count + 1 }, (_, i) => Number(view.getBigInt64(WORD * (i + 1), true)));
    return new ListLayout(view, count, offsets);
  }

  get dataStart(): number {
    return (this.count + 2) * WORD;
  }

  get formatsAt(): number {
    return this.dataStart + this.offsets[this.count];
  }

  get codesAt(): number {
    return this.formatsAt + this.count * WORD;
  }

  get lengthsAt(): number {
    return Math.ceil((this.codesAt + this.count) / WORD) * WORD;
  }

  /** The bytes item `i` was given. */
  room(i: number): number {
    return this.offsets[i + 1] - this.offsets[i];
  }

  position(index: number, outOfRange: string): number {
    if (!Number.isInteger(index)) throw new TypeError(`list indices must be integers, not ${pythonRepr(index)}`);
    const i = index < 0 ? index + this.count : index;
    if (i < 0 || i >= this.count) throw new IndexError(outOfRange);
    return i;
  }

  formatAt(i: number): string {
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + this.formatsAt + i * WORD, WORD);
    const end = bytes.indexOf(0);
    return decoder.decode(bytes.slice(0, end === -1 ? WORD : end));
  }

  read(i: number): ShareableValue {
    const { view } = this;
    const format = this.formatAt(i);
    const code = view.getUint8(this.codesAt + i);
    const at = this.dataStart + this.offsets[i];
    if (code === AS_NONE) return null;
    if (format.endsWith("s")) {
      const length = view.getUint32(this.lengthsAt + i * WORD, true);
      const bytes = new Uint8Array(view.buffer, view.byteOffset + at, length).slice();
      return code === AS_STRING ? decoder.decode(bytes) : bytes;
    }
    if (format === FORMAT_BOOL) return view.getUint8(at + BOOL_BYTE) !== 0;
    if (format === FORMAT_FLOAT) return view.getFloat64(at, true);
    const integer = view.getBigInt64(at, true);
    return code === AS_BIGINT ? integer : Number(integer);
  }

  write(i: number, slot: Slot, value: ShareableValue): void {
    const { view } = this;
    const formatBytes = new Uint8Array(view.buffer, view.byteOffset + this.formatsAt + i * WORD, WORD);
    formatBytes.fill(0);
    encoder.encodeInto(slot.format, formatBytes);
    view.setUint8(this.codesAt + i, slot.code);
    const at = this.dataStart + this.offsets[i];
    new Uint8Array(view.buffer, view.byteOffset + at, this.room(i)).fill(0);
    if (slot.bytes) {
      new Uint8Array(view.buffer, view.byteOffset + at, slot.bytes.length).set(slot.bytes);
      view.setUint32(this.lengthsAt + i * WORD, slot.bytes.length, true);
    } else if (slot.format === FORMAT_BOOL) view.setUint8(at + BOOL_BYTE, value ? 1 : 0);
    else if (slot.format === FORMAT_FLOAT) view.setFloat64(at, value as number, true);
    else if (slot.format === FORMAT_INT) view.setBigInt64(at, BigInt(value as number | bigint), true);
  }
}

/** Each list's layout. */
const layouts = new WeakMap<ShareableList, ListLayout>();

function layoutOf(list: ShareableList): ListLayout {
  const layout = layouts.get(list);
  if (!layout) throw new TypeError("this ShareableList was not created or attached (new ShareableList(…))");
  return layout;
}

function attachList(list: ShareableList, shm: SharedMemory): void {
  setUp(list, shm, ListLayout.read(viewOf(shm)));
}

/** Gives `list` its block and layout. */
function setUp(list: ShareableList, shm: SharedMemory, layout: ListLayout): void {
  layouts.set(list, layout);
  Object.defineProperty(list, "shm", { value: shm, enumerable: true });
}

/**
 * Index access, `sl[i]` and `sl[-i]`, for every list, however it was made (created,
 * attached, or rebuilt from a message): what a list lacks is looked up through its
 * prototype, and at the end of that chain a proxy reads and writes items for index keys (an
 * index out of range is Python's `IndexError`) and refuses any other new property.
 */
Object.setPrototypeOf(
  ShareableList.prototype,
  new Proxy(Object.prototype, {
    get(target, key, receiver) {
      if (receiver instanceof ShareableList && isIndexKey(key)) return receiver.get(Number(key));
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      if (!(receiver instanceof ShareableList)) return Reflect.set(target, key, value, receiver);
      if (isIndexKey(key)) {
        receiver.set(Number(key), value);
        return true;
      }
      throw new TypeError(
        `a ShareableList has no property ${String(key)}: set items by index (sl[0] = value, or sl.set(0, value))`,
      );
    },
  }),
);

function isIndexKey(key: string | symbol): key is string {
  return typeof key === "string" && INDEX.test(key);
}

// SharedMemory and ShareableList cross as instances of the library's exported classes.
registerExport(SharedMemory, libraryEntryUrl().href, "SharedMemory");
registerExport(ShareableList, libraryEntryUrl().href, "ShareableList");

function viewOf(shm: SharedMemory): DataView {
  return new DataView(shm.buf.buffer, shm.buf.byteOffset, shm.buf.byteLength);
}

/** The slot a value needs, or the error Python gives for a value it cannot hold. */
function slotOf(value: unknown, path: string): Slot {
  if (value === null) return { format: FORMAT_NONE, code: AS_NONE };
  switch (typeof value) {
    case "boolean":
      return { format: FORMAT_BOOL, code: AS_NUMBER };
    case "number":
      return { format: Number.isSafeInteger(value) ? FORMAT_INT : FORMAT_FLOAT, code: AS_NUMBER };
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new ValueError(`${path} (${value}n) does not fit in a ShareableList item: it holds 64-bit integers`);
      }
      return { format: FORMAT_INT, code: AS_BIGINT };
    case "string":
      return stringSlot(encoder.encode(value), AS_STRING);
  }
  if (value instanceof Uint8Array) return stringSlot(value.slice(), AS_BYTES);
  throw new KeyError(
    `${path} is ${describe(value)}, which a ShareableList cannot hold: its items are numbers, bigints, ` +
      "booleans, strings, Uint8Arrays (bytes) or null",
  );
}

/** Room for `bytes`: the next multiple of 8 strictly above their length, as Python sizes it. */
function stringSlot(bytes: Uint8Array, code: number): Slot {
  return { format: `${WORD * (Math.floor(bytes.length / WORD) + 1)}s`, code, bytes };
}

function slotBytes(format: string): number {
  return format.endsWith("s") ? Number.parseInt(format, 10) : WORD;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value !== "object") return `a ${typeof value}`;
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : "an object";
}

function sameValue(a: ShareableValue, b: ShareableValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  const numeric = (x: unknown) => typeof x === "number" || typeof x === "bigint";
  // deno-lint-ignore eqeqeq
  return numeric(a) && numeric(b) ? a == b : a === b;
}
