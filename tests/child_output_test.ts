import { test } from "node:test";
import assert from "node:assert/strict";
import { lines, runScript } from "./_helpers.ts";

// Node lost a child's last lines at exit (issue 12): 20 runs there; Deno and Bun never did,
// and 5 runs keep the check without doubling the suite's time.
const ON_NODE = !("Deno" in globalThis) && !("Bun" in globalThis);
const RUNS = ON_NODE ? 20 : 5;
const AT_ONCE = 5;

/** The stdout lines of `RUNS` runs of a script, `AT_ONCE` at a time, each checked to exit with 0. */
async function outputsOf(relative: string, args: string[] = []): Promise<string[][]> {
  const outputs: string[][] = [];
  for (let started = 0; started < RUNS; started += AT_ONCE) {
    const batch = Array.from({ length: AT_ONCE }, () => runScript(relative, args, 60_000));
    for (const result of await Promise.all(batch)) {
      assert.equal(result.status, 0, result.stderr);
      outputs.push(lines(result));
    }
  }
  return outputs;
}

test("every line a child printed comes out, before what the main program prints after join(), as in Python (README example, 20 runs on Node)", async () => {
  const outputs = await outputsOf("tests/fixtures/readme_queue_main.ts");
  const expected = ["consumed 1", "consumed 2", "consumed 3", "consumed 4", "all done"];
  const wrong = outputs.filter((output) => output.join("\n") !== expected.join("\n"));
  assert.deepEqual(wrong, [], `${wrong.length} of ${RUNS} runs printed something else`);
});

test("PyMOTW's producer/consumer (scenario tasks): each consumer's last line, Exiting, comes out before the results printed after join(), as in Python (20 runs on Node)", async () => {
  const wrong = (await outputsOf("cli.ts", ["tasks", "--interval", "0.01"])).filter((output) => {
    const consumers = Number(/^Creating (\d) consumers$/.exec(output[0])?.[1]);
    const exiting = output.filter((line) => /^Consumer-\d: Exiting$/.test(line)).length;
    const firstResult = output.findIndex((line) => line.startsWith("Result: "));
    const lastExiting = output.findLastIndex((line) => line.endsWith(": Exiting"));
    return exiting !== consumers || firstResult < lastExiting || output.length !== 1 + 10 + consumers + 10;
  });
  assert.deepEqual(wrong, [], `${wrong.length} of ${RUNS} runs printed something else`);
});
