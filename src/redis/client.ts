/**
 * The one module that talks to the `redis` npm client (node-redis): connections with clear
 * errors for the ways a connect fails (unreachable, wrong password, a server older than
 * 6.2), reconnection with backoff once connected, Lua scripts run by SHA with a fallback
 * when the server lost its script cache (a restart), and dedicated connections for blocking
 * reads. Replies keep bulk strings as bytes (`Uint8Array`s), so that the codec's binary
 * values travel untouched; the rest of `src/redis/` sees only {@link RedisConnection}.
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { ClientOfflineError, createClient, RESP_TYPES, SocketClosedUnexpectedlyError, TimeoutError as NotSentError } from "redis";
import { RedisConnectionError } from "./errors.ts";

/** An argument of a Redis command. */
export type RedisArg = string | Uint8Array;

/** A reply: bulk strings as bytes, simple strings as strings, integers, arrays, nil. */
export type Reply = null | number | string | Uint8Array | Reply[];

/** The part of node-redis's client used here (its own types are generic beyond need). */
interface NodeRedisClient {
  connect(): Promise<unknown>;
  sendCommand(args: RedisArg[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  duplicate(overrides?: Record<string, unknown>): NodeRedisClient;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

/** Options of {@link RedisConnection.open}. */
export interface ConnectionOptions {
  /** Overrides the URL's password. */
  password?: string;
  /** How long the first connect may take before it fails, in ms. Default 5000. */
  connectTimeout?: number;
}

/** The oldest server with every command used here (XAUTOCLAIM's era: XPENDING IDLE, CLIENT LIST ID). */
const MIN_VERSION = [6, 2] as const;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** A first connect that is refused is tried again for this long (a server starting up). */
const REFUSED_RETRY_MS = 1000;
/** Reconnect backoff once connected: 25 ms doubling to this. */
const MAX_RECONNECT_DELAY_MS = 500;
/** How long a command waits for a restarted server to load its data, and how often it asks. */
const MAX_LOADING_WAIT_MS = 60_000;
const LOADING_RETRY_MS = 20;
/** A blocking read's connection whose socket stays silent this much longer than its BLOCK is taken as dead. */
const BLOCKING_SILENCE_GRACE_MS = 3000;

/** A Lua script, run by its SHA1 (EVALSHA) and sent whole only when the server lacks it. */
export class Script {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }
}

/** A connection to one Redis server (node-redis underneath), reconnecting by itself once connected. */
export class RedisConnection {
  #readyListeners = new Set<() => void>();
  #closed = false;

  private constructor(
    private readonly client: NodeRedisClient,
    /** The URL without its password, for messages. */
    readonly where: string,
    /** The server's version, e.g. "7.0.15". */
    readonly serverVersion: string,
  ) {
    client.on("ready", () => {
      for (const listener of this.#readyListeners) listener();
    });
  }

  /**
   * Connects to the server at `url` (`redis://[[user]:password@]host[:port][/db]`).
   * @throws {RedisConnectionError} within `connectTimeout` when the server cannot be
   *   reached, refuses the credentials, or is older than Redis 6.2.
   */
  static async open(url: string, options: ConnectionOptions = {}): Promise<RedisConnection> {
    const where = withoutPassword(url);
    const timeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let connected = false;
    const started = performance.now();
    const failure = { error: undefined as unknown };
    let client: NodeRedisClient;
    try {
      client = createClient({
        url,
        password: options.password,
        RESP: 2,
        commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Uint8ArrayReply } },
        socket: {
          noDelay: true,
          connectTimeout: timeout,
          reconnectStrategy: (retries: number, cause: Error) => {
            if (!connected && (isAuthError(cause) || performance.now() - started >= giveUpAfter(cause, timeout))) return cause;
            return reconnectDelay(retries);
          },
        },
      }) as unknown as NodeRedisClient;
    } catch (error) {
      throw new RedisConnectionError(`cannot connect to Redis: ${(error as Error).message} (the URL is ${where})`);
    }
    // node-redis reports every failed (re)connect as an 'error' event: unheard, it would end the program.
    client.on("error", (error) => (failure.error = error));
    const deadline = setTimeout(() => client.destroy(), timeout + 1000);
    try {
      await client.connect();
      connected = true;
    } catch (error) {
      client.destroy();
      throw connectFailure(where, performance.now() - started, failure.error ?? error);
    } finally {
      clearTimeout(deadline);
    }
    const version = serverVersion(String(await client.sendCommand(["INFO", "server"]).catch(() => "")));
    if (!atLeast(version, MIN_VERSION)) {
      await client.close().catch(() => client.destroy());
      throw new RedisConnectionError(
        `the Redis server at ${where} is version ${version || "unknown"}; this library needs Redis ${MIN_VERSION.join(".")} ` +
          `or newer (it uses XAUTOCLAIM-era stream commands and CLIENT LIST ID): upgrade the server, or point at another`,
      );
    }
    return new RedisConnection(client, where, version);
  }

  /**
   * Sends one command; resolves with its reply. A server still loading its data after a
   * restart refuses every command without running it ("LOADING"): sent again then, for up to
   * {@link MAX_LOADING_WAIT_MS}.
   */
  async command<T extends Reply = Reply>(args: RedisArg[], signal?: AbortSignal): Promise<T> {
    const options = signal ? { abortSignal: signal } : undefined;
    for (const started = performance.now();;) {
      try {
        return (await this.client.sendCommand(args, options)) as T;
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("LOADING") || performance.now() - started > MAX_LOADING_WAIT_MS) {
          throw lostServer(this.where, error);
        }
        await new Promise((resolve) => setTimeout(resolve, LOADING_RETRY_MS));
      }
    }
  }

  /** Runs `script` with `keys` and `args` (EVALSHA, then EVAL when the server lost it, as after a restart). */
  async eval<T extends Reply = Reply>(script: Script, keys: RedisArg[], args: RedisArg[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.command<T>(["EVALSHA", script.sha, ...tail]);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
      return await this.command<T>(["EVAL", script.source, ...tail]);
    }
  }

  /**
   * A new connection to the same server, for blocking reads (which hold their connection
   * until they return). Its socket is taken as dead after `blockMs` + a grace of silence
   * (a half-open connection after a network cut), and reconnects.
   */
  async dedicated(blockMs: number): Promise<RedisConnection> {
    const client = this.client.duplicate({
      socket: { ...this.#socketOptions(), socketTimeout: blockMs + BLOCKING_SILENCE_GRACE_MS },
    });
    client.on("error", () => {}); // reconnects by itself; the reader sees failed commands
    // node-redis's connect() retries until the server answers: with the server gone for good
    // it never settles, and a reader (and whoever closes it) would wait forever.
    const connecting = client.connect();
    connecting.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.destroy();
        reject(new RedisConnectionError(`cannot reach the Redis server at ${this.where} (no new connection within ${DEFAULT_CONNECT_TIMEOUT_MS} ms)`));
      }, DEFAULT_CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([connecting, gaveUp]);
    } finally {
      clearTimeout(timer);
    }
    return new RedisConnection(client, this.where, this.serverVersion);
  }

  /** Calls `listener` each time the connection is (re)established. Returns a function that stops it. */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** True while connected. */
  get ready(): boolean {
    return this.client.isReady;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection after the replies still due. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyListeners.clear();
    if (!this.client.isOpen) return;
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }

  /** Ends the connection now, failing the commands still due. */
  destroy(): void {
    this.#closed = true;
    this.#readyListeners.clear();
    if (this.client.isOpen) this.client.destroy();
  }

  #socketOptions(): Record<string, unknown> {
    return {
      noDelay: true,
      connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      reconnectStrategy: reconnectDelay,
    };
  }
}

/** Bulk strings arrive as Buffers (`Uint8Array`s): node-redis maps a reply type to a class. */
const Uint8ArrayReply = Buffer;

/**
 * A command argument holding a copy of `bytes` (the codec's bytes may be its scratch
 * buffer, reused by the next encode, while a command waits to be written).
 */
export function bytesArg(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes);
}

const decoder = new TextDecoder();

/** The text of a bulk-string reply. */
export function text(reply: Reply): string {
  if (reply === null) return "";
  return typeof reply === "string" || typeof reply === "number" ? String(reply) : decoder.decode(reply as Uint8Array);
}

/** Reconnect backoff once connected: 25 ms doubling to {@link MAX_RECONNECT_DELAY_MS}, with jitter. */
function reconnectDelay(retries: number): number {
  return Math.min(25 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.random() * 25;
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return url;
  }
}

/** The port of a `redis://` URL (6379 when it names none). */
function portOf(url: string): string {
  try {
    return new URL(url).port || "6379";
  } catch {
    return "6379";
  }
}

function isAuthError(error: unknown): boolean {
  return /WRONGPASS|NOAUTH|invalid password|AUTH/.test(String((error as Error)?.message ?? error));
}

/**
 * How long a first connect keeps trying: a refused connection (nothing listens there) is a
 * clear answer, tried for a second in case the server is just starting; silence until the
 * connect timeout.
 */
function giveUpAfter(cause: unknown, timeout: number): number {
  return /ECONNREFUSED/.test(String((cause as Error)?.message)) ? Math.min(timeout, REFUSED_RETRY_MS) : timeout;
}

function connectFailure(where: string, elapsed: number, error: unknown): RedisConnectionError {
  const cause = String((error as Error)?.message ?? error);
  if (isAuthError(error)) {
    return new RedisConnectionError(
      `the Redis server at ${where} refused the credentials (${cause}): put the right password in the URL ` +
        `(redis://:PASSWORD@host:port) or pass { password }`,
      { cause: error },
    );
  }
  return new RedisConnectionError(
    `cannot reach the Redis server at ${where} (${cause}; tried for ${Math.round(elapsed)} ms): is redis-server running there ` +
      `and reachable from this host? (start one with \`redis-server --port ${portOf(where)}\`)`,
    { cause: error },
  );
}

/**
 * A command the connection could not carry, as a {@link RedisConnectionError} naming the
 * server: node-redis fails it with its own bare errors ("Command timed out after 5000ms
 * waiting to be sent" while the server is down) that say neither which server nor what to
 * do. The server's own error replies, and aborts, pass through as they are.
 */
function lostServer(where: string, error: unknown): unknown {
  if (error instanceof NotSentError || error instanceof ClientOfflineError) {
    return new RedisConnectionError(
      `lost the Redis server at ${where}: the command was not sent (${(error as Error).message}); ` +
        `is redis-server running there and reachable from this host?`,
      { cause: error },
    );
  }
  if (error instanceof SocketClosedUnexpectedlyError) {
    return new RedisConnectionError(
      `lost the Redis server at ${where} while waiting for a reply (${error.message}): the command may or may not have run`,
      { cause: error },
    );
  }
  return error;
}

/** The `redis_version` field of an `INFO server` reply ("" when absent). */
function serverVersion(info: string): string {
  return /(?:^|\n)redis_version:([^\r\n]+)/.exec(info)?.[1]?.trim() ?? "";
}

function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(".").map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < minimum.length; i++) {
    const part = parts[i] ?? 0;
    if (Number.isNaN(part)) return false;
    if (part !== minimum[i]) return part > minimum[i];
  }
  return true;
}
