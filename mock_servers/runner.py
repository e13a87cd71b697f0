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

This module knows no protocol.  The backends live beside their styles:
:mod:`mock_servers.socket_server` (socketserver-based servers),
:mod:`mock_servers.http_server` (WSGI applications over HTTP/1.1),
:mod:`mock_servers.websocket_server` and :mod:`mock_servers.grpc`.
"""

from __future__ import annotations

import atexit
import collections
import socket
import threading
import unicodedata
from collections.abc import Callable
from typing import Protocol

from mock_servers import limits

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


def printable(text: str, limit: int = limits.LOG_LINE_CHARS) -> str:
    """``text`` safe to print on a terminal: control characters (escape
    sequences, carriage returns, bidirectional overrides) written as Python
    escapes (\\x1b, \\u202e), and at most ``limit`` characters.

    Request lines come from clients; printed raw, an ESC sequence in a URL
    could rewrite the teacher's projected terminal.
    """
    shown = "".join(
        ascii(char)[1:-1] if unicodedata.category(char).startswith("C") else char for char in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


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
        line = printable(line)
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
# Starting: what every style module's start() does


def address(host: str, port: int, *, scheme: str = "http", path: str = "") -> str:
    """The URL of a server (``host:port`` alone when there is no scheme, as gRPC has)."""
    netloc = f"{format_host(host)}:{port}"
    return f"{scheme}://{netloc}{path}" if scheme else f"{netloc}{path}"


def start(
    style: str,
    host: str,
    port: int,
    bind: Callable[[str, int, RequestLog], tuple[Backend, int]],
    *,
    scheme: str = "http",
    path: str = "",
) -> RunningServer:
    """Start a server that listens by itself (gRPC binds its own port).

    ``bind(host, port, log)`` builds the backend, listening on (host, port),
    and returns it with the port it got.  An explicit port held by a server of
    this process (a re-run cell, say) is freed first, so asking twice for port
    8000 never fails with "address in use".
    """
    if port:
        stop_servers_on(host, port)
    log = RequestLog()
    backend, actual_port = bind(host, port, log)
    url = address(host, actual_port, scheme=scheme, path=path)
    return run(style, backend, host=host, port=actual_port, url=url, log=log)


def start_on_socket(
    style: str,
    host: str,
    port: int,
    make_backend: Callable[[socket.socket, RequestLog], Backend],
    *,
    scheme: str = "http",
    path: str = "",
) -> RunningServer:
    """Listen on (host, port), build the style's backend on that socket, run it."""

    def bind(host: str, port: int, log: RequestLog) -> tuple[Backend, int]:
        sock = listen(host, port)
        actual_port = sock.getsockname()[1]  # the backend may close its copy
        try:
            return make_backend(sock, log), actual_port
        except BaseException:
            sock.close()
            raise

    return start(style, host, port, bind, scheme=scheme, path=path)
