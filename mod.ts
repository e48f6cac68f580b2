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
  Empty,
  EOFError,
  type ErrorInfo,
  Full,
  ProcessError,
  TimeoutError,
  ValueError,
} from "./src/errors.ts";
export {
  activeChildren,
  cpuCount,
  currentProcess,
  exit,
  isMain,
  parentProcess,
  Process,
  type ProcessOptions,
  type WaitOptions,
} from "./src/process.ts";
