/**
 * A BullMQ worker process for `bench/redis`'s redelivery baseline, so that the bench can
 * kill it: `redis_bullmq_worker.ts URL QUEUE`. Concurrency 1, lockDuration 2 s and
 * stalledInterval 1 s (BullMQ's defaults are 30 s each); prints "took <job id>" when it starts
 * a job, whose result is when it started (epoch ms).
 * @module
 */
import process from "node:process";
import { Worker } from "bullmq";
import { createClient } from "redis";

const [url, queue] = process.argv.slice(2);
const connection = createClient({ url });
connection.on("error", () => {});
await connection.connect();
const worker = new Worker(queue, async (job) => {
  const started = Date.now();
  console.log(`took ${job.id}`);
  await new Promise((resolve) => setTimeout(resolve, (job.data as { ms: number }).ms));
  return started;
}, { connection: connection as never, concurrency: 1, lockDuration: 2000, stalledInterval: 1000 });
await worker.waitUntilReady();
console.log(`ready ${process.pid}`);
