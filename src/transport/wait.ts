/**
 * Waiting on a shared `Int32Array` cell: the one place that calls `Atomics.wait` and
 * `Atomics.waitAsync`. Callers loop ("check the condition, then wait while the cell still
 * holds what I saw") and re-check after every wake-up, so spurious wake-ups are harmless.
 * @module
 */

/** How a wait ended, as `Atomics.wait` reports it. */
export type WaitOutcome = "ok" | "not-equal" | "timed-out";

/** Longest single sleep: waiters wake at least this often to re-check liveness of owners. */
export const MAX_WAIT_SLICE_MS = 25;

let keepAliveCount = 0;
let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

/**
 * A pending `Atomics.waitAsync` does not keep a program alive (Node even ends the process
 * with code 13), so a ref'd timer is held while any async wait is pending.
 */
function holdKeepAlive(): void {
  if (keepAliveCount++ === 0) keepAliveTimer = setInterval(() => {}, 1 << 30);
}

function dropKeepAlive(): void {
  if (--keepAliveCount === 0) {
    clearInterval(keepAliveTimer);
    keepAliveTimer = undefined;
  }
}

/** Longest single sleep while {@link setWorkWhileBlocked}'s work is unfinished. */
const BUSY_WAIT_SLICE_MS = 1;

let workWhileBlocked: (() => boolean) | undefined;

/**
 * Sets the work that goes on while this thread blocks in {@link waitSync}: the queues'
 * buffered items, which are otherwise written from the event loop (Python writes them from
 * a thread of their own), so that a thread that blocks does not hold back what it put.
 * `work` does what it can without waiting and returns true while some of it is left.
 * @example Usage
 * ```ts
 * import { setWorkWhileBlocked } from "./wait.ts";
 * const unwritten: Uint8Array[] = [];
 * setWorkWhileBlocked(() => {
 *   // write what can be written now, without waiting…
 *   return unwritten.length > 0;
 * });
 * ```
 */
export function setWorkWhileBlocked(work: () => boolean): void {
  workWhileBlocked = work;
}

/**
 * Blocks the thread while `cell[index] === expected`, at most `timeoutMs` (and at most
 * {@link MAX_WAIT_SLICE_MS}). Only for children and `…Sync` calls.
 */
export function waitSync(
  cell: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): WaitOutcome {
  const slice = workWhileBlocked?.() ? BUSY_WAIT_SLICE_MS : MAX_WAIT_SLICE_MS;
  return Atomics.wait(cell, index, expected, Math.min(Math.max(timeoutMs, 0), slice));
}

/**
 * Waits without blocking the event loop while `cell[index] === expected`, at most
 * `timeoutMs` (and at most {@link MAX_WAIT_SLICE_MS}). Rejects with `signal.reason` when the
 * signal aborts first.
 */
export async function waitAsync(
  cell: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  signal?.throwIfAborted();
  const slice = Math.min(Math.max(timeoutMs, 0), MAX_WAIT_SLICE_MS);
  const waiting = Atomics.waitAsync(cell, index, expected, slice);
  if (!waiting.async) return waiting.value;
  holdKeepAlive();
  try {
    if (!signal) return await waiting.value;
    return await raceAbort(waiting.value, signal);
  } finally {
    dropKeepAlive();
  }
}

/**
 * Waits as {@link waitAsync} (no signal), without holding the program open: for a watch in
 * the background that must not keep a program alive by itself.
 */
export async function waitAsyncUnheld(cell: Int32Array, index: number, expected: number, timeoutMs: number): Promise<WaitOutcome> {
  const waiting = Atomics.waitAsync(cell, index, expected, Math.min(Math.max(timeoutMs, 0), MAX_WAIT_SLICE_MS));
  return waiting.async ? await waiting.value : waiting.value;
}

/** Resolves as `promise` does, or rejects with the signal's reason if it aborts first (or has). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Awaits `waiting` with the program held open (a ref'd timer): for waits on something that
 * does not hold the program open by itself, such as a background loop nobody else awaits, or
 * the end of a terminated worker (on Bun neither the worker nor its pending end event does).
 * @example Usage
 * ```ts
 * import { heldOpen } from "./wait.ts";
 * const settled = new Promise<number>((resolve) => queueMicrotask(() => resolve(1)));
 * const value = await heldOpen(settled); // the program stays open until `settled` settles
 * ```
 */
export async function heldOpen<T>(waiting: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 1 << 30);
  try {
    return await waiting;
  } finally {
    clearInterval(hold);
  }
}

/** The longest delay a timer takes (longer ones fire at once, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits until `promise` resolves, or `timeout` ms passed (none, or Infinity: no limit; a
 * negative timeout acts as 0), whichever comes first; rejects with `signal.reason` when the
 * signal aborts first (or has already). For waits on events rather than on shared memory.
 */
export async function settleWithin(promise: Promise<unknown>, timeout?: number | null, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waits = [promise];
  if (timeout !== undefined && timeout !== null && timeout !== Infinity) {
    const deadline = performance.now() + (Math.max(timeout, 0) || 0);
    waits.push(new Promise<void>((resolve) => {
      const check = () => {
        const left = deadline - performance.now();
        if (left <= 0) resolve();
        else timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
      };
      check();
    }));
  }
  try {
    const first = Promise.race(waits);
    await (signal ? raceAbort(first, signal) : first);
  } finally {
    clearTimeout(timer);
  }
}

/** Wakes up to `count` waiters on `cell[index]` (all by default). */
export function wake(cell: Int32Array, index: number, count = Infinity): void {
  Atomics.notify(cell, index, count);
}

/**
 * A point in time after which a blocking call gives up, from Python-style arguments:
 * `block: false` means "now", a negative timeout acts as 0, no timeout means never.
 */
export function deadlineFrom(timeout?: number, block = true): number {
  if (!block) return performance.now();
  if (timeout === undefined || timeout === null) return Infinity;
  return performance.now() + Math.max(timeout, 0);
}

/** Milliseconds left until `deadline` (0 when passed, Infinity for no deadline). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(deadline - performance.now(), 0);
}
