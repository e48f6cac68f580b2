/**
 * The backend of the Redis queues and pool: a work stream (see scripts.ts) and its two
 * sides. {@link WorkStream} puts entries, counts them and holds the stream's janitor in
 * this process; {@link StreamConsumer} registers a consumer, heartbeats it from this
 * process's event loop, reads entries on a connection of its own (a blocking read holds its
 * connection), and acknowledges, completes or hands back what it read. The public classes
 * (queues.ts, pool.ts, serve.ts) are built on these few operations.
 * @module
 */
import { raceAbort, remaining } from "../transport/wait.ts";
import { type RedisArg, type RedisConnection, type Reply, text } from "./client.ts";
import { ACK, BEAT, COMPLETE, GROUP, LEAVE, PUT_BOUNDED, RELEASE, SIZES } from "./scripts.ts";
import type { Beating, Session, WorkKeys } from "./session.ts";

/** An entry read from a work stream: its id and its fields (`d` the item's bytes). */
export interface Entry {
  id: string;
  fields: Map<string, Uint8Array>;
}

/** A pool task's result, recorded by {@link StreamConsumer.complete}. */
export interface Completion {
  /** The task entry's id. */
  id: string;
  /** The stream its result goes to (the entry's `r`). */
  reply: string;
  /** The task's key in its call (the entry's `k`). */
  key: string;
  /** The result's bytes. */
  payload: Uint8Array;
}

/** A blocking read returns at least this often, to notice a lost connection or a closed reader. */
export const MAX_BLOCK_MS = 2000;
/** A failed command is tried again after this long (the client reconnects meanwhile). */
const RETRY_MS = 50;

/** The producing side of a work stream, and its janitor while this handle is open. */
export class WorkStream {
  #group: Promise<void> | undefined;
  readonly #letGo: () => void;

  constructor(readonly session: Session, readonly keys: WorkKeys) {
    this.#letGo = session.holdStream(keys);
  }

  get conn(): RedisConnection {
    return this.session.conn;
  }

  /** Creates the stream and its group if missing (once per handle, again after a NOGROUP). */
  ensureGroup(): Promise<void> {
    this.#group ??= this.conn.command(["XGROUP", "CREATE", this.keys.stream, GROUP, "0", "MKSTREAM"]).then(
      () => {},
      (error) => {
        if (String(error?.message).startsWith("BUSYGROUP")) return;
        this.#group = undefined;
        throw error;
      },
    );
    return this.#group;
  }

  /** The group was lost (a server restarted without its data, the key deleted): make it again. */
  groupLost(): Promise<void> {
    this.#group = undefined;
    return this.ensureGroup();
  }

  /**
   * Adds entries of the same field names, in order; with a `maxsize` > 0, only as many as
   * there is room for (items put and not taken below maxsize). Returns how many it added.
   */
  async add(names: string[], entries: RedisArg[][], maxsize = 0): Promise<number> {
    await this.ensureGroup();
    if (maxsize <= 0) {
      await Promise.all(entries.map((values) => this.conn.command(["XADD", this.keys.stream, "*", ...interleave(names, values)])));
      return entries.length;
    }
    const args: RedisArg[] = [String(maxsize), String(names.length), ...names];
    for (const values of entries) args.push(...values);
    return Number(await this.conn.eval(PUT_BOUNDED, [this.keys.stream], args));
  }

  /** Entries unfinished (put and not yet acknowledged) and, of them, those taken by a consumer. */
  async sizes(): Promise<{ unfinished: number; taken: number }> {
    const [unfinished, taken] = await this.conn.eval<number[]>(SIZES, [this.keys.stream], []);
    return { unfinished: Number(unfinished), taken: Number(taken) };
  }

  /** The dead-letter stream's entries, oldest first (at most `count`). */
  async deadLetters(count: number): Promise<Entry[]> {
    return parseEntries(await this.conn.command(["XRANGE", this.keys.dead, "-", "+", "COUNT", String(count)]));
  }

  /** This handle no longer needs the stream's janitor. */
  close(): void {
    this.#letGo();
  }
}

/**
 * One consumer of a work stream. Its heartbeat comes from this process's event loop; its
 * reads go through a connection of its own.
 */
export class StreamConsumer implements Beating {
  readonly name: string;
  /** Times this consumer found itself taken for lost at a heartbeat (paused or cut off too long). */
  evictions = 0;
  #reader: RedisConnection | undefined;
  #readerStarting: Promise<RedisConnection> | undefined;
  #readerId = "0";
  #beatTimer: ReturnType<typeof setInterval> | undefined;
  #started: Promise<void> | undefined;
  #stopped = false;

  constructor(readonly stream: WorkStream, private readonly processes = 0) {
    this.name = stream.session.consumerName();
  }

  get #session(): Session {
    return this.stream.session;
  }

  get #conn(): RedisConnection {
    return this.stream.conn;
  }

  /** Registers the consumer and starts its heartbeat (once it succeeds). */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await Promise.all([this.stream.ensureGroup(), this.#session.identified()]);
      await this.beat();
      this.#session.addBeating(this);
      const interval = Math.max(10, Math.min(this.#session.settings.minIdle / 4, 1000));
      this.#beatTimer = setInterval(() => void this.beat().catch(() => {}), interval);
    })().catch((error) => {
      this.#started = undefined; // tried again by the next read
      throw error;
    });
    return this.#started;
  }

  /** Heartbeat: renews the registration; counts an eviction when it had been taken for lost. */
  async beat(): Promise<void> {
    if (this.#stopped) return;
    const { runId, mainId } = this.#session;
    const record = `${runId} ${mainId} ${this.#readerId} ${this.processes}`;
    const known = await this.#conn.eval(BEAT, [this.stream.keys.consumers], [this.name, record]);
    if (Number(known) === 0 && this.#beatTimer !== undefined) this.evictions++;
  }

  /**
   * Reads up to `count` new entries, waiting up to `blockMs` (0: not at all) for the first.
   * Retries through a lost connection or group until `deadline` (performance.now() time).
   */
  async read(count: number, blockMs: number, deadline = Infinity): Promise<Entry[]> {
    for (;;) {
      if (this.#stopped) return [];
      const args = ["XREADGROUP", "GROUP", GROUP, this.name, "COUNT", String(count)];
      if (blockMs > 0) args.push("BLOCK", String(Math.max(1, Math.min(Math.ceil(blockMs), MAX_BLOCK_MS))));
      args.push("STREAMS", this.stream.keys.stream, ">");
      try {
        await this.start();
        const conn = blockMs > 0 ? await this.#readerConnection() : this.#conn;
        return parseReadReply(await conn.command(args));
      } catch (error) {
        if (this.#stopped) return [];
        if (String((error as Error)?.message).startsWith("NOGROUP")) await this.stream.groupLost().catch(() => {});
        else await sleep(RETRY_MS);
        if (performance.now() >= deadline) return [];
      }
    }
  }

  /** Owner-checked acknowledgement of entries this consumer read; true per entry it still held. */
  async ack(ids: string[]): Promise<boolean[]> {
    const reply = await this.#retrying(() => this.#conn.eval<number[]>(ACK, [this.stream.keys.stream], [this.name, ...ids]));
    return reply.map((ok) => Number(ok) === 1);
  }

  /** Owner-checked completion of pool tasks (result recorded and task finished, or neither). */
  async complete(completions: Completion[]): Promise<boolean[]> {
    const keys = [this.stream.keys.stream, ...completions.map((c) => c.reply)];
    const args: RedisArg[] = [this.name, String(this.#session.settings.resultTtl)];
    for (const c of completions) args.push(c.id, c.key, c.payload);
    const reply = await this.#retrying(() => this.#conn.eval<number[]>(COMPLETE, keys, args));
    return reply.map((ok) => Number(ok) === 1);
  }

  /** Hands entries back to the stream (all this consumer holds when `ids` is omitted). */
  async release(ids?: string[]): Promise<number> {
    if (ids?.length === 0) return 0;
    return Number(await this.#retrying(() => this.#conn.eval(RELEASE, [this.stream.keys.stream], [this.name, ...(ids ?? [])])));
  }

  /** Ends a blocking read in progress at once (it returns no entries). */
  async unblock(): Promise<void> {
    if (this.#reader && this.#readerId !== "0") await this.#conn.command(["CLIENT", "UNBLOCK", this.#readerId]).catch(() => {});
  }

  /**
   * Stops: ends the read in progress, hands back everything held, unregisters, and closes the
   * reader's connection. When the server cannot be reached, what it held is reclaimed by the
   * janitors once its heartbeat is stale.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#beatTimer);
    this.#session.removeBeating(this);
    await this.unblock();
    if (this.#started && this.#conn.ready) {
      await this.#conn.eval(RELEASE, [this.stream.keys.stream], [this.name]).catch(() => {});
      await this.#conn.eval(LEAVE, [this.stream.keys.stream, this.stream.keys.consumers], [this.name]).catch(() => {});
    }
    const reader = this.#reader ?? (await this.#readerStarting?.catch(() => undefined));
    if (reader) {
      this.#session.ownClientIds.delete(this.#readerId);
      reader.destroy();
    }
  }

  #readerConnection(): Promise<RedisConnection> {
    if (this.#reader) return Promise.resolve(this.#reader);
    this.#readerStarting ??= this.#openReader().catch((error) => {
      this.#readerStarting = undefined; // tried again by the next read
      throw error;
    });
    return this.#readerStarting;
  }

  async #openReader(): Promise<RedisConnection> {
    const reader = await this.#conn.dedicated(MAX_BLOCK_MS);
    const identify = async () => {
      this.#session.ownClientIds.delete(this.#readerId);
      this.#readerId = String(await reader.command(["CLIENT", "ID"]));
      this.#session.ownClientIds.add(this.#readerId);
      await this.beat();
    };
    try {
      await identify();
    } catch (error) {
      reader.destroy();
      throw error;
    }
    reader.onReady(() => void identify().catch(() => {}));
    this.#reader = reader;
    return reader;
  }

  /** Runs an idempotent owner-checked script until the server answers (the client reconnects meanwhile). */
  async #retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (this.#stopped && !this.#conn.ready) throw error;
        if (this.#conn.closed) throw error;
        await sleep(Math.min(RETRY_MS * 2 ** attempt, 1000));
      }
    }
  }
}

/** Parses an XREADGROUP/XREAD reply of one stream: [[key, [[id, [field, value, …]], …]]] or nil. */
export function parseReadReply(reply: Reply): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  return parseEntries((reply[0] as Reply[])[1]);
}

/** Parses a list of stream entries: [[id, [field, value, …]], …]. */
export function parseEntries(reply: Reply): Entry[] {
  if (!Array.isArray(reply)) return [];
  const entries: Entry[] = [];
  for (const raw of reply as Reply[][]) {
    const fields = new Map<string, Uint8Array>();
    const flat = raw[1] as Uint8Array[] | null;
    // A pending entry deleted meanwhile reads as nil fields: skip it.
    if (!flat) continue;
    for (let i = 0; i < flat.length; i += 2) fields.set(text(flat[i]), flat[i + 1]);
    entries.push({ id: text(raw[0]), fields });
  }
  return entries;
}

function interleave(names: string[], values: RedisArg[]): RedisArg[] {
  const out: RedisArg[] = [];
  for (let i = 0; i < names.length; i++) out.push(names[i], values[i]);
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sleeps `ms`, at most until `deadline` (performance.now() time), between two looks of a
 * polling wait; rejects with `signal.reason` when it aborts.
 */
export async function napUntil(ms: number, deadline: number, signal?: AbortSignal): Promise<void> {
  const nap = sleep(Math.min(ms, remaining(deadline)));
  await (signal ? raceAbort(nap, signal) : nap);
}
