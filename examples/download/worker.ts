// The download worker process: takes jobs from the shared JoinableQueue until it gets
// `null`, downloads each with retries, and reports everything through the events queue.
// The queues may be the library's local ones or those on Redis (examples/download/redis.ts).
import { rm } from "node:fs/promises";
import type { DoneEvent, FailedEvent, WorkerEvent, WorkerId } from "./events.ts";
import type { Job } from "./jobs.ts";
import { type RetryPolicy, withRetries } from "./retry.ts";
import { partPathOf, sizeOf, transfer, TransferError } from "./transfer.ts";

/** What every worker of a run shares. */
export interface WorkerSettings {
  /** The directory the files go to. */
  outDir: string;
  policy: RetryPolicy;
  /** Give up an attempt after this long without data. */
  stallMs: number;
}

/** Where a worker's events go: a `Queue` of events, local or on Redis. */
export interface EventSink {
  put(event: WorkerEvent): Promise<void>;
}

/** Where a worker's jobs come from: a `JoinableQueue` of jobs, local or on Redis. */
export interface JobSource<T> {
  get(): Promise<T>;
  taskDone(): unknown;
}

/** Progress messages are sent at most this often per worker (the parent redraws at ~10/s). */
const PROGRESS_INTERVAL_MS = 50;

/**
 * The worker's code (exported, so the child finds it): downloads jobs until a `null` job,
 * calling `taskDone()` for every item it took.
 */
export async function downloadWorker(
  worker: number,
  jobs: JobSource<Job | null>,
  events: EventSink,
  settings: WorkerSettings,
): Promise<void> {
  for (;;) {
    const job = await jobs.get();
    try {
      if (job === null) return;
      await downloadJob(worker, job, events, settings);
    } finally {
      await jobs.taskDone();
    }
  }
}

/** Downloads one job with retries, telling `events` that it starts and how it ended. */
export async function downloadJob(worker: WorkerId, job: Job, events: EventSink, settings: WorkerSettings): Promise<void> {
  await events.put({ kind: "start", worker, job });
  await events.put(await download(worker, job, events, settings));
}

/** Downloads one job with retries; the result is the event that ends it. */
async function download(
  worker: WorkerId,
  job: Job,
  events: EventSink,
  { outDir, policy, stallMs }: WorkerSettings,
): Promise<DoneEvent | FailedEvent> {
  const { name, url } = job;
  const started = performance.now();
  let retries = 0;
  let lastProgress = -Infinity;
  const hooks = {
    onResponse: (from: number, total: number | null) =>
      from > 0 ? events.put({ kind: "resume", worker, name, from, total }) : undefined,
    onBytes: (received: number, total: number | null) => {
      if (performance.now() - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = performance.now();
      return events.put({ kind: "progress", worker, name, received, total });
    },
  };
  try {
    const { bytes, sha256 } = await withRetries(
      () => transfer(job, outDir, hooks, stallMs),
      policy,
      (error) => error instanceof TransferError && error.retryable,
      ({ retry, delayMs, error }) => {
        retries = retry;
        return events.put({
          kind: "retry",
          worker,
          name,
          url,
          retry,
          retries: policy.retries,
          delayMs,
          reason: error.message,
        });
      },
    );
    return { kind: "done", worker, name, url, bytes, sha256, elapsedMs: performance.now() - started, retries };
  } catch (error) {
    const keptPart = await keepPartIfUseful(partPathOf(outDir, name));
    const reason = (error as Error).message;
    return { kind: "failed", worker, name, url, reason, elapsedMs: performance.now() - started, retries, keptPart };
  }
}

/** After a final failure: a part with bytes stays for a later run to resume; an empty one goes. */
async function keepPartIfUseful(partPath: string): Promise<string | null> {
  if (await sizeOf(partPath) > 0) return partPath;
  await rm(partPath, { force: true });
  return null;
}
