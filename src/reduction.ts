/**
 * How values keep their identity when they cross to another process (Python's
 * `multiprocessing.reduction` and pickle's reduction protocol): exported functions and classes
 * cross by reference (module and export name) and arrive as the same export; an instance of
 * an exported class arrives as an instance of that class (its own fields copied by the same
 * rules, the constructor not run), or through its {@link GETSTATE}/{@link SETSTATE} methods;
 * {@link boundMethod} sends a method with its object; {@link register} names the module of a
 * function or class that the call stack cannot tell (one from a package).
 * @module
 */
import { registerExport } from "./references.ts";
import { libraryEntryUrl } from "./target.ts";

/**
 * The method a class defines to choose what of an instance crosses to another process
 * (Python's `__getstate__`): it returns the state, any value that can cross. Without it, the
 * instance's own enumerable fields cross.
 * @example Usage
 * ```ts
 * import { GETSTATE, SETSTATE } from "@seed/multiprocessing";
 *
 * export class Connection {
 *   socket: unknown = null; // not sent: reopened on the other side
 *   constructor(public host: string) {}
 *   [GETSTATE](): { host: string } {
 *     return { host: this.host };
 *   }
 *   [SETSTATE](state: { host: string }): void {
 *     this.host = state.host;
 *     this.socket = null;
 *   }
 * }
 * ```
 */
export const GETSTATE: unique symbol = Symbol.for("@seed/multiprocessing/getstate") as never;

/**
 * The method a class defines to rebuild an instance from the state its {@link GETSTATE}
 * gave (Python's `__setstate__`), called on the new instance (prototype set, constructor not
 * run). Without it, the state's own fields are copied onto the instance.
 * @example Usage
 * ```ts
 * import { SETSTATE } from "@seed/multiprocessing";
 *
 * export class Counter {
 *   count = 0;
 *   [SETSTATE](state: { count: number }): void {
 *     this.count = state.count; // runs in the receiving process
 *   }
 * }
 * ```
 */
export const SETSTATE: unique symbol = Symbol.for("@seed/multiprocessing/setstate") as never;

/** What {@link boundMethod} puts on the callable it makes: its object and method name. */
const BOUND: unique symbol = Symbol.for("@seed/multiprocessing/bound-method") as never;

interface BoundParts {
  obj: object;
  name: string;
}

/** The names of `T`'s methods. */
// deno-lint-ignore no-explicit-any
export type MethodName<T> = { [K in keyof T]: T[K] extends (...args: any[]) => unknown ? K : never }[keyof T] & string;

/**
 * A callable that calls `obj[name](...args)` and crosses to another process as its object and
 * the method's name (Python pickles a bound method so): a Process target, a Pool task, or a
 * value inside data. `obj` must be able to cross (an instance of an exported class). A plain
 * `obj.method.bind(obj)` cannot cross: its function is unknown to the other side. Inside the
 * class, `boundMethod(this, "name")` is Python's `self.name`.
 * @throws {TypeError} when `obj[name]` is not a method.
 * @example Usage
 * ```ts
 * import { boundMethod, isMain, Process } from "@seed/multiprocessing";
 *
 * export class Greeter {
 *   constructor(public greeting: string) {}
 *   greet(name: string): void {
 *     console.log(`${this.greeting}, ${name}`);
 *   }
 * }
 *
 * if (isMain(import.meta)) {
 *   const greeter = new Greeter("hello");
 *   const p = new Process({ target: boundMethod(greeter, "greet"), args: ["world"] });
 *   p.start();
 *   await p.join(); // the child printed "hello, world"
 * }
 * ```
 */
// `keyof T`, not MethodName<T>: for `this` inside a class, TypeScript cannot resolve which keys
// are methods; a name that is not one gives a `T[K]` that is no function (and throws here).
export function boundMethod<T extends object, K extends keyof T & string>(obj: T, name: K): T[K] {
  if (typeof obj !== "object" && typeof obj !== "function" || obj === null) {
    throw new TypeError(`boundMethod() takes an object and the name of its method, not ${obj === null ? "null" : typeof obj}`);
  }
  if (typeof (obj as Record<string, unknown>)[name] !== "function") {
    throw new TypeError(`boundMethod(): ${String(name)} is not a method of ${obj.constructor?.name ?? "the object"}`);
  }
  return makeBoundMethod(obj, name) as T[K];
}

/** {@link boundMethod} without its checks (the codec rebuilds one as it was sent). */
export function makeBoundMethod(obj: object, name: string): (...args: unknown[]) => unknown {
  const bound = function (this: unknown, ...args: unknown[]): unknown {
    return (obj as Record<string, (...args: unknown[]) => unknown>)[name](...args);
  };
  Object.defineProperty(bound, "name", { value: name });
  Object.defineProperty(bound, BOUND, { value: { obj, name } satisfies BoundParts });
  return bound;
}

/**
 * Python's `functools.partial`: a callable that calls `fn(...args, ...rest)` and crosses to
 * another process as `fn` (by reference: an exported function) and `args` (as data), as Python
 * pickles a partial. The common use: `pool.map(partial(work, config), items)`.
 * @throws {TypeError} when `fn` is not a function.
 * @example Usage
 * ```ts
 * import { isMain, partial, Pool } from "@seed/multiprocessing";
 *
 * export function scale(factor: number, x: number): number {
 *   return factor * x;
 * }
 *
 * if (isMain(import.meta)) {
 *   await using pool = new Pool({ processes: 2 });
 *   console.log(await pool.map(partial(scale, 10), [1, 2, 3])); // [10, 20, 30]
 * }
 * ```
 */
// deno-lint-ignore no-explicit-any
export function partial<A extends any[], B extends any[], R>(fn: (...args: [...A, ...B]) => R, ...args: A): (...rest: B) => R {
  if (typeof fn !== "function") throw new TypeError("the first argument must be callable");
  return boundMethod(new Partial(fn, args), "call") as (...rest: B) => R;
}

/**
 * What a {@link partial} holds: a function and its first arguments. It crosses as an
 * instance of the library's exported class, the function by reference.
 * @example Usage
 * ```ts
 * import { Partial } from "@seed/multiprocessing";
 * const add = (a: number, b: number) => a + b;
 * console.log(new Partial(add, [1]).call(2)); // 3
 * ```
 */
export class Partial<R = unknown> {
  /** The function called. */
  readonly fn: (...args: unknown[]) => R;
  /** Its first arguments. */
  readonly args: unknown[];

  /** `fn` with its first arguments `args`. */
  // deno-lint-ignore no-explicit-any
  constructor(fn: (...args: any[]) => R, args: unknown[]) {
    this.fn = fn;
    this.args = args;
  }

  /** Calls `fn(...args, ...rest)`. */
  call(...rest: unknown[]): R {
    return this.fn(...this.args, ...rest);
  }

  /** Python's repr: `functools.partial(<function scale>, 10)`. */
  toString(): string {
    return `functools.partial(<function ${this.fn.name}>${this.args.map((arg) => `, ${String(arg)}`).join("")})`;
  }
}

registerExport(Partial, libraryEntryUrl().href, "Partial");

/** The object and method name of a callable made by {@link boundMethod}, if it is one. */
export function boundPartsOf(fn: unknown): BoundParts | undefined {
  return (fn as { [BOUND]?: BoundParts })[BOUND];
}

/**
 * Names the module that exports `value` (a function or class), for when the sender cannot
 * find it from its call stack (a class from a package), or for a class of the main module
 * that the main program receives before it sends one (see the README's "What crosses").
 * Call it in a module that every process loads (the module that imports the value), at top
 * level. `exportName` defaults to the value's name.
 * @throws {TypeError} when `value` is not a function or class, or the module URL or name is empty.
 * @example Usage
 * ```ts
 * import { register } from "@seed/multiprocessing";
 *
 * export class Money {
 *   constructor(public cents: bigint) {}
 * }
 * register(Money, import.meta.url); // or import.meta.resolve("some-package") for a package's class
 * ```
 */
// deno-lint-ignore ban-types
export function register(value: Function, moduleUrl: string | URL, exportName: string = value?.name): void {
  if (typeof value !== "function") {
    throw new TypeError(`register() takes a function or class, not ${value === null ? "null" : typeof value}`);
  }
  const module = moduleUrl instanceof URL ? moduleUrl.href : String(moduleUrl ?? "");
  if (module === "") throw new TypeError(`register(${value.name}, moduleUrl): the module URL is empty`);
  if (!exportName) throw new TypeError("register(): the value has no name: pass its export name as the third argument");
  registerExport(value, canParse(module) ? new URL(module).href : module, exportName);
}

function canParse(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/** The state of an instance that crosses: its {@link GETSTATE}'s, or its own enumerable fields. */
export function stateOf(obj: object): unknown {
  const getState = (obj as { [GETSTATE]?: () => unknown })[GETSTATE];
  return typeof getState === "function" ? getState.call(obj) : { ...obj };
}

/** Gives a rebuilt instance its state: its {@link SETSTATE}, or the state's fields copied. */
export function applyState(obj: object, state: unknown): void {
  const setState = (obj as { [SETSTATE]?: (state: unknown) => void })[SETSTATE];
  if (typeof setState === "function") setState.call(obj, state);
  else if (typeof state === "object" && state !== null) assignFields(obj, state as Record<string, unknown>);
}

/** Copies `fields` onto `obj` as own data fields (a setter of the class is not called). */
export function assignFields(obj: object, fields: Record<string, unknown>): void {
  for (const key of Object.keys(fields)) {
    Object.defineProperty(obj, key, { value: fields[key], enumerable: true, writable: true, configurable: true });
  }
}
