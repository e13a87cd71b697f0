"""Every style asked every question: one call recorded through a tap, many calls timed.

Byte counts are the same on every machine: the data are fixed, every HTTP
client sends the same ``User-Agent``, a loopback port has five digits, an HTTP
``Date`` header has a fixed length, and each client asks once before it is
measured (so gRPC's compressed headers are measured as every later call sends
them).  Times are whatever this machine takes; each is a median of ``repeat``
calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import re
import statistics
import time
from collections.abc import Callable

from mock_servers import wire
from mock_servers.compare import tables
from mock_servers.compare.clients import ask, connect, drop_connection
from mock_servers.compare.servers import Servers
from mock_servers.compare.styles import DELAY, QUESTIONS, QUIET, REPEAT, STYLES


@dataclasses.dataclass
class Result:
    """One style's answer to one question: what crossed the wire, and how long it took."""

    style: str
    question: str
    wire: wire.Measurement  # one call through a tap
    times: list[float]  # seconds, one per timed call
    opened: int = 0  # connections the recorded call opened (0: it reused an open one)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def bytes(self) -> int:
        return self.wire.bytes_sent + self.wire.bytes_received

    @property
    def payload(self) -> int:
        return self.wire.payload_sent + self.wire.payload_received

    @property
    def formatting(self) -> int:
        """Bytes of the bodies that are only layout: indentation and line breaks.

        JSON is compared with ``json.dumps``'s default output (what the clients
        send and the JSON-RPC and WebSocket servers answer); XML counts the
        whitespace between tags.  Binary protobuf has none.
        """
        return sum(_layout(message.payload) for message in self.wire.application)

    def projected(self, delay: float = DELAY) -> float:
        """The median if each round trip, and each new connection's handshake, took ``delay`` more.

        A projection, not a measurement: it leaves out bandwidth, TLS and
        everything else a real network adds.
        """
        return self.median + delay * (self.wire.round_trips + self.opened)


class Comparison:
    """Every style's results for every question (``comparison["rest", "week"]``)."""

    def __init__(self, interval: float, repeat: int) -> None:
        self.interval = interval
        self.repeat = repeat
        self.results: dict[tuple[str, str], Result] = {}
        self.setup: dict[str, wire.Measurement] = {}  # what creating each client sent

    def __getitem__(self, key: tuple[str, str]) -> Result:
        return self.results[key]

    def smallest_first(self, question: str, layout: bool = True) -> list[str]:
        """The styles by the bytes their answer to ``question`` took, fewest first.

        ``layout=False`` leaves out the bodies' layout bytes (see
        :attr:`Result.formatting`), so that a server's indentation does not
        decide the order.
        """

        def size(style: str) -> int:
            result = self[style, question]
            return result.bytes - (0 if layout else result.formatting)

        return sorted(STYLES, key=size)

    def exchange(self, style: str, question: str, limit: int = 1200) -> str:
        """The call message by message: ``→`` what the client sent, ``←`` what came back."""
        return tables.exchange(self[style, question].wire, question, limit)

    def table(self, language: str = "en", delay: float = DELAY) -> str:
        """Bytes, messages, round trips, connections and times, one block per question."""
        return tables.comparison_table(self, language, delay)

    def setup_table(self, language: str = "en") -> str:
        """What each client sent and received before it could ask anything."""
        return tables.setup_table(self, language)


_BETWEEN_TAGS = re.compile(rb">(\s+)<")


def _layout(body: bytes) -> int:
    """The layout bytes of one body (see Result.formatting)."""
    if body.lstrip().startswith(b"<"):
        return (
            sum(len(space) for space in _BETWEEN_TAGS.findall(body))
            + len(body)
            - len(body.rstrip())
        )
    try:
        data = json.loads(body)
    except ValueError:  # binary, or not JSON
        return 0
    return max(0, len(body) - len(json.dumps(data, ensure_ascii=False).encode()))


def _timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def _connections(tap: wire.Tap) -> set[int]:
    return {chunk.connection for chunk in tap.chunks}


def measure_all(
    servers: Servers,
    repeat: int = REPEAT,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Ask every question in every style; return a :class:`Comparison`.

    Each style gets two clients of the same kind: one through a tap, which
    records one call of each question, and one straight to the server, which
    times ``repeat`` calls (the relay would slow down what is timed).  Both
    keep their connection between calls, if the server lets them.
    ``progress(done, total)`` is called after each style and question.
    """
    comparison = Comparison(servers.interval, repeat)
    total = len(STYLES) * len(QUESTIONS)

    with contextlib.ExitStack() as stack:
        for style in STYLES:
            tap = stack.enter_context(wire.tap(servers[style]))
            setup = wire.measure(tap, functools.partial(connect, servers, style), quiet=QUIET)
            comparison.setup[style] = setup
            tapped = setup.result
            stack.callback(tapped.close)
            direct = stack.enter_context(contextlib.closing(connect(servers, style)))
            # Every question once before measuring: gRPC's compressed headers
            # then travel as they do on every later call.
            for question in QUESTIONS:
                ask(tapped, question)
            for question in QUESTIONS:
                ask(direct, question)
                before = _connections(tap)
                record = wire.measure(
                    tap, functools.partial(_ask_at, tapped, question), quiet=QUIET
                )
                opened = len(_connections(tap) - before)
                call = functools.partial(ask, direct, question)
                times = [_timed(call) for _ in range(repeat)]
                comparison.results[style, question] = Result(style, question, record, times, opened)
                if progress is not None:
                    progress(len(comparison.results), total)
    return comparison


def _ask_at(client, question: str, _url: str):
    return ask(client, question)


def connection_cost(
    servers: Servers, style: str, repeat: int = REPEAT, question: str = "forecast"
) -> tuple[float, float]:
    """Median seconds of a call with the client's connection kept, and with a new one each time.

    For the HTTP/1.1 styles (``HTTP1_STYLES``): the difference is what opening
    a TCP connection adds on this machine; the rest is the work of the client
    library, the server and its framework.  The two kinds of call alternate,
    so that both meet the same load.
    """
    client = connect(servers, style)
    times: dict[bool, list[float]] = {True: [], False: []}
    try:
        ask(client, question)
        for _ in range(repeat):
            times[True].append(_timed(functools.partial(ask, client, question)))
            drop_connection(client)
            times[False].append(_timed(functools.partial(ask, client, question)))
    finally:
        client.close()
    return statistics.median(times[True]), statistics.median(times[False])
