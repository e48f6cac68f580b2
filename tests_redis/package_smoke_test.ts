// A smoke test of the `./redis` entry as a user gets it (the npm package step runs it against
// the installed tarball; from sources it runs with the rest of the Redis suite).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RedisCluster } from "../redis.ts";
import { startRedis } from "./_server.ts";

test("the ./redis entry connects, and a JoinableQueue and a dict work", async () => {
  const server = await startRedis();
  try {
    await using cluster = await RedisCluster.connect(server.url, { namespace: "smoke" });
    const q = cluster.JoinableQueue<{ n: number }>("q");
    await q.put({ n: 1 });
    assert.deepEqual(await q.get(), { n: 1 });
    assert.equal(await q.taskDone(), true);
    await q.join({ timeout: 5000 });
    const d = cluster.dict<Date>("d");
    await d.set("when", new Date(0));
    assert.deepEqual(await d.get("when"), new Date(0));
  } finally {
    await server.stop();
  }
});
