import { test } from "node:test";
import assert from "node:assert/strict";
import { type Connection, EOFError, Event, Pipe, Process, ValueError, waitConnections as wait } from "../mod.ts";
import { wait as waitFromSubpath } from "../src/connection.ts";
import { deadline } from "./_helpers.ts";
import { sendNumbers, waitForEvent } from "./fixtures/context_targets.ts";

const JOIN_MS = 20_000;

test("wait() returns the readers with data until each reaches EOF: every message arrives (CPython test_wait)", async () => {
  const readers: Connection<[number, number]>[] = [];
  const processes: Process[] = [];
  for (let i = 0; i < 4; i++) {
    const [r, w] = Pipe<[number, number]>(false);
    const p = new Process({ target: sendNumbers, args: [w], daemon: true });
    p.start();
    w.close();
    readers.push(r);
    processes.push(p);
  }
  const got: [number, number][] = [];
  while (readers.length > 0) {
    for (const r of await deadline(wait(readers), JOIN_MS, "wait")) {
      try {
        got.push(await r.recv());
      } catch (error) {
        assert.ok(error instanceof EOFError);
        r.close();
        readers.splice(readers.indexOf(r), 1);
      }
    }
  }
  const expected = processes.flatMap((p) => Array.from({ length: 10 }, (_, i) => [i, p.pid!]));
  const order = (a: number[], b: number[]) => a[1] - b[1] || a[0] - b[0];
  assert.deepEqual(got.sort(order), expected.sort(order));
  await Promise.all(processes.map((p) => p.join()));
});

test("wait() resolves [] at its timeout, and the ready connection once data comes (CPython test_wait_timeout)", async () => {
  const [a, b] = Pipe();
  const started = performance.now();
  assert.deepEqual(await wait([a, b], { timeout: 300 }), []);
  assert.ok(performance.now() - started >= 290, "waited for the timeout");
  b.send(null);
  assert.deepEqual(await wait([a, b], { timeout: 20_000 }), [a]);
  assert.equal(await a.poll(), true, "wait() took no message");
  assert.equal(await a.recv(), null);
});

test("wait() with a negative timeout polls and returns [] at once (CPython test_neg_timeout)", async () => {
  const [a] = Pipe();
  const started = performance.now();
  assert.deepEqual(await wait([a], { timeout: -1 }), []);
  assert.ok(performance.now() - started < 1000);
});

test("wait() mixes connections and a sentinel, in input order (CPython test_wait_integer)", async () => {
  const [a, aPeer] = Pipe();
  const [b, bPeer] = Pipe();
  const event = new Event();
  const p = new Process({ target: waitForEvent, args: [event] });
  p.start();
  assert.deepEqual(await wait([a, p.sentinel, b], { timeout: 0 }), []);
  event.set();
  assert.deepEqual(await deadline(wait([a, p.sentinel, b]), JOIN_MS, "wait"), [p.sentinel]);
  aPeer.send(null);
  assert.deepEqual(await wait([a, p.sentinel, b], { timeout: 400 }), [a, p.sentinel]);
  bPeer.send(null);
  assert.deepEqual(await wait([a, p.sentinel, b], { timeout: 400 }), [a, p.sentinel, b]);
  await p.join();
});

test("Process.sentinel: ValueError before start, not ready while running, ready once ended (CPython test_sentinel)", async () => {
  const event = new Event();
  const p = new Process({ target: waitForEvent, args: [event] });
  assert.throws(() => p.sentinel, new ValueError("process not started"));
  p.start();
  const sentinel = p.sentinel;
  assert.equal(sentinel, p.sentinel);
  assert.deepEqual(await wait([sentinel], { timeout: 0 }), []);
  assert.equal(sentinel.ready, false);
  event.set();
  await deadline(p.join(), JOIN_MS, "join");
  assert.deepEqual(await wait([sentinel], { timeout: 1000 }), [sentinel]);
  assert.equal(sentinel.ready, true);
  p.close();
  assert.throws(() => p.sentinel, new ValueError("process object is closed"));
});

test("wait() is ready at end-of-file, rejects with the abort reason, and refuses what it cannot wait on", async () => {
  const [a, b] = Pipe();
  const controller = new AbortController();
  const waiting = wait([a], { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, { message: "stop" });
  b.close();
  assert.deepEqual(await waitFromSubpath([a], { timeout: 1000 }), [a]);
  await assert.rejects(a.recv(), EOFError);
  await assert.rejects(wait([{} as Connection]), TypeError);
  const [, sender] = Pipe(false);
  await assert.rejects(wait([sender]), { message: "connection is write-only" });
});
