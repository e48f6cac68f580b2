/**
 * Spawn/terminate churn: starts children and terminates each at a random moment (while it
 * loads, while it waits on a queue with get or getSync, while it spins in its own code, after
 * it ended by itself), `cycles` times, two at a time. Every terminate must settle (join within
 * 10 s, exit code -15 or the child's own), and the program must then exit by itself.
 *
 *     npx deno run -A scripts/chaos/spawn_churn.ts [--cycles 200] [--seed N]
 * @module
 */

import { isMain, Process, Queue } from "../../mod.ts";
import { commandLineArgs, failIf, numberOption, runtimeName } from "./cli.ts";

/** What a child does until it is terminated (`kind` picks one). */
export async function occupy(kind: number, q: Queue<number>): Promise<void> {
  if (kind === 0) await q.get();
  else if (kind === 1) q.getSync();
  else if (kind === 2) for (const end = performance.now() + 50; performance.now() < end;);
  // kind 3: returns at once
}

export interface SpawnChurnFigures {
  runtime: string;
  cycles: number;
  terminatedWhileRunning: number;
  endedFirst: number;
  hangs: number;
  badExitCodes: number;
  slowestJoinMs: number;
}

export async function runSpawnChurn(cycles: number, seed: number): Promise<SpawnChurnFigures> {
  let state = seed >>> 0 || 1;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const figures: SpawnChurnFigures = { runtime: runtimeName(), cycles, terminatedWhileRunning: 0, endedFirst: 0, hangs: 0, badExitCodes: 0, slowestJoinMs: 0 };
  const q = new Queue<number>();
  const once = async () => {
    const child = new Process({ target: occupy, args: [Math.floor(rand() * 4), q] });
    child.start();
    await new Promise((resolve) => setTimeout(resolve, rand() * 30));
    const running = child.isAlive();
    child.terminate();
    const started = performance.now();
    await child.join({ timeout: 10_000 });
    figures.slowestJoinMs = Math.max(figures.slowestJoinMs, Math.round(performance.now() - started));
    if (child.isAlive()) figures.hangs++;
    else if (child.exitCode !== -15 && child.exitCode !== 0) figures.badExitCodes++;
    if (running) figures.terminatedWhileRunning++;
    else figures.endedFirst++;
  };
  for (let done = 0; done < cycles; done += 2) await Promise.all([once(), once()]);
  return figures;
}

export function spawnChurnPassed(f: SpawnChurnFigures): boolean {
  return f.hangs === 0 && f.badExitCodes === 0;
}

export function describeSpawnChurn(f: SpawnChurnFigures): string {
  return `${spawnChurnPassed(f) ? "PASS" : "FAIL"} spawn-churn ${f.runtime} cycles=${f.cycles} terminated-while-running=${f.terminatedWhileRunning} ` +
    `ended-first=${f.endedFirst} hangs=${f.hangs} bad-exit-codes=${f.badExitCodes} slowest-join=${f.slowestJoinMs}ms`;
}

if (isMain(import.meta)) {
  const args = commandLineArgs();
  const figures = await runSpawnChurn(numberOption(args, "cycles", 200), numberOption(args, "seed", Date.now() % 100_000));
  console.log(describeSpawnChurn(figures));
  failIf(!spawnChurnPassed(figures));
}
