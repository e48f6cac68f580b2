/** The processes that `bench/spawn` starts: they do nothing, so start + join is all that is timed. */
export function trivial(): void {}

/** Tells the parent that the target runs: sets the flag and wakes it. */
export function signalRunning(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
