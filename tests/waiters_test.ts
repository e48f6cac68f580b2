import { test } from "node:test";
import assert from "node:assert/strict";
import { allocateChildPid, markPidEnded } from "../src/transport/liveness.ts";
import { WAITER_SLOTS, WaiterQueue } from "../src/transport/waiters.ts";

/** Makes `queue` see the waiter in `slot` as one whose process ended (the pid follows the state word). */
function endWaiterProcess(queue: WaiterQueue, slot: number): void {
  const { pid } = allocateChildPid();
  markPidEnded(pid);
  queue.words[slot + 1] = pid;
}

test("notify reaches the oldest waiters first, once each", () => {
  const queue = new WaiterQueue();
  const [first, second, third] = [queue.enqueue(), queue.enqueue(), queue.enqueue()];
  assert.equal(queue.notify(2), 2);
  assert.equal(queue.isWaiting(first), false);
  assert.equal(queue.isWaiting(second), false);
  assert.equal(queue.isWaiting(third), true);
  assert.equal(queue.leave(first), true);
  assert.equal(queue.leave(second), true);
  assert.equal(queue.leave(third), false, "timed out: not notified");
  assert.equal(queue.notify(1), 0, "nobody is left");
});

test("notify(n) with n <= 0 or NaN notifies nobody, as Python's loop", () => {
  const queue = new WaiterQueue();
  const waiter = queue.enqueue();
  for (const n of [0, -1, NaN]) assert.equal(queue.notify(n), 0, `notify(${n})`);
  assert.equal(queue.isWaiting(waiter), true);
  assert.equal(queue.notify(Infinity), 1);
});

test("the order survives the ticket counter wrapping around", () => {
  const queue = new WaiterQueue();
  queue.words[0] = 2 ** 30 - 1; // the next ticket is the last one before the wrap
  const older = queue.enqueue();
  const younger = queue.enqueue();
  assert.equal(queue.notify(1), 1);
  assert.equal(queue.leave(older), true);
  assert.equal(queue.leave(younger), false);
});

test("a waiter that left is skipped: the notification reaches the next one", () => {
  const queue = new WaiterQueue();
  const gone = queue.enqueue();
  const next = queue.enqueue();
  assert.equal(queue.leave(gone), false);
  assert.equal(queue.notify(1), 1);
  assert.equal(queue.leave(next), true);
});

test("a waiter whose process ended is skipped, and cannot take the notification of the waiter that took over its slot", () => {
  const queue = new WaiterQueue();
  const ended = queue.enqueue();
  endWaiterProcess(queue, ended.slot);
  // On Deno an ended worker's thread may still run this waiter's code: it must find its slot gone.
  const successor = queue.enqueue();
  assert.equal(successor.slot, ended.slot, "the slot of the ended waiter is taken over");
  assert.equal(queue.isWaiting(ended), false);
  assert.equal(queue.notify(1), 1);
  assert.equal(queue.leave(ended), false, "the ended waiter does not see the notification as its own");
  assert.equal(queue.isWaiting(successor), false);
  assert.equal(queue.leave(successor), true, "the live waiter keeps its notification");
});

test("a full queue refuses another waiter with a clear error", () => {
  const queue = new WaiterQueue();
  const waiters = Array.from({ length: WAITER_SLOTS }, () => queue.enqueue());
  assert.throws(() => queue.enqueue(), { message: `more than ${WAITER_SLOTS} waiters on one Condition: wait on fewer at once` });
  for (const waiter of waiters) queue.leave(waiter);
  assert.equal(queue.leave(queue.enqueue()), false, "slots are free again");
});
