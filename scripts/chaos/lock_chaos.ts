/**
 * Lock chaos, in the spirit of glibc's tst-robust8: children hammer a set of Locks, RLocks
 * and Semaphores (blocking, timed, non-blocking; sync and async), each recording what it holds,
 * while the main process terminates a random child every few milliseconds and starts another.
 * At the end of each round every child is terminated and the main process must take every
 * lock (ownerDied allowed) and every permit within a second.
 *
 * FORBIDDEN (must be 0): two live holders of a lock, more live holders of a semaphore than its
 * permits, a lock the main process cannot take, a permit that does not come back, a hang.
 * (semlock.ts documents one window where a permit could leak: between taking it and counting
 * it, which has no call where a terminate lands; it did leak about 1 in 170 kills on Bun when
 * it had one.)
 *
 *     npx deno run -A scripts/chaos/lock_chaos.ts [--rounds 4] [--round-ms 1500] [--children 4] [--seed N]
 * @module
 */

import { BoundedSemaphore, isMain, Lock, Process, RLock, Semaphore } from "../../mod.ts";
import { commandLineArgs, failIf, numberOption, runtimeName } from "./cli.ts";

const LOCKS = 12;
/** Most children one round starts (each gets a slot of its own, never reused). */
const MAX_SPAWNS = 1024;
/** Per lock: a Lock, an RLock, a Semaphore(2) or a BoundedSemaphore(3), in turn. */
const CAPACITY = [1, 1, 2, 3];
type AnyLock = Lock | RLock | Semaphore;

/** Shared words: per child slot, per lock, how many it holds; per child slot, alive (1) or not. */
function holdingIndex(child: number, lock: number): number {
  return child * LOCKS + lock;
}

/**
 * A child: forever picks a lock and takes it (blocking with a timeout, or not at all), checks
 * that the live holders (its own count included) stay within the capacity, holds it a moment,
 * releases it. Violations are counted in `report[0]`, takeovers in `report[1]`.
 */
export async function hammer(locks: AnyLock[], words: SharedArrayBuffer, alive: SharedArrayBuffer, report: SharedArrayBuffer, slot: number, seed: number): Promise<void> {
  const holding = new Int32Array(words);
  const live = new Int32Array(alive);
  const counts = new Int32Array(report);
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (;;) {
    const k = Math.floor(next() * LOCKS);
    const lock = locks[k];
    const how = next();
    const took = how < 0.3 ? lock.acquireSync({ timeout: 20 }) : how < 0.6 ? await lock.acquire({ timeout: 20 }) : lock.acquireSync({ block: false });
    if (!took) continue;
    if (lock.ownerDied) Atomics.add(counts, 1, 1);
    Atomics.add(holding, holdingIndex(slot, k), 1);
    let holders = 0;
    for (let c = 0; c < live.length; c++) if (Atomics.load(live, c) === 1) holders += Atomics.load(holding, holdingIndex(c, k));
    if (holders > CAPACITY[k % CAPACITY.length]) Atomics.add(counts, 0, 1);
    if (next() < 0.3) await new Promise((resolve) => setTimeout(resolve, 0));
    Atomics.sub(holding, holdingIndex(slot, k), 1);
    lock.release();
  }
}

function makeLocks(): AnyLock[] {
  return Array.from({ length: LOCKS }, (_, k) => {
    switch (k % CAPACITY.length) {
      case 0: return new Lock();
      case 1: return new RLock();
      case 2: return new Semaphore(2);
      default: return new BoundedSemaphore(3);
    }
  });
}

/** What a run saw. */
export interface LockChaosFigures {
  runtime: string;
  rounds: number;
  kills: number;
  takeovers: number;
  violations: number;
  locksNotTaken: number;
  permitsLeaked: number;
  hangs: number;
}

export async function runLockChaos(rounds: number, roundMs: number, children: number, seed: number): Promise<LockChaosFigures> {
  let state = seed >>> 0 || 1;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const figures: LockChaosFigures = { runtime: runtimeName(), rounds, kills: 0, takeovers: 0, violations: 0, locksNotTaken: 0, permitsLeaked: 0, hangs: 0 };
  for (let round = 0; round < rounds; round++) {
    const locks = makeLocks();
    const words = new SharedArrayBuffer(4 * MAX_SPAWNS * LOCKS);
    const alive = new SharedArrayBuffer(4 * MAX_SPAWNS);
    const report = new SharedArrayBuffer(8);
    const live = new Int32Array(alive);
    const running: { child: Process; slot: number }[] = [];
    const dying: Process[] = [];
    let spawned = 0;
    const startChild = (at: number) => {
      const slot = spawned++;
      if (slot >= MAX_SPAWNS) throw new Error("too many children in one round");
      Atomics.store(live, slot, 1);
      const child = new Process({ target: hammer, args: [locks, words, alive, report, slot, Math.floor(rand() * 2 ** 31)] });
      child.start();
      running[at] = { child, slot };
    };
    const kill = (at: number) => {
      const { child, slot } = running[at];
      Atomics.store(live, slot, 0); // first: its holdings stop counting as live
      child.terminate();
      dying.push(child);
      figures.kills++;
    };
    for (let c = 0; c < children; c++) startChild(c);
    const ends = performance.now() + roundMs;
    while (performance.now() < ends) {
      await new Promise((resolve) => setTimeout(resolve, 10 + rand() * 30));
      const at = Math.floor(rand() * children);
      kill(at);
      startChild(at);
    }
    for (let c = 0; c < children; c++) kill(c);
    for (const child of dying) {
      await child.join({ timeout: 10_000 });
      if (child.isAlive()) figures.hangs++;
    }
    const counts = new Int32Array(report);
    figures.violations += Atomics.load(counts, 0);
    figures.takeovers += Atomics.load(counts, 1);
    // Every lock and permit, each within a second: a permit whose holder was killed comes
    // back once a waiter sees its holder gone, which on a loaded machine took over 100 ms.
    for (const [k, lock] of locks.entries()) {
      const capacity = CAPACITY[k % CAPACITY.length];
      let got = 0;
      while (got < capacity && lock.acquireSync({ timeout: 1000 })) got++;
      if (got === 0) figures.locksNotTaken++;
      else figures.permitsLeaked += capacity - got;
      for (let i = 0; i < got; i++) lock.release();
    }
  }
  return figures;
}

export function lockChaosPassed(f: LockChaosFigures): boolean {
  return f.violations === 0 && f.locksNotTaken === 0 && f.hangs === 0 && f.permitsLeaked === 0;
}

export function describeLockChaos(f: LockChaosFigures): string {
  return `${lockChaosPassed(f) ? "PASS" : "FAIL"} lock-chaos ${f.runtime} rounds=${f.rounds} kills=${f.kills} takeovers=${f.takeovers} ` +
    `violations=${f.violations} locks-not-taken=${f.locksNotTaken} permits-leaked=${f.permitsLeaked} hangs=${f.hangs}`;
}

if (isMain(import.meta)) {
  const args = commandLineArgs();
  const option = (name: string, fallback: number) => numberOption(args, name, fallback);
  const figures = await runLockChaos(option("rounds", 4), option("round-ms", 1500), option("children", 4), option("seed", Date.now() % 100_000));
  console.log(describeLockChaos(figures));
  failIf(!lockChaosPassed(figures));
}
