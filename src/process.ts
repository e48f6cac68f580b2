/**
 * Processes: Python's `multiprocessing.Process` on workers, with its lifecycle, naming, exit
 * codes and daemon rules, plus `currentProcess`, `parentProcess`, `activeChildren`,
 * `cpuCount`, `exit` and `isMain`.
 * @module
 */
import { flushBeforeExitSync, runExitHooks } from "./atexit.ts";
import { ValueError } from "./errors.ts";
import { checkCloneable } from "./transport/codec_check.ts";
import { encodeWithRefs } from "./transport/codec_encode.ts";
import { haltIfEnded } from "./transport/halt.ts";
import { isShareable, packHandles } from "./handles.ts";
import { info, loggingForChild, type LoggingSpec, logShuttingDown, setProcessNameSource } from "./logging.ts";
import { boundPartsOf, stateOf } from "./reduction.ts";
import { checkSpellings } from "./options.ts";
import { locate, refuseInstances, registerExport } from "./references.ts";
import { pythonStr } from "./python_repr.ts";
import { showAsString } from "./repr.ts";
import { registryLinkForChild, type RegistryLinkState } from "./registry.ts";
import { type ChildWorker, type ParentChannel, runtime } from "./runtime/mod.ts";
import {
  currentPid,
  isPidAlive,
  markEndedCleanly,
  markPidEnded,
  mayStillRun,
  type ProcessTableState,
} from "./transport/liveness.ts";
import { Sentinel } from "./sentinel.ts";
import { type Launch, launch, setSelfDescription, type StartMethod, startMethodOf } from "./start_methods.ts";
import { callerModules, libraryEntryUrl, type TargetRef } from "./target.ts";
import { heldOpen, settleWithin } from "./transport/wait.ts";

/**
 * Options of {@link Process}.
 * @example Usage
 * ```ts
 * import { isMain, Process, type ProcessOptions } from "@seed/multiprocessing";
 *
 * export function work(n: number): void {
 *   console.log(`working on ${n}`);
 * }
 *
 * if (isMain(import.meta)) {
 *   const options: ProcessOptions = { target: work, args: [1], name: "worker-1", daemon: false };
 *   const p = new Process(options);
 *   p.start();
 *   await p.join();
 * }
 * ```
 */
export interface ProcessOptions {
  /** The function the process runs (exported from its module); `run()` calls it with `args`. */
  // deno-lint-ignore no-explicit-any
  target?: (...args: any[]) => unknown;
  /** Arguments for `target`: structured-clonable values and this library's handles. */
  args?: unknown[];
  /**
   * The process's name; default `Process-N` (`Process-N:M` for a child's child; a subclass's
   * name instead of `Process` for a subclass, as in Python).
   */
  name?: string;
  /** A daemon process is ended when the program's own work ends. Default: the parent's. */
  daemon?: boolean;
  /** URL of the module that exports `target` (or the subclass); default: found from the call site. */
  module?: string | URL;
}

/**
 * Options of a blocking wait: milliseconds and cancellation.
 * @example Usage
 * ```ts
 * import { isMain, Process, type WaitOptions } from "@seed/multiprocessing";
 *
 * export function work(): void {}
 *
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: work });
 *   p.start();
 *   const options: WaitOptions = { timeout: 5000, signal: AbortSignal.timeout(10_000) };
 *   await p.join(options);
 * }
 * ```
 */
export interface WaitOptions {
  /** Give up after this many milliseconds (negative acts as 0). Default: wait forever. */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What a child receives from its parent to become a process. */
export interface ChildSpec {
  table: ProcessTableState;
  name: string;
  daemon: boolean;
  identity: number[];
  parent: { name: string; pid: number };
  /**
   * The module of the code, which the child imports first (its errors then name the code):
   * the target function's, or the Process subclass's; null when there is no code (Python
   * runs such a process, doing nothing) or the target is a `boundMethod`, whose class is
   * among the payload's exports.
   */
  target: TargetRef | null;
  /** A target function (or none), or a Process subclass whose `run()` is the code. */
  kind: "function" | "class";
  /**
   * Encoded by the codec (see {@link ChildPayload}), with what it carries beside its bytes
   * (handles, packed; SharedArrayBuffers, Blobs, MessagePorts) in `carried`, by number.
   */
  payload: Uint8Array;
  carried: unknown[];
  /** Where the child records how it ended (see {@link endProcess}). */
  endStatus: SharedArrayBuffer;
  /** Its link to the registry of names (shared memory, managers; see registry.ts). */
  registry: RegistryLinkState;
  /** How it was started: its own default start method (Python's `prepare()` sets it). */
  startMethod: StartMethod;
  /** The parent's logger, if it has one: its level and whether it writes to stderr (see logging.ts). */
  logging: LoggingSpec | null;
}

/**
 * What a child decodes from its spec's payload: its target and args (kind "function"), or its
 * class, the subclass instance's state (its own fields, or its GETSTATE's), its args, and the
 * `target` option's function, which the subclass's `run()` may call through `super.run()`
 * (Python pickles the whole process object, `_target` with it).
 */
export type ChildPayload =
  | [target: ((...args: unknown[]) => unknown) | undefined, args: unknown[]]
  | [cls: new () => Process, state: unknown, args: unknown[], superTarget: ((...args: unknown[]) => unknown) | undefined];

/** Messages a child sends to its parent: its code finished, and its end status is recorded. */
export type ChildMessage = { type: "exit" };

/** The end status (Int32): [ENDED] becomes 1 once [EXIT_CODE] holds the child's exit code. */
const ENDED = 0;
const EXIT_CODE = 1;

const SIGTERM_EXIT = -15;
const SIGKILL_EXIT = -9;
/** How Python's repr shows the exit codes of a terminated or killed process. */
const EXIT_CODE_NAMES: Record<number, string> = { [SIGTERM_EXIT]: "-SIGTERM", [SIGKILL_EXIT]: "-SIGKILL" };

/** Per-thread state: who this process is and which children it started. */
interface ProcessContext {
  current?: Process;
  parent: Process | null;
  identity: number[];
  childCounter: number;
  children: Set<Process>;
  /** Children that serve the others (managers), with how to end them once the others ended. */
  services: Map<Process, () => Promise<void>>;
  /** Set while a child imports its target's module (guards against unguarded top-level starts). */
  importingModule?: string;
  /** In a child: where it records how it ended, for its parent. */
  endStatus?: Int32Array;
  /** Its end, once under way: see {@link endProcess}, and `exit()` in the main program. */
  ending?: Promise<never>;
  exitHandlerInstalled: boolean;
}

// On globalThis so that two copies of this module (bundled binaries) share one context.
const CONTEXT_KEY = Symbol.for("@seed/multiprocessing/process-context");
type GlobalWithContext = typeof globalThis & { [CONTEXT_KEY]?: ProcessContext };

function context(): ProcessContext {
  return (globalThis as GlobalWithContext)[CONTEXT_KEY] ??= {
    parent: null,
    identity: [],
    childCounter: 0,
    children: new Set(),
    services: new Map(),
    exitHandlerInstalled: false,
  };
}

type Role = "child" | "current" | "parent";
type State = "initial" | "started" | "ended" | "closed";

/** Marks a constructor call that rebuilds an existing process (no new name is counted). */
const REBUILD: unique symbol = Symbol("rebuild");
/** Who a rebuilt process object is, and (for a child's own object) the code it runs. */
interface RebuildInfo {
  name: string;
  pid: number;
  daemon: boolean;
  target?: (...args: unknown[]) => unknown;
  args?: unknown[];
}
interface RebuildOptions {
  [REBUILD]: RebuildInfo & { role: Role };
}

/**
 * A process: code that runs in its own worker, with Python's `multiprocessing.Process`
 * lifecycle. Give it an exported `target` function, or subclass it and override `run()`.
 *
 * @example Usage
 * ```ts
 * import { isMain, Process } from "@seed/multiprocessing";
 *
 * export function greet(name: string): void {
 *   console.log(`hello, ${name}`);
 * }
 *
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: greet, args: ["world"] });
 *   p.start();
 *   await p.join();
 *   console.log(p.exitCode); // 0
 * }
 * ```
 */
export class Process {
  #target?: (...args: unknown[]) => unknown;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #module?: string | URL;
  #modules: string[];
  #identity: number[];
  #role: Role;
  #state: State = "initial";
  #pid: number | null = null;
  /** The pid of the process that created this child (role "child"; Python's `_parent_pid`). */
  #createdBy: number | null = null;
  #exitCode: number | null = null;
  /** Where the child records its exit code, which the parent can read at once (Python's `poll()`). */
  #endStatus?: Int32Array;
  #failedToLoad = false;
  #endedBy: number | null = null;
  #worker?: ChildWorker;
  #joiners = 0;
  #ended!: Promise<void>;
  #markEnded!: () => void;
  #sentinel?: Sentinel;

  /**
   * Creates a process; nothing runs until {@link Process.start}.
   * @param options target, args, name, daemon and module (all optional).
   */
  constructor(options: ProcessOptions = {}) {
    this.#ended = new Promise((resolve) => (this.#markEnded = resolve));
    options ??= {}; // Python's Process(None): no options
    assertProcessOptions(options);
    const rebuild = (options as Partial<RebuildOptions>)[REBUILD];
    if (rebuild) {
      this.#role = rebuild.role;
      this.#name = rebuild.name;
      this.#daemon = rebuild.daemon;
      this.#pid = rebuild.pid;
      this.#target = rebuild.target;
      this.#args = rebuild.args ?? [];
      this.#identity = [];
      this.#modules = [];
      this.#state = "started";
      return;
    }
    const ctx = context();
    this.#role = "child";
    this.#createdBy = currentPid();
    this.#identity = [...ctx.identity, ++ctx.childCounter];
    this.#target = (options.target ?? undefined) as ((...args: unknown[]) => unknown) | undefined;
    this.#args = options.args ? [...options.args] : [];
    // As Python: an empty name is no name, and a subclass is named after itself.
    this.#name = options.name || `${new.target.name || "Process"}-${this.#identity.join(":")}`;
    this.#daemon = Boolean(options.daemon ?? ctx.current?.daemon ?? false);
    this.#module = options.module ?? undefined;
    // Remember where the process was created: the child searches these modules for its code.
    this.#modules = callerModules();
  }

  /**
   * The code of the process. The default calls `target(...args)` and awaits it; subclasses
   * override it (their own fields are cloned into the child).
   */
  run(): unknown {
    return this.#target?.(...this.#args);
  }

  /** The process's name (`Process-N` by default, `Subclass-N` for a subclass); settable. */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    if (typeof value !== "string") throw new TypeError("name must be a string");
    this.#name = value;
  }

  /** Whether the process is a daemon; settable until `start()`. */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (this.#state !== "initial") throw new Error("process has already started");
    this.#daemon = Boolean(value);
  }

  /** A unique positive integer per process of this program; null before `start()`. */
  get pid(): number | null {
    this.#assertNotClosed();
    return this.#pid;
  }

  /** Python's `ident`: the same as {@link Process.pid}. */
  get ident(): number | null {
    return this.pid;
  }

  /**
   * null while running (or not started); 0 after a normal end; 1 after an uncaught error;
   * `n` after `exit(n)`; -15 after `terminate()`; -9 after `kill()`.
   */
  get exitCode(): number | null {
    this.#assertNotClosed();
    return this.#poll();
  }

  /**
   * Starts the process's code in a new worker. Throws if it was started before, if the
   * target cannot be found by name, if args cannot be sent, or from a daemon process.
   */
  start(): void {
    this.#assertNotClosed();
    if (this.#role !== "child") throw new Error("can only start a process object created by the current process");
    if (this.#state !== "initial") throw new Error("cannot start a process twice");
    const ctx = context();
    if (ctx.importingModule !== undefined) throw new Error(unguardedStartMessage(ctx.importingModule));
    if (ctx.current?.daemon) throw new Error("daemonic processes are not allowed to have children");
    const transfer: Transferable[] = [];
    const launched = launch(startMethodOf(this));
    let spec: ChildSpec;
    let worker: ChildWorker;
    try {
      spec = this.#prepareSpec(transfer, launched);
      // A service must not keep the program alive either: it is ended after the other children.
      worker = launched.worker(this.#daemon || ctx.services.has(this), this.#name);
    } catch (error) {
      launched.abandon(); // what its args registered in its pid must not outlive it
      throw error;
    }
    this.#worker = worker;
    this.#endStatus = new Int32Array(spec.endStatus);
    this.#pid = spec.table.pid;
    this.#state = "started";
    ctx.children.add(this);
    worker.onMessage((message) => this.#onMessage(message as ChildMessage, worker));
    worker.onError((error) => this.#onLoadError(error));
    worker.onExit((code, mayRunOn) => this.#onExit(code, mayRunOn));
    launched.send(spec, transfer, this.#ended);
    // Unref last: adding a listener after unref() re-refs a worker on Node and Bun.
    if (this.#waitedForAtExit()) {
      worker.unref();
      installEndOfMainWork(ctx);
    } else worker.ref(); // a warm worker waited unref'd
  }

  /**
   * What `wait()` (module `./connection`) waits on to see this process end: ready once it
   * ended, and from then on (Python's `sentinel`).
   * @throws {ValueError} "process not started" before `start()`, "process object is closed".
   */
  get sentinel(): Sentinel {
    this.#assertNotClosed();
    if (this.#state === "initial") throw new ValueError("process not started");
    if (this.#role !== "child") throw new Error("only a child process has a sentinel here");
    return this.#sentinel ??= new Sentinel(this.#ended, this.#state === "ended");
  }

  /**
   * True for a worker that does not keep the program alive by itself: a daemon, and any
   * child of the main program, which the main program waits for once its own work is done
   * ({@link installEndOfMainWork}), after it ended its daemons, as Python's does.
   */
  #waitedForAtExit(): boolean {
    return this.#daemon || !context().parent;
  }

  /**
   * Waits until the process ends, or until `timeout` ms passed (no error then, as in
   * Python: check {@link Process.exitCode}).
   * @throws {Error} synchronously, when the process was not started (or is the current one).
   */
  join(options: WaitOptions = {}): Promise<void> {
    this.#assertNotClosed();
    options ??= {}; // Python's join(None): no timeout
    assertJoinOptions(options);
    if (this.#role === "current") throw new Error("can only join a child process");
    if (this.#state === "initial") throw new Error("can only join a started process");
    if (this.#state === "ended") return Promise.resolve();
    if (this.#role === "parent") return this.#joinParent(options);
    return this.#waitForEnd(options);
  }

  /** True from `start()` until the process's code finished (or it was ended). */
  isAlive(): boolean {
    this.#assertNotClosed();
    if (this.#role === "current") return true;
    if (this.#role === "parent") return isPidAlive(this.#pid!);
    return this.#state === "started" && this.#poll() === null;
  }

  /**
   * Ends the process now (Python's SIGTERM); `exitCode` becomes -15. Does nothing once it ended.
   * @throws {Error} before `start()`.
   */
  terminate(): void {
    this.#stop(SIGTERM_EXIT, "terminate");
  }

  /**
   * Ends the process now (Python's SIGKILL); `exitCode` becomes -9. Does nothing once it ended.
   * @throws {Error} before `start()`.
   */
  kill(): void {
    this.#stop(SIGKILL_EXIT, "kill");
  }

  /**
   * Releases the process object; it must have ended. Later use throws `ValueError`.
   * @throws {ValueError} while the process is running.
   */
  close(): void {
    if (this.#state === "closed") return;
    if (this.#state === "started") {
      const exitCode = this.#poll();
      if (exitCode === null) {
        throw new ValueError(
          "Cannot close a process while it is still running. You should first call join() or terminate().",
        );
      }
      this.#recordEnd(exitCode); // its code finished; its worker's exit event need not be awaited
    }
    this.#state = "closed";
  }

  /**
   * A short description, as Python's repr:
   * `<Process name='Process-1' pid=2 parent=1 stopped exitcode=-SIGTERM daemon>`.
   */
  toString(): string {
    const parts = [this.constructor.name, `name='${this.#name}'`];
    // As Python: a pid once started, until closed.
    const hasPid = this.#state === "started" || this.#state === "ended";
    if (this.#role === "child" && hasPid) parts.push(`pid=${this.#pid}`);
    const parent = this.#role === "child" ? this.#createdBy : this.#role === "current" ? context().parent?.pid : null;
    const exitCode = this.#poll();
    parts.push(`parent=${parent ?? "None"}`, this.#status(exitCode));
    if (exitCode !== null) parts.push(`exitcode=${EXIT_CODE_NAMES[exitCode] ?? exitCode}`);
    if (this.#daemon) parts.push("daemon");
    return `<${parts.join(" ")}>`;
  }

  /** The status word of Python's repr. */
  #status(exitCode: number | null): string {
    if (this.#role === "parent") return "unknown";
    if (this.#state === "initial" || this.#state === "closed") return this.#state;
    return exitCode === null ? "started" : "stopped";
  }

  /** The exit code once the child's code finished, even before its worker is gone (Python's `poll()`). */
  #poll(): number | null {
    if (this.#state === "ended") return this.#exitCode;
    if (this.#state !== "started" || this.#role !== "child") return null;
    return recordedExitCode(this.#endStatus);
  }

  /**
   * Everything the child needs: who it is, where its code is, and its args or fields;
   * `transfer` gets what the spec's message must move rather than copy. Throws, having
   * changed nothing, what cannot be sent.
   */
  #prepareSpec(transfer: Transferable[], { table, method }: Launch): ChildSpec {
    const { kind, target, payload, parts } = this.#code();
    const carried: object[] = [];
    const bytes = encodeForChild(payload, parts, carried);
    transfer.push(bytes.buffer as ArrayBuffer);
    const packed = carried.map((value) => packCarried(value, table.pid, transfer));
    return {
      table,
      name: this.#name,
      daemon: this.#daemon,
      identity: this.#identity,
      parent: { name: currentProcess().name, pid: currentPid() },
      target,
      kind,
      payload: bytes,
      carried: packed,
      endStatus: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
      registry: registryLinkForChild(transfer),
      startMethod: method,
      logging: loggingForChild(),
    };
  }

  /**
   * The child's code and what it decodes (see {@link ChildPayload}), with the parts of that
   * to name in a refusal. Throws what the parent can tell is wrong with the code.
   */
  #code(): { kind: ChildSpec["kind"]; target: TargetRef | null; payload: ChildPayload; parts: [unknown, string][] } {
    const target = this.#target;
    if (this.run !== Process.prototype.run) {
      const cls = this.constructor as new () => Process;
      const located = this.#locate(cls, "class");
      if (target && !boundPartsOf(target)) this.#locate(target, "function"); // a partial crosses as data
      const state = stateOf(this);
      return { kind: "class", target: located, payload: [cls, state, this.#args, target], parts: [[state, cls.name], [this.#args, "args"]] };
    }
    const located = target && !boundPartsOf(target) ? this.#locate(target, "function") : null;
    return { kind: "function", target: located, payload: [target, this.#args], parts: [[target, "target"], [this.#args, "args"]] };
  }

  /** Where the code is found (see references.ts); throws what the parent can tell is wrong. */
  // deno-lint-ignore ban-types
  #locate(code: Function, kind: TargetRef["kind"]): TargetRef {
    const modules = [...new Set([...this.#modules, ...callerModules()])];
    return locate(code, { module: this.#module, modules, kind });
  }

  async #waitForEnd({ timeout, signal }: WaitOptions): Promise<void> {
    signal?.throwIfAborted();
    // An unref'd worker (see #waitedForAtExit) must keep the program alive while joined.
    if (this.#joiners++ === 0) this.#worker?.ref();
    try {
      // Held open as well: on Bun a terminated worker no longer holds it until its end event,
      // and a child joining it would end first (exit code 13).
      await heldOpen(settleWithin(this.#ended, timeout, signal));
    } finally {
      if (--this.#joiners === 0 && this.#waitedForAtExit() && this.#state === "started") this.#worker?.unref();
    }
  }

  async #joinParent({ timeout, signal }: WaitOptions): Promise<void> {
    const deadline = timeout === undefined ? Infinity : performance.now() + Math.max(timeout, 0);
    while (isPidAlive(this.#pid!) && performance.now() < deadline) {
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - performance.now())));
    }
  }

  #stop(exitCode: number, action: string): void {
    this.#assertNotClosed();
    if (this.#role !== "child") throw new Error(`can only ${action} a child process`);
    // Python fails here too (its process object has no Popen before start()).
    if (this.#state === "initial") throw new Error(`can only ${action} a started process`);
    if (this.#state !== "started") return;
    this.#endedBy ??= exitCode;
    this.#worker?.terminate();
  }

  #onMessage(message: ChildMessage, worker: ChildWorker): void {
    if (message.type === "exit") worker.finish();
  }

  #onLoadError(error: unknown): void {
    // The bootstrap reports its own errors; this is a worker that failed before that.
    console.error(`Process ${this.#name}:`);
    console.error(error);
    this.#failedToLoad = true;
  }

  #onExit(threadCode: number | null, mayRunOn: boolean): void {
    if (this.#state !== "started") return;
    const recorded = recordedExitCode(this.#endStatus);
    const exitCode = recorded ?? (this.#failedToLoad ? 1 : this.#endedBy ?? threadCode ?? 1);
    // A child that recorded its end touches nothing shared any more. One ended from outside
    // whose thread may run on (Deno) is told so at once (its next check stops it), and is
    // seen to end once its thread confirmed that it stopped, or its grace passed: as Python's
    // is_alive() after terminate(), until the process is really gone. Then whatever it held
    // can be taken over, by the code after join() too.
    if (recorded !== null || !mayRunOn) return this.#recordEnd(exitCode);
    markPidEnded(this.#pid!, true);
    void untilStopped(this.#pid!).then(() => this.#recordEnd(exitCode));
  }

  #recordEnd(exitCode: number): void {
    if (this.#state !== "started") return;
    this.#exitCode = exitCode;
    this.#state = "ended";
    markPidEnded(this.#pid!);
    context().children.delete(this);
    this.#markEnded();
  }

  #assertNotClosed(): void {
    if (this.#state === "closed") throw new ValueError("process object is closed");
  }

  /** @internal Rebuilds a process object in its child (or the view of a parent). */
  static rebuild<T extends Process>(
    cls: new (...args: never[]) => T,
    role: Role,
    info: RebuildInfo,
  ): T {
    return Reflect.construct(Process, [{ [REBUILD]: { role, ...info } }], cls) as T;
  }
}

/** Resolves once the ended process `pid` can no longer be running (see liveness.ts, "Lingering"). */
async function untilStopped(pid: number): Promise<void> {
  while (mayStillRun(pid)) await new Promise((resolve) => setTimeout(resolve, STOPPED_POLL_MS));
}

/** How often a parent looks whether a terminated child's thread stopped. */
const STOPPED_POLL_MS = 5;

/** The exit code a child recorded in its end status, or null while its code runs. */
function recordedExitCode(status: Int32Array | undefined): number | null {
  return status && Atomics.load(status, ENDED) === 1 ? Atomics.load(status, EXIT_CODE) : null;
}

/** How a bad argument is shown in an error message. */
function describeValue(value: unknown): string {
  if (typeof value === "function") return `the function ${value.name || "(anonymous)"}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null ? "an object" : String(value);
}

/** The names of {@link ProcessOptions}. */
const PROCESS_OPTIONS = ["target", "args", "name", "daemon", "module"] as const;

/** Python refuses bad arguments when the process is created; so does this, saying what to pass. */
function assertProcessOptions(options: unknown): asserts options is ProcessOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Process takes an options object, such as new Process({ target: work, args: [1] }), not ${describeValue(options)}`,
    );
  }
  checkSpellings("Process", options, PROCESS_OPTIONS);
  const { target, args, name, module } = options as Record<string, unknown>;
  if (target != null && typeof target !== "function") {
    throw new TypeError(`the process target must be a function exported from its module, not ${describeValue(target)}`);
  }
  if (args != null && (typeof args !== "object" || !(Symbol.iterator in args))) {
    throw new TypeError(
      `args must be an array of the target's arguments, such as args: [1, "a"], not ${describeValue(args)}`,
    );
  }
  if (name != null && typeof name !== "string") throw new TypeError(`name must be a string, not ${describeValue(name)}`);
  if (module != null && typeof module !== "string" && !(module instanceof URL)) {
    throw new TypeError(
      `module must be the URL (or URL string) of the module that exports the target, such as import.meta.url, not ${
        describeValue(module)
      }`,
    );
  }
}

/** `join(5)` (Python's positional timeout, in seconds) would otherwise wait forever, silently. */
function assertJoinOptions(options: unknown): asserts options is WaitOptions {
  if (typeof options === "object" && options !== null) return;
  throw new TypeError(
    `join() takes an options object with the timeout in milliseconds, such as join({ timeout: 5000 }), not ${
      describeValue(options)
    }`,
  );
}

/**
 * Encodes a child's payload, with what only `postMessage` carries numbered in `carried`. A
 * refusal names its value's path in the part that holds it (`args[1].cb`, `Clock.interval`).
 */
function encodeForChild(payload: ChildPayload, parts: [unknown, string][], carried: object[]): Uint8Array {
  try {
    return encodeWithRefs(payload, (value) => carried.push(value) - 1, "payload", "args").slice();
  } catch (error) {
    if (error instanceof TypeError) for (const [value, path] of parts) checkCloneable(value, path, "args");
    throw error;
  }
}

/** What a child gets for an object carried beside its payload: a handle packed for it, a port moved. */
function packCarried(value: object, receiverPid: number, transfer: Transferable[]): unknown {
  if (isShareable(value)) return packHandles(value, receiverPid, transfer);
  if (value instanceof MessagePort) transfer.push(value);
  return value;
}

function unguardedStartMessage(module: string): string {
  return (
    `a process was started while the child process "${currentProcess().name}" was still importing ` +
    `${module}. A module that starts processes must guard that code with ` +
    "`if (isMain(import.meta)) { … }` (Python's `if __name__ == \"__main__\":`), because every " +
    "child imports the module again to find its code."
  );
}

/**
 * Python's `_exit_function` in the main program: when its own work is done (only unref'd
 * workers are left, so the event loop empties), the daemons are terminated and the other
 * children joined (which keeps the program alive until they end). A Deno web worker cannot
 * be unref'd: there the program's own work is done only once its non-daemon children ended.
 * (An uncaught error is left to the runtime, which ends the program at once: a handler
 * would change how test runners, which are main programs too, report one.)
 */
function installEndOfMainWork(ctx: ProcessContext): void {
  // A child ends its children itself when its work is done (endChildren).
  if (ctx.exitHandlerInstalled || ctx.parent) return;
  ctx.exitHandlerInstalled = true;
  runtime.onIdle(() => void endMainChildren());
}

/** In the main program: terminates the daemon children and waits for the others. */
async function endMainChildren(): Promise<void> {
  await Promise.all(endDaemonsLeavingOthers().map((child) => child.join()));
  await endServices();
}

/** Ends the main program with `exitCode` once its non-daemon children ended (daemons: at once). */
async function exitMainAfterChildren(exitCode: number): Promise<never> {
  await endMainChildren();
  return runtime.exitProgram(exitCode);
}

/** @internal Called by the child bootstrap: this thread is now the process `spec` describes. */
export function becomeChild(spec: ChildSpec): void {
  const ctx = context();
  ctx.endStatus = new Int32Array(spec.endStatus);
  ctx.identity = spec.identity;
  ctx.parent = Process.rebuild(Process, "parent", { ...spec.parent, daemon: false });
  // Until the target's module is imported, the process object is a plain Process.
  ctx.current = Process.rebuild(Process, "current", { name: spec.name, pid: spec.table.pid, daemon: spec.daemon });
  runtime.onExitCall((code) => exit(code));
}

/**
 * @internal Called by a warm worker's bootstrap before it imports its preloads: it is a child
 * of `parent` (so `isMain()` is false there), though not yet which process.
 */
export function becomeWarmChild(parent: { name: string; pid: number }): void {
  context().parent = Process.rebuild(Process, "parent", { ...parent, daemon: false });
}

/** @internal Called by the child bootstrap once its own process object is rebuilt. */
export function setCurrentProcess(self: Process): void {
  context().current = self;
}

/** @internal Called by the child bootstrap around the import of the target's module. */
export function setImportingModule(module: string | undefined): void {
  context().importingModule = module;
}

/**
 * In a child: records its exit code where its parent reads it at once (as Python's `poll()`
 * sees an ended process), tells the parent, and ends the thread. `crashed`: an uncaught
 * error ends it, not its code's own end (see `endedCleanly`).
 */
function reportEnd(channel: ParentChannel, exitCode: number, crashed: boolean): never {
  info("process exiting with exitcode %d", exitCode);
  const status = context().endStatus;
  if (status) {
    Atomics.store(status, EXIT_CODE, exitCode);
    Atomics.store(status, ENDED, 1);
  }
  if (crashed) markPidEnded(currentPid());
  else markEndedCleanly();
  channel.post({ type: "exit" } satisfies ChildMessage);
  return channel.exit(exitCode);
}

/**
 * @internal The end of a child, as Python's `_bootstrap` ends one (`util._exit_function`):
 * the exit hooks run (a queue writes what this process put into it), daemon children are
 * terminated and the others waited for, then the exit code is reported. The first call
 * decides the code (and `crashed`: an uncaught error ends it); later calls get the same end.
 */
export function endProcess(channel: ParentChannel, exitCode: number, crashed = false): Promise<never> {
  const ctx = context();
  return ctx.ending ??= (async () => {
    logShuttingDown();
    await runExitHooks();
    await endChildren();
    return reportEnd(channel, exitCode, crashed);
  })();
}

/** Python's `_exit_function` for the children: terminate the daemons, wait for them all. */
async function endChildren(): Promise<void> {
  const services = context().services;
  const children = terminateDaemons().filter((child) => !services.has(child));
  await Promise.all(children.map((child) => child.join()));
  await endServices();
}

/** Terminates the daemon children; returns the others that still run, services aside. */
function endDaemonsLeavingOthers(): Process[] {
  const services = context().services;
  return terminateDaemons().filter((child) => !child.daemon && child.isAlive() && !services.has(child));
}

/**
 * Ends the services (managers) once the other children ended: later than Python, which
 * shuts its managers down first, so that children still using one finish their work.
 */
async function endServices(): Promise<void> {
  const services = context().services;
  const stops = [...services.values()];
  services.clear();
  await Promise.all(stops.map((stop) => stop()));
}

/**
 * @internal Marks `process` (not started yet) as a service to the others, as a manager's
 * server is: it does not keep the program alive, and when the program (or the process that
 * started it) ends, it is ended by `stop` once the other children ended.
 */
export function markService(process: Process, stop: () => Promise<void>): void {
  context().services.set(process, stop);
}

/** @internal `process` no longer needs ending (its manager was shut down). */
export function unmarkService(process: Process): void {
  context().services.delete(process);
}

/** Terminates the daemon children; returns the children not yet seen to end, daemons too. */
function terminateDaemons(): Process[] {
  const children = [...context().children];
  for (const child of children) if (child.daemon) child.terminate();
  return children;
}

/**
 * @internal What `exit()` throws in a child that must wait for its non-daemon children before
 * it ends (Python's `SystemExit`): it unwinds the code that called `exit()`. The end is
 * already under way, so catching this does not stop it.
 */
export class SystemExit extends Error {
  override name = "SystemExit";

  constructor(readonly code: number) {
    super(`exit(${code}) was called: the process ends once its non-daemon children have ended`);
  }
}

/**
 * `exit()` in a child. Python raises `SystemExit`, and its `_bootstrap` catches it and runs
 * `_exit_function` before the process ends. Here the end is done at once, synchronously,
 * wherever `exit()` is called (in `run()`, a callback, a timer, a pool task, a module being
 * imported): the buffered items of its queues and pipes are written (blocking, as Python
 * joins its feeder threads), its daemon children are terminated, and the thread ends. A
 * `try { … } catch {}` around it (far more common in JavaScript than an `except
 * BaseException` in Python) cannot swallow an end that does not throw.
 *
 * Only non-daemon children that still run need the event loop: their output passes through
 * this thread on Node, their end is learnt from events. Then the end goes on asynchronously
 * ({@link endProcess}) and `exit()` throws a {@link SystemExit} to unwind its caller; a
 * caller that catches it does not stop the end, which comes once those children ended.
 */
function exitChild(channel: ParentChannel, exitCode: number): never {
  haltIfEnded(); // terminated but still running (Deno): it must not write what it buffered
  const ctx = context();
  if (!ctx.ending) {
    logShuttingDown();
    flushBeforeExitSync();
    if (endDaemonsLeavingOthers().length === 0) return reportEnd(channel, exitCode, false);
    void endProcess(channel, exitCode);
  }
  throw new SystemExit(exitCode);
}

/**
 * The process this code runs in: the `Process` object in a child, a process named
 * "MainProcess" in the main program.
 * @example Usage
 * ```ts
 * import { currentProcess } from "@seed/multiprocessing";
 * console.log(currentProcess().name); // "MainProcess" in the main program
 * ```
 */
export function currentProcess(): Process {
  const ctx = context();
  return ctx.current ??= Process.rebuild(Process, "current", {
    name: "MainProcess",
    pid: currentPid(),
    daemon: false,
  });
}

/**
 * The parent of the current process (with `name`, `pid`, `isAlive()` and `join()`), or null
 * in the main program.
 * @example Usage
 * ```ts
 * import { parentProcess } from "@seed/multiprocessing";
 * console.log(parentProcess()); // null in the main program
 * ```
 */
export function parentProcess(): Process | null {
  return context().parent;
}

/**
 * The children of the current process that are still running (ended ones are left out at
 * once, as Python's `active_children()` reaps them).
 * @example Usage
 * ```ts
 * import { activeChildren } from "@seed/multiprocessing";
 * console.log(activeChildren().length); // 0 before any start()
 * ```
 */
export function activeChildren(): Process[] {
  return [...context().children].filter((child) => child.isAlive());
}

/**
 * The number of CPUs this program can use (the default size of a Pool).
 * @example Usage
 * ```ts
 * import { cpuCount } from "@seed/multiprocessing";
 * console.log(cpuCount() >= 1); // true
 * ```
 */
export function cpuCount(): number {
  return runtime.cpuCount();
}

/**
 * Python's `freeze_support()`, which programs call first thing under their
 * `if __name__ == "__main__":` guard. Python's does something only in a frozen Windows
 * executable (py2exe, PyInstaller), whose child processes re-run the executable itself; a
 * child here runs the library's own bootstrap and imports the target's module (in a compiled
 * binary too: see the README's "The demo as one executable"), so there is nothing to do.
 * @example Usage
 * ```ts
 * import { freezeSupport, isMain } from "@seed/multiprocessing";
 * if (isMain(import.meta)) {
 *   freezeSupport(); // as Python's, ported line for line
 * }
 * ```
 */
export function freezeSupport(): void {}

/**
 * Ends the current process with `code`, as Python's `sys.exit`: no code (or null) is 0, and a
 * code that is not an integer (a message, or any value) is printed to stderr as Python's
 * `str()` writes it (`exit([1, 2])` prints `[1, 2]`) and gives 1.
 *
 * In a child, its `exitCode` becomes `code` (its low 8 bits, as a POSIX exit status: `exit(-1)`
 * gives 255), wherever `exit()` is called. Before it ends,
 * what it put into queues and sent on pipes is written, waiting for readers to make room as
 * Python does (not for a queue after `cancelJoinThread()`, nor for the queues and pipes the
 * child made itself, nor for a pipe whose other end every process closed or ended with:
 * that is dropped), and its daemon children are terminated. If non-daemon children still
 * run, it waits for them, as Python does: `exit()` then throws a `SystemExit` error to stop
 * the calling code, and the process ends once they ended, even if that error is caught.
 *
 * In the main program, the daemon children are terminated and the program exits once the
 * other children ended (at once if none runs), as Python's does; meanwhile a `SystemExit`
 * unwinds the code that called `exit()`.
 * @example Usage
 * ```ts
 * import { exit } from "@seed/multiprocessing";
 * export function work(): void {
 *   exit(3); // the parent sees exitCode === 3
 * }
 * ```
 */
export function exit(code?: unknown): never {
  const exitCode = exitCodeOf(code);
  const channel = context().parent ? runtime.parentChannel() : null;
  return channel ? exitChild(channel, exitCode) : exitMain(exitCode);
}

/**
 * `exit()` in the main program: at once, unless non-daemon children run. Then, as in a
 * child, the end waits for them and a {@link SystemExit} unwinds the calling code. The
 * program is ending: from now on, an uncaught error (that SystemExit too) does not end it
 * sooner; another error is printed.
 */
function exitMain(exitCode: number): never {
  logShuttingDown();
  if (endDaemonsLeavingOthers().length === 0) return runtime.exitProgram(exitCode);
  const ctx = context();
  if (!ctx.ending) {
    runtime.onUncaughtError((error) => error instanceof SystemExit || console.error(error));
    ctx.ending = exitMainAfterChildren(exitCode);
  }
  throw new SystemExit(exitCode);
}

/**
 * Python's rule for `SystemExit`'s code. An integer keeps its low 8 bits, as the exit status
 * of a POSIX process does: Python's `sys.exit(-1)` gives exitcode 255 and `sys.exit(256)` 0,
 * so that a code never reads as a signal's (-15, -9).
 */
function exitCodeOf(code: unknown): number {
  if (code === undefined || code === null) return 0;
  if (typeof code === "boolean") return Number(code); // Python's bool is an int
  if (Number.isInteger(code)) return (((code as number) % 256) + 256) % 256;
  console.error(pythonStr(code));
  return 1;
}

/**
 * True when `meta` belongs to the program's entry module run as the main program: never in
 * a child, which imports the module again to find its code (Python's `__name__ == "__main__"`).
 * @example Usage
 * ```ts
 * import { isMain, Process } from "@seed/multiprocessing";
 * export function work(): void {}
 * if (isMain(import.meta)) {
 *   new Process({ target: work }).start();
 * }
 * ```
 */
export function isMain(meta: ImportMeta): boolean {
  if (context().parent) return false;
  const main = runtime.mainModuleUrl();
  if (main !== undefined) return meta.url === main;
  return (meta as ImportMeta & { main?: boolean }).main === true;
}

showAsString(Process);
setSelfDescription(() => ({ name: currentProcess().name, pid: currentPid() }));
setProcessNameSource(() => currentProcess().name);
// This library's exit() may be a process's target itself, as Python's `Process(target=sys.exit)`.
registerExport(exit, libraryEntryUrl().href, "exit");
refuseInstances(
  Process,
  "a Process object and cannot be sent to another process: send what the other process needs (its name, its pid)",
);
