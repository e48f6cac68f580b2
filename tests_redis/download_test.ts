// The download scenario across hosts: `cli.ts download --redis URL` puts the jobs on a Redis
// queue, and `cli.ts worker --redis URL` (another OS process; on another host in real use)
// takes them, with the progress of each of its workers shown by the parent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { projectFile, runScript } from "../tests/_helpers.ts";
import { DEMO_FILES } from "../examples/download/server.ts";
import { commandFor, eventually, startRedis } from "./_server.ts";

test("download --redis: a worker host in another process takes the jobs; files verified, progress per worker", async () => {
  const server = await startRedis();
  const out = await mkdtemp(join(tmpdir(), "mp-redis-download-"));
  const [command, argv] = commandFor(projectFile("cli.ts"), ["worker", "--redis", server.url, "--namespace", "dl", "--workers", "2", "--out", out]);
  const worker = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let workerOutput = "";
  worker.stdout!.setEncoding("utf8").on("data", (chunk: string) => (workerOutput += chunk));
  worker.stderr!.setEncoding("utf8").on("data", (chunk: string) => (workerOutput += chunk));
  const workerEnded = new Promise((resolve) => worker.once("exit", resolve));
  try {
    await eventually(async () => workerOutput.includes("download workers take jobs") || undefined, 30_000, "the worker host starts");
    const result = await runScript("cli.ts", ["download", "--redis", server.url, "--namespace", "dl"], 60_000);
    assert.equal(result.status, 0, result.stderr + result.stdout + workerOutput);
    assert.match(result.stdout, /downloading 7 files from the embedded server at http:\/\/127\.0\.0\.1:\d+ .*through Redis/);
    assert.match(result.stdout, new RegExp(`\\[[^\\]]+-${worker.pid}/[12]\\] \\S+: done`), "progress lines name the worker");
    assert.match(result.stdout, /total: 7 files .* 7 ok, 0 failures/);
    for (const file of DEMO_FILES) {
      const bytes = await readFile(join(out, file.name));
      assert.equal(bytes.length, file.size, `${file.name} has its size (the worker verified its sha256)`);
    }
  } finally {
    worker.kill("SIGKILL");
    await workerEnded;
    await server.stop();
    await rm(out, { recursive: true, force: true });
  }
});
