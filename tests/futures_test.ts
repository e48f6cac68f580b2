// Python's concurrent.futures: the ports of CPython's Lib/test/test_concurrent_futures
// (test_future, test_wait, test_as_completed, executor, test_process_pool, test_shutdown,
// test_init, test_deadlock) that fit this machine, each named after Python's behaviour.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  ALL_COMPLETED,
  asCompleted,
  BrokenExecutor,
  BrokenProcessPool,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  InvalidStateError,
  ProcessPoolExecutor,
  RuntimeError,
  Semaphore,
  TimeoutError,
  ValueError,
  wait,
} from "../mod.ts";
import { executorProcesses } from "../src/internals.ts";
import { deadline, lines, runScript } from "./_helpers.ts";
import {
  abs,
  acquireOnce,
  divmod,
  exitAfter,
  getInitStatus,
  init,
  initFail,
  mul,
  pow,
  raiseRuntimeError,
  returnFunction,
  sleepThen,
  startChild,
  workerPid,
} from "./fixtures/futures_tasks.ts";

class OSError extends Error {}

// ---- Python's fixed futures (test_concurrent_futures/util.py create_future) ------------

const pending = () => new Future<number>();
function running(): Future<number> {
  const f = new Future<number>();
  f.setRunningOrNotifyCancel();
  return f;
}
function cancelled(): Future<number> {
  const f = new Future<number>();
  f.cancel();
  return f;
}
function cancelledAndNotified(): Future<number> {
  const f = cancelled();
  f.setRunningOrNotifyCancel();
  return f;
}
function exceptionFuture(): Future<number> {
  const f = new Future<number>();
  f.setException(new OSError());
  return f;
}
function successful(): Future<number> {
  const f = new Future<number>();
  f.setResult(42);
  return f;
}

/** Runs `use` with console.error captured; returns what was printed. */
function capturingStderr(use: () => void): string {
  const printed: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => printed.push(args.map((arg) => arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg)).join(" "));
  try {
    use();
  } finally {
    console.error = consoleError;
  }
  return printed.join("\n");
}

const later = (ms: number, act: () => void) => setTimeout(act, ms);

// ---- test_future.py --------------------------------------------------------------------

test("done callbacks see the result, the exception, the cancellation (test_done_callback_with_*)", async () => {
  const seen: unknown[] = [];
  const f = new Future<number>();
  f.addDoneCallback(async (done) => seen.push(await done.result()));
  f.setResult(5);
  const g = new Future<number>();
  g.addDoneCallback(async (done) => seen.push(((await done.exception()) as Error).message));
  g.setException(new Error("test"));
  const h = new Future<number>();
  h.addDoneCallback((done) => seen.push(done.cancelled()));
  assert.equal(h.cancel(), true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(seen, [true, 5, "test"]);
});

test("a callback that throws is reported and the next callbacks still run (test_done_callback_raises)", () => {
  let raisingWasCalled = false;
  let fnWasCalled = false;
  const f = new Future<number>();
  f.addDoneCallback(() => {
    raisingWasCalled = true;
    throw new Error("doh!");
  });
  f.addDoneCallback(() => (fnWasCalled = true));
  const printed = capturingStderr(() => f.setResult(5));
  assert.ok(raisingWasCalled && fnWasCalled);
  assert.match(printed, /exception calling callback for <Future at #\d+ state=finished returned number>/);
  assert.match(printed, /doh!/);
  // Added to a done future, a throwing callback is reported the same (test_done_callback_raises_already_succeeded).
  const again = capturingStderr(() => f.addDoneCallback(() => { throw new Error("doh!"); }));
  assert.match(again, /exception calling callback for .*\n.*doh!/);
});

test("a callback added to a done future runs at once (test_done_callback_already_*)", () => {
  const seen: unknown[] = [];
  successful().addDoneCallback((f) => seen.push(f.done() && !f.cancelled()));
  exceptionFuture().addDoneCallback((f) => seen.push(f.done()));
  cancelled().addDoneCallback((f) => seen.push(f.cancelled()));
  assert.deepEqual(seen, [true, true, true]);
});

test("repr: the five states as Python shows them, without the address (test_repr)", () => {
  assert.match(String(pending()), /^<Future at #\d+ state=pending>$/);
  assert.match(String(running()), /^<Future at #\d+ state=running>$/);
  assert.match(String(cancelled()), /^<Future at #\d+ state=cancelled>$/);
  assert.match(String(cancelledAndNotified()), /^<Future at #\d+ state=cancelled>$/);
  assert.match(String(exceptionFuture()), /^<Future at #\d+ state=finished raised OSError>$/);
  assert.match(inspect(successful()), /^<Future at #\d+ state=finished returned number>$/);
});

test("cancel: true while pending or cancelled, false once running or finished (test_cancel)", () => {
  const f1 = pending();
  assert.equal(f1.cancel(), true);
  assert.equal(f1.cancelled(), true);
  assert.equal(running().cancel(), false);
  assert.equal(cancelled().cancel(), true);
  const f4 = cancelledAndNotified();
  assert.equal(f4.cancel(), true);
  assert.equal(String(f4).includes("cancelled"), true);
  assert.equal(exceptionFuture().cancel(), false);
  assert.equal(successful().cancel(), false);
});

test("cancelled(), done(), running() truth tables over the six fixed futures (test_cancelled, test_done, test_running)", () => {
  const all = [pending, running, cancelled, cancelledAndNotified, exceptionFuture, successful].map((make) => make());
  assert.deepEqual(all.map((f) => f.cancelled()), [false, false, true, true, false, false]);
  assert.deepEqual(all.map((f) => f.done()), [false, false, true, true, true, true]);
  assert.deepEqual(all.map((f) => f.running()), [false, true, false, false, false, false]);
});

test("result()/exception() with timeout 0: TimeoutError, CancelledError, the error, the value (test_result_with_timeout, test_exception_with_timeout)", async () => {
  for (const make of [pending, running]) {
    await assert.rejects(make().result({ timeout: 0 }), TimeoutError);
    await assert.rejects(make().exception({ timeout: 0 }), TimeoutError);
  }
  for (const make of [cancelled, cancelledAndNotified]) {
    await assert.rejects(make().result({ timeout: 0 }), CancelledError);
    await assert.rejects(make().exception({ timeout: 0 }), CancelledError);
  }
  await assert.rejects(exceptionFuture().result({ timeout: 0 }), OSError);
  assert.ok((await exceptionFuture().exception({ timeout: 0 })) instanceof OSError);
  assert.equal(await successful().result({ timeout: 0 }), 42);
  assert.equal(await successful().exception({ timeout: 0 }), null);
});

test("result() waits for a value set later, and a cancel later raises CancelledError (test_result_with_success, _with_cancel)", async () => {
  const f1 = pending();
  later(50, () => f1.setResult(42));
  assert.equal(await f1.result({ timeout: 5000 }), 42);
  const f2 = pending();
  later(50, () => f2.cancel());
  await assert.rejects(f2.result({ timeout: 5000 }), CancelledError);
  const f3 = pending();
  later(50, () => f3.setException(new OSError()));
  assert.ok((await f3.exception({ timeout: 5000 })) instanceof OSError);
  // A Future is PromiseLike: await is result().
  const f4 = pending();
  later(10, () => f4.setResult(7));
  assert.equal(await f4, 7);
});

test("a second setResult/setException raises InvalidStateError, the first value stays (test_multiple_set_*)", async () => {
  const f = new Future<number>();
  f.setResult(1);
  assert.throws(() => f.setResult(2), (error: unknown) => {
    assert.ok(error instanceof InvalidStateError);
    assert.match(error.message, /^FINISHED: <Future at #\d+ state=finished returned number>$/);
    return true;
  });
  assert.throws(() => f.setException(new Error("x")), InvalidStateError);
  assert.equal(await f.result({ timeout: 0 }), 1);
  const g = new Future<number>();
  g.setException(new RangeError("first"));
  assert.throws(() => g.setException(new Error("second")), /FINISHED: .*raised RangeError/);
  assert.equal(((await g.exception()) as Error).message, "first");
  assert.throws(() => running().setRunningOrNotifyCancel(), RuntimeError);
});

// ---- test_wait.py and test_as_completed.py on fixed futures ----------------------------

test("wait([f, f]) counts a future once (test_20369)", async () => {
  const f = successful();
  const { done, notDone } = await wait([f, f]);
  assert.deepEqual([...done], [f]);
  assert.equal(notDone.size, 0);
});

test("FIRST_COMPLETED: a cancelled future nobody notified counts as not done (test_first_completed)", async () => {
  const c = cancelled();
  const quick = pending();
  const slow = pending();
  later(20, () => quick.setResult(1));
  const { done, notDone } = await wait([c, quick, slow], { returnWhen: FIRST_COMPLETED });
  assert.deepEqual(done, new Set([quick]));
  assert.deepEqual(notDone, new Set([c, slow]));
});

test("FIRST_COMPLETED returns at once with the futures already done (test_first_completed_some_already_completed)", async () => {
  const c = cancelledAndNotified();
  const s = successful();
  const slow = pending();
  const { done, notDone } = await wait([c, s, slow], { returnWhen: FIRST_COMPLETED });
  assert.deepEqual(done, new Set([c, s]));
  assert.deepEqual(notDone, new Set([slow]));
});

test("FIRST_EXCEPTION returns when one raises, or at once when one already did (test_first_exception*)", async () => {
  const ok = successful();
  const raiser = pending();
  const slow = pending();
  later(30, () => raiser.setException(new RangeError("raised")));
  later(10, () => ok.done());
  let result = await wait([ok, raiser, slow], { returnWhen: FIRST_EXCEPTION });
  assert.deepEqual(result.done, new Set([ok, raiser]));
  assert.deepEqual(result.notDone, new Set([slow]));
  const c = cancelled();
  const notified = cancelledAndNotified();
  const failed = exceptionFuture();
  result = await wait([ok, notified, failed, c, slow], { returnWhen: FIRST_EXCEPTION });
  assert.deepEqual(result.done, new Set([ok, notified, failed]));
  assert.deepEqual(result.notDone, new Set([c, slow]));
  result = await wait([failed, slow], { returnWhen: FIRST_EXCEPTION });
  assert.deepEqual(result.done, new Set([failed]));
});

test("wait looks at each future once, as it finishes (Python's waiter), not at every future at each finish: a wait over many futures stays linear", async () => {
  const futures = Array.from({ length: 200 }, () => new Future<number>());
  let looks = 0;
  for (const future of futures) {
    future.cancelled = function (this: Future<number>) {
      looks++;
      return Future.prototype.cancelled.call(this);
    };
  }
  const waiting = wait(futures, { returnWhen: FIRST_EXCEPTION });
  for (const [i, future] of futures.entries()) future.setResult(i);
  const { done, notDone } = await waiting;
  assert.equal(done.size, 200);
  assert.equal(notDone.size, 0);
  assert.ok(looks <= 2 * futures.length, `${looks} looks at 200 futures`);
});

test("ALL_COMPLETED waits for all; a timeout returns the sets as they are (test_all_completed, test_timeout)", async () => {
  const f = pending();
  later(20, () => f.setResult(1));
  const fixed = [successful(), exceptionFuture(), cancelledAndNotified()];
  let result = await wait([...fixed, f], { returnWhen: ALL_COMPLETED });
  assert.equal(result.done.size, 4);
  assert.equal(result.notDone.size, 0);
  const slow = pending();
  result = await wait([...fixed, slow], { timeout: 50 });
  assert.deepEqual(result.done, new Set(fixed));
  assert.deepEqual(result.notDone, new Set([slow]));
  await assert.rejects(wait([slow], { returnWhen: "ANY" as never }), /Invalid return condition: "ANY"/);
});

test("asCompleted yields the done futures first, then as they finish, each once (test_no_timeout, test_duplicate_futures)", async () => {
  const fixed = [cancelledAndNotified(), exceptionFuture(), successful()];
  const a = pending();
  const b = pending();
  later(30, () => b.setResult(2));
  later(60, () => a.setResult(1));
  const yielded: Future<number>[] = [];
  for await (const f of asCompleted([...fixed, a, b, a, a])) yielded.push(f);
  assert.deepEqual(yielded, [...fixed, b, a]);
});

test("asCompleted past its timeout: the done ones, then TimeoutError 'N (of M) futures unfinished' (test_future_times_out, test_correct_timeout_exception_msg)", async () => {
  for (const timeout of [0, 50]) {
    const fixed = [cancelledAndNotified(), exceptionFuture(), successful()];
    const yielded: Future<number>[] = [];
    await assert.rejects(async () => {
      for await (const f of asCompleted([...fixed, pending()], { timeout })) yielded.push(f);
    }, TimeoutError);
    assert.deepEqual(new Set(yielded), new Set(fixed));
  }
  await assert.rejects(async () => {
    for await (const _ of asCompleted([cancelledAndNotified(), pending(), running(), successful()], { timeout: 0 }));
  }, { name: "TimeoutError", message: "2 (of 4) futures unfinished" });
});

test("asCompleted checks its deadline only before it waits: a batch is yielded whole, a future done while the loop body ran past the deadline is counted unfinished (as_completed's batches)", async () => {
  const done = new Future<number>();
  done.setResult(1);
  const late = new Future<number>();
  const first = asCompleted([done, late], { timeout: 0 });
  assert.equal((await first.next()).value, done);
  late.setResult(2); // while the body runs, past the deadline
  await assert.rejects(first.next(), { name: "TimeoutError", message: "1 (of 2) futures unfinished" });

  const [a, b, never] = [new Future<number>(), new Future<number>(), new Future<number>()];
  const batched = asCompleted([a, b, never], { timeout: 30 });
  a.setResult(1);
  b.setResult(2);
  const x = (await batched.next()).value;
  await new Promise((resolve) => setTimeout(resolve, 60)); // the body outlives the deadline
  const y = (await batched.next()).value; // the rest of the batch collected before it
  assert.deepEqual(new Set([x, y]), new Set([a, b]));
  await assert.rejects(batched.next(), { name: "TimeoutError", message: "1 (of 3) futures unfinished" });
});

// ---- the executor (executor.py, test_process_pool.py, test_shutdown.py, test_deadlock.py) ----

/** One executor for the tests that do not break it (Python's mixin runs each on a fresh one; workers are costly here). */
const shared = new ProcessPoolExecutor({ maxWorkers: 2 });
after(() => shared.shutdown());

test("bad options as Python: maxWorkers ≤ 0, a non-function initializer, maxTasksPerChild, fork (test_max_workers_negative)", () => {
  for (const maxWorkers of [0, -1]) {
    assert.throws(() => new ProcessPoolExecutor({ maxWorkers }), { name: "ValueError", message: "maxWorkers must be greater than 0" });
  }
  assert.throws(() => new ProcessPoolExecutor({ initializer: 3 as never }), { name: "TypeError", message: /initializer must be a callable/ });
  assert.throws(() => new ProcessPoolExecutor({ maxTasksPerChild: 0 }), { name: "ValueError", message: "maxTasksPerChild must be >= 1" });
  assert.throws(() => new ProcessPoolExecutor({ maxTasksPerChild: 1.5 }), { name: "TypeError", message: "maxTasksPerChild must be an integer" });
  assert.throws(() => new ProcessPoolExecutor({ mpContext: "fork" }), ValueError);
  assert.throws(() => shared.map(pow, [1], [1], { chunksize: -1 }), { name: "ValueError", message: "chunksize must be >= 1." });
});

test("submit returns a Future that is PromiseLike: pow(2, 8) is 256, mul(2, 8) is 16 (test_submit, test_submit_keyword)", async () => {
  const f = shared.submit(pow, 2, 8);
  assert.ok(f instanceof Future);
  assert.equal(await f, 256);
  assert.equal(await shared.submit(mul, 2, 8).result({ timeout: 10_000 }), 16);
  assert.match(String(f), /state=finished returned number/);
});

test("map equals the local map for chunksize 1, 3, 6, 40 and 50; several iterables zip (test_map, test_map_chunksize)", async () => {
  const xs = Array.from({ length: 40 }, (_, i) => i);
  const expected = xs.map((x) => x ** x);
  for (const chunksize of [1, 3, 6, 40, 50]) {
    assert.deepEqual(await shared.map(pow, xs, xs, { chunksize }).toArray(), expected);
  }
  const seen: number[] = [];
  for await (const y of shared.map(mul, [1, 2, 3], [10, 20])) seen.push(y);
  assert.deepEqual(seen, [10, 40]);
});

test("map throws a call's error at its position (test_map_exception)", async () => {
  const results = shared.map(divmod, [1, 1, 1, 1], [2, 3, 0, 5]);
  assert.deepEqual((await results.next()).value, [0, 1]);
  assert.deepEqual((await results.next()).value, [0, 1]);
  await assert.rejects(results.next(), { name: "RangeError", message: "integer division or modulo by zero" });
  assert.equal((await results.next()).done, true);
});

test("map's timeout counts from the call: the ready results, then TimeoutError naming the map's timeout (test_map_timeout)", async () => {
  const results: unknown[] = [];
  await assert.rejects(async () => {
    for await (const r of shared.map(sleepThen, [0, 0, 2500], { timeout: 1000 })) results.push(r);
  }, { name: "TimeoutError", message: "the map's results were not all done within 1000 ms of the call" });
  assert.deepEqual(results, [0, 0]);
});

test("a map over nothing yields nothing, and shutdown still ends the workers afterwards (map over an empty iterable submits no call)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  assert.deepEqual(await executor.map(mul, [], []).toArray(), []);
  assert.equal(await executor.submit(mul, 2, 3), 6); // a worker is up
  assert.deepEqual(await executor.map(abs, []).toArray(), []);
  await deadline(executor.shutdown(), 20_000, "shutdown after an empty map");
  assert.ok(executorProcesses(executor).every((process) => !process.isAlive()));
});

test("leaving a map early cancels the calls not started; an aborted signal rejects with its reason", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const results = executor.map(sleepThen, [300, 300, 300, 300, 300, 300]);
    for await (const _ of results) break;
    const started = performance.now();
    assert.equal(await executor.submit(mul, 2, 3), 6);
    assert.ok(performance.now() - started < 1200, "the cancelled calls (1500 ms of them) did not run before it");
    const controller = new AbortController();
    const aborted = executor.map(sleepThen, [100, 100, 100], { signal: controller.signal });
    later(20, () => controller.abort(new Error("stop")));
    await assert.rejects(aborted.toArray(), /stop/);
  } finally {
    await executor.shutdown();
  }
});

test("a built-in task function (Python pickles math.sqrt by reference; a JavaScript built-in has no module) is refused by submit and map with a TypeError saying what to send", () => {
  const refusal = { name: "TypeError", message: /built-in function \(sqrt\) and cannot be sent to another process: send an exported function of your own that calls it/ };
  assert.throws(() => shared.submit(Math.sqrt, 16), refusal);
  assert.throws(() => shared.map(Math.sqrt, [4, 9]), refusal);
});

test("a task's error arrives as its class with its message, the child's stack as cause; the pool is not broken (test_traceback, test_error_during_func_exec_on_worker)", async () => {
  await assert.rejects(shared.submit(raiseRuntimeError, 123).result(), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "123");
    assert.match(String((error.cause as Error | undefined)?.stack ?? error.cause), /raiseRuntimeError/);
    return true;
  });
  assert.equal(await shared.submit(mul, 3, 3), 9);
});

test("a result or an argument that cannot cross fails its future with a TypeError naming it, as Python puts the pickling error in the future (test_error_during_result_pickle_on_worker, test_error_at_task_pickle)", async () => {
  await assert.rejects(shared.submit(returnFunction).result(), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /result/);
    return true;
  });
  const unsendable = shared.submit(mul as (...args: unknown[]) => number, () => 1, 2);
  await assert.rejects(unsendable.result(), { name: "TypeError", message: /^args\[0\] is a function/ });
  assert.equal(await shared.submit(mul, 4, 4), 16);
});

test("asCompleted and wait over executor futures (test_as_completed's test_no_timeout, test_wait's test_first_completed)", async () => {
  const futures = [shared.submit(mul, 2, 21), shared.submit(mul, 7, 6), successful()];
  const yielded = new Set<Future<number>>();
  for await (const f of asCompleted(futures, { timeout: 10_000 })) yielded.add(f);
  assert.deepEqual(yielded, new Set(futures));
  const slow = shared.submit(sleepThen, 1000) as Future<unknown>;
  const quick = shared.submit(mul, 21, 2) as Future<unknown>;
  const { done, notDone } = await wait([slow, quick], { returnWhen: FIRST_COMPLETED });
  assert.deepEqual(done, new Set([quick]));
  assert.deepEqual(notDone, new Set([slow]));
  assert.equal(await slow, 1000);
});

test("workers start on demand: three sequential calls use one worker, 15×N blocked calls exactly N (test_idle_process_reuse_one, test_saturation)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await executor.submit(mul, 21, 2), 42);
    assert.equal(executorProcesses(executor).length, 1);
    const semaphore = new Semaphore(0);
    const blocked = Array.from({ length: 30 }, () => executor.submit(acquireOnce, semaphore));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(executorProcesses(executor).length, 2);
    semaphore.release(30);
    await deadline(Promise.all(blocked), 20_000, "the blocked calls");
  } finally {
    await executor.shutdown();
  }
  assert.ok(executorProcesses(executor).every((process) => !process.isAlive()), "every worker ended (test_processes_terminate)");
});

test("maxTasksPerChild: 3 tasks on a worker, the 4th on a new one, still one worker; no deadlock with pending tasks (test_max_tasks_per_child, gh-115634)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 3 });
  try {
    const pids = [];
    for (let i = 0; i < 4; i++) pids.push(await executor.submit(workerPid));
    assert.equal(pids[0], pids[1]);
    assert.equal(pids[1], pids[2]);
    assert.notEqual(pids[3], pids[0]);
    assert.equal(executorProcesses(executor).filter((process) => process.isAlive()).length, 1);
    const many = Array.from({ length: 7 }, (_, i) => executor.submit(mul, i, i));
    assert.deepEqual(await deadline(Promise.all(many), 20_000, "tasks across replaced workers"), [0, 1, 4, 9, 16, 25, 36]);
  } finally {
    await executor.shutdown();
  }
});

test("maxTasksPerChild 1 then shutdown({ wait: false }): the pending tasks still complete (test_max_tasks_early_shutdown, gh-119592)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 1 });
  const futures = Array.from({ length: 6 }, (_, i) => executor.submit(mul, i, i));
  await executor.shutdown({ wait: false });
  assert.deepEqual(await deadline(Promise.all(futures), 20_000, "the tasks"), [0, 1, 4, 9, 16, 25]);
  await executor.shutdown();
});

test("a worker that dies breaks the executor: BrokenProcessPool for every pending future and for later submits (test_killed_child, test_crash_during_func_exec_on_worker)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  try {
    const running = executor.submit(sleepThen, 3000);
    const other = executor.submit(sleepThen, 3000);
    const queued = executor.submit(mul, 1, 1);
    while (executorProcesses(executor).length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    executorProcesses(executor)[0].kill();
    for (const f of [running, other, queued]) {
      await assert.rejects(deadline(f.result(), 10_000, "the broken future"), (error: unknown) => {
        assert.ok(error instanceof BrokenProcessPool && error instanceof BrokenExecutor && error instanceof RuntimeError);
        assert.match(error.message, /terminated abruptly while the future was running or pending/);
        return true;
      });
    }
    assert.equal(executor.broken, true);
    assert.throws(() => executor.submit(mul, 1, 1), { name: "BrokenProcessPool", message: /not usable anymore/ });
    await executor.terminateWorkers(); // its workers are dead already: no error (test_force_shutdown_workers_dead_workers)
  } finally {
    await executor.shutdown();
  }
  const crashing = new ProcessPoolExecutor({ maxWorkers: 1 });
  await assert.rejects(crashing.submit(exitAfter, 0).result(), BrokenProcessPool);
  await crashing.shutdown();
});

test("an initializer runs in each worker; one that throws breaks the executor, reported as Python logs it (test_init.py)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2, initializer: init, initargs: ["initialized"] });
  try {
    assert.deepEqual(await Promise.all([executor.submit(getInitStatus), executor.submit(getInitStatus)]), ["initialized", "initialized"]);
  } finally {
    await executor.shutdown();
  }
  const printed: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => printed.push(...args);
  const failing = new ProcessPoolExecutor({ maxWorkers: 2, initializer: initFail });
  try {
    await assert.rejects(failing.submit(mul, 1, 1).result(), BrokenExecutor);
    assert.throws(() => failing.submit(mul, 1, 1), BrokenExecutor);
  } finally {
    console.error = consoleError;
    await failing.shutdown();
  }
  assert.match(printed.join("\n"), /Exception in initializer:\n.*TypeError: error in initializer/);
});

test("shutdown: submit afterwards raises RuntimeError; cancelFutures cancels the queued work, the rest completes (test_run_after_shutdown, test_cancel_futures, test_hang_gh94440)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  assert.equal(await executor.submit(mul, 1, 1), 1);
  executor.submit(mul, 1, 1).cancel();
  const futures = Array.from({ length: 20 }, () => executor.submit(sleepThen, 50));
  await deadline(executor.shutdown({ cancelFutures: true }), 10_000, "shutdown");
  const cancelledCount = futures.filter((f) => f.cancelled()).length;
  assert.ok(cancelledCount > 10, `${cancelledCount} cancelled`);
  const others = futures.filter((f) => !f.cancelled());
  assert.ok(others.length >= 1);
  for (const f of others) assert.equal(await f.exception({ timeout: 0 }), null);
  assert.throws(() => executor.submit(mul, 1, 1), { name: "RuntimeError", message: "cannot schedule new futures after shutdown" });
  await executor.shutdown(); // again: harmless
});

test("asyncDispose shuts down waiting; shutdown({ wait: false }) still gives every result (test_context_manager_shutdown, test_shutdown_no_wait)", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  const values = executor.map(abs, [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
  await executor[Symbol.asyncDispose]();
  assert.deepEqual(await values.toArray(), [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]);
  assert.ok(executorProcesses(executor).every((process) => !process.isAlive()));
  const noWait = new ProcessPoolExecutor({ maxWorkers: 2 });
  const later = noWait.map(mul, [1, 2, 3], [3, 3, 3]);
  await noWait.shutdown({ wait: false });
  assert.deepEqual(await later.toArray(), [3, 6, 9]);
  await noWait.shutdown();
});

test("terminateWorkers()/killWorkers() end the running work with BrokenProcessPool and stop the executor; before any worker, a no-op (Python 3.14)", async () => {
  for (const how of ["terminateWorkers", "killWorkers"] as const) {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    const task = executor.submit(sleepThen, 5000);
    while (!task.running() || executorProcesses(executor).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await deadline(executor[how](), 10_000, how);
    await assert.rejects(task.result({ timeout: 0 }), BrokenProcessPool);
    assert.throws(() => executor.submit(mul, 1, 1), RuntimeError);
    assert.ok(executorProcesses(executor).every((process) => !process.isAlive()));
  }
  await new ProcessPoolExecutor({ maxWorkers: 1 }).terminateWorkers();
});

test("a program that ends with work pending waits for it, with or without shutdown({ wait: false }) (test_interpreter_shutdown, test_hang_gh83386)", async () => {
  const [plain, noWait] = await Promise.all([
    runScript("tests/fixtures/futures_exit_main.ts", [], 30_000),
    runScript("tests/fixtures/futures_exit_main.ts", ["no-wait"], 30_000),
  ]);
  for (const result of [plain, noWait]) {
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(lines(result), ["apple"]);
    assert.equal(result.stderr, "");
  }
});

test("an executor's workers are not daemons (Python 3.9+): a task starts a process and joins it", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  assert.deepEqual(await executor.submit(startChild, 3).result({ timeout: 30_000 }), [false, 3]);
  assert.deepEqual(executorProcesses(executor).map((process) => process.daemon), [false]);
});

test("Python's positional result(5), exception(5), wait(fs, 5) and as_completed(fs, 5) are TypeErrors, not waits without a limit", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const refused = (call: string, given: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not ${given}` });
    const future = executor.submit(mul, 2, 3);
    await assert.rejects(future.result(5 as never), refused("result", "5"));
    await assert.rejects(future.exception(5 as never), refused("exception", "5"));
    await assert.rejects(wait([future], 5 as never), refused("wait", "5"));
    assert.throws(() => asCompleted([future], 5 as never), refused("asCompleted", "5"));
    assert.equal(await future.result(), 6);
  } finally {
    await executor.shutdown();
  }
});

test("options in Python's spelling (max_workers, chunk_size) are TypeErrors naming the option to write, not ignored", async () => {
  assert.throws(() => new ProcessPoolExecutor({ max_workers: 2 } as never), {
    name: "TypeError",
    message: "ProcessPoolExecutor has no option max_workers (Python's spelling): write maxWorkers",
  });
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    assert.throws(() => executor.map(mul, [1], [2], { chunk_size: 2 } as never), {
      name: "TypeError",
      message: "map has no option chunk_size (Python's spelling): write chunksize",
    });
  } finally {
    await executor.shutdown();
  }
});
