/**
 * One algorithm, two ways to block: a blocking algorithm (a condition's wait, a barrier's
 * wait) is written once as a generator that yields the steps it blocks on, and run either by
 * {@link runSync} (the thread sleeps: the `…Sync` twins) or by {@link runAsync} (the event
 * loop keeps running). The generator sees a step's result as the value of its `yield`, and
 * an abort as an exception thrown at the `yield`, so its `finally` blocks can still yield the
 * steps that restore its invariants (e.g. re-acquiring a lock).
 * @module
 */

import { haltIfEnded, haltIfEndedAsync } from "./halt.ts";
import type { SemLock } from "./semlock.ts";
import { remaining, waitAsync, waitSync } from "./wait.ts";

/** Something a blocking algorithm waits for. */
export type BlockingStep =
  /** Sleep while `cell[index] === expected`, until woken or `deadline`; result: nothing. */
  | { kind: "wait"; cell: Int32Array; index: number; expected: number; deadline: number }
  /**
   * Acquire `lock` for `task` (an RLock's owner; default the process), not interrupted by the
   * signal; result: true, or false at `deadline`.
   */
  | { kind: "acquire"; lock: SemLock; deadline: number; task?: number }
  /** Run user code (awaited when asynchronous, in {@link runAsync}); result: its value. */
  | { kind: "call"; fn: () => unknown };

/** A blocking algorithm: yields steps, returns its result. */
export type Blocking<T> = Generator<BlockingStep, T, unknown>;

/** Runs `steps` blocking the thread. */
export function runSync<T>(steps: Blocking<T>): T {
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = performSync(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/** Runs `steps` without blocking the event loop; an abort of `signal` interrupts its waits. */
export async function runAsync<T>(steps: Blocking<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await performAsync(next.value, signal);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

function performSync(step: BlockingStep): unknown {
  switch (step.kind) {
    case "wait":
      waitSync(step.cell, step.index, step.expected, remaining(step.deadline));
      return haltIfEnded();
    case "acquire":
      return step.lock.acquireSync(step.deadline, step.task);
    case "call":
      return step.fn();
  }
}

async function performAsync(step: BlockingStep, signal?: AbortSignal): Promise<unknown> {
  switch (step.kind) {
    case "wait":
      await waitAsync(step.cell, step.index, step.expected, remaining(step.deadline), signal);
      return await haltIfEndedAsync();
    case "acquire":
      return await step.lock.acquire(step.deadline, undefined, step.task);
    case "call":
      return await step.fn();
  }
}
