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
gets a plain HTTP 405 (``Allow: POST``) that points to ``?wsdl``.  The server
never sends a Python traceback: anything unexpected becomes a ``soap:Server``
fault with a generic message.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import quoteattr

import xmlschema
from lxml import etree
from werkzeug.wrappers import Request, Response
from xmlschema.extras.wsdl import Wsdl11Document

from mock_servers import http_server, languages, observations, runner, weather

PATH = "/soap"
WSDL_FILE = Path(__file__).with_name("weather.wsdl")

NS = "urn:weather-course:weather"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
NSMAP = {"soap": SOAP_ENV, "w": NS}

MAX_BODY = 1024 * 1024  # bytes
MAX_DEPTH = 100  # element nesting; a real request is 4 deep
CONTENT_TYPE = "text/xml; charset=utf-8"

# The byte patterns of "<!DOCTYPE" in UTF-8 (and ASCII-compatible encodings)
# and in UTF-16, the encodings a SOAP receiver must accept.
_DOCTYPE_MARKERS = tuple(
    "<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


# --------------------------------------------------------------------------
# The contract, read once from the WSDL


class Operation:
    """One operation of the WSDL binding: its name, SOAPAction and elements."""

    def __init__(self, wsdl_operation) -> None:
        self.name = wsdl_operation.local_name
        self.soap_action = wsdl_operation.soap_action
        self.request = wsdl_operation.input.message.parts["parameters"]
        self.response = wsdl_operation.output.message.parts["parameters"]


def _read_contract():
    wsdl = Wsdl11Document(str(WSDL_FILE))  # also validates it against WSDL 1.1
    (binding,) = wsdl.bindings.values()
    operations = {}
    for wsdl_operation in binding.operations.values():
        operation = Operation(wsdl_operation)
        operations[operation.request.name] = operation  # keyed by body element
    schema = wsdl.schema.maps.elements[f"{{{NS}}}WeatherFault"].schema
    return schema, operations


SCHEMA, OPERATIONS = _read_contract()

# Served as written, comments and layout included; only the address changes.
WSDL_TEXT = WSDL_FILE.read_text(encoding="utf-8")
WSDL_ADDRESS = 'location="http://127.0.0.1:8000/soap"'
if WSDL_TEXT.count(WSDL_ADDRESS) != 1:
    raise RuntimeError(f"weather.wsdl must hold {WSDL_ADDRESS} once, in soap:address")


# --------------------------------------------------------------------------
# Faults


class Fault(Exception):
    """A SOAP fault to send back; ``code`` is one of the schema's FaultCode values.

    ``message`` is an ``(English, Russian)`` pair; ``text(language)`` picks one.
    """

    def __init__(self, code: str, message: tuple[str, str], faultcode: str = "Client") -> None:
        super().__init__(message[0])
        self.code = code
        self.messages = message
        self.message = message[0]
        self.faultcode = faultcode

    def text(self, language: str) -> str:
        return languages.text(language, *self.messages)


def _short(text: object, limit: int = 60) -> str:
    """A client's value, cut short, for quoting in a fault message."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _short_ru(text: object, limit: int = 60) -> str:
    """The same, in Russian quotes."""
    text = str(text)
    return f"«{text if len(text) <= limit else text[:limit] + '…'}»"


NO_DOCTYPE = (
    "a SOAP message must not contain a DOCTYPE",
    "в сообщении SOAP не должно быть DOCTYPE",
)


def _week_text() -> str:
    return f"the week runs from {weather.DATES[0]} to {weather.DATES[-1]}"


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
        return weather.forecast(city_id, date)
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
    return {"week": {"forecast": weather.week(request["city"])}}


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
    """What one server instance remembers: the observations saved to it
    (an ``observations.Store``, the same as every other style's)."""

    def __init__(self) -> None:
        self.store = observations.Store()

    @property
    def observations(self) -> list[dict]:
        return self.store.list()

    def save(self, fields: dict) -> int:
        return self.store.add(fields)["id"]


# --------------------------------------------------------------------------
# Reading a request


def parse_xml(body: bytes) -> etree._Element:
    """Parse a request body, refusing what a SOAP message must not contain."""
    if any(marker in body for marker in _DOCTYPE_MARKERS):
        raise Fault("FORBIDDEN_XML", NO_DOCTYPE)
    # Parsed as a stream of events, so that a deep document is refused as soon
    # as it gets too deep.  The options keep entities unloaded and unexpanded,
    # a second wall behind the DOCTYPE check.
    events = etree.iterparse(
        io.BytesIO(body),
        events=("start", "end", "pi"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,  # they mean nothing in SOAP, and the schema would see them
    )
    depth = 0
    try:
        for event, _element in events:
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise Fault(
                        "FORBIDDEN_XML",
                        (
                            f"elements nested more than {MAX_DEPTH} deep",
                            f"элементы вложены глубже {MAX_DEPTH} уровней",
                        ),
                    )
            elif event == "end":
                depth -= 1
            else:
                raise Fault(
                    "FORBIDDEN_XML",
                    (
                        "a SOAP message must not contain processing instructions",
                        "в сообщении SOAP не должно быть инструкций обработки "
                        "(processing instructions)",
                    ),
                )
    except etree.XMLSyntaxError as error:
        line = getattr(error, "lineno", None) or 1
        raise Fault(
            "MALFORMED_XML",
            (
                f"the body is not well-formed XML: {error.msg}",
                f"тело запроса — неправильно построенный (не well-formed) XML: "
                f"ошибка в строке {line}",
            ),
        ) from None
    root = events.root
    if root.getroottree().docinfo.internalDTD is not None:
        raise Fault("FORBIDDEN_XML", NO_DOCTYPE)
    return root


def body_element(envelope: etree._Element) -> etree._Element:
    """The one element in the Body of a SOAP 1.1 envelope."""
    if envelope.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise Fault(
            "VERSION_MISMATCH",
            (
                "this is a SOAP 1.2 envelope; this endpoint speaks SOAP 1.1",
                "это конверт SOAP 1.2, а эта точка доступа понимает SOAP 1.1",
            ),
            faultcode="VersionMismatch",
        )
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise Fault(
            "INVALID_REQUEST",
            (
                "the root element is not a SOAP 1.1 Envelope",
                "корневой элемент — не конверт (Envelope) SOAP 1.1",
            ),
        )
    header = envelope.find("soap:Header", NSMAP)
    for entry in header if header is not None else ():
        if entry.get(f"{{{SOAP_ENV}}}mustUnderstand") == "1":
            raise Fault(
                "MUST_UNDERSTAND",
                (
                    f"header {_short(etree.QName(entry).localname)} is not understood here",
                    f"заголовок {_short_ru(etree.QName(entry).localname)} здесь не понимают",
                ),
                faultcode="MustUnderstand",
            )
    body = envelope.find("soap:Body", NSMAP)
    if body is None:
        raise Fault(
            "INVALID_REQUEST", ("the envelope has no soap:Body", "в конверте нет soap:Body")
        )
    children = list(body)
    if len(children) != 1:
        raise Fault(
            "INVALID_REQUEST",
            (
                f"the soap:Body must hold one element, not {len(children)}",
                f"в soap:Body должен быть один элемент, а не {len(children)}",
            ),
        )
    return children[0]


def find_operation(element: etree._Element, soap_action: str) -> Operation:
    """The operation the body element asks for, checked against the SOAPAction."""
    operation = OPERATIONS.get(element.tag)
    if operation is None:
        raise Fault(
            "UNKNOWN_OPERATION",
            (
                f"no operation takes a {_short(element.tag)} element; see ?wsdl",
                f"ни одна операция не принимает элемент {_short_ru(element.tag)}; см. ?wsdl",
            ),
        )
    if soap_action != operation.soap_action:
        raise Fault(
            "WRONG_SOAP_ACTION",
            (
                f"SOAPAction {_short(soap_action)} does not match {operation.name}, "
                f"which expects {operation.soap_action!r}",
                f"SOAPAction {_short_ru(soap_action)} не подходит к операции {operation.name}: "
                f"она ждёт «{operation.soap_action}»",
            ),
        )
    return operation


def decode(operation: Operation, element: etree._Element) -> dict | None:
    """The request element as Python data, validated against the schema."""
    try:
        return SCHEMA.decode(element, strip_namespaces=True)
    except xmlschema.XMLSchemaValidationError as error:
        # The schema checks dates (xs:date); name that mistake plainly.
        where = getattr(error.elem, "tag", None)
        if (
            isinstance(where, str)
            and etree.QName(where).localname == "date"
            and not len(error.elem)
        ):
            message = (
                f"{_short(error.elem.text)} is not a date in YYYY-MM-DD form",
                f"{_short_ru(error.elem.text)} — не дата вида ГГГГ-ММ-ДД",
            )
            raise Fault("INVALID_DATE", message) from None
        raise Fault(
            "INVALID_REQUEST",
            (
                f"{operation.name} does not match the schema: {error.reason}",
                f"{operation.name} не соответствует схеме из WSDL"
                + (f": элемент {etree.QName(where).localname}" if isinstance(where, str) else ""),
            ),
        ) from None


# --------------------------------------------------------------------------
# Writing a response


def envelope(content: etree._Element) -> bytes:
    """A SOAP 1.1 envelope around one Body element, tidy and deterministic."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    body.append(content)
    etree.cleanup_namespaces(root)  # the w prefix is declared once, on the Envelope
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def encode(name: str, data: dict) -> etree._Element:
    """An element of the schema built from Python data (validated: a mismatch raises)."""
    return SCHEMA.encode(
        data,
        path=f"{{{NS}}}{name}",
        namespaces={"": NS},
        etree_element_class=etree.Element,
    )


def fault_envelope(fault: Fault, language: str = "en") -> bytes:
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soap:{fault.faultcode}"
    etree.SubElement(element, "faultstring").text = fault.text(language)
    detail = etree.SubElement(element, "detail")
    detail.append(encode("WeatherFault", {"code": fault.code, "message": fault.text(language)}))
    return envelope(element)


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
            return Response(
                f"This is a SOAP 1.1 endpoint: POST an envelope, or GET {PATH}?wsdl\n",
                405,
                headers={"Allow": "POST"},
            )
        return self.call(request)

    def call(self, request: Request) -> Response:
        """Answer one SOAP request: the operation's response or a fault."""
        name = f"POST {PATH}"
        try:
            soap_action = self.check_headers(request)
            element = body_element(parse_xml(self.read_body(request)))
            operation = find_operation(element, soap_action)
            name = operation.name
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
        return Response(envelope(content), 200, content_type=CONTENT_TYPE)

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
        language = languages.pick(request.headers.get("Accept-Language"), self.language)
        response = Response(fault_envelope(fault, language), 500, content_type=CONTENT_TYPE)
        response.headers["Content-Language"] = language  # a POST's answer: no Vary needed
        return response

    def wsdl(self, address: str) -> bytes:
        """The WSDL file, with this server's address in soap:address."""
        return WSDL_TEXT.replace(WSDL_ADDRESS, f"location={quoteattr(address)}").encode()


def start(host: str = "127.0.0.1", port: int = 0, *, language: str = "en") -> runner.RunningServer:
    """Start the SOAP server; its endpoint is ``server.url``, the WSDL ``server.url + "?wsdl"``.

    Faults are in ``language`` ("en" or "ru") unless the request's
    Accept-Language prefers the other.  ``server.observations`` is the
    server's ``observations.Store``.
    """
    languages.checked(language)

    state = ServiceState()

    def make_backend(sock, log):
        # The app records one line per call in the server's log; werkzeug's
        # own "POST /soap → 200" line would only repeat it, so it gets no log.
        return http_server.wsgi_backend(SoapApp(log, language, state), sock)

    server = runner.start_on_socket("soap", host, port, make_backend, path=PATH)
    server.observations = state.store  # what SaveObservation stored
    return server
