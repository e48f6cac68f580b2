/**
 * Work a process must finish before it reports its end, like Python's `util._exit_function`:
 * a queue flushing what this process put, for instance. A child runs the hooks once its own
 * work is done or failed (`endProcess` in process.ts). An `exit()` that ends the child at once
 * runs none: it writes what queues and pipes buffered itself (`Feeder.flushBeforeExitSync`)
 * and terminates the daemon children, which is what the hooks are for. The main program runs
 * none (as in Python, it does not wait to write into the queues it created).
 * @module
 */

type ExitHook = () => void | Promise<void>;

// On globalThis so that every copy of this module (bundled binaries) shares the hooks.
const HOOKS_KEY = Symbol.for("@seed/multiprocessing/exit-hooks");
type GlobalWithHooks = typeof globalThis & { [HOOKS_KEY]?: Set<ExitHook> };

function hooks(): Set<ExitHook> {
  return (globalThis as GlobalWithHooks)[HOOKS_KEY] ??= new Set();
}

/** Registers `hook` to run before this process ends; returns a function that unregisters it. */
export function onProcessExit(hook: ExitHook): () => void {
  hooks().add(hook);
  return () => hooks().delete(hook);
}

/** Runs (and forgets) every registered hook; errors are reported, never thrown. */
export async function runExitHooks(): Promise<void> {
  const pending = [...hooks()];
  hooks().clear();
  for (const hook of pending) {
    try {
      await hook();
    } catch (error) {
      console.error("error in an exit hook:", error);
    }
  }
}
