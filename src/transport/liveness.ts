/**
 * The process table: one `SharedArrayBuffer` shared by every process of a program, which
 * hands out process ids and tells any process whether another one is still alive. Robust
 * locks store their owner's pid and ask {@link isPidAlive} before waiting on it again.
 *
 * Layout (Int32): `[0]` the next pid to hand out, then `SLOTS` pids, then `SLOTS` parent pids,
 * then `SLOTS` lingering pids and `SLOTS` times, then `SLOTS` pids that ended cleanly. A pid
 * lives in slot `pid % SLOTS`; the slot holds the pid while the process runs and 0 after its
 * parent saw it end. A process is alive when its slot still holds its pid and its parent is
 * alive: a worker never outlives its parent, so ending a process ends the whole subtree at
 * once without anyone visiting it.
 *
 * **Lingering.** On Deno a terminated worker's thread runs on until it gets back to its event
 * loop or one of the library's checks stops it (see halt.ts), yet its parent sees it end at
 * once. Such a process is marked lingering: {@link mayStillRun} is true until its thread
 * confirms that it stopped, or for {@link LINGER_GRACE_MS} (a thread that neither runs the
 * library's code nor yields cannot touch what it held). Robust locks wait that long before
 * they take a lock over from it, so that two threads never hold one lock.
 * @module
 */

import { MAX_WAIT_SLICE_MS } from "./wait.ts";

const SLOTS = 4096;
const NEXT_PID = 0;
const PID_BASE = 1;
const PARENT_BASE = PID_BASE + SLOTS;
const LINGER_BASE = PARENT_BASE + SLOTS;
const LINGER_SINCE_BASE = LINGER_BASE + SLOTS;
const CLEAN_END_BASE = LINGER_SINCE_BASE + SLOTS;
const TABLE_INTS = CLEAN_END_BASE + SLOTS;
/**
 * How long a lingering process counts as possibly running: three times the longest a
 * thread blocked in the library sleeps between its checks. Short enough (75 ms) that a
 * terminated Deno child is seen to end within 0.1 s, as Python's would.
 */
const LINGER_GRACE_MS = 3 * MAX_WAIT_SLICE_MS;
const MAX_DEPTH = 64;

/** What a child needs to join its program's process table. */
export interface ProcessTableState {
  /** The shared table. */
  buffer: SharedArrayBuffer;
  /** The pid of the process that receives this state. */
  pid: number;
}

interface TableState {
  table: Int32Array;
  pid: number;
  /** See {@link isCurrentProcessAlive}: `[slot index, pid]` pairs, computed on first use. */
  lineage?: number[];
}

// Kept on globalThis so that two copies of this module (bundled binaries) agree.
const GLOBAL_KEY = Symbol.for("@seed/multiprocessing/process-table");
type GlobalWithTable = typeof globalThis & { [GLOBAL_KEY]?: TableState };

function state(): TableState {
  const g = globalThis as GlobalWithTable;
  return g[GLOBAL_KEY] ??= createMainTable();
}

/** The main process registers itself under its OS pid; children count up from there. */
function createMainTable(): TableState {
  const table = new Int32Array(new SharedArrayBuffer(TABLE_INTS * 4));
  const pid = mainPid();
  table[NEXT_PID] = pid + 1;
  table[PID_BASE + (pid % SLOTS)] = pid;
  return { table, pid };
}

function mainPid(): number {
  const proc = (globalThis as { process?: { pid?: number } }).process;
  return typeof proc?.pid === "number" && proc.pid > 0 ? proc.pid : 1;
}

/** Joins the program's process table (the child bootstrap calls this first). */
export function adoptProcessTable(received: ProcessTableState): void {
  (globalThis as GlobalWithTable)[GLOBAL_KEY] = {
    table: new Int32Array(received.buffer),
    pid: received.pid,
  };
}

/** The pid of the calling process. */
export function currentPid(): number {
  return state().pid;
}

/** Registers a new child of the calling process and returns what the child must adopt. */
export function allocateChildPid(): ProcessTableState {
  const { table, pid: parent } = state();
  for (;;) {
    const pid = Atomics.add(table, NEXT_PID, 1);
    const slot = pid % SLOTS;
    const previous = Atomics.load(table, PID_BASE + slot);
    // A slot is reusable once its process ended; one still alive keeps it (skip the pid).
    if (previous !== 0 && isPidAlive(previous)) continue;
    if (Atomics.compareExchange(table, PID_BASE + slot, previous, pid) !== previous) continue;
    Atomics.store(table, PARENT_BASE + slot, parent);
    Atomics.store(table, LINGER_BASE + slot, 0);
    Atomics.store(table, CLEAN_END_BASE + slot, 0);
    return { buffer: table.buffer as SharedArrayBuffer, pid };
  }
}

/**
 * Records that a process ended (called by its parent, or by itself on a clean exit);
 * `mayRunOn`: its thread may still be running (see "Lingering" above).
 */
export function markPidEnded(pid: number, mayRunOn = false): void {
  const { table } = state();
  const slot = pid % SLOTS;
  if (mayRunOn && Atomics.load(table, PID_BASE + slot) === pid) {
    Atomics.store(table, LINGER_SINCE_BASE + slot, clockMs());
    Atomics.store(table, LINGER_BASE + slot, pid);
  }
  Atomics.compareExchange(table, PID_BASE + slot, pid, 0);
}

/**
 * Records that the calling process ends because its code finished (returned, or called
 * `exit()`), not terminated, killed or crashed: see {@link endedCleanly}.
 */
export function markEndedCleanly(): void {
  const { table, pid } = state();
  Atomics.store(table, CLEAN_END_BASE + (pid % SLOTS), pid);
  markPidEnded(pid);
}

/**
 * True when the ended process `pid` ended cleanly ({@link markEndedCleanly}). What it kept
 * it kept on purpose: a semaphore's permits stay taken, as in Python, while those of a
 * process that was terminated, killed or crashed are returned.
 */
export function endedCleanly(pid: number): boolean {
  return Atomics.load(state().table, CLEAN_END_BASE + (pid % SLOTS)) === pid;
}

/**
 * True while the ended process `pid` may still be running (see "Lingering" above). Always
 * false for a process that runs, or whose end stopped its thread.
 */
export function mayStillRun(pid: number): boolean {
  const { table } = state();
  const slot = pid % SLOTS;
  if (Atomics.load(table, LINGER_BASE + slot) !== pid) return false;
  const since = Atomics.load(table, LINGER_SINCE_BASE + slot);
  return ((clockMs() - since) & CLOCK_MASK) < LINGER_GRACE_MS;
}

/**
 * True once the process `pid` ended and its thread can no longer be running (see "Lingering"
 * above): what it held may be taken over.
 */
export function isPidGone(pid: number): boolean {
  return !isPidAlive(pid) && !mayStillRun(pid);
}

/** True once the thread of the ended process `pid` confirmed that it stopped (or never lingered). */
export function confirmedStopped(pid: number): boolean {
  return Atomics.load(state().table, LINGER_BASE + (pid % SLOTS)) !== pid;
}

/** Called by the thread of an ended process as it stops for good: it lingers no more. */
export function confirmStopped(): void {
  const { table, pid } = state();
  Atomics.compareExchange(table, LINGER_BASE + (pid % SLOTS), pid, 0);
}

const CLOCK_MASK = 0x7fffffff;

/** Milliseconds on a clock every thread shares (wall time, wrapping at 2^31). */
function clockMs(): number {
  return Date.now() & CLOCK_MASK;
}

/**
 * True while the calling process runs: {@link isPidAlive} for itself, at the cost of one
 * `Atomics.load` per generation below the main process (none in the main process), for checks
 * on hot paths.
 */
export function isCurrentProcessAlive(): boolean {
  const current = state();
  const lineage = current.lineage ??= lineageOf(current);
  for (let i = 0; i < lineage.length; i += 2) {
    if (Atomics.load(current.table, lineage[i]) !== lineage[i + 1]) return false;
  }
  return true;
}

/** The table index and pid of the calling process and of its ancestors, the main process excepted. */
function lineageOf({ table, pid }: TableState): number[] {
  const lineage: number[] = [];
  for (let current = pid, depth = 0; current > 0 && depth < MAX_DEPTH; depth++) {
    const slot = current % SLOTS;
    const parent = Atomics.load(table, PARENT_BASE + slot);
    if (parent === 0) break; // the main process: it ends only with the program
    lineage.push(PID_BASE + slot, current);
    current = parent;
  }
  return lineage;
}

/** True while the process `pid` (of this program) runs. */
export function isPidAlive(pid: number): boolean {
  const { table } = state();
  let current = pid;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const slot = current % SLOTS;
    if (current <= 0 || Atomics.load(table, PID_BASE + slot) !== current) return false;
    const parent = Atomics.load(table, PARENT_BASE + slot);
    if (parent === 0) return true;
    current = parent;
  }
  return true;
}
