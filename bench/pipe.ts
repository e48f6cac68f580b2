/**
 * `bench/pipe` (issue 4): Pipe round trip and one-way throughput beside raw `postMessage`
 * (ping-pong, one-way) and Python's `multiprocessing.Pipe`. As in the Python baseline, the
 * child echoes or counts with blocking receives, and process start-up is never timed.
 * @module
 */

import { type Connection, Pipe, Process } from "../mod.ts";
import { type BenchCase, LIBRARY, median, medianOfRepeats, perSecond, type RunContext, sizeFor } from "./lib.ts";
import { oneWaySmallCases, pingPongCases } from "./raw/postmessage.ts";
import { PIPE, SIZES, smallItem } from "./workloads.ts";

type Message = ReturnType<typeof smallItem> | number | string | null;

/** The round-trip child: sends back every message until `null`. */
export function echo(conn: Connection<Message>): void {
  for (let message = conn.recvSync(); message !== null; message = conn.recvSync()) conn.send(message);
}

/** The one-way child: says it is ready, counts messages until `null`, sends the count. */
export function countUntilNull(conn: Connection<Message>): void {
  conn.send("ready");
  let count = 0;
  while (conn.recvSync() !== null) count++;
  conn.send(count);
}

/** Runs `body` with the parent's end of a pipe whose other end a `child` process holds. */
async function withChild<T>(child: (conn: Connection<Message>) => void, body: (conn: Connection<Message>) => Promise<T>): Promise<T> {
  const [parent, childEnd] = Pipe<Message>();
  const p = new Process({ target: child, args: [childEnd] });
  p.start();
  childEnd.close();
  try {
    return await body(parent);
  } finally {
    await p.join();
    parent.close();
  }
}

/** Median µs of single round trips of a small object through an echoing child. */
function roundTripMedianUs(trips: number, warmups: number): Promise<number> {
  return withChild(echo, async (conn) => {
    for (let i = 0; i < warmups; i++) {
      conn.send(smallItem(i));
      await conn.recv();
    }
    const samples: number[] = [];
    for (let i = 0; i < trips; i++) {
      const start = performance.now();
      conn.send(smallItem(i));
      await conn.recv();
      samples.push(performance.now() - start);
    }
    conn.send(null);
    return median(samples) * 1000;
  });
}

/** Milliseconds from the first send to the child's count of `count` small messages. */
function oneWayMs(count: number): Promise<number> {
  return withChild(countUntilNull, async (conn) => {
    await conn.recv();
    const start = performance.now();
    for (let i = 0; i < count; i++) conn.send(smallItem(i));
    conn.send(null);
    const received = await conn.recv();
    const elapsed = performance.now() - start;
    if (received !== count) throw new Error(`one-way delivered ${received} of ${count} messages`);
    return elapsed;
  });
}

async function oneWayPerSecond(ctx: RunContext): Promise<number> {
  const count = sizeFor(ctx, SIZES.oneWayMessages);
  return perSecond(count, await medianOfRepeats(ctx, () => oneWayMs(count)));
}

/** The library's cases (impl `LIBRARY`, workloads `PIPE.*`) go first. */
export const cases: BenchCase[] = [
  {
    impl: LIBRARY,
    async run(ctx) {
      const trips = sizeFor(ctx, SIZES.roundTrips);
      return {
        [PIPE.roundTrip.id]: await roundTripMedianUs(trips, sizeFor(ctx, SIZES.roundTripWarmups)),
        [PIPE.oneWay.id]: await oneWayPerSecond(ctx),
      };
    },
  },
  ...pingPongCases(PIPE.roundTrip.id),
  ...oneWaySmallCases(PIPE.oneWay.id, SIZES.oneWayMessages),
];
