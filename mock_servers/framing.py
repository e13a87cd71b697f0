"""Which messages a connection's bytes were: HTTP/1.1, WebSocket, HTTP/2 and gRPC.

Pure framing, with no sockets: :class:`ConnectionReader` is fed the bytes of
one TCP connection as they arrive, one direction at a time, and hands back each
message as soon as its last byte is in.  ``mock_servers.wire`` feeds it from a
live relay; :func:`read_messages` reads a recorded list of chunks.

Well-kept parsers do the reading where they exist: ``h11`` for HTTP/1.1 (both
directions, so it knows which answer has no body, as after HEAD, and when a
connection switches to WebSocket), the websockets library's frame parser
(``websockets.frames.Frame.parse``) for WebSocket frames.  HTTP/2's frame
header (9 bytes, RFC 9113, section 4.1) and gRPC's message prefix (5 bytes)
are read here: each is a few fixed fields, not worth a library learners must
install (grpcio has an HTTP/2 parser, but in C and not for Python to call).

Nothing here raises on bad input.  Bytes that cannot be framed (a malformed
Content-Length or chunk size, a frame that breaks RFC 6455) become a ``"TCP"``
message whose summary says ``unparsed bytes`` and why, and everything after
them on that connection is shown the same way: once framing is lost, it
cannot be found again.
"""

from __future__ import annotations

import dataclasses

import h11
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

TO_SERVER = "client → server"
TO_CLIENT = "server → client"
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
WEBSOCKET_FRAMES = {
    Opcode.CONT: "continuation",
    Opcode.TEXT: "text",
    Opcode.BINARY: "binary",
    Opcode.CLOSE: "close",
    Opcode.PING: "ping",
    Opcode.PONG: "pong",
}
# Bytes one direction may hold while a message is not complete (a body, a
# frame, pipelined requests); beyond it the rest is shown unparsed, so a reader
# never holds more than this.
MAX_PENDING_BYTES = 4 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024  # an HTTP/1.1 start line and headers


@dataclasses.dataclass
class Chunk:
    """Bytes that arrived in one piece, in one direction, on one connection."""

    connection: int
    direction: str
    data: bytes
    seconds: float  # since the tap started, by a monotonic clock


@dataclasses.dataclass
class Message:
    """One piece of a conversation, found by reading the protocol's framing.

    ``kind`` says what it is: ``"HTTP"`` (a request or a response),
    ``"WebSocket"`` (a frame), ``"HTTP/2"`` (a frame), ``"gRPC"`` (a message,
    carried inside HTTP/2 DATA frames, so its bytes are in those frames too),
    or ``"TCP"``: bytes not complete yet (``"N bytes"``), or bytes that cannot
    be framed (``"unparsed bytes: why"``).

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
        a line naming it and, for requests, answers, pushes and unparsed
        bytes, its payload as text or as a hex dump.
        """
        if self.kind == "HTTP":
            head = [self.summary, *(f"{name}: {value}" for name, value in self.headers.items())]
            body = "\n\n" + printable(self.payload, limit) if self.payload else ""
            return "\n".join(head) + body
        name = f"[{self.kind} {self.summary}, {self.size} bytes]"
        if (self.application or self.kind == "TCP") and self.payload:
            return name + "\n" + printable(self.payload, limit)
        return name


def printable(data: bytes, limit: int = 4000) -> str:
    """``data`` as text if it is text (CRLF as plain line ends), else as a hex dump.

    At most ``limit`` characters of text, or ``limit // 4`` bytes of hex dump.
    """
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


# --------------------------------------------------------------------------
# One direction of a connection: offsets, and which chunk brought which byte


class _Direction:
    """Bookkeeping for the bytes that went one way on one connection.

    ``fed`` counts every byte so far and ``done`` is where the last message
    ended; ``ends`` remembers, for the chunks not fully read, where each ended,
    so a message gets the index and time of the chunk that held its last byte.
    """

    def __init__(self, connection: int, direction: str) -> None:
        self.connection = connection
        self.direction = direction
        self.fed = 0
        self.done = 0
        self.ends: list[tuple[int, float, int]] = []  # (end offset, seconds, chunk index)
        self.raw = bytearray()  # the bytes from offset `done` on, for an unparsed piece
        self.unparsed: str | None = None  # why framing was lost, once it is

    def add(self, data: bytes, seconds: float, index: int) -> None:
        self.fed += len(data)
        self.raw += data
        self.ends.append((self.fed, seconds, index))

    def message(
        self, end, kind, summary, payload=b"", headers=None, *, start=None, application=True
    ):
        """A message ending at offset ``end``; it starts where the last one ended."""
        start = self.done if start is None else start
        payload = bytes(payload)  # before `raw` is cut below: it may be the payload
        seconds, index = next(((s, i) for offset, s, i in self.ends if offset >= end), (0.0, -1))
        if end > self.done:
            del self.raw[: end - self.done]
            self.done = end
        self.ends = [entry for entry in self.ends if entry[0] > self.done] or self.ends[-1:]
        return Message(
            self.connection,
            self.direction,
            kind,
            summary,
            end - start,
            payload,
            headers or {},
            seconds,
            index,
            application,
        )

    def pending(self) -> int:
        return self.fed - self.done

    def lose(self, reason: str) -> list[Message]:
        """Framing is lost: everything not yet read, and all that follows, is unparsed."""
        if self.unparsed is None:
            self.unparsed = reason
        return self.unparsed_piece()

    def unparsed_piece(self) -> list[Message]:
        if self.fed <= self.done:
            return []
        summary = f"unparsed bytes: {self.unparsed}"
        return [self.message(self.fed, "TCP", summary, self.raw, application=False)]

    def tail(self) -> list[Message]:
        """The bytes of a message not complete yet, as one ``"TCP"`` piece."""
        if self.fed <= self.done:
            return []
        size = self.fed - self.done
        seconds, index = self.ends[-1][1:] if self.ends else (0.0, -1)
        return [
            Message(
                self.connection,
                self.direction,
                "TCP",
                f"{size} bytes",
                size,
                b"",
                {},
                seconds,
                index,
                False,
            )
        ]


# --------------------------------------------------------------------------
# The readers of each protocol


class _WebSocketReader:
    """WebSocket frames (RFC 6455, section 5.2) read by the websockets library."""

    def __init__(self, side: _Direction) -> None:
        self.side = side
        self.stream = StreamReader()
        self.found: list[Message] = []
        # A client masks every frame it sends, a server none (section 5.1).
        self.parser = self._frames(masked=side.direction == TO_SERVER)
        next(self.parser)

    def _frames(self, masked: bool):
        while True:
            frame = yield from Frame.parse(
                self.stream.read_exact, mask=masked, max_size=MAX_PENDING_BYTES
            )
            end = self.side.fed - len(self.stream.buffer)
            name = f"{WEBSOCKET_FRAMES.get(frame.opcode, str(frame.opcode))} frame"
            data_frame = frame.opcode in (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)
            self.found.append(
                self.side.message(end, "WebSocket", name, frame.data, application=data_frame)
            )

    def feed(self, data: bytes) -> list[Message]:
        self.stream.feed_data(data)
        try:
            next(self.parser)
        except (ProtocolError, PayloadTooBig) as error:
            found = self.found + self.side.lose(f"not a WebSocket frame ({error})")
            self.stream = StreamReader()
            self.found = []
            return found
        found, self.found = self.found, []
        return found


class _Http2Reader:
    """HTTP/2 frames (RFC 9113, section 4.1) and the gRPC messages in their DATA frames."""

    def __init__(self, side: _Direction) -> None:
        self.side = side
        self.buffer = bytearray()
        self.preface = side.direction == TO_SERVER  # the client starts with the preface
        self.grpc: dict[int, bytearray] = {}  # stream id -> DATA bytes not yet read as messages

    def feed(self, data: bytes) -> list[Message]:
        self.buffer += data
        found: list[Message] = []
        side = self.side
        if self.preface:
            if len(self.buffer) < len(HTTP2_PREFACE):
                return found
            del self.buffer[: len(HTTP2_PREFACE)]
            self.preface = False
            found.append(
                side.message(
                    side.done + len(HTTP2_PREFACE),
                    "HTTP/2",
                    "connection preface",
                    application=False,
                )
            )
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            kind, flags = self.buffer[3], self.buffer[4]
            stream_id = int.from_bytes(self.buffer[5:9], "big") & 0x7FFFFFFF
            if len(self.buffer) < 9 + length:
                break
            payload = bytes(self.buffer[9 : 9 + length])
            del self.buffer[: 9 + length]
            end = side.done + 9 + length
            name = HTTP2_FRAMES.get(kind, f"type {kind}")
            summary = f"{name}, stream {stream_id}" if stream_id else name
            found.append(side.message(end, "HTTP/2", summary, payload, application=False))
            if kind == 0:
                found += self._grpc(stream_id, flags, payload, end)
        return found

    def _grpc(self, stream_id: int, flags: int, payload: bytes, end: int) -> list[Message]:
        if flags & 0x8 and payload:  # PADDED: a pad length first, padding last
            payload = payload[1 : max(1, len(payload) - payload[0])]
        pending = self.grpc.setdefault(stream_id, bytearray())
        pending += payload
        found = []
        # A gRPC message: a compressed flag, a 4-byte length, the protobuf bytes.
        while len(pending) >= 5 and len(pending) >= 5 + int.from_bytes(pending[1:5], "big"):
            size = 5 + int.from_bytes(pending[1:5], "big")
            found.append(
                self.side.message(
                    end, "gRPC", f"message, stream {stream_id}", pending[5:size], start=end - size
                )
            )
            del pending[:size]
        if not pending:
            del self.grpc[stream_id]
        return found


def _headers(event) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in event.headers.raw_items():
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _start_line(event) -> str:
    version = event.http_version.decode("ascii")
    if isinstance(event, h11.Request):
        target = event.target.decode("latin-1")
        return f"{event.method.decode('ascii')} {target} HTTP/{version}"
    reason = event.reason.decode("latin-1")
    return f"HTTP/{version} {event.status_code} {reason}".rstrip()


class _Http1Reader:
    """Both directions of an HTTP/1.1 connection, read by two h11 connections.

    One plays the server and reads the client's bytes, the other plays the
    client and reads the server's; each is told what the other read, as if it
    had sent it.  So each knows what a real peer would: that an answer to HEAD
    has no body, when the next request may start, and when the connection has
    switched to WebSocket.
    """

    def __init__(self, client: _Direction, server: _Direction) -> None:
        self.sides = {TO_SERVER: client, TO_CLIENT: server}
        self.readers = {
            TO_SERVER: h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES),
            TO_CLIENT: h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES),
        }
        self.current: dict[str, tuple[str, dict[str, str], bytearray] | None] = {
            TO_SERVER: None,
            TO_CLIENT: None,
        }
        self.switched = False  # both directions speak WebSocket from here
        self.ended: set[str] = set()  # directions whose sender closed
        self.found: list[Message] = []  # read, not yet handed back (kept if a later byte fails)

    def feed(self, direction: str, data: bytes) -> list[Message]:
        self.readers[direction].receive_data(data)
        self._read()
        return self.take()

    def close(self, direction: str) -> list[Message]:
        self.readers[direction].receive_data(b"")
        self._read()
        return self.take()

    def take(self) -> list[Message]:
        found, self.found = self.found, []
        return found

    def leftovers(self, direction: str) -> bytes:
        return self.readers[direction].trailing_data[0]

    def _read(self) -> None:
        progress = True
        while progress and not self.switched:
            progress = False
            for direction in (TO_SERVER, TO_CLIENT):
                if direction in self.ended:
                    continue
                reader = self.readers[direction]
                other = self.readers[TO_CLIENT if direction == TO_SERVER else TO_SERVER]
                if direction == TO_CLIENT and reader.our_state is h11.IDLE:
                    continue  # an answer is read once its request is known
                event = reader.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    if reader.their_state is h11.SWITCHED_PROTOCOL:
                        self.switched = True
                        break
                    continue
                progress = True
                if isinstance(event, h11.ConnectionClosed):
                    self.ended.add(direction)
                    continue
                self.found += self._event(direction, event)
                other.send(event)  # the other side "sends" what this one read
                self._next_cycle()

    def _event(self, direction: str, event) -> list[Message]:
        side, reader = self.sides[direction], self.readers[direction]
        end = side.fed - len(reader.trailing_data[0])
        if isinstance(event, h11.InformationalResponse):
            return [side.message(end, "HTTP", _start_line(event), b"", _headers(event))]
        if isinstance(event, (h11.Request, h11.Response)):
            self.current[direction] = (_start_line(event), _headers(event), bytearray())
        elif isinstance(event, h11.Data) and self.current[direction] is not None:
            self.current[direction][2].extend(event.data)
        elif isinstance(event, h11.EndOfMessage) and self.current[direction] is not None:
            start_line, headers, body = self.current[direction]
            self.current[direction] = None
            return [side.message(end, "HTTP", start_line, body, headers)]
        return []

    def _next_cycle(self) -> None:
        client, server = self.readers[TO_CLIENT], self.readers[TO_SERVER]
        if all(
            state is h11.DONE for c in (client, server) for state in (c.our_state, c.their_state)
        ):
            client.start_next_cycle()
            server.start_next_cycle()


# --------------------------------------------------------------------------
# A whole connection


class ConnectionReader:
    """Reads one TCP connection as its bytes arrive, in both directions.

    The client's first bytes tell the protocol: the HTTP/2 connection preface,
    or else HTTP/1.1 (which may switch to WebSocket).  Until they do, what the
    server says is kept aside and read afterwards.
    """

    def __init__(self, connection: int) -> None:
        self.sides = {
            TO_SERVER: _Direction(connection, TO_SERVER),
            TO_CLIENT: _Direction(connection, TO_CLIENT),
        }
        self.protocol: str | None = None  # "HTTP/1.1", "HTTP/2", "WebSocket"
        self.waiting: list[tuple[str, bytes]] = []  # bytes fed before the protocol was known
        self.http1: _Http1Reader | None = None
        self.framers: dict[str, _WebSocketReader | _Http2Reader] = {}
        self.closed: set[str] = set()

    def feed(self, direction: str, data: bytes, seconds: float, index: int) -> list[Message]:
        """The messages completed by ``data``, which went ``direction`` in chunk ``index``."""
        self.sides[direction].add(data, seconds, index)
        try:
            return self._feed(direction, data)
        except Exception as error:  # a bug here must not stop a relay: show the bytes
            return self._lose(f"{type(error).__name__}: {error}")

    def _feed(self, direction: str, data: bytes) -> list[Message]:
        side = self.sides[direction]
        if side.unparsed is not None:
            return side.unparsed_piece()
        if self.protocol is None:
            self.waiting.append((direction, data))
            if not self._choose_protocol():
                return self._bound(direction)
            waiting, self.waiting = self.waiting, []
            found: list[Message] = []
            for earlier_direction, earlier in waiting:
                found += self._read(earlier_direction, earlier)
            return found
        return self._read(direction, data) + self._bound(direction)

    def close(self, direction: str) -> list[Message]:
        """That direction ended (the sender closed or half-closed the connection)."""
        self.closed.add(direction)
        if self.protocol == "HTTP/1.1" and self.sides[direction].unparsed is None:
            try:
                return self.http1.close(direction) + self._after_switch()
            except h11.ProtocolError as error:
                return self._lose(f"not HTTP/1.1 ({error})")
            except Exception as error:
                return self._lose(f"{type(error).__name__}: {error}")
        return []

    def tails(self) -> list[Message]:
        """Bytes of messages not complete yet, one ``"TCP"`` piece per direction."""
        return [message for side in self.sides.values() for message in side.tail()]

    @property
    def finished(self) -> bool:
        return self.closed == set(self.sides)

    # ----------------------------------------------------------------------

    def _choose_protocol(self) -> bool:
        client = b"".join(data for direction, data in self.waiting if direction == TO_SERVER)
        if not client:
            return False
        if client.startswith(HTTP2_PREFACE):
            self.protocol = "HTTP/2"
            self.framers = {d: _Http2Reader(side) for d, side in self.sides.items()}
        elif HTTP2_PREFACE.startswith(client):
            return False  # could still become the preface
        else:
            self.protocol = "HTTP/1.1"
            self.http1 = _Http1Reader(self.sides[TO_SERVER], self.sides[TO_CLIENT])
        return True

    def _read(self, direction: str, data: bytes) -> list[Message]:
        side = self.sides[direction]
        if side.unparsed is not None:
            return side.unparsed_piece()
        if self.protocol == "HTTP/1.1":
            try:
                return self.http1.feed(direction, data) + self._after_switch()
            except h11.ProtocolError as error:
                return self._lose(f"not HTTP/1.1 ({error})")
        return self.framers[direction].feed(data)

    def _after_switch(self) -> list[Message]:
        if self.protocol != "HTTP/1.1" or not self.http1.switched:
            return []
        # 101 Switching Protocols: what h11 did not read is WebSocket frames.
        self.protocol = "WebSocket"
        found: list[Message] = []
        for direction, side in self.sides.items():
            leftovers = self.http1.leftovers(direction)
            self.framers[direction] = _WebSocketReader(side)
            side.done = side.fed - len(leftovers)
            if leftovers:
                found += self.framers[direction].feed(leftovers)
        self.http1 = None
        return found

    def _lose(self, reason: str) -> list[Message]:
        """Framing is lost on this connection: what follows, both ways, is unparsed."""
        found: list[Message] = self.http1.take() if self.http1 is not None else []
        for side in self.sides.values():
            found += side.lose(reason)
        return found

    def _bound(self, direction: str) -> list[Message]:
        side = self.sides[direction]
        if side.unparsed is None and side.pending() > MAX_PENDING_BYTES:
            return side.lose(f"more than {MAX_PENDING_BYTES} bytes in one message")
        return []


def read_messages(chunks: list[Chunk]) -> list[Message]:
    """The messages in recorded chunks, in the order their last bytes arrived.

    Reads HTTP/1.1 (requests and responses), WebSocket frames after an HTTP
    upgrade, and HTTP/2 frames with the gRPC messages in their DATA frames.
    The chunks must start at the beginning of each connection.  What is not
    complete at the end comes as a ``"TCP"`` piece; what cannot be framed, as
    ``"unparsed bytes"``.  Never raises on bad bytes.
    """
    readers: dict[int, ConnectionReader] = {}
    messages: list[Message] = []
    for index, chunk in enumerate(chunks):
        reader = readers.setdefault(chunk.connection, ConnectionReader(chunk.connection))
        messages += reader.feed(chunk.direction, chunk.data, chunk.seconds, index)
    for reader in readers.values():
        messages += reader.tails()
    # Pieces that end in the same chunk come from one stream, already in order.
    return sorted(messages, key=lambda m: m.chunk)
