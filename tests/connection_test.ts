import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokenPipeError, Connection, EOFError, Event, Pipe, Process, Queue, TimeoutError, ValueError, waitConnections } from "../mod.ts";
import { deadline } from "./_helpers.ts";
import { pack, travel } from "./_travel.ts";
import { newMailbox, read } from "./_mailbox.ts";
import {
  checkLarge,
  echoBytesSync,
  echoNested,
  holdUnread,
  measureUntilEof,
  PIPE_TARGETS_MODULE,
  pattern,
  pollThenReceive,
  sendLarge,
  sendLargeThenPoll,
  sendNumbered,
  sendThenHang,
  sendUntilBroken,
  shoutUntilEof,
} from "./fixtures/pipe_targets.ts";

const WAIT_MS = 20_000;
/** Larger than a pipe's ring (256 KiB): such a message streams through it in parts. */
const LARGE = 700_000;

function start(target: (...args: never[]) => unknown, args: unknown[]): Process {
  const p = new Process({ target: target as (...args: unknown[]) => unknown, args, module: PIPE_TARGETS_MODULE });
  p.start();
  return p;
}

async function joined(p: Process): Promise<number | null> {
  await deadline(p.join(), WAIT_MS, `join of ${p.name}`);
  return p.exitCode;
}


// ---- in one process ----------------------------------------------------------------

test("Pipe() is duplex: each end receives, in order, what the other sent", async () => {
  const [a, b] = Pipe();
  a.send({ n: 1, when: new Date(7), tags: new Set(["x"]) });
  a.send([1, "two", null]);
  b.send(new Map([["k", 3n]]));
  assert.deepEqual(await b.recv(), { n: 1, when: new Date(7), tags: new Set(["x"]) });
  assert.deepEqual(await b.recv(), [1, "two", null]);
  assert.deepEqual(await a.recv(), new Map([["k", 3n]]));
  assert.equal(a.readable && a.writable && b.readable && b.writable, true);
  a.close();
  b.close();
});

test("Pipe(false): the first end only receives and the second only sends", async () => {
  const [reader, writer] = Pipe(false);
  assert.deepEqual([reader.readable, reader.writable], [true, false]);
  assert.deepEqual([writer.readable, writer.writable], [false, true]);
  assert.throws(() => reader.send(1), { name: "OSError", message: "connection is read-only" });
  assert.throws(() => reader.sendBytes(new Uint8Array(1)), { message: "connection is read-only" });
  await assert.rejects(writer.recv(), { name: "OSError", message: "connection is write-only" });
  await assert.rejects(writer.recvBytes(), { message: "connection is write-only" });
  await assert.rejects(writer.poll(), { message: "connection is write-only" });
  assert.throws(() => writer.recvSync(), { message: "connection is write-only" });
  assert.throws(() => writer.pollSync(), { message: "connection is write-only" });
  writer.send("one way");
  assert.equal(await reader.recv(), "one way");
  reader.close();
  writer.close();
});

test("Pipe({ duplex: false }) is one-way, as Python's Pipe(duplex=False); a duplex that is not a boolean is a TypeError", () => {
  const [reader, writer] = Pipe({ duplex: false });
  assert.deepEqual([reader.readable, reader.writable, writer.readable, writer.writable], [true, false, false, true]);
  assert.throws(() => reader.send(1), { name: "OSError", message: "connection is read-only" });
  const [a, b] = Pipe({});
  assert.deepEqual([a.readable, a.writable, b.readable, b.writable], [true, true, true, true]);
  assert.throws(() => Pipe("no" as unknown as boolean), { name: "TypeError", message: "Pipe's duplex must be a boolean, got string" });
  assert.throws(() => Pipe({ duplex: 0 as unknown as boolean }), { name: "TypeError", message: "Pipe's duplex must be a boolean, got number" });
  for (const end of [reader, writer, a, b]) end.close();
});

test("messages are never merged or split, whatever their sizes", async () => {
  const [a, b] = Pipe();
  const sizes = [0, 1, 3, 4, 5, 1000, 0, 65_536, LARGE, 2, 0];
  for (const size of sizes) a.sendBytes(pattern(size));
  for (const size of sizes) assert.deepEqual(await b.recvBytes({ timeout: WAIT_MS }), pattern(size));
  assert.equal(await b.poll(), false);
  a.close();
  b.close();
});

test("bytes received stay as they were after later receives", async () => {
  const [a, b] = Pipe();
  a.sendBytes(new Uint8Array([1, 2, 3]));
  a.sendBytes(new Uint8Array([4, 5, 6]));
  a.send("x");
  const first = await b.recvBytes();
  const second = b.recvBytesSync();
  await b.recv();
  assert.deepEqual([first, second], [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]);
  a.close();
  b.close();
});

test("receives awaited together each get their own message: on two pipes, on one pipe, beside a queue's get", async () => {
  const [a, b] = Pipe<string>();
  const [c, d] = Pipe<string>();
  b.send("from b");
  d.send("from d");
  assert.deepEqual(await Promise.all([a.recv(), c.recv()]), ["from b", "from d"]);
  b.sendBytes(new Uint8Array([1, 1]));
  d.sendBytes(new Uint8Array([2, 2]));
  assert.deepEqual(await Promise.all([a.recvBytes(), c.recvBytes()]), [new Uint8Array([1, 1]), new Uint8Array([2, 2])]);
  b.send("one");
  b.send("two");
  assert.deepEqual(await Promise.all([a.recv(), a.recv()]), ["one", "two"]);
  const queue = new Queue<string>();
  await queue.put("from the queue");
  b.send("from the pipe");
  assert.deepEqual(await Promise.all([a.recv(), queue.get()]), ["from the pipe", "from the queue"]);
  queue.close();
  for (const end of [a, b, c, d]) end.close();
});

test("sendBytes sends `size` bytes from byte `offset`, in bytes also for wider views", async () => {
  const [a, b] = Pipe();
  const bytes = new Uint8Array([10, 11, 12, 13, 14]);
  a.sendBytes(bytes, 1, 3);
  a.sendBytes(bytes, 2);
  a.sendBytes(bytes, 5);
  a.sendBytes(bytes.buffer, 4, 1);
  a.sendBytes(new Uint16Array([0x0102, 0x0304]), 2, 2);
  a.sendBytes(new DataView(bytes.buffer, 3));
  assert.deepEqual(await b.recvBytes(), new Uint8Array([11, 12, 13]));
  assert.deepEqual(await b.recvBytes(), new Uint8Array([12, 13, 14]));
  assert.deepEqual(await b.recvBytes(), new Uint8Array([]));
  assert.deepEqual(await b.recvBytes(), new Uint8Array([14]));
  assert.deepEqual(await b.recvBytes(), new Uint8Array(new Uint16Array([0x0304]).buffer));
  assert.deepEqual(await b.recvBytes(), new Uint8Array([13, 14]));
  a.close();
  b.close();
});

test("sendBytes refuses an offset or size outside the buffer with Python's ValueErrors, sending nothing", async () => {
  const [a, b] = Pipe();
  const bytes = new Uint8Array(4);
  const refusals: [number, number | undefined, string][] = [
    [-1, undefined, "offset is negative"],
    [5, undefined, "buffer length < offset"],
    [0, -1, "size is negative"],
    [1, 4, "buffer length < offset + size"],
    [4, 1, "buffer length < offset + size"],
  ];
  for (const [offset, size, message] of refusals) {
    assert.throws(() => a.sendBytes(bytes, offset, size), (error: Error) => {
      assert.ok(error instanceof ValueError, `${message}: a ValueError`);
      assert.equal(error.message, message);
      return true;
    });
  }
  assert.throws(() => a.sendBytes(bytes, 0.5), { name: "TypeError", message: /offset must be an integer/ });
  assert.throws(() => a.sendBytes("text" as unknown as Uint8Array), { name: "TypeError", message: /got string/ });
  assert.equal(await b.poll(), false, "nothing was sent");
  a.close();
  b.close();
});

test("send refuses a value that cannot be copied with a TypeError naming its path, sending nothing", async () => {
  const [a, b] = Pipe();
  assert.throws(() => a.send({ ok: 1, cb: () => 1 }), { name: "TypeError", message: /^obj\.cb/ });
  assert.equal(await b.poll(), false);
  a.send("after");
  assert.equal(await b.recv(), "after");
  a.close();
  b.close();
});

test("recvBytes discards a message longer than maxLength with 'bad message length' and stays usable", async () => {
  const [a, b] = Pipe();
  a.sendBytes(new Uint8Array(10));
  a.sendBytes(new Uint8Array([1, 2, 3]));
  a.sendBytes(new Uint8Array(10));
  await assert.rejects(b.recvBytes({ maxLength: 9 }), { name: "Error", message: /^bad message length/ });
  assert.deepEqual(await b.recvBytes({ maxLength: 3 }), new Uint8Array([1, 2, 3]));
  assert.throws(() => b.recvBytesSync({ maxLength: 0 }), { message: /^bad message length/ });
  assert.equal(await b.poll(), false, "the long message was consumed");
  await assert.rejects(b.recvBytes({ maxLength: -1 }), (error: Error) => error instanceof ValueError && error.message === "negative maxLength");
  a.sendBytes(new Uint8Array(2));
  assert.equal((await b.recvBytes({ maxLength: 2 })).length, 2);
  a.close();
  b.close();
});

test("recvBytes of a sent value gives its encoding, and recv of bytes that are no encoding is a TypeError", async () => {
  const [a, b] = Pipe();
  a.send("x");
  assert.ok((await b.recvBytes()).length > 0);
  a.sendBytes(new Uint8Array([255]));
  await assert.rejects(b.recv(), { name: "TypeError", message: /cannot decode/ });
  a.close();
  b.close();
});

test("poll is true while a message (even an empty one) is pending and never consumes it", async () => {
  const [a, b] = Pipe();
  assert.equal(await b.poll(), false);
  assert.equal(b.pollSync(), false);
  a.sendBytes(new Uint8Array(0));
  assert.equal(await b.poll(), true);
  assert.equal(await b.poll(), true);
  assert.equal(b.pollSync(), true);
  assert.deepEqual(await b.recvBytes(), new Uint8Array(0));
  assert.equal(await b.poll(), false);
  a.close();
  b.close();
});

test("poll(timeout) waits for a message sent later, and gives up after the timeout", async () => {
  const [a, b] = Pipe();
  const started = performance.now();
  assert.equal(await b.poll(50), false);
  assert.ok(performance.now() - started >= 45, "waited about the timeout");
  setTimeout(() => a.send("late"), 30);
  assert.equal(await deadline(b.poll(WAIT_MS), WAIT_MS), true);
  setTimeout(() => a.send("later"), 30);
  assert.equal(await deadline(b.poll(null), WAIT_MS), true, "null: no time limit");
  assert.equal(await b.recv(), "late");
  assert.equal(await b.recv(), "later");
  a.close();
  b.close();
});

test("recv waits for a message; it times out with TimeoutError and stops at an aborted signal", async () => {
  const [a, b] = Pipe();
  setTimeout(() => a.send("soon"), 20);
  assert.equal(await deadline(b.recv(), WAIT_MS), "soon");
  await assert.rejects(b.recv({ timeout: 30 }), (error: Error) => error instanceof TimeoutError);
  assert.throws(() => b.recvSync({ timeout: 10 }), (error: Error) => error instanceof TimeoutError);
  const controller = new AbortController();
  const reason = new Error("stop");
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(b.recv({ signal: controller.signal }), (error) => error === reason);
  await assert.rejects(b.recvBytes({ signal: AbortSignal.abort(reason) }), (error) => error === reason);
  a.send("still usable");
  assert.equal(await b.recv(), "still usable");
  a.close();
  b.close();
});

test("a blocking receive writes what waits to be sent only while no message is there, losing nothing at its timeout", async () => {
  const [a, b] = Pipe();
  a.sendBytes(pattern(4 * LARGE)); // nobody reads yet: most of it waits in this handle
  b.send("first");
  assert.equal(a.recvSync({ timeout: WAIT_MS }), "first", "a message already there is taken at once");
  const started = performance.now();
  assert.throws(() => a.recvSync({ timeout: 50 }), (error: Error) => error instanceof TimeoutError);
  assert.ok(performance.now() - started < WAIT_MS / 4, "the timeout also bounds the writing");
  assert.deepEqual(await deadline(b.recvBytes(), WAIT_MS), pattern(4 * LARGE));
  a.close();
  b.close();
});

test("after the other end is closed, pending messages are received, then EOFError", async () => {
  const [a, b] = Pipe();
  a.send(1);
  a.send(2);
  a.close();
  assert.equal(await b.recv(), 1);
  assert.equal(b.recvSync(), 2);
  assert.equal(await b.poll(), true, "poll reports end-of-file, as in Python");
  await assert.rejects(b.recv(), (error: Error) => error instanceof EOFError && error.name === "EOFError");
  assert.throws(() => b.recvSync(), (error: Error) => error instanceof EOFError);
  await assert.rejects(b.recvBytes(), (error: Error) => error instanceof EOFError);
  b.close();
});

test("a receive waiting when the other end closes ends with EOFError", async () => {
  const [a, b] = Pipe();
  const waiting = b.recv();
  setTimeout(() => a.close(), 20);
  await assert.rejects(deadline(waiting, WAIT_MS), (error: Error) => error instanceof EOFError);
  b.close();
});

test("sending when every handle of the other end is closed is a BrokenPipeError, as in Python", () => {
  const [a, b] = Pipe(false);
  a.close();
  assert.throws(() => b.send("nobody listens"), (error: Error) => error instanceof BrokenPipeError && /^broken pipe/.test(error.message));
  assert.throws(() => b.sendBytes(new Uint8Array(1)), BrokenPipeError);
  b.close();
  const [c, d] = Pipe();
  d.close();
  assert.throws(() => c.send("at once"), BrokenPipeError, "the close is seen in the same tick");
  c.close();
});

test("the other end's close() is seen at once: poll() and receives report end-of-file in the same tick", async () => {
  const [a, b] = Pipe();
  a.close();
  assert.equal(b.pollSync(), true);
  assert.throws(() => b.recvSync(), EOFError);
  assert.equal(await b.poll(), true);
  b.close();
});

test("a closed handle raises OSError('handle is closed') on every use, as Python's", async () => {
  const [a, b] = Pipe();
  assert.equal(a.closed, false);
  a.close();
  a.close(); // closing twice is fine
  assert.equal(a.closed, true);
  assert.equal(a.readable && a.writable, true, "readable/writable describe the end, as in Python");
  const closed = { name: "OSError", message: "handle is closed" };
  assert.throws(() => a.send(1), closed);
  assert.throws(() => a.sendBytes(new Uint8Array(1), -1), closed, "checked before the arguments");
  await assert.rejects(a.recv(), closed);
  await assert.rejects(a.recvBytes({ maxLength: -1 }), closed);
  await assert.rejects(a.poll(), closed);
  assert.throws(() => a.recvSync(), closed);
  assert.throws(() => a.recvBytesSync(), closed);
  assert.throws(() => a.pollSync(), closed);
  assert.throws(() => pack([a]), closed, "a closed handle cannot be passed on");
  b.close();
});

test("closing a handle ends its own waiting receive with 'handle is closed'", async () => {
  const [a, b] = Pipe();
  const waiting = b.recv();
  const polling = b.poll(null);
  setTimeout(() => b.close(), 20);
  await assert.rejects(deadline(waiting, WAIT_MS), { message: "handle is closed" });
  await assert.rejects(deadline(polling, WAIT_MS), { message: "handle is closed" });
  a.close();
});

test("Symbol.dispose and Symbol.asyncDispose close the handle", async () => {
  const [a, b] = Pipe();
  a[Symbol.dispose]();
  await b[Symbol.asyncDispose]();
  assert.equal(a.closed && b.closed, true);
});

test("connections are made by Pipe(), not by new Connection()", () => {
  assert.throws(() => new Connection(Symbol("x"), {}), { name: "TypeError", message: /made by Pipe\(\)/ });
});

test("a rebuilt handle works on the same pipe, and the end stays open while any handle is open", async () => {
  const [a, b] = Pipe<string>();
  const copy = await travel(b);
  b.close();
  a.send("to the copy");
  assert.equal(await copy.recv(), "to the copy");
  copy.send("from the copy");
  assert.equal(await a.recv(), "from the copy");
  assert.equal(await a.poll(), false, "a handle of the other end is still open: no end-of-file");
  copy.close();
  await assert.rejects(a.recv(), (error: Error) => error instanceof EOFError);
  a.close();
});

// ---- across processes --------------------------------------------------------------

test("a child answers over a duplex pipe and ends at end-of-file when the parent closes", async () => {
  const [here, there] = Pipe<string>();
  const p = start(shoutUntilEof, [there]);
  there.close();
  for (const word of ["hello", "pipe", ""]) {
    here.send(word);
    assert.equal(await deadline(here.recv(), WAIT_MS), word.toUpperCase());
  }
  here.close();
  assert.equal(await joined(p), 0);
});

test("bytes both ways across processes, with async receives in the child", async () => {
  const [here, there] = Pipe<Uint8Array | number>();
  const mailbox = newMailbox();
  const p = start(measureUntilEof, [there, mailbox]);
  there.close();
  for (const size of [0, 1, 100, LARGE]) {
    here.sendBytes(pattern(size));
    assert.equal(await deadline(here.recv(), WAIT_MS), size);
  }
  here.close();
  assert.equal(await joined(p), 0);
  assert.equal(read(mailbox), 4);
});

test("a message larger than the pipe crosses whole in both directions", async () => {
  const [fromChild, childEnd] = Pipe(false);
  const p = start(sendLarge, [childEnd, LARGE]);
  childEnd.close();
  assert.deepEqual(await deadline(fromChild.recvBytes(), WAIT_MS), pattern(LARGE));
  assert.equal(await joined(p), 0);
  fromChild.close();

  const [toChild, parentEnd] = Pipe(false);
  const mailbox = newMailbox();
  const q = start(checkLarge, [toChild, LARGE, mailbox]);
  toChild.close();
  parentEnd.sendBytes(pattern(LARGE));
  assert.equal(await joined(q), 0);
  assert.equal(read(mailbox), true);
  parentEnd.close();
});

test("a child echoing with blocking receives sends back a message larger than the pipe (Python's _echo)", async () => {
  const [here, there] = Pipe();
  const p = start(echoBytesSync, [there]);
  there.close();
  for (const size of [5, 4 * LARGE, 7]) {
    here.sendBytes(pattern(size));
    assert.deepEqual(await deadline(here.recvBytes(), WAIT_MS), pattern(size));
  }
  here.close();
  assert.equal(await joined(p), 0);
});

test("a child's pollSync writes what it sent before waiting, so an answer that depends on it comes", async () => {
  const [here, there] = Pipe<string>();
  const mailbox = newMailbox();
  const p = start(sendLargeThenPoll, [there, LARGE, mailbox]);
  there.close();
  assert.deepEqual(await deadline(here.recvBytes(), WAIT_MS), pattern(LARGE));
  here.send("got it");
  assert.equal(await joined(p), 0);
  assert.deepEqual(read(mailbox), { answered: true, answer: "got it" });
  here.close();
});

test("one-way: what a child sends arrives in order, then EOFError once the child ended", async () => {
  const [reader, writer] = Pipe<[string, number]>(false);
  const p = start(sendNumbered, [writer, "a", 500]);
  writer.close();
  for (let i = 0; i < 500; i++) assert.deepEqual(await deadline(reader.recv(), WAIT_MS), ["a", i]);
  await assert.rejects(deadline(reader.recv(), WAIT_MS), (error: Error) => error instanceof EOFError);
  assert.equal(await joined(p), 0);
  reader.close();
});

test("an end held by several processes: each one's messages in order, EOFError after the last one ended", async () => {
  const [reader, writer] = Pipe<[string, number]>(false);
  const children = ["a", "b", "c"].map((tag) => start(sendNumbered, [writer, tag, 300]));
  writer.close();
  const next = new Map([["a", 0], ["b", 0], ["c", 0]]);
  for (let i = 0; i < 900; i++) {
    const [tag, n] = await deadline(reader.recv(), WAIT_MS);
    assert.equal(n, next.get(tag), `messages of ${tag} in order`);
    next.set(tag, n + 1);
  }
  await assert.rejects(deadline(reader.recv(), WAIT_MS), (error: Error) => error instanceof EOFError);
  for (const child of children) assert.equal(await joined(child), 0);
  reader.close();
});

test("EOFError when the only holder of the other end is terminated without closing it", async () => {
  const [reader, writer] = Pipe<string>(false);
  const sent = new Event();
  const p = start(sendThenHang, [writer, sent]);
  writer.close();
  assert.equal(await deadline(reader.recv(), WAIT_MS), "hello");
  assert.equal(await sent.wait({ timeout: WAIT_MS }), true);
  assert.equal(await reader.poll(), false, "the child still holds the other end");
  p.terminate();
  await assert.rejects(deadline(reader.recv(), WAIT_MS), (error: Error) => error instanceof EOFError);
  assert.equal(await joined(p), -15);
  reader.close();
});

test("a child whose reader was killed gets BrokenPipeError and ends, as Python's does: what it could not write yet is dropped", async () => {
  for (const how of ["return", "exit"] as const) {
    const [reader, writer] = Pipe<Uint8Array>(false);
    const [ready, sent] = [new Event(), new Event()];
    const holder = start(holdUnread, [reader, ready]);
    const sender = start(sendUntilBroken, [writer, sent, how]);
    reader.close();
    writer.close();
    assert.equal(await ready.wait({ timeout: WAIT_MS }), true);
    assert.equal(await sent.wait({ timeout: WAIT_MS }), true);
    holder.kill();
    assert.equal(await joined(holder), -9);
    assert.equal(await joined(sender), 0, `the sender that ended by ${how} ended`);
  }
});

/** A module that throws while it is imported (not imported here: only by a child). */
const FAILS_ON_IMPORT = new URL(`./fixtures/fails_on_import${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`, import.meta.url);

/** The name of the export that the child looks for in {@link FAILS_ON_IMPORT}. */
function neverRuns(): void {}

test("EOFError when the child that got the other end ends before it could rebuild it", async () => {
  const [reader, writer] = Pipe<string>(false);
  // The child's module fails to import (it prints why): it ends before its args are rebuilt.
  const p = new Process({ target: neverRuns, args: [writer], module: FAILS_ON_IMPORT });
  p.start();
  writer.close();
  await assert.rejects(deadline(reader.recv(), WAIT_MS), (error: Error) => error instanceof EOFError);
  assert.equal(await joined(p), 1);
  reader.close();
});

test("pollSync in a child waits for a message without taking it", async () => {
  const [here, there] = Pipe<string>();
  const ready = new Event();
  const mailbox = newMailbox();
  const p = start(pollThenReceive, [there, ready, mailbox]);
  assert.equal(await ready.wait({ timeout: WAIT_MS }), true);
  here.send("polled");
  assert.equal(await joined(p), 0);
  assert.deepEqual(read(mailbox), { before: false, waited: true, again: true, message: "polled" });
  here.close();
  there.close();
});

test("connections nested anywhere in args arrive as working handles", async () => {
  const [inA, inB] = Pipe();
  const [outA, outB] = Pipe();
  const p = start(echoNested, [{ inbox: { conn: inB } }, [outB]]);
  inA.send({ nested: true });
  assert.deepEqual(await deadline(outA.recv(), WAIT_MS), { nested: true });
  assert.equal(await joined(p), 0);
  for (const conn of [inA, inB, outA, outB]) conn.close();
});

test("Python's positional habits on connections are TypeErrors, not waits that ignore them: poll({ timeout }), recv(5), wait(objects, 5)", async () => {
  const [a, b] = Pipe();
  try {
    const pollRefused = (call: string) => ({ name: "TypeError", message: `${call}() takes the timeout in milliseconds, such as ${call}(5000) (null: no limit), not an object` });
    await assert.rejects(a.poll({ timeout: 100 } as never), pollRefused("poll"));
    assert.throws(() => a.pollSync({ timeout: 100 } as never), pollRefused("pollSync"));
    const refused = (call: string) => ({ name: "TypeError", message: `${call}() takes an options object, such as ${call}({ timeout: 5000 }), not 100` });
    await assert.rejects(a.recv(100 as never), refused("recv"));
    assert.throws(() => a.recvSync(100 as never), refused("recvSync"));
    await assert.rejects(a.recvBytes(100 as never), refused("recvBytes"));
    assert.throws(() => a.recvBytesSync(100 as never), refused("recvBytesSync"));
    await assert.rejects(waitConnections([a], 100 as never), refused("wait"));
    b.send("still there");
    assert.equal(await a.recv(), "still there", "nothing was taken");
  } finally {
    a.close();
    b.close();
  }
});
