"""The SOAP weather service: its WSDL, every operation and fault through zeep,
and hostile or broken messages posted by hand."""

from __future__ import annotations

import datetime
import re
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import xmlschema
import zeep
from lxml import etree
from waiting import QUICK  # tests/waiting.py
from xmlschema.extras.wsdl import Wsdl11Document

from mock_servers import soap, soap_envelope, weather

NS = soap.NS
SOAP_ENV = soap.SOAP_ENV
XML = "text/xml; charset=utf-8"


@pytest.fixture(scope="module")
def server():
    with soap.start() as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    return zeep.Client(server.url + "?wsdl")


def envelope(body: str, header: str = "") -> bytes:
    """A SOAP 1.1 request envelope around ``body``, as a learner would write it."""
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:w="{NS}">'
        f"{header}<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


GOOD_BODY = "<w:GetForecast><w:city>sochi</w:city><w:date>2026-06-02</w:date></w:GetForecast>"


def post(server, data, content_type=XML, action="GetForecast", **kwargs):
    headers = {"Content-Type": content_type}
    if action is not None:
        headers["SOAPAction"] = f'"{NS}/{action}"'
    headers.update(kwargs.pop("headers", {}))
    return requests.post(server.url, data=data, headers=headers, timeout=5, **kwargs)


def read_fault(response) -> tuple[str, str, str]:
    """(faultcode, detail code, faultstring) of a SOAP 1.1 fault response."""
    assert response.status_code == 500, response.text
    assert response.headers["Content-Type"] == XML
    assert "Traceback" not in response.text
    root = etree.fromstring(response.content)
    (fault,) = root.findall(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    code = fault.findtext(f"detail/{{{NS}}}WeatherFault/{{{NS}}}code")
    return fault.findtext("faultcode"), code, fault.findtext("faultstring")


def assert_still_serving(server):
    response = post(server, envelope(GOOD_BODY))
    assert response.status_code == 200, response.text
    assert b"<w:temp_max>25</w:temp_max>" in response.content


# --------------------------------------------------------------------------
# The contract


def test_wsdl_is_served_with_the_real_address(server):
    for query in ("?wsdl", "?WSDL"):
        response = requests.get(server.url + query, timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == XML
        root = etree.fromstring(response.content)
        address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
        assert address.get("location") == server.url


def test_served_wsdl_is_the_file_plus_the_address(server):
    served = requests.get(server.url + "?wsdl", timeout=5).text
    original = soap.WSDL_FILE.read_text(encoding="utf-8")
    assert served == original.replace("http://127.0.0.1:8000/soap", server.url)


def test_wsdl_and_its_embedded_schema_are_valid(server):
    wsdl_bytes = requests.get(server.url + "?wsdl", timeout=5).content
    wsdl = Wsdl11Document(wsdl_bytes)  # validates against the WSDL 1.1 schema
    (binding,) = wsdl.bindings.values()
    actions = {op.local_name: op.soap_action for op in binding.operations.values()}
    assert actions == {
        name: f"{NS}/{name}" for name in ("GetForecast", "ListCities", "GetWeek", "SaveObservation")
    }
    # The embedded schema on its own, as any XSD tool would read it (lxml
    # writes the namespace declarations it inherits from the WSDL).
    root = etree.fromstring(wsdl_bytes)
    schema_element = root.find(".//{http://www.w3.org/2001/XMLSchema}schema")
    schema = xmlschema.XMLSchema(etree.tostring(schema_element).decode())
    assert schema.validity == "valid"
    assert "WeatherFault" in schema.elements and "Forecast" in schema.types


def test_zeep_reads_the_operations_and_the_fault(client):
    operations = client.service._binding._operations
    assert set(operations) == {"GetForecast", "ListCities", "GetWeek", "SaveObservation"}
    for operation in operations.values():
        assert set(operation.faults) == {"WeatherFault"}


# --------------------------------------------------------------------------
# The operations, through zeep


def test_get_forecast(client):
    forecast = client.service.GetForecast(city="moscow", date="2026-06-03")
    expected = weather.forecast("moscow", "2026-06-03")
    assert forecast.date == datetime.date(2026, 6, 3)
    assert forecast.temp_min == expected["temp_min"] and forecast.temp_max == expected["temp_max"]
    assert forecast.precipitation_mm == expected["precipitation_mm"]
    assert forecast.condition == "rain" and forecast.description == "Rain"


def test_get_forecast_takes_a_python_date(client):
    forecast = client.service.GetForecast("tokyo", datetime.date(2026, 6, 7))
    assert forecast.city == "tokyo" and forecast.temp_max == 25


def test_list_cities(client):
    cities = client.service.ListCities()
    assert [city.id for city in cities] == list(weather.CITIES)
    kazan = cities[2]
    assert (kazan.name, kazan.name_ru, kazan.country) == ("Kazan", "Казань", "RU")
    assert kazan.latitude == pytest.approx(55.7963)


def test_get_week(client):
    week = client.service.GetWeek("london")
    assert [day.date.isoformat() for day in week] == list(weather.DATES)
    assert [day.temp_max for day in week] == [day["temp_max"] for day in weather.week("london")]


def test_save_observation_numbers_per_server():
    with soap.start() as one, soap.start() as two:
        first = zeep.Client(one.url + "?wsdl").service
        second = zeep.Client(two.url + "?wsdl").service
        assert first.SaveObservation("kazan", "2026-06-01", Decimal("23.5"), "hot") == 1
        assert first.SaveObservation(city="kazan", date="2026-06-02", temperature=-3) == 2
        assert second.SaveObservation("sochi", "2026-06-01", 20) == 1


def test_responses_are_tidy_and_deterministic(server):
    first = post(server, envelope(GOOD_BODY))
    second = post(server, envelope(GOOD_BODY))
    assert first.status_code == 200 and first.headers["Content-Type"] == XML
    assert first.content == second.content
    text = first.text
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope ")
    assert f'xmlns:soap="{SOAP_ENV}"' in text and f'xmlns:w="{NS}"' in text
    assert "\n  <soap:Body>\n    <w:GetForecastResponse>\n      <w:forecast>\n" in text
    assert "ns0" not in text


# --------------------------------------------------------------------------
# Faults for requests that are valid SOAP, through zeep


@pytest.mark.parametrize(
    ("operation", "args", "code"),
    [
        ("GetForecast", ("atlantis", "2026-06-01"), "UNKNOWN_CITY"),
        ("GetWeek", ("atlantis",), "UNKNOWN_CITY"),
        ("SaveObservation", ("atlantis", "2026-06-01", 10), "UNKNOWN_CITY"),
        ("GetForecast", ("moscow", "2026-06-08"), "DATE_OUT_OF_RANGE"),
        ("GetForecast", ("moscow", "2025-06-01"), "DATE_OUT_OF_RANGE"),
        ("SaveObservation", ("moscow", "2026-05-31", 10), "DATE_OUT_OF_RANGE"),
        ("GetForecast", ("moscow", "2026-13-01"), "INVALID_DATE"),
        ("GetForecast", ("moscow", "tomorrow"), "INVALID_DATE"),
        ("GetForecast", ("moscow", "2026-06-01Z"), "INVALID_DATE"),  # valid xs:date, no zone here
        ("SaveObservation", ("moscow", "06/01/2026", 10), "INVALID_DATE"),
        ("SaveObservation", ("moscow", "2026-06-01", 61), "INVALID_REQUEST"),
        ("SaveObservation", ("moscow", "2026-06-01", 10, "x" * 501), "INVALID_REQUEST"),
        ("SaveObservation", ("moscow", "2026-07-01", 10), "DATE_OUT_OF_RANGE"),
        ("GetForecast", ("", "2026-06-01"), "INVALID_REQUEST"),
    ],
)
def test_client_faults(client, operation, args, code):
    with pytest.raises(zeep.exceptions.Fault) as caught:
        getattr(client.service, operation)(*args)
    fault = caught.value
    assert fault.code == "soap:Client"
    # The detail is declared in the WSDL, so zeep can read it as a typed object.
    detail = client.get_element(f"{{{NS}}}WeatherFault").parse(fault.detail[0], client.wsdl.types)
    assert detail.code == code
    assert detail.message == fault.message and fault.message


def test_fault_messages_help(client):
    with pytest.raises(zeep.exceptions.Fault, match="the week runs from 2026-06-01 to 2026-06-07"):
        client.service.GetForecast("moscow", "2026-07-01")
    with pytest.raises(zeep.exceptions.Fault, match="unknown city 'atlantis'; ListCities"):
        client.service.GetWeek("atlantis")


def test_a_failing_operation_is_a_server_fault_without_details(server, monkeypatch):
    def broken(request, state):
        raise RuntimeError("secret internals /srv/app.py line 42")

    monkeypatch.setitem(soap.HANDLERS, "GetForecast", broken)
    response = post(server, envelope(GOOD_BODY))
    faultcode, code, message = read_fault(response)
    assert (faultcode, code) == ("soap:Server", "INTERNAL_ERROR")
    assert "secret" not in response.text and "RuntimeError" not in response.text
    monkeypatch.undo()
    assert_still_serving(server)


def test_a_response_the_schema_forbids_is_a_server_fault(server, monkeypatch):
    monkeypatch.setitem(soap.HANDLERS, "ListCities", lambda request, state: {"city": [{"id": 1}]})
    response = post(server, envelope("<w:ListCities/>"), action="ListCities")
    assert read_fault(response)[:2] == ("soap:Server", "INTERNAL_ERROR")


# --------------------------------------------------------------------------
# Broken and hostile messages, posted by hand

PASSWD = Path("/etc/passwd")

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:w="{NS}"><soap:Body>
<w:GetWeek><w:city>&xxe;</w:city></w:GetWeek></soap:Body></soap:Envelope>"""

PARAMETER_XXE = f"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body/></soap:Envelope>"""

LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' if n else '<!ENTITY lol0 "lol">' for n in range(10)
)
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [{LAUGHS}]>
<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:w="{NS}"><soap:Body>
<w:GetWeek><w:city>&lol9;</w:city></w:GetWeek></soap:Body></soap:Envelope>"""

SOAP12 = (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
    f'<env:Body><w:ListCities xmlns:w="{NS}"/></env:Body></env:Envelope>'
)


def deep(levels: int) -> bytes:
    return envelope("<w:GetWeek>" + "<x>" * levels + "</x>" * levels + "</w:GetWeek>")


@pytest.mark.parametrize(
    ("data", "kwargs", "code"),
    [
        pytest.param(XXE.encode(), {"action": "GetWeek"}, "FORBIDDEN_XML", id="xxe"),
        pytest.param(XXE.encode("utf-16"), {"action": "GetWeek"}, "FORBIDDEN_XML", id="xxe-utf16"),
        pytest.param(PARAMETER_XXE.encode(), {}, "FORBIDDEN_XML", id="parameter-entity"),
        pytest.param(BILLION_LAUGHS.encode(), {"action": "GetWeek"}, "FORBIDDEN_XML", id="laughs"),
        pytest.param(deep(120), {"action": "GetWeek"}, "FORBIDDEN_XML", id="deep-120"),
        pytest.param(deep(5000), {"action": "GetWeek"}, "FORBIDDEN_XML", id="deep-5000"),
        pytest.param(
            b'<?xml-stylesheet href="x.xsl"?>' + envelope(GOOD_BODY), {}, "FORBIDDEN_XML", id="pi"
        ),
        pytest.param(envelope(GOOD_BODY) + b" " * (soap.MAX_BODY), {}, "TOO_LARGE", id="over-1mb"),
        pytest.param(
            (chunk for chunk in [envelope(GOOD_BODY)] + [b" " * 65536] * 17),
            {},
            "TOO_LARGE",
            id="over-1mb-chunked",
        ),
        pytest.param(b"city=moscow&date=2026-06-01", {}, "MALFORMED_XML", id="not-xml"),
        pytest.param(b"", {}, "MALFORMED_XML", id="empty"),
        pytest.param(envelope(GOOD_BODY)[:-10], {}, "MALFORMED_XML", id="truncated"),
        pytest.param(
            envelope("<w:GetWeek><w:city>&xxe;</w:city></w:GetWeek>"),
            {},
            "MALFORMED_XML",
            id="undeclared-entity",
        ),
        pytest.param(
            envelope(GOOD_BODY),
            {"content_type": "application/json"},
            "WRONG_CONTENT_TYPE",
            id="json-content-type",
        ),
        pytest.param(
            envelope(GOOD_BODY),
            {"content_type": "application/soap+xml"},
            "WRONG_CONTENT_TYPE",
            id="soap12-content-type",
        ),
        pytest.param(
            envelope(GOOD_BODY), {"action": "ListCities"}, "WRONG_SOAP_ACTION", id="wrong-action"
        ),
        pytest.param(envelope(GOOD_BODY), {"action": None}, "WRONG_SOAP_ACTION", id="no-action"),
        pytest.param(
            envelope(GOOD_BODY),
            {"headers": {"SOAPAction": '""'}},
            "WRONG_SOAP_ACTION",
            id="empty-action",
        ),
        pytest.param(
            b"<forecast><city>moscow</city></forecast>", {}, "INVALID_REQUEST", id="not-an-envelope"
        ),
        pytest.param(
            f'<soap:Envelope xmlns:soap="{SOAP_ENV}"/>'.encode(),
            {},
            "INVALID_REQUEST",
            id="no-body",
        ),
        pytest.param(envelope(GOOD_BODY * 2), {}, "INVALID_REQUEST", id="two-body-elements"),
        pytest.param(envelope(""), {}, "INVALID_REQUEST", id="empty-body"),
        pytest.param(
            envelope("<w:GetForecast><w:city>moscow</w:city></w:GetForecast>"),
            {},
            "INVALID_REQUEST",
            id="missing-date",
        ),
        pytest.param(
            envelope("<w:GetForecast><city>moscow</city><date>2026-06-01</date></w:GetForecast>"),
            {},
            "INVALID_REQUEST",
            id="unqualified-children",
        ),
        pytest.param(
            envelope(GOOD_BODY.replace("</w:GetForecast>", "<w:extra/></w:GetForecast>")),
            {},
            "INVALID_REQUEST",
            id="extra-element",
        ),
        pytest.param(envelope("<w:GetWeather/>"), {}, "UNKNOWN_OPERATION", id="unknown-op"),
        pytest.param(
            envelope(GOOD_BODY).replace(b"xmlns:w", b"xmlns:v"),
            {},
            "MALFORMED_XML",
            id="unbound-prefix",
        ),
    ],
)
def test_bad_requests_get_a_client_fault_and_the_server_goes_on(server, data, kwargs, code):
    response = post(server, data, **kwargs)
    faultcode, detail_code, message = read_fault(response)
    assert (faultcode, detail_code) == ("soap:Client", code), message
    assert message
    assert_still_serving(server)


def test_xxe_never_leaks_a_file(server):
    secrets = (
        [line for line in PASSWD.read_text().splitlines()[:3] if line] if PASSWD.exists() else []
    )
    for data in (XXE.encode(), XXE.encode("utf-16"), PARAMETER_XXE.encode()):
        response = post(server, data, action="GetWeek")
        assert response.status_code == 500
        assert "root:" not in response.text
        for line in secrets:
            assert line not in response.text


def test_the_parser_alone_never_loads_or_expands_entities(monkeypatch):
    # The DOCTYPE check comes first; switched off here, the parser is the wall.
    monkeypatch.setattr(soap_envelope, "_DOCTYPE_MARKERS", ())
    for document in (XXE, PARAMETER_XXE, BILLION_LAUGHS):
        started = time.perf_counter()
        with pytest.raises(soap.Fault) as caught:
            soap.parse_xml(document.encode())
        assert caught.value.code in ("MALFORMED_XML", "FORBIDDEN_XML")
        assert "root:" not in caught.value.message
        # Milliseconds; an expansion would take far longer (or all the memory).
        assert time.perf_counter() - started < 5


def test_comments_are_ignored(server):
    body = GOOD_BODY.replace("<w:city>", "<!-- where --><w:city><!-- id -->")
    response = post(server, envelope(f"<!-- one call -->{body}"))
    assert response.status_code == 200, response.text


def test_nesting_up_to_the_limit_is_parsed():
    root = soap.parse_xml(b"<a>" * soap.MAX_DEPTH + b"</a>" * soap.MAX_DEPTH)
    assert root.tag == "a"


def test_soap12_envelope_is_a_version_mismatch(server):
    response = post(server, SOAP12.encode(), action="ListCities")
    assert read_fault(response)[:2] == ("soap:VersionMismatch", "VERSION_MISMATCH")
    assert_still_serving(server)


def test_a_header_that_must_be_understood_is_refused(server):
    header = (
        '<soap:Header><t:Token xmlns:t="urn:x" soap:mustUnderstand="1">abc</t:Token></soap:Header>'
    )
    response = post(server, envelope(GOOD_BODY, header))
    assert read_fault(response)[:2] == ("soap:MustUnderstand", "MUST_UNDERSTAND")
    optional = header.replace('soap:mustUnderstand="1"', 'soap:mustUnderstand="0"')
    assert post(server, envelope(GOOD_BODY, optional)).status_code == 200


def test_get_without_wsdl_is_405_with_a_hint(server):
    for method in ("GET", "PUT", "DELETE"):
        response = requests.request(method, server.url, timeout=5)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"
        assert "?wsdl" in response.text
    assert requests.get(server.url.replace("/soap", "/other"), timeout=5).status_code == 404
    assert_still_serving(server)


def test_concurrent_calls(server):
    results = []

    def call():
        for _ in range(10):
            results.append(post(server, envelope(GOOD_BODY)).status_code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [200] * 80


# --------------------------------------------------------------------------
# The server's life


def test_log_has_one_line_per_call():
    with soap.start() as running:
        service = zeep.Client(running.url + "?wsdl").service
        service.GetForecast("moscow", "2026-06-01")
        with pytest.raises(zeep.exceptions.Fault):
            service.GetWeek("atlantis")
        post(running, b"not xml")
        assert running.log.lines == [
            "GET ?wsdl → 200",
            "GetForecast → 200",
            "GetWeek → Client fault (UNKNOWN_CITY)",
            "POST /soap → Client fault (MALFORMED_XML)",
        ]


def test_start_and_stop_are_fast_and_leave_nothing_behind():
    before = set(threading.enumerate())
    for _ in range(5):
        started = time.perf_counter()
        running = soap.start()
        assert time.perf_counter() - started < QUICK  # figures: benchmarks/soap_server.py
        assert_still_serving(running)
        stopping = time.perf_counter()
        running.stop()
        assert time.perf_counter() - stopping < QUICK
        assert not running.running
        with pytest.raises(requests.ConnectionError):
            requests.get(running.url + "?wsdl", timeout=1)
    assert set(threading.enumerate()) <= before


def test_binds_loopback_by_default():
    with soap.start() as running:
        assert running.host == "127.0.0.1"
        assert running.url == f"http://127.0.0.1:{running.port}/soap"


# --------------------------------------------------------------------------
# Faults in the learner's language

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
# What a Russian fault may show as it is: names from the contract and the protocol.
NAMES = re.compile(
    r"\([^)]*\)|«[^»]*»|SOAPAction|SOAP|XML|Envelope|soap:Body|Content-Type|text/xml|ListCities|DOCTYPE|"
    r"GetForecast|GetWeek|SaveObservation|wsdl|WSDL|well-formed|processing instructions|"
    r"city|date|temperature|note"
)


@pytest.mark.parametrize(
    ("data", "kwargs", "code"),
    [
        (
            envelope("<w:GetWeek><w:city>atlantis</w:city></w:GetWeek>"),
            {"action": "GetWeek"},
            "UNKNOWN_CITY",
        ),
        (
            envelope(
                "<w:GetForecast><w:city>sochi</w:city><w:date>2026-07-01</w:date></w:GetForecast>"
            ),
            {},
            "DATE_OUT_OF_RANGE",
        ),
        (
            envelope(
                "<w:GetForecast><w:city>sochi</w:city><w:date>1 June</w:date></w:GetForecast>"
            ),
            {},
            "INVALID_DATE",
        ),
        (envelope(GOOD_BODY), {"action": "GetWeek"}, "WRONG_SOAP_ACTION"),
        (envelope(GOOD_BODY), {"content_type": "application/soap+xml"}, "WRONG_CONTENT_TYPE"),
        (b"<not xml", {}, "MALFORMED_XML"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', {}, "FORBIDDEN_XML"),
        (envelope("<w:GetForecast><w:city>sochi</w:city></w:GetForecast>"), {}, "INVALID_REQUEST"),
        (
            envelope(
                "<w:SaveObservation><w:city>sochi</w:city><w:date>2026-07-01</w:date>"
                "<w:temperature>20</w:temperature></w:SaveObservation>"
            ),
            {"action": "SaveObservation"},
            "DATE_OUT_OF_RANGE",
        ),
    ],
)
def test_faults_in_russian_when_the_request_prefers_it(server, data, kwargs, code):
    russian = post(server, data, headers=RUSSIAN, **kwargs)
    faultcode, detail_code, text = read_fault(russian)
    assert detail_code == code
    assert russian.headers["Content-Language"] == "ru"
    assert re.search(r"[A-Za-z]{3,}", NAMES.sub("", text)) is None, text
    english = post(server, data, **kwargs)
    assert read_fault(english)[1] == code and read_fault(english)[2] != text


def test_the_servers_default_language():
    with soap.start(language="ru") as running:
        body = envelope("<w:GetWeek><w:city>atlantis</w:city></w:GetWeek>")
        text = read_fault(post(running, body, action="GetWeek"))[2]
        assert text.startswith("неизвестный город")
        asked = post(running, body, action="GetWeek", headers={"Accept-Language": "en"})
        assert read_fault(asked)[2].startswith("unknown city")


def test_descriptions_in_the_language_the_request_prefers(server):
    def descriptions(response) -> list[str]:
        assert response.status_code == 200, response.text
        root = etree.fromstring(response.content)
        return [element.text for element in root.iter(f"{{{NS}}}description")]

    assert descriptions(post(server, envelope(GOOD_BODY))) == ["Clear sky"]
    asked = post(server, envelope(GOOD_BODY), headers=RUSSIAN)
    assert descriptions(asked) == ["Ясно"]
    assert asked.headers["Content-Language"] == "ru"
    week = envelope("<w:GetWeek><w:city>moscow</w:city></w:GetWeek>")
    assert descriptions(post(server, week, action="GetWeek", headers=RUSSIAN)) == [
        day["description"] for day in weather.week("moscow", "ru")
    ]
    with soap.start(language="ru") as running:
        assert descriptions(post(running, envelope(GOOD_BODY))) == ["Ясно"]
        english = post(running, envelope(GOOD_BODY), headers={"Accept-Language": "en"})
        assert descriptions(english) == ["Clear sky"]


def test_the_405_is_in_the_language_asked_for(server):
    response = requests.get(server.url, headers=RUSSIAN, timeout=5)
    assert response.status_code == 405 and response.reason == "Method Not Allowed"
    assert response.headers["Content-Language"] == "ru"
    assert "Accept-Language" in response.headers["Vary"]
    assert response.text.startswith("Это адрес службы SOAP 1.1") and "?wsdl" in response.text
    english = requests.get(server.url, timeout=5)
    assert english.text.startswith("This is a SOAP 1.1 endpoint")
