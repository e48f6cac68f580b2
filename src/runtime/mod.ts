/**
 * Picks the runtime implementation once; the rest of the library imports from here and
 * never asks which runtime it is on.
 * @module
 */
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import { nodeRuntime } from "./node.ts";
import type { Runtime } from "./types.ts";

export type { ChildWorker, ParentChannel, Runtime, SpawnOptions } from "./types.ts";

// No adapter loads a `node:` module before it needs one, so all three can be imported.
function detect(): Runtime {
  if ("Deno" in globalThis) return denoRuntime;
  if ("Bun" in globalThis) return bunRuntime;
  return nodeRuntime;
}

/** The runtime this program runs on. */
export const runtime: Runtime = detect();
