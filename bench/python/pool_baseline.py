"""bench/pool baselines: Pool(2).map of x*x over 100k (default chunksize and chunksize=1) and
imap (chunksize 1000), warm here and cold in fresh interpreters (cold.py), a CPU-bound map of
64 tasks of ~20 ms of arithmetic (wall time and speedup over one process), apply() round
trips, Pool(8)'s start and memory per worker, in each start method (common.contexts()).
Pool start-up is not timed, except in pool.start8-imap-unordered.
Then concurrent.futures.ProcessPoolExecutor(2): a fresh executor's first submit, its map of
x*x over 100k with chunksize 1000 (fresh: start included; warm), and submit round trips."""

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

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


def executor_rows(context):
    """The ProcessPoolExecutor rows (bench/pool_executor.ts) in `context`."""
    ctx = mp.get_context(context)
    items = range(size("map_items"))
    chunksize = size("executor_map_chunksize")
    progress(f"ProcessPoolExecutor: fresh executor, first submit ({context})")
    start = now_ms()
    with ProcessPoolExecutor(POOL_WORKERS, mp_context=ctx) as executor:
        executor.submit(square, 3).result()
        emit("pool.executor-submit-cold", context, now_ms() - start)

    def cold_map_ms():
        start = now_ms()
        with ProcessPoolExecutor(POOL_WORKERS, mp_context=ctx) as executor:
            list(executor.map(square, items, chunksize=chunksize))
            return now_ms() - start

    progress(f"ProcessPoolExecutor.map, chunksize {chunksize}, fresh and warm ({context})")
    emit("pool.executor-map-cold", context, len(items) * 1000 / median_of_repeats(cold_map_ms))
    with ProcessPoolExecutor(POOL_WORKERS, mp_context=ctx) as executor:
        for _ in range(3):
            list(executor.map(square, items, chunksize=chunksize))
        ms = median_of_repeats(lambda: timed_ms(lambda: list(executor.map(square, items, chunksize=chunksize))))
        emit("pool.executor-map", context, len(items) * 1000 / ms)
        progress(f"ProcessPoolExecutor submit round trips ({context})")
        calls = size("apply_calls")
        ms = timed_ms(lambda: [executor.submit(square, i).result() for i in range(calls)])
        emit("pool.executor-submit", context, ms * 1000 / calls)


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
        executor_rows(context)


if __name__ == "__main__":
    main()
