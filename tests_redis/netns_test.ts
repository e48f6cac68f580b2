// Two worker "hosts" in Linux network namespaces of their own, each reaching the server over
// a veth link: the pool uses both; cutting one's link mid-task hands its task to the other
// after minIdle, and once the link is healed its late result is refused. Needs root and
// `ip netns` (iproute2); skipped, saying so, elsewhere.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { RedisCluster } from "../redis.ts";
import { type Host, startHost } from "./_hosts.ts";
import { eventually, holders, type RedisServer, startRedis } from "./_server.ts";
import { sleepThenPid } from "./fixtures/tasks.ts";

const MIN_IDLE = 600;
/** This test's own addresses, on links that exist only between its namespaces and this one. */
const LINKS = [
  { ns: `mpr${process.pid}a`, outer: `mpr${process.pid}a0`, inner: "eth0", serverIp: "10.199.71.1", hostIp: "10.199.71.2" },
  { ns: `mpr${process.pid}b`, outer: `mpr${process.pid}b0`, inner: "eth0", serverIp: "10.199.72.1", hostIp: "10.199.72.2" },
];

function ip(...args: string[]): boolean {
  return spawnSync("ip", args, { stdio: "ignore" }).status === 0;
}

function setUpLinks(): string | undefined {
  if (process.platform !== "linux") return "network namespaces are Linux only";
  if (!ip("netns", "add", LINKS[0].ns)) return "`ip netns add` failed (needs root and iproute2)";
  ip("netns", "del", LINKS[0].ns);
  for (const link of LINKS) {
    const ok = ip("netns", "add", link.ns) &&
      ip("link", "add", link.outer, "type", "veth", "peer", "name", link.inner, "netns", link.ns) &&
      ip("addr", "add", `${link.serverIp}/30`, "dev", link.outer) &&
      ip("link", "set", link.outer, "up") &&
      ip("netns", "exec", link.ns, "ip", "addr", "add", `${link.hostIp}/30`, "dev", link.inner) &&
      ip("netns", "exec", link.ns, "ip", "link", "set", link.inner, "up") &&
      ip("netns", "exec", link.ns, "ip", "link", "set", "lo", "up");
    if (!ok) return `setting up the veth link of ${link.ns} failed`;
  }
  return undefined;
}

function tearDownLinks(): void {
  for (const link of LINKS) {
    ip("link", "del", link.outer);
    ip("netns", "del", link.ns);
  }
}

let unavailable: string | undefined;
let server: RedisServer | undefined;

before(async () => {
  unavailable = setUpLinks();
  if (unavailable) return tearDownLinks();
  server = await startRedis({ alsoBind: LINKS.map((link) => link.serverIp) });
});
after(async () => {
  await server?.stop();
  tearDownLinks();
});

test("two hosts in network namespaces: both serve; a host cut off mid-task loses it to the other, and its late result is refused once healed", async (t) => {
  if (unavailable) return t.skip(`skipped: ${unavailable}`);
  const url = (serverIp: string) => `redis://${serverIp}:${server!.port}`;
  const cluster = await RedisCluster.connect(server!.url, { namespace: "netns", minIdle: MIN_IDLE, reclaimInterval: 50 });
  const hosts: Host[] = [];
  try {
    for (const link of LINKS) {
      hosts.push(await startHost({ url: url(link.serverIp), namespace: "netns", pool: "p", processes: 1, minIdle: MIN_IDLE, netns: link.ns }));
    }
    const pool = cluster.Pool("p");
    const pids = await pool.map(sleepThenPid, [150, 150, 150, 150], { chunksize: 1 });
    assert.deepEqual(new Set(pids), new Set(hosts.map((host) => host.pid)), "both hosts ran tasks");

    const result = pool.apply(sleepThenPid, [400]);
    const [held] = await eventually(async () => (await holders(server!.url, "{netns:p:p}:s"))[0], 10_000, "a host takes the task");
    const cut = hosts.findIndex((host) => held.split("/")[1] === String(host.pid));
    ip("link", "set", LINKS[cut].outer, "down");
    const other = hosts[1 - cut];
    assert.equal(await result, other.pid, "the other host ran the task");
    ip("link", "set", LINKS[cut].outer, "up");
    assert.equal(await hosts[cut].stop(), 0);
    assert.match(hosts[cut].output(), /"refused":1/, hosts[cut].output());
    assert.equal(pool.duplicateResults, 0);
    await pool.close();
  } finally {
    for (const link of LINKS) ip("link", "set", link.outer, "up");
    await Promise.all(hosts.map((host) => host.stop()));
    await cluster.close();
  }
});
