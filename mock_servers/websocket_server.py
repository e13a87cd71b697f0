"""The weather service over a WebSocket: one connection, messages both ways.

Connecting: the handshake
-------------------------
A WebSocket starts as an ordinary HTTP request on ``ws://127.0.0.1:PORT/weather``::

    GET /weather HTTP/1.1
    Upgrade: websocket
    Connection: Upgrade
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==     (random, new for each connection)
    Sec-WebSocket-Version: 13

and the server agrees to switch protocols::

    HTTP/1.1 101 Switching Protocols
    Upgrade: websocket
    Connection: Upgrade
    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=   (derived from the key)

From then on the same TCP connection carries *frames* in both directions, for
as long as both sides keep it open.  A plain HTTP GET without ``Upgrade`` gets
``426 Upgrade Required``; any other path gets ``404 Not Found``.
(``mock_servers.wire.tap(server)`` shows these bytes as they cross the wire.)

Push instead of polling
-----------------------
Over HTTP a client that wants fresh weather must ask again and again (polling),
mostly to hear "nothing new".  Here it subscribes once, and the server sends
each new reading on its own, the moment it has one, every ``push_interval``
seconds (0.5 by default).  Each subscription gets the readings of
``weather.updates(city)`` in order, so its updates are numbered 1, 2, 3...

Messages
--------
Every message is a JSON object in a text frame, with a ``"type"``.  A request
may carry an ``"id"`` (a number or a string); its reply has the same ``type``
and the same ``id`` (``null`` when the request had none), so a client can tell
which reply answers which request even with pushes arriving in between.

Client → server:

===============  ==========================  ====================================================
type             other fields                reply (same type and id) carries
===============  ==========================  ====================================================
``cities``                                   ``"cities"``: every city
``forecast``     ``city``, ``date``          ``"forecast"``: that day's forecast
``week``         ``city``                    ``"city"``, ``"week"``: its seven daily forecasts
``subscribe``    ``city``                    ``"city"``, ``"interval"`` (seconds between updates)
``unsubscribe``  ``city``                    ``"city"``; no update for that city comes after it
``alert``        ``city``, ``text``          ``"city"``, ``"delivered"``: how many clients got it
===============  ==========================  ====================================================

Server → client, unasked:

===============  ==========================================================================
type             fields
===============  ==========================================================================
``update``       ``"city"``, ``"reading"``: the next reading (``reading["sequence"]`` 1, 2, ...)
``alert``        ``"city"``, ``"text"``, ``"from"``: another client's alert for a city this
                 client subscribed to (the sender only gets its reply, not its own alert)
``error``        ``"id"``, ``"code"``, ``"message"``: a request that could not be answered
===============  ==========================================================================

Example, with the ``websocket-client`` library::

    import json, websocket
    from mock_servers import websocket_server

    server = websocket_server.start()
    ws = websocket.create_connection(server.url)
    ws.send(json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"}))
    json.loads(ws.recv())   # {"type": "forecast", "id": 1, "forecast": {...}}
    ws.send(json.dumps({"type": "subscribe", "id": 2, "city": "moscow"}))
    json.loads(ws.recv())   # {"type": "subscribe", "id": 2, "city": "moscow", "interval": 0.5}
    json.loads(ws.recv())   # {"type": "update", "city": "moscow", "reading": {"sequence": 1, ...}}
    ws.close()
    server.stop()

(The module is called ``websocket_server`` so that it never hides the client
library, which is imported as ``websocket``.)

Errors
------
A bad message never harms the connection or other clients: it gets
``{"type": "error", "id": <its id or null>, "code": ..., "message": ...}``.

======================  ===========================================================
code                    when
======================  ===========================================================
``invalid-json``        the text is not JSON
``invalid-message``     the JSON is not an object with a string ``type`` (or a bad ``id``)
``unknown-type``        no such message type
``missing-field``       a field the type needs is missing
``invalid-field``       a field has the wrong type or form (a date not YYYY-MM-DD, ...)
``unknown-city``        no city has this id
``no-forecast``         the date is outside the forecast week
``already-subscribed``  subscribe to a city twice
``not-subscribed``      unsubscribe from a city not subscribed to
``internal-error``      a bug in this server (the connection stays open)
======================  ===========================================================

Some things close the connection instead, with a WebSocket close code:

====  ================================================================================
1001  the server is stopping ("going away")
1003  a binary frame: this protocol speaks text only
1007  a text frame that is not valid UTF-8
1008  policy violation: more than ``max_rate`` messages in a second, or
      ``MAX_ERRORS`` errors in a row
1009  a message larger than ``MAX_MESSAGE_BYTES`` (64 KiB)
1011  the client did not answer the server's keepalive ping in time
====  ================================================================================

Keepalive: every ``ping_interval`` seconds (20 by default) the server sends a
ping frame and the client's library answers with a pong, without the program
seeing either.  The server waits generously (``PING_TIMEOUT``) for the pong,
because a client in a notebook answers only when the learner next reads from it.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import logging
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.sync.server import ServerConnection, serve

from mock_servers import runner, weather

PATH = "/weather"
PUSH_INTERVAL = 0.5  # seconds between two updates of one subscription
PING_INTERVAL = 20.0  # seconds between keepalive pings
PING_TIMEOUT = 300.0  # seconds to wait for the pong (see the module docstring)
CLOSE_TIMEOUT = 0.1  # seconds to wait for a client to answer our close frame
WATCH_INTERVAL = 0.1  # seconds between checks that a failed connection has ended
OPEN_TIMEOUT = 10.0  # seconds a new connection has to finish the handshake
# A send that has not finished after this long means the client stopped reading
# and its buffers are full; the connection is dropped rather than let a blocked
# send hold the connection (and stop()) forever.
SEND_TIMEOUT = 0.25
MAX_MESSAGE_BYTES = 64 * 1024
MAX_RATE = 100  # messages a client may send in one second
MAX_ERRORS = 10  # errors in a row before the server hangs up
MAX_TEXT = 280  # characters in an alert

# The websockets library logs connection errors and handshake failures; a
# server must not write to a notebook's stderr, so it gets a logger that drops
# everything (the RequestLog records what matters).
_quiet = logging.getLogger(__name__ + ".library")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL + 1)


class RequestError(Exception):
    """A request that gets an error message instead of its reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------
# Reading fields of a request


def _text(message: dict, name: str) -> str:
    if name not in message:
        raise RequestError("missing-field", f'"{message["type"]}" needs a "{name}" field')
    value = message[name]
    if not isinstance(value, str):
        raise RequestError("invalid-field", f'"{name}" must be a string')
    return value


def _city(message: dict) -> str:
    city_id = _text(message, "city")
    try:
        weather.city(city_id)
    except weather.UnknownCity:
        raise RequestError(
            "unknown-city", f'no city "{city_id}"; send {{"type": "cities"}} for the list'
        ) from None
    return city_id


def _forecast(message: dict) -> dict:
    city_id = _city(message)
    date = _text(message, "date")
    try:
        return weather.forecast(city_id, date)
    except weather.NoForecast:
        raise RequestError(
            "no-forecast",
            f"no forecast for {city_id} on {date}; "
            f"the week is {weather.DATES[0]} to {weather.DATES[-1]}",
        ) from None
    except ValueError:
        raise RequestError("invalid-field", '"date" must be a date like 2026-06-01') from None


def _parse(text: str) -> dict:
    """The request in a text frame; raises RequestError (its id is unknown yet)."""
    try:
        message = json.loads(text)
    except ValueError:
        raise RequestError("invalid-json", "the message is not valid JSON") from None
    if not isinstance(message, dict):
        raise RequestError("invalid-message", 'a message is a JSON object with a "type"')
    return message


def _request_id(message: dict):
    request_id = message.get("id")
    if request_id is None or isinstance(request_id, str):
        return request_id
    if isinstance(request_id, int) and not isinstance(request_id, bool):
        return request_id
    raise RequestError("invalid-message", '"id" must be a number or a string')


def _encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def _limit_send_time(sock: socket.socket, seconds: float) -> None:
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


# --------------------------------------------------------------------------
# One connected client


class Subscription:
    """One client's subscription to one city: its own run of readings."""

    def __init__(self, city_id: str, due: float) -> None:
        self.city = city_id
        self.readings = weather.updates(city_id)
        self.due = due  # when the next update is to be sent (time.monotonic())


class Client:
    """A connection, its subscriptions, and the thread that pushes their updates.

    ``lock`` is held while an update is picked and sent and while a
    subscription changes, so "subscribe" is answered before its first update
    and no update follows the answer to "unsubscribe".
    """

    def __init__(self, connection: ServerConnection, name: str, interval: float, log) -> None:
        self.connection = connection
        self.name = name
        self.interval = interval
        self.log = log
        self.subscriptions: dict[str, Subscription] = {}
        self.lock = threading.Condition()
        self.closed = False
        self.pusher = threading.Thread(
            target=self.push_forever, name=f"{threading.current_thread().name}-push", daemon=True
        )

    def send(self, message: dict) -> None:
        self.connection.send(_encode(message))

    def subscribe(self, city_id: str, request_id) -> None:
        with self.lock:
            if city_id in self.subscriptions:
                raise RequestError("already-subscribed", f"already subscribed to {city_id}")
            # Answer first, then add: the reply always comes before update 1.
            self.send(
                {"type": "subscribe", "id": request_id, "city": city_id, "interval": self.interval}
            )
            due = time.monotonic() + self.interval
            self.subscriptions[city_id] = Subscription(city_id, due)
            self.lock.notify()

    def unsubscribe(self, city_id: str, request_id) -> None:
        with self.lock:
            if self.subscriptions.pop(city_id, None) is None:
                raise RequestError("not-subscribed", f"not subscribed to {city_id}")
            self.send({"type": "unsubscribe", "id": request_id, "city": city_id})

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
                        self.send({"type": "update", "city": subscription.city, "reading": reading})
        except ConnectionClosed:
            pass
        except Exception as error:  # never a traceback on stderr from a server thread
            self.log.record(f"{self.name}: push failed: {error!r}")

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.subscriptions.clear()
            self.lock.notify()


# --------------------------------------------------------------------------
# The server


class WeatherSocket:
    """What one running server knows: its clients and who subscribed to what."""

    def __init__(self, log: runner.RequestLog, push_interval: float, max_rate: int | None) -> None:
        self.log = log
        self.push_interval = push_interval
        self.max_rate = max_rate
        self.clients: list[Client] = []
        self.lock = threading.Lock()
        self.count = 0

    def new_name(self) -> str:
        with self.lock:
            self.count += 1
            return f"client-{self.count}"

    def handle(self, connection: Connection) -> None:
        """Serve one connection until it closes (runs in its own thread)."""
        _limit_send_time(connection.socket, SEND_TIMEOUT)
        client = Client(connection, connection.name, self.push_interval, self.log)
        with self.lock:
            self.clients.append(client)
        client.pusher.start()
        try:
            self.receive(client)
        finally:
            client.close()
            with self.lock:
                self.clients.remove(client)
            client.pusher.join()

    def receive(self, client: Client) -> None:
        connection = client.connection
        recent: collections.deque[float] = collections.deque()
        errors = 0
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
                continue
            except ConnectionClosed as closed:
                if closed.rcvd is not None and (closed.sent is None or closed.rcvd_then_sent):
                    self.log.record(f"{client.name} closed: {closed.rcvd.code}")
                elif closed.sent is not None:
                    self.log.record(f"{client.name} closed by server: {closed.sent.code}")
                else:
                    self.log.record(f"{client.name} connection lost")
                return
            if isinstance(text, bytes):
                self.hang_up(client, CloseCode.UNSUPPORTED_DATA, "text frames only")
                return
            if self.max_rate is not None:
                now = time.monotonic()
                recent.append(now)
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                if len(recent) > self.max_rate:
                    reason = f"more than {self.max_rate} messages a second"
                    self.hang_up(client, CloseCode.POLICY_VIOLATION, reason)
                    return
            if self.answer(client, text):
                errors = 0
            else:
                errors += 1
                if errors >= MAX_ERRORS:
                    reason = f"{MAX_ERRORS} errors in a row"
                    self.hang_up(client, CloseCode.POLICY_VIOLATION, reason)
                    return

    def hang_up(self, client: Client, code: int, reason: str) -> None:
        self.log.record(f"{client.name} closed by server: {int(code)} {reason}")
        client.connection.close(code, reason)

    def answer(self, client: Client, text: str) -> bool:
        """Answer one request; False if the answer was an error."""
        request_id = None
        try:
            message = _parse(text)
            request_id = _request_id(message)  # a bad id is answered with id null
            kind = message.get("type")
            if not isinstance(kind, str):
                raise RequestError("invalid-message", 'a message needs a string "type"')
            shown_id = "" if request_id is None else f" #{request_id}"
            self.log.record(f"{client.name} → {kind}{shown_id}")
            reply = self.dispatch(client, kind, request_id, message)
            if reply is not None:
                client.send(reply)
            return True
        except ConnectionClosed:
            return True  # the next recv() notices and ends the connection
        except RequestError as error:
            problem = error
        except Exception as error:  # a bug here must not end the connection
            problem = RequestError("internal-error", f"the server failed: {type(error).__name__}")
        self.log.record(f"{client.name} ← error {problem.code}")
        try:
            client.send(
                {
                    "type": "error",
                    "id": request_id,
                    "code": problem.code,
                    "message": problem.message,
                }
            )
        except ConnectionClosed:
            pass
        return False

    def dispatch(self, client: Client, kind: str, request_id, message: dict) -> dict | None:
        """The reply to one request, or None when it was already sent."""
        if kind == "cities":
            return {"type": "cities", "id": request_id, "cities": weather.cities()}
        if kind == "forecast":
            return {"type": "forecast", "id": request_id, "forecast": _forecast(message)}
        if kind == "week":
            city_id = _city(message)
            return {
                "type": "week",
                "id": request_id,
                "city": city_id,
                "week": weather.week(city_id),
            }
        if kind == "subscribe":
            client.subscribe(_city(message), request_id)
            return None
        if kind == "unsubscribe":
            client.unsubscribe(_city(message), request_id)
            return None
        if kind == "alert":
            city_id = _city(message)
            text = _text(message, "text")
            if not 0 < len(text) <= MAX_TEXT:
                raise RequestError("invalid-field", f'"text" must be 1 to {MAX_TEXT} characters')
            delivered = self.alert(client, city_id, text)
            return {"type": "alert", "id": request_id, "city": city_id, "delivered": delivered}
        raise RequestError(
            "unknown-type",
            f'unknown type "{kind}"; known: cities, forecast, week, subscribe, unsubscribe, alert',
        )

    def alert(self, sender: Client, city_id: str, text: str) -> int:
        """Send an alert to every other client subscribed to the city."""
        with self.lock:
            others = [client for client in self.clients if client is not sender]
        message = {"type": "alert", "city": city_id, "text": text, "from": sender.name}
        delivered = 0
        for other in others:
            # Under the other client's lock, so no alert follows its "unsubscribe" reply.
            with other.lock:
                if other.closed or city_id not in other.subscriptions:
                    continue
                try:
                    other.send(message)
                    delivered += 1
                except ConnectionClosed:
                    pass  # it left meanwhile
        return delivered


# --------------------------------------------------------------------------
# Starting and stopping


class Connection(ServerConnection):
    """A server connection that remembers the thread serving it and the name
    the server gave its client."""

    backend: Backend  # set on the subclass that each server makes
    name = "client-?"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The library creates the connection in the thread that then runs the handler.
        self.handler_thread = threading.current_thread()
        self.backend.add(self)

    def threads(self) -> list[threading.Thread]:
        """This connection's threads that are still running."""
        threads = (self.handler_thread, self.recv_events_thread, self.keepalive_thread)
        return [thread for thread in threads if thread is not None and thread.is_alive()]


class Backend(runner.WebSocketBackend):
    """The runner's WebSocket backend, made to stop fast and leave no thread.

    websockets 17 closes open connections in shutdown() (code 1001) and waits
    for their handler threads, but it also waits for connections still in the
    opening handshake (up to OPEN_TIMEOUT) and for failed ones (see
    WATCH_INTERVAL); those are cut first.  Earlier versions (16 is the newest
    for Python 3.10) only stop accepting, so close() closes what is still open.
    Either way close() joins every thread of every connection.
    """

    def __init__(self, server) -> None:
        super().__init__(server)
        self.connections: set[Connection] = set()
        self.lock = threading.Lock()
        # websockets 17 polls for finished handler threads; every 10 ms, not 100.
        server.SHUTDOWN_POLLING_INTERVAL = 0.01

    def add(self, connection: Connection) -> None:
        """Remember a new connection (and forget those whose threads ended)."""
        with self.lock:
            self.connections = {c for c in self.connections if c.threads()}
            self.connections.add(connection)

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


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    push_interval: float = PUSH_INTERVAL,
    ping_interval: float | None = PING_INTERVAL,
    max_rate: int | None = MAX_RATE,
) -> runner.RunningServer:
    """Start the WebSocket weather server in a background thread.

    ``server.url`` is ``ws://HOST:PORT/weather``.  ``push_interval`` is the
    time in seconds between two updates of a subscription; ``ping_interval``
    between two keepalive pings (None: no pings); ``max_rate`` the number of
    messages a client may send in one second (None: no limit).
    """
    if not push_interval > 0:
        raise ValueError("push_interval must be a positive number of seconds")

    def make_backend(sock: socket.socket, log: runner.RequestLog) -> Backend:
        service = WeatherSocket(log, push_interval, max_rate)

        class ThisServersConnection(Connection):
            pass

        def check_path(connection, request):
            if urlsplit(request.path).path != PATH:
                return connection.respond(404, f"Not Found: the WebSocket is at {PATH}\n")
            return None

        def record_handshake(connection, request, response):
            line = f"GET {request.path} → {response.status_code}"
            if response.status_code == 101:
                # Named before the client hears back, so clients that connect
                # one after the other are client-1, client-2, ...
                connection.name = service.new_name()
                line += f" {connection.name}"
            log.record(line)
            return None

        server = serve(
            service.handle,
            sock=sock,
            compression=None,  # plain frames, as a lesson shows them
            process_request=check_path,
            process_response=record_handshake,
            server_header="WeatherMock/1.0",
            open_timeout=OPEN_TIMEOUT,
            ping_interval=ping_interval,
            ping_timeout=PING_TIMEOUT,
            close_timeout=CLOSE_TIMEOUT,
            max_size=MAX_MESSAGE_BYTES,
            logger=_quiet,
            create_connection=ThisServersConnection,
        )
        ThisServersConnection.backend = Backend(server)
        return ThisServersConnection.backend

    return runner.start_on_socket("websocket", host, port, make_backend, scheme="ws", path=PATH)
