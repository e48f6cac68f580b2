/**
 * How an error thrown in a child crosses to its parent: the child describes it as
 * `{ name, message, stack }`, and the parent rebuilds the original class when it knows it
 * (the built-in errors and this library's), with the child's stack attached as `cause`,
 * or a {@link ProcessError} that carries the child's class name, message and stack.
 * Python's pool does the same with `RemoteTraceback` as the re-raised error's `__cause__`.
 * @module
 */
import { type ErrorInfo, ProcessError } from "./errors.ts";
import { ERROR_CLASSES } from "./transport/codec_format.ts";

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

/** Classes that come back as themselves (the codec's list); any other name comes back as a ProcessError. */
const KNOWN_CLASSES = ERROR_CLASSES as Record<string, ErrorClass>;

/** Describes what a child's code threw (any value) as plain, clonable data. */
export function describeError(thrown: unknown): ErrorInfo {
  if (typeof thrown === "object" && thrown !== null && "message" in thrown) {
    const { name, message, stack } = thrown as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof name === "string" && name !== "" ? name : "Error",
      message: String(message),
      stack: typeof stack === "string" ? stack : undefined,
    };
  }
  return { name: "Error", message: `a non-Error value was thrown: ${safeString(thrown)}` };
}

/** The parent's error for a child's error described by `info`. */
export function rebuildError(info: ErrorInfo): Error {
  const remote = new ProcessError(info.message, info);
  if (info.stack) remote.stack = info.stack;
  const known = Object.hasOwn(KNOWN_CLASSES, info.name) ? KNOWN_CLASSES[info.name] : undefined;
  return known ? new known(info.message, { cause: remote }) : remote;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
