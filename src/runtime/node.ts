/**
 * Node: children are `node:worker_threads` workers (Node 20 has no global `Worker`).
 * @module
 */
import { entryScriptUrl, nodeServices } from "./node_process.ts";
import type { Runtime } from "./types.ts";
import { spawnThreadWorker, threadParentChannel } from "./worker_threads.ts";

/** The Node implementation of the runtime interface. */
export const nodeRuntime: Runtime = {
  name: "node",
  spawn: spawnThreadWorker,
  parentChannel: threadParentChannel,
  mainModuleUrl: entryScriptUrl,
  ...nodeServices,
};
