/**
 * `node:` modules, loaded when first used rather than when the library is imported, through
 * `process.getBuiltinModule` (Node 20.16+, Deno 2, Bun): a worker that never needs one never
 * pays for it (tens of milliseconds on a Deno worker's start).
 * @module
 */
import type * as Fs from "node:fs";
import type * as NodeModule from "node:module";
import type * as Os from "node:os";
import type * as Url from "node:url";
import type * as WorkerThreads from "node:worker_threads";

interface Builtins {
  "node:fs": typeof Fs;
  "node:module": typeof NodeModule;
  "node:os": typeof Os;
  "node:url": typeof Url;
  "node:worker_threads": typeof WorkerThreads;
}

/** The process object of Node's API (a global on all three runtimes' main threads). */
export interface NodeProcess {
  argv: string[];
  exit(code?: number): never;
  on(event: string, handler: (...args: never[]) => void): unknown;
  getBuiltinModule<K extends keyof Builtins>(name: K): Builtins[K];
}

/** The global `process`. */
export function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

/** A `node:` module, loaded on first use. */
export function builtin<K extends keyof Builtins>(name: K): Builtins[K] {
  return nodeProcess().getBuiltinModule(name);
}

/**
 * Loads the ES module at `url` synchronously (`require(esm)`: Node 20.19+, Deno 2, Bun), or
 * returns undefined when it cannot: a module graph with top-level await (Node and Deno refuse
 * it even once evaluated), a module that throws while it loads, a URL that is not a file. An
 * already loaded module comes back as the namespace `import()` gives.
 */
export function requireModule(url: string): Record<string, unknown> | undefined {
  if (!url.startsWith("file:")) return undefined;
  try {
    const { createRequire } = builtin("node:module");
    const path = builtin("node:url").fileURLToPath(url);
    return createRequire(url)(path) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
