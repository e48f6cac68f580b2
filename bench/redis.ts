/**
 * `bench/redis` (issue 17): the Redis backend on a private redis-server (loopback, AOF with
 * `appendfsync always`), beside BullMQ doing the same work against the same server in the
 * same run (BullMQ on the same `redis` client, node-redis). Workloads: a JoinableQueue's
 * put → get → taskDone with 1 and 8 consumers (BullMQ: add → a worker of concurrency 1 and
 * 8), the same batched (BullMQ: addBulk), a distributed Pool.map over two worker hosts
 * beside the local Pool of as many processes (again on a server with `appendfsync everysec`,
 * Redis's default, where a durable write does not wait for the disk), and how soon a task
 * starts again elsewhere after `kill -9` of the worker host running it (BullMQ: its worker process, with
 * lockDuration 2 s and stalledInterval 1 s instead of its 30 s defaults).
 * @module
 */
import { spawn } from "node:child_process";
import { Queue as BullQueue, QueueEvents, Worker as BullWorker } from "bullmq";
import { createClient } from "redis";
import { Pool } from "../mod.ts";
import { RedisCluster } from "../redis.ts";
import { type Host, startHost } from "../tests_redis/_hosts.ts";
import { commandFor, eventually, holders, startRedis } from "../tests_redis/_server.ts";
import { type BenchCase, LIBRARY, median, medianOfRepeats, perSecond, type RunContext, sizeFor, siblingModule, timeMs } from "./lib.ts";
import { stampThenSleep } from "./redis_tasks.ts";
import { square } from "./tasks.ts";
import { POOL_WORKERS, REDIS, SIZES, smallItem } from "./workloads.ts";

/** Puts (or adds) in flight at once while a producer feeds its consumers. */
const PUT_WINDOW = 64;
/** Items per putMany / getMany / addBulk in the batched workload. */
const BATCH = 100;
/** Batches in flight at once. */
const BATCH_WINDOW = 8;
/** How long the task killed with its host runs (it is restarted elsewhere long before it would end). */
const VICTIM_TASK_MS = 5_000;
const BULLMQ = "BullMQ (node-redis client)";
let runs = 0;

/** Runs `produce(i)` for i in 0..n-1 with at most `window` of them pending. */
async function feed(n: number, window: number, produce: (i: number) => Promise<unknown>): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    const put = produce(i).finally(() => pending.delete(put));
    pending.add(put);
    if (pending.size >= window) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/** JoinableQueue put → get → taskDone of `n` items, `consumers` getters (batches of `batch` when > 1); items/s. */
async function joinableRun(url: string, n: number, consumers: number, batch = 1): Promise<number> {
  await using cluster = await RedisCluster.connect(url, { namespace: `bench${++runs}` });
  const producer = cluster.JoinableQueue<ReturnType<typeof smallItem>>("q");
  const getters = Array.from({ length: consumers }, () => cluster.JoinableQueue<ReturnType<typeof smallItem>>("q"));
  let taken = 0;
  const consuming = getters.map(async (q) => {
    while (taken < n) {
      let items: unknown[];
      try {
        items = batch > 1 ? await q.getMany(batch) : [await q.get()];
      } catch {
        return; // closed at the end
      }
      taken += items.length;
      for (const _ of items) void q.taskDone();
    }
  });
  // Every getter's connection is up before the clock starts (BullMQ's worker is ready too).
  await producer.put(smallItem(-1));
  await producer.join();
  taken = 0;
  const ms = await timeMs(async () => {
    if (batch > 1) {
      await feed(n / batch, BATCH_WINDOW, (b) => producer.putMany(Array.from({ length: batch }, (_, i) => smallItem(b * batch + i))));
    } else {
      await feed(n, PUT_WINDOW, (i) => producer.put(smallItem(i)));
    }
    await producer.join();
  });
  for (const q of getters) await q.close();
  await Promise.all(consuming);
  return perSecond(n, ms);
}

/** The same work with BullMQ: add (or addBulk) → a worker of concurrency `consumers`; items/s. */
async function bullmqRun(url: string, n: number, consumers: number, batch = 1): Promise<number> {
  const name = `bench${++runs}`;
  const [producerConnection, workerConnection] = await Promise.all([connectClient(url), connectClient(url)]);
  const queue = new BullQueue(name, { connection: producerConnection as never });
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new BullWorker(name, async () => {
    if (++done === n) allDone();
  }, { connection: workerConnection as never, concurrency: consumers });
  await worker.waitUntilReady();
  const options = { removeOnComplete: true, removeOnFail: true };
  const ms = await timeMs(async () => {
    if (batch > 1) {
      await feed(n / batch, BATCH_WINDOW, (b) =>
        queue.addBulk(Array.from({ length: batch }, (_, i) => ({ name: "j", data: smallItem(b * batch + i), opts: options }))));
    } else {
      await feed(n, PUT_WINDOW, (i) => queue.add("j", smallItem(i), options));
    }
    await finished;
  });
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await Promise.all([producerConnection, workerConnection].map((client) => client.close().catch(() => {})));
  return perSecond(n, ms);
}

/** A node-redis client (what BullMQ is given, as the library uses the same client). */
type Client = { connect(): Promise<unknown>; close(): Promise<void>; on(event: string, listener: () => void): unknown };

async function connectClient(url: string): Promise<Client> {
  const client = createClient({ url }) as unknown as Client;
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Pool.map of x*x over `n` inputs, default chunksize, on 2 worker hosts of 1 process each; items/s. */
async function poolMapRun(ctx: RunContext, url: string, n: number): Promise<number> {
  const namespace = `bench${++runs}`;
  const hosts = await Promise.all(
    Array.from({ length: POOL_WORKERS }, () => startHost({ url, namespace, pool: "map", processes: 1 })),
  );
  try {
    await using cluster = await RedisCluster.connect(url, { namespace });
    const pool = cluster.Pool("map");
    const inputs = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < 3; i++) await pool.map(square, inputs); // as bench/pool warms up
    const ms = await medianOfRepeats(ctx, () => timeMs(() => pool.map(square, inputs)));
    await pool.close();
    return perSecond(n, ms);
  } finally {
    await Promise.all(hosts.map((host) => host.stop()));
  }
}

/** The local Pool of as many processes, same map; items/s. */
async function localPoolRun(ctx: RunContext, n: number): Promise<number> {
  await using pool = new Pool({ processes: POOL_WORKERS, module: siblingModule(import.meta.url, "./tasks") });
  const inputs = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < 3; i++) await pool.map(square, inputs);
  return perSecond(n, await medianOfRepeats(ctx, () => timeMs(() => pool.map(square, inputs))));
}

/**
 * `kills` times: a task starts on one of two worker hosts, that host is killed (kill -9),
 * and the time until the task starts on the other is taken; a new host replaces the killed one.
 */
async function redeliveryRun(url: string, kills: number): Promise<number[]> {
  const namespace = `bench${++runs}`;
  const start = () => startHost({ url, namespace, pool: "kill", processes: 1 });
  const hosts: Host[] = await Promise.all([start(), start()]);
  const samples: number[] = [];
  try {
    await using cluster = await RedisCluster.connect(url, { namespace });
    const pool = cluster.Pool("kill");
    for (let k = 0; k < kills; k++) {
      const result = pool.apply(stampThenSleep, [VICTIM_TASK_MS]);
      const victim = await eventually(async () => {
        const [held] = await holders(url, `{${namespace}:p:kill}:s`);
        return held ? hosts.find((host) => held[0].split("/")[1] === String(host.pid)) : undefined;
      }, 10_000, "a host takes the task");
      const killedAt = Date.now();
      victim.signal("SIGKILL");
      hosts.splice(hosts.indexOf(victim), 1, await start());
      samples.push((await result) - killedAt);
    }
    await pool.terminate();
  } finally {
    await Promise.all(hosts.map((host) => host.stop()));
  }
  return samples;
}

/** The same with BullMQ worker processes (see redis_bullmq_worker.ts). */
async function bullmqRedeliveryRun(url: string, kills: number): Promise<number[]> {
  const name = `bench${++runs}`;
  const [connection, eventsConnection] = await Promise.all([connectClient(url), connectClient(url)]);
  const queue = new BullQueue(name, { connection: connection as never });
  const events = new QueueEvents(name, { connection: eventsConnection as never });
  await events.waitUntilReady();
  const workers = await Promise.all([startBullWorker(url, name), startBullWorker(url, name)]);
  const samples: number[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      const job = await queue.add("victim", { ms: VICTIM_TASK_MS }, { attempts: 1 });
      const victim = await eventually(async () => workers.find((worker) => worker.output().includes(`took ${job.id}\n`)), 10_000, "a worker takes the job");
      const killedAt = Date.now();
      victim.kill();
      workers.splice(workers.indexOf(victim), 1, await startBullWorker(url, name));
      samples.push((await job.waitUntilFinished(events)) as number - killedAt);
    }
  } finally {
    for (const worker of workers) worker.kill();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await Promise.all([connection, eventsConnection].map((client) => client.close().catch(() => {})));
  }
  return samples;
}

async function startBullWorker(url: string, queue: string): Promise<{ output(): string; kill(): void }> {
  const [command, argv] = commandFor(siblingModule(import.meta.url, "./redis_bullmq_worker").pathname, [url, queue]);
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  await eventually(async () => output.includes("ready") || undefined, 30_000, "a BullMQ worker starts");
  return { output: () => output, kill: () => child.kill("SIGKILL") };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `use` with a private server (AOF, appendfsync `fsync`), stopped afterwards. */
async function withServer<T>(use: (url: string) => Promise<T>, fsync: "always" | "everysec" = "always"): Promise<T> {
  const server = await startRedis({ extra: ["--appendfsync", fsync] });
  try {
    return await use(server.url);
  } finally {
    await server.stop();
  }
}

export const cases: BenchCase[] = [
  {
    impl: LIBRARY,
    run: (ctx) =>
      withServer(async (url) => {
        const n = sizeFor(ctx, SIZES.redisItems);
        const jq1 = await medianOfRepeats(ctx, async () => 1000 * n / await joinableRun(url, n, 1));
        const jq8 = await medianOfRepeats(ctx, async () => 1000 * n / await joinableRun(url, n, 8));
        const nb = sizeFor(ctx, SIZES.redisBatchedItems);
        const batched = await medianOfRepeats(ctx, async () => 1000 * nb / await joinableRun(url, nb, 8, BATCH));
        const poolMap = await poolMapRun(ctx, url, sizeFor(ctx, SIZES.mapItems));
        const poolMapEverysec = await withServer((everysec) => poolMapRun(ctx, everysec, sizeFor(ctx, SIZES.mapItems)), "everysec");
        const redelivery = await redeliveryRun(url, sizeFor(ctx, SIZES.redisKills));
        return {
          [REDIS.joinable1.id]: perSecond(n, jq1),
          [REDIS.joinable8.id]: perSecond(n, jq8),
          [REDIS.batched.id]: perSecond(nb, batched),
          [REDIS.poolMap.id]: poolMap,
          [REDIS.poolMapEverysec.id]: poolMapEverysec,
          [REDIS.redeliveryP50.id]: median(redelivery),
          [REDIS.redeliveryP99.id]: percentile(redelivery, 99),
        };
      }),
  },
  {
    impl: BULLMQ,
    bar: true,
    run: (ctx) =>
      withServer(async (url) => {
        const n = sizeFor(ctx, SIZES.redisItems);
        const nb = sizeFor(ctx, SIZES.redisBatchedItems);
        const jq1 = await medianOfRepeats(ctx, async () => 1000 * n / await bullmqRun(url, n, 1));
        const jq8 = await medianOfRepeats(ctx, async () => 1000 * n / await bullmqRun(url, n, 8));
        const batched = await medianOfRepeats(ctx, async () => 1000 * nb / await bullmqRun(url, nb, 8, BATCH));
        const redelivery = await bullmqRedeliveryRun(url, sizeFor(ctx, SIZES.bullmqKills));
        return {
          [REDIS.joinable1.id]: perSecond(n, jq1),
          [REDIS.joinable8.id]: perSecond(n, jq8),
          [REDIS.batched.id]: perSecond(nb, batched),
          [REDIS.redeliveryP50.id]: median(redelivery),
          [REDIS.redeliveryP99.id]: percentile(redelivery, 99),
        };
      }),
  },
  {
    impl: `local Pool(${POOL_WORKERS})`,
    bar: true,
    run: async (ctx) => {
      const local = await localPoolRun(ctx, sizeFor(ctx, SIZES.mapItems));
      return { [REDIS.poolMap.id]: local, [REDIS.poolMapEverysec.id]: local };
    },
  },
];
