/**
 * The codec's byte format, shared by its encoder and decoder: a format byte
 * ({@link FORMAT_BINARY}), then one value as a tag byte and its payload. Integers 0..127 are
 * their own tag; short ASCII strings carry their length in the tag. A plain object is its key
 * count, its keys, then its values (or, for records repeating the previous keys, only the
 * values): the decoder recognises a key sequence it has met before (its "shape") from the
 * bytes alone and builds the object in one step. Every object gets an index in the order it
 * is first met, and a later occurrence of the same object is written as a reference to that
 * index, so shared references and cycles survive. Numbers and typed-array contents are in the
 * platform's byte order (little-endian wherever these runtimes run), since both ends run on
 * the same machine.
 *
 * Functions and classes cross by reference (see references.ts): a message that holds any
 * starts with {@link FORMAT_WITH_EXPORTS} and the table of the exports it names (an array
 * of `TargetRef`s, written as a value), which a receiver can read, and import, before it
 * decodes (or takes) the message; then T_EXPORT, T_INSTANCE and T_BOUND_METHOD name an
 * export by its index in that table.
 * @module
 */

/** First byte of every encoded message: which format follows. */
export const FORMAT_BINARY = 1;
/** First byte of a message that names exports: then the exports' table, then the value. */
export const FORMAT_WITH_EXPORTS = 2;

// Tags. 0x00..0x7f: the integer itself. 0xa0..0xbf: an ASCII string of length tag - 0xa0.
export const T_UNDEFINED = 0x80;
export const T_NULL = 0x81;
export const T_FALSE = 0x82;
export const T_TRUE = 0x83;
export const T_INT8 = 0x84;
export const T_INT16 = 0x85;
export const T_INT32 = 0x86;
export const T_FLOAT64 = 0x87;
export const T_BIGINT64 = 0x88;
export const T_BIGINT_HEX = 0x89; // sign byte, then the magnitude as an ASCII hex string value
export const T_ASCII = 0x8a; // varint length, bytes
export const T_UTF8 = 0x8b; // u32 byte length, bytes
export const T_UTF16 = 0x8c; // u32 code-unit count, code units (strings with lone surrogates)
export const T_OBJECT = 0x8d; // varint count, then the keys (string values), then the values
export const T_OBJECT_OPEN = 0x9c; // a T_OBJECT that is referred to from inside itself
export const T_OBJECT_AGAIN = 0x9d; // count byte: the same keys as the message's last T_OBJECT with that count
export const T_OBJECT_AGAIN_OPEN = 0x9e; // a T_OBJECT_AGAIN that is referred to from inside itself
export const T_ARRAY = 0x8e; // varint length, then items, with runs of holes as T_HOLES
export const T_HOLES = 0x8f; // varint count; only inside an array
export const T_MAP = 0x90; // varint count, then key and value pairs
export const T_SET = 0x91; // varint count, then items
export const T_DATE = 0x92; // float64 time value
export const T_REGEXP = 0x93; // source and flags string values
export const T_ARRAY_BUFFER = 0x94; // varint byte length, [pad count byte, pad bytes: see ALIGNED_BYTES_MIN], bytes
/**
 * Buffers of at least this many bytes have a pad count byte and that many zero bytes before
 * their bytes, chosen so that the bytes sit at the source's offset modulo
 * {@link BYTES_ALIGNMENT}. Why: a large copy whose target is a few bytes (1–63) past its
 * source modulo 4096 is 10–20 times slower (measured: 64 KiB in 37 µs instead of 2 µs on Deno
 * and Bun, on this AMD machine), and buffers this large usually start on a page boundary.
 */
export const ALIGNED_BYTES_MIN = 4096;
/** See {@link ALIGNED_BYTES_MIN}. */
export const BYTES_ALIGNMENT = 64;
export const T_VIEW = 0x95; // view kind byte, buffer value, varint byteOffset, varint length
export const T_ERROR = 0x96; // name, message, stack values, has-cause byte, cause value
export const T_REF = 0x97; // varint index of an object met before
export const T_BOXED_NUMBER = 0x98; // float64
export const T_BOXED_STRING = 0x99; // string value
export const T_BOXED_BOOLEAN = 0x9a; // 0 or 1
export const T_BOXED_BIGINT = 0x9b; // bigint value
export const T_CARRIED = 0x9f; // varint: an object carried beside the message (see encodeWithRefs)
export const T_FIXASCII = 0xa0;
export const FIXASCII_MAX = 31;
export const T_EXPORT = 0xc0; // varint export index: the function or class itself
/**
 * varint export index (the class), flags byte ({@link INSTANCE_BASE}, {@link INSTANCE_STATE}),
 * [the built-in base's value], then the own fields (a T_OBJECT or T_OBJECT_AGAIN body that
 * is no object of its own) or the state value.
 */
export const T_INSTANCE = 0xc1;
export const T_BOUND_METHOD = 0xc2; // the object value, the method name string
/**
 * An array of at least {@link PACKED_MIN} numbers and nothing else (no holes): a kind byte
 * ({@link PACKED_INT32} or {@link PACKED_FLOAT64}), varint length, pad count byte and that many
 * zero bytes (the values then sit at a multiple of their width in the encoder's buffer), then
 * the values in the platform's byte order. Both ends copy them with native typed-array code
 * instead of a tag per item: a pool's chunk of 10k numbers crosses ~10x faster while the JIT
 * has not compiled the codec yet (a program's first `Pool.map`), ~2x once it has.
 */
export const T_PACKED_NUMBERS = 0xc3;
export const PACKED_INT32 = 0;
export const PACKED_FLOAT64 = 1;
/** Shorter arrays of numbers are written item by item (as small as that, and as fast). */
export const PACKED_MIN = 32;
/** T_INSTANCE flag: the class extends a built-in (Map, Error…), whose value comes first. */
export const INSTANCE_BASE = 1;
/** T_INSTANCE flag: a state value (the class's GETSTATE) instead of the own fields. */
export const INSTANCE_STATE = 2;

/** View constructors by their kind byte in T_VIEW; the order is part of the format. */
export const VIEW_KINDS = [
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
export const DATA_VIEW_KIND = VIEW_KINDS.indexOf(DataView);
export const VIEW_KIND_BY_PROTO = new Map<object, number>(VIEW_KINDS.map((ctor, kind) => [ctor.prototype as object, kind]));

/**
 * The built-in error classes, which T_ERROR names: an error of one of them comes back as
 * one. An error of a class exported from a module (this library's included) crosses as an
 * instance of it; an error of a class that cannot be found comes back as the Error of its
 * nearest built-in class, with its name (as structured clone does).
 */
export const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/**
 * Objects with fewer keys than this, written again with the same keys as the message's last
 * object with as many keys, are written as T_OBJECT_AGAIN (no keys): arrays of records.
 */
export const RECENT_SHAPES = 16;
