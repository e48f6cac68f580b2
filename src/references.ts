/**
 * Functions and classes by reference, as Python pickles them (module and name): the sender
 * finds where a value is exported, once per value per process; the receiver takes the export
 * from its module's namespace, importing each module once. One set of tables per process,
 * shared by the codec (functions, classes and instances in data), processes (targets), pools
 * (task functions) and barriers (actions).
 *
 * Sender: a value registered with `register()`, or sent before, is known at once; else it is
 * looked for among the namespaces this process imported (by identity), then in the sources of
 * the modules on the call stack and of the modules they import by path (target.ts).
 *
 * Receiver, synchronously ({@link exportNow}): a value registered or sent by this process, an
 * export of a namespace this process imported, or of a module it can load synchronously
 * (`require(esm)`: not a module graph with top-level await). Asynchronously
 * ({@link importExport}): by `import()`. Never the main program's own module in the main
 * program: a module cannot be imported while it runs its top-level await (the import would
 * wait for itself), so its classes are known there only once registered or sent.
 * @module
 */
import { runtime } from "./runtime/mod.ts";
import {
  callerModules,
  describeTarget,
  type ExportLocation,
  importsOf,
  isLibraryModule,
  isMethodSource,
  MAX_MODULES_SEARCHED,
  methodHint,
  notExportedMessage,
  readSource,
  resolveTarget,
  searchedModules,
  type TargetRef,
} from "./target.ts";

type Namespace = Record<string, unknown>;
// deno-lint-ignore ban-types
type Exported = Function;

/** A process's tables; on globalThis so that every copy of the library (bundles) shares them. */
interface ReferenceTables {
  /** Where each function or class that this process sent or registered is found. */
  located: WeakMap<Exported, TargetRef>;
  /** `module#name` → the export itself: registered, sent, or imported in this process. */
  exports: Map<string, unknown>;
  /** The namespaces of the modules this process imported to find exports, by URL. */
  namespaces: Map<string, Namespace>;
  /** Classes whose instances must not be sent, and why (see {@link refuseInstances}). */
  refusedClasses: WeakMap<object, string>;
  /**
   * The user modules seen on the call stack when values were looked for: searched too, after
   * the stack, since a value may be encoded later from the library's own code only (a pool
   * sending its next chunk when a result comes in, a queue's feeder).
   */
  callers: Set<string>;
}

const TABLES_KEY = Symbol.for("@seed/multiprocessing/references");
const tables: ReferenceTables = (globalThis as { [TABLES_KEY]?: ReferenceTables })[TABLES_KEY] ??= {
  located: new WeakMap(),
  exports: new Map(),
  namespaces: new Map(),
  refusedClasses: new WeakMap(),
  callers: new Set(),
};

function keyOf(module: string, exportName: string): string {
  return `${module}#${exportName}`;
}

/** `module#name` of each reference looked up: a receiver meets the same table message after message. */
const refKeys = new WeakMap<TargetRef, string>();

function keyOfRef(ref: TargetRef): string {
  let key = refKeys.get(ref);
  if (key === undefined) refKeys.set(ref, key = keyOf(ref.modules[0], ref.exportName));
  return key;
}

/** A reference to one export of one module, as the sender verified it. */
function isSingle(ref: TargetRef): boolean {
  return ref.modules.length === 1 && ref.alternatives === undefined;
}

/** Options of {@link locate}. */
export interface LocateOptions {
  /** The module that exports the value, as the user named it (Process's and Pool's `module`). */
  module?: string | URL;
  /** Where to search when the value is not known yet; default: the modules on the call stack. */
  modules?: string[];
  /** What the value is to its process, for messages (see TargetRef); absent for data. */
  kind?: TargetRef["kind"];
}

/**
 * Sender: where `value` (a function or class) is exported. Throws what target.ts throws for
 * code that cannot be found (a TypeError for a name it cannot be looked up by, an Error naming
 * the modules searched). Found once per value; `module` always overrides.
 */
export function locate(value: Exported, options: LocateOptions = {}): TargetRef {
  try {
    return search(value, options);
  } catch (error) {
    // A built-in (Math.sqrt, parseInt) has no module to be found in: say so, as data does,
    // rather than "export function sqrt" (unless the user named a module that exports it).
    if (options.module === undefined && isNative(value)) {
      throw new TypeError(`the ${options.kind === "class" ? "process class" : "task or target function"} is ${whyNotFound(value)}`);
    }
    throw error;
  }
}

/** {@link locate}'s search: known, imported, or found in the sources. */
function search(value: Exported, { module, modules, kind }: LocateOptions): TargetRef {
  if (module === undefined) {
    const known = tables.located.get(value);
    if (known) return withKind(known, kind);
    const imported = inNamespaces(value);
    if (imported) return withKind(remember(value, imported), kind);
  }
  if (modules !== undefined) return found(value, kind, module, modules);
  const stack = [...callerModules(), ...tables.namespaces.keys()];
  for (const url of stack) if (!isLibraryModule(url)) tables.callers.add(url);
  try {
    return found(value, kind, module, stack);
  } catch (error) {
    // Not on the stack (a chunk sent when a result came in has only the pool's code there):
    // the user modules seen on earlier stacks. Only then, since another module there may
    // export a different value under the same name and make the reference ambiguous.
    const earlier = [...tables.callers].filter((url) => !stack.includes(url));
    if (earlier.length === 0) throw error;
    return found(value, kind, module, [...stack, ...earlier]);
  }
}

/** `value`'s reference among the modules `searched`, remembered. */
function found(value: Exported, kind: TargetRef["kind"], module: LocateOptions["module"], searched: string[]): TargetRef {
  const { kind: _, ...ref } = resolveTarget(describeTarget(value, kind, module, searched));
  return withKind(remember(value, ref), kind);
}

function withKind(ref: TargetRef, kind: TargetRef["kind"]): TargetRef {
  return kind === undefined ? ref : { ...ref, kind };
}

/** Records where `value` is found; a single verified place also maps back to the value. */
function remember(value: Exported, ref: TargetRef): TargetRef {
  tables.located.set(value, ref);
  if (isSingle(ref)) tables.exports.set(keyOf(ref.modules[0], ref.exportName), value);
  return ref;
}

/** Where a namespace this process imported exports `value`, by identity. */
function inNamespaces(value: Exported): TargetRef | undefined {
  for (const [module, namespace] of tables.namespaces) {
    if (readExport(namespace, value.name) === value) return { exportName: value.name, modules: [module] };
  }
  for (const [module, namespace] of tables.namespaces) {
    for (const exportName of Object.keys(namespace)) {
      if (readExport(namespace, exportName) === value) return { exportName, modules: [module] };
    }
  }
  return undefined;
}

/** An export of a namespace; undefined while its module has not initialised it yet. */
function readExport(namespace: Namespace, exportName: string): unknown {
  try {
    return namespace[exportName];
  } catch {
    return undefined; // a binding in its temporal dead zone (a module still evaluating)
  }
}

/**
 * For data: where the function or class `value` is found, or undefined when it cannot be
 * (then {@link whyNotFound} says why). Known values cost one lookup.
 */
export function referenceOf(value: Exported): TargetRef | undefined {
  const known = tables.located.get(value);
  if (known !== undefined) return known;
  if (!hasLookupName(value)) return undefined;
  try {
    return locate(value);
  } catch {
    return undefined;
  }
}

/** A name that an export could have (not "", "bound f", "get x"…). */
function hasLookupName(value: Exported): boolean {
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(value.name) && !isNative(value);
}

function isNative(value: Exported): boolean {
  return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(value));
}

/** True for a class (as written with `class`), false for other functions. */
export function isClass(value: Exported): boolean {
  return /^class\b/.test(Function.prototype.toString.call(value));
}

/**
 * Why the function or class `value` cannot be sent by reference, as what it is and what to
 * do, e.g. "a function (helper) that is not exported from file:///…/main.ts: …".
 */
export function whyNotFound(value: Exported): string {
  const name = value.name;
  if (name.startsWith("bound ")) {
    return `a bound function (${name}): a .bind() result cannot be sent to another process. ` +
      `For a method with its object, send boundMethod(obj, "${name.slice(6).split(" ").pop()}"); ` +
      "for an exported function with its first arguments, partial(fn, ...args)";
  }
  if (isNative(value)) {
    return `a built-in function (${name || "anonymous"}) and cannot be sent to another process: ` +
      "send an exported function of your own that calls it";
  }
  if (name && isMethodSource(Function.prototype.toString.call(value), name)) {
    return `a method (${name}) taken off its object, which cannot be sent to another process alone. ${methodHint(name)}`;
  }
  const what = isClass(value) ? `a class (${name || "anonymous"})` : name ? `a function (${name})` : "a function without a name";
  if (!hasLookupName(value)) {
    return `${what}, which cannot be sent to another process: functions and classes cross by reference ` +
      "(their module and export name), so send a named function or class exported from its module " +
      "(an arrow function or a closure has none)";
  }
  return `${what} that ${notExported(value)}`;
}

/** "is not exported from …: export it … or register(…)", for a value with a lookup name. */
export function notExported(value: Exported): string {
  const where = `${searchedModules(callerModules())} or the modules imported there`;
  const declaration = isClass(value) ? `export class ${value.name} …` : `export function ${value.name}(…) …`;
  return `is not exported from ${where}: it crosses by reference (module and export name), so export ` +
    `it from its module at top level (${declaration}; one defined inside a function cannot be), or name ` +
    `its module once with register(${value.name}, moduleUrl)`;
}

/**
 * Registers `value` as the export `exportName` of the module at `moduleUrl`, in this process:
 * sent from here it crosses as that reference, and a reference to it received here is it.
 */
export function registerExport(value: Exported, moduleUrl: string, exportName: string): void {
  remember(value, { exportName, modules: [moduleUrl], explicit: true });
}

/**
 * Instances of `cls` (and of its subclasses) are refused in data with `reason` ("a Process
 * object and cannot be sent…"): this library's objects that stand for something local.
 */
export function refuseInstances(cls: Exported, reason: string): void {
  tables.refusedClasses.set(cls.prototype as object, reason);
}

/** Why instances with prototype `proto` must not be sent, if they must not. */
export function instanceRefusal(proto: object): string | undefined {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const reason = tables.refusedClasses.get(p);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Receiver, synchronously: the export `ref` names if this process has it or can load its
 * module synchronously; undefined otherwise (then only {@link importExport} can get it).
 */
export function exportNow(ref: TargetRef): unknown {
  const cached = cachedExport(ref);
  if (cached !== undefined || !isSingle(ref)) return cached;
  const module = ref.modules[0];
  if (isOwnMainModule(module)) return undefined;
  const namespace = runtime.importSync(module);
  if (namespace === undefined) return undefined;
  tables.namespaces.set(module, namespace);
  return cachedExport(ref);
}

/** The export `ref` names, from what this process has already: registered, sent or imported. */
function cachedExport(ref: TargetRef): unknown {
  if (isSingle(ref)) {
    const key = keyOfRef(ref);
    const known = tables.exports.get(key);
    if (known !== undefined) return known;
    const namespace = tables.namespaces.get(ref.modules[0]);
    const found = namespace && readExport(namespace, ref.exportName);
    if (typeof found !== "function") return undefined;
    tables.exports.set(key, found);
    return found;
  }
  // Several candidates (see TargetRef.alternatives), or modules the sender could not read.
  const found = matchingExport(ref, candidatesOf(ref), (module) => tables.namespaces.get(module));
  return found instanceof Promise ? undefined : found;
}

function candidatesOf(ref: TargetRef): ExportLocation[] {
  if (ref.alternatives) return [{ module: ref.modules[0], exportName: ref.exportName }, ...ref.alternatives];
  return ref.modules.map((module) => ({ module, exportName: ref.exportName }));
}

/**
 * Among `candidates`, the export whose code has the sender's source text (TargetRef.source),
 * else the first one found; undefined when none has the name. `namespaceOf` gives each
 * module's namespace, synchronously or as a promise (then the result is a promise).
 */
function matchingExport(
  ref: TargetRef,
  candidates: ExportLocation[],
  namespaceOf: (module: string) => Namespace | undefined | Promise<Namespace | undefined>,
): unknown {
  let first: unknown;
  const check = (candidate: ExportLocation, namespace: Namespace | undefined): boolean => {
    const found = namespace && readExport(namespace, candidate.exportName);
    if (typeof found !== "function") return false;
    if (ref.source === undefined || Function.prototype.toString.call(found) === ref.source) {
      first = found;
      return true;
    }
    first ??= found;
    return false;
  };
  const next = (i: number): unknown => {
    for (; i < candidates.length; i++) {
      const namespace = namespaceOf(candidates[i].module);
      if (namespace instanceof Promise) return namespace.then((resolved) => (check(candidates[i], resolved) ? first : next(i + 1)));
      if (check(candidates[i], namespace)) return first;
    }
    return first;
  };
  return next(0);
}

/**
 * Receiver: the export `ref` names, importing its module (once per process) when needed.
 * With candidates the sender could not narrow (a compiled binary's modules cannot be read),
 * imports them in order, and the modules they import by path, until one exports the name.
 * Throws when none does, or when only the main program's own module could give it (see the
 * module notes).
 */
export async function importExport(ref: TargetRef): Promise<unknown> {
  const cached = cachedExport(ref);
  if (cached !== undefined) return cached;
  if (isSingle(ref) || ref.alternatives) {
    for (const { module } of candidatesOf(ref)) if (isOwnMainModule(module)) throw new Error(ownMainModuleMessage(ref));
    const found = await matchingExport(ref, candidatesOf(ref), (module) => importModule(module, module === ref.modules[0]));
    if (found === undefined) throw new Error(notExportedMessage(ref));
    return found;
  }
  return await searchModules(ref);
}

/** Imports the candidates of `ref` and the modules they import by path until one exports its name. */
async function searchModules(ref: TargetRef): Promise<unknown> {
  const queue = [...ref.modules];
  const searched = new Set<string>();
  while (queue.length > 0 && searched.size < MAX_MODULES_SEARCHED) {
    const url = queue.shift()!;
    if (searched.has(url) || isOwnMainModule(url)) continue;
    searched.add(url);
    const found = readExport((await importModule(url, ref.modules.includes(url))) ?? {}, ref.exportName);
    if (typeof found === "function") return found;
    const source = readSource(url);
    if (source !== undefined) queue.push(...importsOf(source, url));
  }
  throw new Error(notExportedMessage(ref));
}

/**
 * Imports a module once per process, keeping its namespace. A failure to import a module the
 * sender named is the receiver's error; a module merely found among another's imports is
 * skipped (undefined).
 */
export async function importModule(url: string, named = true): Promise<Namespace | undefined> {
  const cached = tables.namespaces.get(url);
  if (cached) return cached;
  try {
    const namespace = (await import(url)) as Namespace;
    tables.namespaces.set(url, namespace);
    return namespace;
  } catch (error) {
    if (named) throw error;
    return undefined;
  }
}

let mainProgram: boolean | undefined;

/** True for the main program's entry module, in the main program (see the module notes). */
function isOwnMainModule(module: string): boolean {
  mainProgram ??= runtime.parentChannel() === null;
  return mainProgram && module === runtime.mainModuleUrl();
}

function ownMainModuleMessage(ref: TargetRef): string {
  return `cannot rebuild "${ref.exportName}" of ${ref.modules[0]} here: that is this program's main module, ` +
    `which this process is running (a module cannot be imported while it runs its top-level code). ` +
    `Register it once in that module, register(${ref.exportName}, import.meta.url), or move it to a module of its own`;
}

/**
 * Receiver, synchronously: why the export `ref` names cannot be had now (for a sync receive's
 * refusal), as advice.
 */
export function whyNotNow(ref: TargetRef): string {
  if (isOwnMainModule(ref.modules[0])) return ownMainModuleMessage(ref);
  return `"${ref.exportName}" of ${ref.modules.join(" or ")} is not loaded in this process, and its module ` +
    "cannot be loaded synchronously (a module with top-level await, in its own code or what it imports): " +
    "receive with the async form (await get(), await recv()), which imports it, or import the module before";
}
