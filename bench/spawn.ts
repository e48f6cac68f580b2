/**
 * `bench/spawn` (issue 2): start + join of a trivial process, median of 50, beside a raw
 * worker spawn and Python's `Process` (spawn and fork).
 * @module
 */

import { Process } from "../mod.ts";
import { type BenchCase, LIBRARY, medianMs, sizeFor } from "./lib.ts";
import { rawSpawnCases } from "./raw/spawn.ts";
import { trivial } from "./spawn_target.ts";
import { SIZES, SPAWN } from "./workloads.ts";

async function startJoin(): Promise<void> {
  const p = new Process({ target: trivial });
  p.start();
  await p.join();
  if (p.exitCode !== 0) throw new Error(`the trivial process ended with exit code ${p.exitCode}`);
}

const libraryCase: BenchCase = {
  impl: LIBRARY,
  run: async (ctx) => ({
    [SPAWN.startJoin.id]: await medianMs(sizeFor(ctx, SIZES.spawnRuns), startJoin, sizeFor(ctx, SIZES.spawnWarmups)),
  }),
};

export const cases: BenchCase[] = [libraryCase, ...rawSpawnCases];
