// The command line over Redis. The download scenario across hosts: `cli.ts download --redis
// URL` puts the jobs on a Redis queue, and `cli.ts worker --redis URL` (another OS process; on
// another host in real use) takes them, with the progress of each of its workers shown by the
// parent. And the generic worker host, `cli.ts worker --pool NAME` (`mp-worker`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { projectFile, runScript } from "../tests/_helpers.ts";
import { DEMO_FILES } from "../examples/download/server.ts";
import { RedisCluster } from "../redis.ts";
import { commandFor, eventually, startRedis } from "./_server.ts";
import { square } from "./fixtures/tasks.ts";

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

test("worker --pool NAME --import ./tasks.ts serves a Redis pool until SIGTERM, then reports its chunks", async () => {
  const server = await startRedis();
  const tasks = projectFile("tests_redis/fixtures/tasks.ts");
  const [command, argv] = commandFor(projectFile("cli.ts"), [
    "worker", "--redis", server.url, "--namespace", "cli", "--pool", "squares", "--processes", "1", "--import", tasks,
  ]);
  const worker = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  worker.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  worker.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const workerEnded = new Promise((resolve) => worker.once("exit", resolve));
  const cluster = await RedisCluster.connect(server.url, { namespace: "cli" });
  try {
    await eventually(async () => output.includes(`serving pool "squares"`) || undefined, 30_000, "the worker host starts");
    assert.deepEqual(await cluster.Pool("squares").map(square, [1, 2, 3], { chunksize: 1 }), [1, 4, 9]);
    worker.kill("SIGTERM");
    await workerEnded;
    assert.match(output, /stopped after 3 chunks/, output);
  } finally {
    worker.kill("SIGKILL");
    await workerEnded;
    await cluster.close();
    await server.stop();
  }
});
