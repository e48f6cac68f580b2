/**
 * `bench/spawn` (issues 2, 16): start + join of a trivial process, warm (median of 50 in one
 * program) and cold (a fresh program's first: bench/cold.ts), also with a target whose module
 * imports the whole library, and memory per idle child, beside a raw worker spawn and
 * Python's `Process` (spawn, forkserver, fork).
 * @module
 */

import { Process } from "../mod.ts";
import { type BenchCase, coldMedian, LIBRARY, medianMs, type RunContext, sizeFor } from "./lib.ts";
import { rawSpawnCases } from "./raw/spawn.ts";
import { trivial } from "./spawn_target.ts";
import { trivialWithLibrary } from "./spawn_target_lib.ts";
import { SIZES, SPAWN } from "./workloads.ts";

async function startJoin(target: () => void): Promise<void> {
  const p = new Process({ target });
  p.start();
  await p.join();
  if (p.exitCode !== 0) throw new Error(`the trivial process ended with exit code ${p.exitCode}`);
}

const warm = (ctx: RunContext, target: () => void) =>
  medianMs(sizeFor(ctx, SIZES.spawnRuns), () => startJoin(target), sizeFor(ctx, SIZES.spawnWarmups));

const libraryCase: BenchCase = {
  impl: LIBRARY,
  run: async (ctx) => ({
    [SPAWN.startJoinCold.id]: coldMedian(ctx, SPAWN.startJoinCold.id),
    [SPAWN.startJoinLibraryCold.id]: coldMedian(ctx, SPAWN.startJoinLibraryCold.id),
    [SPAWN.memoryChild.id]: coldMedian(ctx, SPAWN.memoryChild.id),
    [SPAWN.startJoin.id]: await warm(ctx, trivial),
    [SPAWN.startJoinLibrary.id]: await warm(ctx, trivialWithLibrary),
  }),
};

export const cases: BenchCase[] = [libraryCase, ...rawSpawnCases];
