/**
 * A worker host of a Redis pool (`cluster.serve(name)`, `mp-worker --pool name`): this
 * process reads the pool's tasks, hands each chunk to a local {@link Pool} of the library's
 * worker processes, and records each chunk's result, owner-checked, in its caller's result
 * stream. The chunks run in the worker processes; this process's event loop only moves
 * bytes and sends the heartbeats, so a chunk that keeps its CPU busy for minutes is never
 * taken for a lost one. The host takes at most two chunks per worker process at a time
 * (one running, one ready), so that idle hosts elsewhere get the rest.
 * @module
 */
import { Pool } from "../pool.ts";
import { cpuCount } from "../process.ts";
import { describeError } from "../remote_error.ts";
import { decodeSoon, encode } from "../transport/codec.ts";
import { bytesArg, text } from "./client.ts";
import { CHUNK_FAILED, CHUNK_OK, type TaskPayload } from "./pool.ts";
import type { Session } from "./session.ts";
import { importTask, moduleUrlOf, type TaskRef } from "./task_ref.ts";
import { type Completion, type Entry, MAX_BLOCK_MS, StreamConsumer, WorkStream } from "./work_stream.ts";

/**
 * Options of `cluster.serve`.
 * @example Usage
 * ```ts
 * import { RedisCluster, type ServeOptions } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const options: ServeOptions = { processes: 2, signal: AbortSignal.timeout(1000) };
 * await cluster.serve("math", options); // serves for a second
 * ```
 */
export interface ServeOptions {
  /** Worker processes on this host. Default: the CPU count. */
  processes?: number;
  /** Stops serving: no new task is taken; the running ones finish and are recorded. */
  signal?: AbortSignal;
  /** Chunks a worker process runs before a fresh one replaces it. Default: no limit. */
  maxTasksPerChild?: number;
}

/**
 * What a worker host did, when it stops.
 * @example Usage
 * ```ts
 * import { RedisCluster, type ServeStats } from "@seed/multiprocessing/redis";
 * await using cluster = await RedisCluster.connect("redis://127.0.0.1:6379", { namespace: "docs" });
 * const stats: ServeStats = await cluster.serve("math", { signal: AbortSignal.timeout(1000) });
 * console.log(stats.chunks, stats.refused);
 * ```
 */
export interface ServeStats {
  /** Chunks run and recorded. */
  chunks: number;
  /** Chunks run whose result was refused: this host had been taken for lost meanwhile, another ran them. */
  refused: number;
}

/** A running worker host. */
export interface RunningHost {
  done: Promise<ServeStats>;
  stop(): Promise<void>;
}

/** Starts serving the pool `name` (see the module notes). */
export function serve(session: Session, name: string, root: string, options: ServeOptions): RunningHost {
  const processes = options.processes ?? cpuCount();
  if (!Number.isInteger(processes) || processes < 1) {
    throw new TypeError(`processes must be a positive integer, not ${String(options.processes)}`);
  }
  const host = new WorkerHost(session, name, root, processes, options.maxTasksPerChild);
  const onAbort = () => void host.stop();
  if (options.signal?.aborted) void host.stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = host.run().finally(() => options.signal?.removeEventListener("abort", onAbort));
  return { done, stop: () => host.stop().then(() => done).then(() => {}) };
}

class WorkerHost {
  readonly #stream: WorkStream;
  readonly #consumer: StreamConsumer;
  readonly #pool: Pool;
  readonly #capacity: number;
  readonly #functions = new Map<string, Promise<(...args: unknown[]) => unknown>>();
  readonly #running = new Set<Promise<void>>();
  readonly #recording = new Set<Promise<void>>();
  #completions: { completion: Completion; resolve(): void }[] = [];
  #stopping = false;
  #slotFree: (() => void) | undefined;
  readonly stats: ServeStats = { chunks: 0, refused: 0 };

  constructor(session: Session, name: string, private readonly root: string, processes: number, maxTasksPerChild?: number) {
    this.#stream = new WorkStream(session, session.workKeys("p", name));
    this.#consumer = new StreamConsumer(this.#stream, processes);
    this.#pool = new Pool({ processes, maxTasksPerChild });
    this.#capacity = 2 * processes;
  }

  async run(): Promise<ServeStats> {
    try {
      await this.#consumer.start();
      while (!this.#stopping) {
        if (this.#running.size >= this.#capacity) {
          await new Promise<void>((resolve) => (this.#slotFree = resolve));
          continue;
        }
        const entries = await this.#consumer.read(this.#capacity - this.#running.size, MAX_BLOCK_MS);
        for (const entry of entries) this.#start(entry);
      }
      await Promise.all(this.#running);
      await Promise.all(this.#recording);
    } finally {
      await this.#consumer.stop();
      this.#stream.close();
      await this.#pool.terminate();
    }
    return this.stats;
  }

  /**
   * Runs a chunk; its slot is free again once it ran (the next chunk is read while this
   * one's result is being recorded).
   */
  #start(entry: Entry): void {
    const running: Promise<void> = this.#runChunk(entry).then((completion) => {
      this.#running.delete(running);
      this.#slotFree?.();
      const recording: Promise<void> = this.#record(completion).finally(() => this.#recording.delete(recording));
      this.#recording.add(recording);
    });
    this.#running.add(running);
  }

  /** Takes no more tasks; the run ends once the running ones are recorded. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#slotFree?.();
    await this.#consumer.unblock();
  }

  /**
   * Runs a chunk in the local pool, cut again by its default chunksize (so that its worker
   * processes share it, and the next piece is written while one runs); resolves with its
   * result, to record.
   */
  async #runChunk(entry: Entry): Promise<Completion> {
    let result: [number, unknown];
    try {
      const [module, exportName, star, items] = await decodeSoon<TaskPayload>(entry.fields.get("d")!);
      const ref = { module, exportName };
      const fn = await this.#function(ref);
      const options = { module: moduleUrlOf(ref, this.root) };
      const values = star ? await this.#pool.starmap(fn, items as unknown[][], options) : await this.#pool.map(fn, items, options);
      result = [CHUNK_OK, values];
    } catch (error) {
      result = [CHUNK_FAILED, error];
    }
    return {
      id: entry.id,
      key: text(entry.fields.get("k") ?? null),
      reply: text(entry.fields.get("r") ?? null),
      payload: encodeResult(result),
    };
  }

  /** Records a result with the others that came in the same turn. */
  #record(completion: Completion): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#completions.push({ completion, resolve }) === 1) queueMicrotask(() => void this.#flush());
    });
  }

  /** Records the results of the chunks that ended in the same turn in one owner-checked step. */
  async #flush(): Promise<void> {
    const batch = this.#completions;
    this.#completions = [];
    try {
      const recorded = await this.#consumer.complete(batch.map((item) => item.completion));
      for (const ok of recorded) {
        this.stats.chunks++;
        if (!ok) this.stats.refused++;
      }
    } catch {
      // The cluster closed meanwhile: the chunks go to other hosts once this one is found lost.
    }
    for (const item of batch) item.resolve();
  }

  #function(ref: TaskRef): Promise<(...args: unknown[]) => unknown> {
    const key = `${ref.module}#${ref.exportName}`;
    let found = this.#functions.get(key);
    if (!found) {
      found = importTask(ref, this.root);
      found.catch(() => this.#functions.delete(key)); // a module fixed on disk is found on the next try
      this.#functions.set(key, found);
    }
    return found;
  }
}

/** A chunk's result as bytes; an error or thrown value that cannot be encoded is described instead. */
function encodeResult(result: [number, unknown]): Uint8Array {
  try {
    return bytesArg(encode(result, "result", "redis"));
  } catch (error) {
    const [status, value] = result;
    const failure = status === CHUNK_OK ? error : describeError(value);
    const rebuilt = Object.assign(new Error((failure as Error).message), { name: (failure as Error).name });
    return bytesArg(encode([CHUNK_FAILED, rebuilt], "result", "redis"));
  }
}
