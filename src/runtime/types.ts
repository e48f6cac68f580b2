/**
 * The small interface between the library and a JavaScript runtime: starting a child
 * worker, talking to it, learning how it ended; and, inside a child, talking to the parent.
 * Everything runtime-specific lives in this folder.
 * @module
 */

/** The parent's view of a started child worker. */
export interface ChildWorker {
  /** Sends a structured-clonable message to the child, moving the objects of `transfer` (MessagePorts). */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Calls `handler` for every message from the child. */
  onMessage(handler: (message: unknown) => void): void;
  /** Calls `handler` for an error that escaped the child's own handling (load failures). */
  onError(handler: (error: unknown) => void): void;
  /**
   * Calls `handler` once, when the worker is gone, with the thread's exit code where the
   * runtime reports one (null where it cannot tell). `mayRunOn` is true where the runtime
   * reports the end at `terminate()` while the thread may still be running (Deno: until it
   * gets back to its event loop, or one of the library's checks stops it).
   */
  onExit(handler: (code: number | null, mayRunOn: boolean) => void): void;
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
  /**
   * Resolves with the next message from the parent, then stops listening. Called while the
   * child's bootstrap module is first evaluated (no top-level await before it), so that a
   * message the parent posted at once is not missed.
   */
  receiveOnce(): Promise<unknown>;
  /** Ends this child's thread with `code`, right away. */
  exit(code: number): never;
  /**
   * Keeps this child alive, with nothing else pending, until the returned function is called:
   * Node and Bun end a worker whose event loop is empty (exit code 13).
   */
  holdOpen(): () => void;
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
  /** The text of a local module file (`file:` URL), or undefined if it cannot be read. */
  readTextFile(url: string): string | undefined;
  /**
   * The namespace of the ES module at `url`, loaded synchronously if it is not yet (see
   * `requireModule` in builtins.ts); undefined when this runtime cannot load it so.
   */
  importSync(url: string): Record<string, unknown> | undefined;
  /** True if a local file exists (`file:` URL). */
  fileExists(url: string): boolean;
  /** Number of logical CPUs available to this program. */
  cpuCount(): number;
  /** In a child: calls `handler` for an uncaught error or unhandled rejection. */
  onUncaughtError(handler: (error: unknown) => void): void;
  /** In the main program: calls `handler` when its own work is done (the loop would end). */
  onIdle(handler: () => void): void;
  /**
   * In a child: the runtime's own exit (`Deno.exit`, `process.exit`) calls `handler` instead,
   * where the thread would end without its parent seeing it (Deno). Elsewhere it does nothing:
   * the worker's end carries that exit code.
   */
  onExitCall(handler: (code?: number) => never): void;
  /** Ends the whole program with `code`. */
  exitProgram(code: number): never;
}
