/**
 * What cannot cross to another process, and where it is: the codec's refusals, with the path
 * of the offending value (see codec.ts for the path notation).
 * @module
 */

import { isShareable } from "../handles.ts";

const ADVICE = "pass data (structured-clonable values) or this library's handles";

/**
 * Where a value is going: a Process's args (posted: they carry what `postMessage` does), a
 * queue or pipe message (bytes), a pool task's arguments (bytes, with what only `postMessage`
 * carries beside them, see {@link isCarriedBeside}), a pool task's result (bytes), or a
 * Redis server (bytes, to other hosts: no shared memory).
 */
export type Destination = "args" | "message" | "task" | "result" | "redis";

/** Why a value that only `postMessage` carries cannot go to a destination of bytes, and what to do. */
const NOT_AS_BYTES: Record<Exclude<Destination, "args">, { cannot: string; shared?: string }> = {
  message: {
    cannot: "cannot be copied into a queue or pipe message",
    shared: "pass it in a Process's args instead, or in the arguments of a Pool task",
  },
  task: { cannot: "cannot be sent to a pool task" },
  result: {
    cannot: "cannot be returned by a pool task",
    shared: "create it in the parent and pass it to the task in its arguments instead",
  },
  redis: {
    cannot: "cannot be sent through Redis",
    shared: "shared memory and this library's local handles work within one machine; send the data itself",
  },
};

// Objects postMessage refuses (or that have internal state we cannot represent), by global name.
const HOST_CLASS_NAMES = [
  "Promise",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "EventTarget",
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
const HOST_CLASS_NAME_SET = new Set(HOST_CLASS_NAMES);

/**
 * The host class (by global name) that `value` is an instance of, if any. The globals are
 * looked up only for a prototype of that name: on Node, merely reading `globalThis.Request`
 * or `globalThis.ReadableStream` loads their implementation (~30 ms on a worker's start).
 */
function hostClassOf(value: object): string | undefined {
  for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name: unknown = proto.constructor?.name;
    if (typeof name !== "string" || !HOST_CLASS_NAME_SET.has(name)) continue;
    const host = (globalThis as Record<string, unknown>)[name];
    if (typeof host === "function" && value instanceof host) return name;
  }
  return undefined;
}
const REFUSED_TAGS = new Set(["Arguments", "Generator", "AsyncGenerator", "Iterator Helper"]);

/** Advice for the kinds of values that need a specific suggestion. */
const ADVICE_BY_KIND: Record<string, string> = {
  "a function": `${ADVICE}, and look functions up by name in the child`,
  "a Promise": `await it and pass the result`,
};

/**
 * Why `value` (not a plain object or array) cannot go to `destination`, as "a <kind> and
 * cannot …: advice", or undefined when it can.
 */
export function refusalOf(value: unknown, destination: Destination): string | undefined {
  if (typeof value === "function") return describe("a function");
  if (typeof value === "symbol") return describe("a symbol");
  if (typeof value !== "object" || value === null) return undefined;
  if (isShareable(value)) return sharedRefusal(`a shareable handle (${value.constructor?.name ?? "object"})`, destination);
  if (value instanceof SharedArrayBuffer) return sharedRefusal("a SharedArrayBuffer", destination);
  if (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer) {
    return sharedRefusal(`${withArticle(value.constructor.name)} over a SharedArrayBuffer`, destination);
  }
  if (value instanceof Symbol) return describe("a Symbol object");
  if (isBlob(value) && destination !== "args" && destination !== "task") {
    // postMessage carries a Blob, but its bytes can only be read asynchronously.
    return `a Blob and ${NOT_AS_BYTES[destination].cannot}: pass its bytes (await blob.arrayBuffer())`;
  }
  const host = hostClassOf(value);
  if (host !== undefined) return describe(withArticle(host === "EventTarget" ? value.constructor?.name ?? host : host));
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (REFUSED_TAGS.has(tag) || tag.endsWith(" Iterator")) return describe(withArticle(tag));
  return undefined;
}

/**
 * True for what only `postMessage` carries and a pool task's bytes carry beside them (see
 * `encodeWithRefs`): this library's handles, SharedArrayBuffers, Blobs.
 */
export function isCarriedBeside(value: object): boolean {
  return isShareable(value) || value instanceof SharedArrayBuffer || isBlob(value);
}

function isBlob(value: object): boolean {
  return typeof Blob === "function" && value instanceof Blob;
}

/** Why shared memory or a handle (`what`) cannot go to `destination`; undefined where it travels. */
function sharedRefusal(what: string, destination: Destination): string | undefined {
  if (destination === "args") return undefined;
  const { cannot, shared } = NOT_AS_BYTES[destination];
  return shared === undefined ? undefined : `${what} and ${cannot}: ${shared}`;
}

function withArticle(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

function describe(kind: string): string {
  return `${kind} and cannot be sent to another process: ${ADVICE_BY_KIND[kind] ?? ADVICE}`;
}

/**
 * Throws the `TypeError` that `encode()` would throw for `value`, without producing
 * bytes: used for a Process's args, which travel by `postMessage` (the default
 * `destination`). Unlike encode(), it then accepts `SharedArrayBuffer`s and this library's
 * shareable handles (not walked into). With another destination it refuses what encode()
 * refuses, with that destination's advice.
 * @example
 * ```ts
 * import { checkCloneable } from "./codec.ts";
 * checkCloneable([1, { name: "x" }], "args"); // fine
 * try {
 *   checkCloneable([1, () => 1], "args");
 * } catch (error) {
 *   console.log((error as TypeError).message); // "args[1] is a function and cannot be sent …"
 * }
 * ```
 */
export function checkCloneable(value: unknown, path: string, destination: Destination = "args"): void {
  const problem = findUncloneable(value, path, destination, new Set());
  if (problem !== undefined) throw new TypeError(problem);
}

export function throwUncloneable(value: unknown, path: string, destination: Destination): never {
  const problem = findUncloneable(value, path, destination, new Set()) ??
    `${path} contains a value that cannot be sent to another process: ${ADVICE}`;
  throw new TypeError(problem);
}

/** The message for the first value under `value` that cannot cross, in encoding order. */
function findUncloneable(value: unknown, path: string, destination: Destination, seen: Set<object>): string | undefined {
  if (typeof value === "function" || typeof value === "symbol") return `${path} is ${refusalOf(value, destination)}`;
  if (typeof value !== "object" || value === null || seen.has(value)) return undefined;
  seen.add(value);
  const refusal = refusalOf(value, destination);
  if (refusal !== undefined) return `${path} is ${refusal}`;
  if (isShareable(value) || value instanceof SharedArrayBuffer) return undefined;
  for (const [childPath, child] of childrenOf(value, path)) {
    const problem = findUncloneable(child, childPath, destination, seen);
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
