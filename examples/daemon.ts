/**
 * Scenarios 3 and 4, `no-daemon` and `daemon`: the tutorial's third step. A helper starts
 * the clock process without joining it; the main program sleeps, prints `ENDING!` and is done.
 * A non-daemon child keeps the program alive until its `Ending!`; a daemon child is ended
 * with the program, right after `ENDING!`.
 * @module
 */
import { Event, isMain, Process } from "../mod.ts";
import { clock } from "./clock.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/** The tutorial's `run()`: start the clock process, daemon or not, and return at once. */
export function run(interval: number, daemon: boolean, started: Event): Process {
  const p = new Process({ target: clock, args: [interval, started] });
  p.daemon = daemon;
  p.start();
  return p;
}

/**
 * Runs the scenario. The tutorial sleeps 2 s after `run()`, which races with the child's
 * third tick, also 2 s after the child got going. Here the parent waits until the clock runs
 * (an `Event` the child sets), then sleeps 1.5 intervals: `ENDING!` falls between the second
 * and the third tick every time, however long the child took to start.
 */
export async function main({ interval, daemon }: Pick<ScenarioFlags, "interval"> & { daemon: boolean }): Promise<void> {
  const started = new Event();
  run(interval, daemon, started);
  await started.wait();
  await sleep(interval * 1.5);
  console.log("ENDING!");
}

if (isMain(import.meta)) {
  const flags = parseFlags({ flags: ["daemon"] });
  await main({ interval: flags.interval, daemon: flags.extra.daemon !== "false" });
}
