/**
 * The errors that only the Redis backend raises. The queues, the pool and the managed
 * objects otherwise raise the library's own classes (`Empty`, `Full`, `ValueError`,
 * `TimeoutError`, `ProcessError`…), as their local twins do.
 * @module
 */
import { NamedError } from "../errors.ts";

/**
 * The Redis server cannot be used: it cannot be reached in time, it refused the
 * credentials, or it is older than Redis 6.2. The message says which and what to do.
 * @example Usage
 * ```ts
 * import { RedisCluster, RedisConnectionError } from "@seed/multiprocessing/redis";
 * try {
 *   await RedisCluster.connect("redis://127.0.0.1:1", { namespace: "app", connectTimeout: 500 });
 * } catch (error) {
 *   console.log(error instanceof RedisConnectionError); // true
 * }
 * ```
 */
export class RedisConnectionError extends NamedError {}
