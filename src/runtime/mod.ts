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

// A bundler that moves the library's files (the compiled demo binary) sets this map from a
// module name ("child", "pool_worker") to the URL where that module ended up.
const MODULE_URLS_KEY = Symbol.for("@seed/multiprocessing/module-urls");
type GlobalWithModuleUrls = typeof globalThis & { [MODULE_URLS_KEY]?: Record<string, string> };

/**
 * The URL of one of the library's own modules under `src/` (e.g. "child"), with the
 * extension this copy of the library runs from: `.ts` from sources, `.js` once compiled.
 */
export function libraryModuleUrl(name: string): URL {
  const moved = (globalThis as GlobalWithModuleUrls)[MODULE_URLS_KEY]?.[name];
  if (moved) return new URL(moved);
  const extension = import.meta.url.slice(import.meta.url.lastIndexOf("."));
  return new URL(`../${name}${extension}`, import.meta.url);
}
