// Data keeps its identity across processes (Python's pickling by reference): exported
// functions and classes, instances, GETSTATE/SETSTATE, errors, boundMethod, register, the
// refusals, and the sync receives' rule; then CPython's mp_workers.py and PyMOTW's
// producer/consumer, ported line for line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, Socket } from "node:net";
import {
  boundMethod,
  JoinableQueue,
  Partial,
  partial,
  Pipe,
  Pool,
  Process,
  ProcessError,
  ProcessPoolExecutor,
  Queue,
  register,
  SyncManager,
  ValueError,
} from "../mod.ts";
import { checkCloneable, decode, encode } from "../src/internals.ts";
import { lines, projectFile, runScript } from "./_helpers.ts";
import { halve, triple } from "./fixtures/later_functions.ts";
import { Late } from "./fixtures/tla_class.ts";
import {
  constructed,
  Counter,
  Greeter,
  HttpError,
  makeHidden,
  makeLocal,
  Path,
  Point,
  Registry,
  Scaler,
  square,
  Tree,
} from "./fixtures/reduction_classes.ts";
import {
  Announcer,
  applyPair,
  callTask,
  failWithHttpError,
  makePoint,
  normOf,
  putScaled,
  receiveSync,
  reportAndEcho,
  reportArgs,
  Reporter,
  scale,
  syncThenAsync,
} from "./fixtures/reduction_targets.ts";
import { QueueManager } from "./fixtures/manager_targets.ts";

/**
 * Runs the main program `fixture`, which first receives a class `name` of its own module
 * (refused, with advice), then registers it: checks its output, the refusal then `after`.
 */
async function assertRefusedUntilRegistered(fixture: string, name: string, after: string[]): Promise<void> {
  const result = await runScript(fixture);
  assert.equal(result.status, 0, result.stderr);
  const advice = `cannot rebuild "${name}" of ${new URL(`file://${projectFile(fixture)}`).href} here: ` +
    "that is this program's main module, which this process is running (a module cannot be imported while it runs its " +
    `top-level code). Register it once in that module, register(${name}, import.meta.url), or move it to a module of its own`;
  assert.deepEqual(lines(result), [`refused: ${advice}`, ...after]);
}

/** Encodes, copies the bytes out (as queues do) and decodes. */
function roundTrip<T>(value: T): T {
  return decode<T>(encode(value).slice());
}

/** The TypeError message that `fn` throws. */
function refusal(fn: () => unknown, what = "it"): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected a TypeError for ${what}, but nothing was thrown`);
}

function sampleTree(): Tree {
  const root = new Tree("root");
  root.add(new Tree("leaf", root.meta));
  return root;
}

test("an exported function and class cross as themselves; instances as their class, constructor not run", () => {
  const [fn, cls] = roundTrip([square, Point]);
  assert.equal(fn, square);
  assert.equal(cls, Point);
  const before = constructed.count;
  const point = roundTrip(new Point(3, 4));
  assert.ok(point instanceof Point);
  assert.equal(point.norm(), 5);
  assert.deepEqual(Object.keys(point), ["x", "y"]);
  assert.equal(constructed.count, before + 1, "only the sender's constructor ran");
});

test("nested instances, Maps, cycles and shared references inside instances are kept", () => {
  const root = roundTrip(sampleTree());
  const [leaf] = root.children;
  assert.ok(leaf instanceof Tree);
  assert.equal(leaf.parent, root);
  assert.equal(leaf.meta, root.meta);
  assert.equal(root.byLabel.get("leaf"), leaf);
  const [a, b] = roundTrip([new Point(1, 1), new Point(2, 2)].flatMap((p) => [p, p]).slice(1, 3));
  assert.notEqual(a, b);
});

test("GETSTATE chooses what crosses and SETSTATE rebuilds, once the message is decoded (Python's __getstate__/__setstate__)", () => {
  const counter = new Counter();
  counter.count = 7;
  const copy = roundTrip({ counter, again: counter });
  assert.ok(copy.counter instanceof Counter);
  assert.equal(copy.counter, copy.again);
  assert.deepEqual({ ...copy.counter }, { count: 7, connection: null, restoredFrom: "SETSTATE" });
  const bytes = encode(counter);
  assert.ok(!new TextDecoder().decode(bytes).includes("open"), "the field GETSTATE left out is not sent");
});

test("subclasses of Map, Array and Error keep their class, contents and fields", () => {
  const registry = new Registry([["a", 1], ["b", 2]]);
  const copy = roundTrip(registry);
  assert.ok(copy instanceof Registry && copy instanceof Map);
  assert.equal(copy.total(), 3);
  assert.equal(copy.label, "registry");
  const path = Path.from(["usr", "lib"]) as Path;
  const [pathCopy, plain] = roundTrip([path, ["usr", "lib"]]);
  assert.ok(pathCopy instanceof Path && Array.isArray(pathCopy));
  assert.equal(pathCopy.joined(), "usr/lib");
  assert.equal(Object.getPrototypeOf(plain), Array.prototype);
  const error = new HttpError("not found", 404, { retry: false });
  const arrived = roundTrip(error);
  assert.ok(arrived instanceof HttpError && arrived instanceof Error);
  assert.equal(arrived.code, 404);
  assert.deepEqual(arrived.detail, { retry: false });
  assert.equal(arrived.message, "not found");
  assert.equal(arrived.stack, error.stack);
});

test("boundMethod crosses as its object and method name; .bind() is refused naming boundMethod", () => {
  const greeter = new Greeter("hello");
  const [greet, sameGreeter] = roundTrip([boundMethod(greeter, "greet"), greeter]);
  assert.equal(greet("world"), "hello, world");
  sameGreeter.greeting = "hi";
  assert.equal(greet("you"), "hi, you", "the method's object is the message's object");
  assert.equal(
    refusal(() => encode({ cb: greeter.greet.bind(greeter) }, "item")),
    'item.cb is a bound function (bound greet): a .bind() result cannot be sent to another process. ' +
      'For a method with its object, send boundMethod(obj, "greet"); for an exported function with its first arguments, partial(fn, ...args)',
  );
  assert.throws(() => boundMethod(greeter, "nothing" as never), { name: "TypeError", message: /nothing is not a method of Greeter/ });
});

test("a method taken off its object (Python pickles obj.greet with obj) is refused naming boundMethod: in data, as a pool task and as a target", async () => {
  const greeter = new Greeter("hello");
  const hint = 'It is a method: send it with its object, boundMethod(obj, "greet") (as Python pickles obj.greet).';
  assert.equal(refusal(() => encode({ cb: greeter.greet }, "item")), `item.cb is a method (greet) taken off its object, which cannot be sent to another process alone. ${hint}`);
  // The modules searched are those of the call stack: under Bun's runner, other test files too.
  const refusedTarget = (e: Error) =>
    e.message.startsWith('cannot find the function "greet": it is not exported from ') &&
    e.message.includes(import.meta.url) && e.message.includes(`${hint} Export it`);
  assert.throws(() => new Process({ target: greeter.greet, args: ["world"] }).start(), refusedTarget);
  const pool = new Pool({ processes: 1 });
  try {
    await assert.rejects(pool.apply(greeter.greet, ["world"]), refusedTarget);
  } finally {
    await pool.terminate();
  }
});

test("partial crosses as its function, by reference, and its first arguments, as Python pickles functools.partial", () => {
  const [tenTimes] = roundTrip([partial(scale, 10)]);
  assert.equal(tenTimes(4), 40);
  assert.equal(String(new Partial(scale, [10])), "functools.partial(<function scale>, 10)");
  assert.match(refusal(() => encode([partial(function local(x: number) { return x; }, 1)], "item")), /^item\[0\]\.<object of boundMethod>\.fn is a function \(local\) that is not exported from /);
  assert.throws(() => partial(5 as never), { name: "TypeError", message: "the first argument must be callable" });
});

test("partial as a pool task and as a process target: pool.map(partial(f, 10), xs), Process(target=partial(f, q, 10))", async () => {
  const pool = new Pool({ processes: 2 });
  try {
    assert.deepEqual(await pool.map(partial(scale, 10), [1, 2, 3]), [10, 20, 30]);
  } finally {
    await pool.terminate();
  }
  const q = new Queue<number>();
  const p = new Process({ target: partial(putScaled, q, 10), args: [4] });
  p.start();
  assert.equal(await q.get({ timeout: 30_000 }), 40);
  await p.join();
  assert.equal(p.exitCode, 0);
});

test("refusals name the path, the kind of thing and the remedy", () => {
  const searched = escape(import.meta.url);
  const cases: [unknown, string | RegExp][] = [
    [{ task: makeHidden() }, new RegExp(`^item\\.task is an instance of class Hidden, which is not exported from ${searched} or the modules imported there: `)],
    [{ task: makeLocal() }, /^item\.task is an instance of class Local, which is not exported from .*one defined inside a function cannot be\), or name its module once with register\(Local, moduleUrl\)$/],
    [{ f: function helper() {} }, /^item\.f is a function \(helper\) that is not exported from .*: it crosses by reference \(module and export name\), so export it from its module at top level \(export function helpe.\(…\) …/],
    [[() => 1], /^item\[0\] is a function without a name, which cannot be sent to another process: functions and classes cross by reference/],
    [{ p: Promise.resolve(1) }, "item.p is a Promise and cannot be sent to another process: await it and pass the result"],
    [{ w: new WeakMap() }, "item.w is a WeakMap and cannot be sent to another process: copy what the other process needs into a Map"],
    [{ s: new WeakSet() }, "item.s is a WeakSet and cannot be sent to another process: copy what the other process needs into a Set"],
    [{ server: createServer() }, "item.server is a net.Server: a server cannot be sent; open one per process"],
    [{ socket: new Socket() }, "item.socket is a net.Socket: a connection cannot be sent; open one per process"],
    [{ port: new MessageChannel().port1 }, "item.port is a MessagePort and cannot be copied into a queue or pipe message: pass it in a Process's args instead (it is moved to that process)"],
    [{ p: new Process() }, "item.p is a Process object and cannot be sent to another process: send what the other process needs (its name, its pid)"],
    [{ o: Object.create({ inherited: 1 }) }, /^item\.o is an object whose prototype is not a class's/],
  ];
  for (const [value, expected] of cases) {
    const message = refusal(() => encode(value, "item"), String(expected));
    if (typeof expected === "string") assert.equal(message, expected);
    else assert.match(message, expected);
    assert.equal(refusal(() => checkCloneable(value, "item", "message")), message, "checkCloneable agrees with encode");
    const port = (value as { port?: MessagePort }).port;
    port?.close();
  }
});

test("a Pool, an executor, a manager, a Future and an AsyncResult are refused saying what to send instead, as Python refuses to pickle them", async () => {
  const pool = new Pool({ processes: 1 });
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const cases: [unknown, string][] = [
      [{ service: { pool } }, "item.service.pool is a Pool object and cannot be sent to another process (Python: pool objects cannot be passed between processes or pickled): make the pool in the process that uses it"],
      [{ executor }, "item.executor is a ProcessPoolExecutor and cannot be sent to another process: make the executor in the process that uses it"],
      [{ mgr: new SyncManager() }, "item.mgr is a manager and cannot be sent to another process: send the proxies it made (await m.dict(), await m.list(), …), which cross as references to its objects"],
      [[new QueueManager()], "item[0] is a manager and cannot be sent to another process: send the proxies it made (await m.dict(), await m.list(), …), which cross as references to its objects"],
      [{ f: executor.submit(square, 2) }, "item.f is a Future and cannot be sent to another process: send what its result() gives"],
      [{ r: pool.applyAsync(square, [2]) }, "item.r is an AsyncResult and cannot be sent to another process: send what its get() gives"],
    ];
    for (const [value, expected] of cases) {
      assert.equal(refusal(() => encode(value, "item"), expected), expected);
      assert.equal(refusal(() => checkCloneable(value, "item", "args")), expected, "checkCloneable agrees with encode");
    }
  } finally {
    await pool.terminate();
    await executor.shutdown();
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("register names the module of a class the call stack does not lead to (a package's)", async () => {
  const url = new URL(`./fixtures/unlisted_class${here(".ts")}`, import.meta.url).href;
  const { Money } = (await import(url)) as typeof import("./fixtures/unlisted_class.ts");
  assert.match(refusal(() => encode(new Money(150), "item")), /^item is an instance of class Money, which is not exported from/);
  register(Money, url);
  const copy = roundTrip(new Money(150));
  assert.ok(copy instanceof Money);
  assert.equal(copy.format(), "$1.50");
  assert.throws(() => register(42 as never, url), { name: "TypeError", message: "register() takes a function or class, not number" });
});

/** A fixture's extension as this runtime runs the tests (`.ts`, or `.js` once compiled). */
function here(ts: string): string {
  return import.meta.url.endsWith(".js") ? ".js" : ts;
}

test("a refused put, send, start or map leaves everything as it was", async () => {
  const queue = new JoinableQueue<unknown>();
  await queue.put(1);
  await assert.rejects(queue.put({ bad: makeHidden() }), { name: "TypeError", message: /^item\.bad is an instance of class Hidden/ });
  assert.equal(queue.qsize(), 1);
  assert.equal(await queue.get(), 1);
  queue.taskDone();
  await queue.join({ timeout: 1000 }); // the refused item was never counted as a task
  const [a, b] = Pipe();
  assert.throws(() => b.send(makeLocal()), { name: "TypeError", message: /^obj is an instance of class Local/ });
  assert.equal(await a.poll(), false);
  const p = new Process({ target: reportArgs, args: [queue, () => 1] });
  assert.throws(() => p.start(), { name: "TypeError", message: /^args\[1\] is a function without a name/ });
  assert.equal(p.pid, null);
  a.close();
  b.close();
});

test("queues: functions, instances, errors and bound methods cross both ways", async () => {
  const input = new Queue<unknown>();
  const output = new Queue<unknown>();
  const child = new Process({ target: reportAndEcho, args: [input, output] });
  child.start();
  const counter = Object.assign(new Counter(), { count: 3 });
  const items: [unknown, Record<string, unknown>][] = [
    [square, { kind: "function", isSquare: true, name: "square" }],
    [new Point(3, 4), { kind: "Point", norm: 5, constructed: 0 }],
    [sampleTree(), { kind: "Tree", cycle: true, shared: true, byLabel: true, childIsTree: true }],
    [counter, { kind: "Counter", count: 3, connection: null, restoredFrom: "SETSTATE" }],
    [new Registry([["a", 2]]), { kind: "Registry", isMap: true, total: 2, label: "registry" }],
    [new HttpError("gone", 410), { kind: "HttpError", code: 410, message: "gone", isError: true }],
  ];
  for (const [item] of items) await input.put(item);
  await input.put(null);
  for (const [item, expected] of items) {
    assert.deepEqual(await output.get(), expected, `how ${expected.kind} arrived in the child`);
    const back = await output.get();
    if (typeof item === "function") assert.equal(back, item);
    else assert.equal(Object.getPrototypeOf(back), Object.getPrototypeOf(item), `${expected.kind} came back as itself`);
  }
  await child.join();
  assert.equal(child.exitCode, 0);
});

test("q.put([square, 3]), then const [f, x] = await q.get(); f(x), as mp_workers.py does", async () => {
  const tasks = new Queue<[(x: number) => number, number]>();
  const results = new Queue<number>();
  const child = new Process({ target: callTask, args: [tasks, results] });
  child.start();
  await tasks.put([square, 3]);
  assert.equal(await results.get(), 9);
  await child.join();
});

test("pipes: recvSync loads an exported class's module synchronously; instances come back", async () => {
  const [here, there] = Pipe<unknown>();
  const child = new Process({ target: receiveSync, args: [there] });
  child.start();
  there.close();
  here.send(sampleTree());
  assert.deepEqual(await here.recv(), { kind: "Tree", cycle: true, shared: true, byLabel: true, childIsTree: true });
  const point = await here.recv();
  assert.ok(point instanceof Point);
  await child.join();
  here.close();
});

test("a sync receive leaves an item it cannot decode yet in place, saying to use get(); get() imports it", async () => {
  const input = new Queue<unknown>();
  const output = new Queue<Record<string, unknown>>();
  const child = new Process({ target: syncThenAsync, args: [input, output] });
  child.start();
  await input.put(new Late(7));
  const report = await output.get();
  const refused = /^TypeError: the next message cannot be received synchronously, so it was left in place: "Late" of \S*tla_class\.(ts|js) is not loaded in this process, and its module cannot be loaded synchronously \(a module with top-level await, in its own code or what it imports\): receive with the async form \(await get\(\), await recv\(\)\), which imports it/;
  assert.equal((report.refusals as string[]).length, 2);
  for (const message of report.refusals as string[]) assert.match(message, refused);
  assert.equal(report.left, 1, "the item stayed in the queue");
  assert.equal(report.className, "Late");
  assert.equal(report.description, "late 7");
  await child.join();
});

test("Process args and a subclass's fields (through GETSTATE/SETSTATE); a boundMethod as the target", async () => {
  const output = new Queue<unknown>();
  const args = new Process({ target: reportArgs, args: [output, new Point(0, 2), square, sampleTree()] });
  args.start();
  assert.deepEqual(await output.get(), { kind: "Point", norm: 2, constructed: 0 });
  assert.deepEqual(await output.get(), { kind: "function", isSquare: true, name: "square" });
  assert.deepEqual(await output.get(), { kind: "Tree", cycle: true, shared: true, byLabel: true, childIsTree: true });
  const reporter = new Reporter(output, new Point(3, 4), square);
  reporter.start();
  assert.deepEqual(await output.get(), { restored: true, point: { kind: "Point", norm: 5, constructed: 0 }, fn: 25 });
  const announcer = new Announcer(new Greeter("hello"));
  const bound = new Process({ target: boundMethod(announcer, "announce"), args: [output, "world"] });
  bound.start();
  assert.equal(await output.get(), "hello, world");
  await Promise.all([args.join(), reporter.join(), bound.join()]);
  assert.deepEqual([args.exitCode, reporter.exitCode, bound.exitCode], [0, 0, 0]);
});

test("pool: functions and instances in tasks, instances in results, exported errors with their fields and the child's stack as cause, bound methods as tasks", async () => {
  const pool = new Pool({ processes: 2 });
  try {
    assert.equal(await pool.apply(applyPair, [[square, 4]]), 16);
    assert.deepEqual(await pool.map(normOf, [new Point(3, 4), new Point(6, 8)]), [5, 10]);
    const point = await pool.apply(makePoint, [1, 2]);
    assert.ok(point instanceof Point);
    assert.equal(point.y, 2);
    const error = await pool.apply(failWithHttpError, [503]).then(() => assert.fail("should fail"), (e: unknown) => e as HttpError);
    assert.ok(error instanceof HttpError, "an exported error class arrives as itself, as Python re-raises it");
    assert.equal(error.code, 503);
    assert.deepEqual(error.detail, { retry: true });
    assert.equal(error.message, "failed with 503");
    const cause = error.cause as ProcessError;
    assert.ok(cause instanceof ProcessError);
    assert.equal(cause.childName, "HttpError");
    assert.match(cause.childStack ?? "", /failWithHttpError/);
    const greeter = new Greeter("hi");
    assert.deepEqual(await pool.map(boundMethod(greeter, "greet"), ["a", "b"]), ["hi, a", "hi, b"]);
    assert.deepEqual(await new Scaler(3).scaleAll(pool, [1, 2]), [3, 6], "boundMethod(this, …) inside the class, Python's self.scale");
    await assert.rejects(pool.map(normOf, [makeHidden() as Point]), { name: "TypeError", message: /^inputs\[0\] is an instance of class Hidden/ });
    await assert.rejects(pool.apply(makeHidden), { name: "TypeError", message: /^result is an instance of class Hidden/ });
    assert.equal(await pool.apply(square, [3]), 9, "the pool goes on");
  } finally {
    pool.terminate();
    await pool.join();
  }
});

test("pool: a function first met in a later chunk is found (sent when a result comes in, with only the pool on the call stack), as CPython's mp_pool.py needs", async () => {
  const pool = new Pool({ processes: 1 });
  try {
    const pairs: [(x: number) => number, number][] = [...Array.from({ length: 6 }, (_, i) => [halve, 2 * i] as [typeof halve, number]), [triple, 3]];
    assert.deepEqual(await pool.map(applyPair, pairs, { chunksize: 1 }), [0, 1, 2, 3, 4, 5, 9]);
  } finally {
    pool.terminate();
    await pool.join();
  }
});

test("pool: an error class of the main program's own module fails its task with advice until registered; the pool goes on", async () => {
  await assertRefusedUntilRegistered("tests/fixtures/pool_main_error_main.ts", "Overdrawn", [
    "the pool goes on: 7",
    "after register: true 20 is more than 10",
  ]);
});

test("this library's errors cross by reference, ValueError with its class", () => {
  const copy = roundTrip(new ValueError("bad"));
  assert.ok(copy instanceof ValueError);
});

test("the main program cannot import its own module while it runs: a class of it needs register() there", async () => {
  await assertRefusedUntilRegistered("tests/fixtures/main_module_class_main.ts", "Reply", ["after register: true hello"]);
});

test("CPython's mp_workers.py, ported line for line: functions in queue items", async () => {
  const result = await runScript("tests/fixtures/mp_workers.ts");
  assert.equal(result.status, 0, result.stderr);
  const [header, ...results] = lines(result);
  assert.equal(header, "Unordered results:");
  assert.equal(results.length, 30);
  const seen = new Set<string>();
  for (const line of results) {
    const match = /^\t Process-[1-4] says that (mul|plus)\((\d+), (\d+)\) = (\d+)$/.exec(line);
    assert.ok(match, `a result line: ${JSON.stringify(line)}`);
    const [, func, a, b, value] = match;
    assert.equal(Number(value), func === "mul" ? Number(a) * Number(b) : Number(a) + Number(b));
    seen.add(`${func}(${a})`);
  }
  assert.equal(seen.size, 30, "every task ran once");
});

test("PyMOTW's producer/consumer, ported line for line: Task objects on a JoinableQueue, join() returns", async () => {
  const result = await runScript("cli.ts", ["tasks", "--interval", "0.1"]);
  assert.equal(result.status, 0, result.stderr);
  const output = lines(result);
  const consumers = Number(/^Creating (\d) consumers$/.exec(output[0])?.[1]);
  assert.ok(consumers >= 2);
  const called = output.filter((line) => /^Consumer-\d: \d \* \d$/.test(line)).map((line) => line.split(": ")[1]).sort();
  assert.deepEqual(called, Array.from({ length: 10 }, (_, i) => `${i} * ${i}`));
  assert.equal(output.filter((line) => /^Consumer-\d: Exiting$/.test(line)).length, consumers);
  const results = output.filter((line) => line.startsWith("Result: ")).sort();
  assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => `Result: ${i} * ${i} = ${i * i}`));
});
