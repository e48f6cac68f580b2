/**
 * The raw primitives the baselines measure, behind one small interface: a worker started
 * with `node:worker_threads` or with the web `Worker` (Deno and Bun only; Node 20 has none).
 * @module
 */

import { Worker as ThreadWorker } from "node:worker_threads";
import type { Runtime } from "../lib.ts";

/** Which worker API a raw baseline uses. */
export type WorkerFlavor = "worker_threads" | "web";

/** A started worker, whatever its flavor. */
export interface RawWorker {
  /** Posts a message (transferring `transfer`). */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Calls `listener` with the data of every message from the worker. */
  onMessage(listener: (data: unknown) => void): void;
  /** Resolves with the next message's data. */
  nextMessage(): Promise<unknown>;
  /**
   * Resolves once the worker ended on its own. A Deno web worker tells its parent nothing,
   * so there this terminates it instead.
   */
  ended(): Promise<void>;
  /** Ends the worker now. */
  terminate(): Promise<void>;
}

/** Where a flavor exists: everywhere, except the web `Worker` on Node 20 (`undefined` = all). */
export function runtimesWith(flavor: WorkerFlavor): readonly Runtime[] | undefined {
  return flavor === "web" ? ["deno", "bun"] : undefined;
}

/** The row label of a raw baseline: `raw <what> (<flavor>)`. */
export function rawLabel(what: string, flavor: WorkerFlavor): string {
  return `raw ${what} (${flavor === "web" ? "web Worker" : "worker_threads"})`;
}

/** Starts the worker module at `url` with the given API. */
export function startWorker(flavor: WorkerFlavor, url: URL): RawWorker {
  return flavor === "web" ? startWebWorker(url) : startThreadWorker(url);
}

function startThreadWorker(url: URL): RawWorker {
  const worker = new ThreadWorker(url);
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (listener) => worker.on("message", listener),
    nextMessage: () => new Promise((resolve) => worker.once("message", resolve)),
    ended: () => exited,
    terminate: async () => {
      await worker.terminate();
    },
  };
}

function startWebWorker(url: URL): RawWorker {
  const worker = new Worker(url.href, { type: "module" });
  // Bun's web Worker reports its end with a "close" event; Deno's reports nothing.
  const closed = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve()));
  const isDeno = "Deno" in globalThis;
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onMessage: (listener) => worker.addEventListener("message", (event) => listener(event.data)),
    nextMessage: () =>
      new Promise((resolve) =>
        worker.addEventListener("message", (event) => resolve(event.data), { once: true })
      ),
    ended: () => {
      if (!isDeno) return closed;
      worker.terminate();
      return Promise.resolve();
    },
    terminate: () => {
      worker.terminate();
      return Promise.resolve();
    },
  };
}
