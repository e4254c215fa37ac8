"""Many cases at once on every core: a fork-based pool over chunks of a list, results in order.

The agenda uses it when many cases need computing (a cold cache, a new rule set, a day past the cached
horizon): the workers are forked from the command, so they already hold everything it has read (the
store, its rules, the list of cases to compute); each computes contiguous chunks of that list and sends
back plain results (pickled), which the command puts back in order before it writes the cache itself.
Anything that goes wrong (no fork on this platform, one core, a worker that raises or dies, a result
that does not pickle) gives None, and the caller computes serially: the answer never depends on the
path taken.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Callable

CHUNKS_PER_WORKER = 4     # smaller chunks even out cases of very different sizes
MAX_WORKERS = 8

_JOB: tuple | None = None  # (fn,) while a pool runs: inherited by the forked workers, never pickled


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _chunk(bounds: tuple) -> list:
    fn = _JOB[0]
    lo, hi = bounds
    return [fn(i) for i in range(lo, hi)]


def map_in_order(fn: Callable[[int], object], n: int, workers: int | None = None) -> list | None:
    """[fn(0), …, fn(n - 1)] computed in forked worker processes, or None when that cannot be done (the
    caller then computes serially). `fn` runs in a child: it may read anything the parent holds, must
    not write shared state (files, the cache), and must return picklable values."""
    global _JOB
    workers = min(workers or cores(), MAX_WORKERS, n)
    if workers < 2:
        return None
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("fork")
    except (ImportError, ValueError):
        return None
    size = max(1, -(-n // (workers * CHUNKS_PER_WORKER)))
    chunks = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    for stream in (sys.stdout, sys.stderr):      # nothing buffered before the fork is written twice
        with contextlib.suppress(Exception):
            stream.flush()
    _JOB = (fn,)
    pool = None
    try:
        pool = ProcessPoolExecutor(workers, mp_context=ctx)
        parts = list(pool.map(_chunk, chunks))
    except Exception:  # noqa: BLE001 (a worker that raised or died, a result that did not pickle, no fork)
        if pool is not None:
            with contextlib.suppress(Exception):
                pool.shutdown(wait=True, cancel_futures=True)
        return None
    finally:
        _JOB = None
    pool.shutdown(wait=True)
    return [x for part in parts for x in part]
