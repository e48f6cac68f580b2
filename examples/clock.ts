/**
 * Scenario 1, `clock`: a process from a function (the tutorial's first step).
 * The child prints `Run >>> 1` … `Run >>> 5` one interval apart, then `Ending!`; the
 * parent starts it and waits for it.
 * @module
 */
import { type Event, isMain, Process } from "../mod.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/**
 * The child's code: five ticks `interval` seconds apart. Exported, so the child finds it.
 * `started`, when given, is set just before the first tick.
 */
export async function clock(interval: number, started?: Event): Promise<void> {
  started?.set();
  for (let i = 1; i <= 5; i++) {
    console.log(`Run >>> ${i}`);
    await sleep(interval);
  }
  console.log("Ending!");
}

/** Starts the clock process and joins it. */
export async function main({ interval }: Pick<ScenarioFlags, "interval">): Promise<void> {
  const p = new Process({ target: clock, args: [interval] });
  p.start();
  await p.join();
}

if (isMain(import.meta)) await main(parseFlags());
