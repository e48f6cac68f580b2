/**
 * Output of a Node worker written straight to the process's file descriptors.
 *
 * Node hands what a `worker_threads` worker writes to `process.stdout`/`stderr` (and so
 * `console.log`) to the main thread in messages, which its event loop writes out later: the
 * lines a child printed just before the program ends are lost (the README's first example
 * printed only its first line in 11 runs out of 20), and a child's line can come out after
 * what the main program printed later. Written with `fs.writeSync` on fd 1 and 2, a line is
 * out when `console.log` returns, as in Python; the main thread's own writes to a pipe, file
 * or terminal are synchronous on Linux and macOS, so the order between processes is the
 * order of the calls. (Deno and Bun workers already write directly.)
 * @module
 */
import { builtin, nodeProcess } from "./builtins.ts";

interface Output {
  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean;
}

const DIRECT = Symbol.for("@seed/multiprocessing/direct-output");

/** Makes this worker's `process.stdout` and `process.stderr` write synchronously to fd 1 and 2. */
export function writeOutputDirectly(): void {
  const proc = nodeProcess() as unknown as { stdout: Output & { [DIRECT]?: true }; stderr: Output };
  if (proc.stdout[DIRECT]) return;
  proc.stdout[DIRECT] = true;
  redirect(proc.stdout, 1);
  redirect(proc.stderr, 2);
}

function redirect(stream: Output, fd: number): void {
  stream.write = (chunk, encoding, callback) => {
    const done = typeof encoding === "function" ? encoding : callback;
    const bytes = typeof chunk === "string"
      ? new TextEncoder().encode(chunk)
      : new Uint8Array((chunk as ArrayBufferView).buffer, (chunk as ArrayBufferView).byteOffset, (chunk as ArrayBufferView).byteLength);
    writeAll(fd, bytes);
    if (typeof done === "function") queueMicrotask(() => done());
    return true;
  };
}

/** A word to sleep on while a full pipe drains. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes every byte: the descriptor may be non-blocking (the main thread's pipe), so a full
 * pipe (`EAGAIN`) is retried after a millisecond; a closed one (`EPIPE`) drops the output, as
 * Node does for a stream whose reader left.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  const { writeSync } = builtin("node:fs");
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EPIPE") return;
      if (code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
