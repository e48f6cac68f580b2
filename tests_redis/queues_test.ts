// The Redis queues keep the local queues' semantics (Python's), against a private server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Empty, Full, TimeoutError, ValueError } from "../mod.ts";
import { RedisCluster } from "../redis.ts";
import { type RedisServer, startRedis } from "./_server.ts";

let server: RedisServer;
let cluster: RedisCluster;
let n = 0;
const fresh = () => `q${++n}`;

before(async () => {
  server = await startRedis();
  cluster = await RedisCluster.connect(server.url, { namespace: "queues" });
});
after(async () => {
  await cluster?.close();
  await server?.stop();
});

test("put then get returns the same value, Map and Date and bytes included", async () => {
  const q = cluster.Queue<unknown>(fresh());
  const value = { a: 1, m: new Map([["k", new Date(5)]]), b: new Uint8Array([0, 255, 7]), s: "é€" };
  await q.put(value);
  assert.deepEqual(await q.get(), value);
  await q.close();
});

test("items come out in the order they were put (FIFO), each to one getter", async () => {
  const name = fresh();
  const a = cluster.Queue<number>(name);
  const b = cluster.Queue<number>(name);
  for (let i = 0; i < 20; i++) await a.put(i);
  const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get()));
  assert.deepEqual([...got].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(await a.qsize(), 0);
  await a.close();
  await b.close();
});

test("get with block: false on an empty queue raises Empty, as Python's get_nowait", async () => {
  const q = cluster.Queue(fresh());
  await assert.rejects(q.getNowait(), Empty);
  await assert.rejects(q.get({ block: false }), Empty);
  await q.close();
});

test("get with a timeout raises Empty after about that long", async () => {
  const q = cluster.Queue(fresh());
  const started = performance.now();
  await assert.rejects(q.get({ timeout: 150 }), Empty);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 140 && elapsed < 2000, `waited ${elapsed} ms`);
  await q.close();
});

test("a getter waiting gets an item put later, from another handle", async () => {
  const name = fresh();
  const getter = cluster.Queue<string>(name);
  const putter = cluster.Queue<string>(name);
  const got = getter.get({ timeout: 5000 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await putter.put("late");
  assert.equal(await got, "late");
  await getter.close();
  await putter.close();
});

test("an aborted get rejects with the signal's reason, and the item put afterwards is not lost", async () => {
  const name = fresh();
  const q = cluster.Queue<string>(name);
  const controller = new AbortController();
  const waiting = q.get({ signal: controller.signal });
  controller.abort(new Error("stop waiting"));
  await assert.rejects(waiting, /stop waiting/);
  await q.put("kept");
  assert.equal(await q.get({ timeout: 5000 }), "kept");
  await q.close();
});

test("a bounded queue raises Full on putNowait when full, and put waits for room", async () => {
  const q = cluster.Queue<number>(fresh(), { maxsize: 2 });
  await q.put(1);
  await q.put(2);
  assert.equal(await q.full(), true);
  await assert.rejects(q.putNowait(3), Full);
  await assert.rejects(q.put(3, { timeout: 50 }), Full);
  const waiting = q.put(3, { timeout: 5000 });
  assert.equal(await q.get(), 1);
  await waiting;
  assert.deepEqual([await q.get(), await q.get()], [2, 3]);
  await q.close();
});

test("a value that cannot be copied is refused with a TypeError naming its path, and nothing is added", async () => {
  const q = cluster.Queue<unknown>(fresh());
  await assert.rejects(q.put({ ok: 1, bad: [0, () => 1] }), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /^item\.bad\[1\] is a function/);
    return true;
  });
  assert.equal(await q.qsize(), 0);
  await assert.rejects(q.putMany([1, 2, Symbol("x")]), /^TypeError: items\[2\] is a symbol/);
  assert.equal(await q.qsize(), 0);
  await q.close();
});

test("JoinableQueue: join() returns once every item had its taskDone(), as Python's", async () => {
  const name = fresh();
  const producer = cluster.JoinableQueue<number>(name);
  const consumer = cluster.JoinableQueue<number>(name);
  await producer.putMany([1, 2, 3]);
  await assert.rejects(producer.join({ timeout: 30 }), TimeoutError);
  let done = 0;
  const consuming = (async () => {
    for (let i = 0; i < 3; i++) {
      await consumer.get();
      done++;
      assert.equal(await consumer.taskDone(), true);
    }
  })();
  await producer.join({ timeout: 5000 });
  assert.equal(done, 3);
  await consuming;
  await producer.close();
  await consumer.close();
});

test("JoinableQueue: taskDone() more times than items taken raises ValueError, as Python's", async () => {
  const q = cluster.JoinableQueue<number>(fresh());
  assert.throws(() => q.taskDone(), (error: Error) => error instanceof ValueError && /too many times/.test(error.message));
  await q.put(1);
  await q.get();
  await q.taskDone();
  assert.throws(() => q.taskDone(), ValueError);
  await q.close();
});

test("JoinableQueue: an item taken and not done goes back to the queue when its handle closes", async () => {
  const name = fresh();
  const first = cluster.JoinableQueue<string>(name);
  await first.put("x");
  assert.equal(await first.get(), "x");
  await first.close();
  const second = cluster.JoinableQueue<string>(name);
  assert.equal(await second.get({ timeout: 5000 }), "x");
  await second.taskDone();
  await second.join({ timeout: 5000 });
  await second.close();
});

test("getMany takes up to that many items in one go, and concurrent gets share reads", async () => {
  const q = cluster.JoinableQueue<number>(fresh());
  await q.putMany(Array.from({ length: 10 }, (_, i) => i));
  const batch = await q.getMany(4);
  assert.deepEqual(batch, [0, 1, 2, 3]);
  const rest = await Promise.all(Array.from({ length: 6 }, () => q.get()));
  assert.deepEqual(rest.sort((a, b) => a - b), [4, 5, 6, 7, 8, 9]);
  await Promise.all(Array.from({ length: 10 }, () => q.taskDone()));
  await q.join({ timeout: 5000 });
  await q.close();
});

test("a closed handle raises ValueError on put and get, and a waiting get fails with it", async () => {
  const q = cluster.Queue(fresh());
  const waiting = assert.rejects(q.get(), ValueError);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await q.close();
  await waiting;
  await assert.rejects(q.put(1), ValueError);
  await assert.rejects(q.get(), ValueError);
});

test("SimpleQueue: put, get, empty", async () => {
  const q = cluster.SimpleQueue<string>(fresh());
  assert.equal(await q.empty(), true);
  await q.put("a");
  assert.equal(await q.empty(), false);
  assert.equal(await q.get(), "a");
  await q.close();
});
