"""bench/spawn baseline: Process start + join of a trivial target, median of 50 (warm) and a
fresh interpreter's first (cold.py), and memory per idle child, in each start method."""

import multiprocessing as mp
import statistics

from common import cold_median, contexts, emit, now_ms, progress, size


def noop():
    pass


def start_join_ms(ctx):
    start = now_ms()
    process = ctx.Process(target=noop)
    process.start()
    process.join()
    return now_ms() - start


def main():
    for context in contexts():
        for row in ("spawn.start-join-cold", "spawn.memory-child"):
            progress(f"{row}, fresh interpreters ({context})")
            emit(row, context, cold_median(row, context))
        progress(f"Process start + join ({context})")
        ctx = mp.get_context(context)
        for _ in range(size("spawn_warmups")):
            start_join_ms(ctx)
        samples = [start_join_ms(ctx) for _ in range(size("spawn_runs"))]
        emit("spawn.start-join", context, statistics.median(samples))


if __name__ == "__main__":
    main()
