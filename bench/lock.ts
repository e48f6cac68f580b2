/**
 * `bench/lock` (issue 4): Lock acquire + release per second, uncontended and with 2
 * processes contending, beside Python's `multiprocessing.Lock` (no raw baseline).
 * @module
 */

import type { BenchCase } from "./lib.ts";

/** The library's cases (impl `LIBRARY`, workloads `LOCK.*`). */
export const cases: BenchCase[] = [];
