/**
 * Proxies: the objects through which any process uses an object a manager holds (Python's
 * `BaseProxy`, `AutoProxy` and `RebuildProxy`). A proxy forwards method calls to the manager
 * and returns copies of the results; it crosses to other processes by its token, and is
 * rebuilt there as a proxy of the same class, connected to the same manager.
 * @module
 */
import { HANDLE, type HandleDescription, registerHandleKind, type Shareable } from "./handles.ts";
import { type Call, ManagerLink, revivingReplyFrom } from "./manager_client.ts";
import { CALL, GET_VALUE, REPR, type Token } from "./manager_protocol.ts";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Lets the proxy classes' own code build proxies; nobody else needs to. */
const BUILD = Symbol("BaseProxy.build");

/**
 * Options of a proxy's blocking calls: cancellation. (Timeouts are the methods' own options.)
 * @example Usage
 * ```ts
 * import type { CallOptions } from "@seed/multiprocessing/managers";
 * const options: CallOptions = { signal: AbortSignal.timeout(1000) };
 * console.log(options.signal !== undefined); // true
 * ```
 */
export interface ProxyCallOptions {
  /** Abort the call: the manager gives it up, and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
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
export class BaseProxy implements Shareable, Disposable {
  /** The methods this proxy type forwards (Python's `_exposed_`); default: the object's public methods. */
  static _exposed_?: readonly string[];
  /** Methods whose results come back as proxies of these typeids (Python's `_method_to_typeid_`). */
  static _methodToTypeid_?: Readonly<Record<string, string>>;

  readonly #token: Token;
  #link: ManagerLink | undefined;

  /**
   * Proxies are made by managers (their factories and `create`) and rebuilt where they
   * arrive; a subclass does not call this itself.
   */
  constructor(token: Token, build: symbol) {
    if (build !== BUILD) {
      throw new TypeError("proxies are made by a manager (manager.create(), its factories), not by new");
    }
    this.#token = token;
  }

  /** What names the shared object: its typeid, its manager's address and its id there. */
  get token(): Readonly<Token> {
    return this.#token;
  }

  /** The typeid the object was created as. */
  get typeid(): string {
    return this.#token.typeid;
  }

  /** The methods this proxy forwards (Python's `proxy._exposed_`). */
  get _exposed_(): readonly string[] {
    return this.#token.exposed;
  }

  /**
   * Calls the shared object's method `name` with `args` in the manager, and resolves with a
   * copy of its result (Python's `_callmethod`).
   * @throws the method's own error, with its class; {@link RemoteError} when `name` is not
   * exposed; {@link BrokenPipeError} once the manager is gone.
   */
  callMethod<R = unknown>(name: string, args: unknown[] = [], options: ProxyCallOptions = {}): Promise<R> {
    try {
      return this.#call([CALL, this.#token.id, name, args], options.signal) as Promise<R>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** As {@link callMethod}, blocking the thread until the result (for children). */
  callMethodSync<R = unknown>(name: string, args: unknown[] = []): R {
    return this.#linkToManager().callSync([CALL, this.#token.id, name, args]) as R;
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
    return `<${this.constructor.name} object, typeid '${this.#token.typeid}' at 0x${Number(this.#token.id).toString(16)}>`;
  }

  /** Node's inspect shows the same. */
  [INSPECT](): string {
    return this.toString();
  }

  /** Gives this proxy's reference back now (`using`), rather than when it is garbage collected. */
  [Symbol.dispose](): void {
    if (references.unregister(this)) giveBack(this.#token);
  }

  /** Crosses to another process as its token; rebuilt there as a proxy of the same class. */
  [HANDLE](): HandleDescription {
    packingObserver?.(this.#token);
    return { kind: PROXY_KIND, state: this.#token };
  }

  /** @internal This proxy's manager link (connected on first use). */
  linkToManager(): ManagerLink {
    return this.#linkToManager();
  }

  #linkToManager(): ManagerLink {
    return this.#link ??= ManagerLink.for(this.#token.address);
  }

  #call(call: Call, signal: AbortSignal | undefined): Promise<unknown> {
    return this.#linkToManager().call(call, signal);
  }
}

/** The kind under which proxies cross in Process args and in managers' own messages. */
const PROXY_KIND = "ManagerProxy";

/** Proxy classes by name, for rebuilding a proxy of the class its token names. */
const proxyTypes = new Map<string, typeof BaseProxy>();

/**
 * Makes the proxy class `type` known by its name, so that a token naming it is rebuilt as
 * one (the built-in ones, and those given to `register` as `proxytype`).
 */
export function registerProxyType(type: typeof BaseProxy): void {
  proxyTypes.set(type.name, type);
}

/** The proxy class for `exposed` methods when none is registered (Python's `AutoProxy`): one per typeid and method list. */
const autoProxyTypes = new Map<string, typeof BaseProxy>();

/**
 * A proxy class that forwards `exposed` (Python's `MakeProxyType`): for each method `m`, an
 * async `m(...args)` and a blocking `mSync(...args)`; async-iterable when it forwards `next`
 * (a generator's proxy).
 */
export function autoProxyType(typeid: string, exposed: readonly string[]): typeof BaseProxy {
  const key = `${typeid}\0${exposed.join("\0")}`;
  let type = autoProxyTypes.get(key);
  if (type) return type;
  type = class extends BaseProxy {};
  Object.defineProperty(type, "name", { value: `AutoProxy[${typeid}]` });
  type._exposed_ = exposed;
  addForwardingMethods(type, exposed);
  autoProxyTypes.set(key, type);
  return type;
}

/** Defines `m` and `mSync` on `type`'s prototype for each of `methods` it does not define itself. */
export function addForwardingMethods(type: typeof BaseProxy, methods: readonly string[]): void {
  const proto = type.prototype as unknown as Record<string | symbol, unknown>;
  for (const name of methods) {
    if (!Object.hasOwn(proto, name)) {
      proto[name] = function (this: BaseProxy, ...args: unknown[]) {
        return this.callMethod(name, args);
      };
    }
    if (!Object.hasOwn(proto, `${name}Sync`)) {
      proto[`${name}Sync`] = function (this: BaseProxy, ...args: unknown[]) {
        return this.callMethodSync(name, args);
      };
    }
  }
  if (methods.includes("next") && !(Symbol.asyncIterator in proto)) {
    proto[Symbol.asyncIterator] = function (this: BaseProxy) {
      return this;
    };
  }
}

/** Builds a proxy of `token`'s class (registered by name, else an automatic one). */
export function buildProxy<P extends BaseProxy = BaseProxy>(token: Token): P {
  const type = (token.proxytype && proxyTypes.get(token.proxytype)) || autoProxyType(token.typeid, token.exposed);
  return new (type as unknown as new (token: Token, build: symbol) => P)(token, BUILD);
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

let packingObserver: ((token: Token) => void) | undefined;

/**
 * Runs `pack` with `observe` told the token of every proxy it packs: a manager's server
 * counts the proxies of its objects that a reply hands to a client.
 */
export function observingPackedProxies<T>(observe: (token: Token) => void, pack: () => T): T {
  packingObserver = observe;
  try {
    return pack();
  } finally {
    packingObserver = undefined;
  }
}

/**
 * A proxy for `token`, holding one reference: counted by the manager already when the token
 * came in its reply (`counted`), else announced to it now.
 */
export function adoptProxy<P extends BaseProxy = BaseProxy>(token: Token, counted: boolean): P {
  const proxy = buildProxy<P>(token);
  references.register(proxy, token, proxy);
  if (localServer?.address === token.address) localServer.adopt(token.id);
  else {
    const link = proxy.linkToManager();
    if (!counted) link.incref(token.id);
  }
  return proxy;
}

registerHandleKind(PROXY_KIND, (state) => {
  const token = state as Token;
  return adoptProxy(token, revivingReplyFrom() === token.address);
});
