"""HTTP/1.1 servers for the mock services: werkzeug's WSGI server made to keep
connections alive, and what every HTTP style shares (503 when full, timeouts,
fixed reason phrases).

werkzeug's development server answers every request with ``Connection:
close``: its handler cannot tell the end of a request body from the next
request, so after each answer it reads and throws away whatever the socket
holds.  A real server keeps the connection (RFC 9112 §9.3), and lesson 05
compares styles on equal terms, so :class:`WsgiHandler` gives the application
a stream that ends exactly where the body ends, discards a body the
application left unread (up to ``limits.DISCARD_BODY_BYTES``), and only then
reads the next request.  When it cannot (a chunked or larger unread body, a
broken ``Content-Length``), it says ``Connection: close`` and closes, as RFC
9112 asks.
"""

from __future__ import annotations

import http
import io
import re
import socket

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from mock_servers import languages, limits
from mock_servers.runner import RequestLog, RunningServer, start_on_socket
from mock_servers.socket_server import ConnectionTrackingMixin, SocketServerBackend

SERVER_NAME = "WeatherMock/1.0"  # fixed, so stored lesson outputs match everywhere


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


class HttpServerMixin(ConnectionTrackingMixin):
    """A socketserver HTTP server under the room's limits: idle and slow-request
    timeouts on every connection, and ``503 Service Unavailable`` with
    ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3) when it is full."""

    timed_connections = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        handler = self.RequestHandlerClass
        if getattr(handler, "default_request_version", None) == "HTTP/0.9":
            # See WsgiHandler.default_request_version: "400 Bad Request" with
            # its status line for an unreadable request line, from every style.
            self.RequestHandlerClass = type(
                handler.__name__, (handler,), {"default_request_version": "HTTP/1.1"}
            )

    def refusal(self) -> bytes:
        seconds = self.limits.retry_after
        body = f"Too many open connections; try again in {seconds} s.\n".encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\n"
            f"Server: {SERVER_NAME}\r\n"
            f"Retry-After: {seconds}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        return head.encode("ascii") + body


class RequestBody(io.RawIOBase):
    """The body of one request, read from the connection's stream.

    It never reads past the body's last byte, so the next request on a kept
    connection stays intact.  Once the answer has started it only gives what
    is left of this body, so werkzeug's clean-up read cannot swallow the next
    request either.
    """

    def __init__(self, stream, content_length: int | None, handler: WsgiHandler) -> None:
        self._stream = stream
        # None: a body whose end we cannot find ourselves (chunked, or a
        # broken Content-Length); werkzeug reads it, the connection then closes.
        self.remaining = content_length
        self._handler = handler

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.remaining is None:
            return b"" if self._handler.answering else self._stream.read(size)
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self._stream.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        if self.remaining is None:
            return b"" if self._handler.answering else self._stream.readline(size)
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self._stream.readline(size) if size else b""
        self.remaining -= len(data)
        return data

    def can_discard(self) -> bool:
        """Whether what is left can be read and dropped to keep the connection."""
        return self.remaining is not None and self.remaining <= limits.DISCARD_BODY_BYTES

    def discard(self) -> bool:
        """Read what the application left of the body; True if all of it came."""
        if not self.can_discard():
            return False
        try:
            while self.remaining and self.read(self.remaining):
                pass
        except OSError:
            return False
        return self.remaining == 0


DIGITS = re.compile(r"[0-9]+")  # RFC 9110 §8.6: Content-Length = 1*DIGIT (ASCII digits only)


def broken_length(headers) -> bool:
    """Whether a request without Transfer-Encoding has an invalid Content-Length
    (not a number, or several different numbers)."""
    if "Transfer-Encoding" in headers:
        return False  # Transfer-Encoding frames the body; Content-Length is ignored
    values = {value.strip() for value in headers.get_all("Content-Length") or []}
    return bool(values) and (len(values) != 1 or not DIGITS.fullmatch(next(iter(values))))


def _content_length(headers) -> int | None:
    """The body's length, or None if the request frames it otherwise or badly."""
    if "Transfer-Encoding" in headers or broken_length(headers):
        return None
    values = headers.get_all("Content-Length") or []
    if not values:
        return 0  # RFC 9112 §6.3: no Content-Length, no Transfer-Encoding: no body
    return int(values[0])


class RequestChecks:
    """What every HTTP style's request handler (http.server's) does alike: the
    reason phrases of RFC 9110, never the client's words, and ``400 Bad
    Request`` and a closed connection for a request whose body cannot be found."""

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if broken_length(self.headers):
            # RFC 9112 §6.3: "If a message is received without Transfer-Encoding
            # and with an invalid Content-Length header field, then the message
            # framing is invalid": 400, then close, for where the next request
            # starts cannot be known.
            self.close_connection = True
            language = languages.pick(self.headers.get("Accept-Language"))
            reason = languages.text(
                language,
                "Bad Request: Content-Length must be the size of the body in bytes, "
                "one decimal number\n",
                "Неверный запрос: Content-Length — это размер тела в байтах, "
                "одно десятичное число\n",
            )
            body = reason.encode()
            self.send_response(400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Language", language)
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return False
        return True

    def send_response(self, code, message=None):
        # http.server puts its own words, or the client's (the text of a bad
        # request line), into the reason phrase; RFC 9110's phrase instead.
        super().send_response(code, reason_phrase(code))

    def send_error(self, code, message=None, explain=None):
        # Nor is the client's text repeated in the error page's body.
        super().send_error(code, None, explain)


class WsgiHandler(RequestChecks, WSGIRequestHandler):
    """werkzeug's request handler with persistent HTTP/1.1 connections, the
    request log instead of stderr, RFC 9110 reason phrases and a fixed name."""

    protocol_version = "HTTP/1.1"
    # http.server takes an unreadable request line for HTTP/0.9 and answers it
    # with a bare body, no status line; a client (or a person who typed
    # https:// for http://) gets "400 Bad Request" instead, as from any server.
    default_request_version = "HTTP/1.1"
    request_log: RequestLog | None = None  # set on the subclass each server makes
    answering = False
    _body: RequestBody | None = None

    def handle_one_request(self) -> None:
        self._body, self.answering = None, False
        super().handle_one_request()

    def run_wsgi(self) -> None:
        stream = self.rfile
        self._body = RequestBody(stream, _content_length(self.headers), self)
        self.rfile = self._body  # what werkzeug hands the application as wsgi.input
        try:
            super().run_wsgi()
        finally:
            self.rfile = stream
        if not self._body.discard():
            self.close_connection = True

    def handle_expect_100(self) -> bool:
        # http.server would answer "100 Continue" here and werkzeug's run_wsgi
        # again: once is enough (RFC 9110 §10.1.1).
        return True

    def send_response(self, code, message=None):
        self.answering = True
        # werkzeug passes its own upper-case phrases ("NOT FOUND").
        super().send_response(code)

    def send_header(self, keyword, value):
        # werkzeug closes every connection; keep it when the body's end is known.
        keep = self._body is not None and self._body.can_discard() and not self.close_connection
        if keyword.lower() == "connection" and value.lower() == "close" and keep:
            return
        super().send_header(keyword, value)

    def log(self, type, message, *args):
        pass  # werkzeug logs every request to stderr; the RequestLog replaces that

    def log_request(self, code="-", size="-"):
        if self.request_log is None:
            return
        if self.command and getattr(self, "path", None) is not None:
            self.request_log.record(f"{self.command} {self.path} → {code}")
        else:  # a request line that could not be read
            self.request_log.record(f"{self.requestline or '(no request line)'} → {code}")

    def connection_dropped(self, error, environ=None) -> None:
        self.close_connection = True

    def version_string(self) -> str:
        return SERVER_NAME


class WsgiServer(HttpServerMixin, BaseWSGIServer):
    multithread = True


def wsgi_backend(app, sock: socket.socket, log: RequestLog | None = None) -> SocketServerBackend:
    """A backend serving a WSGI application (Flask, werkzeug) on ``sock``."""

    class Handler(WsgiHandler):
        request_log = log

    host, port = sock.getsockname()[:2]
    # werkzeug duplicates the descriptor we pass; it owns the copy from now on.
    server = WsgiServer(host, port, app, handler=Handler, fd=sock.fileno())
    server.request_log = log
    sock.close()
    return SocketServerBackend(server)


def start_wsgi(style: str, app, host: str, port: int, *, path: str = "") -> RunningServer:
    """Start a WSGI application (Flask, werkzeug) as a mock server."""
    return start_on_socket(
        style, host, port, lambda sock, log: wsgi_backend(app, sock, log), path=path
    )
