/**
 * Scenario 7, `download`: the tutorial's title, multi-process download. Worker processes take
 * jobs from a `JoinableQueue`, stream each file to `<name>.part`, verify its size and sha256,
 * and only then give it its name; failed attempts are retried with backoff, and a cut-off
 * transfer resumes with HTTP Range. The workers report progress through a `Queue`; the parent
 * draws a bar per worker plus a total (plain lines when stdout is not a terminal) and prints
 * a summary table. With no URLs it serves its own files from 127.0.0.1.
 *
 * ```sh
 * deno run -A examples/download.ts --workers 3 --out downloads \
 *   'http://127.0.0.1:8000/a.bin#size=1024&sha256=<64 hex digits>'
 * ```
 *
 * With `--redis URL`, the jobs go on a Redis JoinableQueue instead, and the worker processes
 * are those of `mp-demo worker --redis URL` on any host (examples/download/redis.ts).
 * @module
 */
import process from "node:process";
import { Empty, isMain, JoinableQueue, Process, Queue } from "../mod.ts";
import { parseFlags, type ScenarioFlags } from "./_shared.ts";
import type { WorkerEvent } from "./download/events.ts";
import type { Job } from "./download/jobs.ts";
import { DOWNLOAD_FLAGS, downloadOptions, jobsOf, prepareOutDir, workerSettings } from "./download/options.ts";
import { createProgressView } from "./download/progress.ts";
import { startDemoServer } from "./download/server.ts";
import { formatSummary } from "./download/summary.ts";
import { Tally } from "./download/tally.ts";
import { countOf } from "./download/units.ts";
import { downloadWorker, type WorkerSettings } from "./download/worker.ts";

/** How often the parent looks whether all workers ended while no event comes. */
const POLL_MS = 100;

/**
 * Runs the scenario: downloads the URLs of `rest` and `--list` (or the embedded server's
 * files), and throws, naming each file, when any download failed.
 */
export async function main(flags: Pick<ScenarioFlags, "rest" | "extra">): Promise<void> {
  const options = downloadOptions(flags);
  const server = options.urls.length === 0 && options.list === undefined ? await startDemoServer() : undefined;
  try {
    const jobs = server?.jobs ?? await jobsOf(options);
    if (options.redis !== undefined) return await viaRedis(options.redis, options.namespace, jobs, server?.origin);
    const outDir = await prepareOutDir(options.out);
    const workerCount = Math.min(options.workers, jobs.length);
    const files = countOf(jobs.length, "file");
    const workers = countOf(workerCount, "worker process", "worker processes");
    const source = server ? ` from the embedded server at ${server.origin}` : "";
    console.log(`downloading ${files} with ${workers}${source} into ${outDir}`);
    const started = performance.now();
    const tally = await downloadAll(jobs, workerCount, workerSettings(outDir, options.retries));
    console.log(`\n${formatSummary(tally, performance.now() - started)}`);
    throwIfFailed(tally, jobs.length);
  } finally {
    await server?.close();
  }
}

/** The run over Redis: the workers are those of `mp-demo worker --redis URL`, on any host. */
async function viaRedis(url: string, namespace: string, jobs: Job[], origin: string | undefined): Promise<void> {
  const source = origin ? ` from the embedded server at ${origin} (reachable from this host only)` : "";
  console.log(`downloading ${countOf(jobs.length, "file")}${source} through Redis at ${url} (namespace "${namespace}"): ` +
    `run \`mp-demo worker --redis ${url}\` on the hosts that should take them`);
  // Loaded only here: the `redis` client it needs is an optional dependency of the package.
  const { downloadViaRedis } = await import("./download/redis.ts");
  const started = performance.now();
  const tally = new Tally(jobs, 0);
  const view = createProgressView(tally);
  try {
    await downloadViaRedis(url, namespace, jobs, (event) => {
      tally.apply(event);
      view.show(event);
    }, () => tally.finished());
  } finally {
    view.finish();
  }
  console.log(`\n${formatSummary(tally, performance.now() - started)}`);
  throwIfFailed(tally, jobs.length);
}

/** Throws, naming each file, when any download failed. */
function throwIfFailed(tally: Tally, jobCount: number): void {
  const failed = tally.failed();
  if (failed.length > 0) {
    const what = failed.map((file) => `${file.name} (${file.url}): ${file.reason}`).join("; ");
    throw new Error(`${failed.length} of ${jobCount} downloads failed: ${what}`);
  }
}

/** Starts the workers, hands them the jobs, and follows their events until they all ended. */
async function downloadAll(jobs: Job[], workerCount: number, settings: WorkerSettings): Promise<Tally> {
  const queue = new JoinableQueue<Job | null>();
  const events = new Queue<WorkerEvent>();
  const workers = Array.from({ length: workerCount }, (_, i) => {
    const number = i + 1;
    return new Process({
      target: downloadWorker,
      args: [number, queue, events, settings],
      name: `downloader-${number}`,
    });
  });
  for (const worker of workers) worker.start();
  for (const job of jobs) await queue.put(job);
  for (const _ of workers) await queue.put(null); // one "no more jobs" per worker
  const tally = new Tally(jobs, workerCount);
  const view = createProgressView(tally);
  try {
    await followEvents(events, workers, (event) => {
      tally.apply(event);
      view.show(event);
    });
  } finally {
    view.finish();
  }
  const crashed = workers.filter((worker) => worker.exitCode !== 0);
  if (crashed.length === 0) {
    await queue.join(); // every job had its taskDone(): resolves at once
  } else {
    const which = crashed.map((worker) => `${worker.name} (exit code ${worker.exitCode})`).join(", ");
    tally.failUnfinished(`worker ${which} ended before finishing it`);
  }
  queue.close();
  events.close();
  return tally;
}

/** Hands each event to `onEvent` until every worker ended and the queue is drained. */
async function followEvents(
  events: Queue<WorkerEvent>,
  workers: Process[],
  onEvent: (event: WorkerEvent) => void,
): Promise<void> {
  let allEnded = false;
  const ended = Promise.all(workers.map((worker) => worker.join())).then(() => (allEnded = true));
  for (;;) {
    try {
      onEvent(await events.get({ timeout: POLL_MS }));
    } catch (error) {
      if (!(error instanceof Empty)) throw error;
      // A worker's events are all in the queue once it ended, so empty after the end is drained.
      if (allEnded) break;
    }
  }
  await ended;
}

if (isMain(import.meta)) {
  try {
    await main(parseFlags(DOWNLOAD_FLAGS));
  } catch (error) {
    console.error(`download: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
