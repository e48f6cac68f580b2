/**
 * An error written out as Python's `traceback` module writes an exception: its stack, then
 * its causes' (Python prints the whole chain). Used where Python prints a traceback: a
 * child's uncaught error, and the logger's `exception()`.
 * @module
 */

/**
 * The error's stack, then each of its causes' after `Caused by: `; a thrown value that is no
 * Error is shown with `String()`.
 * @example Usage
 * ```ts
 * import { formatTraceback } from "./traceback.ts";
 * const error = new Error("outer", { cause: new Error("inner") });
 * console.log(formatTraceback(error)); // Error: outer … Caused by: Error: inner …
 * ```
 */
export function formatTraceback(error: unknown): string {
  const chain = [stackOf(error)];
  const seen = new Set([error]);
  for (let current = error; current instanceof Error && "cause" in current && !seen.has(current.cause);) {
    current = current.cause;
    seen.add(current);
    chain.push(stackOf(current));
  }
  return chain.join("\nCaused by: ");
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
