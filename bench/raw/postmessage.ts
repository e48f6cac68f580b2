/**
 * Raw `postMessage` baselines: one-way throughput (small objects one per message, batches of
 * 100, 64 KiB byte arrays copied or transferred) from a worker to its parent, and ping-pong
 * round trips. Worker start-up is never timed.
 * @module
 */

import {
  type BenchCase,
  median,
  medianOfRepeats,
  megabytesPerSecond,
  perSecond,
  type RunContext,
  sizeFor,
  siblingModule,
} from "../lib.ts";
import { BYTES_ITEM_SIZE, SIZES, smallItem } from "../workloads.ts";
import { BATCH_SIZE, type ProduceRequest } from "./protocol.ts";
import { rawLabel, type RawWorker, runtimesWith, startWorker, type WorkerFlavor } from "./worker.ts";

const PRODUCER = siblingModule(import.meta.url, "./workers/producer");
const ECHO = siblingModule(import.meta.url, "./workers/echo");

/** A producer worker and a way to time one request's messages all arriving. */
interface Producer {
  /** Milliseconds from posting `request` to receiving its last message. */
  timeRequest(request: ProduceRequest): Promise<number>;
  /** Ends the worker. */
  terminate(): Promise<void>;
}

function startProducer(flavor: WorkerFlavor): Producer {
  const worker = startWorker(flavor, PRODUCER);
  let remaining = 0;
  let finish = (): void => {};
  worker.onMessage(() => {
    if (--remaining === 0) finish();
  });
  return {
    timeRequest: (request) =>
      new Promise((resolve) => {
        remaining = request.count;
        const start = performance.now();
        finish = () => resolve(performance.now() - start);
        worker.post(request);
      }),
    terminate: () => worker.terminate(),
  };
}

/** Median milliseconds of repeated requests, after one small untimed request (start-up, JIT). */
async function medianRequestMs(ctx: RunContext, flavor: WorkerFlavor, request: ProduceRequest): Promise<number> {
  const producer = startProducer(flavor);
  try {
    await producer.timeRequest({ kind: request.kind, count: Math.min(request.count, 100) });
    return await medianOfRepeats(ctx, () => producer.timeRequest(request));
  } finally {
    await producer.terminate();
  }
}

/** One small object per message, items/s, reported as `workloadId`; one case per worker flavor. */
export function oneWaySmallCases(workloadId: string, messages: typeof SIZES.smallItems): BenchCase[] {
  return (["worker_threads", "web"] as const).map((flavor) => ({
    impl: rawLabel("postMessage one-way", flavor),
    bar: true,
    runtimes: runtimesWith(flavor),
    async run(ctx) {
      const count = sizeFor(ctx, messages);
      return { [workloadId]: perSecond(count, await medianRequestMs(ctx, flavor, { kind: "small", count })) };
    },
  }));
}

/** Small objects in batches of 100 per message (worker_threads), items/s. */
export function oneWayBatchCase(workloadId: string): BenchCase {
  return {
    impl: rawLabel(`postMessage one-way, batches of ${BATCH_SIZE}`, "worker_threads"),
    async run(ctx) {
      const count = Math.ceil(sizeFor(ctx, SIZES.smallItems) / BATCH_SIZE);
      const ms = await medianRequestMs(ctx, "worker_threads", { kind: "batch", count });
      return { [workloadId]: perSecond(count * BATCH_SIZE, ms) };
    },
  };
}

/** 64 KiB `Uint8Array`s one per message, MB/s: copied (every flavor, the bar) and transferred. */
export function oneWayBytesCases(workloadId: string): BenchCase[] {
  const bytesCase = (flavor: WorkerFlavor, kind: "bytes-copy" | "bytes-transfer"): BenchCase => ({
    impl: rawLabel(`postMessage 64 KiB ${kind === "bytes-copy" ? "copied" : "transferred"}`, flavor),
    bar: kind === "bytes-copy",
    runtimes: runtimesWith(flavor),
    async run(ctx) {
      const count = sizeFor(ctx, SIZES.byteItems);
      const ms = await medianRequestMs(ctx, flavor, { kind, count });
      return { [workloadId]: megabytesPerSecond(count * BYTES_ITEM_SIZE, ms) };
    },
  });
  return [
    bytesCase("worker_threads", "bytes-copy"),
    bytesCase("web", "bytes-copy"),
    bytesCase("worker_threads", "bytes-transfer"),
  ];
}

/** Median µs of single round trips of a small object through an echoing worker. */
function pingPongMedianUs(worker: RawWorker, trips: number, warmups: number): Promise<number> {
  const samples: number[] = [];
  let trip = -warmups;
  let sentAt = 0;
  const send = (): void => {
    sentAt = performance.now();
    worker.post(smallItem(trip));
  };
  return new Promise((resolve) => {
    worker.onMessage(() => {
      const elapsed = performance.now() - sentAt;
      if (trip >= 0) samples.push(elapsed);
      if (++trip < trips) send();
      else resolve(median(samples) * 1000);
    });
    send();
  });
}

/** Ping-pong round trip of a small object, median µs, reported as `workloadId`; one case per flavor. */
export function pingPongCases(workloadId: string): BenchCase[] {
  return (["worker_threads", "web"] as const).map((flavor) => ({
    impl: rawLabel("postMessage ping-pong", flavor),
    bar: true,
    runtimes: runtimesWith(flavor),
    async run(ctx) {
      const worker = startWorker(flavor, ECHO);
      try {
        const trips = sizeFor(ctx, SIZES.roundTrips);
        return { [workloadId]: await pingPongMedianUs(worker, trips, sizeFor(ctx, SIZES.roundTripWarmups)) };
      } finally {
        await worker.terminate();
      }
    },
  }));
}
