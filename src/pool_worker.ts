/**
 * The code of a pool worker process (Python's `multiprocessing.pool.worker`): run the
 * initializer once, then take messages from its task ring until told to stop or until it
 * has run `maxTasks` chunks, and write each chunk's outcome to the shared result ring. The
 * handles its tasks name come on its side channel (see pool_protocol.ts).
 * @module
 */
import type { ErrorInfo } from "./errors.ts";
import { unpackHandles } from "./handles.ts";
import {
  DEFINE,
  FAILED,
  FORGET,
  type HandleEntries,
  HANDLES,
  isCancelled,
  OK,
  BriefPoll,
  countStarted,
  markBooted,
  type PoolWorkerConfig,
  RESULT_OUTCOME_FIELDS,
  RESULT_OUTCOMES_AT,
  RUN_CHUNK_FIELDS,
  RUN_CHUNKS_AT,
  SKIPPED,
  sendMessage,
  START_FAILED,
  STOP,
  type TaskMessage,
} from "./pool_protocol.ts";
import { parentProcess, setImportingModule } from "./process.ts";
import { importExport } from "./references.ts";
import { describeError, describeThrown, type ThrownError, type ThrownValue } from "./remote_error.ts";
import type { TargetRef } from "./target.ts";
import { builtin } from "./runtime/builtins.ts";
import { checkCloneable, decodeReceived, decodeWithRefs, encode, type Received } from "./transport/codec.ts";
import { haltIfEnded } from "./transport/halt.ts";
import { ByteRing } from "./transport/ring.ts";

type TaskFunction = (...args: unknown[]) => unknown;

/** A task function, or why it could not be found. */
type Resolved = { fn: TaskFunction; error?: undefined } | { fn?: undefined; error: ErrorInfo };

/** How long an idle worker polls its task ring before it sleeps (while that pays). */
const IDLE_POLL_MS = 0.05;

/** Results of short chunks wait this long at most to travel with the next ones. */
const RESULT_BATCH_MS = 1;

/** Longest nap between looks for a side-channel message that is not there yet. */
const MAX_SIDE_CHANNEL_NAP_MS = 20;

/**
 * Runs one pool worker; the pool starts it as the target of a daemon {@link Process}.
 * @example Usage (what `Pool` does for each worker)
 * ```ts
 * new Process({ target: poolWorkerMain, args: [config], daemon: true, module: libraryModuleUrl("pool_worker") });
 * ```
 */
export async function poolWorkerMain(config: PoolWorkerConfig): Promise<void> {
  const tasks = ByteRing.fromState(config.tasks);
  const results = ByteRing.fromState(config.results);
  const cancelled = new Int32Array(config.cancelled);
  const progress = new Int32Array(config.progress);
  const { workerId, maxTasks } = config;
  markBooted(progress); // before the initializer, which may wait for the pool's other workers
  if (config.initializer) {
    const failure = await runInitializer(config.initializer, config.initargs);
    if (failure) return sendBytes(results, encode([workerId, 0, 0, -1, START_FAILED, failure]));
  }
  const functions = new Map<number, Resolved>();
  const handles = new HandleTable(config.sideChannel.port);
  const idlePoll = new BriefPoll(IDLE_POLL_MS);
  let chunksRun = 0;
  for (;;) {
    // Blocking here is what Python's worker does; the parent's event loop never waits on us.
    idlePoll.poll(tasks);
    let received = handles.decode(tasks.tryReadNow() ?? tasks.readSync(Infinity)!);
    if (received instanceof Promise) received = await importing("the modules its tasks name", received);
    const { value: message, failure } = received;
    // Ended (by the pool or from outside) but still running, as a Deno worker may be: it
    // must not act on the message, nor start a chunk, which other workers now run.
    haltIfEnded();
    if (message[0] === STOP) return;
    if (message[0] === DEFINE) {
      const fn = message[2];
      functions.set(message[1], failure === undefined ? { fn } : { error: describeError(failure) });
      continue;
    }
    if (message[0] === HANDLES) {
      if (!(await handles.take())) return; // the pool is gone
      continue;
    }
    if (message[0] === FORGET) {
      handles.forget(message.slice(1) as number[]);
      continue;
    }
    const [, jobId, fnId, star] = message;
    const resolved = functions.get(fnId)!;
    const batch = new ResultBatch(workerId, jobId);
    for (let at = RUN_CHUNKS_AT; at < message.length; at += RUN_CHUNK_FIELDS) {
      const index = message[at] as number;
      const start = message[at + 1] as number;
      haltIfEnded();
      countStarted(progress);
      if (isCancelled(cancelled, jobId)) {
        batch.add(index, SKIPPED, null, start, 0);
      } else if (failure !== undefined) {
        batch.add(index, FAILED, describeThrown(failure), start, 0); // its arguments could not be rebuilt
      } else {
        const started = performance.now();
        let outcome = resolved.fn ? runChunk(resolved.fn, star === 1, message[at + 2] as unknown[]) : resolved;
        if (outcome instanceof Promise) outcome = await outcome;
        const ms = performance.now() - started;
        if (outcome.error) batch.add(index, FAILED, outcome.error, start, ms);
        else batch.add(index, OK, outcome.values, start, ms);
      }
      chunksRun++;
      if (batch.due()) await batch.send(results);
    }
    await batch.send(results);
    if (maxTasks > 0 && chunksRun >= maxTasks) return;
  }
}

/** The worker's end of its side channel: the handles its tasks name, by number. */
class HandleTable {
  readonly #handles = new Map<number, unknown>();

  constructor(private readonly port: MessagePort) {}

  /**
   * Decodes a task message, giving back the handles it names; the modules of the functions
   * and classes it names are imported first (see `decodeReceived`).
   */
  decode(bytes: Uint8Array): Received<TaskMessage> | Promise<Received<TaskMessage>> {
    return decodeReceived<TaskMessage>(bytes, this.#handles.size === 0 ? undefined : this.#handleOf);
  }

  /** Takes the handles of the next side-channel message (see `HANDLES`); false if the pool is gone. */
  async take(): Promise<boolean> {
    const entries = receiveSideMessage(this.port) as HandleEntries | undefined;
    if (entries === undefined) return false;
    for (const [ref, handle] of (await unpackHandles(entries)) as HandleEntries) this.#handles.set(ref, handle);
    return true;
  }

  forget(refs: number[]): void {
    for (const ref of refs) this.#handles.delete(ref);
  }

  readonly #handleOf = (ref: number): unknown => {
    if (!this.#handles.has(ref)) throw new Error(`the pool worker has no handle number ${ref} (a bug of its side channel)`);
    return this.#handles.get(ref);
  };
}

/**
 * The next message on the side channel, or undefined once the pool's process has ended. The
 * pool posts a message before it announces it on the task ring, and a posted message can
 * be taken at once on all three runtimes (measured); should it still be on its way, this
 * naps and looks again.
 */
function receiveSideMessage(port: MessagePort): unknown {
  const { receiveMessageOnPort } = builtin("node:worker_threads");
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let ms = 0.01;; ms = Math.min(ms * 2, MAX_SIDE_CHANNEL_NAP_MS)) {
    const received = receiveMessageOnPort(port as never); // a web MessagePort: all three runtimes take it
    if (received) return received.message;
    if (!parentProcess()?.isAlive()) return undefined;
    Atomics.wait(nap, 0, 0, ms);
  }
}

async function runInitializer(ref: TargetRef, initargs: unknown[]): Promise<ErrorInfo | undefined> {
  try {
    const initializer = (await importing(ref.modules[0], importExport(ref))) as TaskFunction;
    await initializer(...initargs);
  } catch (error) {
    return describeError(error);
  }
  return undefined;
}

/** Awaits `work`, which imports `modules`: starting a process meanwhile is the unguarded-main mistake. */
async function importing<T>(modules: string, work: Promise<T>): Promise<T> {
  setImportingModule(modules);
  try {
    return await work;
  } finally {
    setImportingModule(undefined);
  }
}

type Outcome =
  | { values: unknown[]; error?: undefined }
  | { values?: undefined; error: ErrorInfo | ThrownValue | ThrownError };

/**
 * Calls `fn` on every item in order and stops at the first throw. Synchronous while the
 * calls are; from the first call that returns a promise on, it awaits each.
 */
function runChunk(fn: TaskFunction, star: boolean, items: unknown[]): Outcome | Promise<Outcome> {
  const values = new Array<unknown>(items.length);
  try {
    for (let i = 0; i < items.length; i++) {
      const value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
      if (isThenable(value)) return finishAsync(fn, star, items, values, i, value);
      values[i] = value;
    }
  } catch (error) {
    return { error: describeThrown(error) };
  }
  return { values };
}

async function finishAsync(
  fn: TaskFunction,
  star: boolean,
  items: unknown[],
  values: unknown[],
  from: number,
  pending: PromiseLike<unknown>,
): Promise<Outcome> {
  try {
    values[from] = await pending;
    for (let i = from + 1; i < items.length; i++) {
      values[i] = await (star ? fn(...(items[i] as unknown[])) : fn(items[i]));
    }
  } catch (error) {
    return { error: describeThrown(error) };
  }
  return { values };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Outcomes of consecutive chunks of one job, sent together (a `ResultMessage`). */
class ResultBatch {
  #message: unknown[] = [];
  /** Input index of each outcome's first item, to name a value that cannot be sent. */
  #starts: number[] = [];
  #ms = 0;
  #since = performance.now();

  constructor(private readonly workerId: number, private readonly jobId: number) {
    this.#reset();
  }

  add(index: number, status: number, payload: unknown, start: number, ms: number): void {
    this.#message.push(index, status, payload);
    this.#starts.push(start);
    this.#ms += ms;
  }

  /** Whether the oldest outcome waited long enough. */
  due(): boolean {
    return performance.now() - this.#since >= RESULT_BATCH_MS;
  }

  async send(ring: ByteRing): Promise<void> {
    const count = this.#starts.length;
    if (count === 0) return;
    this.#message[2] = this.#ms / count;
    const bytes = this.#encode();
    this.#reset();
    await sendBytes(ring, bytes);
  }

  #reset(): void {
    this.#message = [this.workerId, this.jobId, 0];
    this.#starts = [];
    this.#ms = 0;
    this.#since = performance.now();
  }

  /** Encodes the message; a result that cannot cross becomes a TypeError that names it. */
  #encode(): Uint8Array {
    try {
      return encode(this.#message);
    } catch {
      const message = this.#message;
      this.#starts.forEach((start, i) => {
        const at = RESULT_OUTCOMES_AT + i * RESULT_OUTCOME_FIELDS;
        const problem = message[at + 1] === OK ? unsendable(message[at + 2] as unknown[], start) : undefined;
        if (problem) message.splice(at + 1, 2, FAILED, describeError(problem));
      });
      return encode(message);
    }
  }
}

/** The error for the first value that cannot cross, its path naming the task. */
function unsendable(values: unknown[], start: number): unknown {
  for (let i = 0; i < values.length; i++) {
    const path = start < 0 ? "result" : `result[${start + i}]`;
    try {
      checkCloneable(values[i], path, "result"); // a handle is refused with the advice for results
      encode(values[i], path);
    } catch (error) {
      return error;
    }
  }
  return undefined;
}

async function sendBytes(ring: ByteRing, bytes: Uint8Array): Promise<void> {
  const pending = sendMessage(ring, bytes);
  if (pending) await pending;
}
