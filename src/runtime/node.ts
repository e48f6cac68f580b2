/**
 * Node: children are `node:worker_threads` workers (Node 20 has no global `Worker`).
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { Runtime } from "./types.ts";
import { spawnThreadWorker, threadParentChannel } from "./worker_threads.ts";

/** The Node implementation of the runtime interface. */
export const nodeRuntime: Runtime = {
  name: "node",
  spawn: spawnThreadWorker,
  parentChannel: threadParentChannel,
  mainModuleUrl: () => {
    const entry = process.argv[1];
    if (!entry) return undefined;
    // import.meta.url is the real path of a module, so resolve links the same way.
    try {
      return pathToFileURL(realpathSync(entry)).href;
    } catch {
      return pathToFileURL(entry).href;
    }
  },
};
