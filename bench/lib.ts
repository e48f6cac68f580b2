/**
 * The benchmark harness, runtime side: timing helpers and the shape of a bench module.
 *
 * A bench module (`bench/<bench>.ts`) exports `cases: BenchCase[]`. `bench/run_cases.ts`
 * imports it on one runtime, runs every case that applies there and prints one JSON
 * {@link Row} per line on stdout; `bench/run.ts` does that on Deno, Bun and Node, adds the
 * Python rows and prints the table. Workload ids (the table's rows) are declared in
 * `bench/workloads.ts`.
 *
 * @example Declaring a case
 * ```ts
 * import { type BenchCase, LIBRARY, medianOfRepeats, perSecond, sizeFor, timeMs } from "./lib.ts";
 * import { QUEUE, SIZES } from "./workloads.ts";
 *
 * export const cases: BenchCase[] = [{
 *   impl: LIBRARY,
 *   async run(ctx) {
 *     const items = sizeFor(ctx, SIZES.smallItems);
 *     const ms = await medianOfRepeats(ctx, () => timeMs(() => moveItems(items)));
 *     return { [QUEUE.small1to1.id]: perSecond(items, ms) };
 *   },
 * }];
 * ```
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { SIZES } from "./workloads.ts";

/** A JavaScript runtime the benchmarks run on. */
export type Runtime = "deno" | "bun" | "node";

/** Every runtime, in table column order. */
export const RUNTIMES: readonly Runtime[] = ["deno", "bun", "node"];

/** The implementation label of the library's own cases; every other label is a baseline. */
export const LIBRARY = "library";

/** What a case is told when it runs. */
export interface RunContext {
  /** Smoke-test mode: a fraction of the work, numbers are only indicative. */
  quick: boolean;
  /** The runtime the case runs on. */
  runtime: Runtime;
}

/** One measured implementation of one or more workloads. */
export interface BenchCase {
  /** {@link LIBRARY} for the library, otherwise the baseline's label, e.g. "piscina". */
  impl: string;
  /** A baseline that the "vs raw" ratio column compares the library with (the issue's bar). */
  bar?: boolean;
  /** Runtimes where the case applies; default all. */
  runtimes?: readonly Runtime[];
  /** Runs the workload(s) and returns one value per workload id. Must end every worker it starts. */
  run(ctx: RunContext): Promise<Record<string, number>>;
}

/** One measurement, as printed by `run_cases.ts` and the Python baselines (one JSON per line). */
export interface Row {
  /** Workload id from `bench/workloads.ts`. */
  workload: string;
  /** {@link LIBRARY}, a baseline label, or "python". */
  impl: string;
  /** "deno" | "bun" | "node" | "python-spawn" | "python-fork" | "python-forkserver". */
  runtime: string;
  /** The measured value, in the workload's unit. */
  value: number;
  /** See {@link BenchCase.bar}. */
  bar?: boolean;
}

/** The runtime this code runs on. */
export function currentRuntime(): Runtime {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median() of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds one call of `fn` takes (awaited). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `fn` `runs` times, one after the other, and returns each run's milliseconds. */
export async function sampleMs(runs: number, fn: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeMs(fn));
  return samples;
}

/** Median milliseconds of `runs` sequential calls of `fn`, after `warmups` untimed calls. */
export async function medianMs(runs: number, fn: () => unknown, warmups = 0): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  return median(await sampleMs(runs, fn));
}

/** A measurement stops repeating once its runs took this long together (at least one run). */
export const REPEAT_BUDGET_MS = 3_000;

/**
 * Median of repeated runs of `measure` (each returns its own milliseconds): `SIZES.repeats`
 * runs, fewer once they took {@link REPEAT_BUDGET_MS} together.
 */
export async function medianOfRepeats(ctx: RunContext, measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  const runs = sizeFor(ctx, SIZES.repeats);
  let spent = 0;
  while (samples.length < runs && (samples.length === 0 || spent < REPEAT_BUDGET_MS)) {
    const ms = await measure();
    samples.push(ms);
    spent += ms;
  }
  return median(samples);
}

/** A workload size: the full one, and the smaller one of `--quick` runs. */
export interface Size {
  /** Used by a normal run. */
  full: number;
  /** Used by a `--quick` run. */
  quick: number;
}

/** The size that applies to this run. */
export function sizeFor(ctx: RunContext, size: Size): number {
  return ctx.quick ? size.quick : size.full;
}

/** Operations per second for `count` operations done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}

/** Megabytes (10^6 bytes) per second for `bytes` moved in `ms` milliseconds. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1000 / ms;
}

/**
 * URL of a module beside `base` (an `import.meta.url`) given without its extension: `.ts`
 * from sources, `.js` from the JavaScript emitted for Node.
 */
export function siblingModule(base: string, stem: string): URL {
  return new URL(stem + (base.endsWith(".js") ? ".js" : ".ts"), base);
}

/**
 * The median of {@link SIZES}.coldRuns fresh programs on this runtime, each running
 * `bench/cold.ts`'s `scenario` once (a fresh pool or process, its first call).
 */
export function coldMedian(ctx: RunContext, scenario: string): number {
  const script = fileURLToPath(siblingModule(import.meta.url, "./cold"));
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [command, args] = deno ? [deno.execPath(), ["run", "-A", script]] : [process.execPath, [script]];
  const values: number[] = [];
  for (let i = 0; i < sizeFor(ctx, SIZES.coldRuns); i++) {
    const result = spawnSync(command, [...args, scenario], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (result.status !== 0) throw new Error(`bench/cold ${scenario} ended with ${result.signal ?? `exit code ${result.status}`}`);
    values.push((JSON.parse(result.stdout.trim().split("\n").pop()!) as { value: number }).value);
  }
  return median(values);
}

/** Runs the cases that apply on `ctx.runtime`, printing each row as a JSON line. Returns the failures. */
export async function runCases(cases: readonly BenchCase[], ctx: RunContext): Promise<number> {
  let failures = 0;
  for (const benchCase of cases) {
    if (benchCase.runtimes !== undefined && !benchCase.runtimes.includes(ctx.runtime)) continue;
    console.error(`[${ctx.runtime}] ${benchCase.impl} …`);
    try {
      const values = await benchCase.run(ctx);
      for (const [workload, value] of Object.entries(values)) {
        const row: Row = { workload, impl: benchCase.impl, runtime: ctx.runtime, value };
        if (benchCase.bar === true) row.bar = true;
        console.log(JSON.stringify(row));
      }
    } catch (error) {
      failures++;
      console.error(`[${ctx.runtime}] ${benchCase.impl} failed:`, error);
    }
  }
  return failures;
}
