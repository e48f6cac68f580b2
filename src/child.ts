/**
 * The child's bootstrap, the module every process worker starts with: it receives its spec
 * from the parent, joins the process table, imports the target's module, rebuilds the
 * process object and its args (handles included), runs it, and reports how it ended.
 * Like Python's `multiprocessing.spawn._main` + `BaseProcess._bootstrap`.
 * @module
 */
import { unpackHandles } from "./handles.ts";
import {
  becomeChild,
  becomeWarmChild,
  type ChildPayload,
  type ChildSpec,
  currentProcess,
  endProcess,
  exit,
  parentProcess,
  Process,
  setCurrentProcess,
  setImportingModule,
  SystemExit,
} from "./process.ts";
import { adoptLogging, info, logShuttingDown } from "./logging.ts";
import { adoptRegistryLink } from "./registry.ts";
import { runtime } from "./runtime/mod.ts";
import type { ParentChannel } from "./runtime/types.ts";
import { applyState } from "./reduction.ts";
import { importExport } from "./references.ts";
import { decodeWithRefs, importsFor } from "./transport/codec_decode.ts";
import { encodeWithRefs } from "./transport/codec_encode.ts";
import { libraryEntryUrl } from "./target.ts";
import { adoptProcessTable } from "./transport/liveness.ts";
import { fixStartMethod, isWarmSpec, warmUp } from "./start_methods.ts";
import { formatTraceback } from "./traceback.ts";

const channel = runtime.parentChannel();
if (!channel) throw new Error("src/child.ts is the bootstrap of a child process: it runs only in a worker");

/** A non-static `#private` member in a class's source (a `.#name` is a use, not a declaration). */
const PRIVATE_MEMBER = /(?<![.\w$#]|\bstatic\s+)#[\p{L}_$]/u;

/**
 * Python prints "Process <name>:" and the traceback, and the exit code becomes 1; the process
 * then ends as any does (its children first). The `SystemExit` of an `exit()` that waits for
 * children is no failure: its end is already under way, with its code.
 */
function fail(parent: ParentChannel, error: unknown): Promise<never> {
  const crashed = !(error instanceof SystemExit);
  if (crashed) {
    logShuttingDown(); // Python's _exit_function runs before the traceback is printed
    // The current name: the process's code may have renamed it. No name before the spec came.
    const name = parentProcess() ? currentProcess().name : "Process";
    console.error(`Process ${name}:\n${formatTraceback(error)}${privateMembersNote(error)}`);
  }
  return endProcess(parent, 1, crashed);
}

/**
 * A Process subclass is rebuilt in the child from its own public fields (or its SETSTATE),
 * without running its constructor (as Python unpickles `__dict__`), so its `#private` members
 * do not exist there:
 * the TypeError that a use of one throws gets this explanation.
 */
function privateMembersNote(error: unknown): string {
  if (!(error instanceof TypeError) || !parentProcess()) return "";
  const declaring: string[] = [];
  for (let cls = currentProcess().constructor; cls !== Process && cls !== Function.prototype;) {
    if (PRIVATE_MEMBER.test(Function.prototype.toString.call(cls))) declaring.push(cls.name);
    cls = Object.getPrototypeOf(cls);
  }
  if (declaring.length === 0) return "";
  return `\nNote: ${declaring.join(", ")} declares #private members, which do not exist in the child process: ` +
    "a Process subclass is rebuilt there from its own public fields, without running its constructor. " +
    "Keep what run() needs in public fields.";
}

/**
 * Imports the process's code (its module first, whose errors then name the code, then the
 * other modules its payload names by reference), rebuilds the handles carried beside the
 * payload, decodes it, and rebuilds the process object: for a subclass, an instance of it
 * (its constructor not run) given its state, as the codec gives an instance its fields.
 */
async function rebuildSelf(spec: ChildSpec): Promise<Process> {
  const info = { name: spec.name, pid: spec.table.pid, daemon: spec.daemon };
  setImportingModule(spec.target?.modules[0] ?? "its module");
  let carried: unknown[];
  try {
    if (spec.target) await importExport(spec.target);
    await importsFor(spec.payload);
    carried = await Promise.all(spec.carried.map(unpackHandles));
  } finally {
    setImportingModule(undefined);
  }
  const payload = decodeWithRefs<ChildPayload>(spec.payload, (ref) => carried[ref]);
  if (spec.kind === "function") {
    const [target, args] = payload as Extract<ChildPayload, { length: 2 }>;
    return Process.rebuild(Process, "current", { ...info, target, args });
  }
  const [cls, state, args, target] = payload as Extract<ChildPayload, { length: 4 }>;
  const self = Process.rebuild(cls, "current", { ...info, target, args });
  applyState(self, state);
  return self;
}

/**
 * Runs the process's code. A `run()` whose promise nothing else keeps pending must not let
 * the event loop empty and end the worker (Node and Bun end it with exit code 13): it runs
 * on until it settles or is terminated, as in Python.
 */
async function runHeldOpen(parent: ParentChannel, self: Process): Promise<void> {
  const release = parent.holdOpen();
  try {
    await self.run();
  } finally {
    release();
  }
}

/**
 * The spec, from the parent: at once (spawn), or, for a warm worker (forkserver), once it
 * imported its preloads and a process was started on it.
 */
async function receiveSpec(parent: ParentChannel): Promise<ChildSpec> {
  const first = await parent.receiveOnce();
  if (!isWarmSpec(first)) return first as ChildSpec;
  becomeWarmChild(first.warm.parent);
  return (await warmUp(first, parent, setImportingModule, rehearse)) as ChildSpec;
}

/**
 * A warm worker rebuilds a process that does nothing, once, before it waits: the code that
 * rebuilds its real process is then compiled already (the engines compile a function at its
 * first call), which starts that process about a millisecond sooner.
 */
async function rehearse(): Promise<void> {
  const carried: unknown[] = [];
  const payload = encodeWithRefs([exit, [0, "", { a: [true] }, new SharedArrayBuffer(8)]], (value) => carried.push(value) - 1);
  const target = { exportName: "exit", modules: [libraryEntryUrl().href], kind: "function" as const };
  await rebuildSelf({ name: "", table: { pid: 0 }, daemon: false, target, kind: "function", payload, carried } as never);
}

async function main(parent: ParentChannel): Promise<never> {
  runtime.onUncaughtError((error) => void fail(parent, error));
  const spec = await receiveSpec(parent);
  adoptProcessTable(spec.table);
  fixStartMethod(spec.startMethod);
  adoptRegistryLink(spec.registry);
  becomeChild(spec);
  adoptLogging(spec.logging);
  try {
    const self = await rebuildSelf(spec);
    setCurrentProcess(self);
    info("child process calling self.run()");
    await runHeldOpen(parent, self);
  } catch (error) {
    return await fail(parent, error);
  }
  return await endProcess(parent, 0);
}

await main(channel);
