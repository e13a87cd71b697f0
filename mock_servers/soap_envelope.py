"""SOAP 1.1 envelopes for the weather service: the contract read from the WSDL,
faults, and reading and writing messages safely.

``mock_servers.soap`` serves the operations over HTTP with these; its public
names (NS, Fault, parse_xml, ...) are these, re-exported.
"""

from __future__ import annotations

import io
from pathlib import Path

import xmlschema
from lxml import etree
from xmlschema.extras.wsdl import Wsdl11Document

from mock_servers import languages, weather

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
