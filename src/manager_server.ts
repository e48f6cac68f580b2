/**
 * A manager's server (Python's `managers.Server`), the code of the manager's process: it
 * holds the shared objects by id, with their reference counts, and serves each client
 * process's connection. Python serves each connection on a thread of its own; here every
 * request is served on the event loop as it arrives, so that a call that waits (`q.get()`,
 * `lock.acquire()`) holds up nothing else, not even the other calls of its own client.
 *
 * A client reaches the server through the registry: the server listens on its address, and
 * the registry forwards it each new client's end of their pipe.
 * @module
 */
import type { Connection } from "./connection.ts";
import { BrokenPipeError, EOFError, KeyError, ValueError } from "./errors.ts";
import { unpackHandles } from "./handles.ts";
import type { ClientHello } from "./manager_client.ts";
import {
  CALL,
  CANCEL,
  CREATE,
  DECREF,
  ERROR,
  FAILED,
  GET_VALUE,
  INCREF,
  REPR,
  type Reply,
  type Request,
  RETURN,
  SERVER,
  type ServerOp,
  type Token,
} from "./manager_protocol.ts";
import { type CallContext, setReferents, setServingCall } from "./manager_context.ts";
import { AutoProxy, type BaseProxy, buildProxy, observingPackedProxies, setLocalServer } from "./manager_proxy.ts";
import { BUILTIN_TYPES } from "./manager_types.ts";
import { currentProcess } from "./process.ts";
import { typeName } from "./repr.ts";
import { askRegistry, tellRegistry } from "./registry.ts";
import { currentPid } from "./transport/liveness.ts";

/** How a typeid's objects are made and served (Python's registry entry). */
export interface ServedType {
  /**
   * What makes the object (a class is constructed, a function called), or its name among the
   * SyncManager's types (`builtin`); neither: the first argument is the object.
   */
  // deno-lint-ignore no-explicit-any
  callable?: (...args: any[]) => unknown;
  builtin?: keyof typeof BUILTIN_TYPES;
  /** The methods clients may call; default: the object's public methods. */
  exposed?: string[];
  /** Methods whose results become shared objects of these typeids (returned as proxies). */
  methodToTypeid?: Record<string, string>;
  /** The proxy class for these objects; default: {@link AutoProxy}. */
  proxytype?: typeof BaseProxy;
}

/** What a manager's process is given (Python's `_run_server` arguments). */
export interface ServerConfig {
  address: string;
  types: Record<string, ServedType>;
  /** Where the server says it is serving (Python sends its address back on a pipe). */
  ready: Connection<string>;
  initializer?: (...args: unknown[]) => unknown;
  initargs: unknown[];
}

interface Entry {
  obj: unknown;
  typeid: string;
  exposed: Set<string>;
  methodToTypeid?: Record<string, string>;
  /** References: held by client processes, plus proxies of it inside the server. */
  refs: number;
}

/**
 * Runs a manager's server in this process until it is shut down (the target of the manager
 * process that `BaseManager.start()` starts).
 * @example Usage (what `BaseManager.start()` does)
 * ```ts
 * new Process({ target: serveManager, args: [config], module: libraryModuleUrl("manager_server") });
 * ```
 */
export async function serveManager(config: ServerConfig): Promise<void> {
  const makers = new Map<string, unknown>();
  for (const [typeid, type] of Object.entries(config.types)) {
    const maker = type.builtin ? BUILTIN_TYPES[type.builtin] : type.callable;
    if (maker) makers.set(typeid, maker);
  }
  await config.initializer?.(...config.initargs);
  await new Server(config.address, config.types, makers).serve(config.ready);
}

class Server {
  readonly address: string;
  readonly #types: Record<string, ServedType>;
  readonly #makers: Map<string, unknown>;
  readonly #objects = new Map<string, Entry>();
  readonly #clients = new Set<ClientConnection>();
  #nextId = 1;
  #stop!: () => void;
  readonly #stopped = new Promise<void>((resolve) => (this.#stop = resolve));

  constructor(address: string, types: Record<string, ServedType>, makers: Map<string, unknown>) {
    this.address = address;
    this.#types = types;
    this.#makers = makers;
  }

  /** Listens on the address, says so on `ready`, and serves until shut down. */
  async serve(ready: Connection<string>): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const listening = askRegistry(
      { op: "listen", address: this.address, pid: currentPid(), name: currentProcess().name, port: port1 },
      [port1],
    );
    if (listening.error) throw new Error(`the manager address ${this.address} is in use`);
    port2.onmessage = (event: MessageEvent) => void this.#accept(event.data as ClientHello);
    setLocalServer(this);
    setReferents(this);
    ready.send(this.address);
    ready.close();
    await this.#stopped;
    tellRegistry({ op: "unlisten", address: this.address });
    port2.close();
    for (const client of this.#clients) client.close();
    setLocalServer(undefined);
    setReferents(undefined);
  }

  async #accept(hello: ClientHello): Promise<void> {
    const connection = (await unpackHandles(hello.end)) as Connection<Request | Reply>;
    const client = new ClientConnection(this, connection, hello.pid);
    this.#clients.add(client);
    await client.serve();
    this.#clients.delete(client);
  }

  /** The shared object `id`, if held (see `referentOf`). */
  objectOf(id: string): Entry | undefined {
    return this.#objects.get(id);
  }

  /** The shared object `id`, or a RemoteError's text. */
  entry(id: string): Entry | string {
    return this.#objects.get(id) ?? `KeyError: no shared object has id '${id}' (its last reference was given back)`;
  }

  /** Makes an object of `typeid` from `args` (Python's `Server.create`). */
  async create(typeid: string, args: unknown[]): Promise<BaseProxyLike> {
    if (!Object.hasOwn(this.#types, typeid)) {
      throw new KeyError(`'${typeid}': no typeid '${typeid}' is registered with this manager`);
    }
    const maker = this.#makers.get(typeid);
    let obj: unknown;
    if (maker === undefined) {
      if (args.length !== 1) throw new ValueError("Without callable, must have one non-keyword argument");
      obj = args[0];
    } else obj = await make(maker, args);
    return this.share(obj, typeid);
  }

  /** Holds `obj` as a new shared object of `typeid`; returns an uncounted proxy of it, to send. */
  share(obj: unknown, typeid: string): BaseProxyLike {
    const type = this.#types[typeid] ?? {};
    const exposed = [...(type.exposed ?? publicMethods(obj)), ...Object.keys(type.methodToTypeid ?? {})];
    const id = String(this.#nextId++);
    this.#objects.set(id, { obj, typeid, exposed: new Set(exposed), methodToTypeid: type.methodToTypeid, refs: 0 });
    return buildProxy({ typeid, address: this.address, id, exposed }, type.proxytype ?? AutoProxy);
  }

  /** One more reference to `id` (a client's, or a proxy's inside the server). */
  adopt(id: string): void {
    const entry = this.#objects.get(id);
    if (entry) entry.refs++;
  }

  /** One reference less to `id`; the object goes once none is left. */
  release(id: string, count = 1): void {
    const entry = this.#objects.get(id);
    if (!entry) return;
    entry.refs -= count;
    if (entry.refs <= 0) this.#objects.delete(id);
  }

  /** Python's `Server` requests (shutdown, number_of_objects, debug_info, dummy). */
  serverOp(op: ServerOp): unknown {
    switch (op) {
      case "shutdown":
        queueMicrotask(this.#stop);
        return null;
      case "numberOfObjects":
        return this.#objects.size;
      case "debugInfo":
        return [...this.#objects].map(([id, { typeid, refs, obj }]) => `${id}: refcount=${refs} ${typeid} ${describe(obj)}`);
      case "dummy":
        return null;
    }
  }
}

/**
 * A call being served (see `currentCall`): its signal is made only if the method asks for
 * it (most calls return at once and never do).
 */
class ServedCall implements CallContext {
  #controller: AbortController | undefined;
  #abortedWith: unknown;
  #aborted = false;

  constructor(readonly caller: number) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortedWith);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    this.#aborted = true;
    this.#abortedWith = reason;
    this.#controller?.abort(reason);
  }
}

/** What a shared object's proxy is to the server: something its replies pack as a token. */
type BaseProxyLike = ReturnType<typeof buildProxy>;

/** One client process's connection (Python's `serve_client` thread). */
class ClientConnection {
  readonly #server: Server;
  readonly #connection: Connection<Request | Reply>;
  readonly #pid: number;
  /** References this client holds, by object id. */
  readonly #held = new Map<string, number>();
  /** The calls under way that wait (a CANCEL, or this client's end, aborts them). */
  readonly #calls = new Map<number, ServedCall>();
  #closed = false;

  constructor(server: Server, connection: Connection<Request | Reply>, pid: number) {
    this.#server = server;
    this.#connection = connection;
    this.#pid = pid;
  }

  /** Serves requests until the client is gone (or the server closes); then gives back what it held. */
  async serve(): Promise<void> {
    for (;;) {
      let request: Request;
      try {
        request = (await this.#connection.recv()) as Request;
      } catch (error) {
        if (error instanceof EOFError || this.#closed) break;
        throw error;
      }
      this.#handle(request);
    }
    this.#closed = true; // the calls aborted below have nobody to reply to
    for (const call of this.#calls.values()) call.abort(new EOFError("the client is gone"));
    for (const [id, count] of this.#held) this.#server.release(id, count);
    this.#held.clear();
  }

  close(): void {
    this.#closed = true;
    this.#connection.close();
  }

  #handle(request: Request): void {
    switch (request[0]) {
      case CALL:
        return this.#call(request[1], request[2], request[3], request[4]);
      case CREATE:
        return void this.#settle(request[1], () => this.#server.create(request[2], request[3]), true);
      case INCREF:
        for (const id of request[1]) this.#count(id, 1);
        return;
      case DECREF:
        for (const id of request[1]) if ((this.#held.get(id) ?? 0) > 0) this.#count(id, -1);
        return;
      case CANCEL:
        return this.#calls.get(request[1])?.abort(new DOMException("the caller gave up", "AbortError"));
      case SERVER:
        return void this.#settle(request[1], () => this.#server.serverOp(request[2]), true);
    }
  }

  #count(id: string, delta: number): void {
    if (delta > 0) this.#server.adopt(id);
    else this.#server.release(id);
    this.#held.set(id, (this.#held.get(id) ?? 0) + delta);
  }

  /** Calls an exposed method (Python's `serve_client` body), replying at once when it does not wait. */
  #call(rid: number, id: string, method: string, args: unknown[]): void {
    const entry = this.#server.entry(id);
    if (typeof entry === "string") return this.#reply(rid, FAILED, entry);
    if (method === GET_VALUE) return this.#reply(rid, RETURN, valueOf(entry.obj));
    if (method === REPR) return this.#reply(rid, RETURN, reprOf(entry.obj));
    if (!entry.exposed.has(method)) {
      return this.#reply(
        rid,
        FAILED,
        `AttributeError: method '${method}' of ${describe(entry.obj)} is not in exposed=${JSON.stringify([...entry.exposed])}`,
      );
    }
    const obj = Object(entry.obj) as Record<string, unknown>;
    // Python's getattr: an exposed name the object lacks is the manager's failure (RemoteError);
    // one that is not a function fails the call as calling it would (TypeError).
    if (!(method in obj)) return this.#reply(rid, FAILED, `AttributeError: '${typeName(entry.obj)}' object has no attribute '${method}'`);
    if (typeof obj[method] !== "function") {
      return this.#reply(rid, ERROR, new TypeError(`'${typeName(obj[method])}' object is not callable`));
    }
    const call = new ServedCall(this.#pid);
    let result: unknown;
    setServingCall(call);
    try {
      result = (obj[method] as (...args: unknown[]) => unknown).call(entry.obj, ...args);
    } catch (error) {
      return this.#reply(rid, ERROR, error);
    } finally {
      setServingCall(undefined);
    }
    const typeid = entry.methodToTypeid?.[method];
    if (!isThenable(result) && !typeid) return this.#reply(rid, RETURN, result);
    this.#calls.set(rid, call);
    void this.#settleShared(rid, result, typeid).finally(() => this.#calls.delete(rid));
  }

  /**
   * Replies with a method's result once it settles; with a `typeid` (methodToTypeid), shares
   * it as Python's server does: made into an object of that typeid by its callable (a
   * `list` typeid copies the array into a list), or held as it is when the typeid has none.
   * A failure there is the manager's (RemoteError), not the method's.
   */
  async #settleShared(rid: number, result: unknown, typeid: string | undefined): Promise<void> {
    let value: unknown;
    try {
      value = await result;
    } catch (error) {
      return this.#reply(rid, ERROR, error);
    }
    if (typeid === undefined) return this.#reply(rid, RETURN, value);
    await this.#settle(rid, () => this.#server.create(typeid, [value]), true);
  }

  /** Replies with what `work` gives; its failure is the method's error, or (`remote`) a RemoteError. */
  async #settle(rid: number, work: () => unknown, remote: boolean): Promise<void> {
    try {
      this.#reply(rid, RETURN, await work());
    } catch (error) {
      this.#reply(rid, remote ? FAILED : ERROR, remote ? describeFailure(error) : error);
    }
  }

  #reply(rid: number, kind: Reply[1], value: unknown): void {
    if (this.#closed) return;
    try {
      this.#send([rid, kind, value]);
    } catch (error) {
      // The client ended while the reply was on its way: it is dropped (Python's server
      // thread for a gone client fails alone), and serve() ends at the client's end of file.
      if (error instanceof BrokenPipeError) this.#closed = true;
      // Python's #UNSERIALIZABLE: what the method returned or raised cannot be sent; a text
      // in its place can (a failure to send that one is the connection's: thrown).
      else if (kind !== FAILED) this.#reply(rid, FAILED, `Unserializable message: ${describeFailure(error)}`);
      else throw error;
    }
  }

  /** Sends a reply; the proxies of this manager's objects in it are counted as this client's references. */
  #send(reply: Reply): void {
    let counted: Set<BaseProxy> | undefined; // each proxy once, however often it was encoded
    observingPackedProxies((proxy) => {
      if (proxy.token.address !== this.#server.address) return undefined;
      (counted ??= new Set()).add(proxy);
      return this.#pid;
    }, () => this.#connection.send(reply));
    if (counted) for (const proxy of counted) this.#count(proxy.token.id, 1);
  }
}

/** A class is constructed, any other function called (a generator function returns its generator). */
async function make(maker: unknown, args: unknown[]): Promise<unknown> {
  const fn = maker as (...args: unknown[]) => unknown;
  return isClass(fn) ? Reflect.construct(fn, args) : await fn(...args);
}

function isClass(fn: (...args: unknown[]) => unknown): boolean {
  return /^class\b/.test(Function.prototype.toString.call(fn));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Python's `public_methods`: the object's callable properties (its class's methods included)
 * whose names do not start with `_`, `constructor` excepted.
 */
export function publicMethods(obj: unknown): string[] {
  const names = new Set<string>();
  for (
    let layer = obj as object | null;
    layer !== null && layer !== undefined && layer !== Object.prototype && layer !== Function.prototype;
    layer = Object.getPrototypeOf(layer)
  ) {
    for (const name of Object.getOwnPropertyNames(layer)) {
      if (name === "constructor" || name.startsWith("_") || names.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(layer, name);
      if (descriptor && typeof descriptor.value === "function") names.add(name);
    }
  }
  return [...names];
}

/** A served object's value for `getValue()`: its own `_getvalue()`, or the object. */
function valueOf(obj: unknown): unknown {
  const own = (obj as { _getvalue?: () => unknown } | null)?._getvalue;
  return typeof own === "function" ? own.call(obj) : obj;
}

/** A served object's repr: its own `_repr()`, its own `toString()`, or `<Class object>`. */
function reprOf(obj: unknown): string {
  const own = (obj as { _repr?: () => string } | null)?._repr;
  if (typeof own === "function") return own.call(obj);
  if (typeof obj === "object" && obj !== null && obj.toString === Object.prototype.toString) return `<${describe(obj)}>`;
  return String(obj);
}

function describe(obj: unknown): string {
  const name = (obj as object | null)?.constructor?.name;
  return typeof obj === "object" && obj !== null ? `${name ?? "Object"} object` : typeof obj;
}

/** A failure of the manager's own (not a method's) as a RemoteError's text: class, message and stack. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.stack?.startsWith(`${error.name}: `) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ""}`;
}
