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
import type { ChildWorker, Runtime } from "./types.ts";
import { inWebWorker, spawnWebWorker, webParentChannel } from "./web_worker.ts";
import { spawnThreadWorker } from "./worker_threads.ts";

interface DenoApi {
  mainModule: string;
  errors: { NotCapable: new () => Error; PermissionDenied: new () => Error };
  readTextFileSync(path: string | URL): string;
  statSync(path: string | URL): unknown;
  exit(code?: number): never;
}
declare const Deno: DenoApi;

/** Deno's own exit: a child's `Deno.exit` is the library's once `onExitCall` replaced it. */
let denoExit = (code: number): never => Deno.exit(code);

function inChild(): boolean {
  return inWebWorker() || typeof (globalThis as { postMessage?: unknown }).postMessage === "function";
}

/**
 * A file the library must read (a child's module, the pool's worker) that Deno's permissions
 * hide: say so, rather than report it missing.
 */
function throwIfNotPermitted(error: unknown, url: string): void {
  if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)) return;
  throw new Error(
    `Deno denies reading ${new URL(url).pathname}: children import their modules from files, so the program ` +
      "needs read permission: run it with --allow-read (or -A)",
    { cause: error },
  );
}

/**
 * A Deno `node:worker_threads` worker reports its exit tens of milliseconds after its last
 * message (measured 4–85 ms, the longer under load): once the child announced its end, it is
 * terminated, as a web worker is.
 */
function endedAtFinish(worker: ChildWorker): ChildWorker {
  return { ...worker, finish: () => worker.terminate() };
}

/**
 * Ends a child's thread. `Deno.exit()` in a worker is `self.close()`: it asks for the thread's
 * end and returns, and the thread may run on (seen: a child that called `exit(6)` while its
 * module was imported went on to the end of its bootstrap, which recorded exit code 0 over
 * the 6). Nothing of a child may run after its end, so it waits here until the termination
 * stops it (its own, or its parent's, which follows its last message).
 */
function exitWorker(code: number): never {
  const close: (code: number) => void = denoExit; // it returns in a worker
  close(code);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}

/** The Deno implementation of the runtime interface. */
export const denoRuntime: Runtime = {
  name: "deno",
  // Only the main program needs a daemon that does not keep it alive: a child ends its
  // daemons itself when its work is done.
  spawn: (url, options) =>
    options.daemon && !inChild() ? endedAtFinish(spawnThreadWorker(url, options)) : spawnWebWorker(url, options),
  // A Deno worker (of either kind) never ends by itself, and its first timer costs it 4 ms
  // to start (a quarter of a child's start): nothing to hold open.
  parentChannel: () => (inChild() ? webParentChannel(exitWorker, () => () => {}) : null),
  mainModuleUrl: () => Deno.mainModule,
  readTextFile: (url) => {
    try {
      return Deno.readTextFileSync(new URL(url));
    } catch (error) {
      throwIfNotPermitted(error, url);
      return undefined;
    }
  },
  importSync: requireModule,
  fileExists: (url) => {
    try {
      Deno.statSync(new URL(url));
      return true;
    } catch (error) {
      throwIfNotPermitted(error, url);
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
  // A worker's own `Deno.exit()` (and `process.exit()`, which calls it) closes the thread
  // without a word to its parent, which would wait for it forever.
  onExitCall: (handler) => {
    if (!inChild()) return;
    const own = Deno.exit;
    denoExit = (code) => own(code);
    Deno.exit = handler;
  },
  exitProgram: (code) => denoExit(code),
};
