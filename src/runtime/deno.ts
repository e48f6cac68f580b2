/**
 * Deno: non-daemon children are web workers (15 ms to start, against 40 ms for
 * `node:worker_threads`). A Deno web worker keeps the program alive and cannot be
 * unref'd, so daemon children are `node:worker_threads` workers, which can.
 * @module
 */
import type { Runtime } from "./types.ts";
import { inWebWorker, spawnWebWorker, webParentChannel } from "./web_worker.ts";
import { spawnThreadWorker, threadParentChannel } from "./worker_threads.ts";

declare const Deno: { mainModule: string };

/** The Deno implementation of the runtime interface. */
export const denoRuntime: Runtime = {
  name: "deno",
  spawn: (url, options) => (options.daemon ? spawnThreadWorker(url, options) : spawnWebWorker(url, options)),
  // worker_threads' isMainThread is wrongly true in Deno web workers: ask the scope first.
  parentChannel: () => (inWebWorker() ? webParentChannel() : threadParentChannel()),
  mainModuleUrl: () => Deno.mainModule,
};
