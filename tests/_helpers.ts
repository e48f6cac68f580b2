// Helpers the tests share: running a script under the same runtime, and deadlines.
// Children must not import this module (its `node:` imports slow a Deno worker's start).
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** What a script run by {@link runScript} did. */
export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsed: number;
  /** Milliseconds from spawn to each stdout line. */
  lineTimes: { line: string; at: number }[];
}

/** The path of a project file (`cli.ts`, `tests/fixtures/x.ts`) as this runtime runs it. */
export function projectFile(relative: string): string {
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  return fileURLToPath(new URL(`../${relative.replace(/\.ts$/, extension)}`, import.meta.url));
}

/** The command line that runs `file` with the runtime running this test. */
function commandFor(file: string, args: string[]): [string, string[]] {
  if ("Deno" in globalThis) return [process.execPath, ["run", "-A", file, ...args]];
  return [process.execPath, [file, ...args]];
}

/** Runs a project script in a new OS process of this runtime; kills it after `timeoutMs`. */
export function runScript(relative: string, args: string[] = [], timeoutMs = 30_000): Promise<ScriptResult> {
  const [command, argv] = commandFor(projectFile(relative), args);
  const started = performance.now();
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const result: ScriptResult = { status: null, stdout: "", stderr: "", elapsed: 0, lineTimes: [] };
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    result.stdout += chunk;
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) result.lineTimes.push({ line, at: performance.now() - started });
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (result.stderr += chunk));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(killer);
      result.status = status;
      result.elapsed = performance.now() - started;
      resolve(result);
    });
  });
}

/** The stdout lines of a result, without the trailing empty line. */
export function lines(result: ScriptResult): string[] {
  return result.stdout.split("\n").filter((line) => line !== "");
}

/** Rejects if `promise` takes longer than `ms` (a test must never hang). */
export function deadline<T>(promise: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

/** Starts a process and waits for its end (at most 20 s); returns it. One argument: usable with `map`. */
export async function runToEnd<P extends { start(): void; join(): Promise<void>; name: string }>(p: P): Promise<P> {
  p.start();
  await deadline(p.join(), 20_000, `join of ${p.name}`);
  return p;
}
