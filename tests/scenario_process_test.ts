// Scenarios 1–4 of the tutorial, run as the user would run them: `cli.ts <scenario>`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lines, runScript, type ScriptResult } from "./_helpers.ts";

// Seconds between ticks. The daemon scenarios print ENDING! half an interval away from the
// ticks around it: 0.6 s leaves 300 ms of slack for a loaded machine's timers.
const CLOCK_INTERVAL = 0.3;
const DAEMON_INTERVAL = 0.6;
const CLOCK = ["Run >>> 1", "Run >>> 2", "Run >>> 3", "Run >>> 4", "Run >>> 5", "Ending!"];

function scenario(name: string, interval: number): Promise<ScriptResult> {
  return runScript("cli.ts", [name, "--interval", String(interval)], 60_000);
}

function timeOf(result: ScriptResult, line: string): number {
  const found = result.lineTimes.find((entry) => entry.line === line);
  assert.ok(found, `"${line}" was printed`);
  return found.at;
}

test("cli --help lists every scenario", async () => {
  const result = await runScript("cli.ts", ["--help"]);
  assert.equal(result.status, 0);
  for (const name of ["clock", "subclass", "no-daemon", "daemon", "producer-consumer", "pipe", "download"]) {
    assert.match(result.stdout, new RegExp(`^  ${name} `, "m"), `${name} is listed`);
  }
});

test("an unknown scenario is refused with the list", async () => {
  const result = await runScript("cli.ts", ["nope"]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown scenario "nope"/);
  assert.match(result.stderr, /clock/);
});

test("a scenario refuses flags and arguments it does not take, saying what is wrong", async () => {
  const cases: [string[], RegExp][] = [
    [["clock", "--bogus", "3"], /^clock: unknown flag --bogus \(this scenario takes --interval, --lang\)$/m],
    [["clock", "extra"], /^clock: unexpected argument "extra"/m],
    [["producer-consumer", "--lang", "fr"], /^producer-consumer: --lang takes zh or en, got "fr"$/m],
    [["no-daemon", "--interval", "0"], /^no-daemon: --interval takes a positive number of seconds up to 2147483.647, got "0"$/m],
    [["clock", "--interval", "3000000"], /^clock: --interval takes a positive number of seconds up to 2147483.647, got "3000000"$/m],
    [["pipe", "--interval"], /^pipe: --interval needs a value$/m],
  ];
  for (const [args, message] of cases) {
    const result = await runScript("cli.ts", args);
    assert.equal(result.status, 1, args.join(" "));
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "", "nothing ran");
  }
  const help = await runScript("cli.ts", ["download", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: mp-demo <scenario> \[flags\]/);
});

for (const name of ["clock", "subclass"]) {
  test(`${name}: five ticks one interval apart, then Ending!`, async () => {
    const result = await scenario(name, CLOCK_INTERVAL);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(lines(result), CLOCK);
    const gap = timeOf(result, "Run >>> 5") - timeOf(result, "Run >>> 1");
    assert.ok(gap >= 4 * CLOCK_INTERVAL * 1000 * 0.9, `ticks are an interval apart (${gap} ms for 4 gaps)`);
  });
}

test("no-daemon: the program waits for its non-daemon child", async () => {
  const result = await scenario("no-daemon", DAEMON_INTERVAL);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["Run >>> 1", "Run >>> 2", "ENDING!", "Run >>> 3", "Run >>> 4", "Run >>> 5", "Ending!"]);
  assert.ok(result.elapsed >= timeOf(result, "Ending!"), "the program exits after the child's Ending!");
});

test("daemon: the daemon child ends with the program, right after ENDING!", async () => {
  const result = await scenario("daemon", DAEMON_INTERVAL);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["Run >>> 1", "Run >>> 2", "ENDING!"]);
  const afterEnding = result.elapsed - timeOf(result, "ENDING!");
  // The child would have needed 3 more intervals (3 s) to finish.
  assert.ok(afterEnding < 3 * DAEMON_INTERVAL * 1000 * 0.5, `exited ${afterEnding.toFixed(0)} ms after ENDING!`);
});
