/**
 * Queue chaos: producers and consumers in child processes move numbered, checksummed items
 * through one Queue while the main process terminates a random one of them every few tens of
 * milliseconds (and starts another in its place). Then it stops the killing, lets the
 * producers finish, drains the queue and grades every item, jcstress-style:
 *
 * - FORBIDDEN (must be 0): duplicates, corrupted items, per-producer order inversions (within
 *   one consumer), losses that no kill explains, a drained queue whose `qsize()` is not 0 or
 *   (bounded) whose full `maxsize` cannot be put again, a hang.
 * - EXPLAINED: items a terminated producer had put but not yet written (a suffix of its
 *   items: its buffer) and items a terminated consumer had taken but not yet recorded (at
 *   most one per consumer kill).
 *
 * Only the public API (`mod.ts`): this is the black-box check of the reliability bar.
 * Large items (over a quarter of the ring) stream through it in several records.
 *
 *     npx deno run -A scripts/chaos/queue_chaos.ts [--seconds 20] [--maxsize 64|0] [--seed N]
 *       [--interval 60] [--large 0.01] [--producers 3] [--consumers 3] [--steady 0] [--json]
 *
 * `--steady N` adds N producers and N consumers that are never killed (the others are): they
 * keep items moving while the killing goes on. `--min-items N`: after the killing, the run goes
 * on (without kills) until N items were put in all. `--min-kills N`: the killing goes on past
 * `--seconds` (up to three times as long) until N children were killed: on a loaded machine
 * starting each replacement takes longer, and the run must still kill that many.
 *     npx bun scripts/chaos/queue_chaos.ts …          (Node: run what tsc emits to build/node/)
 *
 * Exits 0 when every FORBIDDEN count is 0, 1 otherwise; prints one line of figures.
 * @module
 */

import { isMain, Process, Queue } from "../../mod.ts";
import { commandLineArgs, failIf, runtimeName } from "./cli.ts";

/** Large items: more than a quarter of the default 1 MiB ring, so they stream in parts. */
const LARGE_BYTES = 300_000;
/** An item: its producer, its number, and bytes that derive from both. */
interface Item {
  p: number;
  i: number;
  data: Uint8Array;
}

/** The bytes of item `i` of producer `p`: small usually, large with probability `large`. */
function itemBytes(p: number, i: number, large: number): Uint8Array {
  const r = mix(p * 1_000_003 + i);
  const length = (r % 1000) / 1000 < large ? LARGE_BYTES + (r % 4096) : 8 + (r % 240);
  const data = new Uint8Array(length);
  for (let k = 0; k < length; k++) data[k] = (k * 31 + p * 7 + i) & 255;
  return data;
}

function intact(item: Item, large: number): boolean {
  const expected = itemBytes(item.p, item.i, large);
  const { data } = item;
  if (!(data instanceof Uint8Array) || data.length !== expected.length) return false;
  for (let k = 0; k < data.length; k++) if (data[k] !== expected[k]) return false;
  return true;
}

/** A cheap integer hash (deterministic item sizes). */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

// Shared words of a run (Int32): [STOP] producers stop putting; per producer id: items put.
const STOP = 0;
const PUT_BASE = 1;
/** Most producer ids one run hands out. */
const MAX_PRODUCERS = 4096;
/** Items a producer keeps ahead of the consumers at most (unbounded queues would grow without end). */
const BACKLOG = 2000;

/** A producer: puts items `0, 1, …` as `{ p, i, data }`, counting each accepted put, until told to stop. */
export async function produce(q: Queue<Item | null>, shared: SharedArrayBuffer, p: number, large: number): Promise<void> {
  const words = new Int32Array(shared);
  for (let i = 0; Atomics.load(words, STOP) === 0; i++) {
    if (i % 64 === 0 && q.qsize() > BACKLOG) await new Promise((resolve) => setTimeout(resolve, 1));
    const item = { p, i, data: itemBytes(p, i, large) };
    if (i % 3 === 0) q.putSync(item);
    else await q.put(item);
    Atomics.store(words, PUT_BASE + p, i + 1);
  }
}

/**
 * A consumer: gets items (sync and async) until a null, recording each in its log:
 * `log[0]` entries, then (p, i) pairs; a corrupted item is recorded as p = -1.
 */
export async function consume(q: Queue<Item | null>, log: SharedArrayBuffer, large: number): Promise<void> {
  const words = new Int32Array(log);
  for (let n = 0;; n++) {
    const item = n % 2 === 0 ? q.getSync() : await q.get();
    if (item === null) return;
    const at = 1 + 2 * Atomics.load(words, 0);
    words[at] = intact(item, large) ? item.p : -1;
    words[at + 1] = item.i;
    Atomics.add(words, 0, 1);
  }
}

/** The options of {@link runChaos} (`--name value` on the command line). */
export interface Options {
  seconds: number;
  maxsize: number;
  seed: number;
  interval: number;
  large: number;
  producers: number;
  consumers: number;
  steady: number;
  minItems: number;
  minKills: number;
  json: boolean;
}

/** What a run saw (the FORBIDDEN ones must be 0). */
export interface ChaosFigures {
  runtime: string;
  seed: number;
  maxsize: number;
  seconds: number;
  kills: number;
  producerKills: number;
  consumerKills: number;
  put: number;
  delivered: number;
  duplicates: number;
  corrupted: number;
  inversions: number;
  lostToProducerKills: number;
  lostToConsumerKills: number;
  unexplainedLosses: number;
  finalQsize: number;
  freeRoom: number | "unbounded";
  hangs: number;
}

/** The options with `args` (`--seconds 20 …`) applied over the defaults. */
export function parseOptions(args: string[]): Options {
  const options: Options = { seconds: 20, maxsize: 64, seed: Date.now() % 100_000, interval: 60, large: 0.01, producers: 3, consumers: 3, steady: 0, minItems: 0, minKills: 0, json: false };
  for (let k = 0; k < args.length; k++) {
    const name = args[k].replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (name === "json") options.json = true;
    else if (name in options) (options as unknown as Record<string, number>)[name] = Number(args[++k]);
    else throw new Error(`unknown option ${args[k]}`);
  }
  return options;
}

/** A small seeded generator (the kill schedule is replayable with --seed, timing aside). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}


/** Runs one chaos run and returns its figures. */
export async function runChaos(options: Options): Promise<ChaosFigures> {
  const rand = random(options.seed);
  const q = new Queue<Item | null>(options.maxsize);
  const shared = new SharedArrayBuffer(4 * (PUT_BASE + MAX_PRODUCERS));
  const words = new Int32Array(shared);
  const logs: Int32Array[] = [];
  let nextProducer = 0;
  const producers = new Map<Process, number>();
  const consumers = new Set<Process>();
  const killedProducers = new Set<number>();
  let consumerKills = 0;

  const steady = new Set<Process>();
  const startProducer = (spared = false) => {
    const p = nextProducer++;
    if (p >= MAX_PRODUCERS) throw new Error("too many producers for one run");
    const child = new Process({ target: produce, args: [q, shared, p, options.large] });
    child.start();
    producers.set(child, p);
    if (spared) steady.add(child);
  };
  const startConsumer = (spared = false) => {
    const log = new SharedArrayBuffer(4 * (1 + 2 * (spared ? 4_000_000 : 400_000)));
    logs.push(new Int32Array(log));
    const child = new Process({ target: consume, args: [q, log, options.large] });
    child.start();
    consumers.add(child);
    if (spared) steady.add(child);
  };
  for (let k = 0; k < options.steady; k++) startProducer(true), startConsumer(true);
  for (let k = 0; k < options.producers; k++) startProducer();
  for (let k = 0; k < options.consumers; k++) startConsumer();

  const dying: Process[] = [];
  const ends = performance.now() + options.seconds * 1000;
  const endsAtLatest = ends + 2 * options.seconds * 1000;
  const killing = () => {
    const now = performance.now();
    return now < ends || (killedProducers.size + consumerKills < options.minKills && now < endsAtLatest);
  };
  while (killing()) {
    await sleep(options.interval * (0.5 + rand()));
    const killProducer = rand() < 0.5;
    const pool = (killProducer ? [...producers.keys()] : [...consumers]).filter((child) => !steady.has(child));
    const victim = pool[Math.floor(rand() * pool.length)];
    victim.terminate(); // its end is awaited later: the next kill does not wait for it
    dying.push(victim);
    if (killProducer) {
      killedProducers.add(producers.get(victim)!);
      producers.delete(victim);
      startProducer();
    } else {
      consumerKills++;
      consumers.delete(victim);
      startConsumer();
    }
  }

  const totalPut = () => {
    let sum = 0;
    for (let p = 0; p < nextProducer; p++) sum += Atomics.load(words, PUT_BASE + p);
    return sum;
  };
  while (totalPut() < options.minItems) await sleep(20);
  // Stop: producers end by themselves (writing what they buffered), then one null per consumer.
  Atomics.store(words, STOP, 1);
  let hangs = 0;
  for (const child of dying) {
    await child.join({ timeout: 10_000 });
    if (child.isAlive()) hangs++;
  }
  for (const child of producers.keys()) {
    await child.join({ timeout: 60_000 });
    if (child.isAlive()) hangs++, child.terminate();
  }
  for (const _ of consumers) await q.put(null, { timeout: 60_000 });
  for (const child of consumers) {
    await child.join({ timeout: 60_000 });
    if (child.isAlive()) hangs++, child.terminate();
  }
  return grade(options, q, words, logs, nextProducer, killedProducers, consumerKills, hangs);
}

function grade(
  options: Options,
  q: Queue<Item | null>,
  words: Int32Array,
  logs: Int32Array[],
  producerCount: number,
  killedProducers: Set<number>,
  consumerKills: number,
  hangs: number,
): ChaosFigures {
  const seen: Uint8Array[] = [];
  let put = 0;
  for (let p = 0; p < producerCount; p++) {
    const count = Atomics.load(words, PUT_BASE + p);
    put += count;
    seen.push(new Uint8Array(count + 1));
  }
  let delivered = 0, duplicates = 0, corrupted = 0, inversions = 0;
  for (const log of logs) {
    const last = new Map<number, number>();
    for (let k = 0, n = Atomics.load(log, 0); k < n; k++) {
      const p = log[1 + 2 * k], i = log[2 + 2 * k];
      if (p < 0 || p >= producerCount) {
        corrupted++;
        continue;
      }
      delivered++;
      // An item put may have been accepted just before its producer was killed and not counted.
      if (i >= seen[p].length) seen[p] = grow(seen[p], i + 1);
      if (seen[p][i]++ > 0) duplicates++;
      if ((last.get(p) ?? -1) >= i) inversions++;
      last.set(p, i);
    }
  }
  // Missing items: a killed producer's unwritten suffix is explained; a gap is explained only
  // by a consumer kill (at most one item each).
  let lostToProducerKills = 0, gaps = 0;
  for (let p = 0; p < producerCount; p++) {
    const got = seen[p];
    const putCount = Atomics.load(words, PUT_BASE + p);
    let lastDelivered = -1;
    for (let i = got.length - 1; i >= 0; i--) if (got[i]) { lastDelivered = i; break; }
    for (let i = 0; i < putCount; i++) {
      if (got[i]) continue;
      if (i > lastDelivered && killedProducers.has(p)) lostToProducerKills++;
      else gaps++;
    }
  }
  const lostToConsumerKills = Math.min(gaps, consumerKills);
  const finalQsize = q.qsize();
  let freeRoom: number | "unbounded" = "unbounded";
  if (options.maxsize > 0) {
    freeRoom = 0;
    try {
      for (; freeRoom < options.maxsize + 1; freeRoom++) q.putNowait(null);
    } catch { /* Full */ }
  }
  return {
    runtime: runtimeName(),
    seed: options.seed,
    maxsize: options.maxsize,
    seconds: options.seconds,
    kills: killedProducers.size + consumerKills,
    producerKills: killedProducers.size,
    consumerKills,
    put,
    delivered,
    duplicates,
    corrupted,
    inversions,
    lostToProducerKills,
    lostToConsumerKills,
    unexplainedLosses: gaps - lostToConsumerKills,
    finalQsize,
    freeRoom,
    hangs,
  };
}

/** True when no FORBIDDEN outcome was seen. */
export function passed(f: ChaosFigures): boolean {
  const roomBack = f.freeRoom === "unbounded" || f.freeRoom === f.maxsize;
  return f.duplicates === 0 && f.corrupted === 0 && f.inversions === 0 && f.unexplainedLosses === 0 &&
    f.finalQsize === 0 && roomBack && f.hangs === 0;
}

/** One line of figures. */
export function describe(f: ChaosFigures): string {
  return `${passed(f) ? "PASS" : "FAIL"} queue-chaos ${f.runtime} seed=${f.seed} maxsize=${f.maxsize || "none"} ` +
    `${f.seconds}s kills=${f.kills} (producers ${f.producerKills}, consumers ${f.consumerKills}) put=${f.put} ` +
    `delivered=${f.delivered} duplicates=${f.duplicates} corrupted=${f.corrupted} inversions=${f.inversions} ` +
    `lost: producer-kills=${f.lostToProducerKills} consumer-kills=${f.lostToConsumerKills} unexplained=${f.unexplainedLosses} ` +
    `final qsize=${f.finalQsize} free room=${f.freeRoom} hangs=${f.hangs}`;
}

function grow(bytes: Uint8Array, length: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(length, bytes.length * 2));
  bigger.set(bytes);
  return bigger;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (isMain(import.meta)) {
  const options = parseOptions(commandLineArgs());
  const figures = await runChaos(options);
  console.log(options.json ? JSON.stringify(figures) : describe(figures));
  failIf(!passed(figures));
}
