/**
 * How the library's shared objects (queues, locks, connections, values) travel to other
 * processes: a handle describes itself as `{ kind, state }` where `state` is structured-
 * clonable (typically `SharedArrayBuffer`s and numbers), and the receiving process rebuilds
 * a working handle on the same shared memory from the reviver registered for that kind.
 * This is what pickling a `multiprocessing.Queue` into a child's args does in Python.
 * @module
 */

/**
 * Symbol under which a shareable object exposes its description.
 * @example Usage
 * ```ts
 * import { HANDLE, Queue, type Shareable } from "@seed/multiprocessing";
 * const queue: Shareable = new Queue<number>();
 * console.log(queue[HANDLE]().kind); // "Queue"
 * ```
 */
export const HANDLE: unique symbol = Symbol.for("@seed/multiprocessing/handle") as never;

/**
 * A shareable object's description: which kind of handle, and its shared state.
 * @example Usage
 * ```ts
 * import { HANDLE, type HandleDescription, Lock } from "@seed/multiprocessing";
 * const description: HandleDescription = new Lock()[HANDLE]();
 * console.log(description.kind); // "Lock"
 * ```
 */
export interface HandleDescription {
  /** The kind registered with {@link registerHandleKind}, e.g. "Queue". */
  kind: string;
  /** Structured-clonable state from which the reviver rebuilds the handle. */
  state: unknown;
}

/**
 * An object that can be passed to another process and arrive as a working handle.
 * @example Usage
 * ```ts
 * import { HANDLE, Queue, type Shareable } from "@seed/multiprocessing";
 * const queue: Shareable = new Queue<number>();
 * console.log(queue[HANDLE]().kind); // "Queue"
 * ```
 */
export interface Shareable {
  /** Describes this handle for another process. */
  [HANDLE](): HandleDescription;
}

/** Marker that replaces a handle inside args while they cross. */
const MARK = "__seedMultiprocessingHandle__";

type Reviver = (state: unknown) => object;

// On globalThis so that every copy of this module (bundled binaries) shares one registry.
const REGISTRY_KEY = Symbol.for("@seed/multiprocessing/handle-kinds");
type GlobalWithRegistry = typeof globalThis & { [REGISTRY_KEY]?: Map<string, Reviver> };

function registry(): Map<string, Reviver> {
  return (globalThis as GlobalWithRegistry)[REGISTRY_KEY] ??= new Map();
}

/** Registers how to rebuild handles of `kind` in a receiving process. */
export function registerHandleKind(kind: string, revive: Reviver): void {
  registry().set(kind, revive);
}

/** True for objects that describe themselves with {@link HANDLE}. */
export function isShareable(value: unknown): value is Shareable {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Shareable>)[HANDLE] === "function";
}

/**
 * Copies `value`, replacing every shareable handle (at any depth of arrays and plain
 * objects) by its description, so that the result can be posted with structured clone.
 */
export function packHandles(value: unknown): unknown {
  if (isShareable(value)) return { [MARK]: value[HANDLE]() };
  if (Array.isArray(value)) return value.map(packHandles);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = packHandles(item);
    return out;
  }
  return value;
}

/**
 * Rebuilds the handles that {@link packHandles} replaced, in the receiving process. The
 * library's handle modules are loaded only when a handle is there: a child that gets none
 * starts faster.
 */
export async function unpackHandles(value: unknown): Promise<unknown> {
  if (!containsHandle(value)) return value;
  await import("../mod.ts"); // registers every kind of handle
  return revive(value);
}

function containsHandle(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsHandle);
  if (!isPlainObject(value)) return false;
  return MARK in value || Object.values(value).some(containsHandle);
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (!isPlainObject(value)) return value;
  if (MARK in value) return reviveHandle(value[MARK] as HandleDescription);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = revive(item);
  return out;
}

function reviveHandle({ kind, state }: HandleDescription): object {
  const revive = registry().get(kind);
  if (!revive) throw new Error(`cannot rebuild a ${kind} handle in this process: its module was not loaded`);
  return revive(state);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
