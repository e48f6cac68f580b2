/**
 * A process's connection to one manager (Python's per-thread connection of `BaseProxy`):
 * one duplex pipe of this library, opened on first use through the registry, shared by every
 * proxy and async task of the process. Calls carry a request id, so that several can be
 * under way at once (a task waiting in `q.get()` does not hold up another's `q.put()`), and
 * a `…Sync` call blocks the thread until its own reply, passing on the others.
 *
 * Also the process's side of reference counting: each proxy object holds one reference; the
 * manager counted the ones it sent, the others are announced (`INCREF`), and a proxy that is
 * garbage collected (or disposed) gives its reference back (`DECREF`, batched).
 *
 * When the manager's process is gone (shut down, terminated, crashed), its end of the pipe
 * counts as closed: every pending and later call rejects with `BrokenPipeError` naming it.
 * @module
 */
import { type Connection, Pipe } from "./connection.ts";
import { BrokenPipeError, EOFError, RemoteError, TimeoutError } from "./errors.ts";
import { packHandles } from "./handles.ts";
import {
  CALL,
  CANCEL,
  CREATE,
  DECREF,
  ERROR,
  FAILED,
  INCREF,
  type Reply,
  type Request,
  RETURN,
  SERVER,
  type ServerOp,
} from "./manager_protocol.ts";
import { currentProcess } from "./process.ts";
import { askRegistry, tellRegistry } from "./registry.ts";
import { currentPid, isPidAlive } from "./transport/liveness.ts";
import { checkCloneable, decodeReceived, type Received } from "./transport/codec.ts";

/** What a manager gets from a new client, through the registry: its end of their pipe, and who it is. */
export interface ClientHello {
  /** The manager's end of the pipe, packed for it. */
  end: unknown;
  pid: number;
  name: string;
}

/** A request without its id, which {@link ManagerLink} adds. */
export type Call =
  | [typeof CALL, string, string, unknown[]]
  | [typeof CREATE, string, unknown[]]
  | [typeof SERVER, ServerOp, unknown[]];

function withRid(call: Call, rid: number): Request {
  return call.length === 4 ? [call[0], rid, call[1], call[2], call[3]] as Request : [call[0], rid, call[1], call[2]] as Request;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
}

// On globalThis so that two copies of this module (bundled binaries) share the links.
const LINKS_KEY = Symbol.for("@seed/multiprocessing/manager-links");
type GlobalWithLinks = typeof globalThis & { [LINKS_KEY]?: Map<string, ManagerLink> };

function links(): Map<string, ManagerLink> {
  return (globalThis as GlobalWithLinks)[LINKS_KEY] ??= new Map();
}

/**
 * This process's connection to the manager at one address.
 * @example Usage
 * ```ts
 * import { ManagerLink } from "./manager_client.ts";
 * import { CALL } from "./manager_protocol.ts";
 * const link = ManagerLink.for("SyncManager-1/8c1d0f2a"); // a running manager's address
 * console.log(await link.call([CALL, "1", "len", []]));
 * ```
 */
export class ManagerLink {
  /** The manager's process name (`SyncManager-1`), for error messages. */
  readonly managerName: string;
  readonly #address: string;
  readonly #managerPid: number;
  readonly #connection: Connection<Request | Reply> | undefined;
  readonly #pending = new Map<number, PendingCall>();
  #nextRid = 1;
  #pumping = false;
  #broken: BrokenPipeError | undefined;
  #decrefs: string[] = [];

  private constructor(address: string, managerName: string, managerPid = 0, connection?: Connection<Request | Reply>) {
    this.#address = address;
    this.managerName = managerName;
    this.#managerPid = managerPid;
    this.#connection = connection;
    if (!connection) this.#broken = this.#ended();
  }

  /**
   * This process's link to the manager at `address`, connected on first use (and again when
   * the manager it linked to has ended: a new one may serve at the same address).
   */
  static for(address: string): ManagerLink {
    let link = links().get(address);
    if (!link || link.broken || !isPidAlive(link.#managerPid)) links().set(address, link = ManagerLink.#connect(address));
    return link;
  }

  /** The link to `address` if this process has one. */
  static existing(address: string): ManagerLink | undefined {
    return links().get(address);
  }

  /**
   * Opens a pipe to the manager: its end goes to the manager through the registry, held in
   * the manager's process from the start, so that this end sees it close if the manager ends
   * before it took the end over.
   */
  static #connect(address: string): ManagerLink {
    const found = askRegistry({ op: "resolve", address });
    if (found.error) return new ManagerLink(address, address.split("/")[0]);
    const [mine, theirs] = Pipe<Request | Reply>();
    const client: ClientHello = { end: packHandles(theirs, found.pid!), pid: currentPid(), name: currentProcess().name };
    tellRegistry({ op: "connect", address, connection: client });
    theirs.close();
    return new ManagerLink(address, found.name!, found.pid!, mine);
  }

  /** True once the manager is known to be gone. */
  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /**
   * Sends `call` and resolves with the manager's reply (proxies in it rebuilt); rejects with
   * the method's error, a `RemoteError`, or `BrokenPipeError` once the manager is gone. An
   * abort of `signal` asks the manager to give up the call, and rejects with its reason
   * unless the call finished first.
   */
  call(call: Call, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const rid = this.#send(call);
      const pending: PendingCall = { resolve, reject, signal };
      this.#pending.set(rid, pending);
      signal?.addEventListener("abort", () => this.#pending.has(rid) && this.#tell([CANCEL, rid]), { once: true });
      if (!this.#pumping) void this.#pump();
    });
  }

  /** As {@link call}, blocking the thread until the reply (replies to other calls are passed on). */
  callSync(call: Call): unknown {
    const rid = this.#send(call);
    let result: { value: unknown } | { error: unknown } | undefined;
    this.#pending.set(rid, { resolve: (value) => (result = { value }), reject: (error) => (result = { error }) });
    while (result === undefined) this.#receiveSync();
    if ("error" in result) throw result.error;
    return result.value;
  }

  /** Announces one more reference of this process to object `id` (a proxy that arrived otherwise than in a reply). */
  incref(id: string): void {
    this.#tell([INCREF, [id]]);
  }

  /** Gives back one reference to object `id`; sent with others, in the next turn. */
  decref(id: string): void {
    if (this.#broken) return;
    if (this.#decrefs.push(id) === 1) queueMicrotask(() => this.#flushDecrefs());
  }

  /** Sends the references given back so far, if any. */
  #flushDecrefs(): void {
    if (this.#decrefs.length > 0) this.#tell([DECREF, this.#decrefs.splice(0)]);
  }

  /** Sends a request; returns its id. */
  #send(call: Call): number {
    if (this.#broken) throw this.#broken;
    // References given back before this call go first, as Python's decref is done when it returns.
    this.#flushDecrefs();
    const rid = this.#nextRid++;
    this.#write(withRid(call, rid), call[call.length - 1]);
    return rid;
  }

  /** Sends a request that gets no reply (nothing if the manager is gone). */
  #tell(request: Request): void {
    if (this.#broken) return;
    try {
      this.#write(request, undefined);
    } catch (error) {
      if (!(error instanceof BrokenPipeError)) throw error;
    }
  }

  #write(request: Request, args: unknown): void {
    try {
      this.#connection!.send(request);
    } catch (error) {
      if (error instanceof BrokenPipeError) throw this.#breakDown();
      // Say which argument could not be sent, by its place in the call's arguments.
      if (error instanceof TypeError && args !== undefined) checkCloneable(args, "args", "message");
      throw error;
    }
  }

  /** Takes replies off the pipe while calls wait for theirs (at most one pump per link). */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#pending.size > 0 && !this.#broken) {
        await this.#connection!.poll(null);
        if (this.#broken) break;
        // A reply is there (or the manager's end closed): taken at once, without waiting, for
        // a sync call may have taken it meanwhile (and a receive that waits holds the pipe).
        let received: Received<Reply> | undefined;
        try {
          received = await decodeReceived<Reply>(await this.#connection!.recvBytes({ timeout: 0 }));
        } catch (error) {
          if (error instanceof EOFError) this.#breakDown();
          else if (!(error instanceof TimeoutError)) throw error;
        }
        if (received?.failure !== undefined) this.#settle([received.value[0], ERROR, received.failure]);
        else if (received) this.#settle(received.value);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Takes one reply, waiting for it, and settles its call; the manager's end seen closed breaks the link. */
  #receiveSync(): void {
    let reply: Reply;
    try {
      reply = this.#connection!.recvSync() as Reply;
    } catch (error) {
      if (error instanceof EOFError) return void this.#breakDown();
      throw error;
    }
    this.#settle(reply);
  }

  #settle([rid, kind, value]: Reply): void {
    const pending = this.#pending.get(rid);
    if (!pending) return;
    this.#pending.delete(rid);
    if (kind === RETURN) pending.resolve(value);
    else if (pending.signal?.aborted) pending.reject(pending.signal.reason);
    else pending.reject(kind === ERROR ? value : new RemoteError(kind === FAILED ? String(value) : "unknown reply"));
  }

  /** The manager is gone: every call waiting and every later one fails. */
  #breakDown(): BrokenPipeError {
    this.#broken ??= this.#ended();
    this.#connection?.close();
    for (const { reject } of this.#pending.values()) reject(this.#broken);
    this.#pending.clear();
    return this.#broken;
  }

  #ended(): BrokenPipeError {
    return new BrokenPipeError(
      `the manager ${this.managerName} has ended (shut down, terminated or crashed): the objects it held are gone`,
    );
  }
}
