// The embedded default: an HTTP server on 127.0.0.1 serving generated files of known size
// and checksum, some of them slow, flaky or cut off, so every path of the scenario runs
// without a network.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Job } from "./jobs.ts";

/** How one generated file behaves. */
export interface DemoFile {
  name: string;
  size: number;
  /** Sent in small chunks with pauses, so its progress bar moves visibly. */
  slow?: boolean;
  /** The first request gets `500 Internal Server Error`, the next ones the file. */
  failsOnce?: boolean;
  /** Honours `Range` (answering 206) and advertises `Accept-Ranges: bytes`. */
  ranges?: boolean;
  /** The first transfer is cut off after this many bytes (the connection is dropped). */
  dropsOnceAfter?: number;
}

const KiB = 1024;
const SLOW_CHUNK = 16 * KiB;
const SLOW_PAUSE_MS = 40;
const FAST_CHUNK = 64 * KiB;

/** The files of the default run: about 4 MiB, downloaded in a second or two. */
export const DEMO_FILES: readonly DemoFile[] = [
  { name: "alpha.bin", size: 256 * KiB },
  { name: "bravo.bin", size: 1024 * KiB },
  { name: "slow-charlie.bin", size: 192 * KiB, slow: true },
  { name: "slow-delta.bin", size: 160 * KiB, slow: true },
  { name: "flaky-echo.bin", size: 96 * KiB, failsOnce: true },
  { name: "resume-foxtrot.bin", size: 384 * KiB, slow: true, ranges: true, dropsOnceAfter: 160 * KiB },
  { name: "golf.bin", size: 2048 * KiB },
];

/** A running demo server. */
export interface DemoServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** A job per served file, with its size and sha256. */
  jobs: Job[];
  /** Stops serving and ends open connections. */
  close(): Promise<void>;
}

/** Starts the demo server on 127.0.0.1 on a free port. */
export async function startDemoServer(files: readonly DemoFile[] = DEMO_FILES): Promise<DemoServer> {
  const contents = new Map(files.map((file) => [file.name, demoContent(file)]));
  const requestCounts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname.replace(/^\/files\//, ""));
    const file = files.find((candidate) => candidate.name === name);
    if (!file) return void response.writeHead(404, { "content-type": "text/plain" }).end(`no file ${name}\n`);
    const count = (requestCounts.get(name) ?? 0) + 1;
    requestCounts.set(name, count);
    void serveFile(file, contents.get(name)!, count === 1, request, response);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    jobs: files.map((file) => ({
      url: `${origin}/files/${encodeURIComponent(file.name)}`,
      name: file.name,
      size: file.size,
      sha256: createHash("sha256").update(contents.get(file.name)!).digest("hex"),
    })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function serveFile(
  file: DemoFile,
  content: Uint8Array,
  firstRequest: boolean,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (file.failsOnce && firstRequest) {
    return void response.writeHead(500, { "content-type": "text/plain" }).end("failing once, on purpose\n");
  }
  const start = file.ranges ? rangeStart(request.headers.range) : 0;
  if (start >= content.length && start > 0) {
    return void response.writeHead(416, { "content-range": `bytes */${content.length}` }).end();
  }
  response.writeHead(start > 0 ? 206 : 200, {
    "content-type": "application/octet-stream",
    "content-length": String(content.length - start),
    "accept-ranges": file.ranges ? "bytes" : "none",
    ...(start > 0 ? { "content-range": `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
  });
  const cutAt = file.dropsOnceAfter !== undefined && firstRequest ? file.dropsOnceAfter : undefined;
  await sendBody(response, content.subarray(start, cutAt), file.slow ?? false);
  if (cutAt !== undefined) response.destroy();
  else response.end();
}

/** The first byte asked for by a `Range: bytes=N-` header (0 without one). */
function rangeStart(header: string | undefined): number {
  const match = /^bytes=(\d+)-$/.exec(header ?? "");
  return match ? Number(match[1]) : 0;
}

async function sendBody(response: ServerResponse, body: Uint8Array, slow: boolean): Promise<void> {
  const chunk = slow ? SLOW_CHUNK : FAST_CHUNK;
  for (let offset = 0; offset < body.length && !response.destroyed; offset += chunk) {
    await new Promise<void>((resolve) => response.write(body.subarray(offset, offset + chunk), () => resolve()));
    if (slow) await new Promise((resolve) => setTimeout(resolve, SLOW_PAUSE_MS));
  }
}

/** The bytes served for `file`: reproducible pseudo-random bytes (xorshift32 seeded from the name). */
export function demoContent(file: DemoFile): Uint8Array {
  const words = new Uint32Array(Math.ceil(file.size / 4));
  let state = 2166136261;
  for (const char of file.name) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  return new Uint8Array(words.buffer, 0, file.size);
}
