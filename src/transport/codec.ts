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
 * Semantics kept from structured clone: class instances arrive as plain objects (own
 * enumerable string keys), symbol keys are dropped, holes stay holes, shared references and
 * cycles survive, Errors keep their built-in class (others arrive as `Error` with their
 * `name`; this library's errors keep their class too), stack and cause, views sharing a
 * buffer share it on arrival. Different: a view of part of a buffer that the message holds
 * nowhere else carries only the bytes it views, and arrives at byteOffset 0. Not kept: extra
 * non-index properties of arrays, resizable buffers' maximum length.
 *
 * A pool's tasks also carry this library's handles, `SharedArrayBuffer`s and Blobs: the
 * codec writes each as a number (encodeWithRefs) and the pool sends the objects beside the
 * bytes, by `postMessage`, so that the worker gives them back by number (decodeWithRefs).
 *
 * Layout: codec_format.ts (the bytes), codec_encode.ts, codec_decode.ts, codec_check.ts
 * (refusals and paths).
 * @module
 */

export { checkCloneable, type Destination } from "./codec_check.ts";
export { decode, decodeWithRefs } from "./codec_decode.ts";
export { encode, encodeWithRefs } from "./codec_encode.ts";
