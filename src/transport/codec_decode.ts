/**
 * The codec's decoder: reads a value in the format of codec_format.ts, building objects of
 * frequent shapes in one step.
 * @module
 */

import { applyState, makeBoundMethod } from "../reduction.ts";
import { exportNow, importExport, whyNotNow } from "../references.ts";
import type { TargetRef } from "../target.ts";
import {
  FORMAT_BINARY, FORMAT_WITH_EXPORTS, T_EXPORT, T_INSTANCE, T_BOUND_METHOD, INSTANCE_BASE, INSTANCE_STATE, T_UNDEFINED, T_NULL, T_FALSE, T_TRUE, T_INT8, T_INT16, T_INT32, T_FLOAT64,
  T_BIGINT64, T_BIGINT_HEX, T_ASCII, T_UTF8, T_UTF16, T_OBJECT, T_OBJECT_OPEN, T_OBJECT_AGAIN,
  T_OBJECT_AGAIN_OPEN, T_ARRAY, T_HOLES, T_MAP, T_SET, T_DATE, T_REGEXP, T_ARRAY_BUFFER, T_VIEW,
  T_ERROR, T_REF, T_BOXED_NUMBER, T_BOXED_STRING, T_BOXED_BOOLEAN, T_BOXED_BIGINT, T_CARRIED, T_FIXASCII,
  FIXASCII_MAX, VIEW_KINDS, ERROR_CLASSES, RECENT_SHAPES, ALIGNED_BYTES_MIN,
  T_PACKED_NUMBERS, PACKED_INT32, PACKED_FLOAT64,
} from "./codec_format.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const bigint64 = new BigInt64Array(1);
const bigint64Bytes = new Uint8Array(bigint64.buffer);
/** ASCII strings up to this length are decoded char by char; longer ones by a native method. */
const CHAR_BY_CHAR_MAX = 8;

/**
 * Node's Buffer methods that make a string from a range of any Uint8Array's bytes, shared
 * memory included, without the per-call cost of TextDecoder (2-4x faster for short strings).
 * Undocumented, so feature-tested: where missing, TextDecoder is used. Only the global Buffer
 * of Node and Bun, which costs nothing: Deno's loads its Node compatibility layer on first use
 * (12 ms in a new worker, every child's start), as `import "node:buffer"` did.
 */
type SliceToString = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = bufferMethod("latin1Slice", "ascii~\x7f");
const utf8Slice = bufferMethod("utf8Slice", "utf-8 \u00e9\u65e5\u{1f600}");

/** Buffer.prototype[name] if it decodes `sample` from a range of a shared Uint8Array. */
function bufferMethod(name: string, sample: string): SliceToString | undefined {
  if ("Deno" in globalThis) return undefined;
  const buffer = (globalThis as { Buffer?: { prototype: Record<string, unknown> } }).Buffer;
  const method = buffer?.prototype[name];
  if (typeof method !== "function") return undefined;
  const encoded = textEncoder.encode(sample);
  const bytes = new Uint8Array(new SharedArrayBuffer(encoded.length + 4));
  bytes.set(encoded, 2);
  try {
    return method.call(bytes, 2, 2 + encoded.length) === sample ? method as SliceToString : undefined;
  } catch {
    return undefined;
  }
}

const KEY_CACHE_SIZE = 4096;
const KEY_CACHE_MAX_LENGTH = 24;
/** Recently decoded object keys by a hash of their bytes: repeated keys reuse one string. */
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);

const EMPTY = new Uint8Array(0);
let input: Uint8Array = EMPTY;
let at = 0;
const objects: unknown[] = [];
/** While {@link decodeWithRefs} runs: the object carried beside the message under each number. */
let carriedObject: ((ref: number) => unknown) | undefined;
/** The exports the message being decoded names, by their index in its table. */
let exportValues: unknown[] = [];
/** Instances waiting for their SETSTATE, with their state: called once the message is decoded. */
let pendingStates: unknown[] = [];
/** While {@link decodeWithPlaceholders} runs: what stands for an export this process cannot have. */
let placeholder: unknown;

/**
 * Decodes bytes produced by `encode()` (in any process or runtime). `bytes` may be
 * reused by the caller once decode() returns: nothing in the result refers to it. Bytes
 * after the encoded value are ignored, so a reused receive buffer can be passed whole.
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * const value = decode<Map<string, number>>(encode(new Map([["a", 1]])));
 * value.get("a"); // 1
 * ```
 */
export function decode<T = unknown>(bytes: Uint8Array): T {
  const format = bytes[0];
  if (format === FORMAT_BINARY) return decodeValue<T>(bytes, 1);
  if (format === FORMAT_WITH_EXPORTS) return decodeWithExports<T>(bytes);
  throw new TypeError(`cannot decode: the bytes do not start with a known format byte (got ${format})`);
}

/** Decodes the value that starts at `start`: plain data's whole path. */
function decodeValue<T>(bytes: Uint8Array, start: number): T {
  // Decoding runs no user code (SETSTATE methods run after it), so this state cannot be re-entered.
  input = bytes;
  at = start;
  decodeCount++;
  try {
    const value = readValue() as T;
    if (at > bytes.length) throw new TypeError(`cannot decode: the bytes end early (${bytes.length} of at least ${at})`);
    return value;
  } finally {
    objects.length = 0;
    input = EMPTY;
  }
}

/** Decodes a message that names exports: its table first, then its value, then the SETSTATEs. */
function decodeWithExports<T>(bytes: Uint8Array): T {
  // Before the decoder's state is taken: loading a module runs its code, which may decode.
  const { table, end } = readExportsTable(bytes);
  exportValues = resolveExports(table);
  let value: T;
  let states: unknown[] | undefined;
  try {
    value = decodeValue<T>(bytes, end);
    if (pendingStates.length > 0) [states, pendingStates] = [pendingStates, []];
  } finally {
    exportValues = [];
    if (pendingStates.length > 0) pendingStates = [];
  }
  if (states !== undefined) applyStates(states);
  return value;
}

/** Calls the SETSTATE of the instances decoded with a state, innermost first (as pickle's BUILD). */
function applyStates(states: unknown[]): void {
  for (let i = 0; i < states.length; i += 2) applyState(states[i] as object, states[i + 1]);
}

/**
 * The table of the exports that a message names (a message that names none has none), read
 * from its start: a streamed message's first part is enough.
 */
export function exportsOf(bytes: Uint8Array): TargetRef[] | undefined {
  return bytes[0] === FORMAT_WITH_EXPORTS ? readExportsTable(bytes).table : undefined;
}

/**
 * Reads the exports' table at the start of `bytes`, and where the value after it starts.
 * Messages in a row that name the same exports (a queue of one class's instances) carry the
 * same table: its bytes are compared with the last one's instead of decoded again.
 */
function readExportsTable(bytes: Uint8Array): { table: TargetRef[]; end: number } {
  if (lastTable !== undefined && startsWithTable(bytes, lastTable.bytes)) return { table: lastTable.table, end: 1 + lastTable.bytes.length };
  if (input !== EMPTY) throw new Error("the codec read a message's exports while decoding another");
  input = bytes;
  at = 1;
  decodeCount++; // the table's keys are not the value's recent keys
  try {
    const table = readValue() as TargetRef[];
    if (at > bytes.length) throw new TypeError("cannot decode: the bytes end inside the exports' table");
    lastTable = { bytes: bytes.slice(1, at), table };
    return { table, end: at };
  } finally {
    objects.length = 0;
    input = EMPTY;
  }
}

/** The last exports' table decoded, and its bytes. */
let lastTable: { bytes: Uint8Array; table: TargetRef[] } | undefined;

/** Whether the message's table (after its format byte) has exactly the bytes `table`. */
function startsWithTable(bytes: Uint8Array, table: Uint8Array): boolean {
  if (bytes.length <= table.length) return false;
  for (let i = 0; i < table.length; i++) if (bytes[i + 1] !== table[i]) return false;
  return true;
}

/** The exports of a message's table, which this process must be able to have now. */
function resolveExports(table: TargetRef[]): unknown[] {
  return table.map((ref) => {
    const value = exportNow(ref) ?? placeholder;
    if (value === undefined) throw new TypeError(`cannot decode the message: ${whyNotNow(ref)}`);
    return value;
  });
}

/**
 * Decodes as {@link decodeWithRefs} does, with `stand` (a function: instances of a missing
 * class get its prototype) for each export this process cannot have, such as one whose
 * module failed to import: the receiver learns the message's shape, to fail what needed it.
 */
export function decodeWithPlaceholders<T = unknown>(
  bytes: Uint8Array,
  objectOf: (ref: number) => unknown,
  // deno-lint-ignore ban-types
  stand: Function,
): T {
  placeholder = stand;
  try {
    return decodeWithRefs<T>(bytes, objectOf);
  } finally {
    placeholder = undefined;
  }
}

/**
 * For a receiver that can wait: undefined when every export the message names can be had
 * now (decode at once), else a promise that imports them (then decode; a copy of the bytes
 * if they may be overwritten meanwhile). Rejects when an export cannot be imported.
 */
export function importsFor(bytes: Uint8Array): Promise<void> | undefined {
  if (bytes[0] !== FORMAT_WITH_EXPORTS) return undefined;
  const missing = exportsOf(bytes)!.filter((ref) => exportNow(ref) === undefined);
  if (missing.length === 0) return undefined;
  return Promise.all(missing.map(importExport)).then(() => {});
}

/**
 * Decodes `bytes` now when it can, else once the exports it names are imported (a promise;
 * the bytes are copied meanwhile, as the caller may reuse them). Rejects when an export
 * cannot be imported: the message is lost, as a Python `get()` loses an item it cannot
 * unpickle.
 */
export function decodeSoon<T = unknown>(bytes: Uint8Array): T | Promise<T> {
  const pending = importsFor(bytes);
  if (pending === undefined) return decode<T>(bytes);
  const copy = bytes.slice();
  return pending.then(() => decode<T>(copy));
}

/** A decoded message, and the error of an export it names that could not be imported. */
export interface Received<T> {
  value: T;
  /** Set when an export could not be imported: placeholders stand for those in `value`. */
  failure?: unknown;
}

/**
 * As {@link decodeSoon}, for a pool, whose messages hold several tasks or results: a message
 * whose exports cannot all be imported still decodes (see {@link decodeWithPlaceholders}),
 * with the import's error as `failure`, so that what it holds can fail with it.
 */
export function decodeReceived<T = unknown>(
  bytes: Uint8Array,
  objectOf?: (ref: number) => unknown,
): Received<T> | Promise<Received<T>> {
  const decodeNow = (from: Uint8Array) => (objectOf ? decodeWithRefs<T>(from, objectOf) : decode<T>(from));
  const pending = importsFor(bytes);
  if (pending === undefined) return { value: decodeNow(bytes) };
  const copy = bytes.slice();
  return pending.then(
    () => ({ value: decodeNow(copy) }),
    (failure: unknown) => {
      // A function with a prototype: instances of a class it stands for get one.
      const unavailable = function (): never {
        throw failure;
      };
      return { value: decodeWithPlaceholders<T>(copy, objectOf ?? noCarried, unavailable), failure };
    },
  );
}

function noCarried(ref: number): never {
  throw new TypeError(`cannot decode: an object carried beside the message (number ${ref}), outside decodeWithRefs()`);
}

/**
 * For a receiver that cannot wait (a `…Sync` or `…Nowait` receive), before it takes the
 * message: throws a TypeError saying why, and what to do, when an export that the message
 * names cannot be had now. Reads only the message's start (see {@link exportsOf}).
 */
export function assertDecodableNow(bytes: Uint8Array): void {
  if (bytes[0] !== FORMAT_WITH_EXPORTS) return;
  let table: TargetRef[] | undefined;
  try {
    table = exportsOf(bytes);
  } catch {
    return; // the table is longer than this part of a streamed message: decoding will tell
  }
  for (const ref of table!) {
    if (exportNow(ref) === undefined) {
      throw new TypeError(`the next message cannot be received synchronously, so it was left in place: ${whyNotNow(ref)}`);
    }
  }
}

/**
 * Decodes bytes produced by `encodeWithRefs()`: `objectOf` gives back the object (a handle,
 * a SharedArrayBuffer, a Blob) that the sender numbered, and throws if it has none by that
 * number.
 * @example
 * ```ts
 * import { decodeWithRefs, encodeWithRefs } from "./codec.ts";
 * const buffer = new SharedArrayBuffer(4);
 * const bytes = encodeWithRefs([new Int32Array(buffer)], () => 1);
 * const [view] = decodeWithRefs<Int32Array[]>(bytes.slice(), () => buffer); // a view of `buffer`
 * ```
 */
export function decodeWithRefs<T = unknown>(bytes: Uint8Array, objectOf: (ref: number) => unknown): T {
  carriedObject = objectOf;
  try {
    return decode<T>(bytes);
  } finally {
    carriedObject = undefined;
  }
}

function readVarint(): number {
  let n = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = input[at++];
    n += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  return n;
}

/**
 * `count` items or bytes, each at least one byte, must still fit in the input: damaged bytes
 * must not make the decoder allocate (or loop) beyond what the input could hold.
 */
function fits(count: number): number {
  if (!(count <= input.length - at)) {
    throw new TypeError(`cannot decode: a length of ${count} at byte ${at} runs past the end (${input.length} bytes; corrupt bytes)`);
  }
  return count;
}

function readUint32(): number {
  const n = (input[at] | (input[at + 1] << 8) | (input[at + 2] << 16) | (input[at + 3] << 24)) >>> 0;
  at += 4;
  return n;
}

function readFloat64(): number {
  for (let i = 0; i < 8; i++) float64Bytes[i] = input[at++];
  return float64[0];
}

function readValue(): unknown {
  const tag = input[at++];
  if (tag < 0x80) return tag;
  if (tag >= T_FIXASCII && tag <= T_FIXASCII + FIXASCII_MAX) return readAscii(tag - T_FIXASCII);
  switch (tag) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT8:
      return (input[at++] << 24) >> 24;
    case T_INT16: {
      const n = ((input[at] | (input[at + 1] << 8)) << 16) >> 16;
      at += 2;
      return n;
    }
    case T_INT32:
      return readUint32() | 0;
    case T_FLOAT64:
      return readFloat64();
    case T_OBJECT:
    case T_OBJECT_OPEN:
    case T_OBJECT_AGAIN:
    case T_OBJECT_AGAIN_OPEN:
      return readObject(tag);
    case T_ARRAY:
      return readArray();
    case T_PACKED_NUMBERS:
      return readPackedNumbers();
    case T_REF:
      return objects[readVarint()];
    default:
      return readRareValue(tag);
  }
}

function readRareValue(tag: number): unknown {
  switch (tag) {
    case T_BIGINT64:
      for (let i = 0; i < 8; i++) bigint64Bytes[i] = input[at++];
      return bigint64[0];
    case T_BIGINT_HEX: {
      const negative = input[at++] === 1;
      const magnitude = BigInt(`0x${readValue() as string}`);
      return negative ? -magnitude : magnitude;
    }
    case T_ASCII:
    case T_UTF8:
    case T_UTF16:
      return readString(tag);
    case T_MAP:
      return readMap();
    case T_SET:
      return readSet();
    case T_DATE:
      return remember(new Date(readFloat64()));
    case T_REGEXP: {
      const source = readValue() as string;
      return remember(new RegExp(source, readValue() as string));
    }
    case T_ARRAY_BUFFER:
      return remember(readBufferBytes(readVarint()).buffer);
    case T_VIEW:
      return readView();
    case T_ERROR:
      return readError();
    case T_BOXED_NUMBER:
      return remember(Object(readFloat64()));
    case T_BOXED_STRING:
      return remember(Object(readValue() as string));
    case T_BOXED_BOOLEAN:
      return remember(Object(input[at++] === 1));
    case T_BOXED_BIGINT:
      return remember(Object(readValue() as bigint));
    case T_CARRIED:
      return remember(readCarried());
    case T_EXPORT:
      return exportValues[readVarint()];
    case T_INSTANCE:
      return readInstance();
    case T_BOUND_METHOD: {
      const obj = readValue() as object;
      return makeBoundMethod(obj, readValue() as string);
    }
    default:
      throw new TypeError(`cannot decode: unknown tag ${tag} at byte ${at - 1} (corrupt or foreign bytes)`);
  }
}

function readCarried(): unknown {
  const ref = readVarint();
  if (carriedObject === undefined) {
    throw new TypeError(`cannot decode: an object carried beside the message (number ${ref}), outside decodeWithRefs()`);
  }
  return carriedObject(ref);
}

function remember<T>(obj: T): T {
  objects.push(obj);
  return obj;
}

function readString(tag: number): string {
  if (tag >= T_FIXASCII && tag <= T_FIXASCII + FIXASCII_MAX) return readAscii(tag - T_FIXASCII);
  if (tag === T_ASCII) return readAscii(fits(readVarint()));
  if (tag === T_UTF8) return readUtf8(fits(readUint32()));
  if (tag === T_UTF16) return readUtf16(fits(2 * readUint32()) / 2);
  throw new TypeError(`cannot decode: expected a string, found tag ${tag} at byte ${at - 1}`);
}

function readAscii(length: number): string {
  if (length > CHAR_BY_CHAR_MAX) return sliceToString(latin1Slice, length);
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(input[at++]);
  return s;
}

function readUtf8(length: number): string {
  return sliceToString(utf8Slice, length);
}

function sliceToString(slice: SliceToString | undefined, length: number): string {
  if (input.buffer instanceof SharedArrayBuffer && slice === undefined) {
    // TextDecoder refuses (or is slow on) views of shared memory: decode a private copy.
    return textDecoder.decode(readBytes(length));
  }
  const start = at;
  at += length;
  return slice !== undefined ? slice.call(input, start, at) : textDecoder.decode(input.subarray(start, at));
}

function readUtf16(units: number): string {
  let s = "";
  for (let i = 0; i < units; i++, at += 2) s += String.fromCharCode(input[at] | (input[at + 1] << 8));
  return s;
}

/** An object key: short ASCII keys come from the key cache. */
function readKey(): string {
  const tag = input[at++];
  if (!(tag >= T_FIXASCII && tag <= T_FIXASCII + FIXASCII_MAX)) return readString(tag);
  const length = tag - T_FIXASCII;
  if (length > KEY_CACHE_MAX_LENGTH) return readAscii(length);
  let hash = length;
  for (let i = 0; i < length; i++) hash = (hash * 31 + input[at + i]) | 0;
  const slot = hash & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === length && sameAscii(cached, at)) {
    at += length;
    return cached;
  }
  const key = readAscii(length);
  keyCache[slot] = key;
  return key;
}

/** True when the input from byte `from` on holds the characters of `s` (ASCII). */
function sameAscii(s: string, from: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== input[from + i]) return false;
  return true;
}

function readObject(tag: number): Record<string, unknown> {
  if (tag === T_OBJECT_OPEN || tag === T_OBJECT_AGAIN_OPEN) {
    const obj: Record<string, unknown> = {};
    objects.push(obj); // before its values, which refer to it
    const keys = readObjectShape(tag).keys;
    for (let i = 0; i < keys.length; i++) setProperty(obj, keys[i], readValue());
    return obj;
  }
  const index = objects.push(undefined) - 1;
  const shape = readObjectShape(tag);
  const obj = shape.build !== undefined ? shape.build(readValue) : readProperties(shape.keys);
  objects[index] = obj;
  return obj;
}

/** The shape of the object whose tag was just read: its keys, or the recent keys it repeats. */
function readObjectShape(tag: number): Shape {
  if (tag === T_OBJECT || tag === T_OBJECT_OPEN) {
    const count = fits(readVarint());
    const shape = readShape(count);
    if (count < RECENT_SHAPES) {
      recentShapes[count] = shape;
      recentShapesMessage[count] = decodeCount;
    }
    return shape;
  }
  const count = input[at++];
  if (!(count < RECENT_SHAPES) || recentShapesMessage[count] !== decodeCount) {
    throw new TypeError(`cannot decode: an object repeats keys never given, at byte ${at - 2} (corrupt bytes)`);
  }
  return useShape(recentShapes[count]);
}

/**
 * An instance of an exported class: created with its prototype (its constructor is not run),
 * remembered before its contents (which may refer to it), then given its fields, or its
 * state once the message is decoded.
 */
function readInstance(): object {
  const cls = exportValues[readVarint()] as { prototype: object; name: string };
  const flags = input[at++];
  const proto = cls.prototype;
  let obj: object;
  if ((flags & INSTANCE_BASE) !== 0) {
    obj = readValue() as object; // the built-in it extends, remembered as itself
    Object.setPrototypeOf(obj, proto);
  } else {
    obj = Object.create(proto);
    objects.push(obj);
  }
  if ((flags & INSTANCE_STATE) !== 0) pendingStates.push(obj, readValue());
  else readFields(obj, proto);
  return obj;
}

/** Reads an instance's fields (a T_OBJECT or T_OBJECT_AGAIN body) onto it, as own data fields. */
function readFields(obj: object, proto: object): void {
  const tag = input[at++];
  if (tag !== T_OBJECT && tag !== T_OBJECT_AGAIN) {
    throw new TypeError(`cannot decode: an instance's fields are missing at byte ${at - 1} (corrupt bytes)`);
  }
  const keys = readObjectShape(tag).keys;
  const guarded = guardedKeysOf(proto);
  const fields = obj as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!guarded.has(key)) fields[key] = readValue();
    else Object.defineProperty(obj, key, { value: readValue(), enumerable: true, writable: true, configurable: true });
  }
}

/** Keys that an assignment would not make own data fields, per prototype: see {@link guardedKeysOf}. */
const guardedKeys = new WeakMap<object, Set<string>>();

/**
 * The keys of `proto`'s chain where an assignment calls a setter or fails (accessors and
 * read-only fields), and `__proto__`: an instance's own fields with these names are defined.
 */
function guardedKeysOf(proto: object): Set<string> {
  let keys = guardedKeys.get(proto);
  if (keys !== undefined) return keys;
  keys = new Set(["__proto__"]);
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (descriptor.set !== undefined || descriptor.get !== undefined || descriptor.writable === false) keys.add(key);
    }
  }
  guardedKeys.set(proto, keys);
  return keys;
}

function readProperties(keys: readonly string[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) setProperty(obj, keys[i], readValue());
  return obj;
}

function setProperty(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * A sequence of object keys met while decoding, as a node in a tree whose root is the empty
 * object. Objects of a shape met often are built by a generated function returning an object
 * literal, which engines build far faster (5-10x for 10 keys) than one property at a time.
 */
interface Shape {
  readonly keys: readonly string[];
  /** The last key, and its tag when it is short ASCII (matched against the input's bytes). */
  readonly key: string;
  readonly keyTag: number;
  readonly next: Shape[];
  hits: number;
  build: ((read: () => unknown) => Record<string, unknown>) | undefined;
}

const MAX_SHAPES = 4096;
const MAX_NEXT_SHAPES = 32;
/** Objects with more keys are dictionaries rather than records: no shape is kept for them. */
const MAX_SHAPE_KEYS = 64;
/** Objects of a shape decoded this many times get a generated builder. */
const BUILD_AFTER = 8;
let shapeCount = 0;
/** Numbers the messages decoded, so that the recent shapes of earlier messages are ignored. */
let decodeCount = 0;
/** The shape of this message's last object given in full, by key count (< RECENT_SHAPES). */
const recentShapes: Shape[] = [];
const recentShapesMessage: number[] = new Array(RECENT_SHAPES).fill(-1);
/** False once the runtime refuses `new Function` (e.g. a content security policy). */
let canGenerateBuilders = true;
const emptyShape: Shape = { keys: [], key: "", keyTag: -1, next: [], hits: 0, build: undefined };

/** Reads `count` keys and returns their shape. */
function readShape(count: number): Shape {
  if (count > MAX_SHAPE_KEYS) return unlistedShape([], count); // a dictionary, not a record
  let shape = emptyShape;
  for (let i = 0; i < count; i++) {
    let next = matchNextShape(shape);
    if (next === undefined) {
      const key = readKey();
      next = nextShape(shape, key);
      if (next === undefined) return unlistedShape([...shape.keys, key], count);
    }
    shape = next;
  }
  return useShape(shape);
}

/** Counts a use of `shape`, giving it a builder once it is used often. */
function useShape(shape: Shape): Shape {
  if (++shape.hits === BUILD_AFTER && canGenerateBuilders) shape.build = generateBuilder(shape.keys);
  return shape;
}

/** The shape after `shape` whose key is the next one in the input, matched by its bytes. */
function matchNextShape(shape: Shape): Shape | undefined {
  const tag = input[at];
  const next = shape.next;
  for (let i = 0; i < next.length; i++) {
    const candidate = next[i];
    if (candidate.keyTag === tag && sameAscii(candidate.key, at + 1)) {
      at += 1 + candidate.key.length;
      return candidate;
    }
  }
  return undefined;
}

/** The shape after `shape` with `key`, created if there is room. */
function nextShape(shape: Shape, key: string): Shape | undefined {
  for (const candidate of shape.next) if (candidate.key === key) return candidate;
  if (shape.next.length >= MAX_NEXT_SHAPES || shapeCount >= MAX_SHAPES) return undefined;
  shapeCount++;
  const keyTag = key.length <= FIXASCII_MAX && isAscii(key) ? T_FIXASCII + key.length : -1;
  const created: Shape = { keys: [...shape.keys, key], key, keyTag, next: [], hits: 0, build: undefined };
  shape.next.push(created);
  return created;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** A shape outside the tree (which is full there): the keys read so far, then the rest. */
function unlistedShape(keys: string[], count: number): Shape {
  while (keys.length < count) keys.push(readKey());
  return { keys, key: "", keyTag: -1, next: [], hits: 0, build: undefined };
}

/** A function that reads the values of an object of this shape and returns it as a literal. */
function generateBuilder(keys: readonly string[]): Shape["build"] {
  // In a literal, "__proto__": sets the prototype instead of defining a property.
  if (keys.includes("__proto__")) return undefined;
  const properties = keys.map((key) => `${JSON.stringify(key)}: read()`).join(", ");
  try {
    return new Function("read", `return { ${properties} };`) as Shape["build"];
  } catch {
    canGenerateBuilders = false;
    return undefined;
  }
}
function readArray(): unknown[] {
  const length = readVarint();
  const arr: unknown[] = [];
  objects.push(arr);
  while (arr.length < length) {
    if (input[at] === T_HOLES) {
      at++;
      arr.length += readVarint();
    } else {
      arr.push(readValue());
    }
  }
  return arr;
}

/** A T_PACKED_NUMBERS array: its values viewed in place when aligned there, else copied first. */
function readPackedNumbers(): number[] {
  const kind = input[at++];
  if (kind !== PACKED_INT32 && kind !== PACKED_FLOAT64) {
    throw new TypeError(`cannot decode: unknown kind ${kind} of packed numbers at byte ${at - 1} (corrupt bytes)`);
  }
  const Kind: new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => Int32Array | Float64Array =
    kind === PACKED_INT32 ? Int32Array : Float64Array;
  const width = kind === PACKED_INT32 ? 4 : 8;
  const length = readVarint();
  at += 1 + input[at];
  const offset = input.byteOffset + at;
  let values: Int32Array | Float64Array;
  if (offset % width === 0) {
    values = new Kind(input.buffer, offset, fits(length * width) / width);
    at += length * width;
  } else {
    values = new Kind(readBytes(length * width).buffer);
  }
  const arr = new Array<number>(length);
  for (let i = 0; i < length; i++) arr[i] = values[i];
  objects.push(arr);
  return arr;
}

function readMap(): Map<unknown, unknown> {
  const count = fits(readVarint());
  const map = remember(new Map());
  for (let i = 0; i < count; i++) {
    const key = readValue();
    map.set(key, readValue());
  }
  return map;
}

function readSet(): Set<unknown> {
  const count = fits(readVarint());
  const set = remember(new Set());
  for (let i = 0; i < count; i++) set.add(readValue());
  return set;
}

/** A private copy of the next `length` input bytes. */
/** The bytes of a T_ARRAY_BUFFER of `length` bytes, after their padding (ALIGNED_BYTES_MIN). */
function readBufferBytes(length: number): Uint8Array {
  if (length >= ALIGNED_BYTES_MIN) at += 1 + input[at];
  return readBytes(length);
}

function readBytes(length: number): Uint8Array {
  // Not input.slice(): on a Node Buffer, slice() is a view into (often) a shared pool.
  const copy = new Uint8Array(fits(length));
  copy.set(input.subarray(at, at + length));
  at += length;
  return copy;
}

function readView(): ArrayBufferView {
  const Kind = VIEW_KINDS[input[at++]];
  if (Kind === undefined) {
    // Kind 12 is Float16Array, which the sender's runtime has and this one lacks.
    throw new TypeError(`cannot decode: a typed array of kind ${input[at - 1]}, which this runtime does not have`);
  }
  const index = objects.push(undefined) - 1; // the view comes before its buffer
  const buffer = readValue() as ArrayBuffer;
  const byteOffset = readVarint();
  const length = readVarint();
  const view = new Kind(buffer, byteOffset, length);
  objects[index] = view;
  return view;
}

function readError(): Error {
  const index = objects.push(undefined) - 1;
  const name = readValue() as string;
  const message = readValue() as string;
  const stack = readValue() as string | undefined;
  const Class = Object.hasOwn(ERROR_CLASSES, name) ? ERROR_CLASSES[name] : Error;
  const error = new Class(message);
  if (error.name !== name) error.name = name;
  if (stack === undefined) delete error.stack;
  else Object.defineProperty(error, "stack", { value: stack, writable: true, configurable: true });
  objects[index] = error;
  if (input[at++] === 1) {
    Object.defineProperty(error, "cause", { value: readValue(), writable: true, configurable: true });
  }
  return error;
}
