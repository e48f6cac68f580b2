/**
 * The child of the fault matrix (fault_matrix.ts): a raw worker that joins the process table,
 * sets the step hook to park at the `hit`-th occurrence of `label`, and then plays its role:
 * - `producer`: puts items 0, 1, … (item 2 larger than the ring: it streams) as a queue does
 *   (reserve, then write now or buffer in a feeder), storing the index of the item it works
 *   on in `shared[INFLIGHT]`;
 * - `consumer`: takes items until it has `count`, logging each index in `shared[LOG…]`;
 * - `lock` / `semaphore`: acquires and releases; `counter`: decrements a shared counter.
 * When it parks it stores PARKED in `shared[STATE]` and waits on `shared[GATE]`: 1 goes on,
 * -1 exits the thread right there (process.exit: no finally block runs).
 * @module
 */
import process from "node:process";
import { workerData } from "node:worker_threads";
import {
  adoptProcessTable,
  ByteRing,
  Feeder,
  type RingState,
  SemLock,
  type SemLockState,
  setStepHook,
  SharedCounter,
  type StepLabel,
} from "../../src/internals.ts";
import { deadlineFrom } from "../../src/transport/wait.ts";

/** Words of `shared`. */
export const STATE = 0, GATE = 1, INFLIGHT = 2, LOG_COUNT = 3, LOG = 4;
export const RUNNING = 0, PARKED = 1, DONE = 2;

export interface FaultWorkerData {
  table: Parameters<typeof adoptProcessTable>[0];
  shared: SharedArrayBuffer;
  role: "producer" | "consumer" | "lock" | "semaphore" | "counter";
  label: StepLabel;
  hit: number;
  count: number;
  limit: number;
  ring?: RingState;
  lock?: SemLockState;
  counter?: { buffer: SharedArrayBuffer };
}

/** Item `i`'s bytes: its index in the first 4 bytes, then a pattern. */
export function itemBytes(i: number, ringBytes: number): Uint8Array {
  const bytes = new Uint8Array(i === 2 ? ringBytes * 3 : 16 + (i % 5) * 8);
  new DataView(bytes.buffer).setInt32(0, i);
  for (let k = 4; k < bytes.length; k++) bytes[k] = (k + i) & 255;
  return bytes;
}

export function itemIndex(bytes: Uint8Array, ringBytes: number): number {
  const i = new DataView(bytes.buffer, bytes.byteOffset).getInt32(0);
  const expected = itemBytes(i, ringBytes);
  if (expected.length !== bytes.length) return -1;
  for (let k = 4; k < bytes.length; k++) if (bytes[k] !== expected[k]) return -1;
  return i;
}

if (workerData?.role) {
  const data = workerData as FaultWorkerData;
  adoptProcessTable(data.table);
  const shared = new Int32Array(data.shared);
  let seen = 0;
  setStepHook((label) => {
    if (label !== data.label || ++seen !== data.hit) return;
    Atomics.store(shared, STATE, PARKED);
    Atomics.notify(shared, STATE);
    while (Atomics.load(shared, GATE) === 0) Atomics.wait(shared, GATE, 0, 100);
    if (Atomics.load(shared, GATE) < 0) process.exit(1);
  });
  run(data, shared);
  Atomics.store(shared, STATE, DONE);
  Atomics.notify(shared, STATE);
}

function run(data: FaultWorkerData, shared: Int32Array): void {
  if (data.role === "producer") {
    const ring = ByteRing.fromState(data.ring!);
    const feeder = new Feeder(ring);
    for (let i = 0; i < data.count; i++) {
      Atomics.store(shared, INFLIGHT, i);
      if (!ring.reserveSync(data.limit, deadlineFrom(10_000))) throw new Error("no room within 10 s");
      feeder.push(itemBytes(i, ring.capacity));
      if (!feeder.flushSync(deadlineFrom(10_000), () => false)) throw new Error("not written within 10 s");
    }
  } else if (data.role === "consumer") {
    const ring = ByteRing.fromState(data.ring!);
    for (let n = 0; n < data.count; n++) {
      Atomics.store(shared, INFLIGHT, n);
      const bytes = ring.readSync(deadlineFrom(10_000));
      if (!bytes) throw new Error("nothing to read within 10 s");
      shared[LOG + n] = itemIndex(bytes, ring.capacity);
      Atomics.add(shared, LOG_COUNT, 1);
    }
  } else if (data.role === "lock" || data.role === "semaphore") {
    const lock = SemLock.fromState(data.lock!);
    for (let n = 0; n < data.count; n++) {
      if (!lock.acquireSync(deadlineFrom(10_000))) throw new Error("not acquired within 10 s");
      lock.release();
    }
  } else {
    const counter = new SharedCounter(data.counter!);
    for (let n = 0; n < data.count; n++) counter.tryDecrement();
  }
}
