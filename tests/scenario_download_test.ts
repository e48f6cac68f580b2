// Scenario 7, `download`, run as a user runs it: the example as a program, against its
// embedded server on 127.0.0.1 (or this test's copy of it), including the ways it must fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProgressView } from "../examples/download/progress.ts";
import { DEMO_FILES, demoContent, type DemoServer, startDemoServer } from "../examples/download/server.ts";
import { Tally } from "../examples/download/tally.ts";
import { runScript, type ScriptResult } from "./_helpers.ts";

const RUN_MS = 30_000;

function download(args: string[]): Promise<ScriptResult> {
  return runScript("examples/download.ts", args, RUN_MS);
}

/** Runs `body` with a fresh output directory and a demo server, and removes both after. */
async function withServerAndDir(body: (server: DemoServer, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "download-test-"));
  const server = await startDemoServer();
  try {
    await body(server, dir);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** A 127.0.0.1 port nobody listens on: one a server had and gave back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("with no URLs it downloads the embedded files with 3 workers, verified, with a retry and a resume", async () => {
  await withServerAndDir(async (server, dir) => {
    const result = await download(["--out", dir]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /downloading 7 files with 3 worker processes from the embedded server at http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.deepEqual(
      (await readdir(dir)).sort(),
      DEMO_FILES.map((file) => file.name).sort(),
      "every file, and no .part left",
    );
    for (const job of server.jobs) {
      assert.equal(await sha256Of(join(dir, job.name)), job.sha256, `${job.name} has the served content`);
    }
    assert.match(result.stdout, /\[w\d\] flaky-echo\.bin: HTTP 500 Internal Server Error; retry 1 of 3 in 100 ms/);
    assert.match(result.stdout, /\[w\d\] resume-foxtrot\.bin: connection .*; retry 1 of 3 in 100 ms/);
    assert.match(result.stdout, /\[w\d\] resume-foxtrot\.bin: resuming at 160\.0 KiB of 384\.0 KiB \(HTTP Range\)/);
    assert.match(result.stdout, /^\[w\d\] slow-charlie\.bin: \d+% \([\d.]+ KiB of 192\.0 KiB\)$/m, "progress lines");
    const workersSeen = new Set([...result.stdout.matchAll(/^\[w(\d)\] /gm)].map((match) => match[1]));
    assert.ok(workersSeen.size >= 2, `several workers downloaded (saw ${[...workersSeen]})`);
    assert.match(result.stdout, /^file +bytes +time +MB\/s +retries +result$/m);
    assert.match(result.stdout, /^resume-foxtrot\.bin +393216 +[\d.]+ s +[\d.]+ +1 +ok$/m);
    assert.match(result.stdout, /^total: 7 files +4259840 +[\d.]+ s +[\d.]+ +2 +7 ok, 0 failures/m);
  });
});

const RESUMABLE = DEMO_FILES.find((file) => file.ranges)!;

/** `<name>.part` as a run cut off after `bytes` would leave it, or stale bytes when `stale`. */
async function leavePart(dir: string, bytes: number, stale: boolean): Promise<void> {
  const part = stale ? new Uint8Array(bytes).fill(7) : demoContent(RESUMABLE).subarray(0, bytes);
  await writeFile(join(dir, `${RESUMABLE.name}.part`), part);
}

function resumableUrl(server: DemoServer): string {
  const job = server.jobs.find((candidate) => candidate.name === RESUMABLE.name)!;
  return `${job.url}#size=${job.size}&sha256=${job.sha256}`;
}

test("a .part left by an interrupted run is continued with HTTP Range, then named", async () => {
  await withServerAndDir(async (server, dir) => {
    await leavePart(dir, 100 * 1024, false);
    const result = await download(["--out", dir, resumableUrl(server)]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /resume-foxtrot\.bin: resuming at 100\.0 KiB of 384\.0 KiB \(HTTP Range\)/);
    assert.match(result.stdout, /resume-foxtrot\.bin: done, 384\.0 KiB verified/);
    assert.deepEqual(await readdir(dir), [RESUMABLE.name]);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, RESUMABLE.name))), demoContent(RESUMABLE));
  });
});

test("a stale .part fails the checksum, is discarded, and the file is downloaded again from the start", async () => {
  await withServerAndDir(async (server, dir) => {
    await leavePart(dir, 100 * 1024, true);
    const result = await download(["--out", dir, resumableUrl(server)]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /resume-foxtrot\.bin: checksum mismatch: .*; retry \d of 3/);
    assert.deepEqual(await readdir(dir), [RESUMABLE.name]);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, RESUMABLE.name))), demoContent(RESUMABLE));
  });
});

test("a 404 fails with the URL and the status, a non-zero exit, and no file", async () => {
  await withServerAndDir(async (server, dir) => {
    const url = `${server.origin}/files/missing.bin`;
    const result = await download(["--out", dir, url]);
    assert.equal(result.status, 1);
    assert.ok(result.stderr.includes(`missing.bin: FAILED: HTTP 404 Not Found (${url})`), result.stderr);
    assert.match(result.stderr, /download: 1 of 1 downloads failed: missing\.bin/);
    assert.match(result.stdout, /^total: 1 file .* 0 ok, 1 failure /m);
    assert.deepEqual(await readdir(dir), []);
  });
});

test("an unreachable server is retried with backoff, then fails with the URL", async () => {
  await withServerAndDir(async (_server, dir) => {
    const url = `http://127.0.0.1:${await closedPort()}/nothing-here.bin`;
    const result = await download(["--out", dir, "--retries", "2", url]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /nothing-here\.bin: cannot connect: .*; retry 1 of 2 in 100 ms/);
    assert.match(result.stdout, /nothing-here\.bin: cannot connect: .*; retry 2 of 2 in 200 ms/);
    assert.ok(result.stderr.includes(`(${url})`), result.stderr);
    assert.match(result.stderr, /nothing-here\.bin: FAILED: cannot connect/);
    assert.deepEqual(await readdir(dir), []);
  });
});

test("a size or checksum mismatch fails that file, keeps the good ones, and leaves nothing complete-looking", async () => {
  await withServerAndDir(async (server, dir) => {
    const list = join(dir, "..", `${dir.split("/").pop()}-urls.txt`);
    const good = server.jobs.find((job) => job.name === "slow-delta.bin")!;
    await writeFile(
      list,
      [
        "# expectations ride in the URL fragment",
        `${server.origin}/files/alpha.bin#sha256=${"0".repeat(64)}`,
        `${server.origin}/files/bravo.bin#size=1000`,
        `${good.url}#size=${good.size}&sha256=${good.sha256}`,
        "",
      ].join("\n"),
    );
    try {
      const result = await download(["--out", dir, "--list", list]);
      assert.equal(result.status, 1);
      assert.match(
        result.stderr,
        /alpha\.bin: FAILED: checksum mismatch: sha256 [0-9a-f]{64}, expected 0{64} \(http:\/\/127\.0\.0\.1:\d+\/files\/alpha\.bin\)/,
      );
      assert.match(result.stderr, /bravo\.bin: FAILED: size mismatch: the server has 1048576 bytes, expected 1000/);
      assert.match(result.stderr, /download: 2 of 3 downloads failed: alpha\.bin .*; bravo\.bin /);
      assert.deepEqual(await readdir(dir), ["slow-delta.bin"]);
      assert.equal(await sha256Of(join(dir, "slow-delta.bin")), good.sha256);
    } finally {
      await rm(list, { force: true });
    }
  });
});

test("an unwritable --out is refused before anything is downloaded", async () => {
  await withServerAndDir(async (server, dir) => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a directory");
    const out = join(file, "downloads");
    const result = await download(["--out", out, server.jobs[0].url]);
    assert.equal(result.status, 1);
    assert.ok(result.stderr.includes(`download: cannot write to --out ${out}:`), result.stderr);
    assert.deepEqual(await readdir(dir), ["a-file"]);
  });
});

test("bad arguments are refused with what to do", async () => {
  const notUrl = await download(["example.bin"]);
  assert.equal(notUrl.status, 1);
  assert.match(notUrl.stderr, /"example\.bin" is not a URL: give absolute http:\/\/ or https:\/\/ URLs/);
  const badWorkers = await download(["--workers", "0", "http://127.0.0.1:9/x"]);
  assert.equal(badWorkers.status, 1);
  assert.match(badWorkers.stderr, /--workers takes a whole number from 1 to 64, got "0"/);
});

test("on a terminal the parent draws a bar per worker and a total, redrawn in place", () => {
  const job = { url: "http://127.0.0.1:1/a.bin", name: "a.bin", size: 1000 };
  const tally = new Tally([job], 2);
  let screen = "";
  const terminal = { isTTY: true, columns: 100, write: (text: string) => (screen += text) };
  const view = createProgressView(tally, terminal, terminal);
  for (
    const event of [
      { kind: "start", worker: 1, job } as const,
      { kind: "progress", worker: 1, name: "a.bin", received: 500, total: 1000 } as const,
    ]
  ) {
    tally.apply(event);
    view.show(event);
  }
  view.finish();
  const lastFrame = screen.split("\x1b[3F\x1b[J").pop()!;
  assert.equal(
    lastFrame,
    [
      `w1    [${"█".repeat(12)}${"░".repeat(12)}]  50%  a.bin  500 B of 1000 B`,
      "w2    idle",
      lastFrame.split("\n")[2],
      "",
    ].join("\n"),
  );
  assert.match(lastFrame.split("\n")[2], /^total \[█{12}░{12}\]  50%  0\/1 files  500 B of 1000 B  [\d.]+ MB\/s$/);
});
