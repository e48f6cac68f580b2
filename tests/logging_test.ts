import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, logging, SUBDEBUG, SUBWARNING, ValueError } from "../mod.ts";
import { lines, runScript, type ScriptResult } from "./_helpers.ts";

// The expected lines are what Python 3.11 writes for the same cases
// (`python3 tests/fixtures/logging_main.py <case>`), tracebacks aside.

const ON_NODE = !("Deno" in globalThis) && !("Bun" in globalThis);

/** Runs the fixture's case `name`, checked to exit with 0. */
async function runCase(name: string): Promise<ScriptResult> {
  const result = await runScript("tests/fixtures/logging_main.ts", [name], 60_000);
  assert.equal(result.status, 0, result.stderr);
  return result;
}

/** One run of the "levels" case, which two tests read. */
let levelsRun: Promise<ScriptResult> | undefined;

function stderrLines(result: ScriptResult): string[] {
  return result.stderr.split("\n").filter((line) => line !== "");
}

/** The lines the logger wrote: `[LEVEL/Name] …`. */
function records(result: ScriptResult): string[] {
  return stderrLines(result).filter((line) => line.startsWith("["));
}

test("a child's logger writes with its own process name, between Python's 'child process calling self.run()' and 'process shutting down' / 'process exiting with exitcode 0', and the main program's 'process shutting down' comes last (Python's log_to_stderr under spawn)", async () => {
  const expected = [
    "[INFO/MainProcess] main says hello",
    "[INFO/Process-1] child process calling self.run()",
    "[INFO/Process-1] child got 5 of 3",
    "[WARNING/Process-1] child warns 'x'",
    "[INFO/Process-1] process shutting down",
    "[INFO/Process-1] process exiting with exitcode 0",
    "[INFO/MainProcess] process shutting down",
  ];
  // The child's last lines are written as it ends: on Node they were lost before (see
  // child_output_test.ts), so more runs there.
  const results = await Promise.all(Array.from({ length: ON_NODE ? 5 : 2 }, () => runCase("child")));
  for (const result of results) {
    assert.deepEqual(stderrLines(result), expected);
    assert.deepEqual(lines(result), ["exitcode 0"]);
  }
});

test("a child that throws logs 'process shutting down' before its traceback and 'exiting with exitcode 1' after; one that calls exit(3) logs exitcode 3; exit() in the main program logs its 'process shutting down' (as Python)", async () => {
  const result = await runCase("ends");
  assert.deepEqual(records(result), [
    "[INFO/Process-1] child process calling self.run()",
    "[INFO/Process-1] process shutting down",
    "[INFO/Process-1] process exiting with exitcode 1",
    "[INFO/Process-2] child process calling self.run()",
    "[INFO/Process-2] process shutting down",
    "[INFO/Process-2] process exiting with exitcode 3",
    "[INFO/MainProcess] process shutting down",
  ]);
  const all = stderrLines(result);
  const traceback = all.indexOf("Process Process-1:");
  assert.ok(traceback > all.indexOf("[INFO/Process-1] process shutting down"), result.stderr);
  assert.equal(all[traceback + 1], "RangeError: boom in child");
  assert.ok(traceback < all.indexOf("[INFO/Process-1] process exiting with exitcode 1"), result.stderr);
});

test("levels filter (WARNING until set), a level without a name is written 'Level 5', messages are %-formatted (%s %r %d %i %f %%, flags, width, precision) and arguments that do not fit give Python's '--- Logging error ---', as Python's logger writes them", async () => {
  const result = await (levelsRun ??= runCase("levels"));
  const all = stderrLines(result);
  const exception = all.indexOf("[ERROR/MainProcess] failed task");
  assert.deepEqual(all.slice(0, exception), [
    "[WARNING/MainProcess] shown 1",
    "[Level 5/MainProcess] subdebug now",
    "[DEBUG/MainProcess] debug",
    "[Level 25/MainProcess] subwarning",
    "[ERROR/MainProcess] 50% done,  3.14|ab  |0007|3|None|True|+5|xy|2.500000",
    `[CRITICAL/MainProcess] "it's" [1, 'a', None] {'k': False} 12.5`,
    "[ERROR/MainProcess] no args %s",
    "--- Logging error ---",
    "TypeError: not enough arguments for format string",
    "Message: '%s %s'",
    "Arguments: (1,)",
    "--- Logging error ---",
    "TypeError: %d format: a real number is required, not str",
    "Message: '%d'",
    "Arguments: ('x',)",
  ]);
  assert.equal(all[exception + 1], "RangeError: boom", "exception() writes the error passed last, after the message");
  assert.match(all[exception + 2], /^\s+at /);
});

test("logToStderr() twice writes each line once (Python's adds a second handler; a child here imports its module again, so a top-level call would double every line of every child)", async () => {
  const written = records(await (levelsRun ??= runCase("levels")));
  assert.deepEqual(written.filter((line, i) => written.indexOf(line) !== i), []);
});

test("without logToStderr a warning is written bare and nothing below WARNING, the library's INFO messages neither, in the main program and in a child (Python's last resort handler)", async () => {
  const result = await runCase("no-handler");
  assert.deepEqual(stderrLines(result), ["a warning, bare", "child warns 'x'"]);
});

test("getLogger() is one logger named 'multiprocessing', NOTSET with WARNING effective until set, as Python's get_logger()", () => {
  const logger = getLogger();
  assert.equal(getLogger(), logger);
  assert.equal(logger.name, "multiprocessing");
  assert.equal(logger.level, logging.NOTSET);
  assert.equal(logger.getEffectiveLevel(), logging.WARNING);
  assert.equal(logger.isEnabledFor(logging.INFO), false);
  assert.equal(logger.isEnabledFor(logging.WARNING), true);
  assert.equal(String(logger), "<Logger multiprocessing (WARNING)>");
});

test("setLevel takes integers and Python's level names ('INFO', 'WARN', 'FATAL'); an unknown name is a ValueError and anything else a TypeError, with Python's messages, and the level stays", () => {
  const logger = getLogger();
  try {
    for (const [level, value] of [["INFO", 20], ["WARN", 30], ["FATAL", 50], [SUBDEBUG, 5], [-3, -3]] as const) {
      logger.setLevel(level);
      assert.equal(logger.level, value);
    }
    assert.equal(String(logger), "<Logger multiprocessing (Level -3)>");
    logger.setLevel("DEBUG");
    assert.throws(() => logger.setLevel("SUBDEBUG" as never), new ValueError("Unknown level: 'SUBDEBUG'"));
    assert.throws(() => logger.setLevel("info" as never), new ValueError("Unknown level: 'info'"));
    assert.throws(() => logger.setLevel(2.5), new TypeError("Level not an integer or a valid string: 2.5"));
    assert.throws(() => logger.setLevel(null as never), new TypeError("Level not an integer or a valid string: None"));
    assert.equal(logger.level, logging.DEBUG);
  } finally {
    logger.setLevel(logging.NOTSET);
  }
});

test("log() takes an integer level only: a name is a TypeError 'level must be an integer', as Python", () => {
  assert.throws(() => getLogger().log("INFO" as never, "x"), new TypeError("level must be an integer"));
});

test("SUBDEBUG, SUBWARNING and the levels of Python's logging have Python's values", () => {
  assert.deepEqual([SUBDEBUG, SUBWARNING], [5, 25]);
  assert.deepEqual({ ...logging }, { NOTSET: 0, DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 });
});
