/**
 * What cannot cross to another process, and where it is: the codec's refusals, with the path
 * of the offending value (see codec.ts for the path notation).
 * @module
 */

import { isShareable } from "../handles.ts";

const ADVICE = "pass data (structured-clonable values) or this library's handles";
const IN_ARGS_INSTEAD =
  "cannot be copied into a queue or pipe message: pass it in a Process's args instead (for pool tasks: in the Pool's initargs)";

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
 * Why `value` (not a plain object or array) cannot cross, as "a <kind> and cannot …: advice",
 * or undefined when it can. `toBytes` is true for queue/pipe messages, false for Process args.
 */
export function refusalOf(value: unknown, toBytes: boolean): string | undefined {
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
  if (typeof Blob === "function" && value instanceof Blob) {
    // postMessage carries a Blob, but its bytes can only be read asynchronously.
    return toBytes ? "a Blob and cannot be copied into a queue or pipe message: pass its bytes (await blob.arrayBuffer())" : undefined;
  }
  const host = hostClassOf(value);
  if (host !== undefined) return describe(withArticle(host === "EventTarget" ? value.constructor?.name ?? host : host));
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

/**
 * Throws the `TypeError` that `encode()` would throw for `value`, without producing
 * bytes: used for a Process's args, which travel by `postMessage`. Unlike encode(), it
 * accepts `SharedArrayBuffer`s and this library's shareable handles (not walked into).
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
export function checkCloneable(value: unknown, path: string): void {
  const problem = findUncloneable(value, path, false, new Set());
  if (problem !== undefined) throw new TypeError(problem);
}

export function throwUncloneable(value: unknown, path: string, toBytes: boolean): never {
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
