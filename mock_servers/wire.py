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

``tap.url`` is the server's URL with the tap's port in it.

To compare one call with another, :func:`measure` records a single call and
reads the protocols' framing (HTTP/1.1 messages, WebSocket frames, HTTP/2
frames and the gRPC messages inside them)::

    record = wire.measure(server, lambda url: requests.get(url + "/cities/moscow"))
    record.bytes_sent, record.bytes_received, record.messages, record.seconds
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

from mock_servers import runner, socket_server

TO_SERVER = "client → server"
TO_CLIENT = "server → client"


@dataclasses.dataclass
class Chunk:
    """Bytes that arrived in one piece, in one direction, on one connection."""

    connection: int
    direction: str
    data: bytes
    seconds: float  # since the tap started, by a monotonic clock


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

    def clear(self) -> None:
        self._record.clear()

    def read(self) -> list[Message]:
        """The messages recorded since the last clear(), as :func:`read_messages` finds them."""
        chunks, first = self._record.history()
        return [m for m in read_messages(chunks) if m.chunk >= first]

    def show(self, limit: int = 4000) -> None:
        """Print what was recorded, as text, each direction under its own heading.

        Bytes that are not text (binary frames) are shown as a hex dump.
        ``limit`` caps the characters printed for each direction change.
        """
        _show(self.chunks, limit)

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


def _show(chunks: list[Chunk], limit: int) -> None:
    for direction, data in _turns(chunks):
        print(f"── {direction} ({len(data)} bytes) ──")
        print(_printable(data, limit))


def printable(data: bytes, limit: int = 4000) -> str:
    """``data`` as text if it is text (CRLF as plain line ends), else as a hex dump.

    At most ``limit`` characters of text, or ``limit // 4`` bytes of hex dump.
    """
    return _printable(data, limit)


def _printable(data: bytes, limit: int) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        text = text.replace("\r\n", "\n")
        return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more)"
    shown = data[: limit // 4]
    lines = [
        " ".join(f"{byte:02x}" for byte in shown[offset : offset + 16])
        for offset in range(0, len(shown), 16)
    ]
    if len(data) > len(shown):
        lines.append(f"… ({len(data) - len(shown)} more bytes)")
    return "\n".join(lines)


class _Recording:
    def __init__(self) -> None:
        # Every chunk is kept, even after clear(): a connection's later bytes
        # (WebSocket frames, HTTP/2 frames) can only be read knowing how it began.
        self._chunks: list[Chunk] = []
        self._cleared = 0  # chunks before this index were cleared
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self._connections = 0

    def new_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def add(self, connection: int, direction: str, data: bytes) -> None:
        with self._lock:
            seconds = time.monotonic() - self.started
            self._chunks.append(Chunk(connection, direction, data, seconds))

    def chunks(self) -> list[Chunk]:
        with self._lock:
            return self._chunks[self._cleared :]

    def history(self) -> tuple[list[Chunk], int]:
        """Every chunk since the tap started, and the index of the first one not cleared."""
        with self._lock:
            return list(self._chunks), self._cleared

    def clear(self) -> None:
        with self._lock:
            self._cleared = len(self._chunks)


def _pump(source: socket.socket, target: socket.socket, record, connection, direction) -> None:
    """Copy bytes one way until the source closes; then pass the close on."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            record.add(connection, direction, data)
            target.sendall(data)
    except OSError:
        pass
    finally:
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def tap(server: runner.RunningServer, host: str = "127.0.0.1") -> Tap:
    """Start a tap in front of ``server``; call ``tap.url`` instead of ``server.url``."""
    record = _Recording()
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
# Reading the framing: which messages the bytes were

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HTTP2_FRAMES = {
    0: "DATA",
    1: "HEADERS",
    2: "PRIORITY",
    3: "RST_STREAM",
    4: "SETTINGS",
    5: "PUSH_PROMISE",
    6: "PING",
    7: "GOAWAY",
    8: "WINDOW_UPDATE",
    9: "CONTINUATION",
}
WEBSOCKET_FRAMES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


@dataclasses.dataclass
class Message:
    """One piece of a conversation, found by reading the protocol's framing.

    ``kind`` says what it is: ``"HTTP"`` (a request or a response),
    ``"WebSocket"`` (a frame), ``"HTTP/2"`` (a frame), ``"gRPC"`` (a message,
    carried inside HTTP/2 DATA frames, so its bytes are in those frames too),
    or ``"TCP"`` (bytes this module cannot read, or a message not complete yet).

    ``application`` is true for what carries the program's own request or
    answer: HTTP requests and responses, WebSocket text and binary frames, gRPC
    messages.  It is false for the protocol's housekeeping: WebSocket ping,
    pong and close frames, and the HTTP/2 frames themselves.
    """

    connection: int
    direction: str
    kind: str
    summary: str  # "GET /cities HTTP/1.1", "HTTP/1.1 200 OK", "text frame", "DATA, stream 3"
    size: int  # bytes on the wire, framing included
    payload: bytes  # the program's bytes: HTTP body, frame payload (unmasked), gRPC message
    headers: dict[str, str]  # an HTTP/1.1 message's headers; empty for the others
    seconds: float  # when its last byte reached the tap, since the tap started
    chunk: int  # index of the chunk that held its last byte
    application: bool

    def text(self, limit: int = 4000) -> str:
        """The message as a person reads it.

        An HTTP message as its start line, headers and body; anything else as
        a line naming it and, for requests, answers and pushes, its payload as
        text or as a hex dump.
        """
        if self.kind == "HTTP":
            head = [self.summary, *(f"{name}: {value}" for name, value in self.headers.items())]
            body = "\n\n" + printable(self.payload, limit) if self.payload else ""
            return "\n".join(head) + body
        name = f"[{self.kind} {self.summary}, {self.size} bytes]"
        if self.application and self.payload:
            return name + "\n" + printable(self.payload, limit)
        return name


class _Stream:
    """The bytes that went one way on one connection, and where each chunk ended."""

    def __init__(self, connection: int, direction: str) -> None:
        self.connection = connection
        self.direction = direction
        self.data = bytearray()
        self.ends: list[tuple[int, float, int]] = []  # (end offset, seconds, chunk index)

    def add(self, chunk: Chunk, index: int) -> None:
        self.data += chunk.data
        self.ends.append((len(self.data), chunk.seconds, index))

    def message(self, start, end, kind, summary, payload=b"", headers=None, application=True):
        # The chunk that brought the message's last byte.
        seconds, index = next((s, i) for offset, s, i in self.ends if offset >= end)
        return Message(
            self.connection,
            self.direction,
            kind,
            summary,
            end - start,
            bytes(payload),
            headers or {},
            seconds,
            index,
            application,
        )

    def rest(self, start: int) -> list[Message]:
        """What is left from ``start`` on, as one piece of unread bytes."""
        if start >= len(self.data):
            return []
        size = len(self.data) - start
        return [self.message(start, len(self.data), "TCP", f"{size} bytes", application=False)]


def read_messages(chunks: list[Chunk]) -> list[Message]:
    """The messages in recorded chunks, in the order their last bytes arrived.

    Reads HTTP/1.1 (requests and responses), WebSocket frames after an HTTP
    upgrade, and HTTP/2 frames with the gRPC messages in their DATA frames.
    The chunks must start at the beginning of each connection.
    """
    streams: dict[tuple[int, str], _Stream] = {}
    for index, chunk in enumerate(chunks):
        key = (chunk.connection, chunk.direction)
        streams.setdefault(key, _Stream(*key)).add(chunk, index)
    messages: list[Message] = []
    for connection in sorted({connection for connection, _ in streams}):
        client = streams.get((connection, TO_SERVER)) or _Stream(connection, TO_SERVER)
        server = streams.get((connection, TO_CLIENT)) or _Stream(connection, TO_CLIENT)
        if client.data.startswith(HTTP2_PREFACE):
            messages += _read_http2(client) + _read_http2(server)
        else:
            messages += _read_http1_connection(client, server)
    # Pieces that end in the same chunk come from one stream, already in order.
    return sorted(messages, key=lambda m: m.chunk)


def _read_http1_connection(client: _Stream, server: _Stream) -> list[Message]:
    requests, upgrade_at = _read_http1(client, 0, upgrade=True)
    methods = [m.summary.split(" ", 1)[0] for m in requests]
    responses, switched_at = _read_http1(server, 0, methods=methods)
    if switched_at is not None:
        # The server agreed to the upgrade: both sides speak WebSocket from here.
        requests += _read_websocket(client, upgrade_at)
        responses += _read_websocket(server, switched_at)
    elif upgrade_at is not None:
        more, _ = _read_http1(client, upgrade_at)
        requests += more
    return requests + responses


def _read_http1(stream: _Stream, position: int, *, upgrade=False, methods=None):
    """HTTP/1.1 messages from ``position``.

    Returns them and, for a client's stream with ``upgrade``, where the first
    request asking for a WebSocket upgrade ended; for a server's stream, where
    a ``101 Switching Protocols`` response ended (None if there was none).
    """
    data, found = stream.data, []
    while position < len(data):
        head_end = data.find(b"\r\n\r\n", position)
        if head_end < 0:
            break
        start_line, *lines = data[position:head_end].decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            name, value = name.strip(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        lower = {name.lower(): value for name, value in headers.items()}
        body_start = head_end + 4
        status = None
        if stream.direction == TO_CLIENT:
            parts = start_line.split(" ")
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            method = methods[len(found)] if methods and len(found) < len(methods) else "GET"
            no_body = status < 200 or status in (204, 304) or method == "HEAD"
        else:
            no_body = False
        if no_body:
            body, end = b"", body_start
        elif "chunked" in lower.get("transfer-encoding", "").lower():
            body, end = _dechunk(data, body_start)
            if end is None:
                break
        elif "content-length" in lower:
            end = body_start + int(lower["content-length"])
            body = data[body_start:end]
        elif stream.direction == TO_CLIENT:
            body, end = data[body_start:], len(data)  # the body ends when the server closes
        else:
            body, end = b"", body_start
        if end > len(data):
            break
        found.append(stream.message(position, end, "HTTP", start_line, body, headers))
        position = end
        if (upgrade and "websocket" in lower.get("upgrade", "").lower()) or status == 101:
            return found, position
    return found + stream.rest(position), None


def _dechunk(data: bytearray, position: int) -> tuple[bytes, int | None]:
    """A chunked body (RFC 9112, section 7.1) from ``position``: (body, end), end None if cut."""
    body = bytearray()
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return bytes(body), None
        size = int(data[position:line_end].split(b";")[0] or b"0", 16)
        position = line_end + 2
        if size == 0:
            trailers_end = data.find(b"\r\n\r\n", line_end)
            if data[position : position + 2] == b"\r\n":
                return bytes(body), position + 2
            return (bytes(body), trailers_end + 4) if trailers_end >= 0 else (bytes(body), None)
        body += data[position : position + size]
        position += size + 2
        if position > len(data):
            return bytes(body), None


def _read_websocket(stream: _Stream, position: int) -> list[Message]:
    """WebSocket frames (RFC 6455, section 5.2) from ``position``."""
    data, found = stream.data, []
    while position + 2 <= len(data):
        opcode, masked = data[position] & 0x0F, data[position + 1] & 0x80
        length, start = data[position + 1] & 0x7F, position + 2
        if length == 126:
            length, start = int.from_bytes(data[start : start + 2], "big"), start + 2
        elif length == 127:
            length, start = int.from_bytes(data[start : start + 8], "big"), start + 8
        mask = data[start : start + 4] if masked else b""
        start += len(mask)
        end = start + length
        if end > len(data):
            break
        payload = data[start:end]
        if mask:
            payload = bytes(byte ^ mask[n % 4] for n, byte in enumerate(payload))
        name = f"{WEBSOCKET_FRAMES.get(opcode, f'opcode {opcode}')} frame"
        data_frame = opcode in (0, 1, 2)
        found.append(
            stream.message(position, end, "WebSocket", name, payload, application=data_frame)
        )
        position = end
    return found + stream.rest(position)


def _read_http2(stream: _Stream) -> list[Message]:
    """HTTP/2 frames (RFC 9113, section 4.1), and the gRPC messages in their DATA frames."""
    data, found, position = stream.data, [], 0
    if data.startswith(HTTP2_PREFACE):
        position = len(HTTP2_PREFACE)
        found.append(stream.message(0, position, "HTTP/2", "connection preface", application=False))
    grpc: dict[int, bytearray] = {}  # stream id -> DATA bytes not yet read as messages
    while position + 9 <= len(data):
        length = int.from_bytes(data[position : position + 3], "big")
        kind, flags = data[position + 3], data[position + 4]
        stream_id = int.from_bytes(data[position + 5 : position + 9], "big") & 0x7FFFFFFF
        end = position + 9 + length
        if end > len(data):
            break
        payload = data[position + 9 : end]
        name = HTTP2_FRAMES.get(kind, f"type {kind}")
        summary = f"{name}, stream {stream_id}" if stream_id else name
        found.append(stream.message(position, end, "HTTP/2", summary, payload, application=False))
        if kind == 0:
            if flags & 0x8:  # PADDED: a pad length first, padding last
                payload = payload[1 : len(payload) - payload[0]]
            pending = grpc.setdefault(stream_id, bytearray())
            pending += payload
            # A gRPC message: a compressed flag, a 4-byte length, the protobuf bytes.
            while len(pending) >= 5 and len(pending) >= 5 + int.from_bytes(pending[1:5], "big"):
                size = 5 + int.from_bytes(pending[1:5], "big")
                found.append(
                    stream.message(
                        end - size, end, "gRPC", f"message, stream {stream_id}", pending[5:size]
                    )
                )
                del pending[:size]
        position = end
    return found + stream.rest(position)


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

    def show(self, limit: int = 4000) -> None:
        """Print the call's bytes as :meth:`Tap.show` does."""
        _show(self.chunks, limit)

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
    the tap must first be ``quiet`` for that many seconds, before and after;
    ``seconds`` is the call's own time, without that wait.
    """
    if not isinstance(target, Tap):
        with tap(target) as temporary:
            return measure(temporary, call, quiet=quiet)
    _wait_until_quiet(target, quiet)
    first = len(target._record.history()[0])
    began = time.perf_counter()
    result = call(target.url)
    seconds = time.perf_counter() - began
    _wait_until_quiet(target, quiet)
    chunks, _ = target._record.history()
    parts = [m for m in read_messages(chunks) if m.chunk >= first]
    return Measurement(result, seconds, chunks[first:], parts)


def _wait_until_quiet(tap: Tap, quiet: float, timeout: float = runner.STOP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    seen = len(tap._record.history()[0])
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(tap._record.history()[0])
        if now == seen:
            return
        seen = now
