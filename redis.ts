/**
 * The library's queues, pool and manager-style objects on a Redis server, shared by
 * processes on any number of hosts: `RedisCluster.connect(url, { namespace })`, then
 * `cluster.Queue`, `JoinableQueue`, `SimpleQueue`, `Pool`, `serve`, `dict`, `list`,
 * `Namespace` and `Lock`, with the semantics and error classes of their local twins.
 * Needs the `redis` npm package (node-redis), the only dependency of this entry; the rest
 * of the library does not load it.
 *
 * Delivery: at-least-once execution, exactly-once completion record. A getter or worker host
 * that dies has its items handed to others at once when its connection is gone (within
 * `reclaimInterval`), otherwise after `minIdle` without a heartbeat; an item whose holders
 * were lost `maxDeliveries` times goes to a dead-letter stream (a pool task then fails with
 * a `ProcessError` naming it).
 *
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 *
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "app" });
 * const q = cluster.JoinableQueue<{ url: string }>("jobs");
 * await q.put({ url: "https://example.com/a" });   // any host
 * const job = await q.get();                       // any host
 * console.log("fetching", job.url);
 * q.taskDone();
 * await q.join();
 * ```
 * @module
 */
export { RedisCluster, type RedisClusterOptions } from "./src/redis/cluster.ts";
export { RedisConnectionError } from "./src/redis/errors.ts";
export { RedisLock, type RedisLockOptions } from "./src/redis/lock.ts";
export { RedisDict, RedisList, RedisNamespace } from "./src/redis/managed.ts";
export { RedisPool, type RedisPoolOptions } from "./src/redis/pool.ts";
export {
  type RedisBlockingOptions,
  RedisJoinableQueue,
  RedisQueue,
  type RedisQueueOptions,
  RedisSimpleQueue,
} from "./src/redis/queues.ts";
export type { ServeOptions, ServeStats } from "./src/redis/serve.ts";
// The library's own types that the Redis classes' signatures name, for readers of this entry alone.
export type { AsyncResult, ResultCallbacks } from "./src/async_result.ts";
export type { NamedError } from "./src/errors.ts";
export type { CallOptions, ChunkOptions, Inputs } from "./src/pool.ts";
export type { WaitOptions } from "./src/process.ts";
