/**
 * Node: children are `node:worker_threads` workers (Node 20 has no global `Worker`).
 * @module
 */
import { builtin } from "./builtins.ts";
import { writeOutputDirectly } from "./direct_output.ts";
import { entryScriptUrl, nodeServices } from "./node_process.ts";
import type { Runtime } from "./types.ts";
import { spawnThreadWorker, threadParentChannel } from "./worker_threads.ts";

/**
 * In a child: Node's compile cache (22.1+; in the OS's temporary directory unless
 * NODE_COMPILE_CACHE says otherwise, off with NODE_DISABLE_COMPILE_CACHE) for the modules it
 * imports from now on (its target's, and the library's that its bootstrap had not loaded):
 * each new worker compiles them again otherwise. Measured: a child whose module imports the
 * whole library starts 4–7 ms sooner.
 */
function cacheCompiledModules(): void {
  const nodeModule = builtin("node:module") as { enableCompileCache?: () => unknown };
  try {
    nodeModule.enableCompileCache?.();
  } catch {
    // No cache (a read-only temporary directory): modules compile as before.
  }
}

/** The Node implementation of the runtime interface. */
export const nodeRuntime: Runtime = {
  name: "node",
  spawn: spawnThreadWorker,
  parentChannel: () => {
    const channel = threadParentChannel();
    if (!channel) return null;
    cacheCompiledModules();
    writeOutputDirectly(); // a child: its lines must not wait for the main thread
    return channel;
  },
  mainModuleUrl: entryScriptUrl,
  ...nodeServices,
  onExitCall: () => {}, // a worker's process.exit(code) ends it with that code
};
