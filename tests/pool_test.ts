import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  activeChildren,
  AsyncResult,
  Barrier,
  cpuCount,
  EOFError,
  Event,
  Lock,
  Pipe,
  Pool,
  Process,
  ProcessError,
  Queue,
  TimeoutError,
  Value,
  ValueError,
} from "../mod.ts";
import { deadline, lines, runScript } from "./_helpers.ts";
import {
  add,
  crashWorker,
  exitWorker,
  failFirstInit,
  failingInit,
  failUnlessPositive,
  failWithHiddenError,
  failWithFields,
  failWithRangeError,
  flagThenSleep,
  flagUnlessBad,
  countInit,
  initializedLabel,
  meetAtBarrier,
  keepFlags,
  leavePoolRunning,
  makeBytes,
  neverSettles,
  notExported,
  pidAfter,
  readMissingFile,
  returnFunction,
  sleepThen,
  sumBytes,
  square,
  squareExcept,
  squareExitOnThree,
  squareLater,
  throwUncloneable,
  throwValue,
  whoAmI,
} from "./fixtures/pool_tasks.ts";
import {
  addThroughNested,
  addUnderLock,
  blobText,
  bumpFirst,
  countIn,
  countUnless,
  distinctReceived,
  giveBack,
  putTimesTen,
  sendWhenSet,
} from "./fixtures/pool_handle_tasks.ts";

/** Runs `use` with a new pool, terminated afterwards whatever happens. */
async function withPool<T>(options: ConstructorParameters<typeof Pool>[0], use: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool(options);
  try {
    return await use(pool);
  } finally {
    await pool.terminate();
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* countTo(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) {
    await Promise.resolve();
    yield i;
  }
}

function* throwingAfter(n: number): Generator<number> {
  for (let i = 1; i <= n; i++) yield i;
  throw new SyntaxError("input broke");
}

/** Resolves once `flags[index]` is set (by a task, through {@link keepFlags}). */
async function untilSet(flags: Int32Array, index: number): Promise<void> {
  const giveUp = performance.now() + 30_000;
  while (Atomics.load(flags, index) === 0) {
    assert.ok(performance.now() < giveUp, "the task did not start within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A pool worker's process, found among the running children by name. */
function poolWorkers(): ReturnType<typeof activeChildren> {
  return activeChildren().filter((child) => child.name.startsWith("SpawnPoolWorker-"));
}

test("Pool validates processes and maxTasksPerChild with ValueError, starting nothing", () => {
  const before = activeChildren().length;
  assert.throws(() => new Pool({ processes: 0 }), { name: "ValueError", message: /Number of processes must be at least 1/ });
  assert.throws(() => new Pool({ processes: -2 }), ValueError);
  assert.throws(() => new Pool({ processes: NaN }), { name: "ValueError", message: /got NaN$/ });
  assert.throws(() => new Pool({ processes: 1.5 }), ValueError);
  assert.throws(() => new Pool({ processes: 1, maxTasksPerChild: 0 }), { name: "ValueError", message: /maxTasksPerChild/ });
  assert.throws(() => new Pool({ processes: 1, maxTasksPerChild: 1.5 }), ValueError);
  assert.throws(() => new Pool({ processes: 1, maxTasksPerChild: "12" as never }), { name: "ValueError", message: /got "12"$/ });
  assert.equal(activeChildren().length, before);
});

test("Pool checks initializer and initargs with TypeError, starting nothing", () => {
  const before = activeChildren().length;
  assert.throws(() => new Pool({ processes: 1, initializer: 3 as never }), { name: "TypeError", message: /initializer must be a function/ });
  assert.throws(() => new Pool({ processes: 1, initializer: countInit, initargs: "ab" as never }), {
    name: "TypeError",
    message: "initargs must be an array of the initializer's arguments, got string",
  });
  assert.throws(() => new Pool({ processes: 1, initializer: countInit, initargs: [() => 1] }), {
    name: "TypeError",
    message: /^initargs\[0\] is a function/,
  });
  assert.equal(activeChildren().length, before);
});

test("a pool has cpuCount() workers by default", async () => {
  await withPool({}, () => {
    assert.equal(poolWorkers().length, cpuCount());
    return Promise.resolve();
  });
});

test("a pool shows its state and size as Python's repr", async () => {
  const pool = new Pool({ processes: 2 });
  assert.equal(String(pool), "<Pool state=RUN pool_size=2>");
  pool.close();
  assert.equal(String(pool), "<Pool state=CLOSE pool_size=2>");
  pool.terminate();
  assert.equal(String(pool), "<Pool state=TERMINATE pool_size=2>");
  await pool.join();
});

test("apply, map, starmap, imap and imapUnordered compute in the workers", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    assert.equal(await pool.apply(add, [2, 3]), 5);
    assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
    assert.deepEqual(await collect(pool.imap(square, [3, 1, 2])), [9, 1, 4]);
    const unordered = await collect(pool.imapUnordered(square, [1, 2, 3, 4], { chunksize: 2 }));
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16]);
    assert.deepEqual(await pool.map(square, []), []);
  });
});

test("map keeps input order over many chunks, with the default or a given chunksize", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const inputs = Array.from({ length: 1000 }, (_, i) => i);
    const expected = inputs.map((x) => x * x);
    assert.deepEqual(await pool.map(square, inputs), expected);
    assert.deepEqual(await pool.map(square, inputs, { chunksize: 7 }), expected);
    assert.deepEqual(await collect(pool.imap(square, inputs, { chunksize: 3 })), expected);
    await assert.rejects(pool.map(square, inputs, { chunksize: 0 }), { name: "ValueError", message: "Chunksize must be 1+, not 0" });
    const positional = 5 as unknown as { chunksize: number }; // Python's pool.map(f, xs, 5)
    await assert.rejects(pool.map(square, inputs, positional), { name: "TypeError", message: /\{ chunksize: 5 \}/ });
    assert.throws(() => pool.imap(square, inputs, positional), TypeError);
  });
});

test("every call takes iterables and async iterables, and awaits async task functions", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    assert.deepEqual(await pool.map(square, new Set([2, 3])), [4, 9]);
    assert.deepEqual(await pool.map(square, countTo(4)), [1, 4, 9, 16]);
    assert.deepEqual(await pool.starmap(add, (async function* () {
      yield [1, 1] as [number, number];
      yield [2, 2] as [number, number];
    })()), [2, 4]);
    assert.deepEqual(await collect(pool.imap(square, countTo(5), { chunksize: 2 })), [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.map(squareLater, [5, 6]), [25, 36]);
  });
});

test("applyAsync, mapAsync and starmapAsync return AsyncResults and call their callbacks, before the result is ready as in Python", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const seen: unknown[] = [];
    const one = pool.applyAsync(add, [1, 2], { callback: (value) => seen.push(["apply", value]) });
    const many = pool.mapAsync(square, [1, 2], { callback: (value) => seen.push(["map", value]) });
    const star = pool.starmapAsync(add, [[1, 1]], { callback: (value) => seen.push(["starmap", value]) });
    const failed = pool.applyAsync(failWithRangeError, ["no"], { errorCallback: (error) => seen.push(["error", (error as Error).message]) });
    assert.ok(one instanceof AsyncResult);
    assert.equal(await one.get(), 3);
    assert.deepEqual(await many.get(), [1, 4]);
    assert.deepEqual(await star.get(), [2]);
    await failed.wait();
    assert.equal(failed.ready(), true);
    assert.equal(failed.successful(), false);
    assert.equal(one.successful(), true);
    assert.deepEqual(seen.sort(), [["apply", 3], ["error", "no"], ["map", [1, 4]], ["starmap", [2]]].sort());
    // A callback never runs inside the call that made its result, even when the work is quick:
    // it may use the result object (as a Python callback runs on the result thread). As in
    // Python, the result is marked ready just after its callback: ready() is false in it.
    for (let i = 0; i < 20; i++) {
      const readyInCallback: boolean[] = [];
      const result: AsyncResult<number> = pool.applyAsync(add, [i, 1], { callback: () => readyInCallback.push(result.ready()) });
      assert.equal(await result.get(), i + 1);
      assert.deepEqual(readyInCallback, [false]);
    }
  });
});

test("AsyncResult: get with a timeout is a TimeoutError (none with Infinity), wait returns, a signal aborts, successful is a ValueError until ready", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const slow = pool.applyAsync(sleepThen, [400, "late"]);
    assert.equal(slow.ready(), false);
    assert.throws(() => slow.successful(), ValueError);
    await assert.rejects(slow.get({ timeout: 20 }), TimeoutError);
    await slow.wait({ timeout: 20 });
    assert.equal(slow.ready(), false);
    const controller = new AbortController();
    const waiting = slow.get({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await assert.rejects(waiting, { message: "stop waiting" });
    await assert.rejects(slow.get({ signal: AbortSignal.abort(new Error("aborted before")) }), { message: "aborted before" });
    assert.equal(await slow.get({ timeout: Infinity }), "late", "Infinity waits for the result");
    assert.equal(await slow.get({ timeout: 30_000 }), "late");
    assert.equal(slow.successful(), true);
  });
});

test("workers are daemon processes named SpawnPoolWorker-N", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const names = poolWorkers().map((worker) => worker.name);
    assert.equal(names.length, 2);
    for (const name of names) assert.match(name, /^SpawnPoolWorker-\d+$/);
    const self = await pool.apply(whoAmI);
    assert.ok(names.includes(self.name), `${self.name} is one of ${names}`);
    assert.equal(self.daemon, true);
  });
});

test("Pool(n) above cpuCount() starts cpuCount() workers at once and the next as each is up (Python starts all n at once); after close() every worker has run its initializer, as in Python", async () => {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const size = cpuCount() + 2;
  const pool = new Pool({ processes: size, initializer: countInit, initargs: [counter, "waves"] });
  try {
    assert.equal(poolWorkers().length, cpuCount());
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  } finally {
    pool.close();
    await pool.join();
  }
  assert.equal(Atomics.load(counter, 0), size);
});

test("an initializer that waits for every worker of a Pool above cpuCount() at a Barrier returns: the later workers start while the first wait", async () => {
  const size = cpuCount() + 2;
  const barrier = new Barrier(size + 1);
  await withPool({ processes: size, initializer: meetAtBarrier, initargs: [barrier] }, async (pool) => {
    await deadline(barrier.wait(), 60_000);
    assert.equal(poolWorkers().length, size);
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  });
});

test("the initializer runs once in each worker, with initargs, before any task", async () => {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  await withPool({ processes: 2, initializer: countInit, initargs: [counter, "ready"] }, async (pool) => {
    assert.deepEqual(await pool.map(initializedLabel, [1, 2, 3, 4], { chunksize: 1 }), ["ready", "ready", "ready", "ready"]);
    assert.deepEqual(await pool.map(pidAfter, [30, 30, 30, 30], { chunksize: 1 }).then((pids) => new Set(pids).size), 2);
    assert.equal(Atomics.load(counter, 0), 2);
  });
});

test("maxTasksPerChild replaces a worker after that many chunks", async () => {
  await withPool({ processes: 1, maxTasksPerChild: 2 }, async (pool) => {
    const pids = await pool.map(pidAfter, [0, 0, 0, 0, 0, 0], { chunksize: 1 });
    assert.equal(new Set(pids).size, 3, `pids ${pids}`);
    assert.equal(pids[0], pids[1]);
    assert.notEqual(pids[1], pids[2]);
    assert.equal(await pool.apply(add, [1, 1]), 2);
  });
});

test("with maxTasksPerChild, tasks submitted one by one keep running on the replacement workers", async () => {
  await withPool({ processes: 2, maxTasksPerChild: 3 }, async (pool) => {
    const results = Array.from({ length: 24 }, () => pool.applyAsync(whoAmI, []));
    const ranBy = await deadline(Promise.all(results.map((result) => result.get())), 30_000, "the 24 results");
    const tasksPerWorker = new Map<number | null, number>();
    for (const { pid } of ranBy) tasksPerWorker.set(pid, (tasksPerWorker.get(pid) ?? 0) + 1);
    // A worker ends after its 3 tasks and a new one takes its place: 8 workers at least.
    assert.ok(tasksPerWorker.size >= 8, `${tasksPerWorker.size} workers ran the 24 tasks`);
    assert.ok([...tasksPerWorker.values()].every((count) => count <= 3), `tasks per worker: ${[...tasksPerWorker.values()]}`);
  });
});

test("map runs every input even when one throws, then rejects with the first error (as Python)", async () => {
  const buffer = new SharedArrayBuffer(4 * 4);
  await withPool({ processes: 2, initializer: keepFlags, initargs: [buffer] }, async (pool) => {
    const errors: unknown[] = [];
    const inputs: [number, number, number][] = [[0, 1, 100], [1, 1, 0], [2, 1, 100], [3, 1, 100]];
    const result = pool.starmapAsync(flagUnlessBad, inputs, { chunksize: 1, errorCallback: (error) => errors.push(error) });
    await assert.rejects(result.get({ timeout: 30_000 }), { name: "RangeError", message: "bad input 1" });
    assert.deepEqual([...new Int32Array(buffer)], [1, 0, 1, 1], "the other inputs ran before the map failed");
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, "bad input 1");
    assert.equal(result.successful(), false);
  });
});

test("mapAsync reads an iterable during the call: what it throws, the call throws", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const errors: unknown[] = [];
    assert.throws(() => pool.mapAsync(square, throwingAfter(2), { errorCallback: (e) => errors.push(e) }), {
      name: "SyntaxError",
      message: "input broke",
    });
    assert.throws(() => pool.starmapAsync(add, throwingAfter(0) as never), SyntaxError);
    await assert.rejects(pool.map(square, throwingAfter(1)), SyntaxError);
    assert.deepEqual(errors, []);
    assert.equal(await pool.apply(add, [1, 2]), 3);
  });
});

test("next() called again before the previous one settled gets the following result", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const ordered = pool.imap(square, [1, 2, 3]);
    assert.deepEqual(await deadline(Promise.all([ordered.next(), ordered.next(), ordered.next(), ordered.next()]), 30_000), [
      { done: false, value: 1 },
      { done: false, value: 4 },
      { done: false, value: 9 },
      { done: true, value: undefined },
    ]);
    const unordered = pool.imapUnordered(sleepThen, [300, 0]);
    const both = await deadline(Promise.all([unordered.next(), unordered.next()]), 30_000);
    assert.deepEqual(both.map((step) => step.value).sort((a, b) => a - b), [0, 300]);
  });
});

test("imap's next({ timeout }) rejects with TimeoutError and the iteration goes on, as Python's IMapIterator.next(timeout)", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    for (const results of [pool.imap(sleepThen, [150, 1]), pool.imapUnordered(sleepThen, [150, 1])]) {
      await assert.rejects(results.next({ timeout: 20 }), { name: "TimeoutError", message: /no result came within 20 ms/ });
      assert.deepEqual(await deadline(results.next({ timeout: 30_000 }), 30_000), { done: false, value: 150 });
      assert.deepEqual(await deadline(collect(results), 30_000), [1]);
    }
    const aborted = pool.imap(sleepThen, [60]);
    await assert.rejects(aborted.next({ signal: AbortSignal.abort(new Error("stop")) }), { message: "stop" });
    assert.deepEqual(await deadline(aborted.next(), 30_000), { done: false, value: 60 });
  });
});

/** The part of Deno's API that runs a command (this file is type-checked for Node too). */
interface DenoCommandApi {
  execPath(): string;
  Command: new (program: string, options: { args: string[]; env: Record<string, string> }) => {
    output(): Promise<{ code: number; stderr: Uint8Array }>;
  };
}

test("on Deno without read permission, a Pool says that --allow-read (or -A) is missing", { skip: !("Deno" in globalThis) }, async () => {
  // Deno.Command: Deno's node:child_process adds -A when a program starts Deno itself.
  const { Deno } = globalThis as unknown as { Deno: DenoCommandApi };
  const script = new URL("./fixtures/pool_square_main.ts", import.meta.url).pathname;
  const run = async (flags: string[]) => {
    const command = new Deno.Command(Deno.execPath(), { args: ["run", ...flags, script], env: { NO_COLOR: "1" } });
    const { code, stderr } = await command.output();
    return { code, stderr: new TextDecoder().decode(stderr) };
  };
  const denied = await deadline(run([]), 60_000);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Deno denies reading \S+pool_worker\.ts: .* run it with --allow-read \(or -A\)/);
  assert.equal((await deadline(run(["--allow-read"]), 60_000)).code, 0);
});

test("Pool and AsyncResult describe themselves as Python's reprs, also in console.log", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    assert.equal(inspect(pool), "<Pool state=RUN pool_size=1>");
    const slow = pool.applyAsync(sleepThen, [100, "done"]);
    assert.equal(inspect(slow), "<AsyncResult state=pending>");
    await deadline(slow.get(), 30_000);
    assert.equal(String(slow), "<AsyncResult state=finished returned string>");
    const failed = pool.applyAsync(failWithRangeError, ["no"]);
    await deadline(failed.wait(), 30_000);
    assert.equal(String(failed), "<AsyncResult state=finished raised RangeError>");
  });
});

test("a task's built-in error keeps its own fields (code, errno, path), as Python's OSError keeps errno and filename", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const path = "/nonexistent-dir-of-the-pool-test/missing.txt";
    const error = await pool.apply(readMissingFile, [path]).then(() => assert.fail("read a missing file"), (e: unknown) => e);
    assert.ok(error instanceof Error);
    assert.match(error.message, /ENOENT/);
    const { code, syscall, path: itsPath, errno } = error as NodeJS.ErrnoException;
    assert.deepEqual([code, syscall, itsPath, typeof errno], ["ENOENT", "open", path, "number"]);
    // Fields that can cross come along; one that cannot (a function) is left behind.
    const typed = await pool.apply(failWithFields).then(() => assert.fail("did not throw"), (e: unknown) => e);
    assert.ok(typed instanceof TypeError);
    assert.equal((typed as TypeError).message, "bad input");
    assert.deepEqual([(typed as { code?: string }).code, (typed as { detail?: unknown }).detail], ["E_BAD", { at: [1, 2] }]);
    assert.equal(Object.hasOwn(typed as object, "hook"), false);
  });
});

test("an idle worker takes the next task: none waits behind a long one on a busy worker (Python's shared task queue)", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    await pool.map(square, [1, 2, 3, 4]); // both workers up, the job's chunks known to be short
    const slow = pool.applyAsync(sleepThen, [2_000, "slow"]);
    const quick = [pool.applyAsync(sleepThen, [0, "a"]), pool.applyAsync(sleepThen, [0, "b"])];
    assert.deepEqual(await deadline(Promise.all(quick.map((result) => result.get())), 30_000), ["a", "b"]);
    assert.equal(slow.ready(), false);
    await deadline(slow.get(), 30_000);
    const unordered = await deadline(collect(pool.imapUnordered(sleepThen, [2_000, 10, 20], { chunksize: 1 })), 30_000);
    assert.deepEqual(unordered, [10, 20, 2_000]);
  });
});

test("an error thrown by a callback is printed and changes nothing: the result keeps its value and the pool goes on", async () => {
  const printed: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => printed.push(...args);
  try {
    await withPool({ processes: 1 }, async (pool) => {
      const ok = pool.applyAsync(square, [3], {
        callback: () => {
          throw new Error("callback broke");
        },
      });
      assert.equal(await ok.get(), 9);
      assert.equal(ok.successful(), true);
      const failed = pool.applyAsync(failWithRangeError, ["task broke"], {
        errorCallback: () => {
          throw new Error("errorCallback broke");
        },
      });
      await assert.rejects(failed.get(), { name: "RangeError", message: "task broke" });
      assert.equal(await pool.apply(add, [2, 2]), 4);
    });
  } finally {
    console.error = consoleError;
  }
  const text = printed.map((item) => (item instanceof Error ? `${item.name}: ${item.message}` : String(item))).join("\n");
  assert.match(text, /Exception in the callback of a pool result[^]*Error: callback broke/);
  assert.match(text, /Exception in the errorCallback of a pool result[^]*Error: errorCallback broke/);
});

test("a task that throws fails only its own result, with its class, message and the child's stack", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const bad = pool.applyAsync(failWithRangeError, ["out of range"]);
    const good = pool.applyAsync(add, [1, 1]);
    const error = await bad.get().then(() => assert.fail("should have failed"), (e: unknown) => e as Error);
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "out of range");
    const cause = error.cause as ProcessError;
    assert.ok(cause instanceof ProcessError);
    assert.equal(cause.childName, "RangeError");
    assert.match(cause.childStack ?? "", /failWithRangeError/);
    assert.match(cause.childStack ?? "", /pool_tasks/);
    assert.equal(await good.get(), 2);

    const hidden = await pool.apply(failWithHiddenError, ["mine"]).then(() => assert.fail(), (e: unknown) => e as ProcessError);
    assert.ok(hidden instanceof ProcessError, "an error class that is not exported arrives as a ProcessError");
    assert.equal(hidden.childName, "HiddenError");
    assert.equal(hidden.message, "mine");
    assert.match(hidden.childStack ?? "", /failWithHiddenError/);
  });
});

test("a task that throws a value that is not an Error rejects with that value, as a local call would", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    for (const value of ["oops", 42, undefined, null, { code: 7, detail: ["x"] }]) {
      await assert.rejects(pool.apply(throwValue, [value]).then(() => "no rejection"), (thrown: unknown) => {
        assert.deepEqual(thrown, value);
        return true;
      });
    }
    const errors: unknown[] = [];
    await pool.mapAsync(throwValue, ["from map"], { errorCallback: (e) => errors.push(e) }).wait();
    assert.deepEqual(errors, ["from map"]);
    await assert.rejects(pool.apply(throwUncloneable, []), {
      name: "Error",
      message: "a non-Error value was thrown: [object Object]",
    });
  });
});

test("map fails with the first error; imap yields what came before it and goes on after a one-item chunk", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    await assert.rejects(pool.starmap(squareExcept, [[1, 3], [2, 3], [3, 3], [4, 3]], { chunksize: 1 }), {
      name: "RangeError",
      message: "bad input 3",
    });
    await assert.rejects(pool.map(failUnlessPositive, [1, -1, 2]), RangeError);
    const results = pool.imap(failUnlessPositive, [1, 2, -3, 4]);
    assert.deepEqual(await results.next(), { done: false, value: 1 });
    assert.deepEqual(await results.next(), { done: false, value: 2 });
    await assert.rejects(results.next(), { name: "RangeError", message: "not positive: -3" });
    assert.deepEqual(await results.next(), { done: false, value: 4 });
    assert.deepEqual(await results.next(), { done: true, value: undefined });
    // A failed chunk of several items loses its other results: its error ends the iteration (as in Python).
    const chunked = pool.imap(failUnlessPositive, [1, 2, -3, 4, 5, 6], { chunksize: 2 });
    assert.deepEqual(await chunked.next(), { done: false, value: 1 });
    assert.deepEqual(await chunked.next(), { done: false, value: 2 });
    await assert.rejects(chunked.next(), { name: "RangeError", message: "not positive: -3" });
    assert.deepEqual(await chunked.next(), { done: true, value: undefined });
    const unordered = pool.imapUnordered(failUnlessPositive, [-1, 2, 3, 4], { chunksize: 2 });
    await assert.rejects(collect(unordered), { name: "RangeError" });
    assert.deepEqual(await unordered.next(), { done: true, value: undefined });
  });
});

test("a worker that exits or crashes mid-task fails that task with ProcessError, and is replaced", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const before = poolWorkers().map((worker) => worker.pid);
    await assert.rejects(pool.apply(exitWorker, [3]), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.match(error.message, /SpawnPoolWorker-\d+ ended \(exit code 3\) while running this task/);
      return true;
    });
    await assert.rejects(pool.apply(crashWorker), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.match(error.message, /ended \(exit code 1\)/);
      return true;
    });
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
    const after = poolWorkers().map((worker) => worker.pid);
    assert.equal(after.length, 1);
    assert.notDeepEqual(after, before);
  });
});

test("only the task a worker was running when it ended fails: the others it held still give their results", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const results = pool.imap(squareExitOnThree, [1, 2, 3, 4, 5]);
    assert.deepEqual(await results.next(), { done: false, value: 1 });
    assert.deepEqual(await results.next(), { done: false, value: 4 });
    await assert.rejects(results.next(), { name: "ProcessError", message: /exit code 7/ });
    assert.deepEqual(await collect(results), [16, 25]);
  });
});

test("a worker terminated from outside fails its task; the chunks it had not started run elsewhere", async () => {
  const started = new Int32Array(new SharedArrayBuffer(4));
  await withPool({ processes: 1, initializer: keepFlags, initargs: [started.buffer] }, async (pool) => {
    const running = pool.applyAsync(flagThenSleep, [0, 10_000]);
    const queued = pool.applyAsync(add, [2, 2]);
    await untilSet(started, 0);
    const [worker] = poolWorkers();
    worker.terminate();
    await assert.rejects(running.get({ timeout: 30_000 }), ProcessError);
    assert.equal(await queued.get({ timeout: 30_000 }), 4);
  });
});

test("a worker that ended while idle is replaced, and the tasks sent next run (none fails)", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    assert.equal(await pool.apply(add, [1, 1]), 2);
    const [idle] = poolWorkers();
    idle.terminate();
    await idle.join();
    assert.equal(await pool.apply(add, [2, 2]), 4);
    const [next] = poolWorkers();
    next.kill();
    await next.join();
    assert.deepEqual(await pool.map(square, [1, 2, 3, 4], { chunksize: 1 }), [1, 4, 9, 16]);
    assert.equal(poolWorkers().length, 1);
  });
});

test("an input iterable that throws fails the call", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    await assert.rejects(pool.map(square, throwingAfter(3)), { name: "SyntaxError", message: "input broke" });
    await assert.rejects(pool.map(square, (async function* () {
      yield 1;
      throw new SyntaxError("async input broke");
    })()), { name: "SyntaxError", message: "async input broke" });
    const results = pool.imap(square, throwingAfter(2));
    assert.deepEqual(await results.next(), { done: false, value: 1 });
    assert.deepEqual(await results.next(), { done: false, value: 4 });
    await assert.rejects(results.next(), { name: "SyntaxError", message: "input broke" });
    assert.deepEqual(await results.next(), { done: true, value: undefined });
  });
});

test("inputs and results larger than the rings stream through them", async () => {
  await withPool({ processes: 2 }, async (pool) => {
    const big = 3 << 20;
    const bytes = await pool.apply(makeBytes, [big]);
    assert.equal(bytes.length, big);
    assert.equal(bytes[big - 1], (big - 1) & 255);
    const sums = await pool.map(sumBytes, [bytes, bytes.subarray(0, 10)]);
    assert.deepEqual(sums, [sumBytes(bytes), 45]);
  });
});

test("values that cannot cross fail with a TypeError naming them, and the pool goes on", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    await assert.rejects(pool.map(square, [1, 2, () => 3] as never[]), { name: "TypeError", message: /^inputs\[2\] is a function/ });
    await assert.rejects(pool.apply(add, [1, { cb: () => 1 }] as never), { name: "TypeError", message: /^args\[1\]\.cb is a function/ });
    await assert.rejects(pool.apply(returnFunction), { name: "TypeError", message: /^result is a function/ });
    await assert.rejects(pool.map(returnFunction, [1]), { name: "TypeError", message: /^result\[0\] is a function/ });
    assert.equal(await pool.apply(add, [1, 2]), 3);
  });
});

test("map with an input that cannot cross rejects with a TypeError naming it, once the other inputs ran (as Python)", async () => {
  const buffer = new SharedArrayBuffer(3 * 4);
  await withPool({ processes: 1, initializer: keepFlags, initargs: [buffer] }, async (pool) => {
    const inputs = [[0, -1, 0], [1, -1, 0], [2, -1, { ms: Symbol("ms") }]] as [number, number, number][];
    await assert.rejects(pool.starmap(flagUnlessBad, inputs, { chunksize: 1 }), {
      name: "TypeError",
      message: /^inputs\[2\]\[2\]\.ms is a symbol and cannot be sent to another process/,
    });
    assert.deepEqual([...new Int32Array(buffer)], [1, 1, 0]);
    assert.equal(await pool.apply(add, [1, 1]), 2, "the pool goes on");
  });
});

test("functions must be exported and named; the refusal speaks of the function, not of a process target", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    assert.throws(() => pool.applyAsync((x: number) => x, [1]), { name: "TypeError", message: /^the function has no usable name/ });
    const module = new URL(`./fixtures/pool_tasks${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`, import.meta.url);
    await assert.rejects(pool.apply(notExported, [], { module }), /cannot find "hidden": it is not exported from \S*pool_tasks/);
  });
});

test("work after close is a ValueError; join waits for the workers to finish the work and end", async () => {
  const pool = new Pool({ processes: 2 });
  try {
    await assert.rejects(pool.join(), { name: "ValueError", message: /Pool is still running/ });
    const pending = pool.map(sleepThen, [50, 50, 50]);
    pool.close();
    assert.throws(() => pool.applyAsync(add, [1, 2]), { name: "ValueError", message: /Pool not running/ });
    await assert.rejects(pool.map(square, [1]), ValueError);
    assert.throws(() => pool.imap(square, [1]), ValueError);
    await pool.join();
    assert.deepEqual(await pending, [50, 50, 50]);
    assert.equal(poolWorkers().length, 0);
  } finally {
    await pool.terminate();
  }
});

test("join takes a timeout (resolving with workers still running) and a signal (rejecting with its reason)", async () => {
  const pool = new Pool({ processes: 1 });
  try {
    pool.applyAsync(neverSettles, []);
    pool.close();
    const started = performance.now();
    await pool.join({ timeout: 100 });
    assert.ok(performance.now() - started >= 90, "join waited for its timeout");
    assert.equal(poolWorkers().length, 1, "the worker still runs");
    await assert.rejects(pool.join({ signal: AbortSignal.abort(new Error("stop joining")) }), { message: "stop joining" });
  } finally {
    await pool.terminate();
  }
  assert.equal(poolWorkers().length, 0);
});

test("a task that never settles stays pending (its worker does not end by itself) until terminate", async () => {
  const pool = new Pool({ processes: 1 });
  try {
    const result = pool.applyAsync(neverSettles, []);
    await result.wait({ timeout: 500 });
    assert.equal(result.ready(), false, "still running, as in Python");
    assert.equal(poolWorkers().length, 1);
    await pool.terminate();
    await assert.rejects(result.get({ timeout: 30_000 }), ProcessError);
  } finally {
    await pool.terminate();
  }
});

test("terminate ends running tasks promptly; their results fail with ProcessError", async () => {
  const pool = new Pool({ processes: 2 });
  const running = pool.map(sleepThen, [10_000, 10_000], { chunksize: 1 });
  const failure = running.catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  await pool.terminate();
  assert.ok(await failure instanceof ProcessError);
  assert.match((await failure as Error).message, /terminated/);
  assert.ok(performance.now() - started < 9000, "terminate did not wait for the 10 s tasks");
  assert.equal(poolWorkers().length, 0);
  assert.throws(() => pool.applyAsync(add, [1, 2]), ValueError);
});

test("a program ends when its main code does, even with pool work nobody awaits (as in Python)", async () => {
  const result = await runScript("tests/fixtures/pool_exit_main.ts", ["pending"], 20_000);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["map 1,4,9", "main done"]);
});

test("a program stays open while it awaits pool results", async () => {
  const result = await runScript("tests/fixtures/pool_exit_main.ts", ["awaited"], 20_000);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["map 1,4,9", "imap 100", "main done", "then late"]);
});

test("a child process that ends with its pool still running terminates the pool and exits with code 0", async () => {
  const child = new Process({ target: leavePoolRunning });
  child.start();
  await child.join({ timeout: 30_000 });
  assert.equal(child.exitCode, 0);
});

test("await using terminates the pool", async () => {
  let seen: Pool | undefined;
  {
    await using pool = new Pool({ processes: 1 });
    seen = pool;
    assert.equal(await pool.apply(add, [1, 1]), 2);
  }
  assert.throws(() => seen!.applyAsync(add, [1, 1]), ValueError);
  assert.equal(poolWorkers().length, 0);
});

test("a signal cancels queued tasks and ends running ones, rejecting with its reason; the pool goes on", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const controller = new AbortController();
    const reason = new Error("changed my mind");
    const started = performance.now();
    const running = pool.map(sleepThen, [10_000, 10_000, 10_000], { chunksize: 1, signal: controller.signal });
    const other = pool.applyAsync(add, [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(reason);
    await assert.rejects(running, (error) => error === reason);
    assert.equal(await other.get({ timeout: 30_000 }), 3);
    assert.ok(performance.now() - started < 9000, "the running task was ended before its 10 s");
    assert.deepEqual(await pool.map(square, [2, 3]), [4, 9]);

    const aborted = AbortSignal.abort(new Error("too late"));
    await assert.rejects(pool.apply(add, [1, 1], { signal: aborted }), { message: "too late" });
    const results = pool.imap(sleepThen, [10_000], { signal: controller.signal });
    await assert.rejects(results.next(), (error) => error === reason);
  });
});

test("leaving an imap loop early cancels the inputs not started", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    let read = 0;
    function* inputs(): Generator<number> {
      for (let i = 0; i < 1000; i++) {
        read++;
        yield i;
      }
    }
    const results = pool.imap(square, inputs());
    for await (const value of results) if (value >= 4) break;
    assert.ok(read < 1000, `read ${read} inputs`);
    assert.deepEqual(await results.next(), { done: true, value: undefined });
    assert.equal(await pool.apply(add, [1, 1]), 2);
  });
});

test("a worker whose initializer throws is replaced, and the tasks sent to it run elsewhere", async () => {
  const runs = new SharedArrayBuffer(4);
  await withPool({ processes: 2, initializer: failFirstInit, initargs: [runs] }, async (pool) => {
    const inputs = Array.from({ length: 8 }, (_, i) => i);
    assert.deepEqual(await pool.map(square, inputs, { chunksize: 1 }), inputs.map((x) => x * x));
    // The worker that is up may have run every task: the replacement runs its initializer
    // at the latest before it ends.
    pool.close();
    await pool.join();
    assert.ok(Atomics.load(new Int32Array(runs), 0) >= 3, "a third worker replaced the broken one");
  });
});

test("when the initializer throws in every worker, tasks fail with ProcessError instead of waiting forever", async () => {
  await withPool({ processes: 1, initializer: failingInit }, async (pool) => {
    await assert.rejects(pool.apply(add, [1, 1]), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.match(error.message, /initializer threw TypeError: initializer broke/);
      return true;
    });
  });
  await withPool({ processes: 2, initializer: failingInit }, async (pool) => {
    await assert.rejects(deadline(pool.map(square, [1, 2, 3, 4], { chunksize: 1 }), 60_000), ProcessError);
  });
});

// ---- handles in task arguments --------------------------------------------------------

test("a Lock and a Value passed in apply's args work in the workers: increments under the lock add up exactly", async () => {
  const lock = new Lock();
  const total = new Value("i", 0, { lock: false });
  await withPool({ processes: 2 }, async (pool) => {
    const done = await Promise.all(Array.from({ length: 8 }, () => pool.applyAsync(addUnderLock, [lock, total, 25]).get()));
    assert.deepEqual(done, Array(8).fill(25));
    assert.equal(total.value, 200);
    assert.equal(await lock.acquire({ timeout: 0 }), true, "no worker kept the lock");
    lock.release();
  });
});

test("a Queue passed to map tasks gets each task's item, and the parent gets each exactly once", async () => {
  const queue = new Queue<number>();
  await withPool({ processes: 2 }, async (pool) => {
    const inputs = Array.from({ length: 40 }, (_, i) => ({ queue, i }));
    assert.deepEqual(await pool.map(putTimesTen, inputs), inputs.map(({ i }) => i));
    const items: number[] = [];
    for (let i = 0; i < 40; i++) items.push(await queue.get({ timeout: 10_000 }));
    assert.deepEqual(items.sort((a, b) => a - b), inputs.map(({ i }) => i * 10));
    assert.equal(queue.empty(), true);
  });
});

test("an Event and a pipe end passed in starmap's args work in the workers", async () => {
  const go = new Event();
  const [reader, writer] = Pipe<number>(false);
  await withPool({ processes: 2 }, async (pool) => {
    const inputs: [Event, typeof writer, number][] = [1, 2, 3, 4, 5].map((i) => [go, writer, i]);
    const sent = pool.starmapAsync(sendWhenSet, inputs, { chunksize: 1 });
    assert.equal(await reader.poll(50), false, "the tasks wait for the event");
    go.set();
    const received: number[] = [];
    for (let i = 0; i < 5; i++) received.push(await reader.recv({ timeout: 10_000 }));
    assert.deepEqual(received.sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual(await sent.get(), [1, 2, 3, 4, 5]);
  });
  reader.close();
  writer.close();
});

test("a pipe end sent to pool tasks stays open while the workers hold it, and closes when they end", async () => {
  const [reader, writer] = Pipe<number>(false);
  const go = new Event();
  go.set();
  const pool = new Pool({ processes: 2 });
  try {
    assert.deepEqual(await pool.starmap(sendWhenSet, [[go, writer, 1], [go, writer, 2]], { chunksize: 1 }), [1, 2]);
    writer.close();
    const received = [await reader.recv({ timeout: 10_000 }), await reader.recv({ timeout: 10_000 })];
    assert.deepEqual(received.sort(), [1, 2]);
    assert.equal(await reader.poll(50), false, "the workers still hold the sending end: no EOF yet");
    pool.close();
    await pool.join();
    await assert.rejects(reader.recv({ timeout: 10_000 }), EOFError);
  } finally {
    await pool.terminate();
    reader.close();
  }
});

test("handles nested in an object and in a Map arrive working", async () => {
  const lock = new Lock();
  const total = new Value("i", 5);
  await withPool({ processes: 1 }, async (pool) => {
    const result = await pool.apply(addThroughNested, [{ deep: { lock } }, new Map([["total", total]]), 3]);
    assert.equal(result, 8);
    assert.equal(total.value, 8);
  });
});

test("a handle named by many tasks reaches each worker once: its tasks share one rebuilt handle", async () => {
  const lock = new Lock();
  await withPool({ processes: 2 }, async (pool) => {
    const counts = await pool.map(distinctReceived, Array(30).fill(lock), { chunksize: 1 });
    assert.deepEqual(counts, Array(30).fill(1));
    const other = new Lock();
    assert.deepEqual(await pool.map(distinctReceived, [other, other], { chunksize: 2 }), [2, 2]);
  });
});

test("SharedArrayBuffers and views of them in task args arrive as the same shared memory", async () => {
  const buffer = new SharedArrayBuffer(4 * 4);
  await withPool({ processes: 2 }, async (pool) => {
    const views = [new Int32Array(buffer), new Int32Array(buffer, 4, 2), new Int32Array(buffer), new Int32Array(buffer, 4, 2)];
    assert.deepEqual(await pool.map(bumpFirst, views, { chunksize: 1 }), [4, 2, 4, 2]);
    assert.deepEqual([...new Int32Array(buffer)], [2, 2, 0, 0]);
  });
});

test("a Blob in task args arrives (postMessage carries it beside the task's bytes)", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    assert.equal(await pool.apply(blobText, [new Blob(["seed ", "text"])]), "seed text");
  });
});

test("handles reach the workers that replace others (maxTasksPerChild: 1)", async () => {
  const total = new Value("i", 0);
  await withPool({ processes: 1, maxTasksPerChild: 1 }, async (pool) => {
    const pids = await pool.map(countIn, [total, total, total, total], { chunksize: 1 });
    assert.equal(total.value, 4);
    assert.equal(new Set(pids).size, 4, "each task ran in a new worker");
  });
});

test("a task moved off a worker that died reaches its new worker with its handles", async () => {
  const total = new Value("i", 0);
  await withPool({ processes: 1 }, async (pool) => {
    const inputs: [typeof total, boolean][] = [[total, true], [total, false], [total, false], [total, false]];
    await assert.rejects(pool.starmap(countUnless, inputs, { chunksize: 1 }), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.match(error.message, /ended \(exit code 3\) while running this task/);
      return true;
    });
    assert.equal(total.value, 3, "the three other tasks ran, on the replacement worker");
  });
});

test("a task that returns a handle or shared memory fails with a TypeError naming the result, and the pool goes on", async () => {
  const lock = new Lock();
  await withPool({ processes: 1 }, async (pool) => {
    await assert.rejects(pool.apply(giveBack, [lock]), {
      name: "TypeError",
      message: "result is a shareable handle (Lock) and cannot be returned by a pool task: " +
        "create it in the parent and pass it to the task in its arguments instead",
    });
    await assert.rejects(pool.map(giveBack, [1, new SharedArrayBuffer(4)]), {
      name: "TypeError",
      message: /^result\[1\] is a SharedArrayBuffer and cannot be returned by a pool task: create it in the parent/,
    });
    assert.equal(await pool.apply(add, [1, 2]), 3);
  });
});

test("Python's positional get(5), wait(5), next(5) and apply_async's positional callback are TypeErrors, not ignored", async () => {
  await withPool({ processes: 1 }, async (pool) => {
    const refused = (call: string, given: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not ${given}` });
    const result = pool.applyAsync(add, [1, 2]);
    await assert.rejects(result.get(5 as never), refused("get", "5"));
    await assert.rejects(result.wait(5 as never), refused("wait", "5"));
    assert.equal(await result.get(), 3);
    const results = pool.imap(square, [1]);
    await assert.rejects(results.next(5 as never), refused("next", "5"));
    await results.return?.();
    assert.throws(() => pool.applyAsync(add, [1, 2], add as never), {
      name: "TypeError",
      message: "applyAsync() takes an options object, such as applyAsync(fn, args, { callback, errorCallback }), not a function (add)",
    });
  });
});

test("options in Python's spelling (maxtasksperchild, error_callback, kwds) are TypeErrors naming the option to write, not ignored", async () => {
  assert.throws(() => new Pool({ processes: 1, maxtasksperchild: 1 } as never), {
    name: "TypeError",
    message: "Pool has no option maxtasksperchild (Python's spelling): write maxTasksPerChild",
  });
  await withPool({ processes: 1 }, async (pool) => {
    assert.throws(() => pool.mapAsync(square, [1], { error_callback: () => {} } as never), {
      name: "TypeError",
      message: "a pool call has no option error_callback (Python's spelling): write errorCallback",
    });
    await assert.rejects(pool.apply(add, [1] as never, { kwds: { b: 2 } } as never), {
      name: "TypeError",
      message: "applyAsync has no option kwds: JavaScript has no keyword arguments; pass their values in the arguments (args)",
    });
    assert.equal(await pool.apply(add, [1, 2]), 3);
  });
});
