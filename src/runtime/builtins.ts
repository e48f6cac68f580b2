/**
 * `node:` modules, loaded when first used rather than when the library is imported, through
 * `process.getBuiltinModule` (Node 20.16+, Deno 2, Bun): a worker that never needs one never
 * pays for it (tens of milliseconds on a Deno worker's start).
 * @module
 */
import type * as AsyncHooks from "node:async_hooks";
import type * as Fs from "node:fs";
import type * as Os from "node:os";
import type * as Url from "node:url";
import type * as WorkerThreads from "node:worker_threads";

interface Builtins {
  "node:async_hooks": typeof AsyncHooks;
  "node:fs": typeof Fs;
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
