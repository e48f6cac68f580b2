/**
 * The processes of `bench/queue`'s library cases (a process's code must be exported from a
 * module). Each waits at the barrier, so that start-up is never timed, then does its part.
 * The 1 → 1 producers first move a few untimed warm-up items (the raw `postMessage`
 * baselines warm up the same way).
 * @module
 */

import type { Barrier, JoinableQueue, Queue } from "../mod.ts";
import { BYTES_ITEM_SIZE, readingItem, smallItem } from "./workloads.ts";

/** Puts `warmup` untimed items, then small items `first … first + count - 1`. */
export async function produceSmall(queue: Queue, barrier: Barrier, first: number, count: number, warmup = 0): Promise<void> {
  for (let i = 0; i < warmup; i++) await queue.put(smallItem(i));
  await barrier.wait();
  for (let i = first; i < first + count; i++) await queue.put(smallItem(i));
}

/** Puts `warmup` untimed readings, then `count` readings: `Reading` instances, or plain objects. */
export async function produceReadings(queue: Queue, barrier: Barrier, count: number, asInstances: boolean, warmup = 0): Promise<void> {
  for (let i = 0; i < warmup; i++) await queue.put(readingItem(i, asInstances));
  await barrier.wait();
  for (let i = 0; i < count; i++) await queue.put(readingItem(i, asInstances));
}

/** Puts `warmup` untimed, then `count` 64 KiB byte arrays. */
export async function produceBytes(queue: Queue, barrier: Barrier, count: number, warmup = 0): Promise<void> {
  const item = new Uint8Array(BYTES_ITEM_SIZE);
  for (let i = 0; i < warmup; i++) await queue.put(item);
  await barrier.wait();
  for (let i = 0; i < count; i++) await queue.put(item);
}

/** Gets items until `null`, then puts how many it got (and the sum of their `i`) on `results`. */
export async function consumeUntilNull(queue: Queue, barrier: Barrier, results: Queue): Promise<void> {
  await barrier.wait();
  let count = 0;
  let sum = 0;
  for (let item = await queue.get(); item !== null; item = await queue.get()) {
    count++;
    sum += (item as { i: number }).i;
  }
  await results.put({ count, sum });
}

/** Gets items and marks each done, until `null` (the main process warms it up with a first batch). */
export async function consumeJoinable(queue: JoinableQueue): Promise<void> {
  for (;;) {
    const item = await queue.get();
    queue.taskDone();
    if (item === null) return;
  }
}
