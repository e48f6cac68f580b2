/**
 * Async tasks: what owns an RLock inside a process, as a thread owns Python's.
 *
 * **What a task is.** A task is the code that runs under one task id of an
 * `AsyncLocalStorage` (from `node:async_hooks`, which Deno, Bun and Node all have): a
 * synchronous stretch of code and every continuation it leaves behind (the rest of an
 * `async` function after each `await`, callbacks of its `then`s and timers) carry the id
 * that was current when they were set up. A task gets its id when it first takes an RLock
 * (`acquire()` enters the id with `enterWith`, `withLock()` runs its function under it with
 * `run`) and keeps it while it holds any RLock, so that nested RLocks and `Condition.wait()`
 * see one owner. A task that holds no RLock gets a fresh id at its next acquire.
 *
 * So these are different tasks: async functions started side by side (`Promise.all`, a
 * loop that does not await each), even when each acquires in the same synchronous stretch
 * (an id entered there by another acquire is not taken as the caller's own: see
 * {@link taskForAcquire}); separate `withLock()` callers; timers and callbacks set up before
 * the acquire. What JavaScript cannot tell apart: an async function *started* (not awaited)
 * by a task while it holds an RLock, or a timer it sets meanwhile, runs under the holder's id
 * and re-enters the RLock instead of waiting (start it before acquiring, or after releasing).
 * And ids flow into what a function calls and awaits, not back out: a function that acquires
 * after an `await` leaves its caller outside the task (release where it was acquired).
 *
 * **Measured, not assumed** (Node 20's async_hooks, Node 24's AsyncContextFrame, Deno 2.9,
 * Bun 1.4): `enterWith` in the synchronous start of an `async` function is seen by the rest
 * of its caller's synchronous code (the next sibling of a `Promise.all`, the caller after
 * it); an `enterWith` after an `await` is not seen by the awaiting caller; `run(id, fn)`
 * with an id other than the current one scopes what `fn` enters (with the same id Node and
 * Bun skip the scope). Node 20 propagates nothing to promises made before the storage was
 * first used, and Bun and Node 20 let a top-level `enterWith` reach callbacks queued before
 * it with no store: so the storage enters {@link ROOT_TASK} as soon as it exists (the first
 * RLock made or received by the process), after which all four behave alike. Loading
 * `node:async_hooks` costs some 10 ms on Deno in a process that loaded no `node:` module yet,
 * which is why it waits for the first RLock.
 * @module
 */

import type { AsyncLocalStorage } from "node:async_hooks";
import { builtin } from "../runtime/builtins.ts";

/** The id of code that runs outside every task: it never owns an RLock. */
export const ROOT_TASK = 0;

interface TaskState {
  storage: AsyncLocalStorage<number>;
  lastId: number;
  /** The id an `acquire()` entered in the current synchronous stretch (0 once it ended). */
  enteredNow: number;
  /** How many RLocks each task holds (tasks holding none are absent). */
  held: Map<number, number>;
}

// Kept on globalThis so that two copies of this module (bundled binaries) agree.
const GLOBAL_KEY = Symbol.for("@seed/multiprocessing/tasks");
type GlobalWithTasks = typeof globalThis & { [GLOBAL_KEY]?: TaskState };

function state(): TaskState {
  const g = globalThis as GlobalWithTasks;
  return g[GLOBAL_KEY] ??= createState();
}

function createState(): TaskState {
  const storage = new (builtin("node:async_hooks").AsyncLocalStorage)<number>();
  storage.enterWith(ROOT_TASK);
  return { storage, lastId: ROOT_TASK, enteredNow: ROOT_TASK, held: new Map() };
}

/** Starts tracking tasks now (an RLock calls it when made or received: see the module doc). */
export function trackTasks(): void {
  state();
}

/** The id of the running task ({@link ROOT_TASK} outside every task). */
export function currentTask(): number {
  return state().storage.getStore() ?? ROOT_TASK;
}

/**
 * The task an acquisition by the running code acts for: the current task when it may keep
 * its id (it owns the lock, or holds another RLock), otherwise a fresh id. `ownsLock` tells
 * whether the current task owns the lock being acquired.
 *
 * An asynchronous `acquire()` whose current id was entered by another `acquire()` in this
 * same synchronous stretch gets a fresh id: the id leaked to it from a task started just
 * before (a `Promise.all` sibling), since the task that entered it went on only after an
 * `await`. (The same task acquiring twice without awaiting in between is the price: the
 * second waits for the first, as another task would.)
 */
export function taskForAcquire(ownsLock: (task: number) => boolean, sync: boolean): number {
  const s = state();
  const current = currentTask();
  const leaked = !sync && current === s.enteredNow;
  if (current !== ROOT_TASK && !leaked && (ownsLock(current) || s.held.has(current))) return current;
  return ++s.lastId;
}

/**
 * Makes `task` the running task for the rest of this synchronous stretch and what it awaits
 * (an explicit `acquire()`); nothing when it already is.
 */
export function enterTask(task: number): void {
  const s = state();
  if (s.storage.getStore() === task) return;
  s.storage.enterWith(task);
  if (s.enteredNow === ROOT_TASK) queueMicrotask(() => (s.enteredNow = ROOT_TASK));
  s.enteredNow = task;
}

/** Runs `fn` as `task` (its own scope: what `fn` enters stays inside); `withLock()` uses it. */
export function runAsTask<T>(task: number, fn: () => T): T {
  const s = state();
  return s.storage.getStore() === task ? fn() : s.storage.run(task, fn);
}

/** Counts an RLock taken by `task` (its depth went from 0 to 1). */
export function noteTaken(task: number): void {
  const held = state().held;
  held.set(task, (held.get(task) ?? 0) + 1);
}

/** Counts an RLock released by `task` (its depth went back to 0). */
export function noteReleased(task: number): void {
  const held = state().held;
  const count = (held.get(task) ?? 0) - 1;
  if (count > 0) held.set(task, count);
  else held.delete(task);
}
