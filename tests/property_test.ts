// Property-based and differential tests (fast-check): the codec against structuredClone on
// generated values, the decoder on random and damaged bytes, the queue API against an array
// model, and async races of the queue's get/put/abort paths. Each prints its seed on failure
// (fast-check's report), replayable with `fc.assert(…, { seed, path })`.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Empty, Full, Queue, ValueError } from "../mod.ts";
import { decode, encode } from "../src/internals.ts";
import { HttpError, Point, Registry, square, Tree } from "./fixtures/reduction_classes.ts";

/** Values per codec property: the bar is 5,000 per runtime. */
const CODEC_RUNS = 5000;

// ---- generated values ---------------------------------------------------------------------

const VIEW_KINDS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

/** A typed array (or DataView) on a buffer larger than it, at an odd element offset. */
const viewAtOffset = fc.record({
  kind: fc.integer({ min: 0, max: VIEW_KINDS.length }), // the last: a DataView
  offset: fc.integer({ min: 0, max: 9 }),
  length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 4096, max: 9000 })),
  fill: fc.integer(),
}).map(({ kind, offset, length, fill }) => {
  if (kind === VIEW_KINDS.length) {
    const buffer = new ArrayBuffer(offset + length + 3);
    new Uint8Array(buffer).forEach((_, i, bytes) => (bytes[i] = (i * 31 + fill) & 255));
    return new DataView(buffer, offset, length);
  }
  const View = VIEW_KINDS[kind];
  const buffer = new ArrayBuffer((offset + length + 2) * View.BYTES_PER_ELEMENT);
  new Uint8Array(buffer).forEach((_, i, bytes) => (bytes[i] = (i * 7 + fill) & 255));
  return new View(buffer, offset * View.BYTES_PER_ELEMENT, length);
});

const ERROR_KINDS = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError] as const;

/** Errors with a message and, maybe, a cause (any value, another error too). */
const errorWithCause = fc.record({
  kind: fc.integer({ min: 0, max: ERROR_KINDS.length - 1 }),
  message: fc.string(),
  cause: fc.option(fc.oneof(fc.anything({ maxDepth: 1 }), fc.string().map((m) => new Error(m))), { nil: undefined }),
}).map(({ kind, message, cause }) => {
  const error = cause === undefined ? new ERROR_KINDS[kind](message) : new ERROR_KINDS[kind](message, { cause });
  error.stack = `${error.name}: ${message}`; // stacks differ by where they were made
  return error;
});

const anythingDeep = fc.anything({
  maxDepth: 3,
  maxKeys: 5,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withBigInt: true,
  stringUnit: "binary", // lone surrogates too
});

/** Leaves and containers, then wired with shared references and cycles. */
const value = fc.record({
  a: fc.oneof(anythingDeep, viewAtOffset, errorWithCause, fc.constant(/a+b/gi)),
  b: fc.oneof(anythingDeep, viewAtOffset, errorWithCause),
  wiring: fc.integer({ min: 0, max: 5 }),
}).map(({ a, b, wiring }) => {
  switch (wiring) {
    case 0:
      return a;
    case 1: { // shared references
      return { first: a, again: a, both: [b, b] };
    }
    case 2: { // a cycle through an object and an array
      const root: Record<string, unknown> = { a };
      root.self = root;
      root.list = [b, root];
      return root;
    }
    case 3: { // a cycle through a Map and a Set
      const map = new Map<unknown, unknown>([[a, b]]);
      const set = new Set<unknown>([map, a]);
      map.set("set", set);
      map.set(map, map);
      return set;
    }
    case 4: { // views sharing one buffer
      const buffer = new ArrayBuffer(64);
      return [new Uint8Array(buffer, 3, 5), new DataView(buffer, 1, 7), buffer, a];
    }
    default:
      return [a, b];
  }
});

// ---- comparing two copies: same shape, same identities ------------------------------------

const CLONE_KEEPS_CAUSE = "cause" in structuredClone(new Error("", { cause: 1 }));

/** Where `x` and `y` first differ as object graphs (undefined when isomorphic). */
function difference(x: unknown, y: unknown, path = "value", pairs = new Map<object, object>()): string | undefined {
  if (typeof x !== typeof y) return `${path}: ${typeof x} vs ${typeof y}`;
  if (typeof x !== "object" || x === null || y === null) {
    return Object.is(x, y) ? undefined : `${path}: ${String(x)} vs ${String(y)}`;
  }
  const a = x as object, b = y as object;
  if (pairs.has(a)) return pairs.get(a) === b ? undefined : `${path}: a shared reference or cycle differs`;
  pairs.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototype ${a.constructor?.name} vs ${b.constructor?.name}`;
  if (a instanceof Map) {
    const [ea, eb] = [[...a], [...(b as Map<unknown, unknown>)]];
    if (ea.length !== eb.length) return `${path}: Map size`;
    for (const [i, [k, v]] of ea.entries()) {
      const d = difference(k, eb[i][0], `${path}.key[${i}]`, pairs) ?? difference(v, eb[i][1], `${path}.get(${i})`, pairs);
      if (d) return d;
    }
    return fieldsDifference(a, b, path, pairs);
  }
  if (a instanceof Set) {
    const [ea, eb] = [[...a], [...(b as Set<unknown>)]];
    if (ea.length !== eb.length) return `${path}: Set size`;
    for (const [i, v] of ea.entries()) {
      const d = difference(v, eb[i], `${path}.item[${i}]`, pairs);
      if (d) return d;
    }
    return undefined;
  }
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime()) ? undefined : `${path}: Date`;
  if (a instanceof RegExp) return a.source === (b as RegExp).source && a.flags === (b as RegExp).flags ? undefined : `${path}: RegExp`;
  if (a instanceof ArrayBuffer) return sameBytes(new Uint8Array(a), new Uint8Array(b as ArrayBuffer)) ? undefined : `${path}: ArrayBuffer bytes`;
  if (ArrayBuffer.isView(a)) {
    const v = b as ArrayBufferView;
    if (a.byteLength !== v.byteLength) return `${path}: view length`;
    if (a.byteOffset === v.byteOffset && a.buffer.byteLength === v.buffer.byteLength) {
      return difference(a.buffer, v.buffer, `${path}.buffer`, pairs);
    }
    // The one listed divergence (codec_encode.ts writeView): a view of part of a buffer that
    // the message holds nowhere else carries only the bytes it views, arriving at offset 0.
    if (v.byteOffset !== 0 || v.buffer.byteLength !== v.byteLength) return `${path}: view offset/buffer`;
    const viewed = (w: ArrayBufferView) => new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    return sameBytes(viewed(a), viewed(v)) ? undefined : `${path}: viewed bytes`;
  }
  if (a instanceof Error) {
    const e = b as Error;
    if (a.name !== e.name || a.message !== e.message) return `${path}: error ${a.name}: ${a.message} vs ${e.name}: ${e.message}`;
    // Bun's structuredClone drops `cause`; the codec keeps it, as the HTML spec (and Deno, Node) do.
    if (!CLONE_KEEPS_CAUSE && !("cause" in a)) return undefined;
    if (("cause" in a) !== ("cause" in e)) return `${path}: error cause present vs absent`;
    const cause = "cause" in a ? difference(a.cause, e.cause, `${path}.cause`, pairs) : undefined;
    return cause ?? fieldsDifference(a, e, path, pairs);
  }
  for (const Boxed of [Number, String, Boolean, BigInt] as unknown as (new () => { valueOf(): unknown })[]) {
    if (a instanceof Boxed) return Object.is(a.valueOf(), (b as { valueOf(): unknown }).valueOf()) ? undefined : `${path}: boxed value`;
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return `${path}: array length`;
  return fieldsDifference(a, b, path, pairs);
}

/** Where the own enumerable fields of `a` and `b` differ (a subclass of Map or Error has some too). */
function fieldsDifference(a: object, b: object, path: string, pairs: Map<object, object>): string | undefined {
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  // An error's own `name` field is set first when it is rebuilt: its place among the keys may differ.
  const order = (keys: string[]) => (a instanceof Error ? [...keys].sort() : keys).join("\u0000");
  if (order(ka) !== order(kb)) return `${path}: keys [${ka}] vs [${kb}]`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, pairs);
    if (d) return d;
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- the codec ----------------------------------------------------------------------------

test("the codec copies every generated value as structuredClone does: shapes, identities, cycles, views, errors", () => {
  let compared = 0;
  fc.assert(
    fc.property(value, (v) => {
      const expected = structuredClone(v);
      const got = decode(encode(v));
      const d = difference(expected, got);
      if (d) throw new Error(`decode(encode(v)) differs from structuredClone(v) at ${d}`);
      compared++;
    }),
    { numRuns: CODEC_RUNS },
  );
  assert.equal(compared, CODEC_RUNS);
});

test("the decoder refuses random bytes and damaged encodings with an Error, never a hang or a crash", () => {
  const damaged = fc.tuple(value, fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }))
    .map(([v, at, byte, how]) => {
      const bytes = encode(v).slice();
      const i = at % Math.max(bytes.length, 1);
      if (how === 0) bytes[i] = byte; // one byte changed
      else if (how === 1) return bytes.subarray(0, i); // cut short
      else { // a byte inserted
        const longer = new Uint8Array(bytes.length + 1);
        longer.set(bytes.subarray(0, i));
        longer[i] = byte;
        longer.set(bytes.subarray(i), i + 1);
        return longer;
      }
      return bytes;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), damaged), (bytes) => {
      try {
        decode(bytes);
      } catch (error) {
        if (!(error instanceof Error) || error.message === "") throw new Error(`not a clear error: ${String(error)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test("an encoding cut short is refused, never decoded as a smaller value", () => {
  fc.assert(
    fc.property(value, fc.nat(), (v, at) => {
      const bytes = encode(v).slice();
      const cut = at % bytes.length;
      assert.throws(() => decode(bytes.subarray(0, cut)), Error);
    }),
    { numRuns: 1000 },
  );
});

test("instances of exported classes cross by reference: their class, fields, cycles and shared references, and exported functions", () => {
  const point = fc.tuple(fc.double(), fc.double()).map(([x, y]) => new Point(x, y));
  const tree = fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.nat({ max: 5 })), { maxLength: 6 }).map((nodes) => {
    const root = new Tree("root");
    const all = [root];
    for (const [label, under] of nodes) all.push(all[under % all.length].add(new Tree(label, all[0].meta)));
    return root;
  });
  const registry = fc.array(fc.tuple(fc.string(), fc.integer())).map((entries) => new Registry(entries));
  const httpError = fc.tuple(fc.string(), fc.integer(), fc.boolean()).map(([message, code, retry]) => new HttpError(message, code, { retry }));
  const instance = fc.oneof(point, tree, registry, httpError, fc.constant(square));
  fc.assert(
    fc.property(fc.array(instance, { maxLength: 4 }), fc.boolean(), (instances, twice) => {
      const v = twice ? [...instances, ...instances, { inside: instances[0] }] : instances;
      const d = difference(v, decode(encode(v)));
      if (d) throw new Error(`decode(encode(v)) differs from v at ${d}`);
    }),
    { numRuns: 1000 },
  );
});

// ---- the queue against a model ------------------------------------------------------------

interface Model {
  items: number[];
  maxsize: number;
  closed: boolean;
}

type Real = Queue<number>;

class PutNowait implements fc.AsyncCommand<Model, Real> {
  constructor(readonly item: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, q: Real): Promise<void> {
    if (m.closed) return void assert.throws(() => q.putNowait(this.item), ValueError);
    if (m.items.length >= m.maxsize) return void assert.throws(() => q.putNowait(this.item), Full);
    q.putNowait(this.item);
    m.items.push(this.item);
  }
  toString(): string {
    return `putNowait(${this.item})`;
  }
}

class GetNowait implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, q: Real): Promise<void> {
    if (m.closed) return void assert.throws(() => q.getNowait(), ValueError);
    if (m.items.length === 0) return void assert.throws(() => q.getNowait(), Empty);
    assert.equal(q.getNowait(), m.items.shift());
  }
  toString(): string {
    return "getNowait()";
  }
}

class GetAsync implements fc.AsyncCommand<Model, Real> {
  check(m: Model): boolean {
    return !m.closed;
  }
  async run(m: Model, q: Real): Promise<void> {
    if (m.items.length === 0) return void (await assert.rejects(q.get({ timeout: 0 }), Empty));
    assert.equal(await q.get(), m.items.shift());
  }
  toString(): string {
    return "await get()";
  }
}

class Sizes implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, q: Real): Promise<void> {
    assert.equal(q.qsize(), m.items.length);
    assert.equal(q.empty(), m.items.length === 0);
    assert.equal(q.full(), m.items.length >= m.maxsize);
  }
  toString(): string {
    return "qsize/empty/full";
  }
}

class Close implements fc.AsyncCommand<Model, Real> {
  check(m: Model): boolean {
    return !m.closed;
  }
  async run(m: Model, q: Real): Promise<void> {
    q.close();
    m.closed = true;
  }
  toString(): string {
    return "close()";
  }
}

test("Queue's put/get/qsize/empty/full/close follow an array model, as Python's queue does", async () => {
  const commands = [
    fc.integer({ min: -1000, max: 1000 }).map((item) => new PutNowait(item)),
    fc.constant(new GetNowait()),
    fc.constant(new GetAsync()),
    fc.constant(new Sizes()),
    fc.constant(new Close()),
  ];
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.commands(commands, { maxCommands: 30 }), async (maxsize, cmds) => {
      const bounded = maxsize < 5;
      await fc.asyncModelRun(() => ({
        model: { items: [], maxsize: bounded ? maxsize : Infinity, closed: false },
        real: new Queue<number>(bounded ? maxsize : 0),
      }), cmds);
    }),
    { numRuns: 200 },
  );
});

// ---- async races ----------------------------------------------------------------------------

test("gets, puts and aborts in any order: every item once, in put order, and an aborted get takes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 6 }), async (s, puts, aborts) => {
      const q = new Queue<number>();
      const putOrder: number[] = [];
      const taken: number[] = [];
      let takenByAborted = 0;
      let emptyGets = 0;
      const putting = Array.from({ length: puts }, (_, i) => s.schedule(Promise.resolve()).then(() => (putOrder.push(i), q.put(i))));
      // At most as many plain gets as puts; aborted gets beside them (one may take an item before its abort).
      const plain = Array.from({ length: Math.min(aborts.filter((abort) => !abort).length, puts) }, () =>
        s.schedule(Promise.resolve()).then(() => q.get({ timeout: 200 })).then((item) => void taken.push(item), (error) => {
          assert.ok(error instanceof Empty);
          emptyGets++;
        }));
      const aborted = aborts.filter((abort) => abort).map((_, k) => {
        const controller = new AbortController();
        const reason = new Error(`stop ${k}`);
        const pending = s.schedule(Promise.resolve()).then(() => q.get({ signal: controller.signal }));
        return s.schedule(Promise.resolve()).then(() => controller.abort(reason))
          .then(() => pending.then((item) => void (taken.push(item), takenByAborted++), (error) => assert.equal(error, reason)));
      });
      await s.waitAll();
      await Promise.all([...putting, ...plain, ...aborted]);
      const left: number[] = [];
      while (q.qsize() > 0) left.push(q.getNowait());
      assert.throws(() => q.getNowait(), Empty);
      // A plain get finds nothing only when a get that was then aborted had taken its item first.
      assert.ok(emptyGets <= takenByAborted, `${emptyGets} plain gets found nothing, ${takenByAborted} aborted gets took items`);
      // Gets take from the head: the items taken are the first ones put, the rest follow in order.
      assert.deepEqual([...taken].sort((a, b) => putOrder.indexOf(a) - putOrder.indexOf(b)).concat(left), putOrder);
    }),
    { numRuns: 100 },
  );
});
