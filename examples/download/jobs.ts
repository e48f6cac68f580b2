// What to download: a job per URL, with the size and checksum the file must have when known.
import { readFile } from "node:fs/promises";

/** One file to download; `size` and `sha256` are checked before the file gets its name. */
export interface Job {
  url: string;
  /** The file's name in the output directory (unique among the jobs of a run). */
  name: string;
  /** Expected size in bytes, when known. */
  size?: number;
  /** Expected SHA-256 of the content, lowercase hex, when known. */
  sha256?: string;
}

/**
 * Reads a URL argument. Expectations ride in the fragment, which is never sent to the
 * server: `http://host/file.bin#size=1024&sha256=<64 hex digits>`.
 */
export function jobFromUrl(text: string): Omit<Job, "name"> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL: give absolute http:// or https:// URLs`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${text}: only http:// and https:// URLs can be downloaded`);
  }
  const expected = new URLSearchParams(url.hash.slice(1));
  url.hash = "";
  const job: Omit<Job, "name"> = { url: url.href };
  for (const [key, value] of expected) {
    if (key === "size") job.size = parseSize(text, value);
    else if (key === "sha256") job.sha256 = parseSha256(text, value);
    else throw new Error(`${text}: unknown "${key}" in the URL fragment (known: size, sha256)`);
  }
  return job;
}

function parseSize(text: string, value: string): number {
  const size = Number(value);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new Error(`${text}: size must be a whole number of bytes, got "${value}"`);
  }
  return size;
}

function parseSha256(text: string, value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new Error(`${text}: sha256 must be 64 hex digits, got "${value}"`);
  return value.toLowerCase();
}

/** The URLs of a list file: one a line; blank lines and lines starting with `#` are skipped. */
export async function readUrlList(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the --list file ${path}: ${(error as Error).message}`);
  }
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
}

/** Names each job after its URL's last path segment, made safe and unique (`a.bin`, `a-2.bin`). */
export function nameJobs(jobs: Omit<Job, "name">[]): Job[] {
  const taken = new Set<string>();
  return jobs.map((job) => {
    const base = fileNameOf(job.url);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = withSuffix(base, n);
    taken.add(name);
    return { ...job, name };
  });
}

function fileNameOf(url: string): string {
  const last = new URL(url).pathname.split("/").pop() ?? "";
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch { /* keep the raw segment */ }
  // Only plain characters, and no leading dot: a URL must not name `..` or a hidden file.
  const safe = decoded.replace(/[^\p{L}\p{N}._-]/gu, "_").replace(/^\.+/, "");
  return safe === "" ? "index.html" : safe;
}

function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}
