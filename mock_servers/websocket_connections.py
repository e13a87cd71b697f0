"""The connections of the WebSocket server: remembered, and ended fast on stop.

``websocket_server`` serves the weather protocol; this module holds what any
websockets-based server of the course needs to stop in well under a second
and leave no thread behind, whatever its clients do (a handshake never
finished, a failed connection the client never closes, a client that stopped
reading), and the send deadline that keeps a blocked send from holding a
connection forever.
"""

from __future__ import annotations

import concurrent.futures
import socket
import struct
import sys
import threading

from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.sync.server import ServerConnection

from mock_servers import runner


def limit_send_time(sock: socket.socket, seconds: float) -> None:
    """Make a send that cannot finish within `seconds` fail (see SEND_TIMEOUT).

    An operating-system option, not sock.settimeout(): that would limit reads
    too, and websockets 16 and earlier read with a plain blocking recv().
    """
    if sys.platform == "win32":
        value: int | bytes = int(seconds * 1000)  # milliseconds
    else:
        whole = int(seconds)
        value = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))  # a timeval
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    except OSError:
        pass  # a safety net only; serve without it


class Connection(ServerConnection):
    """A server connection that remembers the thread serving it and the name
    the server gave its client."""

    backend: Backend  # set on the subclass that each server makes
    name = "client-?"
    language = "en"  # chosen at the handshake (?lang=, Accept-Language)
    space: str | None = None  # the learner's prefix it connected under, if any (spaces.split)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The library creates the connection in the thread that then runs the handler.
        self.handler_thread = threading.current_thread()
        self.backend.add(self)

    def threads(self) -> list[threading.Thread]:
        """This connection's threads that are still running."""
        threads = (self.handler_thread, self.recv_events_thread, self.keepalive_thread)
        return [thread for thread in threads if thread is not None and thread.is_alive()]


class Backend:
    """A ``websockets.sync.server.Server`` for the runner, made to stop fast
    and leave no thread.

    websockets 17 closes open connections in shutdown() (code 1001) and waits
    for their handler threads, but it also waits for connections still in the
    opening handshake (up to OPEN_TIMEOUT) and for failed ones (see
    WATCH_INTERVAL); those are cut first.  Earlier versions (16 is the newest
    for Python 3.10) only stop accepting, so close() closes what is still open.
    Either way close() joins every thread of every connection.
    """

    def __init__(self, server) -> None:
        self.server = server
        self.connections: set[Connection] = set()
        self.lock = threading.Lock()
        # websockets 17 polls for finished handler threads; every 10 ms, not 100.
        server.SHUTDOWN_POLLING_INTERVAL = 0.01

    def add(self, connection: Connection) -> None:
        """Remember a new connection (and forget those whose threads ended)."""
        with self.lock:
            self.connections = {c for c in self.connections if c.threads()}
            self.connections.add(connection)

    def open_connections(self, besides: Connection) -> int:
        """Connections open or opening, other than ``besides``: what the cap counts."""
        with self.lock:
            connections = list(self.connections)
        return sum(1 for c in connections if c is not besides and c.state is not State.CLOSED)

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        with self.lock:
            connections = list(self.connections)
        _cut_stalled(connections)
        self.server.shutdown()

    def close(self) -> None:
        # The server thread has ended: no connection is added from now on.
        with self.lock:
            connections, self.connections = list(self.connections), set()
        _cut_stalled(connections)
        still_open = [c for c in connections if c.state is State.OPEN]
        if still_open:
            # Concurrently, so clients that do not answer cost CLOSE_TIMEOUT once.
            with concurrent.futures.ThreadPoolExecutor(len(still_open)) as pool:
                for connection in still_open:
                    pool.submit(connection.close, CloseCode.GOING_AWAY)
        for connection in connections:
            for thread in connection.threads():
                thread.join(runner.STOP_TIMEOUT)


def _cut_stalled(connections: list[Connection]) -> None:
    """End connections that would make a stop wait for a client."""
    for connection in connections:
        # Still waiting for a handshake request, or failed and waiting for the
        # client to end the TCP connection.
        if connection.request is None or connection.state is State.CLOSING:
            connection.close_socket()
