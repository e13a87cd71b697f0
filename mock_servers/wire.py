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
"""

from __future__ import annotations

import dataclasses
import socket
import socketserver
import threading
import time
from urllib.parse import urlsplit, urlunsplit

from mock_servers import runner

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
        parts = urlsplit(server.url)
        netloc = f"{runner.format_host(relay.host)}:{relay.port}"
        self.url = urlunsplit(parts._replace(netloc=netloc)) if parts.scheme else netloc

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

    def clear(self) -> None:
        self._record.clear()

    def show(self, limit: int = 4000) -> None:
        """Print what was recorded, as text, each direction under its own heading.

        Bytes that are not text (binary frames) are shown as a hex dump.
        ``limit`` caps the characters printed for each direction change.
        """
        for direction, data in self._turns():
            print(f"── {direction} ({len(data)} bytes) ──")
            print(_printable(data, limit))

    def _turns(self) -> list[tuple[str, bytes]]:
        turns: list[tuple[str, bytes]] = []
        last = None
        for chunk in self.chunks:
            key = (chunk.connection, chunk.direction)
            if key == last:
                turns[-1] = (chunk.direction, turns[-1][1] + chunk.data)
            else:
                turns.append((chunk.direction, chunk.data))
                last = key
        return turns

    def stop(self) -> None:
        self._relay.stop()

    def __enter__(self) -> Tap:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<tap {self.url} → {self.server.url}>"


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
        self._chunks: list[Chunk] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._connections = 0

    def new_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def add(self, connection: int, direction: str, data: bytes) -> None:
        with self._lock:
            seconds = time.monotonic() - self._started
            self._chunks.append(Chunk(connection, direction, data, seconds))

    def chunks(self) -> list[Chunk]:
        with self._lock:
            return list(self._chunks)

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()


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
                back = threading.Thread(
                    target=_pump,
                    args=(server_side, self.request, record, connection, TO_CLIENT),
                    daemon=True,
                )
                back.start()
                _pump(self.request, server_side, record, connection, TO_SERVER)
                back.join(runner.STOP_TIMEOUT)

    class RelayServer(runner.ConnectionTrackingMixin, socketserver.TCPServer):
        pass

    def make_backend(sock: socket.socket, log: runner.RequestLog):
        relay = RelayServer(sock.getsockname()[:2], Relay, bind_and_activate=False)
        relay.socket.close()
        relay.socket = sock
        return runner.SocketServerBackend(relay)

    relay = runner.start_on_socket("tap", host, 0, make_backend, scheme="tcp")
    return Tap(server, relay, record)
