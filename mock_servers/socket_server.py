"""Servers built on ``socketserver`` (werkzeug's WSGI server, xmlrpc.server,
the wire tap's relay): one thread per connection, bounded, and a fast stop.

``ConnectionTrackingMixin`` remembers every connection and its thread, refuses
connections beyond the cap at once, and can put each connection under the
idle and slow-request timeouts of :mod:`mock_servers.limits`.
``SocketServerBackend`` serves such a server for :mod:`mock_servers.runner`.
"""

from __future__ import annotations

import io
import selectors
import socket
import socketserver
import threading
import time

from mock_servers import limits
from mock_servers.runner import STOP_TIMEOUT, RequestLog

REFUSAL_THREADS = 16  # refusals answered at once; more are closed without a word
REFUSAL_LINGER = 1.0  # seconds a refused client gets to read the answer


class TimedConnection:
    """A client socket under an idle timeout and a per-request deadline.

    It sees requests and answers from the bytes alone, so it fits any
    request/response protocol: waiting for a request's first byte may last
    ``idle_timeout``; from that byte on, the whole request must arrive within
    ``request_timeout`` (a slow-loris client that trickles bytes is cut off);
    sending the answer ends the request.  A read past its time raises
    ``TimeoutError``, which the handlers of http.server and werkzeug take as
    "drop this connection".
    """

    def __init__(self, sock: socket.socket, limits_: limits.ConnectionLimits) -> None:
        self._sock = sock
        self._limits = limits_
        self._deadline: float | None = None  # None: between two requests

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        if self._deadline is None:
            self._sock.settimeout(self._limits.idle_timeout)
        else:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request took too long to arrive")
            self._sock.settimeout(remaining)
        received = self._sock.recv_into(buffer, nbytes, flags)
        if received and self._deadline is None:
            self._deadline = time.monotonic() + self._limits.request_timeout
        return received

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        buffer = bytearray(bufsize)
        received = self.recv_into(buffer, bufsize, flags)
        return bytes(buffer[:received])

    def sendall(self, data, flags: int = 0) -> None:
        self._deadline = None  # the answer has begun: the request is over
        self._sock.settimeout(self._limits.write_timeout)
        self._sock.sendall(data, flags)

    def send(self, data, flags: int = 0) -> int:
        self._deadline = None
        self._sock.settimeout(self._limits.write_timeout)
        return self._sock.send(data, flags)

    def makefile(self, mode: str = "r", buffering: int | None = None, **_ignored):
        raw = _TimedIO(self, "w" in mode)
        size = io.DEFAULT_BUFFER_SIZE if buffering is None or buffering < 0 else buffering
        if "w" in mode:
            return raw if size == 0 else io.BufferedWriter(raw, size)
        return io.BufferedReader(raw, max(size, 1))

    def __getattr__(self, name):
        return getattr(self._sock, name)  # fileno, shutdown, close, getpeername...


class _TimedIO(io.RawIOBase):
    def __init__(self, connection: TimedConnection, writable: bool) -> None:
        self._connection = connection
        self._writable = writable

    def readable(self) -> bool:
        return not self._writable

    def writable(self) -> bool:
        return self._writable

    def readinto(self, buffer) -> int:
        return self._connection.recv_into(buffer)

    def write(self, data) -> int:
        self._connection.sendall(data)
        return len(data)

    def fileno(self) -> int:
        return self._connection.fileno()


class ConnectionTrackingMixin:
    """A socketserver mix-in: one daemon thread per connection, all tracked.

    ``socketserver.ThreadingMixIn`` does not remember daemon threads and has
    no way to close keep-alive connections, so a stopped server could leave
    threads waiting on idle clients.  This mix-in closes every open connection
    and then waits for every connection thread to have really ended.

    It also bounds what clients can hold: beyond ``max_connections`` a new
    connection is refused at once (with :meth:`refusal`, the protocol's own
    "too busy" answer, when the class has one), and with ``timed_connections``
    each connection is a :class:`TimedConnection`.
    """

    timed_connections = False

    def __init__(self, *args, **kwargs):
        self._open_sockets: set = set()
        self._refused: set = set()
        self._threads: set[threading.Thread] = set()
        self._connections_lock = threading.Lock()
        self._refusals = threading.BoundedSemaphore(REFUSAL_THREADS)
        self.limits = limits.active()
        self.connections_opened = 0  # every TCP connection a client opened, refused or not
        super().__init__(*args, **kwargs)

    @property
    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._open_sockets)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self.connections_opened += 1
            full = len(self._open_sockets) >= self.limits.max_connections
        if full:
            self._refuse(request)
            return
        try:
            # Send each answer at once.  With Nagle's algorithm the last small
            # write of an answer waits for the client's delayed ACK (40 ms on
            # Linux) on every call of a kept-alive connection.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not TCP (a test's socketpair)
        if self.timed_connections:
            request = TimedConnection(request, self.limits)
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{threading.current_thread().name}-connection",
            daemon=True,
        )
        self._track(thread, request)
        thread.start()

    def refusal(self) -> bytes:
        """What a client refused for lack of room is sent before the close."""
        return b""

    def _track(self, thread: threading.Thread, request) -> None:
        with self._connections_lock:
            # A thread is forgotten only once it has ended, never by itself,
            # so close_connections() can join one that is still finishing.
            self._threads = {t for t in self._threads if t.is_alive()}
            self._threads.add(thread)
            self._open_sockets.add(request)

    def _refuse(self, request) -> None:
        log = getattr(self, "request_log", None)
        if log is None:
            log = getattr(self, "log", None)
        if isinstance(log, RequestLog):
            log.record(f"(connection refused: {self.limits.max_connections} already open)")
        if not self.refusal() or not self._refusals.acquire(blocking=False):
            _close(request)
            return
        thread = threading.Thread(
            target=self._answer_refused,
            args=(request,),
            name=f"{threading.current_thread().name}-refusal",
            daemon=True,
        )
        with self._connections_lock:
            self._threads.add(thread)
            self._refused.add(request)
        thread.start()

    def _answer_refused(self, request) -> None:
        """Send the refusal, then let the client read it before closing: closing
        with its request unread would reset the connection and lose the answer."""
        try:
            request.settimeout(REFUSAL_LINGER)
            request.sendall(self.refusal())
            request.shutdown(socket.SHUT_WR)
            ends = time.monotonic() + REFUSAL_LINGER
            while time.monotonic() < ends and request.recv(65536):
                pass
        except OSError:
            pass
        finally:
            with self._connections_lock:
                self._refused.discard(request)
            _close(request)
            self._refusals.release()

    def process_request_thread(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            pass  # a client that hangs up mid-request is not the server's problem
        finally:
            self.shutdown_request(request)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._open_sockets.discard(request)
        super().shutdown_request(request)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            sockets = [*self._open_sockets, *self._refused]
            threads = list(self._threads)
        for request in sockets:
            try:
                request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout)

    def handle_error(self, request, client_address):
        pass  # never print a traceback from a server thread


def _close(request) -> None:
    try:
        request.close()
    except OSError:
        pass


class SocketServerBackend:
    """Serve a ``socketserver`` server without its polling loop.

    ``serve_forever(poll_interval=0.5)`` only notices a shutdown when its poll
    times out, so a stop would take up to half a second.  This loop waits on
    the listening socket *and* a wake-up socket, so a stop is immediate.
    """

    def __init__(self, server: socketserver.BaseServer) -> None:
        self.server = server
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopping = threading.Event()

    def serve_forever(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.server.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _events in selector.select():
                    if key.fileobj is self.server.socket and not self._stopping.is_set():
                        self.server._handle_request_noblock()

    def shutdown(self) -> None:
        self._stopping.set()
        try:
            self._wake_writer.send(b"x")
        except OSError:
            pass

    def close(self) -> None:
        self.server.server_close()
        if isinstance(self.server, ConnectionTrackingMixin):
            self.server.close_connections(timeout=STOP_TIMEOUT)
        self._wake_reader.close()
        self._wake_writer.close()
