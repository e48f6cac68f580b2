/**
 * Deno: children are web workers (15 ms to start, against 40 ms for `node:worker_threads`),
 * which talk to their parent through `postMessage` whatever kind of worker they are. A Deno
 * web worker keeps the program alive and cannot be unref'd, so the main program starts its
 * daemon children as `node:worker_threads` workers, which can. `node:` modules cost a
 * Deno worker tens of milliseconds to load, so children use Deno's own APIs.
 * @module
 */
import { nodeServices } from "./node_process.ts";
import { requireModule } from "./builtins.ts";
import type { Runtime } from "./types.ts";
import { inWebWorker, spawnWebWorker, webParentChannel } from "./web_worker.ts";
import { spawnThreadWorker } from "./worker_threads.ts";

interface DenoApi {
  mainModule: string;
  readTextFileSync(path: string | URL): string;
  statSync(path: string | URL): unknown;
  exit(code: number): never;
}
declare const Deno: DenoApi;

function inChild(): boolean {
  return inWebWorker() || typeof (globalThis as { postMessage?: unknown }).postMessage === "function";
}

/** The Deno implementation of the runtime interface. */
export const denoRuntime: Runtime = {
  name: "deno",
  // Only the main program needs a daemon that does not keep it alive: a child ends its
  // daemons itself when its work is done.
  spawn: (url, options) =>
    options.daemon && !inChild() ? spawnThreadWorker(url, options) : spawnWebWorker(url, options),
  // A Deno worker (of either kind) never ends by itself, and its first timer costs it 4 ms
  // to start (a quarter of a child's start): nothing to hold open.
  parentChannel: () => (inChild() ? webParentChannel((code) => Deno.exit(code), () => () => {}) : null),
  mainModuleUrl: () => Deno.mainModule,
  readTextFile: (url) => {
    try {
      return Deno.readTextFileSync(new URL(url));
    } catch {
      return undefined;
    }
  },
  importSync: requireModule,
  fileExists: (url) => {
    try {
      Deno.statSync(new URL(url));
      return true;
    } catch {
      return false;
    }
  },
  cpuCount: () => navigator.hardwareConcurrency,
  onUncaughtError: (handler) => {
    globalThis.addEventListener("error", (event) => {
      event.preventDefault();
      handler((event as ErrorEvent).error);
    });
    globalThis.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      handler((event as PromiseRejectionEvent).reason);
    });
  },
  onIdle: nodeServices.onIdle,
  exitProgram: (code) => Deno.exit(code),
};
