// Scenario `primes`, run as the user runs it: concurrent.futures' documentation example.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lines, runScript } from "./_helpers.ts";

test("primes: isPrime over Python's six numbers in executor workers; a progress line per answer, then the docs' output in order", async () => {
  const result = await runScript("examples/primes.ts", [], 60_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  const out = lines(result);
  const progress = out.slice(0, 6).map((line) => /^\[(\d)\/6\] (\d+ is prime: (?:true|false)) \(\d+\.\d\d s\)$/.exec(line));
  assert.ok(progress.every(Boolean), out.join("\n"));
  assert.deepEqual(progress.map((match) => match![1]), ["1", "2", "3", "4", "5", "6"]);
  const inOrder = [
    "112272535095293 is prime: true",
    "112582705942171 is prime: true",
    "112272535095293 is prime: true",
    "115280095190773 is prime: true",
    "115797848077099 is prime: true",
    "1099726899285419 is prime: false",
  ];
  assert.deepEqual(progress.map((match) => match![2]).sort(), [...inOrder].sort());
  assert.deepEqual(out.slice(6), ["in order:", ...inOrder]);
});
