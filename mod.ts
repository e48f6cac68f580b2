/**
 * Python's `multiprocessing` for TypeScript on Deno, Bun and Node: processes on workers,
 * queues any process can share, pipes, locks, shared memory and a pool, with the semantics
 * Python users know.
 *
 * @example Usage
 * ```ts
 * import { isMain, Process } from "@seed/multiprocessing";
 *
 * export function clock(interval: number): void {
 *   console.log(`tick every ${interval} ms`);
 * }
 *
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: clock, args: [1000] });
 *   p.start();
 *   await p.join();
 * }
 * ```
 * @module
 */
export {
  BrokenBarrierError,
  BrokenExecutor,
  BrokenPipeError,
  BrokenProcessPool,
  CancelledError,
  Empty,
  EOFError,
  type ErrorInfo,
  FileExistsError,
  FileNotFoundError,
  Full,
  IndexError,
  InvalidStateError,
  KeyError,
  type NamedError,
  OSError,
  type OSErrorOptions,
  ProcessError,
  RemoteError,
  RuntimeError,
  TimeoutError,
  ValueError,
} from "./src/errors.ts";
export {
  activeChildren,
  cpuCount,
  currentProcess,
  exit,
  freezeSupport,
  isMain,
  parentProcess,
  Process,
  type ProcessOptions,
  type WaitOptions,
} from "./src/process.ts";
export { getLogger, type LevelName, Logger, logging, logToStderr, SUBDEBUG, SUBWARNING } from "./src/logging.ts";
export {
  type BlockingOptions,
  type BlockingSyncOptions,
  JoinableQueue,
  type JoinOptions,
  Queue,
  SimpleQueue,
} from "./src/queues.ts";
export {
  Connection,
  type ConnectionWaitOptions,
  Pipe,
  type PipeOptions,
  type RecvBytesOptions,
  type RecvBytesSyncOptions,
  type RecvOptions,
  type RecvSyncOptions,
  Sentinel,
  type Waitable,
  wait as waitConnections,
} from "./src/connection.ts";
export {
  BaseContext,
  ForkServerContext,
  ForkServerProcess,
  getAllStartMethods,
  getContext,
  getStartMethod,
  setForkserverPreload,
  setStartMethod,
  SpawnContext,
  SpawnProcess,
  type StartMethod,
} from "./src/context.ts";
export {
  type AcquireOptions,
  type AcquireSyncOptions,
  Barrier,
  type BarrierOptions,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
  SemLockHandle,
  type WaitSyncOptions,
} from "./src/synchronize.ts";
export {
  type ElementOf,
  type InputOf,
  RawArray,
  RawValue,
  SharedArray,
  type SharedState,
  type SynchronizedOptions,
  type Typecode,
  type TypedArrayOf,
  type TypedArrays,
  Value,
} from "./src/sharedctypes.ts";
export { HANDLE, type HandleDescription, type Shareable } from "./src/handles.ts";
export { boundMethod, GETSTATE, type MethodName, Partial, partial, register, SETSTATE } from "./src/reduction.ts";
export {
  type ApplyAsyncOptions,
  type CallOptions,
  type ChunkOptions,
  type IMapIterator,
  type Inputs,
  type MapAsyncOptions,
  Pool,
  type PoolOptions,
  type TaskFunction,
} from "./src/pool.ts";
export { AsyncResult, type ResultCallbacks } from "./src/async_result.ts";
export {
  ShareableList,
  type ShareableListOptions,
  type ShareableValue,
  SharedMemory,
  type SharedMemoryOptions,
} from "./src/shared_memory.ts";
export {
  AcquirerProxy,
  type AcquirerProxyMethods,
  ArrayProxy,
  AsyncResultProxy,
  type AsyncResultProxyMethods,
  AutoProxy,
  BarrierProxy,
  type BarrierProxyMethods,
  BaseManager,
  BaseProxy,
  type Callable,
  ConditionProxy,
  type ConditionProxyMethods,
  DictProxy,
  type DictProxyMethods,
  EventProxy,
  type EventProxyMethods,
  IteratorProxy,
  type IteratorProxyMethods,
  ListProxy,
  type ListProxyMethods,
  type ManagedBarrierOptions,
  Manager,
  type ManagerOptions,
  type ManagerStartOptions,
  NamespaceProxy,
  type NamespaceProxyMethods,
  PoolProxy,
  type PoolProxyMethods,
  type PoolTaskOptions,
  type Proxied,
  type ProxyCallOptions,
  type ProxyOf,
  type ProxyWaitOptions,
  QueueProxy,
  type QueueProxyMethods,
  type RegisterOptions,
  type SequenceProxyMethods,
  SharedMemoryManager,
  SyncManager,
  type SyncTwins,
  type Token,
  ValueProxy,
  type ValueProxyMethods,
} from "./src/managers.ts";
export {
  ALL_COMPLETED,
  asCompleted,
  type CompletedFuture,
  type DoneAndNotDone,
  type ExecutorOptions,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  FuturesMapIterator,
  type MapOptions,
  ProcessPoolExecutor,
  type ReturnWhen,
  wait,
  type WaitFuturesOptions,
} from "./src/futures.ts";
