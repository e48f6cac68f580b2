/**
 * The library's logger: Python's `multiprocessing.get_logger()` and `log_to_stderr()`. One
 * logger per process, named "multiprocessing", silent until {@link logToStderr} gives it a
 * handler that writes `[INFO/Process-1] message` lines to stderr. A child started while the
 * logger exists gets its level, and its handler if the parent had one, before it imports its
 * module, as Python's spawn passes them; then the library's own messages come at Python's
 * points and levels: `child process calling self.run()`, `process shutting down`,
 * `process exiting with exitcode N`, and the main program's `process shutting down` at its end.
 * @module
 */
import { ValueError } from "./errors.ts";
import { conversionCount, percentFormat } from "./percent_format.ts";
import { pythonRepr, pythonStr } from "./python_repr.ts";
import { showAsString } from "./repr.ts";
import { runtime } from "./runtime/mod.ts";
import { formatTraceback } from "./traceback.ts";

/**
 * Python's `multiprocessing.SUBDEBUG` (5): a level below `DEBUG`, for `logger.log()`.
 * @example Usage
 * ```ts
 * import { getLogger, SUBDEBUG } from "@seed/multiprocessing";
 * getLogger().log(SUBDEBUG, "finer than debug");
 * ```
 */
export const SUBDEBUG = 5;

/**
 * Python's `multiprocessing.SUBWARNING` (25): a level between `INFO` and `WARNING`.
 * @example Usage
 * ```ts
 * import { getLogger, SUBWARNING } from "@seed/multiprocessing";
 * getLogger().log(SUBWARNING, "almost a warning");
 * ```
 */
export const SUBWARNING = 25;

/**
 * The levels of Python's `logging` module, so that `logger.setLevel(logging.INFO)` ports as
 * it is written.
 * @example Usage
 * ```ts
 * import { logging, logToStderr } from "@seed/multiprocessing";
 * const logger = logToStderr();
 * logger.setLevel(logging.INFO);
 * ```
 */
export const logging: {
  readonly NOTSET: 0;
  readonly DEBUG: 10;
  readonly INFO: 20;
  readonly WARNING: 30;
  readonly ERROR: 40;
  readonly CRITICAL: 50;
} = Object.freeze({ NOTSET: 0, DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 });

/**
 * A level's name, as Python's `logging` knows it: `"INFO"`, `"WARNING"`, and the aliases
 * `"WARN"` and `"FATAL"`.
 * @example Usage
 * ```ts
 * import { getLogger, type LevelName } from "@seed/multiprocessing";
 * const level: LevelName = "INFO";
 * getLogger().setLevel(level);
 * ```
 */
export type LevelName = "CRITICAL" | "FATAL" | "ERROR" | "WARN" | "WARNING" | "INFO" | "DEBUG" | "NOTSET";

/** Python's level names, which `setLevel` takes (`logging._nameToLevel`). */
const LEVEL_BY_NAME: Record<LevelName, number> = {
  CRITICAL: 50,
  FATAL: 50,
  ERROR: 40,
  WARN: 30,
  WARNING: 30,
  INFO: 20,
  DEBUG: 10,
  NOTSET: 0,
};

/** How a record names its level: `INFO`, or `Level 5` for a level without a name, as Python. */
const NAME_OF_LEVEL: Record<number, string> = { 50: "CRITICAL", 40: "ERROR", 30: "WARNING", 20: "INFO", 10: "DEBUG", 0: "NOTSET" };

function levelName(level: number): string {
  return NAME_OF_LEVEL[level] ?? `Level ${level}`;
}

/** This process's logger: its level (NOTSET: the root's WARNING applies) and whether it writes to stderr. */
interface LoggerState {
  logger: Logger;
  level: number;
  toStderr: boolean;
  /** `process shutting down` was logged (Python's `util._exiting`). */
  shuttingDown: boolean;
}

// On globalThis so that every copy of this module (bundled binaries) shares one logger.
const STATE_KEY = Symbol.for("@seed/multiprocessing/logger");
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: LoggerState };

function existingState(): LoggerState | undefined {
  return (globalThis as GlobalWithState)[STATE_KEY];
}

/** The logger's state, made at the first call: the main program then logs its end too. */
function state(): LoggerState {
  const global = globalThis as GlobalWithState;
  if (global[STATE_KEY]) return global[STATE_KEY];
  global[STATE_KEY] = { logger: new Logger(), level: logging.NOTSET, toStderr: false, shuttingDown: false };
  if (!runtime.parentChannel()) runtime.onIdle(logShuttingDown); // a child logs its end itself (process.ts)
  return global[STATE_KEY];
}

/** Names the process a record comes from (set by process.ts, which knows the current process). */
let processName = (): string => "MainProcess";

/** @internal Called by process.ts: how a record names the process it comes from. */
export function setProcessNameSource(source: () => string): void {
  processName = source;
}

/**
 * Python's `level` argument: a number that is an integer, or one of Python's level names.
 * @throws {ValueError} "Unknown level: 'SUBDEBUG'" for a name Python's `logging` does not know.
 * @throws {TypeError} "Level not an integer or a valid string: 2.5" for anything else.
 */
function checkLevel(level: unknown): number {
  if (Number.isInteger(level)) return level as number;
  if (typeof level !== "string") throw new TypeError(`Level not an integer or a valid string: ${pythonRepr(level)}`);
  if (!Object.hasOwn(LEVEL_BY_NAME, level)) throw new ValueError(`Unknown level: ${pythonRepr(level)}`);
  return LEVEL_BY_NAME[level as LevelName];
}

/**
 * The "multiprocessing" logger (Python's `logging.Logger` that `get_logger()` returns): a
 * level, and the methods that log a message at a level, `%`-formatted with its arguments as
 * Python's logging does (`%s`, `%r`, `%d`, `%i`, `%f`, `%%`, with flags, width and precision).
 * A message below the effective level is dropped. With no handler (before
 * {@link logToStderr}), a message at `WARNING` or above is written bare, as Python's "last
 * resort" writes it, and nothing below. A message whose arguments do not fit is not thrown:
 * `--- Logging error ---` and what went wrong are written instead, as Python does.
 * @example Usage
 * ```ts
 * import { logging, logToStderr } from "@seed/multiprocessing";
 * const logger = logToStderr();
 * logger.setLevel(logging.INFO);
 * logger.info("got %s of %d", "apples", 3); // [INFO/MainProcess] got apples of 3
 * ```
 */
export class Logger {
  /** The logger's name, as Python's: "multiprocessing". */
  readonly name = "multiprocessing";

  /** The level set (0, NOTSET, until `setLevel`: then WARNING applies, see getEffectiveLevel). */
  get level(): number {
    return state().level;
  }

  /**
   * Sets the level: a number (`logging.INFO`, `SUBDEBUG`, 15) or one of Python's names (`"INFO"`).
   * @throws {ValueError} for a name Python does not know (`"info"`, `"SUBDEBUG"`).
   * @throws {TypeError} for a number that is no integer, or another value.
   */
  setLevel(level: number | LevelName): void {
    state().level = checkLevel(level);
  }

  /** The level that applies: the one set, or WARNING (Python's root logger) while it is NOTSET. */
  getEffectiveLevel(): number {
    return state().level || logging.WARNING;
  }

  /** Whether a message at `level` would be logged. */
  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  /** Logs `msg % args` at DEBUG (10). */
  debug(msg: unknown, ...args: unknown[]): void {
    this.#emit(logging.DEBUG, msg, args);
  }

  /** Logs `msg % args` at INFO (20). */
  info(msg: unknown, ...args: unknown[]): void {
    this.#emit(logging.INFO, msg, args);
  }

  /** Logs `msg % args` at WARNING (30). */
  warning(msg: unknown, ...args: unknown[]): void {
    this.#emit(logging.WARNING, msg, args);
  }

  /** Python's deprecated alias of {@link Logger.warning}. */
  warn(msg: unknown, ...args: unknown[]): void {
    this.warning(msg, ...args);
  }

  /** Logs `msg % args` at ERROR (40). */
  error(msg: unknown, ...args: unknown[]): void {
    this.#emit(logging.ERROR, msg, args);
  }

  /** Logs `msg % args` at CRITICAL (50). */
  critical(msg: unknown, ...args: unknown[]): void {
    this.#emit(logging.CRITICAL, msg, args);
  }

  /**
   * Logs `msg % args` at ERROR, followed by an error's stack (Python's `logger.exception()`
   * in an `except` block). JavaScript has no current exception to find: pass the caught
   * error as the last argument, after those the message takes
   * (`catch (e) { logger.exception("task %s failed", name, e) }`).
   */
  exception(msg: unknown, ...args: unknown[]): void {
    const last = args.at(-1);
    const error = last instanceof Error && args.length > conversionCount(pythonStr(msg)) ? args.pop() : undefined;
    this.#emit(logging.ERROR, msg, args, error);
  }

  /**
   * Logs `msg % args` at `level`.
   * @throws {TypeError} "level must be an integer" (a level name is not taken here, as in Python).
   */
  log(level: number, msg: unknown, ...args: unknown[]): void {
    if (!Number.isInteger(level)) throw new TypeError("level must be an integer");
    this.#emit(level, msg, args);
  }

  /** Python's repr: `<Logger multiprocessing (WARNING)>`, with the effective level. */
  toString(): string {
    return `<Logger ${this.name} (${levelName(this.getEffectiveLevel())})>`;
  }

  #emit(level: number, msg: unknown, args: unknown[], error?: unknown): void {
    if (!this.isEnabledFor(level)) return;
    const { toStderr } = state();
    if (!toStderr && level < logging.WARNING) return; // Python's last resort handler's level
    let message: string;
    try {
      message = messageOf(msg, args, error);
    } catch (failure) {
      console.error(loggingError(failure, msg, args));
      return;
    }
    console.error(toStderr ? `[${levelName(level)}/${processName()}] ${message}` : message);
  }
}

/**
 * The message: `msg` as Python's `str()`, `%`-formatted when there are arguments (not
 * otherwise, as Python), then the error's traceback if there is one. Throws what
 * `percentFormat` throws when the arguments do not fit.
 */
function messageOf(msg: unknown, args: unknown[], error: unknown): string {
  const text = pythonStr(msg);
  const message = args.length === 0 ? text : percentFormat(text, args);
  return error === undefined ? message : `${message}\n${formatTraceback(error)}`;
}

/** What Python's logging writes instead of a message whose formatting failed. */
function loggingError(failure: unknown, msg: unknown, args: unknown[]): string {
  const what = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
  const tuple = `(${args.map((arg) => pythonRepr(arg)).join(", ")}${args.length === 1 ? "," : ""})`;
  return `--- Logging error ---\n${what}\nMessage: ${pythonRepr(msg)}\nArguments: ${tuple}`;
}

/**
 * The logger of the library (Python's `multiprocessing.get_logger()`), the same object at
 * every call in a process. It writes nothing below WARNING until {@link logToStderr} gives it
 * a handler.
 * @example Usage
 * ```ts
 * import { getLogger } from "@seed/multiprocessing";
 * const logger = getLogger();
 * console.log(logger.name, logger.getEffectiveLevel()); // multiprocessing 30
 * ```
 */
export function getLogger(): Logger {
  return state().logger;
}

/**
 * Turns logging on (Python's `multiprocessing.log_to_stderr()`): the logger writes
 * `[LEVEL/ProcessName] message` lines to stderr, in this process and in the children it
 * starts from now on, with `level` (a number or a name, as {@link Logger.setLevel} takes)
 * when given and not 0. Returns the logger.
 *
 * Calling it again changes nothing more, where Python adds one more handler and so writes
 * every line once more: a child here imports its module again (Python's spawn), so a
 * top-level call, made once per program under Python's default fork on Linux, runs again in
 * each child, and would double every line there.
 * @throws {ValueError} or {TypeError} for a bad level, as {@link Logger.setLevel}.
 * @example Usage
 * ```ts
 * import { logging, logToStderr } from "@seed/multiprocessing";
 * const logger = logToStderr(logging.INFO);
 * logger.info("starting"); // [INFO/MainProcess] starting
 * ```
 */
export function logToStderr(level?: number | LevelName | null): Logger {
  const current = state();
  if (level) current.logger.setLevel(level);
  current.toStderr = true;
  return current.logger;
}

/** What a child is told of its parent's logger (Python's `log_level` and `log_to_stderr` of spawn's preparation data). */
export interface LoggingSpec {
  /** The parent's effective level. */
  level: number;
  /** Whether the parent called {@link logToStderr}. */
  toStderr: boolean;
}

/** @internal For a child's spec: the logger's level and handler, or null when this process has no logger. */
export function loggingForChild(): LoggingSpec | null {
  const current = existingState();
  return current ? { level: current.logger.getEffectiveLevel(), toStderr: current.toStderr } : null;
}

/** @internal Called by the child bootstrap before it imports its module: the parent's logging, as spawn's `prepare()`. */
export function adoptLogging(spec: LoggingSpec | null): void {
  if (!spec) return;
  if (spec.toStderr) logToStderr();
  getLogger().setLevel(spec.level);
}

/** @internal Python's `util.info`: a library message at INFO, when the logger exists. */
export function info(msg: string, ...args: unknown[]): void {
  existingState()?.logger.info(msg, ...args);
}

/**
 * @internal The first line of Python's `util._exit_function`, once per process: the main
 * program's end, a child's after its code ended, failed or called `exit()`.
 */
export function logShuttingDown(): void {
  const current = existingState();
  if (!current || current.shuttingDown) return;
  current.shuttingDown = true;
  current.logger.info("process shutting down");
}

showAsString(Logger);
