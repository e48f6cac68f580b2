import { test } from "node:test";
import assert from "node:assert/strict";
import { lines, runScript } from "./_helpers.ts";

const RUNS = 20;
const AT_ONCE = 5;

test("every line a child printed comes out, before what the main program prints after join(), as in Python (README example, 20 runs)", async () => {
  const outputs: string[][] = [];
  for (let started = 0; started < RUNS; started += AT_ONCE) {
    const batch = Array.from({ length: AT_ONCE }, () => runScript("tests/fixtures/readme_queue_main.ts", [], 60_000));
    for (const result of await Promise.all(batch)) {
      assert.equal(result.status, 0, result.stderr);
      outputs.push(lines(result));
    }
  }
  const expected = ["consumed 1", "consumed 2", "consumed 3", "consumed 4", "all done"];
  const wrong = outputs.filter((output) => output.join("\n") !== expected.join("\n"));
  assert.deepEqual(wrong, [], `${wrong.length} of ${RUNS} runs printed something else`);
});
