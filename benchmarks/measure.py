"""Measuring: clocks, resident memory, percentiles, isolated child processes."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def rss_bytes() -> int:
    """This process's resident set size (VmRSS), after a garbage collection and after
    handing free heap pages back to the OS (so freed temporaries do not hide growth)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_call(fn: Callable[[Any], T], items: Iterable[Any]) -> tuple[float, list[float], list[T]]:
    """Call `fn` on each item: (wall seconds, seconds of each call, results)."""
    latencies, results = [], []
    start = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        results.append(fn(item))
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies, results


def best_of(
    repeats: int, fn: Callable[[Any], T], items: Iterable[Any]
) -> tuple[float, list[float], list[T]]:
    """`per_call` `repeats` times; the fastest pass (others' load on a shared machine only
    ever slows a pass down)."""
    items = list(items)
    return min((per_call(fn, items) for _ in range(repeats)), key=lambda run: run[0])


def percentile_ms(latencies: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(latencies), q) * 1000) if latencies else float("nan")


def isolated(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a fresh (spawned) process: its memory and caches are its own."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()
