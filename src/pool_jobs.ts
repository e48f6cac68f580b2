/**
 * The pool's jobs: one call (`apply`, `map`, `imap`…) cut into chunks. A job hands out its
 * chunks to the pool, receives each chunk's values or error, and settles its caller's
 * result; the pool only moves chunks (Python's `ApplyResult`, `MapResult`, `IMapIterator`).
 * @module
 */
import type { ResultSettler } from "./async_result.ts";
import { TimeoutError } from "./errors.ts";
import type { IMapIterator } from "./pool.ts";
import type { WaitOptions } from "./process.ts";
import { checkOptions } from "./options.ts";
import { deadlineFrom, heldOpen, remaining, settleWithin } from "./transport/wait.ts";

/** A piece of a job: some consecutive inputs, run by one worker in one go. */
export interface Chunk {
  job: Job;
  /** The chunk's position in its job. */
  index: number;
  /** Input index of the first item; -1 for `apply` (one call, one result). */
  start: number;
  /** The inputs: arguments of one call each (argument lists when `star`). */
  items: unknown[];
  /** How many workers ended holding it before they started it. */
  unstartedLosses?: number;
  /** Its job's chunk time when it was sent to a worker (see src/pool.ts); NaN: not known. */
  sentEstimateMs?: number;
}

/** How a job ended, which tells the pool what to do with its chunks still out. */
export type Ending =
  /** Every result is in. */
  | "done"
  /** It failed or its consumer left: chunks not started are skipped, running ones finish. */
  | "cancelled"
  /** Its signal aborted: chunks not started are skipped, running ones are ended. */
  | "aborted";

/** What a job tells its pool. */
export interface JobHost {
  /** The job ended; it takes no chunk and no result any more. */
  jobEnded(job: Job, ending: Ending): void;
  /** Chunks became available after {@link Job.nextChunk} had none. */
  chunksReady(): void;
}

/** One call's work. */
export abstract class Job {
  #ended = false;
  /** A moving average of how long its chunks ran in a worker, in ms (unknown before the first). */
  chunkMs: number | undefined;
  /**
   * At least two chunks per worker: a worker may hold its next chunk of this job while it runs
   * one, even before their length is known (see src/pool.ts).
   */
  manyChunks = false;

  constructor(
    protected readonly host: JobHost,
    /** The pool's id of the job (positive). */
    readonly id: number,
    /** The pool's id of the task function. */
    readonly fnId: number,
    /** 1 when each input is an argument list (`starmap`, `apply`). */
    readonly star: 0 | 1,
  ) {}

  /** True once the job ended (see {@link Ending}). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next chunk to run now, or undefined when none is ready (see {@link hasMoreChunks}). */
  abstract nextChunk(): Chunk | undefined;

  /** False once every chunk was handed out. */
  abstract hasMoreChunks(): boolean;

  /** A worker ran `chunk`; `values` are its results in input order. */
  abstract chunkDone(chunk: Chunk, values: unknown[]): void;

  /** `chunk` failed: a call threw, its worker died, or its values could not cross. */
  abstract chunkFailed(chunk: Chunk, error: unknown): void;

  /** The job's signal aborted: fail with `reason` and end the chunks still running. */
  abort(reason: unknown): void {
    this.fail(reason, "aborted");
  }

  /** Fails the whole job (e.g. its inputs cannot be sent or read). */
  abstract fail(error: unknown, ending?: Ending): void;

  /** Marks the job ended and tells the pool; later calls do nothing. */
  protected end(ending: Ending): void {
    if (this.#ended) return;
    this.#ended = true;
    this.host.jobEnded(this, ending);
  }
}

/**
 * A pool's jobs not ended, by id, with the abort listeners of those submitted with a signal:
 * the bookkeeping the local pool and the Redis pool share.
 */
export class JobTable {
  readonly #jobs = new Map<number, Job>();
  readonly #unlisten = new Map<Job, () => void>();
  #count = 0;

  /** How many jobs have not ended. */
  get size(): number {
    return this.#jobs.size;
  }

  /** The id of the next job (positive, growing). */
  nextId(): number {
    return ++this.#count;
  }

  /**
   * Records `job`, which aborts when `signal` does; returns false (the job aborted, not
   * recorded) when `signal` has aborted already.
   */
  add(job: Job, signal: AbortSignal | undefined): boolean {
    if (signal?.aborted) {
      job.abort(signal.reason);
      return false;
    }
    if (signal) {
      const onAbort = () => job.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlisten.set(job, () => signal.removeEventListener("abort", onAbort));
    }
    this.#jobs.set(job.id, job);
    return true;
  }

  /** Forgets an ended job and stops listening to its signal. */
  delete(job: Job): void {
    this.#jobs.delete(job.id);
    this.#unlisten.get(job)?.();
    this.#unlisten.delete(job);
  }

  /** Aborts every job not ended with `error`. */
  abortAll(error: unknown): void {
    for (const job of [...this.#jobs.values()]) job.abort(error);
  }
}

/** `apply`/`applyAsync`: one call, one result. */
export class ApplyJob<R> extends Job {
  #args: unknown[] | undefined;

  constructor(host: JobHost, id: number, fnId: number, args: unknown[], private readonly settler: ResultSettler<R>) {
    super(host, id, fnId, 1);
    this.#args = args;
  }

  nextChunk(): Chunk | undefined {
    const args = this.#args;
    if (args === undefined || this.ended) return undefined;
    this.#args = undefined;
    return { job: this, index: 0, start: -1, items: [args] };
  }

  hasMoreChunks(): boolean {
    return this.#args !== undefined && !this.ended;
  }

  chunkDone(_chunk: Chunk, values: unknown[]): void {
    this.settler.resolve(values[0] as R);
    this.end("done");
  }

  chunkFailed(_chunk: Chunk, error: unknown): void {
    this.fail(error);
  }

  fail(error: unknown, ending: Ending = "cancelled"): void {
    if (this.ended) return;
    this.settler.reject(error);
    this.end(ending);
  }
}

/**
 * `map`/`starmap` and their `…Async` twins: the inputs are collected first (their count sets
 * the default chunksize, as in Python), results are kept in input order. As in Python, a
 * failed chunk does not stop the others: the job settles once every chunk is done, with
 * the first error that came if any (Python's `MapResult`; a fail-fast map would leave
 * tasks running behind a settled result).
 */
export class MapJob<R> extends Job {
  #items: unknown[] | undefined;
  #chunksize = 1;
  #nextIndex = 0;
  #chunkCount = 0;
  #chunksLeft = 0;
  #results: R[] = [];
  #firstError: { error: unknown } | undefined;

  constructor(
    host: JobHost,
    id: number,
    fnId: number,
    star: 0 | 1,
    private readonly settler: ResultSettler<R[]>,
  ) {
    super(host, id, fnId, star);
  }

  /** The inputs are known: cut them into chunks of `chunksize` (the default rule if undefined). */
  setInputs(items: unknown[], chunksize: number | undefined, processes: number): void {
    if (this.ended) return;
    this.#chunksize = chunksize ?? defaultChunksize(items.length, processes);
    this.#items = items;
    this.#chunkCount = Math.ceil(items.length / this.#chunksize);
    this.manyChunks = this.#chunkCount >= 2 * processes;
    this.#chunksLeft = this.#chunkCount;
    this.#results = new Array<R>(items.length);
    if (items.length === 0) {
      this.settler.resolve([]);
      this.end("done");
      return;
    }
    this.host.chunksReady();
  }

  nextChunk(): Chunk | undefined {
    const items = this.#items;
    if (items === undefined || this.ended || this.#nextIndex >= this.#chunkCount) return undefined;
    const index = this.#nextIndex++;
    const start = index * this.#chunksize;
    const chunk = { job: this, index, start, items: items.slice(start, start + this.#chunksize) };
    if (this.#nextIndex === this.#chunkCount) this.#items = undefined; // free the inputs
    return chunk;
  }

  hasMoreChunks(): boolean {
    return !this.ended && (this.#items === undefined ? this.#chunkCount === 0 : this.#nextIndex < this.#chunkCount);
  }

  chunkDone(chunk: Chunk, values: unknown[]): void {
    const results = this.#results;
    for (let i = 0, at = chunk.start; i < values.length; i++, at++) results[at] = values[i] as R;
    this.#chunkAnswered();
  }

  chunkFailed(_chunk: Chunk, error: unknown): void {
    this.#firstError ??= { error };
    this.#chunkAnswered();
  }

  /** Settles the job once every chunk is answered. */
  #chunkAnswered(): void {
    if (--this.#chunksLeft > 0) return;
    if (this.#firstError) this.settler.reject(this.#firstError.error);
    else this.settler.resolve(this.#results);
    this.#results = [];
    this.end("done");
  }

  fail(error: unknown, ending: Ending = "cancelled"): void {
    if (this.ended) return;
    this.#items = undefined;
    this.settler.reject(error);
    this.end(ending);
  }
}

/**
 * Python's default chunksize: a quarter of an even share per worker, rounded up, so that
 * each worker gets about four chunks.
 */
export function defaultChunksize(length: number, processes: number): number {
  const share = processes * 4;
  return Math.max(1, Math.floor(length / share) + (length % share ? 1 : 0));
}

type Outcome = { ok: true; values: unknown[] } | { ok: false; error: unknown };

/**
 * The chunks waiting to be sent: those of the jobs, oldest job first (Python's task queue
 * is first in, first out across calls), and before them the chunks put back (a worker that
 * ended before running them, or that had no room for them).
 */
export class ChunkQueue {
  #putBack: Chunk[] = [];
  /** Jobs that may still hand out chunks, oldest first, from `#head`. */
  #jobs: Job[] = [];
  #head = 0;

  /** Queues a new job's chunks after every other. */
  push(job: Job): void {
    this.#jobs.push(job);
  }

  /** Whether a chunk may be waiting (a job may still be reading its inputs). */
  mayHaveChunks(): boolean {
    return this.#putBack.length > 0 || this.#jobs.length > this.#head;
  }

  /** The next chunk to send now, or undefined when none is ready. */
  take(): Chunk | undefined {
    while (this.#putBack.length > 0) {
      const chunk = this.#putBack.shift()!;
      if (!chunk.job.ended) return chunk;
    }
    const jobs = this.#jobs;
    for (let i = this.#head; i < jobs.length;) {
      const job = jobs[i];
      const chunk = job.nextChunk();
      if (chunk) return chunk;
      if (job.hasMoreChunks()) {
        i++; // waiting for its inputs: the next job may go first
      } else if (i === this.#head) {
        jobs[i] = undefined as never; // done with it: drop it from the front
        this.#head = ++i;
      } else {
        jobs.splice(i, 1);
      }
    }
    if (this.#head > 1024 && this.#head * 2 > jobs.length) {
      this.#jobs = jobs.slice(this.#head);
      this.#head = 0;
    }
    return undefined;
  }

  /** Puts `chunks` back in front, in their order. */
  putBack(chunks: Chunk[]): void {
    this.#putBack.unshift(...chunks);
  }
}

/** Where an imap job's inputs come from. */
export interface ChunkFeed {
  /** The items of the next chunk if ready now; [] when the input is exhausted. Throws the input's error. */
  take(): unknown[] | undefined;
  /** Stops reading the input. */
  close(): void;
}

/**
 * `imap` (results in input order) and `imapUnordered` (in completion order), streamed: an
 * async iterator over the results. Each value is yielded on its own; an error is thrown by
 * the `next()` that reaches it. With chunks of one item, iteration can go on after it, as in
 * Python; a failed chunk of several items (whose other results are lost with it) ends the
 * iteration after its error, as Python's chunked `imap` does.
 * Leaving the loop early (`break`) cancels the chunks not started yet. `next({ timeout })`
 * rejects with `TimeoutError` when no result came in time, and the iteration goes on (Python's
 * `IMapIterator.next(timeout)`).
 */
export class IMapJob<R> extends Job implements IMapIterator<R> {
  #feed: ChunkFeed;
  #inputDone = false;
  #nextIndex = 0;
  #chunksOut = 0;
  /** Outcomes not consumed yet: by chunk index (ordered) or in arrival order. */
  #outcomes = new Map<number, Outcome>();
  #arrivals: Outcome[] = [];
  #nextToYield = 0;
  #current: unknown[] = [];
  #position = 0;
  /** Pending `next()` calls waiting for an outcome (several when called without awaiting). */
  #waiting: (() => void)[] = [];
  #abortReason: { reason: unknown } | undefined;
  /** The consumer left (`return()`): iteration is over. */
  #left = false;

  constructor(
    host: JobHost,
    id: number,
    fnId: number,
    star: 0 | 1,
    feed: ChunkFeed,
    private readonly chunksize: number,
    private readonly ordered: boolean,
  ) {
    super(host, id, fnId, star);
    this.#feed = feed;
  }

  nextChunk(): Chunk | undefined {
    if (this.#inputDone || this.ended) return undefined;
    const index = this.#nextIndex;
    let items: unknown[] | undefined;
    try {
      items = this.#feed.take();
    } catch (error) {
      this.#inputDone = true;
      this.#nextIndex++;
      this.#record(index, { ok: false, error });
      return undefined;
    }
    if (items === undefined) return undefined;
    if (items.length === 0) {
      this.#inputDone = true;
      this.#finishIfComplete();
      return undefined;
    }
    this.#nextIndex++;
    this.#chunksOut++;
    return { job: this, index, start: index * this.chunksize, items };
  }

  hasMoreChunks(): boolean {
    return !this.#inputDone && !this.ended;
  }

  chunkDone(chunk: Chunk, values: unknown[]): void {
    this.#chunksOut--;
    this.#record(chunk.index, { ok: true, values });
  }

  chunkFailed(chunk: Chunk, error: unknown): void {
    this.#chunksOut--;
    this.#record(chunk.index, { ok: false, error });
  }

  /** Fails the job: aborted, it throws `error` at once; otherwise `error` comes after the results so far. */
  fail(error: unknown, ending: Ending = "cancelled"): void {
    if (this.ended) return;
    if (ending === "aborted") {
      this.#abortReason = { reason: error };
      this.#stop("aborted");
      return;
    }
    this.#inputDone = true;
    this.#feed.close();
    this.#record(this.#nextIndex++, { ok: false, error });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(options: WaitOptions = {}): Promise<IteratorResult<R>> {
    checkOptions("next", options);
    const deadline = deadlineFrom(options.timeout);
    for (;;) {
      if (this.#abortReason) throw this.#abortReason.reason;
      if (this.#left) return { done: true, value: undefined };
      if (this.#position < this.#current.length) {
        return { done: false, value: this.#current[this.#position++] as R };
      }
      const outcome = this.#takeOutcome();
      if (outcome) {
        if (!outcome.ok && this.chunksize > 1) await this.return();
        if (!outcome.ok) throw outcome.error;
        this.#current = outcome.values;
        this.#position = 0;
        continue;
      }
      if (this.#complete()) return { done: true, value: undefined };
      await this.#awaitOutcome(deadline, options);
    }
  }

  /** Waits for the next outcome (or the end), at most until `deadline`, as `options` say. */
  async #awaitOutcome(deadline: number, options: WaitOptions): Promise<void> {
    let woken = false;
    let wakeUp!: () => void;
    const outcome = new Promise<void>((resolve) => (wakeUp = () => resolve(void (woken = true))));
    this.#waiting.push(wakeUp);
    if (deadline === Infinity && !options.signal) return await heldOpen(outcome);
    try {
      await heldOpen(settleWithin(outcome, remaining(deadline), options.signal));
    } finally {
      if (!woken) this.#waiting = this.#waiting.filter((waiter) => waiter !== wakeUp);
    }
    if (!woken) throw new TimeoutError(`no result came within ${options.timeout} ms (the iteration goes on: call next() again)`);
  }

  /** Leaving the loop early: chunks not started are cancelled. */
  return(): Promise<IteratorResult<R>> {
    this.#left = true;
    this.#stop("cancelled");
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Ends the job, dropping the results not consumed. */
  #stop(ending: Ending): void {
    this.#inputDone = true;
    this.#feed.close();
    this.#outcomes.clear();
    this.#arrivals = [];
    this.#current = [];
    this.end(ending);
    this.#wake();
  }

  #record(index: number, outcome: Outcome): void {
    if (this.ended) return;
    if (this.ordered) this.#outcomes.set(index, outcome);
    else this.#arrivals.push(outcome);
    this.#finishIfComplete();
    this.#wake();
  }

  #takeOutcome(): Outcome | undefined {
    if (!this.ordered) return this.#arrivals.shift();
    const outcome = this.#outcomes.get(this.#nextToYield);
    if (outcome) this.#outcomes.delete(this.#nextToYield++);
    return outcome;
  }

  /** Every chunk handed out has its outcome. */
  #complete(): boolean {
    return this.#inputDone && this.#chunksOut === 0;
  }

  #finishIfComplete(): void {
    if (this.#complete()) this.end("done");
  }

  /** Wakes every pending `next()`: they resume in call order and each takes what is there. */
  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** How many chunks an async input is read ahead of the workers. */
const ASYNC_LOOKAHEAD = 4;

/**
 * The feed of an imap job's input: read in chunks as the pool needs them, synchronously
 * for an iterable, in the background (a few chunks ahead) for an async iterable, which
 * calls `onReady` whenever it has more.
 */
export function feedOf(
  input: Iterable<unknown> | AsyncIterable<unknown>,
  chunksize: number,
  onReady: () => void,
): ChunkFeed {
  if (isAsyncIterable(input)) return new AsyncFeed(input[Symbol.asyncIterator](), chunksize, onReady);
  return new SyncFeed(input[Symbol.iterator](), chunksize);
}

/** Whether `input` is an async iterable (and not a plain iterable). */
export function isAsyncIterable<T>(input: Iterable<T> | AsyncIterable<T>): input is AsyncIterable<T> {
  return typeof input === "object" && input !== null && Symbol.asyncIterator in input;
}

class SyncFeed implements ChunkFeed {
  #done = false;

  constructor(private readonly iterator: Iterator<unknown>, private readonly chunksize: number) {}

  take(): unknown[] {
    const items: unknown[] = [];
    while (!this.#done && items.length < this.chunksize) {
      const step = this.iterator.next();
      if (step.done) this.#done = true;
      else items.push(step.value);
    }
    return items;
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    try {
      this.iterator.return?.();
    } catch {
      // The input's own cleanup failed; the job has ended already.
    }
  }
}

class AsyncFeed implements ChunkFeed {
  #ready: unknown[][] = [];
  #error: { value: unknown } | undefined;
  #done = false;
  #pulling = false;

  constructor(
    private readonly iterator: AsyncIterator<unknown>,
    private readonly chunksize: number,
    private readonly onReady: () => void,
  ) {
    void this.#pull();
  }

  take(): unknown[] | undefined {
    const items = this.#ready.shift();
    if (items) {
      void this.#pull();
      return items;
    }
    const error = this.#error;
    if (error) {
      this.#error = undefined;
      throw error.value;
    }
    return this.#done ? [] : undefined;
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#ready = [];
    this.iterator.return?.()?.catch?.(() => {});
  }

  async #pull(): Promise<void> {
    if (this.#pulling || this.#done) return;
    this.#pulling = true;
    try {
      while (this.#ready.length < ASYNC_LOOKAHEAD && !this.#done) {
        const items: unknown[] = [];
        while (items.length < this.chunksize) {
          const step = await this.iterator.next();
          if (step.done) {
            this.#done = true;
            break;
          }
          items.push(step.value);
        }
        if (items.length > 0 && this.#error === undefined) this.#ready.push(items);
        this.onReady();
      }
    } catch (error) {
      this.#done = true;
      this.#error = { value: error };
      this.onReady();
    } finally {
      this.#pulling = false;
    }
  }
}
