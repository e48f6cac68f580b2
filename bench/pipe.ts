/**
 * `bench/pipe` (issue 4): Pipe round trip and one-way throughput beside raw `postMessage`
 * (ping-pong, one-way) and Python's `multiprocessing.Pipe`.
 * @module
 */

import type { BenchCase } from "./lib.ts";
import { oneWaySmallCases, pingPongCases } from "./raw/postmessage.ts";
import { PIPE, SIZES } from "./workloads.ts";

/** The library's cases (impl `LIBRARY`, workloads `PIPE.*`) go first. */
export const cases: BenchCase[] = [
  ...pingPongCases(PIPE.roundTrip.id),
  ...oneWaySmallCases(PIPE.oneWay.id, SIZES.oneWayMessages),
];
