"""bench/queue baselines: multiprocessing.Queue 1 -> 1 and 2 -> 2 with small items, 64 KiB
bytes 1 -> 1, and JoinableQueue with task_done + join, spawn context. Process start-up is
not timed: every process waits at a barrier, the clock starts when the main process passes it.
"""

import multiprocessing as mp

from common import BYTES_ITEM_SIZE, emit, median_of_repeats, now_ms, progress, size, small_item

CONTEXT = "spawn"


def produce_small(queue, barrier, first, count):
    barrier.wait()
    for i in range(first, first + count):
        queue.put(small_item(i))


class Reading:
    """bench/workloads.ts `Reading`: its instances are pickled by reference to this class."""

    def __init__(self, id, sensor, value, tags):
        self.id = id
        self.sensor = sensor
        self.value = value
        self.tags = tags

    def fahrenheit(self):
        return self.value * 1.8 + 32


def reading_item(i, as_instance):
    if as_instance:
        return Reading(i, "sensor-7", 21.5, ["indoor", "raw"])
    return {"id": i, "sensor": "sensor-7", "value": 21.5, "tags": ["indoor", "raw"]}


def produce_readings(queue, barrier, count, as_instances):
    barrier.wait()
    for i in range(count):
        queue.put(reading_item(i, as_instances))


def produce_bytes(queue, barrier, count):
    item = bytes(BYTES_ITEM_SIZE)
    barrier.wait()
    for _ in range(count):
        queue.put(item)


def consume_until_none(queue, barrier, results):
    barrier.wait()
    count = 0
    while queue.get() is not None:
        count += 1
    results.put(count)


def consume_joinable(queue, barrier):
    barrier.wait()
    while True:
        item = queue.get()
        queue.task_done()
        if item is None:
            return


def one_to_one_ms(ctx, producer, args, count):
    """Milliseconds for the main process to get `count` items from one producer child."""
    queue, barrier = ctx.Queue(), ctx.Barrier(2)
    child = ctx.Process(target=producer, args=(queue, barrier, *args))
    child.start()
    barrier.wait()
    start = now_ms()
    for _ in range(count):
        queue.get()
    elapsed = now_ms() - start
    child.join()
    return elapsed


def two_to_two_ms(ctx, count):
    """Milliseconds for 2 producer children to move `count` items to 2 consumer children."""
    queue, results, barrier = ctx.Queue(), ctx.Queue(), ctx.Barrier(5)
    half = count // 2
    producers = [ctx.Process(target=produce_small, args=(queue, barrier, p * half, half)) for p in range(2)]
    consumers = [ctx.Process(target=consume_until_none, args=(queue, barrier, results)) for _ in range(2)]
    for process in producers + consumers:
        process.start()
    barrier.wait()
    start = now_ms()
    for process in producers:
        process.join()  # their items are all in the pipe now: the sentinels come after them
    for _ in consumers:
        queue.put(None)
    received = results.get() + results.get()
    elapsed = now_ms() - start
    for process in consumers:
        process.join()
    assert received == 2 * half, f"2 -> 2 delivered {received} of {2 * half} items"
    return elapsed


def joinable_ms(ctx, count):
    """Milliseconds to put `count` items and join() until a consumer child task_done() them all."""
    queue, barrier = ctx.JoinableQueue(), ctx.Barrier(2)
    consumer = ctx.Process(target=consume_joinable, args=(queue, barrier))
    consumer.start()
    barrier.wait()
    start = now_ms()
    for i in range(count):
        queue.put(small_item(i))
    queue.join()
    elapsed = now_ms() - start
    queue.put(None)
    consumer.join()
    return elapsed


def main():
    ctx = mp.get_context(CONTEXT)
    items = size("small_items")
    progress("Queue 1 -> 1 small")
    ms = median_of_repeats(lambda: one_to_one_ms(ctx, produce_small, (0, items), items))
    emit("queue.small-1to1", CONTEXT, items * 1000 / ms)
    progress("Queue 2 -> 2 small")
    ms = median_of_repeats(lambda: two_to_two_ms(ctx, items))
    emit("queue.small-2to2", CONTEXT, items * 1000 / ms)
    progress("Queue 1 -> 1 64 KiB bytes")
    count = size("byte_items")
    ms = median_of_repeats(lambda: one_to_one_ms(ctx, produce_bytes, (count,), count))
    emit("queue.bytes-1to1", CONTEXT, count * BYTES_ITEM_SIZE / 1000 / ms)
    progress("Queue 1 -> 1 class instances")
    ms = median_of_repeats(lambda: one_to_one_ms(ctx, produce_readings, (items, True), items))
    emit("queue.instances-1to1", CONTEXT, items * 1000 / ms)
    progress("Queue 1 -> 1 the same fields as dicts")
    ms = median_of_repeats(lambda: one_to_one_ms(ctx, produce_readings, (items, False), items))
    emit("queue.records-1to1", CONTEXT, items * 1000 / ms)
    progress("JoinableQueue")
    count = size("joinable_items")
    ms = median_of_repeats(lambda: joinable_ms(ctx, count))
    emit("queue.joinable", CONTEXT, count * 1000 / ms)


if __name__ == "__main__":
    main()
