import { test } from "node:test";
import assert from "node:assert/strict";
import { Lock, Process, RawArray, RawValue, RLock, SharedArray, type Typecode, Value } from "../mod.ts";
import { addUnderLock, setEveryElement, TARGETS_MODULE } from "./fixtures/sync_targets.ts";
import { travel } from "./_travel.ts";


test("Value holds a number of its typecode, 0 by default, and wraps like the C type", () => {
  const v = new Value("i", 7);
  assert.equal(v.value, 7);
  v.value = 2 ** 31;
  assert.equal(v.value, -(2 ** 31), "i is a 32-bit signed int");
  assert.equal(new Value("d").value, 0);
  const byte = new RawValue("B", 255);
  byte.value += 1;
  assert.equal(byte.value, 0);
  assert.equal(new Value("l", 2 ** 32 + 5).value, 5, "l is 32-bit");
});

test("q and Q hold BigInts and accept integer numbers", () => {
  const big = new Value("q", 2n ** 62n);
  assert.equal(big.value, 2n ** 62n);
  big.value = 5 as unknown as bigint; // (the setter converts integer numbers too)
  assert.equal(big.value, 5n);
  assert.equal(new RawValue("Q", -1n).value, 2n ** 64n - 1n);
  assert.throws(() => new Value("q", 1.5 as unknown as bigint), { name: "TypeError", message: /typecode "q" holds a bigint/ });
  assert.throws(() => new Value("i", 1n as unknown as number), { name: "TypeError", message: /typecode "i" holds an integer/ });
});

test("integer typecodes refuse fractions, NaN and Infinity with a TypeError, as ctypes does", () => {
  for (const typecode of ["b", "B", "h", "H", "i", "I", "l", "L"] as const) {
    assert.throws(() => new Value(typecode, 1.7), { name: "TypeError", message: `typecode "${typecode}" holds an integer, got number 1.7` });
  }
  const v = new Value("i", 3);
  assert.throws(() => (v.value = 7.9), { name: "TypeError" });
  assert.equal(v.value, 3, "a refused value leaves the old one");
  assert.throws(() => new SharedArray("h", [1, 2.5]), { name: "TypeError", message: /got number 2.5/ });
  assert.throws(() => new Value("i", NaN), { name: "TypeError" });
  assert.throws(() => new Value("L", Infinity), { name: "TypeError" });
  assert.ok(Number.isNaN(new Value("d", NaN).value), "floats take any number");
});

test("a boolean is stored as 1 or 0, as ctypes takes True and False", () => {
  const flag = new Value("i", false as unknown as number);
  assert.equal(flag.value, 0);
  flag.value = true as unknown as number;
  assert.equal(flag.value, 1);
  assert.equal(new RawValue("q", true as unknown as bigint).value, 1n);
  assert.equal(new RawValue("d", true as unknown as number).value, 1);
  assert.deepEqual(Array.from(new RawArray("B", [true, false] as unknown as number[]).array), [1, 0]);
});

test("f and d hold floats", () => {
  assert.equal(new Value("d", 0.1).value, 0.1);
  assert.equal(new Value("f", 0.5).value, 0.5);
  assert.equal(new Value("f", 0.1).value, Math.fround(0.1));
});

test("an unknown typecode is a TypeError naming it", () => {
  assert.throws(() => new Value("x" as Typecode, 0), {
    name: "TypeError",
    message: 'unknown typecode "x" (bad typecode): use one of b B h H i I l L q Q f d',
  });
  assert.throws(() => new RawArray("z" as Typecode, 3), { name: "TypeError", message: /"z"/ });
});

test("Value.getLock() is an RLock by default, as Python's, the given lock, or an Error with lock:false", async () => {
  const v = new Value("i", 0);
  assert.ok(v.getLock() instanceof RLock);
  await v.getLock().withLock(() => { v.value += 1; });
  assert.equal(v.value, 1);
  const rlock = new RLock();
  assert.equal(new Value("i", 0, { lock: rlock }).getLock(), rlock);
  assert.throws(() => new Value("i", 0, { lock: false }).getLock(), { message: /created with \{ lock: false \}/ });
  assert.throws(() => new Value("i", 0, { lock: {} as Lock }), { name: "TypeError", message: /takes true, false, null, a Lock or an RLock, got Object/ });
});

test("lock: null gives a new RLock, as Python's lock=None", () => {
  assert.ok(new Value("i", 0, { lock: null }).getLock() instanceof RLock);
  assert.ok(new SharedArray("i", 2, { lock: null }).getLock() instanceof RLock);
});

test("Value and SharedArray release their lock at the end of an await using block, as Python's with", async () => {
  const v = new Value("i", 0);
  const a = new SharedArray("d", 2);
  {
    await v.getLock().acquire();
    await a.getLock().acquire();
    await using _value = v;
    await using _array = a;
    v.value += 1;
    a.array[0] += 1;
    assert.equal(v.getLock().locked() && a.getLock().locked(), true);
  }
  assert.equal(v.getLock().locked(), false);
  assert.equal(a.getLock().locked(), false);
  const unlocked = new Value("i", 0, { lock: false });
  await assert.rejects(async () => {
    await using _unlocked = unlocked;
  }, { message: /created with \{ lock: false \}/ });
});

test("SharedArray from a length is zero-filled; from values holds them; array is a typed view", () => {
  const zeros = new SharedArray("h", 3);
  assert.equal(zeros.length, 3);
  assert.ok(zeros.array instanceof Int16Array);
  assert.ok(zeros.array.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(Array.from(zeros.array), [0, 0, 0]);
  const values = new SharedArray("d", [1.5, 2.5]);
  assert.deepEqual(Array.from(values.array), [1.5, 2.5]);
  const bigs = new RawArray("Q", [1n, 2]);
  assert.ok(bigs.array instanceof BigUint64Array);
  assert.deepEqual(Array.from(bigs.array), [1n, 2n]);
  assert.equal(new RawArray("b", 0).length, 0);
  assert.ok(values.getLock() instanceof RLock);
});

test("arr[i] reads and writes the shared element, also through a handle another process would get", async () => {
  const arr = new SharedArray("i", [1, 2, 3]);
  arr[0] = 5;
  assert.equal(arr.array[0], 5, "the write reached shared memory");
  assert.equal(Object.hasOwn(arr, "0"), false, "no plain property beside it");
  arr[-1] = 9;
  assert.deepEqual([arr[0], arr[1], arr[2], arr[-3]], [5, 2, 9, 5], "negative indices count from the end, as Python's");
  const twin = await travel(arr);
  twin[1] = 7;
  assert.equal(arr[1], 7);
  assert.deepEqual([...arr], [5, 7, 9], "iterable, as Python's arrays");
  const bigs = new RawArray("q", 2);
  bigs[1] = 4 as unknown as bigint; // q takes integer numbers too
  assert.equal(bigs[1], 4n);
});

test("arr[i] out of range is a RangeError and a value of the wrong type a TypeError; nothing is written", () => {
  const arr = new RawArray("h", 2);
  assert.throws(() => (arr[2] = 1), { name: "RangeError", message: "index 2 is out of range for a RawArray of length 2" });
  assert.throws(() => arr[-3], { name: "RangeError" });
  assert.throws(() => (arr[0] = 1.5), { name: "TypeError", message: /typecode "h" holds an integer/ });
  assert.deepEqual(Array.from(arr.array), [0, 0]);
});

test("assigning a property a shared value or array does not have throws instead of setting it beside shared memory", () => {
  const v = new Value("i", 1);
  assert.throws(() => ((v as unknown as { valeu: number }).valeu = 3), {
    name: "TypeError",
    message: "Value has no property valeu: its number is .value, in shared memory (a subclass declares its own fields as class fields)",
  });
  assert.equal(Object.hasOwn(v, "valeu"), false);
  assert.throws(() => ((new RawArray("d", 1) as unknown as { size: number }).size = 3), { name: "TypeError", message: /RawArray has no property size: its elements are arr\[i\]/ });
  class Counter extends Value<"i"> {
    label = "hits";
    bump(): void {
      this.value += 1;
    }
  }
  const counter = new Counter("i", 0);
  counter.bump();
  counter.label = "renamed";
  assert.deepEqual([counter.value, counter.label, String(counter)], [1, "renamed", "<Counter('i', 1)>"]);
});

test("a bad array length is a ValueError", () => {
  assert.throws(() => new SharedArray("i", -1), { name: "ValueError", message: /non-negative integer, got -1/ });
  assert.throws(() => new RawArray("i", 1.5), { name: "ValueError" });
});

test("handles rebuilt from their description share memory, typecode and lock", async () => {
  const v = await travel(new Value("q", 3n));
  assert.ok(v instanceof Value);
  assert.equal(v.typecode, "q");
  assert.equal(v.value, 3n);
  const original = new SharedArray("f", [1, 2]);
  const twin = await travel(original);
  twin.array[0] = 9;
  assert.equal(original.array[0], 9);
  await original.getLock().acquire();
  assert.equal(twin.getLock().locked(), true);
  original.getLock().release();
  assert.equal((await travel(new RawValue("d", 2))).value, 2);
  assert.ok((await travel(new RawArray("i", 2))) instanceof RawArray);
  const unlocked = await travel(new Value("i", 0, { lock: false }));
  assert.throws(() => unlocked.getLock(), { message: /created with \{ lock: false \}/ });
});

test("what a child writes into every typecode's Value, RawValue, SharedArray and RawArray, the parent reads", async () => {
  const typecodes: Typecode[] = ["b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "f", "d"];
  const values = typecodes.flatMap((typecode) => [new Value(typecode), new RawValue(typecode)]);
  const arrays = typecodes.flatMap((typecode) => [new SharedArray(typecode, 3), new RawArray(typecode, 3)]);
  const child = new Process({ target: setEveryElement, args: [values, arrays], module: TARGETS_MODULE });
  try {
    child.start();
    await child.join({ timeout: 60_000 });
    assert.equal(child.exitCode, 0);
    const big = (typecode: Typecode) => typecode === "q" || typecode === "Q";
    for (const v of values) assert.equal(v.value, big(v.typecode) ? 7n : 7, `${v.constructor.name} "${v.typecode}"`);
    for (const a of arrays) {
      const expected = [7, 8, 9].map((n) => (big(a.typecode) ? BigInt(n) : n));
      assert.deepEqual(Array.from(a.array as ArrayLike<number | bigint>), expected, `${a.constructor.name} "${a.typecode}"`);
    }
  } finally {
    if (child.isAlive()) child.kill();
  }
});

test("two processes adding under the lock lose no update", async () => {
  const counter = new Value("i", 0);
  const totals = new SharedArray("d", 1);
  const rounds = 5000;
  const children = [0, 1].map(() => new Process({ target: addUnderLock, args: [counter, totals, rounds], module: TARGETS_MODULE }));
  try {
    for (const child of children) child.start();
    for (const child of children) await child.join({ timeout: 60_000 });
    assert.deepEqual(children.map((child) => child.exitCode), [0, 0]);
    assert.equal(counter.value, 2 * rounds);
    assert.equal(totals.array[0], rounds);
  } finally {
    for (const child of children.filter((child) => child.isAlive())) child.kill();
  }
});
