/**
 * The workloads of every bench: the rows of its table, in order. A workload is one job done
 * the same way by the library, by the raw runtime primitives and by Python's
 * `multiprocessing` (`bench/python/<bench>.py` prints rows with these ids).
 * @module
 */

/** One row of a bench table. */
export interface Workload {
  /** Stable id, shared with the Python baselines. */
  id: string;
  /** What the row measures, as shown in the table. */
  label: string;
  /** Unit of the values. */
  unit: string;
  /** Whether a bigger value is better (throughput) or worse (latency, time). */
  higherIsBetter: boolean;
  /** The Python start method the "vs Python" column compares with; default spawn (fork when spawn was not measured). */
  python?: "spawn" | "fork" | "forkserver";
  /** The bars for the library, as minimum advantages (see {@link Bars}). */
  bars?: Bars;
}

/**
 * Bars, each a minimum: an advantage is baseline ÷ library for times and library ÷ baseline
 * for throughputs, so 1 means "as good", 5 means "5x better", 0.8 means "at most 25% worse".
 */
export interface Bars {
  /** Minimum advantage over Python's spawn context (fork when spawn was not measured). */
  vsPython?: number;
  /** Minimum advantage over the best raw baseline marked `bar` on the same runtime. */
  vsRaw?: number;
  /** The library's own value: a minimum for throughputs, a maximum for times. */
  value?: number;
}

/** The small item every queue and pipe workload moves (Python: `{"i": i, "s": "hello", "a": [1, 2, 3]}`). */
export function smallItem(i: number): { i: number; s: string; a: number[] } {
  return { i, s: "hello", a: [1, 2, 3] };
}

/**
 * A class whose instances cross a queue by reference (an exported class: they arrive as
 * `Reading`s, with its methods). Python: `class Reading` in bench/python/queue_baseline.py.
 */
export class Reading {
  constructor(public id: number, public sensor: string, public value: number, public tags: string[]) {}

  /** The value in Fahrenheit (a method the receiver can call). */
  fahrenheit(): number {
    return this.value * 1.8 + 32;
  }
}

/** The `i`th reading of the instance workload: a `Reading`, or the same fields as a plain object. */
export function readingItem(i: number, asInstance: boolean): Reading | { id: number; sensor: string; value: number; tags: string[] } {
  return asInstance ? new Reading(i, "sensor-7", 21.5, ["indoor", "raw"]) : { id: i, sensor: "sensor-7", value: 21.5, tags: ["indoor", "raw"] };
}

/** Size of the byte items of the byte-throughput workloads. */
export const BYTES_ITEM_SIZE = 64 * 1024;

/**
 * How much work each workload does, full and `--quick` (`bench/python/common.py` has the same
 * numbers: change both). Throughput workloads report `medianOfRepeats` (bench/lib.ts).
 */
export const SIZES = {
  repeats: { full: 3, quick: 1 },
  spawnRuns: { full: 50, quick: 10 },
  spawnWarmups: { full: 2, quick: 1 },
  coldRuns: { full: 5, quick: 1 },
  smallItems: { full: 200_000, quick: 20_000 },
  byteItems: { full: 2_000, quick: 200 },
  joinableItems: { full: 100_000, quick: 10_000 },
  roundTrips: { full: 20_000, quick: 2_000 },
  roundTripWarmups: { full: 1_000, quick: 100 },
  oneWayMessages: { full: 200_000, quick: 20_000 },
  lockOps: { full: 1_000_000, quick: 100_000 },
  contendedLockOpsPerProcess: { full: 200_000, quick: 20_000 },
  mapItems: { full: 100_000, quick: 10_000 },
  cpuTasks: { full: 64, quick: 16 },
  applyCalls: { full: 5_000, quick: 500 },
  executorMapChunksize: { full: 1_000, quick: 100 },
  managerSetsPerProcess: { full: 10_000, quick: 1_000 },
  managerSetProcesses: { full: 4, quick: 4 },
  shmAttaches: { full: 1_000, quick: 100 },
  redisItems: { full: 10_000, quick: 1_000 },
  redisBatchedItems: { full: 100_000, quick: 10_000 },
  redisKills: { full: 20, quick: 3 },
  bullmqKills: { full: 5, quick: 1 },
} as const;

/** Milliseconds of arithmetic one CPU-bound pool task does (iterations calibrated per runtime). */
export const CPU_TASK_MS = 20;

/** Workers of every pool. */
export const POOL_WORKERS = 2;

/** `bench/spawn`: issues 2 and 13 (start methods). */
export const SPAWN = {
  startJoin: {
    id: "spawn.start-join",
    label: "start + join of a trivial process — warm (median of 50 in one program)",
    unit: "ms",
    higherIsBetter: false,
    bars: { vsPython: 1, vsRaw: 0.8 },
  },
  startJoinCold: {
    id: "spawn.start-join-cold",
    label: "same — cold: the program's first process (median of fresh programs)",
    unit: "ms",
    higherIsBetter: false,
  },
  startJoinLibrary: {
    id: "spawn.start-join-library",
    label: "start + join, the target's module imports the whole library — warm (median of 50)",
    unit: "ms",
    higherIsBetter: false,
    bars: { vsRaw: 1 / 1.5 },
  },
  startJoinLibraryCold: {
    id: "spawn.start-join-library-cold",
    label: "same — cold: the program's first process",
    unit: "ms",
    higherIsBetter: false,
  },
  memoryChild: {
    id: "spawn.memory-child",
    label: "resident memory per idle child process (4 started; Python: each child's PSS)",
    unit: "MB",
    higherIsBetter: false,
    bars: { vsPython: 1 },
  },
  startRunning: {
    id: "spawn.start-running",
    label: "start → target running (median of 50)",
    unit: "ms",
    higherIsBetter: false,
  },
  forkserverStartRunning: {
    id: "spawn.forkserver-start-running",
    label: "forkserver: start → target running, warm worker ready (vs Python fork)",
    unit: "ms",
    higherIsBetter: false,
    python: "fork",
    bars: { value: 2 },
  },
  forkserverStartJoin: {
    id: "spawn.forkserver-start-join",
    label: "forkserver: start + join, warm worker ready (vs Python fork)",
    unit: "ms",
    higherIsBetter: false,
    python: "fork",
    bars: { vsPython: 1 },
  },
} as const satisfies Record<string, Workload>;

/** `bench/queue`: issue 3. */
export const QUEUE = {
  small1to1: {
    id: "queue.small-1to1",
    label: "Queue 1 → 1, small objects {i, s, a}",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 5, vsRaw: 1 },
  },
  small2to2: {
    id: "queue.small-2to2",
    label: "Queue 2 → 2, small objects",
    unit: "items/s",
    higherIsBetter: true,
  },
  bytes1to1: {
    id: "queue.bytes-1to1",
    label: "Queue 1 → 1, 64 KiB Uint8Array",
    unit: "MB/s",
    higherIsBetter: true,
  },
  instances1to1: {
    id: "queue.instances-1to1",
    label: "Queue 1 → 1, instances of an exported class (4 fields)",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 3 },
  },
  records1to1: {
    id: "queue.records-1to1",
    label: "Queue 1 → 1, the same fields as plain objects",
    unit: "items/s",
    higherIsBetter: true,
  },
  joinable: {
    id: "queue.joinable",
    label: "JoinableQueue put → get + taskDone, then join",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 5 },
  },
} as const satisfies Record<string, Workload>;

/** `bench/pipe`: issue 4. */
export const PIPE = {
  roundTrip: {
    id: "pipe.round-trip",
    label: "Pipe round trip, small object (median of 20k)",
    unit: "µs",
    higherIsBetter: false,
    bars: { vsPython: 1, vsRaw: 1 },
  },
  oneWay: {
    id: "pipe.one-way",
    label: "Pipe one-way, small objects",
    unit: "msgs/s",
    higherIsBetter: true,
  },
} as const satisfies Record<string, Workload>;

/** `bench/lock`: issue 4. */
export const LOCK = {
  uncontended: {
    id: "lock.uncontended",
    label: "Lock acquire + release, uncontended",
    unit: "ops/s",
    higherIsBetter: true,
  },
  contended: {
    id: "lock.contended-2",
    label: "Lock acquire + release, 2 processes contending (total)",
    unit: "ops/s",
    higherIsBetter: true,
    bars: { vsPython: 1 },
  },
} as const satisfies Record<string, Workload>;

/**
 * `bench/pool`: issues 5 and 16. Every pool has 2 workers, except the start row's 8.
 * Warm: the pool and its program ran the same call before (untimed). Cold: a fresh program's
 * fresh pool, its workers up, its first call (bench/cold.ts, median of fresh programs).
 */
export const POOL = {
  mapTinyDefaultCold: {
    id: "pool.map-tiny-default-cold",
    label: "map x*x over 100k, default chunksize — cold: fresh pool, first call",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 1.5 },
  },
  mapTinyDefault: {
    id: "pool.map-tiny-default",
    label: "same — warm",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 2 },
  },
  mapTinyChunk1Cold: {
    id: "pool.map-tiny-chunk1-cold",
    label: "map x*x over 100k, chunksize 1 — cold",
    unit: "items/s",
    higherIsBetter: true,
  },
  mapTinyChunk1: {
    id: "pool.map-tiny-chunk1",
    label: "same — warm",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 5 },
  },
  imapCold: {
    id: "pool.imap-cold",
    label: "imap x*x over 100k, chunksize 1000, all results — cold",
    unit: "items/s",
    higherIsBetter: true,
  },
  imap: {
    id: "pool.imap",
    label: "same — warm",
    unit: "items/s",
    higherIsBetter: true,
  },
  start8: {
    id: "pool.start8-imap-unordered",
    label: "Pool(8) + its first imapUnordered of 10k, chunksize 1000: whole time, fresh program",
    unit: "ms",
    higherIsBetter: false,
    bars: { vsPython: 1 },
  },
  memoryWorker: {
    id: "pool.memory-worker",
    label: "resident memory per idle pool worker (Pool(4); Python: each worker's PSS)",
    unit: "MB",
    higherIsBetter: false,
    bars: { vsPython: 1 },
  },
  cpuWall: {
    id: "pool.cpu-wall",
    label: "map of 64 CPU-bound tasks (~20 ms each), wall time",
    unit: "ms",
    higherIsBetter: false,
  },
  cpuSpeedup: {
    id: "pool.cpu-speedup",
    label: "same, speedup over one thread",
    unit: "×",
    higherIsBetter: true,
    bars: { value: 1.8 },
  },
  applyRoundTrip: {
    id: "pool.apply-round-trip",
    label: "apply round trip, per task",
    unit: "µs",
    higherIsBetter: false,
    bars: { vsRaw: 1 / 1.5 },
  },
} as const satisfies Record<string, Workload>;

/**
 * `bench/pool`, the futures executor (issue 13): `ProcessPoolExecutor` of 2 workers, cold (a
 * fresh executor: its workers start on the first submission) and warm. Python's rows are
 * its `concurrent.futures.ProcessPoolExecutor`. The submit round trip's own bar is
 * `pool.apply-round-trip` of the same runtime (at most as long).
 */
export const EXECUTOR = {
  submitCold: {
    id: "pool.executor-submit-cold",
    label: "ProcessPoolExecutor: fresh executor, first submit → result",
    unit: "ms",
    higherIsBetter: false,
  },
  submitWarm: {
    id: "pool.executor-submit",
    label: "ProcessPoolExecutor: submit → result round trip, per task (warm)",
    unit: "µs",
    higherIsBetter: false,
    bars: { vsPython: 1 },
  },
  applyAlternating: {
    id: "pool.executor-apply-alternating",
    label: "Pool.apply round trip, per task, in blocks alternating with the submit row's (warm; issue 13: submit ≤ this)",
    unit: "µs",
    higherIsBetter: false,
  },
  mapCold: {
    id: "pool.executor-map-cold",
    label: "ProcessPoolExecutor.map x*x over 100k, chunksize 1000, fresh executor (start included)",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 1 },
  },
  mapWarm: {
    id: "pool.executor-map",
    label: "ProcessPoolExecutor.map x*x over 100k, chunksize 1000 (warm)",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsPython: 1 },
  },
} as const satisfies Record<string, Workload>;

/** `bench/manager`: issue 14. */
export const MANAGER = {
  getRoundTrip: {
    id: "manager.get-round-trip",
    label: "Manager dict proxy round trip, `await d.get(k)` in the main process (median of 20k)",
    unit: "µs",
    higherIsBetter: false,
    bars: { vsPython: 5 },
  },
  getRoundTripSync: {
    id: "manager.get-round-trip-sync",
    label: "same, `d.getSync(k)` in a child (median of 20k)",
    unit: "µs",
    higherIsBetter: false,
  },
  set4x10k: {
    id: "manager.set-4x10k",
    label: "4 processes × 10k `d.set`, into one dict (total)",
    unit: "ops/s",
    higherIsBetter: true,
    bars: { vsPython: 3 },
  },
  shmAttach: {
    id: "manager.shm-attach",
    label: "SharedMemory attach by name in a child (median of 1000 names)",
    unit: "µs",
    higherIsBetter: false,
    bars: { value: 1000 },
  },
} as const satisfies Record<string, Workload>;

/** `bench/redis`: issue 17, on a private redis-server (AOF, appendfsync always) beside BullMQ. */
export const REDIS = {
  joinable1: {
    id: "redis.jq-1",
    label: "JoinableQueue put → get → taskDone, 1 consumer",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsRaw: 1 },
  },
  joinable8: {
    id: "redis.jq-8",
    label: "same, 8 consumers",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsRaw: 1 },
  },
  batched: {
    id: "redis.jq-batched",
    label: "same, batched: putMany / getMany of 100, 8 consumers",
    unit: "items/s",
    higherIsBetter: true,
    bars: { value: 20_000 },
  },
  poolMap: {
    id: "redis.pool-map",
    label: "Pool.map x*x over 100k, default chunksize, 2 hosts × 1 process",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsRaw: 0.5 },
  },
  poolMapEverysec: {
    id: "redis.pool-map-everysec",
    label: "same, the server's AOF with appendfsync everysec (Redis's default)",
    unit: "items/s",
    higherIsBetter: true,
    bars: { vsRaw: 0.5 },
  },
  redeliveryP50: {
    id: "redis.redelivery-p50",
    label: "kill -9 of a worker host → its task started elsewhere, p50",
    unit: "ms",
    higherIsBetter: false,
  },
  redeliveryP99: {
    id: "redis.redelivery-p99",
    label: "same, p99 (20 kills)",
    unit: "ms",
    higherIsBetter: false,
    bars: { value: 1000 },
  },
} as const satisfies Record<string, Workload>;

/** Every bench's workloads, in table order. */
export const BENCHES: Readonly<Record<string, readonly Workload[]>> = {
  spawn: Object.values(SPAWN),
  queue: Object.values(QUEUE),
  pipe: Object.values(PIPE),
  lock: Object.values(LOCK),
  pool: [...Object.values(POOL), ...Object.values(EXECUTOR)],
  manager: Object.values(MANAGER),
  redis: Object.values(REDIS),
};
