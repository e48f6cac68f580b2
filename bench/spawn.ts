/**
 * `bench/spawn` (issues 2, 13, 16): start + join of a trivial process, warm (median of 50 in one
 * program) and cold (a fresh program's first: bench/cold.ts), also with a target whose module
 * imports the whole library, start → its target running, by the spawn and forkserver start
 * methods, and memory per idle child, beside raw worker spawns and Python's `Process` (spawn,
 * forkserver, fork).
 * @module
 */

import { getContext, Process } from "../mod.ts";
import { forkserverWarm } from "../src/internals.ts";
import { type BenchCase, coldMedian, LIBRARY, median, medianMs, type RunContext, sizeFor } from "./lib.ts";
import { rawSpawnCases } from "./raw/spawn.ts";
import { signalRunning, trivial } from "./spawn_target.ts";
import { trivialWithLibrary } from "./spawn_target_lib.ts";
import { SIZES, SPAWN } from "./workloads.ts";

async function startJoin(target: () => void, ProcessClass: typeof Process = Process): Promise<void> {
  const p = new ProcessClass({ target });
  p.start();
  await p.join();
  if (p.exitCode !== 0) throw new Error(`the trivial process ended with exit code ${p.exitCode}`);
}

/** Milliseconds from `start()` to the target running (it sets a shared flag; the parent wakes on it). */
async function startToRunning(ProcessClass: typeof Process): Promise<number> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const p = new ProcessClass({ target: signalRunning, args: [flag] });
  const started = performance.now();
  p.start();
  const waiting = Atomics.waitAsync(flag, 0, 0, 60_000);
  if (waiting.async) await waiting.value;
  const elapsed = performance.now() - started;
  await p.join();
  if (Atomics.load(flag, 0) !== 1) throw new Error("the process did not signal that it runs");
  return elapsed;
}

/**
 * Median of `runs` timings by `measure`, after warm-ups; for forkserver each sample starts
 * with a warm worker ready (waited for untimed), as a program that does not start processes
 * faster than workers warm up has.
 */
async function medianOf(runs: number, warmups: number, measure: () => Promise<number>, warm: boolean): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    if (warm) await forkserverWarm();
    const ms = await measure();
    if (i >= warmups) samples.push(ms);
  }
  return median(samples);
}

const warm = (ctx: RunContext, target: () => void) =>
  medianMs(sizeFor(ctx, SIZES.spawnRuns), () => startJoin(target), sizeFor(ctx, SIZES.spawnWarmups));

const libraryCase: BenchCase = {
  impl: LIBRARY,
  run: async (ctx) => {
    const runs = sizeFor(ctx, SIZES.spawnRuns);
    const warmups = sizeFor(ctx, SIZES.spawnWarmups);
    const forkserver = getContext("forkserver").Process;
    const timeStartJoin = async (P: typeof Process) => {
      const started = performance.now();
      await startJoin(trivial, P);
      return performance.now() - started;
    };
    return {
      [SPAWN.startJoinCold.id]: coldMedian(ctx, SPAWN.startJoinCold.id),
      [SPAWN.startJoinLibraryCold.id]: coldMedian(ctx, SPAWN.startJoinLibraryCold.id),
      [SPAWN.memoryChild.id]: coldMedian(ctx, SPAWN.memoryChild.id),
      [SPAWN.startJoin.id]: await warm(ctx, trivial),
      [SPAWN.startJoinLibrary.id]: await warm(ctx, trivialWithLibrary),
      [SPAWN.startRunning.id]: await medianOf(runs, warmups, () => startToRunning(Process), false),
      [SPAWN.forkserverStartRunning.id]: await medianOf(runs, warmups, () => startToRunning(forkserver), true),
      [SPAWN.forkserverStartJoin.id]: await medianOf(runs, warmups, () => timeStartJoin(forkserver), true),
    };
  },
};

export const cases: BenchCase[] = [libraryCase, ...rawSpawnCases];
