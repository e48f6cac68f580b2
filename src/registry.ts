/**
 * Every process's link to the registry (see registry_worker.ts): one `MessagePort`, on which
 * a request that needs an answer waits for it synchronously (post, `Atomics.wait`, then
 * `receiveMessageOnPort`), so that attaching shared memory by name is synchronous everywhere,
 * the main thread included.
 *
 * Each child gets its port in its spec; the other end goes to the registry. The registry is
 * started by the main program only when some process first needs it: until then the main
 * program keeps the other ends (listening, unref'd), and the first request on any of them,
 * or the main program's own first request, starts the registry and hands them all over, the
 * request that started it included. A program that never uses names never starts it.
 * @module
 */
import { builtin } from "./runtime/builtins.ts";
import { runtime } from "./runtime/mod.ts";
import { libraryModuleUrl } from "./target.ts";

/** What a process asks the registry. `cell` (an Int32 reply cell): the asker waits for the answer. */
export type RegistryRequest =
  & { cell?: SharedArrayBuffer }
  & (
    | { op: "adopt"; port: MessagePort }
    | { op: "create"; name: string; buffer: SharedArrayBuffer }
    | { op: "track"; name: string; tracker: string }
    | { op: "attach"; name: string }
    | { op: "unlink"; name: string }
    | { op: "unlinkTracked"; tracker: string }
    | { op: "listen"; address: string; pid: number; name: string; port: MessagePort }
    | { op: "unlisten"; address: string }
    | { op: "resolve"; address: string }
    | { op: "connect"; address: string; connection: unknown }
  );

/** The registry's answer: an error code, or what was asked for. */
export interface RegistryReply {
  error?: "exists" | "missing";
  buffer?: SharedArrayBuffer;
  names?: string[];
  pid?: number;
  name?: string;
}

/** What a child gets to reach the registry: its port, and the program's registry state. */
export interface RegistryLinkState {
  port: MessagePort;
  /** Int32 `[STATE]`: {@link NOT_STARTED}, {@link WANTED} or {@link STARTED}. */
  state: SharedArrayBuffer;
}

const STATE = 0;
const NOT_STARTED = 0;
/** A child asked for the registry: the main program starts it (it waits on this cell). */
const WANTED = 1;
const STARTED = 2;

/** This thread's link. */
interface Link {
  /** The port to the registry (in the main program: once the registry runs). */
  port?: MessagePort;
  /** The program's registry state (see {@link RegistryLinkState}). */
  state: Int32Array;
  /** Reply cell of this thread's waiting requests. */
  cell: Int32Array;
  /** Main program only: the registry, once started. */
  hub?: MessagePort;
  /**
   * Main program only, before the registry runs: the other ends of the children's ports,
   * never started, so that what the children post waits in them, and they can be handed
   * over (Deno cannot transfer a port that is listened to).
   */
  pending: MessagePort[];
}

// On globalThis so that two copies of this module (bundled binaries) share one link.
const LINK_KEY = Symbol.for("@seed/multiprocessing/registry-link");
type GlobalWithLink = typeof globalThis & { [LINK_KEY]?: Link };

function link(): Link {
  return (globalThis as GlobalWithLink)[LINK_KEY] ??= {
    state: new Int32Array(new SharedArrayBuffer(4)),
    cell: new Int32Array(new SharedArrayBuffer(4)),
    pending: [],
  };
}

/** Longest single sleep while waiting for an answer (the registry answers in microseconds). */
const REPLY_SLICE_MS = 25;

/**
 * Asks the registry and waits for its answer, blocking the thread (for microseconds; the
 * first request of a program waits for the registry to start).
 */
export function askRegistry(request: RegistryRequest, transfer: Transferable[] = []): RegistryReply {
  const port = registryPort();
  const { cell } = link();
  Atomics.store(cell, 0, 0);
  port.postMessage({ ...request, cell: cell.buffer }, transfer);
  const { receiveMessageOnPort } = builtin("node:worker_threads");
  for (;;) {
    const received = receiveMessageOnPort(port as never);
    if (received) return received.message as RegistryReply;
    Atomics.wait(cell, 0, 0, REPLY_SLICE_MS);
  }
}

/** Tells the registry without waiting for an answer. */
export function tellRegistry(request: RegistryRequest, transfer: Transferable[] = []): void {
  registryPort().postMessage(request, transfer);
}

/** In a child's bootstrap: the port and state its spec brought. */
export function adoptRegistryLink(received: RegistryLinkState): void {
  const own = link();
  own.port = received.port;
  own.state = new Int32Array(received.state);
}

/**
 * While a child's spec is prepared: a new port to the registry for the child (appended to
 * `transfer`); its other end goes to the registry, or waits in the main program until the
 * registry runs.
 */
export function registryLinkForChild(transfer: Transferable[]): RegistryLinkState {
  const { port1, port2 } = new MessageChannel();
  const own = link();
  if (own.hub) own.hub.postMessage({ port: port1 }, [port1]);
  else if (own.port) own.port.postMessage({ op: "adopt", port: port1 } satisfies RegistryRequest, [port1]);
  else keepUntilStarted(port1);
  transfer.push(port2);
  return { port: port2, state: own.state.buffer as SharedArrayBuffer };
}

/**
 * This thread's port to the registry. A child that is first to need the registry asks the
 * main program to start it; the main program starts it on its own first use.
 */
function registryPort(): MessagePort {
  const own = link();
  if (own.port) {
    if (Atomics.compareExchange(own.state, STATE, NOT_STARTED, WANTED) === NOT_STARTED) Atomics.notify(own.state, STATE);
    return own.port;
  }
  if (runtime.parentChannel()) throw new Error("this process has no port to the registry (it was not started by this library)");
  startRegistry();
  return own.port!;
}

/**
 * In the main program, before the registry runs: keeps a child's port's other end, and
 * starts the registry once some child wants it (see {@link registryPort}).
 */
function keepUntilStarted(port: MessagePort): void {
  const own = link();
  if (own.pending.push(port) > 1) return;
  // A pending waitAsync does not keep the program alive: as an unref'd listener.
  const { async, value } = Atomics.waitAsync(own.state, STATE, NOT_STARTED);
  if (async) void value.then(() => startRegistry());
  else startRegistry();
}

/** Starts the registry (main program) and hands it the ports kept so far. */
function startRegistry(): void {
  const own = link();
  if (!own.hub) {
    const worker = runtime.spawn(libraryModuleUrl("registry_worker"), { daemon: true, name: "registry" });
    const { port1, port2 } = new MessageChannel();
    worker.post({ hub: port2 }, [port2]);
    worker.unref();
    own.hub = port1;
    const mine = new MessageChannel();
    own.port = mine.port1;
    own.hub.postMessage({ port: mine.port2 }, [mine.port2]);
    Atomics.store(own.state, STATE, STARTED);
    Atomics.notify(own.state, STATE);
  }
  for (const port of own.pending.splice(0)) handOver(own.hub, port);
}

/**
 * Gives the registry a child's port, unless that child has ended: Node detaches the port of a
 * channel whose other end went with an ended worker (transferring it throws DataCloneError).
 */
function handOver(hub: MessagePort, port: MessagePort): void {
  try {
    hub.postMessage({ port }, [port]);
  } catch (error) {
    if ((error as Error).name !== "DataCloneError") throw error;
  }
}
