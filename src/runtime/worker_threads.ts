/**
 * Children on `node:worker_threads` (Node; Deno's main thread for daemons, since only these
 * workers can be unref'd there). Workers report their exit code through the `exit` event.
 * @module
 */
import { builtin } from "./builtins.ts";
import { exitThread } from "./node_process.ts";
import type { ChildWorker, ParentChannel, SpawnOptions } from "./types.ts";
import { holdWithTimer } from "./web_worker.ts";

/** Starts a `node:worker_threads` worker on the module at `url`. */
export function spawnThreadWorker(url: URL, options: SpawnOptions): ChildWorker {
  const worker = new (builtin("node:worker_threads").Worker)(url, { name: options.name });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (handler) => worker.on("message", handler),
    onError: (handler) => worker.on("error", handler),
    onExit: (handler) => worker.once("exit", (code: number) => handler(code, false)),
    finish: () => {}, // the thread exits by itself right after its last message
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** The parent channel of a `node:worker_threads` worker, or null outside one. */
export function threadParentChannel(): ParentChannel | null {
  const port = builtin("node:worker_threads").parentPort;
  if (!port) return null;
  return {
    post: (message) => port.postMessage(message),
    receiveOnce: () =>
      new Promise((resolve) => {
        port.once("message", (message: unknown) => {
          // An idle parent port must not keep the child alive once the spec arrived.
          port.unref();
          resolve(message);
        });
      }),
    exit: exitThread,
    holdOpen: holdWithTimer,
  };
}
