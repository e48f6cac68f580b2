/**
 * `RedisCluster`: the entry of the Redis backend. One connection (and one session, see
 * session.ts) per `connect()`; the queues, pools, worker hosts and managed objects it
 * makes are named within its namespace, so that every process and host that connects with
 * the same namespace shares them.
 * @module
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import { ValueError } from "../errors.ts";
import { RedisConnection } from "./client.ts";
import { RedisLock, type RedisLockOptions } from "./lock.ts";
import { RedisDict, RedisList, RedisNamespace } from "./managed.ts";
import { RedisPool, type RedisPoolOptions } from "./pool.ts";
import { RedisJoinableQueue, RedisQueue, type RedisQueueOptions, RedisSimpleQueue } from "./queues.ts";
import { serve, type ServeOptions, type ServeStats } from "./serve.ts";
import { type DeliverySettings, Session } from "./session.ts";

/**
 * Options of {@link RedisCluster.connect}.
 * @example Usage
 * ```ts
 * import { RedisCluster, type RedisClusterOptions } from "@seed/multiprocessing/redis";
 * const options: RedisClusterOptions = { namespace: "render", minIdle: 5000, maxDeliveries: 3 };
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", options);
 * ```
 */
export interface RedisClusterOptions {
  /** Names the queues, pools and objects apart from other programs on the same server. */
  namespace: string;
  /**
   * The directory that pool task modules are named relative to (a task function is found
   * on each host as an export of `root/<its module's path>`). Default: the working directory.
   */
  root?: string | URL;
  /** Overrides the URL's password. */
  password?: string;
  /** How long the first connect may take before it fails with `RedisConnectionError`, in ms. Default 5000. */
  connectTimeout?: number;
  /**
   * A consumer (a getter, a worker host) that has not sent a heartbeat for this long is
   * taken for lost and its items are handed to others, in ms. Heartbeats come from the
   * event loop of the process that holds the consumer, every quarter of this (at most
   * every second); a consumer whose connection is gone is taken for lost at once. Default 10000.
   */
  minIdle?: number;
  /** An item whose consumer was lost this many times goes to the dead-letter stream. Default 5. */
  maxDeliveries?: number;
  /** How often lost consumers are looked for, in ms. Default 250. */
  reclaimInterval?: number;
  /** How long a pool's result stream outlives its last write (a caller that died), in ms. Default one day. */
  resultTtl?: number;
}

const NAME_RULE = /^[^{}\s]+$/;

/**
 * A connection to a Redis server on which the library's queues, pool and manager-style
 * objects live, shared by every process and host that connects with the same namespace.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "app" });
 * const q = cluster.JoinableQueue<string>("jobs");
 * await q.put("job 1");
 * console.log(await q.get()); // "job 1"
 * q.taskDone();
 * await q.join();
 * ```
 */
export class RedisCluster {
  readonly #session: Session;
  readonly #root: string;
  #closed = false;

  private constructor(session: Session, root: string) {
    this.#session = session;
    this.#root = root;
  }

  /**
   * Connects to the Redis server at `url` (`redis://[[user]:password@]host[:port][/db]`).
   * @throws {RedisConnectionError} within `connectTimeout` when the server cannot be
   *   reached, refuses the credentials, or is older than Redis 6.2.
   * @throws {TypeError} when the namespace is missing or holds braces or spaces.
   */
  static async connect(url: string, options: RedisClusterOptions): Promise<RedisCluster> {
    const namespace = checkName(options?.namespace, "namespace");
    const settings: DeliverySettings = {
      minIdle: positive(options.minIdle ?? 10_000, "minIdle"),
      maxDeliveries: positive(options.maxDeliveries ?? 5, "maxDeliveries"),
      reclaimInterval: positive(options.reclaimInterval ?? 250, "reclaimInterval"),
      resultTtl: positive(options.resultTtl ?? 86_400_000, "resultTtl"),
    };
    const root = rootUrl(options.root);
    const conn = await RedisConnection.open(url, { password: options.password, connectTimeout: options.connectTimeout });
    const session = new Session(conn, namespace, settings);
    try {
      await session.identified();
    } catch (error) {
      conn.destroy();
      throw error;
    }
    return new RedisCluster(session, root);
  }

  /** The namespace everything of this cluster is named in. */
  get namespace(): string {
    return this.#session.namespace;
  }

  /** The directory task modules are named relative to, as a `file:` URL ending in "/". */
  get root(): string {
    return this.#root;
  }

  /** The Redis server's version. */
  get serverVersion(): string {
    return this.#session.conn.serverVersion;
  }

  /** A handle of the queue `name` (Python's `multiprocessing.Queue`), shared by all who name it. */
  Queue<T = unknown>(name: string, options?: RedisQueueOptions): RedisQueue<T> {
    return new RedisQueue<T>(this.#live(), checkName(name, "queue name"), options);
  }

  /** A handle of the joinable queue `name` (Python's `multiprocessing.JoinableQueue`). */
  JoinableQueue<T = unknown>(name: string, options?: RedisQueueOptions): RedisJoinableQueue<T> {
    return new RedisJoinableQueue<T>(this.#live(), checkName(name, "queue name"), options);
  }

  /** A handle of the simple queue `name` (Python's `multiprocessing.SimpleQueue`). */
  SimpleQueue<T = unknown>(name: string): RedisSimpleQueue<T> {
    return new RedisSimpleQueue<T>(this.#live(), checkName(name, "queue name"));
  }

  /** A pool whose tasks run on the worker hosts serving `name` (see {@link RedisCluster.serve}). */
  Pool(name: string, options?: RedisPoolOptions): RedisPool {
    return new RedisPool(this.#live(), checkName(name, "pool name"), this.#root, options);
  }

  /**
   * Runs this host's worker processes for the pool `name` until `signal` aborts: they take
   * its tasks, as local pool workers (the library's own), while this process's event loop
   * reads tasks, records results and sends the heartbeats. Resolves once stopped: tasks
   * running then finish and are recorded first.
   */
  serve(name: string, options: ServeOptions = {}): Promise<ServeStats> {
    const session = this.#live();
    const running = serve(session, checkName(name, "pool name"), this.#root, options);
    const handle = { close: () => running.stop() };
    session.open.add(handle);
    return running.done.finally(() => session.open.delete(handle));
  }

  /** The dict `name` (a Redis hash), as a manager's dict proxy. */
  dict<V = unknown>(name: string): RedisDict<V> {
    return new RedisDict<V>(this.#live(), checkName(name, "dict name"));
  }

  /** The list `name` (a Redis list), as a manager's list proxy. */
  list<T = unknown>(name: string): RedisList<T> {
    return new RedisList<T>(this.#live(), checkName(name, "list name"));
  }

  /** The namespace object `name` (a Redis hash of attributes), as a manager's Namespace proxy. */
  Namespace(name: string): RedisNamespace {
    return new RedisNamespace(this.#live(), checkName(name, "Namespace name"));
  }

  /** The lock `name`, held by one process of any host at a time. */
  Lock(name: string, options?: RedisLockOptions): RedisLock {
    return new RedisLock(this.#live(), checkName(name, "lock name"), options);
  }

  /** What this process's janitors did: items put back after their consumer was lost, and dead-lettered. */
  get janitorCounts(): { putBack: number; deadLettered: number } {
    return { ...this.#session.counts };
  }

  /**
   * Closes every handle made here (getters hand back what they hold, worker hosts stop
   * after their running tasks), then the connection.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#session.open].map((handle) => handle.close().catch(() => {})));
    this.#session.close();
    await this.#session.conn.close();
  }

  /** Closes the cluster (`await using cluster = …`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #live(): Session {
    if (this.#closed) throw new ValueError("the RedisCluster is closed");
    return this.#session;
  }
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || !NAME_RULE.test(name)) {
    throw new TypeError(`the ${what} must be a non-empty string without braces or spaces, not ${JSON.stringify(name)}`);
  }
  return name;
}

function positive(value: number, what: string): number {
  if (typeof value !== "number" || !(value > 0)) throw new TypeError(`${what} must be a positive number, not ${String(value)}`);
  return value;
}

function rootUrl(root: string | URL | undefined): string {
  const url = root === undefined ? pathToFileURL(process.cwd()) : root instanceof URL ? root : new URL(root, pathToFileURL(`${process.cwd()}/`));
  return url.href.endsWith("/") ? url.href : `${url.href}/`;
}
