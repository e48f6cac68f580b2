// Worker hosts as OS processes of this runtime (tests_redis/fixtures/host.ts), for the
// tests that kill, pause and cut them off. Children must not import this module.
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { commandFor, suiteFile } from "./_server.ts";

/** A worker host process. */
export interface Host {
  readonly pid: number;
  /** Everything it printed. */
  output(): string;
  /** Resolves once it ended, with its exit code (null when killed by a signal). */
  ended: Promise<number | null>;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Asks it to stop serving (closes its stdin) and waits for its end. */
  stop(): Promise<number | null>;
}

export interface HostOptions {
  url: string;
  namespace: string;
  pool: string;
  processes?: number;
  minIdle?: number;
  maxDeliveries?: number;
  /** Runs it in this network namespace (ip netns exec). */
  netns?: string;
}

/** Starts a host and waits until it serves. */
export async function startHost(options: HostOptions): Promise<Host> {
  const args = [options.url, options.namespace, options.pool, String(options.processes ?? 1), String(options.minIdle ?? 10_000), String(options.maxDeliveries ?? 5)];
  const [command, argv] = commandFor(suiteFile("fixtures/host.ts"), args);
  const child: ChildProcess = options.netns
    ? spawn("ip", ["netns", "exec", options.netns, command, ...argv], { stdio: ["pipe", "pipe", "pipe"] })
    : spawn(command, argv, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const ended = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = performance.now() + 30_000;
  while (!/serving (\d+)/.test(output)) {
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the worker host did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const pid = Number(/serving (\d+)/.exec(output)![1]);
  return {
    pid,
    output: () => output,
    ended,
    signal: (signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    stop: () => {
      child.stdin!.end();
      return ended;
    },
  };
}
