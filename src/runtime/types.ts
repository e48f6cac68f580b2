/**
 * The small interface between the library and a JavaScript runtime: starting a child
 * worker, talking to it, learning how it ended; and, inside a child, talking to the parent.
 * Everything runtime-specific lives in this folder.
 * @module
 */

/** The parent's view of a started child worker. */
export interface ChildWorker {
  /** Sends a structured-clonable message to the child. */
  post(message: unknown): void;
  /** Calls `handler` for every message from the child. */
  onMessage(handler: (message: unknown) => void): void;
  /** Calls `handler` for an error that escaped the child's own handling (load failures). */
  onError(handler: (error: unknown) => void): void;
  /**
   * Calls `handler` once, when the worker is gone, with the thread's exit code where the
   * runtime reports one (null where it cannot tell).
   */
  onExit(handler: (code: number | null) => void): void;
  /** The child announced its end: let it finish, and make sure `onExit` fires. */
  finish(): void;
  /** Ends the child now. */
  terminate(): void;
  /** Keeps the program alive while the child runs. */
  ref(): void;
  /** Lets the program end while the child runs. */
  unref(): void;
}

/** How a child worker is started. */
export interface SpawnOptions {
  /** Daemon children must not keep the program alive. */
  daemon: boolean;
  /** A name for debuggers and runtime diagnostics. */
  name: string;
}

/** Inside a child: the channel to the parent. */
export interface ParentChannel {
  /** Sends a structured-clonable message to the parent. */
  post(message: unknown): void;
  /** Receives the next message from the parent, then stops listening. */
  receiveOnce(): Promise<unknown>;
  /** Ends this child's thread with `code`, right away. */
  exit(code: number): never;
}

/** One runtime's implementation of the interface. */
export interface Runtime {
  /** "deno", "bun" or "node". */
  readonly name: "deno" | "bun" | "node";
  /** Starts a worker running the module at `url`. */
  spawn(url: URL, options: SpawnOptions): ChildWorker;
  /** The channel to the parent inside a worker, or null on the main thread. */
  parentChannel(): ParentChannel | null;
  /** The URL of the program's entry module, for `isMain`. */
  mainModuleUrl(): string | undefined;
}
