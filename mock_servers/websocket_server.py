"""The weather service over a WebSocket: one connection, messages both ways.

The protocol itself -- the handshake, the message types, errors and close
codes -- is described in ``docs/websocket-protocol.md`` and built, with no I/O,
by ``mock_servers.websocket_protocol``.  This module carries it over real
connections with the websockets library: a thread per connection, pushes on a
steady beat, broadcast of alerts, keepalive, and the limits of a shared room.

Example, with the ``websocket-client`` library::

    import json, websocket
    from mock_servers import websocket_server

    server = websocket_server.start()          # server.url is ws://127.0.0.1:PORT/weather
    ws = websocket.create_connection(server.url)   # + "?lang=ru": Russian errors, descriptions
    ws.send(json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"}))
    json.loads(ws.recv())   # {"type": "forecast", "id": 1, "forecast": {...}}
    ws.send(json.dumps({"type": "subscribe", "id": 2, "city": "moscow"}))
    json.loads(ws.recv())   # {"type": "subscribe", "id": 2, "city": "moscow", "interval": 0.5}
    json.loads(ws.recv())   # {"type": "update", "city": "moscow", "reading": {"sequence": 1, ...}}
    ws.close()
    server.stop()

(The module is called ``websocket_server`` so that it never hides the client
library, which is imported as ``websocket``.)

Keepalive and a learner who reads
---------------------------------
Every ``ping_interval`` seconds (20) the server sends a ping; the client's
library answers with a pong without the program seeing either.  The server
never closes a connection for a missing pong (``ping_timeout=None``):
websocket-client answers pings only while the program reads, so any pong
deadline would be a deadline on the learner's reading -- with the former 300 s
a connection died (1011) after five minutes spent reading the lesson.  A
client that is really gone is still found: a closed client socket ends the
connection at once, and a vanished machine never acknowledges the pings, so
TCP gives up on it (its retransmission timeout, some minutes).  What bounds a
room instead: at most ``limits.MAX_CONNECTIONS`` connections (the next handshake
gets ``503`` with ``Retry-After``), and a connection with no subscription that sent
no message for ``idle_timeout`` (an hour) is closed with 1001.
"""

from __future__ import annotations

import collections
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.sync.server import serve

from mock_servers import languages, limits, runner, spaces, weather
from mock_servers import websocket_protocol as protocol
from mock_servers.websocket_connections import Backend, Connection, limit_send_time
from mock_servers.websocket_protocol import MAX_MESSAGE_BYTES, MAX_TEXT, PATH

__all__ = ["MAX_MESSAGE_BYTES", "MAX_TEXT", "PATH", "start"]

PUSH_INTERVAL = 0.5  # seconds between two updates of one subscription
PING_INTERVAL = 20.0  # seconds between keepalive pings
PING_TIMEOUT = None  # never close for a late pong (see the module docstring)
IDLE_TIMEOUT = 3600.0  # seconds without a message before a connection with no subscription closes
CLOSE_TIMEOUT = 0.1  # seconds to wait for a client to answer our close frame
WATCH_INTERVAL = 0.25  # seconds between checks of a connection's state (failed, idle)
OPEN_TIMEOUT = 10.0  # seconds a new connection has to finish the handshake
# A send that has not finished after this long means the client stopped reading
# and its buffers are full; the connection is dropped rather than let a blocked
# send hold the connection (and stop()) forever.
SEND_TIMEOUT = 0.25
MAX_RATE = 100  # messages a client may send in one second
MAX_ERRORS = 10  # errors in a row before the server hangs up

# The websockets library logs connection errors and handshake failures; a
# server must not write to a notebook's stderr, so it gets a logger that drops
# everything (the RequestLog records what matters).
_quiet = logging.getLogger(__name__ + ".library")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL + 1)


# --------------------------------------------------------------------------
# One connected client


class Subscription:
    """One client's subscription to one city: its own run of readings."""

    def __init__(self, city_id: str, due: float, language: str) -> None:
        self.city = city_id
        self.readings = weather.updates(city_id, language)
        self.due = due  # when the next update is to be sent (time.monotonic())


class Client:
    """A connection, its subscriptions, and the thread that pushes their updates.

    ``lock`` is held while an update is picked and sent and while a
    subscription changes, so "subscribe" is answered before its first update
    and no update follows the answer to "unsubscribe".  The push thread starts
    with the first subscription: an idle connection costs no thread for it.
    """

    def __init__(self, connection: Connection, interval: float, log) -> None:
        self.connection = connection
        self.name = connection.name
        self.language = connection.language
        self.interval = interval
        self.log = log
        self.subscriptions: dict[str, Subscription] = {}
        self.lock = threading.Condition()
        self.closed = False
        self.pusher = threading.Thread(
            target=self.push_forever, name=f"{threading.current_thread().name}-push", daemon=True
        )

    def send(self, message: dict) -> None:
        self.connection.send(protocol.encode(message))

    def subscribe(self, request: protocol.Request) -> None:
        with self.lock:
            if request.city in self.subscriptions:
                raise protocol.ProtocolError("already-subscribed", city=request.city)
            if len(self.subscriptions) >= protocol.MAX_SUBSCRIPTIONS:
                most = protocol.MAX_SUBSCRIPTIONS
                raise protocol.ProtocolError("too-many-subscriptions", most=most)
            # Answer first, then add: the reply always comes before update 1.
            self.send(protocol.subscribed(request, self.interval))
            due = time.monotonic() + self.interval
            self.subscriptions[request.city] = Subscription(request.city, due, self.language)
            if not self.pusher.is_alive() and not self.closed:
                self.pusher.start()
            self.lock.notify()

    def unsubscribe(self, request: protocol.Request) -> None:
        with self.lock:
            if self.subscriptions.pop(request.city, None) is None:
                raise protocol.ProtocolError("not-subscribed", city=request.city)
            self.send(protocol.unsubscribed(request))

    def push_forever(self) -> None:
        try:
            with self.lock:
                while not self.closed:
                    now = time.monotonic()
                    due = [s for s in self.subscriptions.values() if s.due <= now]
                    if not due:
                        wait = min((s.due for s in self.subscriptions.values()), default=None)
                        self.lock.wait(None if wait is None else wait - now)
                        continue
                    for subscription in due:
                        reading = next(subscription.readings)
                        # A steady beat that does not drift; after a stall it
                        # carries on from now instead of sending a burst.
                        subscription.due += self.interval
                        if subscription.due < now:
                            subscription.due = now + self.interval
                        self.send(protocol.update(subscription.city, reading))
        except ConnectionClosed:
            pass
        except Exception as error:  # never a traceback on stderr from a server thread
            self.log.record(f"{self.name}: push failed: {error!r}")

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.subscriptions.clear()
            self.lock.notify()
        if self.pusher.is_alive():
            self.pusher.join()


# --------------------------------------------------------------------------
# The server


class WeatherSocket:
    """What one running server knows: its clients and who subscribed to what."""

    def __init__(
        self,
        log: runner.RequestLog,
        push_interval: float,
        max_rate: int | None,
        idle_timeout: float | None,
    ) -> None:
        self.log = log
        self.push_interval = push_interval
        self.max_rate = max_rate
        self.idle_timeout = idle_timeout
        self.clients: list[Client] = []
        self.lock = threading.Lock()
        # Connections are numbered within their learner's space (None: no prefix), so in a
        # shared room a learner's phones are client-1, client-2, ... as on a server of their own.
        self.counts: dict[str | None, int] = {}

    def new_name(self, space: str | None = None) -> str:
        with self.lock:
            if space not in self.counts and len(self.counts) > limits.MAX_LEARNER_SPACES:
                # Bounded: forget the counts of spaces nobody is connected in.
                connected = {client.connection.space for client in self.clients}
                self.counts = {key: n for key, n in self.counts.items() if key in connected}
            self.counts[space] = self.counts.get(space, 0) + 1
            return f"client-{self.counts[space]}"

    def handle(self, connection: Connection) -> None:
        """Serve one connection until it closes (runs in its own thread)."""
        limit_send_time(connection.socket, SEND_TIMEOUT)
        client = Client(connection, self.push_interval, self.log)
        with self.lock:
            self.clients.append(client)
        try:
            self.receive(client)
        finally:
            client.close()
            with self.lock:
                self.clients.remove(client)

    def receive(self, client: Client) -> None:
        connection = client.connection
        recent: collections.deque[float] = collections.deque()
        errors = 0
        last_message = time.monotonic()
        while True:
            try:
                text = connection.recv(timeout=WATCH_INTERVAL)
            except TimeoutError:
                # The library fails a connection on a bad frame (too big, say)
                # and then waits, with no deadline, for the client to end the
                # TCP connection, which websocket-client never does.  close()
                # gives it CLOSE_TIMEOUT, then ends it.
                if connection.protocol.state is not State.OPEN:
                    connection.close()
                elif self.is_idle(client, last_message):
                    minutes = round(self.idle_timeout / 60)
                    self.hang_up(client, CloseCode.GOING_AWAY, "idle", minutes=minutes)
                continue
            except ConnectionClosed as closed:
                if closed.rcvd is not None and (closed.sent is None or closed.rcvd_then_sent):
                    self.log.record(f"{client.name} closed: {closed.rcvd.code}")
                elif closed.sent is not None:
                    self.log.record(f"{client.name} closed by server: {closed.sent.code}")
                else:
                    self.log.record(f"{client.name} connection lost")
                return
            last_message = time.monotonic()
            if isinstance(text, bytes):
                self.hang_up(client, CloseCode.UNSUPPORTED_DATA, "text-only")
                return
            if self.max_rate is not None:
                recent.append(last_message)
                while recent and recent[0] <= last_message - 1.0:
                    recent.popleft()
                if len(recent) > self.max_rate:
                    self.hang_up(client, CloseCode.POLICY_VIOLATION, "rate", most=self.max_rate)
                    return
            if self.answer(client, text):
                errors = 0
            else:
                errors += 1
                if errors >= MAX_ERRORS:
                    self.hang_up(client, CloseCode.POLICY_VIOLATION, "errors", most=MAX_ERRORS)
                    return

    def is_idle(self, client: Client, last_message: float) -> bool:
        """No message for idle_timeout, and no subscription that keeps it in use."""
        if self.idle_timeout is None or client.subscriptions:
            return False
        return time.monotonic() - last_message > self.idle_timeout

    def hang_up(self, client: Client, code: int, reason: str, **values) -> None:
        english = protocol.close_reason(reason, "en", **values)
        self.log.record(f"{client.name} closed by server: {int(code)} {english}")
        client.connection.close(code, protocol.close_reason(reason, client.language, **values))

    def answer(self, client: Client, text: str) -> bool:
        """Answer one request; False if the answer was an error."""
        try:
            request = protocol.parse(text)
            shown_id = "" if request.id is None else f" #{request.id}"
            self.log.record(f"{client.name} → {request.kind}{shown_id}")
            self.dispatch(client, request)
            return True
        except ConnectionClosed:
            return True  # the next recv() notices and ends the connection
        except protocol.ProtocolError as error:
            problem = error
        except Exception as error:  # a bug here must not end the connection
            problem = protocol.ProtocolError("internal-error", name=type(error).__name__)
        self.log.record(f"{client.name} ← error {problem.code}")
        try:
            client.send(protocol.error(problem, client.language))
        except ConnectionClosed:
            pass
        return False

    def dispatch(self, client: Client, request: protocol.Request) -> None:
        """Carry out one checked request and send its reply."""
        try:
            if request.kind in protocol.QUERIES:
                client.send(protocol.answer(request, client.language))
            elif request.kind == "subscribe":
                client.subscribe(request)
            elif request.kind == "unsubscribe":
                client.unsubscribe(request)
            elif request.kind == "alert":
                delivered = self.alert(client, request)
                client.send(protocol.alert_sent(request, delivered))
        except protocol.ProtocolError as error:
            error.request_id = request.id
            raise

    def alert(self, sender: Client, request: protocol.Request) -> int:
        """Send an alert to every other client subscribed to the city, in the
        sender's space: connected under the same learner's prefix, or all
        without one (see mock_servers.spaces)."""
        space = sender.connection.space
        with self.lock:
            others = [
                client
                for client in self.clients
                if client is not sender and client.connection.space == space
            ]
        message = protocol.alert(request, sender.name)
        delivered = 0
        for other in others:
            # Under the other client's lock, so no alert follows its "unsubscribe" reply.
            with other.lock:
                if other.closed or request.city not in other.subscriptions:
                    continue
                try:
                    other.send(message)
                    delivered += 1
                except ConnectionClosed:
                    pass  # it left meanwhile
        return delivered


# --------------------------------------------------------------------------
# Starting and stopping


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    push_interval: float = PUSH_INTERVAL,
    ping_interval: float | None = PING_INTERVAL,
    max_rate: int | None = MAX_RATE,
    language: str = "en",
    idle_timeout: float | None = IDLE_TIMEOUT,
    own: bool = False,
) -> runner.RunningServer:
    """Start the WebSocket weather server in a background thread.

    ``server.url`` is ``ws://HOST:PORT/weather``.  ``push_interval`` is the
    time in seconds between two updates of a subscription; ``ping_interval``
    between two keepalive pings (None: no pings); ``max_rate`` the number of
    messages a client may send in one second (None: no limit).  ``language``
    ("en" or "ru") is the language of error messages and close reasons for a
    connection that does not choose one with ``?lang=`` or Accept-Language.
    ``idle_timeout``: seconds without a message after which a connection with
    no subscription is closed (None: never).  The cap on open connections
    is ``limits.MAX_CONNECTIONS``, shared with the other servers.

    A client may connect under a learner's prefix, ``/learners/<name>/weather``
    (see ``mock_servers.spaces``): its alerts then reach only the subscribers
    connected under the same prefix, and those without a prefix reach only
    each other.

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``); ``own=True`` always starts one here.
    """
    if not push_interval > 0:
        raise ValueError("push_interval must be a positive number of seconds")
    languages.checked(language)
    shared = spaces.room_server("websocket", language, host, port, own)
    if shared is not None:
        return shared

    room = limits.active()
    # Only a test sets MOCK_SERVERS_TIME_SCALE to run these timers faster (limits.py).
    ping_interval, ping_timeout = limits.scaled(ping_interval), limits.scaled(PING_TIMEOUT)
    idle_timeout = limits.scaled(idle_timeout)

    def make_backend(sock: socket.socket, log: runner.RequestLog) -> Backend:
        service = WeatherSocket(log, push_interval, max_rate, idle_timeout)

        class ThisServersConnection(Connection):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                # The library fails a connection (1002, 1007, 1009) by calling
                # its protocol's public fail(code, reason) with an English
                # reason and offers no option for it; the reason is put in the
                # connection's language on its way to fail().
                library_fail = self.protocol.fail

                def fail(code, reason=""):
                    library_fail(code, protocol.library_reason(code, reason, self.language))

                self.protocol.fail = fail

        def check_request(connection, request):
            accept_language = request.headers.get("Accept-Language")
            chosen = protocol.language_of(request.path, accept_language, language)
            connection.language = chosen or language
            # /weather, or /learners/<name>/weather: that learner's space for alerts.
            connection.space, path = spaces.split(urlsplit(request.path).path)
            if path != PATH:
                body = protocol.refusal("not-found", connection.language, path=PATH)
                return connection.respond(404, body)
            if chosen is None:
                connection.refused_here = True
                names = ", ".join(protocol.LANGUAGES)
                body = protocol.refusal("bad-language", language, languages=names)
                return connection.respond(400, body)
            if connection.backend.open_connections(besides=connection) >= room.max_connections:
                most, retry_after = room.max_connections, room.retry_after
                body = protocol.refusal("full", connection.language, most=most)
                response = connection.respond(503, body)
                response.headers["Retry-After"] = str(retry_after)
                return response
            return None

        def record_handshake(connection, request, response):
            line = f"GET {request.path} → {response.status_code}"  # the log escapes it
            if response.status_code == 101:
                # Named before the client hears back, so clients that connect
                # one after the other are client-1, client-2, ...
                connection.name = service.new_name(connection.space)
                line += f" {connection.name}"
            log.record(line)
            return in_language(connection, response)

        def in_language(connection, response):
            """The library's own refusals (426, 400), said in the connection's language."""
            status = response.status_code
            if status == 426:
                better = connection.respond(
                    426, protocol.refusal("upgrade-required", connection.language)
                )
                better.headers["Upgrade"] = "websocket"  # RFC 9110, section 15.5.22
                return better
            if (
                status == 400
                and connection.language == "ru"
                and not getattr(connection, "refused_here", False)
            ):
                return connection.respond(400, protocol.refusal("bad-handshake", "ru"))
            return None

        server = serve(
            service.handle,
            sock=sock,
            compression=None,  # plain frames, as a lesson shows them
            process_request=check_request,
            process_response=record_handshake,
            server_header="WeatherMock/1.0",
            open_timeout=OPEN_TIMEOUT,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=CLOSE_TIMEOUT,
            max_size=MAX_MESSAGE_BYTES,
            logger=_quiet,
            create_connection=ThisServersConnection,
        )
        ThisServersConnection.backend = Backend(server)
        return ThisServersConnection.backend

    return runner.start_on_socket("websocket", host, port, make_backend, scheme="ws", path=PATH)
