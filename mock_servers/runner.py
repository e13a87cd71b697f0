"""Run a mock server in a background thread of the current Python process.

Every style module (``rest``, ``soap``, ``xmlrpc``, ...) builds a *backend*: an
object that owns a listening socket and knows how to serve and how to stop.
It hands the backend to :func:`run`, and this module does the rest for every
style in the same way:

* the thread (a daemon thread, so a kernel can always exit);
* readiness (the socket is listening before :func:`run` returns);
* a fast, clean stop (no polling loop to wait for, open client connections
  closed, handler threads joined, the port free again);
* replacing the server a notebook cell started the last time the same cell ran,
  so re-running a cell never piles up servers or fails with "address in use".

A backend has three methods::

    serve_forever()  # runs in the server thread until shutdown() is called
    shutdown()       # called from another thread; makes serve_forever() return
    close()          # called after serve_forever() returned; frees everything
"""

from __future__ import annotations

import atexit
import collections
import http
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Protocol

STOP_TIMEOUT = 2.0  # seconds; a stop that takes longer than this is a bug


class Backend(Protocol):
    def serve_forever(self) -> None: ...

    def shutdown(self) -> None: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------
# Sockets


def listen(host: str, port: int, backlog: int = 128) -> socket.socket:
    """Bind and listen on (host, port); port 0 lets the operating system pick.

    Raises ``OSError`` with a readable message when the port is taken, instead
    of the ``sys.exit()`` some servers do, which would kill a Jupyter kernel.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a stopped server's port be reused at once, despite connections
        # still in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def format_host(host: str) -> str:
    """The host as it appears in a URL ([::1] for IPv6)."""
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------
# Request log


class RequestLog:
    """The last requests a server handled, one short line each.

    Servers never print from their thread (the text would land in whatever
    notebook cell happens to run next); they record here, and a lesson shows
    the log when it wants to.  The command line sets ``echo`` to print live.
    """

    def __init__(self, maxlen: int = 200) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self.echo: Callable[[str], None] | None = None

    def record(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
        if self.echo is not None:
            self.echo(line)

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def clear(self) -> None:
        with self._lock:
            self._lines.clear()

    def show(self) -> None:
        """Print the recorded lines, then forget them."""
        for line in self.lines:
            print(line)
        self.clear()

    def __len__(self) -> int:
        return len(self.lines)

    def __repr__(self) -> str:
        return "\n".join(self.lines)


# --------------------------------------------------------------------------
# Backends for socketserver-based servers (werkzeug's WSGI server, xmlrpc)


class ConnectionTrackingMixin:
    """A socketserver mix-in: one daemon thread per connection, all tracked.

    ``socketserver.ThreadingMixIn`` does not remember daemon threads and has
    no way to close keep-alive connections, so a stopped server could leave
    threads waiting on idle clients.  This mix-in closes every open connection
    and then waits for every connection thread to have really ended.
    """

    def __init__(self, *args, **kwargs):
        self._open_sockets: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{threading.current_thread().name}-connection",
            daemon=True,
        )
        with self._connections_lock:
            # A thread is forgotten only once it has ended, never by itself,
            # so close_connections() can join one that is still finishing.
            self._threads = {t for t in self._threads if t.is_alive()}
            self._threads.add(thread)
            self._open_sockets.add(request)
        thread.start()

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
            sockets, threads = list(self._open_sockets), list(self._threads)
        for request in sockets:
            try:
                request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout)

    def handle_error(self, request, client_address):
        pass  # never print a traceback from a server thread


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


def reason_phrase(status: int) -> str:
    """The reason phrase of an HTTP status, as RFC 9110 names it.

    Python's own table renamed some phrases in 3.13 (413, 422); a fixed answer
    keeps a lesson's output the same on every Python.
    """
    renamed = {413: "Content Too Large", 422: "Unprocessable Content"}
    try:
        return renamed.get(status) or http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def wsgi_backend(app, sock: socket.socket, log: RequestLog | None = None) -> SocketServerBackend:
    """A backend serving a WSGI application (Flask, werkzeug) on ``sock``."""
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        # werkzeug logs every request to stderr; the RequestLog replaces that.
        def log(self, type, message, *args):
            pass

        def log_request(self, code="-", size="-"):
            if log is not None:
                target = self.path
                log.record(f"{self.command} {target} → {code}")

        def send_response(self, code, message=None):
            # werkzeug passes its own upper-case phrases ("NOT FOUND").
            super().send_response(code, reason_phrase(code))

        def version_string(self) -> str:
            # A fixed name, so a stored lesson output is the same on every
            # Python and werkzeug version.
            return "WeatherMock/1.0"

    class Server(ConnectionTrackingMixin, BaseWSGIServer):
        multithread = True  # werkzeug then speaks HTTP/1.1 with keep-alive

    host, port = sock.getsockname()[:2]
    # werkzeug duplicates the descriptor we pass; it owns the copy from now on.
    server = Server(host, port, app, handler=QuietHandler, fd=sock.fileno())
    sock.close()
    return SocketServerBackend(server)


# --------------------------------------------------------------------------
# The running-server handle


class RunningServer:
    """A mock server running in a background thread.

    ``url`` is the endpoint a client calls.  ``stop()`` (or leaving a ``with``
    block) stops the server and returns once its port is free and its threads
    have ended.
    """

    def __init__(
        self,
        style: str,
        backend: Backend,
        host: str,
        port: int,
        url: str,
        log: RequestLog | None = None,
    ) -> None:
        self.style = style
        self.host = host
        self.port = port
        self.url = url
        self.log = log if log is not None else RequestLog()
        self._backend = backend
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=backend.serve_forever,
            name=f"mock-{style}-{port}",
            daemon=True,
        )

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving, close every connection and free the port.  Idempotent."""
        with self._lock:
            if not self._thread.is_alive():
                return
            self._backend.shutdown()
            self._thread.join(STOP_TIMEOUT)
            self._backend.close()
            _forget(self)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{self.style} server {state} at {self.url}>"


def run(
    style: str,
    backend: Backend,
    *,
    host: str,
    port: int,
    url: str,
    log: RequestLog | None = None,
) -> RunningServer:
    """Start ``backend`` in a daemon thread and return its handle.

    The backend's socket is already listening, so a client can connect as soon
    as this returns.
    """
    server = RunningServer(style, backend, host, port, url, log)
    _remember(server)
    server._thread.start()
    return server


# --------------------------------------------------------------------------
# Which servers are running, and which notebook cell started them

# Strong references: a server keeps running when its handle is dropped, so the
# registry must still find it to free its port or stop it at exit.
_running: set[RunningServer] = set()
_started_by_cell: dict[str, list[RunningServer]] = {}
_current_cell: list[str | None] = [None]
_registry_lock = threading.Lock()


def _remember(server: RunningServer) -> None:
    with _registry_lock:
        _running.add(server)
        cell = _current_cell[0]
        if cell is not None:
            _started_by_cell.setdefault(cell, []).append(server)


def _forget(server: RunningServer) -> None:
    with _registry_lock:
        _running.discard(server)


def running_servers() -> list[RunningServer]:
    """Every mock server running in this process."""
    with _registry_lock:
        return [server for server in _running if server.running]


def stop_all() -> None:
    """Stop every mock server running in this process."""
    for server in running_servers():
        server.stop()


def stop_servers_on(host: str, port: int) -> None:
    """Free an explicitly requested port held by a server of this process."""
    for server in running_servers():
        if server.port == port and server.host == host:
            server.stop()


def _before_cell(info) -> None:
    """IPython hook: a cell is about to run; stop what it started last time."""
    cell = getattr(info, "cell_id", None)
    _current_cell[0] = cell
    if cell is None:
        return
    with _registry_lock:
        previous = _started_by_cell.pop(cell, [])
    for server in previous:
        server.stop()


def _after_cell(result) -> None:
    _current_cell[0] = None


def _watch_notebook_cells() -> None:
    """Follow IPython's cells, if this process is an IPython kernel or shell."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_mock_servers_watching", False):
        return
    shell._mock_servers_watching = True
    shell.events.register("pre_run_cell", _before_cell)
    shell.events.register("post_run_cell", _after_cell)
    # The hook registers only once the current cell is running, so this very
    # cell must be noted by hand.
    _current_cell[0] = _current_cell_id(shell)


def _current_cell_id(shell) -> str | None:
    parent = getattr(shell, "parent_header", None) or {}
    metadata = parent.get("metadata", {}) if isinstance(parent, dict) else {}
    return metadata.get("cellId") if isinstance(metadata, dict) else None


_watch_notebook_cells()
atexit.register(stop_all)


# --------------------------------------------------------------------------
# Backends for servers that run their own accept loop


class WebSocketBackend:
    """A ``websockets.sync.server.Server``.  From websockets 17 on, its
    shutdown() also closes open connections (code 1001) and joins their
    threads; ``mock_servers.websocket_server`` extends this for older versions."""

    def __init__(self, server) -> None:
        self.server = server

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        pass


class GrpcBackend:
    """A started ``grpc.Server``; gRPC runs its own threads, this one only waits."""

    def __init__(self, server) -> None:
        self.server = server

    def serve_forever(self) -> None:
        self.server.wait_for_termination()

    def shutdown(self) -> None:
        # grace=0 cancels calls in flight; wait() returns once all is closed.
        self.server.stop(grace=0).wait(STOP_TIMEOUT)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------
# Starting: what every style module's start() does


def start_on_socket(
    style: str,
    host: str,
    port: int,
    make_backend: Callable[[socket.socket, RequestLog], Backend],
    *,
    scheme: str = "http",
    path: str = "",
) -> RunningServer:
    """Listen on (host, port), build the style's backend on that socket, run it.

    An explicit port held by a server of this process (a re-run cell, say) is
    freed first, so asking twice for port 8000 never fails with "address in use".
    """
    if port:
        stop_servers_on(host, port)
    sock = listen(host, port)
    actual_port = sock.getsockname()[1]
    log = RequestLog()
    try:
        backend = make_backend(sock, log)
    except BaseException:
        sock.close()
        raise
    url = f"{scheme}://{format_host(host)}:{actual_port}{path}"
    return run(style, backend, host=host, port=actual_port, url=url, log=log)


def start_wsgi(style: str, app, host: str, port: int, *, path: str = "") -> RunningServer:
    """Start a WSGI application (Flask, werkzeug) as a mock server."""
    return start_on_socket(
        style, host, port, lambda sock, log: wsgi_backend(app, sock, log), path=path
    )
