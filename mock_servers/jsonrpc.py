"""The weather service over JSON-RPC 2.0 (jsonrpcserver, served over HTTP).

JSON-RPC 2.0 (https://www.jsonrpc.org/specification) is XML-RPC's idea in
JSON, and says nothing about transport.  Here a client POSTs a request object
to ``/jsonrpc``::

    {"jsonrpc": "2.0", "method": "get_forecast", "params": ["moscow", "2026-06-01"], "id": 1}

and gets back a response object with the same ``id`` and either a ``result``
or an ``error``, never both::

    {"jsonrpc": "2.0", "result": {"city": "moscow", ...}, "id": 1}
    {"jsonrpc": "2.0", "error": {"code": -32001, "message": "Unknown city", "data": {...}}, "id": 1}

``params`` is an array (by position) or an object (by name:
``{"city": "moscow", "date": "2026-06-01"}``).  A request without an ``id`` is
a *notification*: the server runs it and answers nothing, not even an error.
A JSON array of requests is a *batch*: the answer is an array of the
responses, in any order, leaving out the notifications.

Methods
-------
======================================================  =========================
``get_forecast(city, date)``                            a forecast object
``list_cities()``                                       every city
``get_week(city)``                                      the 7 forecasts of a city
``save_observation(city, date, temperature, note="")``  the new observation's id
======================================================  =========================

Error codes
-----------
======  ================  ===================================================
code    message           when
======  ================  ===================================================
-32700  Parse error       the body is not JSON (nor UTF-8)
-32600  Invalid Request   JSON, but not a request object (also: the HTTP
                          errors below)
-32601  Method not found  no method of that name
-32602  Invalid params    wrong number, names or types of parameters; a date
                          not in YYYY-MM-DD form; a temperature out of range
-32603  Internal error    a bug in this server
-32001  Unknown city      ``data``: the city and the known cities
-32002  No forecast       ``data``: the city, the date and the dates there are
======  ================  ===================================================

The codes from -32000 to -32099 are the ones the specification leaves to the
application; -32001 and -32002 are this service's.

HTTP
----
Every response is HTTP 200 with ``Content-Type: application/json``, errors
included: the error is in the JSON-RPC response, not in the HTTP status.  A
notification, or a batch of only notifications, gets ``204 No Content`` and an
empty body.  Problems with the HTTP request itself get an HTTP error status,
with a JSON-RPC error object (code -32600, id null) explaining it: 404 for
another path, 405 for a method other than POST, 413 for a body over 1 MB,
415 for a Content-Type other than JSON (``application/json``, or
``application/json-rpc`` or ``application/jsonrequest`` of older drafts; a
request with no Content-Type at all is read as JSON).

jsonrpcserver finds the method, checks the parameters against the
function's signature, calls it and shapes the response.  This module adds
what the library does not do as the specification asks: it validates each
member of a batch on its own (the library rejects a whole batch with one bad
member), explains in ``data`` why a request is invalid, and echoes its id
when the id itself is valid.
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
import math
import threading
import warnings

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from mock_servers import http_server, runner, weather

with warnings.catch_warnings():
    # jsonrpcserver 5 reads its schema with an importlib.resources function
    # that Python 3.11 and 3.12 call deprecated; nothing a learner can act on.
    warnings.simplefilter("ignore", DeprecationWarning)
    from jsonrpcserver import JsonRpcError, Success, dispatch_to_serializable

PATH = "/jsonrpc"
MAX_REQUEST_BYTES = 1024 * 1024
JSON_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
UNKNOWN_CITY = -32001
NO_FORECAST = -32002

# jsonrpcserver logs the traceback of a method that raised; the error response
# says enough, and a server thread must not write to the notebook.
logging.getLogger("jsonrpcserver").addHandler(logging.NullHandler())
logging.getLogger("jsonrpcserver").propagate = False


# --------------------------------------------------------------------------
# The weather methods


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def invalid_params(param: str, message: str, value) -> JsonRpcError:
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # 1e400 arrives as infinity, which JSON cannot send back
    data = {"param": param, "message": message, "value": value}
    return JsonRpcError(INVALID_PARAMS, "Invalid params", data)


def text(param: str, value) -> str:
    if not isinstance(value, str):
        raise invalid_params(param, f"must be a string, not {json_type(value)}", value)
    return value


def known_city(city) -> str:
    if text("city", city) not in weather.CITIES:
        data = {"city": city, "known_cities": list(weather.CITIES)}
        raise JsonRpcError(UNKNOWN_CITY, "Unknown city", data)
    return city


def valid_date(date) -> str:
    try:
        return weather.parse_date(text("date", date)).isoformat()
    except ValueError:
        raise invalid_params("date", "must be a date in YYYY-MM-DD form", date) from None


class WeatherMethods:
    """The methods a client can call; one instance per server, holding its observations."""

    def __init__(self) -> None:
        self._observation_ids = itertools.count(1)
        self._lock = threading.Lock()

    def get_forecast(self, city, date):
        known_city(city)
        date = valid_date(date)
        try:
            return Success(weather.forecast(city, date))
        except weather.NoForecast:
            data = {"city": city, "date": date, "dates": list(weather.DATES)}
            raise JsonRpcError(NO_FORECAST, "No forecast for that date", data) from None

    def list_cities(self):
        return Success(weather.cities())

    def get_week(self, city):
        return Success(weather.week(known_city(city)))

    def save_observation(self, city, date, temperature, note=""):
        known_city(city)
        valid_date(date)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise invalid_params(
                "temperature", f"must be a number, not {json_type(temperature)}", temperature
            )
        if not -90 <= temperature <= 60:  # also false for NaN
            raise invalid_params("temperature", "must be -90 to 60 °C", temperature)
        if len(text("note", note)) > 500:
            raise invalid_params("note", "must be at most 500 characters", note[:40] + "...")
        with self._lock:
            return Success(next(self._observation_ids))

    def table(self) -> dict:
        """Method name → function, as jsonrpcserver takes them."""
        names = ("get_forecast", "list_cities", "get_week", "save_observation")
        return {name: getattr(self, name) for name in names}


# --------------------------------------------------------------------------
# JSON-RPC 2.0


def error(code: int, message: str, data=None, id=None) -> dict:
    body = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "error": body, "id": id}


def valid_id(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or (isinstance(value, (str, int)) and not isinstance(value, bool))


def request_problem(request) -> str | None:
    """Why ``request`` is not a valid JSON-RPC 2.0 request object, or None."""
    if not isinstance(request, dict):
        return f"a request must be a JSON object, not {json_type(request)}"
    if request.get("jsonrpc") != "2.0":
        return 'a request must have "jsonrpc": "2.0"'
    if not isinstance(request.get("method"), str):
        return 'a request must have a "method" that is a string'
    if "params" in request and not isinstance(request["params"], (list, dict)):
        return '"params" must be an array or an object'
    if "id" in request and not valid_id(request["id"]):
        return '"id" must be a string, a number or null'
    return None


def describe(request: dict) -> str:
    """A call as one short line for the log: get_forecast("moscow", "2026-06-01") id=1."""
    params = request.get("params", [])
    if isinstance(params, dict):
        shown = ", ".join(
            f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in params.items()
        )
    else:
        shown = ", ".join(json.dumps(value, ensure_ascii=False) for value in params)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    call = f"{request['method']}({shown})"
    return f"{call} id={json.dumps(request['id'])}" if "id" in request else f"{call} notification"


class JsonRpc:
    """Answers JSON-RPC 2.0 request text with response objects."""

    def __init__(self, methods: dict, log: runner.RequestLog) -> None:
        self.methods = methods
        self.log = log

    def handle(self, body: bytes):
        """The response (an object, or an array for a batch), or None to answer nothing."""
        try:
            payload = json.loads(body.decode("utf-8"), parse_constant=reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as problem:
            self.log.record(f"(not JSON) → error {PARSE_ERROR}")
            return error(PARSE_ERROR, "Parse error", str(problem))
        if isinstance(payload, list) and payload:
            responses = [self.handle_one(request) for request in payload]
            return [response for response in responses if response is not None] or None
        if payload == []:
            self.log.record(f"(empty batch) → error {INVALID_REQUEST}")
            return error(INVALID_REQUEST, "Invalid Request", "a batch must not be empty")
        return self.handle_one(payload)

    def handle_one(self, request):
        problem = request_problem(request)
        if problem is not None:
            id = request.get("id") if isinstance(request, dict) else None
            self.log.record(f"(invalid request) → error {INVALID_REQUEST}")
            return error(INVALID_REQUEST, "Invalid Request", problem, id if valid_id(id) else None)

        # A notification is dispatched with an id too, so the log can show how
        # it ended; its response is then dropped, as the specification asks.
        call = request if "id" in request else {**request, "id": 0}
        response = dispatch_to_serializable(
            call, self.methods, deserializer=lambda parsed: parsed, validator=lambda _: None
        )
        if "error" in response:
            code = response["error"]["code"]
            outcome = f"error {code}"
            if code == METHOD_NOT_FOUND:
                response["error"]["data"] = {
                    "method": request["method"],
                    "known_methods": list(self.methods),
                }
            elif code == INVALID_PARAMS and isinstance(response["error"].get("data"), str):
                # The library's own check of the parameters against the signature.
                method = request["method"]
                response["error"]["data"] = {
                    "message": response["error"]["data"],
                    "signature": f"{method}{inspect.signature(self.methods[method])}",
                }
            elif code == INTERNAL_ERROR:
                # jsonrpcserver sends the exception's text; that stays here.
                outcome += f" ({response['error'].pop('data', '')})"
                response["error"]["data"] = "a bug in the weather server; see its log"
        else:
            outcome = "result"
        if "id" not in request:
            self.log.record(f"{describe(request)} → {outcome}, not sent")
            return None
        self.log.record(f"{describe(request)} → {outcome}")
        return response


def reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# --------------------------------------------------------------------------
# HTTP


class JsonRpcRequest(Request):
    max_content_length = MAX_REQUEST_BYTES


def json_response(payload, status: int = 200, **headers) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status, headers, mimetype="application/json")


def create_app(rpc: JsonRpc):
    """The WSGI application: JSON-RPC over HTTP POST at PATH."""

    def refuse(request, status: int, reason: str, **headers) -> Response:
        rpc.log.record(f"{request.method} {request.path} → {status}")
        return json_response(error(INVALID_REQUEST, "Invalid Request", reason), status, **headers)

    @JsonRpcRequest.application
    def app(request: JsonRpcRequest) -> Response:
        if request.path != PATH:
            return refuse(request, 404, f"JSON-RPC requests go to {PATH}")
        if request.method != "POST":
            reason = (
                f"JSON-RPC requests are HTTP POST requests with a JSON body, not {request.method}"
            )
            return refuse(request, 405, reason, Allow="POST")
        mimetype = request.mimetype
        if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
            return refuse(request, 415, f"send Content-Type: application/json, not {mimetype}")
        try:
            body = request.get_data()
        except RequestEntityTooLarge:
            return refuse(request, 413, f"requests are limited to {MAX_REQUEST_BYTES} bytes")
        answer = rpc.handle(body)
        if answer is None:
            nothing = Response(status=204)
            nothing.headers.remove("Content-Type")  # there is no body to have a type
            return nothing
        return json_response(answer)

    return app


def start(host: str = "127.0.0.1", port: int = 0) -> runner.RunningServer:
    """Start the JSON-RPC weather service; ``.url`` is its endpoint, ending in /jsonrpc."""

    def backend(sock, log):
        rpc = JsonRpc(WeatherMethods().table(), log)
        # No log for the HTTP lines: JsonRpc records one line per call instead.
        return http_server.wsgi_backend(create_app(rpc), sock)

    return runner.start_on_socket("jsonrpc", host, port, backend, path=PATH)
