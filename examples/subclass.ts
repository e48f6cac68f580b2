/**
 * Scenario 2, `subclass`: a process from a subclass of `Process` that keeps `interval` as a
 * field and overrides `run()`. The field is cloned into the child. Same output as `clock`.
 * @module
 */
import { isMain, Process } from "../mod.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/** The tutorial's `ClockProcess`. Exported, so the child finds the class by name. */
export class ClockProcess extends Process {
  constructor(public interval: number) {
    super();
  }

  override async run(): Promise<void> {
    for (let i = 1; i <= 5; i++) {
      console.log(`Run >>> ${i}`);
      await sleep(this.interval);
    }
    console.log("Ending!");
  }
}

/** Starts a ClockProcess and joins it. */
export async function main({ interval }: Pick<ScenarioFlags, "interval">): Promise<void> {
  const p = new ClockProcess(interval);
  p.start();
  await p.join();
}

if (isMain(import.meta)) await main(parseFlags());
