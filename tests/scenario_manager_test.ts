// Scenario `manager`, run as the user runs it: the example as a program.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lines, runScript } from "./_helpers.ts";

test("manager: three processes fill one Manager().dict() and one list; the parent prints them sorted", async () => {
  const result = await runScript("examples/manager.ts", [], 60_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.deepEqual(lines(result), [
    "dict (9 items, sorted):",
    "  worker 1 × 1 = 1",
    "  worker 1 × 2 = 2",
    "  worker 1 × 3 = 3",
    "  worker 2 × 1 = 2",
    "  worker 2 × 2 = 4",
    "  worker 2 × 3 = 6",
    "  worker 3 × 1 = 3",
    "  worker 3 × 2 = 6",
    "  worker 3 × 3 = 9",
    "list (sorted):",
    "  worker 1 recorded 3 results",
    "  worker 2 recorded 3 results",
    "  worker 3 recorded 3 results",
  ]);
});
