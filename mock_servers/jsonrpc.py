"""The weather service over JSON-RPC 2.0 (jsonrpcserver, served over HTTP).

JSON-RPC 2.0 (https://www.jsonrpc.org/specification) is XML-RPC's idea in
JSON, and says nothing about transport.  Here a client POSTs a request object
to ``/jsonrpc``::

    {"jsonrpc": "2.0", "method": "get_forecast", "params": ["moscow", "2026-06-01"], "id": 1}

and gets back a response object with the same ``id`` and either a ``result``
or an ``error``, never both::

    {"jsonrpc": "2.0", "result": {"city": "moscow", ...}, "id": 1}
    {"jsonrpc": "2.0", "error": {"code": 1001, "message": "Unknown city", "data": {...}}, "id": 1}

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
                          not in YYYY-MM-DD form; an observation that breaks
                          a rule (a day outside the week, a temperature out
                          of range, a note too long)
-32603  Internal error    a bug in this server
1001    Unknown city      ``data``: the city and the known cities
1002    No forecast       ``data``: the city, the date and the dates there are
1003    Storage full      the server stores no more observations (``data``:
                          the limit)
======  ================  ===================================================

JSON-RPC 2.0 reserves the codes from -32768 to -32000: the five above for the
protocol, and -32000 to -32099 for errors of the *server implementation*.  An
application's own errors, such as "unknown city", take codes outside that
range; this service numbers them from 1001.

Messages for people (``message``, the texts in ``data``, and a forecast's
``description``) are in English, or in Russian when the request's
``Accept-Language`` prefers it (or when the server was started with
``language="ru"`` and the request asks for neither); the codes never change.

HTTP
----
JSON-RPC 2.0 defines no transport; over HTTP this server does what is usual.
Every response is HTTP 200 with ``Content-Type: application/json``, errors
included: the error is in the JSON-RPC response, not in the HTTP status.  A
notification, or a batch of only notifications, gets ``204 No Content`` and an
empty body: the specification only says the server must not reply to a
notification, and 204 is this server's way of saying nothing over HTTP.
Problems with the HTTP request itself get an HTTP error status,
with a JSON-RPC error object (code -32600, id null) explaining it: 404 for
another path, 405 for a method other than POST, 413 for a body over 1 MB,
415 for a Content-Type other than JSON (``application/json``, or
``application/json-rpc`` or ``application/jsonrequest`` of older drafts; a
request with no Content-Type at all is read as JSON).

``save_observation`` stores the observation in this server's memory (see
``mock_servers.observations``: the same rules as every other style); each
server numbers its observations 1, 2, 3...

jsonrpcserver finds the method, checks the parameters against the
function's signature, calls it and shapes the response.  This module adds
what the library does not do as the specification asks: it validates each
member of a batch on its own (the library rejects a whole batch with one bad
member), explains in ``data`` why a request is invalid, and echoes its id
when the id itself is valid.

The methods, codes and messages are in ``jsonrpc_methods``; this module is the
protocol (requests, batches, notifications) and its HTTP side.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import warnings

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from mock_servers import http_server, languages, runner, spaces
from mock_servers.jsonrpc_methods import (  # noqa: F401  (the error codes are public names of jsonrpc)
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    MESSAGES_RU,
    METHOD_NOT_FOUND,
    NO_FORECAST,
    PARSE_ERROR,
    STORE_FULL,
    UNKNOWN_CITY,
    WeatherMethods,
    json_type,
    type_name,
)
from mock_servers.languages import current as current_language
from mock_servers.languages import say

with warnings.catch_warnings():
    # jsonrpcserver 5 reads its schema with an importlib.resources function
    # that Python 3.11 and 3.12 call deprecated; nothing a learner can act on.
    warnings.simplefilter("ignore", DeprecationWarning)
    from jsonrpcserver import dispatch_to_serializable

PATH = "/jsonrpc"
MAX_REQUEST_BYTES = 1024 * 1024
JSON_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")

# Python's texts when arguments do not fit a signature, and how they read in Russian.
ARGUMENT_PROBLEMS_RU = (
    (re.compile(r"missing a required argument: '(\w+)'"), "не хватает аргумента «{0}»"),
    (re.compile(r"too many positional arguments"), "лишние позиционные аргументы"),
    (re.compile(r"got an unexpected keyword argument '(.*)'"), "неизвестный аргумент «{0}»"),
)

# --------------------------------------------------------------------------
# JSON-RPC 2.0


def error(code: int, message: str, data=None, id=None) -> dict:
    if current_language() == "ru":
        message = MESSAGES_RU.get(code, message)
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
        return say(
            f"a request must be a JSON object, not {json_type(request)}",
            f"запрос должен быть объектом JSON, а не {type_name(request)}",
        )
    if request.get("jsonrpc") != "2.0":
        return say('a request must have "jsonrpc": "2.0"', 'в запросе должно быть "jsonrpc": "2.0"')
    if not isinstance(request.get("method"), str):
        return say(
            'a request must have a "method" that is a string',
            'в запросе должен быть "method" — строка',
        )
    if "params" in request and not isinstance(request["params"], (list, dict)):
        return say(
            '"params" must be an array or an object', '"params" должен быть массивом или объектом'
        )
    if "id" in request and not valid_id(request["id"]):
        return say(
            '"id" must be a string, a number or null', '"id" должен быть строкой, числом или null'
        )
    return None


def argument_problem_ru(message: str) -> str:
    """Python's words for arguments that do not fit a signature, in Russian."""
    for pattern, russian in ARGUMENT_PROBLEMS_RU:
        found = pattern.search(message)
        if found:
            return russian.format(*found.groups())
    return "аргументы не подходят к сигнатуре метода"


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

    def __init__(self, methods: dict, log: runner.RequestLog, language: str = "en") -> None:
        self.methods = methods
        self.log = log
        self.language = languages.checked(language)

    def handle(self, body: bytes, language: str | None = None):
        """The response (an object, or an array for a batch), or None to answer nothing.

        Messages for people are in ``language`` (default: the server's).
        """
        languages.answering_in(language or self.language)
        try:
            return self._handle(body)
        finally:
            languages.answering_in(self.language)

    def _handle(self, body: bytes):
        try:
            payload = json.loads(body.decode("utf-8"), parse_constant=reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as problem:
            self.log.record(f"(not JSON) → error {PARSE_ERROR}")
            detail = say(str(problem), "тело запроса — не JSON в кодировке UTF-8")
            return error(PARSE_ERROR, "Parse error", detail)
        if isinstance(payload, list) and payload:
            responses = [self.handle_one(request) for request in payload]
            return [response for response in responses if response is not None] or None
        if payload == []:
            self.log.record(f"(empty batch) → error {INVALID_REQUEST}")
            reason = say("a batch must not be empty", "пакет (batch) не должен быть пустым")
            return error(INVALID_REQUEST, "Invalid Request", reason)
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
            if current_language() == "ru" and code in MESSAGES_RU:
                response["error"]["message"] = MESSAGES_RU[code]
            if code == METHOD_NOT_FOUND:
                response["error"]["data"] = {
                    "method": request["method"],
                    "known_methods": list(self.methods),
                }
            elif code == INVALID_PARAMS and isinstance(response["error"].get("data"), str):
                # The library's own check of the parameters against the signature.
                method = request["method"]
                message = response["error"]["data"]
                if current_language() == "ru":
                    message = argument_problem_ru(message)
                response["error"]["data"] = {
                    "message": message,
                    "signature": f"{method}{inspect.signature(self.methods[method])}",
                }
            elif code == INTERNAL_ERROR:
                # jsonrpcserver sends the exception's text; that stays here.
                outcome += f" ({response['error'].pop('data', '')})"
                response["error"]["data"] = say(
                    "a bug in the weather server; see its log",
                    "ошибка в сервере погоды; подробности — в его журнале",
                )
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

    def refuse(request, status: int, reason: tuple[str, str], **headers) -> Response:
        rpc.log.record(f"{request.method} {request.path} → {status}")
        language = languages.pick(request.headers.get("Accept-Language"), rpc.language)
        languages.answering_in(language)
        try:
            answer = error(INVALID_REQUEST, "Invalid Request", languages.text(language, *reason))
        finally:
            languages.answering_in(rpc.language)
        return json_response(answer, status, **headers)

    @JsonRpcRequest.application
    def app(request: JsonRpcRequest) -> Response:
        # The learner's prefix (spaces.LearnerPrefix) chooses the store of observations.
        spaces.answering_for(spaces.learner_of(request.environ))
        if request.path != PATH:
            return refuse(
                request,
                404,
                (f"JSON-RPC requests go to {PATH}", f"запросы JSON-RPC принимает адрес {PATH}"),
            )
        if request.method != "POST":
            reason = (
                f"JSON-RPC requests are HTTP POST requests with a JSON body, not {request.method}",
                f"запрос JSON-RPC — это HTTP POST с телом JSON, а не {request.method}",
            )
            return refuse(request, 405, reason, Allow="POST")
        mimetype = request.mimetype
        if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
            reason = (
                f"send Content-Type: application/json, not {mimetype}",
                f"нужен Content-Type: application/json, а не {mimetype}",
            )
            return refuse(request, 415, reason)
        try:
            body = request.get_data()
        except RequestEntityTooLarge:
            reason = (
                f"requests are limited to {MAX_REQUEST_BYTES} bytes",
                f"запрос не может быть больше {MAX_REQUEST_BYTES} байт",
            )
            return refuse(request, 413, reason)
        language = languages.pick(request.headers.get("Accept-Language"), rpc.language)
        answer = rpc.handle(body, language)
        if answer is None:
            nothing = Response(status=204)
            nothing.headers.remove("Content-Type")  # there is no body to have a type
            return nothing
        response = json_response(answer)
        answers = answer if isinstance(answer, list) else [answer]
        if "Accept-Language" in request.headers and any("error" in one for one in answers):
            # Only error messages are written for people, and the header is
            # said when the client asked; a POST's answer needs no Vary.
            response.headers["Content-Language"] = language
        return response

    return app


def start(
    host: str = "127.0.0.1", port: int = 0, *, language: str = "en", own: bool = False
) -> runner.RunningServer:
    """Start the JSON-RPC weather service; ``.url`` is its endpoint, ending in /jsonrpc.

    ``language`` ("en" or "ru"): the messages' language when a request's
    Accept-Language asks for neither.  ``server.observations`` is the
    server's ``observations.Store``; ``server.spaces`` holds it and each
    learner's (``/learners/<name>/jsonrpc``, see ``mock_servers.spaces``).

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``); ``own=True`` always starts one here.
    """
    languages.checked(language)
    shared = spaces.room_server("jsonrpc", language, host, port, own)
    if shared is not None:
        return shared
    learner_spaces = spaces.Spaces()

    def backend(sock, log):
        rpc = JsonRpc(WeatherMethods(learner_spaces).table(), log, language)
        # No log for the HTTP lines: JsonRpc records one line per call instead.
        app = spaces.LearnerPrefix(create_app(rpc))
        return http_server.wsgi_backend(app, sock)

    server = runner.start_on_socket("jsonrpc", host, port, backend, path=PATH)
    server.observations = learner_spaces.default  # what save_observation stored
    server.spaces = learner_spaces  # and what it stored under learners' prefixes
    return server
