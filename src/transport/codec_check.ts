/**
 * What can cross to another process, and how: the codec's classification of objects that are
 * not plain objects or arrays (by prototype, cached per class), its refusals, and the path of
 * the offending value in a refusal (see codec.ts for the path notation).
 * @module
 */

import { isShareable } from "../handles.ts";
import { GETSTATE, boundPartsOf } from "../reduction.ts";
import { instanceRefusal, notExported, referenceOf, whyNotFound } from "../references.ts";
import type { TargetRef } from "../target.ts";
import { ERROR_CLASSES } from "./codec_format.ts";

const ADVICE = "pass data (structured-clonable values, exported functions and classes) or this library's handles";

/**
 * Where a value is going: a Process's args (bytes, with what only `postMessage` carries
 * beside them, moved or shared: handles, SharedArrayBuffers, Blobs, MessagePorts), a queue
 * or pipe message (bytes), a pool task's arguments (bytes, with handles, SharedArrayBuffers
 * and Blobs beside them, see {@link isCarriedBeside}), a pool task's result (bytes), or a
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

/** The built-in classes whose instances the codec writes with a tag of their own, by prototype. */
export const BUILTIN_PROTOTYPES: ReadonlySet<object> = new Set<object>(
  [Map, Set, Date, RegExp, ArrayBuffer, Array, Number, String, Boolean, BigInt, ...Object.values(ERROR_CLASSES)]
    .map((cls) => cls.prototype),
);

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
  "a Promise": "await it and pass the result",
  "a WeakMap": "copy what the other process needs into a Map",
  "a WeakSet": "copy what the other process needs into a Set",
};

/**
 * Why `value` cannot go to `destination`, as "a <kind> and cannot …: advice" (or "a
 * function … that is not exported …"), or undefined when it can.
 */
export function refusalOf(value: unknown, destination: Destination): string | undefined {
  if (typeof value === "function") {
    return boundPartsOf(value) !== undefined || referenceOf(value) !== undefined ? undefined : whyNotFound(value);
  }
  if (typeof value === "symbol") return describe("a symbol");
  if (typeof value !== "object" || value === null) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || BUILTIN_PROTOTYPES.has(proto)) return undefined;
  if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof SharedArrayBuffer)) return undefined;
    return sharedRefusal(`${withArticle(value.constructor.name)} over a SharedArrayBuffer`, destination);
  }
  const kind = classify(value, proto);
  if (kind.kind === "carried") return carriedRefusal(value, destination);
  return kind.kind === "refused" ? kind.reason : undefined;
}

/**
 * What an object that is not a plain object, array, view or exact built-in is to the codec:
 * - "instance": an instance of a class found by reference (see references.ts);
 * - "carried": what only `postMessage` carries (this library's handles, SharedArrayBuffers,
 *   Blobs, MessagePorts), which some destinations carry beside the bytes;
 * - "error": an error of a class that cannot be found, which crosses as structured clone
 *   sends errors (its built-in class by name, with its name);
 * - "plain": a plain object or array of another realm (`node:vm`), which crosses as one;
 * - "refused": what cannot cross, with why ("a Promise and cannot be sent…").
 */
export type ObjectKind =
  | { kind: "instance"; cls: TargetRef; base: object | null; getState: boolean }
  | { kind: "carried" | "error" | "plain" }
  | { kind: "refused"; reason: string; /** Not for good: a class not found now may be registered later. */ lasting: boolean };

/** The kinds of the prototypes met so far (every kind but the refusals of classes not found). */
const kinds = new WeakMap<object, ObjectKind>();

/**
 * What `value` (whose prototype is `proto`) is to the codec. Once per class, except for a
 * class that cannot be found (it may be registered later).
 */
export function classify(value: object, proto: object): ObjectKind {
  const known = kinds.get(proto);
  if (known !== undefined) {
    // The export may have been registered again since: its reference is looked up each time.
    if (known.kind !== "instance") return known;
    const cls = referenceOf(proto.constructor);
    if (cls !== undefined) return cls === known.cls ? known : { ...known, cls };
  }
  const kind = classifyOnce(value, proto);
  if (kind.kind !== "refused" || kind.lasting) kinds.set(proto, kind);
  return kind;
}

function classifyOnce(value: object, proto: object): ObjectKind {
  if (isCarriedBeside(value)) return { kind: "carried" };
  if (isForeignPlain(value, proto)) return { kind: "plain" };
  const local = instanceRefusal(proto) ?? hostRefusal(value);
  if (local !== undefined) return { kind: "refused", reason: local, lasting: true };
  const cls = Object.hasOwn(proto, "constructor") ? proto.constructor : undefined;
  if (typeof cls !== "function" || cls.prototype !== proto) {
    if (value instanceof Error) return { kind: "error" };
    return {
      kind: "refused",
      reason: "an object whose prototype is not a class's (made with Object.create()?) and cannot be sent to " +
        "another process: send a plain object, or an instance of an exported class",
      lasting: true,
    };
  }
  const ref = referenceOf(cls);
  if (ref === undefined) {
    if (value instanceof Error) return { kind: "error" };
    return { kind: "refused", reason: instanceNotFound(cls), lasting: false };
  }
  return {
    kind: "instance",
    cls: ref,
    base: builtinBaseOf(proto),
    getState: typeof (proto as { [GETSTATE]?: unknown })[GETSTATE] === "function",
  };
}

/** A plain object or array of another realm: its prototype is that realm's. */
function isForeignPlain(value: object, proto: object): boolean {
  const name = (proto as { constructor?: { name?: string } }).constructor?.name;
  if (Array.isArray(value)) return name === "Array";
  return name === "Object" && Object.getPrototypeOf(proto) === null;
}

// deno-lint-ignore ban-types
function instanceNotFound(cls: Function): string {
  if (!cls.name) {
    return "an instance of an anonymous class, which cannot be found in the other process: an instance " +
      "crosses as its class's reference (module and export name) and its fields, so export a named class";
  }
  return `an instance of class ${cls.name}, which ${notExported(cls)}`;
}

/** The built-in prototype (Map.prototype, Error.prototype…) that `proto` extends, if any. */
function builtinBaseOf(proto: object): object | null {
  for (let p: object | null = Object.getPrototypeOf(proto); p !== null; p = Object.getPrototypeOf(p)) {
    if (p === Object.prototype) return null;
    if (BUILTIN_PROTOTYPES.has(p)) return p;
  }
  return null;
}

/** Why a host object (a Promise, a socket, a generator…) cannot cross, if it is one. */
function hostRefusal(value: object): string | undefined {
  if (value instanceof Symbol) return describe("a Symbol object");
  if (value instanceof SharedArrayBuffer) return undefined;
  const resource = resourceRefusal(value);
  if (resource !== undefined) return resource;
  const host = hostClassOf(value);
  if (host !== undefined) return describe(withArticle(host === "EventTarget" ? value.constructor?.name ?? host : host));
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (REFUSED_TAGS.has(tag) || tag.endsWith(" Iterator")) return describe(withArticle(tag));
  return undefined;
}

/**
 * Why a server, a connection or another object tied to this process's event loop (Node's
 * EventEmitters: sockets, streams, child processes; Deno's listeners and connections)
 * cannot cross.
 */
function resourceRefusal(value: object): string | undefined {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name: unknown = proto.constructor?.name;
    if (typeof name === "string") names.push(name);
  }
  const emitter = names.includes("EventEmitter");
  if ((emitter && names.includes("Server")) || /Listener$/.test(names[0] ?? "") && !emitter) {
    return `a ${emitter ? "net.Server" : names[0]}: a server cannot be sent; open one per process`;
  }
  if ((emitter && names.includes("Socket")) || /Conn$/.test(names[0] ?? "") && !emitter) {
    return `a ${emitter ? "net.Socket" : names[0]}: a connection cannot be sent; open one per process`;
  }
  if (emitter) {
    return `a ${names[0]} (an EventEmitter): it belongs to this process and cannot be sent; ` +
      "create one in each process, and send data";
  }
  return undefined;
}

/**
 * True for what only `postMessage` carries, and bytes carry beside them where the
 * destination allows (see `encodeWithRefs`): this library's handles, SharedArrayBuffers,
 * Blobs, MessagePorts.
 */
export function isCarriedBeside(value: object): boolean {
  return isShareable(value) || value instanceof SharedArrayBuffer || isBlob(value) || isMessagePort(value);
}

/** Whether `destination` carries `value` (see {@link isCarriedBeside}) beside its bytes. */
export function carries(destination: Destination, value: object): boolean {
  if (destination === "args") return true;
  return destination === "task" && !isMessagePort(value);
}

function isBlob(value: object): boolean {
  return typeof Blob === "function" && value instanceof Blob;
}

function isMessagePort(value: object): boolean {
  return typeof MessagePort === "function" && value instanceof MessagePort;
}

/** Why what {@link isCarriedBeside} holds for cannot go to `destination`; undefined where it can. */
function carriedRefusal(value: object, destination: Destination): string | undefined {
  if (carries(destination, value)) return undefined;
  if (isMessagePort(value)) {
    const cannot = destination === "task" ? NOT_AS_BYTES.task.cannot : NOT_AS_BYTES[destination as "message"].cannot;
    return `a MessagePort and ${cannot}: pass it in a Process's args instead (it is moved to that process)`;
  }
  if (isBlob(value)) {
    // postMessage carries a Blob, but its bytes can only be read asynchronously.
    return `a Blob and ${NOT_AS_BYTES[destination as "message"].cannot}: pass its bytes (await blob.arrayBuffer())`;
  }
  const what = value instanceof SharedArrayBuffer
    ? "a SharedArrayBuffer"
    : `a shareable handle (${value.constructor?.name ?? "object"})`;
  return sharedRefusal(what, destination);
}

/** Why shared memory or a handle (`what`) cannot go to `destination`; undefined where it travels. */
function sharedRefusal(what: string, destination: Destination): string | undefined {
  if (destination === "args" || destination === "task") return undefined;
  const { cannot, shared } = NOT_AS_BYTES[destination];
  return `${what} and ${cannot}: ${shared}`;
}

function withArticle(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

function describe(kind: string): string {
  return `${kind} and cannot be sent to another process: ${ADVICE_BY_KIND[kind] ?? ADVICE}`;
}

/**
 * Throws the `TypeError` that encoding `value` for `destination` would throw, without
 * producing bytes (default: a Process's args, which carry this library's handles,
 * SharedArrayBuffers, Blobs and MessagePorts beside the bytes, not walked into).
 * @example
 * ```ts
 * import { checkCloneable } from "./codec.ts";
 * checkCloneable([1, { name: "x" }], "args"); // fine
 * try {
 *   checkCloneable([1, () => 1], "args");
 * } catch (error) {
 *   console.log((error as TypeError).message); // "args[1] is a function without a name, …"
 * }
 * ```
 */
export function checkCloneable(value: unknown, path: string, destination: Destination = "args"): void {
  const problem = findUncloneable(value, path, destination, new Set());
  if (problem !== undefined) throw new TypeError(problem);
}

/** Throws the TypeError for the first value under `value` that cannot go to `destination`. */
export function throwUncloneable(value: unknown, path: string, destination: Destination): never {
  const problem = findUncloneable(value, path, destination, new Set()) ??
    `${path} contains a value that cannot be sent to another process: ${ADVICE}`;
  throw new TypeError(problem);
}

/** The message for the first value under `value` that cannot cross, in encoding order. */
function findUncloneable(value: unknown, path: string, destination: Destination, seen: Set<unknown>): string | undefined {
  if (typeof value !== "object" && typeof value !== "function" || value === null || seen.has(value)) {
    return typeof value === "symbol" ? `${path} is ${refusalOf(value, destination)}` : undefined;
  }
  seen.add(value);
  const refusal = refusalOf(value, destination);
  if (refusal !== undefined) return `${path} is ${refusal}`;
  for (const [childPath, child] of childrenOf(value, path)) {
    const problem = findUncloneable(child, childPath, destination, seen);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The values inside `value` that encoding visits, with their paths, in encoding order. */
function* childrenOf(value: object, path: string): Generator<[string, unknown]> {
  if (typeof value === "function") {
    const bound = boundPartsOf(value);
    if (bound !== undefined) yield [`${path}.<object of boundMethod>`, bound.obj];
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return yield* fieldsOf(value, path);
  if (ArrayBuffer.isView(value)) return yield [`${path}.buffer`, value.buffer];
  if (BUILTIN_PROTOTYPES.has(proto)) return yield* builtinChildrenOf(value, path);
  const kind = classify(value, proto);
  if (kind.kind === "error") return yield* builtinChildrenOf(value, path);
  if (kind.kind === "plain") return yield* (Array.isArray(value) ? builtinChildrenOf(value, path) : fieldsOf(value, path));
  if (kind.kind !== "instance") return;
  if (kind.base !== null) yield* builtinChildrenOf(value, path);
  if (kind.getState) yield [`${path}[GETSTATE]()`, (value as { [GETSTATE](): unknown })[GETSTATE]()];
  else yield* fieldsOf(value, path, Array.isArray(value));
}

/** The contents that a built-in's own tag carries (array items, Map entries, an error's cause). */
function* builtinChildrenOf(value: object, path: string): Generator<[string, unknown]> {
  if (Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (isIndex(key)) yield [`${path}[${key}]`, value[Number(key)]];
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
  } else if (value instanceof Error) {
    if (Object.hasOwn(value, "cause")) yield [`${path}.cause`, value.cause];
  }
}

/** An object's own enumerable fields (an array's: those that are not indices). */
function* fieldsOf(value: object, path: string, skipIndices = false): Generator<[string, unknown]> {
  for (const key of Object.keys(value)) {
    if (!skipIndices || !isIndex(key)) yield [propertyPath(path, key), (value as Record<string, unknown>)[key]];
  }
}

function isIndex(key: string): boolean {
  return String(Number(key)) === key;
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
