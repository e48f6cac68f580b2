/**
 * The demo: every tutorial scenario as a subcommand, `cli.ts <scenario> [flags]`.
 * Built into the standalone binary `dist/mp-demo` (see README).
 *
 * @example Usage
 * ```sh
 * deno run -A cli.ts clock --interval 0.5
 * ```
 * @module
 */
import process from "node:process";
import { isMain } from "./mod.ts";
import { type FlagSpec, parseFlags, type ScenarioFlags } from "./examples/_shared.ts";
import { DOWNLOAD_FLAGS } from "./examples/download/options.ts";
import { WORKER_FLAGS } from "./examples/worker_host.ts";

/** A tutorial scenario: what it shows, what it takes besides --interval and --lang, how to run it. */
interface Scenario {
  summary: string;
  accepts?: FlagSpec;
  run(flags: ScenarioFlags): Promise<void>;
}

/** The scenarios, in the tutorial's order (SCENARIOS.md). */
const SCENARIOS: Record<string, Scenario> = {
  clock: {
    summary: "a process from a function: five ticks, then Ending!",
    run: async (flags) => (await import("./examples/clock.ts")).main(flags),
  },
  subclass: {
    summary: "a process from a Process subclass that overrides run()",
    run: async (flags) => (await import("./examples/subclass.ts")).main(flags),
  },
  "no-daemon": {
    summary: "the program waits for a non-daemon child to finish",
    run: async (flags) => (await import("./examples/daemon.ts")).main({ ...flags, daemon: false }),
  },
  daemon: {
    summary: "a daemon child ends with the program",
    run: async (flags) => (await import("./examples/daemon.ts")).main({ ...flags, daemon: true }),
  },
  "producer-consumer": {
    summary: "a JoinableQueue between the producer and a daemon consumer process",
    run: async (flags) => (await import("./examples/producer_consumer.ts")).main(flags),
  },
  pipe: {
    summary: "the tutorial's unfinished chapter: duplex and one-way pipes, poll(), end of file",
    run: async (flags) => (await import("./examples/pipe.ts")).main(flags),
  },
  manager: {
    summary: "worker processes fill one Manager().dict() and list; the parent prints them sorted",
    run: async () => (await import("./examples/manager.ts")).main(),
  },
  download: {
    summary: "worker processes download files in parallel: progress bars, verified, retried, resumed",
    accepts: DOWNLOAD_FLAGS,
    run: async (flags) => (await import("./examples/download.ts")).main(flags),
  },
  // Beyond the tutorial.
  tasks: {
    summary: "PyMOTW's producer/consumer: Task objects on a JoinableQueue, consumers call them",
    run: async (flags) => (await import("./examples/tasks.ts")).main(flags),
  },
  primes: {
    summary: "concurrent.futures' ProcessPoolExecutor example: isPrime over six large numbers, asCompleted progress",
    run: async () => (await import("./examples/primes.ts")).main(),
  },
  worker: {
    summary: "a worker host over Redis: takes download jobs (download --redis), or a Redis pool's tasks (--pool)",
    accepts: WORKER_FLAGS,
    run: async (flags) => (await import("./examples/worker_host.ts")).main(flags),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(SCENARIOS).map((name) => name.length));
  const lines = Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(width)}  ${s.summary}`);
  return [
    "usage: mp-demo <scenario> [flags]",
    "",
    "Scenarios of the tutorial (Python's multiprocessing, in TypeScript):",
    ...lines,
    "",
    "  --interval SECONDS  time between the clock's ticks, or the producer's items (default 1, as in the tutorial)",
    "  --lang zh|en        labels of the producer-consumer and pipe scenarios (default zh)",
    "  download: --workers N  --out DIR  --list FILE  --retries N  [--redis URL --namespace NS]  [URL…]",
    "                      (with no URLs it serves its own files on 127.0.0.1; with --redis the jobs go",
    "                      on a Redis queue for `worker --redis URL` on any host)",
    "  worker:   --redis URL  [--namespace NS]  --workers N  --out DIR  (download jobs), or",
    "            --redis URL  --namespace NS  --pool NAME  --processes N  --import ./tasks.ts  [--root DIR]",
    "                      (also installed as the `mp-worker` command: `mp-worker --redis URL --pool NAME …`)",
  ].join("\n");
}

function isHelp(arg: string): boolean {
  return arg === "--help" || arg === "-h";
}

/** Runs the scenario named by `argv[0]` with the flags that follow. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = invokedAsWorker() && argv[0] !== "worker" ? ["worker", ...argv] : argv;
  if (!name || isHelp(name) || name === "help" || rest.some(isHelp)) {
    console.log(usage());
    return 0;
  }
  const scenario = SCENARIOS[name];
  if (!scenario) {
    console.error(`unknown scenario "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    await scenario.run(parseFlags(scenario.accepts, rest));
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}

/** Whether the program was started as `mp-worker` (the npm package's second command name). */
function invokedAsWorker(): boolean {
  return /(^|[\\/])mp-worker(\.[cm]?js)?$/.test(process.argv[1] ?? "");
}

if (isMain(import.meta)) process.exitCode = await runCli(process.argv.slice(2));
