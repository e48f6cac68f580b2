/**
 * Proxies: the objects through which any process uses an object a manager holds (Python's
 * `BaseProxy`, `AutoProxy` and `RebuildProxy`). A proxy forwards method calls to the manager
 * and returns copies of the results. It crosses to other processes in any data (Process
 * args, queue items, pipe messages, pool tasks, other managed objects) as its class and its
 * token ({@link GETSTATE}), and is rebuilt there connected to the same manager, holding a
 * reference of its own ({@link SETSTATE}).
 * @module
 */
import { ManagerLink } from "./manager_client.ts";
import { CALL, GET_VALUE, REPR, type Token } from "./manager_protocol.ts";
import { GETSTATE, SETSTATE } from "./reduction.ts";
import { registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";
import { currentPid } from "./transport/liveness.ts";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Lets the library's own code build proxies; nobody else needs to. */
const BUILD = Symbol("BaseProxy.build");

/**
 * Options of a proxy's calls: cancellation. (Timeouts are the methods' own options.)
 * @example Usage
 * ```ts
 * import type { ProxyCallOptions } from "@seed/multiprocessing";
 * const options: ProxyCallOptions = { signal: AbortSignal.timeout(1000) };
 * console.log(options.signal !== undefined); // true
 * ```
 */
export interface ProxyCallOptions {
  /** Abort the call: the manager gives it up, and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * A token as it crosses: in a manager's reply, `countedFor` names the client process for
 * which the manager already counted the reference (see {@link observingPackedProxies}).
 */
type TokenState = Token & { countedFor?: number };

/** What a proxy object knows: its token, and its link to the manager (made on first use). */
interface ProxyState {
  token: Token;
  link?: ManagerLink;
}

const states = new WeakMap<object, ProxyState>();

function stateOf(proxy: BaseProxy): ProxyState {
  const state = states.get(proxy);
  if (!state) throw new TypeError("this proxy was not made by a manager (manager.create(), its factories)");
  return state;
}

/**
 * The base of every proxy (Python's `BaseProxy`): a reference to an object that a manager
 * holds, usable from any process that has it. Methods forward to the object through
 * {@link BaseProxy.callMethod} (and {@link BaseProxy.callMethodSync}, which blocks the
 * thread), and return a copy of its result. A custom proxy type extends it and lists the
 * methods it forwards in the static `_exposed_`, as Python's does.
 *
 * The object lives while some process holds a proxy of it (or a container in the manager
 * holds one); a proxy that is garbage collected, or disposed (`using`), gives its reference
 * back, and a process that ends gives back all of its own.
 * @example Usage
 * ```ts
 * import { BaseManager, BaseProxy, isMain } from "@seed/multiprocessing";
 *
 * export class Counter {
 *   n = 0;
 *   increment(by: number): number {
 *     return (this.n += by);
 *   }
 * }
 *
 * export class CounterProxy extends BaseProxy {
 *   static override _exposed_ = ["increment"];
 *   increment(by: number): Promise<number> {
 *     return this.callMethod("increment", [by]);
 *   }
 * }
 *
 * export class CounterManager extends BaseManager {}
 * CounterManager.register("Counter", { callable: Counter, proxytype: CounterProxy });
 *
 * if (isMain(import.meta)) {
 *   await using manager = new CounterManager();
 *   await manager.start();
 *   const counter = await manager.create<CounterProxy>("Counter");
 *   console.log(await counter.increment(2)); // 2
 * }
 * ```
 */
export class BaseProxy implements Disposable {
  /** The methods this proxy type forwards (Python's `_exposed_`); default: the object's public methods. */
  static _exposed_?: readonly string[];
  /** Methods whose results come back as proxies of these typeids (Python's `_method_to_typeid_`). */
  static _methodToTypeid_?: Readonly<Record<string, string>>;

  /**
   * Proxies are made by managers (their factories and `create`) and rebuilt where they
   * arrive; a subclass does not call this itself.
   */
  constructor(token: Token, build: symbol) {
    if (build !== BUILD) {
      throw new TypeError("proxies are made by a manager (manager.create(), its factories), not by new");
    }
    states.set(this, { token });
  }

  /** What names the shared object: its typeid, its manager's address and its id there. */
  get token(): Readonly<Token> {
    return stateOf(this).token;
  }

  /** The typeid the object was created as. */
  get typeid(): string {
    return this.token.typeid;
  }

  /** The methods this proxy forwards (Python's `proxy._exposed_`). */
  get _exposed_(): readonly string[] {
    return this.token.exposed;
  }

  /**
   * Calls the shared object's method `name` with `args` in the manager, and resolves with a
   * copy of its result (Python's `_callmethod`).
   * @throws the method's own error, with its class; {@link RemoteError} when `name` is not
   * exposed; {@link BrokenPipeError} once the manager is gone.
   */
  callMethod<R = unknown>(name: string, args: unknown[] = [], options: ProxyCallOptions = {}): Promise<R> {
    try {
      return linkOf(this).call([CALL, this.token.id, name, args], options.signal) as Promise<R>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** As {@link callMethod}, blocking the thread until the result (for children). */
  callMethodSync<R = unknown>(name: string, args: unknown[] = []): R {
    return linkOf(this).callSync([CALL, this.token.id, name, args]) as R;
  }

  /** A copy of the shared object's value (Python's `_getvalue()`). */
  getValue<T = unknown>(): Promise<T> {
    return this.callMethod<T>(GET_VALUE);
  }

  /** As {@link getValue}, blocking the thread. */
  getValueSync<T = unknown>(): T {
    return this.callMethodSync<T>(GET_VALUE);
  }

  /** The shared object's own repr, from the manager (Python's `str(proxy)`), e.g. `"Namespace(a=1)"`. */
  repr(): Promise<string> {
    return this.callMethod<string>(REPR);
  }

  /** As {@link repr}, blocking the thread. */
  reprSync(): string {
    return this.callMethodSync<string>(REPR);
  }

  /** Python's `repr(proxy)`: `<DictProxy object, typeid 'dict' at 0x3>` (the object's id in its manager). */
  toString(): string {
    const { typeid, id } = this.token;
    return `<${proxyTypeName(this)} object, typeid '${typeid}' at 0x${Number(id).toString(16)}>`;
  }

  /** Node's inspect shows the same. */
  [INSPECT](): string {
    return this.toString();
  }

  /** Gives this proxy's reference back now (`using`), rather than when it is garbage collected. */
  [Symbol.dispose](): void {
    if (references.unregister(this)) giveBack(this.token);
  }

  /** What crosses to another process: the token (Python pickles a proxy so). */
  [GETSTATE](): Token {
    const { token } = stateOf(this);
    const countedFor = packingObserver?.(this);
    if (countedFor === undefined) return token;
    const counted: TokenState = { ...token, countedFor };
    return counted;
  }

  /** Rebuilt in another process: connected to the same manager, holding a reference of its own. */
  [SETSTATE](state: Token): void {
    const { countedFor, ...token } = state as TokenState;
    states.set(this, { token });
    holdReference(this, countedFor === currentPid());
  }
}

/** The proxy's link to its manager (connected on first use). */
export function linkOf(proxy: BaseProxy): ManagerLink {
  const state = stateOf(proxy);
  return state.link ??= ManagerLink.for(state.token.address);
}

function proxyTypeName(proxy: BaseProxy): string {
  return proxy instanceof AutoProxy ? `AutoProxy[${proxy.typeid}]` : proxy.constructor.name;
}

/**
 * The proxy of a registered type that has no proxy class of its own (Python's `AutoProxy`):
 * for each method the manager exposes, `m(...args)` (async) and `mSync(...args)`; it is
 * async-iterable when it forwards `next` (a generator's proxy).
 * @example Usage
 * ```ts
 * import { AutoProxy, BaseManager, isMain } from "@seed/multiprocessing";
 * export class Greeter {
 *   greet(name: string): string {
 *     return `hello, ${name}`;
 *   }
 * }
 * export class GreeterManager extends BaseManager {}
 * GreeterManager.register("Greeter", { callable: Greeter });
 * if (isMain(import.meta)) {
 *   await using manager = new GreeterManager();
 *   await manager.start();
 *   const greeter = await manager.create<Greeter>("Greeter");
 *   console.log(greeter instanceof AutoProxy, await greeter.greet("you")); // true "hello, you"
 * }
 * ```
 */
export class AutoProxy extends BaseProxy {
  /** An automatic proxy forwarding the methods its token exposes. */
  constructor(token: Token, build: symbol) {
    super(token, build);
    forwardExposed(this);
  }

  /** Rebuilt in another process, with its forwarding methods. */
  override [SETSTATE](state: Token): void {
    super[SETSTATE](state);
    forwardExposed(this);
  }
}

/** Defines, on `proxy` itself, `m` and `mSync` for each method its token exposes (not enumerable: no fields). */
function forwardExposed(proxy: BaseProxy): void {
  const methods: PropertyDescriptorMap = {};
  for (const name of proxy.token.exposed) {
    methods[name] = { value: (...args: unknown[]) => proxy.callMethod(name, args), configurable: true, writable: true };
    methods[`${name}Sync`] = { value: (...args: unknown[]) => proxy.callMethodSync(name, args), configurable: true, writable: true };
  }
  if (proxy.token.exposed.includes("next")) {
    methods[Symbol.asyncIterator as unknown as string] = { value: () => proxy, configurable: true, writable: true };
  }
  Object.defineProperties(proxy, methods);
}

/** Builds a proxy of class `type` for `token`, holding no reference (a manager sends it). */
export function buildProxy<P extends BaseProxy = BaseProxy>(token: Token, type: typeof BaseProxy = AutoProxy): P {
  return Reflect.construct(type, [token, BUILD]) as P;
}

/** What a manager's server does with proxies of its own objects rebuilt in its process. */
export interface LocalServer {
  readonly address: string;
  /** A proxy of object `id` now lives in the server process: one more reference. */
  adopt(id: string): void;
  /** Such a proxy was garbage collected: one reference less. */
  release(id: string): void;
}

let localServer: LocalServer | undefined;

/** In a manager's process: its server, which counts the proxies of its objects rebuilt there. */
export function setLocalServer(server: LocalServer | undefined): void {
  localServer = server;
}

/** Each proxy object holds one reference to its object: given back when it is collected. */
const references = new FinalizationRegistry<Token>(giveBack);

function giveBack(token: Token): void {
  if (localServer?.address === token.address) localServer.release(token.id);
  else ManagerLink.existing(token.address)?.decref(token.id);
}

/**
 * Makes `proxy` hold one reference to its object: counted by the manager already when it
 * came in the manager's reply to this process (`counted`), else announced to it now.
 */
function holdReference(proxy: BaseProxy, counted: boolean): void {
  const token = proxy.token;
  references.register(proxy, token, proxy);
  if (localServer?.address === token.address) localServer.adopt(token.id);
  else if (!counted) linkOf(proxy).incref(token.id);
}

/**
 * While a manager's server encodes a reply: for each proxy encoded, says the process for
 * which the server counted the reference (or undefined: not one of its objects).
 */
let packingObserver: ((proxy: BaseProxy) => number | undefined) | undefined;

/** Runs `encode` with `observe` told every proxy it encodes (see {@link packingObserver}). */
export function observingPackedProxies<T>(observe: (proxy: BaseProxy) => number | undefined, encode: () => T): T {
  packingObserver = observe;
  try {
    return encode();
  } finally {
    packingObserver = undefined;
  }
}

// Proxies cross as instances of the library's exported classes.
registerExport(BaseProxy, libraryEntryUrl().href, "BaseProxy");
registerExport(AutoProxy, libraryEntryUrl().href, "AutoProxy");
