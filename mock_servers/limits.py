"""Every bound a shared room needs, in one place, with the reason for each value.

A learner alone on 127.0.0.1 never comes near these limits; they matter when a
teacher runs one server for the room (``python -m mock_servers STYLE --host
0.0.0.0``) and 30 laptops, a stuck notebook or a misbehaving client share it.
Change a value here and every server that uses it follows.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

# Open connections one server keeps at once.  A room of 30 learners needs about
# 5 each (a requests session, zeep, a tap, a retried cell): 150.  400 leaves room
# for reconnect storms while keeping one thread per connection affordable (each
# idle thread holds tens of kilobytes) and well under the usual limit of 1024
# open files per process.  Beyond it a new connection is refused at once, with
# the protocol's own answer (HTTP 503 and Retry-After), instead of waiting in
# the listen queue until the client gives up.
MAX_CONNECTIONS = 400

# Seconds a refused client is told to wait before trying again (Retry-After).
RETRY_AFTER = 5

# Seconds a kept-alive connection may stay silent between two requests before
# the server closes it (nginx's keepalive_timeout is 75 s, Apache's 5 s).  A
# learner's client notices a closed idle connection and opens a new one
# without an error (requests and urllib3 do), so this never shows in a lesson;
# it only frees the threads of laptops that went to sleep.
IDLE_TIMEOUT = 60.0

# Seconds from a request's first byte to its last (request line, headers and
# body).  A slow-loris client that trickles a byte at a time is dropped after
# this, while the others go on being served.  Apache's mod_reqtimeout allows
# 20 s for the headers; a person typing a request into telnet or nc in front of
# the room needs about as much.
REQUEST_TIMEOUT = 20.0

# Seconds a client may take to read an answer it asked for; a client that
# never reads would otherwise hold its thread forever.
WRITE_TIMEOUT = REQUEST_TIMEOUT

# A request body left unread by the application (a 404 on a POST, say) is read
# and discarded up to this many bytes to keep the connection alive; a larger
# one closes the connection instead (Connection: close).
DISCARD_BODY_BYTES = 64 * 1024

# Characters of one request-log line; a longer line (a 60 KB URL) is cut, so
# the teacher's projected terminal stays readable.
LOG_LINE_CHARS = 200


# A test of what a long wait does to a connection (a lesson-04 WebSocket left
# alone for ten minutes while the learner reads) runs the clocks faster instead
# of waiting: with MOCK_SERVERS_TIME_SCALE=0.01 in the environment, the timers
# that can end an idle WebSocket connection (its keepalive pings, a pong
# deadline if there is one, its idle timeout) are a hundredth as long, so ten
# minutes pass in six seconds.  Unset, the scale is 1: no learner or lesson
# ever sets it.
TIME_SCALE_VARIABLE = "MOCK_SERVERS_TIME_SCALE"


def time_scale() -> float:
    """The factor for the WebSocket server's timers: MOCK_SERVERS_TIME_SCALE, or 1."""
    text = os.environ.get(TIME_SCALE_VARIABLE, "").strip()
    try:
        scale = float(text) if text else 1.0
    except ValueError:
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"{TIME_SCALE_VARIABLE} must be a positive number, not {text!r}")
    return scale


def scaled(seconds: float | None) -> float | None:
    """A timer's length under time_scale(); None (no timer) stays None."""
    return None if seconds is None else seconds * time_scale()


@dataclass(frozen=True)
class ConnectionLimits:
    """The connection limits of one server; tests shrink them to see them act."""

    max_connections: int = MAX_CONNECTIONS
    retry_after: int = RETRY_AFTER
    idle_timeout: float = IDLE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    write_timeout: float = WRITE_TIMEOUT


DEFAULT = ConnectionLimits()


_active = [DEFAULT]


def active() -> ConnectionLimits:
    """The limits a server started now gets."""
    return _active[0]


class overridden:
    """Start servers with other limits inside a ``with`` block (for tests)::

    with limits.overridden(max_connections=2):
        server = rest.start()
    """

    def __init__(self, **changes) -> None:
        self._limits = ConnectionLimits(**{**DEFAULT.__dict__, **changes})

    def __enter__(self) -> ConnectionLimits:
        self._previous = _active[0]
        _active[0] = self._limits
        return self._limits

    def __exit__(self, *exc_info) -> None:
        _active[0] = self._previous


# Observations one server stores (REST, SOAP, XML-RPC, JSON-RPC and gRPC each
# keep their own; see observations.py).  A lesson saves a handful; 30 learners
# a few hundred.  10,000 keeps a server's memory under about 10 MB even with
# 500-character notes; a save beyond it gets the protocol's "storage full"
# error (HTTP 507, a SOAP Server fault, XML-RPC fault 507, JSON-RPC 1003,
# gRPC RESOURCE_EXHAUSTED) and nothing is stored.
MAX_OBSERVATIONS = 10_000

# Learners' own spaces of observations on one server (the path prefix /learners/<name>
# on REST, SOAP, XML-RPC and JSON-RPC, or REST's X-API-Key: learner-<name>; see
# spaces.py), so that 30 learners running the lessons' fixed examples never collide.
# 100 spaces of 100 observations each bound them to another 10,000 observations in
# all; the 101st name gets the protocol's "storage full" error until the server
# restarts or the room's teacher resets it.
MAX_LEARNER_SPACES = 100
OBSERVATIONS_PER_LEARNER = 100
