// Connecting: the errors for a server that cannot be used (unreachable, wrong password, older
// than 6.2), and the node-redis client proven on this runtime: blocking reads on their own
// connection, reconnection, scripts by SHA after the server lost them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { RedisCluster, RedisConnectionError } from "../redis.ts";
import { square } from "./fixtures/tasks.ts";
import { freePort, redisCommand, type RedisServer, startRedis } from "./_server.ts";

let server: RedisServer;

before(async () => {
  server = await startRedis({ extra: ["--requirepass", "s3cret"] });
});
after(async () => {
  await server?.stop();
});

const withPassword = () => server.url.replace("redis://", "redis://:s3cret@");

test("an unreachable server fails with RedisConnectionError within 5 s, saying what to do", async () => {
  const port = await freePort();
  const started = performance.now();
  await assert.rejects(RedisCluster.connect(`redis://127.0.0.1:${port}`, { namespace: "x" }), (error: Error) => {
    assert.ok(error instanceof RedisConnectionError);
    assert.equal(error.name, "RedisConnectionError");
    assert.match(error.message, new RegExp(`cannot reach the Redis server at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*tried for \\d+ ms\\): is redis-server running`));
    assert.match(error.message, new RegExp(`start one with \`redis-server --port ${port}\``));
    return true;
  });
  assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
});

test("a put while the server is down fails with RedisConnectionError naming the server (Python: a dead manager's proxy raises), not node-redis's bare error", async () => {
  const down = await startRedis();
  const cluster = await RedisCluster.connect(down.url, { namespace: "x" });
  try {
    const q = cluster.Queue<number>("q");
    await q.put(1);
    await down.kill();
    await assert.rejects(q.put(2), (error: Error) => {
      assert.ok(error instanceof RedisConnectionError, `${error.name}: ${error.message}`);
      assert.match(error.message, new RegExp(`^lost the Redis server at redis://127\\.0\\.0\\.1:${down.port}/?: the command was not sent \\(`));
      return true;
    });
    await down.restart();
    assert.equal(await q.get(), 1);
  } finally {
    await cluster.close();
    await down.stop();
  }
});

test("closing the cluster while the server is down ends (Python's pool.terminate() returns), after a pool call gave up", async () => {
  const down = await startRedis();
  const cluster = await RedisCluster.connect(down.url, { namespace: "x" });
  try {
    await down.kill();
    const pool = cluster.Pool("nobody-serves-this");
    await assert.rejects(pool.apply(square, [2], { signal: AbortSignal.timeout(300) }), { name: "TimeoutError" });
    let bound: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      cluster.close().then(() => "closed"),
      new Promise((resolve) => (bound = setTimeout(resolve, 30_000, "still closing after 30 s"))),
    ]);
    clearTimeout(bound);
    assert.equal(outcome, "closed");
  } finally {
    await down.stop();
  }
});

test("a wrong password fails with RedisConnectionError naming the credentials, and the password is not shown", async () => {
  const wrong = server.url.replace("redis://", "redis://:nope@");
  await assert.rejects(RedisCluster.connect(wrong, { namespace: "x" }), (error: Error) => {
    assert.ok(error instanceof RedisConnectionError);
    assert.match(error.message, /refused the credentials \(WRONGPASS/);
    assert.doesNotMatch(error.message, /nope/);
    return true;
  });
  const cluster = await RedisCluster.connect(server.url, { namespace: "x", password: "s3cret" });
  await cluster.close();
});

test("a server older than Redis 6.2 is refused, naming its version", async () => {
  const stub = createServer((socket) => answerAsOldRedis(socket));
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  const { port } = stub.address() as { port: number };
  try {
    await assert.rejects(RedisCluster.connect(`redis://127.0.0.1:${port}`, { namespace: "x" }), (error: Error) => {
      assert.ok(error instanceof RedisConnectionError);
      assert.match(error.message, /is version 6\.0\.16; this library needs Redis 6\.2 or newer/);
      return true;
    });
  } finally {
    await new Promise((resolve) => stub.close(resolve));
  }
});

test("a namespace with braces, or none, is a TypeError", async () => {
  await assert.rejects(RedisCluster.connect(withPassword(), { namespace: "a{b}" }), TypeError);
  await assert.rejects(RedisCluster.connect(withPassword(), {} as never), TypeError);
});

test("the client on this runtime: a blocked get does not hold up other commands, and reconnects after CLIENT KILL", async () => {
  const cluster = await RedisCluster.connect(withPassword(), { namespace: "client" });
  try {
    const q = cluster.Queue<string>("q");
    const blocked = q.get({ timeout: 10_000 });
    const d = cluster.dict<number>("d");
    await d.set("k", 1); // the command connection is free while the get blocks on its own
    assert.equal(await d.get("k"), 1);
    await redisCommand(withPassword(), ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    await q.put("after the kill");
    assert.equal(await blocked, "after the kill");
    await q.close();
  } finally {
    await cluster.close();
  }
});

test("scripts run again after the server lost its script cache (EVALSHA, then EVAL on NOSCRIPT)", async () => {
  const cluster = await RedisCluster.connect(withPassword(), { namespace: "scripts" });
  try {
    const q = cluster.JoinableQueue<number>("q", { maxsize: 5 });
    await q.put(1);
    await redisCommand(withPassword(), ["SCRIPT", "FLUSH"]);
    await q.put(2);
    assert.equal(await q.qsize(), 2);
    await q.close();
  } finally {
    await cluster.close();
  }
});

/** Speaks just enough RESP for a client's handshake, as a Redis 6.0 server. */
function answerAsOldRedis(socket: Socket): void {
  let buffered = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    for (;;) {
      const command = readCommand(buffered);
      if (!command) return;
      buffered = buffered.slice(command.length);
      const name = command.args[0]?.toUpperCase();
      if (name === "INFO") {
        const info = "# Server\r\nredis_version:6.0.16\r\nrun_id:0123\r\n";
        socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
      } else if (name === "HELLO") {
        socket.write("-ERR unknown command 'HELLO'\r\n");
      } else if (name === "CLIENT" && command.args[1]?.toUpperCase() === "ID") {
        socket.write(":7\r\n");
      } else {
        socket.write("+OK\r\n");
      }
    }
  });
  socket.on("error", () => {});
}

/** One RESP array command at the start of `text`, with how many characters it took. */
function readCommand(text: string): { args: string[]; length: number } | undefined {
  const lines = text.split("\r\n");
  if (!lines[0]?.startsWith("*")) return undefined;
  const count = Number(lines[0].slice(1));
  if (lines.length < 1 + count * 2 + 1) return undefined;
  const args: string[] = [];
  let length = lines[0].length + 2;
  for (let i = 0; i < count; i++) {
    args.push(lines[2 + i * 2]);
    length += lines[1 + i * 2].length + 2 + lines[2 + i * 2].length + 2;
  }
  return { args, length };
}
