/**
 * `bench/spawn` (issue 2): start + join of a trivial process, median of 50, beside a raw
 * worker spawn and Python's `Process` (spawn and fork).
 * @module
 */

import type { BenchCase } from "./lib.ts";
import { rawSpawnCases } from "./raw/spawn.ts";

/** The library's case (impl `LIBRARY`, workload `SPAWN.startJoin`) goes first. */
export const cases: BenchCase[] = [...rawSpawnCases];
