import { test } from "node:test";
import assert from "node:assert/strict";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, partial, Process, Queue, RLock, Semaphore, SharedArray, Value } from "../mod.ts";
import {
  addTo,
  holdAndCrash,
  holdAndExit,
  holdUntilEnded,
  noteBarrierAction,
  notifiedInWait,
  notifyAndDescribe,
  setWhenSet,
  TARGETS_MODULE,
  waitAtBarrier,
  waitAtBarrierAndNoteAction,
  waitAtBarrierAndReport,
} from "./fixtures/sync_targets.ts";
import { until } from "./fixtures/workers.ts";
import { deadline } from "./_helpers.ts";
import { travel } from "./_travel.ts";

/** Generous bound for anything that involves starting a process (Deno type-checks each). */
const PROCESS_MS = 60_000;

// deno-lint-ignore no-explicit-any
function startProcess(target: (...args: any[]) => unknown, args: unknown[]): Process {
  const p = new Process({ target, args, module: TARGETS_MODULE });
  p.start();
  return p;
}

/** Ends `p` if a failed assertion left it running, so that the test run can end. */
async function cleanUp(p: Process): Promise<void> {
  if (p.isAlive()) p.kill();
  await p.join({ timeout: PROCESS_MS });
}


// --- Options of the blocking calls ----------------------------------------------------------

test("blocking calls refuse Python's positional arguments (acquire(false), wait(0.5)) and a timeout that is not a number with a TypeError, as queues do, instead of waiting forever", async () => {
  const held = new Lock();
  await held.acquire();
  const heldRLock = new RLock();
  await heldRLock.acquire();
  const cond = new Condition();
  await cond.acquire();
  const sem = new Semaphore(0);
  const event = new Event();
  const barrier = new Barrier(2);
  const refused = (call: string, got: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not ${got}` });
  const badTimeout = { name: "TypeError", message: 'timeout must be a number of milliseconds (undefined: no limit), not the string "5"' };
  await assert.rejects(deadline(held.acquire(false as never), 1000), refused("acquire", "false"));
  await assert.rejects(deadline(heldRLock.acquire(false as never), 1000), refused("acquire", "false"));
  await assert.rejects(deadline(sem.acquire({ timeout: "5" as never }), 1000), badTimeout);
  await assert.rejects(deadline(sem.acquire({ timeout: NaN }), 1000), { name: "TypeError", message: /not NaN$/ });
  await assert.rejects(deadline(event.wait(500 as never), 1000), refused("wait", "500"));
  await assert.rejects(deadline(cond.wait(500 as never), 1000), refused("wait", "500"));
  await assert.rejects(deadline(cond.waitFor(() => false, 500 as never), 1000), refused("waitFor", "500"));
  await assert.rejects(deadline(barrier.wait(500 as never), 1000), refused("wait", "500"));
  assert.throws(() => sem.acquireSync(false as never), refused("acquireSync", "false"));
  assert.throws(() => event.waitSync({ timeout: "5" as never }), badTimeout);
  assert.throws(() => cond.waitSync(500 as never), refused("waitSync", "500"));
  assert.throws(() => cond.waitForSync(() => false, 500 as never), refused("waitForSync", "500"));
  assert.throws(() => barrier.waitSync(500 as never), refused("waitSync", "500"));
  assert.equal(barrier.nWaiting, 0, "a refused wait did not arrive");
  assert.equal(barrier.broken, false);
  assert.equal(await sem.acquire({ timeout: null as never, block: false }), false, "null is Python's None: no limit");
  cond.release();
  heldRLock.release();
  held.release();
});

// --- Lock / RLock ---------------------------------------------------------------------------

test("Lock: acquire, locked, release; a second acquire with block:false fails", async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  assert.equal(lock.locked(), true);
  assert.equal(await lock.acquire({ block: false }), false);
  assert.equal(await lock.acquire({ timeout: 20 }), false);
  assert.equal(lock.acquireSync({ block: false }), false);
  lock.release();
  assert.equal(lock.locked(), false);
  assert.throws(() => lock.release(), { name: "ValueError" });
});

test("Lock.withLock releases even when the function throws, and returns its result", async () => {
  const lock = new Lock();
  assert.equal(await lock.withLock(() => 42), 42);
  await assert.rejects(lock.withLock(() => { throw new Error("boom"); }), { message: "boom" });
  assert.equal(lock.locked(), false);
});

test("Lock with await using is released at the end of the block", async () => {
  const lock = new Lock();
  {
    await lock.acquire();
    await using _held = lock;
    assert.equal(lock.locked(), true);
  }
  assert.equal(lock.locked(), false);
});

test("Lock: waiting tasks get the lock one at a time", async () => {
  const lock = new Lock();
  const order: string[] = [];
  await Promise.all(["a", "b", "c"].map((name) =>
    lock.withLock(async () => {
      order.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      order.push(`${name}-`);
    })
  ));
  for (let i = 0; i < order.length; i += 2) assert.equal(order[i][0], order[i + 1][0], order.join(" "));
});

test("RLock: the owner re-acquires; a release by another process is an Error, a release when free a ValueError", async () => {
  const rlock = new RLock();
  assert.throws(() => rlock.release(), { name: "ValueError", message: "cannot release un-acquired lock" });
  assert.equal(await rlock.acquire(), true);
  assert.equal(await rlock.acquire({ block: false }), true);
  rlock.release();
  assert.equal(rlock.locked(), true);
  rlock.release();
  assert.equal(rlock.locked(), false);

  const ready = new Event();
  const holder = startProcess(holdUntilEnded, [rlock, ready]);
  try {
    assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
    assert.throws(() => rlock.release(), { name: "Error", message: "cannot release un-acquired lock" });
  } finally {
    await cleanUp(holder);
  }
});

// --- RLock: owned by a process and its async task -----------------------------------------

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts how many tasks are inside at once, holding the RLock across awaits and re-entering it. */
function exclusionProbe(rlock: RLock) {
  const probe = { inside: 0, most: 0 };
  const critical = async () => {
    probe.most = Math.max(probe.most, ++probe.inside);
    await tick(2);
    assert.equal(await rlock.acquire({ block: false }), true, "the holding task re-enters");
    rlock.release();
    probe.inside--;
  };
  return { probe, critical };
}

test("RLock: tasks started side by side wait for each other, each re-enters, as Python's threads", async () => {
  const rlock = new RLock();
  const { probe, critical } = exclusionProbe(rlock);
  const acquireFirst = async () => {
    await rlock.acquire(); // in the same synchronous stretch as its siblings' acquires
    try { await critical(); } finally { rlock.release(); }
  };
  const awaitFirst = async (ms: number) => {
    await tick(ms);
    await rlock.acquire();
    try { await critical(); } finally { rlock.release(); }
  };
  await Promise.all([acquireFirst(), acquireFirst(), awaitFirst(0), awaitFirst(0), awaitFirst(1)]);
  assert.equal(probe.most, 1);
  assert.equal(rlock.locked(), false);
});

test("RLock.withLock: separate callers one at a time; the holder's nested withLock re-enters", async () => {
  const rlock = new RLock();
  const { probe, critical } = exclusionProbe(rlock);
  const nested = () => rlock.withLock(() => rlock.withLock(critical));
  await Promise.all([nested(), nested(), rlock.withLock(critical)]);
  assert.equal(probe.most, 1);
  assert.equal(rlock.locked(), false);
});

test("RLock: a timer set up before the acquire is another task and waits for the release", async () => {
  const rlock = new RLock();
  const order: string[] = [];
  const timer = new Promise<void>((resolve) =>
    setTimeout(async () => {
      await rlock.acquire();
      order.push("timer");
      rlock.release();
      resolve();
    }, 1)
  );
  await rlock.acquire();
  await tick(20);
  order.push("holder");
  rlock.release();
  await timer;
  assert.deepEqual(order, ["holder", "timer"]);
});

test("RLock: a release by another task of the process is an Error, as Python's by another thread", async () => {
  const rlock = new RLock();
  const held = new Promise<void>((resolve) => rlock.withLock(() => new Promise<void>((end) => (resolve(), setTimeout(end, 20)))));
  await held;
  assert.throws(() => rlock.release(), { name: "Error", message: "cannot release un-acquired lock" });
  assert.equal(await rlock.acquire({ timeout: 5000 }), true, "taken once the holder released it");
  rlock.release();
});

test("RLock.acquireSync while another task of the process holds it throws instead of blocking forever", async () => {
  const rlock = new RLock();
  let release!: () => void;
  const holding = rlock.withLock(() => new Promise<void>((resolve) => (release = resolve)));
  await tick(0);
  assert.throws(() => rlock.acquireSync(), { name: "Error", message: /acquireSync\(\) would block forever: another async task/ });
  assert.equal(rlock.acquireSync({ timeout: 5 }), false, "with a timeout it gives up as Python's would");
  release();
  await holding;
  assert.equal(rlock.acquireSync(), true);
  assert.equal(rlock.acquireSync(), true, "the same task re-enters");
  rlock.release();
  rlock.release();
});

test("Condition() defaults to an RLock, as Python's: CPython's mp_synchronize.py condition example runs", async () => {
  // The example: the main program takes the condition twice, starts a child that notifies,
  // and waits; each step prints the condition as below (here compared, not printed).
  const cond = new Condition();
  const seen = new Queue<string>();
  const child = new Process({ target: notifyAndDescribe, args: [cond, seen], module: TARGETS_MODULE });
  try {
    assert.equal(String(cond), "<Condition(<RLock(None, 0)>, 0)>");
    await cond.acquire();
    assert.equal(String(cond), "<Condition(<RLock(MainProcess, 1)>, 0)>");
    await cond.acquire();
    assert.equal(String(cond), "<Condition(<RLock(MainProcess, 2)>, 0)>");
    child.start();
    assert.equal(await cond.wait({ timeout: PROCESS_MS }), true, "main has woken up");
    assert.equal(await seen.get({ timeout: PROCESS_MS }), `<Condition(<RLock(${child.name}, 1)>, 1)>`);
    assert.equal(String(cond), "<Condition(<RLock(MainProcess, 2)>, 0)>");
    cond.release();
    assert.equal(String(cond), "<Condition(<RLock(MainProcess, 1)>, 0)>");
    cond.release();
    await child.join({ timeout: PROCESS_MS });
    assert.equal(child.exitCode, 0);
    assert.equal(String(cond), "<Condition(<RLock(None, 0)>, 0)>");
  } finally {
    await cleanUp(child);
  }
});

test("Lock, RLock and Condition release at the end of a using block", async () => {
  for (const held of [new Lock(), new RLock(), new Condition()]) {
    {
      await held.acquire();
      using _held = held;
    }
    assert.throws(() => held.release(), { name: "ValueError" }, `${held.constructor.name} was released once`);
  }
});

test("a Lock passed to another process is the same lock there", async () => {
  const lock = new Lock();
  const ready = new Event();
  const holder = startProcess(holdUntilEnded, [lock, ready]);
  try {
    assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquire({ timeout: 20 }), false);
  } finally {
    await cleanUp(holder);
  }
});

/** The ways a holder's process can end, and the exit code each leaves. */
const ENDINGS = [
  { how: "terminated", target: holdUntilEnded, end: (p: Process) => p.terminate(), exitCode: -15 },
  { how: "killed", target: holdUntilEnded, end: (p: Process) => p.kill(), exitCode: -9 },
  { how: "crashed", target: holdAndCrash, end: () => {}, exitCode: 1 },
  { how: "exited", target: holdAndExit, end: () => {}, exitCode: 0 },
];

/** `permits`: a semaphore, whose permits a process that exited keeps taken, as in Python. */
const HELD_KINDS = [
  { name: "Lock", make: () => new Lock(), permits: false },
  { name: "RLock", make: () => new RLock(), permits: false },
  { name: "Semaphore", make: () => new Semaphore(1), permits: true },
  { name: "BoundedSemaphore", make: () => new BoundedSemaphore(1), permits: true },
  { name: "Condition", make: () => new Condition(), permits: false },
];

for (const { name, make, permits } of HELD_KINDS) {
  for (const { how, target, end, exitCode } of ENDINGS) {
    if (permits && how === "exited") continue;
    test(`${name} held by a ${how} process is recovered, with ownerDied true once`, async () => {
      const lock = make();
      const ready = new Event();
      const holder = startProcess(target, [lock, ready]);
      try {
        assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
        const waiting = lock.acquire({ timeout: PROCESS_MS }); // already waiting when the holder ends
        end(holder);
        await holder.join({ timeout: PROCESS_MS });
        assert.equal(holder.exitCode, exitCode);
        assert.equal(await waiting, true, "acquired instead of a deadlock");
        assert.equal(lock.ownerDied, true);
        lock.release();
        assert.equal(await lock.acquire({ timeout: 1000 }), true);
        assert.equal(lock.ownerDied, false, "only the acquire that recovered it is told");
        lock.release();
      } finally {
        await cleanUp(holder);
      }
    });
  }
}

for (const { name, make } of HELD_KINDS.filter((kind) => ["Lock", "BoundedSemaphore"].includes(kind.name))) {
  for (const { how, target, end } of ENDINGS.slice(0, 2)) {
    test(`${name} held by a ${how} process is free for a non-blocking acquire once join() returned`, async () => {
      const lock = make();
      const ready = new Event();
      const holder = startProcess(target, [lock, ready]);
      try {
        assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
        end(holder);
        await holder.join({ timeout: PROCESS_MS });
        assert.equal(await lock.acquire({ block: false }), true, "the holder is gone once join() returns");
        assert.equal(lock.ownerDied, true);
        lock.release();
      } finally {
        await cleanUp(holder);
      }
    });
  }
}

// --- Semaphores -----------------------------------------------------------------------------

test("Semaphore counts permits; release(n) adds several; negative values are ValueErrors", async () => {
  const sem = new Semaphore(2);
  assert.equal(await sem.acquire(), true);
  assert.equal(await sem.acquire(), true);
  assert.equal(await sem.acquire({ timeout: 10 }), false);
  assert.equal(sem.getValue(), 0);
  sem.release(3);
  assert.equal(sem.getValue(), 3, "an unbounded semaphore may grow past its initial value");
  assert.throws(() => new Semaphore(-1), { name: "ValueError" });
  assert.equal(new Semaphore().getValue(), 1);
});

test("a negative initial value or release(n < 1) is a ValueError with Python's words", () => {
  for (const make of [() => new Semaphore(-1), () => new BoundedSemaphore(-1)]) {
    assert.throws(make, { name: "ValueError", message: "semaphore initial value must be >= 0, got -1" });
  }
  assert.throws(() => new Semaphore(1.5), { name: "ValueError", message: "semaphore initial value must be an integer, got 1.5" });
  assert.throws(() => new Semaphore().release(0), { name: "ValueError", message: /^n must be one or more/ });
});

test("an acquire that finds free permits and returns those of a crashed holder has ownerDied true, once", async () => {
  const sem = new Semaphore(2);
  const ready = new Event();
  const holder = startProcess(holdAndCrash, [sem, ready]);
  try {
    assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
    await holder.join({ timeout: PROCESS_MS });
    assert.equal(sem.getValue(), 1, "the crashed holder's permit is returned lazily");
    assert.equal(await sem.acquire({ block: false }), true);
    assert.equal(sem.ownerDied, true);
    assert.equal(sem.getValue(), 1, "one free permit taken, the crashed holder's one returned");
    assert.equal(await sem.acquire({ block: false }), true);
    assert.equal(sem.ownerDied, false);
  } finally {
    await cleanUp(holder);
  }
});

for (const make of [() => new Semaphore(1), () => new BoundedSemaphore(1)]) {
  test(`${make().constructor.name} permits taken by a process whose code ended stay taken, as in Python (a one-time ticket)`, async () => {
    const ticket = make();
    const ready = new Event();
    const taker = startProcess(holdAndExit, [ticket, ready]);
    try {
      await taker.join({ timeout: PROCESS_MS });
      assert.equal(taker.exitCode, 0);
      assert.equal(await ticket.acquire({ timeout: 200 }), false, "the ticket is gone");
      assert.equal(ticket.getValue(), 0);
      ticket.release();
      assert.equal(await ticket.acquire({ block: false }), true, "a release gives it back");
      assert.equal(ticket.ownerDied, false);
    } finally {
      await cleanUp(taker);
    }
  });
}

test("a slot taken by a producer and freed by the consumer is not given back again when the producer dies", async () => {
  const freeSlots = new BoundedSemaphore(1); // a bounded buffer's free slots
  const ready = new Event();
  const producer = startProcess(holdUntilEnded, [freeSlots, ready]);
  try {
    assert.equal(await ready.wait({ timeout: PROCESS_MS }), true);
    freeSlots.release(); // the consumer took the item: its slot is free again
    producer.kill();
    await producer.join({ timeout: PROCESS_MS });
    assert.equal(await freeSlots.acquire({ block: false }), true);
    assert.equal(freeSlots.ownerDied, false);
    assert.equal(await freeSlots.acquire({ timeout: 200 }), false, "one slot, not two");
  } finally {
    await cleanUp(producer);
  }
});

test("BoundedSemaphore refuses a release above its initial value", async () => {
  const sem = new BoundedSemaphore(2);
  await sem.acquire();
  sem.release();
  assert.throws(() => sem.release(), { name: "ValueError", message: "semaphore or lock released too many times" });
  assert.equal(sem.getValue(), 2);
  const twin = await travel(sem);
  assert.ok(twin instanceof BoundedSemaphore);
  assert.throws(() => twin.release(), { name: "ValueError" });
});

// --- Condition ------------------------------------------------------------------------------

test("Condition.wait without holding the lock is an Error; so is notify", async () => {
  const cond = new Condition();
  await assert.rejects(cond.wait({ timeout: 10 }), { message: "cannot wait on un-acquired lock" });
  assert.throws(() => cond.notify(), { message: "cannot notify on un-acquired lock" });
});

test("Condition.wait times out with false and holds the lock again", async () => {
  const cond = new Condition(new Lock());
  await cond.acquire();
  assert.equal(await cond.wait({ timeout: 20 }), false);
  cond.release();
  assert.throws(() => cond.release(), { name: "ValueError" }, "released exactly once: it was re-held once");
});

test("Condition.wait releases every level of an RLock and restores them", async () => {
  const rlock = new RLock();
  const cond = new Condition(rlock);
  await cond.acquire();
  await cond.acquire();
  const waiting = cond.wait({ timeout: 5000 });
  assert.equal(rlock.locked(), false, "fully released while waiting");
  await cond.withLock(() => cond.notify());
  assert.equal(await waiting, true);
  rlock.release();
  assert.equal(rlock.locked(), true, "two levels held again");
  rlock.release();
  assert.equal(rlock.locked(), false);
});

test("Condition.notify(n) wakes exactly n waiters, oldest first; notifyAll the rest", async () => {
  const cond = new Condition();
  const woken: number[] = [];
  let entered = 0;
  const waiters = [0, 1, 2, 3].map((i) =>
    cond.withLock(async () => {
      entered++; // wait() joins the queue and releases the lock before it first yields
      const notified = await cond.wait({ timeout: 5000 });
      woken.push(i);
      return notified;
    })
  );
  await until(() => entered === 4);
  await cond.withLock(() => cond.notify(2));
  await until(() => woken.length === 2);
  assert.deepEqual(woken, [0, 1]);
  await cond.withLock(() => cond.notifyAll());
  assert.deepEqual(await Promise.all(waiters), [true, true, true, true]);
  assert.deepEqual(woken.slice(2).sort(), [2, 3]);
});

test("Condition.waitSync and waitForSync time out in-thread with the lock held again", () => {
  const cond = new Condition();
  assert.equal(cond.acquireSync(), true);
  assert.equal(cond.waitSync({ timeout: 10 }), false);
  assert.equal(cond.waitForSync(() => 0, { timeout: 10 }), 0);
  assert.equal(cond.waitForSync(() => "ready"), "ready", "a true predicate returns without waiting");
  cond.release();
});

test("Semaphore.release(n) wakes n waiting tasks", async () => {
  const sem = new Semaphore(0);
  const waiters = [0, 1, 2].map(() => sem.acquire({ timeout: 5000 }));
  sem.release(2);
  const first = await Promise.race(waiters);
  assert.equal(first, true);
  sem.release();
  assert.deepEqual(await Promise.all(waiters), [true, true, true]);
  assert.equal(sem.getValue(), 0);
});

test("Condition.waitFor returns the predicate's value, or its falsy value on timeout", async () => {
  const cond = new Condition();
  let items = 0;
  const consumer = cond.withLock(() => cond.waitFor(() => items >= 2 && items, { timeout: 5000 }));
  for (let i = 0; i < 2; i++) await cond.withLock(() => (items++, cond.notifyAll()));
  assert.equal(await consumer, 2);
  assert.equal(await cond.withLock(() => cond.waitFor(() => items > 5, { timeout: 20 })), false);
});

test("Condition.waitFor awaits an async predicate (Python's wait_for calls it each time), as ConditionProxy.waitFor does", async () => {
  const cond = new Condition();
  let items = 0;
  const consumer = cond.withLock(() => cond.waitFor(() => Promise.resolve(items >= 2 && items), { timeout: 5000 }));
  for (let i = 0; i < 2; i++) await cond.withLock(() => (items++, cond.notifyAll()));
  assert.equal(await consumer, 2);
  assert.equal(await cond.withLock(() => cond.waitFor(() => Promise.resolve(items > 5), { timeout: 20 })), false);
});

test("an aborted Condition.wait rejects with the reason and holds the lock again", async () => {
  const cond = new Condition();
  await cond.acquire();
  const controller = new AbortController();
  const waiting = cond.wait({ signal: controller.signal });
  controller.abort(new Error("cancelled"));
  await assert.rejects(waiting, { message: "cancelled" });
  cond.release();
});

test("Condition: a process blocked in waitSync is woken by notify from another process", async () => {
  const cond = new Condition();
  const waiting = new Event();
  const notified = new Value("i", -1);
  const waiter = startProcess(notifiedInWait, [cond, waiting, notified]);
  try {
    assert.equal(await waiting.wait({ timeout: PROCESS_MS }), true);
    // The child releases the lock only inside wait(): once we hold it, the child waits.
    await cond.withLock(() => cond.notify());
    await waiter.join({ timeout: PROCESS_MS });
    assert.equal(notified.value, 1);
  } finally {
    await cleanUp(waiter);
  }
});

test("Condition.notify skips a waiter whose process ended, so the notification reaches a live one", async () => {
  const cond = new Condition();
  const waiting = new Event();
  const endedWaiterNotified = new Value("i", -1);
  const waiter = startProcess(notifiedInWait, [cond, waiting, endedWaiterNotified]);
  try {
    assert.equal(await waiting.wait({ timeout: PROCESS_MS }), true);
    await cond.acquire(); // the child waits (it released the lock inside wait)
    waiter.terminate();
    await waiter.join({ timeout: PROCESS_MS });
    const mine = cond.wait({ timeout: 5000 }); // the younger waiter
    await cond.withLock(() => cond.notify(1));
    assert.equal(await mine, true, "notified, not timed out");
    // On Deno a terminated worker's thread may still run a while: it must not take the notification.
    assert.notEqual(endedWaiterNotified.value, 1, "the ended waiter was not notified");
    cond.release();
  } finally {
    await cleanUp(waiter);
  }
});

// --- Event ----------------------------------------------------------------------------------

test("Event: wait returns true once set, false on timeout; clear resets", async () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  assert.equal(await event.wait({ timeout: 10 }), false);
  assert.equal(event.waitSync({ timeout: 0 }), false);
  const waiting = event.wait({ timeout: 5000 });
  event.set();
  assert.equal(await waiting, true);
  assert.equal(event.waitSync(), true);
  event.clear();
  assert.equal(event.isSet(), false);
});

test("Event: an aborted wait rejects with the signal's reason", async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = event.wait({ signal: controller.signal });
  controller.abort(new Error("enough"));
  await assert.rejects(waiting, { message: "enough" });
});

test("Event: processes signal each other", async () => {
  const ping = new Event();
  const pong = new Event();
  const other = startProcess(setWhenSet, [ping, pong]);
  try {
    ping.set();
    assert.equal(await pong.wait({ timeout: PROCESS_MS }), true);
  } finally {
    await cleanUp(other);
  }
});

// --- Barrier --------------------------------------------------------------------------------

test("Barrier releases all parties together with distinct indices, and is reusable", async () => {
  const barrier = new Barrier(3);
  assert.equal(barrier.parties, 3);
  for (let round = 0; round < 2; round++) {
    const indices = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    assert.deepEqual(indices.sort(), [0, 1, 2]);
  }
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test("Barrier runs its action once per round, before releasing anyone", async () => {
  let runs = 0;
  const barrier = new Barrier(2, { action: () => runs++ });
  const seen = await Promise.all([barrier.wait().then(() => runs), barrier.wait().then(() => runs)]);
  assert.deepEqual(seen, [1, 1]);
});

test("Barrier: an action that throws breaks the barrier; that party gets the error", async () => {
  const barrier = new Barrier(2, { action: () => { throw new Error("action failed"); } });
  const results = await Promise.allSettled([barrier.wait(), barrier.wait()]);
  const reasons = results.map((r) => (r as PromiseRejectedResult).reason.message ?? r.status);
  assert.ok(reasons.includes("action failed"), reasons.join());
  assert.ok(results.every((r) => r.status === "rejected"));
  assert.equal(barrier.broken, true);
});

test("Barrier: a wait that times out breaks it for everyone", async () => {
  const barrier = new Barrier(3);
  const first = barrier.wait({ timeout: 5000 });
  await assert.rejects(barrier.wait({ timeout: 20 }), { name: "BrokenBarrierError" });
  await assert.rejects(first, { name: "BrokenBarrierError" });
  assert.equal(barrier.broken, true);
  await assert.rejects(barrier.wait({ timeout: 20 }), { name: "BrokenBarrierError" });
  barrier.reset();
  assert.equal(barrier.broken, false);
  assert.deepEqual((await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()])).sort(), [0, 1, 2]);
});

test("Barrier: the default timeout comes from the constructor", async () => {
  const barrier = new Barrier(2, { timeout: 20 });
  await assert.rejects(barrier.wait(), { name: "BrokenBarrierError" });
});

test("Barrier: abort breaks waiting parties; reset wakes them with BrokenBarrierError", async () => {
  const barrier = new Barrier(3);
  const waiting = barrier.wait({ timeout: 5000 });
  await until(() => barrier.nWaiting === 1);
  barrier.abort();
  await assert.rejects(waiting, { name: "BrokenBarrierError" });

  barrier.reset();
  const again = barrier.wait({ timeout: 5000 });
  await until(() => barrier.nWaiting === 1);
  barrier.reset();
  await assert.rejects(again, { name: "BrokenBarrierError" });
  assert.equal(barrier.broken, false);
});

test("Barrier.waitSync with one party returns 0 at once, and runs the action", () => {
  let ran = false;
  const barrier = new Barrier(1, { action: () => (ran = true) });
  assert.equal(barrier.waitSync(), 0);
  assert.equal(ran, true);
});

test("Barrier with parties < 1 is a ValueError", () => {
  for (const parties of [0, -1, 1.5]) {
    assert.throws(() => new Barrier(parties), { name: "ValueError", message: new RegExp(`^parties must be >= 1: .*got ${parties}$`) });
  }
});

test("Barrier.nWaiting counts every party while the action runs, as in Python", async () => {
  const seen: number[] = [];
  const barrier: Barrier = new Barrier(2, { action: () => seen.push(barrier.nWaiting) });
  await Promise.all([barrier.wait(), barrier.wait()]);
  assert.deepEqual(seen, [2]);
  assert.equal(barrier.nWaiting, 0);
});

test("BrokenBarrierError says why: broken on arrival, broken or reset while waiting", async () => {
  const barrier = new Barrier(2);
  const aborted = barrier.wait();
  await until(() => barrier.nWaiting === 1);
  barrier.abort();
  await assert.rejects(aborted, { name: "BrokenBarrierError", message: /^the barrier broke while this party waited/ });
  await assert.rejects(barrier.wait(), { name: "BrokenBarrierError", message: "the barrier is broken: reset() it to use it again" });
  barrier.reset();
  const reset = barrier.wait();
  await until(() => barrier.nWaiting === 1);
  barrier.reset();
  await assert.rejects(reset, { name: "BrokenBarrierError", message: "the barrier was reset while this party waited" });
});

test("Barrier across processes: each party gets its own index; the creator runs the action once", async () => {
  let actions = 0;
  const barrier = new Barrier(3, { action: () => actions++ });
  const mine = barrier.wait({ timeout: PROCESS_MS });
  await until(() => barrier.nWaiting === 1);
  // The last party to arrive is a child, which has no action: the creator runs it.
  const results = [new Value("i", -1), new Value("i", -1)];
  const others = results.map((result) => startProcess(waitAtBarrierAndReport, [barrier, result]));
  try {
    const index = await mine;
    await Promise.all(others.map((p) => p.join({ timeout: PROCESS_MS })));
    assert.deepEqual([index, ...results.map((r) => r.value)].sort(), [0, 1, 2]);
    assert.equal(actions, 1);
  } finally {
    await Promise.all(others.map(cleanUp));
  }
});

test("Barrier with an exported action: the last party to arrive runs it, once, also when every party is a child", async () => {
  const barrier = new Barrier(3, { action: noteBarrierAction });
  const reports = [0, 1, 2].map(() => new SharedArray("i", [-1, -1]));
  const parties = reports.map((report) => startProcess(waitAtBarrierAndNoteAction, [barrier, report]));
  try {
    await Promise.all(parties.map((p) => p.join({ timeout: PROCESS_MS })));
    assert.deepEqual(parties.map((p) => p.exitCode), [0, 0, 0]);
    const indexAndRan = reports.map((report) => [...report.array]);
    assert.deepEqual(indexAndRan.map(([index]) => index).sort(), [0, 1, 2]);
    assert.deepEqual(indexAndRan.filter(([, ran]) => ran === 1), [[2, 1]], "run once, by the last to arrive");
    assert.equal(barrier.broken, false);
  } finally {
    await Promise.all(parties.map(cleanUp));
  }
});

test("Barrier with a partial action (Python's picklable callable object): the creator runs it when a child arrives last, not an export named \"call\" found by the partial's method name", async () => {
  const counter = new Value("i", 0);
  const barrier = new Barrier(2, { action: partial(addTo, counter, 5) });
  const mine = barrier.wait({ timeout: PROCESS_MS });
  await until(() => barrier.nWaiting === 1);
  const result = new Value("i", -1);
  const child = startProcess(waitAtBarrierAndReport, [barrier, result]);
  try {
    assert.equal(await mine, 0);
    await child.join({ timeout: PROCESS_MS });
    assert.equal(child.exitCode, 0);
    assert.equal(result.value, 1);
    assert.equal(counter.value, 5, "the action ran once");
  } finally {
    await cleanUp(child);
  }
});

test("Barrier whose action lives in a process that is not waiting breaks with a clear message", async () => {
  const barrier = new Barrier(2, { action: () => {} });
  const results = [new Value("i", 0), new Value("i", 0)];
  const others = results.map((result) => startProcess(waitAtBarrierAndReport, [barrier, result]));
  try {
    await Promise.all(others.map((p) => p.join({ timeout: PROCESS_MS })));
    assert.deepEqual(results.map((r) => r.value), [-2, -2], "both parties got BrokenBarrierError");
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait({ timeout: 0 }), { name: "BrokenBarrierError" });
  } finally {
    await Promise.all(others.map(cleanUp));
  }
});

for (const how of ["terminated", "killed"] as const) {
  test(`a Barrier whose waiting party was ${how} raises BrokenBarrierError instead of hanging`, async () => {
    const barrier = new Barrier(3);
    const party = startProcess(waitAtBarrier, [barrier]);
    try {
      await until(() => barrier.nWaiting === 1, PROCESS_MS);
      const started = performance.now();
      const mine = barrier.wait({ timeout: PROCESS_MS });
      await until(() => barrier.nWaiting === 2);
      if (how === "terminated") party.terminate();
      else party.kill();
      await assert.rejects(mine, (error: Error) => {
        assert.equal(error.name, "BrokenBarrierError");
        assert.doesNotMatch(error.message, /timed out/, "broken by the death, not by the timeout");
        return true;
      });
      assert.ok(performance.now() - started < PROCESS_MS / 2);
      assert.equal(barrier.broken, true);
      await party.join({ timeout: PROCESS_MS });
    } finally {
      await cleanUp(party);
    }
  });
}

test("a Barrier party that died waiting breaks the round for the parties that arrive after it", async () => {
  const barrier = new Barrier(2);
  const party = startProcess(waitAtBarrier, [barrier]);
  try {
    await until(() => barrier.nWaiting === 1, PROCESS_MS);
    party.kill();
    await party.join({ timeout: PROCESS_MS });
    assert.equal(barrier.broken, true, "seen broken before anyone waits again");
    assert.equal(barrier.nWaiting, 0);
    await assert.rejects(barrier.wait({ timeout: PROCESS_MS }), { name: "BrokenBarrierError" });
    barrier.reset();
    assert.equal(barrier.broken, false, "reset() makes it usable again");
  } finally {
    await cleanUp(party);
  }
});

test("handles rebuilt from their description keep their class", async () => {
  for (const handle of [new Lock(), new RLock(), new Semaphore(2), new Condition(), new Event(), new Barrier(2)]) {
    assert.equal((await travel(handle)).constructor, handle.constructor);
  }
});

test("Python's positional acquire(False), acquire(True, 5) and wait(5) are TypeErrors naming the options object, not waits that ignore them", async () => {
  const refused = (call: string, given: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not ${given}` });
  for (const lock of [new Lock(), new RLock(), new Semaphore(0)]) {
    await assert.rejects(lock.acquire(false as never), refused("acquire", "false"));
    await assert.rejects(lock.acquire(true as never), refused("acquire", "true"));
    assert.throws(() => lock.acquireSync(false as never), refused("acquireSync", "false"));
  }
  const event = new Event();
  await assert.rejects(event.wait(5 as never), refused("wait", "5"));
  assert.throws(() => event.waitSync(5 as never), refused("waitSync", "5"));
  const barrier = new Barrier(2);
  await assert.rejects(barrier.wait(5 as never), refused("wait", "5"));
  assert.throws(() => barrier.waitSync(5 as never), refused("waitSync", "5"));
  assert.equal(barrier.nWaiting, 0, "nobody waits at the barrier");
  const cond = new Condition();
  await cond.withLock(async () => {
    await assert.rejects(cond.wait(5 as never), refused("wait", "5"));
    assert.throws(() => cond.waitSync(5 as never), refused("waitSync", "5"));
    await assert.rejects(cond.waitFor(() => false, 5 as never), refused("waitFor", "5"));
    assert.throws(() => cond.waitForSync(() => false, 5 as never), refused("waitForSync", "5"));
    assert.throws(() => cond.notify({ n: 2 } as never), { name: "TypeError", message: "notify() takes the number of waiters to wake, such as notify(2), not an object" });
  });
  await assert.rejects(event.wait({ timeout: "5" } as never), { name: "TypeError", message: 'timeout must be a number of milliseconds (undefined: no limit), not the string "5"' });
});
