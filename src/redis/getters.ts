/**
 * The waiting `get()` calls of one consumer, served by one blocking read at a time: a read
 * asks for as many entries as the getters waiting want (so eight concurrent gets cost one
 * round trip, not eight), and hands them out in call order. Entries that come for a getter
 * that gave up meanwhile (its timeout, its signal) are handed back to the stream at once,
 * never kept: an entry held here would be stranded while another consumer waits for it.
 * @module
 */
import { Empty, ValueError } from "../errors.ts";
import { remaining } from "../transport/wait.ts";
import type { Entry, StreamConsumer } from "./work_stream.ts";

interface Waiter {
  want: number;
  deadline: number;
  settle(entries: Entry[] | Error): void;
  done: boolean;
}

/** Most entries one read asks for. */
const MAX_READ_COUNT = 1000;

export class Getters {
  #waiters: Waiter[] = [];
  #reading: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly consumer: StreamConsumer) {}

  /**
   * Resolves with 1 to `want` entries once some came; rejects with `Empty` at `deadline`
   * (performance.now() time), with `signal.reason` when it aborts, with `ValueError` when the
   * getters close.
   */
  take(want: number, deadline: number, signal?: AbortSignal): Promise<Entry[]> {
    if (this.#closed) return Promise.reject(new ValueError("Queue is closed"));
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => waiter.settle(signal!.reason);
      const waiter: Waiter = {
        want,
        deadline,
        done: false,
        settle: (outcome) => {
          if (waiter.done) return;
          waiter.done = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#waiters = this.#waiters.filter((other) => other !== waiter);
          if (outcome instanceof Error || !Array.isArray(outcome)) reject(outcome);
          else resolve(outcome);
        },
      };
      if (deadline !== Infinity) timer = setTimeout(() => waiter.settle(new Empty()), remaining(deadline));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    });
  }

  /** Fails the waiting getters with `ValueError`; the read in progress ends (the consumer unblocks it). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.settle(new ValueError("Queue is closed"));
    await this.#reading;
  }

  async #read(): Promise<void> {
    while (this.#waiters.length > 0 && !this.#closed) {
      let count = 0;
      let nearest = Infinity;
      for (const waiter of this.#waiters) {
        count += waiter.want;
        nearest = Math.min(nearest, waiter.deadline);
      }
      const entries = await this.consumer.read(Math.min(count, MAX_READ_COUNT), Math.max(1, remaining(nearest)), nearest);
      let next = 0;
      for (const waiter of [...this.#waiters]) {
        if (next >= entries.length) break;
        const taken = entries.slice(next, next + waiter.want);
        next += taken.length;
        waiter.settle(taken);
      }
      if (next < entries.length) await this.consumer.release(entries.slice(next).map((entry) => entry.id)).catch(() => {});
    }
  }
}
