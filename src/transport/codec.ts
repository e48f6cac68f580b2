/**
 * The codec: turns values into bytes and back for the shared-memory queues, pipes, pools and
 * a Process's args, with structured-clone semantics (what `postMessage` accepts) plus
 * Python's pickling by reference: an exported function or class crosses as its module and
 * export name and arrives as the same export; an instance of an exported class arrives as an
 * instance of it (own fields, or its GETSTATE's state; the constructor not run); a
 * `boundMethod` as its object and method name (see reduction.ts, references.ts). Values that
 * cannot cross are refused with a `TypeError` whose message starts with the path of the
 * offending value, e.g. `item.a[1] is a function …`, before anything is written.
 *
 * Paths: object properties are `.name` (or `["odd key"]`), array items `[3]`, Map entries
 * `.get("key")` for primitive keys and `.<Map key #2>` / `.<Map value #2>` otherwise, Set
 * items `.<Set item #2>`, an Error's cause `.cause`, a view's buffer `.buffer`, an instance's
 * state `[GETSTATE]()`.
 *
 * Semantics kept from structured clone: symbol keys are dropped, holes stay holes, shared
 * references and cycles survive (inside instances too), built-in errors keep their class, an
 * error of a class that cannot be found arrives as an Error with its `name`, stack and cause
 * survive, views sharing a buffer share it on arrival. Different: a view of part of a buffer
 * that the message holds nowhere else carries only the bytes it views, and arrives at
 * byteOffset 0. Not kept: extra non-index properties of plain arrays, resizable buffers'
 * maximum length.
 *
 * Decoding a message that names exports needs their modules: a receiver that can wait calls
 * `importsFor(bytes)` first (it imports what this process lacks), one that cannot calls
 * `assertDecodableNow(bytes)` before it takes the message (see references.ts for what a
 * process can have synchronously).
 *
 * A pool's tasks and a Process's args also carry this library's handles, `SharedArrayBuffer`s
 * and Blobs (and MessagePorts, for args): the codec writes each as a number (encodeWithRefs)
 * and the sender sends the objects beside the bytes, by `postMessage`, so that the receiver
 * gives them back by number (decodeWithRefs).
 *
 * Layout: codec_format.ts (the bytes), codec_encode.ts, codec_decode.ts, codec_check.ts
 * (what crosses how, refusals and paths).
 * @module
 */

export { checkCloneable, type Destination } from "./codec_check.ts";
export {
  assertDecodableNow,
  decode,
  decodeReceived,
  decodeSoon,
  decodeWithRefs,
  exportsOf,
  importsFor,
  type Received,
} from "./codec_decode.ts";
export { encode, encodeWithRefs } from "./codec_encode.ts";
