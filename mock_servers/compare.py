"""The same weather questions in every API style, asked and measured side by side.

::

    from mock_servers import compare

    servers = compare.start_all()              # every style's server, one handle
    comparison = compare.measure_all(servers)  # bytes, messages and time, style by style
    print(comparison.table())
    servers.stop()                             # stops them all

The questions (``QUESTIONS``):

``forecast``  one city's forecast for one day (Moscow, 2026-06-01);
``week``      the seven daily forecasts of that city;
``changes``   "tell me when it changes": the next ``CHANGES`` changes.  WebSocket
              (a subscription) and gRPC (a server stream) are told by the server;
              the other styles can only ask again, once per ``interval``, the
              pace at which the pushing servers send news.  REST asks with the
              ETag it got (``If-None-Match``), so an unchanged forecast costs a
              bodiless ``304``; SOAP, XML-RPC and JSON-RPC have no such thing.

Each style has a client class here with one method per question, built on the
client library a program in that style would use: requests for REST and
JSON-RPC, zeep for SOAP, ``xmlrpc.client`` for XML-RPC, the generated stubs
for gRPC, websocket-client for WebSocket.

:func:`measure_all` sends every question once through a :func:`wire.tap
<mock_servers.wire.tap>` (bytes and messages, read from the protocols'
framing) and times it ``repeat`` times straight to the server (no relay in
between); the styles watch for changes all at once, since that is mostly
waiting.  Byte counts are the same on every machine: the data are fixed,
every HTTP client sends the same ``User-Agent`` (``USER_AGENT``, so no
library's version number gets in), a loopback port has five digits, an HTTP
``Date`` header has a fixed length, and each client asks once before it is
measured (so gRPC's compressed headers are measured as every later call sends
them).  Times are whatever this machine takes.

:func:`poll_vs_push` follows a run of real changes for about a second, REST
polling against WebSocket push, and records when each change happened, when
the client saw it, and the bytes and messages over time.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import json
import statistics
import threading
import time
import xmlrpc.client
from collections.abc import Callable

import grpc as grpc_library
import requests
import websocket
import zeep
from google.protobuf import text_format
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from mock_servers import grpc as grpc_server
from mock_servers import jsonrpc, rest, runner, soap, weather, websocket_server, wire
from mock_servers import xmlrpc as xmlrpc_server
from mock_servers.grpc import weather_pb2, weather_pb2_grpc

STYLES = ("rest", "soap", "xmlrpc", "jsonrpc", "grpc", "websocket")
NAMES = {
    "rest": "REST",
    "soap": "SOAP",
    "xmlrpc": "XML-RPC",
    "jsonrpc": "JSON-RPC",
    "grpc": "gRPC",
    "websocket": "WebSocket",
}
QUESTIONS = ("forecast", "week", "changes")
PUSHING = ("grpc", "websocket")  # the styles in which the server tells of changes

# The gRPC messages of each question: (request, answer).
GRPC_TYPES = {
    "forecast": (weather_pb2.GetForecastRequest, weather_pb2.Forecast),
    "week": (weather_pb2.GetWeekRequest, weather_pb2.GetWeekResponse),
    "changes": (weather_pb2.WatchWeatherRequest, weather_pb2.WeatherUpdate),
}

CITY, DATE = "moscow", "2026-06-01"
CHANGES = 3  # how many changes the "changes" question waits for
INTERVAL = 0.1  # seconds between two changes; a lesson's pace, real services are slower
USER_AGENT = "weather-course"
TIMEOUT = 5.0  # seconds; a local call that takes longer is a bug
QUIET = 0.005  # seconds without bytes that end a measured call (see wire.measure)

TEXT = {
    "en": {
        "forecast": "forecast for a day",
        "week": "forecast for a week",
        "changes": "tell me when it changes",
        "columns": ("style", "sent B", "received B", "payload B", "messages", "round trips"),
        "time": "median time",
        "setup": "Before the first question, once per client",
        "setup columns": ("style", "sent B", "received B", "messages", "what"),
        "what": {
            "rest": "nothing: every request stands alone",
            "soap": "zeep downloads the WSDL contract",
            "xmlrpc": "nothing: every request stands alone",
            "jsonrpc": "nothing: every request stands alone",
            "grpc": "HTTP/2 connection preface and settings",
            "websocket": "the HTTP upgrade handshake",
        },
        "race": ("", "REST polling", "WebSocket push"),
        "rows": (
            "changes",
            "readings received",
            "readings missed",
            "median delay",
            "messages",
            "bytes on the wire",
        ),
        "ms": "ms",
        "decimal": ".",
    },
    "ru": {
        "forecast": "прогноз на день",
        "week": "прогноз на неделю",
        "changes": "сообщи, когда изменится",
        "columns": ("стиль", "отпр., Б", "получ., Б", "данные, Б", "сообщений", "обменов"),
        "time": "медиана времени",
        "setup": "До первого вопроса, один раз на клиента",
        "setup columns": ("стиль", "отпр., Б", "получ., Б", "сообщений", "что это"),
        "what": {
            "rest": "ничего: каждый запрос сам по себе",
            "soap": "zeep скачивает контракт WSDL",
            "xmlrpc": "ничего: каждый запрос сам по себе",
            "jsonrpc": "ничего: каждый запрос сам по себе",
            "grpc": "преамбула и настройки соединения HTTP/2",
            "websocket": "рукопожатие HTTP Upgrade",
        },
        "race": ("", "опрос REST", "push WebSocket"),
        "rows": (
            "изменений",
            "показаний получено",
            "показаний пропущено",
            "медиана задержки",
            "сообщений",
            "байт в сети",
        ),
        "ms": "мс",
        "decimal": ",",
    },
}


class CallFailed(Exception):
    """A server answered a question with an error."""


# --------------------------------------------------------------------------
# Every server at once


class Servers:
    """Every style's server, started together: ``servers["rest"].url``; ``stop()`` ends all."""

    def __init__(self, servers: dict[str, runner.RunningServer], interval: float) -> None:
        self._servers = servers
        self.interval = interval

    def __getitem__(self, style: str) -> runner.RunningServer:
        return self._servers[style]

    def __iter__(self):
        return iter(self._servers)

    @property
    def running(self) -> bool:
        return all(server.running for server in self._servers.values())

    def stop(self) -> None:
        """Stop every server; idempotent."""
        for server in self._servers.values():
            server.stop()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "\n".join(f"{NAMES[style]:<10} {self[style].url}" for style in self)


def start_all(host: str = "127.0.0.1", *, interval: float = INTERVAL) -> Servers:
    """Start the server of every style; ``interval`` is the pushing servers' pace in seconds.

    The WebSocket server sends no keepalive pings, so that none ever lands in
    a measurement.
    """
    starters = {
        "rest": rest.start,
        "soap": soap.start,
        "xmlrpc": xmlrpc_server.start,
        "jsonrpc": jsonrpc.start,
        "grpc": functools.partial(grpc_server.start, interval=interval),
        "websocket": functools.partial(
            websocket_server.start, push_interval=interval, ping_interval=None
        ),
    }
    servers: dict[str, runner.RunningServer] = {}
    try:
        for style in STYLES:
            servers[style] = starters[style](host)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return Servers(servers, interval)


# --------------------------------------------------------------------------
# One client per style, one method per question


def _poll(look: Callable[[], dict], count: int, interval: float) -> list[dict]:
    """Ask ``count`` times, ``interval`` seconds apart; what each look saw."""
    seen = []
    for number in range(count):
        if number:
            time.sleep(interval)
        seen.append(look())
    return seen


class RestClient:
    """REST with requests: GET a resource's URL."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.url, self.interval = url, interval
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def forecast(self, city: str, date: str) -> dict:
        return self._get(f"/cities/{city}/forecast/{date}").json()

    def week(self, city: str) -> list[dict]:
        return self._get(f"/cities/{city}/forecast").json()["items"]

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """Poll the day's forecast; after the first look, with If-None-Match (304: unchanged)."""
        path = f"/cities/{city}/forecast/{DATE}"
        last: dict = {}

        def look() -> dict:
            headers = {"If-None-Match": last["etag"]} if last else {}
            response = self._get(path, headers)
            if response.status_code != 304:
                last.update(etag=response.headers["ETag"], forecast=response.json())
            return last["forecast"]

        return _poll(look, count, self.interval)

    def _get(self, path: str, headers: dict | None = None) -> requests.Response:
        response = self.session.get(self.url + path, headers=headers, timeout=TIMEOUT)
        if response.status_code >= 400:
            raise CallFailed(f"{response.status_code}: {response.text}")
        return response

    def close(self) -> None:
        self.session.close()


class SoapClient:
    """SOAP with zeep: read the WSDL once, then call its operations."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.interval = interval
        transport = zeep.Transport(timeout=TIMEOUT, operation_timeout=TIMEOUT)
        transport.session.headers["User-Agent"] = USER_AGENT
        self.client = zeep.Client(url + "?wsdl", transport=transport)
        self._session = transport.session

    def forecast(self, city: str, date: str) -> dict:
        return _plain(self._call("GetForecast", city=city, date=date))

    def week(self, city: str) -> list[dict]:
        return [_plain(day) for day in self._call("GetWeek", city=city)]

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """Poll: call GetForecast again and again."""
        return _poll(lambda: self.forecast(city, DATE), count, self.interval)

    def _call(self, operation: str, **parameters):
        try:
            return self.client.service[operation](**parameters)
        except Fault as fault:
            raise CallFailed(f"{fault.code}: {fault.message}") from None

    def close(self) -> None:
        self._session.close()


def _plain(value) -> dict:
    """A zeep object as a plain dict, dates as text, as the other styles give them."""
    plain = dict(serialize_object(value, dict))
    return {key: v.isoformat() if hasattr(v, "isoformat") else v for key, v in plain.items()}


class _Transport(xmlrpc.client.Transport):
    user_agent = USER_AGENT


class _CallsByName:
    """The three questions for the RPC clients that call a remote function by name."""

    interval: float

    def _call(self, method: str, *params):
        raise NotImplementedError

    def forecast(self, city: str, date: str) -> dict:
        return self._call("get_forecast", city, date)

    def week(self, city: str) -> list[dict]:
        return self._call("get_week", city)

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """Poll: call get_forecast again and again."""
        return _poll(lambda: self.forecast(city, DATE), count, self.interval)


class XmlRpcClient(_CallsByName):
    """XML-RPC with xmlrpc.client: call a remote function by name."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.proxy = xmlrpc.client.ServerProxy(url, transport=_Transport())

    def _call(self, method: str, *params):
        try:
            return getattr(self.proxy, method)(*params)
        except xmlrpc.client.Fault as fault:
            raise CallFailed(f"{fault.faultCode}: {fault.faultString}") from None

    def close(self) -> None:
        self.proxy("close")()


class JsonRpcClient(_CallsByName):
    """JSON-RPC 2.0 with requests: POST a request object, read the response object."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.url, self.interval = url, interval
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def _call(self, method: str, *params):
        # One call at a time, each waiting for its answer, so one id is enough.
        call = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
        answer = self.session.post(self.url, json=call, timeout=TIMEOUT).json()
        if "error" in answer:
            raise CallFailed(f"{answer['error']['code']}: {answer['error']['message']}")
        return answer["result"]

    def close(self) -> None:
        self.session.close()


class GrpcClient:
    """gRPC with the stubs generated from weather.proto."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.interval = interval
        # No bandwidth-probing pings: they come and go with timing, and would
        # make the byte counts differ from run to run.  No deadlines either: a
        # deadline travels as a header whose value (time left) varies.
        self.channel = grpc_library.insecure_channel(url, options=[("grpc.http2.bdp_probe", 0)])
        grpc_library.channel_ready_future(self.channel).result(timeout=TIMEOUT)
        self.stub = weather_pb2_grpc.WeatherStub(self.channel)

    def forecast(self, city: str, date: str) -> dict:
        request = weather_pb2.GetForecastRequest(city=city, date=date)
        return _fields(self._call(self.stub.GetForecast, request))

    def week(self, city: str) -> list[dict]:
        answer = self._call(self.stub.GetWeek, weather_pb2.GetWeekRequest(city=city))
        return [_fields(day) for day in answer.forecasts]

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """A server stream: the server sends each reading as it comes."""
        request = weather_pb2.WatchWeatherRequest(city=city, count=count)
        return [_fields(update) for update in self._call(self.stub.WatchWeather, request)]

    @staticmethod
    def _call(method, request):
        try:
            answer = method(request)
            return list(answer) if hasattr(answer, "__next__") else answer
        except grpc_library.RpcError as error:
            raise CallFailed(f"{error.code().name}: {error.details()}") from None

    def close(self) -> None:
        self.channel.close()


def _fields(message) -> dict:
    """A protobuf message as a dict, fields that hold zero included."""
    return {field.name: getattr(message, field.name) for field in message.DESCRIPTOR.fields}


class WebSocketClient:
    """WebSocket with websocket-client: one connection, JSON messages both ways."""

    def __init__(self, url: str, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.socket = websocket.create_connection(url, timeout=TIMEOUT)

    def forecast(self, city: str, date: str) -> dict:
        return self._ask({"type": "forecast", "id": 1, "city": city, "date": date})["forecast"]

    def week(self, city: str) -> list[dict]:
        return self._ask({"type": "week", "id": 1, "city": city})["week"]

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """Subscribe: the server pushes each reading as it comes; then unsubscribe."""
        self._ask({"type": "subscribe", "id": 1, "city": city})
        readings = [self._receive("update")["reading"] for _ in range(count)]
        self._ask({"type": "unsubscribe", "id": 1, "city": city})
        return readings

    def _ask(self, message: dict) -> dict:
        self.socket.send(json.dumps(message))
        return self._receive(message["type"])

    def _receive(self, kind: str) -> dict:
        while True:
            message = json.loads(self.socket.recv())
            if message["type"] == "error":
                raise CallFailed(f"{message['code']}: {message['message']}")
            if message["type"] == kind:
                return message
            # Anything else is an update that was already on its way.

    def close(self) -> None:
        self.socket.close()


CLIENTS = {
    "rest": RestClient,
    "soap": SoapClient,
    "xmlrpc": XmlRpcClient,
    "jsonrpc": JsonRpcClient,
    "grpc": GrpcClient,
    "websocket": WebSocketClient,
}


def ask(client, question: str, count: int = CHANGES):
    """Ask ``client`` one of the QUESTIONS about Moscow."""
    if question == "forecast":
        return client.forecast(CITY, DATE)
    if question == "week":
        return client.week(CITY)
    if question == "changes":
        return client.changes(CITY, count)
    raise ValueError(f"no such question: {question!r}; the questions are {QUESTIONS}")


def connect(servers: Servers, style: str, url: str | None = None):
    """A client of ``style`` for ``url`` (by default, the style's server)."""
    return CLIENTS[style](url or servers[style].url, servers.interval)


# --------------------------------------------------------------------------
# Measuring


@dataclasses.dataclass
class Result:
    """One style's answer to one question: what crossed the wire, and how long it took."""

    style: str
    question: str
    wire: wire.Measurement  # one call through a tap
    times: list[float]  # seconds, one per timed call

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def bytes(self) -> int:
        return self.wire.bytes_sent + self.wire.bytes_received

    @property
    def payload(self) -> int:
        return self.wire.payload_sent + self.wire.payload_received


class Comparison:
    """Every style's results for every question (``comparison["rest", "week"]``)."""

    def __init__(self, interval: float, repeat: int) -> None:
        self.interval = interval
        self.repeat = repeat
        self.results: dict[tuple[str, str], Result] = {}
        self.setup: dict[str, wire.Measurement] = {}  # what creating each client sent

    def __getitem__(self, key: tuple[str, str]) -> Result:
        return self.results[key]

    def smallest_first(self, question: str) -> list[str]:
        """The styles by the bytes their answer to ``question`` took, fewest first."""
        return sorted(STYLES, key=lambda style: self[style, question].bytes)

    def exchange(self, style: str, question: str, limit: int = 1200) -> str:
        """The call message by message: ``→`` what the client sent, ``←`` what came back.

        gRPC's binary messages are shown as a hex dump and then as
        weather.proto reads them.  ``limit`` caps the characters of each body.
        """
        lines = []
        for part in self[style, question].wire.parts:
            arrow = "→" if part.direction == wire.TO_SERVER else "←"
            text = part.text(limit)
            if part.kind == "gRPC":
                kind = GRPC_TYPES[question][part.direction == wire.TO_CLIENT]
                decoded = text_format.MessageToString(kind.FromString(part.payload), as_utf8=True)
                text += "\n" + decoded.strip()
            lines.append(f"{arrow} {text}")
        return "\n\n".join(lines)

    def table(self, language: str = "en") -> str:
        """Bytes, messages, round trips and median time, one block per question.

        The time comes last, so a test can replace it and the rest still lines up.
        """
        text = TEXT[language]
        rows = [(*text["columns"], text["time"])]
        blocks = []
        for question in QUESTIONS:
            lines = [text[question]]
            for style in STYLES:
                result = self[style, question]
                record = result.wire
                lines.append(
                    (
                        NAMES[style],
                        record.bytes_sent,
                        record.bytes_received,
                        result.payload,
                        record.messages,
                        record.round_trips,
                        milliseconds(result.median, language),
                    )
                )
            blocks.append(lines)
        body = [row for block in blocks for row in block[1:]]
        widths = [max(len(str(row[n])) for row in rows + body) for n in range(6)]
        out = []
        for block in blocks:
            out.append(block[0])
            for row in [rows[0], *block[1:]]:
                cells = [str(row[0]).ljust(widths[0])]
                cells += [str(value).rjust(widths[n + 1]) for n, value in enumerate(row[1:6])]
                out.append("  " + "  ".join(cells) + "  " + str(row[6]))
            out.append("")
        return "\n".join(out).rstrip("\n")

    def setup_table(self, language: str = "en") -> str:
        """What each client sent and received before it could ask anything."""
        text = TEXT[language]
        rows = [text["setup columns"]]
        for style in STYLES:
            record = self.setup[style]
            what = text["what"][style]
            rows.append(
                (NAMES[style], record.bytes_sent, record.bytes_received, record.messages, what)
            )
        widths = [max(len(str(row[n])) for row in rows) for n in range(4)]
        lines = [text["setup"]]
        for row in rows:
            cells = [str(row[0]).ljust(widths[0])]
            cells += [str(value).rjust(widths[n + 1]) for n, value in enumerate(row[1:4])]
            lines.append("  " + "  ".join(cells) + "  " + row[4])
        return "\n".join(lines)


def milliseconds(seconds: float, language: str = "en") -> str:
    """``0.0123`` as ``"12.3 ms"`` (``"12,3 мс"`` in Russian)."""
    text = TEXT[language]
    return f"{seconds * 1000:.1f}".replace(".", text["decimal"]) + " " + text["ms"]


def _timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def measure_all(
    servers: Servers,
    repeat: int = 15,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Ask every question in every style; return a :class:`Comparison`.

    Each style gets two clients: one through a tap, which records one call of
    each question, and one straight to the server, which times ``repeat``
    calls of the first two questions.  The "changes" question is timed once
    (the call the tap saw): its time is the pace of changes, whatever the
    style, and all styles ask it at the same time.  ``progress(done, total)``
    is called after each style and question.
    """
    comparison = Comparison(servers.interval, repeat)
    total = len(STYLES) * len(QUESTIONS)

    def done(result: Result) -> None:
        comparison.results[result.style, result.question] = result
        if progress is not None:
            progress(len(comparison.results), total)

    with contextlib.ExitStack() as stack:
        taps, watchers = {}, {}
        for style in STYLES:
            tap = taps[style] = stack.enter_context(wire.tap(servers[style]))
            setup = wire.measure(tap, functools.partial(connect, servers, style), quiet=QUIET)
            comparison.setup[style] = setup
            tapped = setup.result
            stack.callback(tapped.close)
            direct = stack.enter_context(contextlib.closing(connect(servers, style)))
            # Every question once before measuring: gRPC's compressed headers
            # then travel as they do on every later call.
            for question in QUESTIONS:
                ask(tapped, question, count=1)
            for question in ("forecast", "week"):
                ask(direct, question)
                record = wire.measure(
                    tap, functools.partial(_ask_at, tapped, question), quiet=QUIET
                )
                call = functools.partial(ask, direct, question)
                done(Result(style, question, record, [_timed(call) for _ in range(repeat)]))
            watchers[style] = functools.partial(_ask_at, tapped, "changes")
        # Watching for changes is mostly waiting for the pace of changes, and
        # each style has its own server and tap, so all styles watch at once.
        with concurrent.futures.ThreadPoolExecutor(len(STYLES)) as pool:
            watching = {
                style: pool.submit(wire.measure, taps[style], watch, quiet=QUIET)
                for style, watch in watchers.items()
            }
            for style in STYLES:
                record = watching[style].result()
                done(Result(style, "changes", record, [record.seconds]))
    return comparison


def _ask_at(client, question: str, _url: str):
    return ask(client, question)


# --------------------------------------------------------------------------
# Polling against push, over time


@dataclasses.dataclass
class Watch:
    """One way of hearing about changes, followed over time; seconds count from the start."""

    style: str
    changed: list[float]  # when change 1, 2, ... happened
    seen: dict[int, float]  # change number -> when the client had it, or a later one
    received: set[int]  # the changes whose own reading reached the client
    traffic: list[tuple[float, int]]  # (when, bytes) for each chunk on the wire, both ways
    messages: list[float]  # when each request, answer or push crossed

    @property
    def delays(self) -> list[tuple[float, float]]:
        """(when a change happened, seconds until the client knew it), for each change.

        A poll that brings a later reading tells of the changes before it too:
        from then on, the client is up to date.
        """
        return [
            (self.changed[n - 1], at - self.changed[n - 1]) for n, at in sorted(self.seen.items())
        ]

    @property
    def missed(self) -> int:
        """Changes whose reading the client never got: a later one replaced it first."""
        return len(self.changed) - len(self.received)

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.traffic)

    def cumulative_bytes(self) -> tuple[list[float], list[int]]:
        """Times and running totals of bytes, for a step plot."""
        times, totals, total = [0.0], [0], 0
        for when, size in sorted(self.traffic):
            total += size
            times.append(when)
            totals.append(total)
        return times, totals

    def cumulative_messages(self) -> tuple[list[float], list[int]]:
        times = [0.0, *sorted(self.messages)]
        return times, list(range(len(times)))


@dataclasses.dataclass
class PollVsPush:
    """REST polling and WebSocket push, run side by side over the same time."""

    rest: Watch
    websocket: Watch
    interval: float
    poll_every: float

    def summary(self, language: str = "en") -> str:
        text = TEXT[language]
        columns = []
        for watch in (self.rest, self.websocket):
            delays = [delay for _, delay in watch.delays]
            median = milliseconds(statistics.median(delays), language) if delays else "-"
            columns.append(
                [
                    len(watch.changed),
                    len(watch.received),
                    watch.missed,
                    median,
                    len(watch.messages),
                    watch.bytes,
                ]
            )
        header = text["race"]
        width = max(len(label) for label in text["rows"])
        first = max(len(header[1]), *(len(str(value)) for value in columns[0]))
        lines = [f"{header[0]:<{width}}  {header[1]:>{first}}  {header[2]}"]
        for n, label in enumerate(text["rows"]):
            lines.append(f"{label:<{width}}  {columns[0][n]!s:>{first}}  {columns[1][n]}")
        return "\n".join(lines)


def poll_vs_push(
    servers: Servers, seconds: float = 1.0, poll_every: float = 0.25, city: str = "sochi"
) -> PollVsPush:
    """Follow ``seconds`` worth of changes, one every ``servers.interval``, two ways at once.

    REST: a station keeps one observation up to date with PUT (straight to the
    server), and the client polls it every ``poll_every`` seconds with
    If-None-Match (``304`` while nothing changed), through a tap.  WebSocket: the
    client subscribes, and the server pushes each reading, through a tap.  A
    change's time is when the station sent its PUT, or when the pushed reading
    passed the tap; "seen" is when the client's call returned it.
    """
    interval = servers.interval
    count = max(1, int(seconds / interval + 1e-9))
    readings = weather.updates(city)
    station = RestClient(servers["rest"].url)
    station.session.headers["X-API-Key"] = rest.API_KEY
    rest_tap, ws_tap = wire.tap(servers["rest"]), wire.tap(servers["websocket"])
    observation, created = _station_observation(station, city, next(readings))
    poller = RestClient(rest_tap.url)
    listener = websocket.create_connection(ws_tap.url, timeout=TIMEOUT)
    ws_tap.clear()  # the handshake is behind us: watch only the watching
    changed_rest: list[float] = []
    seen_rest: dict[int, float] = {}
    seen_ws: dict[int, float] = {}
    received_rest: set[int] = set()
    received_ws: set[int] = set()
    try:
        start = time.monotonic()

        def clock() -> float:
            return time.monotonic() - start

        def push() -> None:
            listener.send(json.dumps({"type": "subscribe", "id": 1, "city": city}))
            while len(seen_ws) < count:
                message = json.loads(listener.recv())
                if message["type"] == "update":
                    seen_ws[message["reading"]["sequence"]] = clock()
                    received_ws.add(message["reading"]["sequence"])
            listener.send(json.dumps({"type": "unsubscribe", "id": 2, "city": city}))
            while json.loads(listener.recv())["type"] != "unsubscribe":
                pass

        def report() -> None:
            for number in range(1, count + 1):
                time.sleep(max(0.0, number * interval - clock()))
                reading = next(readings)
                changed_rest.append(clock())
                body = _observation(city, reading["temperature"], number)
                station.session.put(station.url + observation, json=body, timeout=TIMEOUT)

        threads = [threading.Thread(target=push), threading.Thread(target=report)]
        for thread in threads:
            thread.start()
        etag = None
        for poll in range(int(count * interval / poll_every) + 2):
            time.sleep(max(0.0, poll * poll_every - clock()))
            headers = {"If-None-Match": etag} if etag else {}
            response = poller.session.get(
                poller.url + observation, headers=headers, timeout=TIMEOUT
            )
            if response.status_code == 200:
                etag = response.headers["ETag"]
                number = int(response.json()["note"].split()[-1])
                now = clock()
                received_rest.add(number)
                for earlier in range(1, number + 1):
                    seen_rest.setdefault(earlier, now)
        for thread in threads:
            thread.join(TIMEOUT + seconds)
        time.sleep(0.02)  # the last bytes reach the taps
    finally:
        listener.close()
        poller.close()
        if created:
            station.session.delete(station.url + observation, timeout=TIMEOUT)
        station.close()
        rest_tap.stop()
        ws_tap.stop()
    ws_parts = [m for m in ws_tap.read() if m.application]
    changed_ws = [
        m.seconds + ws_tap.started - start
        for m in ws_parts
        if m.direction == wire.TO_CLIENT and json.loads(m.payload).get("type") == "update"
    ]
    return PollVsPush(
        rest=_watch("rest", changed_rest, seen_rest, received_rest - {0}, rest_tap, start),
        websocket=_watch("websocket", changed_ws[:count], seen_ws, received_ws, ws_tap, start),
        interval=interval,
        poll_every=poll_every,
    )


def _observation(city: str, temperature: float, number: int) -> dict:
    return {
        "city": city,
        "date": weather.DATES[-1],
        "temperature": temperature,
        "note": f"reading {number}",
    }


def _station_observation(station: RestClient, city: str, reading: dict) -> tuple[str, bool]:
    """The path of the station's observation, and whether this call created it."""
    body = _observation(city, reading["temperature"], 0)
    response = station.session.post(station.url + "/observations", json=body, timeout=TIMEOUT)
    if response.status_code == 409:  # left over from an earlier run that was interrupted
        path = response.json()["existing"]
        station.session.put(station.url + path, json=body, timeout=TIMEOUT)
        return path, False
    if response.status_code != 201:
        raise CallFailed(f"{response.status_code}: {response.text}")
    return response.headers["Location"], True


def _watch(style, changed, seen, received, tap: wire.Tap, start: float) -> Watch:
    offset = tap.started - start
    traffic = [(chunk.seconds + offset, len(chunk.data)) for chunk in tap.chunks]
    messages = [m.seconds + offset for m in tap.read() if m.application]
    return Watch(style, changed, seen, received, traffic, messages)
