/**
 * The held-out chaos probe of the reliability issue, as a user would run it: random kills of
 * producers and consumers for 20 s on a bounded queue (maxsize 64) and on an unbounded one,
 * with items that stream through the ring, 5 times in a row with fresh seeds, through the
 * public API only (scripts/chaos/queue_chaos.ts grades each run). Not run by CI (CI runs
 * scripts/reliability.sh): it is the outside check.
 *
 *     flock /tmp/heavy.lock npx deno run -A scripts/chaos_probe.ts [--runs 5] [--seconds 20]
 *     flock /tmp/heavy.lock npx bun scripts/chaos_probe.ts
 *
 * Exits 1 at the first run that shows a forbidden outcome (its seed replays the kill schedule).
 * @module
 */
import { isMain } from "../mod.ts";
import { commandLineArgs, numberOption } from "./chaos/cli.ts";
import { describe, parseOptions, passed, runChaos } from "./chaos/queue_chaos.ts";

if (isMain(import.meta)) {
  const args = commandLineArgs();
  const runs = numberOption(args, "runs", 5);
  const seconds = numberOption(args, "seconds", 20);
  let inARow = 0;
  for (let run = 1; run <= runs; run++) {
    for (const maxsize of [64, 0]) {
      const seed = Math.floor(Math.random() * 1e9);
      const figures = await runChaos(parseOptions(["--seconds", String(seconds), "--maxsize", String(maxsize), "--large", "0.02", "--seed", String(seed)]));
      console.log(`run ${run}/${runs}: ${describe(figures)}`);
      if (!passed(figures)) {
        console.log(`chaos probe: FAILED at run ${run} after ${inARow} passing runs in a row`);
        (globalThis as unknown as { process: { exit(code: number): never } }).process.exit(1);
      }
    }
    inARow++;
  }
  console.log(`chaos probe: ${inARow} runs in a row passed (each: a bounded and an unbounded queue, ${seconds} s of kills)`);
}
