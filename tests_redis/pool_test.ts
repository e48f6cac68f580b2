// The Redis pool: Python's Pool API over worker hosts that are OS processes of their own,
// and what happens when a host is killed, paused, or cut from the server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ProcessError } from "../mod.ts";
import { RedisCluster } from "../redis.ts";
import { startHost, type Host } from "./_hosts.ts";
import { redisCommand, type RedisServer, startRedis } from "./_server.ts";
import { add, failOnThree, failWithOwnError, makePoint, PlanError, Point, spinThenPid, square } from "./fixtures/tasks.ts";

let server: RedisServer;
let cluster: RedisCluster;
let host: Host;

before(async () => {
  server = await startRedis();
  cluster = await RedisCluster.connect(server.url, { namespace: "pool" });
  host = await startHost({ url: server.url, namespace: "pool", pool: "math", processes: 2 });
});
after(async () => {
  await host?.stop();
  await cluster?.close();
  await server?.stop();
});

test("map, starmap, apply, imap and imapUnordered give the local pool's results", async () => {
  const pool = cluster.Pool("math");
  assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
  assert.deepEqual(await pool.map(square, Array.from({ length: 1000 }, (_, i) => i), { chunksize: 7 }), Array.from({ length: 1000 }, (_, i) => i * i));
  assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
  assert.equal(await pool.apply(add, [20, 22]), 42);
  const ordered: number[] = [];
  for await (const y of pool.imap(square, [3, 2, 1])) ordered.push(y);
  assert.deepEqual(ordered, [9, 4, 1]);
  const unordered: number[] = [];
  for await (const y of pool.imapUnordered(square, [1, 2, 3], { chunksize: 2 })) unordered.push(y);
  assert.deepEqual(unordered.sort(), [1, 4, 9]);
  await pool.close();
  await pool.join();
});

test("a task's error arrives as its own class, after the other chunks ran, as in Python's map", async () => {
  const pool = cluster.Pool("math");
  await assert.rejects(pool.map(failOnThree, [1, 2, 3, 4], { chunksize: 1 }), (error: Error) => {
    assert.ok(error instanceof RangeError, `got ${error?.constructor?.name}`);
    assert.match(error.message, /three is not allowed/);
    return true;
  });
  await pool.terminate();
});

test("instances of exported classes cross by reference both ways, and an exported error class arrives as itself", async () => {
  const pool = cluster.Pool("math");
  const [point] = await pool.map(makePoint, [3]);
  assert.ok(point instanceof Point, `got ${point?.constructor?.name}`);
  assert.equal(point.norm(), 5);
  await assert.rejects(pool.apply(failWithOwnError, [42]), (error: Error) => {
    assert.ok(error instanceof PlanError, `got ${error?.constructor?.name}: ${error}`);
    assert.equal((error as PlanError).code, 42);
    return true;
  });
  const q = cluster.Queue<Point>("points");
  await q.put(new Point(6, 8));
  const got = await q.get();
  assert.ok(got instanceof Point);
  assert.equal(got.norm(), 10);
  await q.close();
  await pool.terminate();
});

test("an input that cannot be sent is refused with a TypeError naming it, and nothing is sent", async () => {
  const pool = cluster.Pool("refuse");
  assert.throws(() => pool.mapAsync(square, [1, 2, (() => 3) as unknown as number]), /^TypeError: inputs\[2\] is a function/);
  assert.throws(() => pool.applyAsync(add, [1, Symbol("x") as unknown as number]), /^TypeError: args\[1\] is a symbol/);
  assert.equal(await redisCommand(server.url, ["XLEN", "{pool:p:refuse}:s"]), 0);
  await pool.terminate();
});

test("a CPU-bound task longer than minIdle is not taken for lost: the host's heartbeat comes from its event loop", async () => {
  const quick = await RedisCluster.connect(server.url, { namespace: "cpu", minIdle: 300, reclaimInterval: 50 });
  const cpuHost = await startHost({ url: server.url, namespace: "cpu", pool: "cpu", processes: 1, minIdle: 300 });
  try {
    const pool = quick.Pool("cpu");
    assert.equal(await pool.apply(spinThenPid, [1200]), cpuHost.pid);
    assert.equal(quick.janitorCounts.putBack, 0);
    await pool.close();
  } finally {
    await cpuHost.stop();
    await quick.close();
  }
  assert.match(cpuHost.output(), /"refused":0/);
});
