/**
 * One process's session with a Redis server: the shared command connection, who this
 * process is on the server (its client id and the server's run id, both renewed at every
 * reconnect), the delivery settings, and the janitors of the work streams this process
 * holds. Everything a {@link RedisCluster} makes shares its session.
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
import { type RedisConnection, text } from "./client.ts";
import { JANITOR_TURN, RECLAIM } from "./scripts.ts";

/** Delivery settings of a session's work streams (see `RedisClusterOptions`). */
export interface DeliverySettings {
  /** A consumer that has not beaten for this long is taken for lost, in ms. */
  minIdle: number;
  /** An item whose consumer was lost this many times goes to the dead-letter stream. */
  maxDeliveries: number;
  /** How often lost consumers are looked for, in ms. */
  reclaimInterval: number;
  /** How long a pool's result stream outlives its last write, in ms. */
  resultTtl: number;
}

/** The keys of a work stream (a queue's items, a pool's tasks), all under one hash tag. */
export interface WorkKeys {
  stream: string;
  /** Registered consumers: name → record (see scripts.ts). */
  consumers: string;
  dead: string;
  /** Whose turn it is to look for lost consumers. */
  janitor: string;
  /** The hash tag's prefix, for other keys of the same object. */
  base: string;
}

/** Something that heartbeats on a session (a consumer). */
export interface Beating {
  /** Registers again now (the connection was re-established, with a new client id). */
  beat(): Promise<void>;
}

/** Something the session closes when it closes (a queue handle, a pool, a lock, a worker host). */
export interface Closable {
  close(): Promise<void>;
}

/** Counts of what the janitors of this session did. */
export interface JanitorCounts {
  /** Items put back after their consumer was lost. */
  putBack: number;
  /** Items moved to a dead-letter stream. */
  deadLettered: number;
}

export class Session {
  /** This process's client id on the server (CLIENT ID of the command connection). */
  mainId = "0";
  /** The server's run id (changes when the server restarts). */
  runId = "-";
  /** What this session's janitors did. */
  readonly counts: JanitorCounts = { putBack: 0, deadLettered: 0 };
  readonly #beating = new Set<Beating>();
  /** The handles open on this session, closed with it. */
  readonly open: Set<Closable> = new Set();
  readonly #janitors = new Map<string, { holders: number; timer: ReturnType<typeof setInterval> }>();
  /** Client ids of this process's connections: its janitors never disconnect them. */
  readonly ownClientIds: Set<string> = new Set();
  #identified: Promise<void>;
  #closed = false;
  readonly #stopReady: () => void;
  readonly #prefix = `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
  #consumerCount = 0;

  constructor(
    readonly conn: RedisConnection,
    readonly namespace: string,
    readonly settings: DeliverySettings,
  ) {
    this.#identified = this.#identify();
    // Reconnected: renew the ids, then beat so that the janitors see this process alive.
    // (Should the connection fail again meanwhile, the next reconnect does it again.)
    this.#stopReady = conn.onReady(() => {
      this.#identified = this.#identify().then(() => this.#beatAll()).catch(() => {});
    });
  }

  /** Resolves once the session knows its client id and the server's run id. */
  identified(): Promise<void> {
    return this.#identified;
  }

  /** A consumer name unique to this process: host/pid/random/n. */
  consumerName(): string {
    return `${this.#prefix}/${++this.#consumerCount}`;
  }

  /** The keys of the work stream `name` of `kind` ("q" a queue, "p" a pool). */
  workKeys(kind: string, name: string): WorkKeys {
    const base = this.key(kind, name);
    return { base, stream: `${base}:s`, consumers: `${base}:c`, dead: `${base}:dlq`, janitor: `${base}:j` };
  }

  /** The key of object `name` of `kind` in this namespace, hash-tagged: `{ns:kind:name}`. */
  key(kind: string, name: string): string {
    return `{${this.namespace}:${kind}:${name}}`;
  }

  /** `member` beats again whenever the connection comes back. */
  addBeating(member: Beating): void {
    this.#beating.add(member);
  }

  removeBeating(member: Beating): void {
    this.#beating.delete(member);
  }

  /**
   * Looks for the lost consumers of `keys`' stream every `reclaimInterval` while this
   * process holds it; returns a function that lets go of it.
   */
  holdStream(keys: WorkKeys): () => void {
    let held = this.#janitors.get(keys.stream);
    if (!held) {
      const timer = setInterval(() => void this.janitor(keys).catch(() => {}), this.settings.reclaimInterval);
      held = { holders: 0, timer };
      this.#janitors.set(keys.stream, held);
    }
    held.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      clearInterval(held.timer);
      this.#janitors.delete(keys.stream);
    };
  }

  /**
   * One janitor round for a stream, when it is this process's turn: finds the registered
   * consumers whose connection is gone (CLIENT LIST), then puts back or dead-letters the
   * entries of every lost consumer (RECLAIM) and disconnects those still connected.
   */
  async janitor(keys: WorkKeys): Promise<void> {
    if (this.#closed || !this.conn.ready) return;
    await this.#identified;
    const turn = await this.conn.eval(JANITOR_TURN, [keys.janitor, keys.consumers], [this.#prefix, String(this.settings.reclaimInterval)]);
    if (!Array.isArray(turn)) return;
    const mainIds = new Set<string>();
    for (let i = 1; i < turn.length; i += 2) {
      const [run, main] = text(turn[i]).split(" ");
      if (run === this.runId) mainIds.add(main);
    }
    const gone = mainIds.size === 0 ? [] : await this.goneClients([...mainIds]);
    const s = this.settings;
    const reply = await this.conn.eval<(number | Uint8Array)[]>(RECLAIM, [keys.stream, keys.consumers, keys.dead], [
      String(s.minIdle),
      String(s.maxDeliveries),
      this.runId,
      String(s.resultTtl),
      ...gone,
    ]);
    this.counts.putBack += Number(reply[0]);
    this.counts.deadLettered += Number(reply[1]);
    for (const id of reply.slice(2).map(text)) {
      if (id !== "0" && !this.ownClientIds.has(id)) await this.conn.command(["CLIENT", "KILL", "ID", id]).catch(() => {});
    }
  }

  /** Which of these client ids have no connection on the server now. */
  async goneClients(ids: string[]): Promise<string[]> {
    const listing = text(await this.conn.command(["CLIENT", "LIST", "ID", ...ids]));
    const live = new Set([...listing.matchAll(/(?:^|\n)id=(\d+)/g)].map((match) => match[1]));
    return ids.filter((id) => !live.has(id));
  }

  /** Stops the janitors; the connection is the cluster's to close. */
  close(): void {
    this.#closed = true;
    this.#stopReady();
    for (const { timer } of this.#janitors.values()) clearInterval(timer);
    this.#janitors.clear();
    this.#beating.clear();
  }

  async #identify(): Promise<void> {
    const [id, info] = await Promise.all([this.conn.command(["CLIENT", "ID"]), this.conn.command(["INFO", "server"])]);
    this.ownClientIds.delete(this.mainId);
    this.mainId = String(id);
    this.ownClientIds.add(this.mainId);
    this.runId = /(?:^|\n)run_id:([^\r\n]+)/.exec(text(info))?.[1]?.trim() ?? "-";
  }

  async #beatAll(): Promise<void> {
    await Promise.all([...this.#beating].map((member) => member.beat().catch(() => {})));
  }
}
