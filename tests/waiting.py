"""Waiting for a condition instead of sleeping a guessed time: one helper for every test module
(conftest.py offers it as a fixture too; test modules import it as ``from waiting import
wait_until``, since a test module cannot import conftest reliably)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

WAIT = 10.0  # seconds a condition may take on two loaded cores before a test fails
# What must take "well under a second" (a start, a stop) is held to this bound: loose, for
# two loaded cores, and the same as runner.STOP_TIMEOUT, past which a stop is a bug.  The
# real figures are for benchmarks/ to print.
QUICK = 2.0


def wait_until(condition: Callable[[], object], timeout: float = WAIT, what: str = "") -> object:
    """Wait for ``condition()`` to be true, instead of sleeping a guessed time."""
    ends = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > ends:
            pytest.fail(f"waited {timeout} s for {what or condition}")
        time.sleep(0.01)
