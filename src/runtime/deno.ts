/**
 * Deno: children are web workers (15 ms to start, against 40 ms for `node:worker_threads`),
 * which talk to their parent through `postMessage` whatever kind of worker they are. A Deno
 * web worker keeps the program alive and cannot be unref'd, so the main program starts its
 * daemon children as `node:worker_threads` workers, which can. `node:` modules cost a
 * Deno worker tens of milliseconds to load, so only the main thread loads them.
 * @module
 */
import type { Runtime } from "./types.ts";
import { inWebWorker, spawnWebWorker, webParentChannel } from "./web_worker.ts";

interface DenoApi {
  mainModule: string;
  readTextFileSync(path: string | URL): string;
  statSync(path: string | URL): unknown;
  exit(code: number): never;
}
declare const Deno: DenoApi;

type MainThreadServices = typeof import("./node_process.ts") & typeof import("./worker_threads.ts");

function inChild(): boolean {
  return inWebWorker() || typeof (globalThis as { postMessage?: unknown }).postMessage === "function";
}

// The main thread needs `node:` services (daemon workers, beforeExit); children do not.
const mainThread: MainThreadServices | undefined = inChild()
  ? undefined
  : { ...(await import("./node_process.ts")), ...(await import("./worker_threads.ts")) };

function mainOnly(): MainThreadServices {
  if (!mainThread) throw new Error("only the main thread of a Deno program can do this");
  return mainThread;
}

/** The Deno implementation of the runtime interface. */
export const denoRuntime: Runtime = {
  name: "deno",
  spawn: (url, options) =>
    options.daemon && mainThread ? mainThread.spawnThreadWorker(url, options) : spawnWebWorker(url, options),
  parentChannel: () => (inChild() ? webParentChannel((code) => Deno.exit(code)) : null),
  mainModuleUrl: () => Deno.mainModule,
  readTextFile: (url) => {
    try {
      return Deno.readTextFileSync(new URL(url));
    } catch {
      return undefined;
    }
  },
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
  onIdle: (handler) => mainOnly().nodeServices.onIdle(handler),
  exitProgram: (code) => Deno.exit(code),
};
