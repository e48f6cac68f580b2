/**
 * The hand-written equivalent of the library's start + join, for `bench/spawn`: the parent
 * tells the worker which exported function to run (its module's URL and export name); the
 * worker imports it, calls it, says it is done and ends. What a user writing this by hand
 * cannot avoid; the library adds to it what a Process is (pids, names, handles in args, exit
 * codes, daemons, the isMain guard, exit hooks).
 *
 * Each runtime's fastest worker: a web worker on Deno and Bun, which talks through its global
 * scope and imports nothing up front (like `./hello_web.ts`); a `node:worker_threads` worker
 * on Node.
 * @module
 */

/** What the parent posts: where the function is. */
export interface RunRequest {
  module: string;
  exportName: string;
}

interface Channel {
  receive(): Promise<RunRequest>;
  post(message: unknown): void;
  end(): void;
}

interface WebWorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void, options: { once: true }): void;
  close(): void;
}

async function parentChannel(): Promise<Channel> {
  if ("Deno" in globalThis || "Bun" in globalThis) {
    const web = globalThis as unknown as WebWorkerScope;
    return {
      receive: () => new Promise((resolve) => web.addEventListener("message", (event) => resolve(event.data), { once: true })),
      post: (message) => web.postMessage(message),
      end: () => web.close(),
    };
  }
  const { parentPort } = await import("node:worker_threads");
  const port = parentPort!;
  return {
    receive: () => new Promise((resolve) => port.once("message", resolve)),
    post: (message) => port.postMessage(message),
    end: () => port.close(),
  };
}

const channel = await parentChannel();
const request = await channel.receive();
const code = (await import(request.module))[request.exportName] as () => unknown;
await code();
channel.post("done");
channel.end();
