/**
 * Fault injection at every labelled step (src/transport/step_hook.ts), on the runtime that
 * runs this script: for each label, a child (fault_worker.ts) parks at it, and is then
 * - `terminate`d (what Process.terminate does: the thread stops there),
 * - made to `exit` there (process.exit in the thread: no finally block runs), or
 * - `resume`d after the parent took its lock over: the parent marks it ended while its thread
 *   runs on (a terminated Deno worker), waits out the grace, takes over, then lets it go on:
 *   every atomic step it then tries must be fenced.
 * The parent then checks the exact outcome: which items were delivered (exactly once, in
 * order, the in-flight one or not as the label says), the item count back to 0 with the
 * bounded room back, the lock free or held by the parent, and the permits that come back.
 *
 *     npx deno run -A scripts/reliability/fault_matrix.ts        (or: npx bun …; node build/node/…)
 *
 * Prints one line per case and a summary; exits 1 on any unexpected outcome.
 * @module
 */
import { Worker } from "node:worker_threads";
import {
  allocateChildPid,
  ByteRing,
  confirmedStopped,
  currentPid,
  Feeder,
  isPidGone,
  markPidEnded,
  SemLock,
  SharedCounter,
  type StepLabel,
} from "../../src/internals.ts";
import { deadlineFrom } from "../../src/transport/wait.ts";
import { DONE, type FaultWorkerData, GATE, INFLIGHT, itemBytes, itemIndex, LOG, LOG_COUNT, PARKED, STATE } from "./fault_worker.ts";

type Mode = "terminate" | "exit" | "resume";
const MODES: Mode[] = ["terminate", "exit", "resume"];
const RING_BYTES = 256;
const ITEMS = 5;
const LIMIT = 4;

interface Case {
  role: FaultWorkerData["role"];
  label: StepLabel;
  hit: number;
  /** The checks after the child was ended at the label. */
  check: (mode: Mode, run: Run) => Promise<string | undefined>;
}

/** A started child and what it shares. */
interface Run {
  worker: Worker;
  pid: number;
  shared: Int32Array;
  ring?: ByteRing;
  lock?: SemLock;
  counter?: SharedCounter;
  exited: Promise<void>;
}

/** Producer labels: does the item in flight (index 1: the second put) reach the consumer? */
const producerCase = (label: StepLabel, hit: number, inflightDelivered: boolean): Case => ({
  role: "producer",
  label,
  hit,
  check: async (mode, run) => {
    const ring = run.ring!;
    const inflight = Atomics.load(run.shared, INFLIGHT);
    const got = drain(ring);
    const want = Array.from({ length: inflight + (inflightDelivered ? 1 : 0) }, (_, i) => i);
    if (got.join() !== want.join()) return `delivered [${got}], expected [${want}] (item ${inflight} in flight, ${mode})`;
    return ringWorksOn(ring);
  },
});

/** Consumer labels: is the item in flight (the second take) gone with the child? */
const consumerCase = (label: StepLabel, hit: number, inflightTaken: boolean): Case => ({
  role: "consumer",
  label,
  hit,
  check: async (_mode, run) => {
    const ring = run.ring!;
    const childGot = Array.from(run.shared.subarray(LOG, LOG + Atomics.load(run.shared, LOG_COUNT)));
    const got = drain(ring);
    const taken = Atomics.load(run.shared, INFLIGHT); // items the child took before the one in flight
    const want = Array.from({ length: ITEMS }, (_, i) => i).filter((i) => i >= taken + (inflightTaken ? 1 : 0));
    if (childGot.join() !== Array.from({ length: taken }, (_, i) => i).join()) {
      return `the child logged [${childGot}], expected the ${taken} before the one in flight`;
    }
    if (got.join() !== want.join()) return `the parent got [${got}], expected [${want}]`;
    return ringWorksOn(ring);
  },
});

/** Lock labels: the parent gets the lock at once, taken over (ownerDied) or not. */
const lockCase = (label: StepLabel, hit: number, held: boolean): Case => ({
  role: "lock",
  label,
  hit,
  check: async (mode, run) => {
    const lock = run.lock!;
    if (mode === "resume" && held) {
      // Taken over while the child still ran: its release must not free the parent's lock.
      return lock.holder() === currentPid() ? release(lock) : `the lock's holder is ${lock.holder()}, not the parent`;
    }
    if (!lock.acquireSync(deadlineFrom(2000))) return "the parent could not take the lock within 2 s";
    if (lock.ownerDied !== held) return `ownerDied ${lock.ownerDied}, expected ${held}`;
    return release(lock);
  },
});

/** Semaphore labels (2 permits): how many permits the parent gets back. */
const semaphoreCase = (label: StepLabel, hit: number, back: Record<Mode, number>): Case => ({
  role: "semaphore",
  label,
  hit,
  check: async (mode, run) => {
    const sem = run.lock!;
    let got = 0;
    while (got < 3 && sem.acquireSync(deadlineFrom(200))) got++;
    for (let i = 0; i < got; i++) sem.release();
    return got === back[mode] ? undefined : `${got} permits came back, expected ${back[mode]} (${mode})`;
  },
});

/** The shared counter: one decrement in flight was done; the count reaches 0 after the rest. */
const counterCase: Case = {
  role: "counter",
  label: "counter.done",
  hit: 2,
  check: async (mode, run) => {
    const counter = run.counter!;
    const left = mode === "resume" ? 0 : 1;
    if (counter.value !== left) return `count ${counter.value}, expected ${left}`;
    while (counter.tryDecrement());
    return (await counter.waitUntilZero(deadlineFrom(1000))) ? undefined : "waitUntilZero did not return";
  },
};

const CASES: Case[] = [
  producerCase("reserve.counted", 2, false),
  producerCase("publish.loaded", 2, false),
  producerCase("publish.logged", 2, false),
  producerCase("publish.written", 2, false),
  producerCase("publish.moved", 2, true),
  producerCase("publish.counted", 2, true),
  producerCase("feeder.buffered", 1, false),
  consumerCase("take.logged", 2, false),
  consumerCase("take.moved", 2, true),
  consumerCase("take.counted", 2, true),
  lockCase("lock.acquired", 2, true),
  lockCase("lock.released", 2, false),
  // A permit taken and not yet recorded, or taken off the holder's count and not yet
  // returned, is leaked by a kill (semlock.ts documents it); a thread that runs on returns it.
  semaphoreCase("permit.taken", 2, { terminate: 1, exit: 1, resume: 2 }),
  semaphoreCase("permit.returned", 2, { terminate: 1, exit: 1, resume: 2 }),
  counterCase,
];

function drain(ring: ByteRing): number[] {
  const got: number[] = [];
  for (let bytes; (bytes = ring.readSync(deadlineFrom(50)));) got.push(itemIndex(bytes, ring.capacity));
  return got;
}

/** The ring takes and gives an item, counts 0 after, and a bounded one has its room back. */
function ringWorksOn(ring: ByteRing): string | undefined {
  if (ring.itemCount() !== 0) return `itemCount() ${ring.itemCount()} after the drain`;
  const feeder = new Feeder(ring);
  for (let i = 0; i < LIMIT; i++) {
    if (!ring.tryReserve(LIMIT)) return `room for ${i} items, not ${LIMIT}`;
    feeder.push(itemBytes(10 + i, RING_BYTES));
  }
  if (ring.tryReserve(LIMIT)) return `room for more than ${LIMIT} items`;
  const got = drain(ring);
  if (got.join() !== "10,11,12,13") return `after: got [${got}]`;
  return ring.itemCount() === 0 ? undefined : `itemCount() ${ring.itemCount()} at the end`;
}

function release(lock: SemLock): string | undefined {
  lock.release();
  return lock.holder() === 0 ? undefined : "the lock is not free after the parent released it";
}

function start(c: Case, mode: Mode): Run {
  const table = allocateChildPid();
  const shared = new Int32Array(new SharedArrayBuffer(4 * (LOG + 64)));
  const run: Partial<Run> = { pid: table.pid, shared };
  const data: FaultWorkerData = { table, shared: shared.buffer as SharedArrayBuffer, role: c.role, label: c.label, hit: c.hit, count: ITEMS, limit: LIMIT };
  if (c.role === "producer" || c.role === "consumer") {
    run.ring = new ByteRing(RING_BYTES);
    data.ring = run.ring.toState();
    data.limit = c.role === "producer" ? LIMIT : Infinity;
    if (c.role === "consumer") {
      const feeder = new Feeder(run.ring); // written as the child reads (item 2 streams)
      for (let i = 0; i < ITEMS; i++) {
        run.ring.tryReserve(Infinity);
        feeder.push(itemBytes(i, RING_BYTES));
      }
    }
  } else if (c.role === "counter") {
    run.counter = new SharedCounter();
    for (let i = 0; i < 3; i++) run.counter.increment();
    data.counter = run.counter.toState();
    data.count = 3;
  } else {
    run.lock = c.role === "lock" ? new SemLock("lock", 1, 1) : new SemLock("semaphore", 2, 2);
    data.lock = run.lock.toState();
    data.count = 3;
  }
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const worker = new Worker(new URL(`./fault_worker${ext}`, import.meta.url), { workerData: data });
  run.worker = worker;
  run.exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("error", () => {});
  return run as Run;
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out (${ms} ms) waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** What the parent does after the grace, before the child resumes (resume mode): take over. */
function takeOver(c: Case, run: Run): void {
  if (run.ring) run.ring.itemCount(); // takes the side locks of ended processes over (repairs)
  else if (c.label === "lock.acquired" && !run.lock!.acquireSync(deadlineFrom(2000))) throw new Error("no takeover within 2 s");
}

async function runCase(c: Case, mode: Mode): Promise<string | undefined> {
  const run = start(c, mode);
  try {
    await until(() => Atomics.load(run.shared, STATE) !== 0, 10_000, `the child parks at ${c.label}`);
    if (Atomics.load(run.shared, STATE) !== PARKED) return `the child never reached ${c.label} #${c.hit}`;
    if (mode === "terminate") {
      await run.worker.terminate();
      markPidEnded(run.pid);
    } else if (mode === "exit") {
      Atomics.store(run.shared, GATE, -1);
      Atomics.notify(run.shared, GATE);
      await run.exited;
      markPidEnded(run.pid);
    } else {
      markPidEnded(run.pid, true); // ended, its thread still running (Deno)
      await until(() => isPidGone(run.pid), 2000, "the grace passes");
      takeOver(c, run);
      Atomics.store(run.shared, GATE, 1);
      Atomics.notify(run.shared, GATE);
      await until(() => confirmedStopped(run.pid) || Atomics.load(run.shared, STATE) === DONE, 5000, "the resumed child stops");
    }
    return await c.check(mode, run);
  } finally {
    await run.worker.terminate();
    markPidEnded(run.pid);
  }
}

if ((import.meta as { main?: boolean }).main ?? true) {
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  const started = performance.now();
  let failures = 0, cases = 0;
  for (const c of CASES) {
    for (const mode of MODES) {
      if (c.role === "counter" && mode === "resume") continue; // the counter has no haltIfEnded: a resumed thread goes on
      cases++;
      let problem: string | undefined;
      try {
        problem = await runCase(c, mode);
      } catch (error) {
        problem = `threw ${(error as Error).stack ?? error}`;
      }
      if (problem) failures++;
      console.log(`${problem ? "FAIL" : "ok  "} ${runtime} ${c.label.padEnd(16)} #${c.hit} ${mode.padEnd(9)} ${problem ?? ""}`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fault matrix ${runtime}: ${cases} cases (${CASES.length} labels x ${MODES.join("/")}), ${failures} unexpected outcomes, ${seconds} s`);
  if (failures > 0) (globalThis as unknown as { process: { exitCode: number } }).process.exitCode = 1;
}
