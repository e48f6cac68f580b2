/**
 * How an error thrown in a child crosses to its parent, as Python's pool re-raises a task's
 * exception with a `RemoteTraceback` as its `__cause__`: an error whose class crosses by
 * reference (exported from its module, or this library's) arrives as itself, with its own
 * fields; a built-in error is rebuilt by its class name, with its own fields that can cross
 * (a Node system error's `code`, `errno`, `syscall`, `path`); either way the child's stack is
 * attached as `cause` (a {@link ProcessError} carrying it). An error of a class that cannot
 * be found arrives as a ProcessError that names the class and carries the message and stack.
 * @module
 */
import { type ErrorInfo, ProcessError } from "./errors.ts";
import { classify } from "./transport/codec_check.ts";
import { encode } from "./transport/codec_encode.ts";
import { ERROR_CLASSES } from "./transport/codec_format.ts";

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

/** The built-in classes, rebuilt by name; any other name comes back as a ProcessError. */
const BUILTIN_CLASSES = ERROR_CLASSES as Record<string, ErrorClass>;
const BUILTIN_PROTOTYPES = new Set<object>(Object.values(ERROR_CLASSES).map((cls) => cls.prototype));

/** Describes what a child's code threw (any value) as plain, clonable data. */
export function describeError(thrown: unknown): ErrorInfo {
  if (isErrorLike(thrown)) {
    const { name, message, stack } = thrown as { name?: unknown; message?: unknown; stack?: unknown };
    const info: ErrorInfo = {
      name: typeof name === "string" && name !== "" ? name : "Error",
      message: String(message),
      stack: typeof stack === "string" ? stack : undefined,
    };
    const fields = ownFields(thrown);
    if (fields) info.fields = fields;
    return info;
  }
  return { name: "Error", message: `a non-Error value was thrown: ${safeString(thrown)}` };
}

/** What every error has, carried apart (or, for `cause`, replaced by the child's stack). */
const DESCRIBED_KEYS = new Set(["name", "message", "stack", "cause"]);

/**
 * An error's own enumerable fields beyond those {@link describeError} carries, each that can
 * cross (a Node system error's `code`, `errno`, `syscall`, `path`); undefined when none.
 */
function ownFields(error: object): Record<string, unknown> | undefined {
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(error)) {
    if (DESCRIBED_KEYS.has(key)) continue;
    let value: unknown;
    try {
      value = (error as Record<string, unknown>)[key];
    } catch {
      continue; // a getter that throws: nothing to carry
    }
    if (canCross(value)) (fields ??= {})[key] = value;
  }
  return fields;
}

/**
 * What a task threw that is not an Error, carried as it is (the parent rejects with the
 * value itself, as a call in the same process would), when it can cross.
 */
export interface ThrownValue {
  thrown: unknown;
}

/** An error that crosses as itself: an instance of a class found by reference. */
export interface ThrownError {
  error: Error;
}

/**
 * As {@link describeError}, keeping what can cross as it is: an error of a class that crosses
 * by reference (with its fields), or a thrown value that is not an Error.
 */
export function describeThrown(thrown: unknown): ErrorInfo | ThrownValue | ThrownError {
  if (thrown instanceof Error && !BUILTIN_PROTOTYPES.has(Object.getPrototypeOf(thrown)) && crossesAsItself(thrown)) {
    return { error: thrown };
  }
  return isErrorLike(thrown) || !canCross(thrown) ? describeError(thrown) : { thrown };
}

/** What the parent rejects with for what {@link describeThrown} described. */
export function rebuildThrown(described: ErrorInfo | ThrownValue | ThrownError): unknown {
  if ("thrown" in described) return described.thrown;
  if ("error" in described) return withRemoteCause(described.error);
  return rebuildError(described);
}

/** The parent's error for a child's error described by `info`. */
export function rebuildError(info: ErrorInfo): Error {
  const known = Object.hasOwn(BUILTIN_CLASSES, info.name) ? BUILTIN_CLASSES[info.name] : undefined;
  const error = known ? new known(info.message, { cause: remoteCause(info) }) : remoteCause(info);
  // The child's own fields, where they do not hide the rebuilt error's (a ProcessError's `childName`).
  for (const [key, value] of Object.entries(info.fields ?? {})) if (!(key in error)) Object.assign(error, { [key]: value });
  return error;
}

/** The ProcessError that carries the child's error's name, message and stack. */
function remoteCause(info: ErrorInfo): ProcessError {
  const remote = new ProcessError(info.message, info);
  if (info.stack) remote.stack = info.stack;
  return remote;
}

/**
 * An error that arrived as itself: its stack becomes the parent's (where it is re-raised),
 * and the child's is attached as `cause`, unless the error has a cause of its own.
 */
function withRemoteCause(error: Error): Error {
  const info = describeError(error);
  if (!Object.hasOwn(error, "cause")) {
    Object.defineProperty(error, "cause", { value: remoteCause(info), writable: true, configurable: true });
  }
  const capture = (Error as { captureStackTrace?: (target: object) => void }).captureStackTrace;
  if (capture) capture(error);
  return error;
}

/** Whether `error` crosses as itself: its class is found by reference, and its fields can cross. */
function crossesAsItself(error: Error): boolean {
  return classify(error, Object.getPrototypeOf(error)).kind === "instance" && canCross(error);
}

function isErrorLike(value: unknown): value is { message: unknown } {
  return typeof value === "object" && value !== null && "message" in value;
}

function canCross(value: unknown): boolean {
  try {
    encode(value, "thrown");
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
