/**
 * `bench/pool` (issue 5): Pool map of tiny tasks, a CPU-bound map and apply round trips on
 * 2 workers, beside piscina (Node, Bun) and Python's `Pool` (spawn and fork).
 * @module
 */

import type { BenchCase } from "./lib.ts";
import { piscinaCases } from "./raw/piscina.ts";

/** The library's cases (impl `LIBRARY`, workloads `POOL.*`, functions from `tasks.ts`) go first. */
export const cases: BenchCase[] = [...piscinaCases];
