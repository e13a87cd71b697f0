"""The weather service over XML-RPC (Python's standard library).

XML-RPC (1998) calls a function on another machine: the client POSTs an XML
``<methodCall>`` -- a method name and a list of typed parameters -- to one
URL, ``/RPC2``, and gets back an XML ``<methodResponse>`` holding either one
value or a ``<fault>``.  Its types: int, double, boolean, string,
dateTime.iso8601, base64, array and struct (a dict with string keys); there is
no null.  Python's ``xmlrpc.client.ServerProxy`` turns all this into ordinary
method calls::

    import xmlrpc.client
    from mock_servers import xmlrpc as weather_xmlrpc

    server = weather_xmlrpc.start()        # server.url is http://127.0.0.1:PORT/RPC2
    weather = xmlrpc.client.ServerProxy(server.url)
    weather.get_forecast("moscow", "2026-06-01")   # {'city': 'moscow', ...}

Methods
-------
=====================================================  =================================
``get_forecast(city, date)``                           a forecast (struct)
``list_cities()``                                      every city (array of structs)
``get_week(city)``                                     the 7 forecasts of a city
``save_observation(city, date, temperature[, note])``  the new observation's id
``system.listMethods()``                               the method names
``system.methodHelp(name)``                            a method's documentation
``system.methodSignature(name)``                       its types: [[returns, params...]]
``system.multicall([{methodName, params}, ...])``      several calls in one request
=====================================================  =================================

Faults
------
A call that fails answers a fault, which ``ServerProxy`` raises as
``xmlrpc.client.Fault`` with ``faultCode`` and ``faultString``.  The weather
service's own errors use HTTP-like codes.  The XML-RPC specification itself
defines no fault codes at all; for errors in the call itself this server uses
the numbers of an informal convention, Dan Libby's "Specification for Fault
Code Interoperability" (2001), which many XML-RPC libraries follow and which
JSON-RPC 2.0 later reused.

======  ==============================================================
code    meaning
======  ==============================================================
400     bad parameters: wrong number or type, a date not in YYYY-MM-DD
        form, a temperature out of range
404     unknown city, or no forecast for that date
507     the server stores no more observations (its limit is reached)
-32700  parse error: not well-formed XML, or XML with a DTD or entities
-32600  well-formed XML, but not an XML-RPC ``<methodCall>``
-32601  no such method
-32603  internal error (a bug in this server)
======  ==============================================================

Requests over 1 MB, and requests without a Content-Length, are refused at the
HTTP level (413, 411) before any XML is read.  The XML is parsed with
defusedxml's parser, which refuses DTDs and entities, so hostile documents
("billion laughs", external entities) cannot harm the server.  The
Content-Type is not checked (clients send ``text/xml``, as the specification
says); answers are ``text/xml``, UTF-8, never gzipped, so a tap on the wire
shows readable XML.  Each call (each inner call of a multicall, too) adds one
line to ``server.log``.

Fault strings, forecasts' descriptions, ``system.methodHelp`` texts and the
HTTP refusals are in English, or in Russian when the request's
``Accept-Language`` prefers it (``start(language="ru")`` makes Russian the
default); fault codes never change.  ``save_observation`` stores what it is
given in the server's memory, by the rules every style shares
(``mock_servers.observations``).

The methods and their faults are in ``xmlrpc_methods``; this module is the
server: parsing, dispatch, multicall, introspection and HTTP.
"""

from __future__ import annotations

import inspect
import reprlib
import xmlrpc.client
from xml.parsers.expat import ExpatError
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from defusedxml.common import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser

from mock_servers import http_server, languages, observations, runner, socket_server, spaces
from mock_servers.languages import BYTES, BYTES_RU, say
from mock_servers.xmlrpc_methods import (  # noqa: F401  (the fault codes are public names of xmlrpc)
    BAD_PARAMS,
    HELP_RU,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    NOT_FOUND,
    PARSE_ERROR,
    STORE_FULL,
    WeatherService,
    text,
)

PATH = "/RPC2"
MAX_REQUEST_BYTES = 1024 * 1024
# A refused body up to this size is read and dropped, so the client can read
# the answer instead of finding its connection reset while still sending.
MAX_DISCARD_BYTES = 16 * MAX_REQUEST_BYTES

# --------------------------------------------------------------------------
# The server


def parse_call(data: bytes) -> tuple[tuple, str]:
    """(params, method name) of a <methodCall>; refuses DTDs and entities.

    This is ``xmlrpc.client.loads`` with defusedxml's parser, for this server
    only: ``defusedxml.xmlrpc.monkey_patch()`` would change every XML-RPC
    client and server in the process.
    """
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(unmarshaller, forbid_dtd=True)
    parser.feed(data)
    parser.close()
    return unmarshaller.close(), unmarshaller.getmethodname()


SHORT = reprlib.Repr()  # a repr that stops at a depth and a length, whatever it gets
SHORT.maxlevel, SHORT.maxstring, SHORT.maxother = 3, 40, 40


def short(params) -> str:
    shown = ", ".join(SHORT.repr(param) for param in params)
    return shown if len(shown) <= 60 else shown[:57] + "..."


class Server(http_server.HttpServerMixin, SimpleXMLRPCServer):
    """SimpleXMLRPCServer on an already listening socket, with weather methods."""

    def __init__(
        self,
        sock,
        log: runner.RequestLog,
        language: str = "en",
        store: observations.Store | spaces.Spaces | None = None,
    ) -> None:
        self.language = languages.checked(language)
        super().__init__(
            sock.getsockname()[:2],
            requestHandler=RequestHandler,
            logRequests=False,
            allow_none=False,  # standard XML-RPC has no null
            encoding="utf-8",
            bind_and_activate=False,
        )
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()
        self.log = log
        service = WeatherService(store)
        self.signatures = {
            **service.signatures,
            "system.listMethods": [["array"]],
            "system.methodHelp": [["string", "string"]],
            "system.methodSignature": [["array", "string"]],
            "system.multicall": [["array", "array"]],
        }
        for name in service.signatures:
            self.register_function(getattr(service, name), name)
        self.register_introspection_functions()
        self.register_multicall_functions()

    def _marshaled_dispatch(self, data, dispatch_method=None, path=None):
        # A learner's prefix (/learners/<name>/RPC2) chooses the store of observations.
        spaces.answering_for(spaces.split(path or PATH)[0])
        try:
            params, method = parse_call(data)
            if method is None:
                raise ValueError("no <methodCall> with a <methodName>")
        except DefusedXmlException:
            fault = xmlrpc.client.Fault(
                PARSE_ERROR,
                say(
                    "parse error: XML-RPC has no use for a DTD or entities; refused",
                    "ошибка разбора: в XML-RPC не нужны DTD и сущности (entities); отказано",
                ),
            )
            self.log.record(f"(hostile XML) → Fault {PARSE_ERROR}")
        except ExpatError as error:
            fault = xmlrpc.client.Fault(
                PARSE_ERROR,
                say(
                    f"parse error: {error}",
                    f"ошибка разбора: XML построен неправильно (строка {error.lineno}, "
                    f"позиция {error.offset})",
                ),
            )
            self.log.record(f"(unreadable request) → Fault {PARSE_ERROR}")
        except Exception as error:
            # ResponseError, Fault (a <methodResponse> sent as a request), bad values
            detail = str(error) or type(error).__name__
            fault = xmlrpc.client.Fault(
                INVALID_REQUEST,
                say(
                    f"not an XML-RPC methodCall: {detail}",
                    "это не вызов XML-RPC (methodCall)",
                ),
            )
            self.log.record(f"(invalid request) → Fault {INVALID_REQUEST}")
        else:
            try:
                result = self._dispatch(method, params)
                response = xmlrpc.client.dumps(
                    (result,), methodresponse=True, encoding=self.encoding
                )
                return response.encode(self.encoding, "xmlcharrefreplace")
            except xmlrpc.client.Fault as error:
                fault = error
            except Exception:
                fault = xmlrpc.client.Fault(
                    INTERNAL_ERROR,
                    say(
                        "internal error: cannot send the result",
                        "внутренняя ошибка: результат не удаётся отправить",
                    ),
                )
        return xmlrpc.client.dumps(fault, encoding=self.encoding).encode(
            self.encoding, "xmlcharrefreplace"
        )

    def _dispatch(self, method, params):
        """Call a method; every failure becomes a Fault, and each call one log line."""
        line = f"{method}({short(params)})"
        try:
            result = self._call(method, params)
        except xmlrpc.client.Fault as fault:
            self.log.record(f"{line} → Fault {fault.faultCode}")
            raise
        except Exception as error:
            self.log.record(f"{line} → Fault {INTERNAL_ERROR} ({type(error).__name__}: {error})")
            raise xmlrpc.client.Fault(
                INTERNAL_ERROR,
                say(
                    "internal error: a bug in the weather server; see its log",
                    "внутренняя ошибка в сервере погоды; подробности — в его журнале",
                ),
            ) from None
        self.log.record(f"{line} → ok")
        return result

    def _call(self, method, params):
        function = self.funcs.get(method) if isinstance(method, str) else None
        if function is None:
            raise xmlrpc.client.Fault(
                METHOD_NOT_FOUND,
                say(
                    f"no method {method!r}; system.listMethods() lists them",
                    f"метода «{method}» нет; список методов — system.listMethods()",
                ),
            )
        try:
            inspect.signature(function).bind(*params)
        except TypeError:
            raise xmlrpc.client.Fault(
                BAD_PARAMS, wrong_arguments(method, function, params)
            ) from None
        return function(*params)

    def system_multicall(self, call_list):
        """system.multicall([{"methodName": name, "params": [...]}, ...]) -> array

        Several calls in one request. Each result is a one-element array
        [value], or a struct {faultCode, faultString} for a call that failed;
        one failed call does not stop the others.
        """
        if not isinstance(call_list, list):
            raise xmlrpc.client.Fault(
                BAD_PARAMS,
                say(
                    "system.multicall takes an array of calls",
                    "system.multicall принимает массив вызовов",
                ),
            )
        results = []
        for call in call_list:
            try:
                if not (
                    isinstance(call, dict)
                    and isinstance(call.get("methodName"), str)
                    and isinstance(call.get("params", []), list)
                ):
                    raise xmlrpc.client.Fault(
                        BAD_PARAMS,
                        say(
                            "each call is a struct {methodName: string, params: array}",
                            "каждый вызов — структура {methodName: string, params: array}",
                        ),
                    )
                if call["methodName"] == "system.multicall":
                    raise xmlrpc.client.Fault(
                        BAD_PARAMS,
                        say(
                            "system.multicall cannot be nested",
                            "system.multicall нельзя вкладывать в себя",
                        ),
                    )
                results.append([self._dispatch(call["methodName"], call.get("params", []))])
            except xmlrpc.client.Fault as fault:
                results.append({"faultCode": fault.faultCode, "faultString": fault.faultString})
        return results

    def system_methodSignature(self, method_name):
        """system.methodSignature(name) -> array of arrays

        The types a method takes and returns: one array per way to call it,
        the return type first, e.g. [["struct", "string", "string"]].
        """
        text("method_name", method_name)
        if method_name not in self.funcs:
            raise xmlrpc.client.Fault(
                METHOD_NOT_FOUND, say(f"no method {method_name!r}", f"метода «{method_name}» нет")
            )
        return self.signatures[method_name]

    def system_methodHelp(self, method_name):
        """system.methodHelp(name) -> string

        The documentation of a method, in Russian when the request prefers it.
        """
        text("method_name", method_name)
        if languages.current() == "ru" and method_name in HELP_RU:
            return HELP_RU[method_name]
        return super().system_methodHelp(method_name)


def wrong_arguments(method: str, function, params) -> str:
    parameters = inspect.signature(function).parameters.values()
    names = ", ".join(parameter.name for parameter in parameters)
    least = sum(parameter.default is inspect.Parameter.empty for parameter in parameters)
    most = len(parameters)
    takes = f"{least}" if least == most else f"{least} to {most}"
    return say(
        f"{method} takes {takes} parameter(s) ({names}), not {len(params)}",
        f"{method} принимает параметров: {takes} ({names}), а не {len(params)}",
    )


class RequestHandler(http_server.RequestChecks, SimpleXMLRPCRequestHandler):
    rpc_paths = (PATH,)
    protocol_version = "HTTP/1.1"  # keep-alive: a client reuses its connection
    encode_threshold = None  # never gzip the answer, so the wire shows readable XML

    def is_rpc_path_valid(self) -> bool:
        # /RPC2, or /learners/<name>/RPC2 for a learner's own space.
        return spaces.split(self.path)[1] in self.rpc_paths

    def version_string(self) -> str:
        # A fixed name, so a stored lesson output is the same on every Python.
        return "WeatherMock/1.0"

    def do_POST(self):
        # Whose space the request is for (its log lines and its store), and
        # faults and descriptions in the language the request prefers; each
        # connection has its own thread, so both are kept per thread.
        spaces.answering_for(spaces.split(self.path)[0])
        languages.answering_in(
            languages.pick(self.headers.get("Accept-Language"), self.server.language)
        )
        if not self.is_rpc_path_valid():
            self.refuse(
                404,
                say(
                    f"Not Found: XML-RPC calls go to {PATH}",
                    f"Не найдено: вызовы XML-RPC принимает адрес {PATH}",
                ),
            )
            return
        try:
            size = int(self.headers.get("Content-Length", ""))
            if size < 0:
                raise ValueError
        except ValueError:
            self.refuse(
                411,
                say(
                    "Length Required: send the size of the XML in Content-Length",
                    "Нужна длина (Length Required): укажите размер XML в Content-Length",
                ),
            )
            return
        if size > MAX_REQUEST_BYTES:
            if size <= MAX_DISCARD_BYTES:
                self.discard(size)
            self.refuse(
                413,
                say(
                    f"Content Too Large: requests are limited to {MAX_REQUEST_BYTES} bytes",
                    "Слишком большой запрос (Content Too Large): предел — "
                    + languages.count(MAX_REQUEST_BYTES, "ru", BYTES, BYTES_RU),
                ),
            )
            return
        super().do_POST()

    def do_GET(self):
        language = languages.pick(self.headers.get("Accept-Language"), self.server.language)
        message = languages.text(
            language,
            f"Method Not Allowed: XML-RPC calls are HTTP POST requests of XML to {PATH}",
            f"Метод не разрешён (Method Not Allowed): вызов XML-RPC — это HTTP POST "
            f"с XML по адресу {PATH}",
        )
        # A 405 may be cached (RFC 9110 §15.5.6), and its words follow Accept-Language.
        self.refuse(405, message, Allow="POST", Vary="Accept-Language")

    def decode_request_content(self, data):
        if self.headers.get("Content-Encoding", "identity").lower() == "gzip":
            try:
                return xmlrpc.client.gzip_decode(data, max_decode=MAX_REQUEST_BYTES)
            except ValueError:
                self.refuse(
                    400,
                    say(
                        "Bad Request: the gzip body is broken or too large",
                        "Неверный запрос: тело в gzip повреждено или слишком велико",
                    ),
                )
                return None
        return super().decode_request_content(data)

    def discard(self, size: int) -> None:
        while size > 0:
            chunk = self.rfile.read(min(size, 65536))
            if not chunk:
                break
            size -= len(chunk)

    def refuse(self, status: int, message: str, **headers) -> None:
        """Answer an HTTP error with a plain text reason, and close the connection."""
        body = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
        self.server.log.record(f"{self.command} {self.path} → {status}")

    def parse_request(self) -> bool:
        if super().parse_request():
            return True
        # http.server (or RequestChecks) has answered an unreadable request; say so in the log.
        shown = f"{self.command} {self.path}" if self.command else "(unreadable request line)"
        self.server.log.record(f"{shown} → {getattr(self, 'refused_with', 400)}")
        return False

    def send_response(self, code, message=None):
        self.refused_with = code
        super().send_response(code, message)

    def log_message(self, format, *args):
        pass  # the RequestLog has a line per call instead of stderr


def start(
    host: str = "127.0.0.1", port: int = 0, *, language: str = "en", own: bool = False
) -> runner.RunningServer:
    """Start the XML-RPC weather service; ``.url`` is its endpoint, ending in /RPC2.

    Fault strings are in ``language`` ("en" or "ru") unless the request's
    Accept-Language prefers the other.  ``server.observations`` is the
    server's ``observations.Store``; ``server.spaces`` holds it and each
    learner's (``/learners/<name>/RPC2``, see ``mock_servers.spaces``).

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``); ``own=True`` always starts one here.
    """
    languages.checked(language)
    shared = spaces.room_server("xmlrpc", language, host, port, own)
    if shared is not None:
        return shared
    learner_spaces = spaces.Spaces()
    server = runner.start_on_socket(
        "xmlrpc",
        host,
        port,
        lambda sock, log: socket_server.SocketServerBackend(
            Server(sock, log, language, learner_spaces)
        ),
        path=PATH,
    )
    server.observations = learner_spaces.default  # what save_observation stored
    server.spaces = learner_spaces  # and what it stored under learners' prefixes
    return server
