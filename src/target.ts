/**
 * Finding a process's code by reference, as Python pickles a function by module and name:
 * the parent records the export's name and the modules it may come from (the `module`
 * option, else the modules on the call stack outside this library); the child imports
 * them and takes the export by name.
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { existsSync, readFileSync } from "node:fs";

/** What a child needs to find its code. */
export interface TargetRef {
  /** The export's name: a function's or a Process subclass's name. */
  exportName: string;
  /** Module URLs to search, in order. */
  modules: string[];
  /** A target function, or a Process subclass whose `run()` is the code. */
  kind: "function" | "class";
}

const LIBRARY_DIR = new URL("./", import.meta.url).href;
const MAX_MODULES_SEARCHED = 32;
const STATIC_IMPORT = /\b(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g;
const FRAME_LOCATION = /((?:file:\/\/|\/)[^\s()]*?):\d+:\d+\)?\s*$/;

/** Module URLs of the call stack, nearest first, outside this library (all of them if none). */
export function callerModules(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const files = new Set<string>();
  for (const line of stack.split("\n")) {
    const location = FRAME_LOCATION.exec(line)?.[1];
    if (location) files.add(location.startsWith("file:") ? location : pathToFileURL(location).href);
  }
  const all = [...files];
  const outside = all.filter((url) => !url.startsWith(LIBRARY_DIR));
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
      `the process ${kind === "function" ? "target" : "class"} has no usable name (${JSON.stringify(exportName)}): ` +
        `a child finds its code by name, so pass a named function or class that is exported from its module ` +
        `(export function work() {…}), not an anonymous or bound function`,
    );
  }
  if (module === undefined) return { exportName, modules: fallbackModules, kind };
  const url = new URL(module, fallbackModules[0]).href;
  assertModuleExists(url);
  return { exportName, modules: [url], kind };
}

function assertModuleExists(url: string): void {
  if (!url.startsWith("file:")) return;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return;
  }
  if (!existsSync(path) && !path.startsWith("/$bunfs/")) {
    throw new Error(`module ${url} does not exist: pass as \`module\` the URL of the module that exports the target`);
  }
}

/**
 * In the child: imports the candidate modules in order and returns the export. A function
 * defined in a module that a candidate imports (the usual `import { work } from "./work.ts"`
 * in a main script) is found by following that candidate's relative imports.
 */
export async function importTarget(ref: TargetRef): Promise<unknown> {
  const queue = [...ref.modules];
  const searched = new Set<string>();
  while (queue.length > 0 && searched.size < MAX_MODULES_SEARCHED) {
    const url = queue.shift()!;
    if (searched.has(url)) continue;
    searched.add(url);
    const namespace = (await import(url)) as Record<string, unknown>;
    const found = namespace[ref.exportName];
    if (typeof found === "function") return found;
    queue.push(...relativeImportsOf(url));
  }
  const where = ref.modules.join(", ") || "(no module found on the call stack)";
  const example = ref.kind === "function"
    ? `export function ${ref.exportName}(…) {…}`
    : `export class ${ref.exportName} extends Process {…}`;
  throw new Error(
    `cannot find the process ${ref.kind === "function" ? "target" : "class"} "${ref.exportName}": ` +
      `it is not exported from ${where}. Export it (${example}), or pass { module } with the URL ` +
      `of the module that exports it`,
  );
}

/** The modules that the module at `url` imports by relative or absolute path. */
function relativeImportsOf(url: string): string[] {
  let source: string;
  try {
    source = readFileSync(fileURLToPath(url), "utf8");
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(STATIC_IMPORT)) {
    if (/^(\.{1,2}\/|\/|file:)/.test(specifier)) found.push(new URL(specifier, url).href);
  }
  return found;
}
