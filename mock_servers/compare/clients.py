"""One client per style, one method per question, each on its style's usual library.

requests for REST and JSON-RPC, zeep for SOAP, ``xmlrpc.client`` for
XML-RPC, the generated stubs for gRPC, websocket-client for WebSocket.

The same connection policy for every style: a client opens one connection
and keeps it for all its calls, as a long-running program would (a
``requests.Session``, zeep's session, ``xmlrpc.client``'s transport, a gRPC
channel, a WebSocket).  Whether the connection really stays open is up to the
server: an HTTP server that answers ``Connection: close`` makes the client open
a new one for the next call, and the measurements count the connections opened.

The same JSON formatting too: every client that sends JSON writes it as
``json.dumps`` does by default, as the JSON servers answer.
"""

from __future__ import annotations

import json
import time
import xmlrpc.client
from collections.abc import Callable

import grpc as grpc_library
import requests
import websocket
import zeep
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from mock_servers.compare.styles import (
    CHANGES,
    CITY,
    DATE,
    INTERVAL,
    QUESTIONS,
    TIMEOUT,
    USER_AGENT,
    CallFailed,
)
from mock_servers.grpc import weather_pb2, weather_pb2_grpc


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
    """The questions for the RPC clients that call a remote function by name."""

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
        return fields(self._call(self.stub.GetForecast, request))

    def week(self, city: str) -> list[dict]:
        answer = self._call(self.stub.GetWeek, weather_pb2.GetWeekRequest(city=city))
        return [fields(day) for day in answer.forecasts]

    def changes(self, city: str, count: int = CHANGES) -> list[dict]:
        """A server stream: the server sends each reading as it comes."""
        request = weather_pb2.WatchWeatherRequest(city=city, count=count)
        return [fields(update) for update in self._call(self.stub.WatchWeather, request)]

    @staticmethod
    def _call(method, request):
        try:
            answer = method(request)
            return list(answer) if hasattr(answer, "__next__") else answer
        except grpc_library.RpcError as error:
            raise CallFailed(f"{error.code().name}: {error.details()}") from None

    def close(self) -> None:
        self.channel.close()


def fields(message) -> dict:
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
        readings = [self.receive("update")["reading"] for _ in range(count)]
        self._ask({"type": "unsubscribe", "id": 1, "city": city})
        return readings

    def _ask(self, message: dict) -> dict:
        self.socket.send(json.dumps(message))
        return self.receive(message["type"])

    def receive(self, kind: str) -> dict:
        """The next message of this ``kind``; an error message raises CallFailed."""
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
    """Ask ``client`` one of the questions about Moscow (or ``"changes"``, the next ``count``)."""
    if question == "forecast":
        return client.forecast(CITY, DATE)
    if question == "week":
        return client.week(CITY)
    if question == "changes":
        return client.changes(CITY, count)
    raise ValueError(f"no such question: {question!r}; the questions are {QUESTIONS}")


HTTP1_STYLES = ("rest", "soap", "xmlrpc", "jsonrpc")  # one HTTP/1.1 connection per client


def drop_connection(client) -> None:
    """Close an HTTP/1.1 client's open connection, so that its next call opens a new one.

    For measuring what the connection costs: a client that did this before
    every call would behave like one whose server closes every connection.
    """
    if isinstance(client, XmlRpcClient):
        client.proxy("close")()
    elif isinstance(client, SoapClient):
        client._session.close()
    elif isinstance(client, (RestClient, JsonRpcClient)):
        client.session.close()
    else:
        raise TypeError(f"not an HTTP/1.1 client: {type(client).__name__}")


def connect(servers, style: str, url: str | None = None):
    """A client of ``style`` for ``url`` (by default, the style's server in ``servers``)."""
    return CLIENTS[style](url or servers[style].url, servers.interval)
