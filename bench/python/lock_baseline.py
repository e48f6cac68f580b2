"""bench/lock baselines: multiprocessing.Lock acquire + release per second, uncontended in the
main process and with 2 child processes contending (spawn context). Children wait at a barrier
before and after their loop, so process start and exit are not timed."""

import multiprocessing as mp

from common import emit, median_of_repeats, now_ms, progress, size

CONTEXT = "spawn"


def acquire_release(lock, barrier, count):
    barrier.wait()
    for _ in range(count):
        lock.acquire()
        lock.release()
    barrier.wait()


def uncontended_ms(ctx, count):
    lock = ctx.Lock()
    start = now_ms()
    for _ in range(count):
        lock.acquire()
        lock.release()
    return now_ms() - start


def contended_ms(ctx, count_per_process):
    lock, barrier = ctx.Lock(), ctx.Barrier(3)
    children = [ctx.Process(target=acquire_release, args=(lock, barrier, count_per_process)) for _ in range(2)]
    for child in children:
        child.start()
    barrier.wait()
    start = now_ms()
    barrier.wait()
    elapsed = now_ms() - start
    for child in children:
        child.join()
    return elapsed


def main():
    ctx = mp.get_context(CONTEXT)
    progress("Lock uncontended")
    count = size("lock_ops")
    emit("lock.uncontended", CONTEXT, count * 1000 / median_of_repeats(lambda: uncontended_ms(ctx, count)))
    progress("Lock contended by 2 processes")
    per_process = size("contended_lock_ops_per_process")
    ms = median_of_repeats(lambda: contended_ms(ctx, per_process))
    emit("lock.contended-2", CONTEXT, 2 * per_process * 1000 / ms)


if __name__ == "__main__":
    main()
