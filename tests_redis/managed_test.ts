// Manager-style objects on Redis: dict, list and Namespace with the proxies' method names and
// Python's errors, and a Lock across processes that a killed holder does not keep.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, KeyError, ValueError } from "../mod.ts";
import { RedisCluster } from "../redis.ts";
import { eventually, type RedisServer, spawnFixture, startRedis } from "./_server.ts";

let server: RedisServer;
let cluster: RedisCluster;

before(async () => {
  server = await startRedis();
  cluster = await RedisCluster.connect(server.url, { namespace: "managed", reclaimInterval: 50 });
});
after(async () => {
  await cluster?.close();
  await server?.stop();
});

test("dict: get, set, has, delete, pop, setDefault, update, items, len, copy, with KeyError as in Python", async () => {
  const d = cluster.dict<unknown>("d");
  await d.set("a", 1);
  await d.update({ b: [2], c: new Map([[1, "x"]]) });
  assert.equal(await d.get("a"), 1);
  assert.equal(await d.get("zz", "fallback"), "fallback");
  assert.equal(await d.has("b"), true);
  assert.equal(await d.len(), 3);
  assert.deepEqual((await d.keys()).sort(), ["a", "b", "c"]);
  assert.deepEqual(await d.pop("b"), [2]);
  assert.equal(await d.pop("b", "gone"), "gone");
  await assert.rejects(d.pop("b"), (error: Error) => error instanceof KeyError && error.message === "'b'");
  await assert.rejects(d.delete("nope"), KeyError);
  assert.equal(await d.setDefault("a", 9), 1);
  assert.equal(await d.setDefault("n", 9), 9);
  assert.deepEqual(await d.copy(), new Map<string, unknown>([["a", 1], ["c", new Map([[1, "x"]])], ["n", 9]]));
  const keys: unknown[] = [];
  for await (const key of d) keys.push(key);
  assert.equal(keys.length, 3);
  await d.clear();
  assert.equal(await d.len(), 0);
  await assert.rejects(d.set("f", (() => 1) as unknown), /^TypeError: value is a function/);
});

test("list: indexes from either end, insert, pop, remove, index, count, sort, reverse, slice, with Python's errors", async () => {
  const l = cluster.list<number>("l");
  await l.extend([3, 1, 2]);
  await l.append(5);
  assert.equal(await l.getItem(0), 3);
  assert.equal(await l.getItem(-1), 5);
  await assert.rejects(l.getItem(10), (error: Error) => error instanceof IndexError && /list index out of range/.test(error.message));
  await l.setItem(-1, 4);
  await assert.rejects(l.setItem(9, 0), IndexError);
  await l.insert(1, 7);
  await l.insert(-1, 8);
  assert.deepEqual(await l.slice(), [3, 7, 1, 2, 8, 4]);
  assert.equal(await l.pop(), 4);
  assert.equal(await l.pop(1), 7);
  assert.equal(await l.index(2), 2);
  await assert.rejects(l.index(99), ValueError);
  await l.append(2);
  assert.equal(await l.count(2), 2);
  await l.remove(2);
  await assert.rejects(l.remove(99), ValueError);
  assert.deepEqual(await l.slice(), [3, 1, 8, 2]);
  await l.sort();
  assert.deepEqual(await l.slice(), [1, 2, 3, 8]);
  await l.reverse();
  assert.deepEqual(await l.slice(1, -1), [3, 2]);
  assert.deepEqual(await l.slice(-2), [2, 1]);
  assert.equal(await l.len(), 4);
  const empty = cluster.list<number>("empty");
  await assert.rejects(empty.pop(), (error: Error) => error instanceof IndexError && error.message === "pop from empty list");
});

test("Namespace: attributes set by one handle are seen by another; a missing one is an error naming it", async () => {
  const a = cluster.Namespace("ns");
  const b = cluster.Namespace("ns");
  await a.set("x", 10);
  await a.set("label", "run 1");
  assert.equal(await b.get("x"), 10);
  assert.deepEqual(await b.toObject(), { x: 10, label: "run 1" });
  await assert.rejects(b.get("y"), /'Namespace' object has no attribute 'y'/);
});

test("Lock: one holder at a time; release of an unheld lock raises ValueError; acquire times out with false", async () => {
  const first = cluster.Lock("l1");
  const second = cluster.Lock("l1");
  assert.equal(await first.acquire(), true);
  assert.equal(await second.acquire({ block: false }), false);
  assert.equal(await second.acquire({ timeout: 50 }), false);
  const waiting = second.acquire({ timeout: 5000 });
  await first.release();
  assert.equal(await waiting, true);
  assert.ok(second.fencingToken > first.fencingToken);
  await second.release();
  await assert.rejects(second.release(), ValueError);
  assert.equal(await first.locked(), false);
});

test("Lock: a holder killed with kill -9 frees the lock for the next process at once", async () => {
  const { child: holder, output, exited } = spawnFixture("fixtures/locker.ts", [server.url, "managed", "l2"]);
  try {
    await eventually(async () => output().includes("held") || undefined, 30_000, "the other process holds the lock");
    const lock = cluster.Lock("l2");
    assert.equal(await lock.acquire({ block: false }), false);
    holder.kill("SIGKILL");
    await exited;
    const started = performance.now();
    assert.equal(await lock.acquire({ timeout: 5000 }), true);
    assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
    await lock.release();
  } finally {
    holder.kill("SIGKILL");
  }
});
