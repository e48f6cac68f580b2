/**
 * The fault run of issue 17, on demand (not part of the test suite): 100k items through a
 * Redis pool (chunks of 10) on three worker hosts (OS processes) while faults come every
 * ~1.5 s in turn: kill -9 of a host (a new one replaces it), SIGSTOP of a host past minIdle
 * then SIGCONT, CLIENT KILL of every connection, kill -9 of redis-server (AOF, `appendfsync
 * always`) and its restart. Then a JoinableQueue phase: items put around a server restart,
 * every acknowledged put taken and done once.
 *
 * Checks: no acknowledged put lost (the map returns every result; the queue yields every
 * item put), no double completion (the caller never got two results for one chunk; no item
 * of the queue had two accepted taskDone()s), and counts the duplicate executions (tasks run
 * again after their host was taken for lost). Prints a JSON report; exit code 1 on a loss or
 * a double completion.
 *
 * ```sh
 * flock /tmp/heavy.lock npx deno run -A bench/redis_faults.ts [--items 100000]
 * ```
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { RedisCluster } from "../redis.ts";
import { type Host, startHost } from "../tests_redis/_hosts.ts";
import { redisCommand, startRedis } from "../tests_redis/_server.ts";
import { recordExecution } from "./redis_tasks.ts";

const ITEMS = Number(process.argv[process.argv.indexOf("--items") + 1]) || 100_000;
const QUEUE_ITEMS = 20_000;
const CHUNK = 10;
const HOSTS = 3;
const MIN_IDLE = 1000;
const FAULT_EVERY_MS = 1500;
const NAMESPACE = "faults";

const log = mkdtempSync(join(tmpdir(), "mp-faults-"));
process.env.MP_FAULT_LOG = log;
const server = await startRedis();
const counts = { hostKills: 0, pauses: 0, clientKills: 0, serverRestarts: 0 };
const hosts: Host[] = [];
const newHost = () => startHost({ url: server.url, namespace: NAMESPACE, pool: "faults", processes: 1, minIdle: MIN_IDLE, maxDeliveries: 100 });

/** The faults, in turn, until `done` resolves. */
async function injectFaults(done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  for (let turn = 0; !finished; turn++) {
    await new Promise((resolve) => setTimeout(resolve, FAULT_EVERY_MS));
    if (finished) return;
    const victim = hosts[turn % hosts.length];
    switch (turn % 4) {
      case 0:
        victim.signal("SIGKILL");
        hosts.splice(hosts.indexOf(victim), 1, await newHost());
        counts.hostKills++;
        break;
      case 1:
        victim.signal("SIGSTOP");
        await new Promise((resolve) => setTimeout(resolve, MIN_IDLE + 500));
        victim.signal("SIGCONT");
        counts.pauses++;
        break;
      case 2:
        await redisCommand(server.url, ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]).catch(() => {});
        counts.clientKills++;
        break;
      case 3:
        await server.restart();
        counts.serverRestarts++;
        break;
    }
  }
}

/** Lines of every execution log: how many times each item ran. */
function executions(): Map<number, number> {
  const ran = new Map<number, number>();
  for (const file of readdirSync(log)) {
    for (const line of readFileSync(join(log, file), "utf8").split("\n")) {
      if (line !== "") ran.set(Number(line), (ran.get(Number(line)) ?? 0) + 1);
    }
  }
  return ran;
}

const report: Record<string, unknown> = { items: ITEMS, chunksize: CHUNK, hosts: HOSTS, minIdleMs: MIN_IDLE };
let failed = false;
try {
  for (let i = 0; i < HOSTS; i++) hosts.push(await newHost());
  await using cluster = await RedisCluster.connect(server.url, { namespace: NAMESPACE, minIdle: MIN_IDLE, maxDeliveries: 100 });

  // Phase 1: the pool under faults.
  const pool = cluster.Pool("faults");
  const started = performance.now();
  const mapping = pool.map(recordExecution, Array.from({ length: ITEMS }, (_, i) => i), { chunksize: CHUNK });
  await injectFaults(mapping);
  const results = await mapping;
  report.poolSeconds = ((performance.now() - started) / 1000).toFixed(1);
  const wrong = results.filter((value, i) => value !== i).length;
  const ran = executions();
  const notRun = ITEMS - ran.size;
  let duplicateExecutions = 0;
  for (const times of ran.values()) duplicateExecutions += times - 1;
  Object.assign(report, { faults: { ...counts } });
  report.pool = {
    resultsWrongOrMissing: wrong,
    doubleCompletions: pool.duplicateResults,
    itemsNeverRun: notRun,
    duplicateExecutions,
    putBackByThisProcessJanitor: cluster.janitorCounts.putBack,
  };
  failed ||= wrong > 0 || pool.duplicateResults > 0 || notRun > 0;
  await pool.close();

  // Phase 2: acknowledged queue puts survive a kill -9 of the server (AOF, appendfsync always).
  const q = cluster.JoinableQueue<number>("items");
  for (let i = 0; i < QUEUE_ITEMS; i++) {
    await q.put(i);
    if (i === QUEUE_ITEMS / 2) await server.restart();
  }
  await server.restart();
  const taken = new Map<number, number>();
  let accepted = 0;
  while (taken.size < QUEUE_ITEMS) {
    const batch = await q.getMany(500, { timeout: 10_000 });
    for (const item of batch) taken.set(item, (taken.get(item) ?? 0) + 1);
    const acks = await Promise.all(batch.map(() => q.taskDone()));
    accepted += acks.filter(Boolean).length;
  }
  await q.join({ timeout: 10_000 });
  const doubles = [...taken.values()].filter((times) => times > 1).length;
  report.queue = { acknowledgedPuts: QUEUE_ITEMS, taken: taken.size, takenTwice: doubles, acceptedTaskDones: accepted, serverRestarts: 2 };
  failed ||= taken.size !== QUEUE_ITEMS || accepted !== QUEUE_ITEMS;
  await q.close();
} finally {
  for (const host of hosts) host.signal("SIGCONT");
  const refused = await Promise.all(hosts.map(async (host) => {
    await host.stop();
    return Number(/"refused":(\d+)/.exec(host.output())?.[1] ?? 0);
  }));
  report.lateResultsRefusedBySurvivingHosts = refused.reduce((a, b) => a + b, 0);
  await server.stop();
  rmSync(log, { recursive: true, force: true });
}
report.ok = !failed;
console.log(JSON.stringify(report, null, 2));
process.exitCode = failed ? 1 : 0;
