/**
 * The library's internals that its test suite exercises directly, gathered in one module.
 * Not part of the API (the package's `exports` do not list it). It exists for the npm
 * package, where the library is bundled (scripts/bundle.ts): the package's tests import
 * these names from here, and so reach the very module instances that the bundled API uses.
 * @module
 */
export { checkCloneable, decode, encode } from "./transport/codec.ts";
export { wait } from "./connection.ts";
export { packHandles, unpackHandles } from "./handles.ts";
export { Feeder } from "./transport/feeder.ts";
export {
  adoptProcessTable,
  allocateChildPid,
  confirmedStopped,
  currentPid,
  isPidGone,
  markPidEnded,
} from "./transport/liveness.ts";
export { SharedCounter } from "./transport/counter.ts";
export { ByteRing, OutgoingItem, type RingState } from "./transport/ring.ts";
export { SemLock, type SemLockState } from "./transport/semlock.ts";
export { AdaptiveSpin } from "./transport/spin.ts";
export { setStepHook, STEP_LABELS, type StepLabel } from "./transport/step_hook.ts";
export { deadlineFrom } from "./transport/wait.ts";
export { WAITER_SLOTS, WaiterQueue } from "./transport/waiters.ts";
export { setNameGenerator } from "./shared_memory.ts";
export { executorProcesses } from "./futures_executor.ts";
export { forkserverWarm } from "./start_methods.ts";
