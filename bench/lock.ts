/**
 * `bench/lock` (issue 4): Lock acquire + release per second, uncontended and with 2
 * processes contending, beside Python's `multiprocessing.Lock` (no raw baseline).
 * The contended case mirrors the Python baseline: two child processes loop on
 * `acquireSync`/`release`, and wait at a Barrier before and after, so that process start
 * and exit are not timed.
 * @module
 */

import { Barrier, Lock, Process } from "../mod.ts";
import { type BenchCase, LIBRARY, medianMs, perSecond, type RunContext, type Size, sizeFor } from "./lib.ts";
import { LOCK } from "./workloads.ts";

const UNCONTENDED_OPS: Size = { full: 1_000_000, quick: 100_000 };
const CONTENDED_OPS_PER_PROCESS: Size = { full: 200_000, quick: 20_000 };
const REPEATS = 5;

/** A contending child: `count` times acquire and release `lock`, between two barrier waits. */
export function hammerLock(lock: Lock, barrier: Barrier, count: number): void {
  barrier.waitSync();
  for (let i = 0; i < count; i++) {
    lock.acquireSync();
    lock.release();
  }
  barrier.waitSync();
}

async function uncontendedAsyncMs(count: number): Promise<number> {
  const lock = new Lock();
  return await medianMs(REPEATS, async () => {
    for (let i = 0; i < count; i++) {
      await lock.acquire();
      lock.release();
    }
  }, 1);
}

async function uncontendedSyncMs(count: number): Promise<number> {
  const lock = new Lock();
  return await medianMs(REPEATS, () => {
    for (let i = 0; i < count; i++) {
      lock.acquireSync();
      lock.release();
    }
  }, 1);
}

/** Two processes hammering one Lock: milliseconds from both starting their loop to both ending it. */
async function contendedMs(countPerProcess: number): Promise<number> {
  const lock = new Lock();
  const barrier = new Barrier(3);
  const children = [0, 1].map(() => new Process({ target: hammerLock, args: [lock, barrier, countPerProcess] }));
  for (const child of children) child.start();
  try {
    await barrier.wait({ timeout: 60_000 });
    const start = performance.now();
    await barrier.wait({ timeout: 600_000 });
    return performance.now() - start;
  } finally {
    for (const child of children) await child.join();
  }
}

async function contendedOpsPerSecond(ctx: RunContext): Promise<number> {
  const perProcess = sizeFor(ctx, CONTENDED_OPS_PER_PROCESS);
  const samples: number[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) samples.push(await contendedMs(perProcess));
  samples.sort((a, b) => a - b);
  return perSecond(2 * perProcess, samples[samples.length >> 1]);
}

/** The library's cases (impl `LIBRARY`, workloads `LOCK.*`); `acquireSync` is shown as its own line. */
export const cases: BenchCase[] = [
  {
    impl: LIBRARY,
    async run(ctx) {
      const count = sizeFor(ctx, UNCONTENDED_OPS);
      return {
        [LOCK.uncontended.id]: perSecond(count, await uncontendedAsyncMs(count)),
        [LOCK.contended.id]: await contendedOpsPerSecond(ctx),
      };
    },
  },
  {
    impl: "library acquireSync",
    async run(ctx) {
      const count = sizeFor(ctx, UNCONTENDED_OPS);
      return { [LOCK.uncontended.id]: perSecond(count, await uncontendedSyncMs(count)) };
    },
  },
];
