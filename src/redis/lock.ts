/**
 * `RedisLock`: Python's `multiprocessing.Lock` across hosts, as a lease: the holder's
 * process renews it from its event loop; a holder whose connection is gone (its process
 * killed) frees it for the next waiter within `reclaimInterval`, and one that goes silent
 * (paused, cut off) loses it after the lease. Each acquisition gets a fencing token (a
 * number that grows with every acquisition) for writes that must tell a late holder apart.
 * @module
 */
import { ValueError } from "../errors.ts";
import { checkOptions, deadlineOf } from "../options.ts";
import { remaining } from "../transport/wait.ts";
import { Script, text } from "./client.ts";
import type { Session } from "./session.ts";
import { napUntil } from "./work_stream.ts";

/**
 * Options of a Redis lock.
 * @example Usage
 * ```ts
 * import { RedisCluster, type RedisLockOptions } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const options: RedisLockOptions = { lease: 5000 };
 * const lock = cluster.Lock("report", options);
 * ```
 */
export interface RedisLockOptions {
  /** How long a holder that stopped renewing keeps the lock, in ms. Default: the cluster's `minIdle`. */
  lease?: number;
}

/** Takes the lock if free: KEYS: lock, token counter. ARGV: holder record, lease ms. Returns the token or nil. */
const ACQUIRE = new Script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
  return token
end
return false
`);

/** Renews if still held by this record: KEYS: lock. ARGV: held value, lease ms. */
const RENEW = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Deletes if the value is still ARGV[1] (or, with no ARGV, if held at all). KEYS: lock. Returns 1 if deleted. */
const RELEASE = new Script(`
if #ARGV == 0 or redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

const FIRST_RECHECK_MS = 2;
const MAX_RECHECK_MS = 50;

/**
 * A lock held by one process on any host at a time (Python's `multiprocessing.Lock`). Make
 * one with `cluster.Lock(name)`.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const lock = cluster.Lock("report");
 * await lock.acquire();
 * try {
 *   console.log("only one host writes the report at a time, token", lock.fencingToken);
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class RedisLock {
  readonly #key: string;
  readonly #lease: number;
  /** The value this handle set while it holds the lock. */
  #held: string | undefined;
  #renewal: ReturnType<typeof setInterval> | undefined;
  #lastLivenessCheck = 0;
  /** The fencing token of the current acquisition (0 before the first). */
  fencingToken = 0;

  /** @ignore Made by `cluster.Lock(name, options)`. */
  constructor(private readonly session: Session, readonly name: string, options: RedisLockOptions = {}) {
    this.#key = session.key("lock", name);
    this.#lease = options.lease ?? session.settings.minIdle;
    if (!(this.#lease > 0)) throw new TypeError(`lease must be a positive number of milliseconds, not ${String(options.lease)}`);
    session.open.add(this);
  }

  /**
   * Takes the lock, waiting while another holds it; resolves `true` when taken, `false` when
   * not taken by the timeout (or at once with `block: false`), as Python's `acquire`.
   * @throws {ValueError} when this handle holds it already (it is not re-entrant).
   */
  async acquire(options?: { block?: boolean; timeout?: number; signal?: AbortSignal }): Promise<boolean> {
    checkOptions("acquire", options);
    if (this.#held !== undefined) throw new ValueError("this handle holds the lock already (a Lock is not re-entrant)");
    const deadline = deadlineOf(options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const conn = this.session.conn;
    await this.session.identified();
    const record = `${Math.random().toString(36).slice(2)} ${this.session.runId} ${this.session.mainId}`;
    for (let recheck = FIRST_RECHECK_MS;; recheck = Math.min(recheck * 2, MAX_RECHECK_MS)) {
      const token = await conn.eval(ACQUIRE, [this.#key, `${this.#key}:token`], [record, String(this.#lease)]);
      if (token !== null) {
        this.fencingToken = Number(token);
        this.#hold(`${record} ${token}`);
        return true;
      }
      await this.#freeIfHolderGone();
      if (remaining(deadline) === 0) return false;
      await napUntil(recheck, deadline, signal);
    }
  }

  /**
   * Frees the lock. As Python's, any process may release a held lock.
   * @throws {ValueError} when the lock is not held ("lock released too many times"), or
   *   when this handle's hold was lost (it stopped renewing past its lease) and nobody holds it.
   */
  async release(): Promise<void> {
    const held = this.#held;
    this.#letGo();
    const args = held === undefined ? [] : [held];
    if (Number(await this.session.conn.eval(RELEASE, [this.#key], args)) === 1) return;
    throw new ValueError(
      held === undefined ? "lock released too many times (it is not held)" : "the lock was lost before release(): its lease ran out",
    );
  }

  /** Whether some process holds the lock now. */
  async locked(): Promise<boolean> {
    return Number(await this.session.conn.command(["EXISTS", this.#key])) === 1;
  }

  /** Frees the lock if this handle holds it; the handle is done. */
  async close(): Promise<void> {
    this.session.open.delete(this);
    if (this.#held !== undefined) await this.release().catch(() => {});
  }

  #hold(value: string): void {
    this.#held = value;
    this.#renewal = setInterval(() => {
      void this.session.conn.eval(RENEW, [this.#key], [value, String(this.#lease)]).then(
        (renewed) => Number(renewed) === 1 || this.#letGo(),
        () => {},
      );
    }, Math.max(this.#lease / 3, 10));
  }

  #letGo(): void {
    clearInterval(this.#renewal);
    this.#held = undefined;
  }

  /** A holder of this server run whose connection is gone (its process killed) frees the lock at once. */
  async #freeIfHolderGone(): Promise<void> {
    if (performance.now() - this.#lastLivenessCheck < this.session.settings.reclaimInterval) return;
    this.#lastLivenessCheck = performance.now();
    const value = await this.session.conn.command(["GET", this.#key]);
    if (value === null) return;
    const [, runId, clientId] = text(value).split(" ");
    if (runId !== this.session.runId) return;
    if ((await this.session.goneClients([clientId])).length > 0) await this.session.conn.eval(RELEASE, [this.#key], [text(value)]);
  }
}
