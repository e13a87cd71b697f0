"""Helpers for lesson 03 (RPC): the plumbing a learner need not read.

The lesson makes the calls itself; this module only measures and prints what
they put on the wire, so that its cells show the protocols, not the bookkeeping:

* :func:`compare_sizes` - one call per protocol through a tap, as a table of
  message bytes and bytes on the wire;
* :func:`call_frames` and :func:`grpc_message` - the HTTP/2 frames of one gRPC
  call and the Protocol Buffers bytes of its request ("Under the hood");
* :func:`time_per_call` - the average time of a call, in the lesson's language.

The bytes are read by :mod:`mock_servers.wire`, which knows the framing of
HTTP/1.1 and HTTP/2; nothing here parses a protocol by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mock_servers import runner, wire
from mock_servers.lesson_helpers import number  # noqa: F401 - lessons import it from here too

# The frames that carry a gRPC call itself.  The others (SETTINGS,
# WINDOW_UPDATE, PING) are housekeeping that the HTTP/2 library sends when it
# sees fit, so counting them would make the numbers change from run to run.
CALL_FRAMES = ("HEADERS", "DATA")

TEXT = {
    "en": {
        "request": "request",
        "response": "response",
        "bytes": "bytes",
        "message": "message",
        "on wire": "on wire",
        "ms": "ms per call",
        "decimal": ".",
        wire.TO_SERVER: "client → server",
        wire.TO_CLIENT: "server → client",
        "stream": "stream",
    },
    "ru": {
        "request": "запрос",
        "response": "ответ",
        "bytes": "байты",
        "message": "сообщение",
        "on wire": "в сети",
        "ms": "мс на вызов",
        "decimal": ",",
        wire.TO_SERVER: "клиент → сервер",
        wire.TO_CLIENT: "сервер → клиент",
        "stream": "поток",
    },
}


def bytes_word(count: int, language: str = "en") -> str:
    """ "bytes" in the lesson's language, in the form that goes with ``count``."""
    if language != "ru":
        return "byte" if count == 1 else "bytes"
    if count % 10 == 1 and count % 100 != 11:
        return "байт"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "байта"
    return "байт"


def call_frames(tap: wire.Tap) -> list[wire.Message]:
    """The HEADERS and DATA frames of the gRPC calls a tap recorded, in order."""
    return [
        part
        for part in tap.read()
        if part.kind == "HTTP/2" and part.summary.split(",")[0] in CALL_FRAMES
    ]


def show_call_frames(tap: wire.Tap, language: str = "en") -> None:
    """Print each direction's HEADERS and DATA frames with their sizes (frame header included)."""
    text = TEXT[language]
    frames = call_frames(tap)
    for direction in (wire.TO_SERVER, wire.TO_CLIENT):
        print(text[direction])
        for frame in frames:
            if frame.direction == direction:
                kind, stream = frame.summary.split(", stream ")
                size = f"{frame.size:>5} {bytes_word(frame.size, language)}"
                print(f"    {kind:<8} {text['stream']} {stream}{size}")


def grpc_message(tap: wire.Tap, direction: str = wire.TO_SERVER) -> bytes:
    """The first gRPC message sent in one direction, with its 5-byte prefix.

    The prefix is gRPC's own: one byte saying whether the message is
    compressed, four giving its length.  The Protocol Buffers bytes follow.
    """
    for part in tap.read():
        if part.kind == "gRPC" and part.direction == direction:
            prefix = b"\x00" + len(part.payload).to_bytes(4, "big")
            return prefix + part.payload
    raise LookupError(f"no gRPC message went {direction}")


def sizes_of_one_call(server: runner.RunningServer, call: Callable[[str], Any]) -> list[int]:
    """Bytes of one call through a new tap: the request's message and wire, then the response's.

    ``call`` gets the tap's URL.  For HTTP/1.1 the message is the body and the
    wire has the start line and headers too; for gRPC the message is the DATA
    frames' payload and the wire counts the call's HEADERS and DATA frames,
    nine bytes of frame header each.
    """
    measured = wire.measure(server, call)
    sizes = []
    for direction in (wire.TO_SERVER, wire.TO_CLIENT):
        parts = [part for part in measured.parts if part.direction == direction]
        frames = [p for p in parts if p.kind == "HTTP/2" and p.summary.split(",")[0] in CALL_FRAMES]
        if frames:
            data = [f for f in frames if f.summary.startswith("DATA")]
            sizes += [sum(f.size - 9 for f in data), sum(f.size for f in frames)]
        else:
            http = [p for p in parts if p.kind == "HTTP"]
            sizes += [sum(len(p.payload) for p in http), sum(p.size for p in http)]
    return sizes


def compare_sizes(calls: dict[str, tuple[runner.RunningServer, Callable]], language="en") -> None:
    """Make each call once through a tap and print a table of its sizes."""
    text = TEXT[language]
    print(f"{'':10}{text['request']:^20}{text['response']:^20}")
    print(
        f"{text['bytes']:10}{text['message']:>10}{text['on wire']:>10}"
        f"{text['message']:>10}{text['on wire']:>10}"
    )
    for protocol, (server, call) in calls.items():
        numbers = sizes_of_one_call(server, call)
        print(f"{protocol:10}" + "".join(f"{size:>10}" for size in numbers))


def time_per_call(function: Callable, *args, times: int = 100, language: str = "en") -> str:
    """The average time of ``times`` calls, as text such as "0.210 ms per call"."""
    start = time.perf_counter()
    for _ in range(times):
        function(*args)
    milliseconds = (time.perf_counter() - start) / times * 1000
    text = TEXT[language]
    return f"{milliseconds:.3f}".replace(".", text["decimal"]) + " " + text["ms"]
