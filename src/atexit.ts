/**
 * Work a process must finish before it reports its end, like Python's `util._exit_function`:
 * a queue flushing what this process put, for instance. The child bootstrap (and the main
 * program's exit handling) runs the hooks after the process's own work is done.
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
