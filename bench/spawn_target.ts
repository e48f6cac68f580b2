/** The process that `bench/spawn` starts: it does nothing, so start + join is all that is timed. */
export function trivial(): void {}
