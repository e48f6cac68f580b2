/**
 * The codec's encoder: writes a value into a reusable scratch buffer in the format of
 * codec_format.ts.
 * @module
 */

import { boundPartsOf, GETSTATE } from "../reduction.ts";
import { referenceOf } from "../references.ts";
import type { TargetRef } from "../target.ts";
import { BUILTIN_PROTOTYPES, carries, classify, type Destination, type ObjectKind, throwUncloneable } from "./codec_check.ts";
import {
  FORMAT_BINARY, FORMAT_WITH_EXPORTS, T_EXPORT, T_INSTANCE, T_BOUND_METHOD, INSTANCE_BASE, INSTANCE_STATE, T_UNDEFINED, T_NULL, T_FALSE, T_TRUE, T_INT8, T_INT16, T_INT32, T_FLOAT64,
  T_BIGINT64, T_BIGINT_HEX, T_ASCII, T_UTF8, T_UTF16, T_OBJECT, T_OBJECT_OPEN, T_OBJECT_AGAIN,
  T_OBJECT_AGAIN_OPEN, T_ARRAY, T_HOLES, T_MAP, T_SET, T_DATE, T_REGEXP, T_ARRAY_BUFFER, T_VIEW,
  T_ERROR, T_REF, T_BOXED_NUMBER, T_BOXED_STRING, T_BOXED_BOOLEAN, T_BOXED_BIGINT, T_CARRIED, T_FIXASCII,
  FIXASCII_MAX, DATA_VIEW_KIND, VIEW_KIND_BY_PROTO, RECENT_SHAPES, ALIGNED_BYTES_MIN, BYTES_ALIGNMENT,
  T_PACKED_NUMBERS, PACKED_INT32, PACKED_FLOAT64, PACKED_MIN,
} from "./codec_format.ts";

const INITIAL_SCRATCH = 64 * 1024;
/** A scratch buffer grown beyond this is dropped before the next message. */
const MAX_RETAINED_SCRATCH = 4 * 1024 * 1024;
/** Objects met are found by a linear scan up to this many, then through a Map. */
const LINEAR_SEEN_LIMIT = 32;
/** Strings shorter than this are written char by char; longer ones by TextEncoder. */
const SHORT_STRING = 64;
/** Views of the scratch buffer shorter than this are reused. */
const REUSED_VIEWS = 512;

const textEncoder = new TextEncoder();
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const bigint64 = new BigInt64Array(1);
const bigint64Bytes = new Uint8Array(bigint64.buffer);

/**
 * The objects met so far in the message being encoded, by index in order of meeting, with
 * where their tag was written. Found by a linear scan while few (small messages pay almost
 * nothing for tracking), then through a Map.
 */
class SeenObjects {
  private list: (object | undefined)[] = [];
  private map: Map<object, number> | undefined;
  private count = 0;
  private partial: Set<number> | undefined;
  /** Byte position of each object's tag, to mark objects that are referred to again. */
  readonly tagAt: number[] = [];

  /** The index of `obj` if it was met before; otherwise records it (tag at `at`) and returns -1. */
  indexOf(obj: object, at: number): number {
    if (this.map === undefined) {
      const list = this.list;
      for (let i = 0; i < this.count; i++) if (list[i] === obj) return i;
      if (this.count < LINEAR_SEEN_LIMIT) {
        this.tagAt[this.count] = at;
        list[this.count++] = obj;
        return -1;
      }
      this.map = new Map();
      for (let i = 0; i < this.count; i++) this.map.set(list[i]!, i);
    }
    const index = this.map.get(obj);
    if (index !== undefined) return index;
    this.tagAt[this.count] = at;
    this.map.set(obj, this.count++);
    return -1;
  }

  /** Marks the object recorded last as a buffer of which only a view's bytes were written. */
  markLastPartial(): void {
    (this.partial ??= new Set()).add(this.count - 1);
  }

  /** True for the index of a buffer of which only a view's bytes were written. */
  isPartial(index: number): boolean {
    return this.partial !== undefined && this.partial.has(index);
  }

  /** Forgets every object (so that none is kept alive). */
  clear(): void {
    this.partial = undefined;
    const listed = Math.min(this.count, LINEAR_SEEN_LIMIT);
    for (let i = 0; i < listed; i++) this.list[i] = undefined;
    this.count = 0;
    this.map = undefined;
  }
}

/** The scratch buffer, the write position in it, and reused views of it by length. */
let out = new Uint8Array(INITIAL_SCRATCH);
let pos = 0;
const scratchViews: Uint8Array[] = [];
let encoding = false;
let seen = new SeenObjects();
/** Numbers the messages, so that the recent keys of earlier messages are ignored. */
let messageCount = 0;
let message = 0;
/** The keys of this message's last object written in full, by key count (< RECENT_SHAPES). */
const recentKeys: string[][] = [];
const recentKeysMessage: number[] = new Array(RECENT_SHAPES).fill(-1);

/** Thrown inside the encoder when a value cannot cross; encode() then finds its path. */
const UNCLONEABLE = Symbol("uncloneable");
/** Thrown inside the encoder when a buffer sent in part turns up again: encode() starts over. */
const PARTLY_WRITTEN_BUFFER_MET_AGAIN = Symbol("partly written buffer met again");
/** Whether views carry their whole buffer (as structured clone does) or only the bytes they view. */
let wholeBuffers = false;
/** While {@link encodeWithRefs} runs: the number of each object carried beside the message. */
let refOf: ((carried: object) => number) | undefined;
/** Where the message goes (what it may carry beside its bytes, how a refusal advises). */
let destination: Destination = "message";
/** The functions and classes the message names by reference, in order (its exports' table). */
let exportRefs: TargetRef[] = [];

/**
 * Encodes `value` into bytes that `decode()` turns back into a copy of it, with
 * structured-clone semantics. Throws a `TypeError` that starts with the path (from `path`,
 * default "value") of the first value that cannot cross, before anything is written; its
 * advice is for `to` (default: a queue or pipe message; "redis" for the Redis backend). The
 * returned bytes may be a view of an internal scratch buffer that stays valid only until
 * the next encode() call in this thread: copy them out at once.
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * const bytes = encode({ id: 1, tags: new Set(["a"]) });
 * const copy = decode<{ id: number; tags: Set<string> }>(bytes.slice());
 * ```
 */
export function encode(value: unknown, path = "value", to?: Destination): Uint8Array {
  if (encoding) return encodeReentrant(value, path);
  encoding = true;
  if (to !== undefined) destination = to;
  if (out.length > MAX_RETAINED_SCRATCH) out = new Uint8Array(INITIAL_SCRATCH);
  try {
    return encodeMessage(value);
  } catch (error) {
    if (error === UNCLONEABLE) throwUncloneable(value, path, destination);
    throw error;
  } finally {
    seen.clear();
    if (exportRefs.length > 0) exportRefs = [];
    if (to !== undefined) destination = "message";
    encoding = false;
  }
}

/**
 * Encodes `value` as {@link encode} does, except that this library's handles,
 * `SharedArrayBuffer`s, Blobs and (for a Process's args) MessagePorts, which only
 * `postMessage` can carry, are written as the number that `numberOf` gives each: the receiver
 * gets them some other way and gives them back to {@link decodeWithRefs} by number. An
 * object met twice is numbered once. A pool's tasks (`destination` "task", the default) and a
 * Process's args and fields ("args") travel so.
 * @example
 * ```ts
 * import { decodeWithRefs, encodeWithRefs } from "./codec.ts";
 * const lock = new Lock();
 * const bytes = encodeWithRefs({ lock, n: 1 }, () => 7);
 * const copy = decodeWithRefs(bytes.slice(), (n) => (n === 7 ? lock : undefined)); // { lock, n: 1 }
 * ```
 */
export function encodeWithRefs(
  value: unknown,
  numberOf: (carried: object) => number,
  path = "value",
  to: Destination = "task",
): Uint8Array {
  refOf = numberOf;
  destination = to;
  try {
    return encode(value, path);
  } finally {
    refOf = undefined;
    destination = "message";
  }
}

/** Encodes `value`, over again with whole buffers if a buffer written in part turns up again. */
function encodeMessage(value: unknown): Uint8Array {
  try {
    return encodeMessageOnce(value, false);
  } catch (error) {
    if (error !== PARTLY_WRITTEN_BUFFER_MET_AGAIN) throw error;
    return encodeMessageOnce(value, true);
  }
}

/** Writes the format byte and `value`; views carry their whole buffer if `whole`. */
function encodeMessageOnce(value: unknown, whole: boolean): Uint8Array {
  seen.clear();
  if (exportRefs.length > 0) exportRefs = []; // a retry's: this message's table starts empty
  pos = 0;
  message = ++messageCount;
  wholeBuffers = whole;
  out[pos++] = FORMAT_BINARY;
  writeValue(value);
  if (exportRefs.length > 0) insertExportsTable();
  return scratchView(pos);
}

/**
 * Puts the table of the exports the message names before its value (which was written
 * first, as the exports are met), and marks the message as having one.
 */
function insertExportsTable(): void {
  const valueEnd = pos;
  const table = exportsTableBytes();
  ensure(table.length);
  out.copyWithin(1 + table.length, 1, valueEnd);
  out.set(table, 1);
  out[0] = FORMAT_WITH_EXPORTS;
  pos = valueEnd + table.length;
}

/** The last exports' table written: the next message naming the same exports reuses its bytes. */
let lastTable: { refs: TargetRef[]; bytes: Uint8Array } | undefined;

/** The bytes of the message's exports' table, written after its value (then taken out). */
function exportsTableBytes(): Uint8Array {
  if (lastTable !== undefined && sameRefs(lastTable.refs, exportRefs)) return lastTable.bytes;
  const valueEnd = pos;
  // The table is a message of its own: no references to the value's objects or keys.
  seen.clear();
  message = ++messageCount;
  writeValue(exportRefs);
  lastTable = { refs: exportRefs, bytes: out.slice(valueEnd, pos) };
  pos = valueEnd;
  return lastTable.bytes;
}

function sameRefs(a: TargetRef[], b: TargetRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The index of `ref` in the message's exports' table, added if new. */
function exportIndex(ref: TargetRef): number {
  const index = exportRefs.indexOf(ref);
  return index >= 0 ? index : exportRefs.push(ref) - 1;
}

/**
 * The first `length` bytes of the scratch buffer. Views of short lengths are reused (a
 * result is valid only until the next encode() anyway), which saves an allocation that
 * costs about a quarter of encoding a small object.
 */
function scratchView(length: number): Uint8Array {
  if (length >= REUSED_VIEWS) return out.subarray(0, length);
  const reused = scratchViews[length];
  if (reused !== undefined && reused.buffer === out.buffer) return reused;
  return scratchViews[length] = out.subarray(0, length);
}

/** encode() called from inside encode() (by a getter, a GETSTATE): uses its own buffer and state. */
function encodeReentrant(value: unknown, path: string): Uint8Array {
  const saved = { out, pos, seen, message, wholeBuffers, refOf, destination, exportRefs };
  out = new Uint8Array(INITIAL_SCRATCH);
  seen = new SeenObjects();
  encoding = false;
  refOf = undefined; // a getter's own encode() is a plain one
  destination = "message";
  exportRefs = [];
  try {
    return encode(value, path);
  } finally {
    ({ out, pos, seen, message, wholeBuffers, refOf, destination, exportRefs } = saved);
    encoding = true;
  }
}

function ensure(bytes: number): void {
  if (pos + bytes <= out.length) return;
  let size = out.length * 2;
  while (size < pos + bytes) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(out.subarray(0, pos));
  out = bigger;
}

function writeVarint(n: number): void {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
}

function writeUint32(n: number): void {
  out[pos++] = n & 0xff;
  out[pos++] = (n >>> 8) & 0xff;
  out[pos++] = (n >>> 16) & 0xff;
  out[pos++] = n >>> 24;
}

function writeFloat64(n: number): void {
  float64[0] = n;
  for (let i = 0; i < 8; i++) out[pos++] = float64Bytes[i];
}

function writeValue(value: unknown): void {
  ensure(16);
  switch (typeof value) {
    case "number":
      return writeNumber(value);
    case "string":
      return writeString(value);
    case "boolean":
      out[pos++] = value ? T_TRUE : T_FALSE;
      return;
    case "undefined":
      out[pos++] = T_UNDEFINED;
      return;
    case "object":
      if (value === null) out[pos++] = T_NULL;
      else writeObject(value);
      return;
    case "bigint":
      return writeBigInt(value);
    case "function":
      return writeFunction(value);
    default:
      throw UNCLONEABLE;
  }
}

/** A function or class: by reference, or a {@link boundMethod} as its object and method name. */
// deno-lint-ignore ban-types
function writeFunction(fn: Function): void {
  const bound = boundPartsOf(fn);
  if (bound !== undefined) {
    out[pos++] = T_BOUND_METHOD;
    writeValue(bound.obj);
    return writeString(bound.name);
  }
  const ref = referenceOf(fn);
  if (ref === undefined) throw UNCLONEABLE;
  out[pos++] = T_EXPORT;
  writeVarint(exportIndex(ref));
}

function writeNumber(n: number): void {
  if ((n | 0) === n && (n !== 0 || 1 / n > 0)) {
    if (n >= 0 && n < 0x80) {
      out[pos++] = n;
    } else if (n >= -0x80 && n < 0x80) {
      out[pos++] = T_INT8;
      out[pos++] = n & 0xff;
    } else if (n >= -0x8000 && n < 0x8000) {
      out[pos++] = T_INT16;
      out[pos++] = n & 0xff;
      out[pos++] = (n >> 8) & 0xff;
    } else {
      out[pos++] = T_INT32;
      writeUint32(n);
    }
    return;
  }
  out[pos++] = T_FLOAT64;
  writeFloat64(n);
}

function writeBigInt(n: bigint): void {
  if (BigInt.asIntN(64, n) === n) {
    out[pos++] = T_BIGINT64;
    bigint64[0] = n;
    for (let i = 0; i < 8; i++) out[pos++] = bigint64Bytes[i];
    return;
  }
  out[pos++] = T_BIGINT_HEX;
  out[pos++] = n < 0n ? 1 : 0;
  writeString((n < 0n ? -n : n).toString(16));
}

function writeString(s: string): void {
  const length = s.length;
  if (length >= SHORT_STRING) return writeLongString(s);
  ensure(length * 3 + 8);
  const start = pos;
  if (length <= FIXASCII_MAX) {
    out[pos++] = T_FIXASCII + length;
  } else {
    out[pos++] = T_ASCII;
    out[pos++] = length; // < SHORT_STRING <= 0x7f: a one-byte varint
  }
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      pos = start;
      return writeShortUnicodeString(s);
    }
    out[pos++] = c;
  }
}

function writeShortUnicodeString(s: string): void {
  if (!s.isWellFormed()) return writeUtf16(s);
  out[pos++] = T_UTF8;
  const lengthAt = pos;
  pos += 4;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c >= 0xe000) {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[pos++] = 0xf0 | (c >> 18);
      out[pos++] = 0x80 | ((c >> 12) & 0x3f);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  patchUint32(lengthAt, pos - lengthAt - 4);
}

function writeLongString(s: string): void {
  if (!s.isWellFormed()) return writeUtf16(s);
  ensure(s.length * 3 + 8);
  out[pos++] = T_UTF8;
  const { written } = textEncoder.encodeInto(s, out.subarray(pos + 4));
  writeUint32(written);
  pos += written;
}

/** Strings with lone surrogates (which UTF-8 cannot carry) travel as UTF-16 code units. */
function writeUtf16(s: string): void {
  ensure(s.length * 2 + 8);
  out[pos++] = T_UTF16;
  writeUint32(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[pos++] = c & 0xff;
    out[pos++] = c >> 8;
  }
}

function patchUint32(at: number, n: number): void {
  const end = pos;
  pos = at;
  writeUint32(n);
  pos = end;
}

function writeObject(obj: object): void {
  const index = seen.indexOf(obj, pos);
  if (index >= 0) {
    if (seen.isPartial(index)) throw PARTLY_WRITTEN_BUFFER_MET_AGAIN;
    return writeRef(index);
  }
  if (Array.isArray(obj)) {
    // A plain array is told from an instance of a subclass by its constructor: asking for its
    // prototype (Object.getPrototypeOf) made encoding nested arrays 28% slower (Deno).
    if ((obj as { constructor?: unknown }).constructor === Array) return writeArray(obj);
    return writeSpecialObject(obj, Object.getPrototypeOf(obj));
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto === Object.prototype || proto === null) return writePlainObject(obj as Record<string, unknown>);
  writeSpecialObject(obj, proto);
}

function writeRef(index: number): void {
  // A plain object referred to again may be inside itself: the decoder must create it first.
  const tagAt = seen.tagAt[index];
  if (out[tagAt] === T_OBJECT) out[tagAt] = T_OBJECT_OPEN;
  else if (out[tagAt] === T_OBJECT_AGAIN) out[tagAt] = T_OBJECT_AGAIN_OPEN;
  out[pos++] = T_REF;
  writeVarint(index);
}

function writePlainObject(obj: Record<string, unknown>): void {
  writeFields(obj, Object.keys(obj));
}

/** Writes `keys` of `obj` and their values as a T_OBJECT (or T_OBJECT_AGAIN) body. */
function writeFields(obj: Record<string, unknown>, keys: string[]): void {
  const count = keys.length;
  if (count < RECENT_SHAPES && recentKeysMessage[count] === message && sameKeys(keys, recentKeys[count])) {
    out[pos++] = T_OBJECT_AGAIN;
    out[pos++] = count;
  } else {
    out[pos++] = T_OBJECT;
    writeVarint(count);
    for (let i = 0; i < count; i++) writeString(keys[i]);
    if (count < RECENT_SHAPES) {
      recentKeys[count] = keys;
      recentKeysMessage[count] = message;
    }
  }
  for (let i = 0; i < count; i++) writeValue(obj[keys[i]]);
}

function sameKeys(keys: string[], recent: string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (keys[i] !== recent[i]) return false;
  return true;
}

function writeArray(arr: unknown[]): void {
  const length = arr.length;
  if (length >= PACKED_MIN) {
    const kind = packedKind(arr);
    if (kind !== undefined) return writePackedNumbers(arr as number[], kind);
  }
  out[pos++] = T_ARRAY;
  writeVarint(length);
  for (let i = 0; i < length; i++) {
    const item = arr[i];
    if (item === undefined && !(i in arr)) return writeSparseTail(arr, i);
    writeValue(item);
  }
}

/**
 * {@link PACKED_INT32} when every item of `arr` is an int32 (and no -0), {@link PACKED_FLOAT64}
 * when every item is a number, else undefined (a hole is no number: it stops the scan).
 */
function packedKind(arr: unknown[]): number | undefined {
  let ints = true;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (typeof x !== "number") return undefined;
    if (ints && ((x | 0) !== x || (x === 0 && 1 / x < 0))) ints = false;
  }
  return ints ? PACKED_INT32 : PACKED_FLOAT64;
}

/** Writes `arr` (numbers of `kind`, see T_PACKED_NUMBERS) by one native copy. */
function writePackedNumbers(arr: number[], kind: number): void {
  const width = kind === PACKED_INT32 ? 4 : 8;
  const length = arr.length;
  ensure(length * width + 16 + width);
  out[pos++] = T_PACKED_NUMBERS;
  out[pos++] = kind;
  writeVarint(length);
  const pad = (width - ((pos + 1) % width)) % width;
  out[pos++] = pad;
  out.fill(0, pos, pos + pad);
  pos += pad;
  if (kind === PACKED_INT32) new Int32Array(out.buffer, pos, length).set(arr);
  else new Float64Array(out.buffer, pos, length).set(arr);
  pos += length * width;
}

/** Writes the items of `arr` from index `from` (a hole) on, visiting only those present. */
function writeSparseTail(arr: unknown[], from: number): void {
  let next = from;
  for (const key of Object.keys(arr)) {
    const index = Number(key);
    if (!(index >= next) || String(index) !== key) continue; // earlier, or not an index
    writeHoles(index - next);
    writeValue(arr[index]);
    next = index + 1;
  }
  writeHoles(arr.length - next);
}

function writeHoles(count: number): void {
  if (count === 0) return;
  ensure(8);
  out[pos++] = T_HOLES;
  writeVarint(count);
}

/** An object that is not a plain object or array: a built-in, a view, an instance, or a refusal. */
function writeSpecialObject(obj: object, proto: object): void {
  if (BUILTIN_PROTOTYPES.has(proto)) return writeBuiltin(obj);
  // Node's Buffer, and other subclasses of views, cross as their built-in view (as structured clone).
  if (ArrayBuffer.isView(obj)) return writeView(obj);
  const kind = classify(obj, proto);
  switch (kind.kind) {
    case "instance":
      return writeInstance(obj, kind);
    case "carried":
      if (refOf === undefined || !carries(destination, obj)) throw UNCLONEABLE;
      return writeCarried(obj);
    case "error":
      return writeError(obj as Error);
    case "plain":
      return Array.isArray(obj) ? writeArray(obj) : writePlainObject(obj as Record<string, unknown>);
    default:
      throw UNCLONEABLE;
  }
}

/**
 * An instance of an exported class: the class by reference, then (for a subclass of a
 * built-in) the built-in's contents, then its own fields or its GETSTATE's state.
 */
function writeInstance(obj: object, kind: Extract<ObjectKind, { kind: "instance" }>): void {
  out[pos++] = T_INSTANCE;
  writeVarint(exportIndex(kind.cls));
  out[pos++] = (kind.base !== null ? INSTANCE_BASE : 0) | (kind.getState ? INSTANCE_STATE : 0);
  if (kind.base !== null) writeBuiltin(obj);
  if (kind.getState) return writeValue((obj as { [GETSTATE](): unknown })[GETSTATE]());
  ensure(16);
  const keys = Object.keys(obj);
  writeFields(obj as Record<string, unknown>, Array.isArray(obj) ? keys.filter((key) => String(Number(key)) !== key) : keys);
}

/** A built-in (or an instance's built-in base), by its own tag. */
function writeBuiltin(obj: object): void {
  if (Array.isArray(obj)) return writeArray(obj);
  if (obj instanceof Map) return writeMap(obj);
  if (obj instanceof Set) return writeSet(obj);
  if (obj instanceof Date) {
    out[pos++] = T_DATE;
    return writeFloat64(obj.getTime());
  }
  if (ArrayBuffer.isView(obj)) return writeView(obj);
  if (obj instanceof ArrayBuffer) return writeArrayBuffer(obj);
  if (obj instanceof RegExp) {
    out[pos++] = T_REGEXP;
    writeString(obj.source);
    return writeString(obj.flags);
  }
  if (obj instanceof Error) return writeError(obj);
  if (obj instanceof Number) {
    out[pos++] = T_BOXED_NUMBER;
    return writeFloat64(obj.valueOf());
  }
  if (obj instanceof String) {
    out[pos++] = T_BOXED_STRING;
    return writeString(obj.valueOf());
  }
  if (obj instanceof Boolean) {
    out[pos++] = T_BOXED_BOOLEAN;
    out[pos++] = obj.valueOf() ? 1 : 0;
    return;
  }
  if (obj instanceof BigInt) {
    out[pos++] = T_BOXED_BIGINT;
    return writeBigInt(obj.valueOf());
  }
  throw UNCLONEABLE; // not a built-in after all (a Symbol object)
}

function writeCarried(obj: object): void {
  out[pos++] = T_CARRIED;
  writeVarint(refOf!(obj));
}

function writeMap(map: Map<unknown, unknown>): void {
  out[pos++] = T_MAP;
  writeVarint(map.size);
  for (const [key, item] of map) {
    writeValue(key);
    writeValue(item);
  }
}

function writeSet(set: Set<unknown>): void {
  out[pos++] = T_SET;
  writeVarint(set.size);
  for (const item of set) writeValue(item);
}

function writeArrayBuffer(buffer: ArrayBuffer): void {
  writeBufferBytes(new Uint8Array(buffer));
}

/** Writes `bytes` as a T_ARRAY_BUFFER. */
function writeBufferBytes(bytes: Uint8Array): void {
  const length = bytes.length;
  ensure(length + 8 + BYTES_ALIGNMENT);
  out[pos++] = T_ARRAY_BUFFER;
  writeVarint(length);
  if (length >= ALIGNED_BYTES_MIN) {
    const pad = (bytes.byteOffset - pos - 1) & (BYTES_ALIGNMENT - 1);
    out[pos++] = pad;
    out.fill(0, pos, pos + pad);
    pos += pad;
  }
  out.set(bytes, pos);
  pos += length;
}

/**
 * A view of part of a buffer carries only the bytes it views (arriving at byteOffset 0):
 * a small Node Buffer would otherwise carry its whole 8 KiB pool. If the message holds
 * the buffer again (itself, or another view of it), encode() starts over with whole
 * buffers, keeping offsets and sharing as structured clone does.
 */
function writeView(view: ArrayBufferView): void {
  const kind = VIEW_KIND_BY_PROTO.get(viewPrototype(view));
  const buffer = view.buffer;
  // A view of shared memory travels with its buffer carried beside the message, if it can be.
  const shared = buffer instanceof SharedArrayBuffer;
  if (kind === undefined || (shared && (refOf === undefined || !carries(destination, buffer)))) throw UNCLONEABLE;
  out[pos++] = T_VIEW;
  out[pos++] = kind;
  let byteOffset = view.byteOffset;
  if (wholeBuffers || shared || (byteOffset === 0 && view.byteLength === buffer.byteLength)) {
    writeValue(buffer);
  } else {
    if (seen.indexOf(buffer, pos) >= 0) throw PARTLY_WRITTEN_BUFFER_MET_AGAIN;
    seen.markLastPartial();
    writeBufferBytes(new Uint8Array(buffer, byteOffset, view.byteLength));
    byteOffset = 0;
  }
  ensure(16);
  writeVarint(byteOffset);
  writeVarint(kind === DATA_VIEW_KIND ? view.byteLength : (view as Uint8Array).length);
}

/** The built-in prototype of a view (the nearest one, for subclasses). */
function viewPrototype(view: ArrayBufferView): object {
  let proto = Object.getPrototypeOf(view);
  while (proto !== null && !VIEW_KIND_BY_PROTO.has(proto)) proto = Object.getPrototypeOf(proto);
  return proto;
}

function writeError(error: Error): void {
  out[pos++] = T_ERROR;
  writeString(String(error.name));
  writeString(String(error.message));
  if (typeof error.stack === "string") writeString(error.stack);
  else writeValue(undefined);
  ensure(1);
  const hasCause = Object.hasOwn(error, "cause");
  out[pos++] = hasCause ? 1 : 0;
  if (hasCause) writeValue(error.cause);
}
