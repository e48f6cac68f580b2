/**
 * Work a process must finish before it reports its end, like Python's `util._exit_function`:
 * a queue flushing what this process put, for instance. A child runs the hooks once its own
 * work is done or failed (`endProcess` in process.ts). An `exit()` that ends the child at once
 * runs none: it writes what queues and pipes buffered itself ({@link flushBeforeExitSync})
 * and terminates the daemon children, which is what the hooks are for. The main program runs
 * none (as in Python, it does not wait to write into the queues it created).
 * @module
 */

type ExitHook = () => void | Promise<void>;

// On globalThis so that every copy of this module (bundled binaries) shares the hooks.
const HOOKS_KEY = Symbol.for("@seed/multiprocessing/exit-hooks");
const FLUSH_KEY = Symbol.for("@seed/multiprocessing/exit-flush");
type GlobalWithHooks = typeof globalThis & { [HOOKS_KEY]?: Set<ExitHook>; [FLUSH_KEY]?: () => void };

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

/**
 * Sets how an `exit()` writes, blocking, what this thread's queues and pipes buffered. The
 * transport's feeder sets it when it loads: a child that never made or received a queue or
 * pipe does not load it (each module costs a new worker time to load).
 */
export function setExitFlush(flush: () => void): void {
  (globalThis as GlobalWithHooks)[FLUSH_KEY] = flush;
}

/** Writes, blocking, what this thread's queues and pipes buffered (see {@link setExitFlush}). */
export function flushBeforeExitSync(): void {
  (globalThis as GlobalWithHooks)[FLUSH_KEY]?.();
}
