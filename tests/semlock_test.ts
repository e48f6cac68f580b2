import { test } from "node:test";
import assert from "node:assert/strict";
import { ValueError } from "../mod.ts";
import { SemLock } from "../src/transport/semlock.ts";
import { deadlineFrom } from "../src/transport/wait.ts";
import { endWorker, nextMessage, startWorker, workerExit } from "./fixtures/workers.ts";

const soon = (): number => deadlineFrom(5000);

test("a lock is acquired once, refused while held, and free again after release", () => {
  const lock = new SemLock("lock", 1, 1);
  assert.equal(lock.tryAcquire(), true);
  assert.equal(lock.locked(), true);
  assert.equal(lock.isMine(), true);
  assert.equal(lock.tryAcquire(), false, "a Lock is not recursive");
  assert.equal(lock.acquireSync(deadlineFrom(0)), false);
  lock.release();
  assert.equal(lock.locked(), false);
  assert.equal(lock.getValue(), 1);
});

test("releasing a free lock is a ValueError", () => {
  const lock = new SemLock("lock", 1, 1);
  assert.throws(() => lock.release(), { name: "ValueError", message: "semaphore or lock released too many times" });
  assert.throws(() => lock.release(), ValueError);
});

test("an async acquire waits for the holder's release without blocking the event loop", async () => {
  const lock = new SemLock("lock", 1, 1);
  assert.equal(lock.tryAcquire(), true);
  const waiting = lock.acquire(soon());
  let ticks = 0;
  await new Promise<void>((resolve) => setTimeout(() => (ticks++, resolve()), 5));
  assert.equal(ticks, 1, "the event loop kept running");
  lock.release();
  assert.equal(await waiting, true);
  assert.equal(lock.locked(), true);
  lock.release();
});

test("an async acquire gives up at its deadline with false", async () => {
  const lock = new SemLock("lock", 0, 1);
  const started = performance.now();
  assert.equal(await lock.acquire(deadlineFrom(50)), false);
  assert.ok(performance.now() - started >= 45);
});

test("an aborted acquire rejects with the signal's reason", async () => {
  const lock = new SemLock("lock", 0, 1);
  const controller = new AbortController();
  const waiting = lock.acquire(Infinity, controller.signal);
  controller.abort(new Error("stop waiting"));
  await assert.rejects(waiting, { message: "stop waiting" });
  assert.throws(() => controller.signal.throwIfAborted());
  await assert.rejects(lock.acquire(Infinity, controller.signal), { message: "stop waiting" });
});

test("an rlock is recursive for its owner and needs as many releases", () => {
  const rlock = new SemLock("rlock", 1, 1);
  assert.equal(rlock.tryAcquire(), true);
  assert.equal(rlock.tryAcquire(), true);
  assert.equal(rlock.count(), 2);
  rlock.release();
  assert.equal(rlock.locked(), true);
  rlock.release();
  assert.equal(rlock.locked(), false);
  assert.throws(() => rlock.release(), { name: "ValueError", message: "cannot release un-acquired lock" });
});

test("a semaphore hands out its permits, and release(n) returns several", () => {
  const sem = new SemLock("semaphore", 2, 2);
  assert.equal(sem.tryAcquire(), true);
  assert.equal(sem.tryAcquire(), true);
  assert.equal(sem.tryAcquire(), false);
  assert.equal(sem.getValue(), 0);
  sem.release(2);
  assert.equal(sem.getValue(), 2);
  assert.throws(() => sem.release(), { name: "ValueError", message: "semaphore or lock released too many times" });
  assert.equal(sem.getValue(), 2, "a refused release changes nothing");
  assert.throws(() => sem.release(0), ValueError);
});

test("bad initial values are ValueErrors", () => {
  assert.throws(() => new SemLock("semaphore", -1, 5), { name: "ValueError", message: /initial value.*got -1/ });
  assert.throws(() => new SemLock("semaphore", 3, 2), ValueError);
  assert.throws(() => new SemLock("lock", 2, 1), ValueError);
});

test("a lock rebuilt from its state shares the same memory", () => {
  const lock = new SemLock("rlock", 1, 1);
  const twin = SemLock.fromState(lock.toState());
  assert.equal(lock.tryAcquire(), true);
  assert.equal(twin.locked(), true);
  assert.equal(twin.kind, "rlock");
});

for (const mode of ["hammer", "hammerAsync"]) {
  test(`two workers hammering one lock (${mode}) never overlap and never stall`, async () => {
    const lock = new SemLock("lock", 1, 1);
    const counter = new SharedArrayBuffer(4);
    const rounds = 20_000;
    const workers = [0, 1].map(() => startWorker("lock_worker", { lock: lock.toState(), mode, rounds, counter }));
    try {
      await Promise.all(workers.map(({ worker }) => nextMessage(worker)));
      assert.equal(new Int32Array(counter)[0], 2 * rounds);
      assert.equal(lock.locked(), false);
    } finally {
      await Promise.all(workers.map(endWorker));
    }
  });
}

test("a semaphore's permits pass between two hammering workers with none lost", async () => {
  const sem = new SemLock("semaphore", 1, 1);
  const counter = new SharedArrayBuffer(4);
  const rounds = 10_000;
  const modes = ["hammer", "hammerAsync"];
  const workers = modes.map((mode) => startWorker("lock_worker", { lock: sem.toState(), mode, rounds, counter }));
  try {
    await Promise.all(workers.map(({ worker }) => nextMessage(worker)));
    assert.equal(new Int32Array(counter)[0], 2 * rounds);
    assert.equal(sem.getValue(), 1);
  } finally {
    await Promise.all(workers.map(endWorker));
  }
});

for (const kind of ["lock", "rlock"] as const) {
  test(`a ${kind} held by a terminated process is taken over, with ownerDied once`, async () => {
    const lock = new SemLock(kind, 1, 1);
    const holder = startWorker("lock_worker", { lock: lock.toState(), mode: "hold" });
    try {
      assert.equal(await nextMessage(holder.worker), "held");
      assert.equal(lock.tryAcquire(), false);
    } finally {
      await endWorker(holder);
    }
    assert.equal(await lock.acquire(soon()), true);
    assert.equal(lock.ownerDied, true);
    assert.equal(lock.isMine(), true);
    lock.release();
    assert.equal(lock.acquireSync(soon()), true);
    assert.equal(lock.ownerDied, false, "only the acquire that recovered it is told");
    lock.release();
  });
}

test("a waiter blocked on a holder that crashes takes the lock over", async () => {
  const lock = new SemLock("lock", 1, 1);
  const holder = startWorker("lock_worker", { lock: lock.toState(), mode: "crash" });
  const exited = workerExit(holder);
  assert.equal(await nextMessage(holder.worker), "held");
  const waiting = lock.acquire(soon());
  holder.worker.postMessage("crash now");
  await exited; // (Bun reports a worker's uncaught error as exit code 0: the code is not the point)
  assert.equal(await waiting, true);
  assert.equal(lock.ownerDied, true);
  lock.release();
});

test("a lock held by a process that exited normally is recovered by acquireSync", async () => {
  const lock = new SemLock("lock", 1, 1);
  const holder = startWorker("lock_worker", { lock: lock.toState(), mode: "exit" });
  const exited = workerExit(holder);
  assert.equal(await nextMessage(holder.worker), "held");
  assert.equal(await exited, 0);
  assert.equal(lock.acquireSync(soon()), true);
  assert.equal(lock.ownerDied, true);
  lock.release();
});

test("semaphore permits held by a terminated process are returned", async () => {
  const sem = new SemLock("semaphore", 2, 2);
  const holder = startWorker("lock_worker", { lock: sem.toState(), mode: "hold" });
  try {
    assert.equal(await nextMessage(holder.worker), "held");
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.ownerDied, false);
    assert.equal(sem.tryAcquire(), false);
  } finally {
    await endWorker(holder);
  }
  assert.equal(await sem.acquire(soon()), true);
  assert.equal(sem.ownerDied, true);
  assert.equal(sem.getValue(), 0);
  sem.release(2);
  assert.equal(sem.getValue(), 2);
});

test("a signalling semaphore (released by one process, acquired by another) returns nothing on death", async () => {
  const sem = new SemLock("semaphore", 0, 10);
  sem.release(); // a signal: nobody owns it
  const taker = startWorker("lock_worker", { lock: sem.toState(), mode: "hold" });
  try {
    assert.equal(await nextMessage(taker.worker), "held");
  } finally {
    await endWorker(taker);
  }
  assert.equal(await sem.acquire(deadlineFrom(150)), false, "the consumed signal is not handed out again");
  assert.equal(sem.getValue(), 0);
});
