"""What every fuzzing run shares: the counts, the raw-bytes sender, the run itself, the report.

``tests/fuzzing.py`` (the HTTP-based styles, and bytes for WebSocket and gRPC) and
``tests/fuzzing_streams.py`` (gRPC calls and WebSocket messages) differ only in what they
generate and how they send it.  A run of either is ``Phase`` after ``Phase`` through
``run_phases`` inside ``timed``, counted in one ``Findings``; ``report`` prints the table of
``benchmarks/fuzz_servers.py`` and ``benchmarks/fuzz_grpc_websocket.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

TIMEOUT = 5.0  # seconds a server may take to answer one input
TRACEBACK_MARKERS = (b"Traceback (most recent call last)", b'File "/', b"site-packages")
COLUMNS = ("crashes", "tracebacks", "hangs", "internal_errors", "leaked_threads")


@dataclasses.dataclass
class Findings:
    style: str
    sent: int = 0
    raw_sent: int = 0
    crashes: int = 0
    tracebacks: int = 0
    hangs: int = 0
    internal_errors: int = 0
    leaked_threads: int = 0
    seconds: float = 0.0
    examples: list = dataclasses.field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.crashes
            or self.tracebacks
            or self.hangs
            or self.internal_errors
            or self.leaked_threads
        )

    def note(self, kind: str, what) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 5:
            self.examples.append((kind, repr(what)[:300]))


def wait_for_threads(before: set, seconds: float = 5.0) -> list[threading.Thread]:
    """Threads started since ``before`` that are still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            return extra
        extra[0].join(0.05)


def exchange(host: str, port: int, data: bytes, handshake: bytes = b"") -> bytes | None:
    """Send ``data`` (after ``handshake`` and its answer), close our side, read to
    the end; None if the server neither answered nor closed within TIMEOUT."""
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            answer = b""
            if handshake:
                sock.sendall(handshake)
                while b"\r\n\r\n" not in answer:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return answer
                    answer += chunk
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)  # all there is: answer or close
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return answer
                answer += chunk
    except TimeoutError:
        return None
    except OSError:
        return b""  # a refused or reset connection is an answer; a dead server shows in alive()


def send_raw(findings: Findings, host: str, port: int, data: bytes, handshake=b"") -> None:
    """One raw input on a connection of its own, counted; a hang or a traceback noted."""
    findings.raw_sent += 1
    answer = exchange(host, port, data, handshake)
    if answer is None:
        findings.note("hangs", data)
    elif any(marker in answer for marker in TRACEBACK_MARKERS):
        findings.note("tracebacks", data)


@dataclasses.dataclass
class Step:
    """One phase of a run: ``examples`` inputs drawn from ``strategy``, each given to ``send``
    (which counts it and notes what went wrong); every ``check_every`` inputs, if set, the
    server must still answer a plain request (that costs a request, so not after each)."""

    strategy: st.SearchStrategy
    send: Callable
    examples: int
    check_every: int | None = None


def hypothesis_settings(examples: int, seed: int | None):
    """Generation only, no example database, no deadline: the same run every time if seeded."""
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=seed is not None,
    )


def run_phases(findings: Findings, steps, alive, seed: int | None, close=()) -> None:
    """Run the ``steps`` in order, check the server still answers, then call each of ``close``
    (the clients, then the server) whatever happened."""
    try:
        for step in steps:
            _run_step(findings, step, alive, seed)
        if not alive():
            findings.note("crashes", "after the run")
    finally:
        for stop in close:
            stop()


def _run_step(findings: Findings, step: Step, alive, seed: int | None) -> None:
    done = [0]

    @hypothesis_settings(step.examples, seed)
    @given(step.strategy)
    def phase(value):
        step.send(value)
        done[0] += 1
        if step.check_every and done[0] % step.check_every == 0 and not alive():
            findings.note("crashes", value)

    phase()


@contextlib.contextmanager
def timed(findings: Findings, counted=lambda threads: threads):
    """Times the run in the block and counts the threads it left behind (those ``counted``)."""
    before = set(threading.enumerate())
    started = time.monotonic()
    yield
    findings.seconds = time.monotonic() - started
    findings.leaked_threads = len(counted(wait_for_threads(before)))


def report(styles, fuzz_one: Callable[[str], Findings], width: int) -> int:
    """Fuzz each style, printing its row as it finishes; 0 if every count is zero, else 1."""
    print(
        f"{'server':<{width}} {'inputs':>7} {'raw':>6} "
        + " ".join(f"{c:>15}" for c in COLUMNS)
        + f" {'seconds':>8}"
    )
    clean = True
    for style in styles:
        found = fuzz_one(style)
        clean &= found.clean
        counts = " ".join(f"{getattr(found, c):>15}" for c in COLUMNS)
        print(
            f"{style:<{width}} {found.sent:>7} {found.raw_sent:>6} {counts} {found.seconds:>8.0f}",
            flush=True,
        )
        for kind, example in found.examples:
            print(f"    {kind}: {example}")
    print("all zero" if clean else "FOUND PROBLEMS")
    return 0 if clean else 1
