import { test } from "node:test";
import assert from "node:assert/strict";
import {
  exit,
  getAllStartMethods,
  getContext,
  getStartMethod,
  Pipe,
  Process,
  RuntimeError,
  setStartMethod,
  ValueError,
} from "../mod.ts";
import { forkserverWarm } from "../src/internals.ts";
import { deadline, lines, runScript, runToEnd } from "./_helpers.ts";
import { filled, newMailbox, read } from "./_mailbox.ts";
import { putAndStartGrandchild, reportStartMethod } from "./fixtures/context_targets.ts";
import { describeSelf, exitWith, runForever, throwError } from "./fixtures/targets.ts";
import { moduleUrl as preloadedUrl, reportImportedAt } from "./fixtures/preloaded.ts";

const JOIN_MS = 20_000;

/** What a child started by `ProcessClass` reports over a pipe: its start method, name and pid. */
async function childReport(ProcessClass: typeof Process): Promise<{ method: string; name: string; pid: number }> {
  const [r, w] = Pipe<{ method: string; name: string; pid: number }>(false);
  const p = new ProcessClass({ target: reportStartMethod, args: [w] });
  await runToEnd(p);
  w.close();
  const report = await r.recv({ timeout: JOIN_MS });
  assert.equal(p.exitCode, 0);
  assert.equal(report.pid, p.pid);
  return report;
}

test("getAllStartMethods() is ['spawn', 'forkserver'] (CPython test_get_all, without fork)", () => {
  assert.deepEqual(getAllStartMethods(), ["spawn", "forkserver"]);
});

test("getContext() of an unknown method or of 'fork' is a ValueError, as Python's on Windows", () => {
  assert.throws(() => getContext("bogus"), { name: "ValueError", message: "cannot find context for 'bogus'" });
  assert.throws(() => getContext("fork"), new ValueError("cannot find context for 'fork'"));
});

test("setForkserverPreload() takes a list of module URLs, else TypeError as Python's", () => {
  const ctx = getContext("forkserver");
  assert.throws(() => ctx.setForkserverPreload([1, 2, 3] as never), {
    name: "TypeError",
    message: "module_names must be a list of strings",
  });
});

test("a concrete context knows its method, is its own context, and refuses setStartMethod (CPython test_context)", async () => {
  for (const method of getAllStartMethods()) {
    const ctx = getContext(method);
    assert.equal(ctx.getStartMethod(), method);
    assert.equal(ctx.getContext(), ctx);
    assert.equal(getContext(method), ctx);
    assert.throws(() => ctx.setStartMethod("spawn"), new ValueError("cannot set start method of concrete context"));
    assert.throws(() => ctx.setStartMethod(null), ValueError);
    assert.ok(ctx.Process.name.toLowerCase().startsWith(method));
    assert.ok(ctx.constructor.name.toLowerCase().startsWith(method));
    const report = await childReport(ctx.Process);
    assert.equal(report.method, method, "the child reports the start method that started it");
    assert.match(report.name, new RegExp(`^${ctx.Process.name}-\\d+$`));
  }
});

test("setStartMethod() sets the default once; again only with force, else RuntimeError (CPython test_set_get)", async () => {
  const old = getStartMethod({ allowNone: true });
  try {
    setStartMethod(null, { force: true });
    assert.equal(getStartMethod({ allowNone: true }), null);
    setStartMethod("forkserver");
    assert.throws(() => setStartMethod("spawn"), new RuntimeError("context has already been set"));
    for (const method of getAllStartMethods()) {
      setStartMethod(method, { force: true });
      assert.equal(getStartMethod(), method);
      assert.equal(getContext().getStartMethod(), method);
      assert.equal((await childReport(Process)).method, method, "a plain Process starts by the default method");
    }
    assert.throws(() => setStartMethod("fork", { force: true }), new ValueError("cannot find context for 'fork'"));
  } finally {
    setStartMethod(old, { force: true });
  }
});

test("queues work with processes of every start method, and a child's child inherits it (CPython test_mixed/nested_startmethod)", async () => {
  for (const queueMethod of getAllStartMethods()) {
    const q = new (getContext(queueMethod).Queue)<number>();
    for (const method of getAllStartMethods()) {
      const p = await runToEnd(new (getContext(method).Process)({ target: putAndStartGrandchild, args: [q] }));
      assert.equal(p.exitCode, 0);
      const got = new Set([await q.get({ timeout: JOIN_MS }), await q.get({ timeout: JOIN_MS })]);
      assert.deepEqual(got, new Set([1, 2]));
    }
    q.close();
  }
});

test("a forkserver process behaves as a spawned one: name, pid, daemon, exit codes", async () => {
  const ctx = getContext("forkserver");
  await forkserverWarm();
  const mailbox = newMailbox();
  const p = new ctx.Process({ target: describeSelf, args: [mailbox], name: "warm-1", daemon: true });
  await runToEnd(p);
  assert.equal(p.exitCode, 0);
  assert.deepEqual(
    { ...read<Record<string, unknown>>(mailbox), parentRepr: undefined },
    { name: "warm-1", pid: p.pid, daemon: true, parentName: "MainProcess", parentPid: process.pid, parentAlive: true, parentRepr: undefined },
  );
  assert.equal((await runToEnd(new ctx.Process({ target: exitWith, args: [3] }))).exitCode, 3);
  assert.equal((await runToEnd(new ctx.Process({ target: exit }))).exitCode, 0);
});

test("a forkserver process that throws prints 'Process <name>:' and ends with exit code 1", async () => {
  const ctx = getContext("forkserver");
  const p = await runToEnd(new ctx.Process({ target: throwError, args: ["boom"] }));
  assert.equal(p.exitCode, 1);
});

test("terminate() and kill() end forkserver processes with -15 and -9; the sentinel is ready then", async () => {
  const ctx = getContext("forkserver");
  for (const [stop, code] of [["terminate", -15], ["kill", -9]] as const) {
    const mailbox = newMailbox();
    const p = new ctx.Process({ target: runForever, args: [mailbox] });
    p.start();
    await deadline(filled(mailbox), JOIN_MS, "the process's start");
    assert.equal(p.isAlive(), true);
    p[stop]();
    await deadline(p.join(), JOIN_MS, `join after ${stop}()`);
    assert.equal(p.exitCode, code);
    assert.equal(p.isAlive(), false);
    assert.equal(p.sentinel.ready, true);
  }
});

test("a forkserver child's output reaches stdout; a module that preloads itself with a Lock works (CPython test_preload_resources)", async () => {
  const result = await runScript("tests/fixtures/forkserver_preload_main.ts");
  assert.deepEqual({ status: result.status, stdout: lines(result), stderr: result.stderr }, { status: 0, stdout: ["ok"], stderr: "" });
});

test("a forkserver process starts on a worker that imported setForkserverPreload's modules before start()", async () => {
  const ctx = getContext("forkserver");
  ctx.setForkserverPreload([preloadedUrl]);
  await forkserverWarm();
  const beforeStart = Date.now();
  const [r, w] = Pipe<number>(false);
  const p = await runToEnd(new ctx.Process({ target: reportImportedAt, args: [w] }));
  w.close();
  assert.equal(p.exitCode, 0);
  assert.ok((await r.recv({ timeout: 20_000 })) <= beforeStart, "the module's top level ran before start()");
});
