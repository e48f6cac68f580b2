/**
 * `bench/manager` (issue 14): a manager's proxy round trip (`d.get`), 4 processes setting keys
 * of one managed dict, and attaching shared memory by name in a child, beside Python's
 * `Manager()` and `SharedMemory` doing the same (`bench/python/manager_baseline.py`). Process
 * start-up is never timed: children wait at a barrier first.
 * @module
 */

import {
  Barrier,
  type Connection,
  type DictProxy,
  Manager,
  Pipe,
  Process,
  Queue,
  SharedMemory,
} from "../mod.ts";
import { type BenchCase, LIBRARY, median, medianOfRepeats, perSecond, type RunContext, sizeFor } from "./lib.ts";
import { MANAGER, SIZES } from "./workloads.ts";

/** Median µs of `trips` timed calls of `call`, after `warmups` untimed ones. */
async function medianCallUs(trips: number, warmups: number, call: () => unknown): Promise<number> {
  for (let i = 0; i < warmups; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < trips; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return median(samples) * 1000;
}

/** The child of the sync round trip: times `d.getSync` and sends the median µs back. */
export async function syncRoundTrips(d: DictProxy<string, number>, trips: number, warmups: number, result: Connection<number>): Promise<void> {
  result.send(await medianCallUs(trips, warmups, () => d.getSync("a")));
  result.close();
}

/** One of the setting children: waits at the barrier, sets `count` keys, says it is done. */
export async function setKeys(d: DictProxy<string, number>, worker: number, count: number, start: Barrier, done: Queue<number>): Promise<void> {
  await start.wait();
  for (let i = 0; i < count; i++) d.setSync(`${worker}:${i}`, i);
  await done.put(worker);
}

/** The attaching child: attaches every name, timing each, and sends the median µs back. */
export function attachEach(names: string[], result: Connection<number>): void {
  const samples: number[] = [];
  for (const name of names) {
    const start = performance.now();
    const shm = new SharedMemory(name);
    samples.push(performance.now() - start);
    shm.close();
  }
  result.send(median(samples) * 1000);
  result.close();
}

/** Runs `target` in a child with a pipe for its one result, which it resolves with. */
async function childResult(target: (...args: never[]) => unknown, args: unknown[]): Promise<number> {
  const [reader, writer] = Pipe<number>(false);
  const p = new Process({ target, args: [...args, writer] });
  p.start();
  writer.close();
  const value = await reader.recv();
  await p.join();
  return value;
}

async function setThroughput(ctx: RunContext, d: DictProxy<string, number>): Promise<number> {
  const processes = sizeFor(ctx, SIZES.managerSetProcesses);
  const count = sizeFor(ctx, SIZES.managerSetsPerProcess);
  const ms = await medianOfRepeats(ctx, async () => {
    const start = new Barrier(processes + 1);
    const done = new Queue<number>();
    const workers = Array.from({ length: processes }, (_, i) => new Process({ target: setKeys, args: [d, i, count, start, done] }));
    for (const worker of workers) worker.start();
    await start.wait();
    const began = performance.now();
    for (let i = 0; i < processes; i++) await done.get();
    const elapsed = performance.now() - began;
    for (const worker of workers) await worker.join();
    return elapsed;
  });
  return perSecond(processes * count, ms);
}

async function attachMedianUs(ctx: RunContext): Promise<number> {
  const blocks = Array.from({ length: sizeFor(ctx, SIZES.shmAttaches) }, () => new SharedMemory({ create: true, size: 64 }));
  try {
    return await childResult(attachEach, [blocks.map((block) => block.name)]);
  } finally {
    for (const block of blocks) block.unlink();
  }
}

/** The library's cases (impl `LIBRARY`, workloads `MANAGER.*`). */
export const cases: BenchCase[] = [
  {
    impl: LIBRARY,
    async run(ctx) {
      await using manager = await Manager();
      const d = await manager.dict<string, number>({ a: 1 });
      const trips = sizeFor(ctx, SIZES.roundTrips);
      const warmups = sizeFor(ctx, SIZES.roundTripWarmups);
      return {
        [MANAGER.getRoundTrip.id]: await medianCallUs(trips, warmups, () => d.get("a")),
        [MANAGER.getRoundTripSync.id]: await childResult(syncRoundTrips, [d, trips, warmups]),
        [MANAGER.set4x10k.id]: await setThroughput(ctx, d),
        [MANAGER.shmAttach.id]: await attachMedianUs(ctx),
      };
    },
  },
];
