/**
 * Bun: children are web workers (2 ms to start, against 15 ms for `node:worker_threads`);
 * they can be unref'd and report their exit code. Bun's global `process` serves exits and
 * error events; `node:` modules are loaded only when needed (with `require`, which Bun
 * allows in ES modules), since each costs a new worker milliseconds to load.
 * @module
 */
import { requireModule } from "./builtins.ts";
import type { Runtime } from "./types.ts";
import { spawnWebWorker, webParentChannel } from "./web_worker.ts";

interface BunProcess {
  exit(code: number): never;
  on(event: string, handler: (...args: never[]) => void): void;
}
interface NodeFs {
  readFileSync(path: URL, encoding: "utf8"): string;
  existsSync(path: URL): boolean;
}
declare const Bun: { main: string; isMainThread: boolean };
declare const require: (id: "node:fs") => NodeFs;

// Read when used: on Deno, which loads every adapter, reading `globalThis.process` loads
// its Node compatibility layer (15 ms on a worker's start).
function bunProcess(): BunProcess {
  return (globalThis as unknown as { process: BunProcess }).process;
}

/** The Bun implementation of the runtime interface. */
export const bunRuntime: Runtime = {
  name: "bun",
  spawn: spawnWebWorker,
  parentChannel: () => (Bun.isMainThread ? null : webParentChannel((code) => bunProcess().exit(code))),
  mainModuleUrl: () => new URL(Bun.main, "file:///").href,
  readTextFile: (url) => {
    try {
      return require("node:fs").readFileSync(new URL(url), "utf8");
    } catch {
      return undefined;
    }
  },
  importSync: requireModule,
  fileExists: (url) => require("node:fs").existsSync(new URL(url)),
  cpuCount: () => navigator.hardwareConcurrency,
  onUncaughtError: (handler) => {
    bunProcess().on("uncaughtException", handler);
    bunProcess().on("unhandledRejection", handler);
  },
  onIdle: (handler) => bunProcess().on("beforeExit", handler),
  onExitCall: () => {}, // a worker's process.exit(code) ends it with that code
  exitProgram: (code) => bunProcess().exit(code),
};
