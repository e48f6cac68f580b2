"""Cold measurements (bench/cold.ts's scenarios): one scenario run once in this fresh
interpreter, in one start method, printing its value as one JSON line {"value": n}.
Usage: python3 bench/python/cold.py <scenario id> <spawn|forkserver|fork>.

Pool scenarios wait until the workers are up (each meets the main process at a Barrier in
its initializer) and time the first call only; pool.start8-imap-unordered times everything.
Memory: the mean proportional set size (PSS, shared pages divided among their users) of the
idle children, read from /proc/<pid>/smaps_rollup."""

import json
import sys
import time

import multiprocessing as mp

MB = 1024 * 1024
MEMORY_CHILDREN = 4


def square(x):
    return x * x


def meet_at_barrier(barrier, twice=False):
    barrier.wait()
    if twice:
        barrier.wait()


def now_ms():
    return time.perf_counter() * 1000


def first_call_rate(ctx, items, call):
    barrier = ctx.Barrier(3)
    with ctx.Pool(2, initializer=meet_at_barrier, initargs=(barrier,)) as pool:
        barrier.wait()
        start = now_ms()
        call(pool, range(items))
        return items * 1000 / (now_ms() - start)


def start8(ctx):
    start = now_ms()
    with ctx.Pool(8) as pool:
        for _ in pool.imap_unordered(square, range(10_000), chunksize=1000):
            pass
        return now_ms() - start


def start_join(ctx):
    start = now_ms()
    process = ctx.Process(target=square, args=(1,))
    process.start()
    process.join()
    return now_ms() - start


def pss_mb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024 / MB
    raise RuntimeError(f"no Pss in /proc/{pid}/smaps_rollup")


def memory_child(ctx):
    barrier = ctx.Barrier(MEMORY_CHILDREN + 1)
    children = [ctx.Process(target=meet_at_barrier, args=(barrier, True)) for _ in range(MEMORY_CHILDREN)]
    for child in children:
        child.start()
    barrier.wait()
    time.sleep(0.3)
    value = sum(pss_mb(child.pid) for child in children) / MEMORY_CHILDREN
    barrier.wait()
    for child in children:
        child.join()
    return value


def memory_pool_worker(ctx):
    with ctx.Pool(MEMORY_CHILDREN) as pool:
        pool.map(square, range(MEMORY_CHILDREN * 10), chunksize=1)
        time.sleep(0.3)
        return sum(pss_mb(worker.pid) for worker in pool._pool) / MEMORY_CHILDREN


SCENARIOS = {
    "pool.map-tiny-default-cold": lambda ctx: first_call_rate(ctx, 100_000, lambda pool, xs: pool.map(square, xs)),
    "pool.map-tiny-chunk1-cold": lambda ctx: first_call_rate(
        ctx, 100_000, lambda pool, xs: pool.map(square, xs, chunksize=1)),
    "pool.imap-cold": lambda ctx: first_call_rate(
        ctx, 100_000, lambda pool, xs: list(pool.imap(square, xs, chunksize=1000))),
    "pool.start8-imap-unordered": start8,
    "spawn.start-join-cold": start_join,
    "spawn.memory-child": memory_child,
    "pool.memory-worker": memory_pool_worker,
}

if __name__ == "__main__":
    scenario, context = sys.argv[1], sys.argv[2]
    print(json.dumps({"value": SCENARIOS[scenario](mp.get_context(context))}), flush=True)
