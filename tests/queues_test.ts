import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  Barrier,
  Empty,
  Event,
  Full,
  HANDLE,
  JoinableQueue,
  Pipe,
  Process,
  Queue,
  SimpleQueue,
  TimeoutError,
  ValueError,
  OSError,
} from "../mod.ts";
import { ByteRing, type RingState } from "../src/transport/ring.ts";
import { runScript } from "./_helpers.ts";
import { travel } from "./_travel.ts";
import {
  consume,
  consumeUntilNull,
  echo,
  fillOwnQueueAndPipe,
  getForever,
  getSyncForever,
  greetWithGrandchild,
  pattern,
  produceMixed,
  produceTogether,
  putAfter,
  putAll,
  putLargeThenBurst,
  putAndJoinSync,
  putManyAndEnd,
  putSendThenExit,
  putNumbered,
  putThenBlock,
  recordEveryGet,
  workJoinable,
} from "./fixtures/queue_targets.ts";

const WAIT_MS = 60_000;
/** Tests that start processes: far more than Bun's default 5 s on a loaded machine. */
const SLOW = { timeout: 120_000 };

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

test("maxsize must be an integer, as in Python (TypeError); Infinity is unbounded too", () => {
  for (const [maxsize, shown] of [[2.5, "2.5"], [NaN, "NaN"], ["3", 'the string "3"'], [null, "null"], [{}, "an object"]]) {
    const message = `maxsize must be an integer (0 or less: unbounded), not ${shown}`;
    assert.throws(() => new Queue(maxsize as number), { name: "TypeError", message });
    assert.throws(() => new JoinableQueue(maxsize as number), { name: "TypeError", message });
  }
  const q = new Queue<number>(Infinity);
  for (let i = 0; i < 5; i++) q.putNowait(i);
  assert.equal(q.full(), false);
  assert.equal(q.qsize(), 5);
});

test("options that are not an options object, or a timeout that is not a number, are a TypeError and change nothing", async () => {
  const q = new Queue<number>(1);
  const j = new JoinableQueue<number>();
  await assert.rejects(q.get(5000 as never), {
    name: "TypeError",
    message: "get() takes an options object, such as get({ timeout: 5000 }), not 5000",
  });
  await assert.rejects(q.put(1, false as never), { name: "TypeError", message: /^put\(\) takes an options object.* not false$/ });
  assert.throws(() => q.getSync(true as never), { message: /^getSync\(\) takes an options object/ });
  assert.throws(() => q.putSync(1, "5" as never), { message: /^putSync\(\) takes an options object.* not the string "5"$/ });
  await assert.rejects(j.join(5000 as never), { name: "TypeError", message: /^join\(\) takes an options object/ });
  assert.throws(() => j.joinSync(0 as never), { name: "TypeError", message: /^joinSync\(\) takes an options object/ });
  const badTimeout = { name: "TypeError", message: "timeout must be a number of milliseconds (undefined: no limit), not NaN" };
  await assert.rejects(q.get({ timeout: NaN }), badTimeout, "NaN would wait forever");
  await assert.rejects(q.put(1, { timeout: NaN }), badTimeout, "refused even when there is room");
  await assert.rejects(j.join({ timeout: NaN }), badTimeout);
  assert.throws(() => q.getSync({ timeout: "50" as never }), { message: /not the string "50"$/ });
  assert.equal(q.qsize(), 0, "nothing was put");
  await q.put(1, { timeout: null as never }); // null is Python's None: no limit
  assert.equal(await q.get({ timeout: null as never }), 1);
});

test("an aborted signal rejects put and join with its reason, also when aborted before the call, and changes nothing", async () => {
  const aborted = AbortSignal.abort(new Error("stop"));
  const q = new JoinableQueue<number>(1);
  await assert.rejects(q.put(1, { signal: aborted }), { message: "stop" }, "refused even when there is room");
  assert.equal(q.qsize(), 0);
  await q.join({ timeout: 0 }); // no task was added
  await q.put(1);
  const controller = new AbortController();
  const putting = q.put(2, { signal: controller.signal });
  const joining = q.join({ signal: controller.signal });
  controller.abort(new Error("later"));
  await assert.rejects(putting, { message: "later" });
  await assert.rejects(joining, { message: "later" });
  await assert.rejects(q.join({ signal: aborted }), { message: "stop" });
  assert.equal(q.getNowait(), 1);
  assert.throws(() => q.getNowait(), Empty, "the aborted put added nothing");
  q.taskDone();
  await q.join({ timeout: 0 });
});

test("getNowait and getSync take an item larger than the ring that this very thread is still writing", () => {
  const q = new Queue<Uint8Array>();
  q.putSync(pattern(3 << 20, 1)); // three times the ring: most of it waits in this handle's buffer
  q.putSync(pattern(10, 2));
  assert.ok(sameBytes(q.getNowait(), pattern(3 << 20, 1)));
  assert.ok(sameBytes(q.getSync({ timeout: WAIT_MS }), pattern(10, 2)));
});

test("a refused put leaves the queue exactly as it was", async () => {
  const q = new Queue<unknown>(2);
  await q.put("kept");
  assert.throws(
    () => q.putNowait({ ok: 1, f: () => 1 }),
    (error: Error) => error instanceof TypeError && error.message.startsWith("item.f "),
  );
  await assert.rejects(q.put([1, Symbol("s")]), (error: Error) => error instanceof TypeError && /^item\[1\]/.test(error.message));
  await assert.rejects(q.put({ reply: new Queue() }), {
    name: "TypeError",
    message: /^item\.reply is a shareable handle \(Queue\) and cannot be copied into a queue or pipe message: pass it in a Process's args/,
  });
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
  const other = await travel(producer);
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
  const reader = await travel(q);
  for (let i = 0; i < 20; i++) await q.put(new Uint8Array(200_000));
  q.close();
  q.cancelJoinThread();
  await q.joinThread();
  for (let i = 0; i < 20; i++) await reader.get(); // the buffered items are still written meanwhile
});

test("async iteration ends once every putter closed and the queue is drained", async () => {
  const q = new Queue<number>();
  const producerA = await travel(q);
  const producerB = await travel(q);
  const seen: number[] = [];
  const consuming = (async () => {
    for await (const item of q) seen.push(item);
  })();
  for (let i = 0; i < 5; i++) await producerA.put(i);
  producerA.close();
  await producerB.put(100);
  let ended = false;
  void consuming.then(() => (ended = true));
  const arrived = Date.now() + 20_000;
  while (seen.length < 6 && Date.now() < arrived) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(seen.length, 6, "every item put arrives while iterating");
  await new Promise((resolve) => setTimeout(resolve, 20)); // time to end, were it to end wrongly
  const stillIterating = !ended;
  producerB.close();
  assert.equal(stillIterating, true, "still iterating: producer B is open");
  await consuming;
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 100]);
});

test("async iteration waits for a child that received the queue and has not put yet", SLOW, async () => {
  const q = new Queue<number>();
  const go = new Event();
  const fast = start(putAll, [q, [1, 2]]);
  const slow = start(putAfter, [q, go, [3, 4]]);
  const seen: number[] = [];
  const consuming = (async () => {
    for await (const item of q) seen.push(item);
  })();
  await fast.join();
  await until(() => seen.length === 2, "the fast producer's items arrived");
  const state = await Promise.race([consuming.then(() => "ended"), delay(300).then(() => "iterating")]);
  assert.equal(state, "iterating", "the slow producer holds the iteration open");
  go.set();
  await consuming;
  await slow.join();
  assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 3, 4]);
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

test("SimpleQueue: put, get, empty, close; once closed every method raises OSError('handle is closed'), as Python's", async () => {
  const q = new SimpleQueue<{ n: number }>();
  assert.equal(q.empty(), true);
  await q.put({ n: 1 });
  q.putSync({ n: 2 });
  assert.equal(q.empty(), false);
  assert.deepEqual(await q.get(), { n: 1 });
  assert.deepEqual(q.getSync(), { n: 2 });
  q.close();
  const closed = { name: "OSError", message: "handle is closed" };
  await assert.rejects(q.get(), closed);
  await assert.rejects(q.put({ n: 3 }), closed);
  assert.throws(() => q.getSync(), closed);
  assert.throws(() => q.putSync({ n: 3 }), closed);
  assert.throws(() => q.empty(), closed);
  await assert.rejects(q.get(), OSError);
});

test("a queue describes itself as a handle that another process rebuilds", async () => {
  const q = new JoinableQueue<string>(3);
  const description = q[HANDLE]();
  assert.equal(description.kind, "JoinableQueue");
  const copy = await travel(q);
  assert.ok(copy instanceof JoinableQueue);
  await q.put("x");
  assert.equal(copy.qsize(), 1);
  assert.equal(await copy.get(), "x");
  copy.taskDone();
  await q.join();
  assert.equal(new Queue()[HANDLE]().kind, "Queue");
  assert.equal(new SimpleQueue()[HANDLE]().kind, "SimpleQueue");
});

// ---- across processes ---------------------------------------------------------------

function start(target: (...args: never[]) => unknown, args: unknown[]): Process {
  const child = new Process({ target: target as (...args: unknown[]) => unknown, args });
  child.start();
  return child;
}

/**
 * Checks what each consumer got, as `[producer, index]` pairs in the order it got them: no
 * item twice, each producer's items in order. Returns how many items were delivered.
 */
function checkDeliveries(perConsumer: [number, number][][]): number {
  const seen = new Set<string>();
  for (const delivered of perConsumer) {
    const last = new Map<number, number>();
    for (const [p, i] of delivered) {
      assert.ok(!seen.has(`${p}:${i}`), `item ${p}:${i} delivered twice`);
      seen.add(`${p}:${i}`);
      assert.ok((last.get(p) ?? -1) < i, `producer ${p}'s items out of order`);
      last.set(p, i);
    }
  }
  return seen.size;
}

/** Ends the children that are still running (a failed test must not leave them behind). */
async function endAll(children: Process[]): Promise<void> {
  for (const child of children) if (child.isAlive()) child.terminate();
  for (const child of children) await child.join();
}

/** Getters sleeping in get() on the queue (seen on its ring). */
function sleepingGetters(queue: Queue<unknown>): number {
  return ByteRing.fromState((queue[HANDLE]().state as { ring: RingState }).ring).sleepingReaders();
}

/** Polls (without blocking the event loop) until `condition()` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

test("a queue in a child's args (nested) works there, and in a grandchild", SLOW, async () => {
  const q = new Queue<string>();
  const child = start(greetWithGrandchild, [{ nested: [q] }]);
  const got = new Set([await q.get({ timeout: WAIT_MS }), await q.get({ timeout: WAIT_MS })]);
  assert.deepEqual(got, new Set(["from the child", "from the grandchild"]));
  await child.join();
  assert.equal(child.exitCode, 0);
});

test("a 16 MiB item and then a burst of 100k items cross from a child intact and in order", SLOW, async () => {
  const q = new Queue<unknown>();
  const child = start(putLargeThenBurst, [q, 100_000]);
  const large = await q.get({ timeout: WAIT_MS }) as Uint8Array;
  assert.ok(sameBytes(large, pattern(16 << 20, 3)), "the 16 MiB item is intact");
  for (let i = 0; i < 100_000; i++) {
    const item = await q.get({ timeout: WAIT_MS }) as { i: number; s: string; a: number[] };
    if (item.i !== i || item.s !== "hello" || item.a[2] !== 3) assert.fail(`item ${i} arrived as ${JSON.stringify(item)}`);
  }
  await child.join();
  assert.equal(child.exitCode, 0, "the child wrote its buffered burst before it ended");
  assert.equal(q.qsize(), 0);
});

test("2 producers x 2 iterating consumers: each of 100k items delivered exactly once, in each producer's order", SLOW, async () => {
  const q = new Queue<{ p: number; i: number }>();
  const results = new Queue<{ count: number; checksum: number; ordered: boolean }>();
  const perProducer = 50_000;
  const barrier = new Barrier(2);
  const producers = [0, 1].map((p) => start(produceTogether, [q, p, perProducer, barrier]));
  const consumers = [0, 1].map(() => start(consume, [q, results]));
  // The consumers' iterations end once both producers ended and the queue is drained.
  const reports = [await results.get({ timeout: WAIT_MS }), await results.get({ timeout: WAIT_MS })];
  for (const child of [...producers, ...consumers]) await child.join();
  const count = reports[0].count + reports[1].count;
  const checksum = reports[0].checksum + reports[1].checksum;
  const expected = 1_000_000 * perProducer + 2 * (perProducer * (perProducer - 1)) / 2;
  assert.equal(count, 2 * perProducer);
  assert.equal(checksum, expected);
  assert.ok(reports.every((report) => report.ordered), "FIFO per producer");
});

for (const [how, target] of [["get()", getForever], ["getSync()", getSyncForever]] as const) {
  test(`a consumer terminated while waiting in ${how}: the next getter gets the item`, SLOW, async () => {
    const q = new Queue<string>();
    const ready = new Queue<string>();
    const child = start(target, [q, ready]);
    assert.equal(await ready.get({ timeout: WAIT_MS }), "getting");
    await until(() => sleepingGetters(q) > 0, "the child waits in get");
    child.terminate();
    await child.join();
    await q.put("for the next getter");
    assert.equal(await q.get({ timeout: WAIT_MS }), "for the next getter");
    assert.throws(() => ready.getNowait(), Empty, "the terminated child got nothing");
  });
}

test("a consumer terminated mid-way through a large item: the rest is skipped, what follows is intact", SLOW, async () => {
  const q = new Queue<unknown>();
  const ready = new Queue<string>();
  const child = start(getSyncForever, [q, ready]);
  assert.equal(await ready.get({ timeout: WAIT_MS }), "getting");
  await until(() => sleepingGetters(q) > 0, "the child waits in getSync");
  const putting = q.put(pattern(16 << 20, 1)); // writes what fits at once; the rest follows as room appears
  // Keep this thread (and with it the rest of the item) away until the child took what is there.
  const deadline = performance.now() + WAIT_MS;
  while (!q.empty()) if (performance.now() > deadline) assert.fail("the child did not start on the item");
  child.terminate();
  await child.join();
  await putting;
  await q.put("after");
  assert.equal(await q.get({ timeout: WAIT_MS }), "after");
  assert.equal(q.qsize(), 0);
  assert.throws(() => ready.getNowait(), Empty, "the terminated child got nothing whole");
});

test("a child writes what it buffered before it ends; after cancelJoinThread it may not, and the queue recovers", SLOW, async () => {
  const q = new Queue<Uint8Array>();
  const size = 256 << 10; // 12 of them are three times the ring
  const flushing = start(putManyAndEnd, [q, 12, size, false]);
  for (let i = 0; i < 12; i++) assert.ok(sameBytes(await q.get({ timeout: WAIT_MS }), pattern(size, i)), `item ${i}`);
  await flushing.join();
  assert.equal(flushing.exitCode, 0);

  const cancelled = start(putManyAndEnd, [q, 12, size, true]);
  await cancelled.join(); // nobody reads meanwhile: it ends with items unwritten, one of them half-written
  const received = await takeWhatArrived(q, size);
  assert.ok(received > 0 && received < 12, `some items were lost (received ${received})`);
  await q.put(pattern(100, 7));
  assert.ok(sameBytes(await q.get({ timeout: WAIT_MS }), pattern(100, 7)), "the queue works on");
});

/**
 * Takes the items `putManyAndEnd` wrote before its process ended, checking each; returns how
 * many. The last may be half-written: the queue drops it, and a get then finds nothing.
 */
async function takeWhatArrived(q: Queue<Uint8Array>, size: number): Promise<number> {
  for (let received = 0;; received++) {
    try {
      assert.ok(sameBytes(await q.get({ timeout: 300 }), pattern(size, received)), `item ${received}`);
    } catch (error) {
      assert.ok(error instanceof Empty);
      return received;
    }
  }
}

test("a child that put and sent more than its queue and pipe hold, then called exit(0), delivers every item and message", SLOW, async () => {
  const q = new Queue<Uint8Array>();
  const [receiver, sender] = Pipe<Uint8Array>(false);
  const size = 3 << 19; // 1.5 MiB items, larger than the queue's ring; their quarter, larger than the pipe's
  const child = start(putSendThenExit, [q, sender, 4, size]);
  try {
    for (let i = 0; i < 4; i++) assert.ok(sameBytes(await q.get({ timeout: WAIT_MS }), pattern(size, i)), `item ${i}`);
    for (let i = 0; i < 4; i++) assert.ok(sameBytes(await receiver.recvBytes({ timeout: WAIT_MS }), pattern(size / 4, i)), `message ${i}`);
    await child.join({ timeout: WAIT_MS });
    assert.equal(child.exitCode, 0);
  } finally {
    await endAll([child]);
  }
});

test("exit() in a child after cancelJoinThread() ends it at once, with items unwritten, and the queue recovers", SLOW, async () => {
  const q = new Queue<Uint8Array>();
  const size = 256 << 10;
  const child = start(putManyAndEnd, [q, 12, size, true, true]);
  await child.join({ timeout: WAIT_MS }); // nobody reads meanwhile
  assert.equal(child.exitCode, 0);
  const received = await takeWhatArrived(q, size);
  assert.ok(received < 12, `some items were lost (received ${received})`);
  await q.put(pattern(100, 7));
  assert.ok(sameBytes(await q.get({ timeout: WAIT_MS }), pattern(100, 7)), "the queue works on");
});

test("a bounded queue gets back the room of items a producer counted and never wrote before it ended", SLOW, async () => {
  const q = new Queue<Uint8Array>(4);
  const size = 384 << 10; // two fill the queue's ring: the others wait in the child's buffer
  const child = start(putManyAndEnd, [q, 4, size, true, true]); // ends at once, items unwritten
  await child.join({ timeout: WAIT_MS });
  assert.equal(child.exitCode, 0);
  const received = await takeWhatArrived(q, size);
  assert.ok(received < 4, `some items were lost (received ${received})`);
  assert.equal(q.qsize(), 0);
  assert.equal(q.empty(), true);
  for (let i = 0; i < 4; i++) q.putNowait(pattern(10, i));
  assert.equal(q.full(), true, "the whole maxsize is usable again");
  assert.throws(() => q.putNowait(pattern(10, 4)), Full);
});

test("a child does not wait at its end to write into a queue or pipe it made itself (only its children could read them)", SLOW, async () => {
  const children = [start(fillOwnQueueAndPipe, [false]), start(fillOwnQueueAndPipe, [true])];
  try {
    for (const child of children) await child.join({ timeout: WAIT_MS });
    assert.deepEqual(children.map((child) => child.exitCode), [0, 0]);
  } finally {
    await endAll(children);
  }
});

test("JoinableQueue across processes: join() returns once a child marked every item done", SLOW, async () => {
  const q = new JoinableQueue<number | null>();
  const results = new Queue<number>();
  const worker = start(workJoinable, [q, results]);
  for (let i = 1; i <= 100; i++) await q.put(i);
  await q.join({ timeout: WAIT_MS });
  assert.equal(q.qsize(), 0);
  await q.put(null);
  assert.equal(await results.get({ timeout: WAIT_MS }), 5050);
  await q.join({ timeout: WAIT_MS });
  await worker.join();
});

test("the main program ends even when what it put cannot be written (nobody reads)", SLOW, async () => {
  const result = await runScript("tests/fixtures/queue_unflushed_main.ts", [], 30_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), "buffered 8");
});

test("a child that put an item still in its buffer and then blocks its thread (putSync, getSync) delivers the item", SLOW, async () => {
  const q = new Queue<string>(1);
  const told = new Queue<string>();
  const replies = new Queue<string>();
  const ring = ByteRing.fromState((q[HANDLE]().state as { ring: RingState }).ring);
  assert.ok(ring.tryLockProducer(), "the test holds the producer lock: the child's put must buffer");
  const child = start(putThenBlock, [q, told, replies]);
  const soon = { timeout: 10_000 };
  try {
    assert.equal(await told.get({ timeout: WAIT_MS }), "first is buffered");
    ring.unlockProducer(); // the child now blocks in putSync: only its wait can write "first"
    assert.equal(await q.get(soon), "first");
    assert.equal(await q.get(soon), "second");
    await until(() => ring.tryLockProducer(), "the child released the producer lock"); // just after it published
    await replies.put("go");
    assert.equal(await told.get(soon), "third is buffered");
    ring.unlockProducer(); // the child now blocks in getSync on another queue
    assert.equal(await q.get(soon), "third");
    await replies.put("done");
    await child.join(soon);
    assert.equal(child.exitCode, 0);
  } finally {
    await endAll([child]);
  }
});

test("joinSync in a child blocks until every item had its taskDone, and throws TimeoutError at its timeout", SLOW, async () => {
  const q = new JoinableQueue<number>();
  const told = new Queue<string>();
  const child = start(putAndJoinSync, [q, told, 3]);
  try {
    assert.equal(await told.get({ timeout: WAIT_MS }), "TimeoutError: join() timed out with 3 unfinished tasks");
    for (let i = 0; i < 3; i++) {
      assert.equal(await q.get({ timeout: WAIT_MS }), i);
      assert.throws(() => told.getNowait(), Empty, "the child is still joining");
      q.taskDone();
    }
    assert.equal(await told.get({ timeout: WAIT_MS }), "joined");
    await child.join({ timeout: WAIT_MS });
    assert.equal(child.exitCode, 0);
  } finally {
    await endAll([child]);
  }
});

test("3 producers x 3 consumers on a bounded queue, sync and async mixed: every item exactly once, FIFO per producer", SLOW, async () => {
  const q = new Queue<{ p: number; i: number } | null>(4);
  const results = new Queue<[number, number][]>();
  const perProducer = 1000;
  const producers = [0, 1, 2].map((p) => start(produceMixed, [q, p, perProducer]));
  const consumers = [true, false, true].map((sync) => start(consumeUntilNull, [q, results, sync]));
  const reports = [];
  try {
    for (const producer of producers) await producer.join({ timeout: WAIT_MS });
    for (let c = 0; c < 3; c++) await q.put(null, { timeout: WAIT_MS });
    for (let c = 0; c < 3; c++) reports.push(await results.get({ timeout: WAIT_MS }));
    for (const consumer of consumers) await consumer.join({ timeout: WAIT_MS });
  } finally {
    await endAll([...producers, ...consumers]);
  }
  assert.equal(checkDeliveries(reports), 3 * perProducer);
  assert.deepEqual([...producers, ...consumers].map((child) => child.exitCode), [0, 0, 0, 0, 0, 0]);
});

test("consumers terminated while they take items: none is delivered twice, each producer's stay in order", SLOW, async () => {
  const [perProducer, size, ends] = [40_000, 8, 20];
  const q = new Queue<Uint8Array | null>();
  const logs: Int32Array[] = [];
  const consumers: Process[] = [];
  const startConsumer = () => {
    const log = new SharedArrayBuffer(4 * (2 * perProducer + 1));
    logs.push(new Int32Array(log));
    consumers.push(start(recordEveryGet, [q, log]));
  };
  const taken = () => logs.reduce((sum, log) => sum + Atomics.load(log, 0), 0);
  for (let c = 0; c < 4; c++) startConsumer();
  const producers = [0, 1].map((p) => start(putNumbered, [q, p, perProducer, size]));
  try {
    // Each time some more items were taken, end a consumer in the middle of its work and start another.
    for (let end = 1; end <= ends; end++) {
      while (taken() < (end * 2 * perProducer) / (ends + 4)) await delay(1);
      const live = consumers.filter((consumer) => consumer.isAlive());
      const victim = live[end % live.length];
      victim.terminate();
      await victim.join({ timeout: WAIT_MS });
      startConsumer();
    }
    for (const producer of producers) await producer.join({ timeout: WAIT_MS });
    const live = consumers.filter((consumer) => consumer.isAlive());
    for (let c = 0; c < live.length; c++) await q.put(null);
    for (const consumer of live) await consumer.join({ timeout: WAIT_MS });
  } finally {
    await endAll([...producers, ...consumers]);
  }
  const delivered = logs.map((log) =>
    Array.from(log.subarray(1, 1 + Atomics.load(log, 0)), (item): [number, number] => [Math.floor(item / 1e6), item % 1e6])
  );
  const seen = checkDeliveries(delivered);
  // Only what an ended consumer had taken and not yet recorded may be missing, as in Python.
  const lost = 2 * perProducer - seen;
  assert.ok(lost <= 2 * ends, `${lost} items lost in ${ends} ends`);
});

test("values of every structured-clone kind cross to a child and back", SLOW, async () => {
  const cyclic: { name: string; self?: unknown } = { name: "loop" };
  cyclic.self = cyclic;
  const shared = { n: 1 };
  const sent = {
    map: new Map<unknown, unknown>([[1, "one"], ["set", new Set([1, 2])]]),
    date: new Date(86_400_000),
    big: 2n ** 70n,
    bytes: new Uint8Array([1, 2, 255]),
    floats: new Float64Array([0.5, -0]),
    longs: new BigInt64Array([-(2n ** 63n)]),
    error: new RangeError("too far", { cause: "why" }),
    nothing: [undefined, null],
    nested: { deep: [[{ deeper: "x" }]] },
    cyclic,
    twice: [shared, shared],
  };
  const q = new Queue<unknown>();
  const replies = new Queue<unknown>();
  const child = start(echo, [q, replies]);
  try {
    for (const value of [sent, undefined, null, 0, "", 10n, "stop"]) await q.put(value);
    const got = await replies.get({ timeout: WAIT_MS }) as typeof sent;
    assert.deepEqual([...got.map.entries()], [[1, "one"], ["set", new Set([1, 2])]]);
    assert.ok(got.date instanceof Date && got.date.getTime() === 86_400_000);
    assert.equal(got.big, 2n ** 70n);
    assert.ok(got.bytes instanceof Uint8Array && sameBytes(got.bytes, new Uint8Array([1, 2, 255])));
    assert.ok(got.floats instanceof Float64Array && got.floats[0] === 0.5 && Object.is(got.floats[1], -0));
    assert.ok(got.longs instanceof BigInt64Array && got.longs[0] === -(2n ** 63n));
    assert.ok(got.error instanceof RangeError);
    assert.deepEqual([got.error.name, got.error.message, got.error.cause], ["RangeError", "too far", "why"]);
    assert.deepEqual(got.nothing, [undefined, null]);
    assert.equal(got.nested.deep[0][0].deeper, "x");
    assert.equal(got.cyclic.self, got.cyclic, "a cycle stays a cycle");
    assert.equal(got.twice[0], got.twice[1], "a shared reference stays shared");
    for (const value of [undefined, null, 0, "", 10n]) assert.equal(await replies.get({ timeout: WAIT_MS }), value);
    await child.join({ timeout: WAIT_MS });
    assert.equal(child.exitCode, 0);
  } finally {
    await endAll([child]);
  }
});

test("a child terminated while blocked in getSync does not keep the program from ending", SLOW, async () => {
  const result = await runScript("tests/fixtures/queue_terminated_main.ts", [], 30_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), "ended -15");
  assert.equal(result.stderr, "");
});
