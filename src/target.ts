/**
 * Where a function or class is exported, found by reading sources, as Python pickles a
 * function by module and name: the sender records the export's name and the modules it may
 * come from (the `module` option, else the modules on the call stack outside this library,
 * and the modules they import by path); the receiver imports them and takes the export by
 * name (see references.ts, which caches both sides).
 * @module
 */
import { runtime } from "./runtime/mod.ts";

/** What a receiver needs to find a function or class: a process's code, or one met in data. */
export interface TargetRef {
  /**
   * The export's name: a function's or a Process subclass's name, or the name it is exported
   * under ("default" for a default export, the alias of `export { work as job }`).
   */
  exportName: string;
  /** Module URLs to search, in order. */
  modules: string[];
  /**
   * A target function, or a Process subclass whose `run()` is the code (for messages; absent
   * for a function or class met in data).
   */
  kind?: "function" | "class";
  /** The user named the module: take its export by name, without comparing identity. */
  explicit?: boolean;
  /**
   * When other modules export code of the same name too: them, tried after `modules[0]`,
   * and the code's source text, by which the child tells which export is the parent's.
   */
  alternatives?: ExportLocation[];
  source?: string;
}

/** Where a module exports a function or class: the module's URL and the export's name. */
export interface ExportLocation {
  module: string;
  exportName: string;
}

/**
 * The directory of the library's own modules (`src/`). A bundle of the library must keep
 * this module's code in a file directly in that directory (see scripts/bundle.ts).
 */
const LIBRARY_DIR = new URL("./", import.meta.url).href;
const LIBRARY_EXTENSION = import.meta.url.slice(import.meta.url.lastIndexOf("."));
/** Most modules a search for an export reads (here) or imports (in the receiver). */
export const MAX_MODULES_SEARCHED = 32;
const STATIC_IMPORT = /\b(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g;
const EXPORT_LIST = /\bexport\s*(?:type\s*)?\{([^}]*)\}/g;
const FRAME_LOCATION = /(?:\(|at )((?:file:\/\/|\/)[^\s()]*?):\d+:\d+\)?\s*$/;

/**
 * The URL of one of the library's own modules under `src/` (e.g. "child"), with the
 * extension this copy of the library runs from: `.ts` from sources, `.js` once compiled.
 */
export function libraryModuleUrl(name: string): URL {
  return new URL(`${name}${LIBRARY_EXTENSION}`, LIBRARY_DIR);
}

/** The URL of the library's entry module, `mod.ts` (`mod.js` once compiled or bundled). */
export function libraryEntryUrl(): URL {
  return new URL(`../mod${LIBRARY_EXTENSION}`, LIBRARY_DIR);
}

/** Module URLs of the call stack, nearest first, outside this library (all of them if none). */
export function callerModules(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const files = new Set<string>();
  for (const line of stack.split("\n")) {
    const location = FRAME_LOCATION.exec(line)?.[1];
    if (location) files.add(new URL(location, "file:///").href);
  }
  const all = [...files];
  const outside = all.filter((url) => !isLibraryModule(url));
  // A bundle holds the library and the user's code in one file: search it then.
  return outside.length > 0 ? outside : all;
}

/**
 * Describes `code` (a target function or a Process subclass) for the child. Throws what the
 * parent can tell by itself: no name to look the code up by, or a `module` file that does
 * not exist.
 */
export function describeTarget(
  code: { name: string },
  kind: TargetRef["kind"],
  module: string | URL | undefined,
  fallbackModules: string[],
): TargetRef {
  const exportName = code.name;
  if (!exportName || exportName.startsWith("bound ") || !/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(exportName)) {
    throw new TypeError(
      `the ${kind === "function" ? "function" : "process class"} has no usable name (${JSON.stringify(exportName)}): ` +
        `a child finds its code by name, so pass a named function or class that is exported from its module ` +
        `(export function work() {…}), not an anonymous or bound function`,
    );
  }
  if (module === undefined) {
    return { exportName, modules: fallbackModules, kind, source: Function.prototype.toString.call(code) };
  }
  const url = new URL(module, fallbackModules[0]).href;
  assertModuleExists(url);
  return { exportName, modules: [url], kind, explicit: true };
}

function assertModuleExists(url: string): void {
  // Files embedded in a compiled binary (/$bunfs/) are not on the file system.
  if (!url.startsWith("file:") || url.startsWith("file:///$bunfs/") || runtime.fileExists(url)) return;
  throw new Error(`module ${url} does not exist: pass as \`module\` the URL of the module that exports the target`);
}

/**
 * In the parent: narrows the candidates to the modules whose source exports the name, among
 * the candidates and the modules they import by path (static analysis: importing them here
 * could wait on a module that is still running its top-level await). The child then imports
 * just the first, as Python imports a pickled function's module; when several export the
 * name, it compares their code with the parent's (`source`) to take the right one. Throws
 * when every source was read and none exports the name; when some could not be read (a
 * compiled binary), the child searches the candidates itself.
 */
export function resolveTarget(ref: TargetRef): TargetRef {
  const { source, ...plain } = ref;
  if (ref.explicit) {
    const text = readSource(ref.modules[0]);
    return { ...plain, exportName: (text && exportedName(text, ref.exportName, ref.modules[0])) || ref.exportName };
  }
  const found: ExportLocation[] = [];
  const queue = [...ref.modules];
  const searched = new Set<string>();
  let unreadable = false;
  while (queue.length > 0 && searched.size < MAX_MODULES_SEARCHED) {
    const url = queue.shift()!;
    if (searched.has(url)) continue;
    searched.add(url);
    const text = readSource(url);
    if (text === undefined) {
      unreadable = true;
      continue;
    }
    const exportName = exportedName(text, ref.exportName, url);
    if (exportName !== undefined) found.push({ module: url, exportName });
    queue.push(...importsOf(text, url));
  }
  if (found.length > 0) {
    const [first, ...alternatives] = found;
    const located = { ...plain, exportName: first.exportName, modules: [first.module] };
    return alternatives.length === 0 ? located : { ...located, alternatives, source };
  }
  if (unreadable || queue.length > 0) return plain;
  throw new Error(notExportedMessage(ref));
}

/**
 * The name under which the module source exports the function or class named `name` (itself,
 * "default", or an alias), or undefined when it does not export it.
 */
function exportedName(source: string, name: string, url: string): string | undefined {
  // The name as a whole identifier (`$` is an identifier character, and special in a RegExp).
  const identifier = `${name.replaceAll("$", "\\$")}(?![\\p{L}\\p{N}_$])`;
  const declared = new RegExp(
    `\\bexport\\s+(?:declare\\s+)?(default\\s+)?(?:abstract\\s+)?` +
      `(?:async\\s+)?(?:function\\s*\\*?|class|const|let|var)\\s+${identifier}`,
    "u",
  );
  const declaration = declared.exec(source);
  if (declaration) return declaration[1] ? "default" : name;
  // `export default work;`, or an anonymous default export (named "default"; Bun names an
  // anonymous function `<module's file name>_default`).
  const defaultExport = name === "default" || name === `${fileIdentifier(url)}_default`
    ? /\bexport\s+default\b/
    : new RegExp(`\\bexport\\s+default\\s+${identifier}\\s*(?:;|$)`, "mu");
  if (defaultExport.test(source)) return "default";
  let alias: string | undefined;
  for (const [, list] of source.matchAll(EXPORT_LIST)) {
    for (const item of list.split(",")) {
      const [local, exported = local] = item.trim().split(/\s+as\s+/).map((part) => part.trim());
      if (exported === name) return name;
      if (local === name) alias ??= exported;
    }
  }
  return alias;
}

/** A module's file name without its extension, as an identifier (`my-work.ts` → `my_work`). */
function fileIdentifier(url: string): string {
  const file = url.slice(url.lastIndexOf("/") + 1);
  return file.replace(/\.[^.]*$/, "").replace(/[^\p{L}\p{N}_$]/gu, "_");
}

export function notExportedMessage(ref: TargetRef): string {
  const where = searchedModules(ref.modules);
  if (ref.kind === undefined) {
    return `cannot find "${ref.exportName}": it is not exported from ${where}. Export it from its module, ` +
      `or name that module once with register(${ref.exportName}, moduleUrl)`;
  }
  const example = ref.kind === "function"
    ? `export function ${ref.exportName}(…) {…}`
    : `export class ${ref.exportName} extends Process {…}`;
  const method = ref.source !== undefined && isMethodSource(ref.source, ref.exportName) ? ` ${methodHint(ref.exportName)}` : "";
  return `cannot find the ${ref.kind === "function" ? "function" : "process class"} "${ref.exportName}": ` +
    `it is not exported from ${where}.${method} Export it (${example}), or pass { module } with the URL ` +
    `of the module that exports it`;
}

/**
 * True when `source` (a function's text) is a method's, as `incr(by) { … }` or
 * `async *items() { … }`: one taken off an object (`obj.incr`) loses its object.
 */
export function isMethodSource(source: string, name: string): boolean {
  const identifier = name.replaceAll("$", "\\$");
  return new RegExp(`^(?:async\\s+)?\\*?\\s*${identifier}\\s*\\(`, "u").test(source);
}

/** What to send instead of the method `name` taken off its object, as Python pickles `obj.name`. */
export function methodHint(name: string): string {
  return `It is a method: send it with its object, boundMethod(obj, "${name}") (as Python pickles obj.${name}).`;
}

/** The modules searched for an export, as a message names them. */
export function searchedModules(modules: string[]): string {
  // The library's own modules are searched only when nothing else was on the stack: naming
  // them would only confuse.
  return modules.filter((url) => !isLibraryModule(url)).join(", ") || "any module found on the call stack";
}

/** The library's own modules (and its entry, mod.ts) never hold user code. */
export function isLibraryModule(url: string): boolean {
  return url.startsWith(LIBRARY_DIR) || url === new URL("../mod.ts", LIBRARY_DIR).href ||
    url === new URL("../mod.js", LIBRARY_DIR).href;
}

/** Module sources read so far: a loaded module's code does not change while it runs. */
const sources = new Map<string, string | undefined>();

/** The source text of a module, if it can be read. */
export function readSource(url: string): string | undefined {
  if (!sources.has(url)) sources.set(url, url.startsWith("file:") ? runtime.readTextFile(url) : undefined);
  return sources.get(url);
}

/** The user modules that a module's source imports or re-exports by path. */
export function importsOf(source: string, url: string): string[] {
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(STATIC_IMPORT)) {
    if (!/^(\.{1,2}\/|\/|file:)/.test(specifier)) continue;
    const imported = new URL(specifier, url).href;
    if (!isLibraryModule(imported)) found.push(imported);
  }
  return found;
}
