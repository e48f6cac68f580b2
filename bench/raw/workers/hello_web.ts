/**
 * The raw spawn baseline's worker for the web `Worker`: says hello through the worker's own
 * global scope and ends. It imports nothing: `./parent.ts` loads `node:worker_threads`, which
 * costs a new Bun worker 5 ms and a new Deno worker 7 ms, more than Bun's whole spawn.
 * @module
 */
const scope = globalThis as unknown as { postMessage(message: unknown): void; close(): void };
scope.postMessage("ready");
scope.close();
