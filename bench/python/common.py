"""Shared by the Python baselines: sizes, the small item, and printing rows.

Each baseline script prints one JSON row per line on stdout, the same shape as the
TypeScript rows (bench/lib.ts `Row`), with impl "python" and runtime "python-<context>".
Sizes mirror bench/workloads.ts `SIZES` (and REPEAT_BUDGET_MS bench/lib.ts): change both.
"""

import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time

QUICK = "--quick" in sys.argv

REPEAT_BUDGET_MS = 3_000

SIZES = {
    "repeats": (3, 1),
    "spawn_runs": (50, 10),
    "spawn_warmups": (2, 1),
    "cold_runs": (5, 1),
    "small_items": (200_000, 20_000),
    "byte_items": (2_000, 200),
    "joinable_items": (100_000, 10_000),
    "round_trips": (20_000, 2_000),
    "round_trip_warmups": (1_000, 100),
    "one_way_messages": (200_000, 20_000),
    "lock_ops": (1_000_000, 100_000),
    "contended_lock_ops_per_process": (200_000, 20_000),
    "map_items": (100_000, 10_000),
    "cpu_tasks": (64, 16),
    "apply_calls": (5_000, 500),
    "executor_map_chunksize": (1_000, 100),
    "manager_sets_per_process": (10_000, 1_000),
    "manager_set_processes": (4, 4),
    "shm_attaches": (1_000, 100),
}

BYTES_ITEM_SIZE = 64 * 1024
CPU_TASK_MS = 20
POOL_WORKERS = 2


def size(name):
    """The size of `name` for this run (full, or quick with --quick)."""
    full, quick = SIZES[name]
    return quick if QUICK else full


def small_item(i):
    """The small item every queue and pipe workload moves."""
    return {"i": i, "s": "hello", "a": [1, 2, 3]}


def now_ms():
    return time.perf_counter() * 1000


def median_of_repeats(measure):
    """Median of repeated calls of `measure()` (each returns its milliseconds): size("repeats")
    runs, fewer once they took REPEAT_BUDGET_MS together (bench/lib.ts medianOfRepeats)."""
    runs = size("repeats")
    samples = [measure()]
    while len(samples) < runs and sum(samples) < REPEAT_BUDGET_MS:
        samples.append(measure())
    return statistics.median(samples)


def cold_median(scenario, context):
    """Median of size("cold_runs") fresh interpreters running bench/python/cold.py's
    `scenario` in `context` (bench/lib.ts coldMedian)."""
    here = os.path.dirname(os.path.abspath(__file__))
    values = []
    for _ in range(size("cold_runs")):
        output = subprocess.run(
            [sys.executable, os.path.join(here, "cold.py"), scenario, context],
            check=True, capture_output=True, text=True,
        ).stdout
        values.append(json.loads(output.strip().splitlines()[-1])["value"])
    return statistics.median(values)


def contexts():
    """The start methods measured: spawn, forkserver (Python 3.14's default on Linux) where
    this platform has it, and fork for reference."""
    available = mp.get_all_start_methods()
    return [context for context in ("spawn", "forkserver", "fork") if context in available]


def emit(workload, context, value):
    """Prints one row."""
    row = {"workload": workload, "impl": "python", "runtime": f"python-{context}", "value": value}
    print(json.dumps(row), flush=True)


def progress(message):
    print(f"[python] {message}", file=sys.stderr, flush=True)
