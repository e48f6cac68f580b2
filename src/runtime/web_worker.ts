/**
 * Children on the web `Worker` (Bun; Deno for non-daemon children): the fastest to start
 * on both. Bun reports the exit code in a `close` event and can unref a worker; Deno
 * reports neither, so a Deno child's end is its last message, after which it is terminated.
 * @module
 */
import process from "node:process";
import type { ChildWorker, ParentChannel, SpawnOptions } from "./types.ts";

interface BunWorker extends Worker {
  ref(): void;
  unref(): void;
}

type WorkerScope = typeof globalThis & { postMessage(message: unknown): void };

function isBun(): boolean {
  return "Bun" in globalThis;
}

/** Starts a web worker (module type) on the module at `url`. */
export function spawnWebWorker(url: URL, options: SpawnOptions): ChildWorker {
  const worker = new Worker(url, { type: "module", name: options.name }) as BunWorker;
  let exitHandler: ((code: number | null) => void) | undefined;
  let exited = false;
  const reportExit = (code: number | null) => {
    if (exited) return;
    exited = true;
    exitHandler?.(code);
  };
  if (isBun()) worker.addEventListener("close", (event) => reportExit((event as unknown as { code: number }).code));
  const terminate = () => {
    worker.terminate();
    if (!isBun()) reportExit(null);
  };
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.addEventListener("message", (event) => handler(event.data)),
    onError: (handler) =>
      worker.addEventListener("error", (event) => {
        // Deno ends the whole program on a worker error unless it is marked handled.
        event.preventDefault();
        handler((event as ErrorEvent).error ?? new Error((event as ErrorEvent).message));
        if (!isBun()) terminate();
      }),
    onExit: (handler) => {
      exitHandler = handler;
    },
    finish: () => {
      if (!isBun()) terminate();
    },
    terminate,
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
  };
}

/** True inside a web worker. */
export function inWebWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: { new (): unknown } }).WorkerGlobalScope;
  return scope !== undefined && globalThis instanceof scope;
}

/** The parent channel of a web worker. */
export function webParentChannel(): ParentChannel {
  const scope = globalThis as WorkerScope;
  return {
    post: (message) => scope.postMessage(message),
    receiveOnce: () =>
      new Promise((resolve) => {
        scope.addEventListener("message", (event) => resolve((event as MessageEvent).data), { once: true });
      }),
    // In a worker, process.exit ends just that worker (Bun has no self.close()).
    exit: (code) => process.exit(code),
  };
}
