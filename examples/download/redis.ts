// The download scenario across hosts, on Redis: `mp-demo download --redis URL` puts the jobs
// on a Redis JoinableQueue and follows the events that the workers put on its run's own
// events queue; `mp-demo worker --redis URL` on any host starts worker processes that take
// the jobs. A worker process that dies (or a host that goes away) has its job handed to
// another worker, as the Redis queues promise.
import { hostname } from "node:os";
import process from "node:process";
import { Process } from "../../mod.ts";
import { RedisCluster, type RedisQueue } from "../../redis.ts";
import type { WorkerEvent } from "./events.ts";
import type { Job } from "./jobs.ts";
import { downloadJob, type WorkerSettings } from "./worker.ts";

/** The queue of jobs every run and every worker host share (in the namespace given). */
const JOBS_QUEUE = "download-jobs";

/** A job on the Redis queue: the file, and the queue its run reads the events from. */
interface RedisJob {
  job: Job;
  events: string;
}

/**
 * The parent's side: puts `jobs` on the shared queue, hands every event of this run to
 * `onEvent` until `finished()` says every file is done or failed, then joins the queue.
 */
export async function downloadViaRedis(
  url: string,
  namespace: string,
  jobs: Job[],
  onEvent: (event: WorkerEvent) => void,
  finished: () => boolean,
): Promise<void> {
  await using cluster = await RedisCluster.connect(url, { namespace });
  const run = `download-events-${hostname()}-${process.pid}-${Date.now()}`;
  const queue = cluster.JoinableQueue<RedisJob>(JOBS_QUEUE);
  const events = cluster.Queue<WorkerEvent>(run);
  await queue.putMany(jobs.map((job) => ({ job, events: run })));
  while (!finished()) onEvent(await events.get());
  await queue.join();
}

/**
 * A worker host: starts `workers` worker processes that take jobs from the shared queue
 * until the program is stopped (Ctrl-C); their files go to `settings.outDir` on this host.
 */
export async function serveDownloads(url: string, namespace: string, workers: number, settings: WorkerSettings): Promise<void> {
  // Fail here, with the connection's own message, rather than in every worker.
  await (await RedisCluster.connect(url, { namespace })).close();
  const label = `${hostname()}-${process.pid}`;
  const processes = Array.from({ length: workers }, (_, i) =>
    new Process({
      target: redisDownloadWorker,
      args: [`${label}/${i + 1}`, url, namespace, settings],
      name: `downloader-${i + 1}`,
    }));
  for (const worker of processes) worker.start();
  console.log(`${workers} download workers take jobs from ${url} (namespace "${namespace}") into ${settings.outDir}; Ctrl-C stops them`);
  await Promise.all(processes.map((worker) => worker.join()));
}

/** A worker process's code (exported, so the child finds it): takes jobs until it is ended. */
export async function redisDownloadWorker(label: string, url: string, namespace: string, settings: WorkerSettings): Promise<void> {
  const cluster = await RedisCluster.connect(url, { namespace });
  const jobs = cluster.JoinableQueue<RedisJob>(JOBS_QUEUE);
  let sink: RedisQueue<WorkerEvent> | undefined;
  for (;;) {
    const { job, events } = await jobs.get();
    if (sink?.name !== events) {
      await sink?.close(); // the run before is over: its parent stopped reading
      sink = cluster.Queue<WorkerEvent>(events);
    }
    try {
      await downloadJob(label, job, sink, settings);
    } finally {
      await jobs.taskDone();
    }
  }
}
