// One attempt at one download: stream the body into `<name>.part` (continuing it with HTTP
// Range where the server allows), verify size and sha256, and only then rename it to `<name>`,
// so a file under its final name is always complete.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Job } from "./jobs.ts";
import { formatBytes } from "./units.ts";

/** A failed attempt; `retryable` says whether another attempt may succeed. */
export class TransferError extends Error {
  override name = "TransferError";
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

/** What an attempt tells its caller while it runs. */
export interface TransferHooks {
  /** The response arrived: the bytes kept from an earlier attempt and the full size, if known. */
  onResponse(resumedFrom: number, total: number | null): Promise<void> | void;
  /** Bytes of the file on disk so far. */
  onBytes(received: number, total: number | null): Promise<void> | void;
}

/** A verified file. */
export interface Transferred {
  bytes: number;
  sha256: string;
}

/** Where the bytes of `name` gather until they are verified. */
export function partPathOf(dir: string, name: string): string {
  return join(dir, `${name}.part`);
}

/**
 * Downloads `job` into `dir` once. An existing `<name>.part` is continued with a Range
 * request. Throws a {@link TransferError}; the part is kept only when it may be continued.
 */
export async function transfer(job: Job, dir: string, hooks: TransferHooks, stallMs: number): Promise<Transferred> {
  const partPath = partPathOf(dir, job.name);
  const stall = new StallGuard(stallMs);
  try {
    const kept = await sizeOf(partPath);
    const response = await request(job.url, kept, stall.signal);
    const { resumedFrom, total } = await readHead(job, response, kept, partPath);
    await hooks.onResponse(resumedFrom, total);
    const hash = createHash("sha256");
    if (resumedFrom > 0) await hashFile(partPath, hash);
    const received = await receiveBody(
      response,
      partPath,
      resumedFrom,
      hash,
      stall,
      (bytes) => hooks.onBytes(bytes, total),
    );
    const sha256 = hash.digest("hex");
    await verify(job, { received, total, sha256, resumedFrom, partPath });
    await rename(partPath, join(dir, job.name)).catch((error) => {
      throw new TransferError(`cannot name the file ${join(dir, job.name)}: ${(error as Error).message}`, false);
    });
    return { bytes: received, sha256 };
  } finally {
    stall.stop();
  }
}

async function request(url: string, from: number, signal: AbortSignal): Promise<Response> {
  // Identity encoding: Content-Length then counts the bytes that land on disk.
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (from > 0) headers.range = `bytes=${from}-`;
  try {
    return await fetch(url, { headers, signal });
  } catch (error) {
    throw new TransferError(`cannot connect: ${reasonOf(error)}`, true);
  }
}

/** Checks the status and size of a response; says where the body starts. */
async function readHead(
  job: Job,
  response: Response,
  kept: number,
  partPath: string,
): Promise<{ resumedFrom: number; total: number | null }> {
  if (response.status === 206 && kept > 0) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (range && Number(range[1]) === kept) {
      const total = range[2] === "*" ? null : Number(range[2]);
      await expectSize(job, total, response, partPath);
      return { resumedFrom: kept, total };
    }
  }
  if (response.status === 416 || response.status === 206) {
    // The server could not continue this part as asked: start again from the first byte.
    await discard(response, partPath);
    throw new TransferError(
      `the server could not resume at byte ${kept} (HTTP ${response.status}); starting over`,
      true,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new TransferError(`HTTP ${response.status} ${response.statusText}`.trimEnd(), retryable);
  }
  // 200 answers a Range request too when the server ignores it: the body is the whole file.
  const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
  const length = response.headers.get("content-length");
  const total = length === null || encoded ? null : Number(length);
  await expectSize(job, total, response, partPath);
  return { resumedFrom: 0, total };
}

async function expectSize(job: Job, total: number | null, response: Response, partPath: string): Promise<void> {
  if (job.size === undefined || total === null || total === job.size) return;
  await discard(response, partPath);
  throw new TransferError(`size mismatch: the server has ${total} bytes, expected ${job.size}`, false);
}

/** Streams the body into the part file, feeding `hash`; returns the part's size. */
async function receiveBody(
  response: Response,
  partPath: string,
  resumedFrom: number,
  hash: Hash,
  stall: StallGuard,
  onBytes: (received: number) => Promise<void> | void,
): Promise<number> {
  const file = await openPart(partPath, resumedFrom > 0 ? "a" : "w");
  let received = resumedFrom;
  try {
    await onBytes(received);
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = await readChunk(reader, received);
      if (!chunk) break;
      stall.reset();
      await writeChunk(file, chunk, partPath);
      hash.update(chunk);
      received += chunk.length;
      await onBytes(received);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return received;
}

async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  received: number,
): Promise<Uint8Array | undefined> {
  if (!reader) return undefined;
  try {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  } catch (error) {
    throw new TransferError(`connection lost after ${formatBytes(received)}: ${reasonOf(error)}`, true);
  }
}

async function openPart(partPath: string, flags: "a" | "w"): Promise<FileHandle> {
  try {
    return await open(partPath, flags);
  } catch (error) {
    throw new TransferError(`cannot write ${partPath}: ${(error as Error).message}`, false);
  }
}

async function writeChunk(file: FileHandle, chunk: Uint8Array, partPath: string): Promise<void> {
  try {
    await file.write(chunk);
  } catch (error) {
    throw new TransferError(`cannot write ${partPath}: ${(error as Error).message}`, false);
  }
}

interface Received {
  received: number;
  total: number | null;
  sha256: string;
  resumedFrom: number;
  partPath: string;
}

/**
 * Size and checksum. Short: the connection ended early, keep the part to continue it.
 * Wrong: discard the part; worth another try only if it continued an earlier part, whose
 * bytes may be stale.
 */
async function verify(job: Job, { received, total, sha256, resumedFrom, partPath }: Received): Promise<void> {
  const expected = job.size ?? total;
  if (expected !== null && received < expected) {
    throw new TransferError(`connection closed after ${received} of ${expected} bytes`, true);
  }
  let mismatch: string | undefined;
  if (expected !== null && received > expected) mismatch = `size mismatch: got ${received} bytes, expected ${expected}`;
  else if (job.sha256 !== undefined && sha256 !== job.sha256) {
    mismatch = `checksum mismatch: sha256 ${sha256}, expected ${job.sha256}`;
  }
  if (mismatch === undefined) return;
  await rm(partPath, { force: true });
  throw new TransferError(mismatch, resumedFrom > 0);
}

/** Drops a response's body and the part it would have continued. */
async function discard(response: Response, partPath: string): Promise<void> {
  await response.body?.cancel();
  await rm(partPath, { force: true });
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
}

/** The size of a file, 0 when there is none. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The most telling part of a fetch error (runtimes nest the system error as `cause`). */
function reasonOf(error: unknown): string {
  const { message, cause } = error as { message?: string; cause?: { code?: string; message?: string } };
  const detail = cause?.code ?? cause?.message;
  return detail && !message?.includes(detail) ? `${message} (${detail})` : String(message ?? error);
}

/** Aborts a transfer when no data arrived for `ms` (a stalled server never hangs a worker). */
class StallGuard {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.reset();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(new Error(`no data for ${this.#ms / 1000} s`)), this.#ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
