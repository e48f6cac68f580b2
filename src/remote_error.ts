/**
 * How an error thrown in a child crosses to its parent: the child describes it as
 * `{ name, message, stack }`, and the parent rebuilds the original class when it knows it
 * (the built-in errors and this library's), with the child's stack attached as `cause`,
 * or a {@link ProcessError} that carries the child's class name, message and stack.
 * Python's pool does the same with `RemoteTraceback` as the re-raised error's `__cause__`.
 * @module
 */
import { type ErrorInfo, ProcessError } from "./errors.ts";
import { checkCloneable } from "./transport/codec_check.ts";
import { ERROR_CLASSES } from "./transport/codec_format.ts";

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

/** Classes that come back as themselves (the codec's list); any other name comes back as a ProcessError. */
const KNOWN_CLASSES = ERROR_CLASSES as Record<string, ErrorClass>;

/** Describes what a child's code threw (any value) as plain, clonable data. */
export function describeError(thrown: unknown): ErrorInfo {
  if (isErrorLike(thrown)) {
    const { name, message, stack } = thrown as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof name === "string" && name !== "" ? name : "Error",
      message: String(message),
      stack: typeof stack === "string" ? stack : undefined,
    };
  }
  return { name: "Error", message: `a non-Error value was thrown: ${safeString(thrown)}` };
}

/**
 * What a task threw that is not an Error, carried as it is (the parent rejects with the
 * value itself, as a call in the same process would), when it can cross.
 */
export interface ThrownValue {
  thrown: unknown;
}

/** As {@link describeError}, keeping a thrown value that is not an Error as it is when it can cross. */
export function describeThrown(thrown: unknown): ErrorInfo | ThrownValue {
  return isErrorLike(thrown) || !canCross(thrown) ? describeError(thrown) : { thrown };
}

/** What the parent rejects with for what {@link describeThrown} described. */
export function rebuildThrown(described: ErrorInfo | ThrownValue): unknown {
  return "thrown" in described ? described.thrown : rebuildError(described);
}

/** The parent's error for a child's error described by `info`. */
export function rebuildError(info: ErrorInfo): Error {
  const remote = new ProcessError(info.message, info);
  if (info.stack) remote.stack = info.stack;
  const known = Object.hasOwn(KNOWN_CLASSES, info.name) ? KNOWN_CLASSES[info.name] : undefined;
  return known ? new known(info.message, { cause: remote }) : remote;
}

function isErrorLike(value: unknown): value is { message: unknown } {
  return typeof value === "object" && value !== null && "message" in value;
}

function canCross(value: unknown): boolean {
  try {
    checkCloneable(value, "thrown");
    return true;
  } catch {
    return false;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
