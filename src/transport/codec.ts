/**
 * The codec: turns values into bytes and back for the shared-memory queues and pipes, with
 * structured-clone semantics (what `postMessage` accepts), and checks that Process args can
 * cross. Values that cannot cross are refused with a `TypeError` whose message starts with
 * the path of the offending value, e.g. `item.a[1] is a function …`, before anything is
 * written.
 *
 * Paths: object properties are `.name` (or `["odd key"]`), array items `[3]`, Map entries
 * `.get("key")` for primitive keys and `.<Map key #2>` / `.<Map value #2>` otherwise, Set
 * items `.<Set item #2>`, an Error's cause `.cause`, a view's buffer `.buffer`.
 *
 * Format: a format byte ({@link FORMAT_BINARY}), then one value as a tag byte and its
 * payload. Integers 0..127 are their own tag; short ASCII strings carry their length in the
 * tag. A plain object is its key count, its keys, then its values: the decoder recognises a
 * key sequence it has met before (its "shape") from the bytes alone and builds the object in
 * one step. Every object gets an index in the order it is first met, and a later occurrence
 * of the same object is written as a reference to that index, so shared references and
 * cycles survive. Numbers and typed-array contents are in the platform's byte order
 * (little-endian wherever these runtimes run), since both ends run on the same machine.
 *
 * Semantics kept from structured clone: class instances arrive as plain objects (own
 * enumerable string keys), symbol keys are dropped, holes stay holes, Errors keep their
 * built-in class (others arrive as `Error` with their `name`), stack and cause, views
 * sharing a buffer share it on arrival. Different: a view of part of a buffer that the message
 * holds nowhere else carries only the bytes it views, and arrives at byteOffset 0. Not kept:
 * extra non-index properties of arrays, resizable buffers' maximum length.
  * @module
 */

import { Buffer } from "node:buffer";
import { isShareable } from "../handles.ts";

/** First byte of every encoded message: which format follows. */
const FORMAT_BINARY = 1;

// Tags. 0x00..0x7f: the integer itself. 0xa0..0xbf: an ASCII string of length tag - 0xa0.
const T_UNDEFINED = 0x80;
const T_NULL = 0x81;
const T_FALSE = 0x82;
const T_TRUE = 0x83;
const T_INT8 = 0x84;
const T_INT16 = 0x85;
const T_INT32 = 0x86;
const T_FLOAT64 = 0x87;
const T_BIGINT64 = 0x88;
const T_BIGINT_HEX = 0x89; // sign byte, then the magnitude as an ASCII hex string value
const T_ASCII = 0x8a; // varint length, bytes
const T_UTF8 = 0x8b; // u32 byte length, bytes
const T_UTF16 = 0x8c; // u32 code-unit count, code units (strings with lone surrogates)
const T_OBJECT = 0x8d; // varint count, then the keys (string values), then the values
const T_OBJECT_OPEN = 0x9c; // a T_OBJECT that is referred to from inside itself
const T_OBJECT_AGAIN = 0x9d; // count byte: the same keys as the message's last T_OBJECT with that count
const T_OBJECT_AGAIN_OPEN = 0x9e; // a T_OBJECT_AGAIN that is referred to from inside itself
const T_ARRAY = 0x8e; // varint length, then items, with runs of holes as T_HOLES
const T_HOLES = 0x8f; // varint count; only inside an array
const T_MAP = 0x90; // varint count, then key and value pairs
const T_SET = 0x91; // varint count, then items
const T_DATE = 0x92; // float64 time value
const T_REGEXP = 0x93; // source and flags string values
const T_ARRAY_BUFFER = 0x94; // varint byte length, bytes
const T_VIEW = 0x95; // view kind byte, buffer value, varint byteOffset, varint length
const T_ERROR = 0x96; // name, message, stack values, has-cause byte, cause value
const T_REF = 0x97; // varint index of an object met before
const T_BOXED_NUMBER = 0x98; // float64
const T_BOXED_STRING = 0x99; // string value
const T_BOXED_BOOLEAN = 0x9a; // 0 or 1
const T_BOXED_BIGINT = 0x9b; // bigint value
const T_FIXASCII = 0xa0;
const FIXASCII_MAX = 31;

/** View constructors by their kind byte in T_VIEW; the order is part of the format. */
const VIEW_KINDS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
  // Float16Array where the runtime has it; last, so the kinds before it never move.
  ...[(globalThis as Record<string, unknown>).Float16Array].filter((ctor) => typeof ctor === "function"),
] as (new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView)[];
const DATA_VIEW_KIND = VIEW_KINDS.indexOf(DataView);
const VIEW_KIND_BY_PROTO = new Map<object, number>(VIEW_KINDS.map((ctor, kind) => [ctor.prototype as object, kind]));

/** Error classes that come back as themselves; any other name comes back as an Error. */
const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

const ADVICE = "pass data (structured-clonable values) or this library's handles";
const IN_ARGS_INSTEAD = "cannot be copied into a queue or pipe message: pass it in a Process's args instead";

// Objects postMessage refuses (or that have internal state we cannot represent), by global name.
const HOST_CLASS_NAMES = [
  "Promise",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "EventTarget",
  "Blob",
  "URL",
  "URLSearchParams",
  "Headers",
  "Request",
  "Response",
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "TextEncoder",
  "TextDecoder",
];
const HOST_CLASSES = HOST_CLASS_NAMES
  .map((name) => [name, (globalThis as Record<string, unknown>)[name]] as const)
  .filter((entry): entry is readonly [string, new () => object] => typeof entry[1] === "function");
const REFUSED_TAGS = new Set(["Arguments", "Generator", "AsyncGenerator", "Iterator Helper"]);

/** Advice for the kinds of values that need a specific suggestion. */
const ADVICE_BY_KIND: Record<string, string> = {
  "a function": `${ADVICE}, and look functions up by name in the child`,
  "a Promise": `await it and pass the result`,
  "a Blob": `pass its bytes (await blob.arrayBuffer())`,
};

/**
 * Why `value` (not a plain object or array) cannot cross, as "a <kind> and cannot …: advice",
 * or undefined when it can. `toBytes` is true for queue/pipe messages, false for Process args.
 */
function refusalOf(value: unknown, toBytes: boolean): string | undefined {
  if (typeof value === "function") return describe("a function");
  if (typeof value === "symbol") return describe("a symbol");
  if (typeof value !== "object" || value === null) return undefined;
  if (isShareable(value)) {
    return toBytes ? `a shareable handle (${value.constructor?.name ?? "object"}) and ${IN_ARGS_INSTEAD}` : undefined;
  }
  if (value instanceof SharedArrayBuffer) return toBytes ? `a SharedArrayBuffer and ${IN_ARGS_INSTEAD}` : undefined;
  if (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer) {
    return toBytes ? `${withArticle(value.constructor.name)} over a SharedArrayBuffer and ${IN_ARGS_INSTEAD}` : undefined;
  }
  if (value instanceof Symbol) return describe("a Symbol object");
  for (const [name, ctor] of HOST_CLASSES) {
    if (value instanceof ctor) return describe(withArticle(name === "EventTarget" ? value.constructor?.name ?? name : name));
  }
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (REFUSED_TAGS.has(tag) || tag.endsWith(" Iterator")) return describe(withArticle(tag));
  return undefined;
}

function withArticle(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

function describe(kind: string): string {
  return `${kind} and cannot be sent to another process: ${ADVICE_BY_KIND[kind] ?? ADVICE}`;
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

const INITIAL_SCRATCH = 64 * 1024;
/** A scratch buffer grown beyond this is dropped before the next message. */
const MAX_RETAINED_SCRATCH = 4 * 1024 * 1024;
/** Objects met are found by a linear scan up to this many, then through a Map. */
const LINEAR_SEEN_LIMIT = 32;
/**
 * Objects with fewer keys than this, written again with the same keys as the message's last
 * object with as many keys, are written as T_OBJECT_AGAIN (no keys): arrays of records.
 */
const RECENT_SHAPES = 16;
/** Strings shorter than this are written char by char; longer ones by TextEncoder. */
const SHORT_STRING = 64;

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

let out = new Uint8Array(INITIAL_SCRATCH);
const REUSED_VIEWS = 512;
const scratchViews: Uint8Array[] = [];
let pos = 0;
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

/**
 * Encodes `value` into bytes that {@link decode} turns back into a copy of it, with
 * structured-clone semantics. Throws a `TypeError` that starts with the path (from `path`,
 * default "value") of the first value that cannot cross, before anything is written.
 * The returned bytes may be a view of an internal scratch buffer that stays valid only until
 * the next encode() call in this thread: copy them out at once.
 * @example
 * ```ts
 * const bytes = encode({ id: 1, tags: new Set(["a"]) });
 * const copy = decode<{ id: number; tags: Set<string> }>(bytes.slice());
 * ```
 */
export function encode(value: unknown, path = "value"): Uint8Array {
  if (encoding) return encodeReentrant(value, path);
  encoding = true;
  if (out.length > MAX_RETAINED_SCRATCH) out = new Uint8Array(INITIAL_SCRATCH);
  try {
    try {
      return encodeMessage(value, false);
    } catch (error) {
      if (error !== PARTLY_WRITTEN_BUFFER_MET_AGAIN) throw error;
      return encodeMessage(value, true);
    }
  } catch (error) {
    if (error === UNCLONEABLE) throwUncloneable(value, path, true);
    throw error;
  } finally {
    seen.clear();
    encoding = false;
  }
}

/** Writes the format byte and `value`; views carry their whole buffer if `whole`. */
function encodeMessage(value: unknown, whole: boolean): Uint8Array {
  seen.clear();
  pos = 0;
  message = ++messageCount;
  wholeBuffers = whole;
  out[pos++] = FORMAT_BINARY;
  writeValue(value);
  return scratchView(pos);
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

/** encode() called from inside encode() (by a getter): uses its own buffer and state. */
function encodeReentrant(value: unknown, path: string): Uint8Array {
  const saved = { out, pos, seen, message, wholeBuffers };
  out = new Uint8Array(INITIAL_SCRATCH);
  seen = new SeenObjects();
  encoding = false;
  try {
    return encode(value, path);
  } finally {
    ({ out, pos, seen, message, wholeBuffers } = saved);
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
    default:
      throw UNCLONEABLE;
  }
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
  if (Array.isArray(obj)) return writeArray(obj);
  const proto = Object.getPrototypeOf(obj);
  if (proto === Object.prototype || proto === null) return writePlainObject(obj as Record<string, unknown>);
  writeSpecialObject(obj);
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
  const keys = Object.keys(obj);
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
  out[pos++] = T_ARRAY;
  writeVarint(length);
  for (let i = 0; i < length; i++) {
    const item = arr[i];
    if (item === undefined && !(i in arr)) return writeSparseTail(arr, i);
    writeValue(item);
  }
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

function writeSpecialObject(obj: object): void {
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
  if (refusalOf(obj, true) !== undefined) throw UNCLONEABLE;
  // A class instance crosses as a plain object of its own enumerable fields, as with postMessage.
  writePlainObject(obj as Record<string, unknown>);
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
  ensure(length + 8);
  out[pos++] = T_ARRAY_BUFFER;
  writeVarint(length);
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
  if (kind === undefined || buffer instanceof SharedArrayBuffer) throw UNCLONEABLE;
  out[pos++] = T_VIEW;
  out[pos++] = kind;
  let byteOffset = view.byteOffset;
  if (wholeBuffers || (byteOffset === 0 && view.byteLength === buffer.byteLength)) {
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

// ---------------------------------------------------------------------------------------
// Checking (paths)
// ---------------------------------------------------------------------------------------

/**
 * Throws the `TypeError` that {@link encode} would throw for `value`, without producing
 * bytes: used for a Process's args, which travel by `postMessage`. Unlike encode(), it
 * accepts `SharedArrayBuffer`s and this library's shareable handles (not walked into).
 * @example
 * ```ts
 * checkCloneable([1, { name: "x" }], "args"); // fine
 * checkCloneable([1, () => 1], "args"); // TypeError: args[1] is a function and cannot be sent …
 * ```
 */
export function checkCloneable(value: unknown, path: string): void {
  const problem = findUncloneable(value, path, false, new Set());
  if (problem !== undefined) throw new TypeError(problem);
}

function throwUncloneable(value: unknown, path: string, toBytes: boolean): never {
  const problem = findUncloneable(value, path, toBytes, new Set()) ??
    `${path} contains a value that cannot be sent to another process: ${ADVICE}`;
  throw new TypeError(problem);
}

/** The message for the first value under `value` that cannot cross, in encoding order. */
function findUncloneable(value: unknown, path: string, toBytes: boolean, seen: Set<object>): string | undefined {
  if (typeof value === "function" || typeof value === "symbol") return `${path} is ${refusalOf(value, toBytes)}`;
  if (typeof value !== "object" || value === null || seen.has(value)) return undefined;
  seen.add(value);
  const refusal = refusalOf(value, toBytes);
  if (refusal !== undefined) return `${path} is ${refusal}`;
  if (isShareable(value) || value instanceof SharedArrayBuffer) return undefined;
  for (const [childPath, child] of childrenOf(value, path)) {
    const problem = findUncloneable(child, childPath, toBytes, seen);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The values inside `value` that encoding visits, with their paths, in encoding order. */
function* childrenOf(value: object, path: string): Generator<[string, unknown]> {
  if (Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (String(Number(key)) === key) yield [`${path}[${key}]`, value[Number(key)]];
    }
  } else if (value instanceof Map) {
    let i = 0;
    for (const [key, item] of value) {
      yield [`${path}.<Map key #${i}>`, key];
      yield [isPrimitiveKey(key) ? `${path}.get(${showKey(key)})` : `${path}.<Map value #${i}>`, item];
      i++;
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const item of value) yield [`${path}.<Set item #${i++}>`, item];
  } else if (ArrayBuffer.isView(value)) {
    yield [`${path}.buffer`, value.buffer];
  } else if (value instanceof Error) {
    if (Object.hasOwn(value, "cause")) yield [`${path}.cause`, value.cause];
  } else if (!isOpaque(value)) {
    for (const key of Object.keys(value)) yield [propertyPath(path, key), (value as Record<string, unknown>)[key]];
  }
}

/** Objects encoded whole, without visiting values inside them. */
function isOpaque(value: object): boolean {
  return value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer ||
    value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt;
}

function isPrimitiveKey(key: unknown): boolean {
  return typeof key === "string" || typeof key === "number" || typeof key === "boolean" || typeof key === "bigint";
}

function showKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  return typeof key === "bigint" ? `${key}n` : String(key);
}

function propertyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

const textDecoder = new TextDecoder();
/** ASCII strings up to this length are decoded char by char; longer ones by a native method. */
const CHAR_BY_CHAR_MAX = 8;

/**
 * Node's Buffer methods that make a string from a range of any Uint8Array's bytes, shared
 * memory included, without the per-call cost of TextDecoder (2-4x faster for short strings
 * on all three runtimes, which all implement them). Undocumented, so feature-tested: where
 * missing, TextDecoder is used.
 */
type SliceToString = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = bufferMethod("latin1Slice", "ascii~\x7f");
const utf8Slice = bufferMethod("utf8Slice", "utf-8 \u00e9\u65e5\u{1f600}");

/** Buffer.prototype[name] if it decodes `sample` from a range of a shared Uint8Array. */
function bufferMethod(name: string, sample: string): SliceToString | undefined {
  const method = (Buffer.prototype as unknown as Record<string, unknown>)[name];
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
let inputIsShared = false;
const objects: unknown[] = [];

/**
 * Decodes bytes produced by {@link encode} (in any process or runtime). `bytes` may be
 * reused by the caller once decode() returns: nothing in the result refers to it. Bytes
 * after the encoded value are ignored, so a reused receive buffer can be passed whole.
 * @example
 * ```ts
 * const value = decode<Map<string, number>>(encode(new Map([["a", 1]])));
 * value.get("a"); // 1
 * ```
 */
export function decode<T = unknown>(bytes: Uint8Array): T {
  if (bytes[0] !== FORMAT_BINARY) {
    throw new TypeError(`cannot decode: the bytes do not start with a known format byte (got ${bytes[0]})`);
  }
  // Decoding runs no user code, so this state cannot be re-entered.
  input = bytes;
  at = 1;
  decodeCount++;
  inputIsShared = bytes.buffer instanceof SharedArrayBuffer;
  try {
    const value = readValue() as T;
    if (at > bytes.length) throw new TypeError(`cannot decode: the bytes end early (${bytes.length} of at least ${at})`);
    return value;
  } finally {
    objects.length = 0;
    input = EMPTY;
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
      return remember(readBytes(readVarint()).buffer);
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
    default:
      throw new TypeError(`cannot decode: unknown tag ${tag} at byte ${at - 1} (corrupt or foreign bytes)`);
  }
}

function remember<T>(obj: T): T {
  objects.push(obj);
  return obj;
}

function readString(tag: number): string {
  if (tag >= T_FIXASCII && tag <= T_FIXASCII + FIXASCII_MAX) return readAscii(tag - T_FIXASCII);
  if (tag === T_ASCII) return readAscii(readVarint());
  if (tag === T_UTF8) return readUtf8(readUint32());
  if (tag === T_UTF16) return readUtf16(readUint32());
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
  const start = at;
  at += length;
  if (slice !== undefined) return slice.call(input, start, at);
  // TextDecoder refuses (or is slow on) views of shared memory: decode a private copy.
  return textDecoder.decode(inputIsShared ? input.slice(start, at) : input.subarray(start, at));
}

function readUtf16(units: number): string {
  let s = "";
  for (let i = 0; i < units; i++, at += 2) s += String.fromCharCode(input[at] | (input[at + 1] << 8));
  return s;
}

/** An object key: short ASCII keys come from the key cache. */
function readKey(): string {
  const tag = input[at++];
  let length: number;
  if (tag >= T_FIXASCII && tag <= T_FIXASCII + FIXASCII_MAX) length = tag - T_FIXASCII;
  else return readString(tag);
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
    const count = readVarint();
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

function readMap(): Map<unknown, unknown> {
  const count = readVarint();
  const map = remember(new Map());
  for (let i = 0; i < count; i++) {
    const key = readValue();
    map.set(key, readValue());
  }
  return map;
}

function readSet(): Set<unknown> {
  const count = readVarint();
  const set = remember(new Set());
  for (let i = 0; i < count; i++) set.add(readValue());
  return set;
}

/** A private copy of the next `length` input bytes. */
function readBytes(length: number): Uint8Array {
  const copy = input.slice(at, at + length);
  at += length;
  return copy;
}

function readView(): ArrayBufferView {
  const Kind = VIEW_KINDS[input[at++]];
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
