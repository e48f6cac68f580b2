/**
 * Children on the web `Worker` (Bun; Deno): the fastest to start on both. Bun reports the
 * exit code in a `close` event and can unref a worker; Deno reports neither, so a Deno
 * child's end is its last message, after which it is terminated. A child that ends without
 * a last message (terminated, or killed by a load error) ends with the `close` event (Bun)
 * or the `error` event (Deno). No `node:` imports here:
 * on Deno they cost a child tens of milliseconds to load.
 * @module
 */
import type { ChildWorker, ParentChannel, SpawnOptions } from "./types.ts";

interface UnrefableWorker extends Worker {
  ref?(): void;
  unref?(): void;
}

type WorkerScope = typeof globalThis & { postMessage(message: unknown): void };

/** Starts a web worker (module type) on the module at `url`. */
export function spawnWebWorker(url: URL, options: SpawnOptions): ChildWorker {
  const worker = new Worker(url, { type: "module", name: options.name }) as UnrefableWorker;
  // Bun reports the exit code in a `close` event; Deno has no exit event at all.
  const reportsExit = "Bun" in globalThis;
  let exitHandler: ((code: number | null, mayRunOn: boolean) => void) | undefined;
  let exited = false;
  const reportExit = (code: number | null) => {
    if (exited) return;
    exited = true;
    exitHandler?.(code, !reportsExit);
  };
  if (reportsExit) worker.addEventListener("close", (event) => reportExit((event as Event & { code: number }).code));
  const terminate = () => {
    worker.terminate();
    if (!reportsExit) reportExit(null);
  };
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    onMessage: (handler) => worker.addEventListener("message", (event) => handler(event.data)),
    onError: (handler) =>
      worker.addEventListener("error", (event) => {
        // Deno ends the whole program on a worker error unless it is marked handled.
        event.preventDefault();
        handler(event.error ?? new Error(event.message));
        if (!reportsExit) terminate();
      }),
    onExit: (handler) => {
      exitHandler = handler;
    },
    // Deno: the child's last message is its end. Bun: its `close` event follows at once. (Not
    // waiting for it makes a join return 2 ms sooner, but the worker's teardown then slows the
    // next worker's start by as much: a loop of start + join gains nothing.)
    finish: () => (reportsExit ? undefined : terminate()),
    terminate,
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
  };
}

/** True inside a web worker (false in `node:worker_threads` workers, even on Deno). */
export function inWebWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: { new (): unknown } }).WorkerGlobalScope;
  return scope !== undefined && globalThis instanceof scope;
}

/** Holds a worker's event loop open with a timer until the returned function is called. */
export function holdWithTimer(): () => void {
  const timer = setInterval(() => {}, 1 << 30);
  return () => clearInterval(timer);
}

/**
 * The channel to the parent through the worker's global `postMessage` and `message` events.
 * `holdOpen` as {@link ParentChannel.holdOpen}: a timer, unless the worker never ends by itself.
 */
export function webParentChannel(exit: (code: number) => never, holdOpen = holdWithTimer): ParentChannel {
  const scope = globalThis as WorkerScope;
  return {
    post: (message) => scope.postMessage(message),
    receiveOnce: () =>
      new Promise((resolve) => {
        scope.addEventListener("message", (event) => resolve((event as MessageEvent).data), { once: true });
      }),
    exit,
    holdOpen,
  };
}
