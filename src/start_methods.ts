/**
 * Start methods: how a process gets its worker. `spawn` starts a fresh worker on the child
 * bootstrap; `forkserver` hands the process to a warm worker, one that was started earlier on
 * the same bootstrap, imported the preloaded modules and now waits for its spec on a port of
 * its own, and starts the next warm worker (a spare) in the background. Each warm worker runs
 * exactly one process, so a process behaves the same whichever method started it.
 *
 * Also the program's default start method (Python's `DefaultContext`), which a plain
 * `Process` uses when it starts, and which a child inherits from the process that started it.
 * @module
 */
import { onProcessExit } from "./atexit.ts";
import { importModule } from "./references.ts";
import { type ChildWorker, runtime } from "./runtime/mod.ts";
import { receiveFirst } from "./runtime/ports.ts";
import { libraryModuleUrl } from "./target.ts";
import {
  adoptProcessTable,
  allocateChildPid,
  currentPid,
  markPidEnded,
  type ProcessTableState,
} from "./transport/liveness.ts";
import { heldOpen } from "./transport/wait.ts";

/** The start methods this library offers (Python's `fork` cannot exist: a JS heap cannot be cloned). */
export type StartMethod = "spawn" | "forkserver";

/** Every start method, the default first (Python's `get_all_start_methods()`). */
export const START_METHODS: readonly StartMethod[] = ["spawn", "forkserver"];

/** The static member of a Process class that fixes its start method (`ctx.Process`). */
export const START_METHOD: unique symbol = Symbol.for("@seed/multiprocessing/start-method") as never;

/** What a warm worker receives first, instead of its spec: see `warmUp` in child.ts. */
export interface WarmSpec {
  warm: {
    /** Where its spec comes, when a process is started on it. */
    port: MessagePort;
    /** Its entry in the process table: the pid of the process it will run. */
    table: ProcessTableState;
    /** The process that started it, which its process will have as parent. */
    parent: { name: string; pid: number };
    /** Modules to import before it waits (Python's `set_forkserver_preload`). */
    preload: string[];
  };
}

/** The message a warm worker posts once it imported its preloads. */
export const WARM_MESSAGE = "warm";

/** A started warm worker that runs no process yet. */
interface Spare {
  worker: ChildWorker;
  port: MessagePort;
  table: ProcessTableState;
  /** Resolves once it imported its preloads. */
  warmed: Promise<void>;
  dead: boolean;
}

/** This thread's start-method state. */
interface State {
  /** The default start method once fixed (Python's `_actual_context`); undefined until then. */
  method?: StartMethod;
  preload: Set<string>;
  spares: Spare[];
  /** How many spares to keep warm. */
  wanted: number;
  refill?: ReturnType<typeof setTimeout>;
  endInstalled: boolean;
}

// On globalThis so that two copies of this module (bundled binaries) share one state.
const STATE_KEY = Symbol.for("@seed/multiprocessing/start-methods");
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: State };

/** Who the calling process is, for the warm workers it starts (set by process.ts). */
let describeSelf = (): { name: string; pid: number } => ({ name: "MainProcess", pid: currentPid() });

/** @internal Called by process.ts: how to name the calling process to the warm workers it starts. */
export function setSelfDescription(describe: () => { name: string; pid: number }): void {
  describeSelf = describe;
}

function state(): State {
  return (globalThis as GlobalWithState)[STATE_KEY] ??= {
    preload: new Set(),
    spares: [],
    wanted: 1,
    endInstalled: false,
  };
}

/** The default start method, or undefined while none was fixed. */
export function fixedStartMethod(): StartMethod | undefined {
  return state().method;
}

/**
 * Fixes (or, with undefined, unfixes) the default start method; in a child, to the one that
 * started it, as Python's `prepare()` sets it.
 */
export function fixStartMethod(method: StartMethod | undefined): void {
  state().method = method;
}

/**
 * In the main program: starts warming the spares, so that the first forkserver process finds
 * one. Children warm theirs at their first forkserver start: their modules' top-level code
 * (a `getContext("forkserver")`) runs again in each child and each warm worker.
 */
export function warmSpares(): void {
  if (!runtime.parentChannel()) refillSpares();
}

/** Adds modules that warm workers import first; the spares warmed without them are replaced. */
export function addPreload(modules: readonly string[]): void {
  const { preload, spares } = state();
  const added = modules.filter((module) => !preload.has(module));
  for (const module of added) preload.add(module);
  if (added.length > 0 && spares.length > 0) {
    endSpares();
    refillSpares();
  }
}

/** How `process` starts: its class's start method, else the default (fixed by this call, as in Python). */
export function startMethodOf(process: object): StartMethod {
  const fixed = (process.constructor as { [START_METHOD]?: StartMethod })[START_METHOD];
  return fixed ?? (state().method ??= "spawn");
}

/** A worker for one process, with the process-table entry it runs under. */
export interface Launch {
  readonly method: StartMethod;
  /** The pid of the process, registered in the process table. */
  readonly table: ProcessTableState;
  /** Its worker: started now (spawn), or the warm one. */
  worker(daemon: boolean, name: string): ChildWorker;
  /** Sends the process's spec to the worker; `ended` resolves when the process ended. */
  send(spec: { target: { modules: string[] } | null }, transfer: Transferable[], ended: Promise<void>): void;
  /** The process did not start (its spec could not be made): gives back what was taken. */
  abandon(): void;
}

/**
 * The launch of a process by `method`. A forkserver process that finds no spare (processes
 * started faster than workers warm up) starts on a fresh worker, as a spawned one does.
 */
export function launch(method: StartMethod): Launch {
  if (method === "spawn") return spawnLaunch(method);
  const spare = takeSpare();
  return spare ? warmLaunch(spare) : spawnLaunch(method);
}

function spawnLaunch(method: StartMethod): Launch {
  const table = allocateChildPid();
  let worker: ChildWorker;
  return {
    method,
    table,
    worker: (daemon, name) => (worker = runtime.spawn(libraryModuleUrl("child"), { daemon, name })),
    send: (spec, transfer, ended) => {
      worker.post(spec, transfer);
      if (method === "forkserver") replaceAfter(spec);
    },
    abandon: () => markPidEnded(table.pid),
  };
}

/**
 * After a forkserver start: the next warm workers import this process's module ahead (as
 * Python's forkserver preloads `__main__`), and the spare is replaced off the start's path:
 * once the process that took it ended, or {@link REFILL_DELAY_MS} after its start. A start
 * that found no spare (they come faster than workers warm up) puts the refill off until
 * starts pause for that long: a spare warming meanwhile would only slow them down.
 */
function replaceAfter(spec: { target: { modules: string[] } | null }, ended?: Promise<void>): void {
  const module = spec.target?.modules[0];
  if (module) state().preload.add(module);
  if (!ended) return scheduleRefill(REFILL_DELAY_MS, true);
  scheduleRefill(REFILL_DELAY_MS);
  void ended.then(() => scheduleRefill(0, true));
}

function warmLaunch(spare: Spare): Launch {
  return {
    method: "forkserver",
    table: spare.table,
    worker: () => spare.worker,
    send: (spec, transfer, ended) => {
      spare.port.postMessage(spec, transfer);
      spare.port.close();
      replaceAfter(spec, ended);
    },
    abandon: () => {
      // Its pid may hold what the spec's handles registered: it ends with it.
      spare.dead = true;
      spare.worker.terminate();
      markPidEnded(spare.table.pid);
      scheduleRefill(0);
    },
  };
}

/** The next spare (warm, or still warming: its spec then waits in its port), if any. */
function takeSpare(): Spare | undefined {
  const { spares } = state();
  let spare = spares.shift();
  while (spare?.dead) spare = spares.shift();
  return spare;
}

/** Starts the spares still wanted. */
function refillSpares(): void {
  const current = state();
  current.refill = undefined;
  current.spares = current.spares.filter((spare) => !spare.dead);
  while (current.spares.length < current.wanted) current.spares.push(startSpare());
}

/**
 * How long after a start its spare is replaced, unless the process ended sooner. Starting a
 * worker blocks the starting thread (Deno: 10–50 ms, Node: 1–5 ms, Bun: under 1 ms, measured
 * here): not while the process just started may need this thread (its output on Node, its
 * messages), and not while a program that starts processes one after the other waits for one.
 */
const REFILL_DELAY_MS = 50;

/** Replaces the spares taken, after `delayMs` (with `replace`, instead of the refill already planned). */
function scheduleRefill(delayMs: number, replace = false): void {
  const current = state();
  if (current.refill !== undefined) {
    if (!replace) return;
    clearTimeout(current.refill);
  }
  current.refill = setTimeout(refillSpares, delayMs);
}

/**
 * Starts a warm worker: the child bootstrap, told to import the preloads and wait for its spec
 * on a port. It does not keep the program alive, and it is ended when this process ends.
 */
function startSpare(): Spare {
  installEnd();
  const { port1, port2 } = new MessageChannel();
  const table = allocateChildPid();
  const worker = runtime.spawn(libraryModuleUrl("child"), { daemon: true, name: "forkserver" });
  let markWarm!: () => void;
  const spare: Spare = { worker, port: port1, table, warmed: new Promise((resolve) => (markWarm = resolve)), dead: false };
  worker.onMessage((message) => message === WARM_MESSAGE && markWarm());
  worker.onExit(() => (spare.dead = true));
  worker.onError(() => (spare.dead = true));
  const warm: WarmSpec = { warm: { port: port2, table, parent: describeSelf(), preload: [...state().preload] } };
  worker.post(warm, [port2]);
  worker.unref();
  return spare;
}

/** Ends the spares when this process ends: at the main program's end, or with a child's exit hooks. */
function installEnd(): void {
  const current = state();
  if (current.endInstalled) return;
  current.endInstalled = true;
  if (runtime.parentChannel()) {
    onProcessExit(endSpares);
    return;
  }
  runtime.onIdle(endSpares);
}

/** Ends the spares that run no process; later starts warm new ones. */
function endSpares(): void {
  const current = state();
  clearTimeout(current.refill);
  current.refill = undefined;
  for (const spare of current.spares.splice(0)) {
    spare.dead = true;
    spare.worker.terminate();
    markPidEnded(spare.table.pid);
  }
}

/**
 * @internal Resolves once a spare is warm (starting one if none is wanted yet): for benchmarks
 * and tests that time a start on a warm worker.
 */
export async function forkserverWarm(): Promise<void> {
  if (state().spares.length === 0) refillSpares();
  await heldOpen(state().spares[0].warmed);
}

/**
 * In a warm worker, before its spec comes: joins the process table under its pid, imports
 * the preloads (their errors are left for the import of the process's own code to report,
 * as Python's forkserver ignores a preload that fails), `rehearse`s, tells its parent it is
 * warm, and resolves with the spec when it comes.
 */
export async function warmUp(
  { warm }: WarmSpec,
  parent: { post(message: unknown): void },
  importing: (module: string | undefined) => void,
  rehearse: () => Promise<void>,
): Promise<unknown> {
  adoptProcessTable(warm.table);
  const spec = receiveFirst(warm.port);
  for (const module of warm.preload) {
    importing(module);
    try {
      await importModule(module);
    } catch {
      // reported when the process imports it
    } finally {
      importing(undefined);
    }
  }
  await rehearse();
  parent.post(WARM_MESSAGE);
  return await spec;
}

/** True for the first message of a warm worker. */
export function isWarmSpec(message: unknown): message is WarmSpec {
  return typeof message === "object" && message !== null && "warm" in message;
}
