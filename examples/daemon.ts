/**
 * Scenarios 3 and 4, `no-daemon` and `daemon`: the tutorial's third step. A helper starts
 * the clock process without joining it; the main program sleeps, prints `ENDING!` and is done.
 * A non-daemon child keeps the program alive until its `Ending!`; a daemon child is ended
 * with the program, right after `ENDING!`.
 * @module
 */
import { isMain, Process } from "../mod.ts";
import { clock } from "./clock.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/** The tutorial's `run()`: start the clock process, daemon or not, and return at once. */
export function run(interval: number, daemon: boolean): Process {
  const p = new Process({ target: clock, args: [interval] });
  p.daemon = daemon;
  p.start();
  return p;
}

/**
 * Runs the scenario. The tutorial sleeps 2 intervals, which races with the child's third
 * tick (it also comes 2 intervals after the child started); 1.5 intervals prints `ENDING!`
 * between the second and the third tick every time.
 */
export async function main({ interval, daemon }: Pick<ScenarioFlags, "interval"> & { daemon: boolean }): Promise<void> {
  run(interval, daemon);
  await sleep(interval * 1.5);
  console.log("ENDING!");
}

if (isMain(import.meta)) {
  const flags = parseFlags();
  await main({ interval: flags.interval, daemon: flags.extra.daemon !== "false" });
}
