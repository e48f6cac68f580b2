/**
 * Node: children are `node:worker_threads` workers (Node 20 has no global `Worker`).
 * @module
 */
import { writeOutputDirectly } from "./direct_output.ts";
import { entryScriptUrl, nodeServices } from "./node_process.ts";
import type { Runtime } from "./types.ts";
import { spawnThreadWorker, threadParentChannel } from "./worker_threads.ts";

/** The Node implementation of the runtime interface. */
export const nodeRuntime: Runtime = {
  name: "node",
  spawn: spawnThreadWorker,
  parentChannel: () => {
    const channel = threadParentChannel();
    if (channel) writeOutputDirectly(); // a child: its lines must not wait for the main thread
    return channel;
  },
  mainModuleUrl: entryScriptUrl,
  ...nodeServices,
};
