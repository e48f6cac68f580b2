/**
 * The child's bootstrap, the module every process worker starts with: it receives its spec
 * from the parent, joins the process table, imports the target's module, rebuilds the
 * process object and its args (handles included), runs it, and reports how it ended.
 * Like Python's `multiprocessing.spawn._main` + `BaseProcess._bootstrap`.
 * @module
 */
import { runExitHooks } from "./atexit.ts";
import { unpackHandles } from "./handles.ts";
import {
  becomeChild,
  type ChildMessage,
  type ChildSpec,
  endChildren,
  Process,
  setCurrentProcess,
  setImportingModule,
} from "./process.ts";
import { runtime } from "./runtime/mod.ts";
import type { ParentChannel } from "./runtime/types.ts";
import { importTarget } from "./target.ts";
import { adoptProcessTable, currentPid, markPidEnded } from "./transport/liveness.ts";

const channel = runtime.parentChannel();
if (!channel) throw new Error("src/child.ts is the bootstrap of a child process: it runs only in a worker");

let processName = "Process";
let ending = false;

/** Reports the end to the parent and ends this worker; runs once. */
function end(parent: ParentChannel, code: number): never {
  if (!ending) {
    ending = true;
    markPidEnded(currentPid());
    parent.post({ type: "exit", code } satisfies ChildMessage);
  }
  return parent.exit(code);
}

/** Python prints "Process <name>:" and the traceback, and the exit code becomes 1. */
function fail(parent: ParentChannel, error: unknown): never {
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  console.error(`Process ${processName}:\n${stack}`);
  return end(parent, 1);
}

async function rebuildSelf(spec: ChildSpec): Promise<Process> {
  const info = { name: spec.name, pid: spec.table.pid, daemon: spec.daemon };
  if (!spec.target) return Process.rebuild(Process, "current", info); // no code: runs nothing, as in Python
  setImportingModule(spec.target.modules[0] ?? "its module");
  let code: unknown;
  try {
    code = await importTarget(spec.target);
  } finally {
    setImportingModule(undefined);
  }
  const payload = await unpackHandles(spec.payload);
  if (spec.target.kind === "function") {
    const target = code as (...args: unknown[]) => unknown;
    return Process.rebuild(Process, "current", { ...info, target, args: payload as unknown[] });
  }
  const self = Process.rebuild(code as new () => Process, "current", info);
  return Object.assign(self, payload as Record<string, unknown>);
}

/**
 * Runs the process's code. A `run()` whose promise nothing else keeps pending must not let
 * the event loop empty and end the worker (Node and Bun end it with exit code 13): it runs
 * on until it settles or is terminated, as in Python (and on Deno).
 */
async function runKeptAlive(self: Process): Promise<void> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await self.run();
  } finally {
    clearInterval(keepAlive);
  }
}

async function main(parent: ParentChannel): Promise<never> {
  runtime.onUncaughtError((error) => fail(parent, error));
  const spec = (await parent.receiveOnce()) as ChildSpec;
  adoptProcessTable(spec.table);
  processName = spec.name;
  becomeChild(spec);
  try {
    const self = await rebuildSelf(spec);
    setCurrentProcess(self);
    await runKeptAlive(self);
  } catch (error) {
    return fail(parent, error);
  }
  await runExitHooks();
  await endChildren();
  return end(parent, 0);
}

await main(channel);
