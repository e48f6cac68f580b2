/**
 * The code of a pool worker process (Python's `multiprocessing.pool.worker`): run the
 * initializer once, then take messages from its task ring until told to stop or until it
 * has run `maxTasks` chunks, and write each chunk's outcome to the shared result ring.
 * @module
 */
import type { ErrorInfo } from "./errors.ts";
import {
  DEFINE,
  FAILED,
  isCancelled,
  OK,
  BriefPoll,
  countStarted,
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
import { setImportingModule } from "./process.ts";
import { describeError } from "./remote_error.ts";
import { importTarget, type TargetRef } from "./target.ts";
import { decode, encode } from "./transport/codec.ts";
import { ByteRing } from "./transport/ring.ts";

type TaskFunction = (...args: unknown[]) => unknown;

/** A task function, or why it could not be found. */
type Resolved = { fn: TaskFunction; error?: undefined } | { fn?: undefined; error: ErrorInfo };

/** How long an idle worker polls its task ring before it sleeps (while that pays). */
const IDLE_POLL_MS = 0.05;

/** Results of short chunks wait this long at most to travel with the next ones. */
const RESULT_BATCH_MS = 1;

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
  if (config.initializer) {
    const failure = await runInitializer(config.initializer, config.initargs);
    if (failure) return sendBytes(results, encode([workerId, 0, 0, -1, START_FAILED, failure]));
  }
  const functions = new Map<number, Resolved>();
  const idlePoll = new BriefPoll(IDLE_POLL_MS);
  let chunksRun = 0;
  for (;;) {
    // Blocking here is what Python's worker does; the parent's event loop never waits on us.
    idlePoll.poll(tasks);
    const message = decode<TaskMessage>(tasks.tryReadNow() ?? tasks.readSync(Infinity)!);
    if (message[0] === STOP) return;
    if (message[0] === DEFINE) {
      functions.set(message[1], await resolveFunction(message[2]));
      continue;
    }
    const [, jobId, fnId, star] = message;
    const resolved = functions.get(fnId)!;
    const batch = new ResultBatch(workerId, jobId);
    for (let at = RUN_CHUNKS_AT; at < message.length; at += RUN_CHUNK_FIELDS) {
      const index = message[at] as number;
      const start = message[at + 1] as number;
      countStarted(progress);
      if (isCancelled(cancelled, jobId)) {
        batch.add(index, SKIPPED, null, start, 0);
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

async function runInitializer(ref: TargetRef, initargs: unknown[]): Promise<ErrorInfo | undefined> {
  const resolved = await resolveFunction(ref);
  if (resolved.error) return resolved.error;
  try {
    await resolved.fn(...initargs);
  } catch (error) {
    return describeError(error);
  }
  return undefined;
}

async function resolveFunction(ref: TargetRef): Promise<Resolved> {
  // While the module is imported, starting a process is the unguarded-main mistake.
  setImportingModule(ref.modules[0]);
  try {
    return { fn: (await importTarget(ref)) as TaskFunction };
  } catch (error) {
    return { error: describeError(error) };
  } finally {
    setImportingModule(undefined);
  }
}

type Outcome = { values: unknown[]; error?: undefined } | { values?: undefined; error: ErrorInfo };

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
    return { error: describeError(error) };
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
    return { error: describeError(error) };
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

/** The codec's error for the first value that cannot cross, its path naming the task. */
function unsendable(values: unknown[], start: number): unknown {
  for (let i = 0; i < values.length; i++) {
    try {
      encode(values[i], start < 0 ? "result" : `result[${start + i}]`);
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
