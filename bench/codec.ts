/**
 * Micro-benchmark of the codec against JSON (+ TextEncoder/TextDecoder, as a queue would
 * use it) and structuredClone: encode+decode round trips per second, also encode and
 * decode alone, measured in CPU time, best of several rounds. Run: `npx deno run -A
 * bench/codec.ts`, `npx bun bench/codec.ts`, or on Node `npx tsc -p bench && node
 * build/bench/bench/codec.js`.
 * @module
 */

import process from "node:process";
import { decode, encode } from "../src/internals.ts";

const MEASURE_MS = 600;
const ROUNDS = 12;
const WARM_UP_MS = 200;

interface Contender {
  name: string;
  encode: (value: unknown) => Uint8Array | unknown;
  decode: (encoded: never) => unknown;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const jsonScratch = new Uint8Array(1 << 20);
/** Stands in for a queue's ring: encoded bytes are copied in, and decoded from there. */
const ring = new Uint8Array(1 << 20);

function copyIntoRing(bytes: Uint8Array): Uint8Array {
  ring.set(bytes);
  return ring.subarray(0, bytes.length);
}

const JSON_CONTENDER: Contender = {
  name: "JSON+TextEncoder",
  encode: (value) => {
    const { written } = textEncoder.encodeInto(JSON.stringify(value), jsonScratch);
    return copyIntoRing(jsonScratch.subarray(0, written));
  },
  decode: (bytes: Uint8Array) => JSON.parse(textDecoder.decode(bytes)),
};

const contenders: Contender[] = [
  {
    name: "codec",
    encode: (value) => copyIntoRing(encode(value)),
    decode: (bytes: Uint8Array) => decode(bytes),
  },
  JSON_CONTENDER,
  {
    name: "structuredClone",
    encode: (value) => value,
    decode: (value: unknown) => structuredClone(value),
  },
];

const workloads: Record<string, (i: number) => unknown> = {
  "small {i,s,a}": (i) => ({ i, s: "hello", a: [1, 2, 3] }),
  "record (10 fields)": (i) => ({
    id: i,
    name: "user name",
    email: "someone@example.com",
    active: true,
    score: 12.75,
    tags: ["a", "bb", "ccc"],
    address: { street: "Main Street 1", city: "Springfield", zip: "12345" },
    created: 1_700_000_000_000 + i,
    parent: null,
    ratio: -0.5,
  }),
  "100 small in array": (i) => Array.from({ length: 100 }, (_, j) => ({ i: i + j, s: "hello", a: [1, 2, 3] })),
  "Map/Set/Date": (i) => ({
    when: new Date(1_700_000_000_000 + i),
    counts: new Map([["a", 1], ["b", 2], ["c", i]]),
    seen: new Set([1, 2, 3, i]),
    stamps: [new Date(0), new Date(i)],
  }),
  "64 KiB Uint8Array": () => new Uint8Array(65536).fill(7),
};

function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno) return `Deno ${(g.Deno as { version: { deno: string } }).version.deno}`;
  if (g.Bun) return `Bun ${(g.Bun as { version: string }).version}`;
  return `Node ${(g.process as { version: string }).version}`;
}

/**
 * Operations per second of each of `ops`: after a warm-up, the ops take turns in short
 * rounds and each keeps its best round, so that other work on a busy machine disturbs all
 * of them alike and as little as possible.
 */
function opsPerSecond(ops: ((i: number) => void)[]): number[] {
  for (const op of ops) timedLoop(op, WARM_UP_MS);
  const best = ops.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    ops.forEach((op, k) => best[k] = Math.max(best[k], timedLoop(op, MEASURE_MS / ROUNDS)));
  }
  return best;
}

/** Runs `op` for `ms` of this process's CPU time (not wall time, which other work on a busy machine inflates). */
function timedLoop(op: (i: number) => void, ms: number): number {
  let count = 0;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) op(count + i);
    count += 100;
    now = cpuMs();
  }
  return count / ((now - start) / 1000);
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function format(ops: number): string {
  return ops >= 1e6 ? `${(ops / 1e6).toFixed(2)}M` : `${(ops / 1e3).toFixed(0)}k`;
}

function bench(): void {
  console.log(`codec benchmark on ${runtimeName()} (ops/s; round trip = encode, copy into a ring, decode)`);
  const rows: string[][] = [["workload", "contender", "round trip", "encode", "decode", "vs JSON (*: vs structuredClone)"]];
  for (const [workload, make] of Object.entries(workloads)) {
    const samples = Array.from({ length: 64 }, (_, i) => make(i));
    // JSON would turn bytes into an object with one key per byte: not a contender there.
    const entrants = samples[0] instanceof Uint8Array ? contenders.filter((c) => c !== JSON_CONTENDER) : contenders;
    const results = measure(entrants, samples);
    const baseline = results[entrants.includes(JSON_CONTENDER) ? entrants.indexOf(JSON_CONTENDER) : entrants.length - 1];
    results.forEach(([roundTrip, encodeOnly, decodeOnly], c) => {
      const separate = entrants[c].name !== "structuredClone";
      const ratio = `${(roundTrip / baseline[0]).toFixed(2)}x${entrants.includes(JSON_CONTENDER) ? "" : "*"}`;
      rows.push([workload, entrants[c].name, format(roundTrip), separate ? format(encodeOnly) : "-", separate ? format(decodeOnly) : "-", ratio]);
    });
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
}

/** Round trips, encodes and decodes per second of each contender over `samples`. */
function measure(entrants: Contender[], samples: unknown[]): [number, number, number][] {
  const mask = samples.length - 1;
  const ops = entrants.flatMap((contender) => {
    const encoded = samples.map((value) => {
      const result = contender.encode(value);
      return (result instanceof Uint8Array ? result.slice() : result) as never;
    });
    return [
      (i: number) => contender.decode(contender.encode(samples[i & mask]) as never),
      (i: number) => contender.encode(samples[i & mask]),
      (i: number) => contender.decode(encoded[i & mask]),
    ];
  });
  const rates = opsPerSecond(ops);
  return entrants.map((_, c) => [rates[3 * c], rates[3 * c + 1], rates[3 * c + 2]]);
}

bench();
