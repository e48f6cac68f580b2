/**
 * `bench/queue` (issue 3): Queue and JoinableQueue throughput beside raw one-way
 * `postMessage` and Python's `multiprocessing.Queue`/`JoinableQueue`.
 * @module
 */

import { Barrier, JoinableQueue, Process, Queue } from "../mod.ts";
import { type BenchCase, LIBRARY, median, megabytesPerSecond, perSecond, type RunContext, siblingModule, sizeFor } from "./lib.ts";
import { oneWayBatchCase, oneWayBytesCases, oneWaySmallCases } from "./raw/postmessage.ts";
import { consumeJoinable, consumeUntilNull, produceBytes, produceReadings, produceSmall } from "./queue_workers.ts";
import { BYTES_ITEM_SIZE, QUEUE, SIZES, smallItem } from "./workloads.ts";

const WORKERS = siblingModule(import.meta.url, "./queue_workers");

/** Starts a child process running `target(...args)` from `queue_workers`. */
function start(target: (...args: never[]) => unknown, args: unknown[]): Process {
  const child = new Process({ target: target as (...args: unknown[]) => unknown, args, module: WORKERS });
  child.start();
  return child;
}

/** Median of `repeats` timed runs of `once`. */
async function medianOf(ctx: RunContext, once: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = sizeFor(ctx, SIZES.repeats); i > 0; i--) samples.push(await once());
  return median(samples);
}

/** Untimed items a 1 → 1 producer moves first (JIT warm-up, as the raw baselines do). */
const WARMUP = { small: 1000, bytes: 20 };

/** Milliseconds for the main process to get `count` items from one producer child (after `warmup`). */
async function oneToOneMs(
  target: typeof produceSmall | typeof produceBytes | typeof produceReadings,
  args: unknown[],
  count: number,
  warmup: number,
): Promise<number> {
  const queue = new Queue();
  const barrier = new Barrier(2);
  const child = start(target, [queue, barrier, ...args, warmup]);
  for (let i = 0; i < warmup; i++) await queue.get();
  await barrier.wait();
  const started = performance.now();
  for (let i = 0; i < count; i++) await queue.get();
  const elapsed = performance.now() - started;
  await child.join();
  return elapsed;
}

/** Milliseconds for 2 producer children to move `count` items to 2 consumer children, checked. */
async function twoToTwoMs(count: number): Promise<number> {
  const queue = new Queue();
  const results = new Queue<{ count: number; sum: number }>();
  const barrier = new Barrier(5);
  const half = count / 2;
  const producers = [0, 1].map((p) => start(produceSmall, [queue, barrier, p * half, half, 0]));
  const consumers = [0, 1].map(() => start(consumeUntilNull, [queue, barrier, results]));
  await barrier.wait();
  const started = performance.now();
  for (const producer of producers) await producer.join(); // their items are all in: the nulls come after
  for (const _ of consumers) await queue.put(null);
  const [a, b] = [await results.get(), await results.get()];
  const elapsed = performance.now() - started;
  for (const consumer of consumers) await consumer.join();
  if (a.count + b.count !== count || a.sum + b.sum !== (count * (count - 1)) / 2) {
    throw new Error(`2 -> 2 delivered ${a.count + b.count} of ${count} items (sums ${a.sum + b.sum})`);
  }
  return elapsed;
}

/**
 * Milliseconds to put `count` items and join() until a consumer child marked them all done.
 * A first untimed batch, joined, stands for the barrier: the consumer is up and warm.
 */
async function joinableMs(count: number): Promise<number> {
  const queue = new JoinableQueue();
  const consumer = start(consumeJoinable, [queue]);
  for (let i = 0; i < WARMUP.small; i++) await queue.put(smallItem(i));
  await queue.join();
  const started = performance.now();
  for (let i = 0; i < count; i++) await queue.put(smallItem(i));
  await queue.join();
  const elapsed = performance.now() - started;
  await queue.put(null);
  await consumer.join();
  return elapsed;
}

const libraryCase: BenchCase = {
  impl: LIBRARY,
  async run(ctx) {
    const items = sizeFor(ctx, SIZES.smallItems);
    const byteItems = sizeFor(ctx, SIZES.byteItems);
    const joinableItems = sizeFor(ctx, SIZES.joinableItems);
    return {
      [QUEUE.small1to1.id]: perSecond(items, await medianOf(ctx, () => oneToOneMs(produceSmall, [0, items], items, WARMUP.small))),
      [QUEUE.small2to2.id]: perSecond(items, await medianOf(ctx, () => twoToTwoMs(items))),
      [QUEUE.bytes1to1.id]: megabytesPerSecond(
        byteItems * BYTES_ITEM_SIZE,
        await medianOf(ctx, () => oneToOneMs(produceBytes, [byteItems], byteItems, WARMUP.bytes)),
      ),
      [QUEUE.joinable.id]: perSecond(joinableItems, await medianOf(ctx, () => joinableMs(joinableItems))),
    };
  },
};

/**
 * Class instances by reference (issue 12): `Reading`s through a queue beside the same fields as
 * plain objects (tests/reduction_test.ts checks that instances arrive as their class).
 */
const instancesCase: BenchCase = {
  impl: LIBRARY,
  async run(ctx) {
    const items = sizeFor(ctx, SIZES.smallItems);
    const rate = async (asInstances: boolean) =>
      perSecond(items, await medianOf(ctx, () => oneToOneMs(produceReadings, [items, asInstances], items, WARMUP.small)));
    return { [QUEUE.instances1to1.id]: await rate(true), [QUEUE.records1to1.id]: await rate(false) };
  },
};

/** The library's cases (impl `LIBRARY`, workloads `QUEUE.*`) go first. */
export const cases: BenchCase[] = [
  libraryCase,
  instancesCase,
  ...oneWaySmallCases(QUEUE.small1to1.id, SIZES.smallItems),
  oneWayBatchCase(QUEUE.small1to1.id),
  ...oneWayBytesCases(QUEUE.bytes1to1.id),
];
