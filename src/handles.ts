/**
 * How the library's shared objects (queues, locks, connections, values) travel to other
 * processes: a handle describes itself as `{ kind, state }` where `state` is structured-
 * clonable (typically `SharedArrayBuffer`s and numbers), and the receiving process rebuilds
 * a working handle on the same shared memory from the reviver registered for that kind.
 * This is what pickling a `multiprocessing.Queue` into a child's args does in Python.
 * @module
 */
import { libraryEntryUrl } from "./target.ts";

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

/** The pid of the process that the handles being packed go to, while packHandles runs. */
let receiver: number | undefined;

/**
 * While handles are packed for a process (inside their {@link HANDLE} method): that
 * process's pid. Handles that keep a registry of their holders register the receiver in it
 * before it runs. Undefined when a description is asked for otherwise.
 */
export function packingFor(): number | undefined {
  return receiver;
}

/**
 * Replaces every shareable handle inside `value` (at any depth of arrays, objects, Maps and
 * Sets) by its description for the process `receiverPid`, so that the result can be posted
 * with structured clone. Values without handles are returned as they are; shared references
 * and cycles are kept. The ports of {@link PortHandle}s are appended to `transfer`: the
 * message must move them.
 */
export function packHandles(value: unknown, receiverPid: number, transfer: Transferable[] = []): unknown {
  if (!containsMatch(value, isShareable, new Set())) return value;
  receiver = receiverPid;
  try {
    return mapTree(value, (item) => (isShareable(item) ? { [MARK]: describe(item, transfer) } : undefined), new Map());
  } finally {
    receiver = undefined;
  }
}

function describe(handle: Shareable, transfer: Transferable[]): HandleDescription {
  const description = handle[HANDLE]();
  if (description.kind === PORT_KIND) transfer.push(description.state as MessagePort);
  return description;
}

/**
 * Rebuilds the handles that {@link packHandles} replaced, in the receiving process. The
 * library's handle modules are loaded only when a handle is there: a child that gets none
 * starts faster.
 */
export async function unpackHandles(value: unknown): Promise<unknown> {
  if (!containsMatch(value, isMarker, new Set())) return value;
  const unregistered = (item: unknown) => isMarker(item) && !registry().has(item[MARK].kind);
  if (containsMatch(value, unregistered, new Set())) {
    // Every kind of handle registers itself when the library's entry loads. A computed URL:
    // Deno loads and compiles a literal dynamic import's whole graph (the library, some
    // 45 modules) with the importing module, which made every child start 3 ms later.
    await import(libraryEntryUrl().href);
  }
  const unpacked = mapTree(value, (item) => (isMarker(item) ? reviveHandle(item[MARK]) : undefined), new Map());
  const finishing = revivalWork.splice(0);
  await Promise.all(finishing);
  return unpacked;
}

/** What revivers started and {@link unpackHandles} waits for. */
const revivalWork: Promise<unknown>[] = [];

/**
 * Called by a reviver: the handle it rebuilt is complete once `work` settles (a Barrier
 * imports its action's module). {@link unpackHandles} waits for it, so that the process's
 * code gets complete handles; a rejection fails the unpacking.
 */
export function finishRevivalWith(work: Promise<unknown>): void {
  revivalWork.push(work);
}

/** The kind of {@link PortHandle}s. */
const PORT_KIND = "MessagePort";

/**
 * A `MessagePort` that travels to a child in a Process's args: moved there (the sender's
 * port is detached), not copied, and it arrives as a PortHandle on the moved port. The
 * library's own side channels use it (a pool's to its workers, see src/pool.ts).
 * @example Usage
 * ```ts
 * import { isMain, Process } from "../mod.ts";
 * import { PortHandle } from "./handles.ts";
 *
 * export function work(side: PortHandle): void {
 *   side.port.onmessage = (event) => {
 *     console.log(event.data); // "hello"
 *     side.port.close();
 *   };
 * }
 *
 * if (isMain(import.meta)) {
 *   const { port1, port2 } = new MessageChannel();
 *   new Process({ target: work, args: [new PortHandle(port2)] }).start();
 *   port1.postMessage("hello");
 * }
 * ```
 */
export class PortHandle implements Shareable {
  constructor(
    /** The port: on the sender's side until the child starts, then in the child. */
    readonly port: MessagePort,
  ) {}

  /** Describes the port for the child: the port itself, which {@link packHandles} lists to transfer. */
  [HANDLE](): HandleDescription {
    return { kind: PORT_KIND, state: this.port };
  }
}

registerHandleKind(PORT_KIND, (state) => new PortHandle(state as MessagePort));

function isMarker(value: unknown): value is { [MARK]: HandleDescription } {
  return isPlainObject(value) && MARK in value;
}

/** True if `match` holds for `value` or anything inside it. */
function containsMatch(value: unknown, match: (item: unknown) => boolean, seen: Set<object>): boolean {
  if (match(value)) return true;
  if (!isContainer(value) || seen.has(value)) return false;
  seen.add(value);
  for (const item of itemsOf(value)) if (containsMatch(item, match, seen)) return true;
  return false;
}

/**
 * Copies the containers of `value`, replacing each item for which `replace` returns a
 * value; `copies` keeps shared references and cycles as they were.
 */
function mapTree(value: unknown, replace: (item: unknown) => object | undefined, copies: Map<object, unknown>): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (!isContainer(value)) return value;
  if (copies.has(value)) return copies.get(value);
  const copy = (m: unknown) => mapTree(m, replace, copies);
  if (value instanceof Map) {
    const out = new Map();
    copies.set(value, out);
    for (const [key, item] of value) out.set(copy(key), copy(item));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    copies.set(value, out);
    for (const item of value) out.add(copy(item));
    return out;
  }
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? new Array(value.length) : {};
  copies.set(value, out);
  for (const [key, item] of Object.entries(value)) (out as Record<string, unknown>)[key] = copy(item);
  return out;
}

/** Arrays, Maps, Sets and records (plain objects and class instances, which cross as records). */
function isContainer(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || value instanceof Map || value instanceof Set) return true;
  return !(value instanceof Date || value instanceof RegExp || value instanceof Error ||
    value instanceof ArrayBuffer || value instanceof SharedArrayBuffer || ArrayBuffer.isView(value));
}

function itemsOf(value: object): Iterable<unknown> {
  if (value instanceof Map) return [...value.keys(), ...value.values()];
  if (value instanceof Set) return value;
  return Object.values(value);
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
