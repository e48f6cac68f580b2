/**
 * The parts of the runtime interface that `node:` modules provide (Node; Deno's main
 * thread). They are loaded on first use.
 * @module
 */
import { builtin, nodeProcess, requireModule } from "./builtins.ts";
import type { Runtime } from "./types.ts";

/** File, CPU, error and exit services from `node:` modules. */
export const nodeServices: Pick<
  Runtime,
  "readTextFile" | "importSync" | "fileExists" | "cpuCount" | "onUncaughtError" | "onIdle" | "exitProgram"
> = {
  readTextFile: (url) => {
    try {
      return builtin("node:fs").readFileSync(new URL(url), "utf8");
    } catch {
      return undefined;
    }
  },
  importSync: requireModule,
  fileExists: (url) => builtin("node:fs").existsSync(new URL(url)),
  cpuCount: () => {
    const os = builtin("node:os");
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  },
  onUncaughtError: (handler) => {
    nodeProcess().on("uncaughtException", handler);
    nodeProcess().on("unhandledRejection", handler);
  },
  onIdle: (handler) => nodeProcess().on("beforeExit", handler),
  exitProgram: (code) => nodeProcess().exit(code),
};

/** The entry script as a URL, with links resolved as `import.meta.url` resolves them. */
export function entryScriptUrl(): string | undefined {
  const entry = nodeProcess().argv[1];
  if (!entry) return undefined;
  const { pathToFileURL } = builtin("node:url");
  try {
    return pathToFileURL(builtin("node:fs").realpathSync(entry)).href;
  } catch {
    return pathToFileURL(entry).href;
  }
}

/** Ends the current worker (only the worker, when called inside one). */
export function exitThread(code: number): never {
  return nodeProcess().exit(code);
}
