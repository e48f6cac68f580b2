/**
 * `bench/queue` (issue 3): Queue and JoinableQueue throughput beside raw one-way
 * `postMessage` and Python's `multiprocessing.Queue`/`JoinableQueue`.
 * @module
 */

import type { BenchCase } from "./lib.ts";
import { oneWayBatchCase, oneWayBytesCases, oneWaySmallCases } from "./raw/postmessage.ts";
import { QUEUE, SIZES } from "./workloads.ts";

/** The library's cases (impl `LIBRARY`, workloads `QUEUE.*`) go first. */
export const cases: BenchCase[] = [
  ...oneWaySmallCases(QUEUE.small1to1.id, SIZES.smallItems),
  oneWayBatchCase(QUEUE.small1to1.id),
  ...oneWayBytesCases(QUEUE.bytes1to1.id),
];
