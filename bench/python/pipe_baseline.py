"""bench/pipe baselines: multiprocessing.Pipe round trip of a small item (median µs over 20k)
and one-way messages/s, spawn context, against a child that echoes or counts."""

import multiprocessing as mp
import statistics
import time

from common import emit, median_of_repeats, now_ms, progress, size, small_item

CONTEXT = "spawn"


def echo(conn):
    while (message := conn.recv()) is not None:
        conn.send(message)


def count_until_none(conn):
    conn.send("ready")
    count = 0
    while conn.recv() is not None:
        count += 1
    conn.send(count)


def round_trip_median_us(ctx):
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=echo, args=(child_end,))
    child.start()
    for i in range(size("round_trip_warmups")):
        parent.send(small_item(i))
        parent.recv()
    samples = []
    for i in range(size("round_trips")):
        start = time.perf_counter_ns()
        parent.send(small_item(i))
        parent.recv()
        samples.append(time.perf_counter_ns() - start)
    parent.send(None)
    child.join()
    return statistics.median(samples) / 1000


def one_way_ms(ctx, count):
    """Milliseconds from the first send to the child's acknowledgement of the last message."""
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=count_until_none, args=(child_end,))
    child.start()
    parent.recv()
    start = now_ms()
    for i in range(count):
        parent.send(small_item(i))
    parent.send(None)
    received = parent.recv()
    elapsed = now_ms() - start
    child.join()
    assert received == count, f"one-way delivered {received} of {count} messages"
    return elapsed


def main():
    ctx = mp.get_context(CONTEXT)
    progress("Pipe round trip")
    emit("pipe.round-trip", CONTEXT, round_trip_median_us(ctx))
    progress("Pipe one-way")
    count = size("one_way_messages")
    emit("pipe.one-way", CONTEXT, count * 1000 / median_of_repeats(lambda: one_way_ms(ctx, count)))


if __name__ == "__main__":
    main()
