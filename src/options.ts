/**
 * The options objects of blocking calls (Python's keyword arguments): checked, so that a
 * positional habit fails clearly instead of waiting forever, and turned into a deadline.
 * @module
 */
import { deadlineFrom } from "./transport/wait.ts";

/**
 * Refuses options that would otherwise silently wait forever or not at all: Python's
 * positional habits (`get(True, 5)` ported as `get(5000)`, `put(x, false)`, `acquire(false)`,
 * `event.wait(5)`, `result(5)`) and a timeout that is not a number of milliseconds. `example`
 * shows the call's arguments in the message.
 * @example Usage
 * ```ts
 * import { checkOptions } from "./options.ts";
 * checkOptions("acquire", { timeout: 100 }); // fine
 * try {
 *   checkOptions("acquire", false as never);
 * } catch (e) {
 *   console.log((e as Error).message); // acquire() takes an options object, such as acquire({ timeout: 5000 }), not false
 * }
 * ```
 */
export function checkOptions(call: string, options: object | undefined, example = "{ timeout: 5000 }"): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${call}() takes an options object, such as ${call}(${example}), not ${describe(options)}`);
  }
  const { timeout } = options as { timeout?: unknown };
  if (timeout !== undefined && timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw new TypeError(`timeout must be a number of milliseconds (undefined: no limit), not ${describe(timeout)}`);
  }
}

/**
 * {@link checkOptions} for a call that returns a promise: its refusal as a rejected promise,
 * or undefined when the options are fine.
 * @example Usage
 * ```ts
 * import { refusedOptions } from "./options.ts";
 * const wait = (options?: { timeout?: number }) => refusedOptions("wait", options) ?? Promise.resolve(true);
 * await wait(5 as never).catch((e) => console.log(e.name)); // TypeError
 * ```
 */
export function refusedOptions(call: string, options: object | undefined): Promise<never> | undefined {
  try {
    checkOptions(call, options);
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The deadline of checked options (`block: false` is now, whatever the timeout).
 * @example Usage
 * ```ts
 * import { deadlineOf } from "./options.ts";
 * console.log(deadlineOf({ block: false }) <= performance.now()); // true
 * ```
 */
export function deadlineOf(options: { timeout?: number | null; block?: boolean } | undefined): number {
  return deadlineFrom(options?.timeout ?? undefined, options?.block);
}

/**
 * How a bad argument is shown in an error message.
 * @example Usage
 * ```ts
 * import { describe } from "./options.ts";
 * console.log(describe("5"), describe([1])); // the string "5" an array
 * ```
 */
export function describe(value: unknown): string {
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/**
 * Refuses an option spelled as Python spells the keyword argument (`max_workers`,
 * `maxtasksperchild`, `error_callback`), which would otherwise be ignored, naming the option
 * to write instead; and `kwargs` or `kwds`, whose values JavaScript passes among the
 * arguments. Other names of `known`'s call are left alone (a subclass's own options, say).
 * @example Usage
 * ```ts
 * import { checkSpellings } from "./options.ts";
 * try {
 *   checkSpellings("ProcessPoolExecutor", { max_workers: 2 }, ["maxWorkers"]);
 * } catch (e) {
 *   console.log((e as Error).message); // ProcessPoolExecutor has no option max_workers (Python's spelling): write maxWorkers
 * }
 * ```
 */
export function checkSpellings(call: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const plain = key.replaceAll("_", "").toLowerCase();
    const meant = known.find((name) => name.toLowerCase() === plain);
    if (meant) throw new TypeError(`${call} has no option ${key} (Python's spelling): write ${meant}`);
    if (key === "kwargs" || key === "kwds") {
      throw new TypeError(`${call} has no option ${key}: JavaScript has no keyword arguments; pass their values in the arguments (args)`);
    }
  }
}
