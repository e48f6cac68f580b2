// Handles passed on without starting a process: the copy that a receiving process would rebuild.
import { packHandles, unpackHandles } from "../src/handles.ts";
import { currentPid } from "../src/transport/liveness.ts";

/**
 * A second handle on the same shared object, rebuilt the way a child rebuilds its args (here,
 * in this very process: it is the receiver).
 */
export async function travel<T>(handle: T): Promise<T> {
  return ((await unpackHandles(structuredClone(packHandles([handle], currentPid())))) as T[])[0];
}

/** Packs `value` for this process, as `start()` packs a child's args (throws what it throws). */
export function pack(value: unknown): unknown {
  return packHandles(value, currentPid());
}
