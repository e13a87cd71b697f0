"""The weather service over SOAP 1.1: a contract-first mock server.

The contract is ``weather.wsdl`` (next to this file): WSDL 1.1 with its XML
Schema embedded, document/literal wrapped style.  The server reads it at import
and serves it at ``<endpoint>?wsdl``; nothing about the messages is written
twice.  Requests are decoded and responses encoded by ``xmlschema`` from that
schema, validated both ways; ``lxml`` builds the envelope around them.

Operations (namespace ``urn:weather-course:weather``, prefix ``w``)::

    GetForecast(city, date)              -> forecast: Forecast
    ListCities()                         -> city: City, repeated
    GetWeek(city)                        -> week: Week (7 Forecast elements)
    SaveObservation(city, date, temperature, note?) -> id
        the only operation that changes state: stores the observation in
        this server's memory (``mock_servers.observations``, the rules every
        style shares) and numbers it 1, 2, 3...; a full store answers a
        ``soap:Server`` fault with code STORE_FULL

Each request is an HTTP POST to the endpoint with ``Content-Type: text/xml``
and a ``SOAPAction`` header naming the operation, for example
``"urn:weather-course:weather/GetForecast"``.  Dates are ``YYYY-MM-DD`` and
must fall in the service's week (2026-06-01 to 2026-06-07).

Errors are SOAP 1.1 faults: HTTP 500, one ``soap:Fault`` in the Body with a
``faultcode`` (``soap:Client`` when the request is at fault, ``soap:Server``
when the server is), a ``faultstring`` for people and a ``detail`` for
programs::

    <detail>
      <w:WeatherFault>
        <w:code>UNKNOWN_CITY</w:code>
        <w:message>unknown city 'atlantis'; ListCities gives the known ones</w:message>
      </w:WeatherFault>
    </detail>

The codes are listed in the schema (``FaultCode``).  ``faultstring`` and the
detail's ``message`` are in English, or in Russian when the request's
``Accept-Language`` prefers it (``start(language="ru")`` makes Russian the
default); the codes never change.  This is SOAP 1.1 (the WSDL binds to it):
a fault travels with HTTP 500, and the request names its operation in the
``SOAPAction`` header.  SOAP 1.2 would use ``application/soap+xml`` with an
``action`` parameter instead, ``env:Sender``/``env:Receiver`` fault codes,
``Reason/Text`` with ``xml:lang``, and HTTP 400 for a sender's fault.  Hostile or broken
messages get a ``soap:Client`` fault too, and the server goes on serving:

* a DOCTYPE (and so any entity, external or exploding) is refused before
  parsing, since a SOAP message must not contain one (SOAP 1.1, section 3);
  the parser would neither load nor expand entities anyway;
* elements nested more than 100 deep, processing instructions, XML that is
  not well formed, a body that is not a SOAP 1.1 envelope;
* a body over 1 MB: SOAP 1.1 (section 6.2) answers every failed request with
  HTTP 500 and a fault, so this is a fault too (code TOO_LARGE) rather than an
  HTTP 413; it is decided from Content-Length, before the body is read;
* a Content-Type other than text/xml, a missing or wrong SOAPAction.

A GET of the endpoint without ``?wsdl`` is not a SOAP request at all, so it
gets a plain HTTP 405 (``Allow: POST``) that points to ``?wsdl``, in the
language of ``Accept-Language``.  A forecast's ``description`` is in that
language too.  The server
never sends a Python traceback: anything unexpected becomes a ``soap:Server``
fault with a generic message.

This module holds the operations and the HTTP side; the contract, faults and
the safe reading and writing of envelopes are in ``soap_envelope``.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import xmlschema
from werkzeug.wrappers import Request, Response

from mock_servers import http_server, languages, observations, runner, spaces, weather
from mock_servers.soap_envelope import (  # noqa: F401  (public names of soap)
    CONTENT_TYPE,
    MAX_BODY,
    MAX_DEPTH,
    NO_DOCTYPE,
    NS,
    NSMAP,
    OPERATIONS,
    PATH,
    SCHEMA,
    SOAP12_ENV,
    SOAP_ENV,
    WSDL_ADDRESS,
    WSDL_FILE,
    WSDL_TEXT,
    Fault,
    Operation,
    _short,
    _short_ru,
    _week_text,
    body_element,
    decode,
    encode,
    envelope,
    fault_envelope,
    find_operation,
    parse_xml,
)

# --------------------------------------------------------------------------
# The operations: plain Python data in, plain Python data out


def _city(city_id: str) -> dict:
    try:
        return weather.city(city_id)
    except weather.UnknownCity:
        raise Fault(
            "UNKNOWN_CITY",
            (
                f"unknown city {_short(city_id)}; ListCities gives the known ones",
                f"неизвестный город {_short_ru(city_id)}; известные города перечисляет ListCities",
            ),
        ) from None


def _forecast(city_id: str, date: str) -> dict:
    _city(city_id)
    try:
        return weather.forecast(city_id, date, languages.current())
    except weather.NoForecast:
        raise Fault(
            "DATE_OUT_OF_RANGE",
            (
                f"no forecast for {_short(date)}: {_week_text()}",
                f"прогноза на {_short_ru(date)} нет: неделя прогноза — "
                f"с {weather.DATES[0]} по {weather.DATES[-1]}",
            ),
        ) from None
    except ValueError:
        raise Fault(
            "INVALID_DATE",
            (
                f"{_short(date)} is not a date in YYYY-MM-DD form",
                f"{_short_ru(date)} — не дата вида ГГГГ-ММ-ДД",
            ),
        ) from None


def get_forecast(request: dict, state: ServiceState) -> dict:
    return {"forecast": _forecast(request["city"], request["date"])}


def list_cities(request: dict | None, state: ServiceState) -> dict:
    return {"city": weather.cities()}


def get_week(request: dict, state: ServiceState) -> dict:
    _city(request["city"])
    return {"week": {"forecast": weather.week(request["city"], languages.current())}}


# How a broken rule of observations.py reads as this contract's fault code.
OBSERVATION_FAULTS = {
    "unknown-city": "UNKNOWN_CITY",
    "not-a-date": "INVALID_DATE",
    "date-out-of-range": "DATE_OUT_OF_RANGE",
}


def save_observation(request: dict, state: ServiceState) -> dict:
    fields = dict(request)
    # xs:decimal arrives as a Decimal; the rules (and the store) take numbers.
    fields["temperature"] = float(fields["temperature"])
    try:
        return {"id": state.save(observations.validate(fields))}
    except observations.Full as full:
        raise Fault("STORE_FULL", (full.message("en"), full.message("ru")), "Server") from None
    except observations.Invalid as invalid:
        mistake = invalid.mistakes[0]
        code = OBSERVATION_FAULTS.get(mistake.code, "INVALID_REQUEST")
        message = (
            f"{mistake.field}: {mistake.message('en')}",
            f"{mistake.field}: {mistake.message('ru')}",
        )
        raise Fault(code, message) from None


HANDLERS = {
    "GetForecast": get_forecast,
    "ListCities": list_cities,
    "GetWeek": get_week,
    "SaveObservation": save_observation,
}
if set(HANDLERS) != {operation.name for operation in OPERATIONS.values()}:
    raise RuntimeError("the operations in weather.wsdl and HANDLERS differ")


class ServiceState:
    """What one server instance remembers: the observations saved to it, in
    its default store and in each learner's (``spaces.Spaces``; the store is
    an ``observations.Store``, the same as every other style's)."""

    def __init__(self) -> None:
        self.spaces = spaces.Spaces()
        self.store = self.spaces.default

    @property
    def observations(self) -> list[dict]:
        return self.store.list()

    def save(self, fields: dict) -> int:
        """Store ``fields`` in the space of the request being answered; the new id."""
        return self.spaces.current().add(fields)["id"]


# --------------------------------------------------------------------------
# The WSGI application


class SoapApp:
    """The SOAP endpoint as a WSGI application; one instance per server."""

    def __init__(
        self,
        log: runner.RequestLog | None = None,
        language: str = "en",
        state: ServiceState | None = None,
    ) -> None:
        self.log = log if log is not None else runner.RequestLog()
        self.state = state if state is not None else ServiceState()
        self.language = languages.checked(language)

    def __call__(self, environ, start_response):
        request = Request(environ)
        # The learner's prefix (spaces.LearnerPrefix) chooses the store.
        spaces.answering_for(spaces.learner_of(environ))
        try:
            response = self.dispatch(request)
        except Exception:
            # Whatever went wrong stays here; the client learns only that it did.
            fault = Fault(
                "INTERNAL_ERROR",
                (
                    "the server failed to handle the request",
                    "сервер не смог обработать запрос",
                ),
                "Server",
            )
            response = self.fault(f"{request.method} {request.path}", fault, request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path != PATH:
            self.log.record(f"{request.method} {request.path} → 404")
            return Response(f"Not found; the SOAP endpoint is {PATH}\n", 404)
        if request.method in ("GET", "HEAD"):
            if any(key.lower() == "wsdl" for key in request.args):
                self.log.record(f"{request.method} ?wsdl → 200")
                return Response(self.wsdl(request.base_url), 200, content_type=CONTENT_TYPE)
        if request.method != "POST":
            self.log.record(f"{request.method} {PATH} → 405")
            language = self.language_of(request)
            text = languages.text(
                language,
                f"This is a SOAP 1.1 endpoint: POST an envelope, or GET {PATH}?wsdl\n",
                f"Это адрес службы SOAP 1.1: отправьте конверт (envelope) методом POST "
                f"или получите описание запросом GET {PATH}?wsdl\n",
            )
            # A 405 may be cached (RFC 9110 §15.5.6), and its words follow Accept-Language.
            headers = {"Allow": "POST", "Content-Language": language, "Vary": "Accept-Language"}
            return Response(text, 405, headers=headers)
        return self.call(request)

    def call(self, request: Request) -> Response:
        """Answer one SOAP request: the operation's response or a fault."""
        name = f"POST {PATH}"
        try:
            soap_action = self.check_headers(request)
            element = body_element(parse_xml(self.read_body(request)))
            operation = find_operation(element, soap_action)
            name = operation.name
            # A forecast's description is in the language the request prefers.
            languages.answering_in(self.language_of(request))
            result = HANDLERS[name](decode(operation, element), self.state)
        except Fault as fault:
            return self.fault(name, fault, request)
        try:
            content = encode(operation.response.local_name, result)
        except xmlschema.XMLSchemaValidationError:
            fault = Fault(
                "INTERNAL_ERROR",
                (
                    "the server built a response its schema forbids",
                    "сервер построил ответ, который запрещает его схема",
                ),
                "Server",
            )
            return self.fault(name, fault, request)
        self.log.record(f"{name} → 200")
        response = Response(envelope(content), 200, content_type=CONTENT_TYPE)
        if "Accept-Language" in request.headers:
            # Said when the client asked, as with faults; a POST's answer needs no Vary.
            response.headers["Content-Language"] = self.language_of(request)
        return response

    def language_of(self, request: Request) -> str:
        """The language the request's Accept-Language prefers, else the server's."""
        return languages.pick(request.headers.get("Accept-Language"), self.language)

    def check_headers(self, request: Request) -> str:
        """The SOAPAction, once Content-Type and SOAPAction look like SOAP 1.1."""
        if request.mimetype != "text/xml":
            soap12 = request.mimetype == "application/soap+xml"
            hint = " (that is SOAP 1.2)" if soap12 else ""
            hint_ru = " (это SOAP 1.2)" if soap12 else ""
            raise Fault(
                "WRONG_CONTENT_TYPE",
                (
                    f"Content-Type must be text/xml for SOAP 1.1, "
                    f"not {_short(request.mimetype)}{hint}",
                    f"для SOAP 1.1 Content-Type должен быть text/xml, "
                    f"а не {_short_ru(request.mimetype)}{hint_ru}",
                ),
            )
        soap_action = request.headers.get("SOAPAction")
        if soap_action is None:
            raise Fault(
                "WRONG_SOAP_ACTION",
                ("the SOAPAction header is missing", "нет заголовка SOAPAction"),
            )
        return soap_action.strip().strip('"')

    def read_body(self, request: Request) -> bytes:
        too_large = Fault(
            "TOO_LARGE",
            (
                f"the request body is over {MAX_BODY} bytes",
                f"тело запроса больше {MAX_BODY} байт",
            ),
        )
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise too_large  # werkzeug's server discards the unread rest
        body = bytearray()
        while len(body) <= MAX_BODY:
            chunk = request.stream.read(MAX_BODY + 1 - len(body))
            if not chunk:
                break
            body += chunk
        if len(body) > MAX_BODY:
            raise too_large
        return bytes(body)

    def fault(self, name: str, fault: Fault, request: Request) -> Response:
        """A fault in the language the request's Accept-Language prefers."""
        self.log.record(f"{name} → {fault.faultcode} fault ({fault.code})")
        language = self.language_of(request)
        response = Response(fault_envelope(fault, language), 500, content_type=CONTENT_TYPE)
        if "Accept-Language" in request.headers:
            # Said when the client asked; a POST's answer needs no Vary.
            response.headers["Content-Language"] = language
        return response

    def wsdl(self, address: str) -> bytes:
        """The WSDL file, with this server's address in soap:address."""
        return WSDL_TEXT.replace(WSDL_ADDRESS, f"location={quoteattr(address)}").encode()


def start(
    host: str = "127.0.0.1", port: int = 0, *, language: str = "en", own: bool = False
) -> runner.RunningServer:
    """Start the SOAP server; its endpoint is ``server.url``, the WSDL ``server.url + "?wsdl"``.

    Faults are in ``language`` ("en" or "ru") unless the request's
    Accept-Language prefers the other.  ``server.observations`` is the
    server's ``observations.Store``; ``server.spaces`` holds it and each
    learner's (``/learners/<name>/soap``, see ``mock_servers.spaces``).

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``); ``own=True`` always starts one here.
    """
    languages.checked(language)
    shared = spaces.room_server("soap", language, host, port, own)
    if shared is not None:
        return shared

    state = ServiceState()

    def make_backend(sock, log):
        # The app records one line per call in the server's log; werkzeug's
        # own "POST /soap → 200" line would only repeat it, so it gets no log.
        app = spaces.LearnerPrefix(SoapApp(log, language, state))
        return http_server.wsgi_backend(app, sock)

    server = runner.start_on_socket("soap", host, port, make_backend, path=PATH)
    server.observations = state.store  # what SaveObservation stored
    server.spaces = state.spaces  # and what it stored under learners' prefixes
    return server
