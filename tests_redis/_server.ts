// Private redis-server instances for the Redis suite: each on 127.0.0.1 at a free port, in
// a temporary directory, with AOF and `appendfsync always` (an acknowledged write survives a
// kill -9 of the server). Never the system service. Children must not import this module.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** A running private Redis server. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Its process id (for kill -9). */
  pid(): number;
  /** Ends it at once (SIGKILL), as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (it reloads its AOF). */
  restart(): Promise<void>;
  /** Ends it and removes its directory. */
  stop(): Promise<void>;
}

/** Whether redis-server is installed (the suite says how to install it when not). */
export function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0;
}

/** A TCP port nobody listens on right now. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a private server on `host` (and the `alsoBind` addresses); `extra` are more
 * redis-server arguments (e.g. ["--requirepass", "x"]).
 */
export async function startRedis(options: { host?: string; extra?: string[]; alsoBind?: string[] } = {}): Promise<RedisServer> {
  const host = options.host ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "mp-redis-"));
  const port = await freePort();
  const args = [
    "--port", String(port), "--bind", host, ...(options.alsoBind ?? []), "--dir", dir, "--save", "", "--appendonly", "yes",
    "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--protected-mode", "no",
    "--daemonize", "no", "--logfile", join(dir, "redis.log"), ...(options.extra ?? []),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn("redis-server", args, { stdio: "ignore" });
    await waitForPort(host, port, child);
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const ended = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await ended;
  };
  await launch();
  return {
    url: `redis://${host}:${port}`,
    port,
    host,
    pid: () => child.pid!,
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGKILL");
      await launch();
    },
    stop: async () => {
      await end("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(host: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}`);
    if (await accepts(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not listen on ${host}:${port} within 10 s`);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The path of a file of this suite as this runtime runs it (`fixtures/x.ts`). */
export function suiteFile(relative: string): string {
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  return fileURLToPath(new URL(relative.replace(/\.ts$/, extension), import.meta.url));
}

/** The command line that runs `file` with the runtime running this test. */
export function commandFor(file: string, args: string[]): [string, string[]] {
  if ("Deno" in globalThis) return [process.execPath, ["run", "-A", file, ...args]];
  return [process.execPath, [file, ...args]];
}

/** A child of this runtime running the suite's `file` with `args`; what it prints is collected. */
export function spawnFixture(file: string, args: string[]): { child: ChildProcess; output(): string; exited: Promise<unknown> } {
  const [command, argv] = commandFor(suiteFile(file), args);
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, output: () => output, exited };
}

/** Runs one command on the server with a connection of its own (for what a test inspects or breaks). */
export async function redisCommand(url: string, args: string[]): Promise<unknown> {
  const { createClient } = await import("redis");
  const client = createClient({ url, RESP: 2 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    await client.close();
  }
}

/** The consumers holding pending entries of a work stream: [consumer name, count][]. */
export async function holders(url: string, stream: string): Promise<[string, number][]> {
  const reply = await redisCommand(url, ["XPENDING", stream, "g"]).catch(() => null) as [number, unknown, unknown, [string, string][] | null] | null;
  return (reply?.[3] ?? []).map(([name, count]) => [name, Number(count)]);
}

/** Waits until `check` returns a value other than undefined (polling every 10 ms), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
