"""bench/pool baselines: Pool(2).map of x*x over 100k (default chunksize and chunksize=1) and
imap (chunksize 1000), warm here and cold in fresh interpreters (cold.py), a CPU-bound map of
64 tasks of ~20 ms of arithmetic (wall time and speedup over one process), apply() round
trips, Pool(8)'s start and memory per worker, in each start method (common.contexts()).
Pool start-up is not timed, except in pool.start8-imap-unordered."""

import multiprocessing as mp

from common import CPU_TASK_MS, POOL_WORKERS, cold_median, contexts, emit, median_of_repeats, now_ms, progress, size

COLD_ROWS = [
    "pool.map-tiny-default-cold",
    "pool.map-tiny-chunk1-cold",
    "pool.imap-cold",
    "pool.start8-imap-unordered",
    "pool.memory-worker",
]


def square(x):
    return x * x


def cpu_task(iterations):
    """The same loop as bench/tasks.ts cpuTask."""
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) % 1_000_003
    return x


def calibrate_cpu_task(target_ms):
    """Iterations of cpu_task that take about target_ms here."""
    iterations = 10_000
    for _ in range(4):
        start = now_ms()
        cpu_task(iterations)
        iterations = max(1, round(iterations * target_ms / max(now_ms() - start, 0.01)))
    return iterations


def timed_ms(call):
    start = now_ms()
    call()
    return now_ms() - start


def apply_round_trip_us(pool):
    calls = size("apply_calls")
    ms = timed_ms(lambda: [pool.apply(square, (i,)) for i in range(calls)])
    return ms * 1000 / calls


def main():
    items = range(size("map_items"))
    iterations = calibrate_cpu_task(CPU_TASK_MS)
    cpu_inputs = [iterations] * size("cpu_tasks")
    for context in contexts():
        for row in COLD_ROWS:
            progress(f"{row}, fresh interpreters ({context})")
            emit(row, context, cold_median(row, context))
        with mp.get_context(context).Pool(POOL_WORKERS) as pool:
            pool.map(square, range(1000))  # every worker started and warm
            progress(f"Pool.map x*x, default chunksize ({context})")
            ms = median_of_repeats(lambda: timed_ms(lambda: pool.map(square, items)))
            emit("pool.map-tiny-default", context, len(items) * 1000 / ms)
            progress(f"Pool.map x*x, chunksize=1 ({context})")
            ms = timed_ms(lambda: pool.map(square, items, chunksize=1))
            emit("pool.map-tiny-chunk1", context, len(items) * 1000 / ms)
            progress(f"Pool.imap x*x, chunksize=1000 ({context})")
            ms = median_of_repeats(lambda: timed_ms(lambda: list(pool.imap(square, items, chunksize=1000))))
            emit("pool.imap", context, len(items) * 1000 / ms)
            progress(f"Pool.map CPU-bound, and in this one process ({context})")
            one_process_ms = timed_ms(lambda: [cpu_task(n) for n in cpu_inputs])
            wall = timed_ms(lambda: pool.map(cpu_task, cpu_inputs))
            emit("pool.cpu-wall", context, wall)
            emit("pool.cpu-speedup", context, one_process_ms / wall)
            progress(f"Pool.apply round trips ({context})")
            emit("pool.apply-round-trip", context, apply_round_trip_us(pool))


if __name__ == "__main__":
    main()
