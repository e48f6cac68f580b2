/**
 * Fault injection for tests: a hook the transport calls at each labelled atomic step of the
 * ring, the SemLock, the per-process counts, the shared counter and the feeder (the labels
 * are listed in {@link STEP_LABELS}). Undefined in production, where each step costs one
 * predictable branch. A test sets it in a child to stop the child at a chosen step (then
 * terminates it, makes it exit, or lets it run on after its lock was taken over, as a
 * terminated Deno worker does) and checks what the others see (scripts/reliability/).
 * @module
 */

/** Every label a step may report, in the order the steps run. */
export const STEP_LABELS = [
  "reserve.counted", // ring.ts tryReserve: after the reserved count's add
  "publish.loaded", // ring.ts #writeRecord: after loading TAIL
  "publish.logged", // … after writing the publish log
  "publish.written", // … after writing the record's header and payload
  "publish.moved", // … after the TAIL compare-exchange
  "publish.counted", // … after the published count's compare-exchange
  "take.logged", // ring.ts #advance: after writing the take log
  "take.moved", // … after the HEAD compare-exchange
  "take.counted", // … after the TAKEN compare-exchange
  "repair.producer", // ring.ts #repairProducerSide: after settling the log, before the epoch
  "repair.consumer", // ring.ts #repairConsumerSide: likewise
  "lock.acquired", // semlock.ts #attemptMutex: after the OWNER compare-exchange
  "lock.released", // semlock.ts #releaseMutex: after the OWNER compare-exchange
  "permit.taken", // semlock.ts #attemptPermit: after the VALUE compare-exchange, before recording it
  "permit.returned", // semlock.ts #releasePermits: after taking it off the holder's count
  "counter.done", // counter.ts tryDecrement: after the DONE compare-exchange
  "feeder.buffered", // feeder.ts push: after buffering an item that did not fit
] as const;

/** One of {@link STEP_LABELS}. */
export type StepLabel = typeof STEP_LABELS[number];

/** The hook, when a test set one (see {@link setStepHook}). */
export let stepHook: ((label: StepLabel) => void) | undefined;

/**
 * Sets (or, with undefined, clears) the hook called at every labelled step of this thread.
 * @example Usage
 * ```ts
 * import { setStepHook } from "./step_hook.ts";
 * const seen: string[] = [];
 * setStepHook((label) => seen.push(label));
 * setStepHook(undefined);
 * ```
 */
export function setStepHook(hook: ((label: StepLabel) => void) | undefined): void {
  stepHook = hook;
}
