import { test } from "node:test";
import assert from "node:assert/strict";
import { Empty, Full, TimeoutError, ValueError } from "../src/errors.ts";
import { HANDLE, packHandles, unpackHandles } from "../src/handles.ts";
import { JoinableQueue, Queue, SimpleQueue } from "../src/queues.ts";

/** A second handle on the same queue, rebuilt the way a child process rebuilds its args. */
async function reviveCopy<Q>(queue: Q): Promise<Q> {
  return await unpackHandles(structuredClone(packHandles(queue))) as Q;
}

test("a queue hands items out in the order they were put, as copies", async () => {
  const q = new Queue<unknown>();
  const original = { id: 1, tags: new Set(["a"]), when: new Date(0), nested: [1, [2, 3]] };
  await q.put(original);
  await q.put("two");
  q.putNowait(3n);
  assert.equal(q.qsize(), 3);
  const first = await q.get();
  assert.deepEqual(first, original);
  assert.notEqual(first, original);
  assert.equal(await q.get(), "two");
  assert.equal(q.getNowait(), 3n);
  assert.equal(q.qsize(), 0);
  assert.equal(q.empty(), true);
});

test("get on an empty queue: Empty at once without blocking, or after the timeout", async () => {
  const q = new Queue<number>();
  assert.throws(() => q.getNowait(), Empty);
  await assert.rejects(q.get({ block: false }), Empty);
  await assert.rejects(q.get({ block: false, timeout: 10_000 }), Empty, "block: false ignores the timeout");
  const started = performance.now();
  await assert.rejects(q.get({ timeout: 40 }), (error: Error) => error instanceof Empty && error.name === "Empty");
  assert.ok(performance.now() - started >= 35);
  await assert.rejects(q.get({ timeout: -5 }), Empty, "a negative timeout acts as 0");
  assert.throws(() => q.getSync({ timeout: 10 }), Empty);
});

test("a get waiting on an empty queue receives the next put, without blocking the event loop", async () => {
  const q = new Queue<string>();
  const getting = q.get({ timeout: 5000 });
  let ticked = false;
  await new Promise<void>((resolve) => setTimeout(() => (ticked = true, resolve()), 5));
  assert.equal(ticked, true);
  await q.put("late");
  assert.equal(await getting, "late");
});

test("an aborted get rejects with the signal's reason and takes nothing", async () => {
  const q = new Queue<number>();
  const controller = new AbortController();
  const getting = q.get({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(getting, { message: "stop" });
  await assert.rejects(q.get({ signal: controller.signal }), { message: "stop" });
  await q.put(1);
  assert.equal(q.getNowait(), 1);
});

test("a bounded queue counts items: Full when full, and a put waits for a get", async () => {
  const q = new Queue<number>(2);
  await q.put(1);
  q.putNowait(2);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(3), Full);
  await assert.rejects(q.put(3, { block: false }), Full);
  await assert.rejects(q.put(3, { timeout: 20 }), (error: Error) => error instanceof Full && error.name === "Full");
  assert.throws(() => q.putSync(3, { timeout: 10 }), Full);
  const putting = q.put(3, { timeout: 5000 });
  assert.equal(await q.get(), 1);
  await putting;
  assert.deepEqual([q.getNowait(), q.getNowait()], [2, 3]);
  assert.equal(q.full(), false);
});

test("maxsize <= 0 is unbounded: puts never wait, whatever the ring holds", async () => {
  for (const maxsize of [0, -1]) {
    const q = new Queue<Uint8Array>(maxsize);
    const item = new Uint8Array(100_000);
    for (let i = 0; i < 40; i++) q.putNowait(item.fill(i)); // 4 MB: far more than the ring
    assert.equal(q.full(), false);
    assert.equal(q.qsize(), 40);
    for (let i = 0; i < 40; i++) assert.equal((await q.get())[99_999], i);
  }
});

test("a refused put leaves the queue exactly as it was", async () => {
  const q = new Queue<unknown>(2);
  await q.put("kept");
  assert.throws(
    () => q.putNowait({ ok: 1, f: () => 1 }),
    (error: Error) => error instanceof TypeError && error.message.startsWith("item.f "),
  );
  await assert.rejects(q.put([1, Symbol("s")]), (error: Error) => error instanceof TypeError && /^item\[1\]/.test(error.message));
  assert.equal(q.qsize(), 1);
  await q.put("second");
  assert.throws(() => q.putNowait("third"), Full);
  assert.equal(q.qsize(), 2);
  assert.equal(await q.get(), "kept");
  assert.equal(await q.get(), "second");
  assert.throws(() => q.getNowait(), Empty);
  q.close();
  assert.throws(() => q.putNowait("closed"), { name: "ValueError", message: "Queue is closed" });
});

test("close(): this handle refuses put and get with ValueError; joinThread needs close first", async () => {
  const q = new Queue<number>();
  await assert.rejects(q.joinThread(), { name: "ValueError", message: "joinThread() needs close() first" });
  await q.put(1);
  q.close();
  q.close(); // closing twice is fine
  await assert.rejects(q.put(2), ValueError);
  await assert.rejects(q.get(), { name: "ValueError", message: "Queue is closed" });
  assert.throws(() => q.getNowait(), ValueError);
  await q.joinThread();
});

test("joinThread waits until what this handle buffered is written", async () => {
  const producer = new Queue<Uint8Array>();
  const other = await reviveCopy(producer);
  for (let i = 0; i < 30; i++) await producer.put(new Uint8Array(200_000).fill(i));
  producer.close();
  let joined = false;
  const joining = producer.joinThread().then(() => joined = true);
  for (let i = 0; i < 30; i++) assert.equal((await other.get())[0], i);
  await joining;
  assert.equal(joined, true);
  assert.equal(other.qsize(), 0);
});

test("cancelJoinThread makes joinThread return at once", async () => {
  const q = new Queue<Uint8Array>();
  const reader = await reviveCopy(q);
  for (let i = 0; i < 20; i++) await q.put(new Uint8Array(200_000));
  q.close();
  q.cancelJoinThread();
  await q.joinThread();
  for (let i = 0; i < 20; i++) await reader.get(); // the buffered items are still written meanwhile
});

test("async iteration ends once every putter closed and the queue is drained", async () => {
  const q = new Queue<number>();
  const producerA = await reviveCopy(q);
  const producerB = await reviveCopy(q);
  const seen: number[] = [];
  const consuming = (async () => {
    for await (const item of q) seen.push(item);
  })();
  for (let i = 0; i < 5; i++) await producerA.put(i);
  producerA.close();
  await producerB.put(100);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(seen.length, 6, "still iterating: producer B is open");
  producerB.close();
  await consuming;
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 100]);
});

test("JoinableQueue: join resolves once every item had its taskDone", async () => {
  const q = new JoinableQueue<number>();
  await q.join(); // nothing put: resolves at once
  for (const item of [1, 2, 3]) await q.put(item);
  let joined = false;
  const joining = q.join().then(() => joined = true);
  for (let i = 0; i < 3; i++) {
    await q.get();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(joined, false);
    q.taskDone();
  }
  await joining;
  assert.equal(joined, true);
  assert.throws(() => q.taskDone(), { name: "ValueError", message: "taskDone() called too many times" });
});

test("JoinableQueue: join with a timeout rejects with TimeoutError, and a refused put adds no task", async () => {
  const q = new JoinableQueue<unknown>(1);
  await q.put("a");
  assert.throws(() => q.putNowait("b"), Full);
  await assert.rejects(q.put(() => 1), TypeError);
  await assert.rejects(q.join({ timeout: 20 }), (error: Error) =>
    error instanceof TimeoutError && error.message === "join() timed out with 1 unfinished tasks");
  assert.throws(() => q.joinSync({ timeout: 0 }), TimeoutError);
  q.getNowait();
  q.taskDone();
  q.joinSync();
  await q.join();
});

test("SimpleQueue: put, get, empty, close", async () => {
  const q = new SimpleQueue<{ n: number }>();
  assert.equal(q.empty(), true);
  await q.put({ n: 1 });
  q.putSync({ n: 2 });
  assert.equal(q.empty(), false);
  assert.deepEqual(await q.get(), { n: 1 });
  assert.deepEqual(q.getSync(), { n: 2 });
  q.close();
  await assert.rejects(q.get(), ValueError);
});

test("a queue describes itself as a handle that another process rebuilds", async () => {
  const q = new JoinableQueue<string>(3);
  const description = q[HANDLE]();
  assert.equal(description.kind, "JoinableQueue");
  const copy = await reviveCopy(q);
  assert.ok(copy instanceof JoinableQueue);
  await q.put("x");
  assert.equal(copy.qsize(), 1);
  assert.equal(await copy.get(), "x");
  copy.taskDone();
  await q.join();
  assert.equal(new Queue()[HANDLE]().kind, "Queue");
  assert.equal(new SimpleQueue()[HANDLE]().kind, "SimpleQueue");
});
