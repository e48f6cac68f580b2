import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BrokenBarrierError, Empty, EOFError, Full, HANDLE, ProcessError, TimeoutError, ValueError } from "../mod.ts";
import { checkCloneable, decode, encode } from "../src/transport/codec.ts";
import { Buffer } from "node:buffer";
import { runScript } from "./_helpers.ts";
import { codecSample } from "./fixtures/codec_sample.ts";

/** Encodes, copies the bytes out (as queues do) and decodes. */
function roundTrip<T>(value: T): T {
  return decode<T>(encode(value).slice());
}

describe("codec round trip", () => {
  test("primitives come back equal, including NaN, -0, Infinity and BigInt", () => {
    const values = [
      undefined, null, true, false, 0, -0, 1, 127, 128, -1, -128, -129, 32767, -32768, 65536,
      2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE,
      NaN, Infinity, -Infinity, 0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, -(3n ** 200n),
    ];
    for (const value of values) assert.equal(roundTrip(value), value, `round trip of ${String(value)}`);
    assert.ok(Object.is(roundTrip(-0), -0), "-0 keeps its sign");
  });

  test("strings: empty, ASCII of every length class, non-ASCII, emoji, lone surrogates, long", () => {
    const strings = [
      "", "a", "hello", "x".repeat(31), "x".repeat(32), "x".repeat(63), "x".repeat(64), "x".repeat(1000),
      "héllo", "日本語のテキスト", "emoji 😀 and more 🎉", "\u0000\u007f\u0080\u07ff\u0800\uffff",
      "lone \ud800 high", "lone \udc00 low", "\udbff", "end \ud83d", "é".repeat(5000), "😀".repeat(3000),
      "mixed 😀 " + "y".repeat(200) + " \ud800",
    ];
    for (const s of strings) assert.equal(roundTrip(s), s, `round trip of ${JSON.stringify(s.slice(0, 40))}`);
  });

  test("a 1 MiB non-ASCII string", () => {
    const s = "αβγ😀".repeat(200_000);
    assert.equal(roundTrip(s), s);
  });

  test("plain objects and arrays, nested", () => {
    const value = {
      i: 1, s: "hello", a: [1, 2, 3], nested: { deeper: { list: [{ x: null }, [], {}] } },
      "odd key": 1, "": 2, "123": 3, ["__proto__"]: 4, u: undefined,
    };
    const copy = roundTrip(value);
    assert.deepEqual(copy, value);
    assert.deepEqual(Object.keys(copy), Object.keys(value), "key order is kept");
    assert.equal(Object.getPrototypeOf(copy), Object.prototype, "__proto__ stays a plain own key");
    assert.ok(Object.hasOwn(copy, "u"), "an undefined property is kept");
  });

  test("symbol keys are dropped, as structured clone does", () => {
    const copy = roundTrip({ a: 1, [Symbol("k")]: 2 });
    assert.deepEqual(copy, { a: 1 });
    assert.equal(Object.getOwnPropertySymbols(copy).length, 0);
  });

  test("objects of a frequent shape, of many shapes, and with many keys", () => {
    const sameShape = Array.from({ length: 50 }, (_, i) => ({ i, s: `s${i}`, "key with space": [i], ["__proto__"]: i }));
    for (let round = 0; round < 3; round++) assert.deepEqual(roundTrip(sameShape), sameShape);
    const records = Array.from({ length: 100 }, (_, i) => ({ id: i, name: "n" }));
    assert.ok(encode(records).length < 100 * 8, "records after the first do not repeat their keys");
    const frequent = Array.from({ length: 50 }, (_, i) => ({ id: i, name: "n", ünï: "u", nested: { a: i } }));
    assert.deepEqual(roundTrip(frequent), frequent);
    assert.equal(Object.getPrototypeOf(roundTrip(sameShape)[0]), Object.prototype);
    const manyShapes = Array.from({ length: 3000 }, (_, i) => ({ [`k${i}`]: i, [`j${i % 7}`]: "x", z: i }));
    assert.deepEqual(roundTrip(manyShapes), manyShapes);
    const dictionary = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`user${i}`, i]));
    assert.deepEqual(roundTrip(dictionary), dictionary);
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    assert.deepEqual(roundTrip(Array(20).fill(wide)), Array(20).fill(wide));
  });

  test("null-prototype objects arrive as plain objects (class instances: see reduction_test.ts)", () => {
    const bare = Object.assign(Object.create(null), { a: 1 });
    assert.deepEqual(roundTrip(bare), { a: 1 });
  });

  test("long arrays of numbers (packed) keep every value, -0, NaN and floats included, at any offset", () => {
    const ints = Array.from({ length: 1000 }, (_, i) => (i % 2 ? -i : i) * 65_537);
    const floats = Array.from({ length: 100 }, (_, i) => i / 3);
    const specials = [...ints.slice(0, 40), -0, NaN, Infinity, -Infinity, 2 ** 31, 0.5];
    const message = { ints, floats, specials, again: ints, tail: [...ints.slice(0, 40), "not a number"] };
    const bytes = encode(message);
    for (const offset of [0, 1, 3, 5, 7]) {
      const shifted = new Uint8Array(new SharedArrayBuffer(bytes.length + offset)).subarray(offset);
      shifted.set(bytes);
      const copy = decode<typeof message>(shifted);
      assert.deepEqual(copy, message);
      assert.ok(Object.is(copy.specials[40], -0), "-0 keeps its sign");
      assert.equal(copy.again, copy.ints, "an array met twice is one array");
      assert.ok(Array.isArray(copy.ints) && !copy.ints.some((_, i) => !(i in copy.ints)), "a plain array without holes");
    }
    assert.ok(encode(ints).length < 4 * ints.length + 16, "int32 values take 4 bytes each");
  });

  test("arrays with holes keep their length, holes and values", () => {
    const holey = [1, , 3, , , 6]; // eslint-disable-line no-sparse-arrays
    const copy = roundTrip(holey);
    assert.equal(copy.length, 6);
    assert.deepEqual(copy, holey);
    assert.ok(!(1 in copy) && !(4 in copy), "holes stay holes");
    const trailing: unknown[] = [1];
    trailing.length = 5;
    assert.equal(roundTrip(trailing).length, 5);
    const sparse: unknown[] = [];
    sparse[1_000_000_000] = "far";
    sparse[5] = "near";
    const sparseCopy = roundTrip(sparse);
    assert.equal(sparseCopy.length, 1_000_000_001);
    assert.equal(sparseCopy[5], "near");
    assert.equal(sparseCopy[1_000_000_000], "far");
    assert.deepEqual(roundTrip([undefined, null]), [undefined, null], "undefined items are not holes");
  });

  test("Map, Set, Date, RegExp and boxed primitives", () => {
    const value = {
      map: new Map<unknown, unknown>([["a", 1], [2, { b: [3] }], [{ k: 1 }, new Set([1])]]),
      set: new Set<unknown>(["x", 1, null, new Date(0)]),
      date: new Date(1_700_000_000_123),
      re: /a+b?(c)/giu,
      boxed: [Object(1.5), Object("str"), Object(true), Object(false), Object(10n)],
    };
    const copy = roundTrip(value);
    assert.deepEqual(copy, value);
    const invalid = roundTrip(new Date(NaN));
    assert.ok(invalid instanceof Date && Number.isNaN(invalid.getTime()), "an invalid Date stays invalid");
    assert.equal(copy.re.source, "a+b?(c)");
    assert.equal(copy.re.flags, "giu");
    assert.ok(copy.boxed[1] instanceof String);
  });

  test("ArrayBuffer, every typed array and DataView keep type, length and contents", () => {
    const buffer = new ArrayBuffer(64);
    new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i * 3));
    const kinds = [
      Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
      Float32Array, Float64Array, BigInt64Array, BigUint64Array,
    ];
    for (const Kind of kinds) {
      const whole = roundTrip(new Kind(buffer));
      assert.equal(whole.constructor, Kind);
      assert.deepEqual(whole, new Kind(buffer));
      const part = roundTrip(new Kind(buffer, 8, 3));
      assert.equal(part.constructor, Kind);
      assert.equal(part.length, 3);
      assert.deepEqual(part, new Kind(buffer, 8, 3), `${Kind.name} keeps its contents`);
    }
    const dataView = roundTrip(new DataView(buffer, 4, 10));
    assert.ok(dataView instanceof DataView);
    assert.equal(dataView.byteLength, 10);
    assert.equal(dataView.getUint8(0), 12);
    assert.deepEqual(new Uint8Array(roundTrip(buffer)), new Uint8Array(buffer));
    assert.deepEqual(roundTrip(new Float32Array([1.5, NaN, -0])), new Float32Array([1.5, NaN, -0]));
  });

  const Float16 = (globalThis as { Float16Array?: new (items: number[]) => ArrayLike<number> }).Float16Array;
  test("Float16Array, where the runtime has it", { skip: Float16 === undefined }, () => {
    const halves = new Float16!([0.5, -2, 65504]);
    const copy = roundTrip(halves);
    assert.equal(copy.constructor, Float16);
    assert.deepEqual(Array.from(copy), [0.5, -2, 65504]);
  });

  test("a view of part of a buffer travels with only the bytes it views", () => {
    const pooled = new Uint8Array(new ArrayBuffer(8192), 100, 5); // like a small Node Buffer
    pooled.set([1, 2, 3, 4, 5]);
    assert.ok(encode(pooled).length < 40, "the rest of the pool does not travel");
    const copy = roundTrip(pooled);
    assert.deepEqual(copy, new Uint8Array([1, 2, 3, 4, 5]));
    assert.equal(copy.byteOffset, 0);
    assert.equal(copy.buffer.byteLength, 5);
  });

  test("a view sent with its buffer, or with another view of it, keeps its offset and shares it", () => {
    const buffer = new ArrayBuffer(16);
    new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i));
    const [view, sameBuffer] = roundTrip([new Uint16Array(buffer, 4, 2), buffer] as const);
    assert.equal(view.buffer, sameBuffer);
    assert.equal(view.byteOffset, 4);
    assert.deepEqual(view, new Uint16Array(buffer, 4, 2));
    const [bufferFirst, later] = roundTrip([buffer, new DataView(buffer, 8, 4)] as const);
    assert.equal(later.buffer, bufferFirst);
    assert.equal(later.byteOffset, 8);
    assert.equal(later.getUint8(0), 8);
  });

  test("two views of one buffer still share one buffer", () => {
    const buffer = new ArrayBuffer(16);
    const [a, b] = roundTrip([new Uint8Array(buffer, 0, 4), new Int32Array(buffer, 4, 2)]);
    assert.equal(a.buffer, b.buffer);
    b[0] = -1;
    assert.equal(new Uint8Array(a.buffer)[4], 255);
  });

  test("a 16 MiB Uint8Array", () => {
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4093) big[i] = i & 0xff;
    const copy = roundTrip(big);
    assert.equal(copy.length, big.length);
    assert.ok(Buffer.compare(copy, big) === 0, "contents are equal");
  });

  test("large buffers at any offset, next to other values, come back whole (their bytes are aligned in the message)", () => {
    const backing = new ArrayBuffer(20_000);
    const bytes = new Uint8Array(backing);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    for (let offset = 0; offset < 70; offset += 23) {
      const view = new Uint8Array(backing, offset, 4096 + offset);
      const [before, copy, doubles, after] = roundTrip(["x".repeat(offset), view, new Float64Array(backing, 8, 600), { n: offset }] as const);
      assert.equal(before.length, offset);
      assert.deepEqual(copy, view);
      assert.deepEqual(doubles, new Float64Array(backing, 8, 600));
      assert.deepEqual(after, { n: offset });
    }
    for (const offset of [0, 5, 63]) {
      const message = encode(["ab", new Uint8Array(new ArrayBuffer(9000), offset, 8192).fill(0xee)]);
      assert.equal(message.indexOf(0xee) % 64, offset, `bytes at offset ${offset} sit at that offset modulo 64`);
    }
    const [exactly, justBelow] = roundTrip([new ArrayBuffer(4096), new Uint8Array(4095).fill(9)] as const);
    assert.equal(exactly.byteLength, 4096);
    assert.deepEqual(justBelow, new Uint8Array(4095).fill(9));
  });

  test("Errors keep class, name, message, stack and cause", () => {
    const classes = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];
    for (const Class of classes) {
      const error = new Class("boom", { cause: { code: 42 } });
      const copy = roundTrip(error);
      assert.equal(copy.constructor, Class);
      assert.equal(copy.name, Class.name);
      assert.equal(copy.message, "boom");
      assert.equal(copy.stack, error.stack);
      assert.deepEqual(copy.cause, { code: 42 });
    }
    class Custom extends Error {
      override name = "Custom";
    }
    const custom = roundTrip(new Custom("mine"));
    assert.equal(custom.constructor, Error, "an error class that cannot be found comes back as Error");
    assert.equal(custom.name, "Custom");
    assert.equal(custom.message, "mine");
    assert.ok(!Object.hasOwn(roundTrip(new Error("x")), "cause"), "no cause stays no cause");
  });

  test("this library's errors come back as their classes, with their fields", () => {
    for (const Class of [Empty, Full, ValueError, TimeoutError, BrokenBarrierError, EOFError]) {
      const error = new Class("why", { cause: 7 });
      const copy = roundTrip(error);
      assert.ok(copy instanceof Class, `${Class.name} comes back as itself`);
      assert.equal(copy.name, Class.name);
      assert.equal(copy.message, "why");
      assert.equal(copy.cause, 7);
      assert.equal(copy.stack, error.stack);
    }
    const processError = roundTrip(new ProcessError("child failed", { name: "RangeError", message: "m", stack: "s" }));
    assert.ok(processError instanceof ProcessError);
    assert.equal(processError.name, "ProcessError");
    assert.equal(processError.childName, "RangeError");
    assert.equal(processError.childStack, "s");
  });

  test("deep nesting", () => {
    const depth = 2000;
    let deep: unknown = "leaf";
    for (let i = 0; i < depth; i++) deep = i % 2 ? [deep] : { d: deep };
    let copy = roundTrip(deep);
    for (let i = depth - 1; i >= 0; i--) {
      copy = i % 2 ? (assert.ok(Array.isArray(copy)), copy[0]) : (copy as { d: unknown }).d;
    }
    assert.equal(copy, "leaf");
  });

  test("decodes bytes encoded by another process", async () => {
    const { status, stdout, stderr } = await runScript("tests/fixtures/codec_encode_main.ts");
    assert.equal(status, 0, stderr);
    const copy = decode<{ error: Error }>(Buffer.from(stdout.trim(), "hex"));
    const expected = codecSample() as { error: Error };
    assert.equal(copy.error.constructor, RangeError);
    assert.equal(copy.error.message, expected.error.message);
    copy.error = expected.error; // the stacks differ: the processes built them apart
    assert.deepEqual(copy, expected);
  });

  test("decodes bytes copied into a SharedArrayBuffer view", () => {
    const value = { s: "x".repeat(500), t: "ünïcödé ".repeat(20), n: [1, 2.5], b: new Uint8Array([1, 2, 3]) };
    const bytes = encode(value);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 16), 8, bytes.length);
    shared.set(bytes);
    const copy = decode<typeof value>(shared);
    assert.deepEqual(copy, value);
    assert.ok(!(copy.b.buffer instanceof SharedArrayBuffer), "decoded buffers are private copies");
  });

  test("decodes from a Node Buffer that views part of a pool", () => {
    const value = { bytes: new Uint8Array([9, 8, 7]), text: "pooled buffer text" };
    const pooled = Buffer.from(Buffer.from(encode(value)).toString("hex"), "hex");
    assert.deepEqual(decode(pooled), value);
  });

  test("the input may be reused after decode returns", () => {
    const bytes = encode({ text: "y".repeat(300), data: new Uint8Array([7, 8]) }).slice();
    const copy = decode<{ text: string; data: Uint8Array }>(bytes);
    bytes.fill(0);
    assert.equal(copy.text, "y".repeat(300));
    assert.deepEqual(copy.data, new Uint8Array([7, 8]));
  });

  test("a getter that encodes while its object is being encoded gets its own buffer", () => {
    const tricky = {
      before: "b",
      get inner(): unknown {
        return decode(encode({ nested: ["n", 1] }).slice());
      },
      after: { x: "a" },
    };
    assert.deepEqual(roundTrip(tricky), { before: "b", inner: { nested: ["n", 1] }, after: { x: "a" } });
  });

  test("an encode inside a getter does not confuse the outer message's repeated keys", () => {
    const rows = [
      { k: 1, v: "a" },
      {
        k: 2,
        get v(): unknown {
          return decode(encode([{ k: 9, w: 1 }, { k: 8, w: 2 }, { x: 1, y: 2 }]).slice());
        },
      },
      { k: 3, v: "c" },
      { x: 4, y: 5 },
    ];
    assert.deepEqual(roundTrip(rows), [
      { k: 1, v: "a" },
      { k: 2, v: [{ k: 9, w: 1 }, { k: 8, w: 2 }, { x: 1, y: 2 }] },
      { k: 3, v: "c" },
      { x: 4, y: 5 },
    ]);
  });

  test("the scratch buffer grows and returned bytes are valid until the next encode", () => {
    const small = encode({ a: 1 }).slice();
    encode(new Uint8Array(5 * 1024 * 1024));
    assert.deepEqual(decode(small), { a: 1 });
    assert.deepEqual(decode(encode({ a: 2 })), { a: 2 });
  });
});

describe("codec identity", () => {
  test("an object appearing twice decodes to one object appearing twice", () => {
    const shared = { n: 1 };
    const list = [1, 2];
    const copy = roundTrip({ a: shared, b: shared, c: [list, list], m: new Map([["k", shared]]) });
    assert.equal(copy.a, copy.b);
    assert.equal(copy.c[0], copy.c[1]);
    assert.equal(copy.m.get("k"), copy.a);
  });

  test("cycles decode to cycles", () => {
    type Node = { name: string; self?: Node; list: unknown[]; map: Map<string, unknown>; set: Set<unknown> };
    const node: Node = { name: "n", list: [], map: new Map(), set: new Set() };
    node.self = node;
    node.list.push(node, node.list);
    node.map.set("me", node);
    node.set.add(node.set);
    const copy = roundTrip(node);
    assert.equal(copy.self, copy);
    assert.equal(copy.list[0], copy);
    assert.equal(copy.list[1], copy.list);
    assert.equal(copy.map.get("me"), copy);
    assert.ok(copy.set.has(copy.set));
    const error = new Error("loop") as Error & { cause?: unknown };
    error.cause = error;
    const errorCopy = roundTrip(error);
    assert.equal(errorCopy.cause, errorCopy);
  });

  test("records that repeat the previous keys keep identity and cycles", () => {
    type Row = { id: number; next: unknown };
    const first: Row = { id: 1, next: null };
    const second: Row = { id: 2, next: null };
    second.next = second;
    const rows = roundTrip([first, second, first, { id: 3, next: first }]);
    assert.equal(rows[1].next, rows[1], "a repeated-keys object may contain itself");
    assert.equal(rows[2], rows[0]);
    assert.equal((rows[3] as Row).next, rows[0]);
  });

  test("many shared objects (beyond the linear scan) keep identity", () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ i }));
    const copy = roundTrip({ first: items, again: [...items].reverse() });
    for (let i = 0; i < 200; i++) assert.equal(copy.first[i], copy.again[199 - i]);
  });

  test("Dates and buffers appearing twice are one object", () => {
    const date = new Date(5);
    const buffer = new ArrayBuffer(4);
    const copy = roundTrip([date, date, buffer, new Uint8Array(buffer)]);
    assert.equal(copy[0], copy[1]);
    assert.equal((copy[3] as Uint8Array).buffer, copy[2]);
  });
});

describe("codec refusals", () => {
  function refusal(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
      return error.message;
    }
    assert.fail("expected a TypeError, but nothing was thrown");
  }

  test("a function that is not exported names its path and says what to do", () => {
    const message = refusal(() => encode({ a: [1, () => 1] }, "item"));
    assert.match(message, /^item\.a\[1\] is a function without a name, which cannot be sent to another process: /);
    assert.match(message, /send a named function or class exported from its module/);
  });

  test("the default path is 'value'", () => {
    assert.match(refusal(() => encode(() => 1)), /^value is a function/);
  });

  test("symbols, WeakMap, WeakSet, WeakRef, Promise, generators are refused with their kind", () => {
    const cases: [unknown, RegExp][] = [
      [{ s: Symbol("x") }, /^item\.s is a symbol and cannot be sent/],
      [{ w: new WeakMap() }, /^item\.w is a WeakMap and cannot be sent/],
      [[new WeakSet()], /^item\[0\] is a WeakSet/],
      [{ r: new WeakRef({}) }, /^item\.r is a WeakRef/],
      [{ p: Promise.resolve(1) }, /^item\.p is a Promise and cannot be sent to another process: await it/],
      [{ g: (function* () {})() }, /^item\.g is a Generator/],
      [{ it: new Map().keys() }, /^item\.it is a Map Iterator/],
      [{ "odd key": () => 1 }, /^item\["odd key"\] is a function/],
      [{ e: new Error("x", { cause: () => 1 }) }, /^item\.e\.cause is a function/],
    ];
    for (const [value, expected] of cases) {
      assert.match(refusal(() => encode(value, "item")), expected);
      assert.match(refusal(() => checkCloneable(value, "item")), expected, "checkCloneable agrees with encode");
    }
  });

  test("a Blob goes in a Process's args but not into a queue message", () => {
    const blob = new Blob(["bytes"]);
    checkCloneable({ blob }, "args");
    assert.match(refusal(() => encode({ blob }, "item")), /^item\.blob is a Blob and cannot be copied into a queue or pipe message: pass its bytes/);
  });

  test("Map and Set entries have readable paths", () => {
    assert.match(refusal(() => encode({ m: new Map([["cb", () => 1]]) }, "item")), /^item\.m\.get\("cb"\) is a function/);
    assert.match(refusal(() => encode(new Map([[7, Symbol()]]), "item")), /^item\.get\(7\) is a symbol/);
    assert.match(refusal(() => encode(new Map([[{}, () => 1]]), "item")), /^item\.<Map value #0> is a function/);
    assert.match(refusal(() => encode(new Map<unknown, number>([[1, 1], [() => 1, 2]]), "item")), /^item\.<Map key #1> is a function/);
    assert.match(refusal(() => encode(new Set([1, () => 1]), "item")), /^item\.<Set item #1> is a function/);
  });

  test("the first offending value in encoding order is named, in cyclic values too", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cyclic.f = () => 1;
    cyclic.g = Symbol();
    assert.match(refusal(() => encode(cyclic, "x")), /^x\.f is a function/);
  });

  test("encode refuses SharedArrayBuffers and views of them; checkCloneable accepts them", () => {
    const sab = new SharedArrayBuffer(8);
    assert.match(
      refusal(() => encode({ buf: sab }, "item")),
      /^item\.buf is a SharedArrayBuffer and cannot be copied into a queue or pipe message: pass it in a Process's args instead/,
    );
    assert.match(refusal(() => encode([new Int32Array(sab)], "item")), /^item\[0\] is an Int32Array over a SharedArrayBuffer/);
    checkCloneable({ buf: sab, view: new Int32Array(sab) }, "args");
  });

  test("checkCloneable accepts this library's handles without walking into them", () => {
    class Stub {
      secret = () => 1;
      [HANDLE]() {
        return { kind: "Stub", state: 1 };
      }
    }
    const handle = new Stub();
    checkCloneable([1, { q: handle }], "args");
    assert.match(refusal(() => checkCloneable([handle, () => 1], "args")), /^args\[1\] is a function/);
    assert.match(refusal(() => encode({ q: handle }, "item")), /^item\.q is a shareable handle/);
  });

  test("checkCloneable accepts everything encode round-trips", () => {
    checkCloneable({ a: [1, "s", null, undefined, 1n, new Map([[1, new Set([new Date()])]]), /x/g, new Uint8Array(2)] }, "args");
  });

  test("nothing is returned and the next encode works after a refusal", () => {
    refusal(() => encode({ big: "x".repeat(10_000), bad: () => 1 }));
    assert.deepEqual(roundTrip({ ok: true }), { ok: true });
  });

  test("decode refuses bytes that are not in the format, or cut short", () => {
    assert.throws(() => decode(new Uint8Array([99, 1])), /cannot decode/);
    const bytes = encode({ text: "some text", n: 1.5 }).slice();
    assert.throws(() => decode(bytes.subarray(0, bytes.length - 3)), /cannot decode: the bytes end early/);
  });

  test("decode ignores bytes after the value (a reused receive buffer)", () => {
    const receive = new Uint8Array(256).fill(0xee);
    receive.set(encode({ a: [1, "two"] }));
    assert.deepEqual(decode(receive), { a: [1, "two"] });
  });
});
