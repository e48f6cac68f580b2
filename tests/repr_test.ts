import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Pipe,
  Process,
  Queue,
  RawArray,
  RawValue,
  RLock,
  Semaphore,
  SharedArray,
  SimpleQueue,
  Value,
} from "../mod.ts";
import { holdUntilEnded, TARGETS_MODULE } from "./fixtures/sync_targets.ts";
import { until } from "./fixtures/workers.ts";

// Each class shows Python's repr in String(x) and in console.log (Node's inspect hook, which
// Deno and Bun honour: `inspect` from node:util is what console.log uses on all three).

test("Lock and RLock reprs name the owner as Python's do", async () => {
  const lock = new Lock();
  assert.equal(inspect(lock), "<Lock(owner=None)>");
  await lock.acquire();
  assert.equal(inspect(lock), "<Lock(owner=MainProcess)>");
  lock.release();
  const rlock = new RLock();
  assert.equal(String(rlock), "<RLock(None, 0)>");
  await rlock.acquire();
  await rlock.acquire();
  assert.equal(inspect(rlock), "<RLock(MainProcess, 2)>");
  const fromAnotherTask = await new Promise<string>((resolve) => setImmediateLike(() => resolve(String(rlock))));
  assert.equal(fromAnotherTask, "<RLock(MainProcess, 2)>", "a timer set by the holder counts as the holder");
  assert.equal(await rlock.withLock(() => String(rlock)), "<RLock(MainProcess, 3)>");
  rlock.release();
  rlock.release();
  const other = rlock.withLock(() => new Promise((resolve) => setTimeout(resolve, 30)));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(String(rlock), "<RLock(SomeOtherTask, nonzero)>");
  await other;
});

/** A callback on the next turn of the event loop. */
function setImmediateLike(fn: () => void): void {
  setTimeout(fn, 0);
}

test("a lock held by another process shows SomeOtherProcess, as Python's", async () => {
  const lock = new Lock();
  const ready = new Event();
  const holder = new Process({ target: holdUntilEnded, args: [lock, ready], module: TARGETS_MODULE });
  holder.start();
  try {
    assert.equal(await ready.wait({ timeout: 60_000 }), true);
    assert.equal(String(lock), "<Lock(owner=SomeOtherProcess)>");
  } finally {
    holder.kill();
    await holder.join({ timeout: 60_000 });
  }
});

test("Semaphore, BoundedSemaphore, Condition, Event and Barrier reprs", async () => {
  const sem = new Semaphore(2);
  await sem.acquire();
  assert.equal(inspect(sem), "<Semaphore(value=1)>");
  assert.equal(inspect(new BoundedSemaphore()), "<BoundedSemaphore(value=1, maxvalue=1)>");
  const cond = new Condition(new Lock());
  assert.equal(inspect(cond), "<Condition(<Lock(owner=None)>, 0)>");
  await cond.acquire();
  const waiting = cond.wait({ timeout: 5000 });
  assert.equal(String(cond), "<Condition(<Lock(owner=None)>, 1)>", "one waiter, the lock released meanwhile");
  await cond.withLock(() => cond.notify());
  await waiting;
  cond.release();
  const event = new Event();
  assert.equal(inspect(event), "<Event(set=False)>");
  event.set();
  assert.equal(String(event), "<Event(set=True)>");
  const barrier = new Barrier(3);
  assert.equal(inspect(barrier), "<Barrier(parties=3, waiting=0)>");
  const arriving = barrier.wait().catch(() => -1);
  await until(() => barrier.nWaiting === 1);
  assert.equal(String(barrier), "<Barrier(parties=3, waiting=1)>");
  barrier.abort();
  await arriving;
  assert.equal(String(barrier), "<Barrier(parties=3, waiting=0, broken=True)>");
});

test("queue and connection reprs say what they hold and can do", async () => {
  const q = new Queue<number>(5);
  await q.put(1);
  assert.equal(inspect(q), "<Queue maxsize=5 qsize=1>");
  const jq = new JoinableQueue<number>();
  await jq.put(1);
  await jq.put(2);
  await jq.get();
  assert.equal(inspect(jq), "<JoinableQueue maxsize=0 qsize=1 tasks=2>");
  jq.close();
  assert.equal(String(jq), "<JoinableQueue maxsize=0 qsize=1 closed tasks=2>");
  assert.equal(inspect(new SimpleQueue()), "<SimpleQueue qsize=0>");
  const [a, b] = Pipe();
  assert.equal(inspect(a), "<Connection readable writable>");
  const [reader, writer] = Pipe(false);
  assert.equal(String(reader), "<Connection readable>");
  assert.equal(String(writer), "<Connection writable>");
  for (const end of [a, b, reader, writer]) end.close();
  assert.equal(String(a), "<Connection readable writable closed>");
});

test("shared value and array reprs show the typecode and the elements", () => {
  assert.equal(inspect(new Value("i", 0)), "<Value('i', 0)>");
  assert.equal(String(new RawValue("d", 0.5)), "<RawValue('d', 0.5)>");
  assert.equal(String(new RawValue("q", 7n)), "<RawValue('q', 7)>");
  assert.equal(inspect(new SharedArray("i", [1, 2, 3])), "<SharedArray('i', [1, 2, 3])>");
  assert.equal(String(new RawArray("B", 12)), "<RawArray('B', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, …], length=12)>");
  assert.equal(inspect({ counter: new Value("h", -2) }), "{ counter: <Value('h', -2)> }");
});
