/**
 * Manager-style shared objects on Redis, with the method names of the library's manager
 * proxies (Python's `SyncManager().dict()`, `.list()`, `.Namespace()`): {@link RedisDict}
 * on a hash, {@link RedisList} on a list, {@link RedisNamespace} on a hash of attribute
 * names. Keys and values are the library's codec bytes; a value read is a copy (Python's
 * rule for proxies). Each call is one atomic step on the server (several-step calls are Lua
 * scripts), so concurrent processes and hosts never see half an update.
 * @module
 */
import { IndexError, KeyError, ValueError } from "../errors.ts";
import { decodeSoon, encode } from "../transport/codec.ts";
import { bytesArg, type Reply, Script } from "./client.ts";
import type { Session } from "./session.ts";

/** A value as bytes for Redis (the codec, refusing what cannot cross with a TypeError naming `path`). */
function bytesOf(value: unknown, path: string): Uint8Array {
  return bytesArg(encode(value, path, "redis"));
}

/** A value from its bytes (importing first the modules of the exported classes it names). */
function valueOf<T>(reply: Reply): T | Promise<T> {
  return decodeSoon<T>(reply as Uint8Array);
}

/** Python's repr of a key in a KeyError. */
function keyText(key: unknown): string {
  return typeof key === "string" ? `'${key}'` : String(key);
}

/** Removes and returns a hash field; nil when missing. KEYS: hash. ARGV: field. */
const HASH_POP = new Script(`
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then redis.call('HDEL', KEYS[1], ARGV[1]) end
return value
`);

/** Sets a hash field if missing; returns its value. KEYS: hash. ARGV: field, value. */
const HASH_SET_DEFAULT = new Script(`
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[1], ARGV[1])
`);

/**
 * A dict shared through Redis (a hash): Python's managed `dict`, with the library's proxy
 * method names. Make one with `cluster.dict(name)`.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const d = cluster.dict<number>("scores");
 * await d.set("ada", 3);
 * console.log(await d.get("ada"), await d.len()); // 3 1
 * ```
 */
export class RedisDict<V = unknown, K = string> implements AsyncIterable<K> {
  readonly #key: string;

  /** @ignore Made by `cluster.dict(name)`. */
  constructor(private readonly session: Session, readonly name: string) {
    this.#key = session.key("dict", name);
  }

  /** The value of `key`, or `fallback` (undefined) when the dict does not hold it. */
  async get(key: K, fallback?: V): Promise<V | undefined> {
    const reply = await this.session.conn.command(["HGET", this.#key, bytesOf(key, "key")]);
    return reply === null ? fallback : await valueOf<V>(reply);
  }

  /** Sets `key` to `value`. @throws {TypeError} naming the path of what cannot be copied. */
  async set(key: K, value: V): Promise<void> {
    await this.session.conn.command(["HSET", this.#key, bytesOf(key, "key"), bytesOf(value, "value")]);
  }

  /** Removes `key`. @throws {KeyError} when the dict does not hold it (Python's `del d[key]`). */
  async delete(key: K): Promise<void> {
    if (Number(await this.session.conn.command(["HDEL", this.#key, bytesOf(key, "key")])) === 0) throw new KeyError(keyText(key));
  }

  /** Whether the dict holds `key` (Python's `key in d`). */
  async has(key: K): Promise<boolean> {
    return Number(await this.session.conn.command(["HEXISTS", this.#key, bytesOf(key, "key")])) === 1;
  }

  /** The keys. */
  async keys(): Promise<K[]> {
    return (await this.items()).map(([key]) => key);
  }

  /** The values. */
  async values(): Promise<V[]> {
    return (await this.items()).map(([, value]) => value);
  }

  /** The [key, value] pairs. */
  async items(): Promise<[K, V][]> {
    const flat = (await this.session.conn.command(["HGETALL", this.#key])) as Reply[];
    const items: [K, V][] = [];
    for (let i = 0; i < flat.length; i += 2) items.push([await valueOf<K>(flat[i]), await valueOf<V>(flat[i + 1])]);
    return items;
  }

  /** How many keys it holds. */
  async len(): Promise<number> {
    return Number(await this.session.conn.command(["HLEN", this.#key]));
  }

  /** Sets every pair of `entries` (a Map, pairs, or an object's own properties) in one step. */
  async update(entries: Iterable<[K, V]> | Record<string, V>): Promise<void> {
    const pairs = Symbol.iterator in entries ? [...(entries as Iterable<[K, V]>)] : Object.entries(entries);
    if (pairs.length === 0) return;
    const args = pairs.flatMap(([key, value], i) => [bytesOf(key, `entries[${i}][0]`), bytesOf(value, `entries[${i}][1]`)]);
    await this.session.conn.command(["HSET", this.#key, ...args]);
  }

  /**
   * Removes `key` and returns its value; `fallback` when missing, if one was given.
   * @throws {KeyError} when the dict does not hold `key` and no fallback was given.
   */
  async pop(key: K, ...fallback: [V?]): Promise<V> {
    const reply = await this.session.conn.eval(HASH_POP, [this.#key], [bytesOf(key, "key")]);
    if (reply !== null) return await valueOf<V>(reply);
    if (fallback.length > 0) return fallback[0] as V;
    throw new KeyError(keyText(key));
  }

  /** The value of `key`, setting it to `fallback` first when missing (Python's `setdefault`). */
  async setDefault(key: K, fallback: V): Promise<V> {
    return await valueOf<V>(await this.session.conn.eval(HASH_SET_DEFAULT, [this.#key], [bytesOf(key, "key"), bytesOf(fallback, "value")]));
  }

  /** Removes every key. */
  async clear(): Promise<void> {
    await this.session.conn.command(["DEL", this.#key]);
  }

  /** A local copy (Python's `d.copy()`). */
  async copy(): Promise<Map<K, V>> {
    return new Map(await this.items());
  }

  /** Yields the keys (a snapshot). */
  async *[Symbol.asyncIterator](): AsyncGenerator<K> {
    yield* await this.keys();
  }
}

/**
 * Python's `list.insert`: KEYS: list. ARGV: index (negative counts from the end), value. Moves
 * the tail out and back in pages (a script's stack holds a few thousand values at most).
 */
const LIST_INSERT = new Script(`
local len = redis.call('LLEN', KEYS[1])
local at = tonumber(ARGV[1])
if at < 0 then at = math.max(len + at, 0) end
if at >= len then return redis.call('RPUSH', KEYS[1], ARGV[2]) end
if at <= 0 then return redis.call('LPUSH', KEYS[1], ARGV[2]) end
local tail = redis.call('LRANGE', KEYS[1], at, -1)
redis.call('LTRIM', KEYS[1], 0, at - 1)
redis.call('RPUSH', KEYS[1], ARGV[2])
for i = 1, #tail, 1000 do redis.call('RPUSH', KEYS[1], unpack(tail, i, math.min(i + 999, #tail))) end
return len + 1
`);

/** Python's `list.pop(i)`: KEYS: list. ARGV: index, a marker value. Returns the value or nil when out of range. */
const LIST_POP = new Script(`
local value = redis.call('LINDEX', KEYS[1], ARGV[1])
if not value then return false end
redis.call('LSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('LREM', KEYS[1], 1, ARGV[2])
return value
`);

/** Replaces the whole list if it still holds what was read. KEYS: list. ARGV: n, the n old values, the new values. */
const LIST_REPLACE = new Script(`
local n = tonumber(ARGV[1])
local current = redis.call('LRANGE', KEYS[1], 0, -1)
if #current ~= n then return 0 end
for i = 1, n do if current[i] ~= ARGV[1 + i] then return 0 end end
redis.call('DEL', KEYS[1])
for i = n + 2, #ARGV, 1000 do redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
return 1
`);

/**
 * A list shared through Redis (a Redis list): Python's managed `list`, with the library's
 * proxy method names; indexes count from the end when negative, as in Python. Make one with
 * `cluster.list(name)`.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const l = cluster.list<string>("log");
 * await l.append("started");
 * console.log(await l.getItem(-1), await l.len()); // "started" 1
 * ```
 */
export class RedisList<T = unknown> implements AsyncIterable<T> {
  readonly #key: string;

  /** @ignore Made by `cluster.list(name)`. */
  constructor(private readonly session: Session, readonly name: string) {
    this.#key = session.key("list", name);
  }

  /** The item at `index`. @throws {IndexError} when out of range. */
  async getItem(index: number): Promise<T> {
    const reply = await this.session.conn.command(["LINDEX", this.#key, String(checkIndex(index))]);
    if (reply === null) throw new IndexError("list index out of range");
    return await valueOf<T>(reply);
  }

  /** Sets the item at `index`. @throws {IndexError} when out of range. */
  async setItem(index: number, value: T): Promise<void> {
    const bytes = bytesOf(value, "value");
    try {
      await this.session.conn.command(["LSET", this.#key, String(checkIndex(index)), bytes]);
    } catch (error) {
      if (/index out of range|no such key/i.test(String((error as Error).message))) {
        throw new IndexError("list assignment index out of range");
      }
      throw error;
    }
  }

  /** Appends `value`. */
  async append(value: T): Promise<void> {
    await this.session.conn.command(["RPUSH", this.#key, bytesOf(value, "value")]);
  }

  /** Appends every item of `values`, in one step. */
  async extend(values: Iterable<T>): Promise<void> {
    const items = [...values].map((value, i) => bytesOf(value, `values[${i}]`));
    if (items.length > 0) await this.session.conn.command(["RPUSH", this.#key, ...items]);
  }

  /** Inserts `value` before `index` (Python's `insert`: past the end appends, before the start prepends). */
  async insert(index: number, value: T): Promise<void> {
    const bytes = bytesOf(value, "value");
    await this.session.conn.eval(LIST_INSERT, [this.#key], [String(checkIndex(index)), bytes]);
  }

  /** Removes and returns the item at `index` (default the last). @throws {IndexError} when empty or out of range. */
  async pop(index = -1): Promise<T> {
    const marker = `\u0000pop:${Math.random()}`;
    const reply = await this.session.conn.eval(LIST_POP, [this.#key], [String(checkIndex(index)), marker]);
    if (reply === null) throw new IndexError((await this.len()) === 0 ? "pop from empty list" : "pop index out of range");
    return await valueOf<T>(reply);
  }

  /** Removes the first item equal to `value` (same bytes). @throws {ValueError} when there is none. */
  async remove(value: T): Promise<void> {
    const removed = await this.session.conn.command(["LREM", this.#key, "1", bytesOf(value, "value")]);
    if (Number(removed) === 0) throw new ValueError("list.remove(x): x not in list");
  }

  /** The index of the first item equal to `value`. @throws {ValueError} when there is none. */
  async index(value: T): Promise<number> {
    const reply = await this.session.conn.command(["LPOS", this.#key, bytesOf(value, "value")]);
    if (reply === null) throw new ValueError("list.index(x): x not in list");
    return Number(reply);
  }

  /** How many items equal `value`. */
  async count(value: T): Promise<number> {
    const reply = await this.session.conn.command(["LPOS", this.#key, bytesOf(value, "value"), "COUNT", "0"]);
    return Array.isArray(reply) ? reply.length : 0;
  }

  /**
   * Sorts the list in place (numbers and strings as Python compares them, or by `compare`).
   * Reads, sorts here, and writes back only if nobody changed it meanwhile (else again).
   */
  async sort(compare: (a: T, b: T) => number = pythonOrder): Promise<void> {
    await this.#rewrite((items) => items.sort(([a], [b]) => compare(a, b)));
  }

  /** Reverses the list in place. */
  async reverse(): Promise<void> {
    await this.#rewrite((items) => items.reverse());
  }

  /** How many items it holds. */
  async len(): Promise<number> {
    return Number(await this.session.conn.command(["LLEN", this.#key]));
  }

  /** Items from `start` to before `end` (Python's `l[start:end]`; negative counts from the end). */
  async slice(start = 0, end?: number): Promise<T[]> {
    const length = start < 0 || (end !== undefined && end < 0) ? await this.len() : 0;
    const from = start < 0 ? Math.max(length + start, 0) : start;
    const to = end === undefined ? -1 : (end < 0 ? length + end : end) - 1;
    if (end !== undefined && to < from) return [];
    const reply = (await this.session.conn.command(["LRANGE", this.#key, String(from), String(to)])) as Reply[];
    return await Promise.all(reply.map((item) => valueOf<T>(item)));
  }

  /** Yields the items, a page at a time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (let at = 0;; at += 100) {
      const page = (await this.session.conn.command(["LRANGE", this.#key, String(at), String(at + 99)])) as Reply[];
      for (const item of page) yield await valueOf<T>(item);
      if (page.length < 100) return;
    }
  }

  /** Reads the list, reorders it with `reorder`, and writes it back if unchanged meanwhile. */
  async #rewrite(reorder: (items: [T, Uint8Array][]) => [T, Uint8Array][]): Promise<void> {
    for (;;) {
      const raw = (await this.session.conn.command(["LRANGE", this.#key, "0", "-1"])) as Uint8Array[];
      const values = await Promise.all(raw.map((bytes) => valueOf<T>(bytes)));
      const reordered = reorder(raw.map((bytes, i) => [values[i], bytes]));
      const args = [String(raw.length), ...raw, ...reordered.map(([, bytes]) => bytes)];
      if (Number(await this.session.conn.eval(LIST_REPLACE, [this.#key], args)) === 1) return;
    }
  }
}

/**
 * Python's managed `Namespace`: named attributes shared through Redis (a hash). Make one
 * with `cluster.Namespace(name)`.
 * @example Usage
 * ```ts
 * import { RedisCluster } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const ns = cluster.Namespace("settings");
 * await ns.set("threshold", 0.5);
 * console.log(await ns.get("threshold")); // 0.5
 * ```
 */
export class RedisNamespace {
  readonly #fields: RedisDict<unknown, string>;

  /** @ignore Made by `cluster.Namespace(name)`. */
  constructor(session: Session, readonly name: string) {
    this.#fields = new RedisDict(session, `ns:${name}`);
  }

  /**
   * The attribute `name`.
   * @throws {ValueError} "'Namespace' object has no attribute …" when it is not set, as Python's AttributeError.
   */
  async get<T = unknown>(name: string): Promise<T> {
    const missing = Symbol("missing");
    const value = await this.#fields.get(name, missing);
    if (value === missing) throw new ValueError(`'Namespace' object has no attribute '${name}'`);
    return value as T;
  }

  /** Sets the attribute `name`. */
  set(name: string, value: unknown): Promise<void> {
    return this.#fields.set(name, value);
  }

  /** Removes the attribute `name`. @throws {KeyError} when it is not set. */
  delete(name: string): Promise<void> {
    return this.#fields.delete(name);
  }

  /** Whether the attribute `name` is set. */
  has(name: string): Promise<boolean> {
    return this.#fields.has(name);
  }

  /** Every attribute, as a plain object. */
  async toObject(): Promise<Record<string, unknown>> {
    return Object.fromEntries(await this.#fields.items());
  }
}

function checkIndex(index: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`list indices must be integers, not ${String(index)}`);
  return index;
}

/** Python's order for numbers and strings (numbers before strings, then by value). */
function pythonOrder(a: unknown, b: unknown): number {
  if (typeof a === typeof b) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return typeof a === "number" ? -1 : 1;
}
