/**
 * The benchmark driver: runs one bench (or all) on Deno, Bun and Node and its Python
 * baseline, one after the other, then prints one markdown table per bench.
 *
 * ```sh
 * deno task bench queue            # = deno run -A bench/run.ts queue
 * deno task bench all --quick      # every bench, a fraction of the work (smoke test)
 * deno task bench pool --runtimes node,python --json
 * deno task bench redis            # starts its own redis-server (Debian's), beside BullMQ
 * ```
 * Flags: `--quick`; `--runtimes deno,bun,node,python` (default all); `--json` prints the rows
 * instead of the table. Progress goes to stderr, the table to stdout. Node runs the
 * JavaScript that `tsc -p bench` emits to build/bench/, with the library in it replaced by
 * its bundle (scripts/bundle.ts), as the npm package ships it (both done here first).
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Row } from "./lib.ts";
import { LEGEND, renderTable } from "./table.ts";
import { BENCHES } from "./workloads.ts";
import { bundleLibrary } from "../scripts/bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where Node's JavaScript goes (bench/tsconfig.json's outDir), relative to ROOT. */
const NODE_BUILD = "build/bench";
/** A run that takes longer than this is stuck (e.g. a worker left running): it is killed. */
const RUN_TIMEOUT_MS = 3 * 60_000;
/** Benches that take longer by design (bench/redis kills and restarts worker hosts 25 times). */
const LONG_RUN_TIMEOUT_MS: Record<string, number> = {
  redis: 12 * 60_000,
  // Cold rows start fresh programs (Python: in three start methods).
  pool: 8 * 60_000,
  spawn: 6 * 60_000,
};

type RunnerName = "deno" | "bun" | "node" | "python";

interface Runner {
  command: string;
  args(bench: string, flags: string[]): string[];
  /** Prints the version (first line of output). */
  versionArgs: string[];
}

/** The project's pinned tool when installed, else the one on PATH. */
function tool(name: string): string {
  const local = join(ROOT, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

const RUNNERS: Record<RunnerName, Runner> = {
  deno: {
    command: tool("deno"),
    args: (bench, flags) => ["run", "-A", "bench/run_cases.ts", bench, ...flags],
    versionArgs: ["--version"],
  },
  bun: { command: tool("bun"), args: (bench, flags) => ["bench/run_cases.ts", bench, ...flags], versionArgs: ["--version"] },
  node: {
    command: "node",
    args: (bench, flags) => [`${NODE_BUILD}/bench/run_cases.js`, bench, ...flags],
    versionArgs: ["--version"],
  },
  python: {
    command: "python3",
    args: (bench, flags) => [`bench/python/${bench}_baseline.py`, ...flags],
    versionArgs: ["--version"],
  },
};

interface Options {
  benches: string[];
  quick: boolean;
  runners: RunnerName[];
  json: boolean;
}

function usage(problem: string): never {
  console.error(`${problem}
usage: npx deno run -A bench/run.ts <${[...Object.keys(BENCHES), "all"].join("|")}> [--quick] [--runtimes deno,bun,node,python] [--json]`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const options: Options = { benches: [], quick: false, runners: ["deno", "bun", "node", "python"], json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") options.quick = true;
    else if (arg === "--json") options.json = true;
    else if (arg === "--runtimes") {
      const names = (argv[++i] ?? "").split(",").filter((name) => name !== "");
      const unknown = names.filter((name) => !(name in RUNNERS));
      if (names.length === 0 || unknown.length > 0) usage(`--runtimes: unknown or missing runtime ${unknown.join(",")}`);
      options.runners = names as RunnerName[];
    } else if (arg === "all") options.benches.push(...Object.keys(BENCHES));
    else if (arg in BENCHES) options.benches.push(arg);
    else usage(`unknown bench or flag: ${arg}`);
  }
  if (options.benches.length === 0) usage("which bench?");
  return options;
}

/**
 * Emits build/bench/ for Node, then bundles the library over the modules tsc emitted for it,
 * so that Node measures the library as npm users get it. Tolerates type errors elsewhere as
 * long as JavaScript is emitted.
 */
function compileForNode(): void {
  console.error("[node] compiling bench/ with tsc -p bench, bundling the library …");
  rmSync(join(ROOT, NODE_BUILD), { recursive: true, force: true });
  const result = spawnSync(tool("tsc"), ["-p", "bench"], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.split("\n").slice(0, 20).join("\n");
    console.error(`[node] tsc reported errors (running what it emitted anyway):\n${output}`);
  }
  bundleLibrary(join(ROOT, NODE_BUILD));
}

interface RunResult {
  rows: Row[];
  /** Why the run failed, if it did. */
  failure?: string;
}

let running: ReturnType<typeof spawn> | undefined;

/** Kills the running benchmark and everything it started (it leads its own process group). */
function killRunning(): void {
  if (running?.pid !== undefined) process.kill(-running.pid, "SIGKILL");
}

/** Runs one runtime's (or Python's) part of a bench and collects its JSON rows. */
function runOne(name: RunnerName, bench: string, flags: string[]): Promise<RunResult> {
  const runner = RUNNERS[name];
  const rows: Row[] = [];
  return new Promise((resolve) => {
    const child = spawn(runner.command, runner.args(bench, flags), {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    running = child;
    let pending = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("{")) rows.push(JSON.parse(line) as Row);
        else if (line.trim() !== "") console.error(line);
      }
    });
    const timeout = LONG_RUN_TIMEOUT_MS[bench] ?? RUN_TIMEOUT_MS;
    const timer = setTimeout(() => {
      console.error(`[${name}] still running after ${timeout / 1000} s: killed`);
      killRunning();
    }, timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ rows, failure: `${name} could not start: ${error.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      const failure = code === 0 ? undefined : `${name} ended with ${signal ?? `exit code ${code}`} (its stderr is above)`;
      resolve({ rows, failure });
    });
  });
}

function versionOf(name: RunnerName): string {
  const runner = RUNNERS[name];
  const result = spawnSync(runner.command, runner.versionArgs, { cwd: ROOT, encoding: "utf8" });
  const line = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] ?? "";
  const version = line.match(/\d+\.\d+\.\d+/)?.[0] ?? "?";
  return `${name === "python" ? "Python" : name[0].toUpperCase() + name.slice(1)} ${version}`;
}

function describeMachine(options: Options, startedAt: Date, seconds: number, loadAverage: number): string {
  const cpus = os.cpus();
  return [
    options.runners.map(versionOf).join(" · "),
    `${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"}`,
    `load average ${loadAverage.toFixed(1)} at start`,
    `${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `${options.quick ? "--quick" : "full"} run, ${seconds.toFixed(0)} s`,
  ].join(" · ");
}

async function runBench(bench: string, options: Options): Promise<void> {
  const startedAt = new Date();
  const loadAverage = os.loadavg()[0];
  const flags = options.quick ? ["--quick"] : [];
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const name of options.runners) {
    if (name === "python" && !existsSync(join(ROOT, "bench", "python", `${bench}_baseline.py`))) continue; // none for this bench
    console.error(`== bench/${bench} on ${name}`);
    const result = await runOne(name, bench, flags);
    rows.push(...result.rows);
    if (result.failure !== undefined) failures.push(result.failure);
  }
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  if (options.json) {
    console.log(JSON.stringify({ bench, quick: options.quick, rows, failures }));
    return;
  }
  console.log(`\n### bench/${bench}\n${describeMachine(options, startedAt, seconds, loadAverage)}\n`);
  // Which Node ran: the pinned one (node_modules/.bin first on PATH under npx), or the machine's.
  const nodeTitle: Record<string, string> = options.runners.includes("node") ? { node: versionOf("node").replace(/^(Node \d+).*/, "$1") } : {};
  console.log(renderTable(BENCHES[bench], rows, nodeTitle));
  console.log(`\n${LEGEND}`);
  for (const failure of failures) console.log(`\n**Failed:** ${failure}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killRunning();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  if (options.runners.includes("node")) compileForNode();
  for (const bench of options.benches) await runBench(bench, options);
}

await main();
