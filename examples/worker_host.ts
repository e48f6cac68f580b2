/**
 * A worker host over Redis, `mp-demo worker --redis URL` (also `mp-worker`):
 * - with `--pool NAME`: serves that Redis pool's tasks with `--processes N` local worker
 *   processes (`--import ./tasks.ts` loads the task modules first, to fail fast when one is
 *   missing; task modules are found relative to `--root DIR`, default the working directory);
 * - without it: takes the download scenario's jobs (`mp-demo download --redis URL`) with
 *   `--workers N` worker processes, into `--out DIR`.
 * It runs until Ctrl-C (SIGINT) or SIGTERM; a pool host then finishes its running tasks.
 *
 * ```sh
 * deno run -A cli.ts worker --redis redis://127.0.0.1:6379 --namespace app --pool render --processes 4 --import ./tasks.ts
 * ```
 * @module
 */
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { cpuCount } from "../mod.ts";
import type { FlagSpec, ScenarioFlags } from "./_shared.ts";
import { prepareOutDir, workerSettings } from "./download/options.ts";

/** What `worker` takes on its command line. */
export const WORKER_FLAGS: FlagSpec = {
  flags: ["redis", "namespace", "pool", "processes", "import", "root", "workers", "out", "retries"],
};

/** Runs the worker host the flags describe, until it is stopped. */
export async function main({ extra }: Pick<ScenarioFlags, "extra">): Promise<void> {
  const url = extra.redis;
  if (!url) throw new Error("worker needs --redis URL (the Redis server the jobs or tasks are on)");
  const namespace = extra.namespace ?? (extra.pool === undefined ? "mp-demo" : "app");
  if (extra.pool === undefined) {
    const settings = workerSettings(await prepareOutDir(extra.out), whole("retries", extra.retries, 3, 0));
    // Loaded only here: the `redis` client it needs is an optional dependency of the package.
    const { serveDownloads } = await import("./download/redis.ts");
    return await serveDownloads(url, namespace, whole("workers", extra.workers, 3, 1), settings);
  }
  const { RedisCluster } = await import("../redis.ts");
  for (const module of (extra.import ?? "").split(",").filter(Boolean)) await import(pathToFileURL(resolve(module)).href);
  const cluster = await RedisCluster.connect(url, { namespace, root: extra.root && pathToFileURL(`${resolve(extra.root)}/`) });
  try {
    const stop = new AbortController();
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
    const processes = whole("processes", extra.processes, cpuCount(), 1);
    console.log(`serving pool "${extra.pool}" of namespace "${namespace}" at ${url} with ${processes} worker processes; Ctrl-C stops`);
    const stats = await cluster.serve(extra.pool, { processes, signal: stop.signal });
    console.log(`stopped after ${stats.chunks} chunks${stats.refused ? ` (${stats.refused} refused: this host had been taken for lost)` : ""}`);
  } finally {
    // (Not `await using`: TypeScript then leaves the `.ts` of this function's imports unrewritten.)
    await cluster.close();
  }
}

function whole(name: string, value: string | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < least) throw new Error(`--${name} takes a whole number of at least ${least}, got "${value}"`);
  return number;
}
