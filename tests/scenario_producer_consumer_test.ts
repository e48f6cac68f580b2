// Scenario 5, `producer-consumer`, run as the user runs it: `cli.ts producer-consumer`, and
// the example as a program of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ctime } from "../examples/producer_consumer.ts";
import { lines, runScript, type ScriptResult } from "./_helpers.ts";

// Seconds between items. The consumer child's start-up must fit in one interval (the
// consumer sleeps an interval after each item, so a late start shifts all its lines): 1.5 s
// leaves room for a slow start on a loaded machine.
const INTERVAL = 1.5;
const CTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d \d\d:\d\d:\d\d \d{4}$/;

/** Chinese through the demo's command line, English through the example run on its own. */
function run(lang: "zh" | "en"): Promise<ScriptResult> {
  const flags = ["--interval", String(INTERVAL), "--lang", lang];
  if (lang === "zh") return runScript("cli.ts", ["producer-consumer", ...flags], 60_000);
  return runScript("examples/producer_consumer.ts", flags, 60_000);
}

/** Checks the output rules of SCENARIOS.md (5) with the given labels. */
function checkOutput(result: ScriptResult, labels: { start: [string, string]; item: [string, string]; end: string }): void {
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  const out = lines(result);
  const [produceStart, consumeStart] = labels.start;
  const [produce, consume] = labels.item;
  const index = (line: string): number => {
    const at = out.indexOf(line);
    assert.ok(at >= 0, `"${line}" was printed, in:\n${out.join("\n")}`);
    return at;
  };
  assert.equal(out.length, 11, `11 lines, got:\n${out.join("\n")}`);
  assert.ok(out[0].startsWith(`${produceStart} `), "the producer starts first");
  assert.match(out[0].slice(produceStart.length + 1), CTIME);
  const consumeStarts = out.filter((line) => line.startsWith(`${consumeStart} `));
  assert.equal(consumeStarts.length, 1);
  assert.match(consumeStarts[0].slice(consumeStart.length + 1), CTIME);
  assert.ok(out[10].startsWith(`${labels.end} `), "the producer's end line comes last: the consumer's never does");
  assert.match(out[10].slice(labels.end.length + 1), CTIME);
  assert.ok(index(consumeStarts[0]) < index(`${consume} 1`));
  for (let n = 1; n <= 4; n++) {
    assert.ok(index(`${produce} ${n}`) < index(`${consume} ${n}`), `item ${n} is consumed after it is produced`);
    if (n < 4) assert.ok(index(`${consume} ${n}`) < index(`${produce} ${n + 1}`), `item ${n} is consumed before ${n + 1} is produced`);
  }
}

test("producer-consumer: each item produced, then consumed once, in order; the program ends after join()", { timeout: 120_000 }, async () => {
  const result = await run("zh");
  checkOutput(result, { start: ["生产开始:", "消费开始:"], item: ["生产 >>>>>>>>>", "消费 >>>>>>>>>"], end: "生产结束:" });
  // The producer sleeps one interval after each of its 4 items; the program ends right after.
  const end = result.lineTimes.find((entry) => entry.line.startsWith("生产结束:"))!.at;
  assert.ok(result.elapsed - end < 3000, `exited ${(result.elapsed - end).toFixed(0)} ms after the last line`);
});

test("producer-consumer --lang en prints English labels", { timeout: 120_000 }, async () => {
  const result = await run("en");
  checkOutput(result, {
    start: ["produce start:", "consume start:"],
    item: ["produce >>>>>>>>>", "consume >>>>>>>>>"],
    end: "produce end:",
  });
});

test("ctime() formats like Python's time.ctime(), the day padded with a space", () => {
  assert.equal(ctime(new Date(2019, 9, 16, 22, 6, 11)), "Wed Oct 16 22:06:11 2019");
  assert.equal(ctime(new Date(2019, 9, 6, 9, 5, 1)), "Sun Oct  6 09:05:01 2019");
});
