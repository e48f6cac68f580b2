// The standalone binary: builds `mp-demo` into an empty temporary directory and runs every
// scenario from it there, with no sources around, checking the outputs SCENARIOS.md gives.
// Needs Bun to build: `npx bun test ./scripts/binary_test.ts` (part of the test command).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { buildBinary } from "./build_binary.ts";

const SCENARIOS = ["clock", "subclass", "no-daemon", "daemon", "producer-consumer", "pipe", "download"];
/** Scenarios beyond the tutorial's. */
const MORE_SCENARIOS = ["tasks", "manager", "primes", "worker"];
const CLOCK = ["Run >>> 1", "Run >>> 2", "Run >>> 3", "Run >>> 4", "Run >>> 5", "Ending!"];
// The daemon scenarios' order leaves half an interval for the child's start: keep 1 s.
const DAEMON_INTERVAL = 1;
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  status: number | null;
  stdout: string[];
  stderr: string;
  elapsed: number;
  /** Milliseconds from the start to the first time each stdout line appeared. */
  at: Map<string, number>;
}

let dir = "";
let binary = "";
/** The scenarios the binary's --help lists. */
let listed = new Set<string>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "mp-demo-"));
  binary = await buildBinary(join(dir, "mp-demo"));
  const help = await run(["--help"]);
  listed = new Set(help.stdout.flatMap((line) => /^  ([a-z][a-z-]*) /.exec(line)?.[1] ?? []));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the binary with `args` in the temporary directory, which holds only the binary. */
function run(args: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const result: Run = { status: null, stdout: [], stderr: "", elapsed: 0, at: new Map() };
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      result.stdout.push(line);
      if (!result.at.has(line)) result.at.set(line, performance.now() - started);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (result.stderr += chunk));
  const killer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(killer);
      if (partial) result.stdout.push(partial);
      result.status = status;
      result.elapsed = performance.now() - started;
      resolve(result);
    });
  });
}

function assertSucceeded(result: Run): void {
  assert.equal(result.status, 0, `exit status 0; stderr:\n${result.stderr}`);
}

test("the binary's directory holds nothing but the binary", () => {
  assert.deepEqual(readdirSync(dir), ["mp-demo"]);
});

test("--help lists every scenario of SCENARIOS.md, and the others", () => {
  assert.deepEqual([...listed].sort(), [...SCENARIOS, ...MORE_SCENARIOS].sort());
});

for (const name of ["clock", "subclass"]) {
  test(`${name}: Run >>> 1 … 5, then Ending!`, async () => {
    const result = await run([name, "--interval", "0.2"]);
    assertSucceeded(result);
    assert.deepEqual(result.stdout, CLOCK);
  });
}

test("no-daemon: the program ends after its child's Ending!", async () => {
  const result = await run(["no-daemon", "--interval", String(DAEMON_INTERVAL)]);
  assertSucceeded(result);
  assert.deepEqual(result.stdout, ["Run >>> 1", "Run >>> 2", "ENDING!", "Run >>> 3", "Run >>> 4", "Run >>> 5", "Ending!"]);
});

test("daemon: the program ends right after ENDING!, status 0", async () => {
  const result = await run(["daemon", "--interval", String(DAEMON_INTERVAL)]);
  assertSucceeded(result);
  assert.deepEqual(result.stdout, ["Run >>> 1", "Run >>> 2", "ENDING!"]);
  const afterEnding = result.elapsed - result.at.get("ENDING!")!;
  // The child needed 3 more intervals to finish.
  assert.ok(afterEnding < 1.5 * DAEMON_INTERVAL * 1000, `exited ${afterEnding.toFixed(0)} ms after ENDING!`);
});

test("producer-consumer: each item produced, then consumed once, in order", async () => {
  const result = await run(["producer-consumer", "--interval", "0.2", "--lang", "en"]);
  assertSucceeded(result);
  const items = [1, 2, 3, 4];
  assert.deepEqual(result.stdout.filter((line) => line.startsWith("consume >")), items.map((i) => `consume >>>>>>>>> ${i}`));
  assert.deepEqual(result.stdout.filter((line) => line.startsWith("produce >")), items.map((i) => `produce >>>>>>>>> ${i}`));
  const ctime = String.raw`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}`;
  for (const label of ["consume start", "produce start", "produce end"]) {
    assert.ok(result.stdout.some((line) => new RegExp(`^${label}: ${ctime}$`).test(line)), `"${label}: <ctime>" is printed`);
  }
});

test("pipe: the child answers over a duplex Pipe, sees end-of-file, and reports over a one-way one", async () => {
  const result = await run(["pipe", "--lang", "en"]);
  assertSucceeded(result);
  for (const line of [
    'parent received: "HELLO"',
    "parent received: 10",
    "the child's report: answered 3 messages, then got EOFError",
    "child exit code: 0",
  ]) {
    assert.ok(result.stdout.includes(line), `"${line}" is printed`);
  }
});

test("manager: worker processes fill one Manager().dict() and list; the manager serves from inside the binary", async () => {
  const result = await run(["manager"]);
  assertSucceeded(result);
  assert.equal(result.stdout[0], "dict (9 items, sorted):");
  for (const line of ["  worker 3 × 3 = 9", "  worker 2 recorded 3 results"]) {
    assert.ok(result.stdout.includes(line), `"${line}" is printed`);
  }
});

test("download: no URLs, the embedded files with several workers, all verified", async () => {
  const result = await run(["download", "--out", "downloads"]);
  assertSucceeded(result);
  assert.match(result.stdout[0], /^downloading 7 files with [2-9] worker processes from the embedded server/);
  assert.match(result.stdout.join("\n"), /^total: 7 files +\d+ +[\d.]+ s +[\d.]+ +\d+ +7 ok, 0 failures/m);
  assert.equal(readdirSync(join(dir, "downloads")).length, 7);
});

test("tasks: Task objects cross a JoinableQueue as themselves, by reference to the embedded example module", async () => {
  const result = await run(["tasks", "--interval", "0.1"]);
  assertSucceeded(result);
  const called = result.stdout.filter((line) => /^Consumer-\d: \d \* \d$/.test(line));
  assert.equal(called.length, 10);
  const results = result.stdout.filter((line) => line.startsWith("Result: ")).sort();
  assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => `Result: ${i} * ${i} = ${i * i}`));
});

test("primes: concurrent.futures' example, isPrime in executor workers started from inside the binary", async () => {
  const result = await run(["primes"]);
  assertSucceeded(result);
  assert.equal(result.stdout.filter((line) => /^\[\d\/6\] \d+ is prime: (true|false) \(/.test(line)).length, 6);
  assert.equal(result.stdout.at(-1), "1099726899285419 is prime: false");
});

test("worker: the Redis client is inside the binary; a server nobody runs is named in the error", async () => {
  const result = await run(["worker", "--redis", "redis://127.0.0.1:1", "--out", "downloads"]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /cannot reach the Redis server at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED/);
});
