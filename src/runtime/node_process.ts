/**
 * The parts of the runtime interface that `node:` modules provide (Node and Bun load them
 * cheaply; Deno only in its main thread, where their start-up cost is paid once).
 * @module
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Runtime } from "./types.ts";

/** File, CPU, error and exit services from `node:` modules. */
export const nodeServices: Pick<
  Runtime,
  "readTextFile" | "fileExists" | "cpuCount" | "onUncaughtError" | "onIdle" | "exitProgram"
> = {
  readTextFile: (url) => {
    try {
      return readFileSync(fileURLToPath(url), "utf8");
    } catch {
      return undefined;
    }
  },
  fileExists: (url) => existsSync(fileURLToPath(url)),
  cpuCount: () => (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length),
  onUncaughtError: (handler) => {
    process.on("uncaughtException", handler);
    process.on("unhandledRejection", handler);
  },
  onIdle: (handler) => process.on("beforeExit", handler),
  exitProgram: (code) => process.exit(code),
};

/** The entry script as a URL, with links resolved as `import.meta.url` resolves them. */
export function entryScriptUrl(): string | undefined {
  const entry = process.argv[1];
  if (!entry) return undefined;
  try {
    return pathToFileURL(realpathSync(entry)).href;
  } catch {
    return pathToFileURL(entry).href;
  }
}

/** Ends the current worker (only the worker, when called inside one). */
export function exitThread(code: number): never {
  return process.exit(code);
}
