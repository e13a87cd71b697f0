"""The timing loops every benchmark script shares.

Scripts run as ``python benchmarks/NAME.py``, so this module is importable
as ``timing`` from them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def start_stop_times(start: Callable, runs: int = 50) -> tuple[list[float], list[float]]:
    """How long ``start()`` and then the returned server's ``stop()`` take, ``runs`` times."""
    starts, stops = [], []
    for _ in range(runs):
        began = time.perf_counter()
        server = start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - began)
    return starts, stops


def call_times(call: Callable, calls: int = 200, warm_up: int = 10) -> list[float]:
    """How long each of ``calls`` calls of ``call()`` takes, after a few unmeasured ones."""
    for _ in range(warm_up):
        call()
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return times


def median(samples: list[float]) -> float:
    return statistics.median(samples)
