"""bench/spawn baseline: Process start + join of a trivial target and start -> target running,
median of 50 (warm), a fresh interpreter's first (cold.py), and memory per idle child, in each
start method (spawn, fork, forkserver). The same numbers stand beside the library's spawn rows
and its forkserver rows."""

import multiprocessing as mp
import statistics

from common import cold_median, contexts, emit, now_ms, progress, size


def noop():
    pass


def signal_running(event):
    event.set()


def start_join_ms(ctx):
    start = now_ms()
    process = ctx.Process(target=noop)
    process.start()
    process.join()
    return now_ms() - start


def start_running_ms(ctx):
    event = ctx.Event()
    process = ctx.Process(target=signal_running, args=(event,))
    start = now_ms()
    process.start()
    event.wait()
    elapsed = now_ms() - start
    process.join()
    return elapsed


def median_ms(measure, ctx):
    for _ in range(size("spawn_warmups")):
        measure(ctx)
    return statistics.median(measure(ctx) for _ in range(size("spawn_runs")))


def main():
    for context in contexts():
        for row in ("spawn.start-join-cold", "spawn.memory-child"):
            progress(f"{row}, fresh interpreters ({context})")
            emit(row, context, cold_median(row, context))
        ctx = mp.get_context(context)
        progress(f"Process start + join ({context})")
        start_join = median_ms(start_join_ms, ctx)
        progress(f"Process start -> target running ({context})")
        start_running = median_ms(start_running_ms, ctx)
        for workload in ("spawn.start-join", "spawn.forkserver-start-join"):
            emit(workload, context, start_join)
        for workload in ("spawn.start-running", "spawn.forkserver-start-running"):
            emit(workload, context, start_running)


if __name__ == "__main__":
    main()
