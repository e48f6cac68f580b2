// The download scenario's command line: URLs, `--list FILE`, `--workers N`, `--out DIR`,
// `--retries N`; and the output directory it names.
import { access, constants, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FlagSpec, ScenarioFlags } from "../_shared.ts";
import { type Job, jobFromUrl, nameJobs, readUrlList } from "./jobs.ts";
import type { WorkerSettings } from "./worker.ts";

/** The first retry waits this long; each next one twice as long. */
const BASE_RETRY_DELAY_MS = 100;
/** An attempt that receives nothing for this long is abandoned (and retried). */
const STALL_MS = 30_000;

/** What a run is asked to do. */
export interface DownloadOptions {
  /** URLs from the command line (expectations in the fragment, see `jobFromUrl`). */
  urls: string[];
  /** A file of URLs, one a line. */
  list?: string;
  /** Worker processes (default 3). */
  workers: number;
  /** Output directory (default: a new temporary directory). */
  out?: string;
  /** Retries per file after a failed attempt (default 3). */
  retries: number;
  /** A Redis server: the jobs go on its queue, for `mp-demo worker --redis URL` on any host. */
  redis?: string;
  /** The namespace on that server (default "mp-demo"). */
  namespace: string;
}

/** What the download scenario takes on its command line (see `parseFlags`). */
export const DOWNLOAD_FLAGS: FlagSpec = { flags: ["workers", "out", "list", "retries", "redis", "namespace"], positional: true };

/** Reads the scenario's flags (parsed with {@link DOWNLOAD_FLAGS}); throws on a bad number. */
export function downloadOptions({ rest, extra }: Pick<ScenarioFlags, "rest" | "extra">): DownloadOptions {
  return {
    urls: rest,
    list: extra.list,
    workers: count("workers", extra.workers, 3, 1),
    out: extra.out,
    retries: count("retries", extra.retries, 3, 0),
    redis: extra.redis,
    namespace: extra.namespace ?? "mp-demo",
  };
}

function count(name: string, value: string | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < least || number > 64) {
    throw new Error(`--${name} takes a whole number from ${least} to 64, got "${value}"`);
  }
  return number;
}

/** The jobs named by the command line and the list file, checked before anything starts. */
export async function jobsOf(options: DownloadOptions): Promise<Job[]> {
  const urls = [...options.urls, ...(options.list === undefined ? [] : await readUrlList(options.list))];
  if (urls.length === 0) throw new Error(`the --list file ${options.list} has no URLs`);
  return nameJobs(urls.map(jobFromUrl));
}

/** What a worker process is told: where files go, how often a file is retried, when an attempt stalled. */
export function workerSettings(outDir: string, retries: number): WorkerSettings {
  return { outDir, policy: { retries, baseDelayMs: BASE_RETRY_DELAY_MS }, stallMs: STALL_MS };
}

/** Creates the output directory (a new temporary one by default) and checks it is writable. */
export async function prepareOutDir(out: string | undefined): Promise<string> {
  if (out === undefined) return await mkdtemp(join(tmpdir(), "mp-download-"));
  try {
    await mkdir(out, { recursive: true });
    await access(out, constants.W_OK);
  } catch (error) {
    throw new Error(`cannot write to --out ${out}: ${(error as Error).message}`);
  }
  return out;
}
