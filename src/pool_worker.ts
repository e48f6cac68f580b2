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
  type PoolWorkerConfig,
  type ResultMessage,
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
  const { workerId, maxTasks } = config;
  if (config.initializer) {
    const failure = await runInitializer(config.initializer, config.initargs);
    if (failure) return send(results, [workerId, 0, 0, START_FAILED, failure]);
  }
  const functions = new Map<number, Resolved>();
  let chunksRun = 0;
  for (;;) {
    // Blocking here is what Python's worker does; the parent's event loop never waits on us.
    const message = decode<TaskMessage>(tasks.tryReadNow() ?? tasks.readSync(Infinity)!);
    if (message[0] === STOP) return;
    if (message[0] === DEFINE) {
      functions.set(message[1], await resolveFunction(message[2]));
      continue;
    }
    const [, jobId, chunkIndex, fnId, star, start, items] = message;
    const header = [workerId, jobId, chunkIndex] as const;
    if (isCancelled(cancelled, jobId)) {
      await send(results, [...header, SKIPPED, null]);
    } else {
      const resolved = functions.get(fnId)!;
      const started = performance.now();
      const outcome = resolved.fn ? await runChunk(resolved.fn, star === 1, items) : resolved;
      const ms = performance.now() - started;
      const bytes = outcome.error
        ? encodeMessage([...header, FAILED, outcome.error, ms])
        : encodeValues(header, outcome.values, start, ms);
      await sendBytes(results, bytes);
    }
    if (maxTasks > 0 && ++chunksRun >= maxTasks) return;
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

/** Calls `fn` on every item in order (awaiting a returned promise); stops at the first throw. */
async function runChunk(
  fn: TaskFunction,
  star: boolean,
  items: unknown[],
): Promise<{ values: unknown[]; error?: undefined } | { values?: undefined; error: ErrorInfo }> {
  const values = new Array<unknown>(items.length);
  try {
    for (let i = 0; i < items.length; i++) {
      let value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
      if (isThenable(value)) value = await value;
      values[i] = value;
    }
  } catch (error) {
    return { error: describeError(error) };
  }
  return { values };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Encodes a chunk's values, or, if one cannot cross, a TypeError that names it. */
function encodeValues(header: readonly [number, number, number], values: unknown[], start: number, ms: number): Uint8Array {
  try {
    return encodeMessage([...header, OK, values, ms]);
  } catch (error) {
    return encodeMessage([...header, FAILED, describeError(unsendable(values, start) ?? error), ms]);
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

function encodeMessage(message: ResultMessage): Uint8Array {
  return encode(message);
}

function send(ring: ByteRing, message: ResultMessage): Promise<void> {
  return sendBytes(ring, encodeMessage(message));
}

async function sendBytes(ring: ByteRing, bytes: Uint8Array): Promise<void> {
  const pending = sendMessage(ring, bytes);
  if (pending) await pending;
}
