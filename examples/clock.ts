/**
 * Scenario 1, `clock`: a process from a function (the tutorial's first step).
 * The child prints `Run >>> 1` … `Run >>> 5` one interval apart, then `Ending!`; the
 * parent starts it and waits for it.
 * @module
 */
import { isMain, Process } from "../mod.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/** The child's code: five ticks `interval` seconds apart. Exported, so the child finds it. */
export async function clock(interval: number): Promise<void> {
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
