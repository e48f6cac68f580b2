"""bench/manager baselines: a Manager() dict proxy round trip (d.get, median µs over 20k),
4 processes × 10k d[k] = v into one managed dict (total ops/s), and SharedMemory attach by
name in a child (median µs over 1000 names), spawn context. Children wait at a barrier."""

import multiprocessing as mp
import statistics
import time
from multiprocessing import shared_memory

from common import emit, median_of_repeats, now_ms, progress, size

CONTEXT = "spawn"


def median_call_us(trips, warmups, call):
    for _ in range(warmups):
        call()
    samples = []
    for _ in range(trips):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def set_keys(d, worker, count, start, done):
    start.wait()
    for i in range(count):
        d[f"{worker}:{i}"] = i
    done.put(worker)


def attach_each(names, result):
    samples = []
    for name in names:
        start = time.perf_counter_ns()
        shm = shared_memory.SharedMemory(name)
        samples.append(time.perf_counter_ns() - start)
        shm.close()
    result.send(statistics.median(samples) / 1000)
    result.close()


def set_throughput(ctx, d):
    processes = size("manager_set_processes")
    count = size("manager_sets_per_process")

    def run():
        start = ctx.Barrier(processes + 1)
        done = ctx.Queue()
        workers = [ctx.Process(target=set_keys, args=(d, i, count, start, done)) for i in range(processes)]
        for worker in workers:
            worker.start()
        start.wait()
        began = now_ms()
        for _ in range(processes):
            done.get()
        elapsed = now_ms() - began
        for worker in workers:
            worker.join()
        return elapsed

    return processes * count * 1000 / median_of_repeats(run)


def attach_median_us(ctx):
    blocks = [shared_memory.SharedMemory(create=True, size=64) for _ in range(size("shm_attaches"))]
    try:
        reader, writer = ctx.Pipe(duplex=False)
        child = ctx.Process(target=attach_each, args=([b.name for b in blocks], writer))
        child.start()
        writer.close()
        value = reader.recv()
        child.join()
        return value
    finally:
        for block in blocks:
            block.close()
            block.unlink()


def main():
    ctx = mp.get_context(CONTEXT)
    with ctx.Manager() as manager:
        d = manager.dict({"a": 1})
        progress("Manager d.get round trip")
        emit("manager.get-round-trip", CONTEXT, median_call_us(size("round_trips"), size("round_trip_warmups"), lambda: d.get("a")))
        progress("Manager 4 x 10k d[k] = v")
        emit("manager.set-4x10k", CONTEXT, set_throughput(ctx, d))
    progress("SharedMemory attach by name in a child")
    emit("manager.shm-attach", CONTEXT, attach_median_us(ctx))


if __name__ == "__main__":
    main()
