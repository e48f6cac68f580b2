"""bench/spawn baseline: Process start + join of a trivial target, median of 50, spawn and fork."""

import multiprocessing as mp
import statistics

from common import emit, now_ms, progress, size


def noop():
    pass


def start_join_ms(ctx):
    start = now_ms()
    process = ctx.Process(target=noop)
    process.start()
    process.join()
    return now_ms() - start


def main():
    for context in ("spawn", "fork"):
        progress(f"Process start + join ({context})")
        ctx = mp.get_context(context)
        for _ in range(size("spawn_warmups")):
            start_join_ms(ctx)
        samples = [start_join_ms(ctx) for _ in range(size("spawn_runs"))]
        emit("spawn.start-join", context, statistics.median(samples))


if __name__ == "__main__":
    main()
