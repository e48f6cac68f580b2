/**
 * What a pool and its workers say to each other. Each worker has its own task ring (the
 * pool writes, that worker reads) and all workers share one result ring (they write, the
 * pool reads); messages are arrays encoded with the codec. A worker runs its chunks in the
 * order they were written and reports them in that order, so the pool knows which chunk a
 * worker is running: the oldest one it has no result for. Short chunks travel several to a
 * message both ways, so that a message's cost is shared.
 *
 * This library's handles (and SharedArrayBuffers, Blobs) in a task's arguments cannot go
 * through a ring: they travel by `postMessage` on a side channel, a MessagePort per worker.
 * The pool numbers each handle; a worker gets each one once, on its side channel, announced
 * by a {@link HANDLES} message written to its ring before the first task that needs it, and
 * keeps it until the pool tells it to forget it ({@link FORGET}) or ends. A task's bytes
 * hold the handles' numbers (see `encodeWithRefs` in the codec).
 * @module
 */
import { packHandles, type PortHandle } from "./handles.ts";
import type { TargetRef } from "./target.ts";
import { encodeWithRefs } from "./transport/codec.ts";
import { type ByteRing, OutgoingItem, type RingState } from "./transport/ring.ts";
import { deadlineFrom, MAX_WAIT_SLICE_MS, wake } from "./transport/wait.ts";

/** Task message: from now on, function `fnId` is this function (by reference, see the codec). */
export const DEFINE = 0;
/** Task message: run chunks of a job. */
export const RUN = 1;
/** Task message: no more work, end. */
export const STOP = 2;
/** Task message: take the next message of the side channel: handles, as {@link HandleEntries}. */
export const HANDLES = 3;
/** Task message: the pool will not send these handles again: drop them. */
export const FORGET = 4;

/** `[DEFINE, fnId, fn]` */
export type DefineMessage = [typeof DEFINE, number, (...args: unknown[]) => unknown];
/**
 * `[RUN, jobId, fnId, star, index, start, items, index, start, items, …]`: for each chunk
 * (its index in the job, the input index of its first item, its items), call function
 * `fnId` on each item (spread when `star` is 1). `start` (-1 for `apply`) names a result
 * that cannot be sent back.
 */
export type RunMessage = [typeof RUN, number, number, 0 | 1, ...unknown[]];
/** Where a RUN message's chunks begin, and how many fields each has. */
export const RUN_CHUNKS_AT = 4;
export const RUN_CHUNK_FIELDS = 3;
/** `[STOP]` */
export type StopMessage = [typeof STOP];
/** `[HANDLES]` */
export type HandlesMessage = [typeof HANDLES];
/** `[FORGET, number, number, …]` */
export type ForgetMessage = [typeof FORGET, ...number[]];
/** A message on a worker's task ring. */
export type TaskMessage = DefineMessage | RunMessage | StopMessage | HandlesMessage | ForgetMessage;
/** What the side channel carries, one message per {@link HANDLES}: each handle's number and packed description. */
export type HandleEntries = [number, unknown][];

/** Result status: `payload` is the chunk's values, in order. */
export const OK = 0;
/** Result status: a call threw; `payload` describes the error (`ErrorInfo`). */
export const FAILED = 1;
/** Result status: the job was cancelled before the chunk started; no payload. */
export const SKIPPED = 2;
/** Result status: the worker's initializer threw; `payload` describes the error; the worker then ends. */
export const START_FAILED = 3;

/**
 * `[workerId, jobId, ms, index, status, payload, index, status, payload, …]` on the shared
 * result ring: the outcomes of consecutive chunks of one job, in the order they were sent;
 * `ms` is how long they ran on average (the pool sizes its prefetch by it). A start failure
 * is `[workerId, 0, 0, -1, START_FAILED, info]`.
 */
export type ResultMessage = [number, number, number, ...unknown[]];
/** Where a result message's outcomes begin, and how many fields each has. */
export const RESULT_OUTCOMES_AT = 3;
export const RESULT_OUTCOME_FIELDS = 3;

/** What a pool worker process is started with (its Process args). */
export interface PoolWorkerConfig {
  /** The pool's id for this worker (results name it). */
  workerId: number;
  /** This worker's task ring. */
  tasks: RingState;
  /** The result ring shared by the pool's workers. */
  results: RingState;
  /** The pool's cancelled-job flags (see {@link markCancelled}). */
  cancelled: SharedArrayBuffer;
  /**
   * Two Int32 cells (see {@link progressCells}): how many chunks this worker has started
   * (with the results the pool got, it tells which chunk the worker was running when it
   * ended), and whether it has booted (loaded this module; its initializer may still run).
   */
  progress: SharedArrayBuffer;
  /** The initializer, run once before the first task. */
  initializer?: TargetRef;
  /** Arguments of the initializer (handles arrive working, hence here and not in a message). */
  initargs: unknown[];
  /** The worker's end of its side channel, on which the pool sends the handles of its tasks. */
  sideChannel: PortHandle;
  /** Chunks to run before ending (Python's `maxtasksperchild`); 0 for no limit. */
  maxTasks: number;
}

/**
 * Numbers the handles (and SharedArrayBuffers, Blobs) in a pool's tasks, once each for all
 * its workers. When one is garbage-collected, no task can name it any more: `onCollected`
 * gets its number, so that workers can drop it.
 */
export class HandleNumbers {
  readonly #numbers = new WeakMap<object, number>();
  readonly #collected: FinalizationRegistry<number>;
  #count = 0;

  constructor(onCollected: (ref: number) => void) {
    this.#collected = new FinalizationRegistry(onCollected);
  }

  numberOf(handle: object): number {
    let ref = this.#numbers.get(handle);
    if (ref === undefined) {
      this.#numbers.set(handle, ref = ++this.#count);
      this.#collected.register(handle, ref);
    }
    return ref;
  }
}

/** The pool's end of a worker's side channel: sends the worker each handle its tasks name, once. */
export class HandleSender {
  /** Numbers of the handles the worker has. */
  readonly #sent = new Set<number>();
  /** The handles of the message being encoded that the worker lacks, by number. */
  readonly #missing = new Map<number, object>();

  /**
   * @param workerPid the worker's pid: handles are packed for it (registered in its pid, see `packHandles`).
   * @param announce writes a {@link HANDLES} message to the worker's ring.
   */
  constructor(
    private readonly port: MessagePort,
    private readonly numbers: HandleNumbers,
    private readonly workerPid: number,
    private readonly announce: () => void,
  ) {}

  /**
   * Encodes a task message for the worker. The handles in it that the worker lacks are
   * posted on the side channel first and announced on its ring, before the returned bytes
   * are written there. Throws the codec's TypeError, or a handle's own error (a closed
   * Connection), having sent nothing.
   */
  encode(message: unknown[]): Uint8Array {
    this.#missing.clear();
    const bytes = encodeWithRefs(message, this.#refOf);
    if (this.#missing.size === 0) return bytes;
    const copy = bytes.slice(); // describing a handle may encode, reusing the codec's buffer
    const entries: HandleEntries = [];
    for (const [ref, handle] of this.#missing) entries.push([ref, packHandles(handle, this.workerPid)]);
    this.port.postMessage(entries);
    for (const [ref] of entries) this.#sent.add(ref);
    this.announce();
    return copy;
  }

  /** The worker was told to drop handle `ref`; false if it never had it. */
  forget(ref: number): boolean {
    return this.#sent.delete(ref);
  }

  /** The worker is gone. */
  close(): void {
    this.port.close();
  }

  readonly #refOf = (handle: object): number => {
    const ref = this.numbers.numberOf(handle);
    if (!this.#sent.has(ref)) this.#missing.set(ref, handle);
    return ref;
  };
}

const STARTED_CELL = 0;
/** The cell of a worker's progress that turns from 0 to 1 once it has booted. */
export const BOOTED_CELL = 1;

/** A new worker's progress cells (see {@link PoolWorkerConfig.progress}). */
export function progressCells(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Counts one more chunk started in a worker's progress cells. */
export function countStarted(progress: Int32Array): void {
  Atomics.add(progress, STARTED_CELL, 1);
}

/** How many chunks the worker with these progress cells has started. */
export function chunksStarted(progress: Int32Array): number {
  return Atomics.load(progress, STARTED_CELL);
}

/** The worker has booted: it tells the pool, which may be waiting on {@link BOOTED_CELL}. */
export function markBooted(progress: Int32Array): void {
  Atomics.store(progress, BOOTED_CELL, 1);
  wake(progress, BOOTED_CELL);
}

/** Whether the worker with these progress cells has booted. */
export function hasBooted(progress: Int32Array): boolean {
  return Atomics.load(progress, BOOTED_CELL) === 1;
}

/** Size of the cancelled-job table; a job id is flagged in slot `id % CANCELLED_SLOTS`. */
const CANCELLED_SLOTS = 4096;

/** A new cancelled-job table for a pool. */
export function cancelledTable(): SharedArrayBuffer {
  return new SharedArrayBuffer(CANCELLED_SLOTS * 4);
}

/**
 * Flags job `jobId` (a positive id) as cancelled, so that workers skip its chunks still in
 * their rings. The slot holds the id itself, so a later job in the same slot is not taken
 * for it.
 */
export function markCancelled(table: Int32Array, jobId: number): void {
  Atomics.store(table, jobId % CANCELLED_SLOTS, jobId);
}

/** Whether job `jobId` was flagged with {@link markCancelled}. */
export function isCancelled(table: Int32Array, jobId: number): boolean {
  return Atomics.load(table, jobId % CANCELLED_SLOTS) === jobId;
}

/** Polls between clock reads in {@link BriefPoll}. */
const POLLS_PER_CLOCK_READ = 64;

/** After a poll that did not pay, this many waits sleep at once before a poll is tried again. */
const WAITS_BEFORE_RETRY = 16;

/**
 * Polls a ring for a short while before its reader goes to sleep, as long as that pays.
 * A message that comes within microseconds (the next `apply` of a loop, its reply) is then
 * caught without going to sleep and being woken, which dominates a round trip. A poll that
 * runs out (idle, or a busy machine where polling only steals the CPU from the thread we
 * wait for) makes the next waits sleep at once; a poll is tried again after a few of them.
 */
export class BriefPoll {
  #worthIt = true;
  #waitsWithoutPoll = 0;

  constructor(
    /** Longest poll, in ms. */
    readonly budgetMs: number,
  ) {}

  /** Polls `ring` until it has a record or the budget is spent, unless polls lately did not pay. */
  poll(ring: ByteRing): void {
    if (ring.hasRecords()) return;
    if (!this.#worthIt && ++this.#waitsWithoutPoll < WAITS_BEFORE_RETRY) return;
    this.#waitsWithoutPoll = 0;
    const until = performance.now() + this.budgetMs;
    do {
      for (let i = 0; i < POLLS_PER_CLOCK_READ; i++) {
        if (ring.hasRecords()) {
          this.#worthIt = true;
          return;
        }
      }
    } while (performance.now() < until);
    this.#worthIt = false;
  }
}

/**
 * Writes one encoded message: now when the ring has room (the usual case, returns
 * undefined), otherwise in the background, waiting for room and streaming the message in
 * parts when it is larger than a record (returns the promise of that), until `giveUp()`
 * says the reader is gone. Messages written while such a promise is pending may overtake
 * it: a caller that needs order waits for it.
 */
export function sendMessage(ring: ByteRing, bytes: Uint8Array, giveUp?: () => boolean): Promise<void> | undefined {
  ring.tryReserve(Infinity);
  if (ring.tryWriteNow(bytes)) return undefined;
  // `bytes` may be the codec's scratch buffer: keep a copy for the background write.
  return streamMessage(ring, new OutgoingItem(bytes.slice()), giveUp);
}

async function streamMessage(ring: ByteRing, item: OutgoingItem, giveUp?: () => boolean): Promise<void> {
  // The ring's wait for room does not keep a program alive (a worker would end mid-write).
  const keepAlive = setInterval(() => {}, MAX_WAIT_SLICE_MS);
  try {
    await streamLocked(ring, item, giveUp);
  } finally {
    clearInterval(keepAlive);
  }
}

async function streamLocked(ring: ByteRing, item: OutgoingItem, giveUp?: () => boolean): Promise<void> {
  while (!ring.tryLockProducer() && !(await ring.lockProducer(deadlineFrom(MAX_WAIT_SLICE_MS)))) {
    if (giveUp?.()) return;
  }
  try {
    for (;;) {
      const mark = ring.roomMark();
      if (ring.writeSome(item) || giveUp?.()) return;
      await ring.waitForRoom(mark);
    }
  } finally {
    ring.unlockProducer();
  }
}
