"""See exactly what crosses the wire between a client and a mock server.

A *tap* is a small TCP relay on another loopback port: the client talks to the
tap, the tap passes every byte on to the server and back, and writes down
what went each way.  It works for any protocol on TCP (HTTP, SOAP, WebSocket,
gRPC), because it never looks inside the bytes::

    from mock_servers import rest, wire

    server = rest.start()
    with wire.tap(server) as tap:
        requests.get(tap.url + "/cities/moscow")
        tap.show()          # the raw HTTP request and response, as text
        tap.show(language="ru")   # the same, headed in Russian: клиент → сервер (N байт)

``tap.url`` is the server's URL with the tap's port in it.  The server may
also be a shared room's (``mock_servers.room``): the tap then runs on the
learner's machine in front of the teacher's server, and ``tap.url`` keeps the
learner's path, ``/learners/<name>``.

To compare one call with another, :func:`measure` records a single call and
reads the protocols' framing (HTTP/1.1 messages, WebSocket frames, HTTP/2
frames and the gRPC messages inside them)::

    record = wire.measure(server, lambda url: requests.get(url + "/cities/moscow"))
    record.bytes_sent, record.bytes_received, record.messages, record.seconds

This module is the relay and what it records; ``mock_servers.framing`` reads
the framing, with no sockets (h11 for HTTP/1.1, the websockets library's frame
parser).  Bytes it cannot frame are shown as "unparsed bytes", never an error.

A tap keeps at most ``max_bytes`` (8 MiB by default) of what it recorded;
beyond that it goes on relaying and framing but stops keeping bytes, and says
so in :meth:`Tap.show`.  :meth:`Tap.clear` frees what was kept.
"""

from __future__ import annotations

import dataclasses
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mock_servers import languages, runner, socket_server
from mock_servers.framing import (
    HTTP2_FRAMES,
    HTTP2_PREFACE,
    TO_CLIENT,
    TO_SERVER,
    WEBSOCKET_FRAMES,
    Chunk,
    ConnectionReader,
    Message,
    printable,
    read_messages,
)
from mock_servers.languages import BYTES, BYTES_RU

__all__ = [
    "HTTP2_FRAMES",
    "HTTP2_PREFACE",
    "TO_CLIENT",
    "TO_SERVER",
    "WEBSOCKET_FRAMES",
    "Chunk",
    "Measurement",
    "Message",
    "Tap",
    "measure",
    "printable",
    "read_messages",
    "tap",
]

MAX_RECORDED_BYTES = 8 * 1024 * 1024  # what one tap keeps, bytes and message payloads together


class Tap:
    """A running tap: ``url`` to call, and what it recorded so far."""

    def __init__(self, server: runner.RunningServer, relay: runner.RunningServer, record) -> None:
        self.server = server
        self._relay = relay
        self._record = record
        netloc = f"{runner.format_host(relay.host)}:{relay.port}"
        if "://" in server.url:
            self.url = urlunsplit(urlsplit(server.url)._replace(netloc=netloc))
        else:
            # A gRPC target ("127.0.0.1:PORT") has no scheme: don't let urlsplit guess one
            # (Python 3.10 takes the host for a scheme).
            self.url = netloc

    @property
    def chunks(self) -> list[Chunk]:
        return self._record.chunks()

    def data(self, direction: str) -> bytes:
        """All bytes that went one way (TO_SERVER or TO_CLIENT)."""
        return b"".join(c.data for c in self.chunks if c.direction == direction)

    @property
    def bytes_sent(self) -> int:
        """Bytes from the client to the server."""
        return len(self.data(TO_SERVER))

    @property
    def bytes_received(self) -> int:
        """Bytes from the server to the client."""
        return len(self.data(TO_CLIENT))

    @property
    def connections(self) -> int:
        return len({c.connection for c in self.chunks})

    @property
    def messages(self) -> int:
        """How many times the talk changed direction: a request and its reply are 2."""
        turns, last = 0, None
        for chunk in self.chunks:
            key = (chunk.connection, chunk.direction)
            if key != last:
                turns += 1
                last = key
        return turns

    @property
    def started(self) -> float:
        """When the tap started, by ``time.monotonic()``: a chunk's ``seconds`` count from here."""
        return self._record.started

    @property
    def dropped(self) -> int:
        """Bytes relayed but not kept since the last clear(), because of ``max_bytes``."""
        return self._record.dropped

    def clear(self) -> None:
        """Forget (and free) everything recorded so far; connections still open
        go on being read from where they are."""
        self._record.clear()

    def read(self) -> list[Message]:
        """The messages recorded since the last clear(), as :func:`read_messages` finds them.

        Each chunk's index counts from the tap's start, so it matches ``Message.chunk``.
        Every byte the tap has already passed on is in them: a relay thread passes bytes on
        before it reads their framing, so a client can hold an answer that a loaded machine has
        not framed yet; this waits for that framing (no wait when nothing is behind).
        """
        record = self._record
        record.wait_read(record.next_chunk, READ_TIMEOUT)
        return record.messages_since(record.cleared_at)

    def show(self, limit: int = 4000, *, language: str = "en") -> None:
        """Print what was recorded, as text, each direction under its own heading.

        Bytes that are not text (binary frames) are shown as a hex dump.
        ``limit`` caps the characters printed for each direction change;
        ``language`` ("en" or "ru") is the language of the headings.
        """
        _show(self.chunks, limit, languages.checked(language))
        if self.dropped:
            dropped = languages.count(self.dropped, language, BYTES, BYTES_RU)
            kept = languages.count(self._record.max_bytes, language, BYTES, BYTES_RU)
            print(
                languages.text(
                    language,
                    f"… {dropped} more passed but were not kept "
                    f"(the tap keeps {kept}); tap.clear() frees the memory",
                    f"… ещё {dropped} прошли, но не сохранены "
                    f"(прослушка хранит не больше: {kept}); tap.clear() освобождает память",
                )
            )

    def wait_quiet(self, quiet: float = 0.01) -> None:
        """Wait until no bytes came for ``quiet`` seconds and all that came has been read,
        as :func:`measure` does before and after its call."""
        _wait_until_quiet(self, quiet)

    def _turns(self) -> list[tuple[str, bytes]]:
        return _turns(self.chunks)

    def stop(self) -> None:
        self._relay.stop()

    def __enter__(self) -> Tap:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<tap {self.url} → {self.server.url}>"


def _turns(chunks: list[Chunk]) -> list[tuple[str, bytes]]:
    """The chunks joined into turns: all that went one way before the talk turned."""
    turns: list[tuple[str, bytes]] = []
    last = None
    for chunk in chunks:
        key = (chunk.connection, chunk.direction)
        if key == last:
            turns[-1] = (chunk.direction, turns[-1][1] + chunk.data)
        else:
            turns.append((chunk.direction, chunk.data))
            last = key
    return turns


DIRECTIONS_RU = {TO_SERVER: "клиент → сервер", TO_CLIENT: "сервер → клиент"}


def _show(chunks: list[Chunk], limit: int, language: str = "en") -> None:
    for direction, data in _turns(chunks):
        heading = DIRECTIONS_RU[direction] if language == "ru" else direction
        size = languages.count(len(data), language, BYTES, BYTES_RU)
        print(f"── {heading} ({size}) ──")
        print(printable(data, limit))


class _Recording:
    """What a tap keeps: the chunks since the last clear(), and the messages
    read from them, within ``max_bytes``.

    Every chunk is fed to its connection's reader as it arrives, so a
    connection that began before a clear() is still read correctly after it,
    and clear() can really drop what was kept.  Chunks are numbered from the
    tap's start: ``Message.chunk`` is that number.

    The relay frames a chunk only after passing it on, so the client may have
    it before its messages are known; the numbers of such chunks are kept in
    ``_unread`` (one at most per relay thread), and :meth:`wait_read` waits
    for them, however slow a thread is.
    """

    def __init__(self, max_bytes: int = MAX_RECORDED_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()  # what is kept; held only briefly, as add() needs it
        # The readers, which take longer.  Taken before _lock, never after, and held while
        # a reader's messages move into _messages, so that messages_since() finds each
        # message in one place or the other, never in the gap between.
        self._reading = threading.Lock()
        self._all_read = threading.Condition(self._lock)
        self.started = time.monotonic()
        self._connections = 0
        self._readers: dict[int, ConnectionReader] = {}
        self._next = 0  # the number of the next chunk
        self._unread: set[int] = set()  # chunks added but not read yet
        self.cleared_at = 0  # the number of the first chunk kept
        self._chunks: list[Chunk] = []
        self._messages: list[Message] = []
        self._kept = 0
        self.dropped = 0

    def new_connection(self) -> int:
        with self._reading:
            self._connections += 1
            self._readers[self._connections] = ConnectionReader(self._connections)
            return self._connections

    def add(self, connection: int, direction: str, data: bytes) -> tuple[int, float]:
        """Keep a chunk that arrived now; its number and time, for :meth:`read`.

        Cheap, so the relay can do it before passing the bytes on: the numbers
        then follow the order in which bytes crossed the tap.
        """
        with self._lock:
            seconds = time.monotonic() - self.started
            index, self._next = self._next, self._next + 1
            self._unread.add(index)
            if self._kept + len(data) <= self.max_bytes:
                self._chunks.append(Chunk(connection, direction, data, seconds))
                self._kept += len(data)
            else:
                self.dropped += len(data)
            return index, seconds

    def read(self, connection: int, direction: str, data: bytes, stamp) -> None:
        """Read the framing of a chunk :meth:`add` kept (after the relay passed it on).

        The relay calls it once for every chunk added, even one it failed to pass on.
        """
        index, seconds = stamp
        found: list[Message] = []
        with self._reading:
            try:
                reader = self._readers.get(connection)
                if reader is not None:
                    found = reader.feed(direction, data, seconds, index)
            finally:
                with self._lock:
                    self._keep(found)
                    self._unread.discard(index)
                    self._all_read.notify_all()

    def wait_read(self, before: int, timeout: float) -> bool:
        """Wait until every chunk numbered below ``before`` has been read; False on timeout."""
        with self._all_read:
            return self._all_read.wait_for(
                lambda: all(index >= before for index in self._unread), timeout
            )

    def end(self, connection: int, direction: str) -> None:
        """One direction of a connection ended; a reader of a closed connection is let go."""
        with self._reading:
            reader = self._readers.get(connection)
            if reader is None:
                return
            found = reader.close(direction)
            if reader.finished:
                found += reader.tails()
                del self._readers[connection]
            with self._lock:
                self._keep(found)

    def _keep(self, messages: list[Message]) -> None:
        for message in messages:
            if message.chunk < self.cleared_at:
                continue  # it ended before the last clear()
            if self._kept + len(message.payload) <= self.max_bytes:
                self._messages.append(message)
                self._kept += len(message.payload)
            else:
                self.dropped += len(message.payload)

    def chunks(self) -> list[Chunk]:
        with self._lock:
            return list(self._chunks)

    @property
    def next_chunk(self) -> int:
        with self._lock:
            return self._next

    def chunks_since(self, first: int) -> list[Chunk]:
        """The kept chunks numbered ``first`` or later."""
        with self._lock:
            skip = max(0, len(self._chunks) - (self._next - first))
            return self._chunks[skip:]

    def messages_since(self, first: int) -> list[Message]:
        """Messages whose last byte came in chunk ``first`` or later, with the
        bytes of messages not complete yet as ``"TCP"`` pieces."""
        with self._reading:
            tails = [m for reader in self._readers.values() for m in reader.tails()]
            with self._lock:
                found = [m for m in self._messages if m.chunk >= first]
        found += [m for m in tails if m.chunk >= first]
        return sorted(found, key=lambda m: m.chunk)

    def clear(self) -> None:
        with self._lock:
            self._chunks = []
            self._messages = []
            self._kept = 0
            self.dropped = 0
            self.cleared_at = self._next


def _pump(source: socket.socket, target: socket.socket, record, connection, direction) -> None:
    """Copy bytes one way until the source closes; then pass the close on."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            stamp = record.add(connection, direction, data)
            try:
                target.sendall(data)
            finally:
                record.read(connection, direction, data, stamp)  # after: framing never delays bytes
    except OSError:
        pass
    finally:
        record.end(connection, direction)
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def tap(
    server: runner.RunningServer, host: str = "127.0.0.1", *, max_bytes: int = MAX_RECORDED_BYTES
) -> Tap:
    """Start a tap in front of ``server``; call ``tap.url`` instead of ``server.url``.

    The tap keeps at most ``max_bytes`` of recorded bytes and message payloads.
    """
    record = _Recording(max_bytes)
    upstream = (server.host, server.port)

    class Relay(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            connection = record.new_connection()
            with socket.create_connection(upstream) as server_side:
                # Pass small writes on at once: without this, Nagle's algorithm
                # may hold one back until the other side acknowledges the last,
                # and the tap would slow down the very calls it measures.
                for side in (self.request, server_side):
                    side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                back = threading.Thread(
                    target=_pump,
                    args=(server_side, self.request, record, connection, TO_CLIENT),
                    daemon=True,
                )
                back.start()
                _pump(self.request, server_side, record, connection, TO_SERVER)
                back.join(runner.STOP_TIMEOUT)

    class RelayServer(socket_server.ConnectionTrackingMixin, socketserver.TCPServer):
        pass

    def make_backend(sock: socket.socket, log: runner.RequestLog):
        relay = RelayServer(sock.getsockname()[:2], Relay, bind_and_activate=False)
        relay.socket.close()
        relay.socket = sock
        return socket_server.SocketServerBackend(relay)

    relay = runner.start_on_socket("tap", host, 0, make_backend, scheme="tcp")
    return Tap(server, relay, record)


# --------------------------------------------------------------------------
# Measuring one call


@dataclasses.dataclass
class Measurement:
    """What one call put on the wire, as :func:`measure` recorded it."""

    result: Any  # what the call returned
    seconds: float  # how long the call took, by a monotonic clock
    chunks: list[Chunk]
    parts: list[Message]  # everything read from the chunks, in order

    @property
    def sent(self) -> bytes:
        return b"".join(c.data for c in self.chunks if c.direction == TO_SERVER)

    @property
    def received(self) -> bytes:
        return b"".join(c.data for c in self.chunks if c.direction == TO_CLIENT)

    @property
    def bytes_sent(self) -> int:
        return len(self.sent)

    @property
    def bytes_received(self) -> int:
        return len(self.received)

    @property
    def connections(self) -> int:
        return len({c.connection for c in self.chunks})

    @property
    def application(self) -> list[Message]:
        """The requests, answers and pushes, without the protocol's housekeeping."""
        return [part for part in self.parts if part.application]

    @property
    def messages(self) -> int:
        return len(self.application)

    @property
    def payload_sent(self) -> int:
        """Bytes of the program's own data the client sent: bodies, frame payloads."""
        return sum(len(m.payload) for m in self.application if m.direction == TO_SERVER)

    @property
    def payload_received(self) -> int:
        return sum(len(m.payload) for m in self.application if m.direction == TO_CLIENT)

    @property
    def round_trips(self) -> int:
        """How many times the client sent something and then heard back."""
        app = self.application
        return sum(
            1
            for before, after in zip(app, app[1:])
            if before.direction == TO_SERVER and after.direction == TO_CLIENT
        )

    @property
    def request_headers(self) -> dict[str, str]:
        """The headers of the first HTTP/1.1 request (HTTP/2 compresses its headers)."""
        return next((m.headers for m in self.parts if m.headers and m.direction == TO_SERVER), {})

    @property
    def response_headers(self) -> dict[str, str]:
        return next((m.headers for m in self.parts if m.headers and m.direction == TO_CLIENT), {})

    def show(self, limit: int = 4000, *, language: str = "en") -> None:
        """Print the call's bytes as :meth:`Tap.show` does."""
        _show(self.chunks, limit, languages.checked(language))

    def __repr__(self) -> str:
        return (
            f"<measurement: {self.bytes_sent} bytes sent, {self.bytes_received} received, "
            f"messages: {self.messages}, round trips: {self.round_trips}>"
        )


def measure(target: Tap | runner.RunningServer, call: Callable[[str], Any], *, quiet=0.01):
    """Run ``call(url)`` once and return a :class:`Measurement` of what it put on the wire.

    ``target`` is a tap, or a server to put a new tap in front of for this one
    call; ``call`` gets the URL to use (the tap's).  Bytes a library sends just
    after a call returns (an HTTP/2 WINDOW_UPDATE, say) belong to the call, so
    the tap must first be ``quiet`` for that many seconds, before and after,
    and have read the framing of every chunk it passed on (however late its
    thread does that); ``seconds`` is the call's own time, without that wait.
    """
    if not isinstance(target, Tap):
        with tap(target) as temporary:
            return measure(temporary, call, quiet=quiet)
    _wait_until_quiet(target, quiet)
    first = target._record.next_chunk
    began = time.perf_counter()
    result = call(target.url)
    seconds = time.perf_counter() - began
    _wait_until_quiet(target, quiet)
    chunks = target._record.chunks_since(first)
    parts = target._record.messages_since(first)
    return Measurement(result, seconds, chunks, parts)


# How long to wait for the framing of chunks already passed on: only a stuck thread takes
# this long, but a loaded machine may take far longer than ``quiet``, and a chunk whose framing
# is not waited for is a message lost from the measurement.
READ_TIMEOUT = 30.0


def _wait_until_quiet(tap: Tap, quiet: float, timeout: float = runner.STOP_TIMEOUT) -> None:
    """Wait until no chunk came for ``quiet`` seconds (or ``timeout`` passed: traffic that
    never stops), then until every chunk that came has been read."""
    record = tap._record
    deadline = time.monotonic() + timeout
    seen = record.next_chunk
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = record.next_chunk
        if now == seen:
            break
        seen = now
    record.wait_read(seen, READ_TIMEOUT)
