import { test } from "node:test";
import assert from "node:assert/strict";
import { Feeder } from "../src/transport/feeder.ts";
import { ByteRing } from "../src/transport/ring.ts";
import { deadlineFrom } from "../src/transport/wait.ts";
import { markPidEnded } from "../src/transport/liveness.ts";
import { endWorker, nextMessage, startWorker, type TestWorker } from "./fixtures/workers.ts";

const soon = (): number => deadlineFrom(5000);

/** Bytes `0, 1, 2, …` (mod 251) shifted by `seed`: a different, checkable pattern per item. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i + seed) % 251;
  return bytes;
}

/** Writes one item the way a queue does: count it, then write now or through a feeder. */
function put(ring: ByteRing, feeder: Feeder, bytes: Uint8Array): void {
  assert.ok(ring.tryReserve(Infinity));
  feeder.push(bytes);
}

/** Polls (without blocking the event loop) until `condition()` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = deadlineFrom(5000);
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test("records come out whole and in order, across many wrap-arounds of the ring", () => {
  const ring = new ByteRing(256);
  const feeder = new Feeder(ring);
  for (let round = 0; round < 500; round++) {
    const sizes = [0, 1, 3, 17, 40, 64];
    for (const [i, size] of sizes.entries()) put(ring, feeder, pattern(size, round + i));
    for (const [i, size] of sizes.entries()) assert.deepEqual(ring.readSync(soon()), pattern(size, round + i));
  }
  assert.equal(ring.itemCount(), 0);
  assert.equal(ring.hasRecords(), false);
});

test("a copy comes out: the item does not change when the ring is reused", () => {
  const ring = new ByteRing(64);
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(16, 1));
  const item = ring.readSync(soon())!;
  put(ring, feeder, pattern(16, 2));
  assert.equal(item.buffer instanceof SharedArrayBuffer, false);
  assert.deepEqual(item, pattern(16, 1));
});

test("an item much larger than the ring streams through it intact, between others", async () => {
  const ring = new ByteRing(1024);
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(10, 1));
  put(ring, feeder, pattern(1 << 20, 2));
  put(ring, feeder, pattern(10, 3));
  assert.equal(feeder.pending, 2, "the large item and the one after it wait in the feeder");
  assert.deepEqual(await ring.read(soon()), pattern(10, 1));
  assert.deepEqual(await ring.read(soon()), pattern(1 << 20, 2));
  assert.deepEqual(await ring.read(soon()), pattern(10, 3));
  await feeder.flushed();
  assert.equal(ring.itemCount(), 0);
});

test("a read gives up at its deadline with undefined, and an aborted read rejects", async () => {
  const ring = new ByteRing(64);
  const started = performance.now();
  assert.equal(await ring.read(deadlineFrom(30)), undefined);
  assert.ok(performance.now() - started >= 25);
  assert.equal(ring.readSync(deadlineFrom(0)), undefined);
  const controller = new AbortController();
  const reading = ring.read(Infinity, controller.signal);
  controller.abort(new Error("no more"));
  await assert.rejects(reading, { message: "no more" });
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(8, 0));
  assert.deepEqual(ring.readSync(soon()), pattern(8, 0), "the consumer lock was released");
});

test("a read ends when its until() condition turns true while the ring is empty", async () => {
  const ring = new ByteRing(64);
  let finished = false;
  const reading = ring.read(Infinity, undefined, () => finished);
  finished = true;
  ring.wakeReaders();
  assert.equal(await reading, undefined);
});

test("a blocking read takes an item its own thread is still streaming: the wait writes the rest", () => {
  const ring = new ByteRing(256);
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(2000, 5));
  put(ring, feeder, pattern(10, 6));
  assert.equal(feeder.pending, 2, "most of the item waits for room");
  assert.deepEqual(ring.readSync(soon()), pattern(2000, 5));
  assert.deepEqual(ring.readSync(soon()), pattern(10, 6));
  assert.equal(feeder.pending, 0);
});

test("reservations count items up to a limit; a take frees a slot for a waiting producer", async () => {
  const ring = new ByteRing(64);
  const feeder = new Feeder(ring);
  assert.equal(ring.tryReserve(2), true);
  feeder.push(pattern(4, 1));
  assert.equal(ring.tryReserve(2), true);
  feeder.push(pattern(4, 2));
  assert.equal(ring.tryReserve(2), false);
  assert.equal(ring.reserveSync(2, deadlineFrom(10)), false);
  assert.equal(await ring.reserve(2, deadlineFrom(10)), false);
  assert.equal(ring.itemCount(), 2);
  const waiting = ring.reserve(2, soon());
  assert.deepEqual(ring.readSync(soon()), pattern(4, 1));
  assert.equal(await waiting, true);
  assert.equal(ring.itemCount(), 2);
});

test("a capacity that is not a power of two in range is refused", () => {
  assert.throws(() => new ByteRing(1000), { name: "RangeError", message: /power of two from 64 to 268435456, got 1000/ });
  assert.throws(() => new ByteRing(32), RangeError);
});

test("a producer that ends mid-way through a large item: the part is dropped, the ring goes on", { timeout: 120_000 }, async () => {
  const ring = new ByteRing(1024);
  const producer = startWorker("ring_worker", { ring: ring.toState(), mode: "stream", size: 100_000 });
  try {
    assert.equal(await nextMessage(producer.worker), "streaming");
  } finally {
    await endWorker(producer);
  }
  assert.equal(await ring.read(deadlineFrom(150)), undefined, "no partial item is handed out");
  assert.equal(ring.itemCount(), 0);
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(5000, 9)); // takes the producer lock over from the ended producer
  put(ring, feeder, pattern(100, 10));
  assert.deepEqual(await ring.read(soon()), pattern(5000, 9));
  assert.deepEqual(await ring.read(soon()), pattern(100, 10));
});

test("a consumer that ends while waiting in read: another consumer gets the next item", { timeout: 120_000 }, async () => {
  const ring = new ByteRing(1024);
  const consumer = startWorker("ring_worker", { ring: ring.toState(), mode: "read-forever" });
  try {
    assert.equal(await nextMessage(consumer.worker), "reading");
    await until(() => ring.sleepingReaders() === 1, "the worker sleeps in read");
  } finally {
    await endWorker(consumer);
  }
  const feeder = new Feeder(ring);
  put(ring, feeder, pattern(50, 1));
  assert.deepEqual(await ring.read(soon()), pattern(50, 1));
});

test("a consumer that ends mid-way through a large item: the rest is skipped, what follows is intact", { timeout: 120_000 }, async () => {
  const ring = new ByteRing(1024);
  const consumer = startWorker("ring_worker", { ring: ring.toState(), mode: "read" });
  const large = new Uint8Array(50_000).fill(3);
  try {
    assert.equal(await nextMessage(consumer.worker), "reading");
    assert.ok(ring.tryReserve(Infinity));
    assert.ok(await ring.lockProducer(soon()));
    const item = new (await import("../src/transport/ring.ts")).OutgoingItem(large);
    assert.equal(ring.writeSome(item), false, "the item does not fit: its first records are out");
    await until(() => !ring.hasRecords(), "the worker took the first records");
    await endWorker(consumer);
    // Finish the item with nobody reading it yet, then put another one.
    const reading = ring.read(soon());
    while (!ring.writeSome(item)) await ring.waitForRoom(ring.roomMark());
    ring.unlockProducer();
    assert.ok(ring.tryReserve(Infinity));
    assert.ok(ring.tryWriteNow(pattern(77, 4)));
    assert.deepEqual(await reading, pattern(77, 4), "the rest of the handed-out item was skipped");
    assert.equal(ring.itemCount(), 0);
  } finally {
    await endWorker(consumer);
  }
});

test("two consumers racing for small records: each record is taken whole, exactly once", { timeout: 120_000 }, async () => {
  const ring = new ByteRing(4096);
  const consumers: TestWorker[] = [];
  try {
    // One after the other: two raw workers starting at once sometimes never start on Bun 1.4.5.
    for (let i = 0; i < 2; i++) {
      consumers.push(startWorker("ring_worker", { ring: ring.toState(), mode: "drain" }));
      assert.equal(await nextMessage(consumers[i].worker), "reading");
    }
    const reports = consumers.map((consumer) => nextMessage<{ taken: number; bad: number }>(consumer.worker));
    const feeder = new Feeder(ring);
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      const length = 1 + (i % 60);
      put(ring, feeder, new Uint8Array(length).fill(length & 255));
      if (feeder.pending > 0) await feeder.flushed();
    }
    for (const _ of consumers) put(ring, feeder, new Uint8Array(0)); // one end marker each
    await feeder.flushed();
    const [a, b] = await Promise.all(reports);
    assert.equal(a.bad + b.bad, 0, "no torn or misread record");
    assert.equal(a.taken + b.taken, count);
  } finally {
    for (const consumer of consumers) await endWorker(consumer);
  }
});

test("a producer ended while its thread runs on (a terminated Deno worker) publishes no more of its backlog", { timeout: 120_000 }, async () => {
  const ring = new ByteRing(1024);
  const fill = new Feeder(ring);
  for (let i = 0; i < 64; i++) put(ring, fill, pattern(8, i)); // 64 records of 16 bytes: full
  assert.equal(fill.pending, 0);
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const open = (cell: number) => (Atomics.store(gate, cell, 1), Atomics.notify(gate, cell));
  const producer = startWorker("ring_worker", { ring: ring.toState(), mode: "backlog", size: 40, gate: gate.buffer });
  try {
    assert.equal(await nextMessage(producer.worker), 40, "its items wait in its feeder");
    for (let i = 0; i < 64; i++) assert.deepEqual(await ring.read(soon()), pattern(8, i));
    const parked = nextMessage(producer.worker);
    open(0); // room: its feeder writes in one loop
    assert.equal(await parked, "parked", "it published its first item");
    markPidEnded(producer.pid, true); // ended, its thread running on
    const outcome = nextMessage(producer.worker).catch(() => "halted");
    open(1);
    const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(resolve, 500, "halted"))]);
    assert.equal(settled, "halted");
    assert.deepEqual(await ring.read(soon()), new Uint8Array(8).fill(0));
    assert.equal(ring.hasRecords(), false, "nothing was published after its end");
  } finally {
    await endWorker(producer);
  }
});
