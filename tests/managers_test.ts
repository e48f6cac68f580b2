// Managers: CPython's manager tests (A1-A30 of the parity notes), ported. One SyncManager
// serves the tests that do not need a fresh one, as the brief asks (its last test shuts it down).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  activeChildren,
  type BaseProxy,
  BrokenBarrierError,
  BrokenPipeError,
  type DictProxy,
  Empty,
  Event,
  FileNotFoundError,
  Full,
  ListProxy,
  Manager,
  Pipe,
  Pool,
  Process,
  Queue,
  ProcessError,
  type QueueProxy,
  RemoteError,
  RuntimeError,
  ShareableList,
  SharedMemory,
  SharedMemoryManager,
  SyncManager,
  ValueError,
} from "../mod.ts";
import {
  getAfterSending,
  holdUntilReleased,
  OverExposedManager,
  type Store,
  StoreManager,
  type Thrower,
  ThrowerManager,
  initNamespace,
  meetThenWait,
  putThroughRemote,
  QueueManager,
  QueueServerManager,
  storeSquare,
  type SyncTypes,
  syncTypesChild,
  TARGETS_MODULE,
  useProxiesFromMessages,
} from "./fixtures/manager_targets.ts";
import { lines, runScript } from "./_helpers.ts";

let shared: SyncManager | undefined;

/** The manager the tests share, started by the first that needs it. */
async function manager(): Promise<SyncManager> {
  return shared ??= await Manager();
}

/** Runs `target(...args)` in a child and asserts that it ended well (CPython's children exit 0). */
// deno-lint-ignore no-explicit-any
async function inChild(target: (...args: any[]) => unknown, ...args: unknown[]): Promise<void> {
  const p = new Process({ target, args, module: TARGETS_MODULE });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0, `the child running ${target.name} failed (see its error above)`);
}

// --- _TestContainers -------------------------------------------------------------------------

test("list: slices, extend, indexing, *= and + as Python's ListProxy (test_list)", async () => {
  const m = await manager();
  const a = await m.list(Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual(await a.slice(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const b = await m.list<number>();
  assert.deepEqual(await b.slice(), []);
  await b.extend([0, 1, 2, 3, 4]);
  assert.deepEqual(await b.slice(), [0, 1, 2, 3, 4]);
  assert.equal(await b.getItem(2), 2);
  assert.deepEqual(await b.slice(2, 10), [2, 3, 4]);
  await b.imul(2);
  assert.deepEqual(await b.slice(), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  assert.deepEqual(await b.concat([5, 6]), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await b.slice(), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], "+ leaves the list unchanged");
  const e = await m.list([a, b]);
  assert.deepEqual(await Promise.all((await e.copy()).map((item) => (item as ListProxy).slice())), [await a.slice(), await b.slice()]);
  const f = await m.list([a]);
  await a.append("hello" as never);
  assert.equal((await ((await f.getItem(0)) as unknown as ListProxy).slice()).at(-1), "hello", "a stored proxy is a reference");
});

test("a list proxy iterates by index, lazily: a write made after the iterator was created is seen (test_list_iter)", async () => {
  const m = await manager();
  const a = await m.list(Array.from({ length: 10 }, (_, i) => i));
  const it = a[Symbol.asyncIterator]();
  const all = [];
  for await (const item of it) all.push(item);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual((await it.next()).done, true, "an exhausted iterator yields nothing more");
  const fresh = a[Symbol.asyncIterator]();
  await a.setItem(0, 100);
  assert.equal((await fresh.next()).value, 100);
});

test("proxies inside a list stay references, even to the list itself (test_list_proxy_in_list)", async () => {
  const m = await manager();
  const a = await m.list(await Promise.all([0, 1, 2].map(() => m.list([0, 1, 2]))));
  const first = (await a.getItem(0)) as unknown as ListProxy<number>;
  await first.setItem(-1, 55);
  assert.deepEqual(await first.slice(), [0, 1, 55]);
  for (const index of [1, 2]) assert.deepEqual(await ((await a.getItem(index)) as unknown as ListProxy).slice(), [0, 1, 2]);
  const second = (await a.getItem(1)) as unknown as ListProxy<number>;
  assert.equal(await second.pop(), 2);
  assert.equal(await second.len(), 2);
  for (const index of [0, 2]) assert.equal(await ((await a.getItem(index)) as unknown as ListProxy).len(), 3);
  const b = await m.list<unknown>();
  await b.append(b);
  assert.equal(String(await b.getItem(0)), String(b), "a list can hold itself");
  await b.delItem(0);
});

test("dict: items set, copied, listed as Python's DictProxy (test_dict)", async () => {
  const m = await manager();
  const d = await m.dict<number, string>();
  const indices = [65, 66, 67, 68, 69];
  for (const i of indices) await d.set(i, String.fromCharCode(i));
  assert.deepEqual(await d.copy(), new Map(indices.map((i) => [i, String.fromCharCode(i)])));
  assert.deepEqual((await d.keys()).sort(), indices);
  assert.deepEqual((await d.values()).sort(), ["A", "B", "C", "D", "E"]);
  assert.deepEqual((await d.items()).sort(), indices.map((i) => [i, String.fromCharCode(i)]));
  await assert.rejects(d.getItem(70), { name: "KeyError", message: "70" });
  assert.equal(await d.get(70), null, "get() without a default is Python's None");
  await d.set([1, "a"] as never, "tuple key");
  assert.equal(await d.get([1, "a"] as never), "tuple key", "an array key (Python's tuple) is found by value");
});

test("dict iteration yields the keys in order; a dict that changes size fails the next step with RuntimeError (test_dict_iter)", async () => {
  const m = await manager();
  const d = await m.dict<number, number>(Array.from({ length: 10 }, (_, i) => [i, i * i] as [number, number]));
  const keys = [];
  for await (const key of d) keys.push(key);
  assert.deepEqual(keys, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const it = d[Symbol.asyncIterator]();
  assert.equal((await it.next()).value, 0);
  await d.clear();
  await assert.rejects(it.next(), RuntimeError);
});

test("nested proxies in a dict: shared state both ways, referents alive while held (test_dict_proxy_nested)", async () => {
  const m = await manager();
  let pets: DictProxy<string, number> | undefined = await m.dict({ ferrets: 2, hamsters: 4 });
  let supplies: DictProxy<string, number> | undefined = await m.dict({ water: 10, feed: 3 });
  const d = await m.dict<string, unknown>({ pets, supplies });
  const suppliesIn = (await d.getItem("supplies")) as DictProxy<string, number>;
  assert.equal(await suppliesIn.getItem("water"), 10);
  await suppliesIn.set("blankets", 5);
  assert.equal(await supplies.getItem("blankets"), 5);
  await suppliesIn.set("water", 7);
  assert.equal(await supplies.getItem("water"), 7);
  pets[Symbol.dispose]();
  pets = undefined; // the dict's copy keeps it alive
  const petsIn = (await d.getItem("pets")) as DictProxy<string, number>;
  assert.equal(await petsIn.getItem("ferrets"), 2);
  await d.clear();
  assert.equal(await d.len(), 0);
  assert.equal(await supplies.getItem("water"), 7, "clearing the dict leaves referents held elsewhere");
  assert.equal(await petsIn.getItem("hamsters"), 4);
  const l = await m.list([petsIn, supplies]);
  await ((await l.getItem(0)) as unknown as DictProxy<string, number>).set("marmots", 1);
  assert.equal(await petsIn.getItem("marmots"), 1);
  const outer = await m.list<unknown>([[88, 99], l]);
  assert.deepEqual(await outer.getItem(0), [88, 99], "a plain list inside comes back as a plain array");
  const last = (await outer.getItem(-1)) as ListProxy;
  assert.equal(await ((await last.getItem(-1)) as unknown as DictProxy<string, number>).getItem("feed"), 3);
  supplies = undefined;
});

test("a Queue stored in a list or a dict stays usable through it (test_nested_queue)", async () => {
  const m = await manager();
  const a = await m.list<unknown>();
  await a.append(await m.Queue());
  const q = (await a.getItem(0)) as QueueProxy<number>;
  await q.put(123);
  assert.equal(await ((await a.getItem(0)) as QueueProxy<number>).get(), 123);
  const b = await m.dict<number, unknown>();
  await b.set(0, await m.Queue());
  await ((await b.getItem(0)) as QueueProxy<number>).put(456);
  assert.equal(await ((await b.getItem(0)) as QueueProxy<number>).get(), 456);
});

test("Namespace: attributes set and deleted, repr sorted without _ names, ns.x = 1 refused (test_namespace)", async () => {
  const m = await manager();
  const n = await m.Namespace();
  await n.set("name", "Bob");
  await n.set("job", "Builder");
  await n.set("_hidden", "hidden");
  assert.deepEqual([await n.get("name"), await n.get("job")], ["Bob", "Builder"]);
  await n.delete("job");
  assert.equal(await n.repr(), "Namespace(name='Bob')");
  assert.equal(await n.has("name"), true);
  assert.equal(await n.has("job"), false);
  assert.equal(await n.get("_hidden"), "hidden", "_ names stay in the proxy");
  assert.throws(() => ((n as unknown as Record<string, string>).name = "Alice"), TypeError);
});

// --- TestSyncManagerTypes: the parent creates, a child uses, the parent checks --------------

test("TestSyncManagerTypes: one child uses an Event, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Barrier, Queue, JoinableQueue, list, dict, Value, Array, Namespace and Pool the parent made; the parent sees what it did", async () => {
  const m = await manager();
  const objects: SyncTypes = {
    event: await m.Event(),
    lock: await m.Lock(),
    rlock: await m.RLock(),
    heldRLock: await m.RLock(),
    semaphore: await m.Semaphore(),
    bounded: await m.BoundedSemaphore(),
    condition: await m.Condition(await m.Lock()),
    barrier: await m.Barrier(5),
    queue: await m.Queue<number>(2),
    joinable: await m.JoinableQueue<number>(2),
    list: await m.list([5]),
    dict: await m.dict({ foo: 5 }),
    value: await m.Value("i", 1),
    array: await m.Array("i", [0, 1]),
    namespace: await m.Namespace({ x: 0, y: 1 }),
    pool: await m.Pool({ processes: 1 }),
  };
  await objects.event.set();
  await objects.heldRLock.acquire();
  for (const q of [objects.queue, objects.joinable]) {
    await q.put(5);
    await q.put(6);
  }
  await inChild(syncTypesChild, objects);
  assert.equal(await objects.event.isSet(), false, "test_event: the child cleared it");
  await objects.lock.release(); // test_lock: the child ended holding it
  await assert.rejects(objects.lock.release(), { name: "RuntimeError", message: "release unlocked lock" });
  await objects.heldRLock.release();
  assert.equal(await objects.rlock.locked(), false);
  for (const semaphore of [objects.semaphore, objects.bounded]) await semaphore.release();
  await assert.rejects(objects.bounded.release(), { name: "ValueError", message: "Semaphore released too many times" });
  for (const q of [objects.queue, objects.joinable]) assert.deepEqual([await q.empty(), await q.full()], [true, false]);
  assert.equal(await objects.list.len(), 0);
  assert.equal(await objects.dict.len(), 0);
  assert.equal(await objects.value.get(), 2);
  await assert.rejects(objects.pool.apply(storeSquare, []), ValueError, "the child terminated the pool (Python: Pool not running)");
});

test("Condition: wait() without the lock is a RuntimeError; a wait nobody notifies times out (test_condition)", async () => {
  const m = await manager();
  const cond = await m.Condition(await m.Lock());
  await assert.rejects(cond.wait({ timeout: 1 }), { name: "RuntimeError", message: "cannot wait on un-acquired lock" });
  await cond.acquire();
  assert.equal(await cond.wait({ timeout: 1 }), false);
  assert.equal(await cond.waitFor(() => true), true);
  await cond.release();
});

test("Barrier: a timed-out wait breaks it, reset() mends it, parties wait for each other (test_barrier)", async () => {
  const m = await manager();
  const barrier = await m.Barrier(5);
  await assert.rejects(barrier.wait({ timeout: 1 }), BrokenBarrierError);
  assert.equal(await barrier.broken(), true);
  await barrier.reset();
  assert.equal(await barrier.broken(), false);
  const pair = await m.Barrier(2);
  assert.deepEqual((await Promise.all([pair.wait(), pair.wait()])).sort(), [0, 1]);
});

test("Queue and JoinableQueue: Full and Empty, taskDone() and join() as Python's queue (test_queue)", async () => {
  const m = await manager();
  const q = await m.Queue<number>(1);
  await q.put(5);
  await assert.rejects(q.put(7, { block: false }), Full);
  await q.get();
  await assert.rejects(q.get({ timeout: 1 }), Empty);
  const jq = await m.JoinableQueue<number>();
  await jq.put(1);
  assert.equal(await jq.join({ timeout: 1 }), false);
  await jq.get();
  await jq.taskDone();
  assert.equal(await jq.join(), true);
  await assert.rejects(jq.taskDone(), { name: "ValueError", message: "task_done() called too many times" });
});

test("a managed Queue hands an item to one get and a bounded one takes maxsize items: the other caller times out, as with Python's queue.Queue", async () => {
  const m = await manager();
  const q = await m.Queue<number>();
  for (let i = 0; i < 10; i++) {
    const waiting = q.get({ timeout: 100 }).catch((error) => error);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const put = q.put(i); // wakes the waiting get, and another get comes right behind it
    const outcomes = await Promise.all([waiting, q.get({ timeout: 100 }).catch((error) => error), put]);
    const items = outcomes.slice(0, 2).filter((outcome) => !(outcome instanceof Empty));
    assert.deepEqual(items, [i], "one get took the item, the other got Empty");
  }
  const bounded = await m.Queue<number>(1);
  for (let i = 0; i < 10; i++) {
    await bounded.put(-1);
    const waiting = bounded.put(i, { timeout: 100 }).then(() => "put", (error) => error);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const got = await bounded.get(); // makes room, and another put comes right behind it
    const outcomes = await Promise.all([waiting, bounded.put(i, { timeout: 100 }).then(() => "put", (error) => error)]);
    assert.equal(got, -1);
    assert.equal(outcomes.filter((outcome) => outcome === "put").length, 1, "one put found room, the other got Full");
    assert.equal(await bounded.qsize(), 1);
    assert.equal(await bounded.get(), i);
  }
});

test("Array: an 'i' array refuses a float, as array.array does (test_array)", async () => {
  const a = await (await manager()).Array("i", [0, 1]);
  await assert.rejects(a.setItem(0, 1.5), TypeError);
  assert.deepEqual(await a.slice(), [0, 1]);
});

test("Pool: tasks run in the manager's pool; a child terminates it; a bad size is a RemoteError (test_pool, test_make_pool)", async () => {
  const m = await manager();
  await assert.rejects(m.Pool({ processes: -1 }), RemoteError);
  await assert.rejects(m.Pool({ processes: 0 }), RemoteError);
  const pool = await m.Pool({ processes: 2 });
  const d = await m.dict<number, number>();
  assert.deepEqual(await pool.starmap(storeSquare, [[d, 2], [d, 3]]), [undefined, undefined]);
  assert.deepEqual((await d.items()).sort(), [[2, 4], [3, 9]]);
  const local = (x: number) => x;
  await assert.rejects(pool.apply(local, [1]), /cannot find|usable name|not exported/, "a function that is not exported is refused");
  const result = await pool.applyAsync(storeSquare, [d, 4]);
  await result.get({ timeout: 60_000 });
  assert.equal(await result.successful(), true);
  assert.equal(await d.get(4), 16);
});

test("a manager's Barrier and Condition coordinate processes as the library's own do (the generic suites with manager objects)", async () => {
  const m = await manager();
  const barrier = await m.Barrier(3);
  const cond = await m.Condition();
  const waiting = await m.Value("i", 0);
  const seen = await m.list<string>();
  const children = [0, 1].map(() => new Process({ target: meetThenWait, args: [barrier, cond, waiting, seen], module: TARGETS_MODULE }));
  for (const child of children) child.start();
  const mine = await barrier.wait({ timeout: 60_000 });
  while (await cond.withLock(() => waiting.get()) < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await cond.withLock(() => cond.notifyAll());
  for (const child of children) await child.join();
  assert.deepEqual(children.map((child) => child.exitCode), [0, 0]);
  const lines = await seen.copy();
  assert.deepEqual(
    [...lines.filter((line) => line.startsWith("barrier")), `barrier ${mine}`].sort(),
    ["barrier 0", "barrier 1", "barrier 2"],
    "each party got its own arrival index",
  );
  assert.deepEqual(lines.filter((line) => line.startsWith("notified")), ["notified true", "notified true"]);
});

test("proxies cross in any data: a queue item, a pipe message (Python pickles them by token)", async () => {
  const m = await manager();
  const d = await m.dict<string, string>();
  const l = await m.list<string>();
  const queue = new Queue<DictProxy<string, string>>();
  const [here, there] = Pipe<ListProxy<string>>();
  const child = new Process({ target: useProxiesFromMessages, args: [queue, there], module: TARGETS_MODULE });
  child.start();
  there.close();
  await queue.put(d);
  here.send(l);
  await child.join();
  assert.equal(child.exitCode, 0);
  assert.equal(await d.get("from"), "a queue");
  assert.deepEqual(await l.copy(), ["from a pipe"]);
});

// --- Reference counting, bad input, failure ---------------------------------------------------

test("an object lives while any process holds a proxy of it; a process that ends gives its references back", async () => {
  const m = await manager();
  const held = await m.list([1]);
  const id = held.token.id;
  const holds = async () => (await m.debugInfo()).some((line) => line.startsWith(`${id}: `));
  const ready = new Event();
  const release = new Event();
  const p = new Process({ target: holdUntilReleased, args: [held, ready, release], module: TARGETS_MODULE });
  p.start();
  assert.equal(await ready.wait({ timeout: 60_000 }), true);
  held[Symbol.dispose]();
  assert.equal(await holds(), true, "the child's reference keeps the list");
  release.set();
  await p.join();
  assert.equal(p.exitCode, 0);
  for (let i = 0; i < 100 && await holds(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await holds(), false, "the child's end gave its reference back");
});

test("a client terminated while it waits in a managed q.get() leaves the manager serving (Python's server thread for it stays blocked, the others serve on)", async () => {
  await using m = await Manager();
  const q = await m.Queue<string>();
  const refcount = async () => (await m.debugInfo()).find((line) => line.startsWith(`${q.token.id}: `));
  const ready = new Event();
  const p = new Process({ target: getAfterSending, args: [q, ready], module: TARGETS_MODULE });
  p.start();
  assert.equal(await ready.wait({ timeout: 60_000 }), true);
  assert.match((await refcount())!, /refcount=2 /, "the child holds the queue too");
  p.terminate();
  await p.join();
  assert.equal(p.exitCode, -15);
  // The manager has seen the child's end once it gave the child's reference back.
  for (let i = 0; i < 500 && /refcount=2 /.test((await refcount())!); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match((await refcount())!, /refcount=1 /);
  assert.equal(await (await m.list([1])).len(), 1, "the manager still serves");
  await q.put("x");
  assert.equal(await q.get({ timeout: 60_000 }), "x", "the dead client's get was given up, not left to take the next item");
});

test("a disposed proxy is no longer counted by the next call, as Python's del of a proxy (numberOfObjects)", async () => {
  const m = await manager();
  const before = await m.numberOfObjects();
  const held = await m.list([1]);
  assert.equal(await m.numberOfObjects(), before + 1);
  held[Symbol.dispose]();
  assert.equal(await m.numberOfObjects(), before);
});

test("bad input: unknown typeid, method not exposed, bad argument are Python's errors, and the manager keeps serving", async () => {
  const m = await manager();
  await assert.rejects(m.create("nope"), { name: "RemoteError", message: /KeyError: 'nope'/ });
  const d = await m.dict<string, number>({ a: 1 });
  await assert.rejects(d.callMethod("_secret"), { name: "RemoteError", message: /method '_secret' of SharedDict object is not in exposed/ });
  await assert.rejects(d.set("f", (() => 1) as never), { name: "TypeError", message: /args\[1\] is a function/ });
  assert.equal(await d.get("a"), 1, "the manager still serves");
});

test("an exposed name the object lacks is a RemoteError (AttributeError), one that is not a method a TypeError, as Python's getattr and call", async () => {
  await using m = new OverExposedManager();
  await m.start();
  const sized = await m.create<BaseProxy>("Sized");
  await assert.rejects(sized.callMethod("nope"), (error: Error) => {
    assert.ok(error instanceof RemoteError);
    assert.match(error.message, /^AttributeError: 'Sized' object has no attribute 'nope'/);
    return true;
  });
  await assert.rejects(sized.callMethod("size"), { name: "TypeError", message: "'number' object is not callable" });
  assert.equal(await sized.callMethod("f"), 1, "the manager still serves");
});

test("methodToTypeid 'list' shares a method's array as a list made from it, as Python's server calls list(result)", async () => {
  await using m = new StoreManager();
  await m.start();
  const store = await m.create<Store>("Store", 3);
  const items = (await store.getItems()) as unknown as ListProxy<number>;
  assert.ok(items instanceof ListProxy);
  await items.append(7);
  assert.deepEqual(await items.copy(), [0, 1, 2, 7]);
  assert.equal(await store.total(), 3, "the list is a copy of the store's array (Python's list(res))");
});

test("a reply that cannot be decoded here fails its own call with the reason; the link serves on (Python's recv raises in the caller)", async () => {
  await using m = new ThrowerManager();
  await m.start();
  const thrower = await m.create<Thrower>("Thrower");
  await assert.rejects(thrower.fail(), { message: /imported only in a ThrowerManager's process/ });
  assert.equal(await thrower.ok(), "ok");
});

test("the manager's process ending makes pending and later calls reject with BrokenPipeError naming it; nothing hangs", async () => {
  await using m = await Manager();
  const q = await m.Queue<number>();
  const pending = q.get();
  const serving = activeChildren().filter((p) => p.name.startsWith("SyncManager-")).at(-1)!;
  serving.terminate();
  await assert.rejects(pending, { name: "BrokenPipeError", message: new RegExp(`manager ${serving.name} has ended`) });
  await assert.rejects(q.put(1), BrokenPipeError);
  assert.throws(() => q.qsizeSync(), BrokenPipeError);
});

test("after shutdown(): proxies reject with BrokenPipeError, factories with ProcessError; shutdown() is idempotent", async () => {
  const m = await Manager();
  const l = await m.list([1]);
  await m.shutdown();
  await m.shutdown();
  await assert.rejects(l.len(), BrokenPipeError);
  await assert.rejects(m.list(), { name: "ProcessError", message: "Manager has shut down" });
  await assert.rejects(m.start(), ProcessError);
});

test("start(1) is a TypeError; an initializer runs once in the manager, with a proxy of another manager (test_manager_initializer)", async () => {
  const m = new SyncManager();
  await assert.rejects(m.start({ initializer: 1 as never }), { name: "TypeError", message: "initializer must be a callable" });
  const ns = await (await manager()).Namespace({ test: 0 });
  await m.start({ initializer: initNamespace, initargs: [ns] });
  assert.equal(await ns.get("test"), 1);
  await m.shutdown();
});

test("a manager at an address serves clients that connect to it; the address is free again after shutdown (test_remote, test_rapid_restart)", async () => {
  const address = "test-remote-manager";
  for (let round = 0; round < 2; round++) {
    await using server = new QueueServerManager({ address });
    await server.start();
    if (round === 0) await inChild(putThroughRemote, address);
    else await putThroughRemote(address); // the restarted manager serves at the same address
    const client = new QueueManager({ address });
    await client.connect();
    const queue = await client.create<QueueProxy>("get_queue");
    assert.deepEqual(await queue.get(), [
      "hello world",
      null,
      true,
      2.25,
      "hall\xe5 v\xe4rlden",
      "\u043f\u0440\u0438\u0432\u0456\u0442 \u0441\u0432\u0456\u0442",
      new TextEncoder().encode("hall\xe5 v\xe4rlden"),
    ]);
    await assert.rejects(queue.put(() => 1), TypeError);
  }
});

test("CPython's mp_newtype.py runs as written: exposed methods, a generator proxy, a module of functions", async () => {
  const result = await runScript("tests/fixtures/mp_newtype.ts");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result).filter((line) => !line.startsWith("op._exposed_")).sort(), [
    "--------------------",
    "--------------------",
    "--------------------",
    "--------------------",
    "<0> <1> <4> <9> <16> <25> <36> <49> <64> <81>",
    "op.add(23, 45) = 68",
    "op.pow(2, 94) = 19807040628566084398385987584",
    "you called Foo._h()",
    "you called Foo.f()",
    "you called Foo.g()",
    "you called Foo.g()",
  ]);
  assert.match(result.stdout, /op\._exposed_ = \[ ?['"]add['"], ['"]pow['"] ?\]/);
});

test("a program that never shuts its manager down ends it after its non-daemon children, which still use it", async () => {
  const result = await runScript("tests/fixtures/manager_exit_main.ts");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["main: code done", "child: written after the main program's code ended"]);
});

test("a Manager started after a child ended works, as in the docs' order of examples (Node threw DataCloneError)", async () => {
  const result = await runScript("tests/fixtures/manager_after_child_main.ts");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), ["child: hello", "main: 1"]);
});

test("the StackOverflow pattern: a Pool's workers fill one Manager().dict()", async () => {
  const d = await (await manager()).dict<number, number>();
  await using pool = new Pool({ processes: 2 });
  await pool.starmap(storeSquare, Array.from({ length: 6 }, (_, i) => [d, i] as [DictProxy<number, number>, number]), {
    module: TARGETS_MODULE,
  });
  assert.deepEqual(new Map((await d.items()).sort()), new Map(Array.from({ length: 6 }, (_, i) => [i, i * i])));
});

// --- SharedMemoryManager ------------------------------------------------------------------

test("SharedMemoryManager: blocks and lists it made are unlinked at shutdown (test_shared_memory_SharedMemoryManager_basics)", async () => {
  const smm = new SharedMemoryManager();
  assert.throws(() => smm.SharedMemory(9), ValueError);
  await smm.start();
  const lists = [5, 6, 7, 8, 9].map((n) => smm.ShareableList(Array.from({ length: n }, (_, i) => i)));
  const blocks = [4, 8, 12, 16].map((n) => smm.SharedMemory(n * 8));
  assert.equal(new ShareableList(null, { name: lists[0].shm.name }).length, 5);
  assert.ok(new SharedMemory(blocks[0].name).buf.length >= 32);
  await smm.shutdown();
  assert.throws(() => new ShareableList(null, { name: lists[0].shm.name }), FileNotFoundError);
  assert.throws(() => new SharedMemory(blocks[0].name), FileNotFoundError);
  let name: string;
  {
    await using again = new SharedMemoryManager();
    await again.start();
    name = again.ShareableList(["x"]).shm.name;
  }
  assert.throws(() => new SharedMemory(name), FileNotFoundError);
});

test("SharedMemoryManager: blocks asked for after shutdown() are refused as other managers' factories are (ProcessError), before start() with ValueError", async () => {
  const smm = new SharedMemoryManager();
  assert.throws(() => smm.SharedMemory(8), { name: "ValueError", message: /not started/ });
  await smm.start();
  await smm.shutdown();
  assert.throws(() => smm.SharedMemory(8), { name: "ProcessError", message: "Manager has shut down" });
  assert.throws(() => smm.ShareableList([1]), { name: "ProcessError", message: "Manager has shut down" });
});

test("the shared manager shuts down", async () => {
  await shared?.shutdown();
  await shared?.join();
});

test("a proxy's wait refuses Python's positional acquire(False), get(True, 5), wait(5) with a TypeError instead of waiting forever", async () => {
  await using m = await Manager();
  const refused = (call: string, given: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not ${given}` });
  const lock = await m.Lock();
  await assert.rejects(lock.acquire(false as never), refused("acquire", "false"));
  assert.throws(() => lock.acquireSync(false as never), refused("acquireSync", "false"));
  const queue = await m.Queue();
  await assert.rejects(queue.get(true as never), refused("get", "true"));
  await assert.rejects(queue.put(1, false as never), refused("put", "false"));
  const event = await m.Event();
  await assert.rejects(event.wait(5 as never), refused("wait", "5"));
  assert.equal(await lock.acquire({ block: false }), true, "the lock was never taken");
  await lock.release();
});
