/**
 * Bun: children are web workers (2 ms to start, against 15 ms for `node:worker_threads`);
 * they can be unref'd and report their exit code.
 * @module
 */
import { exitThread, nodeServices } from "./node_process.ts";
import type { Runtime } from "./types.ts";
import { inWebWorker, spawnWebWorker, webParentChannel } from "./web_worker.ts";
import { threadParentChannel } from "./worker_threads.ts";

declare const Bun: { main: string };

/** The Bun implementation of the runtime interface. */
export const bunRuntime: Runtime = {
  name: "bun",
  spawn: spawnWebWorker,
  parentChannel: () => (inWebWorker() ? webParentChannel(exitThread) : threadParentChannel()),
  mainModuleUrl: () => new URL(Bun.main, "file:///").href,
  ...nodeServices,
};
